// Floating-point arithmetic (Power ISA 3.0B Book I 4.6.6-4.6.7): add, subtract, multiply,
// divide, square root, the estimates, the fused multiply-adds, frsp and fsel, in double
// (opcode 63) and single (opcode 59) forms.
//
// Round-to-nearest results come from JS arithmetic with error-free transforms giving
// the exact rounding error (for FR/FI/XX); double rounding through a double is harmless
// for single-precision + - * / sqrt of single operands (53 >= 2*24+2), and the fused
// multiply-adds use a round-to-odd emulation (fmaFast). Everything else (directed
// rounding, results near overflow/underflow, operands not representable in single for
// the single forms) is computed exactly by fp-soft.ts.
//
// NaNs: the first NaN among FRA, FRB, FRC (in that order) is the result, quieted; an
// SNaN operand raises VXSNAN. Invalid operations without NaN operands give the default
// QNaN. With VE=1 (or ZE=1 for zero divide) FRT and FPRF are left unchanged.
import type { Cpu } from '../cpu.js';
import { OP59, OP63, regFPA, regFPX } from '../decode.js';
import { raiseIllegal } from '../exceptions.js';
import { FR, FI, XX, ZX, UE, ZE, VXSNAN, VXISI, VXIDI, VXZDZ, VXIMZ, VXSQRT, RN_MASK } from '../fpscr.js';
import {
  checkFP,
  setCR1,
  FPSCR4,
  commit,
  fpr4,
  fpr8,
  res,
  setValue,
  setInvalid,
  setNaN,
  isSNaN,
  roundStat,
  twoProductErr,
  twoSumErr,
  DBL_MIN,
  FLT_MIN,
  DEFAULT_NAN_HI,
  KIND_NONE,
  KIND_VALUE,
  KIND_BITS,
} from './fp-common.js';
import { softAdd, softMul, softDiv, softSqrt, softFma, softToSingle, softValue, softFlags } from './fp-soft.js';

const FRC_FIELD = 31 << 6;
const FRA_FRC = (31 << 16) | (31 << 6);
const FRB_FIELD = 31 << 11;
const FRA_FIELD = 31 << 16;
const TWO_M960 = 2 ** -960;
const TWO_P900 = 2 ** 900;
const TWO_M900 = 2 ** -900;

/** Take the soft result as the pending value. */
function fromSoft(extraExc: number): void {
  setValue(softValue, (softFlags & ~(FR | FI)) | extraExc, softFlags & (FR | FI));
}

/** The pending NaN result of a single-precision instruction keeps only a single's payload. */
export function singleNaN(): void {
  if (res.kind === KIND_BITS) res.lo &= 0xe0000000;
}

/**
 * Pick the propagated NaN among up to three operands (FPR numbers; -1 = absent), in
 * ISA order. Sets res; `extra` adds invalid-operation cause bits (e.g. VXIMZ).
 */
function propagateNaN(c: Cpu, fpscr: number, r1: number, r2: number, r3: number, extra: number): void {
  const u32 = c.u32;
  let exc = extra;
  let pick = -1;
  for (let k = 0; k < 3; k++) {
    const r = k === 0 ? r1 : k === 1 ? r2 : r3;
    if (r < 0) continue;
    const i = fpr4(c, r);
    const hi = u32[i + 1];
    const lo = u32[i];
    if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0) {
      if (pick < 0) pick = i;
      if (isSNaN(hi, lo)) exc |= VXSNAN;
    }
  }
  setNaN(fpscr, u32[pick + 1], u32[pick], exc);
}

// ------------------------------------------------------------------ add / subtract

/**
 * a + b (b already negated for subtract) into the pending result (fp-common `res`);
 * ra/rb are the register numbers (VSR doubleword 0, 0-63) holding the operands, for NaN
 * payloads. The other *Core functions follow the same convention.
 */
