// The virtio 1.x PCI transport, modern only (virtio 1.2 section 4.1): vendor 0x1af4,
// device 0x1040 + virtio id, configuration structures found through vendor capabilities
// in BAR 4 (common, ISR, device-specific, notify), the MSI-X table in BAR 1, as QEMU's
// virtio-*-pci lays them out. The device model (virtio-blk...) sees a VirtioTransport.
import type { DmaSpace } from './dma.js';
import { PCI_CAP_ID_VNDR, PciFunction, type BarHandler } from './pci-device.js';
import { VirtQueue, VirtqueueError, VIRTIO_F_EVENT_IDX, VIRTIO_F_INDIRECT_DESC, type VirtQueueState } from './virtqueue.js';
import type { PciFunctionState } from './pci-device.js';
import { RateLimitedLog } from '../../util/ratelimit.js';

export const VIRTIO_PCI_VENDOR = 0x1af4;
export const VIRTIO_PCI_DEVICE_BASE = 0x1040;

// Device status bits
export const VIRTIO_STATUS_ACKNOWLEDGE = 1;
export const VIRTIO_STATUS_DRIVER = 2;
export const VIRTIO_STATUS_DRIVER_OK = 4;
export const VIRTIO_STATUS_FEATURES_OK = 8;
export const VIRTIO_STATUS_NEEDS_RESET = 0x40;
export const VIRTIO_STATUS_FAILED = 0x80;

/** Feature bits in word 1 (bit 32 + n). */
export const VIRTIO_F_VERSION_1 = 32;
export const VIRTIO_F_ACCESS_PLATFORM = 33;

export const VIRTIO_MSI_NO_VECTOR = 0xffff;

// Capability types
export const VIRTIO_PCI_CAP_COMMON_CFG = 1;
export const VIRTIO_PCI_CAP_NOTIFY_CFG = 2;
export const VIRTIO_PCI_CAP_ISR_CFG = 3;
export const VIRTIO_PCI_CAP_DEVICE_CFG = 4;
export const VIRTIO_PCI_CAP_PCI_CFG = 5;

// BAR 4 layout (QEMU's)
export const VIRTIO_BAR = 4;
export const VIRTIO_MSIX_BAR = 1;
export const COMMON_OFFSET = 0x0000;
export const COMMON_SIZE = 0x38;
export const ISR_OFFSET = 0x1000;
export const DEVICE_OFFSET = 0x2000;
export const NOTIFY_OFFSET = 0x3000;
export const NOTIFY_MULTIPLIER = 4;
export const VIRTIO_BAR_SIZE = 0x4000;
export const MSIX_PBA_OFFSET = 0x800;

// Common configuration registers
export const VIRTIO_PCI_COMMON_DFSELECT = 0x00;
export const VIRTIO_PCI_COMMON_DF = 0x04;
export const VIRTIO_PCI_COMMON_GFSELECT = 0x08;
export const VIRTIO_PCI_COMMON_GF = 0x0c;
export const VIRTIO_PCI_COMMON_MSIX = 0x10;
export const VIRTIO_PCI_COMMON_NUMQ = 0x12;
export const VIRTIO_PCI_COMMON_STATUS = 0x14;
export const VIRTIO_PCI_COMMON_CFGGENERATION = 0x15;
export const VIRTIO_PCI_COMMON_Q_SELECT = 0x16;
export const VIRTIO_PCI_COMMON_Q_SIZE = 0x18;
export const VIRTIO_PCI_COMMON_Q_MSIX = 0x1a;
export const VIRTIO_PCI_COMMON_Q_ENABLE = 0x1c;
export const VIRTIO_PCI_COMMON_Q_NOFF = 0x1e;
export const VIRTIO_PCI_COMMON_Q_DESCLO = 0x20;
export const VIRTIO_PCI_COMMON_Q_DESCHI = 0x24;
export const VIRTIO_PCI_COMMON_Q_AVAILLO = 0x28;
export const VIRTIO_PCI_COMMON_Q_AVAILHI = 0x2c;
export const VIRTIO_PCI_COMMON_Q_USEDLO = 0x30;
export const VIRTIO_PCI_COMMON_Q_USEDHI = 0x34;

