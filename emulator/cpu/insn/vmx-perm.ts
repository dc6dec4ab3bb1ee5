// VMX/VSX logical operations, permutes, splats, merges and whole-register shifts
// (Power ISA 3.0B Book I 6.8, 6.9.2, 6.10, 7.6). Element positions follow vreg.ts.
import type { Cpu } from '../cpu.js';
import { reg4, reg4VA, reg60 } from '../decode.js';
import { sb as sbShared, rb as rbShared } from '../vreg.js';
import { VSR as VSR_LAYOUT, MSR as MSR_LAYOUT, MSR_VEC as MSR_VEC_LAYOUT, MSR_VSX as MSR_VSX_LAYOUT } from '../layout.js';
import { raiseVMXUnavailable, raiseVSXUnavailable } from '../exceptions.js';

// Hot helpers and shared values as module-local bindings: under the module loader a
// call into another module (or a read of its export) costs a getter; see vreg.ts for
// the documented shared versions.
const VSR_OFF = VSR_LAYOUT;
const MSR_W = MSR_LAYOUT >> 2;
const MSR_VEC = MSR_VEC_LAYOUT;
const MSR_VSX = MSR_VSX_LAYOUT;
const sb = sbShared;
const rb = rbShared;

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

function readBytes(c: Cpu, n: number, off: number): void {
  const u8 = c.u8;
  const b = c.base + VSR_OFF + (n << 4);
  for (let i = 0; i < 16; i++) sb[off + i] = u8[b + (i ^ 7)];
}

function writeBytes(c: Cpu, n: number): void {
  const u8 = c.u8;
  const b = c.base + VSR_OFF + (n << 4);
  for (let i = 0; i < 16; i++) u8[b + (i ^ 7)] = rb[i];
}

function setWords(c: Cpu, n: number, w0: number, w1: number, w2: number, w3: number): void {
  const u32 = c.u32;
  const w = ((c.base + VSR_OFF) >> 2) + (n << 2);
  u32[w] = w1;
  u32[w + 1] = w0;
  u32[w + 2] = w3;
  u32[w + 3] = w2;
}

// ---------------------------------------------------------------- field helpers

/** VX/VA-form register fields, as VSR numbers. */
function vrt(insn: number): number {
  return 32 + ((insn >>> 21) & 31);
}
function vra(insn: number): number {
  return 32 + ((insn >>> 16) & 31);
}
function vrb(insn: number): number {
  return 32 + ((insn >>> 11) & 31);
}
function vrc(insn: number): number {
  return 32 + ((insn >>> 6) & 31);
}
/** XX-form register fields (the extension bits are TX 31, AX 29, BX 30, CX 28). */
function xT(insn: number): number {
  return ((insn & 1) << 5) | ((insn >>> 21) & 31);
}
function xA(insn: number): number {
  return (insn & 4) << 3 | ((insn >>> 16) & 31);
}
function xB(insn: number): number {
  return (insn & 2) << 4 | ((insn >>> 11) & 31);
}
function xC(insn: number): number {
  return (insn & 8) << 2 | ((insn >>> 6) & 31);
}

// ---------------------------------------------------------------- logical

const L_AND = 0;
const L_ANDC = 1;
const L_OR = 2;
const L_XOR = 3;
const L_NOR = 4;
const L_ORC = 5;
const L_NAND = 6;
const L_EQV = 7;

function logical(c: Cpu, t: number, a: number, b: number, op: number): void {
  const u32 = c.u32;
  const wt = vw(c, t);
  const wa = vw(c, a);
  const wb = vw(c, b);
  for (let k = 0; k < 4; k++) {
    const x = u32[wa + k];
    const y = u32[wb + k];
    let r: number;
    switch (op) {
      case L_AND:
        r = x & y;
        break;
      case L_ANDC:
        r = x & ~y;
        break;
      case L_OR:
        r = x | y;
        break;
      case L_XOR:
        r = x ^ y;
        break;
      case L_NOR:
        r = ~(x | y);
        break;
      case L_ORC:
        r = x | ~y;
        break;
      case L_NAND:
        r = ~(x & y);
        break;
      default:
        r = ~(x ^ y);
        break;
    }
    u32[wt + k] = r;
  }
}

