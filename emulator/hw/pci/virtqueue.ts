// Split virtqueues (virtio 1.x, section 2.7): descriptor table, available ring (driver to
// device) and used ring (device to driver), all little-endian in guest memory reached
// through a DmaSpace. Chains are checked as they are read; anything malformed raises
// VirtqueueError, which the transport turns into NEEDS_RESET (never a hang or a crash).
import type { DmaSpace } from './dma.js';

export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
export const VIRTQ_USED_F_NO_NOTIFY = 1;

/** Feature bits of the ring layout (word 0 of the feature set). */
export const VIRTIO_F_INDIRECT_DESC = 28;
export const VIRTIO_F_EVENT_IDX = 29;

/** Longest chain accepted (direct + indirect descriptors). */
export const VIRTQ_MAX_CHAIN = 1024;

export class VirtqueueError extends Error {
  override name = 'VirtqueueError';
}

/** One buffer of a chain: bus address, length, device-writable or not. */
export interface VirtqSeg {
  addr: number;
  len: number;
  write: boolean;
}

/** A popped chain: its head index (returned in the used ring) and its buffers in order. */
export interface VirtqChain {
  head: number;
  segs: VirtqSeg[];
  /** Bytes the device may read (the readable prefix) and write (the writable suffix). */
  readable: number;
  writable: number;
}

export interface VirtQueueState {
  size: number;
  enabled: boolean;
  desc: number;
  avail: number;
  used: number;
  msixVector: number;
  lastAvail: number;
  usedIdx: number;
  signalledUsed: number;
  signalledValid: boolean;
  indirect: boolean;
  eventIdx: boolean;
}

export class VirtQueue {
  size = 0;
  enabled = false;
  desc = 0;
  avail = 0;
  used = 0;
  msixVector = 0xffff;
  /** Next available-ring slot to take (free-running 16-bit). */
  lastAvail = 0;
  /** Our used index (free-running 16-bit). */
  usedIdx = 0;
  /** Used index when the driver was last interrupted (event index). */
  private signalledUsed = 0;
  private signalledValid = false;
  /** Negotiated ring features (set by the transport at DRIVER_OK). */
  indirect = false;
  eventIdx = false;

  constructor(
    readonly index: number,
    readonly maxSize: number,
  ) {
    this.size = maxSize;
  }

  reset(): void {
    this.size = this.maxSize;
    this.enabled = false;
    this.desc = this.avail = this.used = 0;
    this.msixVector = 0xffff;
    this.lastAvail = this.usedIdx = 0;
    this.signalledUsed = 0;
    this.signalledValid = false;
    this.indirect = this.eventIdx = false;
  }

  save(): VirtQueueState {
    return {
      size: this.size,
      enabled: this.enabled,
      desc: this.desc,
      avail: this.avail,
      used: this.used,
      msixVector: this.msixVector,
      lastAvail: this.lastAvail,
      usedIdx: this.usedIdx,
      signalledUsed: this.signalledUsed,
      signalledValid: this.signalledValid,
      indirect: this.indirect,
      eventIdx: this.eventIdx,
    };
  }

  load(s: VirtQueueState): void {
    Object.assign(this, s);
  }

  /** The chain starting at descriptor `head` (re-submitting requests after a restore). */
  chainAt(dma: DmaSpace, head: number): VirtqChain {
    if (head >= this.size) throw new VirtqueueError(`queue ${this.index}: head descriptor ${head} out of range (size ${this.size})`);
    const chain: VirtqChain = { head, segs: [], readable: 0, writable: 0 };
    this.walk(dma, this.desc, this.size, head, chain, false);
    return chain;
  }

  /** Check the ring addresses the driver gave before enabling. */
  validate(dma: DmaSpace): string | null {
    const n = this.size;
    if (n === 0 || n > this.maxSize) return `queue ${this.index}: size ${n} invalid`;
    if (this.desc % 16 !== 0 || this.avail % 2 !== 0 || this.used % 4 !== 0) return `queue ${this.index}: misaligned ring`;
    const parts: [number, number, boolean][] = [
      [this.desc, 16 * n, false],
      [this.avail, 6 + 2 * n, false],
      [this.used, 6 + 8 * n, true],
    ];
    for (const [a, len, w] of parts) {
      if (dma.translate(a, w) < 0 || dma.translate(a + len - 1, w) < 0) return `queue ${this.index}: ring at 0x${a.toString(16)} is not in guest memory`;
    }
    return null;
  }

  // ------------------------------------------------------------ little-endian accessors
  private u16(dma: DmaSpace, a: number, write: boolean): number {
    const o = dma.translate(a, write);
    if (o < 0) throw new VirtqueueError(`queue ${this.index}: ring address 0x${a.toString(16)} not mapped`);
    return o;
  }

  private rd16(dma: DmaSpace, a: number): number {
    const o = this.u16(dma, a, false);
    // Atomic (acquire): the driver's ring index is published after its entries.
    if ((o & 1) === 0) return Atomics.load(u16view(dma), o >> 1);
    return dma.mem.dv.getUint16(o, true);
  }

  private wr16(dma: DmaSpace, a: number, v: number): void {
    const o = this.u16(dma, a, true);
    if ((o & 1) === 0) Atomics.store(u16view(dma), o >> 1, v);
    else dma.mem.dv.setUint16(o, v, true);
  }