/** What a virtio device model implements. */
export interface VirtioDevice {
  /** Virtio device id (2 = block). */
  readonly deviceId: number;
  /** PCI class code of the function. */
  readonly classCode: number;
  readonly numQueues: number;
  readonly queueMaxSize: number;
  /** Offered features, bits 0-31 and 32-63 (the transport adds VERSION_1 and ring features). */
  readonly featuresLo: number;
  readonly featuresHi: number;
  /** Device-specific configuration (little-endian fields). */
  readonly configSize: number;
  configRead(offset: number, size: 1 | 2 | 4): number;
  configWrite(offset: number, size: 1 | 2 | 4, value: number): void;
  /** Attached once by the transport. */
  attach(t: VirtioTransport): void;
  /** The driver notified queue `q` (DRIVER_OK set, no NEEDS_RESET). */
  queueNotify(q: VirtQueue): void;
  /** Device reset: forget in-flight requests (their completions must be dropped). */
  reset(): void;
  /** Snapshot state (JSON); load() runs after the transport's state is back. */
  save(): unknown;
  load(state: unknown): void;
}

/** What the transport offers the device model. */
export interface VirtioTransport {
  readonly queues: readonly VirtQueue[];
  /** Where the rings and buffers are (physical, or the IOMMU with ACCESS_PLATFORM). */
  dma(): DmaSpace;
  /** Driver accepted feature bit `bit` (0..63). */
  hasFeature(bit: number): boolean;
  /** The device is live: DRIVER_OK and not NEEDS_RESET. */
  running(): boolean;
  /** Used ring updated: interrupt the driver if it wants one. */
  notifyUsed(q: VirtQueue): void;
  /** A malformed request: NEEDS_RESET, config interrupt, rate-limited log line. */
  needsReset(why: string): void;
  /** Incremented by every device reset; completions check it to drop stale results. */
  readonly generation: number;
}

const guestLog = new RateLimitedLog(10, 1000);

export class VirtioPciFunction extends PciFunction implements VirtioTransport {
  readonly queues: VirtQueue[] = [];
  private status = 0;
  private dfSelect = 0;
  private gfSelect = 0;
  private driverLo = 0;
  private driverHi = 0;
  private configVector = VIRTIO_MSI_NO_VECTOR;
  private qSelect = 0;
  private isr = 0;
  private configGeneration = 0;
  generation = 0;
  private readonly offeredLo: number;
  private readonly offeredHi: number;
  /** Offer VIRTIO_F_ACCESS_PLATFORM: DMA goes through the bus IOMMU (TCE) when accepted. */
  readonly iommuPlatform: boolean;

