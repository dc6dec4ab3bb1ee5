// VSX vector floating-point arithmetic, compares, min/max and conversions on two
// doubles or four singles (Power ISA 3.0B Book I 7.6). Each element is computed with the
// scalar FP family's cores (fp-arith.ts: exact rounding in every mode) on values; NaN
// operands are handled here on the element's bits. Vector forms update the FPSCR
// exception bits only (FR, FI and FPRF are left alone), and with an enabled exception
// the target register is not written (ISA "if an enabled exception occurs, XT is not
// modified").
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { reg60 } from '../decode.js';
import { OX, UX, XX, VE, OE, UE, ZE, XE, VX, VX_ALL, VXIMZ, VXISI, VXSNAN, VXVC, VXCVI, RN_MASK, raiseBits } from '../fpscr.js';
import { res, KIND_BITS, KIND_NONE, KIND_VALUE, DEFAULT_NAN_HI, checkEnabled, setValue, setInvalid } from './fp-common.js';
import { addCore, mulCore, divCore, sqrtCore } from './fp-arith.js';
import { softFma, softFromInt, softValue, softFlags } from './fp-soft.js';
import { singleToDouble, doubleToSingle, dHi } from '../vreg.js';
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

function xT(insn: number): number {
  return ((insn & 1) << 5) | ((insn >>> 21) & 31);
}
function xA(insn: number): number {
  return ((insn & 4) << 3) | ((insn >>> 16) & 31);
}
function xB(insn: number): number {
  return ((insn & 2) << 4) | ((insn >>> 11) & 31);
}

// Bits <-> value.
const cvF64 = new Float64Array(1);
const cvU32 = new Uint32Array(cvF64.buffer);
function toValue(lo: number, hi: number): number {
  cvU32[0] = lo;
  cvU32[1] = hi;
  return cvF64[0];
}

// Operand element bits (double format; singles are widened exactly first), in the
// ISA's NaN precedence order for the operation.
const opLo = new Uint32Array(3);
const opHi = new Uint32Array(3);

function isNaNBits(i: number): boolean {
  return (opHi[i] & 0x7ff00000) === 0x7ff00000 && ((opHi[i] & 0xfffff) | opLo[i]) !== 0;
}
function isSNaNBits(i: number): boolean {
  return isNaNBits(i) && (opHi[i] & 0x80000) === 0;
}

/** If an operand (0..n-1) is a NaN: the first one, quieted, as the pending result; VXSNAN if any is signalling. */
function nanOperands(fpscr: number, n: number, extra: number): boolean {
  let pick = -1;
  let exc = extra;
  for (let i = 0; i < n; i++) {
    if (!isNaNBits(i)) continue;
    if (pick < 0) pick = i;
    if (isSNaNBits(i)) exc |= VXSNAN;
  }
  if (pick < 0) return false;
  res.exc = exc;
  res.stat = 0;
  if (exc !== 0 && (fpscr & VE) !== 0) {
    res.kind = KIND_NONE;
  } else {
    res.kind = KIND_BITS;
    res.hi = opHi[pick] | 0x80000;
    res.lo = opLo[pick];
  }
  return true;
}

// ---------------------------------------------------------------- per-element operations

const OP_ADD = 0;
const OP_SUB = 1;
const OP_MUL = 2;
const OP_DIV = 3;
const OP_SQRT = 4;
const OP_MADD = 5; // a * b + c
const OP_MSUB = 6; // a * b - c
const OP_NMADD = 7; // -(a * b + c)
const OP_NMSUB = 8; // -(a * b - c)
const OP_RE = 9; // reciprocal estimate (computed exactly, as QEMU)
const OP_RSQRTE = 10; // reciprocal square root estimate
const OP_RI = 11; // round to integer: OP_RI + mode (RI_* below)

// Round-to-integer modes of xvr{dp,sp}i[zpmc].
const RI_AWAY = 0; // nearest, ties away from zero
const RI_ZERO = 1;
const RI_UP = 2;
const RI_DOWN = 3;
const RI_CURRENT = 4; // FPSCR[RN], and XX/FI on an inexact result

