// Fixed-point loads and stores (Power ISA 3.0B Book I 3.3.2-3.3.7), quadword lq/stq,
// and the cache-management instructions of Book II 4.3 that the kernel executes.
//
// Every access goes through the Cpu's load/store methods (TLB, MMIO, page crossing);
// the byte order is c.le for normal forms and !c.le for the byte-reversed ones.
// Update forms write RA only after the access succeeded. Invalid update forms raise
// the illegal-instruction Program interrupt, as QEMU does (loads: RA=0 or RA=RT;
// stores: RA=0). Multiple/string forms exist only in big-endian mode: in little-endian
// mode they raise Alignment.
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { regPrimary, reg31 } from '../decode.js';
import { raiseIllegal, raisePrivileged, raiseAt, VEC_ALIGNMENT } from '../exceptions.js';

/** POWER9 data cache block size: the unit of dcbz and of the reservation granule. */
export const CACHE_BLOCK = 128;

/**
 * Alignment interrupt for the access at EA: DAR = EA. DSISR is left alone: ISA 3.0
 * removed it from the registers this interrupt sets. (QEMU 7.2 still ORs the RT/RA
 * fields into DSISR; upstream QEMU dropped that for ISA 3.0 CPUs in 2023.)
 */
export function alignmentInterrupt(c: Cpu, lo: number, hi: number): never {
  const d = c.wi(L.SPR + 8 * L.SPR_DAR);
  c.u32[d] = lo;
  c.u32[d + 1] = hi;
  raiseAt(c, VEC_ALIGNMENT, 0);
}

// ------------------------------------------------------------------ D-form loads

function lbz(c: Cpu, insn: number): void {
  const lo = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  const v = c.load8(lo, c.eaHi);
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = 0;
}

function lbzu(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if (ra === 0 || ra === rt) raiseIllegal(c, insn);
  const lo = c.eaD(ra, (insn << 16) >> 16);
  const hi = c.eaHi;
  const v = c.load8(lo, hi);
  const u32 = c.u32;
  const i = c.w + 2 * rt;
  u32[i] = v;
  u32[i + 1] = 0;
  const a = c.w + 2 * ra;
  u32[a] = lo;
  u32[a + 1] = hi;
}

function lhz(c: Cpu, insn: number): void {
  const lo = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  const v = c.load16(lo, c.eaHi, c.le);
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = 0;
}

function lhzu(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if (ra === 0 || ra === rt) raiseIllegal(c, insn);
  const lo = c.eaD(ra, (insn << 16) >> 16);
  const hi = c.eaHi;
  const v = c.load16(lo, hi, c.le);
  const u32 = c.u32;
  const i = c.w + 2 * rt;
  u32[i] = v;
  u32[i + 1] = 0;
  const a = c.w + 2 * ra;
  u32[a] = lo;
  u32[a + 1] = hi;
}

function lha(c: Cpu, insn: number): void {
  const lo = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  const v = (c.load16(lo, c.eaHi, c.le) << 16) >> 16;
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = v >> 31;
}

function lhau(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if (ra === 0 || ra === rt) raiseIllegal(c, insn);
  const lo = c.eaD(ra, (insn << 16) >> 16);
  const hi = c.eaHi;
  const v = (c.load16(lo, hi, c.le) << 16) >> 16;
  const u32 = c.u32;
  const i = c.w + 2 * rt;
  u32[i] = v;
  u32[i + 1] = v >> 31;
  const a = c.w + 2 * ra;
  u32[a] = lo;
  u32[a + 1] = hi;
}

function lwz(c: Cpu, insn: number): void {
  const lo = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  const v = c.load32(lo, c.eaHi, c.le);
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = 0;
}

function lwzu(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if (ra === 0 || ra === rt) raiseIllegal(c, insn);
  const lo = c.eaD(ra, (insn << 16) >> 16);
  const hi = c.eaHi;
  const v = c.load32(lo, hi, c.le);
  const u32 = c.u32;
  const i = c.w + 2 * rt;
  u32[i] = v;
  u32[i + 1] = 0;
  const a = c.w + 2 * ra;
  u32[a] = lo;
  u32[a + 1] = hi;
}