  constructor(
    name: string,
    readonly dev: VirtioDevice,
    opts: { iommuPlatform?: boolean } = {},
  ) {
    super(name, {
      vendor: VIRTIO_PCI_VENDOR,
      device: VIRTIO_PCI_DEVICE_BASE + dev.deviceId,
      subsystemVendor: VIRTIO_PCI_VENDOR,
      subsystem: VIRTIO_PCI_DEVICE_BASE + dev.deviceId,
      classCode: dev.classCode,
      revision: 1,
      interruptPin: 1,
    });
    this.iommuPlatform = opts.iommuPlatform === true;
    for (let i = 0; i < dev.numQueues; i++) this.queues.push(new VirtQueue(i, dev.queueMaxSize));
    this.offeredLo = (dev.featuresLo | (1 << VIRTIO_F_INDIRECT_DESC) | (1 << VIRTIO_F_EVENT_IDX)) >>> 0;
    this.offeredHi = (dev.featuresHi | (1 << (VIRTIO_F_VERSION_1 - 32)) | (this.iommuPlatform ? 1 << (VIRTIO_F_ACCESS_PLATFORM - 32) : 0)) >>> 0;

    const msix: BarHandler = {
      read: (off, size) => {
        const out = { v: 0 };
        return this.msixBarRead(VIRTIO_MSIX_BAR, off, size, out) ? out.v : 0;
      },
      write: (off, size, value) => {
        this.msixBarWrite(VIRTIO_MSIX_BAR, off, size, value);
      },
    };
    this.addBar(VIRTIO_MSIX_BAR, 0x1000, 'mem32', false, msix);
    this.addBar(VIRTIO_BAR, VIRTIO_BAR_SIZE, 'mem64', true, { read: (o, s) => this.barRead(o, s), write: (o, s, v) => this.barWrite(o, s, v) });
    this.addVirtioCap(VIRTIO_PCI_CAP_COMMON_CFG, COMMON_OFFSET, COMMON_SIZE, 16);
    this.addVirtioCap(VIRTIO_PCI_CAP_ISR_CFG, ISR_OFFSET, 1, 16);
    this.addVirtioCap(VIRTIO_PCI_CAP_DEVICE_CFG, DEVICE_OFFSET, Math.max(dev.configSize, 4), 16);
    const n = this.addVirtioCap(VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY_OFFSET, NOTIFY_MULTIPLIER * dev.numQueues, 20);
    this.set32(n + 16, NOTIFY_MULTIPLIER);
    // VIRTIO_PCI_CAP_PCI_CFG: a window onto the BARs through configuration space.
    const pc = this.addVirtioCap(VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 20);
    this.pciCfgCap = pc;
    this.wmask[pc + 4] = 0xff;
    for (let k = 8; k < 20; k++) this.wmask[pc + k] = 0xff;
    // MSI-X: one vector for configuration changes and one per queue.
    this.addMsix(dev.numQueues + 1, VIRTIO_MSIX_BAR, 0, MSIX_PBA_OFFSET);
    this.sealConfig();
    dev.attach(this);
  }

  private pciCfgCap = 0;

  /** The pci_cfg_data window: the BAR access named by bar, offset and length. */
  private pciCfgAccess(write: boolean): void {
    const c = this.pciCfgCap;
    const bar = this.cfg[c + 4];
    const off = this.get32(c + 8);
    const len = this.get32(c + 12);
    const b = bar < 6 ? this.bars[bar] : null;
    if (b === null || (len !== 1 && len !== 2 && len !== 4) || off % len !== 0 || off + len > b.size) return;
    if (write) {
      b.handler.write(off, len, this.get32(c + 16) & (len === 4 ? 0xffffffff : (1 << (8 * len)) - 1));
    } else {
      this.set32(c + 16, b.handler.read(off, len));
    }
  }

  protected override configWritten(off: number, size: number): void {
    const d = this.pciCfgCap + 16;
    if (this.pciCfgCap !== 0 && off < d + 4 && off + size > d) this.pciCfgAccess(true);
  }

  protected override configReading(off: number, size: number): void {
    const d = this.pciCfgCap + 16;
    if (this.pciCfgCap !== 0 && off < d + 4 && off + size > d) this.pciCfgAccess(false);
  }

  private addVirtioCap(type: number, offset: number, length: number, capLen: number): number {
    const c = this.addCapability(PCI_CAP_ID_VNDR, capLen);
    this.cfg[c + 2] = capLen;
    this.cfg[c + 3] = type;
    this.cfg[c + 4] = VIRTIO_BAR;
    this.set32(c + 8, offset);
    this.set32(c + 12, length);
    return c;
  }

  // ------------------------------------------------------------ VirtioTransport
  private physical: DmaSpace | null = null;

  dma(): DmaSpace {
    const h = this.host;
    if (h === null) throw new Error(`${this.name}: not on a bus`);
    if (this.iommuPlatform && this.hasFeature(VIRTIO_F_ACCESS_PLATFORM)) return h.dma;
    return this.physical ?? h.dma;
  }

  /** The space used without ACCESS_PLATFORM (guest real addresses); set by the machine. */
  setBypass(d: DmaSpace): void {
    this.physical = d;
  }

  hasFeature(bit: number): boolean {
    return bit < 32 ? ((this.driverLo >>> bit) & 1) !== 0 : ((this.driverHi >>> (bit - 32)) & 1) !== 0;
  }

  running(): boolean {
    return (this.status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) === VIRTIO_STATUS_DRIVER_OK;
  }