/** vor and xxlor are also the register-move idioms (vmr, xxlor t,a,a). */
function vor(c: Cpu, insn: number): void {
  needVMX(c);
  const u32 = c.u32;
  const wt = vw(c, vrt(insn));
  const wa = vw(c, vra(insn));
  const wb = vw(c, vrb(insn));
  u32[wt] = u32[wa] | u32[wb];
  u32[wt + 1] = u32[wa + 1] | u32[wb + 1];
  u32[wt + 2] = u32[wa + 2] | u32[wb + 2];
  u32[wt + 3] = u32[wa + 3] | u32[wb + 3];
}

/** vxor / xxlxor: also the zeroing idiom (vxor t,t,t). */
function vxor(c: Cpu, insn: number): void {
  needVMX(c);
  const u32 = c.u32;
  const wt = vw(c, vrt(insn));
  const wa = vw(c, vra(insn));
  const wb = vw(c, vrb(insn));
  u32[wt] = u32[wa] ^ u32[wb];
  u32[wt + 1] = u32[wa + 1] ^ u32[wb + 1];
  u32[wt + 2] = u32[wa + 2] ^ u32[wb + 2];
  u32[wt + 3] = u32[wa + 3] ^ u32[wb + 3];
}

function xxlor(c: Cpu, insn: number): void {
  needVSX(c);
  const u32 = c.u32;
  const wt = vw(c, xT(insn));
  const wa = vw(c, xA(insn));
  const wb = vw(c, xB(insn));
  u32[wt] = u32[wa] | u32[wb];
  u32[wt + 1] = u32[wa + 1] | u32[wb + 1];
  u32[wt + 2] = u32[wa + 2] | u32[wb + 2];
  u32[wt + 3] = u32[wa + 3] | u32[wb + 3];
}

function xxlxor(c: Cpu, insn: number): void {
  needVSX(c);
  const u32 = c.u32;
  const wt = vw(c, xT(insn));
  const wa = vw(c, xA(insn));
  const wb = vw(c, xB(insn));
  u32[wt] = u32[wa] ^ u32[wb];
  u32[wt + 1] = u32[wa + 1] ^ u32[wb + 1];
  u32[wt + 2] = u32[wa + 2] ^ u32[wb + 2];
  u32[wt + 3] = u32[wa + 3] ^ u32[wb + 3];
}

function vlogical(op: number) {
  return (c: Cpu, insn: number): void => {
    needVMX(c);
    logical(c, vrt(insn), vra(insn), vrb(insn), op);
  };
}

function xlogical(op: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    logical(c, xT(insn), xA(insn), xB(insn), op);
  };
}

/** vsel: bits of VRB where VRC is 1, of VRA where it is 0. */
function vsel(c: Cpu, insn: number): void {
  needVMX(c);
  select(c, vrt(insn), vra(insn), vrb(insn), vrc(insn));
}

function xxsel(c: Cpu, insn: number): void {
  needVSX(c);
  select(c, xT(insn), xA(insn), xB(insn), xC(insn));
}

function select(c: Cpu, t: number, a: number, b: number, m: number): void {
  const u32 = c.u32;
  const wt = vw(c, t);
  const wa = vw(c, a);
  const wb = vw(c, b);
  const wm = vw(c, m);
  for (let k = 0; k < 4; k++) {
    const mask = u32[wm + k];
    u32[wt + k] = (u32[wa + k] & ~mask) | (u32[wb + k] & mask);
  }
}

// ---------------------------------------------------------------- permutes

// Snapshot of two source registers in host storage order: A in words 0-3, B in 4-7.
// ISA byte k (0-31) of A || B is then p8[k ^ 7], whatever register the result aliases.
const p32 = new Uint32Array(8);
const p8 = new Uint8Array(p32.buffer);

