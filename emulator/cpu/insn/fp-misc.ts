// Floating-point loads and stores, moves (and fmrgew/fmrgow), conversions, rounding to
// integer, compares, test-for-software-divide/sqrt and the FPSCR instructions (Power ISA
// 3.0B Book I 4.6.2-4.6.10).
//
// Single-precision loads/stores convert on bits (the ISA's DOUBLE and SINGLE
// functions), so SNaN payloads survive. Invalid update forms (RA=0) raise the
// illegal-instruction Program interrupt, as QEMU does. lfdp/stfdp move the even/odd
// pair; in little-endian mode the doublewords are swapped in memory (the odd register
// at EA), as QEMU and POWER hardware do.
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { OP59, OP63, regPrimary, reg31, reg57, reg61DS, regFPX } from '../decode.js';
import { raiseIllegal } from '../exceptions.js';
import {
  FX,
  FEX,
  FR,
  FI,
  XX,
  VE,
  VXSNAN,
  VXVC,
  VXCVI,
  FPCC_MASK,
  FPRF_MASK,
  FPRF_SHIFT,
  FPRF_QNAN,
  EXC_ALL,
  RN_MASK,
  withSummaries,
  raiseBits,
} from '../fpscr.js';
import {
  checkFP,
  commit,
  checkEnabled,
  setCR1,
  fpr4,
  fpr8,
  setValue,
  setNaN,
  isSNaN,
  FPSCR4,
  MSR4,
} from './fp-common.js';
import { roundToSingleCore } from './fp-arith.js';
import { softFromInt, softValue, softFlags } from './fp-soft.js';

// ------------------------------------------------------------------ DOUBLE / SINGLE

/** Write the double image of single-precision bits w into FPR n (the ISA's DOUBLE). */
export function writeSingleAsDouble(c: Cpu, n: number, w: number): void {
  const exp = (w >>> 23) & 0xff;
  if (exp !== 0) {
    const i = fpr4(c, n);
    const hi = (w & 0xc0000000) | (exp === 255 || (w & 0x40000000) === 0 ? 0x38000000 : 0) | ((w & 0x3fffffff) >>> 3);
    c.u32[i] = w << 29;
    c.u32[i + 1] = hi;
    c.u32[i + 2] = 0;
    c.u32[i + 3] = 0;
    return;
  }
  // Zero or denormal: the value is exact in double.
  const m = (w & 0x7fffff) * 1.401298464324817e-45; // 2^-149
  const i = fpr4(c, n);
  c.f64[i >> 1] = (w & 0x80000000) !== 0 ? -m : m;
  c.u32[i + 2] = 0;
  c.u32[i + 3] = 0;
}

/** Single-precision bits of FPR n (the ISA's SINGLE: truncating, on bits). */
export function readDoubleAsSingle(c: Cpu, n: number): number {
  const i = fpr4(c, n);
  const hi = c.u32[i + 1];
  const lo = c.u32[i];
  const exp = (hi >>> 20) & 0x7ff;
  if (exp > 896) return ((hi & 0xc0000000) | ((hi << 3) & 0x3ffffff8) | (lo >>> 29)) >>> 0;
  // Denormal in single (or too small: the ISA leaves it undefined; this gives zero).
  const v = c.f64[fpr8(c, n)];
  const m = Math.floor((v < 0 ? -v : v) * 7.1362384635297994e44); // 2^149
  return ((hi & 0x80000000) | m) >>> 0;
}

// ------------------------------------------------------------------ loads

function updateRA(c: Cpu, ra: number, lo: number, hi: number): void {
  const a = c.w + 2 * ra;
  c.u32[a] = lo;
  c.u32[a + 1] = hi;
}

function lfs(c: Cpu, insn: number): void {
  checkFP(c);
  const lo = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  writeSingleAsDouble(c, (insn >>> 21) & 31, c.load32(lo, c.eaHi, c.le));
}

function lfsu(c: Cpu, insn: number): void {
  checkFP(c);
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const lo = c.eaD(ra, (insn << 16) >> 16);
  const hi = c.eaHi;
  writeSingleAsDouble(c, (insn >>> 21) & 31, c.load32(lo, hi, c.le));
  updateRA(c, ra, lo, hi);
}

