// Shared pieces of the fixed-point families: word indexes of CR/XER in the vCPU block
// and the CR0 update of record (Rc=1) forms.
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';

// Word offsets inside the vCPU block (add c.w).
export const CR_W = L.CR >> 2;
export const SO_W = L.XER_SO >> 2;
export const OV_W = L.XER_OV >> 2;
export const CA_W = L.XER_CA >> 2;
export const OV32_W = L.XER_OV32 >> 2;
export const CA32_W = L.XER_CA32 >> 2;

/**
 * CR0 of a record form: LT/GT/EQ from a signed comparison of the result with zero
 * (all 64 bits in 64-bit mode, bits 32:63 in 32-bit mode), SO copied from XER.
 */
export function setCR0(c: Cpu, lo: number, hi: number): void {
  const u32 = c.u32;
  const i = c.w + CR_W;
  let f: number;
  if (c.sf) f = (hi | 0) < 0 ? 8 : (hi | lo) !== 0 ? 4 : 2;
  else f = (lo | 0) < 0 ? 8 : (lo | 0) !== 0 ? 4 : 2;
  // XER_SO is the word right after CR.
  u32[i] = (u32[i] & 0x0fffffff) | ((f | u32[i + 1]) << 28);
}

/** Set CR field `bf` (0..7) to the 4-bit value `v` (LT GT EQ SO from the top). */
export function setCRField(c: Cpu, bf: number, v: number): void {
  const i = c.w + CR_W;
  const sh = 28 - 4 * bf;
  c.u32[i] = (c.u32[i] & ~(0xf << sh)) | (v << sh);
}

/** XER[OV], XER[OV32] from an overflow outcome; SO is sticky. */
export function setOV(c: Cpu, ov: number, ov32: number): void {
  const u32 = c.u32;
  const w = c.w;
  u32[w + OV_W] = ov;
  u32[w + OV32_W] = ov32;
  if (ov !== 0) u32[w + SO_W] = 1;
}
