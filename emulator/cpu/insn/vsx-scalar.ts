// VSX scalar double-precision arithmetic, compares and integer conversions
// (Power ISA 3.0B Book I 7.6): xsadddp xssubdp xsmuldp xsdivdp xssqrtdp xsrsp
// xscmpudp xscmpodp xscvdp[su]x[dw]s xscv[su]xddp. They follow the scalar FP
// instructions (same rounding, FPSCR and NaN rules) on doubleword 0 of any VSR, built
// from the scalar family's exported pieces (fp-common.ts, fp-soft.ts): the pending
// result `res`, commit() (writes doubleword 0, clears doubleword 1, sets FPSCR) and the
// exact BigInt slow path. Rare in practice, so no effort on speed beyond the simple
// round-to-nearest fast paths.
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { reg60 } from '../decode.js';
import {
  FI, FR, FPCC_MASK, RN_MASK, UE, VE, VXCVI, VXIDI, VXIMZ, VXISI, VXSNAN,
  VXSQRT, VXVC, VXZDZ, XX, ZE, ZX, raiseBits,
} from '../fpscr.js';
import {
  res, KIND_NONE, KIND_VALUE, DBL_MIN, DEFAULT_NAN_HI, commit, checkEnabled, isSNaN, roundStat, setInvalid,
  setNaN, setValue, twoProductErr, twoSumErr,
} from './fp-common.js';
import { softAdd, softDiv, softFromInt, softMul, softSqrt, softValue, softFlags } from './fp-soft.js';
import { roundToSingleCore } from './fp-arith.js';
import { vw, needVSX } from '../vreg.js';

const FPSCR_W = L.FPSCR >> 2;
const CR_W = L.CR >> 2;
const TWO_M960 = 2 ** -960;
const TWO_P900 = 2 ** 900;
const TWO_M900 = 2 ** -900;
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

/** NaN result from operands x (and y, -1 if absent): the first NaN, quieted; VXSNAN if any is signalling. */
function propagate(c: Cpu, fpscr: number, x: number, y: number): void {
  const u32 = c.u32;
  let exc = 0;
  let pick = -1;
  for (let k = 0; k < 2; k++) {
    const n = k === 0 ? x : y;
    if (n < 0) continue;
    const w = vw(c, n);
    const hi = u32[w + 1];
    const lo = u32[w];
    if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0) {
      if (pick < 0) pick = w;
      if (isSNaN(hi, lo)) exc |= VXSNAN;
    }
  }
  setNaN(fpscr, u32[pick + 1], u32[pick], exc);
}

// ---------------------------------------------------------------- arithmetic

function addOp(c: Cpu, fpscr: number, a: number, b: number, xa: number, xb: number): void {
  if (a - a === 0 && b - b === 0) {
    if ((fpscr & RN_MASK) === 0) {
      const s = a + b;
      if (s - s === 0 && (s >= DBL_MIN || s <= -DBL_MIN || (fpscr & UE) === 0)) {
        const e = twoSumErr(a, b, s);
        setValue(s, e === 0 ? 0 : XX, roundStat(s, e));
        return;
      }
    }
    softAdd(a, b, false, fpscr & RN_MASK, fpscr);
    fromSoft();
    return;
  }
  if (a !== a || b !== b) {
    propagate(c, fpscr, xa, xb);
    return;
  }
  if (a - a !== 0 && b - b !== 0 && a !== b) {
    setInvalid(fpscr, VXISI, DEFAULT_NAN_HI, 0);
    return;
  }
  setValue(a - a !== 0 ? a : b, 0, 0);
}

function mulOp(c: Cpu, fpscr: number, a: number, b: number, xa: number, xb: number): void {
  if (a - a === 0 && b - b === 0) {
    if (a === 0 || b === 0) {
      setValue(a * b, 0, 0);
      return;
    }
    if ((fpscr & RN_MASK) === 0) {
      const p = a * b;
      const ap = a < 0 ? -a : a;
      const bp = b < 0 ? -b : b;
      const pp = p < 0 ? -p : p;
      if (pp >= TWO_M960 && pp - pp === 0 && ap < TWO_P900 && bp < TWO_P900 && ap > TWO_M900 && bp > TWO_M900) {
        const e = twoProductErr(a, b, p);
        setValue(p, e === 0 ? 0 : XX, roundStat(p, e));
        return;
      }
    }
    softMul(a, b, false, fpscr & RN_MASK, fpscr);
    fromSoft();
    return;
  }
  if (a !== a || b !== b) {
    propagate(c, fpscr, xa, xb);
    return;
  }
  if (a === 0 || b === 0) {
    setInvalid(fpscr, VXIMZ, DEFAULT_NAN_HI, 0);
    return;
  }
  setValue(a * b, 0, 0);
}

