// A vCPU thread (DESIGN.md "Inside a VM process"): runs one vCPU's guest code on shared
// memory, without the BQL. It builds its own view of the board (devices live in shared
// memory), serves most hypercalls itself under the BQL, and hands the ones whose state
// lives on the I/O thread (firmware client interface, RTAS) over through HOST_REQ.
// It parks when the I/O thread asks (EXIT_REQ) so reset and snapshots see a quiet vCPU.
import { parentPort, workerData } from 'node:worker_threads';
import type { Cpu } from '../cpu/cpu.js';
import * as L from '../cpu/layout.js';
import { decPending } from '../cpu/exceptions.js';
import { TB_FREQ } from '../cpu/timebase.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { BQL, setLockChecking } from './bql.js';
import { SpaprBoard, type BoardParams } from '../machine/spapr/board.js';

export interface VcpuThreadData {
  memory: WebAssembly.Memory;
  index: number;
  params: BoardParams;
  checkLocks: boolean;
}

/** Instructions between looks at the thread's own state (exit requests, slices). */
const SLICE = 1_000_000;
const MAX_IDLE_MS = 50;

function ringDoorbell(mem: GuestMemory): void {
  Atomics.add(mem.i32, L.M_DOORBELL >> 2, 1);
  Atomics.notify(mem.i32, L.M_DOORBELL >> 2);
}

export function runVcpuThread(data: VcpuThreadData, post: (msg: unknown) => void): void {
  setLockChecking(data.checkLocks);
  const mem = GuestMemory.attach(data.memory);
  const bql = new BQL(mem, data.index);
  const board = new SpaprBoard(mem, data.params, {
    bql,
    log: (line) => post({ kind: 'log', line }),
    consoleKick: () => ringDoorbell(mem),
    forward: (c) => forward(c),
    forwardMmio: (_c, pa, size, value, write) => forwardMmio(pa, size, value, write),
  });
  const c = board.cpus[data.index];
  const i32 = mem.i32;
  const reqW = c.wi(L.HOST_REQ);
  const stateW = c.wi(L.RUN_STATE);
  const exitW = c.wi(L.EXIT_REQ);
  const parkW = c.wi(L.PARKED);

  /** Run one hypercall on the I/O thread; the BQL is released while it is served there. */
  function forward(cpu: Cpu): number {
    cpu.syncOut();
    bql.unlock();
    try {
      Atomics.store(i32, reqW, L.HOST_REQ_PENDING);
      ringDoorbell(mem);
      while (Atomics.load(i32, reqW) === L.HOST_REQ_PENDING) Atomics.wait(i32, reqW, L.HOST_REQ_PENDING, 100);
      Atomics.store(i32, reqW, L.HOST_REQ_IDLE);
    } finally {
      bql.lock();
    }
    // The I/O thread may have changed this vCPU (stop-self, MSR): reload and look again.
    const m = cpu.wi(L.MSR);
    cpu.setMSR(cpu.u32[m], cpu.u32[m + 1]);
    cpu.endSlice();
    return cpu.i32[cpu.w + 6];
  }

  /** An access outside RAM: the I/O thread owns the devices (no BQL held here). */
  function forwardMmio(pa: number, size: 1 | 2 | 4, value: number, write: boolean): number {
    c.f64[(c.base + L.MMIO_PA) >> 3] = pa;
    c.u32[c.wi(L.MMIO_SIZE)] = size;
    c.u32[c.wi(L.MMIO_VALUE)] = value;
    const kind = write ? L.HOST_REQ_MMIO_WRITE : L.HOST_REQ_MMIO_READ;
    Atomics.store(i32, reqW, kind);
    ringDoorbell(mem);
    while (Atomics.load(i32, reqW) === kind) Atomics.wait(i32, reqW, kind, 100);
    Atomics.store(i32, reqW, L.HOST_REQ_IDLE);
    return c.u32[c.wi(L.MMIO_VALUE)];
  }

  /** Resume after something outside this thread changed the vCPU's state. */
  function reload(): void {
    c.syncIn();
    c.tlbFlushAll();
  }

  reload();
  for (;;) {
    if (Atomics.load(i32, exitW) !== 0) {
      // Park. resume() clears PARKED itself, so a pause() right after it cannot take the
      // previous park for this one; while parked, a cleared PARKED with an exit request
      // standing is a new pause, answered again. No syncOut: run() already wrote the
      // state back, and the I/O thread may change it while we are parked.
      for (let req = Atomics.load(i32, exitW); req !== 0; req = Atomics.load(i32, exitW)) {
        if (Atomics.load(i32, parkW) === 0) {
          Atomics.store(i32, parkW, 1);
          Atomics.notify(i32, parkW);
        }
        Atomics.wait(i32, exitW, req, 100);
      }
      Atomics.store(i32, parkW, 0);
      reload();
      continue;
    }
    const state = Atomics.load(i32, stateW);
    if (state === L.RUN_RUNNING) {
      bql.assertNotHeld('guest code');
      c.run(SLICE);
      continue;
    }
    if (state === L.RUN_CEDED) {
      if (Atomics.load(i32, c.wi(L.IRQ_PENDING)) !== 0 || decPending(c)) {
        Atomics.compareExchange(i32, stateW, L.RUN_CEDED, L.RUN_RUNNING);
        continue;
      }
      const ms = ((c.f64[(c.base + L.DEC_EXPIRY) >> 3] - c.tb()) / TB_FREQ) * 1000;
      Atomics.wait(i32, stateW, L.RUN_CEDED, Math.max(0, Math.min(MAX_IDLE_MS, ms)));
      continue;
    }
    // Stopped (not started yet, or stop-self): wait for start-cpu; it sets the entry state.
    Atomics.wait(i32, stateW, state, MAX_IDLE_MS);
    if (Atomics.load(i32, stateW) === L.RUN_RUNNING) reload();
  }
}

if (parentPort !== null && workerData !== null && (workerData as { kind?: string }).kind === 'ppcbox-vcpu') {
  const port = parentPort;
  const data = (workerData as { data: VcpuThreadData }).data;
  try {
    runVcpuThread(data, (m) => port.postMessage(m));
  } catch (e) {
    port.postMessage({ kind: 'error', message: (e as Error).stack ?? String(e) });
  }
}
