// Fixed-point arithmetic: add/subtract (with CA, CA32, OV, OV32, SO), multiply, divide,
// modulo (Power ISA 3.0B Book I 3.3.9). GPR n is u32[c.w + 2n] (low) / [+1] (high).
// Where the ISA leaves a result undefined we return what qemu-user (7.2) returns.
import type { Cpu } from '../cpu.js';
import { regPrimary, reg19, reg31, reg31XO, reg4VA } from '../decode.js';
import {
  out,
  mulhu32,
  mulhs32,
  mul64,
  mulu128,
  muls128,
  add128,
  divu64by32,
  toBig,
  fromBig,
} from '../int64.js';
import { CA_W, CA32_W, setCR0, setOV } from './int-common.js';

const TWO32 = 4294967296;

// Register word indexes from the instruction: (field << 1) for lo/hi pairs.
// RT/RS: bits 6:10, RA: bits 11:15, RB: bits 16:20, RC (VA-form): bits 21:25.

/**
 * RT = x + y + cin (64-bit), the general adder behind every add/subtract form
 * (subtractions pass x = ~RA and cin = 1 or CA). setCA: update CA/CA32; oe: update
 * OV/OV32/SO; rc: update CR0. In 32-bit mode CA and OV come from bit 32's carry and
 * the low word's overflow; the 64-bit result is stored either way.
 */
function addFull(
  c: Cpu,
  t: number,
  xlo: number,
  xhi: number,
  ylo: number,
  yhi: number,
  cin: number,
  setCA: boolean,
  oe: boolean,
  rc: boolean,
): void {
  const u32 = c.u32;
  xlo >>>= 0;
  xhi >>>= 0;
  ylo >>>= 0;
  yhi >>>= 0;
  const s0 = xlo + ylo + cin;
  const c32 = s0 >= TWO32 ? 1 : 0;
  const s1 = xhi + yhi + c32;
  const rlo = s0 >>> 0;
  const rhi = s1 >>> 0;
  u32[t] = rlo;
  u32[t + 1] = rhi;
  const sf = c.sf;
  if (setCA) {
    const w = c.w;
    u32[w + CA_W] = sf ? (s1 >= TWO32 ? 1 : 0) : c32;
    u32[w + CA32_W] = c32;
  }
  if (oe) {
    // Overflow: both addends have the same sign and the sum's sign differs.
    const ov32 = ((xlo ^ rlo) & (ylo ^ rlo)) >>> 31;
    setOV(c, sf ? ((xhi ^ rhi) & (yhi ^ rhi)) >>> 31 : ov32, ov32);
  }
  if (rc) setCR0(c, rlo, rhi);
}

// ---------------------------------------------------------------- D-form immediates

/** addi RT,RA,SI (li when RA=0): the most frequent instruction there is. */
function addi(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const t = c.w + ((insn >>> 20) & 0x3e);
  const ra = (insn >>> 16) & 31;
  const si = (insn << 16) >> 16;
  if (ra === 0) {
    u32[t] = si;
    u32[t + 1] = si >> 31;
    return;
  }
  const a = c.w + (ra << 1);
  const s = u32[a] + (si >>> 0);
  const hi = u32[a + 1] + (si >> 31) + (s >= TWO32 ? 1 : 0);
  u32[t] = s;
  u32[t + 1] = hi;
}

/** addis RT,RA,SI (lis when RA=0). */
function addis(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const t = c.w + ((insn >>> 20) & 0x3e);
  const ra = (insn >>> 16) & 31;
  const v = insn << 16; // SI || 0x0000, as int32
  if (ra === 0) {
    u32[t] = v;
    u32[t + 1] = v >> 31;
    return;
  }
  const a = c.w + (ra << 1);
  const s = u32[a] + (v >>> 0);
  const hi = u32[a + 1] + (v >> 31) + (s >= TWO32 ? 1 : 0);
  u32[t] = s;
  u32[t + 1] = hi;
}

