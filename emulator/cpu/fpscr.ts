// FPSCR (Power ISA 3.0B, Book I 4.2.2): bit masks of the 32-bit word stored at
// layout.FPSCR (ISA bits 32:63; bit 63 is the least significant bit here), plus the
// helpers shared by the scalar FP and VSX instruction families.
import type { Cpu } from './cpu.js';
import * as L from './layout.js';

export const FX = 1 << 31; // 32 exception summary (sticky)
export const FEX = 1 << 30; // 33 enabled exception summary (derived)
export const VX = 1 << 29; // 34 invalid operation summary (derived)
export const OX = 1 << 28; // 35 overflow
export const UX = 1 << 27; // 36 underflow
export const ZX = 1 << 26; // 37 zero divide
export const XX = 1 << 25; // 38 inexact
export const VXSNAN = 1 << 24; // 39
export const VXISI = 1 << 23; // 40 inf - inf
export const VXIDI = 1 << 22; // 41 inf / inf
export const VXZDZ = 1 << 21; // 42 0 / 0
export const VXIMZ = 1 << 20; // 43 inf * 0
export const VXVC = 1 << 19; // 44 invalid compare
export const FR = 1 << 18; // 45 fraction rounded (magnitude incremented)
export const FI = 1 << 17; // 46 fraction inexact
export const FPRF_C = 1 << 16; // 47 result class descriptor
export const FPCC_FL = 1 << 15; // 48 <
export const FPCC_FG = 1 << 14; // 49 >
export const FPCC_FE = 1 << 13; // 50 =
export const FPCC_FU = 1 << 12; // 51 unordered
export const RESERVED52 = 1 << 11;
export const VXSOFT = 1 << 10; // 53
export const VXSQRT = 1 << 9; // 54
export const VXCVI = 1 << 8; // 55
export const VE = 1 << 7; // 56
export const OE = 1 << 6; // 57
export const UE = 1 << 5; // 58
export const ZE = 1 << 4; // 59
export const XE = 1 << 3; // 60
export const NI = 1 << 2; // 61
export const RN_MASK = 3; // 62:63

export const FPRF_SHIFT = 12;
export const FPRF_MASK = 0x1f << FPRF_SHIFT;
export const FPCC_MASK = 0xf << FPRF_SHIFT;

/** Every invalid-operation cause bit (VX is their OR). */
export const VX_ALL = VXSNAN | VXISI | VXIDI | VXZDZ | VXIMZ | VXVC | VXSOFT | VXSQRT | VXCVI;
/** Exception bits whose 0->1 transition sets FX. */
export const EXC_ALL = OX | UX | ZX | XX | VX_ALL;

// Rounding modes (FPSCR[RN]).
export const RN_NEAREST = 0;
export const RN_ZERO = 1;
export const RN_PLUS_INF = 2;
export const RN_MINUS_INF = 3;

// FPRF values (C FL FG FE FU) for each result class.
export const FPRF_QNAN = 0x11;
export const FPRF_NEG_INF = 0x09;
export const FPRF_NEG_NORMAL = 0x08;
export const FPRF_NEG_DENORMAL = 0x18;
export const FPRF_NEG_ZERO = 0x12;
export const FPRF_POS_ZERO = 0x02;
export const FPRF_POS_DENORMAL = 0x14;
export const FPRF_POS_NORMAL = 0x04;
export const FPRF_POS_INF = 0x05;

/** Derive VX and FEX from the cause, status and enable bits. */
export function withSummaries(f: number): number {
  f &= ~(VX | FEX | RESERVED52);
  if ((f & VX_ALL) !== 0) f |= VX;
  // Each enable bit sits at a fixed distance from its status bit: VE<-VX is 22, OX..XX to OE..XE is 22.
  if ((((f >>> 22) & (VE | OE | UE | ZE | XE)) & f) !== 0) f |= FEX;
  return f >>> 0;
}

/** FPRF class of a double given its two words (hi = sign/exponent word). */
export function fprfOfBits(hi: number, lo: number): number {
  const neg = hi < 0 || (hi & 0x80000000) !== 0;
  const exp = (hi >>> 20) & 0x7ff;
  if (exp === 0x7ff) {
    if ((hi & 0xfffff) !== 0 || lo !== 0) return FPRF_QNAN;
    return neg ? FPRF_NEG_INF : FPRF_POS_INF;
  }
  if (exp === 0) {
    if ((hi & 0xfffff) === 0 && lo === 0) return neg ? FPRF_NEG_ZERO : FPRF_POS_ZERO;
    return neg ? FPRF_NEG_DENORMAL : FPRF_POS_DENORMAL;
  }
  return neg ? FPRF_NEG_NORMAL : FPRF_POS_NORMAL;
}

/** FPRF class of a non-NaN double value. */
export function fprfOfValue(x: number): number {
  if (x > 0) {
    if (x === Infinity) return FPRF_POS_INF;
    return x < 2.2250738585072014e-308 ? FPRF_POS_DENORMAL : FPRF_POS_NORMAL;
  }
  if (x < 0) {
    if (x === -Infinity) return FPRF_NEG_INF;
    return x > -2.2250738585072014e-308 ? FPRF_NEG_DENORMAL : FPRF_NEG_NORMAL;
  }
  if (x === 0) return 1 / x < 0 ? FPRF_NEG_ZERO : FPRF_POS_ZERO;
  return FPRF_QNAN;
}

/** Word index of the FPSCR in the shared state. */
export function fpscrIndex(c: Cpu): number {
  return (c.base + L.FPSCR) >> 2;
}

/** The rounding mode currently selected (RN_*). */
export function roundingMode(c: Cpu): number {
  return c.u32[(c.base + L.FPSCR) >> 2] & RN_MASK;
}

/**
 * Merge newly raised exception bits `exc` (cause bits only) into an FPSCR value: FX is
 * set for every bit that goes from 0 to 1; VX/FEX are recomputed.
 */
export function raiseBits(f: number, exc: number): number {
  if ((exc & ~f & EXC_ALL) !== 0) f |= FX;
  return withSummaries(f | exc);
}
