// VMX quadword add/subtract with carries, polynomial multiply-sum (vpmsum*, used by
// CRC32C and GHASH code), rotate-and-mask (vrlw*m*, vrld*m*), vmsumudm and the
// multiply-by-10 forms (Power ISA 3.0B Book I 6.9).
import type { Cpu } from '../cpu.js';
import { reg4, reg4VA } from '../decode.js';
import { VSR as VSR_LAYOUT, MSR as MSR_LAYOUT, MSR_VEC as MSR_VEC_LAYOUT } from '../layout.js';
import { raiseVMXUnavailable } from '../exceptions.js';

// Hot helpers and shared values as module-local bindings: under the module loader a
// call into another module (or a read of its export) costs a getter; see vreg.ts for
// the documented shared versions.
const VSR_OFF = VSR_LAYOUT;
const MSR_W = MSR_LAYOUT >> 2;
const MSR_VEC = MSR_VEC_LAYOUT;

function vw(c: Cpu, n: number): number {
  return ((c.base + VSR_OFF) >> 2) + (n << 2);
}

function needVMX(c: Cpu): void {
  if ((c.u32[c.w + MSR_W] & MSR_VEC) === 0) raiseVMXUnavailable(c);
}

function setWords(c: Cpu, n: number, w0: number, w1: number, w2: number, w3: number): void {
  const u32 = c.u32;
  const w = ((c.base + VSR_OFF) >> 2) + (n << 2);
  u32[w] = w1;
  u32[w + 1] = w0;
  u32[w + 2] = w3;
  u32[w + 3] = w2;
}

// ---------------------------------------------------------------- quadword carries

// Operands as ISA words, most significant first: a0..a3, b0..b3 (b already complemented
// for subtraction), and the carry-in.
let r0 = 0;
let r1 = 0;
let r2 = 0;
let r3 = 0;
let carryOut = 0;

/** 128-bit a + b + cin over ISA words (most significant first). */
function add128(a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number, cin: number): void {
  let s = a3 + b3 + cin;
  r3 = s >>> 0;
  s = a2 + b2 + (s > 0xffffffff ? 1 : 0);
  r2 = s >>> 0;
  s = a1 + b1 + (s > 0xffffffff ? 1 : 0);
  r1 = s >>> 0;
  s = a0 + b0 + (s > 0xffffffff ? 1 : 0);
  r0 = s >>> 0;
  carryOut = s > 0xffffffff ? 1 : 0;
}

const Q_ADDC = 0; // vaddcuq: carry of A + B
const Q_ADDE = 1; // vaddeuqm: A + B + C.bit127
const Q_ADDEC = 2; // vaddecuq: carry of A + B + C.bit127
const Q_SUBC = 3; // vsubcuq: carry of A + ~B + 1
const Q_SUBE = 4; // vsubeuqm: A + ~B + C.bit127
const Q_SUBEC = 5; // vsubecuq: carry of A + ~B + C.bit127

function quadCarry(c: Cpu, insn: number, kind: number): void {
  needVMX(c);
  const u32 = c.u32;
  const wa = vw(c, 32 + ((insn >>> 16) & 31));
  const wb = vw(c, 32 + ((insn >>> 11) & 31));
  const sub = kind >= Q_SUBC;
  const flip = sub ? 0xffffffff : 0;
  let cin: number;
  if (kind === Q_ADDC) cin = 0;
  else if (kind === Q_SUBC) cin = 1;
  else cin = u32[vw(c, 32 + ((insn >>> 6) & 31)) + 2] & 1;
  add128(
    u32[wa + 1], u32[wa], u32[wa + 3], u32[wa + 2],
    (u32[wb + 1] ^ flip) >>> 0, (u32[wb] ^ flip) >>> 0, (u32[wb + 3] ^ flip) >>> 0, (u32[wb + 2] ^ flip) >>> 0,
    cin,
  );
  const t = 32 + ((insn >>> 21) & 31);
  if (kind === Q_ADDE || kind === Q_SUBE) setWords(c, t, r0, r1, r2, r3);
  else setWords(c, t, 0, 0, 0, carryOut);
}

