// Load and reserve / store conditional (Power ISA 3.0B Book II 4.4.2): lbarx lharx
// lwarx ldarx lqarx, stbcx. sthcx. stwcx. stdcx. stqcx.; and the ISA 3.0 atomic memory
// operations lwat ldat stwat stdat (at the end).
//
// The reservation lives in the shared vCPU block so other threads (and snapshots) see it:
//   RESV_ADDR  real address of the larx operand
//   RESV_LEN   operand size in bytes; 0 = no reservation
//   RESV_VAL   the operand's bytes exactly as they were in guest memory (host order words)
// A stcx. succeeds only if a reservation of the same size exists for the same real
// address AND memory still holds RESV_VAL; it then stores with a compare-and-swap
// against RESV_VAL. That is how QEMU emulates reservations across threads: another
// vCPU's store that changes the value makes the stcx. fail without any cross-vCPU
// bookkeeping on ordinary stores (a store of the identical value is not detected,
// the usual ABA caveat, harmless for lock and counter idioms). Every stcx. clears the
// reservation; so do dcbz of the block (loadstore.ts) and any interrupt (exceptions.ts).
//
// Atomicity of the final compare-and-swap:
// - 4 bytes: Atomics.compareExchange on the shared Int32Array.
// - 1 and 2 bytes: the same, on the aligned word that contains them (retried while only
//   the neighbouring bytes change).
// - 8 bytes: with more than one vCPU, wasm i64.atomic.rmw.cmpxchg on the shared memory
//   through a tiny hand-assembled helper module (halves passed as i32 pairs, so no
//   BigInt); with one vCPU a plain compare then two word writes, which is then exact.
// - 16 bytes (lqarx/stqcx.): neither JS nor wasm has a 128-bit compare-and-swap. With
//   parallel vCPUs, lqarx's read and stqcx.'s compare-and-write each run under one
//   machine-wide quadword lock (M_QUAD_LOCK), so quadword atomics exclude each other and
//   never see a torn value. A plain store by another vCPU to the same quadword inside
//   that window is not excluded (QEMU's cpu_exec_step_atomic would park everyone; none of
//   the guests we run mixes plain stores with quadword atomics on one location).
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { reg31 } from '../decode.js';
import { raiseIllegal, raiseDSI } from '../exceptions.js';
import { alignmentInterrupt } from './loadstore.js';
import { ACCESS_READ, ACCESS_WRITE } from '../mmu/mmu.js';

/**
 * cas64(addr, expLo, expHi, newLo, newHi): 1 if the 8 bytes at byte offset addr of the
 * imported shared memory held exp (little-endian i64) and now hold new, else 0. In text form:
 *   (import "e" "m" (memory 0 65536 shared))
 *   (func (export "cas64") (param i32 i32 i32 i32 i32) (result i32) (local i64)
 *     (i64.eq (i64.atomic.rmw.cmpxchg (local.get 0)
 *               (local.tee 5 (i64.or (i64.shl (i64.extend_i32_u (local.get 2)) (i64.const 32))
 *                                    (i64.extend_i32_u (local.get 1))))
 *               (i64.or (i64.shl (i64.extend_i32_u (local.get 4)) (i64.const 32))
 *                       (i64.extend_i32_u (local.get 3))))
 *             (local.get 5)))
 */
const CAS64_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x0a, 0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, // type (i32 x5) -> i32
  0x02, 0x0b, 0x01, 0x01, 0x65, 0x01, 0x6d, 0x02, 0x03, 0x00, 0x80, 0x80, 0x04, // import e.m shared memory
  0x03, 0x02, 0x01, 0x00, // function 0 of type 0
  0x07, 0x09, 0x01, 0x05, 0x63, 0x61, 0x73, 0x36, 0x34, 0x00, 0x00, // export "cas64"
  0x0a, 0x25, 0x01, 0x23, 0x01, 0x01, 0x7e, // code: one body, one i64 local
  0x20, 0x00,
  0x20, 0x02, 0xad, 0x42, 0x20, 0x86, 0x20, 0x01, 0xad, 0x84, 0x22, 0x05,
  0x20, 0x04, 0xad, 0x42, 0x20, 0x86, 0x20, 0x03, 0xad, 0x84,
  0xfe, 0x49, 0x03, 0x00, // i64.atomic.rmw.cmpxchg align=8 offset=0
  0x20, 0x05, 0x51, 0x0b,
]);

