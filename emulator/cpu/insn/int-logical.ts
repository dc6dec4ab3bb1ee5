// Fixed-point logical instructions (Power ISA 3.0B Book I 3.3.13): and/or/xor family,
// immediates, sign extension, bit counts, population counts, parity, cmpb, bpermd.
// X-form operands: RS bits 6:10, RA (the target) bits 11:15, RB bits 16:20.
import type { Cpu } from '../cpu.js';
import { regPrimary, reg31 } from '../decode.js';
import { ctz32, popcnt32, popcntBytes32 } from '../int64.js';
import { setCR0 } from './int-common.js';

// ---------------------------------------------------------------- D-form immediates

/** ori RA,RS,UI (nop is ori 0,0,0). */
function ori(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  u32[a] = u32[s] | (insn & 0xffff);
  u32[a + 1] = u32[s + 1];
}

function oris(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  u32[a] = u32[s] | (insn << 16);
  u32[a + 1] = u32[s + 1];
}

function xori(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  u32[a] = u32[s] ^ (insn & 0xffff);
  u32[a + 1] = u32[s + 1];
}

function xoris(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  u32[a] = u32[s] ^ (insn << 16);
  u32[a + 1] = u32[s + 1];
}

/** andi. RA,RS,UI: always records. */
function andiRc(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const lo = u32[s] & insn & 0xffff;
  u32[a] = lo;
  u32[a + 1] = 0;
  setCR0(c, lo, 0);
}

function andisRc(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const lo = u32[s] & (insn << 16);
  u32[a] = lo;
  u32[a + 1] = 0;
  setCR0(c, lo, 0);
}

// ---------------------------------------------------------------- X-form