function snapshot(c: Cpu, a: number, b: number): void {
  const u32 = c.u32;
  const wa = vw(c, a);
  const wb = vw(c, b);
  p32[0] = u32[wa];
  p32[1] = u32[wa + 1];
  p32[2] = u32[wa + 2];
  p32[3] = u32[wa + 3];
  p32[4] = u32[wb];
  p32[5] = u32[wb + 1];
  p32[6] = u32[wb + 2];
  p32[7] = u32[wb + 3];
}

/** vperm: byte i = (VRA || VRB)[VRC byte i & 31]; vpermr counts from the other end. */
function vperm(c: Cpu, insn: number): void {
  needVMX(c);
  snapshot(c, vra(insn), vrb(insn));
  const u8 = c.u8;
  const bt = vb(c, vrt(insn));
  const bc = vb(c, vrc(insn));
  // Result byte i and control byte i share a storage position: safe when VRT = VRC.
  for (let o = 0; o < 16; o++) u8[bt + o] = p8[(u8[bc + o] & 31) ^ 7];
}

function vpermr(c: Cpu, insn: number): void {
  needVMX(c);
  snapshot(c, vra(insn), vrb(insn));
  const u8 = c.u8;
  const bt = vb(c, vrt(insn));
  const bc = vb(c, vrc(insn));
  for (let o = 0; o < 16; o++) u8[bt + o] = p8[(31 - (u8[bc + o] & 31)) ^ 7];
}

/** vpermxor: byte i = VRA[VRC byte i >> 4] ^ VRB[VRC byte i & 15]. */
function vpermxor(c: Cpu, insn: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  const u8 = c.u8;
  const bt = vb(c, vrt(insn));
  const bc = vb(c, vrc(insn));
  for (let o = 0; o < 16; o++) {
    const k = u8[bc + o];
    u8[bt + o] = sb[k >>> 4] ^ sb[16 + (k & 15)];
  }
}

/** xxperm: XT byte i = (XA || XT)[XB byte i & 31]; xxpermr from the other end. */
function xxperm(c: Cpu, insn: number): void {
  needVSX(c);
  const t = xT(insn);
  readBytes(c, xA(insn), 0);
  readBytes(c, t, 16);
  const u8 = c.u8;
  const bt = vb(c, t);
  const bc = vb(c, xB(insn));
  for (let o = 0; o < 16; o++) u8[bt + o] = sb[u8[bc + o] & 31];
}

function xxpermr(c: Cpu, insn: number): void {
  needVSX(c);
  const t = xT(insn);
  readBytes(c, xA(insn), 0);
  readBytes(c, t, 16);
  const u8 = c.u8;
  const bt = vb(c, t);
  const bc = vb(c, xB(insn));
  for (let o = 0; o < 16; o++) u8[bt + o] = sb[31 - (u8[bc + o] & 31)];
}

/** xxpermdi (xxswapd, xxspltd, xxmrghd, xxmrgld): DM (bits 22:23) picks a doubleword of each. */
function xxpermdi(c: Cpu, insn: number): void {
  needVSX(c);
  const u32 = c.u32;
  const wa = vw(c, xA(insn)) + ((insn >>> 8) & 2);
  const wb = vw(c, xB(insn)) + ((insn >>> 7) & 2);
  const a0 = u32[wa];
  const a1 = u32[wa + 1];
  const b0 = u32[wb];
  const b1 = u32[wb + 1];
  const wt = vw(c, xT(insn));
  u32[wt] = a0;
  u32[wt + 1] = a1;
  u32[wt + 2] = b0;
  u32[wt + 3] = b1;
}

/** vsldoi: bytes SH..SH+15 of VRA || VRB, as a funnel shift of the eight ISA words. */
function vsldoi(c: Cpu, insn: number): void {
  needVMX(c);
  const sh = (insn >>> 6) & 15;
  snapshot(c, vra(insn), vrb(insn));
  const q = sh >>> 2;
  const r = (sh & 3) << 3;
  // ISA word j of A || B is p32[j ^ 1].
  let w0 = p32[q ^ 1];
  let w1 = p32[(q + 1) ^ 1];
  let w2 = p32[(q + 2) ^ 1];
  let w3 = p32[(q + 3) ^ 1];
  if (r !== 0) {
    const w4 = p32[(q + 4) ^ 1];
    w0 = (w0 << r) | (w1 >>> (32 - r));
    w1 = (w1 << r) | (w2 >>> (32 - r));
    w2 = (w2 << r) | (w3 >>> (32 - r));
    w3 = (w3 << r) | (w4 >>> (32 - r));
  }
  setWords(c, vrt(insn), w0, w1, w2, w3);
}

