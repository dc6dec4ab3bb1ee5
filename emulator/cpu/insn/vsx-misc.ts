// ISA 3.0 VSX exponent/significand access, data-class tests, exponent compares, the
// compare-to-mask and C/Java-style max/min forms, and the quad-precision sign
// operations (Power ISA 3.0B Book I 7.6). Bit manipulation only, except the FPSCR
// exception bits of the compares and max/min.
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { reg60, regFPX, OP63 } from '../decode.js';
import { raiseIllegal, raiseVSXUnavailable } from '../exceptions.js';
import { FPCC_MASK, VE, VXSNAN, VXVC, raiseBits } from '../fpscr.js';
import { checkEnabled, isSNaN } from './fp-common.js';
import { singleToDouble, doubleToSingle, dHi } from '../vreg.js';
import { VSR as VSR_LAYOUT, MSR as MSR_LAYOUT, MSR_VSX as MSR_VSX_LAYOUT } from '../layout.js';
import { xssqrtqp, xscvhalf } from './vsx-quad.js';

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

function setWords(c: Cpu, n: number, w0: number, w1: number, w2: number, w3: number): void {
  const u32 = c.u32;
  const w = ((c.base + VSR_OFF) >> 2) + (n << 2);
  u32[w] = w1;
  u32[w + 1] = w0;
  u32[w + 2] = w3;
  u32[w + 3] = w2;
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

function setCRField(c: Cpu, bf: number, v: number): void {
  const sh = 28 - 4 * bf;
  const i = c.w + CR_W;
  c.u32[i] = (c.u32[i] & ~(0xf << sh)) | (v << sh);
}

function isNaNDw(lo: number, hi: number): boolean {
  return (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0;
}

// ---------------------------------------------------------------- exponent / significand

/** Opcode 60 XO 347: xsxexpdp (RA field 0), xsxsigdp (1); xscvhpdp (16), xscvdphp (17) in vsx-quad.ts. */
function xsxexpsig(c: Cpu, insn: number): void {
  const sub = (insn >>> 16) & 31;
  if (sub === 16 || sub === 17) return xscvhalf(c, insn, sub === 16); // xscvhpdp, xscvdphp
  if (sub > 1) raiseIllegal(c, insn);
  needVSX(c);
  const w = vw(c, xB(insn));
  const lo = c.u32[w];
  const hi = c.u32[w + 1];
  const exp = (hi >>> 20) & 0x7ff;
  const rt = (insn >>> 21) & 31;
  if (sub === 0) {
    c.setGPR32(rt, exp, 0);
  } else {
    const implicit = exp !== 0 && exp !== 0x7ff ? 0x100000 : 0;
    c.setGPR32(rt, lo, (hi & 0xfffff) | implicit);
  }
}

/** xsiexpdp XT,RA,RB: sign and fraction from RA, exponent from RB bits 53:63. */
function xsiexpdp(c: Cpu, insn: number): void {
  needVSX(c);
  const ga = c.w + 2 * ((insn >>> 16) & 31);
  const gb = c.w + 2 * ((insn >>> 11) & 31);
  const u32 = c.u32;
  const w = vw(c, xT(insn));
  u32[w] = u32[ga];
  u32[w + 1] = (u32[ga + 1] & 0x800fffff) | ((u32[gb] & 0x7ff) << 20);
  u32[w + 2] = 0;
  u32[w + 3] = 0;
}

/** Opcode 60 XO 475 forms other than xxbr*: xvxexpdp (0), xvxsigdp (1), xvxexpsp (8), xvxsigsp (9). */
export function xvxexpsig(c: Cpu, insn: number, sub: number): void {
  needVSX(c);
  const u32 = c.u32;
  const wb = vw(c, xB(insn));
  const wt = vw(c, xT(insn));
  if (sub === 0 || sub === 1) {
    let r0 = 0;
    let r1 = 0;
    let r2 = 0;
    let r3 = 0;
    for (let k = 0; k < 4; k += 2) {
      const lo = u32[wb + k];
      const hi = u32[wb + k + 1];
      const exp = (hi >>> 20) & 0x7ff;
      let rl: number;
      let rh: number;
      if (sub === 0) {
        rl = exp;
        rh = 0;
      } else {
        rl = lo;
        rh = (hi & 0xfffff) | (exp !== 0 && exp !== 0x7ff ? 0x100000 : 0);
      }
      if (k === 0) {
        r0 = rl;
        r1 = rh;
      } else {
        r2 = rl;
        r3 = rh;
      }
    }
    u32[wt] = r0;
    u32[wt + 1] = r1;
    u32[wt + 2] = r2;
    u32[wt + 3] = r3;
    return;
  }
  for (let k = 0; k < 4; k++) {
    const x = u32[wb + k];
    const exp = (x >>> 23) & 0xff;
    u32[wt + k] = sub === 8 ? exp : (x & 0x7fffff) | (exp !== 0 && exp !== 0xff ? 0x800000 : 0);
  }
}

/** xviexpdp / xviexpsp: sign and fraction from XA, exponent from XB, per element. */
function xviexp(single: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const u32 = c.u32;
    const wa = vw(c, xA(insn));
    const wb = vw(c, xB(insn));
    const wt = vw(c, xT(insn));
    const a0 = u32[wa];
    const a1 = u32[wa + 1];
    const a2 = u32[wa + 2];
    const a3 = u32[wa + 3];
    const b0 = u32[wb];
    const b1 = u32[wb + 1];
    const b2 = u32[wb + 2];
    const b3 = u32[wb + 3];
    if (single) {
      u32[wt] = (a0 & 0x807fffff) | ((b0 & 0xff) << 23);
      u32[wt + 1] = (a1 & 0x807fffff) | ((b1 & 0xff) << 23);
      u32[wt + 2] = (a2 & 0x807fffff) | ((b2 & 0xff) << 23);
      u32[wt + 3] = (a3 & 0x807fffff) | ((b3 & 0xff) << 23);
    } else {
      u32[wt] = a0;
      u32[wt + 1] = (a1 & 0x800fffff) | ((b0 & 0x7ff) << 20);
      u32[wt + 2] = a2;
      u32[wt + 3] = (a3 & 0x800fffff) | ((b2 & 0x7ff) << 20);
    }
  };
}

// ---------------------------------------------------------------- data class

// DCMX bits: 0x40 NaN, 0x20 +inf, 0x10 -inf, 0x08 +0, 0x04 -0, 0x02 +denormal, 0x01 -denormal.

function classDouble(lo: number, hi: number): number {
  const neg = (hi & 0x80000000) !== 0;
  const exp = (hi >>> 20) & 0x7ff;
  const frac = (hi & 0xfffff) | lo;
  if (exp === 0x7ff) return frac !== 0 ? 0x40 : neg ? 0x10 : 0x20;
  if (exp === 0) return frac === 0 ? (neg ? 0x04 : 0x08) : neg ? 0x01 : 0x02;
  return 0;
}

function classSingle(w: number): number {
  const neg = (w & 0x80000000) !== 0;
  const exp = (w >>> 23) & 0xff;
  const frac = w & 0x7fffff;
  if (exp === 0xff) return frac !== 0 ? 0x40 : neg ? 0x10 : 0x20;
  if (exp === 0) return frac === 0 ? (neg ? 0x04 : 0x08) : neg ? 0x01 : 0x02;
  return 0;
}

/** Class of a single held in double format (xststdcsp): denormal when below the single normal range. */
function classSingleInDouble(lo: number, hi: number): number {
  const k = classDouble(lo, hi);
  if (k !== 0) return k;
  const exp = (hi >>> 20) & 0x7ff;
  if (exp < 897) return (hi & 0x80000000) !== 0 ? 0x01 : 0x02;
  return 0;
}

/** xststdcdp / xststdcsp BF,XB,DCMX: CR[BF] = sign, 0, match, not-single (also FPSCR[FPCC]). */
function xststdc(single: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const w = vw(c, xB(insn));
    const lo = c.u32[w];
    const hi = c.u32[w + 1];
    const dcmx = (insn >>> 16) & 0x7f;
    const k = single ? classSingleInDouble(lo, hi) : classDouble(lo, hi);
    let v = ((hi >>> 31) << 3) | ((k & dcmx) !== 0 ? 2 : 0);
    if (single) {
      // Bit 3 of the field: the operand is not exactly a single (round trip changes it).
      const back = singleToDouble(doubleToSingle(lo, hi));
      if (back !== lo || dHi !== hi) v |= 1;
    }
    setCRField(c, (insn >>> 23) & 7, v);
    const f = c.w + FPSCR_W;
    c.u32[f] = (c.u32[f] & ~FPCC_MASK) | (v << 12);
  };
}