/** addpcis RT,D: RT = NIA + (D || 0x0000), D = d0 || d1 || d2 (DX-form). */
function addpcis(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const t = c.w + ((insn >>> 20) & 0x3e);
  const d = (((insn >>> 6) & 0x3ff) << 6) | (((insn >>> 16) & 31) << 1) | (insn & 1);
  const v = d << 16;
  const s = (c.pcLo >>> 0) + (v >>> 0);
  const hi = c.pcHi + (v >> 31) + (s >= TWO32 ? 1 : 0);
  u32[t] = s;
  u32[t + 1] = hi;
}

function addic(c: Cpu, insn: number): void {
  const a = c.w + ((insn >>> 15) & 0x3e);
  const si = (insn << 16) >> 16;
  addFull(c, c.w + ((insn >>> 20) & 0x3e), c.u32[a], c.u32[a + 1], si, si >> 31, 0, true, false, false);
}

function addicRc(c: Cpu, insn: number): void {
  const a = c.w + ((insn >>> 15) & 0x3e);
  const si = (insn << 16) >> 16;
  addFull(c, c.w + ((insn >>> 20) & 0x3e), c.u32[a], c.u32[a + 1], si, si >> 31, 0, true, false, true);
}

/** subfic RT,RA,SI: RT = ~RA + EXTS(SI) + 1, with CA. */
function subfic(c: Cpu, insn: number): void {
  const a = c.w + ((insn >>> 15) & 0x3e);
  const si = (insn << 16) >> 16;
  addFull(c, c.w + ((insn >>> 20) & 0x3e), ~c.u32[a], ~c.u32[a + 1], si, si >> 31, 1, true, false, false);
}

// ---------------------------------------------------------------- XO-form add/subtract

/** add[o][.] RT,RA,RB */
function add(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  if ((insn & 0x401) !== 0) {
    addFull(c, t, u32[a], u32[a + 1], u32[b], u32[b + 1], 0, false, (insn & 0x400) !== 0, (insn & 1) !== 0);
    return;
  }
  const s = u32[a] + u32[b];
  const hi = u32[a + 1] + u32[b + 1] + (s >= TWO32 ? 1 : 0);
  u32[t] = s;
  u32[t + 1] = hi;
}

/** subf[o][.] RT,RA,RB: RT = RB - RA. */
function subf(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  if ((insn & 0x401) !== 0) {
    addFull(c, t, ~u32[a], ~u32[a + 1], u32[b], u32[b + 1], 1, false, (insn & 0x400) !== 0, (insn & 1) !== 0);
    return;
  }
  const blo = u32[b];
  const alo = u32[a];
  const hi = u32[b + 1] - u32[a + 1] - (blo < alo ? 1 : 0);
  u32[t] = blo - alo;
  u32[t + 1] = hi;
}

function addc(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  addFull(c, c.w + ((insn >>> 20) & 0x3e), u32[a], u32[a + 1], u32[b], u32[b + 1], 0, true, (insn & 0x400) !== 0, (insn & 1) !== 0);
}

function subfc(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  addFull(c, c.w + ((insn >>> 20) & 0x3e), ~u32[a], ~u32[a + 1], u32[b], u32[b + 1], 1, true, (insn & 0x400) !== 0, (insn & 1) !== 0);
}

function adde(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const ca = u32[c.w + CA_W];
  addFull(c, c.w + ((insn >>> 20) & 0x3e), u32[a], u32[a + 1], u32[b], u32[b + 1], ca, true, (insn & 0x400) !== 0, (insn & 1) !== 0);
}

function subfe(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const ca = u32[c.w + CA_W];
  addFull(c, c.w + ((insn >>> 20) & 0x3e), ~u32[a], ~u32[a + 1], u32[b], u32[b + 1], ca, true, (insn & 0x400) !== 0, (insn & 1) !== 0);
}

function addme(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const ca = u32[c.w + CA_W];
  addFull(c, c.w + ((insn >>> 20) & 0x3e), u32[a], u32[a + 1], -1, -1, ca, true, (insn & 0x400) !== 0, (insn & 1) !== 0);
}