function lfsx(c: Cpu, insn: number): void {
  checkFP(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  writeSingleAsDouble(c, (insn >>> 21) & 31, c.load32(lo, c.eaHi, c.le));
}

function lfsux(c: Cpu, insn: number): void {
  checkFP(c);
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const lo = c.eaX(ra, (insn >>> 11) & 31);
  const hi = c.eaHi;
  writeSingleAsDouble(c, (insn >>> 21) & 31, c.load32(lo, hi, c.le));
  updateRA(c, ra, lo, hi);
}

function setFPRBits(c: Cpu, n: number, lo: number, hi: number): void {
  const i = fpr4(c, n);
  c.u32[i] = lo;
  c.u32[i + 1] = hi;
  c.u32[i + 2] = 0;
  c.u32[i + 3] = 0;
}

function lfd(c: Cpu, insn: number): void {
  checkFP(c);
  const ea = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  const lo = c.load64(ea, c.eaHi, c.le);
  setFPRBits(c, (insn >>> 21) & 31, lo, c.vhi);
}

function lfdu(c: Cpu, insn: number): void {
  checkFP(c);
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const ea = c.eaD(ra, (insn << 16) >> 16);
  const eaHi = c.eaHi;
  const lo = c.load64(ea, eaHi, c.le);
  setFPRBits(c, (insn >>> 21) & 31, lo, c.vhi);
  updateRA(c, ra, ea, eaHi);
}

function lfdx(c: Cpu, insn: number): void {
  checkFP(c);
  const ea = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const lo = c.load64(ea, c.eaHi, c.le);
  setFPRBits(c, (insn >>> 21) & 31, lo, c.vhi);
}

function lfdux(c: Cpu, insn: number): void {
  checkFP(c);
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const ea = c.eaX(ra, (insn >>> 11) & 31);
  const eaHi = c.eaHi;
  const lo = c.load64(ea, eaHi, c.le);
  setFPRBits(c, (insn >>> 21) & 31, lo, c.vhi);
  updateRA(c, ra, ea, eaHi);
}

function lfiwax(c: Cpu, insn: number): void {
  checkFP(c);
  const ea = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const w = c.load32(ea, c.eaHi, c.le);
  setFPRBits(c, (insn >>> 21) & 31, w, (w | 0) >> 31);
}

function lfiwzx(c: Cpu, insn: number): void {
  checkFP(c);
  const ea = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  setFPRBits(c, (insn >>> 21) & 31, c.load32(ea, c.eaHi, c.le), 0);
}

/** Load the FPR pair FRTp (even), FRTp+1 from 16 bytes at EA. */
function loadPair(c: Cpu, insn: number, ea: number, eaHi: number): void {
  const frt = (insn >>> 21) & 31;
  const ea2 = (ea + 8) >>> 0;
  const ea2Hi = ea2 < 8 ? (c.sf ? (eaHi + 1) >>> 0 : 0) : eaHi;
  const le = c.le;
  const aLo = c.load64(ea, eaHi, le);
  const aHi = c.vhi;
  const bLo = c.load64(ea2, ea2Hi, le);
  const bHi = c.vhi;
  // Little-endian: the doubleword at the lower address is the odd register.
  setFPRBits(c, le ? frt + 1 : frt, aLo, aHi);
  setFPRBits(c, le ? frt : frt + 1, bLo, bHi);
}

function lfdp(c: Cpu, insn: number): void {
  checkFP(c);
  if ((insn & (1 << 21)) !== 0) raiseIllegal(c, insn); // FRTp must be even
  const ea = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16 & ~3);
  loadPair(c, insn, ea, c.eaHi);
}

function lfdpx(c: Cpu, insn: number): void {
  checkFP(c);
  if ((insn & (1 << 21)) !== 0) raiseIllegal(c, insn);
  const ea = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  loadPair(c, insn, ea, c.eaHi);
}

// ------------------------------------------------------------------ stores

function stfs(c: Cpu, insn: number): void {
  checkFP(c);
  const ea = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  c.store32(ea, c.eaHi, readDoubleAsSingle(c, (insn >>> 21) & 31), c.le);
}

function stfsu(c: Cpu, insn: number): void {
  checkFP(c);
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const ea = c.eaD(ra, (insn << 16) >> 16);
  const eaHi = c.eaHi;
  c.store32(ea, eaHi, readDoubleAsSingle(c, (insn >>> 21) & 31), c.le);
  updateRA(c, ra, ea, eaHi);
}