/** Round a finite double to an integral value (sign of zero kept). */
export function roundIntegral(x: number, mode: number): number {
  const t = Math.trunc(x);
  const d = x - t; // exact
  if (d === 0) return x;
  switch (mode) {
    case RI_AWAY:
      return d >= 0.5 ? t + 1 : d <= -0.5 ? t - 1 : t;
    case RI_ZERO:
      return t;
    case RI_UP:
      return Math.ceil(x);
    case RI_DOWN:
      return Math.floor(x);
    default: {
      // Nearest, ties to even.
      if (d > 0.5 || (d === 0.5 && t % 2 !== 0)) return t + 1;
      if (d < -0.5 || (d === -0.5 && t % 2 !== 0)) return t - 1;
      return t;
    }
  }
}

/** a * m + c (variant: bit 0 subtract c, bit 1 negate the rounded result), non-NaN operands. */
function fmaValues(fpscr: number, a: number, m: number, c0: number, variant: number, single: boolean): void {
  const c = (variant & 1) !== 0 ? -c0 : c0;
  const neg = (variant & 2) !== 0;
  const imz = (a === 0 && m - m !== 0) || (m === 0 && a - a !== 0);
  if (imz) {
    setInvalid(fpscr, VXIMZ, DEFAULT_NAN_HI, 0);
    return;
  }
  if (a - a === 0 && m - m === 0 && c - c === 0) {
    softFma(a, m, c, single, fpscr & RN_MASK, fpscr);
    setValue(neg ? -softValue : softValue, softFlags & (OX | UX | XX), 0);
    return;
  }
  if (a - a !== 0 || m - m !== 0) {
    const p = a * m;
    if (c - c !== 0 && c !== p) {
      setInvalid(fpscr, VXISI, DEFAULT_NAN_HI, 0);
      return;
    }
    setValue(neg ? -p : p, 0, 0);
    return;
  }
  setValue(neg ? -c : c, 0, 0);
}

/**
 * Compute one element into `res` from the operand bits in opLo/opHi (0: first source,
 * 1: second, 2: third), in double or single precision.
 */
function element(c: Cpu, op: number, fpscr: number, single: boolean): void {
  const a = toValue(opLo[0], opHi[0]);
  const b = toValue(opLo[1], opHi[1]);
  if (op === OP_SQRT) {
    if (nanOperands(fpscr, 1, 0)) return;
    sqrtCore(c, fpscr, a, -1, single);
    return;
  }
  if (op === OP_RE) {
    if (nanOperands(fpscr, 1, 0)) return;
    divCore(c, fpscr, 1, a, -1, -1, single);
    return;
  }
  if (op === OP_RSQRTE) {
    if (nanOperands(fpscr, 1, 0)) return;
    // Each step rounded in the element's precision (QEMU: float32_sqrt, then 1 / t).
    sqrtCore(c, fpscr, a, -1, single);
    if (res.kind !== KIND_VALUE) return;
    const exc1 = res.exc;
    divCore(c, fpscr, 1, res.v, -1, -1, single);
    res.exc |= exc1;
    return;
  }
  if (op >= OP_RI) {
    if (nanOperands(fpscr, 1, 0)) return;
    let mode = op - OP_RI;
    if (mode === RI_CURRENT) {
      const rn = fpscr & RN_MASK; // 0 nearest-even, 1 zero, 2 +inf, 3 -inf
      mode = rn === 0 ? RI_CURRENT : rn;
    }
    const r = a - a === 0 ? roundIntegral(a, mode) : a;
    setValue(r, op - OP_RI === RI_CURRENT && r !== a ? XX : 0, 0);
    return;
  }
  if (op >= OP_MADD) {
    // Operand order here: 0 = multiplier, 1 = addend, 2 = multiplicand (ISA precedence).
    const m = toValue(opLo[2], opHi[2]);
    const imz = (a === 0 && m - m !== 0 && m === m) || (m === 0 && a - a !== 0 && a === a);
    if (nanOperands(fpscr, 3, imz ? VXIMZ : 0)) return;
    fmaValues(fpscr, a, m, b, op - OP_MADD, single);
    return;
  }
  if (nanOperands(fpscr, 2, 0)) return;
  // The cores read registers only to propagate NaNs, which cannot reach them here.
  if (op === OP_ADD) addCore(c, fpscr, a, b, -1, -1, single);
  else if (op === OP_SUB) addCore(c, fpscr, a, -b, -1, -1, single);
  else if (op === OP_MUL) mulCore(c, fpscr, a, b, -1, -1, single);
  else divCore(c, fpscr, a, b, -1, -1, single);
}

