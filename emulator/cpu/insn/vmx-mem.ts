// VMX and VSX loads and stores (Power ISA 3.0B Book I 6.7, 7.6).
//
// Byte order: a 16-byte "quadword" access (lvx, lxv, lxvx) in little-endian mode moves
// the whole register byte-reversed (ISA byte i <-> EA + 15 - i); the element forms
// (lxvd2x, lxvw4x, lxvh8x) reverse each element in place instead; lxvb16x never swaps.
// With the VSR storage of vreg.ts (doubleword 0 as a native u64 at +0) every one of
// them is two 64-bit accesses plus, at most, a swap of halves.
import type { Cpu } from '../cpu.js';
import { reg31, reg57, reg61DS, reg61DQ } from '../decode.js';
import {
  vw,
  vb,
  needVMX,
  needVSX,
  needVSXorVMX,
  bswapHalves,
  singleToDouble,
  doubleToSingle,
  dHi,
} from '../vreg.js';

// Result of ld2x64: the doubleword at EA (q0 low, q1 high) and at EA + 8 (q2, q3).
let q0 = 0;
let q1 = 0;
let q2 = 0;
let q3 = 0;

/** Two doublewords at EA and EA + 8, each in byte order `le`. */
function ld2x64(c: Cpu, lo: number, hi: number, le: boolean): void {
  const lo2 = (lo + 8) >>> 0;
  const hi2 = lo2 < 8 && c.sf ? (hi + 1) >>> 0 : hi;
  q0 = c.load64(lo, hi, le);
  q1 = c.vhi;
  q2 = c.load64(lo2, hi2, le);
  q3 = c.vhi;
}

/** Store doubleword (alo, ahi) at EA and (blo, bhi) at EA + 8, each in byte order `le`. */
function st2x64(c: Cpu, lo: number, hi: number, le: boolean, alo: number, ahi: number, blo: number, bhi: number): void {
  const lo2 = (lo + 8) >>> 0;
  const hi2 = lo2 < 8 && c.sf ? (hi + 1) >>> 0 : hi;
  // Crossing a page: make sure the second half can be written before writing the first.
  if ((lo & 0xfff) > 0xff0) c.probeWrite(lo2, hi2, 8);
  c.store64(lo, hi, alo, ahi, le);
  c.store64(lo2, hi2, blo, bhi, le);
}

/** Put q0..q3 into VSR n as doubleword 0 = (q0, q1), doubleword 1 = (q2, q3). */
function putStraight(c: Cpu, n: number): void {
  const u32 = c.u32;
  const w = vw(c, n);
  u32[w] = q0;
  u32[w + 1] = q1;
  u32[w + 2] = q2;
  u32[w + 3] = q3;
}

/** Doubleword 0 = the one from EA + 8: a little-endian quadword load. */
function putSwapped(c: Cpu, n: number): void {
  const u32 = c.u32;
  const w = vw(c, n);
  u32[w] = q2;
  u32[w + 1] = q3;
  u32[w + 2] = q0;
  u32[w + 3] = q1;
}

/** Load a full 16-byte quadword at EA into VSR n (lvx, lxv, lxvx). */
function loadQuad(c: Cpu, n: number, lo: number, hi: number): void {
  const le = c.le;
  ld2x64(c, lo, hi, le);
  if (le) putSwapped(c, n);
  else putStraight(c, n);
}

function storeQuad(c: Cpu, n: number, lo: number, hi: number): void {
  const u32 = c.u32;
  const w = vw(c, n);
  if (c.le) st2x64(c, lo, hi, true, u32[w + 2], u32[w + 3], u32[w], u32[w + 1]);
  else st2x64(c, lo, hi, false, u32[w], u32[w + 1], u32[w + 2], u32[w + 3]);
}

// ---------------------------------------------------------------- VMX (VR = VSR 32 + n)

/** lvx / lvxl: quadword at EA & ~15. */
function lvx(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = (c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31) & ~15) >>> 0;
  loadQuad(c, 32 + ((insn >>> 21) & 31), lo, c.eaHi);
}

