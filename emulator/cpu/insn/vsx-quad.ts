// ISA 3.0 quad-precision (IEEE binary128) scalar arithmetic on VSR 32-63 (opcode 63):
// add, subtract, multiply, divide, square root, fused multiply-add, compares, and
// conversions to/from double and integers (Power ISA 3.0B Book I 7.6). Rare in practice
// (libgcc's __float128 hardware routines), so everything is exact BigInt arithmetic with
// one rounding (FPSCR[RN], or round-to-odd for the "o" forms). Enabled overflow and
// underflow exceptions are treated as disabled (no exponent scaling).
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { regFPX, OP63 } from '../decode.js';
import { raiseIllegal, raiseVSXUnavailable } from '../exceptions.js';
import {
  FI, FPCC_MASK, FPRF_MASK, FPRF_SHIFT, FR, OX, RN_MASK, UX, VE, VXCVI, VXIDI, VXIMZ, VXISI, VXSNAN, VXSQRT, VXVC,
  VXZDZ, XX, ZE, ZX, raiseBits,
} from '../fpscr.js';
import { checkEnabled } from './fp-common.js';
import { VSR as VSR_LAYOUT, MSR as MSR_LAYOUT, MSR_VSX as MSR_VSX_LAYOUT } from '../layout.js';

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

const M64 = (1n << 64n) - 1n;
const QNAN = 0x7fff8000000000000000000000000000n;
const SIGN = 1n << 127n;
const QUIET = 1n << 111n;

/** VSR n as a 128-bit integer (bit 127 = ISA bit 0). */
function getQ(c: Cpu, n: number): bigint {
  const u32 = c.u32;
  const w = vw(c, n);
  return (BigInt(u32[w + 1]) << 96n) | (BigInt(u32[w]) << 64n) | (BigInt(u32[w + 3]) << 32n) | BigInt(u32[w + 2]);
}

function setQ(c: Cpu, n: number, v: bigint): void {
  const u32 = c.u32;
  const w = vw(c, n);
  u32[w + 1] = Number((v >> 96n) & 0xffffffffn);
  u32[w] = Number((v >> 64n) & 0xffffffffn);
  u32[w + 3] = Number((v >> 32n) & 0xffffffffn);
  u32[w + 2] = Number(v & 0xffffffffn);
}

// ---------------------------------------------------------------- formats

interface Format {
  p: number; // precision (with the implicit bit)
  ebits: number;
  bias: number;
}
const QUAD: Format = { p: 113, ebits: 15, bias: 16383 };
const DOUBLE: Format = { p: 53, ebits: 11, bias: 1023 };
const SINGLE: Format = { p: 24, ebits: 8, bias: 127 };
const HALF: Format = { p: 11, ebits: 5, bias: 15 };

function fracBits(f: Format): bigint {
  return BigInt(f.p - 1);
}
function expMax(f: Format): bigint {
  return (1n << BigInt(f.ebits)) - 1n;
}

// Decoded operand: class and, for finite values, |x| = m * 2^e.
const C_ZERO = 0;
const C_FINITE = 1;
const C_INF = 2;
const C_NAN = 3;
let dCls = 0;
let dNeg = false;
let dM = 0n;
let dE = 0;

function decode(v: bigint, f: Format): void {
  const fb = fracBits(f);
  const width = BigInt(f.p - 1 + f.ebits); // the sign bit
  dNeg = ((v >> width) & 1n) === 1n;
  const exp = (v >> fb) & expMax(f);
  const frac = v & ((1n << fb) - 1n);
  if (exp === expMax(f)) {
    dCls = frac === 0n ? C_INF : C_NAN;
    return;
  }
  if (exp === 0n) {
    if (frac === 0n) {
      dCls = C_ZERO;
      return;
    }
    dCls = C_FINITE;
    dM = frac;
    dE = 1 - f.bias - (f.p - 1);
    return;
  }
  dCls = C_FINITE;
  dM = frac | (1n << fb);
  dE = Number(exp) - f.bias - (f.p - 1);
}

function isSNaNQ(v: bigint): boolean {
  return ((v >> 112n) & 0x7fffn) === 0x7fffn && (v & ((1n << 112n) - 1n)) !== 0n && (v & QUIET) === 0n;
}
function isNaNQ(v: bigint): boolean {
  return ((v >> 112n) & 0x7fffn) === 0x7fffn && (v & ((1n << 112n) - 1n)) !== 0n;
}

function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

// ---------------------------------------------------------------- the pending result

let rBits = 0n; // result in the target format's encoding
let rExc = 0; // exception cause bits
let rStat = 0; // FR | FI
let rNone = false; // enabled invalid/zero-divide: nothing written

