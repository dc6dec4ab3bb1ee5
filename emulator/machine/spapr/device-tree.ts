// The device tree of the pseries machine: what the guest learns about CPUs,
// memory, the console, the interrupt controller, RTAS and the hypervisor.
// Values follow what QEMU 7.2 gives a POWER9 pseries guest (see
// /work/shared/reference/qemu-pseries-*.dts), computed here from the machine
// configuration. Called at reset and again after CAS (with the negotiated
// option vector 5).
import { Fdt, type FdtNode, encodeStrings } from './fdt.js';
import { DEFAULT_RTAS_CALLS, RTAS_TOKENS, type RtasCallName } from './rtas-tokens.js';

export const SPAPR_TIMEBASE_FREQ = 512_000_000;
export const SPAPR_CLOCK_FREQ = 1_000_000_000;
/** PVR of the POWER9 (DD2.0) we present; the CPU's SPR 287 must agree. */
export const PVR_POWER9 = 0x004e1200;
/** Fixed phandle of the XICS presentation controller (QEMU's PHANDLE_INTC). */
export const PHANDLE_XICP = 0x1111;
/** Unit addresses of VIO devices start here. */
export const SPAPR_VIO_REG_BASE = 0x71000000;
/** Interrupt source numbers: event sources, then VIO devices (QEMU's layout). */
export const SPAPR_IRQ_EPOW = 0x1000;
export const SPAPR_IRQ_HOTPLUG = 0x1001;
export const SPAPR_IRQ_VIO = 0x1100;
/** Logical memory block size for dynamic reconfiguration. */
export const SPAPR_MEMORY_BLOCK_SIZE = 0x10000000;
export const RTAS_ERROR_LOG_MAX = 2048;
export const RTAS_EVENT_SCAN_RATE = 1;
/** Size of QEMU's RTAS entry blob (5 instructions); our blob's size is a config field. */
export const RTAS_DEFAULT_BLOB_SIZE = 20;
/** Default size of the NVRAM partition image. */
export const SPAPR_NVRAM_BYTES = 0x10000;

/** Interrupt source of a VIO device with a platform-assigned unit address. */
export function vioIrq(reg: number): number {
  return SPAPR_IRQ_VIO + (reg & 0xff);
}

/**
 * log2 of the hashed page table size QEMU sizes for `ramBytes` (1/128 of RAM,
 * rounded up to a power of two, at least 256 KiB); reported in ibm,pft-size.
 */
export function hptShiftForRam(ramBytes: number): number {
  let shift = 0;
  while (2 ** shift < ramBytes) shift++;
  return Math.max(18, shift - 7);
}

/**
 * Hypervisor function sets in ibm,hypertas-functions: QEMU's list without
 * hcall-vphn (H_HOME_NODE_ASSOCIATIVITY), hcall-hpt-resize (hash only) and
 * hcall-watchdog, which PPCBox does not implement.
 */
export const DEFAULT_HYPERTAS_FUNCTIONS: readonly string[] = [
  'hcall-pft',
  'hcall-term',
  'hcall-dabr',
  'hcall-interrupt',
  'hcall-tce',
  'hcall-vio',
  'hcall-splpar',
  'hcall-join',
  'hcall-bulk',
  'hcall-set-mode',
  'hcall-sprg0',
  'hcall-copy',
  'hcall-debug',
  'hcall-multi-tce',
];

/**
 * Interrupt controller mode: XICS only, XIVE only, or either (the guest picks at CAS).
 * The tree presents XIVE before CAS only for 'xive'; after CAS, setInterruptController().
 */
export type IcMode = 'xics' | 'xive' | 'dual';

/** XIVE thread interrupt management area: four 64 KiB pages (QEMU's SPAPR_XIVE_TM_BASE). */
export const XIVE_TIMA_BASE = 0x0006030203180000;
const XIVE_TIMA_PAGE = 0x10000;

export interface VioDeviceConfig {
  /** Unit address (reg), e.g. 0x71000000. */
  reg: number;
  /** Interrupt source; default vioIrq(reg). */
  irq?: number;
}

export interface NvramConfig extends VioDeviceConfig {
  /** Size of the NVRAM in bytes (#bytes). */
  bytes: number;
}