// ---------------------------------------------------------------- polynomial multiply

/** Carry-less 32 x 32 -> 64 product: low word returned, high word in clHi. */
let clHi = 0;
function clmul32(a: number, b: number): number {
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < 32; k++) {
    if (((b >>> k) & 1) !== 0) {
      lo ^= a << k;
      if (k !== 0) hi ^= a >>> (32 - k);
    }
  }
  clHi = hi >>> 0;
  return lo >>> 0;
}

/** Carry-less product of 16-bit (or 8-bit) values: fits in 31 bits. */
function clmulSmall(a: number, b: number): number {
  let r = 0;
  for (let k = 0; b >>> k !== 0; k++) if (((b >>> k) & 1) !== 0) r ^= a << k;
  return r;
}

function vpmsum(c: Cpu, insn: number, size: number): void {
  needVMX(c);
  const u32 = c.u32;
  const wa = vw(c, 32 + ((insn >>> 16) & 31));
  const wb = vw(c, 32 + ((insn >>> 11) & 31));
  const t = 32 + ((insn >>> 21) & 31);
  if (size === 1 || size === 2) {
    // Each 32-bit storage word holds two elements of size 2 or four of size 1; the
    // result pairs adjacent elements, which stay inside the same storage word.
    const wt = vw(c, t);
    const bits = size * 8;
    const mask = (1 << bits) - 1;
    let x0 = 0;
    let x1 = 0;
    let x2 = 0;
    let x3 = 0;
    for (let k = 0; k < 4; k++) {
      const a = u32[wa + k];
      const b = u32[wb + k];
      let r = 0;
      for (let e = 0; e < 32; e += 2 * bits) {
        const p =
          clmulSmall((a >>> e) & mask, (b >>> e) & mask) ^ clmulSmall((a >>> (e + bits)) & mask, (b >>> (e + bits)) & mask);
        r |= p << e;
      }
      if (k === 0) x0 = r;
      else if (k === 1) x1 = r;
      else if (k === 2) x2 = r;
      else x3 = r;
    }
    u32[wt] = x0;
    u32[wt + 1] = x1;
    u32[wt + 2] = x2;
    u32[wt + 3] = x3;
    return;
  }
  if (size === 4) {
    // Doubleword d = clmul(A.word[2d], B.word[2d]) ^ clmul(A.word[2d+1], B.word[2d+1]).
    const lo0 = clmul32(u32[wa + 1], u32[wb + 1]) ^ clmul32(u32[wa], u32[wb]);
    // clHi of the second call only; redo to combine both high words.
    const h0 = highOf(u32[wa + 1], u32[wb + 1]) ^ highOf(u32[wa], u32[wb]);
    const lo1 = clmul32(u32[wa + 3], u32[wb + 3]) ^ clmul32(u32[wa + 2], u32[wb + 2]);
    const h1 = highOf(u32[wa + 3], u32[wb + 3]) ^ highOf(u32[wa + 2], u32[wb + 2]);
    setWords(c, t, h0, lo0 >>> 0, h1, lo1 >>> 0);
    return;
  }
  // Doublewords: 64 x 64 -> 128 twice, XORed.
  let q0 = 0;
  let q1 = 0;
  let q2 = 0;
  let q3 = 0;
  for (let d = 0; d < 4; d += 2) {
    const al = u32[wa + d];
    const ah = u32[wa + d + 1];
    const bl = u32[wb + d];
    const bh = u32[wb + d + 1];
    // (ah:al) x (bh:bl) = hh << 64 ^ (hl ^ lh) << 32 ^ ll
    const ll = clmul32(al, bl);
    const llH = clHi;
    const lh = clmul32(al, bh);
    const lhH = clHi;
    const hl = clmul32(ah, bl);
    const hlH = clHi;
    const hh = clmul32(ah, bh);
    const hhH = clHi;
    const midL = lh ^ hl;
    const midH = lhH ^ hlH;
    q3 ^= ll;
    q2 ^= llH ^ midL;
    q1 ^= hh ^ midH;
    q0 ^= hhH;
  }
  setWords(c, t, q0 >>> 0, q1 >>> 0, q2 >>> 0, q3 >>> 0);
}

