// Element access for the 64 vector-scalar registers (VSR n = 16 bytes at L.VSR + 16n).
//
// Storage: ISA doubleword 0 (the most significant, = FPR n) is a native little-endian
// u64 at +0, doubleword 1 at +8. ISA element numbering is big-endian (element 0 is the
// most significant) whatever MSR[LE] says, so with b = vb(c, n) (the byte offset of VSR
// n in the shared memory):
//   ISA byte i       -> u8[b + (i ^ 7)]
//   ISA halfword i   -> u16[(b >> 1) + (i ^ 3)]
//   ISA word i       -> u32[(b >> 2) + (i ^ 1)]
//   ISA doubleword d -> low word u32[(b >> 2) + 2d], high word u32[(b >> 2) + 2d + 1]
// Element-wise operations that use the same element index in every operand may walk the
// host storage in any order; only operations that move elements need the mapping.
//
// The instruction modules keep their own copies of the tiny helpers (vw, vb, need*,
// setWords...): under the module loader a call into another module costs a getter,
// which tripled the cost of a vor. These are the reference versions.
import type { Cpu } from './cpu.js';
import * as L from './layout.js';
import { raiseFPUnavailable, raiseVMXUnavailable, raiseVSXUnavailable } from './exceptions.js';

// Layout constants copied into module bindings: a namespace property read can be a
// getter call under some module loaders, and these sit on every vector instruction.
const VSR_OFF = L.VSR;
const MSR_VEC = L.MSR_VEC;
const MSR_VSX = L.MSR_VSX;
const MSR_FP = L.MSR_FP;
/** Word offset of MSR inside a vCPU block. */
const MSR_W = L.MSR >> 2;
/** Word offset of VSCR inside a vCPU block. */
export const VSCR_W = L.VSCR >> 2;
export const VSCR_SAT = 1;
export const VSCR_NJ = 1 << 16;

/** Byte offset (in the shared memory) of VSR n. */
export function vb(c: Cpu, n: number): number {
  return c.base + VSR_OFF + (n << 4);
}

/** Word index (into c.u32) of VSR n. */
export function vw(c: Cpu, n: number): number {
  return ((c.base + VSR_OFF) >> 2) + (n << 2);
}

// Extra typed views of the shared buffer (Cpu carries u8/u32/i32/f64 only). One memory
// per VM process, so these are built once and only re-made if a test creates another.
let viewBuf: ArrayBufferLike | null = null;
let u16v: Uint16Array<ArrayBufferLike> = new Uint16Array(0);
let i16v: Int16Array<ArrayBufferLike> = new Int16Array(0);
let i8v: Int8Array<ArrayBufferLike> = new Int8Array(0);

function refreshViews(c: Cpu): void {
  const buf = c.u8.buffer;
  viewBuf = buf;
  u16v = new Uint16Array(buf);
  i16v = new Int16Array(buf);
  i8v = new Int8Array(buf);
}

export function u16of(c: Cpu): Uint16Array<ArrayBufferLike> {
  if (c.u8.buffer !== viewBuf) refreshViews(c);
  return u16v;
}

export function i16of(c: Cpu): Int16Array<ArrayBufferLike> {
  if (c.u8.buffer !== viewBuf) refreshViews(c);
  return i16v;
}

export function i8of(c: Cpu): Int8Array<ArrayBufferLike> {
  if (c.u8.buffer !== viewBuf) refreshViews(c);
  return i8v;
}

// ---------------------------------------------------------------- facility checks

/** VMX (Altivec) instructions need MSR[VEC]. */
export function needVMX(c: Cpu): void {
  if ((c.u32[c.w + MSR_W] & MSR_VEC) === 0) raiseVMXUnavailable(c);
}

/** VSX instructions need MSR[VSX]. */
export function needVSX(c: Cpu): void {
  if ((c.u32[c.w + MSR_W] & MSR_VSX) === 0) raiseVSXUnavailable(c);
}

/** ISA 3.0 forms that check by register half: VSR 0-31 need MSR[VSX], 32-63 MSR[VEC]. */
export function needVSXorVMX(c: Cpu, n: number): void {
  if (n < 32) needVSX(c);
  else needVMX(c);
}