  notifyUsed(q: VirtQueue): void {
    let want: boolean;
    try {
      want = q.shouldInterrupt(this.dma());
    } catch (e) {
      if (e instanceof VirtqueueError) {
        this.needsReset(e.message);
        return;
      }
      throw e;
    }
    if (want) this.signal(q.msixVector, 1);
  }

  needsReset(why: string): void {
    if ((this.status & VIRTIO_STATUS_NEEDS_RESET) !== 0) return;
    const h = this.host;
    if (h !== null) guestLog.log(h, () => `${this.name}: guest error: ${why}; device needs reset`);
    this.status |= VIRTIO_STATUS_NEEDS_RESET;
    this.signal(this.configVector, 2);
  }

  /** MSI-X vector when enabled, else the ISR bit and INTx. */
  private signal(vector: number, isrBit: number): void {
    if (this.msixEnabled()) {
      if (vector !== VIRTIO_MSI_NO_VECTOR) this.msixNotify(vector);
      return;
    }
    this.isr |= isrBit;
    this.setIrqLevel(true);
  }

  // ------------------------------------------------------------ BAR 4
  private barRead(off: number, size: 1 | 2 | 4): number {
    if (off < COMMON_OFFSET + COMMON_SIZE) return this.commonRead(off, size);
    if (off >= ISR_OFFSET && off < ISR_OFFSET + 4) {
      if (off !== ISR_OFFSET) return 0;
      // Reading the ISR acknowledges it (and lowers INTx).
      const v = this.isr;
      this.isr = 0;
      this.setIrqLevel(false);
      return v;
    }
    if (off >= DEVICE_OFFSET && off < DEVICE_OFFSET + this.dev.configSize) {
      const o = off - DEVICE_OFFSET;
      if (o + size > this.dev.configSize) return 0;
      return this.dev.configRead(o, size);
    }
    return 0;
  }

  private barWrite(off: number, size: 1 | 2 | 4, value: number): void {
    if (off < COMMON_OFFSET + COMMON_SIZE) {
      this.commonWrite(off, size, value);
      return;
    }
    if (off >= NOTIFY_OFFSET && off < NOTIFY_OFFSET + NOTIFY_MULTIPLIER * this.queues.length) {
      this.kickQueue(Math.floor((off - NOTIFY_OFFSET) / NOTIFY_MULTIPLIER));
      return;
    }
    if (off >= DEVICE_OFFSET && off < DEVICE_OFFSET + this.dev.configSize) {
      const o = off - DEVICE_OFFSET;
      if (o + size <= this.dev.configSize) this.dev.configWrite(o, size, value);
    }
  }

  private kickQueue(q: number): void {
    const vq = this.queues[q];
    if (vq === undefined || !vq.enabled || !this.running()) return;
    this.dev.queueNotify(vq);
  }

  private curQueue(): VirtQueue | undefined {
    return this.queues[this.qSelect];
  }