function resultBits(v: bigint, exc: number): void {
  rBits = v;
  rExc = exc;
  rStat = 0;
  rNone = false;
}

function invalid(fpscr: number, exc: number): void {
  rExc = exc;
  rStat = 0;
  rNone = (fpscr & VE) !== 0;
  rBits = QNAN;
}

/**
 * Round (-1)^neg * m * 2^e (plus a sticky bit below m) to format f under mode rn
 * (0-3) or round-to-odd; sets the pending result. Tininess is detected before rounding.
 */
function round(neg: boolean, m: bigint, e: number, sticky: boolean, f: Format, rn: number, odd: boolean): void {
  const emin = 1 - f.bias;
  const emax = f.bias;
  const signBit = neg ? 1n << BigInt(f.p - 1 + f.ebits) : 0n;
  if (m === 0n) {
    resultBits(signBit, 0);
    return;
  }
  const top = e + bitLength(m) - 1;
  const tiny = top < emin;
  let lsb = top - (f.p - 1);
  if (lsb < emin - (f.p - 1)) lsb = emin - (f.p - 1);
  const shift = lsb - e;
  let q: bigint;
  let pos: number; // discarded part: 0 exact, 1 below half, 2 half, 3 above half
  if (shift > 0) {
    const s = BigInt(shift);
    q = m >> s;
    const rem = m - (q << s);
    const half = 1n << (s - 1n);
    if (rem === 0n) pos = sticky ? 1 : 0;
    else if (rem < half) pos = 1;
    else if (rem === half) pos = sticky ? 3 : 2;
    else pos = 3;
  } else {
    q = m << BigInt(-shift);
    pos = sticky ? 1 : 0;
  }
  let flags = 0;
  if (pos !== 0) {
    flags |= XX | FI;
    let inc: boolean;
    if (odd) {
      inc = false;
      q |= 1n;
    } else if (rn === 0) inc = pos === 3 || (pos === 2 && (q & 1n) === 1n);
    else if (rn === 1) inc = false;
    else if (rn === 2) inc = !neg;
    else inc = neg;
    if (inc) {
      q += 1n;
      flags |= FR;
      if (q === 1n << BigInt(f.p)) {
        q >>= 1n;
        lsb += 1;
      }
    }
  }
  const fb = fracBits(f);
  if (lsb + bitLength(q) - 1 > emax) {
    // Overflow: infinity or the largest finite number, by rounding mode.
    const toInf = !odd && (rn === 0 || (rn === 2 && !neg) || (rn === 3 && neg));
    const maxFinite = ((expMax(f) - 1n) << fb) | ((1n << fb) - 1n);
    rBits = signBit | (toInf ? expMax(f) << fb : maxFinite);
    rExc = OX | XX;
    rStat = FI | (toInf ? FR : 0);
    rNone = false;
    return;
  }
  // Encode: q has p bits when normal (implicit bit set) or fewer when denormal.
  let bits: bigint;
  if (q >> fb !== 0n) bits = (BigInt(lsb + (f.p - 1) + f.bias) << fb) | (q & ((1n << fb) - 1n));
  else bits = q; // denormal (or rounded to zero): biased exponent 0
  rBits = signBit | bits;
  rExc = flags & XX;
  if (tiny && pos !== 0) rExc |= UX;
  rStat = flags & (FR | FI);
  rNone = false;
}

/** NaN operands (in ISA order): the first, quieted; VXSNAN if any is signalling. */
function nanResult(fpscr: number, a: bigint, b: bigint, c: bigint | null, extra: number): boolean {
  let pick: bigint | null = null;
  let exc = extra;
  for (let k = 0; k < 3; k++) {
    const v = k === 0 ? a : k === 1 ? b : c;
    if (v === null || !isNaNQ(v)) continue;
    if (pick === null) pick = v;
    if (isSNaNQ(v)) exc |= VXSNAN;
  }
  if (pick === null) return false;
  rBits = pick | QUIET;
  rExc = exc;
  rStat = 0;
  rNone = exc !== 0 && (fpscr & VE) !== 0;
  return true;
}

// ---------------------------------------------------------------- arithmetic

const OP_ADD = 0;
const OP_SUB = 1;
const OP_MUL = 2;
const OP_DIV = 3;

function exactZeroSign(na: boolean, nb: boolean, rn: number): boolean {
  return na && nb ? true : na !== nb ? rn === 3 : false;
}

