// virtio with VIRTIO_F_ACCESS_PLATFORM behind the sPAPR PHB: rings and buffers are bus
// addresses translated by the TCE table; an unmapped buffer is a guest error
// (NEEDS_RESET, log line), never an access outside guest RAM.
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../../emulator/cpu/layout.js';
import { BQL, IO_THREAD } from '../../../emulator/host/bql.js';
import { GuestMemory } from '../../../emulator/memory/guest-memory.js';
import { openImage } from '../../../emulator/block/open.js';
import type { BlockBackend } from '../../../emulator/block/backend.js';
import { SpaprPhb, SPAPR_PCI_MSI_WINDOW } from '../../../emulator/hw/pci/spapr-phb.js';
import { TCE_READ, TCE_WRITE } from '../../../emulator/hw/pci/spapr-tce.js';
import { VirtioPciFunction, VIRTIO_STATUS_NEEDS_RESET } from '../../../emulator/hw/pci/virtio-pci.js';
import { VirtioBlk } from '../../../emulator/hw/block/virtio-blk.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const RAM = 16 << 20;
const dir = mkdtempSync(join(tmpdir(), 'ppcbox-vio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let mem: GuestMemory;
let phb: SpaprPhb;
let fn: VirtioPciFunction;
let blk: VirtioBlk;
let backend: BlockBackend;
let logs: string[];
let pulses: number[];

// Guest real addresses and the bus addresses (IOVAs) the driver uses for them.
const REAL = 0x200000;
const IOVA = 0x10000000;
const DESC = 0x0000;
const AVAIL = 0x1000;
const USED = 0x2000;
const HDR = 0x3000;
const DATA = 0x4000;
const STATUS = 0x6000;

const R = (off: number): number => L.RAM_OFFSET + REAL + off;
const cw = (off: number, size: 1 | 2 | 4, v: number): void => fn.bars[4]?.handler.write(off, size, v);
const cr = (off: number, size: 1 | 2 | 4): number => fn.bars[4]?.handler.read(off, size) ?? -1;

beforeEach(async () => {
  mem = GuestMemory.create(RAM, 1);
  const bql = new BQL(mem, IO_THREAD);
  bql.lock();
  logs = [];
  pulses = [];
  phb = new SpaprPhb({
    mem,
    bql,
    log: (l) => logs.push(l),
    lsi: [0, 1, 2, 3].map(() => ({ set() {}, pulse() {} })),
    msi: Array.from({ length: 64 }, (_, i) => ({ set() {}, pulse: () => pulses.push(i) })),
  });
  const img = join(dir, `d${Math.random()}.raw`);
  const content = Buffer.alloc(1 << 20);
  content.fill(0x77, 0, 4096);
  writeFileSync(img, content);
  backend = await openImage(img, { noLock: true });
  blk = new VirtioBlk(backend);
  fn = new VirtioPciFunction('virtio-blk-iommu', blk, { iommuPlatform: true });
  fn.setBypass(phb.bypass);
  phb.addDevice(0, fn);
  phb.reset();
  fn.writeConfig(0x04, 2, 0x0006);
});

/** Map IOVA..IOVA+8 pages to REAL.. (read/write). */
function mapPages(n: number): void {
  for (let k = 0; k < n; k++) phb.tce.put((IOVA >> 12) + k, (REAL + k * 0x1000) | TCE_READ | TCE_WRITE, 0);
}

function bringUp(): void {
  cw(0x14, 1, 3);
  cw(0x00, 4, 1);
  expect(cr(0x04, 4) & 2).toBe(2); // ACCESS_PLATFORM offered (bit 33)
  cw(0x08, 4, 0);
  cw(0x0c, 4, 0);
  cw(0x08, 4, 1);
  cw(0x0c, 4, 3); // VERSION_1 | ACCESS_PLATFORM
  cw(0x14, 1, 11);
  expect(cr(0x14, 1) & 8).toBe(8);
  fn.writeConfig(fn.msixCap + 2, 2, 0x8000);
  fn.setMsixMessage(1, SPAPR_PCI_MSI_WINDOW, 0x1300);
  fn.bars[1]?.handler.write(16 + 12, 4, 0);
  cw(0x16, 2, 0);
  cw(0x18, 2, 8);
  cw(0x1a, 2, 1);
  cw(0x20, 4, IOVA + DESC);
  cw(0x28, 4, IOVA + AVAIL);
  cw(0x30, 4, IOVA + USED);
  cw(0x1c, 2, 1);
  cw(0x14, 1, 15);
}

function readRequest(dataIova: number): void {
  const dv = mem.dv;
  dv.setUint32(R(HDR), 0, true);
  dv.setBigUint64(R(HDR + 8), 0n, true);
  const descs: [number, number, number][] = [
    [IOVA + HDR, 16, 1],
    [dataIova, 4096, 3],
    [IOVA + STATUS, 1, 2],
  ];
  descs.forEach(([a, l, f], i) => {
    dv.setBigUint64(R(DESC + 16 * i), BigInt(a), true);
    dv.setUint32(R(DESC + 16 * i + 8), l, true);
    dv.setUint16(R(DESC + 16 * i + 12), f, true);
    dv.setUint16(R(DESC + 16 * i + 14), i + 1, true);
  });
  dv.setUint16(R(AVAIL + 4), 0, true);
  dv.setUint16(R(AVAIL + 2), 1, true);
  cw(0x3000, 2, 0);
}

describe('virtio-blk through the TCE table', () => {
  it('reads a sector into pages mapped by TCEs', async () => {
    mapPages(8);
    bringUp();
    readRequest(IOVA + DATA);
    await blk.idle();
    expect(mem.u8[R(STATUS)]).toBe(0);
    expect(mem.u8[R(DATA + 4095)]).toBe(0x77);
    expect(mem.dv.getUint16(R(USED + 2), true)).toBe(1);
    // The vector's message was not assigned by ibm,change-msi: refused and logged.
    expect(pulses).toEqual([]);
    expect(logs.some((l) => /not a message the PHB assigned/.test(l))).toBe(true);
    await backend.close();
  });

  it('a buffer in an unmapped page is a guest error, nothing written', async () => {
    mapPages(5); // DATA at +0x4000 is the fifth page; 0x5000.. is not mapped
    bringUp();
    readRequest(IOVA + DATA + 0x800); // crosses into the unmapped page
    await blk.idle();
    expect(fn.deviceStatus & VIRTIO_STATUS_NEEDS_RESET).toBe(VIRTIO_STATUS_NEEDS_RESET);
    expect(logs.some((l) => /not guest memory/.test(l))).toBe(true);
    expect(mem.u8[R(DATA + 0x800)]).toBe(0);
    await backend.close();
  });

  it('a read-only TCE refuses device writes', async () => {
    mapPages(8);
    phb.tce.put((IOVA + DATA) >> 12, (REAL + DATA) | TCE_READ, 0);
    bringUp();
    readRequest(IOVA + DATA);
    await blk.idle();
    expect(fn.deviceStatus & VIRTIO_STATUS_NEEDS_RESET).toBe(VIRTIO_STATUS_NEEDS_RESET);
    expect(mem.u8[R(DATA)]).toBe(0);
    await backend.close();
  });
});