function stfsx(c: Cpu, insn: number): void {
  checkFP(c);
  const ea = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.store32(ea, c.eaHi, readDoubleAsSingle(c, (insn >>> 21) & 31), c.le);
}

function stfsux(c: Cpu, insn: number): void {
  checkFP(c);
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const ea = c.eaX(ra, (insn >>> 11) & 31);
  const eaHi = c.eaHi;
  c.store32(ea, eaHi, readDoubleAsSingle(c, (insn >>> 21) & 31), c.le);
  updateRA(c, ra, ea, eaHi);
}

function stfd(c: Cpu, insn: number): void {
  checkFP(c);
  const ea = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  const i = fpr4(c, (insn >>> 21) & 31);
  c.store64(ea, c.eaHi, c.u32[i], c.u32[i + 1], c.le);
}

function stfdu(c: Cpu, insn: number): void {
  checkFP(c);
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const ea = c.eaD(ra, (insn << 16) >> 16);
  const eaHi = c.eaHi;
  const i = fpr4(c, (insn >>> 21) & 31);
  c.store64(ea, eaHi, c.u32[i], c.u32[i + 1], c.le);
  updateRA(c, ra, ea, eaHi);
}

function stfdx(c: Cpu, insn: number): void {
  checkFP(c);
  const ea = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const i = fpr4(c, (insn >>> 21) & 31);
  c.store64(ea, c.eaHi, c.u32[i], c.u32[i + 1], c.le);
}

function stfdux(c: Cpu, insn: number): void {
  checkFP(c);
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const ea = c.eaX(ra, (insn >>> 11) & 31);
  const eaHi = c.eaHi;
  const i = fpr4(c, (insn >>> 21) & 31);
  c.store64(ea, eaHi, c.u32[i], c.u32[i + 1], c.le);
  updateRA(c, ra, ea, eaHi);
}

function stfiwx(c: Cpu, insn: number): void {
  checkFP(c);
  const ea = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.store32(ea, c.eaHi, c.u32[fpr4(c, (insn >>> 21) & 31)], c.le);
}

function storePair(c: Cpu, insn: number, ea: number, eaHi: number): void {
  const frs = (insn >>> 21) & 31;
  const ea2 = (ea + 8) >>> 0;
  const ea2Hi = ea2 < 8 ? (c.sf ? (eaHi + 1) >>> 0 : 0) : eaHi;
  const le = c.le;
  const first = fpr4(c, le ? frs + 1 : frs);
  const second = fpr4(c, le ? frs : frs + 1);
  const u32 = c.u32;
  // Probe the second half first so a fault leaves memory untouched.
  c.probeWrite(ea2, ea2Hi, 8);
  c.store64(ea, eaHi, u32[first], u32[first + 1], le);
  c.store64(ea2, ea2Hi, u32[second], u32[second + 1], le);
}

function stfdp(c: Cpu, insn: number): void {
  checkFP(c);
  if ((insn & (1 << 21)) !== 0) raiseIllegal(c, insn);
  const ea = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16 & ~3);
  storePair(c, insn, ea, c.eaHi);
}

function stfdpx(c: Cpu, insn: number): void {
  checkFP(c);
  if ((insn & (1 << 21)) !== 0) raiseIllegal(c, insn);
  const ea = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  storePair(c, insn, ea, c.eaHi);
}

// ------------------------------------------------------------------ moves (no FPSCR change)

function crFromFpscr(c: Cpu, insn: number): void {
  if ((insn & 1) !== 0) setCR1(c, c.u32[(c.base >> 2) + FPSCR4]);
}

function fmr(c: Cpu, insn: number): void {
  if ((insn & (31 << 16)) !== 0) raiseIllegal(c, insn); // FRA must be 0
  checkFP(c);
  const s = fpr4(c, (insn >>> 11) & 31);
  setFPRBits(c, (insn >>> 21) & 31, c.u32[s], c.u32[s + 1]);
  crFromFpscr(c, insn);
}

function fneg(c: Cpu, insn: number): void {
  if ((insn & (31 << 16)) !== 0) raiseIllegal(c, insn); // FRA must be 0
  checkFP(c);
  const s = fpr4(c, (insn >>> 11) & 31);
  setFPRBits(c, (insn >>> 21) & 31, c.u32[s], c.u32[s + 1] ^ 0x80000000);
  crFromFpscr(c, insn);
}