  /** Number of chains the driver has made available and we have not taken. */
  pending(dma: DmaSpace): number {
    const idx = this.rd16(dma, this.avail + 2);
    const n = (idx - this.lastAvail) & 0xffff;
    if (n > this.size) throw new VirtqueueError(`queue ${this.index}: available index moved by ${n}, more than the queue size ${this.size}`);
    return n;
  }

  /** Take the next available chain; null when none. Throws VirtqueueError when malformed. */
  pop(dma: DmaSpace): VirtqChain | null {
    if (!this.enabled || this.pending(dma) === 0) return null;
    const slot = this.lastAvail % this.size;
    const head = this.rd16(dma, this.avail + 4 + 2 * slot);
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    if (head >= this.size) throw new VirtqueueError(`queue ${this.index}: head descriptor ${head} out of range (size ${this.size})`);
    const chain: VirtqChain = { head, segs: [], readable: 0, writable: 0 };
    this.walk(dma, this.desc, this.size, head, chain, false);
    return chain;
  }

  private walk(dma: DmaSpace, table: number, n: number, first: number, chain: VirtqChain, nested: boolean): void {
    const dv = dma.mem.dv;
    let i = first;
    let count = 0;
    for (;;) {
      if (++count > n) throw new VirtqueueError(`queue ${this.index}: descriptor chain loops (more than ${n} descriptors)`);
      const o = dma.translate(table + 16 * i, false);
      const o2 = dma.translate(table + 16 * i + 15, false);
      if (o < 0 || o2 !== o + 15) throw new VirtqueueError(`queue ${this.index}: descriptor ${i} at 0x${(table + 16 * i).toString(16)} not mapped`);
      const addr = dv.getUint32(o + 4, true) * 0x100000000 + dv.getUint32(o, true);
      const len = dv.getUint32(o + 8, true);
      const flags = dv.getUint16(o + 12, true);
      const next = dv.getUint16(o + 14, true);
      if ((flags & VIRTQ_DESC_F_INDIRECT) !== 0) {
        if (!this.indirect) throw new VirtqueueError(`queue ${this.index}: indirect descriptor without VIRTIO_F_INDIRECT_DESC`);
        if (nested) throw new VirtqueueError(`queue ${this.index}: nested indirect descriptor table`);
        if ((flags & VIRTQ_DESC_F_NEXT) !== 0) throw new VirtqueueError(`queue ${this.index}: indirect descriptor with NEXT`);
        if (len === 0 || len % 16 !== 0 || len / 16 > VIRTQ_MAX_CHAIN) throw new VirtqueueError(`queue ${this.index}: indirect table length ${len} invalid`);
        this.walk(dma, addr, len / 16, 0, chain, true);
        return;
      }
      const write = (flags & VIRTQ_DESC_F_WRITE) !== 0;
      if (!write && chain.writable > 0) throw new VirtqueueError(`queue ${this.index}: device-readable descriptor after a writable one`);
      if (chain.segs.length >= VIRTQ_MAX_CHAIN) throw new VirtqueueError(`queue ${this.index}: chain longer than ${VIRTQ_MAX_CHAIN}`);
      if (len > 0) {
        if (addr + len > 2 ** 53) throw new VirtqueueError(`queue ${this.index}: buffer address overflows`);
        chain.segs.push({ addr, len, write });
        if (write) chain.writable += len;
        else chain.readable += len;
      }
      if ((flags & VIRTQ_DESC_F_NEXT) === 0) return;
      if (next >= n) throw new VirtqueueError(`queue ${this.index}: next descriptor ${next} out of range (${n})`);
      i = next;
    }
  }

  /** Return a chain to the driver with `len` bytes written. */
  push(dma: DmaSpace, head: number, len: number): void {
    const slot = this.usedIdx % this.size;
    const o = dma.translate(this.used + 4 + 8 * slot, true);
    if (o < 0) throw new VirtqueueError(`queue ${this.index}: used ring not mapped`);
    dma.mem.dv.setUint32(o, head, true);
    dma.mem.dv.setUint32(o + 4, len >>> 0, true);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    this.wr16(dma, this.used + 2, this.usedIdx);
  }

  /** After taking chains: with event index, ask to be notified of the next one. */
  armNotify(dma: DmaSpace): void {
    if (this.eventIdx) this.wr16(dma, this.used + 4 + 8 * this.size, this.lastAvail);
  }

  /** Whether the driver wants an interrupt for what was pushed since the last one. */
  shouldInterrupt(dma: DmaSpace): boolean {
    const now = this.usedIdx;
    if (!this.eventIdx) {
      return (this.rd16(dma, this.avail) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
    }
    const old = this.signalledUsed;
    const valid = this.signalledValid;
    this.signalledUsed = now;
    this.signalledValid = true;
    if (!valid) return true;
    const usedEvent = this.rd16(dma, this.avail + 4 + 2 * this.size);
    // vring_need_event: the driver's event index lies in (old, now].
    return ((now - usedEvent - 1) & 0xffff) < ((now - old) & 0xffff);
  }
}

const views = new WeakMap<ArrayBufferLike, Uint16Array>();

function u16view(dma: DmaSpace): Uint16Array {
  const buf = dma.mem.buffer;
  let v = views.get(buf);
  if (v === undefined) {
    v = new Uint16Array(buf);
    views.set(buf, v);
  }
  return v;
}
