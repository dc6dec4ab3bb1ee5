// The big lock (BQL): one lock word in the shared machine block, taken with Atomics by
// the I/O thread and the vCPU threads (DESIGN.md "The big lock"). Global machine state —
// devices, interrupt controllers, the console, reset, snapshots — is touched only with
// it held. It is not recursive: taking it twice is a bug and is reported as one.
import { M_BQL, M_BQL_WAITERS } from '../cpu/layout.js';
import type { GuestMemory } from '../memory/guest-memory.js';

/** Owner ids: vCPU n is n; the I/O thread is IO_THREAD. Stored in the lock word as id + 1. */
export const IO_THREAD = 0x100;

export class LockError extends Error {
  override name = 'LockError';
}

/** Assertions at every device / interrupt-controller / hypercall entry point (on in tests). */
export let checkLocks = process.env.PPCBOX_CHECK_LOCKS === '1' || process.env.VITEST !== undefined;

export function setLockChecking(on: boolean): void {
  checkLocks = on;
}

const SPINS = 200;

export class BQL {
  private readonly i32: Int32Array;
  private readonly w: number;
  private readonly waitersW: number;
  /** Times the lock was taken by this thread's handle (for benchmarks and tests). */
  acquisitions = 0;

  constructor(
    mem: GuestMemory,
    /** The id of the thread using this handle. */
    readonly owner: number,
  ) {
    this.i32 = mem.i32;
    this.w = M_BQL >> 2;
    this.waitersW = M_BQL_WAITERS >> 2;
  }

  /** True when this thread holds the lock. */
  held(): boolean {
    return Atomics.load(this.i32, this.w) === this.owner + 1;
  }

  lock(): void {
    const me = this.owner + 1;
    const i32 = this.i32;
    if (Atomics.compareExchange(i32, this.w, 0, me) === 0) {
      this.acquisitions++;
      return;
    }
    if (Atomics.load(i32, this.w) === me) throw new LockError(`BQL taken twice by ${ownerName(this.owner)}`);
    for (let spin = 0; ; spin++) {
      const cur = Atomics.compareExchange(i32, this.w, 0, me);
      if (cur === 0) {
        this.acquisitions++;
        return;
      }
      if (spin >= SPINS) {
        Atomics.add(i32, this.waitersW, 1);
        Atomics.wait(i32, this.w, cur, 50);
        Atomics.sub(i32, this.waitersW, 1);
      }
    }
  }

  unlock(): void {
    const me = this.owner + 1;
    if (Atomics.compareExchange(this.i32, this.w, me, 0) !== me) {
      throw new LockError(`BQL released by ${ownerName(this.owner)}, which does not hold it`);
    }
    if (Atomics.load(this.i32, this.waitersW) > 0) Atomics.notify(this.i32, this.w, 1);
  }

  /** Run `fn` with the lock held (taken once, released on every exit path). */
  with<T>(fn: () => T): T {
    this.lock();
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }

  /** Device, interrupt-controller and hypercall entry points call this. */
  assertHeld(where: string): void {
    if (checkLocks && !this.held()) {
      throw new LockError(`${where} entered without the BQL (thread ${ownerName(this.owner)})`);
    }
  }

  /** Entering guest code: the lock must not be held (DESIGN.md rule 1). */
  assertNotHeld(where: string): void {
    if (checkLocks && this.held()) {
      throw new LockError(`${where} entered with the BQL held (thread ${ownerName(this.owner)})`);
    }
  }
}

function ownerName(id: number): string {
  return id === IO_THREAD ? 'I/O thread' : `vCPU ${id}`;
}
