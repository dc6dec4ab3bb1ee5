// The sPAPR PHB: configuration cycles through RTAS (PAPR's read/write-pci-config and
// ibm,* forms: config_addr = ext-reg[27:24] bus[23:16] devfn[15:8] reg[7:0]), BAR
// sizing and decoding in the windows of QEMU's first PHB, TCE hypercalls and translation
// bounds, MSI-X set-up through ibm,change-msi as QEMU's spapr_pci does it.
import { beforeEach, describe, expect, it } from 'vitest';
import { Cpu } from '../../../emulator/cpu/cpu.js';
import * as L from '../../../emulator/cpu/layout.js';
import { BQL, IO_THREAD } from '../../../emulator/host/bql.js';
import { GuestMemory } from '../../../emulator/memory/guest-memory.js';
import { PhysBus } from '../../../emulator/memory/phys-bus.js';
import { HcallTable, H_SUCCESS, H_PARAMETER, H_PUT_TCE, H_GET_TCE, H_STUFF_TCE, H_PUT_TCE_INDIRECT } from '../../../emulator/machine/spapr/hcall.js';
import { Rtas } from '../../../emulator/machine/spapr/rtas.js';
import { RTAS_TOKENS, type RtasCallName } from '../../../emulator/machine/spapr/rtas-tokens.js';
import { Fdt } from '../../../emulator/machine/spapr/fdt.js';
import type { IrqLine } from '../../../emulator/hw/irq.js';
import { PciFunction } from '../../../emulator/hw/pci/pci-device.js';
import {
  SpaprPhb,
  SPAPR_PCI_BUID_HI,
  SPAPR_PCI_BUID_LO,
  SPAPR_PCI_LIOBN,
  SPAPR_PCI_MEM32_WIN_ADDR,
  SPAPR_PCI_MEM64_WIN_ADDR,
  SPAPR_PCI_MSI_WINDOW,
  SPAPR_IRQ_MSI,
} from '../../../emulator/hw/pci/spapr-phb.js';
import { TCE_READ, TCE_WRITE } from '../../../emulator/hw/pci/spapr-tce.js';

const RAM = 16 << 20;
let mem: GuestMemory;
let bql: BQL;
let phb: SpaprPhb;
let rtas: Rtas;
let hcalls: HcallTable;
let bus: PhysBus;
let cpu: Cpu;
let fn: TestFunction;
let pulses: number[];
let lsiLevels: boolean[];
let logs: string[];

/** A function with a 4 KiB mem32 BAR 0 of scratch registers, a 64-bit BAR 2, MSI-X in BAR 0. */
class TestFunction extends PciFunction {
  regs = new Uint32Array(1024);
  constructor() {
    super('test', { vendor: 0x1234, device: 0x5678, subsystemVendor: 0x1af4, subsystem: 2, classCode: 0x010000, revision: 3, interruptPin: 1 });
    this.addBar(0, 0x1000, 'mem32', false, {
      read: (o, s) => {
        const out = { v: 0 };
        if (this.msixBarRead(0, o, s, out)) return out.v;
        return this.regs[o >> 2];
      },
      write: (o, s, v) => {
        if (this.msixBarWrite(0, o, s, v)) return;
        this.regs[o >> 2] = v;
      },
    });
    this.addBar(2, 0x4000, 'mem64', true, { read: (o) => 0xa000_0000 + o, write: () => {} });
    this.addMsix(4, 0, 0x800, 0xc00);
    this.sealConfig();
  }
  raise(level: boolean): void {
    this.setIrqLevel(level);
  }
}

function line(n: number): IrqLine {
  return {
    set: (level) => {
      lsiLevels[n] = level;
    },
    pulse: () => pulses.push(SPAPR_IRQ_MSI + n),
  };
}

beforeEach(() => {
  mem = GuestMemory.create(RAM, 1);
  bql = new BQL(mem, IO_THREAD);
  bql.lock();
  pulses = [];
  lsiLevels = [false, false, false, false];
  logs = [];
  cpu = new Cpu(mem, 0);
  hcalls = new HcallTable(bql);
  rtas = new Rtas({
    bql,
    mem,
    cpus: [cpu],
    powerOff() {},
    reboot() {},
    osTerm() {},
    displayCharacter() {},
    startCpu: () => false,
    stopSelf() {},
    isStopped: () => true,
  });
  phb = new SpaprPhb({
    mem,
    bql,
    log: (l) => logs.push(l),
    lsi: [0, 1, 2, 3].map((i) => ({ set: (lv: boolean) => (lsiLevels[i] = lv), pulse() {} })),
    msi: Array.from({ length: 64 }, (_, i) => line(i)),
  });
  fn = new TestFunction();
  phb.addDevice(1, fn);
  phb.registerRtas(rtas);
  phb.registerHcalls(hcalls);
  bus = new PhysBus();
  for (const r of phb.regions) bus.map(r);
  phb.reset();
});