function divOp(c: Cpu, fpscr: number, a: number, b: number, xa: number, xb: number): void {
  if (a - a === 0 && b - b === 0) {
    if (b === 0) {
      if (a === 0) {
        setInvalid(fpscr, VXZDZ, DEFAULT_NAN_HI, 0);
        return;
      }
      res.kind = (fpscr & ZE) !== 0 ? KIND_NONE : KIND_VALUE;
      res.v = a / b;
      res.exc = ZX;
      res.stat = 0;
      return;
    }
    if (a === 0) {
      setValue(a / b, 0, 0);
      return;
    }
    softDiv(a, b, false, fpscr & RN_MASK, fpscr);
    fromSoft();
    return;
  }
  if (a !== a || b !== b) {
    propagate(c, fpscr, xa, xb);
    return;
  }
  if (a - a !== 0 && b - b !== 0) {
    setInvalid(fpscr, VXIDI, DEFAULT_NAN_HI, 0);
    return;
  }
  setValue(a / b, 0, 0);
}

function sqrtOp(c: Cpu, fpscr: number, b: number, xb: number): void {
  if (b !== b) {
    propagate(c, fpscr, xb, -1);
    return;
  }
  if (b === 0 || b === Infinity) {
    setValue(b, 0, 0);
    return;
  }
  if (b < 0) {
    setInvalid(fpscr, VXSQRT, DEFAULT_NAN_HI, 0);
    return;
  }
  softSqrt(b, false, fpscr & RN_MASK, fpscr);
  fromSoft();
}

const A_ADD = 0;
const A_SUB = 1;
const A_MUL = 2;
const A_DIV = 3;

function arith(op: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const xa = xA(insn);
    const xb = xB(insn);
    const fpscr = c.u32[c.w + FPSCR_W];
    const a = dw0(c, xa);
    const b = dw0(c, xb);
    if (op === A_ADD) addOp(c, fpscr, a, b, xa, xb);
    else if (op === A_SUB) addOp(c, fpscr, a, b !== b ? b : -b, xa, xb);
    else if (op === A_MUL) mulOp(c, fpscr, a, b, xa, xb);
    else divOp(c, fpscr, a, b, xa, xb);
    commit(c, 0, xT(insn));
  };
}

function xssqrtdp(c: Cpu, insn: number): void {
  needVSX(c);
  const xb = xB(insn);
  sqrtOp(c, c.u32[c.w + FPSCR_W], dw0(c, xb), xb);
  commit(c, 0, xT(insn));
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

/** xscvsxddp / xscvuxddp: doubleword 0 as an integer, rounded to double. */
function fromInt(unsigned: boolean) {
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
      setValue(neg ? -m : m, 0, 0);
    } else {
      softFromInt(neg, (BigInt(mHi) << 32n) | BigInt(mLo), false, fpscr & RN_MASK, fpscr);
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

reg60x3(32, arith(A_ADD)); // xsadddp
reg60x3(40, arith(A_SUB)); // xssubdp
reg60x3(48, arith(A_MUL)); // xsmuldp
reg60x3(56, arith(A_DIV)); // xsdivdp
reg60(75, xssqrtdp);
reg60(281, xsrsp);
reg60x3(35, compare(false)); // xscmpudp
reg60x3(43, compare(true)); // xscmpodp
reg60(344, toInt(2)); // xscvdpsxds
reg60(328, toInt(3)); // xscvdpuxds
reg60(88, toInt(0)); // xscvdpsxws
reg60(72, toInt(1)); // xscvdpuxws
reg60(376, fromInt(false)); // xscvsxddp
reg60(360, fromInt(true)); // xscvuxddp
