// A tiny big-endian "kernel" for thread-level SMP tests: SpaprMachine with vCPU worker
// threads, vCPU 0 entering at the kernel's first word as usual and the others started
// here directly (as RTAS start-cpu would: 64-bit, real mode, the boot vCPU's LPCR) at
// fixed offsets, so each vCPU can run its own short program without firmware.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as L from '../../emulator/cpu/layout.js';
import { SpaprMachine, KERNEL_ADDR, type ExitReason } from '../../emulator/machine/spapr/machine.js';
import { setRunState } from '../../emulator/host/vcpu-state.js';
import { assembleBE, tinyElf } from '../machine/spapr/spapr-fixture.js';

/** Where vCPU n's program starts, relative to the kernel (KERNEL_ADDR). */
export const VCPU_ENTRY_STRIDE = 0x400;
/** A data page the programs use: real address (base register: `lis r9,0x42`). */
export const DATA = 0x420000;

export interface TinySmp {
  m: SpaprMachine;
  running: Promise<ExitReason>;
  logs: string[];
  out: number[];
  /** Big-endian 32/64-bit words of the data page, as the guest stores them. */
  word(off: number): number;
  dword(off: number): bigint;
  setWord(off: number, v: number): void;
  /** Power off and wait for every thread to end. */
  stop(): Promise<ExitReason>;
}

/**
 * Assemble `programs[n]` (vCPU n's code; `.org` is relative to its own entry) and start a
 * threaded machine where vCPUs whose program is null stay stopped. `extra` is raw code
 * placed at real addresses (interrupt vectors).
 */
export function startTinySmp(programs: ReadonlyArray<readonly string[] | null>, extra: ReadonlyArray<{ addr: number; lines: readonly string[] }> = []): TinySmp {
  const dir = mkdtempSync(join(tmpdir(), 'ppcbox-smp-'));
  let words: number[];
  const vectors: { addr: number; words: number[] }[] = [];
  try {
    const lines: string[] = [];
    programs.forEach((p, n) => {
      lines.push(`.org ${n * VCPU_ENTRY_STRIDE}`, `cpu${n}:`, ...(p ?? ['b .']));
    });
    words = assembleBE(dir, 'smp', lines);
    extra.forEach((e, i) => vectors.push({ addr: e.addr, words: assembleBE(dir, `vec${i}`, e.lines) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const logs: string[] = [];
  const out: number[] = [];
  const m = new SpaprMachine({
    ramBytes: 64 << 20,
    nvcpus: programs.length,
    kernel: tinyElf({ bigEndian: true, code: words, memSize: 0x40000 }),
    kernelName: 'tiny-smp.elf',
    bootargs: '',
    consoleOut: (b) => out.push(...b),
    log: (l) => logs.push(l),
    threads: true,
  });
  for (const v of vectors) {
    const b = new Uint8Array(4 * v.words.length);
    const dv = new DataView(b.buffer);
    v.words.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, false));
    m.mem.writePhys(v.addr, b);
  }
  const boot = m.cpus[0];
  const lpcrW = boot.wi(L.SPR + 8 * L.SPR_LPCR);
  for (let n = 1; n < programs.length; n++) {
    if (programs[n] === null) continue;
    const c = m.cpus[n];
    c.u32[c.wi(L.SPR + 8 * L.SPR_LPCR)] = boot.u32[lpcrW];
    c.u32[c.wi(L.SPR + 8 * L.SPR_LPCR) + 1] = boot.u32[lpcrW + 1];
    c.setMSR(L.MSR_ME, L.MSR_HI_SF);
    c.nia = BigInt(KERNEL_ADDR + n * VCPU_ENTRY_STRIDE);
    c.syncOut();
    setRunState(m.mem, n, L.RUN_RUNNING);
  }
  const running = m.run();
  const dv = new DataView(m.mem.u8.buffer, m.mem.u8.byteOffset + L.RAM_OFFSET + DATA, 0x1000);
  return {
    m,
    running,
    logs,
    out,
    word: (off) => dv.getUint32(off, false),
    dword: (off) => dv.getBigUint64(off, false),
    setWord: (off, v) => dv.setUint32(off, v, false),
    stop: async () => {
      m.stop();
      return running;
    },
  };
}

/** Poll `cond` (yielding to the event loop, which serves the vCPU threads) until it holds. */
export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