// ---------------------------------------------------------------- helpers
const ARGS = 0x10000;

/** An RTAS call as the guest makes it: big-endian cells in RAM. Returns the rets. */
function rtasCall(name: RtasCallName, args: number[], nret: number): number[] {
  const dv = mem.dv;
  const b = L.RAM_OFFSET + ARGS;
  dv.setUint32(b, RTAS_TOKENS[name], false);
  dv.setUint32(b + 4, args.length, false);
  dv.setUint32(b + 8, nret, false);
  args.forEach((v, i) => dv.setUint32(b + 12 + 4 * i, v >>> 0, false));
  for (let i = 0; i < nret; i++) dv.setUint32(b + 12 + 4 * (args.length + i), 0xdeadbeef, false);
  rtas.call(cpu, ARGS);
  return Array.from({ length: nret }, (_, i) => dv.getUint32(b + 12 + 4 * (args.length + i), false) | 0);
}

const cfgAddr = (slot: number, reg: number): number => (((reg & 0xf00) << 20) | (slot << 11) | (reg & 0xff)) >>> 0;
/** [status (signed), value (unsigned)] */
const readCfg = (slot: number, reg: number, size: number): number[] => {
  const r = rtasCall('ibm,read-pci-config', [cfgAddr(slot, reg), SPAPR_PCI_BUID_HI, SPAPR_PCI_BUID_LO, size], 2);
  return [r[0], r[1] >>> 0];
};
const writeCfg = (slot: number, reg: number, size: number, v: number): number =>
  rtasCall('ibm,write-pci-config', [cfgAddr(slot, reg), SPAPR_PCI_BUID_HI, SPAPR_PCI_BUID_LO, size, v], 1)[0];

function hcall(op: number, ...args: number[]): number {
  cpu.setGPR32(3, op, 0);
  args.forEach((v, i) => cpu.setGPR32(4 + i, v >>> 0, Math.floor(v / 0x100000000) >>> 0));
  hcalls.dispatch(cpu);
  return Number(BigInt.asIntN(64, cpu.gpr(3)));
}

