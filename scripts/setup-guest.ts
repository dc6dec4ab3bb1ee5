// Fetch PPCBox's default guest from Debian's ppc64el packages and build its initramfs.
//
//   npm run setup [-- --force] [-- --refresh]
//   npm run setup -- --kernel <vmlinux> --initrd <initrd>   (no apt: register your own)
//
// apt-get runs with a private package-list and cache directory and ppc64el as its only
// architecture, so the system's apt configuration and state are never touched.
// Everything lands in .cache/guest/; every file is written to a temp name and renamed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildInitramfs, type InitramfsFile } from './guest/initramfs.js';
import {
  DEFAULT_GUEST_DIR,
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  REPO_ROOT,
  filesPresent,
  readManifest,
  type GuestManifest,
} from './guest/manifest.js';

interface Recipe {
  architecture: string;
  kernel: { packagePattern: string; image: string };
  packages: { name: string; files: { from: string; to: string; perm: string }[] }[];
  init: string;
  modules: string[];
}

const RECIPE_DIR = join(REPO_ROOT, 'assets', 'guest');
const USAGE = `Usage: npm run setup [-- options]    (or: ppcbox setup [options])

Fetch the default guest (Debian's newest linux-image-*-powerpc64le and busybox-static,
architecture ppc64el) and build its initramfs into .cache/guest/.

Options:
  --force              rebuild even when the cached guest is up to date
  --refresh            also re-read Debian's package lists (picks up a newer kernel)
  --kernel <vmlinux>   register your own kernel instead (needs --initrd; no apt used)
  --initrd <file>      register your own initramfs (needs --kernel)
  --cache-dir <dir>    where to keep the guest (default: .cache/guest)
  -h, --help           show this help`;

/** A problem to report in one message (not a bug in this script). */
class SetupError extends Error {}

function log(msg: string): void {
  process.stdout.write(`setup: ${msg}\n`);
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

/** Write `data` to `path` via a temp file in the same directory, fsync, rename. */
function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function copyFileAtomic(from: string, to: string): void {
  const tmp = `${to}.tmp-${process.pid}`;
  copyFileSync(from, tmp);
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, to);
}

function hasCommand(cmd: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0;
}

function rel(p: string): string {
  const r = relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') ? p : r;
}

/** Check that a file is a 64-bit PowerPC ELF, either byte order (what our pseries loads). */
export function checkPpc64Elf(path: string): void {
  const fd = openSync(path, 'r');
  const h = Buffer.alloc(20);
  try {
    readSyncFull(fd, h);
  } finally {
    closeSync(fd);
  }
  const isElf = h[0] === 0x7f && h[1] === 0x45 && h[2] === 0x4c && h[3] === 0x46;
  if (!isElf) throw new SetupError(`${path} is not an ELF file`);
  const machine = h[5] === 2 ? h.readUInt16BE(18) : h.readUInt16LE(18);
  if (h[4] !== 2 || (h[5] !== 1 && h[5] !== 2) || machine !== 21) {
    throw new SetupError(`${path} is not a 64-bit PowerPC ELF (class ${h[4]}, data ${h[5]}, machine ${machine})`);
  }
}

function readSyncFull(fd: number, buf: Buffer): void {
  const n = readSync(fd, buf);
  if (n < buf.length) throw new SetupError('file too short to be an ELF');
}

// ------------------------------------------------------------------ apt with private state

export interface KernelCandidate {
  name: string;
  abi: number[];
}

/** Pick the newest linux-image-<abi>-powerpc64le from a list of package names. */
export function newestKernelPackage(names: string[], pattern: string): string | undefined {
  const re = new RegExp(pattern);
  let best: KernelCandidate | undefined;
  for (const name of names) {
    const m = re.exec(name.trim());
    if (!m) continue;
    const abi = m.slice(1).map((s) => Number.parseInt(s, 10));
    if (!best || compareNums(abi, best.abi) > 0) best = { name: name.trim(), abi };
  }
  return best?.name;
}