type Cas64 = (addr: number, expLo: number, expHi: number, newLo: number, newHi: number) => number;
let cas64Memory: WebAssembly.Memory | null = null;
let cas64Fn: Cas64 = () => 0;

/** The 64-bit compare-and-swap bound to this thread's view of the VM's shared memory. */
export function cas64For(memory: WebAssembly.Memory): Cas64 {
  if (memory !== cas64Memory) {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(CAS64_WASM), { e: { m: memory } });
    cas64Fn = inst.exports.cas64 as unknown as Cas64;
    cas64Memory = memory;
  }
  return cas64Fn;
}

function bswap32(v: number): number {
  return ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24)) >>> 0;
}

function bswap16(v: number): number {
  return ((v >>> 8) & 0xff) | ((v & 0xff) << 8);
}

/**
 * Translate a larx operand, record the reservation's address and size, and return the
 * host byte offset of the operand (-1 when it is not RAM).
 */
function reserve(c: Cpu, lo: number, hi: number, size: number): number {
  const p = c.hostAddr(lo, hi, false);
  const pa = p >= 0 ? p - L.RAM_OFFSET : c.translate(lo, hi, ACCESS_READ);
  const u32 = c.u32;
  const a = c.wi(L.RESV_ADDR);
  u32[a] = pa >>> 0;
  u32[a + 1] = Math.floor(pa / 0x100000000);
  u32[c.wi(L.RESV_LEN)] = size;
  return p;
}

/**
 * The stcx. checks shared by every size: a reservation of this size exists for the
 * operand's real address. Returns the host offset of the operand (-1 for MMIO), or -2
 * when the store must not happen. Clears the reservation in every case.
 */
function checkReservation(c: Cpu, lo: number, hi: number, size: number): number {
  const u32 = c.u32;
  const rl = c.wi(L.RESV_LEN);
  if (u32[rl] !== size) {
    u32[rl] = 0;
    return -2;
  }
  // Translated as a store: a protection fault raises DSI here (and interrupt delivery
  // then drops the reservation, see exceptions.ts).
  const p = c.hostAddr(lo, hi, true);
  const pa = p >= 0 ? p - L.RAM_OFFSET : c.translate(lo, hi, ACCESS_WRITE);
  u32[rl] = 0;
  const a = c.wi(L.RESV_ADDR);
  if (u32[a] !== pa >>> 0 || u32[a + 1] !== Math.floor(pa / 0x100000000)) return -2;
  return p;
}

/** CR0 = 0b00 || n || XER[SO]. */
function setCR0(c: Cpu, ok: boolean): void {
  const cw = c.wi(L.CR);
  const so = c.u32[c.wi(L.XER_SO)] & 1;
  c.u32[cw] = (c.u32[cw] & 0x0fffffff) | (ok ? 0x20000000 : 0) | (so << 28);
}

/** Compare-and-swap of the 1- or 2-byte raw value at host offset p, via its aligned word. */
function casNarrow(i32: Int32Array, p: number, size: number, expRaw: number, newRaw: number): boolean {
  const wi = p >> 2;
  const sh = (p & 3) << 3;
  const mask = (size === 1 ? 0xff : 0xffff) << sh;
  const e = (expRaw << sh) & mask;
  const n = (newRaw << sh) & mask;
  for (;;) {
    const cur = Atomics.load(i32, wi);
    if ((cur & mask) !== e) return false;
    if (Atomics.compareExchange(i32, wi, cur, (cur & ~mask) | n) === cur) return true;
  }
}

// ------------------------------------------------------------------ larx

function lbarx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const hi = c.eaHi;
  const p = reserve(c, lo, hi, 1);
  const v = p >= 0 ? c.u8[p] : c.load8(lo, hi);
  c.u32[c.wi(L.RESV_VAL)] = v;
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = 0;
}

function lharx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const hi = c.eaHi;
  if ((lo & 1) !== 0) alignmentInterrupt(c, lo, hi);
  const p = reserve(c, lo, hi, 2);
  let v: number;
  let raw: number;
  if (p >= 0) {
    raw = c.dv.getUint16(p, true);
    v = c.le ? raw : bswap16(raw);
  } else {
    v = c.load16(lo, hi, c.le);
    raw = c.le ? v : bswap16(v);
  }
  c.u32[c.wi(L.RESV_VAL)] = raw;
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = 0;
}