// ---------------------------------------------------------------- tests
describe('sPAPR PHB configuration access (RTAS)', () => {
  it('reads the header of a present function and fails for an empty slot or another BUID', () => {
    expect(readCfg(1, 0, 4)).toEqual([0, 0x56781234]);
    expect(readCfg(1, 0xff, 1)).toEqual([0, 0]);
    expect(readCfg(1, 2, 2)).toEqual([0, 0x5678]);
    expect(readCfg(1, 8, 1)).toEqual([0, 3]);
    expect(readCfg(1, 0x09, 1)[1]).toBe(0);
    expect(readCfg(1, 0x0b, 1)[1]).toBe(1);
    // Nothing in slot 2; wrong BUID; misaligned; bad size.
    expect(readCfg(2, 0, 4)).toEqual([-1, 0xffffffff]);
    expect(rtasCall('ibm,read-pci-config', [cfgAddr(1, 0), 0x0800_0000, 0x2000_0001, 4], 2)[0]).toBe(-1);
    expect(readCfg(1, 2, 4)[0]).toBe(-1);
    expect(readCfg(1, 0, 3)[0]).toBe(-1);
    // The BUID-less form reaches the same bridge.
    expect(rtasCall('read-pci-config', [cfgAddr(1, 0), 2], 2)).toEqual([0, 0x1234]);
    // Extended space (reg >= 0x100) of a conventional function reads as zero.
    expect(readCfg(1, 0x100, 4)).toEqual([0, 0]);
  });

  it('walks the capability list to MSI-X', () => {
    expect(readCfg(1, 0x06, 2)[1] & 0x10).toBe(0x10);
    const cap = readCfg(1, 0x34, 1)[1];
    expect(readCfg(1, cap, 1)[1]).toBe(0x11);
    expect(readCfg(1, cap + 2, 2)[1] & 0x7ff).toBe(3); // 4 vectors
    expect(readCfg(1, cap + 4, 4)[1]).toBe(0x800); // table at BAR 0 + 0x800
    expect(readCfg(1, cap + 8, 4)[1]).toBe(0xc00);
  });

  it('sizes BARs, decodes them in the windows once memory space is enabled', () => {
    expect(writeCfg(1, 0x10, 4, 0xffffffff)).toBe(0);
    expect(readCfg(1, 0x10, 4)[1]).toBe(0xfffff000); // 4 KiB, 32-bit, not prefetchable
    writeCfg(1, 0x18, 4, 0xffffffff);
    writeCfg(1, 0x1c, 4, 0xffffffff);
    expect(readCfg(1, 0x18, 4)[1]).toBe(0xffffc00c); // 16 KiB, 64-bit, prefetchable
    expect(readCfg(1, 0x1c, 4)[1]).toBe(0xffffffff);
    writeCfg(1, 0x10, 4, 0x80001000);
    writeCfg(1, 0x18, 4, 0x00000000);
    writeCfg(1, 0x1c, 4, 0x00002100);
    const r32 = bus.find(SPAPR_PCI_MEM32_WIN_ADDR + 0x1000);
    const r64 = bus.find(SPAPR_PCI_MEM64_WIN_ADDR);
    expect(r32?.name).toBe('pci-mem32');
    // Memory decoding off: nothing answers.
    expect(r32?.read(0x1000 + 8, 4)).toBe(0xffffffff);
    writeCfg(1, 0x04, 2, 0x0006);
    r32?.write(0x1000 + 8, 4, 0x12345678);
    expect(fn.regs[2]).toBe(0x12345678);
    expect(r32?.read(0x1000 + 8, 4)).toBe(0x12345678);
    expect(r64?.read(0x10, 4)).toBe(0xa0000010);
    expect(logs.length).toBe(1); // the one access before decoding was enabled
    // The command register keeps only its writable bits.
    expect(readCfg(1, 0x04, 2)[1]).toBe(0x0006);
    writeCfg(1, 0x04, 2, 0xffff);
    expect(readCfg(1, 0x04, 2)[1]).toBe(0x0407);
  });

  it('routes INTx through the swizzled LSI and honours INTx disable', () => {
    fn.raise(true);
    expect(lsiLevels).toEqual([false, true, false, false]); // slot 1, INTA -> line 1
    writeCfg(1, 0x04, 2, 0x0400);
    expect(lsiLevels[1]).toBe(false);
    writeCfg(1, 0x04, 2, 0x0000);
    expect(lsiLevels[1]).toBe(true);
    fn.raise(false);
    expect(lsiLevels[1]).toBe(false);
  });
});

describe('MSI-X through ibm,change-msi', () => {
  const changeMsi = (func: number, n: number, seq = 0): number[] =>
    rtasCall('ibm,change-msi', [cfgAddr(1, 0), SPAPR_PCI_BUID_HI, SPAPR_PCI_BUID_LO, func, n, seq], 4);
  const query = (n: number): number[] =>
    rtasCall('ibm,query-interrupt-source-number', [cfgAddr(1, 0), SPAPR_PCI_BUID_HI, SPAPR_PCI_BUID_LO, n], 3);

  it('allocates sources, programs the table and delivers a vector to its source', () => {
    expect(changeMsi(4, 8)).toEqual([0, 4, 1, 2]); // too many: the function has 4
    expect(changeMsi(4, 2, 1)).toEqual([0, 2, 2, 2]);
    expect(query(0)).toEqual([0, SPAPR_IRQ_MSI, 1]);
    expect(query(1)).toEqual([0, SPAPR_IRQ_MSI + 1, 1]);
    expect(query(2)[0]).toBe(-1);
    expect(fn.msixMessage(1)).toEqual({ address: SPAPR_PCI_MSI_WINDOW, data: SPAPR_IRQ_MSI + 1, masked: true });
    // Not enabled yet: nothing.
    fn.msixNotify(1);
    expect(pulses).toEqual([]);
    const cap = readCfg(1, 0x34, 1)[1];
    writeCfg(1, cap + 2, 2, 0x8000);
    fn.msixNotify(1); // entry still masked: pending
    expect(pulses).toEqual([]);
    // The guest unmasks entry 1 through BAR 0 (vector control at +12): the pending one goes.
    writeCfg(1, 0x10, 4, 0x80000000);
    writeCfg(1, 0x04, 2, 0x0002);
    const r = bus.find(SPAPR_PCI_MEM32_WIN_ADDR);
    r?.write(0x800 + 16 + 12, 4, 0);
    expect(pulses).toEqual([SPAPR_IRQ_MSI + 1]);
    fn.msixNotify(1);
    expect(pulses).toEqual([SPAPR_IRQ_MSI + 1, SPAPR_IRQ_MSI + 1]);
    // A message the bridge did not assign is refused with a log line.
    fn.setMsixMessage(1, SPAPR_PCI_MSI_WINDOW, SPAPR_IRQ_MSI + 40);
    fn.msixNotify(1);
    expect(pulses.length).toBe(2);
    expect(logs.some((l) => l.includes('MSI write'))).toBe(true);
    // Release: no vectors left.
    expect(changeMsi(4, 0)[0]).toBe(0);
    expect(query(0)[0]).toBe(-1);
  });

  it('refuses unknown functions and devices', () => {
    expect(changeMsi(7, 1)[0]).toBe(-3);
    expect(rtasCall('ibm,change-msi', [cfgAddr(5, 0), SPAPR_PCI_BUID_HI, SPAPR_PCI_BUID_LO, 4, 1, 0], 4)[0]).toBe(-3);
  });
});

