// VMX multiply, multiply-sum and sum-across, pack/unpack, bit gather/permute, element
// extract/insert, byte reversal, and the VSCR moves (Power ISA 3.0B Book I 6.8-6.11,
// 7.6). These move elements between positions, so they work in ISA element order
// through the scratch buffers of vreg.ts.
import type { Cpu } from '../cpu.js';
import { reg4, reg4VA, reg60 } from '../decode.js';
import { raiseIllegal, raiseVMXUnavailable, raiseVSXUnavailable } from '../exceptions.js';
import { xvxexpsig } from './vsx-misc.js';
import { xvcvhalf } from './vsx-quad.js';
import { sb as sbShared, rb as rbShared, VSCR_W as VSCR_W_, VSCR_NJ as VSCR_NJ_, VSCR_SAT as VSCR_SAT_ } from '../vreg.js';
import { VSR as VSR_LAYOUT, MSR as MSR_LAYOUT, MSR_VEC as MSR_VEC_LAYOUT, MSR_VSX as MSR_VSX_LAYOUT } from '../layout.js';

// Hot helpers and shared values as module-local bindings: under the module loader a
// call into another module (or a read of its export) costs a getter; see vreg.ts for
// the documented shared versions.
const VSR_OFF = VSR_LAYOUT;
const MSR_W = MSR_LAYOUT >> 2;
const MSR_VEC = MSR_VEC_LAYOUT;
const MSR_VSX = MSR_VSX_LAYOUT;
const sb = sbShared;
const rb = rbShared;
const VSCR_W = VSCR_W_;
const VSCR_NJ = VSCR_NJ_;
const VSCR_SAT = VSCR_SAT_;

function vw(c: Cpu, n: number): number {
  return ((c.base + VSR_OFF) >> 2) + (n << 2);
}

function vb(c: Cpu, n: number): number {
  return c.base + VSR_OFF + (n << 4);
}

function needVMX(c: Cpu): void {
  if ((c.u32[c.w + MSR_W] & MSR_VEC) === 0) raiseVMXUnavailable(c);
}

function needVSX(c: Cpu): void {
  if ((c.u32[c.w + MSR_W] & MSR_VSX) === 0) raiseVSXUnavailable(c);
}

function setSAT(c: Cpu): void {
  c.u32[c.w + VSCR_W] |= 1;
}

function readBytes(c: Cpu, n: number, off: number): void {
  const u8 = c.u8;
  const b = c.base + VSR_OFF + (n << 4);
  for (let i = 0; i < 16; i++) sb[off + i] = u8[b + (i ^ 7)];
}

function writeBytes(c: Cpu, n: number): void {
  const u8 = c.u8;
  const b = c.base + VSR_OFF + (n << 4);
  for (let i = 0; i < 16; i++) u8[b + (i ^ 7)] = rb[i];
}

function setWords(c: Cpu, n: number, w0: number, w1: number, w2: number, w3: number): void {
  const u32 = c.u32;
  const w = ((c.base + VSR_OFF) >> 2) + (n << 2);
  u32[w] = w1;
  u32[w + 1] = w0;
  u32[w + 2] = w3;
  u32[w + 3] = w2;
}

function bswap32(x: number): number {
  return ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24)) >>> 0;
}

function bswapHalves(x: number): number {
  return (((x & 0x00ff00ff) << 8) | ((x >>> 8) & 0x00ff00ff)) >>> 0;
}

function vrt(insn: number): number {
  return 32 + ((insn >>> 21) & 31);
}
function vra(insn: number): number {
  return 32 + ((insn >>> 16) & 31);
}
function vrb(insn: number): number {
  return 32 + ((insn >>> 11) & 31);
}
function vrc(insn: number): number {
  return 32 + ((insn >>> 6) & 31);
}

