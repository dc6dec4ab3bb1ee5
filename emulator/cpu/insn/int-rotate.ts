// Fixed-point rotate and shift instructions (Power ISA 3.0B Book I 3.3.14).
// Operands: RS bits 6:10, RA (the target) bits 11:15, RB bits 16:20.
// Masks use ISA bit numbering (bit 0 = most significant of 64).
import type { Cpu } from '../cpu.js';
import { regPrimary, reg31, reg30MD, reg30MDS } from '../decode.js';
import { CA_W, CA32_W, setCR0 } from './int-common.js';

/** Ones in ISA bits b..63 of a 64-bit value (b in 0..64): its high word. */
function fromHi(b: number): number {
  return b >= 32 ? 0 : 0xffffffff >>> b;
}

/** Ones in ISA bits b..63 (b in 0..64): its low word. */
function fromLo(b: number): number {
  return b <= 32 ? 0xffffffff : b >= 64 ? 0 : 0xffffffff >>> (b - 32);
}

/** MASK(mb, me) of 32-bit rotates, as a word (ISA bits 32+mb .. 32+me, wrapping). */
function mask32(mb: number, me: number): number {
  return mb <= me ? (0xffffffff >>> mb) & ~(0x7fffffff >>> me) : (0xffffffff >>> mb) | ~(0x7fffffff >>> me);
}

// ---------------------------------------------------------------- 32-bit rotates

