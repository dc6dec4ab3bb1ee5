// One PCI function as the host bridge sees it: a 256-byte type-0 configuration header
// with per-byte write masks, up to six BARs, a capability list and (optionally) an MSI-X
// table. Devices build on this and meet the bridge only through PciHost (DMA, MSI, INTx).
import type { DmaSpace } from './dma.js';

export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_LATENCY_TIMER = 0x0d;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;

export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
export const PCI_COMMAND_INTX_DISABLE = 0x400;
export const PCI_STATUS_INTERRUPT = 0x8;
export const PCI_STATUS_CAP_LIST = 0x10;

export const PCI_CAP_ID_MSIX = 0x11;
export const PCI_CAP_ID_VNDR = 0x09;

export const PCI_MSIX_FLAGS_ENABLE = 0x8000;
export const PCI_MSIX_FLAGS_MASKALL = 0x4000;
export const PCI_MSIX_ENTRY_SIZE = 16;
export const PCI_MSIX_ENTRY_CTRL_MASKBIT = 1;

export type BarKind = 'io' | 'mem32' | 'mem64';

/** A BAR's register file, offsets relative to the BAR; values little-endian. */
export interface BarHandler {
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}

export interface PciBar {
  readonly index: number;
  readonly size: number;
  readonly kind: BarKind;
  readonly prefetch: boolean;
  readonly handler: BarHandler;
}

/** What a function gets from the bus it sits on. */
export interface PciHost {
  /** Device-initiated memory accesses (bus addresses). */
  readonly dma: DmaSpace;
  /** A memory write of an MSI/MSI-X message (address, data) by the device. */
  msi(address: number, data: number): void;
  /** Level of the function's INTx pin. */
  setIntx(level: boolean): void;
  /** Host log (rate-limit at the caller). */
  log(line: string): void;
}

export interface PciIds {
  vendor: number;
  device: number;
  subsystemVendor: number;
  subsystem: number;
  /** 24-bit class code (base << 16 | sub << 8 | prog-if). */
  classCode: number;
  revision: number;
  /** 1 = INTA# ... 4 = INTD#, 0 none. */
  interruptPin: number;
}

export interface PciFunctionState {
  cfg: string;
  msixTable: string;
  msixPba: string;
  intx: boolean;
}

export class PciFunction {
  readonly cfg = new Uint8Array(256);
  /** Bits the guest may change, per byte. */
  protected readonly wmask = new Uint8Array(256);
  /** Bits a guest write of 1 clears, per byte. */
  protected readonly w1cmask = new Uint8Array(256);
  readonly bars: (PciBar | null)[] = [null, null, null, null, null, null];
  host: PciHost | null = null;
  /** Device and function number on the bus (slot << 3 | function); set by the bridge. */
  devfn = 0;
  private lastCap = 0;
  private nextCap = 0x40;
  /** Initial configuration header (restored on reset). */
  private initCfg: Uint8Array | null = null;

  // MSI-X
  msixCap = 0;
  msixVectors = 0;
  private msixTable = new Uint8Array(0);
  private msixPba = new Uint8Array(0);
  private msixTableBar = -1;
  private msixTableOffset = 0;
  private msixPbaOffset = 0;