function compareNums(a: number[], b: number[]): number {
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    const d = (a[k] ?? 0) - (b[k] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

class Apt {
  readonly opts: string[];

  constructor(
    readonly dir: string,
    arch: string,
  ) {
    const lists = join(dir, 'lists');
    const cache = join(dir, 'cache');
    mkdirSync(join(lists, 'partial'), { recursive: true });
    mkdirSync(join(cache, 'archives', 'partial'), { recursive: true });
    this.opts = [
      '-o', `APT::Architecture=${arch}`,
      '-o', `APT::Architectures=${arch}`,
      '-o', `Dir::State::Lists=${lists}`,
      '-o', `Dir::Cache=${cache}`,
    ];
    // As root apt drops to _apt for downloads, which cannot write into our cache.
    if (process.getuid?.() === 0) this.opts.push('-o', 'APT::Sandbox::User=root');
  }

  private run(cmd: string, args: string[], cwd?: string): { status: number; stdout: string; stderr: string } {
    const r = spawnSync(cmd, [...this.opts, ...args], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) throw new SetupError(`cannot run ${cmd}: ${r.error.message}`);
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  }

  update(): void {
    log(`apt-get update (ppc64el package lists, private to ${rel(this.dir)})`);
    const r = this.run('apt-get', ['-q', 'update']);
    if (r.status !== 0) {
      // Often one index (e.g. a security mirror mid-sync) fails while the main one is fine.
      const errs = r.stderr.split('\n').filter((l) => l.startsWith('E:') || l.startsWith('Err:'));
      log(`apt-get update reported errors; continuing with the lists it did fetch:\n  ${errs.join('\n  ')}`);
    }
  }

  packageNames(prefix: string): string[] {
    const r = this.run('apt-cache', ['pkgnames', prefix]);
    if (r.status !== 0) throw new SetupError(`apt-cache pkgnames failed: ${r.stderr.trim()}`);
    return r.stdout.split('\n').filter((s) => s !== '');
  }

  candidateVersion(pkg: string): string {
    const r = this.run('apt-cache', ['show', '--no-all-versions', pkg]);
    const m = /^Version: (\S+)$/m.exec(r.stdout);
    if (r.status !== 0 || !m) throw new SetupError(`package ${pkg} has no ppc64el candidate in the package lists`);
    return m[1];
  }

  /** Download `pkgs` into `destDir` (through a temp dir, renamed file by file). */
  download(pkgs: string[], destDir: string): Map<string, string> {
    const tmp = join(destDir, `.download-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    try {
      log(`apt-get download ${pkgs.join(' ')}`);
      const r = this.run('apt-get', ['-q', 'download', ...pkgs], tmp);
      if (r.status !== 0) {
        const errs = r.stderr.split('\n').filter((l) => l.startsWith('E:') || l.startsWith('Err'));
        throw new SetupError(`apt-get download failed: ${errs.join('; ') || r.stderr.trim()}`);
      }
      const out = new Map<string, string>();
      const files = readdirSync(tmp);
      for (const pkg of pkgs) {
        const f = files.find((n) => n.startsWith(`${pkg}_`) && n.endsWith('.deb'));
        if (!f) throw new SetupError(`apt-get download produced no .deb for ${pkg}`);
        const dest = join(destDir, f);
        renameSync(join(tmp, f), dest);
        out.set(pkg, dest);
      }
      return out;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

/** dpkg-deb -x into a temp directory, then rename into place. Reuses a finished one. */
function extractDeb(deb: string, dest: string): void {
  if (existsSync(join(dest, '.ppcbox-extracted'))) return;
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  log(`extracting ${basename(deb)}`);
  const r = spawnSync('dpkg-deb', ['-x', deb, tmp], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new SetupError(`dpkg-deb -x ${deb} failed: ${r.error?.message ?? r.stderr.trim()}`);
  }
  writeFileAtomic(join(tmp, '.ppcbox-extracted'), `${basename(deb)}\n`);
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
}

// ------------------------------------------------------------------ the steps

function loadRecipe(): { recipe: Recipe; init: Uint8Array; hash: string } {
  const recipeText = readFileSync(join(RECIPE_DIR, 'recipe.json'), 'utf8');
  const recipe = JSON.parse(recipeText) as Recipe;
  const init = readFileSync(join(RECIPE_DIR, recipe.init));
  // The builder's own code is part of the recipe: changing it rebuilds the initrd.
  // scripts/test.mjs repeats this hash for its fast path: keep the two in step.
  const builder = ['cpio.ts', 'initramfs.ts'].map((f) => readFileSync(join(REPO_ROOT, 'scripts', 'guest', f), 'utf8'));
  const hash = sha256([recipeText, init.toString('latin1'), ...builder].join('\0'));
  return { recipe, init, hash };
}

function upToDate(dir: string, hash: string): GuestManifest | undefined {
  const m = readManifest(dir);
  if (!m || !filesPresent(dir, m)) return undefined;
  if (m.source === 'local') return m;
  return m.recipeHash === hash ? m : undefined;
}

function describe(m: GuestManifest): string {
  if (m.source === 'local') return `your own kernel and initrd (registered with --kernel/--initrd)`;
  const pk = m.packages.map((p) => `${p.name} ${p.version}`).join(', ');
  return pk;
}

function registerLocal(dir: string, kernel: string, initrd: string): void {
  for (const f of [kernel, initrd]) {
    if (!existsSync(f)) throw new SetupError(`${f}: no such file`);
    if (!statSync(f).isFile()) throw new SetupError(`${f}: not a regular file`);
  }
  checkPpc64Elf(kernel);
  mkdirSync(dir, { recursive: true });
  copyFileAtomic(kernel, join(dir, 'vmlinux'));
  copyFileAtomic(initrd, join(dir, 'initrd.gz'));
  const m: GuestManifest = {
    format: MANIFEST_FORMAT,
    source: 'local',
    recipeHash: '',
    kernel: { file: 'vmlinux', size: statSync(kernel).size, sha256: sha256File(kernel) },
    initrd: { file: 'initrd.gz', size: statSync(initrd).size, sha256: sha256File(initrd) },
    packages: [],
    createdAt: new Date().toISOString(),
  };
  writeFileAtomic(join(dir, MANIFEST_NAME), JSON.stringify(m, null, 2) + '\n');
  log(`registered ${kernel} and ${initrd} as the default guest in ${rel(dir)}`);
}

function fetchAndBuild(dir: string, refresh: boolean, recipe: Recipe, init: Uint8Array, hash: string): GuestManifest {
  for (const cmd of ['apt-get', 'apt-cache', 'dpkg-deb']) {
    if (!hasCommand(cmd)) throw new SetupError(`${cmd} not found (the default guest comes from Debian's packages)`);
  }
  const debDir = join(dir, 'debs');
  const pkgDir = join(dir, 'pkgs');
  mkdirSync(debDir, { recursive: true });
  mkdirSync(pkgDir, { recursive: true });

  // Reuse the packages of the previous build when only the recipe or builder changed.
  const prev = readManifest(dir);
  let debs: { name: string; version: string; deb: string }[] | undefined;
  if (!refresh && prev?.source === 'debian' && prev.packages.every((p) => existsSync(join(debDir, p.deb)))) {
    debs = prev.packages;
    log(`reusing downloaded packages: ${debs.map((p) => `${p.name} ${p.version}`).join(', ')}`);
  }
  if (!debs) {
    const apt = new Apt(join(dir, 'apt'), recipe.architecture);
    apt.update();
    const kernelPkg = newestKernelPackage(apt.packageNames('linux-image-'), recipe.kernel.packagePattern);
    if (!kernelPkg) throw new SetupError('no linux-image-*-powerpc64le package in the ppc64el package lists');
    const names = [kernelPkg, ...recipe.packages.map((p) => p.name)];
    const versions = names.map((n) => apt.candidateVersion(n));
    log(`newest kernel package: ${kernelPkg} ${versions[0]}`);
    // Skip what is already downloaded (same file name = same version).
    const have = readdirSync(debDir);
    const missing = names.filter((n, k) => !have.some((f) => f.startsWith(`${n}_`) && f.includes(`_${versions[k].replace(':', '%3a')}_`)));
    if (missing.length > 0) apt.download(missing, debDir);
    const now = readdirSync(debDir);
    debs = names.map((n, k) => {
      const f = now.find((x) => x.startsWith(`${n}_`) && x.includes(`_${versions[k].replace(':', '%3a')}_`) && x.endsWith('.deb'));
      if (!f) throw new SetupError(`no downloaded .deb for ${n} ${versions[k]}`);
      return { name: n, version: versions[k], deb: f };
    });
  }

  // Extract every package (dpkg-deb -x needs no root and touches no dpkg database).
  const roots = new Map<string, string>();
  for (const p of debs) {
    const dest = join(pkgDir, p.deb.replace(/\.deb$/, ''));
    extractDeb(join(debDir, p.deb), dest);
    roots.set(p.name, dest);
  }

  // The kernel: /boot/vmlinux-<release> of the linux-image package.
  const kernelDeb = debs[0];
  const kroot = roots.get(kernelDeb.name) as string;
  const bootDir = join(kroot, 'boot');
  const images = existsSync(bootDir) ? readdirSync(bootDir).filter((f) => f.startsWith('vmlinux-')) : [];
  if (images.length !== 1) throw new SetupError(`expected one boot/vmlinux-* in ${kernelDeb.deb}, found ${images.length}`);
  const release = images[0].slice('vmlinux-'.length);
  const vmlinuxSrc = join(bootDir, images[0]);
  checkPpc64Elf(vmlinuxSrc);

  // The initramfs, from the recipe.
  const files: InitramfsFile[] = [];
  for (const p of recipe.packages) {
    const root = roots.get(p.name) as string;
    for (const f of p.files) {
      const src = join(root, f.from);
      if (!existsSync(src)) throw new SetupError(`${p.name} has no ${f.from}`);
      files.push({ path: f.to, data: readFileSync(src), perm: Number.parseInt(f.perm, 8) });
    }
  }
  const cpio = buildInitramfs({
    init,
    files,
    modules: { kernelVersion: release, packageRoot: kroot, names: recipe.modules },
  });
  const initrd = new Uint8Array(gzipSync(cpio, { level: 9 }));

  log(`writing vmlinux (${release}) and initrd.gz (${(initrd.length / 1024).toFixed(0)} KiB, ${recipe.modules.length} modules)`);
  copyFileAtomic(vmlinuxSrc, join(dir, 'vmlinux'));
  writeFileAtomic(join(dir, 'initrd.gz'), initrd);
  const m: GuestManifest = {
    format: MANIFEST_FORMAT,
    source: 'debian',
    recipeHash: hash,
    kernel: {
      file: 'vmlinux',
      size: statSync(vmlinuxSrc).size,
      sha256: sha256File(join(dir, 'vmlinux')),
      package: kernelDeb.name,
      version: kernelDeb.version,
      release,
      deb: kernelDeb.deb,
    },
    initrd: { file: 'initrd.gz', size: initrd.length, sha256: sha256(initrd) },
    packages: debs,
    createdAt: new Date().toISOString(),
  };
  writeFileAtomic(join(dir, MANIFEST_NAME), JSON.stringify(m, null, 2) + '\n');
  prune(debDir, pkgDir, debs.map((p) => p.deb));
  return m;
}

/** Drop packages (and their extracted trees) the new manifest no longer names. */
function prune(debDir: string, pkgDir: string, keep: string[]): void {
  const keepDirs = new Set(keep.map((d) => d.replace(/\.deb$/, '')));
  for (const f of readdirSync(debDir)) {
    if (f.endsWith('.deb') && !keep.includes(f)) {
      log(`removing old ${f}`);
      rmSync(join(debDir, f), { force: true });
    }
  }
  for (const d of readdirSync(pkgDir)) {
    if (!keepDirs.has(d)) rmSync(join(pkgDir, d), { recursive: true, force: true });
  }
}

function noAptMessage(reason: string): string {
  return [
    `setup: cannot fetch the default guest: ${reason}`,
    '',
    "  The default guest comes from Debian's ppc64el packages through apt-get. Without apt",
    '  (or without access to a Debian mirror) bring your own 64-bit PowerPC',
    '  kernel (an ELF vmlinux) and initramfs instead:',
    '    npm run setup -- --kernel <vmlinux> --initrd <initrd.gz>   register them as the default guest',
    '    ppcbox setup --kernel <vmlinux> --initrd <initrd.gz>       the same through the ppcbox bin',
    '  or pass --kernel <vmlinux> --initrd <initrd.gz> straight to the VM command.',
  ].join('\n');
}

export function main(argv: string[]): number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        force: { type: 'boolean', default: false },
        refresh: { type: 'boolean', default: false },
        kernel: { type: 'string' },
        initrd: { type: 'string' },
        'cache-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    process.stderr.write(`setup: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dir = args['cache-dir'] ?? DEFAULT_GUEST_DIR;
  try {
    if (args.kernel !== undefined || args.initrd !== undefined) {
      if (args.kernel === undefined || args.initrd === undefined) {
        process.stderr.write('setup: --kernel and --initrd go together\n');
        return 2;
      }
      registerLocal(dir, args.kernel, args.initrd);
      return 0;
    }
    const { recipe, init, hash } = loadRecipe();
    const current = args.force || args.refresh ? undefined : upToDate(dir, hash);
    if (current) {
      log(`default guest is up to date in ${rel(dir)} (${describe(current)}); nothing to do`);
      return 0;
    }
    mkdirSync(dir, { recursive: true });
    const m = fetchAndBuild(dir, args.refresh, recipe, init, hash);
    log(`default guest ready in ${rel(dir)}: vmlinux (${m.kernel.release}), initrd.gz; ${describe(m)}`);
    return 0;
  } catch (e) {
    if (e instanceof SetupError) {
      if (args.kernel !== undefined) {
        process.stderr.write(`setup: ${e.message}\n`);
        return 1;
      }
      process.stderr.write(`${noAptMessage(e.message)}\n`);
      return 1;
    }
    process.stderr.write(noAptMessage(`unexpected error: ${(e as Error).stack ?? String(e)}`) + '\n');
    return 1;
  }
}

if (process.argv[1] && basename(process.argv[1]).startsWith('setup-guest')) {
  process.exitCode = main(process.argv.slice(2));
}
