// Branches (b, bc, bclr, bcctr, bctar), condition-register logical instructions and
// mcrf (Power ISA 3.0B Book I 2.4-2.5), plus the opcode-19 system forms: rfid, rfscv,
// hrfid, isync and the power-management instructions.
//
// b/bc/bclr are among the most executed instructions: the handlers read fields inline,
// touch only the shared words they need, and never allocate.
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { regPrimary, reg19 } from '../decode.js';
import { raiseIllegal, raisePrivileged } from '../exceptions.js';
import { storeMSR } from './system.js';

// Layout constants as module-level bindings: handlers must not pay a namespace lookup
// per access (module loaders may turn `L.X` into a getter call).
const { CR, RESV_LEN, SPR, SPR_CFAR, SPR_CTR, SPR_LR, SPR_SRR0, SPR_SRR1, SPR_TAR, } = L;

// Word offsets from c.w.
const CR_W = CR >> 2;
const LR_W = (SPR + 8 * SPR_LR) >> 2;
const CTR_W = (SPR + 8 * SPR_CTR) >> 2;
const TAR_W = (SPR + 8 * SPR_TAR) >> 2;
const CFAR_W = (SPR + 8 * SPR_CFAR) >> 2;
const SRR0_W = (SPR + 8 * SPR_SRR0) >> 2;
const SRR1_W = (SPR + 8 * SPR_SRR1) >> 2;
const RESV_LEN_W = RESV_LEN >> 2;

// ---------------------------------------------------------------- b ba bl bla

function b(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const w = c.w;
  const li = ((insn << 6) >> 6) & ~3; // LI || 0b00, sign-extended
  if ((insn & 1) !== 0) {
    u32[w + LR_W] = c.pcLo;
    u32[w + LR_W + 1] = c.sf ? c.pcHi : 0;
  }
  u32[w + CFAR_W] = c.ciaLo;
  u32[w + CFAR_W + 1] = c.ciaHi;
  if ((insn & 2) === 0) {
    const s = (c.ciaLo >>> 0) + li;
    c.pcLo = s >>> 0;
    c.pcHi = c.sf ? (c.ciaHi + (s > 0xffffffff ? 1 : s < 0 ? -1 : 0)) >>> 0 : 0;
  } else {
    c.pcLo = li >>> 0;
    c.pcHi = li < 0 && c.sf ? 0xffffffff : 0;
  }
}

// ---------------------------------------------------------------- bc and friends

/**
 * The BO test shared by bc and bclr: decrements CTR when BO[2]=0 and returns whether
 * the branch is taken.
 */
function boTest(c: Cpu, insn: number, u32: Uint32Array, w: number): boolean {
  const bo = insn >>> 21; // 5 bits after the primary opcode is shifted out below
  if ((bo & 4) === 0) {
    // Decrement CTR (all 64 bits); in 32-bit mode only the low word is tested.
    const lo = u32[w + CTR_W];
    if (lo === 0) u32[w + CTR_W + 1] = (u32[w + CTR_W + 1] - 1) >>> 0;
    const nlo = (lo - 1) >>> 0;
    u32[w + CTR_W] = nlo;
    const zero = nlo === 0 && (!c.sf || u32[w + CTR_W + 1] === 0);
    if (zero !== ((bo & 2) !== 0)) return false;
  }
  if ((bo & 16) === 0) {
    const bit = (u32[w + CR_W] >>> (31 - ((insn >>> 16) & 31))) & 1;
    if (bit !== ((bo >>> 3) & 1)) return false;
  }
  return true;
}

function bc(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const w = c.w;
  if ((insn & 1) !== 0) {
    u32[w + LR_W] = c.pcLo;
    u32[w + LR_W + 1] = c.sf ? c.pcHi : 0;
  }
  if (!boTest(c, insn & 0x03ffffff, u32, w)) return;
  u32[w + CFAR_W] = c.ciaLo;
  u32[w + CFAR_W + 1] = c.ciaHi;
  const bd = (insn << 16) >> 16 & ~3; // BD || 0b00, sign-extended
  if ((insn & 2) === 0) {
    const s = (c.ciaLo >>> 0) + bd;
    c.pcLo = s >>> 0;
    c.pcHi = c.sf ? (c.ciaHi + (s > 0xffffffff ? 1 : s < 0 ? -1 : 0)) >>> 0 : 0;
  } else {
    c.pcLo = bd >>> 0;
    c.pcHi = bd < 0 && c.sf ? 0xffffffff : 0;
  }
}

function bclr(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const w = c.w;
  // The target is LR as it was before this instruction updates it.
  const tlo = u32[w + LR_W] & ~3;
  const thi = u32[w + LR_W + 1];
  if ((insn & 1) !== 0) {
    u32[w + LR_W] = c.pcLo;
    u32[w + LR_W + 1] = c.sf ? c.pcHi : 0;
  }
  if (!boTest(c, insn & 0x03ffffff, u32, w)) return;
  u32[w + CFAR_W] = c.ciaLo;
  u32[w + CFAR_W + 1] = c.ciaHi;
  c.pcLo = tlo >>> 0;
  c.pcHi = c.sf ? thi : 0;
}

/**
 * bcctr/bctar. For bcctr with BO[2]=0 (an invalid form in the ISA) POWER processors,
 * and QEMU, test CTR before decrementing it, and decrement only when that test passes.
 */