export function addCore(c: Cpu, fpscr: number, a: number, b: number, ra: number, rb: number, single: boolean): void {
  if (a - a === 0 && b - b === 0) {
    if ((fpscr & RN_MASK) === 0) {
      if (!single) {
        const s = a + b;
        if (s - s === 0 && (s >= DBL_MIN || s <= -DBL_MIN || (fpscr & UE) === 0)) {
          // Tiny sums are exact, so only an enabled underflow needs the slow path.
          const e = twoSumErr(a, b, s);
          setValue(s, e === 0 ? 0 : XX, roundStat(s, e));
          return;
        }
      } else if (Math.fround(a) === a && Math.fround(b) === b) {
        const s = a + b;
        const r = Math.fround(s);
        if (s === 0) {
          setValue(s, 0, 0);
          return;
        }
        if (r - r === 0 && (r > FLT_MIN || r < -FLT_MIN)) {
          const e = twoSumErr(a, b, s);
          const err = r !== s ? s - r : e;
          setValue(r, err === 0 ? 0 : XX, roundStat(r, err));
          return;
        }
      }
    }
    softAdd(a, b, single, fpscr & RN_MASK, fpscr);
    fromSoft(0);
    return;
  }
  if (a !== a || b !== b) {
    propagateNaN(c, fpscr, ra, rb, -1, 0);
    return;
  }
  // At least one infinity.
  if (a - a !== 0 && b - b !== 0 && a !== b) {
    setInvalid(fpscr, VXISI, DEFAULT_NAN_HI, 0);
    return;
  }
  setValue(a - a !== 0 ? a : b, 0, 0);
}