function lwarx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const hi = c.eaHi;
  if ((lo & 3) !== 0) alignmentInterrupt(c, lo, hi);
  const p = reserve(c, lo, hi, 4);
  let v: number;
  let raw: number;
  if (p >= 0) {
    raw = Atomics.load(c.i32, p >> 2) >>> 0;
    v = c.le ? raw : bswap32(raw);
  } else {
    v = c.load32(lo, hi, c.le);
    raw = c.le ? v : bswap32(v);
  }
  c.u32[c.wi(L.RESV_VAL)] = raw;
  const i = c.w + ((insn >>> 20) & 0x3e);
  c.u32[i] = v;
  c.u32[i + 1] = 0;
}

function ldarx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const hi = c.eaHi;
  if ((lo & 7) !== 0) alignmentInterrupt(c, lo, hi);
  const p = reserve(c, lo, hi, 8);
  const u32 = c.u32;
  let r0: number; // raw word at the operand's address
  let r1: number; // raw word 4 bytes on
  if (p >= 0) {
    r0 = u32[p >> 2];
    r1 = u32[(p >> 2) + 1];
  } else {
    const vlo = c.load64(lo, hi, c.le);
    r0 = c.le ? vlo : bswap32(c.vhi);
    r1 = c.le ? c.vhi : bswap32(vlo);
  }
  const rv = c.wi(L.RESV_VAL);
  u32[rv] = r0;
  u32[rv + 1] = r1;
  const i = c.w + ((insn >>> 20) & 0x3e);
  if (c.le) {
    u32[i] = r0;
    u32[i + 1] = r1;
  } else {
    u32[i] = bswap32(r1);
    u32[i + 1] = bswap32(r0);
  }
}

const QUAD_LOCK_W = L.M_QUAD_LOCK >> 2;

/** Take the machine-wide quadword lock (only when vCPUs run in parallel). */
function quadLock(c: Cpu): boolean {
  if (Atomics.load(c.i32, L.M_THREADED >> 2) === 0) return false;
  while (Atomics.compareExchange(c.i32, QUAD_LOCK_W, 0, 1) !== 0) {
    // Held for a few word copies only: spin.
  }
  return true;
}

function quadUnlock(c: Cpu, held: boolean): void {
  if (held) Atomics.store(c.i32, QUAD_LOCK_W, 0);
}

/** lqarx RTp,RA,RB: RTp even, not RA or RB; quadword aligned. Pair order as lq. */
function lqarx(c: Cpu, insn: number): void {
  const ra = (insn >>> 16) & 31;
  const rb = (insn >>> 11) & 31;
  const rt = (insn >>> 21) & 31;
  if ((rt & 1) !== 0 || rt === ra || rt === rb) raiseIllegal(c, insn);
  const lo = c.eaX(ra, rb);
  const hi = c.eaHi;
  if ((lo & 15) !== 0) alignmentInterrupt(c, lo, hi);
  const p = reserve(c, lo, hi, 16);
  const u32 = c.u32;
  const rv = c.wi(L.RESV_VAL);
  const le = c.le;
  if (p >= 0) {
    const q = p >> 2;
    const held = quadLock(c);
    u32[rv] = u32[q];
    u32[rv + 1] = u32[q + 1];
    u32[rv + 2] = u32[q + 2];
    u32[rv + 3] = u32[q + 3];
    quadUnlock(c, held);
  } else {
    const aLo = c.load64(lo, hi, le);
    const aHi = c.vhi;
    const bLo = c.load64(lo + 8, hi, le);
    const bHi = c.vhi;
    u32[rv] = le ? aLo : bswap32(aHi);
    u32[rv + 1] = le ? aHi : bswap32(aLo);
    u32[rv + 2] = le ? bLo : bswap32(bHi);
    u32[rv + 3] = le ? bHi : bswap32(bLo);
  }
  const i = c.w + 2 * rt;
  if (le) {
    // Little-endian quadword: the most significant doubleword is at EA+8.
    u32[i] = u32[rv + 2];
    u32[i + 1] = u32[rv + 3];
    u32[i + 2] = u32[rv];
    u32[i + 3] = u32[rv + 1];
  } else {
    u32[i] = bswap32(u32[rv + 1]);
    u32[i + 1] = bswap32(u32[rv]);
    u32[i + 2] = bswap32(u32[rv + 3]);
    u32[i + 3] = bswap32(u32[rv + 2]);
  }
}

// ------------------------------------------------------------------ stcx.

