// VSX scalar double-precision arithmetic, compares and integer conversions
// (Power ISA 3.0B Book I 7.6): xsadddp xssubdp xsmuldp xsdivdp xssqrtdp xsrsp
// xs[n]m{add,sub}{a,m}dp xscmpudp xscmpodp xscvdp[su]x[dw]s xscv[su]xddp. They follow
// the scalar FP instructions (same rounding, FPSCR and NaN rules) on doubleword 0 of any
// VSR, through the scalar family's cores (fp-arith.ts, which accept VSR numbers 0-63)
// and commit() (writes doubleword 0, clears doubleword 1, sets FPSCR).
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { reg60 } from '../decode.js';
import { FI, FR, FPCC_MASK, RN_MASK, VE, VXCVI, VXSNAN, VXVC, XX, raiseBits } from '../fpscr.js';
import { res, KIND_VALUE, commit, checkEnabled, isSNaN, setNaN, setValue } from './fp-common.js';
import { roundIntegral } from './vsx-vfp.js';
import { softFromInt, softValue, softFlags } from './fp-soft.js';
import { addCore, mulCore, divCore, sqrtCore, fmaCore, roundToSingleCore, singleNaN } from './fp-arith.js';
import { VSR as VSR_LAYOUT, MSR as MSR_LAYOUT, MSR_VSX as MSR_VSX_LAYOUT } from '../layout.js';
import { raiseVSXUnavailable } from '../exceptions.js';

// Hot helpers and shared values as module-local bindings: under the module loader a
// call into another module (or a read of its export) costs a getter; see vreg.ts for
// the documented shared versions.
const VSR_OFF = VSR_LAYOUT;
const MSR_W = MSR_LAYOUT >> 2;
const MSR_VSX = MSR_VSX_LAYOUT;

function vw(c: Cpu, n: number): number {
  return ((c.base + VSR_OFF) >> 2) + (n << 2);
}

function needVSX(c: Cpu): void {
  if ((c.u32[c.w + MSR_W] & MSR_VSX) === 0) raiseVSXUnavailable(c);
}

const FPSCR_W = L.FPSCR >> 2;
const CR_W = L.CR >> 2;
const TWO32 = 4294967296;
const TWO63 = 9223372036854775808;
const TWO64 = 18446744073709551616;

function xT(insn: number): number {
  return ((insn & 1) << 5) | ((insn >>> 21) & 31);
}
function xA(insn: number): number {
  return ((insn & 4) << 3) | ((insn >>> 16) & 31);
}
function xB(insn: number): number {
  return ((insn & 2) << 4) | ((insn >>> 11) & 31);
}

/** Doubleword 0 of VSR n as a double. */
function dw0(c: Cpu, n: number): number {
  return c.f64[vw(c, n) >> 1];
}

function fromSoft(): void {
  setValue(softValue, softFlags & ~(FR | FI), softFlags & (FR | FI));
}

// ---------------------------------------------------------------- arithmetic

const A_ADD = 0;
const A_SUB = 1;
const A_MUL = 2;
const A_DIV = 3;

/** xs{add,sub,mul,div}{dp,sp}: single forms round to single, kept in double format. */
function arith(op: number, single: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const xa = xA(insn);
    const xb = xB(insn);
    const fpscr = c.u32[c.w + FPSCR_W];
    const a = dw0(c, xa);
    const b = dw0(c, xb);
    // The scalar cores take VSR numbers (0-63) for NaN payloads.
    if (op === A_ADD) addCore(c, fpscr, a, b, xa, xb, single);
    else if (op === A_SUB) addCore(c, fpscr, a, -b, xa, xb, single);
    else if (op === A_MUL) mulCore(c, fpscr, a, b, xa, xb, single);
    else divCore(c, fpscr, a, b, xa, xb, single);
    if (single) singleNaN();
    commit(c, 0, xT(insn));
  };
}

function xssqrtsp(c: Cpu, insn: number): void {
  needVSX(c);
  const xb = xB(insn);
  sqrtCore(c, c.u32[c.w + FPSCR_W], dw0(c, xb), xb, true);
  singleNaN();
  commit(c, 0, xT(insn));
}

function xssqrtdp(c: Cpu, insn: number): void {
  needVSX(c);
  const xb = xB(insn);
  sqrtCore(c, c.u32[c.w + FPSCR_W], dw0(c, xb), xb, false);
  commit(c, 0, xT(insn));
}

/**
 * xs[n]m{add,sub}{a,m}dp: a-form XT = XA * XB + XT, m-form XT = XA * XT + XB (variant
 * bit 0: subtract the addend, bit 1: negate the rounded result).
 */
function fma(variant: number, mForm: boolean, single: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const xa = xA(insn);
    const xb = xB(insn);
    const xt = xT(insn);
    // fmaCore(FRA, FRB = addend, FRC = multiplicand).
    fmaCore(c, c.u32[c.w + FPSCR_W], xa, mForm ? xb : xt, mForm ? xt : xb, variant, single);
    if (single) singleNaN();
    commit(c, 0, xt);
  };
}

