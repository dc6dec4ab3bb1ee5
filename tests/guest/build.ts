// Builds the guest test programs (tests/guest/stress.c, tests/guest/ipi.c) with Debian's
// cross gcc and test initramfs images: the default guest's initrd.gz with a second gzip'd
// newc archive holding /stress (or /ipi) appended (Linux unpacks concatenated initramfs
// archives in order). All are cached in .cache/ under a hash of their inputs, so only a
// change rebuilds them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpioWriter } from '../../scripts/guest/cpio.js';
import { defaultGuest, REPO_ROOT } from '../../scripts/guest/manifest.js';

const GCC = 'powerpc64le-linux-gnu-gcc';
const SOURCE = join(REPO_ROOT, 'tests', 'guest', 'stress.c');
const CACHE = join(REPO_ROOT, '.cache', 'smp');
const FLAGS = ['-static', '-O2', '-pthread', '-Wall', '-Wextra', '-Werror'];

export interface StressGuest {
  kernel: string;
  /** The default initrd with /stress appended. */
  initrd: string;
  /** The static ppc64le binary itself (for qemu-user). */
  stress: string;
}

function writeAtomic(path: string, data: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Compile /stress (cached by source and flags). */
export function buildStress(): string {
  return compileGuestProgram(SOURCE, 'stress');
}

/** Compile a static ppc64le program from `source` to .cache/smp/<name>-<hash>. */
function compileGuestProgram(source: string, name: string): string {
  const src = readFileSync(source);
  const hash = createHash('sha256').update(src).update(FLAGS.join(' ')).digest('hex').slice(0, 16);
  mkdirSync(CACHE, { recursive: true });
  const out = join(CACHE, `${name}-${hash}`);
  if (existsSync(out)) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync(GCC, [...FLAGS, '-o', tmp, source], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error(`${GCC} not found: apt-get install gcc-powerpc64le-linux-gnu (npm test installs it)`, { cause: e });
    throw new Error(`${GCC} failed on ${source}:\n${err.stderr?.toString() ?? String(e)}`, { cause: e });
  }
  renameSync(tmp, out);
  return out;
}

/** The default guest's kernel and an initrd that also holds /stress. */
export function buildStressGuest(): StressGuest {
  const g = defaultGuest();
  if (g === undefined) throw new Error('no default guest: run `npm run setup` (npm test does it)');
  const stress = buildStress();
  return { kernel: g.kernel, initrd: appendProgram(g.initrd, 'stress', stress), stress };
}

export interface IpiGuest {
  kernel: string;
  /** The default initrd with /ipi appended. */
  initrd: string;
  /** The static ppc64le binary itself. */
  ipi: string;
}

/** Compile /ipi (cached by source and flags). */
export function buildIpi(): string {
  return compileGuestProgram(join(REPO_ROOT, 'tests', 'guest', 'ipi.c'), 'ipi');
}

/** The default guest's kernel and an initrd that also holds /ipi (the irq benchmark). */
export function buildIpiGuest(): IpiGuest {
  const g = defaultGuest();
  if (g === undefined) throw new Error('no default guest: run `npm run setup` first');
  const ipi = buildIpi();
  return { kernel: g.kernel, initrd: appendProgram(g.initrd, 'ipi', ipi), ipi };
}

/** `baseInitrd` with a second archive holding the binary at /<name> (cached by content). */
function appendProgram(baseInitrd: string, name: string, binary: string): string {
  const bin = readFileSync(binary);
  const base = readFileSync(baseInitrd);
  const hash = createHash('sha256').update(base).update(bin).digest('hex').slice(0, 16);
  const initrd = join(CACHE, `initrd-${name}-${hash}.gz`);
  if (existsSync(initrd) && statSync(initrd).size > base.length) return initrd;
  const w = new CpioWriter();
  w.addFile(name, bin, { perm: 0o755 });
  const extra = w.finishGzip();
  // Pad the first archive to 4 bytes; the kernel skips zero bytes between archives.
  const pad = (4 - (base.length & 3)) & 3;
  const all = new Uint8Array(base.length + pad + extra.length);
  all.set(base, 0);
  all.set(extra, base.length + pad);
  writeAtomic(initrd, all);
  return initrd;
}
