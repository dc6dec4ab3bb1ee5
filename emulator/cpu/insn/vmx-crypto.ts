// VMX cryptography (Power ISA 3.0B Book I 6.11): AES rounds (vcipher, vcipherlast,
// vncipher, vncipherlast, vsbox) and the SHA-2 sigma functions (vshasigmaw/d). Used by
// OpenSSL, GnuTLS and the kernel's crypto modules when the CPU advertises vector crypto.
// The AES state is the register in ISA byte order: state[r][c] = byte 4c + r.
import type { Cpu } from '../cpu.js';
import { reg4 } from '../decode.js';
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

function vb(c: Cpu, n: number): number {
  return c.base + VSR_OFF + (n << 4);
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

// ---------------------------------------------------------------- AES tables (built once)

const SBOX = new Uint8Array(256);
const INV_SBOX = new Uint8Array(256);
// GF(2^8) products by the MixColumns coefficients.
const M2 = new Uint8Array(256);
const M3 = new Uint8Array(256);
const M9 = new Uint8Array(256);
const M11 = new Uint8Array(256);
const M13 = new Uint8Array(256);
const M14 = new Uint8Array(256);

/** GF(2^8) multiply modulo x^8 + x^4 + x^3 + x + 1. */
function gmul(a: number, b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) {
    if ((b & 1) !== 0) r ^= a;
    const hi = a & 0x80;
    a = (a << 1) & 0xff;
    if (hi !== 0) a ^= 0x1b;
    b >>= 1;
  }
  return r;
}

(function buildSbox(): void {
  for (let x = 0; x < 256; x++) {
    // Multiplicative inverse (0 -> 0), then the affine transform.
    let inv = 0;
    if (x !== 0) {
      for (let y = 1; y < 256; y++) {
        if (gmul(x, y) === 1) {
          inv = y;
          break;
        }
      }
    }
    let s = inv;
    for (let k = 1; k < 5; k++) s ^= ((inv << k) | (inv >>> (8 - k))) & 0xff;
    s ^= 0x63;
    SBOX[x] = s;
    INV_SBOX[s] = x;
    M2[x] = gmul(x, 2);
    M3[x] = gmul(x, 3);
    M9[x] = gmul(x, 9);
    M11[x] = gmul(x, 11);
    M13[x] = gmul(x, 13);
    M14[x] = gmul(x, 14);
  }
})();

// ---------------------------------------------------------------- AES rounds

const st = new Uint8Array(16);
const tmp = new Uint8Array(16);

/** Load VSR n's bytes in ISA order into st. */
function load(c: Cpu, n: number): void {
  const u8 = c.u8;
  const b = vb(c, n);
  for (let i = 0; i < 16; i++) st[i] = u8[b + (i ^ 7)];
}

function subBytes(box: Uint8Array): void {
  for (let i = 0; i < 16; i++) st[i] = box[st[i]];
}

/** Row r rotates left by r (inverse: right by r). */
function shiftRows(inverse: boolean): void {
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      const from = inverse ? (c - r + 4) & 3 : (c + r) & 3;
      tmp[4 * c + r] = st[4 * from + r];
    }
  }
  st.set(tmp);
}

function mixColumns(inverse: boolean): void {
  for (let c = 0; c < 4; c++) {
    const a0 = st[4 * c];
    const a1 = st[4 * c + 1];
    const a2 = st[4 * c + 2];
    const a3 = st[4 * c + 3];
    if (!inverse) {
      st[4 * c] = M2[a0] ^ M3[a1] ^ a2 ^ a3;
      st[4 * c + 1] = a0 ^ M2[a1] ^ M3[a2] ^ a3;
      st[4 * c + 2] = a0 ^ a1 ^ M2[a2] ^ M3[a3];
      st[4 * c + 3] = M3[a0] ^ a1 ^ a2 ^ M2[a3];
    } else {
      st[4 * c] = M14[a0] ^ M11[a1] ^ M13[a2] ^ M9[a3];
      st[4 * c + 1] = M9[a0] ^ M14[a1] ^ M11[a2] ^ M13[a3];
      st[4 * c + 2] = M13[a0] ^ M9[a1] ^ M14[a2] ^ M11[a3];
      st[4 * c + 3] = M11[a0] ^ M13[a1] ^ M9[a2] ^ M14[a3];
    }
  }
}

/** st ^= VSR n (the round key). */
function addRoundKey(c: Cpu, n: number): void {
  const u8 = c.u8;
  const b = vb(c, n);
  for (let i = 0; i < 16; i++) st[i] ^= u8[b + (i ^ 7)];
}

function store(c: Cpu, n: number): void {
  const u8 = c.u8;
  const b = vb(c, n);
  for (let i = 0; i < 16; i++) u8[b + (i ^ 7)] = st[i];
}

const K_CIPHER = 0;
const K_CIPHER_LAST = 1;
const K_NCIPHER = 2;
const K_NCIPHER_LAST = 3;

