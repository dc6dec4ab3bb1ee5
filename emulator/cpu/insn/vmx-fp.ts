// VMX (Altivec) single-precision floating point (Power ISA 3.0B Book I 6.13): four
// singles per register, always round-to-nearest-even, no FPSCR; VSCR[NJ] flushes
// denormal results to zero. A NaN operand gives that NaN quieted (first in ISA operand
// order); an invalid operation gives the default NaN 0x7fc00000.
import type { Cpu } from '../cpu.js';
import { reg4, reg4VA, reg4VC } from '../decode.js';
import { VSCR_W as VSCR_W_, VSCR_NJ as VSCR_NJ_ } from '../vreg.js';
import { VSR as VSR_LAYOUT, MSR as MSR_LAYOUT, MSR_VEC as MSR_VEC_LAYOUT } from '../layout.js';
import { raiseVMXUnavailable } from '../exceptions.js';
import * as L from '../layout.js';

// Hot helpers and shared values as module-local bindings: under the module loader a
// call into another module (or a read of its export) costs a getter; see vreg.ts for
// the documented shared versions.
const VSR_OFF = VSR_LAYOUT;
const MSR_W = MSR_LAYOUT >> 2;
const MSR_VEC = MSR_VEC_LAYOUT;
const VSCR_W = VSCR_W_;
const VSCR_NJ = VSCR_NJ_;

function vw(c: Cpu, n: number): number {
  return ((c.base + VSR_OFF) >> 2) + (n << 2);
}

function needVMX(c: Cpu): void {
  if ((c.u32[c.w + MSR_W] & MSR_VEC) === 0) raiseVMXUnavailable(c);
}

function setSAT(c: Cpu): void {
  c.u32[c.w + VSCR_W] |= 1;
}

const CR_W = L.CR >> 2;
const DEFAULT_NAN = 0x7fc00000;

const f32 = new Float32Array(1);
const u32v = new Uint32Array(f32.buffer);

function bitsToFloat(w: number): number {
  u32v[0] = w;
  return f32[0];
}

function floatToBits(x: number): number {
  f32[0] = x;
  return u32v[0];
}