/** ISA 2.07 GPR<->VSR moves: VSR 0-31 need MSR[FP], 32-63 MSR[VEC]. */
export function needFPorVMX(c: Cpu, n: number): void {
  if (n < 32) {
    if ((c.u32[c.w + MSR_W] & MSR_FP) === 0) raiseFPUnavailable(c);
  } else if ((c.u32[c.w + MSR_W] & MSR_VEC) === 0) raiseVMXUnavailable(c);
}

export function setSAT(c: Cpu): void {
  c.u32[c.w + VSCR_W] |= VSCR_SAT;
}

// ---------------------------------------------------------------- scratch
// Operands that a result may overwrite are first copied here, in ISA element order.
// Module-level so no handler allocates.

/** Two 16-byte operands: ISA byte i of the first at [i], of the second at [16 + i]. */
export const sb = new Uint8Array(32);
/** Result bytes in ISA order. */
export const rb = new Uint8Array(16);

/** Copy VSR n's bytes, in ISA order, into sb[off..off+15]. */
export function readBytes(c: Cpu, n: number, off: number): void {
  const u8 = c.u8;
  const b = vb(c, n);
  for (let i = 0; i < 16; i++) sb[off + i] = u8[b + (i ^ 7)];
}

/** Write rb (ISA order) into VSR n. */
export function writeBytes(c: Cpu, n: number): void {
  const u8 = c.u8;
  const b = vb(c, n);
  for (let i = 0; i < 16; i++) u8[b + (i ^ 7)] = rb[i];
}

/** Set all four words of VSR n (ISA word order w0..w3). */
export function setWords(c: Cpu, n: number, w0: number, w1: number, w2: number, w3: number): void {
  const u32 = c.u32;
  const w = vw(c, n);
  u32[w] = w1;
  u32[w + 1] = w0;
  u32[w + 2] = w3;
  u32[w + 3] = w2;
}

/** Reverse the bytes of each 16-bit half of a word. */
export function bswapHalves(x: number): number {
  return (((x & 0x00ff00ff) << 8) | ((x >>> 8) & 0x00ff00ff)) >>> 0;
}

export function bswap32(x: number): number {
  return ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24)) >>> 0;
}

// ---------------------------------------------------------------- single <-> double bits

const cvF32 = new Float32Array(1);
const cvU32 = new Uint32Array(cvF32.buffer);
const cvF64 = new Float64Array(1);
const cvU64 = new Uint32Array(cvF64.buffer);

/**
 * Single-precision bits -> double-precision bits, exactly, without quieting NaNs (the
 * load-single conversion). Returns the low word; the high word is left in dHi.
 */
export let dHi = 0;
export function singleToDouble(w: number): number {
  if ((w & 0x7f800000) === 0x7f800000) {
    // Inf or NaN: keep the payload bits as they are.
    dHi = ((w & 0x80000000) | 0x7ff00000 | ((w & 0x7fffff) >>> 3)) >>> 0;
    return (w << 29) >>> 0;
  }
  cvU32[0] = w;
  cvF64[0] = cvF32[0];
  dHi = cvU64[1];
  return cvU64[0];
}

/**
 * Double-precision bits -> single-precision bits by truncation (the store-single
 * conversion, ISA "no denormalization / denormalization required" cases; operands
 * outside single range give an undefined result, here a signed zero).
 */
export function doubleToSingle(lo: number, hi: number): number {
  const exp = (hi >>> 20) & 0x7ff;
  if (exp > 896 || ((hi & 0x7fffffff) | lo) === 0) {
    return ((hi & 0xc0000000) | ((hi << 3) & 0x3ffffff8) | (lo >>> 29)) >>> 0;
  }
  let r = hi & 0x80000000;
  if (exp >= 874) {
    // Denormal single: shift the significand (with its implicit 1) right.
    const s = 926 - exp; // 30..52
    const mhi = (hi & 0xfffff) | 0x100000;
    r |= s >= 32 ? mhi >>> (s - 32) : (mhi << (32 - s)) | (lo >>> s);
  }
  return r >>> 0;
}