// Results of the elements, written to the target only when no enabled exception occurred.
const outLo = new Uint32Array(4);
const outHi = new Uint32Array(4);

/** FPSCR exception bits of `exc` whose enable bit is set. */
function enabled(f: number, exc: number): boolean {
  let e = exc;
  if ((e & VX_ALL) !== 0) e |= VX;
  return ((e >>> 22) & f & (VE | OE | UE | ZE | XE)) !== 0;
}

/** Finish a vector operation: FPSCR exceptions, target write unless enabled, interrupt. */
function finish(c: Cpu, t: number, exc: number, single: boolean): void {
  const u32 = c.u32;
  let f = u32[c.w + FPSCR_W];
  if (!(exc !== 0 && enabled(f, exc))) {
    const w = vw(c, t);
    if (single) {
      // Storage order: word index 1, 0, 3, 2 hold ISA words 0, 1, 2, 3.
      u32[w + 1] = outLo[0];
      u32[w] = outLo[1];
      u32[w + 3] = outLo[2];
      u32[w + 2] = outLo[3];
    } else {
      u32[w] = outLo[0];
      u32[w + 1] = outHi[0];
      u32[w + 2] = outLo[1];
      u32[w + 3] = outHi[1];
    }
  }
  if (exc !== 0) {
    f = raiseBits(f, exc);
    u32[c.w + FPSCR_W] = f;
    checkEnabled(c, f, exc);
  }
}

/** Load element e of VSR n into operand slot k (double format). */
function loadOperand(c: Cpu, k: number, n: number, e: number, single: boolean): void {
  const u32 = c.u32;
  const w = vw(c, n);
  if (single) {
    const s = u32[w + (e ^ 1)];
    opLo[k] = singleToDouble(s);
    opHi[k] = dHi;
  } else {
    opLo[k] = u32[w + 2 * e];
    opHi[k] = u32[w + 2 * e + 1];
  }
}

/** Store the pending result as element e (single results converted to single format). */
function takeResult(e: number, single: boolean): void {
  if (res.kind === KIND_NONE) return;
  let lo: number;
  let hi: number;
  if (res.kind === KIND_BITS) {
    lo = res.lo;
    hi = res.hi;
  } else {
    cvF64[0] = res.v;
    lo = cvU32[0];
    hi = cvU32[1];
  }
  if (single) {
    outLo[e] = doubleToSingle(lo, hi);
  } else {
    outLo[e] = lo;
    outHi[e] = hi;
  }
}

/** xv{add,sub,mul,div}{dp,sp}, xvsqrt{dp,sp}, the estimates and round-to-integer forms. */
function arith(op: number, single: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const fpscr = c.u32[c.w + FPSCR_W];
    const a = xA(insn);
    const b = xB(insn);
    const n = single ? 4 : 2;
    let exc = 0;
    for (let e = 0; e < n; e++) {
      if (op === OP_SQRT || op >= OP_RE) {
        loadOperand(c, 0, b, e, single);
      } else {
        loadOperand(c, 0, a, e, single);
        loadOperand(c, 1, b, e, single);
      }
      element(c, op, fpscr, single);
      exc |= res.exc;
      takeResult(e, single);
    }
    finish(c, xT(insn), exc, single);
  };
}

/** Multiply-add family: a-form XT = XA * XB (+/-) XT, m-form XT = XA * XT (+/-) XB. */
function fma(op: number, single: boolean, mForm: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const fpscr = c.u32[c.w + FPSCR_W];
    const a = xA(insn);
    const b = xB(insn);
    const t = xT(insn);
    const n = single ? 4 : 2;
    let exc = 0;
    for (let e = 0; e < n; e++) {
      loadOperand(c, 0, a, e, single);
      loadOperand(c, 1, mForm ? b : t, e, single); // addend
      loadOperand(c, 2, mForm ? t : b, e, single); // multiplicand
      element(c, op, fpscr, single);
      exc |= res.exc;
      takeResult(e, single);
    }
    finish(c, t, exc, single);
  };
}

