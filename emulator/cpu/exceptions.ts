// Book3S interrupt delivery (Power ISA 3.0B, Book III chapter 7) for a guest running
// with MSR[HV]=0 under a (virtual) hypervisor: vectors, SRR0/SRR1, the new MSR,
// LPCR[AIL] relocation-on delivery, scv, trace, and the asynchronous sources (system
// reset, machine check, external, decrementer) checked at the run loop's service point.
//
// Behaviour follows QEMU's powerpc_excp_books for a pseries (vhyp) POWER9 guest:
// - SRR1 = MSR with bits 33:36 and 42:47 replaced by the cause bits;
// - new MSR = SF | ME (kept; cleared for machine check) | HV (kept) | LE from LPCR[ILE],
//   plus IR|DR when AIL applies (scv also keeps EE and RI);
// - AIL applies only when the interrupted context had IR and DR on, never to system
//   reset / machine check; AIL=2 adds 0x18000, AIL=3 relocates to 0xc000000000004000
//   (scv: 0xc000000000003000 instead of 0x17000); AIL=1 is reserved (treated as 0);
// - every interrupt clears the reservation.
import type { Cpu } from './cpu.js';
import * as L from './layout.js';
import { FAULT } from './fault.js';
import { serveFlushRequests } from './cross-cpu.js';
import { RateLimitedLog } from '../util/ratelimit.js';

// Layout constants as module-level bindings: handlers must not pay a namespace lookup
// per access (module loaders may turn `L.X` into a getter call).
const { DEC_EXPIRY, IRQ_DEC, IRQ_EXTERNAL, IRQ_FLUSH_CODE, IRQ_FLUSH_TLB, IRQ_MCE, IRQ_PENDING,
  IRQ_RESET, MSR, MSR_BE, MSR_DR, MSR_EE, MSR_HI_HV, MSR_HI_SF, MSR_IR, MSR_LE, MSR_ME, MSR_RI,
  MSR_S, MSR_SE, RAM_OFFSET, RESV_LEN, RUN_STATE, RUN_STOPPED, SPR, SPR_CTR, SPR_DAR, SPR_DSISR, SPR_FSCR,
  SPR_LPCR, SPR_LR, SPR_SRR0, SPR_SRR1, } = L;

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

// FSCR: facility enable bits (low word) and the interruption cause codes of FSCR[IC].
export const FSCR_IC_DSCR = 2;
export const FSCR_IC_PM = 3;
export const FSCR_IC_TM = 5;
export const FSCR_IC_EBB = 7;
export const FSCR_IC_TAR = 8;
export const FSCR_IC_SCV = 12;
/** FSCR enable bit for a facility: the bit number (LSB = 0) equals its IC code. */
export function fscrEnabled(c: Cpu, ic: number): boolean {
  return (c.u32[c.w + ((SPR + 8 * SPR_FSCR) >> 2)] & (1 << ic)) !== 0;
}

// LPCR fields (low word).
const LPCR_ILE = 1 << (63 - 38);
const LPCR_AIL_SHIFT = 63 - 40;

// Word offsets (from c.w) of registers used here.
const MSR_W = MSR >> 2;
const SRR0_W = (SPR + 8 * SPR_SRR0) >> 2;
const SRR1_W = (SPR + 8 * SPR_SRR1) >> 2;
const LPCR_W = (SPR + 8 * SPR_LPCR) >> 2;
const LR_W = (SPR + 8 * SPR_LR) >> 2;
const CTR_W = (SPR + 8 * SPR_CTR) >> 2;
const RESV_LEN_W = RESV_LEN >> 2;

const illegalLog = new RateLimitedLog(20, 1000);
const eventLog = new RateLimitedLog(20, 1000);

/** SRR1 keeps MSR bits 0:32, 37:41 and 48:63; 33:36 and 42:47 carry the cause. */
const SRR1_KEEP_LO = ~((0xf << (63 - 36)) | (0x3f << (63 - 47)));

/**
 * Enter interrupt `vector`: SRR0 = srr0, SRR1 = MSR merged with `cause` bits, new MSR,
 * NIA = vector (relocated by LPCR[AIL] where the ISA allows). Does not throw.
 */