function isNaN32(w: number): boolean {
  return (w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0;
}

/** With VSCR[NJ] = 1, denormal operands and results are zeros of the same sign. */
let flush = false;

function fin(w: number): number {
  if (flush && (w & 0x7f800000) === 0 && (w & 0x7fffff) !== 0) return (w & 0x80000000) >>> 0;
  return w;
}

function out(x: number): number {
  const w = floatToBits(x);
  if (flush && (w & 0x7f800000) === 0 && (w & 0x7fffff) !== 0) return (w & 0x80000000) >>> 0;
  return w;
}

/**
 * Round the exact sum s + e (s = RN(x + y) in double, e its error) to single nearest-even:
 * a double rounding is wrong only when s falls exactly halfway between two singles and
 * e is nonzero, then e decides.
 */
function roundSum(s: number, e: number): number {
  const r = Math.fround(s);
  if (e === 0 || r === s || r - r !== 0) return r;
  const other = 2 * s - r; // the single on the other side, if s is a midpoint
  if (Math.fround(other) !== other) return r;
  return (e > 0) === (other > r) ? other : r;
}

/** Error of a double addition: x + y = s + err exactly. */
function sumErr(x: number, y: number, s: number): number {
  const bb = s - x;
  return (x - (s - bb)) + (y - bb);
}

// ---------------------------------------------------------------- arithmetic

const F_ADD = 0;
const F_SUB = 1;
const F_MADD = 2; // a * c + b
const F_NMSUB = 3; // -(a * c - b)
const F_MAX = 4;
const F_MIN = 5;

/** One element; operands as single bits; returns the result bits. */
function element(op: number, wa0: number, wb0: number, wc0: number): number {
  const wa = fin(wa0);
  const wb = fin(wb0);
  const wc = fin(wc0);
  // NaN operands, in order A, B (the addend of the fused forms), C.
  if (isNaN32(wa)) return (wa | 0x400000) >>> 0;
  if (isNaN32(wb)) return (wb | 0x400000) >>> 0;
  if ((op === F_MADD || op === F_NMSUB) && isNaN32(wc)) return (wc | 0x400000) >>> 0;
  const a = bitsToFloat(wa);
  const b = bitsToFloat(wb);
  switch (op) {
    case F_ADD:
    case F_SUB: {
      const y = op === F_SUB ? -b : b;
      if (a - a !== 0 && y - y !== 0 && a !== y) return DEFAULT_NAN;
      const s = a + y; // exact or innocuously rounded twice: singles, p = 24 <= (53 - 2) / 2
      return out(Math.fround(s));
    }
    case F_MAX:
    case F_MIN: {
      if (a === b) {
        // +0 > -0 for max; -0 < +0 for min.
        const aNeg = (wa & 0x80000000) !== 0;
        return op === F_MAX ? (aNeg ? wb : wa) : aNeg ? wa : wb;
      }
      return (a > b) === (op === F_MAX) ? wa : wb;
    }
    default: {
      const c = bitsToFloat(wc);
      if ((a === 0 && c - c !== 0) || (c === 0 && a - a !== 0)) return DEFAULT_NAN;
      const p = a * c; // exact: 24 x 24 bits
      const add = op === F_NMSUB ? -b : b;
      if (p - p !== 0 && add - add !== 0 && p !== add) return DEFAULT_NAN;
      const s = p + add;
      const r = s - s !== 0 || p - p !== 0 || add - add !== 0 ? Math.fround(s) : roundSum(s, sumErr(p, add, s));
      return out(op === F_NMSUB ? -r : r);
    }
  }
}

function setFlush(c: Cpu): void {
  flush = (c.u32[c.w + VSCR_W] & VSCR_NJ) !== 0;
}

function vfp(op: number) {
  return (c: Cpu, insn: number): void => {
    needVMX(c);
    setFlush(c);
    const u32 = c.u32;
    const t = vw(c, 32 + ((insn >>> 21) & 31));
    const a = vw(c, 32 + ((insn >>> 16) & 31));
    const b = vw(c, 32 + ((insn >>> 11) & 31));
    const cc = vw(c, 32 + ((insn >>> 6) & 31));
    // Element-wise over storage words (same position in every operand).
    let r0 = 0;
    let r1 = 0;
    let r2 = 0;
    let r3 = 0;
    for (let k = 0; k < 4; k++) {
      // For the fused forms the ISA operands are VRA * VRC + VRB.
      const r = element(op, u32[a + k], u32[b + k], u32[cc + k]);
      if (k === 0) r0 = r;
      else if (k === 1) r1 = r;
      else if (k === 2) r2 = r;
      else r3 = r;
    }
    u32[t] = r0;
    u32[t + 1] = r1;
    u32[t + 2] = r2;
    u32[t + 3] = r3;
  };
}

// ---------------------------------------------------------------- unary

const U_RE = 0; // vrefp
const U_RSQRTE = 1; // vrsqrtefp
const U_EXPTE = 2; // vexptefp
const U_LOGE = 3; // vlogefp
const U_RFIN = 4; // vrfin (nearest, ties to even)
const U_RFIZ = 5;
const U_RFIP = 6;
const U_RFIM = 7;

function unaryElement(op: number, wb0: number): number {
  const wb = fin(wb0);
  if (isNaN32(wb)) return (wb | 0x400000) >>> 0;
  const b = bitsToFloat(wb);
  switch (op) {
    case U_RE:
      // The estimate is computed exactly (as QEMU does); hardware is only as good as 1/4096.
      return out(Math.fround(1 / b));
    case U_RSQRTE:
      if (b < 0) return DEFAULT_NAN;
      // Estimate as 1 / sqrt(b), each step rounded to single (as QEMU computes it).
      return out(Math.fround(1 / Math.fround(Math.sqrt(b))));
    case U_EXPTE:
      return out(Math.fround(Math.pow(2, b)));
    case U_LOGE:
      if (b < 0) return DEFAULT_NAN;
      return out(Math.fround(Math.log2(b)));
    case U_RFIN: {
      // Math.round rounds ties up; the ISA (and QEMU) round ties to even.
      let r = Math.round(b);
      if (r - b === 0.5 && r % 2 !== 0) r -= 1;
      return floatToBits(r === 0 ? (b < 0 || Object.is(b, -0) ? -0 : 0) : r);
    }
    case U_RFIZ:
      return floatToBits(Math.trunc(b));
    case U_RFIP:
      return floatToBits(Math.ceil(b));
    default:
      return floatToBits(Math.floor(b));
  }
}

function vunary(op: number) {
  return (c: Cpu, insn: number): void => {
    needVMX(c);
    setFlush(c);
    const u32 = c.u32;
    const t = vw(c, 32 + ((insn >>> 21) & 31));
    const b = vw(c, 32 + ((insn >>> 11) & 31));
    for (let k = 0; k < 4; k++) u32[t + k] = unaryElement(op, u32[b + k]);
  };
}

// ---------------------------------------------------------------- conversions with a scale

/** vcfux / vcfsx: integer / 2^UIM, rounded to single. */
function vcf(signed: boolean) {
  return (c: Cpu, insn: number): void => {
    needVMX(c);
    setFlush(c);
    const u32 = c.u32;
    const t = vw(c, 32 + ((insn >>> 21) & 31));
    const b = vw(c, 32 + ((insn >>> 11) & 31));
    const scale = 2 ** -((insn >>> 16) & 31);
    for (let k = 0; k < 4; k++) {
      const x = signed ? u32[b + k] | 0 : u32[b + k];
      u32[t + k] = out(Math.fround(x * scale)); // x * 2^-n is exact in double
    }
  };
}

/** vctuxs / vctsxs: trunc(x * 2^UIM), saturated (VSCR[SAT]); NaN converts to 0. */
function vct(signed: boolean) {
  return (c: Cpu, insn: number): void => {
    needVMX(c);
    setFlush(c);
    const u32 = c.u32;
    const t = vw(c, 32 + ((insn >>> 21) & 31));
    const b = vw(c, 32 + ((insn >>> 11) & 31));
    const scale = 2 ** ((insn >>> 16) & 31);
    let sat = false;
    for (let k = 0; k < 4; k++) {
      const w = fin(u32[b + k]);
      let r: number;
      if (isNaN32(w)) {
        r = 0;
      } else {
        const x = Math.trunc(bitsToFloat(w) * scale);
        const lo = signed ? -2147483648 : 0;
        const hi = signed ? 2147483647 : 4294967295;
        if (x < lo) {
          r = lo;
          sat = true;
        } else if (x > hi) {
          r = hi;
          sat = true;
        } else {
          r = x;
        }
      }
      u32[t + k] = r;
    }
    if (sat) setSAT(c);
  };
}

// ---------------------------------------------------------------- compares

const C_EQ = 0;
const C_GE = 1;
const C_GT = 2;
const C_B = 3; // bounds

function vcmpfp(kind: number) {
  return (c: Cpu, insn: number): void => {
    needVMX(c);
    setFlush(c);
    const u32 = c.u32;
    const t = vw(c, 32 + ((insn >>> 21) & 31));
    const a = vw(c, 32 + ((insn >>> 16) & 31));
    const b = vw(c, 32 + ((insn >>> 11) & 31));
    let all = true;
    let none = true;
    for (let k = 0; k < 4; k++) {
      const x = bitsToFloat(fin(u32[a + k]));
      const y = bitsToFloat(fin(u32[b + k]));
      let r: number;
      if (kind === C_B) {
        // Bit 0: not (x <= y); bit 1: not (x >= -y). NaNs fail both.
        r = (x <= y ? 0 : 0x80000000) | (x >= -y ? 0 : 0x40000000);
        if (r !== 0) all = false; // "all in bounds" tracked in `all`
      } else {
        const ok = kind === C_EQ ? x === y : kind === C_GE ? x >= y : x > y;
        r = ok ? 0xffffffff : 0;
        if (ok) none = false;
        else all = false;
      }
      u32[t + k] = r;
    }
    if ((insn & 0x400) !== 0) {
      const v = kind === C_B ? (all ? 2 : 0) : all ? 8 : none ? 2 : 0;
      const i = c.w + CR_W;
      u32[i] = (u32[i] & ~0xf0) | (v << 4);
    }
  };
}

// ---------------------------------------------------------------- registration

reg4(10, vfp(F_ADD)); // vaddfp
reg4(74, vfp(F_SUB)); // vsubfp
reg4VA(46, vfp(F_MADD)); // vmaddfp
reg4VA(47, vfp(F_NMSUB)); // vnmsubfp
reg4(1034, vfp(F_MAX)); // vmaxfp
reg4(1098, vfp(F_MIN)); // vminfp
reg4(266, vunary(U_RE)); // vrefp
reg4(330, vunary(U_RSQRTE)); // vrsqrtefp
reg4(394, vunary(U_EXPTE)); // vexptefp
reg4(458, vunary(U_LOGE)); // vlogefp
reg4(522, vunary(U_RFIN)); // vrfin
reg4(586, vunary(U_RFIZ)); // vrfiz
reg4(650, vunary(U_RFIP)); // vrfip
reg4(714, vunary(U_RFIM)); // vrfim
reg4(778, vcf(false)); // vcfux
reg4(842, vcf(true)); // vcfsx
reg4(906, vct(false)); // vctuxs
reg4(970, vct(true)); // vctsxs
reg4VC(198, vcmpfp(C_EQ)); // vcmpeqfp
reg4VC(454, vcmpfp(C_GE)); // vcmpgefp
reg4VC(710, vcmpfp(C_GT)); // vcmpgtfp
reg4VC(966, vcmpfp(C_B)); // vcmpbfp
