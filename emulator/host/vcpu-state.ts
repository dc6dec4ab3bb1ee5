// Run-state transitions of a vCPU that other threads may cause (prod, interrupt wake-up,
// start-cpu, stop), kept in the vCPU's shared block so they work across threads.
import * as L from '../cpu/layout.js';
import { vcpuBlockOffset } from '../cpu/layout.js';
import type { GuestMemory } from '../memory/guest-memory.js';

function word(index: number, off: number): number {
  return (vcpuBlockOffset(index) + off) >> 2;
}

export function runState(mem: GuestMemory, index: number): number {
  return Atomics.load(mem.i32, word(index, L.RUN_STATE));
}

export function setRunState(mem: GuestMemory, index: number, state: number): void {
  Atomics.store(mem.i32, word(index, L.RUN_STATE), state);
  Atomics.notify(mem.i32, word(index, L.RUN_STATE));
}

/** A ceded vCPU resumes (interrupt or prod for it). Returns true if it was ceded. */
export function wakeVcpu(mem: GuestMemory, index: number): boolean {
  const w = word(index, L.RUN_STATE);
  const woke = Atomics.compareExchange(mem.i32, w, L.RUN_CEDED, L.RUN_RUNNING) === L.RUN_CEDED;
  if (woke) Atomics.notify(mem.i32, w);
  return woke;
}

/** Raise or clear an asynchronous interrupt source of vCPU `index` and wake it. */
export function setIrqPending(mem: GuestMemory, index: number, bit: number, on: boolean): void {
  const w = word(index, L.IRQ_PENDING);
  if (on) {
    Atomics.or(mem.i32, w, bit);
    wakeVcpu(mem, index);
  } else {
    Atomics.and(mem.i32, w, ~bit);
  }
}

/** Ask vCPU `index` to leave its run loop at the next instruction boundary. */
export function requestExit(mem: GuestMemory, index: number): void {
  Atomics.store(mem.i32, word(index, L.EXIT_REQ), 1);
  wakeVcpu(mem, index);
}

export function clearExitRequest(mem: GuestMemory, index: number): void {
  Atomics.store(mem.i32, word(index, L.EXIT_REQ), 0);
}