function fabs(c: Cpu, insn: number): void {
  if ((insn & (31 << 16)) !== 0) raiseIllegal(c, insn); // FRA must be 0
  checkFP(c);
  const s = fpr4(c, (insn >>> 11) & 31);
  setFPRBits(c, (insn >>> 21) & 31, c.u32[s], c.u32[s + 1] & 0x7fffffff);
  crFromFpscr(c, insn);
}

function fnabs(c: Cpu, insn: number): void {
  if ((insn & (31 << 16)) !== 0) raiseIllegal(c, insn); // FRA must be 0
  checkFP(c);
  const s = fpr4(c, (insn >>> 11) & 31);
  setFPRBits(c, (insn >>> 21) & 31, c.u32[s], c.u32[s + 1] | 0x80000000);
  crFromFpscr(c, insn);
}

function fcpsgn(c: Cpu, insn: number): void {
  checkFP(c);
  const a = fpr4(c, (insn >>> 16) & 31);
  const s = fpr4(c, (insn >>> 11) & 31);
  setFPRBits(c, (insn >>> 21) & 31, c.u32[s], (c.u32[s + 1] & 0x7fffffff) | (c.u32[a + 1] & 0x80000000));
  crFromFpscr(c, insn);
}

/** fmrgew: FRT = FRA[0:31] || FRB[0:31]; fmrgow: FRT = FRA[32:63] || FRB[32:63]. */
function fmrgew(c: Cpu, insn: number): void {
  checkFP(c);
  if ((insn & 1) !== 0) raiseIllegal(c, insn);
  const a = fpr4(c, (insn >>> 16) & 31);
  const b = fpr4(c, (insn >>> 11) & 31);
  setFPRBits(c, (insn >>> 21) & 31, c.u32[b + 1], c.u32[a + 1]);
}

function fmrgow(c: Cpu, insn: number): void {
  checkFP(c);
  if ((insn & 1) !== 0) raiseIllegal(c, insn);
  const a = fpr4(c, (insn >>> 16) & 31);
  const b = fpr4(c, (insn >>> 11) & 31);
  setFPRBits(c, (insn >>> 21) & 31, c.u32[b], c.u32[a]);
}

// ------------------------------------------------------------------ float -> integer

const TWO32 = 4294967296;
const TWO63 = 9223372036854775808;
const TWO64 = 18446744073709551616;

// kinds: bit 0 unsigned, bit 1 64-bit, bit 2 round toward zero
function convToInt(c: Cpu, insn: number, kind: number): void {
  checkFP(c);
  const frb = (insn >>> 11) & 31;
  const fpscr = c.u32[(c.base >> 2) + FPSCR4];
  const b = c.f64[fpr8(c, frb)];
  const unsigned = (kind & 1) !== 0;
  const wide = (kind & 2) !== 0;
  let lo = 0;
  let hi = 0;
  let exc = 0;
  let stat = 0;
  let invalid = false;
  if (b !== b) {
    invalid = true;
    const i = fpr4(c, frb);
    if (isSNaN(c.u32[i + 1], c.u32[i])) exc = VXSNAN;
    // QEMU: NaN converts to the most negative signed value (not sign-extended for words), 0 unsigned.
    if (!unsigned) {
      if (wide) hi = 0x80000000;
      else lo = 0x80000000;
    }
  } else {
    const rn = (kind & 4) !== 0 ? 1 : fpscr & RN_MASK;
    const t = Math.trunc(b);
    const d = b - t; // exact; NaN for infinities
    let r = t;
    if (d !== 0 && d === d) {
      if (rn === 0) {
        const ad = d < 0 ? -d : d;
        if (ad > 0.5 || (ad === 0.5 && t % 2 !== 0)) r = d < 0 ? t - 1 : t + 1;
      } else if (rn === 2) {
        if (d > 0) r = t + 1;
      } else if (rn === 3) {
        if (d < 0) r = t - 1;
      }
    }
    let ok: boolean;
    if (unsigned) ok = wide ? r >= 0 && r < TWO64 : r >= 0 && r <= 4294967295;
    else ok = wide ? r >= -TWO63 && r < TWO63 : r >= -2147483648 && r <= 2147483647;
    if (!ok) {
      invalid = true;
      if (b > 0) {
        if (unsigned) {
          lo = 0xffffffff;
          hi = wide ? 0xffffffff : 0;
        } else if (wide) {
          lo = 0xffffffff;
          hi = 0x7fffffff;
        } else {
          lo = 0x7fffffff;
        }
      } else if (!unsigned) {
        if (wide) hi = 0x80000000;
        else {
          lo = 0x80000000;
          hi = 0xffffffff;
        }
      }
    } else {
      if (d !== 0) {
        exc = XX;
        const ar = r < 0 ? -r : r;
        stat = ar > (b < 0 ? -b : b) ? FR | FI : FI;
      }
      if (wide) {
        hi = Math.floor(r / TWO32);
        lo = r - hi * TWO32;
      } else {
        lo = r;
        hi = unsigned ? 0 : (r | 0) >> 31;
      }
    }
  }
  const u32 = c.u32;
  const fw = (c.base >> 2) + FPSCR4;
  let f = u32[fw] & ~(FR | FI);
  if (invalid) {
    exc |= VXCVI;
    // QEMU sets FPRF to the QNaN class (C FU) on a disabled invalid conversion; otherwise FPRF is kept.
    if ((f & VE) === 0) f = (f & ~FPRF_MASK) | (FPRF_QNAN << FPRF_SHIFT);
  }
  if (!invalid || (f & VE) === 0) setFPRBits(c, (insn >>> 21) & 31, lo >>> 0, hi >>> 0);
  f |= stat;
  if (exc !== 0) f = raiseBits(f, exc);
  u32[fw] = f;
  if ((insn & 1) !== 0) setCR1(c, f);
  if (exc !== 0) checkEnabled(c, f, exc);
}