/** xxsldwi: words SHW..SHW+3 of XA || XB. */
function xxsldwi(c: Cpu, insn: number): void {
  needVSX(c);
  const sh = (insn >>> 8) & 3;
  const u32 = c.u32;
  const wa = vw(c, xA(insn));
  const wb = vw(c, xB(insn));
  // ISA word order of XA || XB.
  const s0 = u32[wa + 1];
  const s1 = u32[wa];
  const s2 = u32[wa + 3];
  const s3 = u32[wa + 2];
  const s4 = u32[wb + 1];
  const s5 = u32[wb];
  const s6 = u32[wb + 3];
  const t = xT(insn);
  if (sh === 0) setWords(c, t, s0, s1, s2, s3);
  else if (sh === 1) setWords(c, t, s1, s2, s3, s4);
  else if (sh === 2) setWords(c, t, s2, s3, s4, s5);
  else setWords(c, t, s3, s4, s5, s6);
}

// ---------------------------------------------------------------- splats

function vspltb(c: Cpu, insn: number): void {
  needVMX(c);
  const v = c.u8[vb(c, vrb(insn)) + (((insn >>> 16) & 15) ^ 7)];
  const x = v * 0x01010101;
  const u32 = c.u32;
  const wt = vw(c, vrt(insn));
  u32[wt] = x;
  u32[wt + 1] = x;
  u32[wt + 2] = x;
  u32[wt + 3] = x;
}

function vsplth(c: Cpu, insn: number): void {
  needVMX(c);
  const i = (insn >>> 16) & 7;
  const w = c.u32[vw(c, vrb(insn)) + ((i >>> 1) ^ 1)];
  const h = (i & 1) === 0 ? w >>> 16 : w & 0xffff;
  const x = (h | (h << 16)) >>> 0;
  const u32 = c.u32;
  const wt = vw(c, vrt(insn));
  u32[wt] = x;
  u32[wt + 1] = x;
  u32[wt + 2] = x;
  u32[wt + 3] = x;
}

function splatWord(c: Cpu, t: number, b: number, i: number): void {
  const u32 = c.u32;
  const x = u32[vw(c, b) + (i ^ 1)];
  const wt = vw(c, t);
  u32[wt] = x;
  u32[wt + 1] = x;
  u32[wt + 2] = x;
  u32[wt + 3] = x;
}

function vspltw(c: Cpu, insn: number): void {
  needVMX(c);
  splatWord(c, vrt(insn), vrb(insn), (insn >>> 16) & 3);
}

function xxspltw(c: Cpu, insn: number): void {
  needVSX(c);
  splatWord(c, xT(insn), xB(insn), (insn >>> 16) & 3);
}

function fillWords(c: Cpu, t: number, x: number): void {
  const u32 = c.u32;
  const wt = vw(c, t);
  u32[wt] = x;
  u32[wt + 1] = x;
  u32[wt + 2] = x;
  u32[wt + 3] = x;
}

/** SIM (bits 11:15) sign-extended. */
function sim(insn: number): number {
  return (insn << 11) >> 27;
}

function vspltisb(c: Cpu, insn: number): void {
  needVMX(c);
  fillWords(c, vrt(insn), (sim(insn) & 0xff) * 0x01010101);
}

function vspltish(c: Cpu, insn: number): void {
  needVMX(c);
  fillWords(c, vrt(insn), (sim(insn) & 0xffff) * 0x00010001);
}

function vspltisw(c: Cpu, insn: number): void {
  needVMX(c);
  fillWords(c, vrt(insn), sim(insn));
}

function xxspltib(c: Cpu, insn: number): void {
  const t = xT(insn);
  if (t < 32) needVSX(c);
  else needVMX(c);
  fillWords(c, t, ((insn >>> 11) & 0xff) * 0x01010101);
}