function addQ(a: bigint, b: bigint, negateB: boolean, fpscr: number, rn: number, odd: boolean): void {
  decode(a, QUAD);
  const ca = dCls;
  const na = dNeg;
  const ma = dM;
  const ea = dE;
  decode(b, QUAD);
  const cb = dCls;
  const nb = dNeg !== negateB;
  const mb = dM;
  const eb = dE;
  if (ca === C_INF || cb === C_INF) {
    if (ca === C_INF && cb === C_INF && na !== nb) return invalid(fpscr, VXISI);
    const neg = ca === C_INF ? na : nb;
    return resultBits((neg ? SIGN : 0n) | (0x7fffn << 112n), 0);
  }
  const e = Math.min(ca === C_FINITE ? ea : Infinity, cb === C_FINITE ? eb : Infinity);
  const sa = ca === C_FINITE ? ma << BigInt(ea - e) : 0n;
  const sb = cb === C_FINITE ? mb << BigInt(eb - e) : 0n;
  const s = (na ? -sa : sa) + (nb ? -sb : sb);
  if (s === 0n) return resultBits(exactZeroSign(na, nb, rn) ? SIGN : 0n, 0);
  round(s < 0n, s < 0n ? -s : s, e, false, QUAD, rn, odd);
}

function mulQ(a: bigint, b: bigint, fpscr: number, rn: number, odd: boolean): void {
  decode(a, QUAD);
  const ca = dCls;
  const na = dNeg;
  const ma = dM;
  const ea = dE;
  decode(b, QUAD);
  const neg = na !== dNeg;
  if ((ca === C_INF && dCls === C_ZERO) || (ca === C_ZERO && dCls === C_INF)) return invalid(fpscr, VXIMZ);
  if (ca === C_INF || dCls === C_INF) return resultBits((neg ? SIGN : 0n) | (0x7fffn << 112n), 0);
  if (ca === C_ZERO || dCls === C_ZERO) return resultBits(neg ? SIGN : 0n, 0);
  round(neg, ma * dM, ea + dE, false, QUAD, rn, odd);
}