/** Opcode 58 (DS-form): ld, ldu, lwa; XO=3 is reserved. */
function op58(c: Cpu, insn: number): void {
  const xo = insn & 3;
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if (xo === 0) {
    const lo = c.eaD(ra, ((insn << 16) >> 16) & -4);
    const vlo = c.load64(lo, c.eaHi, c.le);
    const i = c.w + 2 * rt;
    c.u32[i] = vlo;
    c.u32[i + 1] = c.vhi;
    return;
  }
  if (xo === 1) {
    if (ra === 0 || ra === rt) raiseIllegal(c, insn);
    const lo = c.eaD(ra, ((insn << 16) >> 16) & -4);
    const hi = c.eaHi;
    const vlo = c.load64(lo, hi, c.le);
    const u32 = c.u32;
    const i = c.w + 2 * rt;
    u32[i] = vlo;
    u32[i + 1] = c.vhi;
    const a = c.w + 2 * ra;
    u32[a] = lo;
    u32[a + 1] = hi;
    return;
  }
  if (xo === 2) {
    const lo = c.eaD(ra, ((insn << 16) >> 16) & -4);
    const v = c.load32(lo, c.eaHi, c.le) | 0;
    const i = c.w + 2 * rt;
    c.u32[i] = v;
    c.u32[i + 1] = v >> 31;
    return;
  }
  raiseIllegal(c, insn);
}

// ------------------------------------------------------------------ D-form stores

function stb(c: Cpu, insn: number): void {
  const lo = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  c.store8(lo, c.eaHi, c.u32[c.w + ((insn >>> 20) & 0x3e)] & 0xff);
}

function stbu(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const lo = c.eaD(ra, (insn << 16) >> 16);
  const hi = c.eaHi;
  c.store8(lo, hi, c.u32[c.w + ((insn >>> 20) & 0x3e)] & 0xff);
  const a = c.w + 2 * ra;
  c.u32[a] = lo;
  c.u32[a + 1] = hi;
}

function sth(c: Cpu, insn: number): void {
  const lo = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  c.store16(lo, c.eaHi, c.u32[c.w + ((insn >>> 20) & 0x3e)] & 0xffff, c.le);
}

function sthu(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const lo = c.eaD(ra, (insn << 16) >> 16);
  const hi = c.eaHi;
  c.store16(lo, hi, c.u32[c.w + ((insn >>> 20) & 0x3e)] & 0xffff, c.le);
  const a = c.w + 2 * ra;
  c.u32[a] = lo;
  c.u32[a + 1] = hi;
}

function stw(c: Cpu, insn: number): void {
  const lo = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  c.store32(lo, c.eaHi, c.u32[c.w + ((insn >>> 20) & 0x3e)], c.le);
}

function stwu(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const lo = c.eaD(ra, (insn << 16) >> 16);
  const hi = c.eaHi;
  c.store32(lo, hi, c.u32[c.w + ((insn >>> 20) & 0x3e)], c.le);
  const a = c.w + 2 * ra;
  c.u32[a] = lo;
  c.u32[a + 1] = hi;
}

/** Opcode 62 (DS-form): std, stdu, stq; XO=3 is reserved. */
function op62(c: Cpu, insn: number): void {
  const xo = insn & 3;
  const ra = (insn >>> 16) & 31;
  const s = c.w + ((insn >>> 20) & 0x3e);
  if (xo === 0) {
    const lo = c.eaD(ra, ((insn << 16) >> 16) & -4);
    c.store64(lo, c.eaHi, c.u32[s], c.u32[s + 1], c.le);
    return;
  }
  if (xo === 1) {
    if (ra === 0) raiseIllegal(c, insn);
    const lo = c.eaD(ra, ((insn << 16) >> 16) & -4);
    const hi = c.eaHi;
    c.store64(lo, hi, c.u32[s], c.u32[s + 1], c.le);
    const a = c.w + 2 * ra;
    c.u32[a] = lo;
    c.u32[a + 1] = hi;
    return;
  }
  if (xo === 2) {
    stq(c, insn);
    return;
  }
  raiseIllegal(c, insn);
}

// ------------------------------------------------------------------ quadword

/**
 * lq RTp,DQ(RA): RTp even and not RA; EA quadword aligned. RT gets the most
 * significant doubleword of the quadword in the current byte order, so in LE mode RT+1
 * comes from EA and RT from EA+8.
 */
