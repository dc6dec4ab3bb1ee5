// virtio-blk (virtio 1.2 section 5.2) over a disk image backend (emulator/block). One
// request queue; requests run asynchronously on the I/O thread (Node fs through the
// backend) and complete out of order: data copied into guest memory, status byte, used
// ring, interrupt, all under the BQL. A flush waits for the writes submitted before it
// and for the backend's fdatasync before the guest sees it complete.
import { BlockError, type BlockBackend } from '../../block/backend.js';
import { DMA_PAGE, type DmaSpace } from '../pci/dma.js';
import type { VirtioDevice, VirtioTransport } from '../pci/virtio-pci.js';
import { VirtqueueError, type VirtQueue, type VirtqChain, type VirtqSeg } from '../pci/virtqueue.js';

export const VIRTIO_ID_BLOCK = 2;

// Feature bits
export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
export const VIRTIO_BLK_F_FLUSH = 9;
export const VIRTIO_BLK_F_DISCARD = 13;
export const VIRTIO_BLK_F_WRITE_ZEROES = 14;

// Request types
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_T_DISCARD = 11;
export const VIRTIO_BLK_T_WRITE_ZEROES = 13;

// Status
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

export const VIRTIO_BLK_ID_BYTES = 20;
export const VIRTIO_BLK_QUEUE_SIZE = 256;
const SECTOR = 512;
/** Largest request accepted (bytes): 126 segments of one 64 KiB guest page, with room. */
const MAX_REQUEST_BYTES = 32 * 1024 * 1024;
const MAX_DISCARD_SECTORS = 0x3fffff;
const CONFIG_SIZE = 60;

export interface VirtioBlkOptions {
  /** Returned by GET_ID (at most 20 bytes). */
  serial?: string;
  /** Run `fn` with the BQL held (completions arrive from Node's event loop). */
  locked?: (fn: () => void) => void;
}

/** Host memory of a request's data: (offset in mem.u8, length) pieces in order. */
type Iov = number[];