/** ISA halfword i of the bytes at sb[off..]: big-endian pairs. */
function sh16(off: number, i: number): number {
  return (sb[off + 2 * i] << 8) | sb[off + 2 * i + 1];
}
function sw32(off: number, i: number): number {
  const p = off + 4 * i;
  return ((sb[p] << 24) | (sb[p + 1] << 16) | (sb[p + 2] << 8) | sb[p + 3]) >>> 0;
}
function put16(i: number, v: number): void {
  rb[2 * i] = v >>> 8;
  rb[2 * i + 1] = v;
}
function put32(i: number, v: number): void {
  const p = 4 * i;
  rb[p] = v >>> 24;
  rb[p + 1] = v >>> 16;
  rb[p + 2] = v >>> 8;
  rb[p + 3] = v;
}

// ---------------------------------------------------------------- VSCR

/** mtvscr: VSCR = word 3 of VRB (only NJ and SAT exist). */
function mtvscr(c: Cpu, insn: number): void {
  needVMX(c);
  const v = c.u32[vw(c, vrb(insn)) + 2];
  c.u32[c.w + VSCR_W] = v & (VSCR_NJ | VSCR_SAT);
}

function mfvscr(c: Cpu, insn: number): void {
  needVMX(c);
  setWords(c, vrt(insn), 0, 0, 0, c.u32[c.w + VSCR_W]);
}

// ---------------------------------------------------------------- multiply

/** 32 x 32 -> 64 unsigned product: low word returned, high word in mulHi. */
let mulHi = 0;
function umul32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const mid = ah * bl + al * bh; // < 2^33
  const lo = ll + (mid % 65536) * 65536;
  mulHi = (ah * bh + Math.floor(mid / 65536) + Math.floor(lo / 4294967296)) >>> 0;
  return lo >>> 0;
}

/** Signed variant: a, b as int32. */
function smul32(a: number, b: number): number {
  const lo = umul32(a >>> 0, b >>> 0);
  let hi = mulHi;
  if (a < 0) hi -= b >>> 0;
  if ((b | 0) < 0) hi -= a >>> 0;
  mulHi = hi >>> 0;
  return lo;
}

/** vmul[eo][us][bhw]: even (odd = 1) elements of width `size` bytes, product twice as wide. */
function vmul(c: Cpu, insn: number, size: number, odd: number, signed: boolean): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  if (size === 1) {
    for (let i = 0; i < 8; i++) {
      let x = sb[2 * i + odd];
      let y = sb[16 + 2 * i + odd];
      if (signed) {
        x = (x << 24) >> 24;
        y = (y << 24) >> 24;
      }
      put16(i, x * y);
    }
  } else if (size === 2) {
    for (let i = 0; i < 4; i++) {
      let x = sh16(0, 2 * i + odd);
      let y = sh16(16, 2 * i + odd);
      if (signed) {
        x = (x << 16) >> 16;
        y = (y << 16) >> 16;
      }
      put32(i, x * y);
    }
  } else {
    for (let i = 0; i < 2; i++) {
      const x = sw32(0, 2 * i + odd);
      const y = sw32(16, 2 * i + odd);
      const lo = signed ? smul32(x | 0, y | 0) : umul32(x, y);
      put32(2 * i, mulHi);
      put32(2 * i + 1, lo);
    }
  }
  writeBytes(c, vrt(insn));
}

// ---------------------------------------------------------------- multiply-sum, sum across

const MS_UBM = 0;
const MS_MBM = 1;
const MS_UHM = 2;
const MS_UHS = 3;
const MS_SHM = 4;
const MS_SHS = 5;

/** vmsum*: word i = sum of the products of the element group i, + VRC word i. */
function vmsum(c: Cpu, insn: number, kind: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  const wc = vw(c, vrc(insn));
  const u32 = c.u32;
  let saturated = false;
  for (let i = 0; i < 4; i++) {
    const acc = u32[wc + (i ^ 1)];
    let sum = 0;
    if (kind === MS_UBM || kind === MS_MBM) {
      for (let j = 0; j < 4; j++) {
        const a = sb[4 * i + j];
        sum += (kind === MS_MBM ? (a << 24) >> 24 : a) * sb[16 + 4 * i + j];
      }
      put32(i, sum + acc);
      continue;
    }
    const signed = kind === MS_SHM || kind === MS_SHS;
    for (let j = 0; j < 2; j++) {
      let a = sh16(0, 2 * i + j);
      let b = sh16(16, 2 * i + j);
      if (signed) {
        a = (a << 16) >> 16;
        b = (b << 16) >> 16;
      }
      sum += a * b;
    }
    let r = sum + (signed ? acc | 0 : acc);
    if (kind === MS_UHS && r > 0xffffffff) {
      r = 0xffffffff;
      saturated = true;
    } else if (kind === MS_SHS) {
      if (r > 0x7fffffff) {
        r = 0x7fffffff;
        saturated = true;
      } else if (r < -0x80000000) {
        r = -0x80000000;
        saturated = true;
      }
    }
    put32(i, r);
  }
  writeBytes(c, vrt(insn));
  if (saturated) setSAT(c);
}

