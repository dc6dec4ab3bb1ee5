// Requests one vCPU makes of the others: drop cached translations after a broadcast
// tlbie, drop cached instructions after icbi. A request is a bit in the target's
// IRQ_PENDING word, served at the target's next service point (at most a slice of
// instructions away). With vCPUs on their own threads a tlbie waits until every running
// vCPU has served it, so no stale translation is used after the issuer's tlbsync/ptesync;
// while it waits it serves requests made of itself, so two issuers cannot deadlock.
import type { Cpu } from './cpu.js';
import * as L from './layout.js';

/** Serve the flush requests in `pending` (called from the service point). */
export function serveFlushRequests(c: Cpu, pending: number): void {
  const bits = pending & (L.IRQ_FLUSH_TLB | L.IRQ_FLUSH_CODE);
  if (bits === 0) return;
  Atomics.and(c.i32, c.wi(L.IRQ_PENDING), ~bits);
  if ((bits & L.IRQ_FLUSH_TLB) !== 0) c.tlbFlushAll();
  else c.invalidateFetch();
}

/**
 * Ask every other vCPU to serve `bit`; with `wait` (and vCPUs on threads) return only
 * once each vCPU that is running guest code has done so. A vCPU that is idle, stopped or
 * parked serves it before it next runs guest code.
 */
export function requestOthers(origin: Cpu, bit: number, wait: boolean): void {
  const mem = origin.mem;
  const n = mem.nvcpus;
  for (let j = 0; j < n; j++) {
    if (j === origin.index) continue;
    Atomics.or(mem.i32, (L.vcpuBlockOffset(j) + L.IRQ_PENDING) >> 2, bit);
  }
  if (!wait || Atomics.load(mem.i32, L.M_THREADED >> 2) === 0) return;
  for (let j = 0; j < n; j++) {
    if (j === origin.index) continue;
    const pw = (L.vcpuBlockOffset(j) + L.IRQ_PENDING) >> 2;
    const sw = (L.vcpuBlockOffset(j) + L.RUN_STATE) >> 2;
    const parkW = (L.vcpuBlockOffset(j) + L.PARKED) >> 2;
    for (let spin = 0; (Atomics.load(mem.i32, pw) & bit) !== 0; spin++) {
      if (Atomics.load(mem.i32, sw) !== L.RUN_RUNNING || Atomics.load(mem.i32, parkW) !== 0) break;
      const mine = Atomics.load(mem.i32, origin.wi(L.IRQ_PENDING));
      if ((mine & (L.IRQ_FLUSH_TLB | L.IRQ_FLUSH_CODE)) !== 0) serveFlushRequests(origin, mine);
      if (spin > 64) Atomics.wait(mem.i32, pw, Atomics.load(mem.i32, pw), 0.05);
    }
  }
}
