// The I/O thread's main loop for vCPUs run on this thread: runs every runnable vCPU a
// slice at a time, between slices lets Node serve I/O (console input, timers), and when
// all vCPUs are idle (H_CEDE) sleeps until the earliest decrementer or an input kick,
// so an idle guest costs almost no host CPU.
import type { Cpu } from '../cpu/cpu.js';
import * as L from '../cpu/layout.js';
import { decPending } from '../cpu/exceptions.js';
import type { BQL } from './bql.js';
import { TB_FREQ } from '../cpu/timebase.js';

/** Instructions per vCPU between two looks at the event loop (~ a few ms). */
const SLICE = 200_000;
/** Longest sleep while idle, so exit requests and clock changes are seen. */
const MAX_IDLE_MS = 50;

export interface MainLoopHost {
  readonly cpus: readonly Cpu[];
  /** This thread's lock handle (guest code must run without it). */
  readonly bql: BQL;
  /** Called after every round (drain console output, etc.). */
  afterRound(): void;
}

export class MainLoop {
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private running = false;
  private done: ((v: void) => void) | null = null;
  private failed: ((e: unknown) => void) | null = null;
  /** Instructions retired by all vCPUs (sum), for MIPS readouts. */
  retired = 0;

  constructor(private readonly host: MainLoopHost) {}

  /** Run until stop(); rejects if a vCPU throws something other than a guest fault. */
  start(): Promise<void> {
    if (this.running) throw new Error('main loop already running');
    this.running = true;
    return new Promise<void>((resolve, reject) => {
      this.done = resolve;
      this.failed = reject;
      this.schedule(0);
    });
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.clear();
    const d = this.done;
    this.done = null;
    this.failed = null;
    d?.();
  }

  /** Something happened (input, interrupt): run a round soon even if idle. */
  kick(): void {
    if (!this.running || this.immediate !== null) return;
    this.clear();
    this.schedule(0);
  }

  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private schedule(ms: number): void {
    if (ms <= 0) {
      this.immediate = setImmediate(() => {
        this.immediate = null;
        this.round();
      });
    } else {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.round();
      }, ms);
    }
  }

  private round(): void {
    if (!this.running) return;
    let ran = false;
    let nextWakeTb = Infinity;
    try {
      for (const c of this.host.cpus) {
        const stateW = c.wi(L.RUN_STATE);
        let state = Atomics.load(c.i32, stateW);
        if (state === L.RUN_CEDED) {
          if (Atomics.load(c.i32, c.wi(L.IRQ_PENDING)) !== 0 || decPending(c)) {
            Atomics.compareExchange(c.i32, stateW, L.RUN_CEDED, L.RUN_RUNNING);
            state = Atomics.load(c.i32, stateW);
          } else {
            nextWakeTb = Math.min(nextWakeTb, c.f64[(c.base + L.DEC_EXPIRY) >> 3]);
          }
        }
        if (state === L.RUN_RUNNING) {
          this.host.bql.assertNotHeld('guest code');
          this.retired += c.run(SLICE);
          ran = true;
        }
        if (!this.running) return;
      }
      this.host.afterRound();
    } catch (e) {
      this.running = false;
      this.clear();
      const f = this.failed;
      this.done = null;
      this.failed = null;
      f?.(e);
      return;
    }
    if (!this.running) return;
    if (ran) {
      this.schedule(0);
      return;
    }
    // Everyone idle: sleep until the earliest decrementer (or a kick).
    let ms = MAX_IDLE_MS;
    if (nextWakeTb !== Infinity && this.host.cpus.length > 0) {
      const now = this.host.cpus[0].tb();
      ms = Math.max(0, Math.min(MAX_IDLE_MS, ((nextWakeTb - now) / TB_FREQ) * 1000));
    }
    this.schedule(ms < 1 ? 0 : Math.ceil(ms));
  }
}