/** Clamp to a signed word, noting saturation. */
let clamped = false;
function satS32(v: number): number {
  if (v > 0x7fffffff) {
    clamped = true;
    return 0x7fffffff;
  }
  if (v < -0x80000000) {
    clamped = true;
    return -0x80000000;
  }
  return v;
}

const SUM4_UBS = 0;
const SUM4_SBS = 1;
const SUM4_SHS = 2;

function vsum4(c: Cpu, insn: number, kind: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  clamped = false;
  for (let i = 0; i < 4; i++) {
    let sum = 0;
    if (kind === SUM4_SHS) {
      sum = ((sh16(0, 2 * i) << 16) >> 16) + ((sh16(0, 2 * i + 1) << 16) >> 16);
    } else {
      for (let j = 0; j < 4; j++) {
        const a = sb[4 * i + j];
        sum += kind === SUM4_SBS ? (a << 24) >> 24 : a;
      }
    }
    const bw = sw32(16, i);
    if (kind === SUM4_UBS) {
      let r = sum + bw;
      if (r > 0xffffffff) {
        r = 0xffffffff;
        clamped = true;
      }
      put32(i, r);
    } else {
      put32(i, satS32(sum + (bw | 0)));
    }
  }
  writeBytes(c, vrt(insn));
  if (clamped) setSAT(c);
}

/** vsum2sws: words 1 and 3 = saturated sums of word pairs of VRA plus VRB's word. */
function vsum2sws(c: Cpu, insn: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  clamped = false;
  for (let k = 0; k < 2; k++) {
    const s = (sw32(0, 2 * k) | 0) + (sw32(0, 2 * k + 1) | 0) + (sw32(16, 2 * k + 1) | 0);
    put32(2 * k, 0);
    put32(2 * k + 1, satS32(s));
  }
  writeBytes(c, vrt(insn));
  if (clamped) setSAT(c);
}

function vsumsws(c: Cpu, insn: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  clamped = false;
  const s = (sw32(0, 0) | 0) + (sw32(0, 1) | 0) + (sw32(0, 2) | 0) + (sw32(0, 3) | 0) + (sw32(16, 3) | 0);
  put32(0, 0);
  put32(1, 0);
  put32(2, 0);
  put32(3, satS32(s));
  writeBytes(c, vrt(insn));
  if (clamped) setSAT(c);
}

// ---------------------------------------------------------------- unpack and pack

/** vupk[hl]s[bhw]: sign-extend the high (from = 0) or low half's elements of VRB. */
function vupk(c: Cpu, insn: number, size: number, from: number): void {
  needVMX(c);
  readBytes(c, vrb(insn), 0);
  if (size === 1) {
    for (let i = 0; i < 8; i++) put16(i, (sb[from + i] << 24) >> 24);
  } else if (size === 2) {
    for (let i = 0; i < 4; i++) put32(i, (sh16(0, from / 2 + i) << 16) >> 16);
  } else {
    for (let i = 0; i < 2; i++) {
      const v = sw32(0, from / 4 + i) | 0;
      put32(2 * i, v >> 31);
      put32(2 * i + 1, v);
    }
  }
  writeBytes(c, vrt(insn));
}

// Pack kinds: source signedness and target range.
const PK_UM = 0; // unsigned modulo
const PK_US = 1; // unsigned -> unsigned saturate
const PK_SS = 2; // signed -> signed saturate
const PK_SU = 3; // signed -> unsigned saturate