/** or[.] RA,RS,RB (mr when RS = RB). */
function or(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const lo = u32[s] | u32[b];
  const hi = u32[s + 1] | u32[b + 1];
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

function and(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const lo = u32[s] & u32[b];
  const hi = u32[s + 1] & u32[b + 1];
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

function xor(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const lo = u32[s] ^ u32[b];
  const hi = u32[s + 1] ^ u32[b + 1];
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

function andc(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const lo = u32[s] & ~u32[b];
  const hi = u32[s + 1] & ~u32[b + 1];
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

function orc(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const lo = u32[s] | ~u32[b];
  const hi = u32[s + 1] | ~u32[b + 1];
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

function nand(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const lo = ~(u32[s] & u32[b]);
  const hi = ~(u32[s + 1] & u32[b + 1]);
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

function nor(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const lo = ~(u32[s] | u32[b]);
  const hi = ~(u32[s + 1] | u32[b + 1]);
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

function eqv(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const lo = ~(u32[s] ^ u32[b]);
  const hi = ~(u32[s + 1] ^ u32[b + 1]);
  u32[a] = lo;
  u32[a + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

// ---------------------------------------------------------------- sign extension

function extsb(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const lo = (u32[s] << 24) >> 24;
  u32[a] = lo;
  u32[a + 1] = lo >> 31;
  if ((insn & 1) !== 0) setCR0(c, lo, lo >> 31);
}

function extsh(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const lo = (u32[s] << 16) >> 16;
  u32[a] = lo;
  u32[a + 1] = lo >> 31;
  if ((insn & 1) !== 0) setCR0(c, lo, lo >> 31);
}

function extsw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const lo = u32[s] | 0;
  u32[a] = lo;
  u32[a + 1] = lo >> 31;
  if ((insn & 1) !== 0) setCR0(c, lo, lo >> 31);
}

// ---------------------------------------------------------------- counts

function cntlzw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const n = Math.clz32(u32[c.w + ((insn >>> 20) & 0x3e)]);
  u32[a] = n;
  u32[a + 1] = 0;
  if ((insn & 1) !== 0) setCR0(c, n, 0);
}

function cntlzd(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const hi = u32[s + 1];
  const n = hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(u32[s]);
  u32[a] = n;
  u32[a + 1] = 0;
  if ((insn & 1) !== 0) setCR0(c, n, 0);
}

function cnttzw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const n = ctz32(u32[c.w + ((insn >>> 20) & 0x3e)]);
  u32[a] = n;
  u32[a + 1] = 0;
  if ((insn & 1) !== 0) setCR0(c, n, 0);
}

function cnttzd(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const lo = u32[s];
  const n = lo !== 0 ? ctz32(lo) : 32 + ctz32(u32[s + 1]);
  u32[a] = n;
  u32[a + 1] = 0;
  if ((insn & 1) !== 0) setCR0(c, n, 0);
}

/** popcntb: each byte of RA = number of one bits in that byte of RS. */
function popcntb(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const lo = popcntBytes32(u32[s]);
  const hi = popcntBytes32(u32[s + 1]);
  u32[a] = lo;
  u32[a + 1] = hi;
}

function popcntw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const lo = popcnt32(u32[s]);
  const hi = popcnt32(u32[s + 1]);
  u32[a] = lo;
  u32[a + 1] = hi;
}

function popcntd(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const n = popcnt32(u32[s]) + popcnt32(u32[s + 1]);
  u32[a] = n;
  u32[a + 1] = 0;
}

/** Parity of the least significant bit of each byte of a word. */
function byteLsbParity(v: number): number {
  v ^= v >>> 16;
  v ^= v >>> 8;
  return v & 1;
}

function prtyw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const lo = byteLsbParity(u32[s]);
  const hi = byteLsbParity(u32[s + 1]);
  u32[a] = lo;
  u32[a + 1] = hi;
}

function prtyd(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const p = byteLsbParity(u32[s] ^ u32[s + 1]);
  u32[a] = p;
  u32[a + 1] = 0;
}

/** Bytes of x equal to those of y become 0xff, the others 0x00. */
function cmpbWord(x: number, y: number): number {
  const d = x ^ y;
  let r = 0;
  if ((d & 0xff) === 0) r |= 0xff;
  if ((d & 0xff00) === 0) r |= 0xff00;
  if ((d & 0xff0000) === 0) r |= 0xff0000;
  if ((d & 0xff000000) === 0) r |= 0xff000000;
  return r;
}

function cmpb(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const lo = cmpbWord(u32[s], u32[b]);
  const hi = cmpbWord(u32[s + 1], u32[b + 1]);
  u32[a] = lo;
  u32[a + 1] = hi;
}

/** bpermd: bit i of the result's low byte (from the left) = RB bit RS.byte[i] (< 64). */
function bpermd(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const slo = u32[s];
  const shi = u32[s + 1];
  const blo = u32[b];
  const bhi = u32[b + 1];
  let r = 0;
  for (let i = 0; i < 8; i++) {
    // Byte i of RS in ISA order (i = 0 is the most significant byte).
    const idx = i < 4 ? (shi >>> (24 - 8 * i)) & 0xff : (slo >>> (56 - 8 * i)) & 0xff;
    let bit = 0;
    if (idx < 32) bit = (bhi >>> (31 - idx)) & 1;
    else if (idx < 64) bit = (blo >>> (63 - idx)) & 1;
    r |= bit << (7 - i);
  }
  u32[a] = r;
  u32[a + 1] = 0;
}

// ---------------------------------------------------------------- registration

regPrimary(24, ori);
regPrimary(25, oris);
regPrimary(26, xori);
regPrimary(27, xoris);
regPrimary(28, andiRc);
regPrimary(29, andisRc);

reg31(444, or);
reg31(28, and);
reg31(316, xor);
reg31(60, andc);
reg31(412, orc);
reg31(476, nand);
reg31(124, nor);
reg31(284, eqv);

reg31(954, extsb);
reg31(922, extsh);
reg31(986, extsw);

reg31(26, cntlzw);
reg31(58, cntlzd);
reg31(538, cnttzw);
reg31(570, cnttzd);
reg31(122, popcntb);
reg31(378, popcntw);
reg31(506, popcntd);
reg31(154, prtyw);
reg31(186, prtyd);
reg31(508, cmpb);
reg31(252, bpermd);