function convFn(kind: number): (c: Cpu, insn: number) => void {
  return (c, insn) => {
    if ((insn & (31 << 16)) !== 0) raiseIllegal(c, insn);
    convToInt(c, insn, kind);
  };
}

// ------------------------------------------------------------------ integer -> float

// kinds: bit 0 unsigned, bit 1 single
function convFromInt(c: Cpu, insn: number, kind: number): void {
  checkFP(c);
  if ((insn & (31 << 16)) !== 0) raiseIllegal(c, insn);
  const fpscr = c.u32[(c.base >> 2) + FPSCR4];
  const i = fpr4(c, (insn >>> 11) & 31);
  const lo = c.u32[i];
  const hi = c.u32[i + 1];
  const single = (kind & 2) !== 0;
  const neg = (kind & 1) === 0 && (hi & 0x80000000) !== 0;
  // |value| as hi:lo magnitude
  let mHi = hi;
  let mLo = lo;
  if (neg) {
    mLo = (~lo + 1) >>> 0;
    mHi = (~hi + (mLo === 0 ? 1 : 0)) >>> 0;
  }
  if (mHi < 0x200000) {
    // |value| < 2^53: exact as a double.
    const m = mHi * TWO32 + mLo;
    const v = neg ? -m : m;
    if (single) roundToSingleCore(c, fpscr, v, -1);
    else setValue(v, 0, 0);
  } else {
    softFromInt(neg, (BigInt(mHi) << 32n) | BigInt(mLo), single, fpscr & RN_MASK, fpscr);
    setValue(softValue, softFlags & ~(FR | FI), softFlags & (FR | FI));
  }
  commit(c, insn, (insn >>> 21) & 31);
}

// ------------------------------------------------------------------ round to integer

// mode: 0 nearest (ties away from zero), 1 toward zero, 2 +inf, 3 -inf
function roundToInt(c: Cpu, insn: number, mode: number): void {
  checkFP(c);
  if ((insn & (31 << 16)) !== 0) raiseIllegal(c, insn);
  const frb = (insn >>> 11) & 31;
  const fpscr = c.u32[(c.base >> 2) + FPSCR4];
  const b = c.f64[fpr8(c, frb)];
  if (b !== b) {
    const i = fpr4(c, frb);
    const hi = c.u32[i + 1];
    const lo = c.u32[i];
    setNaN(fpscr, hi, lo, isSNaN(hi, lo) ? VXSNAN : 0);
  } else {
    let r: number;
    if (mode === 0) {
      const t = Math.trunc(b);
      const d = b - t;
      r = d >= 0.5 ? t + 1 : d <= -0.5 ? t - 1 : t;
    } else if (mode === 1) r = Math.trunc(b);
    else if (mode === 2) r = Math.ceil(b);
    else r = Math.floor(b);
    setValue(r, 0, 0);
  }
  commit(c, insn, (insn >>> 21) & 31);
}

