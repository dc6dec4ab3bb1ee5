// A TCE (translation control entry) table: the PAPR IOMMU. A DMA window of the bus
// address space, [busOffset, busOffset + entries << pageShift), where each page maps to a
// guest real page with read/write permission bits. The guest fills it with H_PUT_TCE,
// H_PUT_TCE_INDIRECT and H_STUFF_TCE and reads it back with H_GET_TCE.
//
// The table lives on the I/O thread (the devices that use it do); vCPU threads hand the
// TCE hypercalls over, as they do for RTAS (see board.ts).
import { RAM_OFFSET } from '../../cpu/layout.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { DmaSpace } from './dma.js';

/** Device may read the page (DMA from memory). */
export const TCE_READ = 1;
/** Device may write the page (DMA to memory). */
export const TCE_WRITE = 2;

export class TceTable implements DmaSpace {
  /** Entries as 64-bit values, low and high words. */
  private readonly lo: Uint32Array;
  private readonly hi: Uint32Array;
  readonly pageSize: number;

  constructor(
    readonly mem: GuestMemory,
    /** Logical I/O bus number: the guest's name for this window. */
    readonly liobn: number,
    readonly busOffset: number,
    readonly pageShift: number,
    readonly entries: number,
  ) {
    this.lo = new Uint32Array(entries);
    this.hi = new Uint32Array(entries);
    this.pageSize = 2 ** pageShift;
  }

  get windowSize(): number {
    return this.entries * this.pageSize;
  }

  /** Index of the entry for bus address `ioba`, or -1 outside the window. */
  index(ioba: number): number {
    if (!(ioba >= this.busOffset)) return -1;
    const i = Math.floor((ioba - this.busOffset) / this.pageSize);
    return i < this.entries ? i : -1;
  }

  put(i: number, lo: number, hi: number): void {
    this.lo[i] = lo;
    this.hi[i] = hi;
  }

  getLo(i: number): number {
    return this.lo[i];
  }

  getHi(i: number): number {
    return this.hi[i];
  }

  clear(): void {
    this.lo.fill(0);
    this.hi.fill(0);
  }

  translate(addr: number, write: boolean): number {
    const i = this.index(addr);
    if (i < 0) return -1;
    const lo = this.lo[i];
    if ((lo & (write ? TCE_WRITE : TCE_READ)) === 0) return -1;
    // Real page address: the entry without its low (permission) bits.
    const page = this.hi[i] * 0x100000000 + (lo - (lo % this.pageSize));
    const pa = page + ((addr - this.busOffset) % this.pageSize);
    if (pa >= this.mem.ramSize) return -1;
    return RAM_OFFSET + pa;
  }
}