function stbcx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const hi = c.eaHi;
  const p = checkReservation(c, lo, hi, 1);
  const v = c.u32[c.w + ((insn >>> 20) & 0x3e)] & 0xff;
  let ok = false;
  if (p >= 0) {
    ok = casNarrow(c.i32, p, 1, c.u32[c.wi(L.RESV_VAL)], v);
  } else if (p === -1) {
    c.store8(lo, hi, v);
    ok = true;
  }
  setCR0(c, ok);
}

function sthcx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const hi = c.eaHi;
  if ((lo & 1) !== 0) alignmentInterrupt(c, lo, hi);
  const p = checkReservation(c, lo, hi, 2);
  const v = c.u32[c.w + ((insn >>> 20) & 0x3e)] & 0xffff;
  let ok = false;
  if (p >= 0) {
    ok = casNarrow(c.i32, p, 2, c.u32[c.wi(L.RESV_VAL)], c.le ? v : bswap16(v));
  } else if (p === -1) {
    c.store16(lo, hi, v, c.le);
    ok = true;
  }
  setCR0(c, ok);
}

function stwcx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const hi = c.eaHi;
  if ((lo & 3) !== 0) alignmentInterrupt(c, lo, hi);
  const p = checkReservation(c, lo, hi, 4);
  const v = c.u32[c.w + ((insn >>> 20) & 0x3e)];
  let ok = false;
  if (p >= 0) {
    const exp = c.i32[c.wi(L.RESV_VAL)];
    ok = Atomics.compareExchange(c.i32, p >> 2, exp, c.le ? v : bswap32(v)) === exp;
  } else if (p === -1) {
    c.store32(lo, hi, v, c.le);
    ok = true;
  }
  setCR0(c, ok);
}

function stdcx(c: Cpu, insn: number): void {
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const hi = c.eaHi;
  if ((lo & 7) !== 0) alignmentInterrupt(c, lo, hi);
  const p = checkReservation(c, lo, hi, 8);
  const u32 = c.u32;
  const s = c.w + ((insn >>> 20) & 0x3e);
  let ok = false;
  if (p >= 0) {
    const q = p >> 2;
    const rv = c.wi(L.RESV_VAL);
    const nLo = c.le ? u32[s] : bswap32(u32[s + 1]); // the new bytes as host-order words
    const nHi = c.le ? u32[s + 1] : bswap32(u32[s]);
    if (c.mem.nvcpus > 1) {
      ok = cas64For(c.mem.memory)(p, u32[rv], u32[rv + 1], nLo, nHi) === 1;
    } else if (u32[q] === u32[rv] && u32[q + 1] === u32[rv + 1]) {
      u32[q] = nLo;
      u32[q + 1] = nHi;
      ok = true;
    }
  } else if (p === -1) {
    c.store64(lo, hi, u32[s], u32[s + 1], c.le);
    ok = true;
  }
  setCR0(c, ok);
}

/** stqcx. RSp,RA,RB: RSp even; quadword aligned. */
function stqcx(c: Cpu, insn: number): void {
  const rs = (insn >>> 21) & 31;
  if ((rs & 1) !== 0) raiseIllegal(c, insn);
  const lo = c.eaX((insn >>> 16) & 31, (insn >>> 11) & 31);
  const hi = c.eaHi;
  if ((lo & 15) !== 0) alignmentInterrupt(c, lo, hi);
  const p = checkReservation(c, lo, hi, 16);
  const u32 = c.u32;
  const s = c.w + 2 * rs;
  const le = c.le;
  let ok = false;
  if (p >= 0) {
    const q = p >> 2;
    const rv = c.wi(L.RESV_VAL);
    const held = quadLock(c);
    if (u32[q] === u32[rv] && u32[q + 1] === u32[rv + 1] && u32[q + 2] === u32[rv + 2] && u32[q + 3] === u32[rv + 3]) {
      if (le) {
        u32[q] = u32[s + 2];
        u32[q + 1] = u32[s + 3];
        u32[q + 2] = u32[s];
        u32[q + 3] = u32[s + 1];
      } else {
        u32[q] = bswap32(u32[s + 1]);
        u32[q + 1] = bswap32(u32[s]);
        u32[q + 2] = bswap32(u32[s + 3]);
        u32[q + 3] = bswap32(u32[s + 2]);
      }
      ok = true;
    }
    quadUnlock(c, held);
  } else if (p === -1) {
    if (le) {
      c.store64(lo, hi, u32[s + 2], u32[s + 3], true);
      c.store64(lo + 8, hi, u32[s], u32[s + 1], true);
    } else {
      c.store64(lo, hi, u32[s], u32[s + 1], false);
      c.store64(lo + 8, hi, u32[s + 2], u32[s + 3], false);
    }
    ok = true;
  }
  setCR0(c, ok);
}

