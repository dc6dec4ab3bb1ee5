// The default guest's initramfs: a fixed skeleton (directories, /dev/console, /dev/null,
// /init) plus whatever files and kernel modules the recipe asks for.
import { readFileSync } from 'node:fs';
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

function addModules(w: CpioWriter, m: InitramfsModules): void {
  const dir = join(m.packageRoot, 'lib', 'modules', m.kernelVersion);
  const depText = readFileSync(join(dir, 'modules.dep'), 'utf8');
  const paths = resolveModules(depText, m.names);
  const wanted = new Set(paths);
  const base = `lib/modules/${m.kernelVersion}`;
  for (const p of paths) w.addFile(`${base}/${p}`, readFileSync(join(dir, p)), { perm: 0o644 });
  // A modules.dep trimmed to what is in the archive, so busybox modprobe resolves them.
  const lines = depText.split('\n').filter((l) => wanted.has(l.slice(0, l.indexOf(':')).trim()));
  w.addFile(`${base}/modules.dep`, lines.join('\n') + '\n', { perm: 0o644 });
}