/** stvx / stvxl. */
function stvx(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = (c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31) & ~15) >>> 0;
  storeQuad(c, 32 + ((insn >>> 21) & 31), lo, c.eaHi);
}

/**
 * lvebx/lvehx/lvewx: one element into the position the EA selects within the
 * quadword (counted from the other end in LE mode); other elements are left as they
 * are (the ISA says undefined).
 */
function lvebx(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const v = c.load8(lo, c.eaHi);
  const i = c.le ? 15 - (lo & 15) : lo & 15;
  c.u8[vb(c, 32 + ((insn >>> 21) & 31)) + (i ^ 7)] = v;
}

function lvehx(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = (c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31) & ~1) >>> 0;
  const v = c.load16(lo, c.eaHi, c.le);
  const i = c.le ? 7 - ((lo & 15) >>> 1) : (lo & 15) >>> 1;
  const p = vb(c, 32 + ((insn >>> 21) & 31)) + ((i ^ 3) << 1);
  c.u8[p] = v;
  c.u8[p + 1] = v >>> 8;
}

function lvewx(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = (c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31) & ~3) >>> 0;
  const v = c.load32(lo, c.eaHi, c.le);
  const i = c.le ? 3 - ((lo & 15) >>> 2) : (lo & 15) >>> 2;
  c.u32[vw(c, 32 + ((insn >>> 21) & 31)) + (i ^ 1)] = v;
}

function stvebx(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const i = c.le ? 15 - (lo & 15) : lo & 15;
  c.store8(lo, c.eaHi, c.u8[vb(c, 32 + ((insn >>> 21) & 31)) + (i ^ 7)]);
}

function stvehx(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = (c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31) & ~1) >>> 0;
  const i = c.le ? 7 - ((lo & 15) >>> 1) : (lo & 15) >>> 1;
  const p = vb(c, 32 + ((insn >>> 21) & 31)) + ((i ^ 3) << 1);
  c.store16(lo, c.eaHi, c.u8[p] | (c.u8[p + 1] << 8), c.le);
}

function stvewx(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = (c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31) & ~3) >>> 0;
  const i = c.le ? 3 - ((lo & 15) >>> 2) : (lo & 15) >>> 2;
  c.store32(lo, c.eaHi, c.u32[vw(c, 32 + ((insn >>> 21) & 31)) + (i ^ 1)], c.le);
}

/** lvsl / lvsr: permute control vectors from EA & 15 (the same in either byte order). */
function lvsl(c: Cpu, insn: number): void {
  needVMX(c);
  const sh = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31) & 15;
  fillSequence(c, 32 + ((insn >>> 21) & 31), sh);
}

function lvsr(c: Cpu, insn: number): void {
  needVMX(c);
  const sh = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31) & 15;
  fillSequence(c, 32 + ((insn >>> 21) & 31), 16 - sh);
}

/** ISA byte i of VSR n = first + i. */
function fillSequence(c: Cpu, n: number, first: number): void {
  const u8 = c.u8;
  const b = vb(c, n);
  for (let i = 0; i < 16; i++) u8[b + (i ^ 7)] = first + i;
}

/**
 * dss, dssall, dst, dstt, dstst, dststt: data stream hints, nothing to do. No MSR[VEC]
 * check: Linux issues dssall with VEC off (switch_mm), and POWER9 and QEMU treat these
 * as no-ops.
 */
function dataStreamHint(_c: Cpu): void {}

// ---------------------------------------------------------------- VSX X-forms (XX1)

function xt(insn: number): number {
  return ((insn & 1) << 5) | ((insn >>> 21) & 31);
}

function lxvd2x(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  ld2x64(c, lo, c.eaHi, c.le);
  putStraight(c, xt(insn));
}

function stxvd2x(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const w = vw(c, xt(insn));
  const u32 = c.u32;
  st2x64(c, lo, c.eaHi, c.le, u32[w], u32[w + 1], u32[w + 2], u32[w + 3]);
}