/** Saturate v (a source element, already signed or unsigned as `kind` says) to `bits`. */
function packClamp(v: number, bits: number, kind: number): number {
  if (kind === PK_UM) return v;
  if (kind === PK_SS) {
    const max = 2 ** (bits - 1) - 1;
    if (v > max) {
      clamped = true;
      return max;
    }
    if (v < -max - 1) {
      clamped = true;
      return -max - 1;
    }
    return v;
  }
  const max = 2 ** bits - 1;
  if (v > max) {
    clamped = true;
    return max;
  }
  if (v < 0) {
    clamped = true;
    return 0;
  }
  return v;
}

/** vpk*: the elements of VRA then VRB (width 2*size) narrowed to `size` bytes. */
function vpk(c: Cpu, insn: number, size: number, kind: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  clamped = false;
  const signed = kind === PK_SS || kind === PK_SU;
  if (size === 1) {
    for (let i = 0; i < 16; i++) {
      let v = sh16(0, i);
      if (signed) v = (v << 16) >> 16;
      rb[i] = packClamp(v, 8, kind);
    }
  } else if (size === 2) {
    for (let i = 0; i < 8; i++) {
      let v = sw32(0, i);
      if (signed) v |= 0;
      put16(i, packClamp(v, 16, kind));
    }
  } else {
    for (let i = 0; i < 4; i++) {
      const hi = sw32(0, 2 * i);
      const lo = sw32(0, 2 * i + 1);
      let r = lo;
      if (kind === PK_US) {
        if (hi !== 0) {
          r = 0xffffffff;
          clamped = true;
        }
      } else if (kind !== PK_UM) {
        // Signed doubleword: in word range when hi is the sign extension of lo.
        const inRange = hi === ((lo | 0) < 0 ? 0xffffffff : 0);
        const neg = (hi | 0) < 0;
        if (kind === PK_SS) {
          if (!inRange) {
            r = neg ? 0x80000000 : 0x7fffffff;
            clamped = true;
          }
        } else if (neg) {
          r = 0;
          clamped = true;
        } else if (hi !== 0) {
          r = 0xffffffff;
          clamped = true;
        }
      }
      put32(i, r);
    }
  }
  writeBytes(c, vrt(insn));
  if (clamped) setSAT(c);
}

// ---------------------------------------------------------------- pixels, halfword multiply-add

/** vpkpx: each word of VRA || VRB (an 8:8:8:8 pixel) packed to 1:5:5:5. */
function vpkpx(c: Cpu, insn: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  for (let i = 0; i < 8; i++) {
    const w = sw32(0, i);
    put16(i, (((w >>> 24) & 1) << 15) | (((w >>> 19) & 0x1f) << 10) | (((w >>> 11) & 0x1f) << 5) | ((w >>> 3) & 0x1f));
  }
  writeBytes(c, vrt(insn));
}

/** vupkhpx / vupklpx: 1:5:5:5 halfwords of the high or low half to 8:8:8:8 words. */
function vupkpx(c: Cpu, insn: number, from: number): void {
  needVMX(c);
  readBytes(c, vrb(insn), 0);
  for (let i = 0; i < 4; i++) {
    const h = sh16(0, from + i);
    put32(i, ((h & 0x8000) !== 0 ? 0xff000000 : 0) | (((h >>> 10) & 0x1f) << 16) | (((h >>> 5) & 0x1f) << 8) | (h & 0x1f));
  }
  writeBytes(c, vrt(insn));
}

const MH_ADD = 0; // vmhaddshs
const MH_RADD = 1; // vmhraddshs
const ML_ADDU = 2; // vmladduhm

/** Halfword multiply-high-and-add (saturating) and multiply-low-and-add (modulo). */
function vmhadd(c: Cpu, insn: number, kind: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  const wc = vb(c, vrc(insn));
  const u8 = c.u8;
  clamped = false;
  for (let i = 0; i < 8; i++) {
    const a = sh16(0, i);
    const b = sh16(16, i);
    const cc = (u8[wc + ((2 * i) ^ 7)] << 8) | u8[wc + ((2 * i + 1) ^ 7)];
    if (kind === ML_ADDU) {
      put16(i, Math.imul(a, b) + cc);
      continue;
    }
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    let r = ((kind === MH_RADD ? p + 0x4000 : p) >> 15) + ((cc << 16) >> 16);
    if (r > 32767) {
      r = 32767;
      clamped = true;
    } else if (r < -32768) {
      r = -32768;
      clamped = true;
    }
    put16(i, r);
  }
  writeBytes(c, vrt(insn));
  if (clamped) setSAT(c);
}