export interface PseriesTreeConfig {
  ramBytes: number;
  nvcpus: number;
  /** Kernel command line (/chosen bootargs); omitted when empty. */
  bootargs: string;
  /** Initial RAM disk location in guest real memory. */
  initrd?: { start: number; size: number };
  /** Where the kernel image was loaded: reserved in the FDT and named in qemu,boot-kernel. */
  kernel?: { start: number; size: number; littleEndian: boolean };
  icMode: IcMode;
  /** Root "model". */
  model?: string;
  /** /chosen rng-seed (32 bytes). Default: fresh random bytes. */
  rngSeed?: Uint8Array;
  /** Value of /chosen ibm,architecture-vec-5 (option vector 5 negotiated at CAS, see archVec5Property). Default: none negotiated. */
  archVec5?: Uint8Array;
  /** The guest declared itself pre-ISA 3.00 at CAS: hide the radix bit in ibm,pa-features. */
  casPreIsa3Guest?: boolean;
  /** The console: default vty@71000000. null: none. */
  vty?: VioDeviceConfig | null;
  /** NVRAM device: default nvram@71000001, 64 KiB. null: none. */
  nvram?: NvramConfig | null;
  /** RTAS calls given a token in /rtas. Default DEFAULT_RTAS_CALLS. */
  rtasCalls?: readonly RtasCallName[];
  /** Bytes of the RTAS entry blob, part of rtas-size. Default RTAS_DEFAULT_BLOB_SIZE. */
  rtasBlobSize?: number;
  /** ibm,hypertas-functions. Default DEFAULT_HYPERTAS_FUNCTIONS. */
  hypertasFunctions?: readonly string[];
  /** Adds the PCI host bridge node (hw/pci/spapr-phb.ts) and what it needs elsewhere. */
  phb?: (root: FdtNode) => void;
}

// ---- POWER9 processor description ----

interface SegmentPageSize {
  segmentShift: number;
  slbEnc: number;
  pages: readonly { shift: number; pteEnc: number }[];
}

/** Hash MMU base page sizes per segment page size (4K and 64K, as QEMU caps them). */
const POWER9_SEGMENT_PAGE_SIZES: readonly SegmentPageSize[] = [
  { segmentShift: 12, slbEnc: 0x000, pages: [{ shift: 12, pteEnc: 0 }] },
  { segmentShift: 16, slbEnc: 0x110, pages: [{ shift: 16, pteEnc: 1 }] },
];

/** Radix page sizes with their AP (actual page size) encodings. */
const POWER9_RADIX_PAGE_SIZES: readonly { ap: number; shift: number }[] = [
  { ap: 0, shift: 12 },
  { ap: 5, shift: 16 },
  { ap: 1, shift: 21 },
  { ap: 2, shift: 30 },
];

/**
 * ibm,pa-features data bytes for ISA 3.00 (LoPAPR "ibm,pa-features"): pairs of
 * (feature byte, reserved byte) from byte 6 on. The CI large page bit (byte
 * 1, 0x20) is on as in QEMU's pseries.
 */
const POWER9_PA_FEATURES: readonly number[] = [
  0xf6, 0x3f, 0xc7, 0xc0, 0x80, 0xf0, // 0-5: MMU FPU SLB RUN DABR NX | fri DABRX SPRG3 SLB0 PP110 CI-large | ... | LE CFAR EB LSQ
  0x80, 0x00, 0x00, 0x00, 0x00, 0x00, // 6: DS207
  0x00, 0x00, 0x00, 0x00, 0x80, 0x00, // 16: vector
  0x80, 0x00, 0x80, 0x00, 0x00, 0x00, // 18: vector-scalar, 20: vector crypto (XOR); 22: HTM off
  0x80, 0x00, 0x80, 0x00, 0x80, 0x00, // 24: large decrementer, 26: 64-bit features, 28: PM features
  0x80, 0x00, 0x80, 0x00, 0xc0, 0x00, // 30: MMR, 32: LE atomics, 34: EBB + external EBB
  0x80, 0x00, 0x80, 0x00, 0x80, 0x00, // 36: SPR SO, 38: copy/paste, 40: radix MMU
  0x80, 0x00, 0x80, 0x00, 0x80, 0x00, // 42: PM, 44: PC relative addressing, 46: vectored system call
  0x80, 0x00, 0x80, 0x00, 0x80, 0x00, // 48: SIMD, 50: quad-precision BFP, 52: string
  0x80, 0x00, 0x80, 0x00, 0x80, 0x00, // 54: DFP, 56: decimal integer, 58: SHA
  0x80, 0x00, 0x80, 0x00, 0x00, 0x00, // 60: non-modifying atomics, 62: RNG (darn) off
];
const PA_FEATURE_RADIX_BYTE = 40;