function lxvw4x(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const le = c.le;
  ld2x64(c, lo, c.eaHi, le);
  if (le) {
    // Each doubleword came in as (word at EA+4 : word at EA); words are elements.
    const t0 = q0;
    q0 = q1;
    q1 = t0;
    const t2 = q2;
    q2 = q3;
    q3 = t2;
  }
  putStraight(c, xt(insn));
}

function stxvw4x(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const w = vw(c, xt(insn));
  const u32 = c.u32;
  if (c.le) st2x64(c, lo, c.eaHi, true, u32[w + 1], u32[w], u32[w + 3], u32[w + 2]);
  else st2x64(c, lo, c.eaHi, false, u32[w], u32[w + 1], u32[w + 2], u32[w + 3]);
}

function lxvh8x(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  ld2x64(c, lo, c.eaHi, false);
  if (c.le) {
    q0 = bswapHalves(q0);
    q1 = bswapHalves(q1);
    q2 = bswapHalves(q2);
    q3 = bswapHalves(q3);
  }
  putStraight(c, xt(insn));
}

function stxvh8x(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const w = vw(c, xt(insn));
  const u32 = c.u32;
  if (c.le) {
    st2x64(c, lo, c.eaHi, false, bswapHalves(u32[w]), bswapHalves(u32[w + 1]), bswapHalves(u32[w + 2]), bswapHalves(u32[w + 3]));
  } else {
    st2x64(c, lo, c.eaHi, false, u32[w], u32[w + 1], u32[w + 2], u32[w + 3]);
  }
}

function lxvb16x(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  ld2x64(c, lo, c.eaHi, false);
  putStraight(c, xt(insn));
}

function stxvb16x(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const w = vw(c, xt(insn));
  const u32 = c.u32;
  st2x64(c, lo, c.eaHi, false, u32[w], u32[w + 1], u32[w + 2], u32[w + 3]);
}

/** lxvx / stxvx: unaligned quadword (ISA 3.0 checks MSR[VSX] or MSR[VEC] by register). */
function lxvx(c: Cpu, insn: number): void {
  const t = xt(insn);
  needVSXorVMX(c, t);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  loadQuad(c, t, lo, c.eaHi);
}

function stxvx(c: Cpu, insn: number): void {
  const t = xt(insn);
  needVSXorVMX(c, t);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  storeQuad(c, t, lo, c.eaHi);
}

function lxvdsx(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const a = c.load64(lo, c.eaHi, c.le);
  const u32 = c.u32;
  const w = vw(c, xt(insn));
  u32[w] = a;
  u32[w + 1] = c.vhi;
  u32[w + 2] = a;
  u32[w + 3] = c.vhi;
}

function lxvwsx(c: Cpu, insn: number): void {
  const t = xt(insn);
  needVSXorVMX(c, t);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const a = c.load32(lo, c.eaHi, c.le);
  const u32 = c.u32;
  const w = vw(c, t);
  u32[w] = a;
  u32[w + 1] = a;
  u32[w + 2] = a;
  u32[w + 3] = a;
}

// Scalar loads write doubleword 0; doubleword 1 is undefined by the ISA and left as
// it was (as QEMU does).

function lxsdx(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const a = c.load64(lo, c.eaHi, c.le);
  const w = vw(c, xt(insn));
  c.u32[w] = a;
  c.u32[w + 1] = c.vhi;
}

function stxsdx(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const w = vw(c, xt(insn));
  c.store64(lo, c.eaHi, c.u32[w], c.u32[w + 1], c.le);
}

function lxsiwax(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const a = c.load32(lo, c.eaHi, c.le);
  const w = vw(c, xt(insn));
  c.u32[w] = a;
  c.u32[w + 1] = a >> 31;
}

function lxsiwzx(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const a = c.load32(lo, c.eaHi, c.le);
  const w = vw(c, xt(insn));
  c.u32[w] = a;
  c.u32[w + 1] = 0;
}

function lxsibzx(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const a = c.load8(lo, c.eaHi);
  const w = vw(c, xt(insn));
  c.u32[w] = a;
  c.u32[w + 1] = 0;
}