function aes(kind: number) {
  return (c: Cpu, insn: number): void => {
    needVMX(c);
    const t = 32 + ((insn >>> 21) & 31);
    const a = 32 + ((insn >>> 16) & 31);
    const key = 32 + ((insn >>> 11) & 31);
    load(c, a);
    if (kind === K_CIPHER || kind === K_CIPHER_LAST) {
      subBytes(SBOX);
      shiftRows(false);
      if (kind === K_CIPHER) mixColumns(false);
      addRoundKey(c, key);
    } else {
      shiftRows(true);
      subBytes(INV_SBOX);
      addRoundKey(c, key);
      if (kind === K_NCIPHER) mixColumns(true);
    }
    store(c, t);
  };
}

function vsbox(c: Cpu, insn: number): void {
  needVMX(c);
  load(c, 32 + ((insn >>> 16) & 31));
  subBytes(SBOX);
  store(c, 32 + ((insn >>> 21) & 31));
}

// ---------------------------------------------------------------- SHA-2 sigma functions

function rotr32(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

/** vshasigmaw VRT,VRA,ST,SIX: per word, SIX bit i (from the left) picks sigma1 over sigma0. */
function vshasigmaw(c: Cpu, insn: number): void {
  needVMX(c);
  const st1 = (insn >>> 15) & 1;
  const six = (insn >>> 11) & 15;
  const u32 = c.u32;
  const wa = vw(c, 32 + ((insn >>> 16) & 31));
  let r0 = 0;
  let r1 = 0;
  let r2 = 0;
  let r3 = 0;
  for (let i = 0; i < 4; i++) {
    const x = u32[wa + (i ^ 1)];
    const one = ((six >>> (3 - i)) & 1) !== 0;
    let r: number;
    if (st1 === 0) r = one ? rotr32(x, 17) ^ rotr32(x, 19) ^ (x >>> 10) : rotr32(x, 7) ^ rotr32(x, 18) ^ (x >>> 3);
    else r = one ? rotr32(x, 6) ^ rotr32(x, 11) ^ rotr32(x, 25) : rotr32(x, 2) ^ rotr32(x, 13) ^ rotr32(x, 22);
    if (i === 0) r0 = r;
    else if (i === 1) r1 = r;
    else if (i === 2) r2 = r;
    else r3 = r;
  }
  setWords(c, 32 + ((insn >>> 21) & 31), r0, r1, r2, r3);
}

// 64-bit rotates on (hi, lo) word pairs; results in sHi/sLo.
let sHi = 0;
let sLo = 0;
function rotr64(hi: number, lo: number, n: number): void {
  if (n >= 32) {
    const t = hi;
    hi = lo;
    lo = t;
    n -= 32;
  }
  if (n === 0) {
    sHi = hi;
    sLo = lo;
    return;
  }
  sHi = (hi >>> n) | (lo << (32 - n));
  sLo = (lo >>> n) | (hi << (32 - n));
}

/** x ROTR a ^ x ROTR b ^ (x ROTR c or x >> c) for one doubleword. */
function sigma64(hi: number, lo: number, a: number, b: number, c: number, shiftLast: boolean): void {
  rotr64(hi, lo, a);
  let h = sHi;
  let l = sLo;
  rotr64(hi, lo, b);
  h ^= sHi;
  l ^= sLo;
  if (shiftLast) {
    // x >> c (c < 32)
    h ^= hi >>> c;
    l ^= (lo >>> c) | (hi << (32 - c));
  } else {
    rotr64(hi, lo, c);
    h ^= sHi;
    l ^= sLo;
  }
  sHi = h >>> 0;
  sLo = l >>> 0;
}

/** vshasigmad VRT,VRA,ST,SIX: per doubleword d, SIX bit 2d (from the left) picks sigma1. */
function vshasigmad(c: Cpu, insn: number): void {
  needVMX(c);
  const st1 = (insn >>> 15) & 1;
  const six = (insn >>> 11) & 15;
  const u32 = c.u32;
  const wa = vw(c, 32 + ((insn >>> 16) & 31));
  const wt = vw(c, 32 + ((insn >>> 21) & 31));
  let h0 = 0;
  let l0 = 0;
  for (let d = 0; d < 2; d++) {
    const lo = u32[wa + 2 * d];
    const hi = u32[wa + 2 * d + 1];
    const one = ((six >>> (3 - 2 * d)) & 1) !== 0;
    if (st1 === 0) {
      if (one) sigma64(hi, lo, 19, 61, 6, true);
      else sigma64(hi, lo, 1, 8, 7, true);
    } else if (one) sigma64(hi, lo, 14, 18, 41, false);
    else sigma64(hi, lo, 28, 34, 39, false);
    if (d === 0) {
      h0 = sHi;
      l0 = sLo;
    }
  }
  u32[wt] = l0;
  u32[wt + 1] = h0;
  u32[wt + 2] = sLo;
  u32[wt + 3] = sHi;
}

// ---------------------------------------------------------------- registration

reg4(1288, aes(K_CIPHER)); // vcipher
reg4(1289, aes(K_CIPHER_LAST)); // vcipherlast
reg4(1352, aes(K_NCIPHER)); // vncipher
reg4(1353, aes(K_NCIPHER_LAST)); // vncipherlast
reg4(1480, vsbox);
reg4(1666, vshasigmaw);
reg4(1730, vshasigmad);