// ---------------------------------------------------------------- bit gather / permute

/** vgbbd: transpose the 8x8 bit matrix of each doubleword. */
function vgbbd(c: Cpu, insn: number): void {
  needVMX(c);
  readBytes(c, vrb(insn), 0);
  for (let d = 0; d < 2; d++) {
    for (let i = 0; i < 8; i++) {
      // Result byte i, bit j (0 = msb) = source byte j, bit i.
      let r = 0;
      for (let j = 0; j < 8; j++) r |= ((sb[8 * d + j] >>> (7 - i)) & 1) << (7 - j);
      rb[8 * d + i] = r;
    }
  }
  writeBytes(c, vrt(insn));
}

/** Bit `index` (0 = most significant) of the 16 bytes at sb[0..15]. */
function bitAt(index: number): number {
  return (sb[index >>> 3] >>> (7 - (index & 7))) & 1;
}

/** vbpermq: 16 bits selected from VRA by VRB's bytes, into bits 48:63 of doubleword 0. */
function vbpermq(c: Cpu, insn: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  let r = 0;
  for (let i = 0; i < 16; i++) {
    const k = sb[16 + i];
    if (k < 128 && bitAt(k) !== 0) r |= 1 << (15 - i);
  }
  setWords(c, vrt(insn), 0, r, 0, 0);
}

/** vbpermd: per doubleword, 8 bits selected by its bytes into bits 56:63. */
function vbpermd(c: Cpu, insn: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  let r0 = 0;
  let r1 = 0;
  for (let i = 0; i < 8; i++) {
    const k0 = sb[16 + i];
    if (k0 < 64 && bitAt(k0) !== 0) r0 |= 1 << (7 - i);
    const k1 = sb[24 + i];
    if (k1 < 64 && bitAt(64 + k1) !== 0) r1 |= 1 << (7 - i);
  }
  setWords(c, vrt(insn), 0, r0, 0, r1);
}

// ---------------------------------------------------------------- extract / insert

/** vextractu[bhw], vextractd, xxextractuw: bytes UIM..UIM+size-1 into doubleword 0, zero-extended. */
function extractTo(c: Cpu, t: number, src: number, uim: number, size: number): void {
  readBytes(c, src, 0);
  sb.fill(0, 16, 32); // bytes past the end read as zero
  rb.fill(0);
  for (let k = 0; k < size; k++) rb[8 - size + k] = sb[uim + k];
  writeBytes(c, t);
}

/** vinsert[bhwd], xxinsertw: the element at bytes 8-size..7 of the source to bytes UIM.. of the target. */
function insertTo(c: Cpu, t: number, src: number, uim: number, size: number): void {
  readBytes(c, src, 16);
  readBytes(c, t, 0);
  for (let k = 0; k < size && uim + k < 16; k++) sb[uim + k] = sb[16 + 8 - size + k];
  for (let i = 0; i < 16; i++) rb[i] = sb[i];
  writeBytes(c, t);
}

function vextract(size: number) {
  return (c: Cpu, insn: number): void => {
    needVMX(c);
    extractTo(c, vrt(insn), vrb(insn), (insn >>> 16) & 15, size);
  };
}

function vinsert(size: number) {
  return (c: Cpu, insn: number): void => {
    needVMX(c);
    insertTo(c, vrt(insn), vrb(insn), (insn >>> 16) & 15, size);
  };
}

function xT(insn: number): number {
  return ((insn & 1) << 5) | ((insn >>> 21) & 31);
}
function xB(insn: number): number {
  return ((insn & 2) << 4) | ((insn >>> 11) & 31);
}

function xxextractuw(c: Cpu, insn: number): void {
  needVSX(c);
  extractTo(c, xT(insn), xB(insn), (insn >>> 16) & 15, 4);
}