function lxsihzx(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const a = c.load16(lo, c.eaHi, c.le);
  const w = vw(c, xt(insn));
  c.u32[w] = a;
  c.u32[w + 1] = 0;
}

/** stxsiwx: word 1 (the low word of doubleword 0). */
function stxsiwx(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.store32(lo, c.eaHi, c.u32[vw(c, xt(insn))], c.le);
}

function stxsibx(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.store8(lo, c.eaHi, c.u32[vw(c, xt(insn))] & 0xff);
}

function stxsihx(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.store16(lo, c.eaHi, c.u32[vw(c, xt(insn))] & 0xffff, c.le);
}

/** lxsspx: single-precision word, converted exactly to double format. */
function lxsspx(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const a = c.load32(lo, c.eaHi, c.le);
  const w = vw(c, xt(insn));
  c.u32[w] = singleToDouble(a);
  c.u32[w + 1] = dHi;
}

function stxsspx(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const w = vw(c, xt(insn));
  c.store32(lo, c.eaHi, doubleToSingle(c.u32[w], c.u32[w + 1]), c.le);
}

/**
 * lxvl / lxvll / stxvl / stxvll: EA = (RA|0), byte count in RB bits 0:7 (at most 16).
 * lxvl in LE mode fills from the least significant byte; the "ll" forms never swap.
 */
function lengthOf(c: Cpu, rb: number): number {
  const nb = c.u32[c.w + 2 * rb + 1] >>> 24;
  return nb > 16 ? 16 : nb;
}

const lenBuf = new Uint8Array(16);

function loadLength(c: Cpu, insn: number, leftJustified: boolean): void {
  const t = xt(insn);
  needVSXorVMX(c, t);
  const ra = (insn >>> 16) & 31;
  const nb = lengthOf(c, (insn >>> 11) & 31);
  let lo = ra === 0 ? 0 : c.u32[c.w + 2 * ra];
  let hi = ra === 0 || !c.sf ? 0 : c.u32[c.w + 2 * ra + 1];
  lenBuf.fill(0);
  const rev = c.le && !leftJustified;
  for (let k = 0; k < nb; k++) {
    lenBuf[rev ? 15 - k : k] = c.load8(lo, hi);
    lo = (lo + 1) >>> 0;
    if (lo === 0 && c.sf) hi = (hi + 1) >>> 0;
  }
  const b = vb(c, t);
  const u8 = c.u8;
  for (let i = 0; i < 16; i++) u8[b + (i ^ 7)] = lenBuf[i];
}

function storeLength(c: Cpu, insn: number, leftJustified: boolean): void {
  const t = xt(insn);
  needVSXorVMX(c, t);
  const ra = (insn >>> 16) & 31;
  const nb = lengthOf(c, (insn >>> 11) & 31);
  let lo = ra === 0 ? 0 : c.u32[c.w + 2 * ra];
  let hi = ra === 0 || !c.sf ? 0 : c.u32[c.w + 2 * ra + 1];
  if (nb === 0) return;
  c.probeWrite(lo, hi, nb);
  const rev = c.le && !leftJustified;
  const b = vb(c, t);
  for (let k = 0; k < nb; k++) {
    const i = rev ? 15 - k : k;
    c.store8(lo, hi, c.u8[b + (i ^ 7)]);
    lo = (lo + 1) >>> 0;
    if (lo === 0 && c.sf) hi = (hi + 1) >>> 0;
  }
}

// ---------------------------------------------------------------- DS / DQ forms (57, 61)

/** EA = (RA|0) + EXTS(DS || 0b00). */
function eaDS(c: Cpu, insn: number): number {
  return c.eaD((insn >>> 16) & 31, (insn << 16) >> 16 & ~3);
}

/** lxsd VRT: doubleword 0 = the doubleword at EA, doubleword 1 = 0. */
function lxsd(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = eaDS(c, insn);
  const a = c.load64(lo, c.eaHi, c.le);
  const w = vw(c, 32 + ((insn >>> 21) & 31));
  c.u32[w] = a;
  c.u32[w + 1] = c.vhi;
  c.u32[w + 2] = 0;
  c.u32[w + 3] = 0;
}