export class VirtioBlk implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly classCode = 0x010000; // mass storage, SCSI (as QEMU's virtio-blk-pci)
  readonly numQueues = 1;
  readonly queueMaxSize = VIRTIO_BLK_QUEUE_SIZE;
  readonly featuresLo: number;
  readonly featuresHi = 0;
  readonly configSize = CONFIG_SIZE;
  private readonly config = new Uint8Array(CONFIG_SIZE);
  private t: VirtioTransport | null = null;
  private readonly serial: Uint8Array;
  private readonly locked: (fn: () => void) => void;
  /** Writes (and zeroing/discards) submitted and not finished: a flush waits for them. */
  private readonly inflightWrites = new Set<Promise<unknown>>();
  /** Requests submitted and not completed (tests wait on this). */
  private inflight = 0;
  /** Heads of the requests the guest is waiting for, this generation (for snapshots). */
  private readonly pendingHeads = new Set<number>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly backend: BlockBackend,
    opts: VirtioBlkOptions = {},
  ) {
    this.locked = opts.locked ?? ((fn) => fn());
    this.serial = new Uint8Array(VIRTIO_BLK_ID_BYTES);
    this.serial.set(new TextEncoder().encode(opts.serial ?? '').subarray(0, VIRTIO_BLK_ID_BYTES));
    let f = (1 << VIRTIO_BLK_F_SEG_MAX) | (1 << VIRTIO_BLK_F_BLK_SIZE) | (1 << VIRTIO_BLK_F_FLUSH);
    if (backend.readOnly) f |= 1 << VIRTIO_BLK_F_RO;
    else {
      f |= 1 << VIRTIO_BLK_F_WRITE_ZEROES;
      if (backend.canDiscard) f |= 1 << VIRTIO_BLK_F_DISCARD;
    }
    this.featuresLo = f >>> 0;
    const dv = new DataView(this.config.buffer);
    const sectors = Math.floor(backend.size / SECTOR);
    dv.setUint32(0, sectors >>> 0, true); // capacity (512-byte sectors)
    dv.setUint32(4, Math.floor(sectors / 0x100000000), true);
    dv.setUint32(12, VIRTIO_BLK_QUEUE_SIZE - 2, true); // seg_max
    dv.setUint32(20, SECTOR, true); // blk_size
    dv.setUint16(34, 1, true); // num_queues
    dv.setUint32(36, MAX_DISCARD_SECTORS, true); // max_discard_sectors
    dv.setUint32(40, 1, true); // max_discard_seg
    dv.setUint32(44, Math.max(1, Math.floor(backend.discardGranularity / SECTOR)), true); // discard_sector_alignment
    dv.setUint32(48, MAX_DISCARD_SECTORS, true); // max_write_zeroes_sectors
    dv.setUint32(52, 1, true); // max_write_zeroes_seg
    this.config[56] = backend.canDiscard ? 1 : 0; // write_zeroes_may_unmap
  }

  attach(t: VirtioTransport): void {
    this.t = t;
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let k = 0; k < size; k++) v |= this.config[offset + k] << (8 * k);
    return v >>> 0;
  }

  configWrite(): void {
    // writeback (offset 32) is not offered: the configuration is read-only.
  }

  reset(): void {
    // In-flight requests finish on the backend; their completions see a new generation
    // and are dropped.
    this.pendingHeads.clear();
  }

  /** The requests in flight: after a restore they are submitted again (as QEMU does). */
  save(): { pending: number[] } {
    return { pending: [...this.pendingHeads] };
  }

  load(state: unknown): void {
    this.pendingHeads.clear();
    const t = this.t;
    const heads = (state as { pending?: unknown } | null)?.pending;
    if (t === null || !Array.isArray(heads) || !t.running()) return;
    const q = t.queues[0];
    const dma = t.dma();
    try {
      for (const h of heads) if (typeof h === 'number') this.start(t, dma, q, q.chainAt(dma, h));
    } catch (e) {
      if (!(e instanceof VirtqueueError)) throw e;
      t.needsReset(e.message);
    }
  }

  /** Requests started and not finished yet (any generation). */
  get inflightRequests(): number {
    return this.inflight;
  }

  /** Resolves when no request is in flight (machine reset, tests). */
  idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((res) => this.idleWaiters.push(res));
  }

  queueNotify(q: VirtQueue): void {
    const t = this.t;
    if (t === null) return;
    const dma = t.dma();
    try {
      // Take everything; with event index, re-check after publishing avail_event so a
      // chain added meanwhile is not left waiting for a notification that never comes.
      for (let rounds = 0; rounds < 4; rounds++) {
        let chain: VirtqChain | null;
        while (t.running() && (chain = q.pop(dma)) !== null) this.start(t, dma, q, chain);
        if (!t.running()) return;
        q.armNotify(dma);
        if (q.pending(dma) === 0) return;
      }
    } catch (e) {
      if (e instanceof VirtqueueError) {
        t.needsReset(e.message);
        return;
      }
      throw e;
    }
  }

  // ------------------------------------------------------------ one request
  private start(t: VirtioTransport, dma: DmaSpace, q: VirtQueue, chain: VirtqChain): void {
    if (chain.readable < 16 || chain.writable < 1) {
      throw new VirtqueueError(`virtio-blk: request of ${chain.readable} readable / ${chain.writable} writable bytes (needs a 16-byte header and a status byte)`);
    }
    const hdr = new Uint8Array(16);
    const hdrIov = iovOf(dma, chain.segs, false, 0, 16);
    copyFromIov(dma, hdrIov, hdr);
    const hv = new DataView(hdr.buffer);
    const type = hv.getUint32(0, true);
    const sector = hv.getUint32(12, true) * 0x100000000 + hv.getUint32(8, true);
    const statusIov = iovOf(dma, chain.segs, true, chain.writable - 1, 1);
    const statusAt = statusIov[0];
    const gen = t.generation;
    const finish = (status: number, written: number): void => {
      this.locked(() => {
        this.inflight--;
        if (t.generation === gen) {
          this.pendingHeads.delete(chain.head);
          dma.mem.u8[statusAt] = status;
          try {
            q.push(dma, chain.head, written + 1);
            t.notifyUsed(q);
          } catch (e) {
            // Runs from a promise callback: nothing may escape (an unhandled rejection
            // would end the VM process), so even our own bugs become NEEDS_RESET.
            t.needsReset(e instanceof VirtqueueError ? e.message : `internal error completing a request: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        if (this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    };
    this.inflight++;
    this.pendingHeads.add(chain.head);
    try {
      this.dispatch(t, dma, chain, type, sector, finish, gen);
    } catch (e) {
      // A malformed buffer found while setting up: no completion will come.
      this.inflight--;
      this.pendingHeads.delete(chain.head);
      throw e;
    }
  }

  private dispatch(t: VirtioTransport, dma: DmaSpace, chain: VirtqChain, type: number, sector: number, finish: (status: number, written: number) => void, _gen: number): void {
    const b = this.backend;
    const dataIn = chain.writable - 1;
    const dataOut = chain.readable - 16;
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        if (!this.rangeOk(sector, dataIn)) {
          finish(VIRTIO_BLK_S_IOERR, 0);
          return;
        }
        // Straight into guest RAM (views of the shared memory), no bounce buffer.
        b.readv(sector * SECTOR, views(dma, iovOf(dma, chain.segs, true, 0, dataIn))).then(
          () => finish(VIRTIO_BLK_S_OK, dataIn),
          (e: unknown) => finish(this.errorStatus(e), 0),
        );
        return;
      }
      case VIRTIO_BLK_T_OUT: {
        if (b.readOnly || !this.rangeOk(sector, dataOut)) {
          finish(VIRTIO_BLK_S_IOERR, 0);
          return;
        }
        this.trackWrite(b.writev(sector * SECTOR, views(dma, iovOf(dma, chain.segs, false, 16, dataOut)))).then(
          () => finish(VIRTIO_BLK_S_OK, 0),
          (e: unknown) => finish(this.errorStatus(e), 0),
        );
        return;
      }
      case VIRTIO_BLK_T_FLUSH: {
        const before = [...this.inflightWrites];
        Promise.allSettled(before)
          .then(() => (b.readOnly ? undefined : b.flush()))
          .then(
            () => finish(VIRTIO_BLK_S_OK, 0),
            (e: unknown) => finish(this.errorStatus(e), 0),
          );
        return;
      }
      case VIRTIO_BLK_T_GET_ID: {
        const n = Math.min(VIRTIO_BLK_ID_BYTES, dataIn);
        copyToIov(dma, iovOf(dma, chain.segs, true, 0, n), this.serial.subarray(0, n));
        queueMicrotask(() => finish(VIRTIO_BLK_S_OK, n));
        return;
      }
      case VIRTIO_BLK_T_DISCARD:
      case VIRTIO_BLK_T_WRITE_ZEROES: {
        const feature = type === VIRTIO_BLK_T_DISCARD ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES;
        if ((this.featuresLo & (1 << feature)) === 0 || !t.hasFeature(feature)) {
          queueMicrotask(() => finish(VIRTIO_BLK_S_UNSUPP, 0));
          return;
        }
        if (dataOut !== 16) {
          // max_discard_seg / max_write_zeroes_seg are 1.
          queueMicrotask(() => finish(VIRTIO_BLK_S_UNSUPP, 0));
          return;
        }
        const seg = new Uint8Array(16);
        copyFromIov(dma, iovOf(dma, chain.segs, false, 16, 16), seg);
        const sv = new DataView(seg.buffer);
        const start = sv.getUint32(4, true) * 0x100000000 + sv.getUint32(0, true);
        const count = sv.getUint32(8, true);
        const flags = sv.getUint32(12, true);
        if ((flags & ~1) !== 0 || count > MAX_DISCARD_SECTORS || !this.rangeOk(start, count * SECTOR)) {
          queueMicrotask(() => finish(VIRTIO_BLK_S_IOERR, 0));
          return;
        }
        const p = type === VIRTIO_BLK_T_DISCARD ? b.discard(start * SECTOR, count * SECTOR) : b.writeZeroes(start * SECTOR, count * SECTOR);
        this.trackWrite(p).then(
          () => finish(VIRTIO_BLK_S_OK, 0),
          (e: unknown) => finish(this.errorStatus(e), 0),
        );
        return;
      }
      default:
        queueMicrotask(() => finish(VIRTIO_BLK_S_UNSUPP, 0));
    }
  }

  private trackWrite<T>(p: Promise<T>): Promise<T> {
    this.inflightWrites.add(p);
    const done = (): void => {
      this.inflightWrites.delete(p);
    };
    p.then(done, done);
    return p;
  }

  private rangeOk(sector: number, bytes: number): boolean {
    return bytes % SECTOR === 0 && bytes <= MAX_REQUEST_BYTES && sector * SECTOR + bytes <= this.backend.size;
  }

  private errorStatus(e: unknown): number {
    if (e instanceof BlockError && e.code === 'ENOTSUP') return VIRTIO_BLK_S_UNSUPP;
    return VIRTIO_BLK_S_IOERR;
  }
}

/**
 * Host pieces of bytes [skip, skip+len) of the readable (write=false) or writable part of
 * a chain. Throws VirtqueueError when a page is not mapped (a guest error).
 */
function iovOf(dma: DmaSpace, segs: readonly VirtqSeg[], write: boolean, skip: number, len: number): Iov {
  const iov: Iov = [];
  const end = skip + len;
  let pos = 0;
  let got = 0;
  for (const s of segs) {
    if (s.write !== write) continue;
    const segStart = pos;
    pos += s.len;
    const from = Math.max(skip, segStart);
    const to = Math.min(end, pos);
    let a = s.addr + (from - segStart);
    let rem = to - from;
    while (rem > 0) {
      const o = dma.translate(a, write);
      if (o < 0) throw new VirtqueueError(`virtio-blk: buffer at 0x${a.toString(16)} is not guest memory`);
      const n = Math.min(rem, DMA_PAGE - (a % DMA_PAGE));
      const k = iov.length;
      if (k > 0 && iov[k - 2] + iov[k - 1] === o) iov[k - 1] += n;
      else iov.push(o, n);
      a += n;
      rem -= n;
      got += n;
    }
    if (pos >= end) break;
  }
  if (got !== len) throw new VirtqueueError('virtio-blk: chain shorter than its request');
  return iov;
}

function views(dma: DmaSpace, iov: Iov): Uint8Array[] {
  const u8 = dma.mem.u8;
  const out: Uint8Array[] = [];
  for (let i = 0; i < iov.length; i += 2) out.push(u8.subarray(iov[i], iov[i] + iov[i + 1]));
  return out;
}

function copyFromIov(dma: DmaSpace, iov: Iov, dest: Uint8Array): void {
  const u8 = dma.mem.u8;
  let at = 0;
  for (let i = 0; i < iov.length; i += 2) {
    dest.set(u8.subarray(iov[i], iov[i] + iov[i + 1]), at);
    at += iov[i + 1];
  }
}

function copyToIov(dma: DmaSpace, iov: Iov, src: Uint8Array): void {
  const u8 = dma.mem.u8;
  let at = 0;
  for (let i = 0; i < iov.length; i += 2) {
    u8.set(src.subarray(at, at + iov[i + 1]), iov[i]);
    at += iov[i + 1];
  }
}