/** xvtstdcdp / xvtstdcsp XT,XB,DCMX (DCMX = dc (bit 25) || dx (bit 29) || dm (bits 11:15)). */
function xvtstdc(single: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const dcmx = (((insn >>> 6) & 1) << 6) | (((insn >>> 2) & 1) << 5) | ((insn >>> 16) & 31);
    const u32 = c.u32;
    const wb = vw(c, xB(insn));
    const wt = vw(c, xT(insn));
    if (single) {
      for (let k = 0; k < 4; k++) u32[wt + k] = (classSingle(u32[wb + k]) & dcmx) !== 0 ? 0xffffffff : 0;
      return;
    }
    for (let k = 0; k < 4; k += 2) {
      const m = (classDouble(u32[wb + k], u32[wb + k + 1]) & dcmx) !== 0 ? 0xffffffff : 0;
      u32[wt + k] = m;
      u32[wt + k + 1] = m;
    }
  };
}

// ---------------------------------------------------------------- compares

/** xscmpexpdp BF,XA,XB: compare the exponent fields (unordered if either is a NaN). */
function xscmpexpdp(c: Cpu, insn: number): void {
  needVSX(c);
  const u32 = c.u32;
  const wa = vw(c, xA(insn));
  const wb = vw(c, xB(insn));
  let v: number;
  if (isNaNDw(u32[wa], u32[wa + 1]) || isNaNDw(u32[wb], u32[wb + 1])) {
    v = 1;
  } else {
    const ea = (u32[wa + 1] >>> 20) & 0x7ff;
    const eb = (u32[wb + 1] >>> 20) & 0x7ff;
    v = ea < eb ? 8 : ea > eb ? 4 : 2;
  }
  setCRField(c, (insn >>> 23) & 7, v);
  const f = c.w + FPSCR_W;
  u32[f] = (u32[f] & ~FPCC_MASK) | (v << 12);
}