// ---------------------------------------------------------------- compares

const CMP_EQ = 0;
const CMP_GT = 1;
const CMP_GE = 2;

/** xvcmp{eq,gt,ge}{dp,sp}[.]: all-ones/zeros per element; Rc (bit 21) sets CR6. */
function compare(kind: number, single: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const u32 = c.u32;
    const f = u32[c.w + FPSCR_W];
    const a = xA(insn);
    const b = xB(insn);
    const n = single ? 4 : 2;
    let exc = 0;
    let all = true;
    let none = true;
    for (let e = 0; e < n; e++) {
      loadOperand(c, 0, a, e, single);
      loadOperand(c, 1, b, e, single);
      const x = toValue(opLo[0], opHi[0]);
      const y = toValue(opLo[1], opHi[1]);
      let r: boolean;
      if (x !== x || y !== y) {
        r = false;
        if (isSNaNBits(0) || isSNaNBits(1)) {
          exc |= VXSNAN;
          if (kind !== CMP_EQ && (f & VE) === 0) exc |= VXVC;
        } else if (kind !== CMP_EQ) {
          exc |= VXVC;
        }
      } else {
        r = kind === CMP_EQ ? x === y : kind === CMP_GT ? x > y : x >= y;
      }
      if (r) none = false;
      else all = false;
      const m = r ? 0xffffffff : 0;
      outLo[e] = m;
      outHi[e] = m;
    }
    const writes = !(exc !== 0 && enabled(f, exc));
    finish(c, xT(insn), exc, single);
    if ((insn & 0x400) !== 0 && writes) {
      const v = all ? 8 : none ? 2 : 0;
      const i = c.w + CR_W;
      u32[i] = (u32[i] & ~0xf0) | (v << 4);
    }
  };
}

// ---------------------------------------------------------------- max / min

/**
 * xvmax/xvmin{dp,sp}: a QNaN operand yields the other operand; with an SNaN, VXSNAN and
 * the first NaN operand quieted. +0 is greater than -0.
 */
function maxMin(isMax: boolean, single: boolean, scalar = false) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const a = xA(insn);
    const b = xB(insn);
    const n = scalar ? 1 : single ? 4 : 2;
    let exc = 0;
    for (let e = 0; e < n; e++) {
      loadOperand(c, 0, a, e, single);
      loadOperand(c, 1, b, e, single);
      const x = toValue(opLo[0], opHi[0]);
      const y = toValue(opLo[1], opHi[1]);
      let pick: number;
      if (x !== x || y !== y) {
        const sa = isSNaNBits(0);
        const sb = isSNaNBits(1);
        if (sa || sb) {
          // Any SNaN: the first NaN operand, quieted (as QEMU's maxnum/minnum).
          exc |= VXSNAN;
          pick = x !== x ? 0 : 1;
          opHi[pick] |= 0x80000;
        } else {
          pick = x !== x ? (y !== y ? 0 : 1) : 0;
        }
      } else if (x === y) {
        // Equal values, zeros of either sign included: max prefers +0, min prefers -0.
        const xNeg = (opHi[0] & 0x80000000) !== 0;
        pick = isMax ? (xNeg ? 1 : 0) : xNeg ? 0 : 1;
      } else {
        pick = (x > y) === isMax ? 0 : 1;
      }
      if (single) outLo[e] = doubleToSingle(opLo[pick], opHi[pick]);
      else {
        outLo[e] = opLo[pick];
        outHi[e] = opHi[pick];
      }
    }
    if (scalar) {
      // xsmaxdp/xsmindp: doubleword 1 of the result is 0.
      outLo[1] = 0;
      outHi[1] = 0;
    }
    finish(c, xT(insn), exc, single);
  };
}

// ---------------------------------------------------------------- conversions

