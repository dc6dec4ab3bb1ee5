// VSX scalar floating-point conversions that round or signal: xscvdpsp, xscvspdp
// (Power ISA 3.0B Book I 7.6). Rounding and exception semantics come from the scalar
// FP family (fp-arith.ts / fp-common.ts); only result placement and FPRF differ.
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { reg60 } from '../decode.js';
import { FI, FR, FPRF_MASK, FPRF_SHIFT, FPRF_QNAN, VE, VXSNAN, raiseBits, fprfOfBits } from '../fpscr.js';
import { res, KIND_VALUE, KIND_BITS, checkEnabled } from './fp-common.js';
import { roundToSingleCore } from './fp-arith.js';
import { doubleToSingle, singleToDouble, dHi } from '../vreg.js';
import { VSR as VSR_LAYOUT, MSR as MSR_LAYOUT, MSR_VSX as MSR_VSX_LAYOUT } from '../layout.js';
import { raiseVSXUnavailable } from '../exceptions.js';

// Hot helpers and shared values as module-local bindings: under the module loader a
// call into another module (or a read of its export) costs a getter; see vreg.ts for
// the documented shared versions.
const VSR_OFF = VSR_LAYOUT;
const MSR_W = MSR_LAYOUT >> 2;
const MSR_VSX = MSR_VSX_LAYOUT;

function vw(c: Cpu, n: number): number {
  return ((c.base + VSR_OFF) >> 2) + (n << 2);
}

function needVSX(c: Cpu): void {
  if ((c.u32[c.w + MSR_W] & MSR_VSX) === 0) raiseVSXUnavailable(c);
}

const FPSCR_W = L.FPSCR >> 2;

function xT(insn: number): number {
  return ((insn & 1) << 5) | ((insn >>> 21) & 31);
}
function xB(insn: number): number {
  return ((insn & 2) << 4) | ((insn >>> 11) & 31);
}

const cvF64 = new Float64Array(1);
const cvU32 = new Uint32Array(cvF64.buffer);

/** FPRF class of a single given its bits (via its exact double). */
function fprfOfSingle(w: number): number {
  const lo = singleToDouble(w);
  const exp = (w >>> 23) & 0xff;
  if (exp === 0 && (w & 0x7fffff) !== 0) {
    // Denormal as a single even though it is a normal double.
    return (w & 0x80000000) !== 0 ? 0x18 : 0x14;
  }
  return fprfOfBits(dHi, lo);
}

/**
 * xscvdpsp: doubleword 0 rounded to single precision (FPSCR[RN]), in single format in
 * word 0, copied to word 1; doubleword 1 cleared (undefined in the ISA; as QEMU).
 */
function xscvdpsp(c: Cpu, insn: number): void {
  needVSX(c);
  const u32 = c.u32;
  const fw = c.w + FPSCR_W;
  const b = xB(insn);
  const wb = vw(c, b);
  cvU32[0] = u32[wb];
  cvU32[1] = u32[wb + 1];
  roundToSingleCore(c, u32[fw], cvF64[0], b);
  let f = u32[fw] & ~(FR | FI);
  if (res.kind !== KIND_VALUE && res.kind !== KIND_BITS) {
    // Enabled invalid operation: target unchanged.
  } else {
    let s: number;
    if (res.kind === KIND_VALUE) {
      cvF64[0] = res.v;
      s = doubleToSingle(cvU32[0], cvU32[1]);
      f = (f & ~FPRF_MASK) | (fprfOfSingle(s) << FPRF_SHIFT) | res.stat;
    } else {
      s = doubleToSingle(res.lo, res.hi);
      f = (f & ~FPRF_MASK) | (FPRF_QNAN << FPRF_SHIFT);
    }
    const wt = vw(c, xT(insn));
    u32[wt] = s;
    u32[wt + 1] = s;
    u32[wt + 2] = 0;
    u32[wt + 3] = 0;
  }
  const exc = res.exc;
  if (exc !== 0) f = raiseBits(f, exc);
  u32[fw] = f;
  if (exc !== 0) checkEnabled(c, f, exc);
}

/**
 * xscvspdp: word 0 (single) to double in doubleword 0, exactly; a signalling NaN is
 * quieted and raises VXSNAN. Doubleword 1 cleared (undefined in the ISA; as QEMU).
 */
function xscvspdp(c: Cpu, insn: number): void {
  needVSX(c);
  const u32 = c.u32;
  const fw = c.w + FPSCR_W;
  let s = u32[vw(c, xB(insn)) + 1];
  let f = u32[fw] & ~(FR | FI);
  let exc = 0;
  const nan = (s & 0x7f800000) === 0x7f800000 && (s & 0x7fffff) !== 0;
  if (nan && (s & 0x400000) === 0) {
    exc = VXSNAN;
    s |= 0x400000;
  }
  if (exc === 0 || (f & VE) === 0) {
    const lo = singleToDouble(s);
    const hi = dHi;
    const wt = vw(c, xT(insn));
    u32[wt] = lo;
    u32[wt + 1] = hi;
    u32[wt + 2] = 0;
    u32[wt + 3] = 0;
    f = (f & ~FPRF_MASK) | ((nan ? FPRF_QNAN : fprfOfBits(hi, lo)) << FPRF_SHIFT);
  }
  if (exc !== 0) f = raiseBits(f, exc);
  u32[fw] = f;
  if (exc !== 0) checkEnabled(c, f, exc);
}

reg60(265, xscvdpsp);
reg60(329, xscvspdp);
