// Shared pieces of the scalar floating-point family: FPR access, the MSR[FP] check,
// and committing an arithmetic result together with its FPSCR update, CR1 (Rc=1) and
// the floating-point enabled Program interrupt.
//
// FPR n is VSR n doubleword 0, a little-endian f64 at byte VSR + 16n of the vCPU block:
// f64 index (base >> 3) + VSR8 + 2n; its low word is u32 index (base >> 2) + VSR4 + 4n.
// Every FPR write also zeroes doubleword 1 of the VSR (undefined in the ISA; POWER9 and
// QEMU give 0).
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { raiseFPUnavailable, raiseFPEnabled } from '../exceptions.js';
import { FI, FR, FPRF_MASK, FPRF_QNAN, FPRF_SHIFT, VX, VX_ALL, VE, OE, UE, ZE, XE, fprfOfValue, raiseBits } from '../fpscr.js';

export const VSR8 = L.VSR >> 3;
export const VSR4 = L.VSR >> 2;
export const FPSCR4 = L.FPSCR >> 2;
export const MSR4 = L.MSR >> 2;
export const DBL_MIN = 2.2250738585072014e-308; // 2^-1022
export const FLT_MIN = 1.1754943508222875e-38; // 2^-126

/** The default quiet NaN's high word (low word 0). */
export const DEFAULT_NAN_HI = 0x7ff80000;

export function checkFP(c: Cpu): void {
  if ((c.u32[(c.base >> 2) + MSR4] & L.MSR_FP) === 0) raiseFPUnavailable(c);
}

/** f64 index of FPR n. */
export function fpr8(c: Cpu, n: number): number {
  return (c.base >> 3) + VSR8 + 2 * n;
}

/** u32 index of the low word of FPR n (high word at +1). */
export function fpr4(c: Cpu, n: number): number {
  return (c.base >> 2) + VSR4 + 4 * n;
}

// ---- the pending result of the current arithmetic instruction

/** What an arithmetic handler produced: a value, NaN bits, or nothing (enabled VX/ZX). */
export const KIND_VALUE = 0;
export const KIND_BITS = 1;
export const KIND_NONE = 2;

export const res = {
  kind: KIND_VALUE,
  /** KIND_VALUE: the result (never NaN). */
  v: 0,
  /** KIND_BITS: the result's words. */
  hi: 0,
  lo: 0,
  /** Exception bits raised (VX causes, ZX, OX, UX, XX). */
  exc: 0,
  /** FR and FI of this result. */
  stat: 0,
};

export function setValue(v: number, exc: number, stat: number): void {
  res.kind = KIND_VALUE;
  res.v = v;
  res.exc = exc;
  res.stat = stat;
}

/**
 * An invalid operation (cause bits in `exc`) whose result is the quiet NaN hi:lo; with
 * VE=1 nothing is written.
 */
export function setInvalid(fpscr: number, exc: number, hi: number, lo: number): void {
  res.exc = exc;
  res.stat = 0;
  if ((fpscr & VE) !== 0) {
    res.kind = KIND_NONE;
    return;
  }
  res.kind = KIND_BITS;
  res.hi = hi | 0x00080000;
  res.lo = lo;
}

/** A NaN operand propagated (quieted) without an invalid operation unless SNaN. */
export function setNaN(fpscr: number, hi: number, lo: number, exc: number): void {
  setInvalid(exc !== 0 ? fpscr : 0, exc, hi, lo);
}

/** Is the double with high word hi and low word lo a signaling NaN? */
export function isSNaN(hi: number, lo: number): boolean {
  return (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x7ffff) | lo) !== 0;
}

/** Write the pending result to FPR frt, update the FPSCR, CR1 and raise if enabled. */
export function commit(c: Cpu, insn: number, frt: number): void {
  const u32 = c.u32;
  const fw = (c.base >> 2) + FPSCR4;
  let f = u32[fw] & ~(FR | FI);
  const kind = res.kind;
  if (kind === KIND_VALUE) {
    f = (f & ~FPRF_MASK) | (fprfOfValue(res.v) << FPRF_SHIFT) | res.stat;
    const i = (c.base >> 2) + VSR4 + 4 * frt;
    c.f64[i >> 1] = res.v;
    u32[i + 2] = 0;
    u32[i + 3] = 0;
  } else if (kind === KIND_BITS) {
    f = (f & ~FPRF_MASK) | (FPRF_QNAN << FPRF_SHIFT);
    const i = (c.base >> 2) + VSR4 + 4 * frt;
    u32[i] = res.lo;
    u32[i + 1] = res.hi;
    u32[i + 2] = 0;
    u32[i + 3] = 0;
  }
  const exc = res.exc;
  if (exc !== 0) f = raiseBits(f, exc);
  u32[fw] = f;
  if ((insn & 1) !== 0) setCR1(c, f);
  if (exc !== 0) checkEnabled(c, f, exc);
}

/** CR1 <- FX FEX VX OX. */
export function setCR1(c: Cpu, f: number): void {
  const cw = (c.base + L.CR) >> 2;
  c.u32[cw] = (c.u32[cw] & 0xf0ffffff) | ((f >>> 28) << 24);
}

/** Program interrupt if one of the exceptions `exc` just raised is enabled and MSR[FE0|FE1] allow it. */
export function checkEnabled(c: Cpu, f: number, exc: number): void {
  let e = exc;
  if ((e & VX_ALL) !== 0) e |= VX;
  if (((e >>> 22) & f & (VE | OE | UE | ZE | XE)) === 0) return;
  if ((c.u32[(c.base >> 2) + MSR4] & (L.MSR_FE0 | L.MSR_FE1)) === 0) return;
  raiseFPEnabled(c);
}

// ---- error-free transforms (round-to-nearest double arithmetic)

/** Low part of a*b (a*b = RN(a*b) + result exactly); needs |a|,|b| < 2^995 and a product far from underflow. */
export function twoProductErr(a: number, b: number, p: number): number {
  let t = 134217729 * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = 134217729 * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** Low part of a+b (a+b = s + result exactly, s = RN(a+b)). */
export function twoSumErr(a: number, b: number, s: number): number {
  const bb = s - a;
  return (a - (s - bb)) + (b - bb);
}

/**
 * FR|FI for a rounded result r whose exact value is r + err (only the sign of err
 * matters): FR when the magnitude was rounded up.
 */
export function roundStat(r: number, errSign: number): number {
  if (errSign === 0) return 0;
  return (r > 0) === (errSign > 0) ? FI : FR | FI;
}