function lq(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if ((rt & 1) !== 0 || rt === ra) raiseIllegal(c, insn);
  const lo = c.eaD(ra, ((insn << 16) >> 16) & -16);
  const hi = c.eaHi;
  if ((lo & 15) !== 0) alignmentInterrupt(c, lo, hi);
  const le = c.le;
  // Aligned to 16, so both halves lie in one page: the second access cannot fault alone.
  const aLo = c.load64(lo, hi, le);
  const aHi = c.vhi;
  const bLo = c.load64(lo + 8, hi, le);
  const bHi = c.vhi;
  const u32 = c.u32;
  const i = c.w + 2 * rt;
  if (le) {
    u32[i] = bLo;
    u32[i + 1] = bHi;
    u32[i + 2] = aLo;
    u32[i + 3] = aHi;
  } else {
    u32[i] = aLo;
    u32[i + 1] = aHi;
    u32[i + 2] = bLo;
    u32[i + 3] = bHi;
  }
}

/** stq RSp,DS(RA): RSp even; EA quadword aligned. */
function stq(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rs = (insn >>> 21) & 31;
  if ((rs & 1) !== 0) raiseIllegal(c, insn);
  const lo = c.eaD(ra, ((insn << 16) >> 16) & -4);
  const hi = c.eaHi;
  if ((lo & 15) !== 0) alignmentInterrupt(c, lo, hi);
  const u32 = c.u32;
  const i = c.w + 2 * rs;
  const le = c.le;
  // Probe first so a fault leaves memory untouched (the block is in one page).
  c.probeWrite(lo, hi, 16);
  if (le) {
    c.store64(lo, hi, u32[i + 2], u32[i + 3], true);
    c.store64(lo + 8, hi, u32[i], u32[i + 1], true);
  } else {
    c.store64(lo, hi, u32[i], u32[i + 1], false);
    c.store64(lo + 8, hi, u32[i + 2], u32[i + 3], false);
  }
}

// ------------------------------------------------------------------ X-form loads

function lbzx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const v = c.load8(lo, c.eaHi);
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = 0;
}

function lbzux(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if (ra === 0 || ra === rt) raiseIllegal(c, insn);
  const lo = c.eaX(ra, (insn >>> 11) & 31);
  const hi = c.eaHi;
  const v = c.load8(lo, hi);
  const u32 = c.u32;
  const i = c.w + 2 * rt;
  u32[i] = v;
  u32[i + 1] = 0;
  const a = c.w + 2 * ra;
  u32[a] = lo;
  u32[a + 1] = hi;
}

function lhzx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const v = c.load16(lo, c.eaHi, c.le);
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = 0;
}

function lhzux(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if (ra === 0 || ra === rt) raiseIllegal(c, insn);
  const lo = c.eaX(ra, (insn >>> 11) & 31);
  const hi = c.eaHi;
  const v = c.load16(lo, hi, c.le);
  const u32 = c.u32;
  const i = c.w + 2 * rt;
  u32[i] = v;
  u32[i + 1] = 0;
  const a = c.w + 2 * ra;
  u32[a] = lo;
  u32[a + 1] = hi;
}

function lhax(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const v = (c.load16(lo, c.eaHi, c.le) << 16) >> 16;
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = v >> 31;
}

function lhaux(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if (ra === 0 || ra === rt) raiseIllegal(c, insn);
  const lo = c.eaX(ra, (insn >>> 11) & 31);
  const hi = c.eaHi;
  const v = (c.load16(lo, hi, c.le) << 16) >> 16;
  const u32 = c.u32;
  const i = c.w + 2 * rt;
  u32[i] = v;
  u32[i + 1] = v >> 31;
  const a = c.w + 2 * ra;
  u32[a] = lo;
  u32[a + 1] = hi;
}

function lwzx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const v = c.load32(lo, c.eaHi, c.le);
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = 0;
}

function lwzux(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if (ra === 0 || ra === rt) raiseIllegal(c, insn);
  const lo = c.eaX(ra, (insn >>> 11) & 31);
  const hi = c.eaHi;
  const v = c.load32(lo, hi, c.le);
  const u32 = c.u32;
  const i = c.w + 2 * rt;
  u32[i] = v;
  u32[i + 1] = 0;
  const a = c.w + 2 * ra;
  u32[a] = lo;
  u32[a + 1] = hi;
}

function lwax(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const v = c.load32(lo, c.eaHi, c.le) | 0;
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = v >> 31;
}

function lwaux(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if (ra === 0 || ra === rt) raiseIllegal(c, insn);
  const lo = c.eaX(ra, (insn >>> 11) & 31);
  const hi = c.eaHi;
  const v = c.load32(lo, hi, c.le) | 0;
  const u32 = c.u32;
  const i = c.w + 2 * rt;
  u32[i] = v;
  u32[i + 1] = v >> 31;
  const a = c.w + 2 * ra;
  u32[a] = lo;
  u32[a + 1] = hi;
}