describe('TCE table', () => {
  it('H_PUT_TCE / H_GET_TCE within the 1 GiB window, H_PARAMETER outside', () => {
    expect(hcall(H_PUT_TCE, SPAPR_PCI_LIOBN, 0x3000, 0x5000 | TCE_READ | TCE_WRITE)).toBe(H_SUCCESS);
    expect(hcall(H_GET_TCE, SPAPR_PCI_LIOBN, 0x3abc)).toBe(H_SUCCESS);
    expect(Number(cpu.gpr(4))).toBe(0x5003);
    expect(hcall(H_PUT_TCE, SPAPR_PCI_LIOBN, 0x40000000, 0x5003)).toBe(H_PARAMETER);
    expect(hcall(H_PUT_TCE, 0x1234, 0, 0x5003)).toBe(H_PARAMETER);
    expect(hcall(H_GET_TCE, SPAPR_PCI_LIOBN, 0x40000000)).toBe(H_PARAMETER);
  });

  it('translates with permissions and never outside guest RAM', () => {
    const t = phb.tce;
    hcall(H_PUT_TCE, SPAPR_PCI_LIOBN, 0x3000, 0x5000 | TCE_READ);
    expect(t.translate(0x3010, false)).toBe(L.RAM_OFFSET + 0x5010);
    expect(t.translate(0x3010, true)).toBe(-1); // read-only mapping
    expect(t.translate(0x4000, false)).toBe(-1); // unmapped page
    expect(t.translate(0x40000000, false)).toBe(-1); // beyond the window
    expect(t.translate(-1, false)).toBe(-1);
    // A TCE naming a page beyond RAM (or beyond 2^32) maps nothing.
    hcall(H_PUT_TCE, SPAPR_PCI_LIOBN, 0x6000, RAM | TCE_READ | TCE_WRITE);
    expect(t.translate(0x6000, false)).toBe(-1);
    hcall(H_PUT_TCE, SPAPR_PCI_LIOBN, 0x7000, 0x1_0000_5000 + 3);
    expect(t.translate(0x7000, false)).toBe(-1);
    hcall(H_PUT_TCE, SPAPR_PCI_LIOBN, 0x8000, RAM - 0x1000 + 3);
    expect(t.translate(0x8fff, true)).toBe(L.RAM_OFFSET + RAM - 1);
  });

  it('H_STUFF_TCE and H_PUT_TCE_INDIRECT fill ranges, with their bounds', () => {
    expect(hcall(H_STUFF_TCE, SPAPR_PCI_LIOBN, 0x10000, 0x9003, 4)).toBe(H_SUCCESS);
    for (let k = 0; k < 4; k++) expect(phb.tce.translate(0x10000 + k * 0x1000, true)).toBe(L.RAM_OFFSET + 0x9000);
    expect(phb.tce.translate(0x14000, true)).toBe(-1);
    expect(hcall(H_STUFF_TCE, SPAPR_PCI_LIOBN, 0x3fffe000, 0, 3)).toBe(H_PARAMETER);
    // Indirect: a page of big-endian TCEs.
    const list = 0x20000;
    for (let k = 0; k < 3; k++) mem.dv.setBigUint64(L.RAM_OFFSET + list + 8 * k, BigInt(0x100000 + k * 0x1000 + 3), false);
    expect(hcall(H_PUT_TCE_INDIRECT, SPAPR_PCI_LIOBN, 0x50000, list, 3)).toBe(H_SUCCESS);
    expect(phb.tce.translate(0x52004, false)).toBe(L.RAM_OFFSET + 0x102004);
    expect(hcall(H_PUT_TCE_INDIRECT, SPAPR_PCI_LIOBN, 0x50000, list + 8, 3)).toBe(H_PARAMETER); // list not page aligned
    expect(hcall(H_PUT_TCE_INDIRECT, SPAPR_PCI_LIOBN, 0x50000, list, 513)).toBe(H_PARAMETER);
    expect(hcall(H_PUT_TCE_INDIRECT, SPAPR_PCI_LIOBN, 0x50000, RAM - 0x1000, 513)).toBe(H_PARAMETER);
    expect(hcall(H_PUT_TCE_INDIRECT, SPAPR_PCI_LIOBN, 0x50000, RAM, 1)).toBe(H_PARAMETER); // list outside RAM
  });
});