// ---------------------------------------------------------------- merges

/** vmrghb / vmrglb: interleave bytes from the high (first) or low half. */
function mergeBytes(c: Cpu, insn: number, from: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  for (let i = 0; i < 8; i++) {
    rb[2 * i] = sb[from + i];
    rb[2 * i + 1] = sb[16 + from + i];
  }
  writeBytes(c, vrt(insn));
}

function mergeHalves(c: Cpu, insn: number, from: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  for (let i = 0; i < 4; i++) {
    const s = 2 * (from + i);
    rb[4 * i] = sb[s];
    rb[4 * i + 1] = sb[s + 1];
    rb[4 * i + 2] = sb[16 + s];
    rb[4 * i + 3] = sb[16 + s + 1];
  }
  writeBytes(c, vrt(insn));
}

/** Word merges: result = A[i], B[i], A[j], B[j] (ISA word numbers). */
function mergeWords(c: Cpu, t: number, a: number, b: number, i: number, j: number): void {
  const u32 = c.u32;
  const wa = vw(c, a);
  const wb = vw(c, b);
  const ai = u32[wa + (i ^ 1)];
  const bi = u32[wb + (i ^ 1)];
  const aj = u32[wa + (j ^ 1)];
  const bj = u32[wb + (j ^ 1)];
  setWords(c, t, ai, bi, aj, bj);
}

function vmergeW(i: number, j: number) {
  return (c: Cpu, insn: number): void => {
    needVMX(c);
    mergeWords(c, vrt(insn), vra(insn), vrb(insn), i, j);
  };
}

function xmergeW(i: number, j: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    mergeWords(c, xT(insn), xA(insn), xB(insn), i, j);
  };
}

// ---------------------------------------------------------------- whole-register shifts

/** vsl / vsr: shift the 128 bits by VRB bits 125:127. */
function vsl(c: Cpu, insn: number): void {
  needVMX(c);
  const u32 = c.u32;
  const sh = c.u8[vb(c, vrb(insn)) + (15 ^ 7)] & 7;
  const wa = vw(c, vra(insn));
  let w0 = u32[wa + 1];
  let w1 = u32[wa];
  let w2 = u32[wa + 3];
  let w3 = u32[wa + 2];
  if (sh !== 0) {
    w0 = (w0 << sh) | (w1 >>> (32 - sh));
    w1 = (w1 << sh) | (w2 >>> (32 - sh));
    w2 = (w2 << sh) | (w3 >>> (32 - sh));
    w3 = w3 << sh;
  }
  setWords(c, vrt(insn), w0, w1, w2, w3);
}

function vsr(c: Cpu, insn: number): void {
  needVMX(c);
  const u32 = c.u32;
  const sh = c.u8[vb(c, vrb(insn)) + (15 ^ 7)] & 7;
  const wa = vw(c, vra(insn));
  let w0 = u32[wa + 1];
  let w1 = u32[wa];
  let w2 = u32[wa + 3];
  let w3 = u32[wa + 2];
  if (sh !== 0) {
    w3 = (w3 >>> sh) | (w2 << (32 - sh));
    w2 = (w2 >>> sh) | (w1 << (32 - sh));
    w1 = (w1 >>> sh) | (w0 << (32 - sh));
    w0 = w0 >>> sh;
  }
  setWords(c, vrt(insn), w0, w1, w2, w3);
}

/** vslo / vsro: shift by whole octets, VRB bits 121:124. */
function vslo(c: Cpu, insn: number): void {
  needVMX(c);
  const sh = (c.u8[vb(c, vrb(insn)) + (15 ^ 7)] >>> 3) & 15;
  readBytes(c, vra(insn), 0);
  for (let i = 0; i < 16; i++) rb[i] = i + sh < 16 ? sb[i + sh] : 0;
  writeBytes(c, vrt(insn));
}

function vsro(c: Cpu, insn: number): void {
  needVMX(c);
  const sh = (c.u8[vb(c, vrb(insn)) + (15 ^ 7)] >>> 3) & 15;
  readBytes(c, vra(insn), 0);
  for (let i = 0; i < 16; i++) rb[i] = i >= sh ? sb[i - sh] : 0;
  writeBytes(c, vrt(insn));
}