function subfme(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const ca = u32[c.w + CA_W];
  addFull(c, c.w + ((insn >>> 20) & 0x3e), ~u32[a], ~u32[a + 1], -1, -1, ca, true, (insn & 0x400) !== 0, (insn & 1) !== 0);
}

function addze(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const ca = u32[c.w + CA_W];
  addFull(c, c.w + ((insn >>> 20) & 0x3e), u32[a], u32[a + 1], 0, 0, ca, true, (insn & 0x400) !== 0, (insn & 1) !== 0);
}

function subfze(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const ca = u32[c.w + CA_W];
  addFull(c, c.w + ((insn >>> 20) & 0x3e), ~u32[a], ~u32[a + 1], 0, 0, ca, true, (insn & 0x400) !== 0, (insn & 1) !== 0);
}

/** neg[o][.] RT,RA: RT = ~RA + 1. */
function neg(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  if ((insn & 0x401) !== 0) {
    addFull(c, t, ~u32[a], ~u32[a + 1], 0, 0, 1, false, (insn & 0x400) !== 0, (insn & 1) !== 0);
    return;
  }
  const lo = u32[a];
  const hi = -u32[a + 1] - (lo !== 0 ? 1 : 0);
  u32[t] = -lo;
  u32[t + 1] = hi;
}

// ---------------------------------------------------------------- multiply

/** mulli RT,RA,SI: low 64 bits of RA * EXTS(SI). */
function mulli(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  const si = (insn << 16) >> 16;
  mul64(u32[a], u32[a + 1], si, si >> 31);
  u32[t] = out[0];
  u32[t + 1] = out[1];
}

