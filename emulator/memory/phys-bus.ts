// Guest real addresses outside RAM: device regions (PCI windows, MMIO BARs). Values are
// those of `size` bytes in little-endian order (the CPU swaps for big-endian accesses).
// Regions belong to the I/O thread; vCPU threads hand accesses over (board.ts).
export interface MmioRegion {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  /** `vcpu`: the vCPU making the access (views that depend on it, e.g. XIVE's TIMA). */
  read(offset: number, size: 1 | 2 | 4, vcpu?: number): number;
  write(offset: number, size: 1 | 2 | 4, value: number, vcpu?: number): void;
}

export class PhysBus {
  private regions: MmioRegion[] = [];

  /** Map a region; overlapping another one is a wiring bug. */
  map(r: MmioRegion): void {
    if (r.size <= 0) throw new Error(`MMIO region ${r.name}: empty`);
    for (const o of this.regions) {
      if (r.base < o.base + o.size && o.base < r.base + r.size) {
        throw new Error(`MMIO region ${r.name} overlaps ${o.name}`);
      }
    }
    this.regions.push(r);
    this.regions.sort((a, b) => a.base - b.base);
  }

  unmap(r: MmioRegion): void {
    this.regions = this.regions.filter((x) => x !== r);
  }

  /** The region holding `pa`, if any. */
  find(pa: number): MmioRegion | undefined {
    const rs = this.regions;
    let lo = 0;
    let hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = rs[mid];
      if (pa < r.base) hi = mid - 1;
      else if (pa >= r.base + r.size) lo = mid + 1;
      else return r;
    }
    return undefined;
  }
}