  private commonRead(off: number, size: 1 | 2 | 4): number {
    // Fields are read at their natural size; narrower reads take the low bytes.
    const q = this.curQueue();
    let v: number;
    let base: number;
    if (off >= 0x20) {
      base = off & ~3;
      const a = q === undefined ? 0 : base < 0x28 ? q.desc : base < 0x30 ? q.avail : q.used;
      v = (base & 4) === 0 ? a >>> 0 : Math.floor(a / 0x100000000) >>> 0;
    } else if (off < 0x10) {
      base = off & ~3;
      switch (base) {
        case VIRTIO_PCI_COMMON_DFSELECT:
          v = this.dfSelect;
          break;
        case VIRTIO_PCI_COMMON_DF:
          v = this.dfSelect === 0 ? this.offeredLo : this.dfSelect === 1 ? this.offeredHi : 0;
          break;
        case VIRTIO_PCI_COMMON_GFSELECT:
          v = this.gfSelect;
          break;
        default:
          v = this.gfSelect === 0 ? this.driverLo : this.gfSelect === 1 ? this.driverHi : 0;
      }
    } else if (off === VIRTIO_PCI_COMMON_STATUS || off === VIRTIO_PCI_COMMON_CFGGENERATION) {
      base = VIRTIO_PCI_COMMON_STATUS;
      v = this.status | (this.configGeneration << 8);
    } else {
      base = off & ~1;
      switch (base) {
        case VIRTIO_PCI_COMMON_MSIX:
          v = this.configVector;
          break;
        case VIRTIO_PCI_COMMON_NUMQ:
          v = this.queues.length;
          break;
        case VIRTIO_PCI_COMMON_Q_SELECT:
          v = this.qSelect;
          break;
        case VIRTIO_PCI_COMMON_Q_SIZE:
          v = q === undefined ? 0 : q.size;
          break;
        case VIRTIO_PCI_COMMON_Q_MSIX:
          v = q === undefined ? VIRTIO_MSI_NO_VECTOR : q.msixVector;
          break;
        case VIRTIO_PCI_COMMON_Q_ENABLE:
          v = q !== undefined && q.enabled ? 1 : 0;
          break;
        case VIRTIO_PCI_COMMON_Q_NOFF:
          v = q === undefined ? 0 : q.index;
          break;
        default:
          v = 0;
      }
    }
    const shifted = v >>> (8 * (off - base));
    return size === 4 ? shifted >>> 0 : size === 2 ? shifted & 0xffff : shifted & 0xff;
  }

  private commonWrite(off: number, size: 1 | 2 | 4, value: number): void {
    const q = this.curQueue();
    switch (off) {
      case VIRTIO_PCI_COMMON_DFSELECT:
        this.dfSelect = value >>> 0;
        return;
      case VIRTIO_PCI_COMMON_GFSELECT:
        this.gfSelect = value >>> 0;
        return;
      case VIRTIO_PCI_COMMON_GF:
        if ((this.status & VIRTIO_STATUS_FEATURES_OK) !== 0) return; // fixed once accepted
        if (this.gfSelect === 0) this.driverLo = value >>> 0;
        else if (this.gfSelect === 1) this.driverHi = value >>> 0;
        return;
      case VIRTIO_PCI_COMMON_MSIX:
        this.configVector = this.vectorOk(value & 0xffff);
        return;
      case VIRTIO_PCI_COMMON_STATUS:
        this.writeStatus(value & 0xff);
        return;
      case VIRTIO_PCI_COMMON_Q_SELECT:
        this.qSelect = value & 0xffff;
        return;
    }
    if (q === undefined || q.enabled) return; // queue fields are fixed while enabled
    switch (off) {
      case VIRTIO_PCI_COMMON_Q_SIZE:
        q.size = value & 0xffff;
        return;
      case VIRTIO_PCI_COMMON_Q_MSIX:
        q.msixVector = this.vectorOk(value & 0xffff);
        return;
      case VIRTIO_PCI_COMMON_Q_ENABLE:
        if ((value & 1) !== 0) this.enableQueue(q);
        return;
      case VIRTIO_PCI_COMMON_Q_DESCLO:
      case VIRTIO_PCI_COMMON_Q_DESCHI:
        q.desc = setHalf(q.desc, off === VIRTIO_PCI_COMMON_Q_DESCHI, value);
        return;
      case VIRTIO_PCI_COMMON_Q_AVAILLO:
      case VIRTIO_PCI_COMMON_Q_AVAILHI:
        q.avail = setHalf(q.avail, off === VIRTIO_PCI_COMMON_Q_AVAILHI, value);
        return;
      case VIRTIO_PCI_COMMON_Q_USEDLO:
      case VIRTIO_PCI_COMMON_Q_USEDHI:
        q.used = setHalf(q.used, off === VIRTIO_PCI_COMMON_Q_USEDHI, value);
        return;
    }
    void size;
  }

  /** A vector the table has, or NO_VECTOR (the driver reads it back to see the refusal). */
  private vectorOk(v: number): number {
    return v < this.msixVectors ? v : VIRTIO_MSI_NO_VECTOR;
  }

