// `npm run bench -- cpu`: guest MIPS of the interpreter (Cpu.run, real mode, little-endian)
// over a freestanding C kernel (scripts/bench/cpu-kernel.c) compiled for POWER9.
// Every run is verified against the same computation done here in TypeScript: a number
// measured over wrong execution is worthless, so a mismatch is an error.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cpu, type CpuHooks } from '../../emulator/cpu/cpu.js';
import * as L from '../../emulator/cpu/layout.js';
import { GuestMemory } from '../../emulator/memory/guest-memory.js';
import { REPO_ROOT } from '../guest/manifest.js';
import type { Reporter } from './report.js';

const SRC_DIR = join(REPO_ROOT, 'scripts', 'bench');
const CACHE_DIR = join(REPO_ROOT, '.cache', 'bench');
const GCC = 'powerpc64le-linux-gnu-gcc';
const OBJCOPY = 'powerpc64le-linux-gnu-objcopy';
const OBJDUMP = 'powerpc64le-linux-gnu-objdump';
const CFLAGS = [
  '-O2',
  '-ffreestanding',
  '-nostdlib',
  '-static',
  '-mcpu=power9',
  // Debian's gcc defaults: a stack protector reads its canary through r13 (TLS), PIE
  // wants a TOC; neither exists in a flat freestanding image.
  '-fno-stack-protector',
  '-fno-pie',
  '-no-pie',
  // Keep the loops as written (no memcpy calls, no vector code): a scalar integer mix.
  '-fno-builtin',
  '-fno-tree-loop-distribute-patterns',
  '-fno-tree-vectorize',
  '-fno-asynchronous-unwind-tables',
  '-Wl,--build-id=none',
];

// Guest physical layout (RAM_SIZE of real-mode memory).
export const RAM_SIZE = 16 * 1024 * 1024;
const LOAD_ADDR = 0x20000; // cpu-kernel.ld
const ARGS_ADDR = 0x10000;
const TABLE_ADDR = 0x100000;
const SRC_ADDR = 0x200000;
const DST_ADDR = 0x300000;
const STACK_TOP = 0xf00000;
export const LEN = 16384;
export const ROUNDS = 120; // ~35 M instructions: about half a second per run at the 60 MIPS target
const RUNS = 5;
const SC1 = 0x44000022; // sc 1: the kernel's stop, also planted at every interrupt vector