/** vslv / vsrv: each byte shifted by its own count, taking bits from its neighbour. */
function vslv(c: Cpu, insn: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  for (let i = 0; i < 16; i++) {
    const pair = (sb[i] << 8) | (i < 15 ? sb[i + 1] : 0);
    rb[i] = (pair << (sb[16 + i] & 7)) >>> 8;
  }
  writeBytes(c, vrt(insn));
}

function vsrv(c: Cpu, insn: number): void {
  needVMX(c);
  readBytes(c, vra(insn), 0);
  readBytes(c, vrb(insn), 16);
  for (let i = 0; i < 16; i++) {
    const pair = ((i > 0 ? sb[i - 1] : 0) << 8) | sb[i];
    rb[i] = pair >>> (sb[16 + i] & 7);
  }
  writeBytes(c, vrt(insn));
}

// ---------------------------------------------------------------- registration

reg4(1028, vlogical(L_AND));
reg4(1092, vlogical(L_ANDC));
reg4(1156, vor);
reg4(1220, vxor);
reg4(1284, vlogical(L_NOR));
reg4(1348, vlogical(L_ORC));
reg4(1412, vlogical(L_NAND));
reg4(1668, vlogical(L_EQV));
reg4VA(42, vsel);
reg4VA(43, vperm);
reg4VA(59, vpermr);
reg4VA(45, vpermxor);
reg4VA(44, vsldoi); // bit 26 is 0 in vsldoi's XO, SHB in bits 22:25 lies inside "VC"

reg4(524, vspltb);
reg4(588, vsplth);
reg4(652, vspltw);
reg4(780, vspltisb);
reg4(844, vspltish);
reg4(908, vspltisw);

reg4(12, (c, i) => mergeBytes(c, i, 0)); // vmrghb
reg4(268, (c, i) => mergeBytes(c, i, 8)); // vmrglb
reg4(76, (c, i) => mergeHalves(c, i, 0)); // vmrghh
reg4(332, (c, i) => mergeHalves(c, i, 4)); // vmrglh
reg4(140, vmergeW(0, 1)); // vmrghw
reg4(396, vmergeW(2, 3)); // vmrglw
reg4(1932, vmergeW(0, 2)); // vmrgew
reg4(1676, vmergeW(1, 3)); // vmrgow

reg4(452, vsl);
reg4(708, vsr);
reg4(1036, vslo);
reg4(1100, vsro);
reg4(1860, vslv);
reg4(1796, vsrv);

/** XX3 forms occupy two slots of bits 21:29 (AX is bit 29). */
function reg60x3(xo8: number, fn: (c: Cpu, insn: number) => void): void {
  reg60(xo8 << 1, fn);
  reg60((xo8 << 1) | 1, fn);
}

reg60x3(130, xlogical(L_AND)); // xxland
reg60x3(138, xlogical(L_ANDC)); // xxlandc
reg60x3(146, xxlor);
reg60x3(154, xxlxor);
reg60x3(162, xlogical(L_NOR)); // xxlnor
reg60x3(170, xlogical(L_ORC)); // xxlorc
reg60x3(178, xlogical(L_NAND)); // xxlnand
reg60x3(186, xlogical(L_EQV)); // xxleqv
reg60x3(26, xxperm);
reg60x3(58, xxpermr);
for (let dm = 0; dm < 4; dm++) {
  reg60x3((dm << 5) | 10, xxpermdi);
  reg60x3((dm << 5) | 2, xxsldwi);
}
reg60x3(18, xmergeW(0, 1)); // xxmrghw
reg60x3(50, xmergeW(2, 3)); // xxmrglw
reg60(164, xxspltw);
reg60(180, xxspltib);
// xxsel (XX4): C in bits 21:25, XO 11 in bits 26:27, CX bit 28, AX bit 29.
for (let k = 0; k < 32; k++) for (let x = 0; x < 4; x++) reg60((k << 4) | 12 | x, xxsel);