function paFeatures(preIsa3Guest: boolean): Uint8Array {
  const out = new Uint8Array(2 + POWER9_PA_FEATURES.length);
  out[0] = POWER9_PA_FEATURES.length; // length of the data
  out[1] = 0; // type: the "ibm,pa-features" descriptor
  out.set(POWER9_PA_FEATURES, 2);
  // Some pre-ISA 3.00 kernels try radix when they see this bit, and cannot cope.
  if (preIsa3Guest) out[2 + PA_FEATURE_RADIX_BYTE] &= ~0x80;
  return out;
}

function segmentPageSizesCells(): number[] {
  const cells: number[] = [];
  for (const s of POWER9_SEGMENT_PAGE_SIZES) {
    cells.push(s.segmentShift, s.slbEnc, s.pages.length);
    for (const p of s.pages) cells.push(p.shift, p.pteEnc);
  }
  return cells;
}

function radixApCells(): number[] {
  return POWER9_RADIX_PAGE_SIZES.map((p) => ((p.ap << 29) | p.shift) >>> 0);
}

/** Option vector 5 byte 23: 0x00 legacy XICS only, 0x40 XIVE only, 0x80 either. */
const OV5_INTERRUPT_MODE: Record<IcMode, number> = { xics: 0x00, xive: 0x40, dual: 0x80 };

/**
 * /chosen ibm,arch-vec-5-platform-support: (byte, value) pairs telling CAS
 * which values of option vector 5 bytes 23..26 the platform accepts.
 */
function ov5PlatformSupport(icMode: IcMode): Uint8Array {
  return Uint8Array.from([
    23, OV5_INTERRUPT_MODE[icMode],
    24, 0xc0, // MMU: hash and radix (both supported, switchable)
    25, 0x00, // hash options: no segment tables, no GTSE
    26, 0x40, // radix options: GTSE
  ]);
}

/**
 * Encode option vector 5 for /chosen ibm,architecture-vec-5 as QEMU does: a
 * length byte (number of bytes - 1) then bytes 1..n of the vector, trailing
 * zero bytes dropped but at least one byte. `bytes` maps PAPR byte numbers
 * (1-based, e.g. 23 interrupt mode, 24 MMU) to values.
 */
export function archVec5Property(bytes: Readonly<Record<number, number>>): Uint8Array {
  let len = 1;
  for (const [k, v] of Object.entries(bytes)) {
    const n = Number(k);
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`option vector byte number ${k} is invalid`);
    if ((v & 0xff) !== 0) len = Math.max(len, n);
  }
  const out = new Uint8Array(1 + len);
  out[0] = len - 1;
  for (const [k, v] of Object.entries(bytes)) if (Number(k) <= len) out[Number(k)] = v & 0xff;
  return out;
}

// ---- helpers ----

/** DR connector properties for a list of connectors (LoPAPR "ibm,drc-*"). */
function setDrcProps(node: FdtNode, type: string, indexes: readonly number[], names: readonly string[]): void {
  const n = indexes.length;
  node.setCells('ibm,drc-indexes', [n, ...indexes]);
  node.setCells('ibm,drc-power-domains', [n, ...indexes.map(() => -1)]);
  node.setProp('ibm,drc-names', withCount(n, encodeStrings(names)));
  node.setProp('ibm,drc-types', withCount(n, encodeStrings(indexes.map(() => type))));
}

function withCount(n: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, n);
  out.set(body, 4);
  return out;
}