reg31(52, lbarx);
reg31(116, lharx);
reg31(20, lwarx);
reg31(84, ldarx);
reg31(276, lqarx);
reg31(694, stbcx);
reg31(726, sthcx);
reg31(150, stwcx);
reg31(214, stdcx);
reg31(182, stqcx);

// ------------------------------------------------------------------ atomic memory operations
// lwat/ldat (load atomic: RT <- old value, memory <- f(old, RT+1[, RT+2])) and stwat/stdat
// (store atomic: memory <- f(old, RS)), ISA 3.0 Book II 4.5. EA = (RA|0), aligned to the
// operand size; the twin/bounded forms also read the next operand, which must lie in the
// same 32-byte block. The operand is translated as a store. Function codes follow QEMU,
// including its choice of mem(EA+s) as the bound for every bounded form. An undefined
// function code raises DSI (QEMU does too; here DAR = EA and DSISR = 0). The update is
// a plain read-modify-write, exact while one vCPU runs at a time; parallel vCPUs will
// need the compare-and-swap / exclusive-section treatment described above for stcx.

/** High word of the last value read by amoRead (its return value is the low word). */
let amoHi = 0;

function amoRead(c: Cpu, p: number, lo: number, hi: number, size: number): number {
  const le = c.le;
  if (size === 4) {
    amoHi = 0;
    return p >= 0 ? c.dv.getUint32(p, le) : c.load32(lo, hi, le);
  }
  if (p < 0) {
    const v = c.load64(lo, hi, le);
    amoHi = c.vhi;
    return v;
  }
  if (le) {
    amoHi = c.dv.getUint32(p + 4, true);
    return c.dv.getUint32(p, true);
  }
  amoHi = c.dv.getUint32(p, false);
  return c.dv.getUint32(p + 4, false);
}

function amoWrite(c: Cpu, p: number, lo: number, hi: number, size: number, vlo: number, vhi: number): void {
  const le = c.le;
  if (size === 4) {
    if (p >= 0) c.dv.setUint32(p, vlo, le);
    else c.store32(lo, hi, vlo, le);
  } else if (p < 0) {
    c.store64(lo, hi, vlo, vhi, le);
  } else if (le) {
    c.dv.setUint32(p, vlo, true);
    c.dv.setUint32(p + 4, vhi, true);
  } else {
    c.dv.setUint32(p, vhi, false);
    c.dv.setUint32(p + 4, vlo, false);
  }
}

/** a < b for operands of `size` bytes, signed or unsigned. */
function amoLess(aLo: number, aHi: number, bLo: number, bHi: number, size: number, signed: boolean): boolean {
  if (size === 4) return signed ? (aLo | 0) < (bLo | 0) : aLo >>> 0 < bLo >>> 0;
  if (aHi !== bHi) return signed ? (aHi | 0) < (bHi | 0) : aHi >>> 0 < bHi >>> 0;
  return aLo >>> 0 < bLo >>> 0;
}

/** Result of read-modify-write function `fc` (0..8) on old value a and operand b (low word; high in amoHi). */
function amoApply(fc: number, aLo: number, aHi: number, bLo: number, bHi: number, size: number): number {
  switch (fc) {
    case 0: {
      const s = (aLo >>> 0) + (bLo >>> 0);
      amoHi = size === 4 ? 0 : (aHi + bHi + (s > 0xffffffff ? 1 : 0)) >>> 0;
      return s >>> 0;
    }
    case 1:
      amoHi = (aHi ^ bHi) >>> 0;
      return (aLo ^ bLo) >>> 0;
    case 2:
      amoHi = (aHi | bHi) >>> 0;
      return (aLo | bLo) >>> 0;
    case 3:
      amoHi = (aHi & bHi) >>> 0;
      return (aLo & bLo) >>> 0;
    case 4: // max unsigned
    case 5: // max signed
      if (amoLess(aLo, aHi, bLo, bHi, size, fc === 5)) {
        amoHi = bHi;
        return bLo;
      }
      amoHi = aHi;
      return aLo;
    case 6: // min unsigned
    case 7: // min signed
      if (amoLess(bLo, bHi, aLo, aHi, size, fc === 7)) {
        amoHi = bHi;
        return bLo;
      }
      amoHi = aHi;
      return aLo;
    default: // 8: swap
      amoHi = bHi;
      return bLo;
  }
}