function xxinsertw(c: Cpu, insn: number): void {
  needVSX(c);
  insertTo(c, xT(insn), xB(insn), (insn >>> 16) & 15, 4);
}

/**
 * vextu[bhw][lr]x RT,RA,VRB: the element starting at byte (RA & 15) counted from the
 * left, or ending at byte 15 - (RA & 15) for the right-indexed forms; bytes outside
 * the register read as zero.
 */
function vextux(c: Cpu, insn: number, size: number, right: boolean): void {
  needVMX(c);
  readBytes(c, vrb(insn), 8);
  sb.fill(0, 0, 8);
  sb.fill(0, 24, 32);
  const idx = c.u32[c.w + 2 * ((insn >>> 16) & 31)] & 15;
  const first = right ? 16 - size - idx : idx; // may be negative for the right forms
  let v = 0;
  for (let k = 0; k < size; k++) v = v * 256 + sb[8 + first + k];
  c.setGPR32((insn >>> 21) & 31, v, 0);
}

// ---------------------------------------------------------------- XX2 XO 475: xxbr[hwdq], xvxexp/xvxsig (vsx-misc.ts)

function xxbr(c: Cpu, insn: number): void {
  const sub = (insn >>> 16) & 31;
  if (sub === 0 || sub === 1 || sub === 8 || sub === 9) return xvxexpsig(c, insn, sub);
  if (sub === 24 || sub === 25) return xvcvhalf(c, insn, sub === 24); // xvcvhpsp, xvcvsphp
  if (sub !== 7 && sub !== 15 && sub !== 23 && sub !== 31) raiseIllegal(c, insn);
  needVSX(c);
  const u32 = c.u32;
  const wb = vw(c, xB(insn));
  const b0 = u32[wb];
  const b1 = u32[wb + 1];
  const b2 = u32[wb + 2];
  const b3 = u32[wb + 3];
  const wt = vw(c, xT(insn));
  if (sub === 7) {
    u32[wt] = bswapHalves(b0);
    u32[wt + 1] = bswapHalves(b1);
    u32[wt + 2] = bswapHalves(b2);
    u32[wt + 3] = bswapHalves(b3);
  } else if (sub === 15) {
    u32[wt] = bswap32(b0);
    u32[wt + 1] = bswap32(b1);
    u32[wt + 2] = bswap32(b2);
    u32[wt + 3] = bswap32(b3);
  } else if (sub === 23) {
    u32[wt] = bswap32(b1);
    u32[wt + 1] = bswap32(b0);
    u32[wt + 2] = bswap32(b3);
    u32[wt + 3] = bswap32(b2);
  } else {
    u32[wt] = bswap32(b3);
    u32[wt + 1] = bswap32(b2);
    u32[wt + 2] = bswap32(b1);
    u32[wt + 3] = bswap32(b0);
  }
}

// ---------------------------------------------------------------- registration

reg4(1604, mtvscr);
reg4(1540, mfvscr);

reg4(520, (c, i) => vmul(c, i, 1, 0, false)); // vmuleub
reg4(8, (c, i) => vmul(c, i, 1, 1, false)); // vmuloub
reg4(776, (c, i) => vmul(c, i, 1, 0, true)); // vmulesb
reg4(264, (c, i) => vmul(c, i, 1, 1, true)); // vmulosb
reg4(584, (c, i) => vmul(c, i, 2, 0, false)); // vmuleuh
reg4(72, (c, i) => vmul(c, i, 2, 1, false)); // vmulouh
reg4(840, (c, i) => vmul(c, i, 2, 0, true)); // vmulesh
reg4(328, (c, i) => vmul(c, i, 2, 1, true)); // vmulosh
reg4(648, (c, i) => vmul(c, i, 4, 0, false)); // vmuleuw
reg4(136, (c, i) => vmul(c, i, 4, 1, false)); // vmulouw
reg4(904, (c, i) => vmul(c, i, 4, 0, true)); // vmulesw
reg4(392, (c, i) => vmul(c, i, 4, 1, true)); // vmulosw