function ldx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const vlo = c.load64(lo, c.eaHi, c.le);
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = vlo;
  c.u32[i + 1] = c.vhi;
}

function ldux(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  if (ra === 0 || ra === rt) raiseIllegal(c, insn);
  const lo = c.eaX(ra, (insn >>> 11) & 31);
  const hi = c.eaHi;
  const vlo = c.load64(lo, hi, c.le);
  const u32 = c.u32;
  const i = c.w + 2 * rt;
  u32[i] = vlo;
  u32[i + 1] = c.vhi;
  const a = c.w + 2 * ra;
  u32[a] = lo;
  u32[a + 1] = hi;
}

// ------------------------------------------------------------------ X-form stores

function stbx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.store8(lo, c.eaHi, c.u32[c.w + ((insn >>> 20) & 0x3e)] & 0xff);
}

function stbux(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const lo = c.eaX(ra, (insn >>> 11) & 31);
  const hi = c.eaHi;
  c.store8(lo, hi, c.u32[c.w + ((insn >>> 20) & 0x3e)] & 0xff);
  const a = c.w + 2 * ra;
  c.u32[a] = lo;
  c.u32[a + 1] = hi;
}

function sthx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.store16(lo, c.eaHi, c.u32[c.w + ((insn >>> 20) & 0x3e)] & 0xffff, c.le);
}

function sthux(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const lo = c.eaX(ra, (insn >>> 11) & 31);
  const hi = c.eaHi;
  c.store16(lo, hi, c.u32[c.w + ((insn >>> 20) & 0x3e)] & 0xffff, c.le);
  const a = c.w + 2 * ra;
  c.u32[a] = lo;
  c.u32[a + 1] = hi;
}

function stwx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.store32(lo, c.eaHi, c.u32[c.w + ((insn >>> 20) & 0x3e)], c.le);
}

function stwux(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const lo = c.eaX(ra, (insn >>> 11) & 31);
  const hi = c.eaHi;
  c.store32(lo, hi, c.u32[c.w + ((insn >>> 20) & 0x3e)], c.le);
  const a = c.w + 2 * ra;
  c.u32[a] = lo;
  c.u32[a + 1] = hi;
}

function stdx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const s = c.w + ((insn >>> 20) & 0x3e);
  c.store64(lo, c.eaHi, c.u32[s], c.u32[s + 1], c.le);
}

function stdux(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  if (ra === 0) raiseIllegal(c, insn);
  const lo = c.eaX(ra, (insn >>> 11) & 31);
  const hi = c.eaHi;
  const s = c.w + ((insn >>> 20) & 0x3e);
  c.store64(lo, hi, c.u32[s], c.u32[s + 1], c.le);
  const a = c.w + 2 * ra;
  c.u32[a] = lo;
  c.u32[a + 1] = hi;
}

// ------------------------------------------------------------------ byte-reversed

function lhbrx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const v = c.load16(lo, c.eaHi, !c.le);
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = 0;
}

function lwbrx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const v = c.load32(lo, c.eaHi, !c.le);
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = 0;
}

function ldbrx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const vlo = c.load64(lo, c.eaHi, !c.le);
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = vlo;
  c.u32[i + 1] = c.vhi;
}

function sthbrx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.store16(lo, c.eaHi, c.u32[c.w + ((insn >>> 20) & 0x3e)] & 0xffff, !c.le);
}

function stwbrx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.store32(lo, c.eaHi, c.u32[c.w + ((insn >>> 20) & 0x3e)], !c.le);
}

function stdbrx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const s = c.w + ((insn >>> 20) & 0x3e);
  c.store64(lo, c.eaHi, c.u32[s], c.u32[s + 1], !c.le);
}

// ------------------------------------------------------------------ multiple and string
// Big-endian only. Successive addresses wrap at 2^32 in 32-bit mode (MSR[SF]=0) and
// carry into the high word in 64-bit mode. Registers are written as the loads
// complete: after a fault some may already hold new values, which the ISA allows
// (the instruction is restarted from the beginning).

