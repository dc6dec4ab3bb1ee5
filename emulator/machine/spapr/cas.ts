// ibm,client-architecture-support (CAS, LoPAPR B.6.2.3): the guest hands the platform a
// list of processor versions it supports and option vectors of features it wants; the
// platform picks the processor mode and the features both sides support, and reports
// the result in /chosen "ibm,architecture-vec-5".
import * as L from '../../cpu/layout.js';
import type { GuestMemory } from '../../memory/guest-memory.js';

/** Option vector 5 bits as (byte, mask); bytes are numbered from 1 as in LoPAPR. */
export const OV5_XIVE_EXPLOIT = { byte: 23, mask: 0x40 };
export const OV5_XIVE_BOTH = { byte: 23, mask: 0x80 };
export const OV5_MMU_RADIX = { byte: 24, mask: 0x40 };
export const OV5_MMU_BOTH = { byte: 24, mask: 0x80 };
export const OV5_RADIX_GTSE = { byte: 26, mask: 0x40 };

export type IcMode = 'xics' | 'xive' | 'dual';

/** Logical (architected) PVRs: "compatible with ISA 2.07 / 3.00". */
const PVR_ARCH_207 = 0x0f000004;
const PVR_ARCH_300 = 0x0f000005;

export class CasError extends Error {
  override name = 'CasError';
}

export interface CasOutcome {
  /** The logical PVR chosen; 0: raw mode (the guest listed only this CPU's real PVR). */
  compatPvr: number;
  radix: boolean;
  gtse: boolean;
  xive: boolean;
  /** Negotiated option vector 5, LoPAPR bytes 1..n at indices 1..n (index 0 unused). */
  ov5: Uint8Array;
}

/** The platform's view for "ibm,arch-vec-5-platform-support" in /chosen (index, value pairs). */
export function platformSupport(icMode: IcMode): number[] {
  const xive = icMode === 'xics' ? 0x00 : icMode === 'xive' ? 0x40 : 0x80;
  return [23, xive, 24, 0x40 /* radix only: no hash MMU here */, 25, 0x00, 26, 0x40 /* GTSE */];
}

function u8(mem: GuestMemory, a: number): number {
  if (a < 0 || a >= mem.ramSize) throw new CasError(`architecture vector runs outside RAM at 0x${a.toString(16)}`);
  return mem.u8[L.RAM_OFFSET + a];
}

function be32(mem: GuestMemory, a: number): number {
  if (a < 0 || a + 4 > mem.ramSize) throw new CasError(`architecture vector runs outside RAM at 0x${a.toString(16)}`);
  return mem.dv.getUint32(L.RAM_OFFSET + a, false);
}

/** Option vector `n` (1-based) of the table at `table`: its bytes 1..len at indices 1..len. */
export function readOptionVector(mem: GuestMemory, table: number, n: number): Uint8Array | null {
  const count = u8(mem, table) + 1;
  if (n > count) return null;
  let a = table + 1;
  for (let i = 1; i < n; i++) a += u8(mem, a) + 2; // length byte holds len-1
  const len = u8(mem, a) + 1;
  const v = new Uint8Array(len + 1);
  for (let i = 1; i <= len; i++) v[i] = u8(mem, a + i);
  return v;
}

function has(v: Uint8Array | null, bit: { byte: number; mask: number }): boolean {
  return v !== null && bit.byte < v.length && (v[bit.byte] & bit.mask) !== 0;
}

/**
 * Negotiate with the vector at `vec` for a CPU whose PVR is `pvr`. Throws CasError with
 * a readable reason when no common ground exists (the machine reports it and stops).
 */
export function negotiate(mem: GuestMemory, vec: number, pvr: number, icMode: IcMode): CasOutcome {
  // Processor versions: (mask, value) pairs until one whose value has bits outside its mask.
  let a = vec;
  let explicit = false;
  let best = 0;
  for (let i = 0; i < 512; i++, a += 8) {
    const mask = be32(mem, a);
    const value = be32(mem, a + 4);
    if ((~mask & value) !== 0) {
      a += 8;
      break;
    }
    if ((pvr & mask) >>> 0 === (value & mask) >>> 0) explicit = true;
    else if ((value === PVR_ARCH_300 || value === PVR_ARCH_207) && value > best) best = value;
  }
  if (!explicit && best === 0) throw new CasError(`the guest supports none of this machine's processor versions (PVR 0x${pvr.toString(16)})`);
  // As QEMU: the best architected level wins even when the real PVR is listed too, so
  // the guest runs in "POWER9 (architected)" mode; raw mode only without a logical PVR.
  const ov5g = readOptionVector(mem, a, 5);
  if (has(ov5g, OV5_MMU_BOTH)) throw new CasError('the guest asked for both hash and radix MMU, which is invalid');
  if (has(ov5g, OV5_XIVE_BOTH)) throw new CasError('the guest asked for an invalid interrupt mode');
  const radix = has(ov5g, OV5_MMU_RADIX);
  if (!radix) throw new CasError('the guest asked for the hash MMU; this machine provides the radix MMU only');
  const guestXive = has(ov5g, OV5_XIVE_EXPLOIT);
  if (guestXive && icMode === 'xics') throw new CasError('the guest asked for XIVE but ic-mode is xics');
  if (!guestXive && icMode === 'xive') throw new CasError('the guest asked for XICS but ic-mode is xive');
  const gtse = has(ov5g, OV5_RADIX_GTSE);
  const ov5 = new Uint8Array(27);
  ov5[OV5_MMU_RADIX.byte] |= OV5_MMU_RADIX.mask;
  if (gtse) ov5[OV5_RADIX_GTSE.byte] |= OV5_RADIX_GTSE.mask;
  if (guestXive) ov5[OV5_XIVE_EXPLOIT.byte] |= OV5_XIVE_EXPLOIT.mask;
  return { compatPvr: best, radix, gtse, xive: guestXive, ov5 };
}

/** "ibm,architecture-vec-5" bytes: length-1, then bytes 1..n up to the last non-zero one. */
export function encodeVec5(ov5: Uint8Array): Uint8Array {
  let last = 1;
  for (let i = 1; i < ov5.length; i++) if (ov5[i] !== 0) last = i;
  const out = new Uint8Array(last + 1);
  out[0] = last - 1;
  out.set(ov5.subarray(1, last + 1), 1);
  return out;
}
