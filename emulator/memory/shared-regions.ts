// Device state lives in the shared memory, not in one thread's heap: a hypercall runs on
// the vCPU thread that made it (under the BQL) and must see the same XICS, console and
// virtio state as the I/O thread. Every thread builds the machine's devices in the same
// order, so this allocator hands out the same offsets everywhere.
import { DEVICE_BASE, DEVICE_END } from '../cpu/layout.js';

export class SharedRegions {
  private next = DEVICE_BASE;
  private readonly names = new Map<string, { offset: number; size: number }>();

  /** Reserve `size` bytes (64-byte aligned) for `name`; returns its byte offset. */
  alloc(name: string, size: number): number {
    if (this.names.has(name)) throw new Error(`shared region "${name}" allocated twice`);
    const offset = (this.next + 63) & ~63;
    if (offset + size > DEVICE_END) {
      throw new Error(`shared device state is full: "${name}" needs ${size} bytes, ${DEVICE_END - offset} left`);
    }
    this.next = offset + size;
    this.names.set(name, { offset, size });
    return offset;
  }

  /** The regions handed out so far (for snapshots and debugging). */
  list(): Array<{ name: string; offset: number; size: number }> {
    return [...this.names].map(([name, r]) => ({ name, ...r }));
  }
}