function bcToReg(c: Cpu, insn: number, regW: number): void {
  const u32 = c.u32;
  const w = c.w;
  const tlo = u32[w + regW] & ~3;
  const thi = u32[w + regW + 1];
  if ((insn & 1) !== 0) {
    u32[w + LR_W] = c.pcLo;
    u32[w + LR_W + 1] = c.sf ? c.pcHi : 0;
  }
  const bo = (insn >>> 21) & 31;
  if ((bo & 4) === 0) {
    const lo = u32[w + CTR_W];
    const zero = lo === 0 && (!c.sf || u32[w + CTR_W + 1] === 0);
    if (zero !== ((bo & 2) !== 0)) return;
    if (lo === 0) u32[w + CTR_W + 1] = (u32[w + CTR_W + 1] - 1) >>> 0;
    u32[w + CTR_W] = (lo - 1) >>> 0;
  }
  if ((bo & 16) === 0) {
    const bit = (u32[w + CR_W] >>> (31 - ((insn >>> 16) & 31))) & 1;
    if (bit !== ((bo >>> 3) & 1)) return;
  }
  u32[w + CFAR_W] = c.ciaLo;
  u32[w + CFAR_W + 1] = c.ciaHi;
  c.pcLo = tlo >>> 0;
  c.pcHi = c.sf ? thi : 0;
}

function bcctr(c: Cpu, insn: number): void {
  bcToReg(c, insn, CTR_W);
}

function bctar(c: Cpu, insn: number): void {
  bcToReg(c, insn, TAR_W);
}

// ---------------------------------------------------------------- CR logical, mcrf
// CR bit b (0 = most significant, ISA numbering 32 + b) is bit 31 - b of the CR word.

function crOp(c: Cpu, insn: number, r: number): void {
  const i = c.w + CR_W;
  const m = 1 << (31 - ((insn >>> 21) & 31));
  c.u32[i] = (r & 1) !== 0 ? c.u32[i] | m : c.u32[i] & ~m;
}

function crA(c: Cpu, insn: number): number {
  return c.u32[c.w + CR_W] >>> (31 - ((insn >>> 16) & 31));
}

function crB(c: Cpu, insn: number): number {
  return c.u32[c.w + CR_W] >>> (31 - ((insn >>> 11) & 31));
}

const crand = (c: Cpu, i: number): void => crOp(c, i, crA(c, i) & crB(c, i));
const cror = (c: Cpu, i: number): void => crOp(c, i, crA(c, i) | crB(c, i));
const crxor = (c: Cpu, i: number): void => crOp(c, i, crA(c, i) ^ crB(c, i));
const crnand = (c: Cpu, i: number): void => crOp(c, i, ~(crA(c, i) & crB(c, i)));
const crnor = (c: Cpu, i: number): void => crOp(c, i, ~(crA(c, i) | crB(c, i)));
const creqv = (c: Cpu, i: number): void => crOp(c, i, ~(crA(c, i) ^ crB(c, i)));
const crandc = (c: Cpu, i: number): void => crOp(c, i, crA(c, i) & ~crB(c, i));
const crorc = (c: Cpu, i: number): void => crOp(c, i, crA(c, i) | ~crB(c, i));

function mcrf(c: Cpu, insn: number): void {
  const i = c.w + CR_W;
  const bf = (insn >>> 23) & 7;
  const bfa = (insn >>> 18) & 7;
  const cr = c.u32[i];
  const field = (cr >>> (28 - 4 * bfa)) & 0xf;
  const sh = 28 - 4 * bf;
  c.u32[i] = (cr & ~(0xf << sh)) | (field << sh);
}

// ---------------------------------------------------------------- rfid, rfscv, hrfid, isync

/** Return from interrupt to (nia, msr): the MSR rules are storeMSR's (as mtmsrd). */
function returnTo(c: Cpu, niaLo: number, niaHi: number, msrLo: number, msrHi: number): void {
  const u32 = c.u32;
  const w = c.w;
  u32[w + CFAR_W] = c.ciaLo;
  u32[w + CFAR_W + 1] = c.ciaHi;
  u32[w + RESV_LEN_W] = 0; // context synchronising: the reservation is lost
  storeMSR(c, msrLo, msrHi);
  c.pcLo = (niaLo & ~3) >>> 0;
  c.pcHi = c.sf ? niaHi >>> 0 : 0; // returning to 32-bit mode crops the address
  c.invalidateFetch();
}

function rfid(c: Cpu, _insn: number): void {
  if (c.pr) raisePrivileged(c);
  const u32 = c.u32;
  const w = c.w;
  returnTo(c, u32[w + SRR0_W], u32[w + SRR0_W + 1], u32[w + SRR1_W], u32[w + SRR1_W + 1]);
}

function rfscv(c: Cpu, _insn: number): void {
  if (c.pr) raisePrivileged(c);
  const u32 = c.u32;
  const w = c.w;
  returnTo(c, u32[w + LR_W], u32[w + LR_W + 1], u32[w + CTR_W], u32[w + CTR_W + 1]);
}

/** Hypervisor-only instructions (hrfid, stop): privileged for a guest with MSR[HV]=0. */
function hvOnly(c: Cpu, _insn: number): void {
  raisePrivileged(c);
}

function isync(c: Cpu, _insn: number): void {
  // Context synchronising: later instructions are fetched in the new context.
  c.invalidateFetch();
}

/** rfi and the pre-ISA-3.0 power-saving instructions do not exist on POWER9. */
function gone(c: Cpu, insn: number): void {
  raiseIllegal(c, insn);
}

regPrimary(18, b);
regPrimary(16, bc);
reg19(16, bclr);
reg19(528, bcctr);
reg19(560, bctar);
reg19(257, crand);
reg19(449, cror);
reg19(193, crxor);
reg19(225, crnand);
reg19(33, crnor);
reg19(289, creqv);
reg19(129, crandc);
reg19(417, crorc);
reg19(0, mcrf);
reg19(18, rfid);
reg19(82, rfscv);
reg19(274, hvOnly); // hrfid
reg19(370, hvOnly); // stop
reg19(150, isync);
reg19(50, gone); // rfi