/** mullw[o][.]: the full 64-bit product of the signed low words. */
function mullw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = u32[c.w + ((insn >>> 15) & 0x3e)];
  const b = u32[c.w + ((insn >>> 10) & 0x3e)];
  const t = c.w + ((insn >>> 20) & 0x3e);
  const lo = Math.imul(a, b);
  const hi = mulhs32(a, b);
  u32[t] = lo;
  u32[t + 1] = hi;
  if ((insn & 0x400) !== 0) {
    const ov = hi !== lo >> 31 ? 1 : 0;
    setOV(c, ov, ov);
  }
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** mulld[o][.]: low 64 bits; OV when the signed 128-bit product does not fit in 64. */
function mulld(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  let lo: number;
  let hi: number;
  if ((insn & 0x400) !== 0) {
    muls128(u32[a], u32[a + 1], u32[b], u32[b + 1]);
    lo = out[0];
    hi = out[1];
    const ext = (hi | 0) >> 31;
    const ov = (out[2] | 0) !== ext || (out[3] | 0) !== ext ? 1 : 0;
    setOV(c, ov, ov);
  } else {
    mul64(u32[a], u32[a + 1], u32[b], u32[b + 1]);
    lo = out[0];
    hi = out[1];
  }
  u32[t] = lo;
  u32[t + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** mulhw[.]: high word of the signed 32x32 product; bits 0:31 zero (as qemu). */
function mulhw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = u32[c.w + ((insn >>> 15) & 0x3e)];
  const b = u32[c.w + ((insn >>> 10) & 0x3e)];
  const t = c.w + ((insn >>> 20) & 0x3e);
  const lo = mulhs32(a, b);
  u32[t] = lo;
  u32[t + 1] = 0;
  if ((insn & 1) !== 0) setCR0(c, lo, 0);
}

function mulhwu(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = u32[c.w + ((insn >>> 15) & 0x3e)];
  const b = u32[c.w + ((insn >>> 10) & 0x3e)];
  const t = c.w + ((insn >>> 20) & 0x3e);
  const lo = mulhu32(a, b);
  u32[t] = lo;
  u32[t + 1] = 0;
  if ((insn & 1) !== 0) setCR0(c, lo, 0);
}

function mulhd(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  muls128(u32[a], u32[a + 1], u32[b], u32[b + 1]);
  const lo = out[2];
  const hi = out[3];
  u32[t] = lo;
  u32[t + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

function mulhdu(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  mulu128(u32[a], u32[a + 1], u32[b], u32[b + 1]);
  const lo = out[2];
  const hi = out[3];
  u32[t] = lo;
  u32[t + 1] = hi;
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/**
 * maddhd / maddhdu RT,RA,RB,RC: high 64 bits of the 128-bit RA*RB + RC, signed (RC
 * sign-extended) or unsigned.
 */
function maddh(c: Cpu, insn: number, signed: boolean): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const r = c.w + ((insn >>> 5) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  const clo = u32[r];
  const chi = u32[r + 1];
  if (signed) muls128(u32[a], u32[a + 1], u32[b], u32[b + 1]);
  else mulu128(u32[a], u32[a + 1], u32[b], u32[b + 1]);
  add128(clo, chi, signed);
  u32[t] = out[2];
  u32[t + 1] = out[3];
}

function maddhd(c: Cpu, insn: number): void {
  maddh(c, insn, true);
}

function maddhdu(c: Cpu, insn: number): void {
  maddh(c, insn, false);
}

/** maddld RT,RA,RB,RC: low 64 bits of RA*RB + RC. */
function maddld(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const r = c.w + ((insn >>> 5) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  const clo = u32[r];
  const chi = u32[r + 1];
  mul64(u32[a], u32[a + 1], u32[b], u32[b + 1]);
  const s = out[0] + clo;
  const hi = out[1] + chi + (s >= TWO32 ? 1 : 0);
  u32[t] = s;
  u32[t + 1] = hi;
}

// ---------------------------------------------------------------- divide

/** Store a divide result and apply OE/Rc. OE forms set OV and OV32 from `bad`. */
function divDone(c: Cpu, insn: number, t: number, lo: number, hi: number, bad: boolean): void {
  const u32 = c.u32;
  u32[t] = lo;
  u32[t + 1] = hi;
  if ((insn & 0x400) !== 0) {
    const ov = bad ? 1 : 0;
    setOV(c, ov, ov);
  }
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** divw[o][.]: signed low words; the quotient is zero-extended (qemu). On overflow
 *  (x/0, -2^31/-1) qemu divides by 1 instead: RT = the dividend's low word. */
function divw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = u32[c.w + ((insn >>> 15) & 0x3e)] | 0;
  const b = u32[c.w + ((insn >>> 10) & 0x3e)] | 0;
  const bad = b === 0 || (a === -0x80000000 && b === -1);
  const q = bad ? a : Math.trunc(a / b);
  divDone(c, insn, c.w + ((insn >>> 20) & 0x3e), q >>> 0, 0, bad);
}

function divwu(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = u32[c.w + ((insn >>> 15) & 0x3e)];
  const b = u32[c.w + ((insn >>> 10) & 0x3e)];
  const bad = b === 0;
  const q = bad ? a : Math.floor(a / b);
  divDone(c, insn, c.w + ((insn >>> 20) & 0x3e), q >>> 0, 0, bad);
}

/** divd[o][.]: on overflow RT = RA (qemu divides by 1). */
function divd(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  const alo = u32[a];
  const ahi = u32[a + 1];
  const blo = u32[b];
  const bhi = u32[b + 1];
  if ((bhi | 0) !== (blo | 0) >> 31) {
    // Divisor beyond 32 bits: rare, BigInt.
    fromBig(toBig(alo, ahi, true) / toBig(blo, bhi, true));
    divDone(c, insn, t, out[0], out[1], false);
    return;
  }
  const d = blo | 0;
  if (d === 0 || (d === -1 && alo === 0 && ahi === 0x80000000)) {
    divDone(c, insn, t, alo, ahi, true);
    return;
  }
  if ((ahi | 0) === (alo | 0) >> 31) {
    // Both fit in 32 bits (the usual case): exact in doubles.
    const q = Math.trunc((alo | 0) / d);
    divDone(c, insn, t, q >>> 0, q < 0 ? -1 : 0, false);
    return;
  }
  // |RA| / |RB| unsigned, then the sign.
  const neg = (ahi | 0) < 0;
  divu64by32(neg ? -alo : alo, neg ? ~ahi + (alo === 0 ? 1 : 0) : ahi, d < 0 ? -d : d);
  let qlo = out[0];
  let qhi = out[1];
  if (neg !== d < 0) {
    qhi = ~qhi + (qlo === 0 ? 1 : 0);
    qlo = -qlo;
  }
  divDone(c, insn, t, qlo >>> 0, qhi >>> 0, false);
}

function divdu(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = c.w + ((insn >>> 15) & 0x3e);
  const b = c.w + ((insn >>> 10) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  const alo = u32[a];
  const ahi = u32[a + 1];
  const blo = u32[b];
  const bhi = u32[b + 1];
  if (bhi !== 0) {
    // Divisor beyond 32 bits: rare, BigInt.
    fromBig(toBig(alo, ahi, false) / toBig(blo, bhi, false));
    divDone(c, insn, t, out[0], out[1], false);
    return;
  }
  if (blo === 0) {
    divDone(c, insn, t, alo, ahi, true);
    return;
  }
  if (ahi === 0) {
    divDone(c, insn, t, Math.floor(alo / blo), 0, false);
    return;
  }
  divu64by32(alo, ahi, blo);
  divDone(c, insn, t, out[0], out[1], false);
}

/** Extended divides: result 0 when undefined (qemu); OE forms set OV = OV32. */
function diveDone(c: Cpu, insn: number, q: bigint, bad: boolean): void {
  const u32 = c.u32;
  const t = c.w + ((insn >>> 20) & 0x3e);
  if (bad) q = 0n;
  fromBig(q);
  const lo = out[0];
  const hi = out[1];
  u32[t] = lo;
  u32[t + 1] = hi;
  if ((insn & 0x400) !== 0) {
    const ov = bad ? 1 : 0;
    setOV(c, ov, ov);
  }
  if ((insn & 1) !== 0) setCR0(c, lo, hi);
}

/** divwe[o][.]: (RA[32:63] || 0^32) / EXTS(RB[32:63]), must fit in 32 bits signed. */
function divwe(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = u32[c.w + ((insn >>> 15) & 0x3e)] | 0;
  const b = u32[c.w + ((insn >>> 10) & 0x3e)] | 0;
  let q = 0n;
  let bad = b === 0;
  if (!bad) {
    q = (BigInt(a) << 32n) / BigInt(b);
    bad = q !== BigInt.asIntN(32, q);
  }
  diveDone(c, insn, q, bad);
}

function divweu(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = u32[c.w + ((insn >>> 15) & 0x3e)];
  const b = u32[c.w + ((insn >>> 10) & 0x3e)];
  let q = 0n;
  let bad = b === 0;
  if (!bad) {
    q = (BigInt(a) << 32n) / BigInt(b);
    bad = q > 0xffffffffn;
  }
  diveDone(c, insn, q, bad);
}

/** divde[o][.]: (RA || 0^64) / RB; qemu calls it undefined when |RA| >= |RB|. */
function divde(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const ia = c.w + ((insn >>> 15) & 0x3e);
  const ib = c.w + ((insn >>> 10) & 0x3e);
  const a = toBig(u32[ia], u32[ia + 1], true);
  const b = toBig(u32[ib], u32[ib + 1], true);
  const absA = a < 0n ? -a : a;
  const absB = b < 0n ? -b : b;
  const bad = b === 0n || absA >= absB;
  diveDone(c, insn, bad ? 0n : (a << 64n) / b, bad);
}

function divdeu(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const ia = c.w + ((insn >>> 15) & 0x3e);
  const ib = c.w + ((insn >>> 10) & 0x3e);
  const a = toBig(u32[ia], u32[ia + 1], false);
  const b = toBig(u32[ib], u32[ib + 1], false);
  const bad = b === 0n || a >= b;
  diveDone(c, insn, bad ? 0n : (a << 64n) / b, bad);
}

// ---------------------------------------------------------------- modulo

/** modsw: signed remainder of the low words, sign-extended; 0 when undefined (qemu). */
function modsw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = u32[c.w + ((insn >>> 15) & 0x3e)] | 0;
  const b = u32[c.w + ((insn >>> 10) & 0x3e)] | 0;
  const t = c.w + ((insn >>> 20) & 0x3e);
  const r = b === 0 || b === -1 ? 0 : a % b | 0;
  u32[t] = r;
  u32[t + 1] = r >> 31;
}

function moduw(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const a = u32[c.w + ((insn >>> 15) & 0x3e)];
  const b = u32[c.w + ((insn >>> 10) & 0x3e)];
  const t = c.w + ((insn >>> 20) & 0x3e);
  u32[t] = b === 0 ? 0 : a % b;
  u32[t + 1] = 0;
}

function modsd(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const ia = c.w + ((insn >>> 15) & 0x3e);
  const ib = c.w + ((insn >>> 10) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  const alo = u32[ia];
  const ahi = u32[ia + 1];
  const blo = u32[ib];
  const bhi = u32[ib + 1];
  if ((bhi | 0) !== (blo | 0) >> 31) {
    // Divisor beyond 32 bits: rare, BigInt.
    fromBig(toBig(alo, ahi, true) % toBig(blo, bhi, true));
    u32[t] = out[0];
    u32[t + 1] = out[1];
    return;
  }
  const d = blo | 0;
  let r: number;
  if (d === 0 || d === -1) r = 0;
  else if ((ahi | 0) === (alo | 0) >> 31) r = (alo | 0) % d | 0;
  else {
    // The remainder takes the dividend's sign; |r| < |d| <= 2^31.
    const neg = (ahi | 0) < 0;
    const m = divu64by32(neg ? -alo : alo, neg ? ~ahi + (alo === 0 ? 1 : 0) : ahi, d < 0 ? -d : d);
    r = neg ? -m | 0 : m | 0;
  }
  u32[t] = r;
  u32[t + 1] = r >> 31;
}

function modud(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const ia = c.w + ((insn >>> 15) & 0x3e);
  const ib = c.w + ((insn >>> 10) & 0x3e);
  const t = c.w + ((insn >>> 20) & 0x3e);
  const alo = u32[ia];
  const ahi = u32[ia + 1];
  const blo = u32[ib];
  const bhi = u32[ib + 1];
  if (bhi !== 0) {
    // Divisor beyond 32 bits: rare, BigInt.
    fromBig(toBig(alo, ahi, false) % toBig(blo, bhi, false));
    u32[t] = out[0];
    u32[t + 1] = out[1];
    return;
  }
  u32[t] = blo === 0 ? 0 : ahi === 0 ? alo % blo : divu64by32(alo, ahi, blo);
  u32[t + 1] = 0;
}

// ---------------------------------------------------------------- registration

regPrimary(7, mulli);
regPrimary(8, subfic);
regPrimary(12, addic);
regPrimary(13, addicRc);
regPrimary(14, addi);
regPrimary(15, addis);
// addpcis is DX-form under 19: XO in bits 26:30 = 2, bits 21:25 belong to d0.
for (let k = 0; k < 32; k++) reg19((k << 5) | 2, addpcis);

reg31XO(266, add);
reg31XO(40, subf);
reg31XO(10, addc);
reg31XO(8, subfc);
reg31XO(138, adde);
reg31XO(136, subfe);
reg31XO(234, addme);
reg31XO(232, subfme);
reg31XO(202, addze);
reg31XO(200, subfze);
reg31XO(104, neg);

reg31XO(235, mullw);
reg31XO(233, mulld);
reg31(75, mulhw);
reg31(11, mulhwu);
reg31(73, mulhd);
reg31(9, mulhdu);
reg4VA(48, maddhd);
reg4VA(49, maddhdu);
reg4VA(51, maddld);

reg31XO(491, divw);
reg31XO(459, divwu);
reg31XO(489, divd);
reg31XO(457, divdu);
reg31XO(427, divwe);
reg31XO(395, divweu);
reg31XO(425, divde);
reg31XO(393, divdeu);

reg31(779, modsw);
reg31(267, moduw);
reg31(777, modsd);
reg31(265, modud);