/** lmw RT,D(RA): load words into RT..r31, zero-extended. */
function lmw(c: Cpu, insn: number): void {
  let lo = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  let hi = c.eaHi;
  if (c.le) alignmentInterrupt(c, lo, hi);
  const u32 = c.u32;
  const sf = c.sf;
  for (let r = (insn >>> 21) & 31; r < 32; r++) {
    const v = c.load32(lo, hi, false);
    const i = c.w + 2 * r;
    u32[i] = v;
    u32[i + 1] = 0;
    const n = lo + 4;
    lo = n >>> 0;
    if (n > 0xffffffff && sf) hi = (hi + 1) >>> 0;
  }
}

/** stmw RS,D(RA): store the low words of RS..r31. */
function stmw(c: Cpu, insn: number): void {
  let lo = c.eaD((insn >>> 16) & 31, (insn << 16) >> 16);
  let hi = c.eaHi;
  if (c.le) alignmentInterrupt(c, lo, hi);
  const sf = c.sf;
  for (let r = (insn >>> 21) & 31; r < 32; r++) {
    c.store32(lo, hi, c.u32[c.w + 2 * r], false);
    const n = lo + 4;
    lo = n >>> 0;
    if (n > 0xffffffff && sf) hi = (hi + 1) >>> 0;
  }
}

/** Is register rx among the nr registers starting at start (wrapping r31 -> r0)? */
function regInRange(start: number, nr: number, rx: number): boolean {
  const end = start + nr;
  return end <= 32 ? rx >= start && rx < end : rx >= start || rx < end - 32;
}

/** Load nb bytes into registers from rt on, 4 per register, the last one left-justified. */
function loadString(c: Cpu, lo: number, hi: number, nb: number, rt: number): void {
  const u32 = c.u32;
  const sf = c.sf;
  let r = rt;
  while (nb > 0) {
    let v = 0;
    if (nb >= 4) {
      v = c.load32(lo, hi, false);
      nb -= 4;
      const n = lo + 4;
      lo = n >>> 0;
      if (n > 0xffffffff && sf) hi = (hi + 1) >>> 0;
    } else {
      for (let sh = 24; nb > 0; nb--, sh -= 8) {
        v |= c.load8(lo, hi) << sh;
        const n = lo + 1;
        lo = n >>> 0;
        if (n > 0xffffffff && sf) hi = (hi + 1) >>> 0;
      }
    }
    const i = c.w + 2 * r;
    u32[i] = v;
    u32[i + 1] = 0;
    r = (r + 1) & 31;
  }
}

/** Store nb bytes from the low words of registers rs on. */
function storeString(c: Cpu, lo: number, hi: number, nb: number, rs: number): void {
  const sf = c.sf;
  let r = rs;
  while (nb > 0) {
    const v = c.u32[c.w + 2 * r];
    if (nb >= 4) {
      c.store32(lo, hi, v, false);
      nb -= 4;
      const n = lo + 4;
      lo = n >>> 0;
      if (n > 0xffffffff && sf) hi = (hi + 1) >>> 0;
    } else {
      for (let sh = 24; nb > 0; nb--, sh -= 8) {
        c.store8(lo, hi, (v >>> sh) & 0xff);
        const n = lo + 1;
        lo = n >>> 0;
        if (n > 0xffffffff && sf) hi = (hi + 1) >>> 0;
      }
    }
    r = (r + 1) & 31;
  }
}

/** lswi RT,RA,NB: EA = (RA|0); NB=0 means 32 bytes. RA in the loaded range is invalid. */
function lswi(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rt = (insn >>> 21) & 31;
  const lo = c.eaD(ra, 0);
  const hi = c.eaHi;
  if (c.le) alignmentInterrupt(c, lo, hi);
  const nb = ((insn >>> 11) & 31) || 32;
  if (regInRange(rt, (nb + 3) >>> 2, ra)) raiseIllegal(c, insn);
  loadString(c, lo, hi, nb, rt);
}

/** lswx RT,RA,RB: XER[BC] bytes; RA (if not 0) or RB in the loaded range is invalid. */
function lswx(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rb = (insn >>> 11) & 31;
  const rt = (insn >>> 21) & 31;
  const lo = c.eaX(ra, rb);
  const hi = c.eaHi;
  if (c.le) alignmentInterrupt(c, lo, hi);
  const nb = c.u32[c.wi(L.XER_BC)] & 0x7f;
  if (nb === 0) return;
  const nr = (nb + 3) >>> 2;
  if ((ra !== 0 && regInRange(rt, nr, ra)) || regInRange(rt, nr, rb)) raiseIllegal(c, insn);
  loadString(c, lo, hi, nb, rt);
}

