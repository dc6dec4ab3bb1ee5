// Test harness: a vCPU on a small RAM, code placed in guest memory, run in real mode.
import { GuestMemory } from '../../emulator/memory/guest-memory.js';
import { Cpu, type CpuHooks, defaultHooks } from '../../emulator/cpu/cpu.js';
import * as L from '../../emulator/cpu/layout.js';

export interface TestCpuOptions {
  ramSize?: number;
  bigEndian?: boolean;
  hooks?: Partial<CpuHooks>;
  /** Extra MSR low-word bits (e.g. FP, VEC, VSX, IR, DR). Default: FP|VEC|VSX on. */
  msrLo?: number;
}

export const CODE_BASE = 0x10000;

export function makeCpu(opts: TestCpuOptions = {}): Cpu {
  const mem = GuestMemory.create(opts.ramSize ?? 16 * 1024 * 1024);
  const logs: string[] = [];
  const hooks: CpuHooks = { ...defaultHooks, log: (m) => logs.push(m), ...opts.hooks };
  const c = new Cpu(mem, 0, hooks);
  const msrLo = (opts.msrLo ?? (L.MSR_FP | L.MSR_VEC | L.MSR_VSX)) | (opts.bigEndian ? 0 : L.MSR_LE);
  c.setMSR(msrLo, L.MSR_HI_SF);
  c.u32[c.wi(L.RUN_STATE)] = L.RUN_RUNNING;
  // DEC far in the future so no decrementer interrupt interferes.
  c.f64[(c.base + L.DEC_EXPIRY) >> 3] = 2 ** 52;
  c.nia = BigInt(CODE_BASE);
  return c;
}

/** Write instruction words at `addr` in the CPU's current byte order. */
export function loadCode(c: Cpu, words: number[], addr = CODE_BASE): void {
  for (let k = 0; k < words.length; k++) c.dv.setUint32(L.RAM_OFFSET + addr + 4 * k, words[k] >>> 0, c.le);
}

/** Place `words` at CODE_BASE and execute exactly that many instructions. */
export function exec(c: Cpu, words: number[]): void {
  loadCode(c, words);
  c.nia = BigInt(CODE_BASE);
  c.run(words.length);
}
