// VMX and VSX loads and stores (Power ISA 3.0B Book I 6.7, 7.6).
//
// Byte order: a 16-byte "quadword" access (lvx, lxv, lxvx) in little-endian mode moves
// the whole register byte-reversed (ISA byte i <-> EA + 15 - i); the element forms
// (lxvd2x, lxvw4x, lxvh8x) reverse each element in place instead; lxvb16x never swaps.
import type { Cpu } from '../cpu.js';
import { reg31, reg57, reg61DS, reg61DQ } from '../decode.js';
import { singleToDouble, doubleToSingle, dHi } from '../vreg.js';
import { VSR as VSR_LAYOUT, MSR as MSR_LAYOUT, MSR_VEC as MSR_VEC_LAYOUT, MSR_VSX as MSR_VSX_LAYOUT } from '../layout.js';
import { raiseVMXUnavailable, raiseVSXUnavailable } from '../exceptions.js';

// Hot helpers and shared values as module-local bindings: under the module loader a
// call into another module (or a read of its export) costs a getter; see vreg.ts for
// the documented shared versions.
const VSR_OFF = VSR_LAYOUT;
const MSR_W = MSR_LAYOUT >> 2;
const MSR_VEC = MSR_VEC_LAYOUT;
const MSR_VSX = MSR_VSX_LAYOUT;

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

function needVSXorVMX(c: Cpu, n: number): void {
  if ((c.u32[c.w + MSR_W] & (n < 32 ? MSR_VSX : MSR_VEC)) !== 0) return;
  if (n < 32) raiseVSXUnavailable(c);
  raiseVMXUnavailable(c);
}

function bswap32(x: number): number {
  return ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24)) >>> 0;
}

// 16-byte accesses go through four little-endian memory words m0..m3 (m_k = the LE
// word at EA + 4k); each instruction form is then a fixed shuffle/byte swap between
// them and the register's storage words (see vreg.ts): with b_i the byte at EA + i,
//   ISA byte i = b_i      (BE forms, lxvb16x):  storage = [s(m1), s(m0), s(m3), s(m2)]
//   ISA byte i = b_15-i   (LE lvx/lxv/lxvx):     storage = [m2, m3, m0, m1]
//   LE lxvd2x (each doubleword LE):              storage = [m0, m1, m2, m3]
//   LE lxvw4x (each word LE):                    storage = [m1, m0, m3, m2]
//   LE lxvh8x (each halfword LE):                storage = [r(m1), r(m0), r(m3), r(m2)]
// where s = byte swap and r = rotate by 16.
let m0 = 0;
let m1 = 0;
let m2 = 0;
let m3 = 0;

/** Read the 16 bytes at EA into m0..m3 (TLB fast path inside one page of RAM). */
function read16(c: Cpu, lo: number, hi: number): void {
  if ((lo & 0xfff) <= 0xff0) {
    const p = c.hostAddr(lo, hi, false);
    if (p >= 0) {
      if ((p & 3) === 0) {
        const u32 = c.u32;
        const q = p >>> 2;
        m0 = u32[q];
        m1 = u32[q + 1];
        m2 = u32[q + 2];
        m3 = u32[q + 3];
      } else {
        const dv = c.dv;
        m0 = dv.getUint32(p, true);
        m1 = dv.getUint32(p + 4, true);
        m2 = dv.getUint32(p + 8, true);
        m3 = dv.getUint32(p + 12, true);
      }
      return;
    }
  }
  // Page-crossing or MMIO: word by word, in address order.
  const sf = c.sf;
  m0 = c.load32(lo, hi, true);
  let l = (lo + 4) >>> 0;
  let h = l < 4 && sf ? (hi + 1) >>> 0 : hi;
  m1 = c.load32(l, h, true);
  l = (lo + 8) >>> 0;
  h = l < 8 && sf ? (hi + 1) >>> 0 : hi;
  m2 = c.load32(l, h, true);
  l = (lo + 12) >>> 0;
  h = l < 12 && sf ? (hi + 1) >>> 0 : hi;
  m3 = c.load32(l, h, true);
}

/** Write m0..m3 to the 16 bytes at EA; nothing is written if any part faults. */
function write16(c: Cpu, lo: number, hi: number): void {
  if ((lo & 0xfff) <= 0xff0) {
    const p = c.hostAddr(lo, hi, true);
    if (p >= 0) {
      if ((p & 3) === 0) {
        const u32 = c.u32;
        const q = p >>> 2;
        u32[q] = m0;
        u32[q + 1] = m1;
        u32[q + 2] = m2;
        u32[q + 3] = m3;
      } else {
        const dv = c.dv;
        dv.setUint32(p, m0, true);
        dv.setUint32(p + 4, m1, true);
        dv.setUint32(p + 8, m2, true);
        dv.setUint32(p + 12, m3, true);
      }
      return;
    }
  } else {
    c.probeWrite(lo, hi, 16);
  }
  const sf = c.sf;
  c.store32(lo, hi, m0, true);
  let l = (lo + 4) >>> 0;
  let h = l < 4 && sf ? (hi + 1) >>> 0 : hi;
  c.store32(l, h, m1, true);
  l = (lo + 8) >>> 0;
  h = l < 8 && sf ? (hi + 1) >>> 0 : hi;
  c.store32(l, h, m2, true);
  l = (lo + 12) >>> 0;
  h = l < 12 && sf ? (hi + 1) >>> 0 : hi;
  c.store32(l, h, m3, true);
}