/** xsredp / xsresp: reciprocal "estimate", computed exactly (as QEMU and fre do). */
function xsre(single: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const xb = xB(insn);
    divCore(c, c.u32[c.w + FPSCR_W], 1, dw0(c, xb), xb, xb, single);
    if (single) singleNaN();
    commit(c, 0, xT(insn));
  };
}

/** xsrsqrtedp / xsrsqrtesp: 1 / sqrt(x), each step rounded (as frsqrte). */
function xsrsqrte(single: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const xb = xB(insn);
    const fpscr = c.u32[c.w + FPSCR_W];
    sqrtCore(c, fpscr, dw0(c, xb), xb, false);
    if (res.kind === KIND_VALUE) {
      const exc1 = res.exc;
      divCore(c, fpscr, 1, res.v, xb, xb, single);
      res.exc |= exc1;
      if ((exc1 & XX) !== 0) res.stat |= FI;
    } else if (single) singleNaN();
    commit(c, 0, xT(insn));
  };
}

/**
 * xsrdpi[zpmc]: round to an integral value (nearest-away, zero, +inf, -inf, or
 * FPSCR[RN]); only the "c" form reports an inexact result (XX, FI).
 */
function xsrdpi(mode: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const xb = xB(insn);
    const w = vw(c, xb);
    const lo = c.u32[w];
    const hi = c.u32[w + 1];
    const fpscr = c.u32[c.w + FPSCR_W];
    const b = dw0(c, xb);
    if (b !== b) {
      setNaN(fpscr, hi, lo, isSNaN(hi, lo) ? VXSNAN : 0);
    } else {
      const rn = fpscr & RN_MASK;
      const m = mode === 4 ? (rn === 0 ? 4 : rn) : mode;
      const r = b - b === 0 ? roundIntegral(b, m) : b;
      if (mode === 4 && r !== b) setValue(r, XX, (r < 0 ? -r : r) > (b < 0 ? -b : b) ? FR | FI : FI);
      else setValue(r, 0, 0);
    }
    commit(c, 0, xT(insn));
  };
}

/** xsrsp: round to single precision, kept in double format (frsp on a VSR). */
function xsrsp(c: Cpu, insn: number): void {
  needVSX(c);
  const xb = xB(insn);
  roundToSingleCore(c, c.u32[c.w + FPSCR_W], dw0(c, xb), xb);
  commit(c, 0, xT(insn));
}

// ---------------------------------------------------------------- compares

/** xscmpudp / xscmpodp BF,XA,XB: CR[BF] and FPSCR[FPCC] = LT GT EQ UN. */
function compare(ordered: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const u32 = c.u32;
    const xa = xA(insn);
    const xb = xB(insn);
    const a = dw0(c, xa);
    const b = dw0(c, xb);
    let f = u32[c.w + FPSCR_W];
    let cc: number;
    let exc = 0;
    if (a !== a || b !== b) {
      cc = 1;
      const wa = vw(c, xa);
      const wb = vw(c, xb);
      const snan = isSNaN(u32[wa + 1], u32[wa]) || isSNaN(u32[wb + 1], u32[wb]);
      if (snan) {
        exc = VXSNAN;
        if (ordered && (f & VE) === 0) exc |= VXVC;
      } else if (ordered) {
        exc = VXVC;
      }
    } else {
      cc = a < b ? 8 : a > b ? 4 : 2;
    }
    f = (f & ~FPCC_MASK) | (cc << 12);
    if (exc !== 0) f = raiseBits(f, exc);
    u32[c.w + FPSCR_W] = f;
    const sh = 28 - 4 * ((insn >>> 23) & 7);
    u32[c.w + CR_W] = (u32[c.w + CR_W] & ~(0xf << sh)) | (cc << sh);
    if (exc !== 0) checkEnabled(c, f, exc);
  };
}

// ---------------------------------------------------------------- integer conversions

// kind: bit 0 unsigned, bit 1 doubleword result. Always rounds toward zero.
function toInt(kind: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const xb = xB(insn);
    const b = dw0(c, xb);
    const unsigned = (kind & 1) !== 0;
    const wide = (kind & 2) !== 0;
    let lo = 0;
    let hi = 0;
    let exc = 0;
    let stat = 0;
    let invalid = false;
    if (b !== b) {
      invalid = true;
      const w = vw(c, xb);
      if (isSNaN(c.u32[w + 1], c.u32[w])) exc = VXSNAN;
      if (!unsigned) {
        if (wide) hi = 0x80000000;
        else lo = 0x80000000;
      }
    } else {
      const r = Math.trunc(b);
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
          else lo = 0x80000000;
        }
      } else {
        if (r !== b) {
          exc = XX;
          stat = FI;
        }
        if (wide) {
          const neg = r < 0;
          const m = neg ? -r : r;
          let mh = Math.floor(m / TWO32);
          let ml = m - mh * TWO32;
          if (neg) {
            ml = (~ml + 1) >>> 0;
            mh = (~mh + (ml === 0 ? 1 : 0)) >>> 0;
          }
          lo = ml;
          hi = mh;
        } else {
          lo = r >>> 0;
          hi = 0;
        }
      }
    }
    const u32 = c.u32;
    const fw = c.w + FPSCR_W;
    let f = u32[fw] & ~(FR | FI);
    // FPRF is not changed (unlike fctiw*: QEMU leaves it for the VSX forms too).
    if (invalid) exc |= VXCVI;
    if (!invalid || (f & VE) === 0) {
      const wt = vw(c, xT(insn));
      u32[wt] = lo;
      // Word results go to word 1; QEMU copies them to word 0 as well (undefined in the ISA).
      u32[wt + 1] = wide ? hi : lo;
      u32[wt + 2] = 0;
      u32[wt + 3] = 0;
    }
    f |= stat;
    if (exc !== 0) f = raiseBits(f, exc);
    u32[fw] = f;
    if (exc !== 0) checkEnabled(c, f, exc);
  };
}