/** One cell when the value fits in 32 bits (as QEMU writes), two otherwise. */
function setAddr(node: FdtNode, name: string, value: number): void {
  if (value <= 0xffffffff) node.setU32(name, value);
  else node.setU64(name, value);
}

function randomSeed(): Uint8Array {
  const seed = new Uint8Array(32);
  globalThis.crypto.getRandomValues(seed);
  return seed;
}

/** Path of the console device, for /chosen stdout-path (VOF opens it for "stdout"). */
export function vtyPath(vty: VioDeviceConfig): string {
  return `/vdevice/vty@${(vty.reg >>> 0).toString(16)}`;
}

// ---- the tree ----

export function buildPseriesTree(cfg: PseriesTreeConfig): Fdt {
  const { ramBytes, nvcpus } = cfg;
  if (!Number.isSafeInteger(ramBytes) || ramBytes <= 0) throw new RangeError(`RAM size ${ramBytes} is invalid`);
  if (!Number.isInteger(nvcpus) || nvcpus < 1 || nvcpus > 1024) throw new RangeError(`vCPU count ${nvcpus} is invalid`);
  if (cfg.initrd && (cfg.initrd.start < 0 || cfg.initrd.size < 0 || cfg.initrd.start + cfg.initrd.size > ramBytes)) {
    throw new RangeError('initrd lies outside RAM');
  }
  const vty = cfg.vty === undefined ? { reg: SPAPR_VIO_REG_BASE } : cfg.vty;
  const nvram = cfg.nvram === undefined ? { reg: SPAPR_VIO_REG_BASE + 1, bytes: SPAPR_NVRAM_BYTES } : cfg.nvram;

  const fdt = new Fdt();
  if (cfg.kernel && cfg.kernel.size > 0) fdt.addReservation(cfg.kernel.start, cfg.kernel.size);
  if (cfg.initrd && cfg.initrd.size > 0) fdt.addReservation(cfg.initrd.start, cfg.initrd.size);

  const root = fdt.root;
  root.setString('device_type', 'chrp');
  root.setString('model', cfg.model ?? 'IBM pSeries (emulated by PPCBox)');
  root.setString('compatible', 'qemu,pseries');
  root.setU32('#address-cells', 2);
  root.setU32('#size-cells', 2);

  // /chosen
  const chosen = root.addChild('chosen');
  if (cfg.bootargs.length > 0) chosen.setString('bootargs', cfg.bootargs);
  if (cfg.initrd && cfg.initrd.size > 0) {
    setAddr(chosen, 'linux,initrd-start', cfg.initrd.start);
    setAddr(chosen, 'linux,initrd-end', cfg.initrd.start + cfg.initrd.size);
  }
  if (cfg.kernel && cfg.kernel.size > 0) {
    chosen.setU64('qemu,boot-kernel', cfg.kernel.start, cfg.kernel.size);
    if (cfg.kernel.littleEndian) chosen.setEmpty('qemu,boot-kernel-le');
  }
  if (vty !== null) {
    chosen.setString('linux,stdout-path', vtyPath(vty));
    chosen.setString('stdout-path', vtyPath(vty));
  }
  chosen.setProp('ibm,arch-vec-5-platform-support', ov5PlatformSupport(cfg.icMode));
  const seed = cfg.rngSeed ?? randomSeed();
  if (seed.length !== 32) throw new RangeError('rng-seed must be 32 bytes');
  chosen.setProp('rng-seed', seed);
  chosen.setProp('ibm,architecture-vec-5', cfg.archVec5 ?? Uint8Array.of(0, 0));

  // /rtas
  const rtas = root.addChild('rtas');
  rtas.setStrings('ibm,hypertas-functions', cfg.hypertasFunctions ?? DEFAULT_HYPERTAS_FUNCTIONS);
  rtas.setCells('ibm,associativity-reference-points', [4, 4, 2]);
  rtas.setCells('ibm,max-associativity-domains', [4, 0, 0, 0, 1]);
  // Blob, the machine-check error log, 16 bytes per CPU of system-reset save area, and
  // 8 bytes because Linux's FWNMI error log check is off by one.
  const blob = cfg.rtasBlobSize ?? RTAS_DEFAULT_BLOB_SIZE;
  rtas.setU32('rtas-size', blob + RTAS_ERROR_LOG_MAX + nvcpus * 16 + 8);
  rtas.setU32('rtas-error-log-max', RTAS_ERROR_LOG_MAX);
  rtas.setU32('rtas-event-scan-rate', RTAS_EVENT_SCAN_RATE);
  // ibm,os-term returns to the caller.
  rtas.setEmpty('ibm,extended-os-term');
  // No hot-pluggable memory: maximum device address 0.
  rtas.setCells('ibm,lrdr-capacity', [0, 0, 0, SPAPR_MEMORY_BLOCK_SIZE, nvcpus]);
  for (const name of cfg.rtasCalls ?? DEFAULT_RTAS_CALLS) rtas.setU32(name, RTAS_TOKENS[name]);

  // /event-sources: EPOW and hot-plug event interrupts (RTAS check-exception reads them).
  const events = root.addChild('event-sources');
  events.setEmpty('interrupt-controller');
  events.setU32('#interrupt-cells', 2);
  events.setCells('interrupt-ranges', [SPAPR_IRQ_EPOW, 1, SPAPR_IRQ_HOTPLUG, 1]);
  events.addChild('epow-events').setCells('interrupts', [SPAPR_IRQ_EPOW, 0]);
  events.addChild('hot-plug-events').setCells('interrupts', [SPAPR_IRQ_HOTPLUG, 0]);

  // /cpus: one core node per vCPU (one thread per core).
  const cpus = root.addChild('cpus');
  cpus.setU32('#address-cells', 1);
  cpus.setU32('#size-cells', 0);
  const drcIndexes: number[] = [];
  const drcNames: string[] = [];
  for (let i = 0; i < nvcpus; i++) {
    drcIndexes.push(0x10000000 + i);
    drcNames.push(`CPU ${i}`);
  }
  setDrcProps(cpus, 'CPU', drcIndexes, drcNames);
  const pftShift = hptShiftForRam(ramBytes);
  for (let i = 0; i < nvcpus; i++) {
    const cpu = cpus.addChild(`PowerPC,POWER9@${i.toString(16)}`);
    cpu.setU32('ibm,my-drc-index', drcIndexes[i]);
    cpu.setU32('reg', i);
    cpu.setString('device_type', 'cpu');
    cpu.setU32('cpu-version', PVR_POWER9);
    cpu.setU32('d-cache-block-size', 128);
    cpu.setU32('d-cache-line-size', 128);
    cpu.setU32('i-cache-block-size', 128);
    cpu.setU32('i-cache-line-size', 128);
    cpu.setU32('d-cache-size', 0x8000);
    cpu.setU32('i-cache-size', 0x8000);
    cpu.setU32('timebase-frequency', SPAPR_TIMEBASE_FREQ);
    cpu.setU32('clock-frequency', SPAPR_CLOCK_FREQ);
    cpu.setU32('slb-size', 32);
    cpu.setU32('ibm,slb-size', 32);
    cpu.setString('status', 'okay');
    cpu.setEmpty('64-bit');
    cpu.setU32('ibm,purr', 1);
    cpu.setU32('ibm,spurr', 1);
    cpu.setCells('ibm,processor-segment-sizes', [28, 40, -1, -1]);
    cpu.setU32('ibm,vmx', 2); // VMX and VSX
    cpu.setU32('ibm,dfp', 1);
    cpu.setCells('ibm,segment-page-sizes', segmentPageSizesCells());
    cpu.setProp('ibm,pa-features', paFeatures(cfg.casPreIsa3Guest ?? false));
    cpu.setU32('ibm,chip-id', 0);
    cpu.setCells('ibm,pft-size', [0, pftShift]);
    cpu.setCells('ibm,ppc-interrupt-server#s', [i]);
    cpu.setCells('ibm,ppc-interrupt-gserver#s', [i, 0]);
    cpu.setCells('ibm,processor-radix-AP-encodings', radixApCells());
    cpu.setU32('ibm,dec-bits', 56); // large decrementer width
  }

  // /vdevice: virtual I/O devices, in unit address order.
  const vdev = root.addChild('vdevice');
  vdev.setString('device_type', 'vdevice');
  vdev.setString('compatible', 'IBM,vdevice');
  vdev.setU32('#address-cells', 1);
  vdev.setU32('#size-cells', 0);
  vdev.setU32('#interrupt-cells', 2);
  vdev.setEmpty('interrupt-controller');
  const vio: { reg: number; make: (n: FdtNode) => void; name: string }[] = [];
  if (vty !== null) {
    vio.push({
      reg: vty.reg,
      name: 'vty',
      make: (n) => {
        n.setU32('reg', vty.reg);
        n.setString('device_type', 'serial');
        n.setString('compatible', 'hvterm1');
        n.setCells('interrupts', [vty.irq ?? vioIrq(vty.reg), 0]);
      },
    });
  }
  if (nvram !== null) {
    vio.push({
      reg: nvram.reg,
      name: 'nvram',
      make: (n) => {
        n.setU32('reg', nvram.reg);
        n.setString('device_type', 'nvram');
        n.setString('compatible', 'qemu,spapr-nvram');
        n.setCells('interrupts', [nvram.irq ?? vioIrq(nvram.reg), 0]);
        n.setU32('#bytes', nvram.bytes);
      },
    });
  }
  vio.sort((a, b) => (a.reg >>> 0) - (b.reg >>> 0));
  for (const d of vio) d.make(vdev.addChild(`${d.name}@${(d.reg >>> 0).toString(16)}`));

  if (cfg.phb !== undefined) cfg.phb(root);

  // /memory@0: all RAM in one block (one NUMA node).
  const memory = root.addChild('memory@0');
  memory.setString('device_type', 'memory');
  memory.setU64('reg', 0, ramBytes);
  memory.setCells('ibm,associativity', [4, 0, 0, 0, 0]);

  setInterruptController(fdt, cfg.icMode === 'xive' ? 'xive' : 'xics', nvcpus);

  // Every node gets a package handle for the client interface.
  fdt.assignPhandles();
  return fdt;
}