function divQ(a: bigint, b: bigint, fpscr: number, rn: number, odd: boolean): void {
  decode(a, QUAD);
  const ca = dCls;
  const na = dNeg;
  const ma = dM;
  const ea = dE;
  decode(b, QUAD);
  const neg = na !== dNeg;
  if (ca === C_INF && dCls === C_INF) return invalid(fpscr, VXIDI);
  if (ca === C_ZERO && dCls === C_ZERO) return invalid(fpscr, VXZDZ);
  if (ca === C_INF) return resultBits((neg ? SIGN : 0n) | (0x7fffn << 112n), 0);
  if (dCls === C_ZERO) {
    // Finite nonzero / 0: zero divide.
    rBits = (neg ? SIGN : 0n) | (0x7fffn << 112n);
    rExc = ZX;
    rStat = 0;
    rNone = (fpscr & ZE) !== 0;
    return;
  }
  if (ca === C_ZERO || dCls === C_INF) return resultBits(neg ? SIGN : 0n, 0);
  let k = QUAD.p + 3 + bitLength(dM) - bitLength(ma);
  if (k < 0) k = 0;
  const num = ma << BigInt(k);
  const q = num / dM;
  round(neg, q, ea - dE - k, q * dM !== num, QUAD, rn, odd);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

function sqrtQ(b: bigint, fpscr: number, rn: number, odd: boolean): void {
  if (nanResult(fpscr, b, b, null, 0)) return;
  decode(b, QUAD);
  if (dCls === C_ZERO) return resultBits(b, 0);
  if (dNeg) return invalid(fpscr, VXSQRT);
  if (dCls === C_INF) return resultBits(b, 0);
  let m = dM;
  let e = dE;
  if ((e & 1) !== 0) {
    m <<= 1n;
    e -= 1;
  }
  // Enough bits for the precision plus guard bits: 2 * (p + 3) bits under the root.
  let k = 2 * (QUAD.p + 3) - bitLength(m);
  if (k < 0) k = 0;
  if ((k & 1) !== 0) k += 1;
  const n = m << BigInt(k);
  const r = isqrt(n);
  round(false, r, (e - k) / 2, r * r !== n, QUAD, rn, odd);
}

/** a * b + c (variant bit 0: subtract c; bit 1: negate the rounded result). */
function fmaQ(a: bigint, b: bigint, c: bigint, variant: number, fpscr: number, rn: number, odd: boolean): void {
  decode(a, QUAD);
  const ca = dCls;
  const na = dNeg;
  const ma = dM;
  const ea = dE;
  decode(b, QUAD);
  const cb = dCls;
  const nb = dNeg;
  const mb = dM;
  const eb = dE;
  decode(c, QUAD);
  const cc = dCls;
  const nc = dNeg !== ((variant & 1) !== 0);
  const mc = dM;
  const ec = dE;
  const neg = (variant & 2) !== 0;
  const np = na !== nb;
  if ((ca === C_INF && cb === C_ZERO) || (ca === C_ZERO && cb === C_INF)) return invalid(fpscr, VXIMZ);
  const pInf = ca === C_INF || cb === C_INF;
  if (pInf || cc === C_INF) {
    if (pInf && cc === C_INF && np !== nc) return invalid(fpscr, VXISI);
    const s = pInf ? np : nc;
    return resultBits(((s !== neg) ? SIGN : 0n) | (0x7fffn << 112n), 0);
  }
  const pZero = ca === C_ZERO || cb === C_ZERO;
  const mp = pZero ? 0n : ma * mb;
  const ep = pZero ? 0 : ea + eb;
  if (mp === 0n && cc === C_ZERO) {
    const z = exactZeroSign(np, nc, rn);
    return resultBits((z !== neg) ? SIGN : 0n, 0);
  }
  const e = Math.min(mp !== 0n ? ep : Infinity, cc === C_FINITE ? ec : Infinity);
  const sp = mp !== 0n ? mp << BigInt(ep - e) : 0n;
  const sc = cc === C_FINITE ? mc << BigInt(ec - e) : 0n;
  const s = (np ? -sp : sp) + (nc ? -sc : sc);
  if (s === 0n) {
    const z = exactZeroSign(np, nc, rn);
    return resultBits((z !== neg) ? SIGN : 0n, 0);
  }
  // Negating after rounding: round the magnitude with the mode mirrored.
  const sNeg = s < 0n;
  round(sNeg, sNeg ? -s : s, e, false, QUAD, rn, odd);
  if (neg) rBits ^= SIGN;
}

// ---------------------------------------------------------------- commit

function fprfOfQuad(v: bigint): number {
  decode(v, QUAD);
  const n = dNeg;
  switch (dCls) {
    case C_NAN:
      return 0x11;
    case C_INF:
      return n ? 0x09 : 0x05;
    case C_ZERO:
      return n ? 0x12 : 0x02;
    default:
      return ((v >> 112n) & 0x7fffn) === 0n ? (n ? 0x18 : 0x14) : n ? 0x08 : 0x04;
  }
}

/** Write the pending quad result to VSR t and update the FPSCR (FPRF, FR, FI, exceptions). */
function commitQ(c: Cpu, t: number): void {
  const u32 = c.u32;
  let f = u32[c.w + FPSCR_W] & ~(FR | FI);
  if (!rNone) {
    setQ(c, t, rBits);
    f = (f & ~FPRF_MASK) | (fprfOfQuad(rBits) << FPRF_SHIFT) | rStat;
  }
  if (rExc !== 0) f = raiseBits(f, rExc);
  u32[c.w + FPSCR_W] = f;
  if (rExc !== 0) checkEnabled(c, f, rExc);
}

function vr(insn: number, shift: number): number {
  return 32 + ((insn >>> shift) & 31);
}

function arith(op: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const fpscr = c.u32[c.w + FPSCR_W];
    const odd = (insn & 1) !== 0;
    const rn = fpscr & RN_MASK;
    const a = getQ(c, vr(insn, 16));
    const b = getQ(c, vr(insn, 11));
    if (!nanResult(fpscr, a, b, null, 0)) {
      if (op === OP_ADD) addQ(a, b, false, fpscr, rn, odd);
      else if (op === OP_SUB) addQ(a, b, true, fpscr, rn, odd);
      else if (op === OP_MUL) mulQ(a, b, fpscr, rn, odd);
      else divQ(a, b, fpscr, rn, odd);
    }
    commitQ(c, vr(insn, 21));
  };
}

/** xs[n]m{add,sub}qp[o]: VRT = +/-(VRA * VRB +/- VRT). */
function fma(variant: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const fpscr = c.u32[c.w + FPSCR_W];
    const a = getQ(c, vr(insn, 16));
    const b = getQ(c, vr(insn, 11));
    const t = getQ(c, vr(insn, 21));
    decode(a, QUAD);
    const ca = dCls;
    decode(b, QUAD);
    const imz = (ca === C_INF && dCls === C_ZERO) || (ca === C_ZERO && dCls === C_INF);
    // NaN precedence: VRA, VRT (addend), VRB.
    if (!nanResult(fpscr, a, t, b, imz ? VXIMZ : 0)) fmaQ(a, b, t, variant, fpscr, fpscr & RN_MASK, (insn & 1) !== 0);
    commitQ(c, vr(insn, 21));
  };
}

// ---------------------------------------------------------------- compares

