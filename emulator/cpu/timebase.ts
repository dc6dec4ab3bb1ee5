// The machine timebase (TB): 512 MHz as on POWER9, derived from the host monotonic
// clock. It is machine-level state (DESIGN.md rule 6): guest TB = host ticks + offset,
// both kept in the shared machine block so every vCPU thread reads the same TB.
import { M_TB_EPOCH, M_TB_FROZEN, M_TB_FROZEN_VALUE, M_TB_OFFSET } from './layout.js';
import type { GuestMemory } from '../memory/guest-memory.js';

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