// ------------------------------------------------------------------ compare

function fcmp(c: Cpu, insn: number, ordered: boolean): void {
  checkFP(c);
  if ((insn & ((3 << 21) | 1)) !== 0) raiseIllegal(c, insn);
  const fra = (insn >>> 16) & 31;
  const frb = (insn >>> 11) & 31;
  const a = c.f64[fpr8(c, fra)];
  const b = c.f64[fpr8(c, frb)];
  let cc: number;
  let exc = 0;
  const u32 = c.u32;
  const fw = (c.base >> 2) + FPSCR4;
  let f = u32[fw];
  if (a < b) cc = 8;
  else if (a > b) cc = 4;
  else if (a === b) cc = 2;
  else {
    cc = 1;
    const ia = fpr4(c, fra);
    const ib = fpr4(c, frb);
    const snan = isSNaN(u32[ia + 1], u32[ia]) || isSNaN(u32[ib + 1], u32[ib]);
    if (snan) exc = VXSNAN;
    if (ordered && (!snan || (f & VE) === 0)) exc |= VXVC;
  }
  f = (f & ~FPCC_MASK) | (cc << FPRF_SHIFT);
  if (exc !== 0) f = raiseBits(f, exc);
  u32[fw] = f;
  const bf = (insn >>> 23) & 7;
  const cw = (c.base + L.CR) >> 2;
  const sh = 28 - 4 * bf;
  u32[cw] = (u32[cw] & ~(0xf << sh)) | (cc << sh);
  if (exc !== 0) checkEnabled(c, f, exc);
}

// ------------------------------------------------------------------ ftdiv, ftsqrt

function ftdiv(c: Cpu, insn: number): void {
  checkFP(c);
  const ia = fpr4(c, (insn >>> 16) & 31);
  const ib = fpr4(c, (insn >>> 11) & 31);
  const u32 = c.u32;
  const aHi = u32[ia + 1];
  const bHi = u32[ib + 1];
  const aZero = (aHi & 0x7fffffff) === 0 && u32[ia] === 0;
  const bZero = (bHi & 0x7fffffff) === 0 && u32[ib] === 0;
  const ea = ((aHi >>> 20) & 0x7ff) - 1023;
  const eb = ((bHi >>> 20) & 0x7ff) - 1023;
  const aSpecial = ea === 1024; // NaN or infinity
  const bSpecial = eb === 1024;
  const aInf = aSpecial && (aHi & 0xfffff) === 0 && u32[ia] === 0;
  const bInf = bSpecial && (bHi & 0xfffff) === 0 && u32[ib] === 0;
  let fe = aSpecial || bSpecial || bZero;
  let fg = aInf || bInf || bZero;
  if (!fe) {
    if (eb <= -1022 || eb >= 1021) fe = true;
    else if (!aZero && (ea - eb >= 1023 || ea - eb <= -1021 || ea <= -970)) fe = true;
  }
  if (eb === -1023 && !bZero) fg = true; // FRB denormal
  setCRField(c, (insn >>> 23) & 7, 8 | (fg ? 4 : 0) | (fe ? 2 : 0));
}

function ftsqrt(c: Cpu, insn: number): void {
  checkFP(c);
  const ib = fpr4(c, (insn >>> 11) & 31);
  const u32 = c.u32;
  const bHi = u32[ib + 1];
  const bZero = (bHi & 0x7fffffff) === 0 && u32[ib] === 0;
  const eb = ((bHi >>> 20) & 0x7ff) - 1023;
  const bSpecial = eb === 1024;
  const bInf = bSpecial && (bHi & 0xfffff) === 0 && u32[ib] === 0;
  const fe = bZero || bSpecial || (bHi & 0x80000000) !== 0 || eb <= -970;
  const fg = bZero || bInf || (eb === -1023 && !bZero);
  setCRField(c, (insn >>> 23) & 7, 8 | (fg ? 4 : 0) | (fe ? 2 : 0));
}