const CMP_EQ = 0;
const CMP_GT = 1;
const CMP_GE = 2;

/** xscmp{eq,gt,ge}dp XT,XA,XB: doubleword 0 all ones when true; doubleword 1 = 0. */
function xscmpmask(kind: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const u32 = c.u32;
    const wa = vw(c, xA(insn));
    const wb = vw(c, xB(insn));
    const alo = u32[wa];
    const ahi = u32[wa + 1];
    const blo = u32[wb];
    const bhi = u32[wb + 1];
    const a = c.f64[wa >> 1];
    const b = c.f64[wb >> 1];
    let f = u32[c.w + FPSCR_W];
    let exc = 0;
    if (a !== a || b !== b) {
      if (isSNaN(ahi, alo) || isSNaN(bhi, blo)) {
        exc = VXSNAN;
        if (kind !== CMP_EQ && (f & VE) === 0) exc |= VXVC;
      } else if (kind !== CMP_EQ) {
        exc = VXVC;
      }
    }
    const r = kind === CMP_EQ ? a === b : kind === CMP_GT ? a > b : a >= b;
    if (exc !== 0) f = raiseBits(f, exc);
    if (!(exc !== 0 && (f & VE) !== 0)) {
      const m = r ? 0xffffffff : 0;
      setWords(c, xT(insn), m, m, 0, 0);
    }
    if (exc !== 0) {
      u32[c.w + FPSCR_W] = f;
      checkEnabled(c, f, exc);
    }
  };
}

// ---------------------------------------------------------------- C- and Java-style max/min

/**
 * xsmaxcdp/xsmincdp: C-style, any NaN gives XB (VXSNAN if either is signalling).
 * xsmaxjdp/xsminjdp: Java-style, a NaN operand (XA first) is the result; -0 < +0.
 */
function maxMinCJ(isMax: boolean, java: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const u32 = c.u32;
    const wa = vw(c, xA(insn));
    const wb = vw(c, xB(insn));
    const alo = u32[wa];
    const ahi = u32[wa + 1];
    const blo = u32[wb];
    const bhi = u32[wb + 1];
    const a = c.f64[wa >> 1];
    const b = c.f64[wb >> 1];
    let f = u32[c.w + FPSCR_W];
    let exc = 0;
    let takeA: boolean;
    if (java && (a !== a || b !== b)) {
      // The first NaN, unchanged; VXSNAN only if that one is signalling (as QEMU).
      takeA = a !== a;
      if (takeA ? isSNaN(ahi, alo) : isSNaN(bhi, blo)) exc = VXSNAN;
    } else if (a !== a || b !== b) {
      if (isSNaN(ahi, alo) || isSNaN(bhi, blo)) exc = VXSNAN;
      takeA = false;
    } else if (java && a === 0 && b === 0) {
      const aNeg = (ahi & 0x80000000) !== 0;
      const bNeg = (bhi & 0x80000000) !== 0;
      takeA = isMax ? !aNeg || bNeg : aNeg || !bNeg;
    } else {
      // C style: max = (b <= a) ? a : b, min = (a < b) ? a : b; equal values give XA for max.
      takeA = isMax ? b <= a : a < b;
    }
    if (exc !== 0) f = raiseBits(f, exc);
    if (!(exc !== 0 && (f & VE) !== 0)) {
      if (takeA) setWords(c, xT(insn), ahi, alo, 0, 0);
      else setWords(c, xT(insn), bhi, blo, 0, 0);
    }
    if (exc !== 0) {
      u32[c.w + FPSCR_W] = f;
      checkEnabled(c, f, exc);
    }
  };
}

