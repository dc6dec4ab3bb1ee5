// VSX GPR<->VSR moves, sign manipulation and the single/double format conversions
// (Power ISA 3.0B Book I 7.6).
import type { Cpu } from '../cpu.js';
import { reg31, reg60 } from '../decode.js';
import { singleToDouble, doubleToSingle, dHi } from '../vreg.js';
import { VSR as VSR_LAYOUT, MSR as MSR_LAYOUT, MSR_VEC as MSR_VEC_LAYOUT, MSR_VSX as MSR_VSX_LAYOUT, MSR_FP as MSR_FP_LAYOUT } from '../layout.js';
import { raiseVMXUnavailable, raiseVSXUnavailable, raiseFPUnavailable } from '../exceptions.js';

// Hot helpers and shared values as module-local bindings: under the module loader a
// call into another module (or a read of its export) costs a getter; see vreg.ts for
// the documented shared versions.
const VSR_OFF = VSR_LAYOUT;
const MSR_W = MSR_LAYOUT >> 2;
const MSR_VEC = MSR_VEC_LAYOUT;
const MSR_VSX = MSR_VSX_LAYOUT;
const MSR_FP = MSR_FP_LAYOUT;

function vw(c: Cpu, n: number): number {
  return ((c.base + VSR_OFF) >> 2) + (n << 2);
}

function needVSX(c: Cpu): void {
  if ((c.u32[c.w + MSR_W] & MSR_VSX) === 0) raiseVSXUnavailable(c);
}

function needFPorVMX(c: Cpu, n: number): void {
  if ((c.u32[c.w + MSR_W] & (n < 32 ? MSR_FP : MSR_VEC)) !== 0) return;
  if (n < 32) raiseFPUnavailable(c);
  raiseVMXUnavailable(c);
}

function needVSXorVMX(c: Cpu, n: number): void {
  if ((c.u32[c.w + MSR_W] & (n < 32 ? MSR_VSX : MSR_VEC)) !== 0) return;
  if (n < 32) raiseVSXUnavailable(c);
  raiseVMXUnavailable(c);
}

/** XT/XS of the XX1-form moves (TX/SX in bit 31). */
function xs(insn: number): number {
  return ((insn & 1) << 5) | ((insn >>> 21) & 31);
}
function xA(insn: number): number {
  return ((insn & 4) << 3) | ((insn >>> 16) & 31);
}
function xB(insn: number): number {
  return ((insn & 2) << 4) | ((insn >>> 11) & 31);
}

// ---------------------------------------------------------------- GPR <-> VSR
// Doubleword 1 is left alone where the ISA calls it undefined (as QEMU does).

function mfvsrd(c: Cpu, insn: number): void {
  const s = xs(insn);
  needFPorVMX(c, s);
  const w = vw(c, s);
  c.setGPR32((insn >>> 16) & 31, c.u32[w], c.u32[w + 1]);
}

function mfvsrwz(c: Cpu, insn: number): void {
  const s = xs(insn);
  needFPorVMX(c, s);
  c.setGPR32((insn >>> 16) & 31, c.u32[vw(c, s)], 0);
}

function mtvsrd(c: Cpu, insn: number): void {
  const t = xs(insn);
  needFPorVMX(c, t);
  const g = c.w + 2 * ((insn >>> 16) & 31);
  const w = vw(c, t);
  c.u32[w] = c.u32[g];
  c.u32[w + 1] = c.u32[g + 1];
}

function mtvsrwa(c: Cpu, insn: number): void {
  const t = xs(insn);
  needFPorVMX(c, t);
  const v = c.u32[c.w + 2 * ((insn >>> 16) & 31)];
  const w = vw(c, t);
  c.u32[w] = v;
  c.u32[w + 1] = (v | 0) >> 31;
}

function mtvsrwz(c: Cpu, insn: number): void {
  const t = xs(insn);
  needFPorVMX(c, t);
  const v = c.u32[c.w + 2 * ((insn >>> 16) & 31)];
  const w = vw(c, t);
  c.u32[w] = v;
  c.u32[w + 1] = 0;
}

/** mfvsrld: doubleword 1. */
function mfvsrld(c: Cpu, insn: number): void {
  const s = xs(insn);
  needVSXorVMX(c, s);
  const w = vw(c, s);
  c.setGPR32((insn >>> 16) & 31, c.u32[w + 2], c.u32[w + 3]);
}

/** mtvsrdd: doubleword 0 = (RA|0), doubleword 1 = (RB). */
function mtvsrdd(c: Cpu, insn: number): void {
  const t = xs(insn);
  needVSXorVMX(c, t);
  const ra = (insn >>> 16) & 31;
  const gb = c.w + 2 * ((insn >>> 11) & 31);
  const u32 = c.u32;
  const w = vw(c, t);
  const bl = u32[gb];
  const bh = u32[gb + 1];
  if (ra === 0) {
    u32[w] = 0;
    u32[w + 1] = 0;
  } else {
    const ga = c.w + 2 * ra;
    u32[w] = u32[ga];
    u32[w + 1] = u32[ga + 1];
  }
  u32[w + 2] = bl;
  u32[w + 3] = bh;
}

/** mtvsrws: the low word of RA into all four words. */
function mtvsrws(c: Cpu, insn: number): void {
  const t = xs(insn);
  needVSXorVMX(c, t);
  const v = c.u32[c.w + 2 * ((insn >>> 16) & 31)];
  const u32 = c.u32;
  const w = vw(c, t);
  u32[w] = v;
  u32[w + 1] = v;
  u32[w + 2] = v;
  u32[w + 3] = v;
}

