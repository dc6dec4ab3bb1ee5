// Book3S interrupt delivery (Power ISA 3.0B, Book III chapter 7) for a guest running
// with MSR[HV]=0 under a (virtual) hypervisor: vectors, SRR0/SRR1, the new MSR, and
// LPCR[AIL] relocation-on delivery.
import type { Cpu } from './cpu.js';
import * as L from './layout.js';
import { FAULT } from './fault.js';
import { RateLimitedLog } from '../util/ratelimit.js';

// Vectors (offsets from 0, or from 0xc000000000004000 with AIL=3).
export const VEC_SYSTEM_RESET = 0x100;
export const VEC_MACHINE_CHECK = 0x200;
export const VEC_DSI = 0x300;
export const VEC_DSEG = 0x380;
export const VEC_ISI = 0x400;
export const VEC_ISEG = 0x480;
export const VEC_EXTERNAL = 0x500;
export const VEC_ALIGNMENT = 0x600;
export const VEC_PROGRAM = 0x700;
export const VEC_FP_UNAVAILABLE = 0x800;
export const VEC_DECREMENTER = 0x900;
export const VEC_SYSCALL = 0xc00;
export const VEC_TRACE = 0xd00;
export const VEC_PERF_MON = 0xf00;
export const VEC_VMX_UNAVAILABLE = 0xf20;
export const VEC_VSX_UNAVAILABLE = 0xf40;
export const VEC_FAC_UNAVAILABLE = 0xf60;
export const VEC_SCV = 0x17000;

// SRR1 bits for Program interrupts (ISA bit n of 64 -> low word bit 63-n).
export const PROGRAM_FP = 1 << (63 - 43); // floating-point enabled exception
export const PROGRAM_ILLEGAL = 1 << (63 - 44);
export const PROGRAM_PRIV = 1 << (63 - 45);
export const PROGRAM_TRAP = 1 << (63 - 46);
export const PROGRAM_ADDR_NEXT = 1 << (63 - 47); // SRR0 holds the next instruction

// DSISR bits (32-bit register, ISA bit n -> 1 << (63 - n)).
export const DSISR_NOPTE = 1 << (63 - 33);
export const DSISR_PROTFAULT = 1 << (63 - 36);
export const DSISR_STORE = 1 << (63 - 38);
export const DSISR_R_BADCONFIG = 1 << (63 - 44);
export const DSISR_KEYFAULT = 1 << (63 - 42);
export const DSISR_ATT_CONFLICT = 1 << (63 - 58);

// LPCR fields (low word).
const LPCR_ILE = 1 << (63 - 38);
const LPCR_AIL_SHIFT = 63 - 40;

const illegalLog = new RateLimitedLog(20, 1000);

/** SRR1 keeps MSR bits 0:32, 37:41 and 48:63; 33:36 and 42:47 carry the cause. */
const SRR1_KEEP_LO = ~((0xf << (63 - 36)) | (0x3f << (63 - 47)));

/**
 * Enter interrupt `vector`: SRR0 = srr0, SRR1 = MSR merged with `cause` bits, new MSR,
 * NIA = vector (relocated by LPCR[AIL] where the ISA allows). Does not throw.
 */
export function deliver(c: Cpu, vector: number, srr0Lo: number, srr0Hi: number, causeLo: number): void {
  const u32 = c.u32;
  const m = c.wi(L.MSR);
  const msrLo = u32[m];
  const msrHi = u32[m + 1];
  const s0 = c.wi(L.SPR + 8 * L.SPR_SRR0);
  u32[s0] = srr0Lo;
  u32[s0 + 1] = srr0Hi;
  const s1 = c.wi(L.SPR + 8 * L.SPR_SRR1);
  u32[s1] = (msrLo & SRR1_KEEP_LO) | causeLo;
  u32[s1 + 1] = msrHi;
  const lpcrLo = u32[c.wi(L.SPR + 8 * L.SPR_LPCR)];
  const ail = (lpcrLo >>> LPCR_AIL_SHIFT) & 3;
  // AIL applies only when the interrupted context had both IR and DR on, and never
  // to system reset / machine check.
  const relocate =
    ail === 3 &&
    (msrLo & (L.MSR_IR | L.MSR_DR)) === (L.MSR_IR | L.MSR_DR) &&
    vector !== VEC_SYSTEM_RESET &&
    vector !== VEC_MACHINE_CHECK;
  let newLo = msrLo & (L.MSR_ME | L.MSR_S);
  if (relocate) newLo |= L.MSR_IR | L.MSR_DR;
  if ((lpcrLo & LPCR_ILE) !== 0) newLo |= L.MSR_LE;
  const newHi = (msrHi & L.MSR_HI_HV) | L.MSR_HI_SF;
  c.setMSR(newLo, newHi);
  if (relocate) {
    c.pcHi = 0xc0000000;
    c.pcLo = 0x4000 + vector;
  } else {
    c.pcHi = 0;
    c.pcLo = vector;
  }
  c.invalidateFetch();
}

/** Synchronous interrupt at the current instruction: deliver and abandon it. */
export function raiseAt(c: Cpu, vector: number, causeLo: number): never {
  deliver(c, vector, c.ciaLo, c.ciaHi, causeLo);
  throw FAULT;
}

