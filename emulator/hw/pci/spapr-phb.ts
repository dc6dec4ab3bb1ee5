// The sPAPR PCI host bridge ("IBM,Logical_PHB") as QEMU's pseries presents its first PHB:
// bus 0 with up to 32 single-function devices, configuration cycles through RTAS
// (read-pci-config, write-pci-config and the ibm,* forms that name the bridge by BUID),
// three windows on the real address map (I/O, 32-bit and 64-bit memory) decoded to the
// devices' BARs, a default DMA window translated by a TCE table (H_PUT_TCE,
// H_PUT_TCE_INDIRECT, H_STUFF_TCE, H_GET_TCE), INTx through four level-sensitive XICS
// sources and MSI-X through RTAS ibm,change-msi / ibm,query-interrupt-source-number with
// edge sources from a pool. Everything here lives on the I/O thread and runs under the
// BQL; vCPU threads hand TCE hypercalls, RTAS and MMIO over (board.ts).
import type { Cpu } from '../../cpu/cpu.js';
import type { BQL } from '../../host/bql.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { MmioRegion } from '../../memory/phys-bus.js';
import type { FdtNode } from '../../machine/spapr/fdt.js';
import { type HcallTable, arg, H_SUCCESS, H_PARAMETER, H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../../machine/spapr/hcall.js';
import { type Rtas, type RtasArgs, RTAS_OUT_SUCCESS, RTAS_OUT_HW_ERROR, RTAS_OUT_PARAM_ERROR } from '../../machine/spapr/rtas.js';
import { RAM_OFFSET } from '../../cpu/layout.js';
import { RTAS_TOKENS } from '../../machine/spapr/rtas-tokens.js';
import type { IrqLine } from '../irq.js';
import { RateLimitedLog } from '../../util/ratelimit.js';
import { PhysDma, type DmaSpace } from './dma.js';
import { PCI_BASE_ADDRESS_0, type PciFunction, type PciHost } from './pci-device.js';
import { TceTable } from './spapr-tce.js';

/** BUID of the first PHB (QEMU's SPAPR_PCI_BASE_BUID). */
export const SPAPR_PCI_BUID = 0x800000020000000;
export const SPAPR_PCI_BUID_HI = 0x08000000;
export const SPAPR_PCI_BUID_LO = 0x20000000;
/** LIOBN of the default 32-bit DMA window. */
export const SPAPR_PCI_LIOBN = 0x80000000;
/** Default DMA window: bus [0, 1 GiB) in 4 KiB pages. */
export const SPAPR_PCI_DMA_WINDOW_SIZE = 0x40000000;
export const SPAPR_TCE_PAGE_SHIFT = 12;
/** Real addresses of the windows (QEMU's index-0 PHB, spapr_phb_placement). */
export const SPAPR_PCI_IO_WIN_ADDR = 0x200000000000;
export const SPAPR_PCI_IO_WIN_SIZE = 0x10000;
export const SPAPR_PCI_MEM32_WIN_ADDR = 0x200080000000;
export const SPAPR_PCI_MEM32_BUS_ADDR = 0x80000000;
export const SPAPR_PCI_MEM32_WIN_SIZE = 0x80000000;
export const SPAPR_PCI_MEM64_WIN_ADDR = 0x210000000000;
export const SPAPR_PCI_MEM64_WIN_SIZE = 0x10000000000;
/** Dynamic DMA window (ibm,create-pe-dma-window): its LIOBN and bus offset. QEMU puts it
 * at 2^59; ours is at 2^48 so bus addresses stay exact in a JS number. */
export const SPAPR_PCI_DDW_LIOBN = 0x80000001;
export const SPAPR_PCI_DDW_BUS_OFFSET = 0x1000000000000;
/** Largest dynamic window table accepted (entries): 32 MiB of host memory. */
const DDW_MAX_ENTRIES = 1 << 22;
/** Page sizes a dynamic window may use: 4 KiB (bit 0) and 64 KiB (bit 1). */
const DDW_PAGE_MASK = 0x3;
/** Where MSI messages are addressed (QEMU's SPAPR_PCI_MSI_WINDOW); data = source number. */
export const SPAPR_PCI_MSI_WINDOW = 0x40000000000;
/** XICS sources: four LSIs (INTA..INTD) and a pool of MSIs. */
export const SPAPR_IRQ_PCI_LSI = 0x1200;
export const SPAPR_IRQ_MSI = 0x1300;
export const SPAPR_PCI_MSI_COUNT = 64;

// ibm,change-msi functions and interrupt types (PAPR)
const RTAS_CHANGE_FN = 1;
const RTAS_CHANGE_MSI_FN = 3;
const RTAS_CHANGE_MSIX_FN = 4;
const RTAS_TYPE_MSI = 1;
const RTAS_TYPE_MSIX = 2;

export interface PhbHost {
  readonly mem: GuestMemory;
  readonly bql: BQL;
  log(line: string): void;
  /** The bridge's XICS sources, claimed by the board in every thread. */
  readonly lsi: readonly IrqLine[];
  readonly msi: readonly IrqLine[];
  /** Wake vCPUs idling on this thread after an interrupt (single-threaded machines). */
  kick?: () => void;
}

export interface PhbState {
  /** Non-zero TCEs as (index, low word, high word) triples. */
  tce: number[];
  /** The dynamic DMA window, if one was created. */
  ddw?: { pageShift: number; entries: number; tce: number[] } | null;
  /** MSI blocks: (slot, first pool index, count). */
  msi: [number, number, number][];
  slots: (unknown | null)[];
}

interface MsiAlloc {
  first: number;
  num: number;
}

const guestLog = new RateLimitedLog(10, 1000);

export class SpaprPhb {
  readonly slots: (PciFunction | null)[] = new Array<PciFunction | null>(32).fill(null);
  readonly tce: TceTable;
  /** The dynamic DMA window, when the guest made one. */
  ddw: TceTable | null = null;
  readonly physical: PhysDma;
  /** What devices see: the default window and the dynamic one. */
  readonly dma: DmaSpace;
  /** MSI blocks by device (slot), index into the MSI pool. */
  private readonly msiBySlot = new Map<number, MsiAlloc>();
  private readonly msiUsed = new Uint8Array(SPAPR_PCI_MSI_COUNT);
  /** Devices asserting each INTx line. */
  private readonly intxCount = [0, 0, 0, 0];
  private readonly intxLevel = new Uint8Array(32);
  readonly regions: MmioRegion[];

  constructor(readonly host: PhbHost) {
    this.tce = new TceTable(host.mem, SPAPR_PCI_LIOBN, 0, SPAPR_TCE_PAGE_SHIFT, SPAPR_PCI_DMA_WINDOW_SIZE >> SPAPR_TCE_PAGE_SHIFT);
    this.physical = new PhysDma(host.mem);
    this.dma = {
      mem: host.mem,
      translate: (addr, write) => {
        const d = this.ddw;
        if (d !== null && addr >= d.busOffset) return d.translate(addr, write);
        return this.tce.translate(addr, write);
      },
    };
    this.regions = [
      this.window('pci-io', SPAPR_PCI_IO_WIN_ADDR, SPAPR_PCI_IO_WIN_SIZE, 0, 'io'),
      this.window('pci-mem32', SPAPR_PCI_MEM32_WIN_ADDR, SPAPR_PCI_MEM32_WIN_SIZE, SPAPR_PCI_MEM32_BUS_ADDR, 'mem'),
      this.window('pci-mem64', SPAPR_PCI_MEM64_WIN_ADDR, SPAPR_PCI_MEM64_WIN_SIZE, SPAPR_PCI_MEM64_WIN_ADDR, 'mem'),
    ];
  }

  /** Plug a function into `slot` (function 0). */
  addDevice(slot: number, fn: PciFunction): void {
    if (slot < 0 || slot >= 32 || this.slots[slot] !== null) throw new Error(`PCI slot ${slot} is not free`);
    fn.devfn = slot << 3;
    const pin = fn.cfg[0x3d];
    const h: PciHost = {
      dma: this.dma,
      msi: (address, data) => this.msiWrite(fn, address, data),
      setIntx: (level) => this.setIntx(slot, pin, level),
      log: (l) => this.host.log(l),
    };
    fn.host = h;
    this.slots[slot] = fn;
  }

  /** Bus address space without translation (devices that bypass the IOMMU). */
  get bypass(): DmaSpace {
    return this.physical;
  }

  // ------------------------------------------------------------ windows and BARs
  private window(name: string, base: number, size: number, busBase: number, space: 'io' | 'mem'): MmioRegion {
    const find = (off: number, len: number): { fn: PciFunction; bar: number; at: number } | null => {
      const busAddr = busBase + off;
      for (const fn of this.slots) {
        if (fn === null) continue;
        for (let i = 0; i < 6; i++) {
          const b = fn.bars[i];
          if (b === null || (b.kind === 'io') !== (space === 'io')) continue;
          const a = fn.barAddress(i);
          if (a >= 0 && busAddr >= a && busAddr + len <= a + b.size) return { fn, bar: i, at: busAddr - a };
        }
      }
      return null;
    };
    return {
      name,
      base,
      size,
      read: (off, len) => {
        const hit = find(off, len);
        if (hit === null) {
          guestLog.log(this.host, () => `${name}: read of ${len} bytes at bus address 0x${(busBase + off).toString(16)} hits no BAR`);
          return len === 4 ? 0xffffffff : (1 << (8 * len)) - 1;
        }
        const bar = hit.fn.bars[hit.bar];
        return bar === null ? 0 : bar.handler.read(hit.at, len);
      },
      write: (off, len, value) => {
        const hit = find(off, len);
        if (hit === null) {
          guestLog.log(this.host, () => `${name}: write of ${len} bytes at bus address 0x${(busBase + off).toString(16)} hits no BAR`);
          return;
        }
        hit.fn.bars[hit.bar]?.handler.write(hit.at, len, value);
      },
    };
  }

  // ------------------------------------------------------------ interrupts
  private setIntx(slot: number, pin: number, level: boolean): void {
    if (pin < 1 || pin > 4) return;
    const v = level ? 1 : 0;
    if (this.intxLevel[slot] === v) return;
    this.intxLevel[slot] = v;
    // Standard swizzle: (slot + pin - 1) mod 4, as the interrupt-map says.
    const line = (slot + pin - 1) & 3;
    this.intxCount[line] += level ? 1 : -1;
    this.host.lsi[line].set(this.intxCount[line] > 0);
    if (level) this.host.kick?.();
  }

  private msiWrite(fn: PciFunction, address: number, data: number): void {
    const idx = data - SPAPR_IRQ_MSI;
    const alloc = this.msiBySlot.get(fn.devfn >> 3);
    if (address !== SPAPR_PCI_MSI_WINDOW || alloc === undefined || idx < alloc.first || idx >= alloc.first + alloc.num) {
      guestLog.log(this.host, () => `${fn.name}: MSI write of 0x${data.toString(16)} to 0x${address.toString(16)} is not a message the PHB assigned`);
      return;
    }
    this.host.msi[idx].pulse();
    this.host.kick?.();
  }

  // ------------------------------------------------------------ RTAS
  /** The device named by a configuration address on this bridge, or null. */
  private device(buidHi: number, buidLo: number, addr: number, anyBuid: boolean): PciFunction | null {
    if (!anyBuid && (buidHi !== SPAPR_PCI_BUID_HI || buidLo !== SPAPR_PCI_BUID_LO)) return null;
    const bus = (addr >>> 16) & 0xff;
    const devfn = (addr >>> 8) & 0xff;
    if (bus !== 0 || (devfn & 7) !== 0) return null;
    return this.slots[devfn >> 3];
  }

  private readConfig(a: RtasArgs, fn: PciFunction | null, addr: number, size: number): void {
    const reg = ((addr >>> 20) & 0xf00) | (addr & 0xff);
    if (fn === null || (size !== 1 && size !== 2 && size !== 4) || reg % size !== 0 || reg + size > 256) {
      // Extended space beyond 256 bytes: there is none (conventional PCI functions).
      if (fn !== null && (size === 1 || size === 2 || size === 4) && reg % size === 0 && reg < 4096) {
        a.ret(0, RTAS_OUT_SUCCESS);
        a.ret(1, 0);
        return;
      }
      a.ret(0, RTAS_OUT_HW_ERROR);
      a.ret(1, 0xffffffff);
      return;
    }
    a.ret(0, RTAS_OUT_SUCCESS);
    a.ret(1, fn.readConfig(reg, size));
  }

  private writeConfig(a: RtasArgs, fn: PciFunction | null, addr: number, size: number, value: number): void {
    const reg = ((addr >>> 20) & 0xf00) | (addr & 0xff);
    if (fn === null || (size !== 1 && size !== 2 && size !== 4) || reg % size !== 0 || reg >= 4096) {
      a.ret(0, RTAS_OUT_HW_ERROR);
      return;
    }
    if (reg + size <= 256) fn.writeConfig(reg, size, value >>> 0);
    a.ret(0, RTAS_OUT_SUCCESS);
  }

  registerRtas(rtas: Rtas): void {
    rtas.register('read-pci-config', (_c, a) => {
      if (a.nargs !== 2 || a.nret !== 2) return a.ret(0, RTAS_OUT_HW_ERROR);
      const addr = a.arg(0);
      this.readConfig(a, this.device(0, 0, addr, true), addr, a.arg(1));
    });
    rtas.register('ibm,read-pci-config', (_c, a) => {
      if (a.nargs !== 4 || a.nret !== 2) return a.ret(0, RTAS_OUT_HW_ERROR);
      const addr = a.arg(0);
      this.readConfig(a, this.device(a.arg(1), a.arg(2), addr, false), addr, a.arg(3));
    });
    rtas.register('write-pci-config', (_c, a) => {
      if (a.nargs !== 3 || a.nret !== 1) return a.ret(0, RTAS_OUT_HW_ERROR);
      const addr = a.arg(0);
      this.writeConfig(a, this.device(0, 0, addr, true), addr, a.arg(1), a.arg(2));
    });
    rtas.register('ibm,write-pci-config', (_c, a) => {
      if (a.nargs !== 5 || a.nret !== 1) return a.ret(0, RTAS_OUT_HW_ERROR);
      const addr = a.arg(0);
      this.writeConfig(a, this.device(a.arg(1), a.arg(2), addr, false), addr, a.arg(3), a.arg(4));
    });
    rtas.register('ibm,change-msi', (_c, a) => this.changeMsi(a));
    this.registerDdw(rtas);
    rtas.register('ibm,query-interrupt-source-number', (_c, a) => {
      if (a.nargs !== 4 || a.nret !== 3) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      const fn = this.device(a.arg(1), a.arg(2), a.arg(0), false);
      const alloc = fn === null ? undefined : this.msiBySlot.get(fn.devfn >> 3);
      const n = a.arg(3);
      if (fn === null) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      if (alloc === undefined || n >= alloc.num) return a.ret(0, RTAS_OUT_HW_ERROR);
      a.ret(0, RTAS_OUT_SUCCESS);
      a.ret(1, SPAPR_IRQ_MSI + alloc.first + n);
      a.ret(2, 1); // edge
    });
  }

  private changeMsi(a: RtasArgs): void {
    if (a.nargs !== 6 || (a.nret !== 3 && a.nret !== 4)) return a.ret(0, RTAS_OUT_PARAM_ERROR);
    const func = a.arg(3);
    const req = a.arg(4);
    const seq = a.arg(5);
    if (func !== RTAS_CHANGE_FN && func !== RTAS_CHANGE_MSI_FN && func !== RTAS_CHANGE_MSIX_FN) return a.ret(0, RTAS_OUT_PARAM_ERROR);
    const fn = this.device(a.arg(1), a.arg(2), a.arg(0), false);
    if (fn === null) return a.ret(0, RTAS_OUT_PARAM_ERROR);
    const slot = fn.devfn >> 3;
    // Only MSI-X exists on our functions: plain MSI requests get none (the guest falls back).
    const type = func === RTAS_CHANGE_MSIX_FN || (func === RTAS_CHANGE_FN && fn.msixVectors > 0) ? RTAS_TYPE_MSIX : RTAS_TYPE_MSI;
    const old = this.msiBySlot.get(slot);
    if (old !== undefined) {
      this.msiUsed.fill(0, old.first, old.first + old.num);
      this.msiBySlot.delete(slot);
      for (let v = 0; v < fn.msixVectors; v++) fn.setMsixMessage(v, 0, 0);
    }
    if (req === 0) {
      a.ret(0, RTAS_OUT_SUCCESS);
      a.ret(1, 0);
      a.ret(2, seq + 1);
      a.ret(3, type);
      return;
    }
    const max = type === RTAS_TYPE_MSIX ? fn.msixVectors : 0;
    if (max === 0) return a.ret(0, RTAS_OUT_HW_ERROR);
    if (req > max) {
      // Too many: tell the guest how many it can have (it asks again).
      a.ret(0, RTAS_OUT_SUCCESS);
      a.ret(1, max);
      a.ret(2, seq + 1);
      a.ret(3, type);
      return;
    }
    const first = this.allocMsi(req);
    if (first < 0) return a.ret(0, RTAS_OUT_HW_ERROR);
    this.msiBySlot.set(slot, { first, num: req });
    for (let v = 0; v < req; v++) fn.setMsixMessage(v, SPAPR_PCI_MSI_WINDOW, SPAPR_IRQ_MSI + first + v);
    a.ret(0, RTAS_OUT_SUCCESS);
    a.ret(1, req);
    a.ret(2, seq + 1);
    a.ret(3, type);
  }

  // ------------------------------------------------------------ dynamic DMA windows
  private registerDdw(rtas: Rtas): void {
    const bridge = (a: RtasArgs): boolean => a.arg(1) === SPAPR_PCI_BUID_HI && a.arg(2) === SPAPR_PCI_BUID_LO;
    rtas.register('ibm,query-pe-dma-window', (_c, a) => {
      if (a.nargs !== 3 || (a.nret !== 5 && a.nret !== 6) || !bridge(a)) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      // One dynamic window besides the default one; as large as RAM in 4 KiB pages.
      const pages = Math.floor(this.host.mem.ramSize / 4096);
      a.ret(0, RTAS_OUT_SUCCESS);
      a.ret(1, this.ddw === null ? 1 : 0);
      if (a.nret === 6) {
        a.ret(2, Math.floor(pages / 0x100000000));
        a.ret(3, pages >>> 0);
        a.ret(4, DDW_PAGE_MASK);
        a.ret(5, 0); // not migration capable
      } else {
        a.ret(2, pages >>> 0);
        a.ret(3, DDW_PAGE_MASK);
        a.ret(4, 0);
      }
    });
    rtas.register('ibm,create-pe-dma-window', (_c, a) => {
      if (a.nargs !== 5 || a.nret !== 4 || !bridge(a)) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      const pageShift = a.arg(3);
      const windowShift = a.arg(4);
      if (this.ddw !== null) return a.ret(0, RTAS_OUT_HW_ERROR);
      if ((pageShift !== 12 && pageShift !== 16) || windowShift < pageShift || windowShift > 48 || windowShift - pageShift > 22) {
        return a.ret(0, RTAS_OUT_PARAM_ERROR);
      }
      const entries = 2 ** (windowShift - pageShift);
      if (entries > DDW_MAX_ENTRIES) return a.ret(0, RTAS_OUT_HW_ERROR);
      this.ddw = new TceTable(this.host.mem, SPAPR_PCI_DDW_LIOBN, SPAPR_PCI_DDW_BUS_OFFSET, pageShift, entries);
      a.ret(0, RTAS_OUT_SUCCESS);
      a.ret(1, SPAPR_PCI_DDW_LIOBN);
      a.ret(2, Math.floor(SPAPR_PCI_DDW_BUS_OFFSET / 0x100000000));
      a.ret(3, SPAPR_PCI_DDW_BUS_OFFSET >>> 0);
    });
    rtas.register('ibm,remove-pe-dma-window', (_c, a) => {
      if (a.nargs !== 1 || a.nret !== 1) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      if (this.ddw === null || a.arg(0) !== this.ddw.liobn) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      this.ddw = null;
      a.ret(0, RTAS_OUT_SUCCESS);
    });
    rtas.register('ibm,reset-pe-dma-window', (_c, a) => {
      if (a.nargs !== 3 || a.nret !== 1 || !bridge(a)) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      // Back to the default configuration: the default window only.
      this.ddw = null;
      a.ret(0, RTAS_OUT_SUCCESS);
    });
  }

  private allocMsi(n: number): number {
    for (let s = 0; s + n <= SPAPR_PCI_MSI_COUNT; s++) {
      let free = true;
      for (let k = 0; k < n && free; k++) if (this.msiUsed[s + k] !== 0) free = false;
      if (free) {
        this.msiUsed.fill(1, s, s + n);
        return s;
      }
    }
    return -1;
  }

  // ------------------------------------------------------------ TCE hypercalls
  registerHcalls(t: HcallTable): void {
    const bql = this.host.bql;
    const mem = this.host.mem;
    const table = (liobn: number): TceTable | null => (liobn === this.tce.liobn ? this.tce : this.ddw !== null && liobn === this.ddw.liobn ? this.ddw : null);
    t.register(H_PUT_TCE, 'H_PUT_TCE', (c: Cpu) => {
      bql.assertHeld('H_PUT_TCE');
      const tt = table(arg(c, 1));
      if (tt === null) return H_PARAMETER;
      const i = tt.index(arg(c, 2));
      if (i < 0) return H_PARAMETER;
      const w = c.w + 2 * (3 + 3);
      tt.put(i, c.u32[w], c.u32[w + 1]);
      return H_SUCCESS;
    });
    t.register(H_GET_TCE, 'H_GET_TCE', (c: Cpu) => {
      bql.assertHeld('H_GET_TCE');
      const tt = table(arg(c, 1));
      if (tt === null) return H_PARAMETER;
      const i = tt.index(arg(c, 2));
      if (i < 0) return H_PARAMETER;
      c.setGPR32(4, tt.getLo(i), tt.getHi(i));
      return H_SUCCESS;
    });
    t.register(H_STUFF_TCE, 'H_STUFF_TCE', (c: Cpu) => {
      bql.assertHeld('H_STUFF_TCE');
      const tt = table(arg(c, 1));
      if (tt === null) return H_PARAMETER;
      const ioba = arg(c, 2);
      const w = c.w + 2 * (3 + 3);
      const lo = c.u32[w];
      const hi = c.u32[w + 1];
      const n = arg(c, 4);
      const i = tt.index(ioba);
      if (i < 0 || n > tt.entries - i) return H_PARAMETER;
      for (let k = 0; k < n; k++) tt.put(i + k, lo, hi);
      return H_SUCCESS;
    });
    t.register(H_PUT_TCE_INDIRECT, 'H_PUT_TCE_INDIRECT', (c: Cpu) => {
      bql.assertHeld('H_PUT_TCE_INDIRECT');
      const tt = table(arg(c, 1));
      if (tt === null) return H_PARAMETER;
      const ioba = arg(c, 2);
      const list = arg(c, 3);
      const n = arg(c, 4);
      const i = tt.index(ioba);
      // The list is one 4 KiB page of big-endian TCEs (at most 512).
      if (i < 0 || n > 512 || n > tt.entries - i || list % 4096 !== 0 || list + 8 * n > mem.ramSize) return H_PARAMETER;
      const dv = mem.dv;
      for (let k = 0; k < n; k++) {
        const o = RAM_OFFSET + list + 8 * k;
        tt.put(i + k, dv.getUint32(o + 4, false), dv.getUint32(o, false));
      }
      return H_SUCCESS;
    });
  }

  // ------------------------------------------------------------ device tree
  /** The /pci@800000020000000 node with a child per device (QEMU's layout). */
  buildTree(root: FdtNode, xicsPhandle: number): void {
    // Linux on pseries only probes (never assigns BARs) unless told otherwise; QEMU says 0.
    root.child('chosen')?.setU32('linux,pci-probe-only', 0);
    root.child('rtas')?.setEmpty('ibm,change-msix-capable');
    const n = root.addChild(`pci@${SPAPR_PCI_BUID.toString(16)}`);
    n.setString('device_type', 'pci');
    n.setString('compatible', 'IBM,Logical_PHB');
    n.setU32('#address-cells', 3);
    n.setU32('#size-cells', 2);
    n.setU32('#interrupt-cells', 1);
    n.setEmpty('used-by-rtas');
    n.setCells('bus-range', [0, 0xff]);
    const hi = (v: number): number => Math.floor(v / 0x100000000) >>> 0;
    const lo = (v: number): number => v >>> 0;
    n.setCells('ranges', [
      0x01000000, 0, 0, hi(SPAPR_PCI_IO_WIN_ADDR), lo(SPAPR_PCI_IO_WIN_ADDR), 0, SPAPR_PCI_IO_WIN_SIZE,
      0x02000000, 0, SPAPR_PCI_MEM32_BUS_ADDR, hi(SPAPR_PCI_MEM32_WIN_ADDR), lo(SPAPR_PCI_MEM32_WIN_ADDR), 0, SPAPR_PCI_MEM32_WIN_SIZE,
      0x03000000, hi(SPAPR_PCI_MEM64_WIN_ADDR), lo(SPAPR_PCI_MEM64_WIN_ADDR), hi(SPAPR_PCI_MEM64_WIN_ADDR), lo(SPAPR_PCI_MEM64_WIN_ADDR), hi(SPAPR_PCI_MEM64_WIN_SIZE), lo(SPAPR_PCI_MEM64_WIN_SIZE),
    ]);
    n.setCells('reg', [SPAPR_PCI_BUID_HI, SPAPR_PCI_BUID_LO, 0, 0]);
    n.setU32('ibm,pci-config-space-type', 1);
    n.setU32('ibm,pe-total-#msi', SPAPR_PCI_MSI_COUNT);
    // interrupt-map: every slot's four pins to the swizzled LSI, level (1).
    n.setCells('interrupt-map-mask', [0xf800, 0, 0, 0xffffffff]);
    const map: number[] = [];
    for (let slot = 0; slot < 32; slot++) {
      for (let pin = 1; pin <= 4; pin++) map.push(slot << 11, 0, 0, pin, xicsPhandle, SPAPR_IRQ_PCI_LSI + ((slot + pin - 1) & 3), 1);
    }
    n.setCells('interrupt-map', map);
    n.setU32('ibm,#dma-address-cells', 2);
    n.setU32('ibm,#dma-size-cells', 2);
    n.setCells('ibm,dma-window', [SPAPR_PCI_LIOBN, 0, 0, 0, SPAPR_PCI_DMA_WINDOW_SIZE]);
    // Dynamic DMA windows (query, create, remove) and the reset extension, as QEMU.
    n.setCells('ibm,ddw-applicable', [RTAS_TOKENS['ibm,query-pe-dma-window'], RTAS_TOKENS['ibm,create-pe-dma-window'], RTAS_TOKENS['ibm,remove-pe-dma-window']]);
    n.setCells('ibm,ddw-extensions', [2, RTAS_TOKENS['ibm,reset-pe-dma-window'], 1]);
    // PHB DRC index (QEMU: type PHB 0x20000000 | index); no hotplug connectors here.
    n.setU32('ibm,my-drc-index', 0x20000000);
    for (let slot = 0; slot < 32; slot++) {
      const fn = this.slots[slot];
      if (fn !== null) this.deviceNode(n, fn);
    }
  }

  private deviceNode(parent: FdtNode, fn: PciFunction): void {
    const c = fn.cfg;
    const classCode = c[0x09] | (c[0x0a] << 8) | (c[0x0b] << 16);
    const slot = fn.devfn >> 3;
    const name = classCode >> 8 === 0x0100 ? 'scsi' : classCode >> 8 === 0x0200 ? 'ethernet' : 'pci';
    const d = parent.addChild(`${name}@${slot.toString(16)}`);
    d.setU32('vendor-id', fn.get16(0));
    d.setU32('device-id', fn.get16(2));
    d.setU32('revision-id', c[0x08]);
    d.setU32('class-code', classCode);
    if (c[0x3d] !== 0) d.setU32('interrupts', c[0x3d]);
    d.setU32('subsystem-id', fn.get16(0x2e));
    d.setU32('subsystem-vendor-id', fn.get16(0x2c));
    d.setU32('cache-line-size', 0);
    d.setU32('devsel-speed', 0);
    d.setU32('min-grant', 0);
    d.setU32('max-latency', 0);
    d.setString('ibm,loc-code', `ppcbox_${fn.name}:0000:00:${slot.toString(16).padStart(2, '0')}.0`);
    d.setU32('ibm,my-drc-index', 0x40000000 + slot * 8);
    if (fn.msixVectors > 0) d.setU32('ibm,req#msi-x', fn.msixVectors);
    // reg: configuration space, then each BAR with its size (the OS assigns addresses).
    const devHi = fn.devfn << 8;
    const reg: number[] = [devHi, 0, 0, 0, 0];
    for (let i = 0; i < 6; i++) {
      const b = fn.bars[i];
      if (b === null) continue;
      const space = b.kind === 'io' ? 0x01000000 : b.kind === 'mem32' ? 0x02000000 : 0x03000000;
      reg.push((space | (b.prefetch ? 0x40000000 : 0) | devHi | (PCI_BASE_ADDRESS_0 + 4 * i)) >>> 0, 0, 0, Math.floor(b.size / 0x100000000), b.size >>> 0);
    }
    d.setCells('reg', reg);
  }

  // ------------------------------------------------------------ snapshots
  /** TCE entries in use, MSI blocks and every function's state (JSON). */
  save(): PhbState {
    const used = (t: TceTable): number[] => {
      const out: number[] = [];
      for (let i = 0; i < t.entries; i++) {
        const lo = t.getLo(i);
        const hi = t.getHi(i);
        if (lo !== 0 || hi !== 0) out.push(i, lo, hi);
      }
      return out;
    };
    const d = this.ddw;
    return {
      tce: used(this.tce),
      ddw: d === null ? null : { pageShift: d.pageShift, entries: d.entries, tce: used(d) },
      msi: [...this.msiBySlot].map(([slot, a]) => [slot, a.first, a.num]),
      slots: this.slots.map((fn) => (fn === null ? null : fn.save())),
    };
  }

  load(st: PhbState): void {
    this.host.bql.assertHeld('PHB load');
    if (st.slots.length !== 32 || st.slots.some((s, i) => (s === null) !== (this.slots[i] === null))) {
      throw new Error('saved PCI state has other devices than this machine');
    }
    const fill = (t: TceTable, list: number[]): void => {
      t.clear();
      for (let k = 0; k + 2 < list.length; k += 3) if (list[k] < t.entries) t.put(list[k], list[k + 1], list[k + 2]);
    };
    fill(this.tce, st.tce);
    const d = st.ddw ?? null;
    this.ddw = null;
    if (d !== null && d.entries <= DDW_MAX_ENTRIES) {
      this.ddw = new TceTable(this.host.mem, SPAPR_PCI_DDW_LIOBN, SPAPR_PCI_DDW_BUS_OFFSET, d.pageShift, d.entries);
      fill(this.ddw, d.tce);
    }
    this.msiBySlot.clear();
    this.msiUsed.fill(0);
    for (const [slot, first, num] of st.msi) {
      this.msiBySlot.set(slot, { first, num });
      this.msiUsed.fill(1, first, first + num);
    }
    this.intxCount.fill(0);
    this.intxLevel.fill(0);
    for (const l of this.host.lsi) l.set(false);
    st.slots.forEach((s, i) => {
      const fn = this.slots[i];
      if (fn !== null && s !== null) fn.load(s);
    });
  }

  // ------------------------------------------------------------ lifecycle
  reset(): void {
    this.host.bql.assertHeld('PHB reset');
    for (const fn of this.slots) fn?.reset();
    this.tce.clear();
    this.ddw = null;
    this.msiBySlot.clear();
    this.msiUsed.fill(0);
    this.intxCount.fill(0);
    this.intxLevel.fill(0);
    for (const l of this.host.lsi) l.set(false);
  }
}