reg4VA(36, (c, i) => vmsum(c, i, MS_UBM));
reg4VA(37, (c, i) => vmsum(c, i, MS_MBM));
reg4VA(38, (c, i) => vmsum(c, i, MS_UHM));
reg4VA(39, (c, i) => vmsum(c, i, MS_UHS));
reg4VA(40, (c, i) => vmsum(c, i, MS_SHM));
reg4VA(41, (c, i) => vmsum(c, i, MS_SHS));
reg4(1544, (c, i) => vsum4(c, i, SUM4_UBS)); // vsum4ubs
reg4(1800, (c, i) => vsum4(c, i, SUM4_SBS)); // vsum4sbs
reg4(1608, (c, i) => vsum4(c, i, SUM4_SHS)); // vsum4shs
reg4(1672, vsum2sws);
reg4(1928, vsumsws);

reg4(526, (c, i) => vupk(c, i, 1, 0)); // vupkhsb
reg4(654, (c, i) => vupk(c, i, 1, 8)); // vupklsb
reg4(590, (c, i) => vupk(c, i, 2, 0)); // vupkhsh
reg4(718, (c, i) => vupk(c, i, 2, 8)); // vupklsh
reg4(1614, (c, i) => vupk(c, i, 4, 0)); // vupkhsw
reg4(1742, (c, i) => vupk(c, i, 4, 8)); // vupklsw
reg4(14, (c, i) => vpk(c, i, 1, PK_UM)); // vpkuhum
reg4(78, (c, i) => vpk(c, i, 2, PK_UM)); // vpkuwum
reg4(1102, (c, i) => vpk(c, i, 4, PK_UM)); // vpkudum
reg4(142, (c, i) => vpk(c, i, 1, PK_US)); // vpkuhus
reg4(206, (c, i) => vpk(c, i, 2, PK_US)); // vpkuwus
reg4(1230, (c, i) => vpk(c, i, 4, PK_US)); // vpkudus
reg4(398, (c, i) => vpk(c, i, 1, PK_SS)); // vpkshss
reg4(462, (c, i) => vpk(c, i, 2, PK_SS)); // vpkswss
reg4(1486, (c, i) => vpk(c, i, 4, PK_SS)); // vpksdss
reg4(270, (c, i) => vpk(c, i, 1, PK_SU)); // vpkshus
reg4(334, (c, i) => vpk(c, i, 2, PK_SU)); // vpkswus
reg4(1358, (c, i) => vpk(c, i, 4, PK_SU)); // vpksdus

reg4(782, vpkpx);
reg4(846, (c, i) => vupkpx(c, i, 0)); // vupkhpx
reg4(974, (c, i) => vupkpx(c, i, 4)); // vupklpx
reg4VA(32, (c, i) => vmhadd(c, i, MH_ADD)); // vmhaddshs
reg4VA(33, (c, i) => vmhadd(c, i, MH_RADD)); // vmhraddshs
reg4VA(34, (c, i) => vmhadd(c, i, ML_ADDU)); // vmladduhm
reg4(1292, vgbbd);
reg4(1356, vbpermq);
reg4(1484, vbpermd);

reg4(525, vextract(1)); // vextractub
reg4(589, vextract(2)); // vextractuh
reg4(653, vextract(4)); // vextractuw
reg4(717, vextract(8)); // vextractd
reg4(781, vinsert(1)); // vinsertb
reg4(845, vinsert(2)); // vinserth
reg4(909, vinsert(4)); // vinsertw
reg4(973, vinsert(8)); // vinsertd
reg4(1549, (c, i) => vextux(c, i, 1, false)); // vextublx
reg4(1805, (c, i) => vextux(c, i, 1, true)); // vextubrx
reg4(1613, (c, i) => vextux(c, i, 2, false)); // vextuhlx
reg4(1869, (c, i) => vextux(c, i, 2, true)); // vextuhrx
reg4(1677, (c, i) => vextux(c, i, 4, false)); // vextuwlx
reg4(1933, (c, i) => vextux(c, i, 4, true)); // vextuwrx

reg60(165, xxextractuw);
reg60(181, xxinsertw);
reg60(475, xxbr);