function lxssp(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = eaDS(c, insn);
  const a = c.load32(lo, c.eaHi, c.le);
  const w = vw(c, 32 + ((insn >>> 21) & 31));
  c.u32[w] = singleToDouble(a);
  c.u32[w + 1] = dHi;
  c.u32[w + 2] = 0;
  c.u32[w + 3] = 0;
}

function stxsd(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = eaDS(c, insn);
  const w = vw(c, 32 + ((insn >>> 21) & 31));
  c.store64(lo, c.eaHi, c.u32[w], c.u32[w + 1], c.le);
}

function stxssp(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = eaDS(c, insn);
  const w = vw(c, 32 + ((insn >>> 21) & 31));
  c.store32(lo, c.eaHi, doubleToSingle(c.u32[w], c.u32[w + 1]), c.le);
}

/** lxv / stxv (DQ-form): XT = TX (bit 28) || T, EA = (RA|0) + EXTS(DQ || 0b0000). */
function lxv(c: Cpu, insn: number): void {
  const t = (((insn >>> 3) & 1) << 5) | ((insn >>> 21) & 31);
  needVSXorVMX(c, t);
  const lo = c.eaD((insn >>> 16) & 31, ((insn << 16) >> 16) & ~15);
  loadQuad(c, t, lo, c.eaHi);
}

function stxv(c: Cpu, insn: number): void {
  const t = (((insn >>> 3) & 1) << 5) | ((insn >>> 21) & 31);
  needVSXorVMX(c, t);
  const lo = c.eaD((insn >>> 16) & 31, ((insn << 16) >> 16) & ~15);
  storeQuad(c, t, lo, c.eaHi);
}

// ---------------------------------------------------------------- registration

reg31(103, lvx);
reg31(359, lvx); // lvxl: LRU hint only
reg31(231, stvx);
reg31(487, stvx); // stvxl
reg31(7, lvebx);
reg31(39, lvehx);
reg31(71, lvewx);
reg31(135, stvebx);
reg31(167, stvehx);
reg31(199, stvewx);
reg31(6, lvsl);
reg31(38, lvsr);
reg31(822, dataStreamHint); // dss, dssall
reg31(342, dataStreamHint); // dst, dstt
reg31(374, dataStreamHint); // dstst, dststt

// XX1 forms: bit 31 is TX/SX, so each sits in one slot of bits 21:30.
reg31(844, lxvd2x);
reg31(972, stxvd2x);
reg31(780, lxvw4x);
reg31(908, stxvw4x);
reg31(812, lxvh8x);
reg31(940, stxvh8x);
reg31(876, lxvb16x);
reg31(1004, stxvb16x);
// lxvx/stxvx: bit 25 of the XO is not decoded (ISA 3.0 lists it as '/').
reg31(268, lxvx);
reg31(300, lxvx);
reg31(396, stxvx);
reg31(428, stxvx);
reg31(332, lxvdsx);
reg31(364, lxvwsx);
reg31(588, lxsdx);
reg31(716, stxsdx);
reg31(76, lxsiwax);
reg31(12, lxsiwzx);
reg31(140, stxsiwx);
reg31(781, lxsibzx);
reg31(813, lxsihzx);
reg31(909, stxsibx);
reg31(941, stxsihx);
reg31(524, lxsspx);
reg31(652, stxsspx);
reg31(269, (c, i) => loadLength(c, i, false)); // lxvl
reg31(301, (c, i) => loadLength(c, i, true)); // lxvll
reg31(397, (c, i) => storeLength(c, i, false)); // stxvl
reg31(429, (c, i) => storeLength(c, i, true)); // stxvll

reg57(2, lxsd);
reg57(3, lxssp);
reg61DS(2, stxsd);
reg61DS(3, stxssp);
reg61DQ(1, lxv);
reg61DQ(5, stxv);