/** xvcvspdp: singles in words 0 and 2 to doubles (SNaN quieted, VXSNAN). */
function xvcvspdp(c: Cpu, insn: number): void {
  needVSX(c);
  const b = xB(insn);
  let exc = 0;
  for (let e = 0; e < 2; e++) {
    loadOperand(c, 0, b, 2 * e, true);
    if (isSNaNBits(0)) {
      exc |= VXSNAN;
      opHi[0] |= 0x80000;
    }
    outLo[e] = opLo[0];
    outHi[e] = opHi[0];
  }
  finish(c, xT(insn), exc, false);
}

/** xvcvdpsp: doubles rounded to singles in words 0 and 2 (copied to words 1 and 3, as QEMU). */
function xvcvdpsp(c: Cpu, insn: number): void {
  needVSX(c);
  const fpscr = c.u32[c.w + FPSCR_W];
  const b = xB(insn);
  let exc = 0;
  for (let e = 0; e < 2; e++) {
    loadOperand(c, 0, b, e, false);
    if (!nanOperands(fpscr, 1, 0)) {
      const x = toValue(opLo[0], opHi[0]);
      // Round to single: a multiply by one in single precision rounds exactly once.
      mulCore(c, fpscr, x, 1, -1, -1, true);
      if (x - x !== 0) setValue(x, 0, 0); // infinities convert exactly
    }
    exc |= res.exc;
    takeResult(2 * e, true);
    outLo[2 * e + 1] = outLo[2 * e];
  }
  finish(c, xT(insn), exc, true);
}

const TWO32 = 4294967296;
const TWO63 = 9223372036854775808;
const TWO64 = 18446744073709551616;

/**
 * Float -> integer, rounding toward zero, saturating with VXCVI (NaN: the most negative
 * signed value or 0 unsigned). kind bit 0: unsigned; bit 1: doubleword result; bit 2:
 * single-precision source.
 */
function toIntElement(kind: number): number {
  const unsigned = (kind & 1) !== 0;
  const wide = (kind & 2) !== 0;
  const x = toValue(opLo[0], opHi[0]);
  let lo = 0;
  let hi = 0;
  let exc = 0;
  if (x !== x) {
    exc = VXCVI | (isSNaNBits(0) ? VXSNAN : 0);
    if (!unsigned) {
      if (wide) hi = 0x80000000;
      else lo = 0x80000000;
    }
  } else {
    const r = Math.trunc(x);
    const ok = unsigned
      ? wide ? r >= 0 && r < TWO64 : r >= 0 && r <= 4294967295
      : wide ? r >= -TWO63 && r < TWO63 : r >= -2147483648 && r <= 2147483647;
    if (!ok) {
      exc = VXCVI;
      if (x > 0) {
        if (unsigned) {
          lo = 0xffffffff;
          hi = wide ? 0xffffffff : 0;
        } else if (wide) {
          lo = 0xffffffff;
          hi = 0x7fffffff;
        } else lo = 0x7fffffff;
      } else if (!unsigned) {
        if (wide) hi = 0x80000000;
        else lo = 0x80000000;
      }
    } else {
      if (r !== x) exc = XX;
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
      }
    }
  }
  opLo[2] = lo >>> 0;
  opHi[2] = hi >>> 0;
  return exc;
}

/** xvcvdp[su]x[dw]s, xvcvsp[su]x[dw]s. */
function toInt(kind: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const b = xB(insn);
    const srcSingle = (kind & 4) !== 0;
    const wide = (kind & 2) !== 0;
    let exc = 0;
    if (srcSingle && !wide) {
      // Four singles -> four words.
      for (let e = 0; e < 4; e++) {
        loadOperand(c, 0, b, e, true);
        exc |= toIntElement(kind);
        outLo[e] = opLo[2];
      }
      finish(c, xT(insn), exc, true);
      return;
    }
    for (let e = 0; e < 2; e++) {
      // Doubles come from doublewords; singles (to doublewords) from words 0 and 2.
      loadOperand(c, 0, b, srcSingle ? 2 * e : e, srcSingle);
      exc |= toIntElement(kind);
      if (wide) {
        outLo[e] = opLo[2];
        outHi[e] = opHi[2];
      } else {
        // Word results go to words 0 and 2 (1 and 3 undefined); QEMU fills both words
        // of each doubleword with the result, and so do we.
        outLo[e] = opLo[2];
        outHi[e] = opLo[2];
      }
    }
    finish(c, xT(insn), exc, false);
  };
}