  constructor(readonly name: string, readonly ids: PciIds) {
    const c = this.cfg;
    this.set16(PCI_VENDOR_ID, ids.vendor);
    this.set16(PCI_DEVICE_ID, ids.device);
    c[PCI_REVISION_ID] = ids.revision;
    c[PCI_CLASS_PROG] = ids.classCode & 0xff;
    c[PCI_CLASS_PROG + 1] = (ids.classCode >> 8) & 0xff;
    c[PCI_CLASS_PROG + 2] = (ids.classCode >> 16) & 0xff;
    c[PCI_HEADER_TYPE] = 0;
    this.set16(PCI_SUBSYSTEM_VENDOR_ID, ids.subsystemVendor);
    this.set16(PCI_SUBSYSTEM_ID, ids.subsystem);
    c[PCI_INTERRUPT_PIN] = ids.interruptPin;
    this.wmask[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    this.wmask[PCI_COMMAND + 1] = PCI_COMMAND_INTX_DISABLE >> 8;
    this.wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    this.wmask[PCI_LATENCY_TIMER] = 0xff;
    this.wmask[PCI_INTERRUPT_LINE] = 0xff;
  }

  // ------------------------------------------------------------ building
  protected set16(off: number, v: number): void {
    this.cfg[off] = v & 0xff;
    this.cfg[off + 1] = (v >>> 8) & 0xff;
  }

  protected set32(off: number, v: number): void {
    this.cfg[off] = v & 0xff;
    this.cfg[off + 1] = (v >>> 8) & 0xff;
    this.cfg[off + 2] = (v >>> 16) & 0xff;
    this.cfg[off + 3] = (v >>> 24) & 0xff;
  }

  get16(off: number): number {
    return this.cfg[off] | (this.cfg[off + 1] << 8);
  }

  get32(off: number): number {
    return (this.cfg[off] | (this.cfg[off + 1] << 8) | (this.cfg[off + 2] << 16) | (this.cfg[off + 3] << 24)) >>> 0;
  }

  /** Declare BAR `index` (a 64-bit BAR takes index and index+1). Size: a power of two. */
  addBar(index: number, size: number, kind: BarKind, prefetch: boolean, handler: BarHandler): void {
    if (size < 16 || (size & (size - 1)) !== 0 || size > 0x80000000) throw new Error(`${this.name}: BAR ${index} size ${size} invalid`);
    this.bars[index] = { index, size, kind, prefetch, handler };
    const off = PCI_BASE_ADDRESS_0 + 4 * index;
    const low = kind === 'io' ? 0x1 : (kind === 'mem64' ? 0x4 : 0) | (prefetch ? 0x8 : 0);
    this.set32(off, low);
    const mask = (~(size - 1) >>> 0) & (kind === 'io' ? ~0x3 : ~0xf);
    for (let k = 0; k < 4; k++) this.wmask[off + k] = (mask >>> (8 * k)) & 0xff;
    if (kind === 'mem64') for (let k = 4; k < 8; k++) this.wmask[off + k] = 0xff;
  }

  /** Append a capability of `len` bytes; returns its offset in configuration space. */
  addCapability(id: number, len: number): number {
    const off = this.nextCap;
    if (off + len > 256) throw new Error(`${this.name}: configuration space full`);
    this.cfg[off] = id;
    this.cfg[off + 1] = 0;
    if (this.lastCap === 0) this.cfg[PCI_CAPABILITY_LIST] = off;
    else this.cfg[this.lastCap + 1] = off;
    this.lastCap = off;
    this.nextCap = (off + len + 3) & ~3;
    this.cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    return off;
  }

  /** An MSI-X capability with `n` vectors, table and PBA in BAR `bar`. */
  addMsix(n: number, bar: number, tableOffset: number, pbaOffset: number): void {
    const cap = this.addCapability(PCI_CAP_ID_MSIX, 12);
    this.msixCap = cap;
    this.msixVectors = n;
    this.set16(cap + 2, n - 1);
    this.wmask[cap + 3] = (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
    this.set32(cap + 4, tableOffset | bar);
    this.set32(cap + 8, pbaOffset | bar);
    this.msixTable = new Uint8Array(n * PCI_MSIX_ENTRY_SIZE);
    this.msixPba = new Uint8Array(Math.ceil(n / 64) * 8);
    this.msixTableBar = bar;
    this.msixTableOffset = tableOffset;
    this.msixPbaOffset = pbaOffset;
    this.resetMsix();
  }

  /** Call after building: the header as it is now is what reset restores. */
  protected sealConfig(): void {
    this.initCfg = this.cfg.slice();
  }

  // ------------------------------------------------------------ configuration cycles
  readConfig(off: number, size: 1 | 2 | 4): number {
    this.configReading(off, size);
    if (size === 1) return this.cfg[off];
    if (size === 2) return this.get16(off);
    return this.get32(off);
  }

  writeConfig(off: number, size: 1 | 2 | 4, value: number): void {
    const wasMsix = this.msixEnabled() && !this.msixMasked();
    const oldCmd = this.get16(PCI_COMMAND);
    for (let k = 0; k < size; k++) {
      const a = off + k;
      const b = (value >>> (8 * k)) & 0xff;
      const wm = this.wmask[a];
      const w1c = this.w1cmask[a];
      this.cfg[a] = ((this.cfg[a] & ~wm) | (b & wm)) & ~(b & w1c);
    }
    const cmd = this.get16(PCI_COMMAND);
    if (((oldCmd ^ cmd) & PCI_COMMAND_INTX_DISABLE) !== 0) this.updateIntx();
    if (this.msixCap !== 0 && !wasMsix && this.msixEnabled() && !this.msixMasked()) this.msixFlushPending();
    this.configWritten(off, size);
  }

  /** Hook for devices (e.g. a capability whose writes have side effects). */
  protected configWritten(_off: number, _size: number): void {}

  /** Hook for devices before a read (e.g. a window onto a BAR). */
  protected configReading(_off: number, _size: number): void {}

  memoryEnabled(): boolean {
    return (this.cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY) !== 0;
  }

  ioEnabled(): boolean {
    return (this.cfg[PCI_COMMAND] & PCI_COMMAND_IO) !== 0;
  }

  busMaster(): boolean {
    return (this.cfg[PCI_COMMAND] & PCI_COMMAND_MASTER) !== 0;
  }

  /** Bus address BAR `i` decodes at (its programmed base), or -1 when it decodes nothing. */
  barAddress(i: number): number {
    const b = this.bars[i];
    if (b === null) return -1;
    const off = PCI_BASE_ADDRESS_0 + 4 * i;
    if (b.kind === 'io') {
      if (!this.ioEnabled()) return -1;
      return this.get32(off) & ~0x3;
    }
    if (!this.memoryEnabled()) return -1;
    const lo = (this.get32(off) & ~0xf) >>> 0;
    const hi = b.kind === 'mem64' ? this.get32(off + 4) : 0;
    const a = hi * 0x100000000 + lo;
    // Unprogrammed (0) or the sizing pattern: decodes nothing.
    if (a === 0 || a + b.size > 2 ** 52) return -1;
    return a;
  }

  // ------------------------------------------------------------ INTx
  private intxLevel = false;

  /** The device's interrupt condition (INTx follows it unless disabled in COMMAND). */
  protected setIrqLevel(level: boolean): void {
    this.intxLevel = level;
    this.updateIntx();
  }

  private updateIntx(): void {
    if (this.intxLevel) this.cfg[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else this.cfg[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    const disabled = (this.get16(PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE) !== 0;
    this.host?.setIntx(this.intxLevel && !disabled);
  }

  // ------------------------------------------------------------ MSI-X
  msixEnabled(): boolean {
    return this.msixCap !== 0 && (this.cfg[this.msixCap + 3] & (PCI_MSIX_FLAGS_ENABLE >> 8)) !== 0;
  }

  private msixMasked(): boolean {
    return (this.cfg[this.msixCap + 3] & (PCI_MSIX_FLAGS_MASKALL >> 8)) !== 0;
  }

  private entryWord(v: number, w: number): number {
    const t = this.msixTable;
    const o = v * PCI_MSIX_ENTRY_SIZE + 4 * w;
    return (t[o] | (t[o + 1] << 8) | (t[o + 2] << 16) | (t[o + 3] << 24)) >>> 0;
  }

  /** The (address, data) programmed in MSI-X entry `v` (what ibm,change-msi writes). */
  msixMessage(v: number): { address: number; data: number; masked: boolean } {
    return {
      address: this.entryWord(v, 1) * 0x100000000 + this.entryWord(v, 0),
      data: this.entryWord(v, 2),
      masked: (this.entryWord(v, 3) & PCI_MSIX_ENTRY_CTRL_MASKBIT) !== 0,
    };
  }

  /** Program entry `v` (firmware side: RTAS ibm,change-msi). */
  setMsixMessage(v: number, address: number, data: number): void {
    const t = this.msixTable;
    const o = v * PCI_MSIX_ENTRY_SIZE;
    const lo = address >>> 0;
    const hi = Math.floor(address / 0x100000000) >>> 0;
    for (let k = 0; k < 4; k++) {
      t[o + k] = (lo >>> (8 * k)) & 0xff;
      t[o + 4 + k] = (hi >>> (8 * k)) & 0xff;
      t[o + 8 + k] = (data >>> (8 * k)) & 0xff;
    }
  }

  /** Signal MSI-X vector `v`: sent now, or left pending while masked. */
  msixNotify(v: number): void {
    if (v >= this.msixVectors || !this.msixEnabled()) return;
    const ctrl = this.entryWord(v, 3);
    if (this.msixMasked() || (ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT) !== 0) {
      this.msixPba[v >> 3] |= 1 << (v & 7);
      return;
    }
    this.msixPba[v >> 3] &= ~(1 << (v & 7));
    this.host?.msi(this.entryWord(v, 1) * 0x100000000 + this.entryWord(v, 0), this.entryWord(v, 2));
  }

  private msixFlushPending(): void {
    for (let v = 0; v < this.msixVectors; v++) {
      if ((this.msixPba[v >> 3] & (1 << (v & 7))) !== 0 && (this.entryWord(v, 3) & PCI_MSIX_ENTRY_CTRL_MASKBIT) === 0) this.msixNotify(v);
    }
  }

  /** MSI-X table/PBA accesses inside BAR `bar`; returns true when the access was theirs. */
  protected msixBarRead(bar: number, off: number, size: 1 | 2 | 4, out: { v: number }): boolean {
    if (bar !== this.msixTableBar) return false;
    let arr: Uint8Array;
    let o: number;
    if (off >= this.msixTableOffset && off < this.msixTableOffset + this.msixTable.length) {
      arr = this.msixTable;
      o = off - this.msixTableOffset;
    } else if (off >= this.msixPbaOffset && off < this.msixPbaOffset + this.msixPba.length) {
      arr = this.msixPba;
      o = off - this.msixPbaOffset;
    } else {
      return false;
    }
    let v = 0;
    for (let k = 0; k < size; k++) v |= (o + k < arr.length ? arr[o + k] : 0) << (8 * k);
    out.v = v >>> 0;
    return true;
  }

  protected msixBarWrite(bar: number, off: number, size: 1 | 2 | 4, value: number): boolean {
    if (bar !== this.msixTableBar) return false;
    if (off >= this.msixPbaOffset && off < this.msixPbaOffset + this.msixPba.length) return true; // read-only
    if (off < this.msixTableOffset || off >= this.msixTableOffset + this.msixTable.length) return false;
    const o = off - this.msixTableOffset;
    for (let k = 0; k < size && o + k < this.msixTable.length; k++) this.msixTable[o + k] = (value >>> (8 * k)) & 0xff;
    // Unmasking an entry delivers what was pending.
    const v = Math.floor(o / PCI_MSIX_ENTRY_SIZE);
    if ((this.msixPba[v >> 3] & (1 << (v & 7))) !== 0 && (this.entryWord(v, 3) & 1) === 0 && this.msixEnabled() && !this.msixMasked()) {
      this.msixNotify(v);
    }
    return true;
  }

  private resetMsix(): void {
    this.msixTable.fill(0);
    this.msixPba.fill(0);
    for (let v = 0; v < this.msixVectors; v++) this.msixTable[v * PCI_MSIX_ENTRY_SIZE + 12] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
  }

  /** Configuration space, MSI-X table and INTx level, for snapshots. */
  save(): unknown {
    return this.savePci();
  }

  load(st: unknown): void {
    this.loadPci(st as PciFunctionState);
  }

  protected savePci(): PciFunctionState {
    return {
      cfg: Buffer.from(this.cfg).toString('base64'),
      msixTable: Buffer.from(this.msixTable).toString('base64'),
      msixPba: Buffer.from(this.msixPba).toString('base64'),
      intx: this.intxLevel,
    };
  }

  protected loadPci(st: PciFunctionState): void {
    const cfg = Buffer.from(st.cfg, 'base64');
    const table = Buffer.from(st.msixTable, 'base64');
    const pba = Buffer.from(st.msixPba, 'base64');
    if (cfg.length !== 256 || table.length !== this.msixTable.length || pba.length !== this.msixPba.length) {
      throw new Error(`${this.name}: saved PCI state does not fit this function`);
    }
    this.cfg.set(cfg);
    this.msixTable.set(table);
    this.msixPba.set(pba);
    this.intxLevel = st.intx;
    this.updateIntx();
  }

  /** Power-on state of the PCI side (devices extend this for their own state). */
  reset(): void {
    if (this.initCfg !== null) this.cfg.set(this.initCfg);
    this.resetMsix();
    this.intxLevel = false;
    this.host?.setIntx(false);
  }
}
