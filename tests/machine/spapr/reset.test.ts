// Machine reset ordering (DESIGN.md rule 5, issue 7): every way to reset takes the one
// path, and that path resets the devices (a recording fake PCI device, the virtio-blk
// function, the vty) before the interrupt controllers (XICS, then XIVE back to its
// pre-CAS mode), then rebuilds the device tree, all in one BQL critical section; nothing
// of the previous boot (pending interrupts, source configuration, TCE mappings, CAS
// choice, reservations) is left afterwards.
import { describe, expect, it } from 'vitest';
import { SpaprMachine } from '../../../emulator/machine/spapr/machine.js';
import * as L from '../../../emulator/cpu/layout.js';
import { PciFunction } from '../../../emulator/hw/pci/pci-device.js';
import { SPAPR_IRQ_PCI_LSI, SPAPR_PCI_LIOBN } from '../../../emulator/hw/pci/spapr-phb.js';
import { RTAS_TOKENS as T } from '../../../emulator/machine/spapr/rtas-tokens.js';
import { H_CPPR, H_GET_TCE, H_PUT_TCE } from '../../../emulator/machine/spapr/hcall.js';
import type { BlockBackend } from '../../../emulator/block/backend.js';
import { NOTIFY_OFFSET } from '../../../emulator/hw/pci/virtio-pci.js';
import { VIRTIO_BLK_T_IN } from '../../../emulator/hw/block/virtio-blk.js';
import { EscapeFilter } from '../../../emulator/cli.js';
import { casVector, doCas, hcall, rtasCall, sgpr, tinyElf } from './spapr-fixture.js';