// ---------------------------------------------------------------- sign manipulation

const S_ABS = 0;
const S_NABS = 1;
const S_NEG = 2;

/** xsabsdp/xsnabsdp/xsnegdp: on doubleword 0; doubleword 1 becomes 0 (as QEMU). */
function scalarSign(op: number) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const u32 = c.u32;
    const wb = vw(c, xB(insn));
    const lo = u32[wb];
    const hi = u32[wb + 1];
    const wt = vw(c, xs(insn));
    u32[wt] = lo;
    u32[wt + 1] = op === S_ABS ? hi & 0x7fffffff : op === S_NABS ? hi | 0x80000000 : hi ^ 0x80000000;
    u32[wt + 2] = 0;
    u32[wt + 3] = 0;
  };
}

function xscpsgndp(c: Cpu, insn: number): void {
  needVSX(c);
  const u32 = c.u32;
  const sign = u32[vw(c, xA(insn)) + 1] & 0x80000000;
  const wb = vw(c, xB(insn));
  const lo = u32[wb];
  const hi = u32[wb + 1];
  const wt = vw(c, xs(insn));
  u32[wt] = lo;
  u32[wt + 1] = (hi & 0x7fffffff) | sign;
  u32[wt + 2] = 0;
  u32[wt + 3] = 0;
}

/** xv{abs,nabs,neg}{dp,sp}: on every element; `dp` picks which words carry a sign. */
function vectorSign(op: number, dp: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const u32 = c.u32;
    const wb = vw(c, xB(insn));
    const wt = vw(c, xs(insn));
    for (let k = 0; k < 4; k++) {
      const x = u32[wb + k];
      if (dp && (k & 1) === 0) {
        u32[wt + k] = x; // low word of a doubleword: no sign bit
        continue;
      }
      u32[wt + k] = op === S_ABS ? x & 0x7fffffff : op === S_NABS ? x | 0x80000000 : x ^ 0x80000000;
    }
  };
}

function vectorCopySign(dp: boolean) {
  return (c: Cpu, insn: number): void => {
    needVSX(c);
    const u32 = c.u32;
    const wa = vw(c, xA(insn));
    const wb = vw(c, xB(insn));
    const wt = vw(c, xs(insn));
    for (let k = 0; k < 4; k++) {
      const x = u32[wb + k];
      if (dp && (k & 1) === 0) {
        u32[wt + k] = x;
        continue;
      }
      u32[wt + k] = (x & 0x7fffffff) | (u32[wa + k] & 0x80000000);
    }
  };
}

// ---------------------------------------------------------------- format conversions (non-signalling)

/** xscvspdpn: word 0 (single) to doubleword 0 (double), exactly, NaNs unchanged. */
function xscvspdpn(c: Cpu, insn: number): void {
  needVSX(c);
  const u32 = c.u32;
  const v = u32[vw(c, xB(insn)) + 1];
  const wt = vw(c, xs(insn));
  u32[wt] = singleToDouble(v);
  u32[wt + 1] = dHi;
  u32[wt + 2] = 0;
  u32[wt + 3] = 0;
}

/**
 * xscvdpspn: doubleword 0 (double) to single format in word 0 without touching the
 * FPSCR. Only single-representable inputs are defined; others are truncated like a
 * store-single (as QEMU does), NaNs keep their payload (not quieted). Word 1 gets a
 * copy of the result, doubleword 1 is cleared (undefined in the ISA; matches QEMU).
 */
function xscvdpspn(c: Cpu, insn: number): void {
  needVSX(c);
  const u32 = c.u32;
  const wb = vw(c, xB(insn));
  const r = doubleToSingle(u32[wb], u32[wb + 1]);
  const wt = vw(c, xs(insn));
  u32[wt] = r;
  u32[wt + 1] = r;
  u32[wt + 2] = 0;
  u32[wt + 3] = 0;
}

// ---------------------------------------------------------------- registration

reg31(51, mfvsrd);
reg31(115, mfvsrwz);
reg31(179, mtvsrd);
reg31(211, mtvsrwa);
reg31(243, mtvsrwz);
reg31(307, mfvsrld);
reg31(435, mtvsrdd);
reg31(403, mtvsrws);

reg60(345, scalarSign(S_ABS)); // xsabsdp
reg60(361, scalarSign(S_NABS)); // xsnabsdp
reg60(377, scalarSign(S_NEG)); // xsnegdp
reg60(473, vectorSign(S_ABS, true)); // xvabsdp
reg60(489, vectorSign(S_NABS, true)); // xvnabsdp
reg60(505, vectorSign(S_NEG, true)); // xvnegdp
reg60(409, vectorSign(S_ABS, false)); // xvabssp
reg60(425, vectorSign(S_NABS, false)); // xvnabssp
reg60(441, vectorSign(S_NEG, false)); // xvnegsp
reg60(331, xscvspdpn);
reg60(267, xscvdpspn);
// XX3 forms: both values of AX (bit 29).
reg60(352, xscpsgndp);
reg60(353, xscpsgndp);
reg60(480, vectorCopySign(true)); // xvcpsgndp
reg60(481, vectorCopySign(true));
reg60(416, vectorCopySign(false)); // xvcpsgnsp
reg60(417, vectorCopySign(false));