/** xscv[su]xd{dp,sp}: doubleword 0 as an integer, rounded to double or single. */
function fromInt(unsigned: boolean, single: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const w = vw(c, xB(insn));
    const lo = c.u32[w];
    const hi = c.u32[w + 1];
    const fpscr = c.u32[c.w + FPSCR_W];
    const neg = !unsigned && (hi & 0x80000000) !== 0;
    let mHi = hi;
    let mLo = lo;
    if (neg) {
      mLo = (~lo + 1) >>> 0;
      mHi = (~hi + (mLo === 0 ? 1 : 0)) >>> 0;
    }
    if (mHi < 0x200000) {
      const m = mHi * TWO32 + mLo;
      if (single) roundToSingleCore(c, fpscr, neg ? -m : m, -1);
      else setValue(neg ? -m : m, 0, 0);
    } else {
      softFromInt(neg, (BigInt(mHi) << 32n) | BigInt(mLo), single, fpscr & RN_MASK, fpscr);
      fromSoft();
    }
    commit(c, 0, xT(insn));
  };
}

// ---------------------------------------------------------------- registration

function reg60x3(xo8: number, fn: (c: Cpu, insn: number) => void): void {
  reg60(xo8 << 1, fn);
  reg60((xo8 << 1) | 1, fn);
}

reg60x3(32, arith(A_ADD, false)); // xsadddp
reg60x3(40, arith(A_SUB, false)); // xssubdp
reg60x3(48, arith(A_MUL, false)); // xsmuldp
reg60x3(56, arith(A_DIV, false)); // xsdivdp
reg60x3(0, arith(A_ADD, true)); // xsaddsp
reg60x3(8, arith(A_SUB, true)); // xssubsp
reg60x3(16, arith(A_MUL, true)); // xsmulsp
reg60x3(24, arith(A_DIV, true)); // xsdivsp
reg60(11, xssqrtsp);
reg60(75, xssqrtdp);
reg60x3(33, fma(0, false, false)); // xsmaddadp
reg60x3(41, fma(0, true, false)); // xsmaddmdp
reg60x3(49, fma(1, false, false)); // xsmsubadp
reg60x3(57, fma(1, true, false)); // xsmsubmdp
reg60x3(161, fma(2, false, false)); // xsnmaddadp
reg60x3(169, fma(2, true, false)); // xsnmaddmdp
reg60x3(177, fma(3, false, false)); // xsnmsubadp
reg60x3(185, fma(3, true, false)); // xsnmsubmdp
reg60x3(1, fma(0, false, true)); // xsmaddasp
reg60x3(9, fma(0, true, true)); // xsmaddmsp
reg60x3(17, fma(1, false, true)); // xsmsubasp
reg60x3(25, fma(1, true, true)); // xsmsubmsp
reg60x3(129, fma(2, false, true)); // xsnmaddasp
reg60x3(137, fma(2, true, true)); // xsnmaddmsp
reg60x3(145, fma(3, false, true)); // xsnmsubasp
reg60x3(153, fma(3, true, true)); // xsnmsubmsp
reg60(281, xsrsp);
reg60(90, xsre(false)); // xsredp
reg60(26, xsre(true)); // xsresp
reg60(74, xsrsqrte(false)); // xsrsqrtedp
reg60(10, xsrsqrte(true)); // xsrsqrtesp
reg60(73, xsrdpi(0)); // xsrdpi
reg60(89, xsrdpi(1)); // xsrdpiz
reg60(105, xsrdpi(2)); // xsrdpip
reg60(121, xsrdpi(3)); // xsrdpim
reg60(107, xsrdpi(4)); // xsrdpic
reg60x3(35, compare(false)); // xscmpudp
reg60x3(43, compare(true)); // xscmpodp
reg60(344, toInt(2)); // xscvdpsxds
reg60(328, toInt(3)); // xscvdpuxds
reg60(88, toInt(0)); // xscvdpsxws
reg60(72, toInt(1)); // xscvdpuxws
reg60(376, fromInt(false, false)); // xscvsxddp
reg60(360, fromInt(true, false)); // xscvuxddp
reg60(312, fromInt(false, true)); // xscvsxdsp
reg60(296, fromInt(true, true)); // xscvuxdsp