/**
 * Integer -> float: xvcv[su]xwdp (words 0, 2 -> doubles), xvcv[su]xddp (doublewords),
 * xvcv[su]xwsp (four words -> singles), xvcv[su]xdsp (doublewords -> singles in words
 * 0 and 2). kind bit 0 unsigned, bit 1 doubleword source, bit 2 single result.
 */
function fromInt(kind: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const fpscr = c.u32[c.w + FPSCR_W];
    const u32 = c.u32;
    const wb = vw(c, xB(insn));
    const unsigned = (kind & 1) !== 0;
    const wideSrc = (kind & 2) !== 0;
    const single = (kind & 4) !== 0;
    const n = single && !wideSrc ? 4 : 2;
    let exc = 0;
    for (let e = 0; e < n; e++) {
      let v: number;
      let exact = true;
      let lo = 0;
      let hi = 0;
      if (wideSrc) {
        lo = u32[wb + 2 * e];
        hi = u32[wb + 2 * e + 1];
        const neg = !unsigned && (hi & 0x80000000) !== 0;
        let mh = hi;
        let ml = lo;
        if (neg) {
          ml = (~lo + 1) >>> 0;
          mh = (~hi + (ml === 0 ? 1 : 0)) >>> 0;
        }
        const m = mh * TWO32 + ml;
        exact = mh < 0x200000;
        v = neg ? -m : m;
      } else {
        const wi = n === 4 ? e : 2 * e; // words 0 and 2 for the double forms
        const x = u32[wb + (wi ^ 1)];
        v = unsigned ? x : x | 0;
      }
      if (exact) {
        if (single) mulCore(c, fpscr, v, 1, -1, -1, true);
        else setValue(v, 0, 0);
      } else {
        // |value| >= 2^53: round the exact integer (BigInt, rare).
        const big = unsigned ? (BigInt(hi) << 32n) | BigInt(lo) : BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
        roundBig(big, single, fpscr);
      }
      exc |= res.exc;
      if (single && n === 2) {
        takeResult(2 * e, true);
        outLo[2 * e + 1] = outLo[2 * e];
      } else takeResult(e, single);
    }
    finish(c, xT(insn), exc, single);
  };
}

function roundBig(v: bigint, single: boolean, fpscr: number): void {
  const neg = v < 0n;
  softFromInt(neg, neg ? -v : v, single, fpscr & RN_MASK, fpscr);
  setValue(softValue, softFlags & (OX | UX | XX), 0);
}

// ---------------------------------------------------------------- registration

function reg60x3(xo8: number, fn: (c: Cpu, insn: number) => void): void {
  reg60(xo8 << 1, fn);
  reg60((xo8 << 1) | 1, fn);
}

reg60(218, arith(OP_RE, false)); // xvredp
reg60(154, arith(OP_RE, true)); // xvresp
reg60(202, arith(OP_RSQRTE, false)); // xvrsqrtedp
reg60(138, arith(OP_RSQRTE, true)); // xvrsqrtesp
reg60(201, arith(OP_RI + RI_AWAY, false)); // xvrdpi
reg60(217, arith(OP_RI + RI_ZERO, false)); // xvrdpiz
reg60(233, arith(OP_RI + RI_UP, false)); // xvrdpip
reg60(249, arith(OP_RI + RI_DOWN, false)); // xvrdpim
reg60(235, arith(OP_RI + RI_CURRENT, false)); // xvrdpic
reg60(137, arith(OP_RI + RI_AWAY, true)); // xvrspi
reg60(153, arith(OP_RI + RI_ZERO, true)); // xvrspiz
reg60(169, arith(OP_RI + RI_UP, true)); // xvrspip
reg60(185, arith(OP_RI + RI_DOWN, true)); // xvrspim
reg60(171, arith(OP_RI + RI_CURRENT, true)); // xvrspic
reg60x3(96, arith(OP_ADD, false)); // xvadddp
reg60x3(104, arith(OP_SUB, false)); // xvsubdp
reg60x3(112, arith(OP_MUL, false)); // xvmuldp
reg60x3(120, arith(OP_DIV, false)); // xvdivdp
reg60(203, arith(OP_SQRT, false)); // xvsqrtdp
reg60x3(64, arith(OP_ADD, true)); // xvaddsp
reg60x3(72, arith(OP_SUB, true)); // xvsubsp
reg60x3(80, arith(OP_MUL, true)); // xvmulsp
reg60x3(88, arith(OP_DIV, true)); // xvdivsp
reg60(139, arith(OP_SQRT, true)); // xvsqrtsp