/** Compile the kernel (cached by source, flags and compiler version). Returns the image. */
export function buildKernel(): { image: Uint8Array; path: string } {
  const src = readFileSync(join(SRC_DIR, 'cpu-kernel.c'));
  const ld = readFileSync(join(SRC_DIR, 'cpu-kernel.ld'));
  const ver = spawnSync(GCC, ['--version'], { encoding: 'utf8' });
  if (ver.error) {
    throw new Error(`${GCC} not found: apt-get install gcc-powerpc64le-linux-gnu binutils-powerpc64le-linux-gnu (npm test installs them)`);
  }
  const key = createHash('sha256').update(src).update(ld).update(CFLAGS.join(' ')).update(ver.stdout).digest('hex').slice(0, 16);
  const bin = join(CACHE_DIR, `cpu-kernel-${key}.bin`);
  if (existsSync(bin)) return { image: new Uint8Array(readFileSync(bin)), path: bin };
  mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = mkdtempSync(join(CACHE_DIR, '.build-'));
  try {
    const elf = join(tmp, 'cpu-kernel.elf');
    const cc = spawnSync(GCC, [...CFLAGS, `-Wl,-T,${join(SRC_DIR, 'cpu-kernel.ld')}`, '-o', elf, join(SRC_DIR, 'cpu-kernel.c')], {
      encoding: 'utf8',
    });
    if (cc.status !== 0) throw new Error(`compiling the cpu kernel failed:\n${cc.stderr}`);
    const entry = readFileSync(elf).readBigUInt64LE(24);
    if (entry !== BigInt(LOAD_ADDR)) throw new Error(`cpu kernel entry 0x${entry.toString(16)} is not 0x${LOAD_ADDR.toString(16)}`);
    const oc = spawnSync(OBJCOPY, ['-O', 'binary', elf, join(tmp, 'k.bin')], { encoding: 'utf8' });
    if (oc.status !== 0) throw new Error(`objcopy failed: ${oc.error?.message ?? oc.stderr}`);
    // The disassembly next to the image, for whoever debugs a verification failure.
    const dis = spawnSync(OBJDUMP, ['-d', elf], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (dis.status === 0) writeFileSync(join(CACHE_DIR, `cpu-kernel-${key}.dis`), dis.stdout);
    renameSync(join(tmp, 'k.bin'), bin);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { image: new Uint8Array(readFileSync(bin)), path: bin };
}

/** The kernel's input buffer: xorshift32 bytes, the same on every run. */
export function inputBytes(len = LEN): Uint8Array {
  const b = new Uint8Array(len);
  let x = 0x2545f491;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

export interface Expected {
  crc: bigint;
  diff: bigint;
  sum: bigint;
}

/** bench_main of cpu-kernel.c, in TypeScript. */
export function expectedResult(len: number = LEN, rounds: number = ROUNDS): Expected {
  const M = (1n << 64n) - 1n;
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[i] = c >>> 0;
  }
  const src = inputBytes(len);
  const dst = new Uint8Array(len);
  const dv = new DataView(dst.buffer);
  let acc = 0n;
  let diff = 0n;
  let sum = 0n;
  for (let r = 0; r < rounds; r++) {
    let c = 0xffffffff;
    for (let i = 0; i < len; i++) c = t[(c ^ src[i]) & 0xff] ^ (c >>> 8);
    c = ~c >>> 0;
    acc = (acc * 33n + BigInt(c)) & M;
    dst.set(src);
    for (let i = 0; i < len / 2; i += 97) dv.setUint16(2 * i, (dv.getUint16(2 * i, true) + 1) & 0xffff, true);
    dst[r % len] ^= (c | 1) & 0xff;
    let d = 0;
    for (let i = 0; i < len; i++) if (src[i] !== dst[i]) d++;
    diff += BigInt(d);
    // s = s * 31 + (w[i] ^ i) mod 2^64, on two 32-bit halves to stay fast.
    let sLo = 0;
    let sHi = 0;
    for (let i = 0; i < len / 4; i++) {
      const lo = sLo * 31;
      const carry = Math.floor(lo / 0x100000000);
      const v = (dv.getUint32(4 * i, true) ^ i) >>> 0;
      const lo2 = (lo >>> 0) + v;
      sLo = lo2 >>> 0;
      sHi = (Math.imul(sHi, 31) + carry + (lo2 > 0xffffffff ? 1 : 0)) >>> 0;
    }
    sum = (sum + ((BigInt(sHi) << 32n) | BigInt(sLo))) & M;
    src[(r * 7) % len] = (src[(r * 7) % len] + r) & 0xff;
  }
  return { crc: acc, diff, sum };
}

export interface RunResult {
  insns: number;
  /** Wall-clock seconds. */
  seconds: number;
  /** Process CPU seconds (user + system): steadier than wall time on a shared machine. */
  cpuSeconds: number;
}

class GuestStop {
  /** Address of the `sc 1` that ended the run, or -1. */
  at = -1;
  problem = '';
}

function hooks(stop: GuestStop): CpuHooks {
  return {
    hcall(c) {
      stop.at = c.ciaLo >>> 0;
      c.u32[c.wi(L.RUN_STATE)] = L.RUN_STOPPED;
    },
    mmioRead(pa) {
      stop.problem ||= `MMIO read at 0x${pa.toString(16)}`;
      return 0;
    },
    mmioWrite(pa) {
      stop.problem ||= `MMIO write at 0x${pa.toString(16)}`;
    },
    log(msg) {
      stop.problem ||= msg;
    },
  };
}

function hex(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}

/**
 * Load a fresh copy of everything, run the kernel to its stop and check its results;
 * throws with a diagnosis (interrupt taken, wrong value, emulator error) otherwise.
 */
export function runKernelOnce(mem: GuestMemory, image: Uint8Array, len: number, rounds: number, expected: Expected): RunResult {
  const input = inputBytes(len);
  const u8 = mem.u8;
  const dv = mem.dv;
  const ram = L.RAM_OFFSET;
  u8.fill(0, ram, ram + RAM_SIZE);
  for (let a = 0; a < 0x1000; a += 4) dv.setUint32(ram + a, SC1, true);
  u8.set(image, ram + LOAD_ADDR);
  u8.set(input, ram + SRC_ADDR);
  const args = [TABLE_ADDR, SRC_ADDR, DST_ADDR, len, rounds, 0, 0, 0];
  args.forEach((v, k) => dv.setBigUint64(ram + ARGS_ADDR + 8 * k, BigInt(v), true));

  const block = L.vcpuBlockOffset(0);
  u8.fill(0, block, block + L.VCPU_BLOCK);
  const stop = new GuestStop();
  const c = new Cpu(mem, 0, hooks(stop));
  c.setMSR(L.MSR_FP | L.MSR_VEC | L.MSR_VSX | L.MSR_LE, L.MSR_HI_SF);
  // Interrupts little-endian too, so the `sc 1` planted at the vectors reads as such.
  c.setSPR(L.SPR_LPCR, BigInt(L.LPCR_ILE));
  c.u32[c.wi(L.RUN_STATE)] = L.RUN_RUNNING;
  c.f64[(c.base + L.DEC_EXPIRY) >> 3] = 2 ** 52;
  c.setGPR(1, BigInt(STACK_TOP - 256));
  c.setGPR(3, BigInt(ARGS_ADDR));
  c.setSPR(L.SPR_LR, BigInt(LOAD_ADDR + 8));
  c.nia = BigInt(LOAD_ADDR);

  // The kernel runs ~18 instructions per byte and round: more than twice that is a hang.
  const maxInsns = 40 * len * rounds + 1_000_000;
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  try {
    while (c.u32[c.wi(L.RUN_STATE)] === L.RUN_RUNNING && c.retired < maxInsns) c.run(Math.min(50_000_000, maxInsns));
  } catch (e) {
    throw new Error(`emulator error after ${c.retired} instructions at ${hex(c.ciaLo >>> 0)}: ${(e as Error).stack ?? String(e)}`, {
      cause: e,
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const u = process.cpuUsage(u0);
  const cpuSeconds = (u.user + u.system) / 1e6;

  const where = `after ${c.retired} instructions`;
  if (stop.at === -1) throw new Error(`the kernel did not finish ${where}; NIA ${hex(c.nia)}`);
  if (stop.at < 0x1000) {
    const srr0 = c.spr(L.SPR_SRR0);
    const word = srr0 < BigInt(RAM_SIZE) ? dv.getUint32(ram + Number(srr0 & ~3n), true) : 0;
    throw new Error(
      `the kernel took the interrupt at vector ${hex(stop.at & ~0x1f)} ${where}: SRR0 ${hex(srr0)} (instruction ${hex(word)}), ` +
        `SRR1 ${hex(c.spr(L.SPR_SRR1))}${stop.problem ? `; ${stop.problem}` : ''}`,
    );
  }
  if (stop.at !== LOAD_ADDR + 8) throw new Error(`the kernel stopped at an unexpected sc 1 at ${hex(stop.at)} ${where}`);
  if (stop.problem) throw new Error(`${stop.problem} ${where}`);
  const got = {
    crc: dv.getBigUint64(ram + ARGS_ADDR + 40, true),
    diff: dv.getBigUint64(ram + ARGS_ADDR + 48, true),
    sum: dv.getBigUint64(ram + ARGS_ADDR + 56, true),
  };
  for (const k of ['crc', 'diff', 'sum'] as const) {
    if (got[k] !== expected[k]) {
      throw new Error(`wrong result ${where}: ${k} = ${hex(got[k])}, expected ${hex(expected[k])} (r3 = ${hex(c.gpr(3))})`);
    }
  }
  if (c.gpr(3) !== expected.crc) throw new Error(`wrong return value r3 = ${hex(c.gpr(3))}, expected ${hex(expected.crc)}`);
  return { insns: c.retired, seconds, cpuSeconds };
}

export async function benchCpu(report: Reporter): Promise<void> {
  const { image, path } = buildKernel();
  report.note(`cpu: kernel ${path} (${image.length} bytes), ${ROUNDS} rounds over ${LEN} bytes, ${RUNS} runs + 1 warm-up`);
  const expected = expectedResult(LEN, ROUNDS);
  const mem = GuestMemory.create(RAM_SIZE);
  runKernelOnce(mem, image, LEN, ROUNDS, expected); // warm-up: lets V8 optimise the loop and handlers
  const runs: RunResult[] = [];
  for (let k = 0; k < RUNS; k++) {
    runs.push(runKernelOnce(mem, image, LEN, ROUNDS, expected));
    await new Promise((r) => setImmediate(r));
  }
  const insns = runs[0].insns;
  if (runs.some((r) => r.insns !== insns)) throw new Error(`instruction counts differ between runs: ${runs.map((r) => r.insns).join(' ')}`);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const mips = runs.map((r) => r.insns / r.seconds / 1e6);
  const cpuMips = runs.map((r) => r.insns / r.cpuSeconds / 1e6);
  report.note(`cpu: wall-clock MIPS per run ${mips.map((m) => m.toFixed(1)).join(' ')}`);
  report.note(`cpu: CPU-time MIPS per run ${cpuMips.map((m) => m.toFixed(1)).join(' ')}`);
  report.value('cpu.mips', Number(median(mips).toFixed(1)), 'MIPS');
  // The same over the process's CPU time: what the interpreter does when it has a core to itself.
  report.value('cpu.mips_cputime', Number(median(cpuMips).toFixed(1)), 'MIPS');
  report.value('cpu.insns', insns, 'insns');
}