/** rlwinm[.] RA,RS,SH,MB,ME (also slwi, srwi, clrlwi, rotlwi). */
function rlwinm(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const v = u32[c.w + ((insn >>> 20) & 0x3e)];
  const a = c.w + ((insn >>> 15) & 0x3e);
  const sh = (insn >>> 11) & 31;
  const mb = (insn >>> 6) & 31;
  const me = (insn >>> 1) & 31;
  // ROTL32 works on RS[32:63] || RS[32:63], so both halves of the rotation are r.
  const r = (v << sh) | (v >>> (32 - sh));
  let lo: number;
  let hi: number;
  if (mb <= me) {
    lo = r & (0xffffffff >>> mb) & ~(0x7fffffff >>> me);
    hi = 0;
  } else {
    lo = r & ((0xffffffff >>> mb) | ~(0x7fffffff >>> me));
    hi = r;
  }
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** rlwnm[.] RA,RS,RB,MB,ME: rotate count from RB[59:63]. */
function rlwnm(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const v = u32[c.w + ((insn >>> 20) & 0x3e)];
  const a = c.w + ((insn >>> 15) & 0x3e);
  const sh = u32[c.w + ((insn >>> 10) & 0x3e)] & 31;
  const mb = (insn >>> 6) & 31;
  const me = (insn >>> 1) & 31;
  const r = (v << sh) | (v >>> (32 - sh));
  const lo = r & mask32(mb, me);
  const hi = mb <= me ? 0 : r;
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** rlwimi[.] RA,RS,SH,MB,ME: insert under the mask, RA keeps the other bits. */
function rlwimi(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const v = u32[c.w + ((insn >>> 20) & 0x3e)];
  const a = c.w + ((insn >>> 15) & 0x3e);
  const sh = (insn >>> 11) & 31;
  const mb = (insn >>> 6) & 31;
  const me = (insn >>> 1) & 31;
  const r = (v << sh) | (v >>> (32 - sh));
  const m = mask32(mb, me);
  const lo = (r & m) | (u32[a] & ~m);
  // A wrapping mask covers all of bits 0:31 as well.
  const hi = mb <= me ? u32[a + 1] : r;
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

// ---------------------------------------------------------------- 64-bit rotates

/** High word of the last rotl64 result. */
let rotHi = 0;

/** Rotate (lo, hi) left by n (0..63): returns the low word, high word in rotHi. */
function rotl64(lo: number, hi: number, n: number): number {
  if ((n & 32) !== 0) {
    const t = lo;
    lo = hi;
    hi = t;
  }
  n &= 31;
  if (n === 0) {
    rotHi = hi;
    return lo;
  }
  rotHi = (hi << n) | (lo >>> (32 - n));
  return (lo << n) | (hi >>> (32 - n));
}

/** MD-form SH: sh0:4 in bits 16:20, sh5 in bit 30. */
function mdSH(insn: number): number {
  return ((insn >>> 11) & 31) | ((insn & 2) << 4);
}

/** MD/MDS-form MB or ME: the field (bits 21:26) is encoded as mb5 || mb0:4. */
function mdMB(insn: number): number {
  return ((insn >>> 6) & 31) | (insn & 0x20);
}

/** rldicl[.] RA,RS,SH,MB (also srdi, clrldi, rotldi, extrdi). */
function rldicl(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const sh = ((insn >>> 11) & 31) | ((insn & 2) << 4);
  const mb = ((insn >>> 6) & 31) | (insn & 0x20);
  let lo = u32[s];
  let hi = u32[s + 1];
  // Rotate inline (hot: srdi, clrldi).
  if ((sh & 32) !== 0) {
    const t = lo;
    lo = hi;
    hi = t;
  }
  const n = sh & 31;
  if (n !== 0) {
    const t = (hi << n) | (lo >>> (32 - n));
    lo = (lo << n) | (hi >>> (32 - n));
    hi = t;
  }
  if (mb < 32) {
    hi &= 0xffffffff >>> mb;
  } else {
    lo &= 0xffffffff >>> (mb - 32);
    hi = 0;
  }
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** rldicr[.] RA,RS,SH,ME (also sldi, clrrdi). */
function rldicr(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const sh = ((insn >>> 11) & 31) | ((insn & 2) << 4);
  const me = ((insn >>> 6) & 31) | (insn & 0x20);
  let lo = u32[s];
  let hi = u32[s + 1];
  // Rotate inline (hot: sldi).
  if ((sh & 32) !== 0) {
    const t = lo;
    lo = hi;
    hi = t;
  }
  const n = sh & 31;
  if (n !== 0) {
    const t = (hi << n) | (lo >>> (32 - n));
    lo = (lo << n) | (hi >>> (32 - n));
    hi = t;
  }
  // Keep ISA bits 0..me.
  if (me < 31) {
    hi &= ~(0x7fffffff >>> me);
    lo = 0;
  } else if (me > 31) {
    lo &= ~(0x7fffffff >>> (me - 32));
  } else {
    lo = 0;
  }
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** rldic[.] RA,RS,SH,MB: mask MB..63-SH. */
function rldic(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const sh = mdSH(insn);
  const mb = mdMB(insn);
  const rlo = rotl64(u32[s], u32[s + 1], sh);
  const rhi = rotHi;
  const e = 64 - sh; // me + 1
  let mlo: number;
  let mhi: number;
  if (mb <= 63 - sh) {
    mhi = fromHi(mb) & ~fromHi(e);
    mlo = fromLo(mb) & ~fromLo(e);
  } else {
    mhi = fromHi(mb) | ~fromHi(e);
    mlo = fromLo(mb) | ~fromLo(e);
  }
  const lo = rlo & mlo;
  const hi = rhi & mhi;
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** rldimi[.] RA,RS,SH,MB: insert under mask MB..63-SH. */
function rldimi(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const sh = mdSH(insn);
  const mb = mdMB(insn);
  const rlo = rotl64(u32[s], u32[s + 1], sh);
  const rhi = rotHi;
  const e = 64 - sh;
  let mlo: number;
  let mhi: number;
  if (mb <= 63 - sh) {
    mhi = fromHi(mb) & ~fromHi(e);
    mlo = fromLo(mb) & ~fromLo(e);
  } else {
    mhi = fromHi(mb) | ~fromHi(e);
    mlo = fromLo(mb) | ~fromLo(e);
  }
  const lo = (rlo & mlo) | (u32[a] & ~mlo);
  const hi = (rhi & mhi) | (u32[a + 1] & ~mhi);
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** rldcl[.] RA,RS,RB,MB: rotate by RB[58:63], keep MB..63. */
function rldcl(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const n = u32[c.w + ((insn >>> 10) & 0x3e)] & 63;
  const mb = mdMB(insn);
  const lo = rotl64(u32[s], u32[s + 1], n) & fromLo(mb);
  const hi = rotHi & fromHi(mb);
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** rldcr[.] RA,RS,RB,ME: rotate by RB[58:63], keep 0..ME. */
function rldcr(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const n = u32[c.w + ((insn >>> 10) & 0x3e)] & 63;
  const me = mdMB(insn);
  const lo = rotl64(u32[s], u32[s + 1], n) & ~fromLo(me + 1);
  const hi = rotHi & ~fromHi(me + 1);
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

// ---------------------------------------------------------------- shifts

/** slw[.]: count RB[58:63]; 32..63 give 0. The result is zero-extended. */
function slw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const v = u32[c.w + ((insn >>> 20) & 0x3e)];
  const a = c.w + ((insn >>> 15) & 0x3e);
  const n = u32[c.w + ((insn >>> 10) & 0x3e)] & 63;
  const lo = n < 32 ? v << n : 0;
  u32[a] = lo;
  u32[a + 1] = 0;
  if ((insn & 1) !== 0) setCR0(c, lo, 0);
}

function srw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const v = u32[c.w + ((insn >>> 20) & 0x3e)];
  const a = c.w + ((insn >>> 15) & 0x3e);
  const n = u32[c.w + ((insn >>> 10) & 0x3e)] & 63;
  const lo = n < 32 ? v >>> n : 0;
  u32[a] = lo;
  u32[a + 1] = 0;
  if ((insn & 1) !== 0) setCR0(c, lo, 0);
}

/** Algebraic word shift: sign-extended result; CA = CA32 = negative and 1-bits lost. */
function srawBy(c: Cpu, insn: number, n: number): void {
  const u32 = c.u32;
  const v = u32[c.w + ((insn >>> 20) & 0x3e)] | 0;
  const a = c.w + ((insn >>> 15) & 0x3e);
  let lo: number;
  let ca: number;
  if (n < 32) {
    lo = v >> n;
    ca = v < 0 && (v & ((1 << n) - 1)) !== 0 ? 1 : 0;
  } else {
    lo = v >> 31;
    ca = v < 0 ? 1 : 0;
  }
  const hi = lo >> 31;
  u32[a] = lo;
  u32[a + 1] = hi;
  u32[c.w + CA_W] = ca;
  u32[c.w + CA32_W] = ca;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

function sraw(c: Cpu, insn: number): void {
  srawBy(c, insn, c.u32[c.w + ((insn >>> 10) & 0x3e)] & 63);
}

function srawi(c: Cpu, insn: number): void {
  srawBy(c, insn, (insn >>> 11) & 31);
}

/** sld[.]: count RB[57:63]; 64..127 give 0. */
function sld(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const n = u32[c.w + ((insn >>> 10) & 0x3e)] & 127;
  let lo = u32[s];
  let hi = u32[s + 1];
  if (n >= 64) {
    lo = 0;
    hi = 0;
  } else if (n >= 32) {
    hi = lo << (n - 32);
    lo = 0;
  } else if (n !== 0) {
    hi = (hi << n) | (lo >>> (32 - n));
    lo <<= n;
  }
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

function srd(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const n = u32[c.w + ((insn >>> 10) & 0x3e)] & 127;
  let lo = u32[s];
  let hi = u32[s + 1];
  if (n >= 64) {
    lo = 0;
    hi = 0;
  } else if (n >= 32) {
    lo = hi >>> (n - 32);
    hi = 0;
  } else if (n !== 0) {
    lo = (lo >>> n) | (hi << (32 - n));
    hi >>>= n;
  }
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** Algebraic doubleword shift by n (0..127): CA = CA32 = negative and 1-bits lost. */
function sradBy(c: Cpu, insn: number, n: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const vlo = u32[s];
  const vhi = u32[s + 1] | 0;
  let lo: number;
  let hi: number;
  let lost: boolean;
  if (n >= 64) {
    lo = hi = vhi >> 31;
    lost = (vlo | vhi) !== 0;
  } else if (n >= 32) {
    lo = vhi >> (n - 32);
    hi = vhi >> 31;
    lost = vlo !== 0 || (vhi & ((1 << (n - 32)) - 1)) !== 0;
  } else if (n !== 0) {
    lo = (vlo >>> n) | (vhi << (32 - n));
    hi = vhi >> n;
    lost = (vlo & ((1 << n) - 1)) !== 0;
  } else {
    lo = vlo;
    hi = vhi;
    lost = false;
  }
  const ca = vhi < 0 && lost ? 1 : 0;
  u32[a] = lo;
  u32[a + 1] = hi;
  u32[c.w + CA_W] = ca;
  u32[c.w + CA32_W] = ca;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

function srad(c: Cpu, insn: number): void {
  sradBy(c, insn, c.u32[c.w + ((insn >>> 10) & 0x3e)] & 127);
}

/** sradi[.]: XS-form, sh5 in bit 30. */
function sradi(c: Cpu, insn: number): void {
  sradBy(c, insn, mdSH(insn));
}

/** extswsli[.] RA,RS,SH: EXTS(RS[32:63]) << SH (XS-form). */
function extswsli(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const n = mdSH(insn);
  let lo = u32[s] | 0;
  let hi = lo >> 31;
  if (n >= 32) {
    hi = lo << (n - 32);
    lo = 0;
  } else if (n !== 0) {
    hi = (hi << n) | (lo >>> (32 - n));
    lo <<= n;
  }
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

// ---------------------------------------------------------------- registration

regPrimary(20, rlwimi);
regPrimary(21, rlwinm);
regPrimary(23, rlwnm);
reg30MD(0, rldicl);
reg30MD(1, rldicr);
reg30MD(2, rldic);
reg30MD(3, rldimi);
reg30MDS(8, rldcl);
reg30MDS(9, rldcr);

reg31(24, slw);
reg31(536, srw);
reg31(792, sraw);
reg31(824, srawi);
reg31(27, sld);
reg31(539, srd);
reg31(794, srad);
// XS-forms: 9-bit XO in bits 21:29, sh5 in bit 30.
reg31(413 << 1, sradi);
reg31((413 << 1) | 1, sradi);
reg31(445 << 1, extswsli);
reg31((445 << 1) | 1, extswsli);