describe('device tree node', () => {
  it('matches the shape of QEMU 7.2 pseries pci@800000020000000', () => {
    const fdt = new Fdt();
    fdt.root.addChild('chosen');
    fdt.root.addChild('rtas');
    phb.buildTree(fdt.root, 0x1111);
    const n = fdt.findNode('/pci@800000020000000');
    expect(n).toBeDefined();
    if (n === undefined) return;
    expect(n.getString('device_type')).toBe('pci');
    expect(n.getString('compatible')).toBe('IBM,Logical_PHB');
    expect(n.getCells('reg')).toEqual([0x8000000, 0x20000000, 0, 0]);
    expect(n.getCells('ranges')).toEqual([
      0x1000000, 0, 0, 0x2000, 0, 0, 0x10000, 0x2000000, 0, 0x80000000, 0x2000, 0x80000000, 0, 0x80000000, 0x3000000, 0x2100, 0, 0x2100, 0, 0x100, 0,
    ]);
    expect(n.getCells('bus-range')).toEqual([0, 0xff]);
    expect(n.getCells('ibm,dma-window')).toEqual([0x80000000, 0, 0, 0, 0x40000000]);
    expect(n.getCells('interrupt-map-mask')).toEqual([0xf800, 0, 0, 0xffffffff]);
    const map = n.getCells('interrupt-map') ?? [];
    expect(map.length).toBe(32 * 4 * 7);
    expect(map.slice(0, 14)).toEqual([0, 0, 0, 1, 0x1111, 0x1200, 1, 0, 0, 0, 2, 0x1111, 0x1201, 1]);
    expect(map.slice(28, 35)).toEqual([0x800, 0, 0, 1, 0x1111, 0x1201, 1]);
    const d = fdt.findNode('/pci@800000020000000/scsi@1');
    expect(d?.getCells('reg')).toEqual([0x800, 0, 0, 0, 0, 0x2000810, 0, 0, 0, 0x1000, 0x43000818, 0, 0, 0, 0x4000]);
    expect(d?.getU32('ibm,req#msi-x')).toBe(4);
    expect(d?.getU32('vendor-id')).toBe(0x1234);
    expect(d?.getU32('class-code')).toBe(0x010000);
    expect(fdt.findNode('/chosen')?.getU32('linux,pci-probe-only')).toBe(0);
    expect(fdt.findNode('/rtas')?.hasProp('ibm,change-msix-capable')).toBe(true);
  });
});

describe('snapshots', () => {
  it('TCEs, MSI blocks and configuration space survive save/load', () => {
    hcall(H_PUT_TCE, SPAPR_PCI_LIOBN, 0x3000, 0x5003);
    rtasCall('ibm,change-msi', [cfgAddr(1, 0), SPAPR_PCI_BUID_HI, SPAPR_PCI_BUID_LO, 4, 2, 0], 4);
    writeCfg(1, 0x10, 4, 0x80001000);
    writeCfg(1, 0x04, 2, 0x0006);
    const st = JSON.parse(JSON.stringify(phb.save())) as Parameters<SpaprPhb['load']>[0];
    phb.reset();
    expect(phb.tce.translate(0x3000, false)).toBe(-1);
    expect(readCfg(1, 0x10, 4)[1]).toBe(0);
    phb.load(st);
    expect(phb.tce.translate(0x3000, false)).toBe(L.RAM_OFFSET + 0x5000);
    expect(readCfg(1, 0x10, 4)[1]).toBe(0x80001000);
    expect(readCfg(1, 0x04, 2)[1]).toBe(6);
    expect(rtasCall('ibm,query-interrupt-source-number', [cfgAddr(1, 0), SPAPR_PCI_BUID_HI, SPAPR_PCI_BUID_LO, 1], 3)).toEqual([0, SPAPR_IRQ_MSI + 1, 1]);
    expect(fn.msixMessage(1).data).toBe(SPAPR_IRQ_MSI + 1);
  });
});