/** Order of two non-NaN quads: -1, 0, 1. */
function compareQ(a: bigint, b: bigint): number {
  const ka = (a & SIGN) !== 0n ? -(a & ~SIGN) : a;
  const kb = (b & SIGN) !== 0n ? -(b & ~SIGN) : b;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function setCRAndFPCC(c: Cpu, bf: number, cc: number): void {
  const sh = 28 - 4 * bf;
  const i = c.w + CR_W;
  c.u32[i] = (c.u32[i] & ~(0xf << sh)) | (cc << sh);
  const f = c.w + FPSCR_W;
  c.u32[f] = (c.u32[f] & ~FPCC_MASK) | (cc << 12);
}

function xscmpqp(ordered: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const a = getQ(c, vr(insn, 16));
    const b = getQ(c, vr(insn, 11));
    let cc: number;
    let exc = 0;
    const f = c.u32[c.w + FPSCR_W];
    if (isNaNQ(a) || isNaNQ(b)) {
      cc = 1;
      if (isSNaNQ(a) || isSNaNQ(b)) {
        exc = VXSNAN;
        if (ordered && (f & VE) === 0) exc |= VXVC;
      } else if (ordered) exc = VXVC;
    } else {
      const r = compareQ(a, b);
      cc = r < 0 ? 8 : r > 0 ? 4 : 2;
    }
    setCRAndFPCC(c, (insn >>> 23) & 7, cc);
    if (exc !== 0) {
      const nf = raiseBits(c.u32[c.w + FPSCR_W], exc);
      c.u32[c.w + FPSCR_W] = nf;
      checkEnabled(c, nf, exc);
    }
  };
}

function xscmpexpqp(c: Cpu, insn: number): void {
  needVSX(c);
  const a = getQ(c, vr(insn, 16));
  const b = getQ(c, vr(insn, 11));
  let cc: number;
  if (isNaNQ(a) || isNaNQ(b)) cc = 1;
  else {
    const ea = (a >> 112n) & 0x7fffn;
    const eb = (b >> 112n) & 0x7fffn;
    cc = ea < eb ? 8 : ea > eb ? 4 : 2;
  }
  setCRAndFPCC(c, (insn >>> 23) & 7, cc);
}

// ---------------------------------------------------------------- conversions (XO 836, selected by the VRA field)

// Valid VRA values under XO 836: uwz 1, udqp 2, swz 9, sdqp 10, udz 17, qpdp 20, dpqp 22, sdz 25.
const CVT_SUBS = (1 << 1) | (1 << 2) | (1 << 9) | (1 << 10) | (1 << 17) | (1 << 20) | (1 << 22) | (1 << 25);

function xscvqp(c: Cpu, insn: number): void {
  const sub = (insn >>> 16) & 31;
  if (((CVT_SUBS >>> sub) & 1) === 0) raiseIllegal(c, insn);
  needVSX(c);
  const fpscr = c.u32[c.w + FPSCR_W];
  const t = vr(insn, 21);
  const bReg = vr(insn, 11);
  const b = getQ(c, bReg);
  switch (sub) {
    case 22: {
      // xscvdpqp: doubleword 0 (double) -> quad, exactly.
      const d = b >> 64n;
      decode(d, DOUBLE);
      if (dCls === C_NAN) {
        const snan = (d & (1n << 51n)) === 0n;
        const payload = (d & ((1n << 52n) - 1n)) << 60n;
        rBits = (dNeg ? SIGN : 0n) | (0x7fffn << 112n) | payload | QUIET;
        rExc = snan ? VXSNAN : 0;
        rStat = 0;
        rNone = snan && (fpscr & VE) !== 0;
      } else if (dCls === C_INF) resultBits((dNeg ? SIGN : 0n) | (0x7fffn << 112n), 0);
      else if (dCls === C_ZERO) resultBits(dNeg ? SIGN : 0n, 0);
      else round(dNeg, dM, dE, false, QUAD, 0, false);
      return commitQ(c, t);
    }
    case 20: {
      // xscvqpdp[o]: quad -> double in doubleword 0 (doubleword 1 = 0).
      decode(b, QUAD);
      if (dCls === C_NAN) {
        const snan = (b & QUIET) === 0n;
        const payload = (b >> 60n) & ((1n << 51n) - 1n);
        rBits = (dNeg ? 1n << 63n : 0n) | (0x7ffn << 52n) | (1n << 51n) | payload;
        rExc = snan ? VXSNAN : 0;
        rStat = 0;
        rNone = snan && (fpscr & VE) !== 0;
      } else if (dCls === C_INF) resultBits((dNeg ? 1n << 63n : 0n) | (0x7ffn << 52n), 0);
      else if (dCls === C_ZERO) resultBits(dNeg ? 1n << 63n : 0n, 0);
      else round(dNeg, dM, dE, false, DOUBLE, fpscr & RN_MASK, (insn & 1) !== 0);
      const u32 = c.u32;
      let f = u32[c.w + FPSCR_W] & ~(FR | FI);
      if (!rNone) {
        setQ(c, t, rBits << 64n);
        const hi = Number(rBits >> 32n);
        const lo = Number(rBits & 0xffffffffn);
        f = (f & ~FPRF_MASK) | (fprfOfDouble(hi, lo) << FPRF_SHIFT) | rStat;
      }
      if (rExc !== 0) f = raiseBits(f, rExc);
      u32[c.w + FPSCR_W] = f;
      if (rExc !== 0) checkEnabled(c, f, rExc);
      return;
    }
    case 10:
    case 2: {
      // xscvsdqp / xscvudqp: doubleword 0 as an integer -> quad (exact).
      let v = b >> 64n;
      let neg = false;
      if (sub === 10 && (v >> 63n) === 1n) {
        v = (1n << 64n) - v;
        neg = true;
      }
      if (v === 0n) resultBits(0n, 0);
      else round(neg, v, 0, false, QUAD, 0, false);
      return commitQ(c, t);
    }
    default:
      return toInt(c, insn, sub, b, t, fpscr);
  }
}

