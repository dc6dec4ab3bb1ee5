// The default guest's initramfs: a fixed skeleton (directories, /dev/console, /dev/null,
// /init) plus whatever files and kernel modules the recipe asks for.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpioWriter } from './cpio.js';

export interface InitramfsFile {
  /** Path inside the guest, e.g. "bin/busybox". */
  path: string;
  data: Uint8Array;
  perm: number;
}

export interface InitramfsModules {
  /** `uname -r` of the kernel, e.g. "6.1.0-50-powerpc64le". */
  kernelVersion: string;
  /** Root of the extracted linux-image package (holds lib/modules/<version>/). */
  packageRoot: string;
  /** Module names as modprobe knows them ("virtio_blk"); dependencies come along. */
  names: string[];
}

export interface InitramfsInput {
  init: string | Uint8Array;
  files: InitramfsFile[];
  modules?: InitramfsModules;
}

const SKELETON_DIRS: [string, number][] = [
  ['bin', 0o755],
  ['sbin', 0o755],
  ['usr/bin', 0o755],
  ['usr/sbin', 0o755],
  ['etc', 0o755],
  ['proc', 0o555],
  ['sys', 0o555],
  ['dev', 0o755],
  ['run', 0o755],
  ['root', 0o700],
  ['tmp', 0o1777],
];

/** Build the (uncompressed) cpio newc archive. */
export function buildInitramfs(input: InitramfsInput): Uint8Array {
  const w = new CpioWriter();
  for (const [d, perm] of SKELETON_DIRS) w.addDir(d, { perm });
  // The kernel opens /dev/console for init's stdio before any devtmpfs is mounted.
  w.addCharDevice('dev/console', 5, 1, { perm: 0o600 });
  w.addCharDevice('dev/null', 1, 3, { perm: 0o666 });
  w.addFile('init', input.init, { perm: 0o755 });
  for (const f of input.files) w.addFile(f.path, f.data, { perm: f.perm });
  if (input.modules && input.modules.names.length > 0) addModules(w, input.modules);
  return w.finish();
}

/** Strip directory and compression suffix, and fold '-' to '_' as modprobe does. */
export function moduleNameOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

/**
 * Parse modules.dep ("path: dep dep ...") and return the module paths needed for
 * `names`, dependencies before the modules that need them.
 */
export function resolveModules(modulesDep: string, names: string[]): string[] {
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const line of modulesDep.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const path = line.slice(0, colon).trim();
    const rest = line.slice(colon + 1).trim();
    deps.set(path, rest === '' ? [] : rest.split(/\s+/));
    byName.set(moduleNameOf(path), path);
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (path: string, chain: string[]): void => {
    const s = state.get(path);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`module dependency cycle: ${[...chain, path].join(' -> ')}`);
    state.set(path, 'visiting');
    const ds = deps.get(path);
    if (ds === undefined) throw new Error(`modules.dep has no entry for ${path}`);
    for (const d of ds) visit(d, [...chain, path]);
    state.set(path, 'done');
    order.push(path);
  };
  for (const n of names) {
    const path = byName.get(n.replace(/-/g, '_'));
    if (path === undefined) throw new Error(`kernel module "${n}" is not in modules.dep (built in, or misspelt?)`);
    visit(path, []);
  }
  return order;
}

/**
 * The key=value strings of a kernel module's .modinfo section ("depends=a,b", ...).
 * Reads ELF32/ELF64 of either byte order.
 */