// ---------------------------------------------------------------- software divide / square root tests

// Parameters per precision: exponent bias, Emin, Emax, fraction bits.
interface TestFormat {
  ebits: number;
  fbits: number;
  emin: number;
  emax: number;
}
const TD: TestFormat = { ebits: 11, fbits: 52, emin: -1022, emax: 1023 };
const TS: TestFormat = { ebits: 8, fbits: 23, emin: -126, emax: 127 };

// Element fields of the operand being tested (set by loadElement).
let tNeg = false;
let tExp = 0; // unbiased
let tInf = false;
let tNaN = false;
let tZero = false;
let tDenorm = false;

/** Decode element (hi = sign/exponent word; lo = the rest for doubles, unused for singles). */
function loadElement(hi: number, lo: number, f: TestFormat): void {
  const fracHiBits = f.fbits - (f === TD ? 32 : 0);
  const fracHi = hi & ((1 << fracHiBits) - 1);
  const frac = f === TD ? (fracHi | lo) !== 0 : fracHi !== 0;
  const bias = (1 << (f.ebits - 1)) - 1;
  const e = (hi >>> fracHiBits) & ((1 << f.ebits) - 1);
  tNeg = (hi & 0x80000000) !== 0;
  tExp = e - bias;
  tInf = e === (1 << f.ebits) - 1 && !frac;
  tNaN = e === (1 << f.ebits) - 1 && frac;
  tZero = e === 0 && !frac;
  tDenorm = e === 0 && frac;
}

/** ftdiv rules: returns (fg << 2) | (fe << 1) for a / b. */
function tdivFlags(ahi: number, alo: number, bhi: number, blo: number, f: TestFormat): number {
  loadElement(ahi, alo, f);
  const aInf = tInf;
  const aNaN = tNaN;
  const aZero = tZero;
  const ea = tExp;
  loadElement(bhi, blo, f);
  if (aInf || tInf || tZero) return 6;
  let fe = false;
  if (aNaN || tNaN) fe = true;
  else if (tExp <= f.emin || tExp >= f.emax - 2) fe = true;
  else if (!aZero && (ea - tExp >= f.emax || ea - tExp <= f.emin + 1 || ea <= f.emin + f.fbits)) fe = true;
  return (tDenorm ? 4 : 0) | (fe ? 2 : 0);
}

/** ftsqrt rules for b. */
function tsqrtFlags(bhi: number, blo: number, f: TestFormat): number {
  loadElement(bhi, blo, f);
  if (tInf || tZero) return 6;
  const fe = tNaN || tNeg || tExp <= f.emin + f.fbits;
  return (tDenorm ? 4 : 0) | (fe ? 2 : 0);
}

/** xstdivdp, xvtdivdp, xvtdivsp BF,XA,XB: CR[BF] = 0b1000 | fg | fe (ORed over elements). */
function tdiv(kind: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const u32 = c.u32;
    const wa = vw(c, xA(insn));
    const wb = vw(c, xB(insn));
    let flags = 0;
    if (kind === 2) {
      for (let k = 0; k < 4; k++) flags |= tdivFlags(u32[wa + k], 0, u32[wb + k], 0, TS);
    } else {
      const n = kind === 0 ? 1 : 2;
      for (let d = 0; d < n; d++) flags |= tdivFlags(u32[wa + 2 * d + 1], u32[wa + 2 * d], u32[wb + 2 * d + 1], u32[wb + 2 * d], TD);
    }
    setCRField(c, (insn >>> 23) & 7, 8 | flags);
  };
}

/** xstsqrtdp, xvtsqrtdp, xvtsqrtsp BF,XB. */
function tsqrt(kind: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const u32 = c.u32;
    const wb = vw(c, xB(insn));
    let flags = 0;
    if (kind === 2) {
      for (let k = 0; k < 4; k++) flags |= tsqrtFlags(u32[wb + k], 0, TS);
    } else {
      const n = kind === 0 ? 1 : 2;
      for (let d = 0; d < n; d++) flags |= tsqrtFlags(u32[wb + 2 * d + 1], u32[wb + 2 * d], TD);
    }
    setCRField(c, (insn >>> 23) & 7, 8 | flags);
  };
}