/** A disk that is never read: only there so the machine has its PCI host bridge. */
class NullDisk implements BlockBackend {
  /** Reads wait here until release() (then fill the guest's buffers with 0xaa). */
  readonly held: Array<() => void> = [];
  gate = false;
  readonly path = 'null.img';
  readonly format = 'raw' as const;
  readonly size = 1 << 20;
  readonly readOnly = false;
  readonly canDiscard = false;
  readonly canWriteZeroes = false;
  readonly discardGranularity = 512;
  read(_o: number, n: number): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(n));
  }
  readInto(): Promise<void> {
    return Promise.resolve();
  }
  write(): Promise<void> {
    return Promise.resolve();
  }
  readv(_o: number, bufs: readonly Uint8Array[]): Promise<void> {
    if (!this.gate) return Promise.resolve();
    return new Promise((res) =>
      this.held.push(() => {
        for (const b of bufs) b.fill(0xaa);
        res();
      }),
    );
  }
  release(): void {
    for (const f of this.held.splice(0)) f();
  }
  writev(): Promise<void> {
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  discard(): Promise<void> {
    return Promise.resolve();
  }
  writeZeroes(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  readUnchecked(): Promise<void> {
    return Promise.resolve();
  }
}

interface Event {
  what: string;
  held: boolean;
  /** BQL acquisitions so far: equal for every event of one critical section. */
  acq: number;
}

/** A PCI device that records its reset and keeps its INTx line up until then. */
class RecordingDevice extends PciFunction {
  constructor(private readonly rec: (what: string) => void) {
    super('recorder', { vendor: 0x1234, device: 0x5678, subsystemVendor: 0, subsystem: 0, classCode: 0xff0000, revision: 0, interruptPin: 1 });
    this.sealConfig();
  }
  raise(): void {
    this.host?.setIntx(true);
  }
  override reset(): void {
    this.rec('device');
    super.reset();
  }
}

function setup(nvcpus = 2, disk = new NullDisk()): { m: SpaprMachine; events: Event[]; dev: RecordingDevice; logs: string[] } {
  const logs: string[] = [];
  const m = new SpaprMachine({
    ramBytes: 64 << 20,
    nvcpus,
    kernel: tinyElf(),
    kernelName: 'tiny.elf',
    bootargs: 'console=hvc0',
    consoleOut: () => {},
    log: (l) => logs.push(l),
    disks: [disk],
  });
  const events: Event[] = [];
  const rec = (what: string): void => {
    events.push({ what, held: m.bql.held(), acq: m.bql.acquisitions });
  };
  const dev = new RecordingDevice(rec);
  const phb = m.phb;
  if (phb === null) throw new Error('no PCI host bridge');
  phb.addDevice(5, dev);
  // Record the other steps of the reset path, in place.
  const wrap = <O extends object, K extends keyof O>(o: O, k: K, what: string): void => {
    const orig = o[k] as unknown as (...a: unknown[]) => unknown;
    (o as Record<K, unknown>)[k] = (...a: unknown[]): unknown => {
      rec(what);
      return orig.apply(o, a);
    };
  };
  wrap(m.vty, 'reset', 'vty');
  wrap(m.xics, 'reset', 'xics');
  wrap(m.board.xive, 'reset', 'xive');
  wrap(m.board.xive, 'setActive', 'xive-mode');
  wrap(m.vof, 'reset', 'tree');
  return { m, events, dev, logs };
}

/** Leave the machine in a "previous boot" state: CAS done (XIVE chosen), interrupts pending, TCEs mapped. */
function dirty(m: SpaprMachine, dev: RecordingDevice): void {
  expect(doCas(m, casVector({ ov5: { 23: 0x40, 24: 0x40 } })).rets[0]).toBe(0); // XIVE exploitation, radix
  expect(m.board.xive.active).toBe(true);
  expect(Atomics.load(m.mem.i32, L.M_RADIX >> 2)).toBe(1);
  // Back to XICS by hand for the interrupt part (what a guest on ic-mode xics does).
  m.bql.with(() => m.board.xive.setActive(false));
  for (let i = 0; i < 4; i++) expect(rtasCall(m, T['ibm,set-xive'], [SPAPR_IRQ_PCI_LSI + i, 0, 5], 1).rets[0]).toBe(0);
  expect(hcall(m, m.cpus[0], H_CPPR, 0xff)).toBe(0);
  m.bql.with(() => dev.raise());
  expect(Atomics.load(m.cpus[0].i32, m.cpus[0].wi(L.IRQ_PENDING)), 'the fake device interrupt is pending before reset').not.toBe(0);
  expect(hcall(m, m.cpus[0], H_PUT_TCE, SPAPR_PCI_LIOBN, 0x1000, 0x2000003)).toBe(0);
  // A reservation on the second vCPU.
  m.cpus[1].u32[m.cpus[1].wi(L.RESV_LEN)] = 8;
  m.cpus[1].syncOut();
}

/** dirty() recorded the CAS switch; only the reset counts from here. */
function forget(events: Event[]): void {
  events.length = 0;
}

function expectCleanBoot(m: SpaprMachine, events: Event[], dev: RecordingDevice): void {
  const order = events.map((e) => e.what);
  // Devices first, then the interrupt controllers, then the tree (vof.reset takes it).
  expect(order).toEqual(['device', 'vty', 'xics', 'xive', 'xive-mode', 'tree']);
  // One BQL critical section: held throughout, never released and taken again.
  expect(events.every((e) => e.held)).toBe(true);
  expect(new Set(events.map((e) => e.acq)).size).toBe(1);
  // Nothing of the previous boot.
  expect(m.board.xive.active).toBe(false); // dual: XICS until the guest's CAS
  expect(Atomics.load(m.mem.i32, L.M_RADIX >> 2)).toBe(0);
  for (const c of m.cpus) {
    expect(Atomics.load(c.i32, c.wi(L.IRQ_PENDING)), `cpu ${c.index} interrupt pending`).toBe(0);
    expect(c.u32[c.wi(L.RESV_LEN)], `cpu ${c.index} reservation`).toBe(0);
  }
  for (let i = 0; i < 4; i++) {
    const r = rtasCall(m, T['ibm,get-xive'], [SPAPR_IRQ_PCI_LSI + i], 3).rets;
    expect(r[2], `LSI ${i} priority`).toBe(0xff);
  }
  expect(hcall(m, m.cpus[0], H_GET_TCE, SPAPR_PCI_LIOBN, 0x1000)).toBe(0);
  expect(sgpr(m.cpus[0], 4)).toBe(0n);
  expect(dev.cfg[0x04] & 0x07, 'command register back to power-on').toBe(0);
  // The boot vCPU at the kernel entry (client interface), the others stopped.
  expect(Atomics.load(m.mem.i32, m.cpus[0].wi(L.RUN_STATE))).toBe(L.RUN_RUNNING);
  for (const c of m.cpus.slice(1)) expect(Atomics.load(m.mem.i32, c.wi(L.RUN_STATE))).toBe(L.RUN_STOPPED);
}

/** Run the (single-thread) machine until a reset is recorded, then stop it. */
async function runUntilReset(m: SpaprMachine, events: Event[]): Promise<void> {
  const seen = events.length;
  const stopper = setInterval(() => {
    if (events.length > seen && events.some((e) => e.what === 'tree')) m.stop();
  }, 1);
  const timeout = setTimeout(() => m.stop(), 5000);
  try {
    await m.run();
  } finally {
    clearInterval(stopper);
    clearTimeout(timeout);
  }
}

describe('machine reset', () => {
  it('RTAS system-reboot: devices, then XICS and XIVE (pre-CAS mode), then the tree, in one BQL section', async () => {
    const { m, events, dev } = setup();
    dirty(m, dev);
    forget(events);
    expect(rtasCall(m, T['system-reboot'], [], 1).rets[0]).toBe(0);
    expect(events, 'the reset waits for a point outside guest code').toEqual([]);
    await runUntilReset(m, events);
    expectCleanBoot(m, events, dev);
  });

  it('requestReset (the console key, the app button) takes the same path', async () => {
    const { m, events, dev } = setup();
    dirty(m, dev);
    forget(events);
    m.requestReset();
    await runUntilReset(m, events);
    expectCleanBoot(m, events, dev);
  });

  it('lets an in-flight disk read finish before the reset, so it cannot land in the next boot', async () => {
    const disk = new NullDisk();
    disk.gate = true;
    const { m, events } = setup(1, disk);
    // A guest driver's minimum: virtio 1.0 without ACCESS_PLATFORM (DMA to physical
    // addresses), one queue, one read of a sector into DATA.
    const fn = m.phb?.slots[0];
    if (fn === null || fn === undefined) throw new Error('no virtio-blk function');
    const [DESC, AVAIL, USED, HDR, STATUS, DATA] = [0x800000, 0x801000, 0x802000, 0x803000, 0x804000, 0x805000];
    const dv = m.mem.dv;
    const R = (a: number): number => L.RAM_OFFSET + a;
    m.bql.with(() => {
      fn.writeConfig(0x04, 2, 0x0006);
      const bar = fn.bars[4];
      if (bar === null) throw new Error('no BAR 4');
      const cw = (off: number, size: 1 | 2 | 4, v: number): void => bar.handler.write(off, size, v);
      cw(0x14, 1, 3);
      cw(0x08, 4, 1);
      cw(0x0c, 4, 1); // VERSION_1
      cw(0x14, 1, 11);
      cw(0x16, 2, 0);
      cw(0x18, 2, 16);
      cw(0x20, 4, DESC);
      cw(0x28, 4, AVAIL);
      cw(0x30, 4, USED);
      cw(0x1c, 2, 1);
      cw(0x14, 1, 15);
      dv.setUint32(R(HDR), VIRTIO_BLK_T_IN, true);
      const desc = (i: number, addr: number, len: number, flags: number): void => {
        dv.setBigUint64(R(DESC + 16 * i), BigInt(addr), true);
        dv.setUint32(R(DESC + 16 * i + 8), len, true);
        dv.setUint16(R(DESC + 16 * i + 12), flags, true);
        dv.setUint16(R(DESC + 16 * i + 14), i + 1, true);
      };
      desc(0, HDR, 16, 1);
      desc(1, DATA, 512, 3);
      desc(2, STATUS, 1, 2);
      dv.setUint16(R(AVAIL + 4), 0, true);
      dv.setUint16(R(AVAIL + 2), 1, true);
      cw(NOTIFY_OFFSET, 2, 0);
    });
    expect(disk.held.length, 'the read is in flight').toBe(1);
    m.requestReset();
    const done = m.run();
    await new Promise((r) => setTimeout(r, 100));
    expect(events, 'no reset while the read is in flight').toEqual([]);
    for (const c of m.cpus) expect(Atomics.load(m.mem.i32, c.wi(L.RUN_STATE)), 'vCPUs stopped meanwhile').toBe(L.RUN_STOPPED);
    disk.release();
    for (let i = 0; i < 200 && !events.some((e) => e.what === 'tree'); i++) await new Promise((r) => setTimeout(r, 5));
    m.stop();
    await done;
    expect(events.map((e) => e.what)).toContain('tree');
    // The read finished into the old boot's RAM; the reset cleared it; nothing came later.
    expect(m.mem.u8.subarray(R(DATA), R(DATA + 512)).every((b) => b === 0)).toBe(true);
    expect(dv.getUint16(R(USED + 2), true)).toBe(0);
    expect(m.mem.u8[R(STATUS)]).toBe(0);
  });

  it('the console key Ctrl-A r asks for a reset and sends nothing to the guest', () => {
    let resets = 0;
    let quits = 0;
    const e = new EscapeFilter(() => quits++, undefined, () => resets++);
    expect(Array.from(e.filter(Uint8Array.of(0x61, 0x01, 0x72, 0x62)))).toEqual([0x61, 0x62]);
    expect(Array.from(e.filter(Uint8Array.of(0x01)))).toEqual([]);
    expect(Array.from(e.filter(Uint8Array.of(0x72, 0x72)))).toEqual([0x72]); // split across reads
    expect([resets, quits]).toEqual([2, 0]);
  });

  it('with vCPU threads: pauses them, resets once, and the boot vCPU runs again', async () => {
    const logs: string[] = [];
    const m = new SpaprMachine({
      ramBytes: 64 << 20,
      nvcpus: 2,
      kernel: tinyElf(),
      kernelName: 'tiny.elf',
      bootargs: 'console=hvc0',
      consoleOut: () => {},
      log: (l) => logs.push(l),
      disks: [new NullDisk()],
      threads: true,
    });
    const events: string[] = [];
    const orig = m.vof.reset.bind(m.vof);
    m.vof.reset = (...a: Parameters<typeof orig>) => {
      events.push(`tree held=${m.bql.held()}`);
      return orig(...a);
    };
    const done = m.run();
    await new Promise((r) => setTimeout(r, 200));
    m.requestReset();
    for (let i = 0; i < 200 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['tree held=true']);
    // Running again: the boot vCPU retires instructions (`b .`) after the reset.
    const before = m.retired();
    for (let i = 0; i < 500 && m.retired() <= before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(m.retired()).toBeGreaterThan(before);
    m.stop();
    const exit = await done;
    expect(exit.kind).toBe('poweroff');
    expect(logs.filter((l) => /error|Lock/i.test(l))).toEqual([]);
  });
});