function rot16(x: number): number {
  return ((x << 16) | (x >>> 16)) >>> 0;
}

const F_BYTES = 0; // ISA byte i = b_i in both modes (lxvb16x), and every form in BE mode
const F_QUAD = 1; // lvx, lxv, lxvx
const F_DWORDS = 2; // lxvd2x
const F_WORDS = 3; // lxvw4x
const F_HALVES = 4; // lxvh8x

/** Load 16 bytes at EA into VSR n in element form `form`. */
function load16(c: Cpu, n: number, lo: number, hi: number, form: number): void {
  read16(c, lo, hi);
  const u32 = c.u32;
  const w = vw(c, n);
  if (!c.le || form === F_BYTES) {
    const s0 = bswap32(m0);
    const s1 = bswap32(m1);
    const s2 = bswap32(m2);
    const s3 = bswap32(m3);
    u32[w] = s1;
    u32[w + 1] = s0;
    u32[w + 2] = s3;
    u32[w + 3] = s2;
  } else if (form === F_QUAD) {
    u32[w] = m2;
    u32[w + 1] = m3;
    u32[w + 2] = m0;
    u32[w + 3] = m1;
  } else if (form === F_DWORDS) {
    u32[w] = m0;
    u32[w + 1] = m1;
    u32[w + 2] = m2;
    u32[w + 3] = m3;
  } else if (form === F_WORDS) {
    u32[w] = m1;
    u32[w + 1] = m0;
    u32[w + 2] = m3;
    u32[w + 3] = m2;
  } else {
    u32[w] = rot16(m1);
    u32[w + 1] = rot16(m0);
    u32[w + 2] = rot16(m3);
    u32[w + 3] = rot16(m2);
  }
}

/** Store VSR n to the 16 bytes at EA in element form `form` (the inverse of load16). */
function store16(c: Cpu, n: number, lo: number, hi: number, form: number): void {
  const u32 = c.u32;
  const w = vw(c, n);
  const x0 = u32[w];
  const x1 = u32[w + 1];
  const x2 = u32[w + 2];
  const x3 = u32[w + 3];
  if (!c.le || form === F_BYTES) {
    m0 = bswap32(x1);
    m1 = bswap32(x0);
    m2 = bswap32(x3);
    m3 = bswap32(x2);
  } else if (form === F_QUAD) {
    m0 = x2;
    m1 = x3;
    m2 = x0;
    m3 = x1;
  } else if (form === F_DWORDS) {
    m0 = x0;
    m1 = x1;
    m2 = x2;
    m3 = x3;
  } else if (form === F_WORDS) {
    m0 = x1;
    m1 = x0;
    m2 = x3;
    m3 = x2;
  } else {
    m0 = rot16(x1);
    m1 = rot16(x0);
    m2 = rot16(x3);
    m3 = rot16(x2);
  }
  write16(c, lo, hi);
}

// ---------------------------------------------------------------- VMX (VR = VSR 32 + n)

/** lvx / lvxl: quadword at EA & ~15. */
function lvx(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = (c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31) & ~15) >>> 0;
  load16(c, 32 + ((insn >>> 21) & 31), lo, c.eaHi, F_QUAD);
}

/** stvx / stvxl. */
function stvx(c: Cpu, insn: number): void {
  needVMX(c);
  const lo = (c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31) & ~15) >>> 0;
  store16(c, 32 + ((insn >>> 21) & 31), lo, c.eaHi, F_QUAD);
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

function vsxLoad(form: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
    load16(c, xt(insn), lo, c.eaHi, form);
  };
}

function vsxStore(form: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
    store16(c, xt(insn), lo, c.eaHi, form);
  };
}

/** lxvd2x / stxvd2x: the hot ones (kernel and glibc memcpy), without the closure. */
function lxvd2x(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  load16(c, xt(insn), lo, c.eaHi, F_DWORDS);
}

function stxvd2x(c: Cpu, insn: number): void {
  needVSX(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  store16(c, xt(insn), lo, c.eaHi, F_DWORDS);
}

/** lxvx / stxvx: unaligned quadword (ISA 3.0 checks MSR[VSX] or MSR[VEC] by register). */
function lxvx(c: Cpu, insn: number): void {
  const t = xt(insn);
  needVSXorVMX(c, t);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  load16(c, t, lo, c.eaHi, F_QUAD);
}

function stxvx(c: Cpu, insn: number): void {
  const t = xt(insn);
  needVSXorVMX(c, t);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  store16(c, t, lo, c.eaHi, F_QUAD);
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
  load16(c, t, lo, c.eaHi, F_QUAD);
}

function stxv(c: Cpu, insn: number): void {
  const t = (((insn >>> 3) & 1) << 5) | ((insn >>> 21) & 31);
  needVSXorVMX(c, t);
  const lo = c.eaD((insn >>> 16) & 31, ((insn << 16) >> 16) & ~15);
  store16(c, t, lo, c.eaHi, F_QUAD);
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
reg31(780, vsxLoad(F_WORDS)); // lxvw4x
reg31(908, vsxStore(F_WORDS)); // stxvw4x
reg31(812, vsxLoad(F_HALVES)); // lxvh8x
reg31(940, vsxStore(F_HALVES)); // stxvh8x
reg31(876, vsxLoad(F_BYTES)); // lxvb16x
reg31(1004, vsxStore(F_BYTES)); // stxvb16x
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