describe('dynamic DMA windows (ibm,*-pe-dma-window)', () => {
  const bridge = [SPAPR_PCI_BUID_HI, SPAPR_PCI_BUID_LO];

  it('query, create a 64 KiB-page window over RAM, map it with H_PUT_TCE_INDIRECT, translate, remove', () => {
    // Linux's 6-output query: windows, largest block (hi, lo), page sizes, migration.
    expect(rtasCall('ibm,query-pe-dma-window', [cfgAddr(1, 0), ...bridge], 6)).toEqual([0, 1, 0, RAM >> 12, 3, 0]);
    expect(rtasCall('ibm,query-pe-dma-window', [cfgAddr(1, 0), ...bridge], 5)).toEqual([0, 1, RAM >> 12, 3, 0]);
    expect(rtasCall('ibm,create-pe-dma-window', [cfgAddr(1, 0), ...bridge, 21, 24], 4)[0]).toBe(-3); // 2 MiB pages: no
    const [st, liobn, hi, lo] = rtasCall('ibm,create-pe-dma-window', [cfgAddr(1, 0), ...bridge, 16, 24], 4);
    expect(st).toBe(0);
    expect(liobn >>> 0).toBe(0x80000001);
    const start = (hi >>> 0) * 0x100000000 + (lo >>> 0);
    expect(start).toBeGreaterThanOrEqual(0x40000000);
    expect(rtasCall('ibm,query-pe-dma-window', [cfgAddr(1, 0), ...bridge], 5)[1]).toBe(0); // no second one
    expect(rtasCall('ibm,create-pe-dma-window', [cfgAddr(1, 0), ...bridge, 16, 24], 4)[0]).toBe(-1);
    // Map the first 3 pages of 64 KiB at real 0x100000.. through a list.
    const list = 0x30000;
    for (let k = 0; k < 3; k++) mem.dv.setBigUint64(L.RAM_OFFSET + list + 8 * k, BigInt(0x100000 + k * 0x10000 + 3), false);
    expect(hcall(H_PUT_TCE_INDIRECT, 0x80000001, start, list, 3)).toBe(H_SUCCESS);
    expect(phb.dma.translate(start + 0x10004, true)).toBe(L.RAM_OFFSET + 0x110004);
    expect(phb.dma.translate(start + 0x30000, false)).toBe(-1);
    expect(phb.dma.translate(start + 0x1000000, false)).toBe(-1); // past the 16 MiB window
    expect(hcall(H_PUT_TCE, 0x80000001, start + 0x1000000, 3)).toBe(H_PARAMETER);
    // The default window is still there.
    hcall(H_PUT_TCE, SPAPR_PCI_LIOBN, 0x3000, 0x5003);
    expect(phb.dma.translate(0x3000, false)).toBe(L.RAM_OFFSET + 0x5000);
    // Snapshot round trip keeps the window.
    const saved = JSON.parse(JSON.stringify(phb.save())) as Parameters<SpaprPhb['load']>[0];
    phb.reset();
    expect(phb.dma.translate(start + 0x10004, true)).toBe(-1);
    phb.load(saved);
    expect(phb.dma.translate(start + 0x10004, true)).toBe(L.RAM_OFFSET + 0x110004);
    expect(rtasCall('ibm,remove-pe-dma-window', [0x80000001], 1)).toEqual([0]);
    expect(phb.dma.translate(start + 0x10004, true)).toBe(-1);
    expect(rtasCall('ibm,remove-pe-dma-window', [0x80000001], 1)).toEqual([-3]);
  });

  it('the node advertises the calls as QEMU does', () => {
    const fdt = new Fdt();
    phb.buildTree(fdt.root, 0x1111);
    const n = fdt.findNode('/pci@800000020000000');
    expect(n?.getCells('ibm,ddw-applicable')).toEqual([0x2026, 0x2027, 0x2028]);
    expect(n?.getCells('ibm,ddw-extensions')).toEqual([2, 0x2029, 1]);
  });
});