export function deliver(c: Cpu, vector: number, srr0Lo: number, srr0Hi: number, causeLo: number): void {
  const u32 = c.u32;
  const w = c.w;
  const msrLo = u32[w + MSR_W];
  const msrHi = u32[w + MSR_W + 1];
  u32[w + SRR0_W] = srr0Lo;
  u32[w + SRR0_W + 1] = srr0Hi;
  u32[w + SRR1_W] = (msrLo & SRR1_KEEP_LO) | causeLo;
  u32[w + SRR1_W + 1] = msrHi;
  enter(c, vector, msrLo, msrHi, vector === VEC_MACHINE_CHECK ? 0 : msrLo & MSR_ME);
}

/** Set the interrupt's new MSR and NIA (shared by the SRR-based interrupts and scv). */
function enter(c: Cpu, vector: number, msrLo: number, msrHi: number, newLo: number): void {
  const u32 = c.u32;
  const lpcrLo = u32[c.w + LPCR_W];
  let ail = (lpcrLo >>> LPCR_AIL_SHIFT) & 3;
  // AIL applies only when the interrupted context had both IR and DR on, and never to
  // system reset / machine check.
  if (
    (msrLo & (MSR_IR | MSR_DR)) !== (MSR_IR | MSR_DR) ||
    vector === VEC_SYSTEM_RESET ||
    vector === VEC_MACHINE_CHECK
  ) {
    ail = 0;
  }
  newLo |= msrLo & MSR_S;
  if (ail >= 2) newLo |= MSR_IR | MSR_DR;
  if ((lpcrLo & LPCR_ILE) !== 0) newLo |= MSR_LE;
  const newHi = (msrHi & MSR_HI_HV) | MSR_HI_SF;
  u32[c.w + RESV_LEN_W] = 0; // any interrupt loses the reservation
  c.setMSR(newLo, newHi);
  if (vector >= VEC_SCV) {
    // scv: AIL=3 replaces the 0x17000 base by 0xc000000000003000; AIL=2 changes only MSR.
    if (ail === 3) {
      c.pcHi = 0xc0000000;
      c.pcLo = 0x3000 + (vector - VEC_SCV);
    } else {
      c.pcHi = 0;
      c.pcLo = vector;
    }
  } else if (ail === 3) {
    c.pcHi = 0xc0000000;
    c.pcLo = 0x4000 + vector;
  } else if (ail === 2) {
    c.pcHi = 0;
    c.pcLo = 0x18000 + vector;
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
  const f = c.wi(SPR + 8 * SPR_FSCR);
  c.u32[f + 1] = (c.u32[f + 1] & 0x00ffffff) | ((cause & 0xff) << 24);
  raiseAt(c, VEC_FAC_UNAVAILABLE, 0);
}

/** DSI: DAR = the faulting EA, DSISR = cause. */
export function raiseDSI(c: Cpu, darLo: number, darHi: number, dsisr: number): never {
  const d = c.wi(SPR + 8 * SPR_DAR);
  c.u32[d] = darLo;
  c.u32[d + 1] = darHi;
  c.u32[c.wi(SPR + 8 * SPR_DSISR)] = dsisr;
  c.u32[c.wi(SPR + 8 * SPR_DSISR) + 1] = 0;
  raiseAt(c, VEC_DSI, 0);
}

/** Data segment interrupt (radix: EA outside the quadrant's table range). */
export function raiseDSeg(c: Cpu, darLo: number, darHi: number): never {
  const d = c.wi(SPR + 8 * SPR_DAR);
  c.u32[d] = darLo;
  c.u32[d + 1] = darHi;
  raiseAt(c, VEC_DSEG, 0);
}

/**
 * ISI: the cause bits go to SRR1 (same positions as DSISR's). SRR0 is the address that
 * could not be fetched, c.pcLo/pcHi (fetch faults happen before CIA is updated).
 */
export function raiseISI(c: Cpu, srr1Cause: number): never {
  deliver(c, VEC_ISI, c.pcLo, c.pcHi, srr1Cause);
  throw FAULT;
}

/** Instruction segment interrupt for the address being fetched (c.pcLo/pcHi). */
export function raiseISeg(c: Cpu): never {
  deliver(c, VEC_ISEG, c.pcLo, c.pcHi, 0);
  throw FAULT;
}

export function raiseAlignment(c: Cpu, darLo: number, darHi: number, dsisr = 0): never {
  const d = c.wi(SPR + 8 * SPR_DAR);
  c.u32[d] = darLo;
  c.u32[d + 1] = darHi;
  c.u32[c.wi(SPR + 8 * SPR_DSISR)] = dsisr;
  c.u32[c.wi(SPR + 8 * SPR_DSISR) + 1] = 0;
  raiseAt(c, VEC_ALIGNMENT, 0);
}

/** System call (sc LEV=0): SRR0 = the next instruction. */
export function raiseSyscall(c: Cpu): never {
  deliver(c, VEC_SYSCALL, c.pcLo, c.pcHi, 0);
  throw FAULT;
}

/**
 * System call vectored (scv LEV): no SRR0/SRR1; LR = the next instruction, CTR = MSR
 * (with SRR1's cause bits cleared); the new MSR keeps EE and RI. The caller has checked
 * FSCR[SCV].
 */
export function raiseScv(c: Cpu, lev: number): never {
  const u32 = c.u32;
  const w = c.w;
  const msrLo = u32[w + MSR_W];
  const msrHi = u32[w + MSR_W + 1];
  u32[w + LR_W] = c.pcLo;
  u32[w + LR_W + 1] = c.pcHi;
  u32[w + CTR_W] = msrLo & SRR1_KEEP_LO;
  u32[w + CTR_W + 1] = msrHi;
  enter(c, VEC_SCV + 0x20 * (lev & 0x7f), msrLo, msrHi, msrLo & (MSR_ME | MSR_EE | MSR_RI));
  throw FAULT;
}

// ---------------------------------------------------------------- trace (MSR[SE], MSR[BE])
//
// While SE or BE is on, the run loop runs one-instruction slices (Cpu.sliceMax = 1), so
// checkAsyncInterrupts sees every instruction boundary. Before an instruction it arms
// the trace with the instruction's address (and, for BE, whether it is a branch); at the
// next boundary, if no MSR change (interrupt, rfid, mtmsr[d]) happened in between, the
// instruction completed and the trace interrupt is taken: SRR0 = the next instruction,
// SRR1[33] = 1 and SIAR = the traced instruction (ISA 2.07+, as QEMU). Instructions that
// change the MSR are therefore not traced, as sc/rfid are not. Branch trace fires after
// any branch, taken or not.

/** SRR1 bit 33 on a trace interrupt. */
const SRR1_TRACE = 1 << (63 - 33);
const SIAR_W = (SPR + 8 * 796) >> 2;

interface TraceState {
  armed: boolean;
  branch: boolean;
  lo: number;
  hi: number;
}
const traceStates = new WeakMap<Cpu, TraceState>();

function traceState(c: Cpu): TraceState {
  let t = traceStates.get(c);
  if (t === undefined) {
    t = { armed: false, branch: false, lo: 0, hi: 0 };
    traceStates.set(c, t);
  }
  return t;
}

/**
 * Whether the instruction at the current pc is a branch (b, bc, bclr, bcctr, bctar). The
 * fetch that follows translates the same address, so a fault here is the fault that
 * fetch would take (same SRR0 and SRR1); an address without RAM is left to the fetch.
 */
function nextIsBranch(c: Cpu): boolean {
  const pa = c.translate(c.pcLo >>> 0, c.pcHi >>> 0, ACCESS_EXEC_KIND);
  if (pa + 4 > c.ramSize) return false;
  const insn = c.dv.getUint32(RAM_OFFSET + pa, c.le);
  const op = insn >>> 26;
  if (op === 16 || op === 18) return true;
  if (op !== 19) return false;
  const xo = (insn >>> 1) & 0x3ff;
  return xo === 16 || xo === 528 || xo === 560;
}
const ACCESS_EXEC_KIND = 2; // mmu.ts ACCESS_EXEC (not imported: mmu.ts imports this module)

/** At an instruction boundary with SE or BE on: take a due trace interrupt, or arm. */
function traceBoundary(c: Cpu, msrLo: number): boolean {
  const t = traceState(c);
  if (t.armed) {
    t.armed = false;
    if ((msrLo & MSR_SE) !== 0 || t.branch) {
      c.u32[c.w + SIAR_W] = t.lo;
      c.u32[c.w + SIAR_W + 1] = t.hi;
      deliver(c, VEC_TRACE, c.pcLo, c.pcHi, SRR1_TRACE);
      return true;
    }
  }
  t.lo = c.pcLo >>> 0;
  t.hi = c.pcHi >>> 0;
  t.branch = (msrLo & MSR_BE) !== 0 && nextIsBranch(c);
  t.armed = true;
  return false;
}

/**
 * Take a pending asynchronous interrupt, if any, at an instruction boundary.
 * Called from the run loop's service point; SRR0 = the next instruction to execute.
 * Priority (as QEMU's ppc_hw_interrupt for POWER9): system reset, machine check,
 * then, if MSR[EE]: external, decrementer.
 */
export function checkAsyncInterrupts(c: Cpu): void {
  const msrLo = c.u32[c.w + MSR_W];
  const pw = c.w + (IRQ_PENDING >> 2);
  const pending = Atomics.load(c.i32, pw);
  if ((pending & (IRQ_FLUSH_TLB | IRQ_FLUSH_CODE)) !== 0) serveFlushRequests(c, pending);
  if ((msrLo & (MSR_SE | MSR_BE)) !== 0 && traceBoundary(c, msrLo)) return;
  if (pending !== 0) {
    if ((pending & IRQ_RESET) !== 0) {
      Atomics.and(c.i32, pw, ~IRQ_RESET);
      deliver(c, VEC_SYSTEM_RESET, c.pcLo, c.pcHi, 0);
      return;
    }
    if ((pending & IRQ_MCE) !== 0) {
      Atomics.and(c.i32, pw, ~IRQ_MCE);
      if ((msrLo & MSR_ME) === 0) {
        // Machine check with MSR[ME]=0: checkstop. The vCPU stops for good.
        eventLog.log(c.hooks, () => `vcpu${c.index}: machine check with MSR[ME]=0 at 0x${hex64(c.pcHi, c.pcLo)}: checkstop`);
        Atomics.store(c.i32, c.w + (RUN_STATE >> 2), RUN_STOPPED);
        throw FAULT; // back to the loop's service point, which sees the stopped state
      }
      deliver(c, VEC_MACHINE_CHECK, c.pcLo, c.pcHi, 0);
      return;
    }
    if ((pending & IRQ_DEC) !== 0) Atomics.and(c.i32, pw, ~IRQ_DEC); // only a prompt to look
  }
  if ((msrLo & MSR_EE) === 0) return;
  if ((pending & IRQ_EXTERNAL) !== 0) {
    deliver(c, VEC_EXTERNAL, c.pcLo, c.pcHi, 0);
    return;
  }
  if (decPending(c)) {
    deliver(c, VEC_DECREMENTER, c.pcLo, c.pcHi, 0);
  }
}

/** DEC is level-triggered on POWER9: pending while its most significant bit is set. */
export function decPending(c: Cpu): boolean {
  return c.tb() > c.f64[(c.base + DEC_EXPIRY) >> 3];
}

/** MSR side effects beyond the CPU's cached bits: single-instruction slices while tracing. */
export function onMsrChanged(c: Cpu, _oldLo: number, _oldHi: number): void {
  const lo = c.u32[c.w + MSR_W];
  if ((lo & (MSR_SE | MSR_BE)) !== 0) {
    c.sliceMax = 1;
    const t = traceStates.get(c);
    if (t !== undefined) t.armed = false; // an MSR change ends the traced instruction
  } else if (c.sliceMax !== SLICE_DEFAULT) {
    c.sliceMax = SLICE_DEFAULT;
    const t = traceStates.get(c);
    if (t !== undefined) t.armed = false;
  }
}

/** The run loop's normal slice length (instructions between service points). */
export const SLICE_DEFAULT = 1024;

export function hex64(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}