// ---------------------------------------------------------------- quad-precision sign operations (opcode 63)

/** Opcode 63 XO 804 (VRT, VRB = VSR 32 + n): xsabsqp 0, xsxexpqp 2, xsnabsqp 8, xsnegqp 16, xsxsigqp 18, xssqrtqp 27. */
function xsqpMisc(c: Cpu, insn: number): void {
  const sub = (insn >>> 16) & 31;
  if (sub === 27) return xssqrtqp(c, insn);
  if (sub !== 0 && sub !== 2 && sub !== 8 && sub !== 16 && sub !== 18) raiseIllegal(c, insn);
  needVSX(c);
  const u32 = c.u32;
  const wb = vw(c, 32 + ((insn >>> 11) & 31));
  const wt = vw(c, 32 + ((insn >>> 21) & 31));
  const b0 = u32[wb];
  const b1 = u32[wb + 1];
  const b2 = u32[wb + 2];
  const b3 = u32[wb + 3];
  const exp = (b1 >>> 16) & 0x7fff;
  if (sub === 2) {
    // xsxexpqp: the 15-bit exponent in doubleword 0.
    u32[wt] = exp;
    u32[wt + 1] = 0;
    u32[wt + 2] = 0;
    u32[wt + 3] = 0;
    return;
  }
  if (sub === 18) {
    // xsxsigqp: the 112-bit fraction with its implicit bit.
    u32[wt] = b0;
    u32[wt + 1] = (b1 & 0xffff) | (exp !== 0 && exp !== 0x7fff ? 0x10000 : 0);
    u32[wt + 2] = b2;
    u32[wt + 3] = b3;
    return;
  }
  u32[wt] = b0;
  u32[wt + 1] = sub === 0 ? b1 & 0x7fffffff : sub === 8 ? b1 | 0x80000000 : b1 ^ 0x80000000;
  u32[wt + 2] = b2;
  u32[wt + 3] = b3;
}

/** xscpsgnqp VRT,VRA,VRB: VRB with the sign of VRA. */
function xscpsgnqp(c: Cpu, insn: number): void {
  needVSX(c);
  const u32 = c.u32;
  const sign = u32[vw(c, 32 + ((insn >>> 16) & 31)) + 1] & 0x80000000;
  const wb = vw(c, 32 + ((insn >>> 11) & 31));
  const wt = vw(c, 32 + ((insn >>> 21) & 31));
  const b0 = u32[wb];
  const b1 = u32[wb + 1];
  const b2 = u32[wb + 2];
  const b3 = u32[wb + 3];
  u32[wt] = b0;
  u32[wt + 1] = (b1 & 0x7fffffff) | sign;
  u32[wt + 2] = b2;
  u32[wt + 3] = b3;
}

// ---------------------------------------------------------------- registration

function reg60x3(xo8: number, fn: (c: Cpu, insn: number) => void): void {
  reg60(xo8 << 1, fn);
  reg60((xo8 << 1) | 1, fn);
}

reg60(347, xsxexpsig);
reg60x3(61, tdiv(0)); // xstdivdp
reg60x3(125, tdiv(1)); // xvtdivdp
reg60x3(93, tdiv(2)); // xvtdivsp
reg60(106, tsqrt(0)); // xstsqrtdp
reg60(234, tsqrt(1)); // xvtsqrtdp
reg60(170, tsqrt(2)); // xvtsqrtsp
reg60(459, xsiexpdp);
reg60x3(59, xscmpexpdp);
reg60(362, xststdc(false)); // xststdcdp
reg60(298, xststdc(true)); // xststdcsp
reg60x3(3, xscmpmask(CMP_EQ)); // xscmpeqdp
reg60x3(11, xscmpmask(CMP_GT)); // xscmpgtdp
reg60x3(19, xscmpmask(CMP_GE)); // xscmpgedp
reg60x3(128, maxMinCJ(true, false)); // xsmaxcdp
reg60x3(136, maxMinCJ(false, false)); // xsmincdp
reg60x3(144, maxMinCJ(true, true)); // xsmaxjdp
reg60x3(152, maxMinCJ(false, true)); // xsminjdp
reg60x3(248, xviexp(false)); // xviexpdp
reg60x3(216, xviexp(true)); // xviexpsp
// xvtstdcdp / xvtstdcsp: the dc and dx bits of DCMX sit inside the 9-bit index.
for (const k of [0, 1, 16, 17]) {
  reg60(490 + k, xvtstdc(false));
  reg60(426 + k, xvtstdc(true));
}
regFPX(OP63, 804, xsqpMisc);
regFPX(OP63, 100, xscpsgnqp);