export function raiseIllegal(c: Cpu, insn: number): never {
  illegalLog.log(c.hooks, () =>
    `vcpu${c.index}: illegal instruction 0x${(insn >>> 0).toString(16).padStart(8, '0')} (primary ${insn >>> 26}) at 0x${hex64(c.ciaHi, c.ciaLo)}`,
  );
  raiseAt(c, VEC_PROGRAM, PROGRAM_ILLEGAL);
}

export function raisePrivileged(c: Cpu): never {
  raiseAt(c, VEC_PROGRAM, PROGRAM_PRIV);
}

export function raiseTrap(c: Cpu): never {
  raiseAt(c, VEC_PROGRAM, PROGRAM_TRAP);
}

export function raiseFPEnabled(c: Cpu): never {
  raiseAt(c, VEC_PROGRAM, PROGRAM_FP);
}

export function raiseFPUnavailable(c: Cpu): never {
  raiseAt(c, VEC_FP_UNAVAILABLE, 0);
}

export function raiseVMXUnavailable(c: Cpu): never {
  raiseAt(c, VEC_VMX_UNAVAILABLE, 0);
}

export function raiseVSXUnavailable(c: Cpu): never {
  raiseAt(c, VEC_VSX_UNAVAILABLE, 0);
}

/** Facility unavailable: FSCR[IC] (bits 0:7) records the cause. */
export function raiseFacilityUnavailable(c: Cpu, cause: number): never {
  const f = c.wi(L.SPR + 8 * L.SPR_FSCR);
  c.u32[f + 1] = (c.u32[f + 1] & 0x00ffffff) | ((cause & 0xff) << 24);
  raiseAt(c, VEC_FAC_UNAVAILABLE, 0);
}

/** DSI: DAR = the faulting EA, DSISR = cause. */
export function raiseDSI(c: Cpu, darLo: number, darHi: number, dsisr: number): never {
  const d = c.wi(L.SPR + 8 * L.SPR_DAR);
  c.u32[d] = darLo;
  c.u32[d + 1] = darHi;
  c.u32[c.wi(L.SPR + 8 * L.SPR_DSISR)] = dsisr;
  c.u32[c.wi(L.SPR + 8 * L.SPR_DSISR) + 1] = 0;
  raiseAt(c, VEC_DSI, 0);
}

/** Data segment interrupt (radix: EA outside the quadrant's table range). */
export function raiseDSeg(c: Cpu, darLo: number, darHi: number): never {
  const d = c.wi(L.SPR + 8 * L.SPR_DAR);
  c.u32[d] = darLo;
  c.u32[d + 1] = darHi;
  raiseAt(c, VEC_DSEG, 0);
}

/** ISI: the cause bits go to SRR1 (same positions as DSISR's). */
export function raiseISI(c: Cpu, srr1Cause: number): never {
  raiseAt(c, VEC_ISI, srr1Cause);
}

export function raiseISeg(c: Cpu): never {
  raiseAt(c, VEC_ISEG, 0);
}

export function raiseAlignment(c: Cpu, darLo: number, darHi: number, dsisr = 0): never {
  const d = c.wi(L.SPR + 8 * L.SPR_DAR);
  c.u32[d] = darLo;
  c.u32[d + 1] = darHi;
  c.u32[c.wi(L.SPR + 8 * L.SPR_DSISR)] = dsisr;
  raiseAt(c, VEC_ALIGNMENT, 0);
}

/** System call (sc LEV=0): SRR0 = the next instruction. */
export function raiseSyscall(c: Cpu): never {
  deliver(c, VEC_SYSCALL, c.pcLo, c.pcHi, 0);
  throw FAULT;
}

/**
 * Take a pending asynchronous interrupt, if any, at an instruction boundary.
 * Called from the run loop's service point; SRR0 = the next instruction to execute.
 */
export function checkAsyncInterrupts(c: Cpu): void {
  const msrLo = c.u32[c.wi(L.MSR)];
  const pending = Atomics.load(c.i32, c.wi(L.IRQ_PENDING));
  if ((pending & L.IRQ_RESET) !== 0) {
    Atomics.and(c.i32, c.wi(L.IRQ_PENDING), ~L.IRQ_RESET);
    deliver(c, VEC_SYSTEM_RESET, c.pcLo, c.pcHi, 0);
    return;
  }
  if ((msrLo & L.MSR_EE) === 0) return;
  if ((pending & L.IRQ_EXTERNAL) !== 0) {
    deliver(c, VEC_EXTERNAL, c.pcLo, c.pcHi, 0);
    return;
  }
  if (decPending(c)) {
    deliver(c, VEC_DECREMENTER, c.pcLo, c.pcHi, 0);
  }
}

/** DEC is level-triggered on POWER9: pending while its most significant bit is set. */
export function decPending(c: Cpu): boolean {
  return c.tb() > c.f64[(c.base + L.DEC_EXPIRY) >> 3];
}

/** Hook for MSR side effects beyond the CPU's cached bits. */
export function onMsrChanged(_c: Cpu, _oldLo: number, _oldHi: number): void {}

export function hex64(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}