function stswi(c: Cpu, insn: number): void {
  const lo = c.eaD((insn >>> 16) & 31, 0);
  const hi = c.eaHi;
  if (c.le) alignmentInterrupt(c, lo, hi);
  storeString(c, lo, hi, ((insn >>> 11) & 31) || 32, (insn >>> 21) & 31);
}

function stswx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const hi = c.eaHi;
  if (c.le) alignmentInterrupt(c, lo, hi);
  storeString(c, lo, hi, c.u32[c.wi(L.XER_BC)] & 0x7f, (insn >>> 21) & 31);
}

// ------------------------------------------------------------------ cache management
// Caches are not modelled. As in QEMU: dcbz zeroes the block (translated as a store, so
// it can raise DSI; never Alignment), dcbf/dcbst/icbi translate like a load and can
// raise DSI, dcbt/dcbtst/icbt are pure hints and never fault.

/** dcbz: zero the 128-byte block containing EA; drops a reservation on that block. */
function dcbz(c: Cpu, insn: number): void {
  const lo = (c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31) & -CACHE_BLOCK) >>> 0;
  const hi = c.eaHi;
  const p = c.hostAddr(lo, hi, true);
  if (p < 0) {
    // Not RAM (MMIO): zero it with ordinary stores, as QEMU's slow path does.
    for (let k = 0; k < CACHE_BLOCK; k += 8) c.store64(lo + k, hi, 0, 0, c.le);
    return;
  }
  c.u8.fill(0, p, p + CACHE_BLOCK);
  const u32 = c.u32;
  const rl = c.wi(L.RESV_LEN);
  if (u32[rl] !== 0) {
    const ra = c.wi(L.RESV_ADDR);
    const pa = p - L.RAM_OFFSET;
    if ((u32[ra] & -CACHE_BLOCK) === (pa & -CACHE_BLOCK) && u32[ra + 1] === Math.floor(pa / 0x100000000)) {
      u32[rl] = 0;
    }
  }
}

/** dcbf (all L variants) and dcbst: translate like a load; no data effect. */
function dcbf(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.hostAddr(lo, c.eaHi, false);
}

/** dcbi: supervisor only; translated like a store. */
function dcbi(c: Cpu, insn: number): void {
  if (c.pr) raisePrivileged(c);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.hostAddr(lo, c.eaHi, true);
}

/** icbi: translate like a load, then forget any cached decode of instructions. */
function icbi(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  c.hostAddr(lo, c.eaHi, false);
  c.invalidateFetch();
}

/** dcbt, dcbtst, icbt: hints only. */
function touchHint(_c: Cpu, _insn: number): void {}

// ------------------------------------------------------------------ registration

regPrimary(32, lwz);
regPrimary(33, lwzu);
regPrimary(34, lbz);
regPrimary(35, lbzu);
regPrimary(36, stw);
regPrimary(37, stwu);
regPrimary(38, stb);
regPrimary(39, stbu);
regPrimary(40, lhz);
regPrimary(41, lhzu);
regPrimary(42, lha);
regPrimary(43, lhau);
regPrimary(44, sth);
regPrimary(45, sthu);
regPrimary(46, lmw);
regPrimary(47, stmw);
regPrimary(56, lq);
regPrimary(58, op58);
regPrimary(62, op62);

reg31(87, lbzx);
reg31(119, lbzux);
reg31(279, lhzx);
reg31(311, lhzux);
reg31(343, lhax);
reg31(375, lhaux);
reg31(23, lwzx);
reg31(55, lwzux);
reg31(341, lwax);
reg31(373, lwaux);
reg31(21, ldx);
reg31(53, ldux);

reg31(215, stbx);
reg31(247, stbux);
reg31(407, sthx);
reg31(439, sthux);
reg31(151, stwx);
reg31(183, stwux);
reg31(149, stdx);
reg31(181, stdux);

reg31(790, lhbrx);
reg31(534, lwbrx);
reg31(532, ldbrx);
reg31(918, sthbrx);
reg31(662, stwbrx);
reg31(660, stdbrx);

reg31(597, lswi);
reg31(533, lswx);
reg31(725, stswi);
reg31(661, stswx);

reg31(1014, dcbz);
reg31(86, dcbf);
reg31(54, dcbf); // dcbst
reg31(470, dcbi);
reg31(982, icbi);
reg31(278, touchHint); // dcbt
reg31(246, touchHint); // dcbtst
reg31(22, touchHint); // icbt