export function readModinfo(ko: Uint8Array): Map<string, string[]> {
  const dv = new DataView(ko.buffer, ko.byteOffset, ko.byteLength);
  if (ko.length < 52 || dv.getUint32(0, false) !== 0x7f454c46) throw new Error('not an ELF file');
  const is64 = ko[4] === 2;
  const le = ko[5] === 1;
  const u16 = (o: number) => dv.getUint16(o, le);
  const u32 = (o: number) => dv.getUint32(o, le);
  const word = (o: number) => (is64 ? Number(dv.getBigUint64(o, le)) : u32(o));
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  const sect = (k: number) => {
    const h = shoff + k * shentsize;
    if (h + shentsize > ko.length) throw new Error('section header outside the file');
    return { name: u32(h), offset: word(h + (is64 ? 24 : 16)), size: word(h + (is64 ? 32 : 20)) };
  };
  const strtab = sect(shstrndx);
  const dec = new TextDecoder();
  const out = new Map<string, string[]>();
  for (let k = 0; k < shnum; k++) {
    const s = sect(k);
    const n0 = strtab.offset + s.name;
    const name = dec.decode(ko.subarray(n0, ko.indexOf(0, n0)));
    if (name !== '.modinfo') continue;
    if (s.offset + s.size > ko.length) throw new Error('.modinfo outside the file');
    for (const kv of dec.decode(ko.subarray(s.offset, s.offset + s.size)).split('\0')) {
      const eq = kv.indexOf('=');
      if (eq <= 0) continue;
      const key = kv.slice(0, eq);
      out.set(key, [...(out.get(key) ?? []), kv.slice(eq + 1)]);
    }
  }
  return out;
}

function walkModules(dir: string, rel: string, out: Map<string, string>): void {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) walkModules(dir, p, out);
    else if (/\.ko(\.(xz|zst|gz))?$/.test(e.name)) out.set(moduleNameOf(p), p);
  }
}

/**
 * modules.dep lines for `names` and everything they depend on, from each module's own
 * .modinfo "depends=" (Debian ships no modules.dep: depmod makes it at install time).
 * As depmod writes it, each line lists all dependencies, the one to load first last.
 */
export function modulesDepFromModinfo(moduleDir: string, names: string[]): string {
  const paths = new Map<string, string>();
  walkModules(moduleDir, 'kernel', paths);
  const direct = new Map<string, string[]>();
  const visit = (name: string): string => {
    const path = paths.get(name.replace(/-/g, '_'));
    if (path === undefined) throw new Error(`kernel module "${name}" is not in ${moduleDir} (built in, or misspelt?)`);
    if (direct.has(path)) return path;
    if (!path.endsWith('.ko')) throw new Error(`${path}: compressed modules are not supported yet`);
    const info = readModinfo(readFileSync(join(moduleDir, path)));
    const deps = (info.get('depends') ?? []).flatMap((d) => d.split(',')).filter((d) => d !== '');
    direct.set(path, []);
    direct.set(path, deps.map((d) => visit(d)));
    return path;
  };
  for (const n of names) visit(n);
  const lines: string[] = [];
  for (const path of direct.keys()) {
    // Dependencies in load order (deepest first), then reversed as modules.dep wants.
    const order: string[] = [];
    const seen = new Set<string>();
    const walk = (p: string): void => {
      for (const d of direct.get(p) ?? []) {
        if (seen.has(d)) continue;
        seen.add(d);
        walk(d);
        order.push(d);
      }
    };
    walk(path);
    lines.push(`${path}: ${order.reverse().join(' ')}`.trimEnd());
  }
  return lines.join('\n') + '\n';
}

function addModules(w: CpioWriter, m: InitramfsModules): void {
  const dir = join(m.packageRoot, 'lib', 'modules', m.kernelVersion);
  const depFile = join(dir, 'modules.dep');
  const depText = existsSync(depFile) ? readFileSync(depFile, 'utf8') : modulesDepFromModinfo(dir, m.names);
  const paths = resolveModules(depText, m.names);
  const wanted = new Set(paths);
  const base = `lib/modules/${m.kernelVersion}`;
  for (const p of paths) w.addFile(`${base}/${p}`, readFileSync(join(dir, p)), { perm: 0o644 });
  // A modules.dep trimmed to what is in the archive, so busybox modprobe resolves them.
  const lines = depText.split('\n').filter((l) => wanted.has(l.slice(0, l.indexOf(':')).trim()));
  w.addFile(`${base}/modules.dep`, lines.join('\n') + '\n', { perm: 0o644 });
}