reg60x3(97, fma(OP_MADD, false, false)); // xvmaddadp
reg60x3(105, fma(OP_MADD, false, true)); // xvmaddmdp
reg60x3(113, fma(OP_MSUB, false, false)); // xvmsubadp
reg60x3(121, fma(OP_MSUB, false, true)); // xvmsubmdp
reg60x3(225, fma(OP_NMADD, false, false)); // xvnmaddadp
reg60x3(233, fma(OP_NMADD, false, true)); // xvnmaddmdp
reg60x3(241, fma(OP_NMSUB, false, false)); // xvnmsubadp
reg60x3(249, fma(OP_NMSUB, false, true)); // xvnmsubmdp
reg60x3(65, fma(OP_MADD, true, false)); // xvmaddasp
reg60x3(73, fma(OP_MADD, true, true)); // xvmaddmsp
reg60x3(81, fma(OP_MSUB, true, false)); // xvmsubasp
reg60x3(89, fma(OP_MSUB, true, true)); // xvmsubmsp
reg60x3(193, fma(OP_NMADD, true, false)); // xvnmaddasp
reg60x3(201, fma(OP_NMADD, true, true)); // xvnmaddmsp
reg60x3(209, fma(OP_NMSUB, true, false)); // xvnmsubasp
reg60x3(217, fma(OP_NMSUB, true, true)); // xvnmsubmsp

// Compares: XX3 with Rc in bit 21 (0x100 of the 9-bit index).
for (const rc of [0, 128]) {
  reg60x3(rc | 99, compare(CMP_EQ, false)); // xvcmpeqdp
  reg60x3(rc | 107, compare(CMP_GT, false)); // xvcmpgtdp
  reg60x3(rc | 115, compare(CMP_GE, false)); // xvcmpgedp
  reg60x3(rc | 67, compare(CMP_EQ, true)); // xvcmpeqsp
  reg60x3(rc | 75, compare(CMP_GT, true)); // xvcmpgtsp
  reg60x3(rc | 83, compare(CMP_GE, true)); // xvcmpgesp
}

reg60x3(160, maxMin(true, false, true)); // xsmaxdp
reg60x3(168, maxMin(false, false, true)); // xsmindp
reg60x3(224, maxMin(true, false)); // xvmaxdp
reg60x3(232, maxMin(false, false)); // xvmindp
reg60x3(192, maxMin(true, true)); // xvmaxsp
reg60x3(200, maxMin(false, true)); // xvminsp

reg60(457, xvcvspdp);
reg60(393, xvcvdpsp);
reg60(216, toInt(0)); // xvcvdpsxws
reg60(200, toInt(1)); // xvcvdpuxws
reg60(472, toInt(2)); // xvcvdpsxds
reg60(456, toInt(3)); // xvcvdpuxds
reg60(152, toInt(4)); // xvcvspsxws
reg60(136, toInt(5)); // xvcvspuxws
reg60(408, toInt(6)); // xvcvspsxds
reg60(392, toInt(7)); // xvcvspuxds
reg60(248, fromInt(0)); // xvcvsxwdp
reg60(232, fromInt(1)); // xvcvuxwdp
reg60(504, fromInt(2)); // xvcvsxddp
reg60(488, fromInt(3)); // xvcvuxddp
reg60(184, fromInt(4)); // xvcvsxwsp
reg60(168, fromInt(5)); // xvcvuxwsp
reg60(440, fromInt(6)); // xvcvsxdsp
reg60(424, fromInt(7)); // xvcvuxdsp