/**
 * Present the interrupt controller the guest uses (at reset, and after CAS picked one):
 * replaces the root's controller node. XIVE as QEMU describes it: the user and OS TIMA
 * pages, 64 KiB queues, the IPI LISNs 0..nvcpus-1, priorities 7.. reserved.
 */
export function setInterruptController(fdt: Fdt, kind: 'xics' | 'xive', nvcpus: number): void {
  const root = fdt.root;
  for (const n of [...root.children]) if (n.baseName === 'interrupt-controller') root.removeChild(n);
  root.deleteProp('ibm,plat-res-int-priorities');
  if (kind === 'xive') {
    const user = XIVE_TIMA_BASE + 3 * XIVE_TIMA_PAGE;
    const os = XIVE_TIMA_BASE + 2 * XIVE_TIMA_PAGE;
    const x = root.addChild(`interrupt-controller@${user.toString(16)}`);
    x.setString('device_type', 'power-ivpe');
    x.setU64('reg', user, XIVE_TIMA_PAGE, os, XIVE_TIMA_PAGE);
    x.setString('compatible', 'ibm,power-ivpe');
    x.setCells('ibm,xive-eq-sizes', [16]);
    x.setCells('ibm,xive-lisn-ranges', [0, nvcpus]);
    x.setEmpty('interrupt-controller');
    x.setU32('#interrupt-cells', 2);
    x.setU32('linux,phandle', PHANDLE_XICP);
    x.setPhandle(PHANDLE_XICP);
    root.setCells('ibm,plat-res-int-priorities', [7, 0xf8]);
    return;
  }
  // The XICS presentation controller, at the root as in QEMU.
  const icp = root.addChild('interrupt-controller');
  icp.setString('device_type', 'PowerPC-External-Interrupt-Presentation');
  icp.setString('compatible', 'IBM,ppc-xicp');
  icp.setEmpty('interrupt-controller');
  icp.setCells('ibm,interrupt-server-ranges', [0, nvcpus]);
  icp.setU32('#interrupt-cells', 2);
  icp.setU32('linux,phandle', PHANDLE_XICP);
  icp.setPhandle(PHANDLE_XICP);
}