function highOf(a: number, b: number): number {
  clmul32(a, b);
  return clHi;
}

// ---------------------------------------------------------------- rotate and mask

/** MASK(mb, me) of a 32-bit word (ISA numbering; wraps when mb > me). */
function mask32(mb: number, me: number): number {
  const m1 = 0xffffffff >>> mb;
  const m2 = me === 31 ? 0xffffffff : ~(0xffffffff >>> (me + 1));
  return (mb <= me ? m1 & m2 : m1 | m2) >>> 0;
}

/** vrlwnm / vrlwmi: rotate each word by VRB bits 27:31, mask MB = bits 11:15, ME = 19:23. */
function vrlw(c: Cpu, insn: number, insert: boolean): void {
  needVMX(c);
  const u32 = c.u32;
  const wt = vw(c, 32 + ((insn >>> 21) & 31));
  const wa = vw(c, 32 + ((insn >>> 16) & 31));
  const wb = vw(c, 32 + ((insn >>> 11) & 31));
  for (let k = 0; k < 4; k++) {
    const x = u32[wa + k];
    const ctl = u32[wb + k];
    const n = ctl & 31;
    const m = mask32((ctl >>> 16) & 31, (ctl >>> 8) & 31);
    const rot = n === 0 ? x : (x << n) | (x >>> (32 - n));
    u32[wt + k] = insert ? (rot & m) | (u32[wt + k] & ~m) : rot & m;
  }
}

/** vrldnm / vrldmi: per doubleword, n = bits 58:63, MB = 42:47, ME = 50:55 of VRB. */
function vrld(c: Cpu, insn: number, insert: boolean): void {
  needVMX(c);
  const u32 = c.u32;
  const wt = vw(c, 32 + ((insn >>> 21) & 31));
  const wa = vw(c, 32 + ((insn >>> 16) & 31));
  const wb = vw(c, 32 + ((insn >>> 11) & 31));
  for (let k = 0; k < 4; k += 2) {
    let l = u32[wa + k];
    let h = u32[wa + k + 1];
    const ctl = u32[wb + k];
    let n = ctl & 63;
    const mb = (ctl >>> 16) & 63;
    const me = (ctl >>> 8) & 63;
    if (n >= 32) {
      const tmp = l;
      l = h;
      h = tmp;
      n -= 32;
    }
    let rl = l;
    let rh = h;
    if (n !== 0) {
      rh = (h << n) | (l >>> (32 - n));
      rl = (l << n) | (h >>> (32 - n));
    }
    // 64-bit MASK(mb, me) as two words.
    const m1h = mb >= 32 ? 0 : 0xffffffff >>> mb;
    const m1l = mb >= 32 ? 0xffffffff >>> (mb - 32) : 0xffffffff;
    const m2h = me >= 31 ? 0xffffffff : ~(0xffffffff >>> (me + 1));
    const m2l = me === 63 ? 0xffffffff : me >= 31 ? ~(0xffffffff >>> (me - 31)) : 0;
    const wrap = mb > me;
    const mh = wrap ? m1h | m2h : m1h & m2h;
    const ml = wrap ? m1l | m2l : m1l & m2l;
    if (insert) {
      u32[wt + k] = (rl & ml) | (u32[wt + k] & ~ml);
      u32[wt + k + 1] = (rh & mh) | (u32[wt + k + 1] & ~mh);
    } else {
      u32[wt + k] = rl & ml;
      u32[wt + k + 1] = rh & mh;
    }
  }
}

// ---------------------------------------------------------------- vmsumudm

const M64 = (1n << 64n) - 1n;
const M128 = (1n << 128n) - 1n;

function dwordBig(u32: Uint32Array<ArrayBufferLike>, w: number): bigint {
  return (BigInt(u32[w + 1]) << 32n) | BigInt(u32[w]);
}

