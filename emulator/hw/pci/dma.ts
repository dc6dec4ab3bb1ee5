// Device-initiated memory accesses. A DmaSpace maps a bus address to guest RAM, one page
// at a time: directly (physical, what virtio without VIRTIO_F_ACCESS_PLATFORM uses, as on
// QEMU's pseries) or through a TCE table (spapr-tce.ts). Nothing here ever touches host
// memory outside guest RAM: a failed translation is reported to the device, which treats
// it as a guest error.
import { RAM_OFFSET } from '../../cpu/layout.js';
import type { GuestMemory } from '../../memory/guest-memory.js';

export const DMA_PAGE = 4096;

export interface DmaSpace {
  readonly mem: GuestMemory;
  /**
   * Byte offset in mem.u8 of bus address `addr` for a read (device reads memory) or a
   * write; valid up to the end of its 4 KiB page. -1 when not mapped / not permitted.
   */
  translate(addr: number, write: boolean): number;
}

/** Bus address = guest real address, bounded by RAM. */
export class PhysDma implements DmaSpace {
  constructor(readonly mem: GuestMemory) {}

  translate(addr: number, _write: boolean): number {
    if (addr < 0 || addr >= this.mem.ramSize) return -1;
    return RAM_OFFSET + addr;
  }
}

/**
 * Host offset of [addr, addr+len) when it is contiguous in guest RAM (the common case of
 * a buffer inside one page, or any range in the physical space); -1 otherwise (then use
 * dmaRead/dmaWrite, which go page by page).
 */
export function dmaContiguous(d: DmaSpace, addr: number, len: number, write: boolean): number {
  const first = d.translate(addr, write);
  if (first < 0) return -1;
  if (len <= 0) return first;
  const pageEnd = (Math.floor(addr / DMA_PAGE) + 1) * DMA_PAGE;
  if (addr + len <= pageEnd) return first;
  // Every further page must follow the first one in RAM.
  for (let a = pageEnd; a < addr + len; a += DMA_PAGE) {
    const o = d.translate(a, write);
    if (o !== first + (a - addr)) return -1;
  }
  return first;
}

/** Copy guest memory at bus address `addr` into dest; false on a translation fault. */
export function dmaRead(d: DmaSpace, addr: number, dest: Uint8Array): boolean {
  const u8 = d.mem.u8;
  let done = 0;
  while (done < dest.length) {
    const a = addr + done;
    const o = d.translate(a, false);
    if (o < 0) return false;
    const n = Math.min(dest.length - done, DMA_PAGE - (a % DMA_PAGE));
    dest.set(u8.subarray(o, o + n), done);
    done += n;
  }
  return true;
}

/** Copy src into guest memory at bus address `addr`; false on a translation fault. */
export function dmaWrite(d: DmaSpace, addr: number, src: Uint8Array): boolean {
  const u8 = d.mem.u8;
  let done = 0;
  while (done < src.length) {
    const a = addr + done;
    const o = d.translate(a, true);
    if (o < 0) return false;
    const n = Math.min(src.length - done, DMA_PAGE - (a % DMA_PAGE));
    u8.set(src.subarray(done, done + n), o);
    done += n;
  }
  return true;
}