function setCRField(c: Cpu, bf: number, v: number): void {
  const cw = (c.base + L.CR) >> 2;
  const sh = 28 - 4 * bf;
  c.u32[cw] = (c.u32[cw] & ~(0xf << sh)) | (v << sh);
}

// ------------------------------------------------------------------ FPSCR instructions

/** Store a new FPSCR image; Program interrupt if this set FEX with exceptions enabled. */
function storeFPSCR(c: Cpu, insn: number, f: number): void {
  const fw = (c.base >> 2) + FPSCR4;
  const old = c.u32[fw];
  f = withSummaries(f);
  c.u32[fw] = f;
  if ((insn & 1) !== 0) setCR1(c, f);
  if ((f & FEX) !== 0 && (old & FEX) === 0 && (c.u32[(c.base >> 2) + MSR4] & (L.MSR_FE0 | L.MSR_FE1)) !== 0) {
    checkEnabled(c, f, f & EXC_ALL);
  }
}

const CONTROL_BITS = 0xff; // VE OE UE ZE XE NI RN (DRN is not modelled)

function mffsFamily(c: Cpu, insn: number): void {
  checkFP(c);
  const fw = (c.base >> 2) + FPSCR4;
  const f = c.u32[fw];
  const frt = (insn >>> 21) & 31;
  switch ((insn >>> 16) & 31) {
    case 0: // mffs
      if ((insn & (31 << 11)) !== 0) raiseIllegal(c, insn);
      setFPRBits(c, frt, f, 0);
      if ((insn & 1) !== 0) setCR1(c, f);
      return;
    case 1: // mffsce: clear the enables
      if ((insn & (31 << 11)) !== 0) raiseIllegal(c, insn);
      setFPRBits(c, frt, f, 0);
      c.u32[fw] = withSummaries(f & ~0xf8);
      return;
    case 20: // mffscdrn: DRN <- FRB[DRN] (not modelled)
    case 21: // mffscdrni
      setFPRBits(c, frt, f & CONTROL_BITS, 0);
      return;
    case 22: {
      // mffscrn: RN <- FRB[62:63]
      const rn = c.u32[fpr4(c, (insn >>> 11) & 31)] & 3;
      setFPRBits(c, frt, f & CONTROL_BITS, 0);
      c.u32[fw] = (f & ~RN_MASK) | rn;
      return;
    }
    case 23: // mffscrni: RN <- RM (bits 19:20)
      setFPRBits(c, frt, f & CONTROL_BITS, 0);
      c.u32[fw] = (f & ~RN_MASK) | ((insn >>> 11) & 3);
      return;
    case 24: // mffsl
      if ((insn & (31 << 11)) !== 0) raiseIllegal(c, insn);
      setFPRBits(c, frt, f & (CONTROL_BITS | FR | FI | FPRF_MASK), 0);
      return;
    default:
      raiseIllegal(c, insn);
  }
}

function mtfsf(c: Cpu, insn: number): void {
  checkFP(c);
  const l = (insn >>> 25) & 1;
  const flm = (insn >>> 17) & 0xff;
  const w = (insn >>> 16) & 1;
  const src = c.u32[fpr4(c, (insn >>> 11) & 31)];
  const f = c.u32[(c.base >> 2) + FPSCR4];
  let mask = 0;
  if (l !== 0) mask = 0xffffffff;
  else if (w === 0) {
    for (let i = 0; i < 8; i++) if ((flm & (0x80 >>> i)) !== 0) mask |= 0xf << (28 - 4 * i);
  }
  // W=1 selects fields of FPSCR bits 0:31 (DRN), which are not modelled.
  storeFPSCR(c, insn, (f & ~mask) | (src & mask));
}

function mtfsfi(c: Cpu, insn: number): void {
  checkFP(c);
  const bf = (insn >>> 23) & 7;
  const w = (insn >>> 16) & 1;
  const u = (insn >>> 12) & 0xf;
  const f = c.u32[(c.base >> 2) + FPSCR4];
  if (w !== 0) {
    storeFPSCR(c, insn, f);
    return;
  }
  const sh = 28 - 4 * bf;
  storeFPSCR(c, insn, (f & ~(0xf << sh)) | (u << sh));
}