/** vmsumudm: A.dw0 * B.dw0 + A.dw1 * B.dw1 + VRC, modulo 2^128 (rare: BigInt). */
function vmsumudm(c: Cpu, insn: number): void {
  needVMX(c);
  const u32 = c.u32;
  const wa = vw(c, 32 + ((insn >>> 16) & 31));
  const wb = vw(c, 32 + ((insn >>> 11) & 31));
  const wc = vw(c, 32 + ((insn >>> 6) & 31));
  const cc = (dwordBig(u32, wc) << 64n) | dwordBig(u32, wc + 2);
  const s = (dwordBig(u32, wa) * dwordBig(u32, wb) + dwordBig(u32, wa + 2) * dwordBig(u32, wb + 2) + cc) & M128;
  const hi = s >> 64n;
  const lo = s & M64;
  setWords(c, 32 + ((insn >>> 21) & 31), Number(hi >> 32n), Number(hi & 0xffffffffn), Number(lo >> 32n), Number(lo & 0xffffffffn));
}

// ---------------------------------------------------------------- multiply by 10

/**
 * vmul10uq / vmul10cuq / vmul10euq / vmul10ecuq: VRA * 10 (+ the decimal digit in VRB
 * bits 124:127 for the extended forms); the "c" forms return the carry out (0-9).
 */
function vmul10(c: Cpu, insn: number, extended: boolean, carry: boolean): void {
  needVMX(c);
  const u32 = c.u32;
  const wa = vw(c, 32 + ((insn >>> 16) & 31));
  let k = extended ? u32[vw(c, 32 + ((insn >>> 11) & 31)) + 2] & 15 : 0;
  // ISA words 3, 2, 1, 0 are storage words 2, 3, 0, 1 (least significant first).
  let w3 = u32[wa + 2] * 10 + k;
  k = Math.floor(w3 / 4294967296);
  let w2 = u32[wa + 3] * 10 + k;
  k = Math.floor(w2 / 4294967296);
  let w1 = u32[wa] * 10 + k;
  k = Math.floor(w1 / 4294967296);
  let w0 = u32[wa + 1] * 10 + k;
  k = Math.floor(w0 / 4294967296);
  const t = 32 + ((insn >>> 21) & 31);
  if (carry) {
    setWords(c, t, 0, 0, 0, k);
    return;
  }
  w0 >>>= 0;
  w1 >>>= 0;
  w2 >>>= 0;
  w3 >>>= 0;
  setWords(c, t, w0, w1, w2, w3);
}

// ---------------------------------------------------------------- registration

reg4(320, (c, i) => quadCarry(c, i, Q_ADDC)); // vaddcuq
reg4(1344, (c, i) => quadCarry(c, i, Q_SUBC)); // vsubcuq
reg4VA(60, (c, i) => quadCarry(c, i, Q_ADDE)); // vaddeuqm
reg4VA(61, (c, i) => quadCarry(c, i, Q_ADDEC)); // vaddecuq
reg4VA(62, (c, i) => quadCarry(c, i, Q_SUBE)); // vsubeuqm
reg4VA(63, (c, i) => quadCarry(c, i, Q_SUBEC)); // vsubecuq
reg4(1032, (c, i) => vpmsum(c, i, 1)); // vpmsumb
reg4(1096, (c, i) => vpmsum(c, i, 2)); // vpmsumh
reg4(1160, (c, i) => vpmsum(c, i, 4)); // vpmsumw
reg4(1224, (c, i) => vpmsum(c, i, 8)); // vpmsumd
reg4(389, (c, i) => vrlw(c, i, false)); // vrlwnm
reg4(133, (c, i) => vrlw(c, i, true)); // vrlwmi
reg4(453, (c, i) => vrld(c, i, false)); // vrldnm
reg4(197, (c, i) => vrld(c, i, true)); // vrldmi
reg4VA(35, vmsumudm);
reg4(513, (c, i) => vmul10(c, i, false, false)); // vmul10uq
reg4(1, (c, i) => vmul10(c, i, false, true)); // vmul10cuq
reg4(577, (c, i) => vmul10(c, i, true, false)); // vmul10euq
reg4(65, (c, i) => vmul10(c, i, true, true)); // vmul10ecuq
