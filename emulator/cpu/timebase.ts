// The machine timebase (TB): 512 MHz as on POWER9, derived from the host monotonic
// clock. It is machine-level state (DESIGN.md rule 6): guest TB = host ticks + offset,
// both kept in the shared machine block so every vCPU thread reads the same TB.
import { M_TB_EPOCH, M_TB_FROZEN, M_TB_FROZEN_VALUE, M_TB_OFFSET, DEC_EXPIRY, SPR, SPR_LPCR, LPCR_LD } from './layout.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import type { Cpu } from './cpu.js';

export const TB_FREQ = 512_000_000;
const TICKS_PER_MS = TB_FREQ / 1000;

/** Host clock in TB ticks since the machine's epoch (monotonic, same in every thread). */
export function hostTicks(mem: GuestMemory): number {
  const ms = performance.timeOrigin + performance.now() - mem.f64[M_TB_EPOCH >> 3];
  return Math.floor(ms * TICKS_PER_MS);
}

/** Current guest TB as an integer-valued double (exact below 2^53: ~200 days at 512 MHz). */
export function readTB(mem: GuestMemory): number {
  if (mem.u32[M_TB_FROZEN >> 2] !== 0) return mem.f64[M_TB_FROZEN_VALUE >> 3];
  return hostTicks(mem) + mem.f64[M_TB_OFFSET >> 3];
}

/** Make the guest TB read `value` from now on (mttbl/mttbu, snapshot restore). */
export function setTB(mem: GuestMemory, value: number): void {
  mem.f64[M_TB_OFFSET >> 3] = value - hostTicks(mem);
  if (mem.u32[M_TB_FROZEN >> 2] !== 0) mem.f64[M_TB_FROZEN_VALUE >> 3] = value;
}

/** Stop guest time (machine paused without a time policy that lets it run). */
export function freezeTB(mem: GuestMemory): void {
  if (mem.u32[M_TB_FROZEN >> 2] !== 0) return;
  mem.f64[M_TB_FROZEN_VALUE >> 3] = readTB(mem);
  mem.u32[M_TB_FROZEN >> 2] = 1;
}

export function thawTB(mem: GuestMemory): void {
  if (mem.u32[M_TB_FROZEN >> 2] === 0) return;
  const v = mem.f64[M_TB_FROZEN_VALUE >> 3];
  mem.u32[M_TB_FROZEN >> 2] = 0;
  setTB(mem, v);
}

// ---------------------------------------------------------------- decrementer
//
// DEC is kept as the TB value at which it reads zero (DEC_EXPIRY in the vCPU block), so
// it counts down with the machine TB and survives snapshots as an offset from TB.
// POWER9 advertises a 56-bit large decrementer (ibm,dec-bits = 56): with LPCR[LD]=1 a
// write is taken from the low 56 bits, sign-extended, and a read is sign-extended from
// bit 56; with LD=0 DEC is 32 bits, sign-extended to 64 on read.

export const LARGE_DEC_BITS = 56;
const TWO32 = 4294967296;
const DEC_EXPIRY_OFF = DEC_EXPIRY;
const LPCR_OFF = SPR + 8 * SPR_LPCR;
type DecCpu = Cpu;

/** Whether LPCR[LD] (large decrementer) is set. */
export function largeDec(c: DecCpu): boolean {
  return (c.u32[(c.base + LPCR_OFF) >> 2] & LPCR_LD) !== 0;
}

/** mfspr DEC: the low word is returned, the high word in c.vhi. */
export function readDEC(c: DecCpu): number {
  const d = c.f64[(c.base + DEC_EXPIRY_OFF) >> 3] - c.tb();
  const lo = d >>> 0; // two's complement modulo 2^32, also for negative d
  if (!largeDec(c)) {
    c.vhi = (lo | 0) < 0 ? 0xffffffff : 0;
    return lo;
  }
  const hi = Math.floor(d / TWO32);
  c.vhi = ((hi << 8) >> 8) >>> 0; // wrap at 2^56 and sign-extend bit 8 of the high word
  return lo;
}

/** mtspr DEC with the 64-bit value (lo, hi). */
export function writeDEC(c: DecCpu, lo: number, hi: number): void {
  let v: number;
  if (largeDec(c)) {
    v = ((hi << 8) >> 8) * TWO32 + (lo >>> 0); // low 56 bits, sign-extended
  } else {
    v = lo | 0; // low 32 bits, sign-extended
  }
  const now = c.tb();
  // As QEMU does, a value below 3 is taken as already expired (the interrupt is raised at
  // once rather than a tick or two later).
  c.f64[(c.base + DEC_EXPIRY_OFF) >> 3] = v >= 0 && v < 3 ? now - 1 : now + v;
}

/** mfspr TB: the low word is returned, the high word in c.vhi. */
export function readTB64(c: DecCpu): number {
  const t = c.tb();
  c.vhi = Math.floor(t / TWO32) >>> 0;
  return t >>> 0;
}