function fprfOfDouble(hi: number, lo: number): number {
  const neg = (hi & 0x80000000) !== 0;
  const exp = (hi >>> 20) & 0x7ff;
  const frac = (hi & 0xfffff) | lo;
  if (exp === 0x7ff) return frac !== 0 ? 0x11 : neg ? 0x09 : 0x05;
  if (exp === 0) return frac === 0 ? (neg ? 0x12 : 0x02) : neg ? 0x18 : 0x14;
  return neg ? 0x08 : 0x04;
}

/** xscvqp{sd,ud,sw,uw}z: truncate to an integer in doubleword 0, saturating with VXCVI. */
function toInt(c: Cpu, insn: number, sub: number, b: bigint, t: number, fpscr: number): void {
  const unsigned = sub === 17 || sub === 1;
  const wide = sub === 25 || sub === 17;
  const bits = wide ? 64n : 32n;
  const min = unsigned ? 0n : -(1n << (bits - 1n));
  const max = unsigned ? (1n << bits) - 1n : (1n << (bits - 1n)) - 1n;
  let r: bigint;
  let exc = 0;
  decode(b, QUAD);
  if (dCls === C_NAN) {
    exc = VXCVI | (isSNaNQ(b) ? VXSNAN : 0);
    r = min;
  } else if (dCls === C_INF) {
    exc = VXCVI;
    r = dNeg ? min : max;
  } else if (dCls === C_ZERO) {
    r = 0n;
  } else {
    let mag: bigint;
    let inexact: boolean;
    if (dE >= 0) {
      mag = dM << BigInt(dE);
      inexact = false;
    } else {
      mag = dE < -200 ? 0n : dM >> BigInt(-dE);
      inexact = mag << BigInt(-dE) !== dM;
    }
    const v = dNeg ? -mag : mag;
    if (v < min || v > max) {
      exc = VXCVI;
      r = v < min ? min : max;
    } else {
      r = v;
      if (inexact) exc = XX;
    }
  }
  const u32 = c.u32;
  let f = u32[c.w + FPSCR_W] & ~(FR | FI);
  if ((exc & XX) !== 0) f |= FI;
  if (!((exc & VXCVI) !== 0 && (fpscr & VE) !== 0)) {
    setQ(c, t, (r & M64) << 64n);
  }
  if (exc !== 0) f = raiseBits(f, exc);
  u32[c.w + FPSCR_W] = f;
  if (exc !== 0) checkEnabled(c, f, exc);
}

/** xsiexpqp VRT,VRA,VRB: sign and fraction of VRA, exponent from VRB bits 49:63. */
function xsiexpqp(c: Cpu, insn: number): void {
  needVSX(c);
  const a = getQ(c, vr(insn, 16));
  const b = getQ(c, vr(insn, 11));
  const exp = (b >> 64n) & 0x7fffn;
  setQ(c, vr(insn, 21), (a & ~(0x7fffn << 112n)) | (exp << 112n));
}

/** xststdcqp BF,VRB,DCMX: CR[BF] = sign, 0, match, 0. */
function xststdcqp(c: Cpu, insn: number): void {
  needVSX(c);
  const b = getQ(c, vr(insn, 11));
  const dcmx = (insn >>> 16) & 0x7f;
  decode(b, QUAD);
  let k = 0;
  if (dCls === C_NAN) k = 0x40;
  else if (dCls === C_INF) k = dNeg ? 0x10 : 0x20;
  else if (dCls === C_ZERO) k = dNeg ? 0x04 : 0x08;
  else if (((b >> 112n) & 0x7fffn) === 0n) k = dNeg ? 0x01 : 0x02;
  setCRAndFPCC(c, (insn >>> 23) & 7, (dNeg ? 8 : 0) | ((k & dcmx) !== 0 ? 2 : 0));
}

