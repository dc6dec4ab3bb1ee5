// Fixed-point compare, trap, select and random-number instructions (Power ISA 3.0B
// Book I 3.3.10-3.3.12, 3.3.16): cmp cmpi cmpl cmpli cmprb cmpeqb setb isel
// tw twi td tdi darn.
import type { Cpu } from '../cpu.js';
import { regPrimary, reg31 } from '../decode.js';
import { raiseTrap } from '../exceptions.js';
import { CR_W, SO_W } from './int-common.js';

// CR field bits, most significant first.
const LT = 8;
const GT = 4;
const EQ = 2;

/** CR[BF] = c (LT/GT/EQ) | XER[SO]. */
function putCmp(c: Cpu, insn: number, f: number): void {
  const u32 = c.u32;
  const i = c.w + CR_W;
  const sh = 28 - 4 * ((insn >>> 23) & 7);
  u32[i] = (u32[i] & ~(0xf << sh)) | ((f | u32[c.w + SO_W]) << sh);
}

/** cmp BF,L,RA,RB (cmpw/cmpd): L=1 compares all 64 bits, L=0 the low words. */
function cmp(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  let x: number;
  let y: number;
  if ((insn & 0x200000) !== 0) {
    x = u32[a + 1] | 0;
    y = u32[b + 1] | 0;
    if (x === y) {
      x = u32[a];
      y = u32[b];
    }
  } else {
    x = u32[a] | 0;
    y = u32[b] | 0;
  }
  putCmp(c, insn, x < y ? LT : x > y ? GT : EQ);
}

/** cmpl BF,L,RA,RB (cmplw/cmpld). */
function cmpl(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  let x = u32[a];
  let y = u32[b];
  if ((insn & 0x200000) !== 0 && u32[a + 1] !== u32[b + 1]) {
    x = u32[a + 1];
    y = u32[b + 1];
  }
  putCmp(c, insn, x < y ? LT : x > y ? GT : EQ);
}

/** cmpi BF,L,RA,SI (cmpwi/cmpdi). */
function cmpi(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const si = (insn << 16) >> 16;
  let f: number;
  if ((insn & 0x200000) !== 0) {
    const hi = u32[a + 1] | 0;
    const sh = si >> 31;
    if (hi !== sh) f = hi < sh ? LT : GT;
    else {
      const lo = u32[a];
      const y = si >>> 0;
      f = lo < y ? LT : lo > y ? GT : EQ;
    }
  } else {
    const x = u32[a] | 0;
    f = x < si ? LT : x > si ? GT : EQ;
  }
  putCmp(c, insn, f);
}

/** cmpli BF,L,RA,UI (cmplwi/cmpldi). */
function cmpli(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const ui = insn & 0xffff;
  let f: number;
  if ((insn & 0x200000) !== 0 && u32[a + 1] !== 0) f = GT;
  else {
    const x = u32[a];
    f = x < ui ? LT : x > ui ? GT : EQ;
  }
  putCmp(c, insn, f);
}

/** cmprb BF,L,RA,RB: is RA's low byte within RB's byte range(s)? Result in GT. */
function cmprb(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const v = u32[c.w + ((insn >>> 15) & 0x3e)] & 0xff;
  const r = u32[c.w + ((insn >>> 10) & 0x3e)];
  let hit = v >= (r & 0xff) && v <= ((r >>> 8) & 0xff);
  if ((insn & 0x200000) !== 0) hit = hit || (v >= ((r >>> 16) & 0xff) && v <= r >>> 24);
  const i = c.w + CR_W;
  const sh = 28 - 4 * ((insn >>> 23) & 7);
  u32[i] = (u32[i] & ~(0xf << sh)) | ((hit ? GT : 0) << sh);
}

/** cmpeqb BF,RA,RB: does any byte of RB equal RA's low byte? Result in GT. */
function cmpeqb(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const v = u32[c.w + ((insn >>> 15) & 0x3e)] & 0xff;
  const b = c.w + ((insn >>> 10) & 0x3e);
  let hit = false;
  for (let k = 0; k < 2; k++) {
    const x = u32[b + k];
    if ((x & 0xff) === v || ((x >>> 8) & 0xff) === v || ((x >>> 16) & 0xff) === v || x >>> 24 === v) hit = true;
  }
  const i = c.w + CR_W;
  const sh = 28 - 4 * ((insn >>> 23) & 7);
  u32[i] = (u32[i] & ~(0xf << sh)) | ((hit ? GT : 0) << sh);
}

/** setb RT,BFA: -1 if CR[BFA].LT, else 1 if CR[BFA].GT, else 0. */
function setb(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const t = c.w + ((insn >>> 20) & 0x3e);
  const f = (u32[c.w + CR_W] >>> (28 - 4 * ((insn >>> 18) & 7))) & 0xf;
  const v = (f & LT) !== 0 ? -1 : (f & GT) !== 0 ? 1 : 0;
  u32[t] = v;
  u32[t + 1] = v >> 31;
}