function fadd(c: Cpu, insn: number): void {
  if ((insn & FRC_FIELD) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const f64 = c.f64;
  const fra = (insn >>> 16) & 31;
  const frb = (insn >>> 11) & 31;
  addCore(c, c.u32[(c.base >> 2) + FPSCR4], f64[fpr8(c, fra)], f64[fpr8(c, frb)], fra, frb, false);
  commit(c, insn, (insn >>> 21) & 31);
}

function fsub(c: Cpu, insn: number): void {
  if ((insn & FRC_FIELD) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const f64 = c.f64;
  const fra = (insn >>> 16) & 31;
  const frb = (insn >>> 11) & 31;
  addCore(c, c.u32[(c.base >> 2) + FPSCR4], f64[fpr8(c, fra)], -f64[fpr8(c, frb)], fra, frb, false);
  commit(c, insn, (insn >>> 21) & 31);
}

function fadds(c: Cpu, insn: number): void {
  if ((insn & FRC_FIELD) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const f64 = c.f64;
  const fra = (insn >>> 16) & 31;
  const frb = (insn >>> 11) & 31;
  addCore(c, c.u32[(c.base >> 2) + FPSCR4], f64[fpr8(c, fra)], f64[fpr8(c, frb)], fra, frb, true);
  singleNaN();
  commit(c, insn, (insn >>> 21) & 31);
}

function fsubs(c: Cpu, insn: number): void {
  if ((insn & FRC_FIELD) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const f64 = c.f64;
  const fra = (insn >>> 16) & 31;
  const frb = (insn >>> 11) & 31;
  addCore(c, c.u32[(c.base >> 2) + FPSCR4], f64[fpr8(c, fra)], -f64[fpr8(c, frb)], fra, frb, true);
  singleNaN();
  commit(c, insn, (insn >>> 21) & 31);
}

// ------------------------------------------------------------------ multiply

export function mulCore(c: Cpu, fpscr: number, a: number, b: number, ra: number, rb: number, single: boolean): void {
  if (a - a === 0 && b - b === 0) {
    if (a === 0 || b === 0) {
      setValue(a * b, 0, 0);
      return;
    }
    if ((fpscr & RN_MASK) === 0) {
      const p = a * b;
      if (!single) {
        const ap = a < 0 ? -a : a;
        const bp = b < 0 ? -b : b;
        const pp = p < 0 ? -p : p;
        if (pp >= TWO_M960 && pp - pp === 0 && ap < TWO_P900 && bp < TWO_P900 && ap > TWO_M900 && bp > TWO_M900) {
          const e = twoProductErr(a, b, p);
          setValue(p, e === 0 ? 0 : XX, roundStat(p, e));
          return;
        }
      } else if (Math.fround(a) === a && Math.fround(b) === b) {
        // The product of two singles is exact in double.
        const r = Math.fround(p);
        if (r - r === 0 && (r > FLT_MIN || r < -FLT_MIN)) {
          const err = p - r;
          setValue(r, err === 0 ? 0 : XX, roundStat(r, err));
          return;
        }
      }
    }
    softMul(a, b, single, fpscr & RN_MASK, fpscr);
    fromSoft(0);
    return;
  }
  if (a !== a || b !== b) {
    propagateNaN(c, fpscr, ra, rb, -1, 0);
    return;
  }
  if (a === 0 || b === 0) {
    setInvalid(fpscr, VXIMZ, DEFAULT_NAN_HI, 0);
    return;
  }
  setValue(a * b, 0, 0);
}

function fmul(c: Cpu, insn: number): void {
  if ((insn & FRB_FIELD) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const f64 = c.f64;
  const fra = (insn >>> 16) & 31;
  const frc = (insn >>> 6) & 31;
  mulCore(c, c.u32[(c.base >> 2) + FPSCR4], f64[fpr8(c, fra)], f64[fpr8(c, frc)], fra, frc, false);
  commit(c, insn, (insn >>> 21) & 31);
}

function fmuls(c: Cpu, insn: number): void {
  if ((insn & FRB_FIELD) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const f64 = c.f64;
  const fra = (insn >>> 16) & 31;
  const frc = (insn >>> 6) & 31;
  mulCore(c, c.u32[(c.base >> 2) + FPSCR4], f64[fpr8(c, fra)], f64[fpr8(c, frc)], fra, frc, true);
  singleNaN();
  commit(c, insn, (insn >>> 21) & 31);
}

// ------------------------------------------------------------------ divide

export function divCore(c: Cpu, fpscr: number, a: number, b: number, ra: number, rb: number, single: boolean): void {
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
    if ((fpscr & RN_MASK) === 0) {
      const q = a / b;
      const qp = q < 0 ? -q : q;
      const ap = a < 0 ? -a : a;
      const bp = b < 0 ? -b : b;
      if (!single) {
        if (qp >= TWO_M960 && qp < TWO_P900 && ap < TWO_P900 && bp < TWO_P900 && ap > TWO_M900 && bp > TWO_M900) {
          const ph = q * b;
          const r = a - ph - twoProductErr(q, b, ph);
          // exact quotient - q has the sign of r / b
          setValue(q, r === 0 ? 0 : XX, r === 0 ? 0 : roundStat(q, (r > 0) === (b > 0) ? 1 : -1));
          return;
        }
      } else if (Math.fround(a) === a && Math.fround(b) === b) {
        const r = Math.fround(q);
        if (r - r === 0 && (r > FLT_MIN || r < -FLT_MIN)) {
          if (r !== q) {
            setValue(r, XX, roundStat(r, q - r));
          } else {
            const ph = q * b;
            const rem = a - ph - twoProductErr(q, b, ph);
            setValue(r, rem === 0 ? 0 : XX, rem === 0 ? 0 : roundStat(r, (rem > 0) === (b > 0) ? 1 : -1));
          }
          return;
        }
      }
    }
    softDiv(a, b, single, fpscr & RN_MASK, fpscr);
    fromSoft(0);
    return;
  }
  if (a !== a || b !== b) {
    propagateNaN(c, fpscr, ra, rb, -1, 0);
    return;
  }
  if (a - a !== 0 && b - b !== 0) {
    setInvalid(fpscr, VXIDI, DEFAULT_NAN_HI, 0);
    return;
  }
  setValue(a / b, 0, 0); // inf / finite = inf, finite / inf = 0 (signed)
}

function fdiv(c: Cpu, insn: number): void {
  if ((insn & FRC_FIELD) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const f64 = c.f64;
  const fra = (insn >>> 16) & 31;
  const frb = (insn >>> 11) & 31;
  divCore(c, c.u32[(c.base >> 2) + FPSCR4], f64[fpr8(c, fra)], f64[fpr8(c, frb)], fra, frb, false);
  commit(c, insn, (insn >>> 21) & 31);
}

function fdivs(c: Cpu, insn: number): void {
  if ((insn & FRC_FIELD) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const f64 = c.f64;
  const fra = (insn >>> 16) & 31;
  const frb = (insn >>> 11) & 31;
  divCore(c, c.u32[(c.base >> 2) + FPSCR4], f64[fpr8(c, fra)], f64[fpr8(c, frb)], fra, frb, true);
  singleNaN();
  commit(c, insn, (insn >>> 21) & 31);
}

// ------------------------------------------------------------------ square root

export function sqrtCore(c: Cpu, fpscr: number, b: number, rb: number, single: boolean): void {
  if (b > 0 && b - b === 0) {
    if ((fpscr & RN_MASK) === 0 && b > TWO_M900 && b < TWO_P900 && (!single || Math.fround(b) === b)) {
      const s = Math.sqrt(b);
      const r = single ? Math.fround(s) : s;
      if (!single || (r > FLT_MIN && r - r === 0)) {
        if (r !== s) {
          setValue(r, XX, roundStat(r, s - r));
        } else {
          const ph = s * s;
          const rem = b - ph - twoProductErr(s, s, ph);
          setValue(r, rem === 0 ? 0 : XX, roundStat(r, rem));
        }
        return;
      }
    }
    softSqrt(b, single, fpscr & RN_MASK, fpscr);
    fromSoft(0);
    return;
  }
  if (b !== b) {
    propagateNaN(c, fpscr, rb, -1, -1, 0);
    return;
  }
  if (b === 0 || b === Infinity) {
    setValue(b, 0, 0);
    return;
  }
  setInvalid(fpscr, VXSQRT, DEFAULT_NAN_HI, 0);
}

function fsqrt(c: Cpu, insn: number): void {
  if ((insn & FRA_FRC) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const frb = (insn >>> 11) & 31;
  sqrtCore(c, c.u32[(c.base >> 2) + FPSCR4], c.f64[fpr8(c, frb)], frb, false);
  commit(c, insn, (insn >>> 21) & 31);
}

function fsqrts(c: Cpu, insn: number): void {
  if ((insn & FRA_FRC) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const frb = (insn >>> 11) & 31;
  sqrtCore(c, c.u32[(c.base >> 2) + FPSCR4], c.f64[fpr8(c, frb)], frb, true);
  singleNaN();
  commit(c, insn, (insn >>> 21) & 31);
}

// ------------------------------------------------------------------ estimates
// The estimates are computed as QEMU does, exactly: fre = 1/x and frsqrte = 1/sqrt(x)
// (two roundings), with the accumulated flags (hardware gives a less precise estimate;
// the ISA allows any within its error bound). fre(+-0) is +-inf with ZX, as the ISA's
// table says (QEMU 7.2 returns +-1/2 there).

function fre(c: Cpu, insn: number): void {
  if ((insn & FRA_FRC) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const frb = (insn >>> 11) & 31;
  const fpscr = c.u32[(c.base >> 2) + FPSCR4];
  const b = c.f64[fpr8(c, frb)];
  const single = insn >>> 26 === 59;
  if (b === 0) {
    res.kind = (fpscr & ZE) !== 0 ? KIND_NONE : KIND_VALUE;
    res.v = 1 / b;
    res.exc = ZX;
    res.stat = 0;
  } else {
    divCore(c, fpscr, 1, b, frb, frb, single);
    if (single) singleNaN();
  }
  commit(c, insn, (insn >>> 21) & 31);
}

function frsqrte(c: Cpu, insn: number): void {
  if ((insn & FRA_FRC) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const frb = (insn >>> 11) & 31;
  const fpscr = c.u32[(c.base >> 2) + FPSCR4];
  const b = c.f64[fpr8(c, frb)];
  const single = insn >>> 26 === 59;
  sqrtCore(c, fpscr, b, frb, false);
  if (res.kind === KIND_VALUE) {
    const exc1 = res.exc;
    const s = res.v;
    if (s === 0) {
      res.kind = (fpscr & ZE) !== 0 ? KIND_NONE : KIND_VALUE;
      res.v = 1 / s;
      res.exc = ZX;
      res.stat = 0;
    } else {
      divCore(c, fpscr, 1, s, frb, frb, single);
      res.exc |= exc1;
      if ((exc1 & XX) !== 0) res.stat |= FI;
    }
  } else if (single) singleNaN();
  commit(c, insn, (insn >>> 21) & 31);
}

// ------------------------------------------------------------------ fused multiply-add

/**
 * (FRA * FRC) + FRB into the pending result; register numbers index VSR doubleword 0
 * (0-63, so VSX scalar forms can use it). Variants: bit 0 = subtract FRB (msub),
 * bit 1 = negate the rounded result (nmadd/nmsub).
 */
export function fmaCore(c: Cpu, fpscr: number, fra: number, frb: number, frc: number, variant: number, single: boolean): void {
  const f64 = c.f64;
  const a = f64[fpr8(c, fra)];
  const cc = f64[fpr8(c, frc)];
  const b0 = f64[fpr8(c, frb)];
  const b = (variant & 1) !== 0 ? -b0 : b0;
  const neg = (variant & 2) !== 0;
  if (a - a === 0 && b - b === 0 && cc - cc === 0) {
    if ((fpscr & RN_MASK) === 0 && fmaFast(a, cc, b, single, neg)) return;
    softFma(a, cc, b, single, fpscr & RN_MASK, fpscr);
    fromSoft(0);
    if (neg) res.v = -res.v;
    return;
  }
  // NaNs first (FRA, FRB, FRC); inf * 0 is invalid even when FRB is a NaN, and then
  // both VXIMZ and (for an SNaN FRB) VXSNAN are set, as the ISA lists both causes.
  // (QEMU 7.2 reports VXIMZ alone there.)
  const imz = (a === 0 && cc - cc !== 0 && cc === cc) || (cc === 0 && a - a !== 0 && a === a);
  if (a !== a || b !== b || cc !== cc) {
    propagateNaN(c, fpscr, fra, frb, frc, imz ? VXIMZ : 0);
    if (single) singleNaN();
    return;
  }
  if (imz) {
    setInvalid(fpscr, VXIMZ, DEFAULT_NAN_HI, 0);
    return;
  }
  if (a - a !== 0 || cc - cc !== 0) {
    // An infinite product (the other factor is nonzero).
    const p = a * cc;
    if (b - b !== 0 && b !== p) {
      setInvalid(fpscr, VXISI, DEFAULT_NAN_HI, 0);
      return;
    }
    setValue(neg ? -p : p, 0, 0);
    return;
  }
  setValue(neg ? -b : b, 0, 0); // finite product, b is the infinity
}

const cvt = new Float64Array(1);
const cvtW = new Uint32Array(cvt.buffer);

/** The neighbour of x (nonzero, finite) one ulp toward the sign of dir, if x is even; else x. */
function toOdd(x: number, dir: number): number {
  cvt[0] = x;
  const lo = cvtW[0];
  if ((lo & 1) !== 0) return x;
  if ((dir > 0) === (x > 0)) {
    cvtW[0] = lo + 1; // even: no carry out of the low word
  } else if (lo !== 0) {
    cvtW[0] = lo - 1;
  } else {
    cvtW[0] = 0xffffffff;
    cvtW[1] = cvtW[1] - 1;
  }
  return cvt[0];
}

/**
 * Exact sign (-1, 0, 1) of x0 + x1 + x2 + x3: the terms are grown into a nonoverlapping
 * expansion with error-free additions (Shewchuk); its largest nonzero component decides.
 */
function sign4(x0: number, x1: number, x2: number, x3: number): number {
  let q = x1 + x0;
  const f0 = twoSumErr(x1, x0, q);
  const f1 = q;
  q = x2 + f0;
  const g0 = twoSumErr(x2, f0, q);
  let t = q + f1;
  const g1 = twoSumErr(q, f1, t);
  const g2 = t;
  q = x3 + g0;
  const k0 = twoSumErr(x3, g0, q);
  t = q + g1;
  const k1 = twoSumErr(q, g1, t);
  q = t + g2;
  const k2 = twoSumErr(t, g2, q);
  const top = q !== 0 ? q : k2 !== 0 ? k2 : k1 !== 0 ? k1 : k0;
  return top > 0 ? 1 : top < 0 ? -1 : 0;
}

/**
 * Round-to-nearest fused multiply-add without BigInt (Boldo and Melquiond, "Emulation of
 * FMA and correctly rounded sums: proved algorithms using rounding to odd"): with
 * a*c = p + ul and b + p = th + tl exactly, fma = RN(th + RO(tl + ul)). Rounding the
 * round-to-odd double result to single is also correct (53 >= 24 + 2). Operands and
 * result are kept far from overflow and underflow; otherwise returns false.
 */
function fmaFast(a: number, c: number, b: number, single: boolean, neg: boolean): boolean {
  const p = a * c;
  if (a === 0 || c === 0) {
    // The product is an exact zero: one rounded (exact) add.
    const s = p + b;
    if (single && Math.fround(s) !== s) return false;
    setValue(neg ? -s : s, 0, 0);
    return true;
  }
  const ap = a < 0 ? -a : a;
  const cp = c < 0 ? -c : c;
  const pp = p < 0 ? -p : p;
  const bp = b < 0 ? -b : b;
  if (!(pp >= TWO_M900 && pp <= TWO_P900 && ap >= TWO_M900 && ap <= TWO_P900 && cp >= TWO_M900 && cp <= TWO_P900 && bp <= TWO_P900)) return false;
  const ul = twoProductErr(a, c, p);
  const th = b + p;
  const tl = twoSumErr(b, p, th);
  let v = tl + ul;
  const ve = twoSumErr(tl, ul, v);
  if (ve !== 0) v = toOdd(v, ve);
  const r = th + v;
  const rp = r < 0 ? -r : r;
  if (!(rp >= TWO_M900 && rp <= TWO_P900)) return false;
  const err = sign4(th, tl, ul, -r); // sign of exact - r
  if (!single) {
    setValue(neg ? -r : r, err === 0 ? 0 : XX, roundStat(r, err));
    return true;
  }
  const ro = err === 0 ? r : toOdd(r, err);
  const rs = Math.fround(ro);
  if (!(rs > FLT_MIN || rs < -FLT_MIN) || rs - rs !== 0) return false;
  const errS = rs !== ro ? (ro > rs ? 1 : -1) : err;
  setValue(neg ? -rs : rs, errS === 0 ? 0 : XX, roundStat(rs, errS));
  return true;
}

function makeFma(variant: number, single: boolean): (c: Cpu, insn: number) => void {
  return (c, insn) => {
    checkFP(c);
    fmaCore(c, c.u32[(c.base >> 2) + FPSCR4], (insn >>> 16) & 31, (insn >>> 11) & 31, (insn >>> 6) & 31, variant, single);
    commit(c, insn, (insn >>> 21) & 31);
  };
}

// ------------------------------------------------------------------ frsp, fsel

/** Round a double to single precision (frsp), NaNs on bits. */
export function roundToSingleCore(c: Cpu, fpscr: number, b: number, rb: number): void {
  if (b - b === 0) {
    if (b === 0) {
      setValue(b, 0, 0);
      return;
    }
    if ((fpscr & RN_MASK) === 0) {
      const r = Math.fround(b);
      if (r - r === 0 && (b > FLT_MIN || b < -FLT_MIN)) {
        setValue(r, r === b ? 0 : XX, roundStat(r, b - r));
        return;
      }
    }
    softToSingle(b, fpscr & RN_MASK, fpscr);
    fromSoft(0);
    return;
  }
  if (b !== b) {
    propagateNaN(c, fpscr, rb, -1, -1, 0);
    singleNaN();
    return;
  }
  setValue(b, 0, 0);
}

function frsp(c: Cpu, insn: number): void {
  if ((insn & FRA_FIELD) !== 0) raiseIllegal(c, insn);
  checkFP(c);
  const frb = (insn >>> 11) & 31;
  roundToSingleCore(c, c.u32[(c.base >> 2) + FPSCR4], c.f64[fpr8(c, frb)], frb);
  commit(c, insn, (insn >>> 21) & 31);
}

/** fsel: FRT = FRA >= 0 (either zero, not NaN) ? FRC : FRB. No FPSCR change. */
function fsel(c: Cpu, insn: number): void {
  checkFP(c);
  const u32 = c.u32;
  const a = c.f64[fpr8(c, (insn >>> 16) & 31)];
  const src = fpr4(c, a >= 0 ? (insn >>> 6) & 31 : (insn >>> 11) & 31);
  const dst = fpr4(c, (insn >>> 21) & 31);
  u32[dst] = u32[src];
  u32[dst + 1] = u32[src + 1];
  u32[dst + 2] = 0;
  u32[dst + 3] = 0;
  if ((insn & 1) !== 0) {
    setCR1(c, u32[(c.base >> 2) + FPSCR4]);
  }
}

// Reserved fields that must be 0 (a nonzero value is an invalid form).

// XO (bits 26:30) of the A-forms
regFPA(OP63, 21, fadd);
regFPA(OP63, 20, fsub);
regFPA(OP63, 25, fmul);
regFPA(OP63, 18, fdiv);
regFPA(OP63, 22, fsqrt);
regFPA(OP63, 24, fre);
regFPA(OP63, 26, frsqrte);
regFPA(OP63, 23, fsel);
regFPA(OP63, 29, makeFma(0, false));
regFPA(OP63, 28, makeFma(1, false));
regFPA(OP63, 31, makeFma(2, false));
regFPA(OP63, 30, makeFma(3, false));
regFPA(OP59, 21, fadds);
regFPA(OP59, 20, fsubs);
regFPA(OP59, 25, fmuls);
regFPA(OP59, 18, fdivs);
regFPA(OP59, 22, fsqrts);
regFPA(OP59, 24, fre);
regFPA(OP59, 26, frsqrte);
regFPA(OP59, 29, makeFma(0, true));
regFPA(OP59, 28, makeFma(1, true));
regFPA(OP59, 31, makeFma(2, true));
regFPA(OP59, 30, makeFma(3, true));
regFPX(OP63, 12, frsp);