/** xssqrtqp[o]: reached through the XO 804 group (VRA field 27) in vsx-misc.ts. */
export function xssqrtqp(c: Cpu, insn: number): void {
  needVSX(c);
  const fpscr = c.u32[c.w + FPSCR_W];
  sqrtQ(getQ(c, vr(insn, 11)), fpscr, fpscr & RN_MASK, (insn & 1) !== 0);
  commitQ(c, vr(insn, 21));
}

// ---------------------------------------------------------------- round to integer / to x87 precision

const XP: Format = { p: 64, ebits: 15, bias: 16383 };

/** Rounding mode of xsrqpi/xsrqpxp from R (bit 15) and RMC (bits 21:22); 4 = ties away. */
function rqpMode(insn: number, fpscr: number): number {
  const r = (insn >>> 16) & 1;
  const rmc = (insn >>> 9) & 3;
  if (r === 1) return rmc;
  if (rmc === 3) return fpscr & RN_MASK;
  return 4; // RMC 0 (1 and 2 are reserved; treated the same)
}

/**
 * xsrqpi[x]: VRB rounded to an integral value; the inexact result is reported only by
 * the "x" form (EX, bit 31). xsrqpxp: VRB rounded to 64-bit (x87 extended) precision.
 */
function xsrqp(toInt: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const fpscr = c.u32[c.w + FPSCR_W];
    const b = getQ(c, vr(insn, 11));
    const mode = rqpMode(insn, fpscr);
    if (nanResult(fpscr, b, b, null, 0)) {
      // Through x87 precision a NaN keeps only the top 63 fraction bits.
      if (!toInt) rBits &= ~((1n << 49n) - 1n);
    } else {
      decode(b, QUAD);
      if (dCls !== C_FINITE) {
        resultBits(b, 0);
      } else if (!toInt) {
        round(dNeg, dM, dE, false, XP, mode === 4 ? 0 : mode, false);
        const exc = rExc;
        const stat = rStat;
        decode(rBits, XP);
        if (dCls === C_FINITE) round(dNeg, dM, dE, false, QUAD, 0, false);
        else resultBits((dNeg ? SIGN : 0n) | (dCls === C_INF ? 0x7fffn << 112n : 0n), 0);
        rExc = exc;
        rStat = stat;
      } else if (dE >= 0) {
        resultBits(b, 0);
      } else {
        const s = BigInt(-dE);
        const q = dE < -200 ? 0n : dM >> s;
        const rem = dE < -200 ? dM : dM - (q << s);
        const half = dE < -200 ? -1n : 1n << (s - 1n);
        let inc = false;
        if (rem !== 0n) {
          if (mode === 4) inc = half >= 0n && rem >= half;
          else if (mode === 0) inc = half >= 0n && (rem > half || (rem === half && (q & 1n) === 1n));
          else if (mode === 2) inc = !dNeg;
          else if (mode === 3) inc = dNeg;
        }
        const v = inc ? q + 1n : q;
        const neg = dNeg;
        if (v === 0n) resultBits(neg ? SIGN : 0n, 0);
        else round(neg, v, 0, false, QUAD, 0, false);
        if (rem !== 0n && (insn & 1) !== 0) {
          rExc = XX;
          rStat = FI;
        } else {
          rExc = 0;
          rStat = 0;
        }
      }
    }
    commitQ(c, vr(insn, 21));
  };
}

// ---------------------------------------------------------------- half precision (XX2 sub-forms)

/**
 * Convert between binary16 and a wider format: NaNs keep their leading payload bits and
 * are quieted (VXSNAN for a signalling one); narrowing rounds by FPSCR[RN].
 */
function convertFloat(v: bigint, from: Format, to: Format, rn: number, fpscr: number): void {
  decode(v, from);
  const signBit = dNeg ? 1n << BigInt(to.p - 1 + to.ebits) : 0n;
  const toFb = fracBits(to);
  if (dCls === C_NAN) {
    const fromFb = fracBits(from);
    const payload = v & ((1n << fromFb) - 1n);
    const quiet = 1n << (fromFb - 1n);
    const moved = fromFb > toFb ? payload >> (fromFb - toFb) : payload << (toFb - fromFb);
    rBits = signBit | (expMax(to) << toFb) | moved | (1n << (toFb - 1n));
    rExc = (payload & quiet) === 0n ? VXSNAN : 0;
    rStat = 0;
    rNone = rExc !== 0 && (fpscr & VE) !== 0;
    return;
  }
  if (dCls === C_INF) return resultBits(signBit | (expMax(to) << toFb), 0);
  if (dCls === C_ZERO) return resultBits(signBit, 0);
  round(dNeg, dM, dE, false, to, rn, false);
}