function amoEA(c: Cpu, insn: number, size: number, twin: boolean): number {
  const lo = c.eaD((insn >>> 16) & 31, 0);
  const hi = c.eaHi;
  if ((lo & (size - 1)) !== 0 || (twin && (lo & 31) + 2 * size > 32)) alignmentInterrupt(c, lo, hi);
  return lo;
}

function loadAtomic(c: Cpu, insn: number, size: number): void {
  const rt = (insn >>> 21) & 31;
  const fc = (insn >>> 11) & 31;
  const twin = fc === 24 || fc === 25 || fc === 28;
  const lo = amoEA(c, insn, size, twin);
  const hi = c.eaHi;
  if (fc > 8 && fc !== 16 && !twin) raiseDSI(c, lo, hi, 0);
  const p = c.hostAddr(lo, hi, true);
  const u32 = c.u32;
  const aLo = amoRead(c, p, lo, hi, size);
  const aHi = amoHi;
  let nLo = aLo;
  let nHi = aHi;
  let rLo = aLo;
  let rHi = aHi;
  if (fc <= 8) {
    const s = c.w + 2 * ((rt + 1) & 31);
    nLo = amoApply(fc, aLo, aHi, u32[s], size === 4 ? 0 : u32[s + 1], size);
    nHi = amoHi;
  } else if (fc === 16) {
    // Compare and swap not equal: store RT+2 when memory differs from RT+1.
    const s = c.w + 2 * ((rt + 1) & 31);
    if (aLo !== u32[s] || aHi !== (size === 4 ? 0 : u32[s + 1])) {
      const t = c.w + 2 * ((rt + 2) & 31);
      nLo = u32[t];
      nHi = size === 4 ? 0 : u32[t + 1];
    }
  } else {
    // 24 increment bounded, 25 increment equal, 28 decrement bounded (bound: next operand).
    const bLo = amoRead(c, p < 0 ? -1 : p + size, lo + size, hi, size);
    const bHi = amoHi;
    const equal = aLo === bLo && aHi === bHi;
    if (fc === 25 ? equal : !equal) {
      const d = fc === 28 ? -1 : 1;
      const sum = aLo + d;
      nLo = sum >>> 0;
      nHi = size === 4 ? 0 : (aHi + (sum > 0xffffffff ? 1 : sum < 0 ? -1 : 0)) >>> 0;
    } else {
      rLo = size === 4 ? 0x80000000 : 0;
      rHi = size === 4 ? 0 : 0x80000000;
    }
  }
  if (nLo !== aLo || nHi !== aHi) amoWrite(c, p, lo, hi, size, nLo, nHi);
  const i = c.w + 2 * rt;
  u32[i] = rLo;
  u32[i + 1] = rHi;
}

function storeAtomic(c: Cpu, insn: number, size: number): void {
  const fc = (insn >>> 11) & 31;
  const twin = fc === 24;
  const lo = amoEA(c, insn, size, twin);
  const hi = c.eaHi;
  if (fc > 7 && !twin) raiseDSI(c, lo, hi, 0);
  const p = c.hostAddr(lo, hi, true);
  const s = c.w + ((insn >>> 20) & 0x3e);
  const vLo = c.u32[s];
  const vHi = size === 4 ? 0 : c.u32[s + 1];
  const aLo = amoRead(c, p, lo, hi, size);
  const aHi = amoHi;
  if (twin) {
    // Store twin: both operands get RS when they are equal.
    const bLo = amoRead(c, p < 0 ? -1 : p + size, lo + size, hi, size);
    if (aLo === bLo && aHi === amoHi) {
      amoWrite(c, p, lo, hi, size, vLo, vHi);
      amoWrite(c, p < 0 ? -1 : p + size, lo + size, hi, size, vLo, vHi);
    }
    return;
  }
  const nLo = amoApply(fc, aLo, aHi, vLo, vHi, size);
  amoWrite(c, p, lo, hi, size, nLo, amoHi);
}

function lwat(c: Cpu, insn: number): void {
  loadAtomic(c, insn, 4);
}
function ldat(c: Cpu, insn: number): void {
  loadAtomic(c, insn, 8);
}
function stwat(c: Cpu, insn: number): void {
  storeAtomic(c, insn, 4);
}
function stdat(c: Cpu, insn: number): void {
  storeAtomic(c, insn, 8);
}

reg31(582, lwat);
reg31(614, ldat);
reg31(710, stwat);
reg31(742, stdat);