  private enableQueue(q: VirtQueue): void {
    q.indirect = this.hasFeature(VIRTIO_F_INDIRECT_DESC);
    q.eventIdx = this.hasFeature(VIRTIO_F_EVENT_IDX);
    const why = q.validate(this.dma());
    if (why !== null) {
      this.needsReset(why);
      return;
    }
    q.enabled = true;
  }

  private writeStatus(v: number): void {
    if (v === 0) {
      this.resetDevice();
      return;
    }
    let next = v & ~VIRTIO_STATUS_NEEDS_RESET;
    if ((next & VIRTIO_STATUS_FEATURES_OK) !== 0 && (this.status & VIRTIO_STATUS_FEATURES_OK) === 0) {
      // Only offered features, and the modern interface, may be accepted.
      const extraLo = (this.driverLo & ~this.offeredLo) >>> 0;
      const extraHi = (this.driverHi & ~this.offeredHi) >>> 0;
      if (extraLo !== 0 || extraHi !== 0 || !this.hasFeature(VIRTIO_F_VERSION_1)) next &= ~VIRTIO_STATUS_FEATURES_OK;
    }
    this.status = next | (this.status & VIRTIO_STATUS_NEEDS_RESET);
    if ((next & VIRTIO_STATUS_DRIVER_OK) !== 0) {
      // Anything queued before DRIVER_OK is served now.
      for (const q of this.queues) if (q.enabled) this.kickQueue(q.index);
    }
  }

  private resetDevice(): void {
    this.generation++;
    this.dev.reset();
    this.status = 0;
    this.driverLo = this.driverHi = 0;
    this.dfSelect = this.gfSelect = 0;
    this.configVector = VIRTIO_MSI_NO_VECTOR;
    this.qSelect = 0;
    this.isr = 0;
    this.setIrqLevel(false);
    for (const q of this.queues) q.reset();
  }

  /** The device's configuration changed (e.g. capacity): tell the driver. */
  configChanged(): void {
    this.configGeneration = (this.configGeneration + 1) & 0xff;
    if ((this.status & VIRTIO_STATUS_DRIVER_OK) !== 0) this.signal(this.configVector, 2);
  }

  override reset(): void {
    super.reset();
    this.resetDevice();
  }

  override save(): VirtioPciState {
    return {
      pci: this.savePci(),
      status: this.status,
      dfSelect: this.dfSelect,
      gfSelect: this.gfSelect,
      driverLo: this.driverLo,
      driverHi: this.driverHi,
      configVector: this.configVector,
      qSelect: this.qSelect,
      isr: this.isr,
      configGeneration: this.configGeneration,
      queues: this.queues.map((q) => q.save()),
      dev: this.dev.save(),
    };
  }

  override load(state: unknown): void {
    const st = state as VirtioPciState;
    if (st.queues.length !== this.queues.length) throw new Error(`${this.name}: saved state has ${st.queues.length} queues, not ${this.queues.length}`);
    this.loadPci(st.pci);
    this.status = st.status;
    this.dfSelect = st.dfSelect;
    this.gfSelect = st.gfSelect;
    this.driverLo = st.driverLo;
    this.driverHi = st.driverHi;
    this.configVector = st.configVector;
    this.qSelect = st.qSelect;
    this.isr = st.isr;
    this.configGeneration = st.configGeneration;
    st.queues.forEach((q, i) => this.queues[i].load(q));
    // Completions of requests started before the load belong to another timeline.
    this.generation++;
    this.dev.load(st.dev);
  }

  /** Device status register (tests, debugging). */
  get deviceStatus(): number {
    return this.status;
  }
}

export interface VirtioPciState {
  pci: PciFunctionState;
  status: number;
  dfSelect: number;
  gfSelect: number;
  driverLo: number;
  driverHi: number;
  configVector: number;
  qSelect: number;
  isr: number;
  configGeneration: number;
  queues: VirtQueueState[];
  dev: unknown;
}

function setHalf(cur: number, high: boolean, value: number): number {
  const lo = cur % 0x100000000;
  const hi = Math.floor(cur / 0x100000000);
  return high ? (value >>> 0) * 0x100000000 + lo : hi * 0x100000000 + (value >>> 0);
}