function classBits(v: bigint, f: Format): number {
  decode(v, f);
  const n = dNeg;
  switch (dCls) {
    case C_NAN:
      return 0x11;
    case C_INF:
      return n ? 0x09 : 0x05;
    case C_ZERO:
      return n ? 0x12 : 0x02;
    default:
      return ((v >> fracBits(f)) & expMax(f)) === 0n ? (n ? 0x18 : 0x14) : n ? 0x08 : 0x04;
  }
}

function xT(insn: number): number {
  return ((insn & 1) << 5) | ((insn >>> 21) & 31);
}
function xB(insn: number): number {
  return ((insn & 2) << 4) | ((insn >>> 11) & 31);
}

/** xscvhpdp (toDouble) / xscvdphp: halfword 3 <-> doubleword 0; FPRF set, doubleword 1 cleared. */
export function xscvhalf(c: Cpu, insn: number, toDouble: boolean): void {
  needVSX(c);
  const fpscr = c.u32[c.w + FPSCR_W];
  const b = getQ(c, xB(insn)) >> 64n;
  if (toDouble) convertFloat(b & 0xffffn, HALF, DOUBLE, fpscr & RN_MASK, fpscr);
  else convertFloat(b, DOUBLE, HALF, fpscr & RN_MASK, fpscr);
  const u32 = c.u32;
  let f = u32[c.w + FPSCR_W] & ~(FR | FI);
  if (!rNone) {
    setQ(c, xT(insn), rBits << 64n);
    f = (f & ~FPRF_MASK) | (classBits(rBits, toDouble ? DOUBLE : HALF) << FPRF_SHIFT) | rStat;
  }
  if (rExc !== 0) f = raiseBits(f, rExc);
  u32[c.w + FPSCR_W] = f;
  if (rExc !== 0) checkEnabled(c, f, rExc);
}

/** xvcvhpsp (toSingle) / xvcvsphp: per word, its low halfword <-> the word as a single. */
export function xvcvhalf(c: Cpu, insn: number, toSingle: boolean): void {
  needVSX(c);
  const fpscr = c.u32[c.w + FPSCR_W];
  const b = getQ(c, xB(insn));
  let out = 0n;
  let exc = 0;
  for (let i = 3n; i >= 0n; i--) {
    const w = (b >> (32n * i)) & 0xffffffffn;
    if (toSingle) convertFloat(w & 0xffffn, HALF, SINGLE, fpscr & RN_MASK, fpscr);
    else convertFloat(w, SINGLE, HALF, fpscr & RN_MASK, fpscr);
    exc |= rExc;
    out |= rBits << (32n * i);
  }
  const u32 = c.u32;
  let f = u32[c.w + FPSCR_W];
  if (!((exc & VXSNAN) !== 0 && (fpscr & VE) !== 0)) setQ(c, xT(insn), out);
  if (exc !== 0) {
    f = raiseBits(f, exc);
    u32[c.w + FPSCR_W] = f;
    checkEnabled(c, f, exc);
  }
}

// ---------------------------------------------------------------- registration

regFPX(OP63, 4, arith(OP_ADD)); // xsaddqp[o]
regFPX(OP63, 516, arith(OP_SUB)); // xssubqp[o]
regFPX(OP63, 36, arith(OP_MUL)); // xsmulqp[o]
regFPX(OP63, 548, arith(OP_DIV)); // xsdivqp[o]
regFPX(OP63, 388, fma(0)); // xsmaddqp[o]
regFPX(OP63, 420, fma(1)); // xsmsubqp[o]
regFPX(OP63, 452, fma(2)); // xsnmaddqp[o]
regFPX(OP63, 484, fma(3)); // xsnmsubqp[o]
regFPX(OP63, 644, xscmpqp(false)); // xscmpuqp
regFPX(OP63, 132, xscmpqp(true)); // xscmpoqp
regFPX(OP63, 164, xscmpexpqp);
regFPX(OP63, 836, xscvqp);
regFPX(OP63, 868, xsiexpqp);
regFPX(OP63, 708, xststdcqp);
// Z23-forms: RMC (bits 21:22) sits in the top of the 10-bit index.
for (let rmc = 0; rmc < 4; rmc++) {
  regFPX(OP63, (rmc << 8) | 5, xsrqp(true)); // xsrqpi[x]
  regFPX(OP63, (rmc << 8) | 37, xsrqp(false)); // xsrqpxp
}