/** isel RT,RA,RB,BC: RT = CR bit BC ? (RA|0) : RB. */
function isel(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const t = c.w + ((insn >>> 20) & 0x3e);
  const bc = (insn >>> 6) & 31;
  if (((u32[c.w + CR_W] >>> (31 - bc)) & 1) !== 0) {
    const ra = (insn >>> 16) & 31;
    if (ra === 0) {
      u32[t] = 0;
      u32[t + 1] = 0;
    } else {
      const a = c.w + (ra << 1);
      const lo = u32[a];
      u32[t + 1] = u32[a + 1];
      u32[t] = lo;
    }
  } else {
    const b = c.w + ((insn >>> 10) & 0x3e);
    const lo = u32[b];
    u32[t + 1] = u32[b + 1];
    u32[t] = lo;
  }
}

// ---------------------------------------------------------------- traps

/**
 * TO bits (insn bits 6:10): 0x10 signed <, 0x08 signed >, 0x04 equal, 0x02 unsigned <,
 * 0x01 unsigned >. Compare a 32-bit or 64-bit pair and trap if any selected holds.
 */
function trapIf32(c: Cpu, insn: number, x: number, y: number): void {
  const to = (insn >>> 21) & 31;
  const xs = x | 0;
  const ys = y | 0;
  const xu = x >>> 0;
  const yu = y >>> 0;
  if (
    ((to & 0x10) !== 0 && xs < ys) ||
    ((to & 0x08) !== 0 && xs > ys) ||
    ((to & 0x04) !== 0 && xs === ys) ||
    ((to & 0x02) !== 0 && xu < yu) ||
    ((to & 0x01) !== 0 && xu > yu)
  ) {
    raiseTrap(c);
  }
}

function trapIf64(c: Cpu, insn: number, xlo: number, xhi: number, ylo: number, yhi: number): void {
  const to = (insn >>> 21) & 31;
  if (to === 0) return;
  let s: number; // signed order
  let u: number; // unsigned order
  if ((xhi | 0) !== (yhi | 0)) {
    s = (xhi | 0) < (yhi | 0) ? -1 : 1;
    u = xhi >>> 0 < yhi >>> 0 ? -1 : 1;
  } else {
    const a = xlo >>> 0;
    const b = ylo >>> 0;
    s = u = a < b ? -1 : a > b ? 1 : 0;
  }
  if (
    ((to & 0x10) !== 0 && s < 0) ||
    ((to & 0x08) !== 0 && s > 0) ||
    ((to & 0x04) !== 0 && s === 0) ||
    ((to & 0x02) !== 0 && u < 0) ||
    ((to & 0x01) !== 0 && u > 0)
  ) {
    raiseTrap(c);
  }
}

function tw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  trapIf32(c, insn, u32[c.w + ((insn >>> 15) & 0x3e)], u32[c.w + ((insn >>> 10) & 0x3e)]);
}

function twi(c: Cpu, insn: number): void {
  trapIf32(c, insn, c.u32[c.w + ((insn >>> 15) & 0x3e)], (insn << 16) >> 16);
}

function td(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  trapIf64(c, insn, u32[a], u32[a + 1], u32[b], u32[b + 1]);
}

/** tdi TO,RA,SI (the kernel's BUG/WARN use tdnei). */
function tdi(c: Cpu, insn: number): void {
  const a = c.w + ((insn >>> 15) & 0x3e);
  const si = (insn << 16) >> 16;
  trapIf64(c, insn, c.u32[a], c.u32[a + 1], si, si >> 31);
}

// ---------------------------------------------------------------- darn

// Random words are drawn from the host CSPRNG in batches, so darn does not allocate.
const pool = new Uint32Array(64);
let poolPos = pool.length;

function random32(): number {
  if (poolPos >= pool.length) {
    crypto.getRandomValues(pool);
    poolPos = 0;
  }
  return pool[poolPos++];
}

/**
 * darn RT,L: L=0 a 32-bit random number (zero-extended), L=1 conditioned and L=2 raw
 * 64-bit random numbers. All ones is the architected error value: a real draw never
 * returns it, and L=3 (reserved) does.
 */
function darn(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const t = c.w + ((insn >>> 20) & 0x3e);
  const l = (insn >>> 16) & 3;
  let lo: number;
  let hi: number;
  if (l === 0) {
    lo = random32();
    hi = 0;
  } else if (l === 3) {
    lo = hi = 0xffffffff;
  } else {
    do {
      lo = random32();
      hi = random32();
    } while ((lo & hi) === -1);
  }
  u32[t] = lo;
  u32[t + 1] = hi;
}

// ---------------------------------------------------------------- registration

regPrimary(11, cmpi);
regPrimary(10, cmpli);
regPrimary(3, twi);
regPrimary(2, tdi);
reg31(0, cmp);
reg31(32, cmpl);
reg31(192, cmprb);
reg31(224, cmpeqb);
reg31(128, setb);
// isel is A-form: XO 15 in bits 26:30, BC in bits 21:25.
for (let bc = 0; bc < 32; bc++) reg31((bc << 5) | 15, isel);
reg31(4, tw);
reg31(68, td);
reg31(755, darn);