function mtfsb(c: Cpu, insn: number, set: boolean): void {
  checkFP(c);
  const bt = (insn >>> 21) & 31;
  const f = c.u32[(c.base >> 2) + FPSCR4];
  // BT counts from FPSCR bit 32; FEX (33) and VX (34) cannot be set or reset explicitly.
  const bit = bt === 1 || bt === 2 ? 0 : (1 << (31 - bt)) >>> 0;
  if (!set) {
    storeFPSCR(c, insn, f & ~bit);
    return;
  }
  let n = f | bit;
  if ((bit & EXC_ALL & ~f) !== 0) n |= FX;
  storeFPSCR(c, insn, n);
}

function mcrfs(c: Cpu, insn: number): void {
  checkFP(c);
  const bf = (insn >>> 23) & 7;
  const bfa = (insn >>> 18) & 7;
  const fw = (c.base >> 2) + FPSCR4;
  const f = c.u32[fw];
  const sh = 28 - 4 * bfa;
  setCRField(c, bf, (f >>> sh) & 0xf);
  // The exception bits copied are reset (FEX and VX follow from the rest).
  c.u32[fw] = withSummaries(f & ~((0xf << sh) & (FX | EXC_ALL)));
}

// ------------------------------------------------------------------ registration

// Primary-opcode loads and stores.
regPrimary(48, lfs);
regPrimary(49, lfsu);
regPrimary(50, lfd);
regPrimary(51, lfdu);
regPrimary(52, stfs);
regPrimary(53, stfsu);
regPrimary(54, stfd);
regPrimary(55, stfdu);
reg57(0, lfdp);
reg61DS(0, stfdp);
reg31(535, lfsx);
reg31(567, lfsux);
reg31(599, lfdx);
reg31(631, lfdux);
reg31(663, stfsx);
reg31(695, stfsux);
reg31(727, stfdx);
reg31(759, stfdux);
reg31(983, stfiwx);
reg31(855, lfiwax);
reg31(887, lfiwzx);
reg31(791, lfdpx);
reg31(919, stfdpx);

// Moves.
regFPX(OP63, 72, fmr);
regFPX(OP63, 40, fneg);
regFPX(OP63, 264, fabs);
regFPX(OP63, 136, fnabs);
regFPX(OP63, 8, fcpsgn);
regFPX(OP63, 966, fmrgew);
regFPX(OP63, 838, fmrgow);

// Conversions to integer (kind: 1 unsigned, 2 doubleword, 4 toward zero).
regFPX(OP63, 14, convFn(0)); // fctiw
regFPX(OP63, 15, convFn(4)); // fctiwz
regFPX(OP63, 142, convFn(1)); // fctiwu
regFPX(OP63, 143, convFn(5)); // fctiwuz
regFPX(OP63, 814, convFn(2)); // fctid
regFPX(OP63, 815, convFn(6)); // fctidz
regFPX(OP63, 942, convFn(3)); // fctidu
regFPX(OP63, 943, convFn(7)); // fctiduz

// Conversions from integer (kind: 1 unsigned, 2 single).
regFPX(OP63, 846, (c, i) => convFromInt(c, i, 0)); // fcfid
regFPX(OP63, 974, (c, i) => convFromInt(c, i, 1)); // fcfidu
regFPX(OP59, 846, (c, i) => convFromInt(c, i, 2)); // fcfids
regFPX(OP59, 974, (c, i) => convFromInt(c, i, 3)); // fcfidus

// Round to integer.
regFPX(OP63, 392, (c, i) => roundToInt(c, i, 0)); // frin
regFPX(OP63, 424, (c, i) => roundToInt(c, i, 1)); // friz
regFPX(OP63, 456, (c, i) => roundToInt(c, i, 2)); // frip
regFPX(OP63, 488, (c, i) => roundToInt(c, i, 3)); // frim

// Compares and tests.
regFPX(OP63, 0, (c, i) => fcmp(c, i, false)); // fcmpu
regFPX(OP63, 32, (c, i) => fcmp(c, i, true)); // fcmpo
regFPX(OP63, 128, ftdiv);
regFPX(OP63, 160, ftsqrt);

// FPSCR.
regFPX(OP63, 583, mffsFamily);
regFPX(OP63, 711, mtfsf);
regFPX(OP63, 134, mtfsfi);
regFPX(OP63, 38, (c, i) => mtfsb(c, i, true)); // mtfsb1
regFPX(OP63, 70, (c, i) => mtfsb(c, i, false)); // mtfsb0
regFPX(OP63, 64, mcrfs);
