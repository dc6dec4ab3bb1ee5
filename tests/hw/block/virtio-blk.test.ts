// virtio-blk over the modern virtio-pci transport, driven as a guest driver would (virtio
// 1.2: status handshake, feature negotiation, split rings in guest memory, notify
// writes), against an in-memory backend. Malformed rings must end in NEEDS_RESET with a
// log line, never an exception or a hang.
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../../emulator/cpu/layout.js';
import { GuestMemory } from '../../../emulator/memory/guest-memory.js';
import { BlockError, type BlockBackend } from '../../../emulator/block/backend.js';
import { PhysDma } from '../../../emulator/hw/pci/dma.js';
import type { PciHost } from '../../../emulator/hw/pci/pci-device.js';
import {
  VirtioPciFunction,
  NOTIFY_OFFSET,
  DEVICE_OFFSET,
  VIRTIO_STATUS_ACKNOWLEDGE,
  VIRTIO_STATUS_DRIVER,
  VIRTIO_STATUS_FEATURES_OK,
  VIRTIO_STATUS_DRIVER_OK,
  VIRTIO_STATUS_NEEDS_RESET,
} from '../../../emulator/hw/pci/virtio-pci.js';
import { VirtioBlk, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES } from '../../../emulator/hw/block/virtio-blk.js';

const RAM = 16 << 20;

/** In-memory backend; each operation completes on a later tick, in the order given by `delay`. */
class MemBackend implements BlockBackend {
  readonly path = 'mem.img';
  readonly format = 'raw' as const;
  readonly data: Uint8Array;
  readonly ops: string[] = [];
  delayMs = 0;
  constructor(
    readonly size: number,
    readonly readOnly = false,
    readonly canDiscard = true,
  ) {
    this.data = new Uint8Array(size);
  }
  readonly canWriteZeroes = true;
  readonly discardGranularity = 4096;
  readv(offset: number, bufs: readonly Uint8Array[]): Promise<void> {
    return this.later(() => {
      const n = bufs.reduce((s, x) => s + x.length, 0);
      this.ops.push(`read ${offset} ${n}`);
      let at = offset;
      for (const x of bufs) {
        x.set(this.data.subarray(at, at + x.length));
        at += x.length;
      }
    });
  }
  writev(offset: number, bufs: readonly Uint8Array[]): Promise<void> {
    if (this.readOnly) return Promise.reject(new BlockError('EROFS', 'ro'));
    const copy = bufs.map((x) => x.slice());
    return this.later(() => {
      const n = copy.reduce((s, x) => s + x.length, 0);
      this.ops.push(`write ${offset} ${n}`);
      let at = offset;
      for (const x of copy) {
        this.data.set(x, at);
        at += x.length;
      }
    });
  }
  private later<T>(fn: () => T, ms = this.delayMs): Promise<T> {
    return new Promise((res) => setTimeout(() => res(fn()), ms));
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    return this.later(() => this.data.slice(offset, offset + length));
  }
  readInto(offset: number, dest: Uint8Array): Promise<void> {
    return this.later(() => {
      this.ops.push(`read ${offset} ${dest.length}`);
      dest.set(this.data.subarray(offset, offset + dest.length));
    });
  }
  write(offset: number, d: Uint8Array): Promise<void> {
    if (this.readOnly) return Promise.reject(new BlockError('EROFS', 'ro'));
    const copy = d.slice();
    return this.later(() => {
      this.ops.push(`write ${offset} ${d.length}`);
      this.data.set(copy, offset);
    });
  }
  flush(): Promise<void> {
    return this.later(() => {
      this.ops.push('flush');
    }, 0);
  }
  discard(offset: number, length: number): Promise<void> {
    return this.later(() => {
      this.ops.push(`discard ${offset} ${length}`);
      this.data.fill(0, offset, offset + length);
    });
  }
  writeZeroes(offset: number, length: number): Promise<void> {
    return this.later(() => {
      this.ops.push(`zeroes ${offset} ${length}`);
      this.data.fill(0, offset, offset + length);
    });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  readUnchecked(offset: number, dest: Uint8Array): Promise<void> {
    return this.readInto(offset, dest);
  }
}

// Guest memory layout of the test driver
const DESC = 0x10000;
const AVAIL = 0x11000;
const USED = 0x12000;
const HDR = 0x20000;
const STATUS = 0x21000;
const DATA = 0x30000;
const INDIRECT = 0x40000;
const QSIZE = 16;

let mem: GuestMemory;
let backend: MemBackend;
let blk: VirtioBlk;
let fn: VirtioPciFunction;
let msis: number[];
let logs: string[];
let intx: boolean;
let availIdx: number;
let nextDesc: number;

const dv = (): DataView => mem.dv;
const R = (a: number): number => L.RAM_OFFSET + a;

function make(b: MemBackend, opts: { serial?: string } = {}): void {
  backend = b;
  blk = new VirtioBlk(b, { serial: opts.serial });
  fn = new VirtioPciFunction('virtio-blk-test', blk);
  const host: PciHost = {
    dma: new PhysDma(mem),
    msi: (_a, d) => msis.push(d),
    setIntx: (l) => (intx = l),
    log: (l) => logs.push(l),
  };
  fn.host = host;
  fn.setBypass(host.dma);
  fn.writeConfig(0x04, 2, 0x0006);
}

const bar4 = (): NonNullable<(typeof fn.bars)[number]> => {
  const b = fn.bars[4];
  if (b === null) throw new Error('no BAR 4');
  return b;
};
const cw = (off: number, size: 1 | 2 | 4, v: number): void => bar4().handler.write(off, size, v);
const cr = (off: number, size: 1 | 2 | 4): number => bar4().handler.read(off, size);

/** Status handshake and feature negotiation; returns the status read back. */
function negotiate(lo: number, hi = 1): number {
  cw(0x14, 1, 0);
  cw(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  cw(0x08, 4, 0);
  cw(0x0c, 4, lo);
  cw(0x08, 4, 1);
  cw(0x0c, 4, hi);
  cw(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
  return cr(0x14, 1);
}

function deviceFeatures(): [number, number] {
  cw(0x00, 4, 0);
  const lo = cr(0x04, 4);
  cw(0x00, 4, 1);
  return [lo, cr(0x04, 4)];
}

/** Bring the device up with MSI-X (config vector 0, queue vector 1). */
function setup(featuresLo = deviceFeatures()[0]): void {
  expect(negotiate(featuresLo) & VIRTIO_STATUS_FEATURES_OK).toBe(VIRTIO_STATUS_FEATURES_OK);
  const cap = fn.msixCap;
  fn.writeConfig(cap + 2, 2, 0x8000);
  for (let v = 0; v < 2; v++) {
    fn.setMsixMessage(v, 0x40000000000, 100 + v);
    fn.bars[1]?.handler.write(v * 16 + 12, 4, 0);
  }
  cw(0x10, 2, 0);
  expect(cr(0x10, 2)).toBe(0);
  cw(0x16, 2, 0);
  expect(cr(0x18, 2)).toBe(256);
  cw(0x18, 2, QSIZE);
  cw(0x1a, 2, 1);
  expect(cr(0x1a, 2)).toBe(1);
  cw(0x20, 4, DESC);
  cw(0x24, 4, 0);
  cw(0x28, 4, AVAIL);
  cw(0x2c, 4, 0);
  cw(0x30, 4, USED);
  cw(0x34, 4, 0);
  cw(0x1c, 2, 1);
  expect(cr(0x1c, 2)).toBe(1);
  cw(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

function desc(i: number, addr: number, len: number, flags: number, next: number, table = DESC): void {
  const o = R(table + 16 * i);
  dv().setBigUint64(o, BigInt(addr), true);
  dv().setUint32(o + 8, len, true);
  dv().setUint16(o + 12, flags, true);
  dv().setUint16(o + 14, next, true);
}

function header(type: number, sector: number): void {
  dv().setUint32(R(HDR), type, true);
  dv().setUint32(R(HDR + 4), 0, true);
  dv().setBigUint64(R(HDR + 8), BigInt(sector), true);
}

/** Put a chain of (addr, len, write) buffers in the ring and notify. Returns its head. */
function submit(bufs: [number, number, boolean][], notify = true): number {
  const head = nextDesc;
  bufs.forEach(([a, l, w], k) => {
    const i = (head + k) % QSIZE;
    desc(i, a, l, (w ? 2 : 0) | (k < bufs.length - 1 ? 1 : 0), (i + 1) % QSIZE);
  });
  nextDesc = (nextDesc + bufs.length) % QSIZE;
  publish(head, notify);
  return head;
}

function publish(head: number, notify = true): void {
  dv().setUint16(R(AVAIL + 4 + 2 * (availIdx % QSIZE)), head, true);
  availIdx = (availIdx + 1) & 0xffff;
  dv().setUint16(R(AVAIL + 2), availIdx, true);
  if (notify) cw(NOTIFY_OFFSET, 2, 0);
}

const usedIdx = (): number => dv().getUint16(R(USED + 2), true);
const usedElem = (n: number): [number, number] => [dv().getUint32(R(USED + 4 + 8 * n), true), dv().getUint32(R(USED + 8 + 8 * n), true)];
const statusByte = (): number => mem.u8[R(STATUS)];

beforeEach(() => {
  mem = GuestMemory.create(RAM, 1);
  msis = [];
  logs = [];
  intx = false;
  availIdx = 0;
  nextDesc = 0;
});

describe('virtio-pci transport', () => {
  it('offers VERSION_1, ring features and the block features; refuses what it did not offer', () => {
    make(new MemBackend(1 << 20));
    const [lo, hi] = deviceFeatures();
    expect(hi & 1).toBe(1); // VERSION_1
    expect((lo >>> 28) & 3).toBe(3); // INDIRECT_DESC, EVENT_IDX
    expect(lo & (1 << 9)).not.toBe(0); // FLUSH
    expect(lo & (1 << 5)).toBe(0); // not RO
    expect(negotiate(lo | (1 << 7)) & VIRTIO_STATUS_FEATURES_OK).toBe(0); // bit 7 was not offered
    expect(negotiate(lo, 0) & VIRTIO_STATUS_FEATURES_OK).toBe(0); // no VERSION_1
    expect(negotiate(lo) & VIRTIO_STATUS_FEATURES_OK).toBe(VIRTIO_STATUS_FEATURES_OK);
    // Capacity in 512-byte sectors, blk_size, seg_max.
    expect(cr(DEVICE_OFFSET, 4)).toBe(2048);
    expect(cr(DEVICE_OFFSET + 20, 4)).toBe(512);
    expect(cr(DEVICE_OFFSET + 12, 4)).toBe(254);
    // A vector the table does not have reads back as NO_VECTOR.
    cw(0x10, 2, 7);
    expect(cr(0x10, 2)).toBe(0xffff);
  });

  it('reaches the BARs through the VIRTIO_PCI_CAP_PCI_CFG window', () => {
    make(new MemBackend(1 << 20));
    let c = fn.cfg[0x34];
    while (c !== 0 && !(fn.cfg[c] === 0x09 && fn.cfg[c + 3] === 5)) c = fn.cfg[c + 1];
    expect(c).not.toBe(0);
    fn.writeConfig(c + 4, 1, 4);
    fn.writeConfig(c + 8, 4, 0x2000); // device config: capacity
    fn.writeConfig(c + 12, 4, 4);
    expect(fn.readConfig(c + 16, 4)).toBe(2048);
    fn.writeConfig(c + 8, 4, 0x14); // device status
    fn.writeConfig(c + 12, 4, 1);
    fn.writeConfig(c + 16, 1, 1);
    expect(cr(0x14, 1)).toBe(1);
    // A length the window does not allow does nothing.
    fn.writeConfig(c + 12, 4, 3);
    fn.writeConfig(c + 16, 4, 0);
    expect(cr(0x14, 1)).toBe(1);
  });

  it('uses INTx and the ISR when MSI-X is off', async () => {
    make(new MemBackend(1 << 20));
    expect(negotiate(deviceFeatures()[0]) & 8).toBe(8);
    cw(0x16, 2, 0);
    cw(0x18, 2, QSIZE);
    cw(0x20, 4, DESC);
    cw(0x28, 4, AVAIL);
    cw(0x30, 4, USED);
    cw(0x1c, 2, 1);
    cw(0x14, 1, 15);
    header(VIRTIO_BLK_T_GET_ID, 0);
    submit([[HDR, 16, false], [DATA, 20, true], [STATUS, 1, true]]);
    await blk.idle();
    expect(intx).toBe(true);
    expect(cr(0x1000, 1)).toBe(1);
    expect(intx).toBe(false);
    expect(cr(0x1000, 1)).toBe(0);
  });
});

describe('virtio-blk requests', () => {
  it('writes and reads back sectors, scattered over several buffers', async () => {
    make(new MemBackend(1 << 20));
    setup();
    for (let i = 0; i < 1024; i++) mem.u8[R(DATA + i)] = (i * 7) & 0xff;
    header(VIRTIO_BLK_T_OUT, 3);
    submit([[HDR, 16, false], [DATA, 512, false], [DATA + 0x2000, 0, false], [DATA + 512, 512, false], [STATUS, 1, true]]);
    await blk.idle();
    expect(statusByte()).toBe(0);
    expect(usedIdx()).toBe(1);
    expect(usedElem(0)).toEqual([0, 1]);
    expect(backend.data[3 * 512 + 5]).toBe(35);
    expect(msis).toEqual([101]);
    header(VIRTIO_BLK_T_IN, 3);
    mem.u8.fill(0, R(0x50000), R(0x50000 + 1024));
    submit([[HDR, 16, false], [0x50000, 700, true], [0x50000 + 700, 324, true], [STATUS, 1, true]]);
    await blk.idle();
    expect(statusByte()).toBe(0);
    expect(usedElem(1)[1]).toBe(1025);
    for (let i = 0; i < 1024; i++) expect(mem.u8[R(0x50000 + i)]).toBe((i * 7) & 0xff);
  });

  it('answers IOERR beyond the end and for unaligned lengths, UNSUPP for unknown types', async () => {
    make(new MemBackend(1 << 20));
    setup();
    header(VIRTIO_BLK_T_IN, 2047);
    submit([[HDR, 16, false], [DATA, 1024, true], [STATUS, 1, true]]);
    await blk.idle();
    expect(statusByte()).toBe(1);
    header(VIRTIO_BLK_T_IN, 0);
    submit([[HDR, 16, false], [DATA, 100, true], [STATUS, 1, true]]);
    await blk.idle();
    expect(statusByte()).toBe(1);
    header(99, 0);
    submit([[HDR, 16, false], [STATUS, 1, true]]);
    await blk.idle();
    expect(statusByte()).toBe(2);
    expect(usedIdx()).toBe(3);
    expect(fn.deviceStatus & VIRTIO_STATUS_NEEDS_RESET).toBe(0);
  });

  it('a read-only image offers RO and fails writes with IOERR, file untouched', async () => {
    const b = new MemBackend(1 << 20, true, false);
    make(b);
    const [lo] = deviceFeatures();
    expect(lo & (1 << 5)).not.toBe(0);
    expect(lo & ((1 << 13) | (1 << 14))).toBe(0);
    setup();
    header(VIRTIO_BLK_T_OUT, 0);
    mem.u8.fill(0xaa, R(DATA), R(DATA + 512));
    submit([[HDR, 16, false], [DATA, 512, false], [STATUS, 1, true]]);
    await blk.idle();
    expect(statusByte()).toBe(1);
    expect(b.data.every((x) => x === 0)).toBe(true);
    expect(b.ops).toEqual([]);
  });

  it('a flush completes after the writes submitted before it and after the backend flush', async () => {
    const b = new MemBackend(1 << 20);
    b.delayMs = 30;
    make(b);
    setup();
    header(VIRTIO_BLK_T_OUT, 0);
    submit([[HDR, 16, false], [DATA, 4096, false], [STATUS, 1, true]]);
    // Second request with its own header and status so both can be in flight.
    dv().setUint32(R(HDR + 0x100), VIRTIO_BLK_T_FLUSH, true);
    dv().setBigUint64(R(HDR + 0x108), 0n, true);
    submit([[HDR + 0x100, 16, false], [STATUS + 1, 1, true]]);
    await blk.idle();
    expect(b.ops).toEqual(['write 0 4096', 'flush']);
    expect(usedElem(0)[0]).toBe(0); // the write finished first
    expect(usedElem(1)[0]).toBe(3);
    expect(mem.u8[R(STATUS + 1)]).toBe(0);
  });

  it('GET_ID returns the serial (20 bytes, zero padded)', async () => {
    make(new MemBackend(1 << 20), { serial: 'PPCBOX-DISK-0' });
    setup();
    header(VIRTIO_BLK_T_GET_ID, 0);
    mem.u8.fill(0xff, R(DATA), R(DATA + 20));
    submit([[HDR, 16, false], [DATA, 20, true], [STATUS, 1, true]]);
    await blk.idle();
    expect(statusByte()).toBe(0);
    expect(new TextDecoder().decode(mem.u8.slice(R(DATA), R(DATA + 13)))).toBe('PPCBOX-DISK-0');
    expect(mem.u8[R(DATA + 13)]).toBe(0);
  });

  it('discard and write zeroes with one segment', async () => {
    const b = new MemBackend(1 << 20);
    b.data.fill(0x55);
    make(b);
    setup();
    const seg = (sector: number, n: number, flags: number): void => {
      dv().setBigUint64(R(DATA), BigInt(sector), true);
      dv().setUint32(R(DATA + 8), n, true);
      dv().setUint32(R(DATA + 12), flags, true);
    };
    header(VIRTIO_BLK_T_WRITE_ZEROES, 0);
    seg(4, 2, 0);
    submit([[HDR, 16, false], [DATA, 16, false], [STATUS, 1, true]]);
    await blk.idle();
    expect(statusByte()).toBe(0);
    expect(b.data[4 * 512]).toBe(0);
    expect(b.data[6 * 512]).toBe(0x55);
    header(VIRTIO_BLK_T_DISCARD, 0);
    seg(2047, 2, 0); // past the end
    submit([[HDR, 16, false], [DATA, 16, false], [STATUS, 1, true]]);
    await blk.idle();
    expect(statusByte()).toBe(1);
    expect(b.ops).toEqual(['zeroes 2048 1024']);
  });

  it('indirect descriptors when negotiated', async () => {
    const b = new MemBackend(1 << 20);
    b.data.fill(0x42, 0, 512);
    make(b);
    setup();
    header(VIRTIO_BLK_T_IN, 0);
    desc(0, HDR, 16, 1, 1, INDIRECT);
    desc(1, DATA, 512, 3, 2, INDIRECT);
    desc(2, STATUS, 1, 2, 0, INDIRECT);
    desc(0, INDIRECT, 48, 4, 0);
    publish(0);
    await blk.idle();
    expect(statusByte()).toBe(0);
    expect(mem.u8[R(DATA + 511)]).toBe(0x42);
  });

  it('event index: no interrupt until the used index passes used_event', async () => {
    make(new MemBackend(1 << 20));
    setup();
    header(VIRTIO_BLK_T_GET_ID, 0);
    submit([[HDR, 16, false], [DATA, 20, true], [STATUS, 1, true]]);
    await blk.idle();
    expect(msis).toEqual([101]); // the first is always signalled
    // avail_event tells the driver where to notify next.
    expect(dv().getUint16(R(USED + 4 + 8 * QSIZE), true)).toBe(1);
    dv().setUint16(R(AVAIL + 4 + 2 * QSIZE), 2, true); // used_event: interrupt after 3 used
    submit([[HDR, 16, false], [DATA, 20, true], [STATUS, 1, true]]);
    await blk.idle();
    expect(msis).toEqual([101]);
    submit([[HDR, 16, false], [DATA, 20, true], [STATUS, 1, true]]);
    await blk.idle();
    expect(msis).toEqual([101, 101]);
  });
});

describe('malformed rings put the device in NEEDS_RESET', () => {
  async function expectNeedsReset(fnSubmit: () => void, why: RegExp): Promise<void> {
    make(new MemBackend(1 << 20));
    setup();
    fnSubmit();
    await blk.idle();
    expect(fn.deviceStatus & VIRTIO_STATUS_NEEDS_RESET).toBe(VIRTIO_STATUS_NEEDS_RESET);
    expect(msis).toContain(100); // configuration-change vector
    expect(logs.some((l) => why.test(l))).toBe(true);
    // Further notifications do nothing; a device reset brings it back.
    const before = usedIdx();
    cw(NOTIFY_OFFSET, 2, 0);
    await blk.idle();
    expect(usedIdx()).toBe(before);
    cw(0x14, 1, 0);
    expect(cr(0x14, 1)).toBe(0);
    availIdx = 0;
    nextDesc = 0;
    dv().setUint16(R(AVAIL + 2), 0, true);
    dv().setUint16(R(USED + 2), 0, true);
    setup();
    header(VIRTIO_BLK_T_GET_ID, 0);
    submit([[HDR, 16, false], [DATA, 20, true], [STATUS, 1, true]]);
    await blk.idle();
    expect(usedIdx()).toBe(1);
    expect(statusByte()).toBe(0);
  }

  it('a descriptor loop', async () => {
    await expectNeedsReset(() => {
      desc(0, HDR, 16, 1, 1);
      desc(1, DATA, 16, 1, 0);
      publish(0);
    }, /loops/);
  });

  it('a head index beyond the queue', async () => {
    await expectNeedsReset(() => publish(QSIZE + 3), /head descriptor/);
  });

  it('a next index beyond the queue', async () => {
    await expectNeedsReset(() => {
      desc(0, HDR, 16, 1, 200);
      publish(0);
    }, /next descriptor/);
  });

  it('a buffer outside guest RAM', async () => {
    await expectNeedsReset(() => {
      header(VIRTIO_BLK_T_IN, 0);
      submit([[HDR, 16, false], [RAM - 256, 512, true], [STATUS, 1, true]]);
    }, /not guest memory/);
  });

  it('an available index that jumps past the queue size', async () => {
    await expectNeedsReset(() => {
      dv().setUint16(R(AVAIL + 2), 40, true);
      cw(NOTIFY_OFFSET, 2, 0);
    }, /available index/);
  });

  it('a readable buffer after a writable one', async () => {
    await expectNeedsReset(() => {
      header(VIRTIO_BLK_T_IN, 0);
      submit([[HDR, 16, false], [STATUS, 1, true], [DATA, 512, false]]);
    }, /readable descriptor after/);
  });

  it('a request with no room for the status byte', async () => {
    await expectNeedsReset(() => {
      header(VIRTIO_BLK_T_IN, 0);
      submit([[HDR, 16, false]]);
    }, /status byte/);
  });

  it('nested indirect tables and bad indirect lengths', async () => {
    await expectNeedsReset(() => {
      desc(0, INDIRECT + 0x100, 16, 4, 0, INDIRECT);
      desc(0, INDIRECT, 16, 4, 0);
      publish(0);
    }, /nested indirect/);
    await expectNeedsReset(() => {
      desc(0, INDIRECT, 20, 4, 0);
      publish(0);
    }, /indirect table length/);
  });

  it('indirect descriptors when not negotiated', async () => {
    make(new MemBackend(1 << 20));
    setup(deviceFeatures()[0] & ~(1 << 28));
    desc(0, INDIRECT, 48, 4, 0);
    publish(0);
    await blk.idle();
    expect(fn.deviceStatus & VIRTIO_STATUS_NEEDS_RESET).toBe(VIRTIO_STATUS_NEEDS_RESET);
    expect(logs.some((l) => /without VIRTIO_F_INDIRECT_DESC/.test(l))).toBe(true);
  });

  it('a queue whose rings lie outside RAM is refused at enable', () => {
    make(new MemBackend(1 << 20));
    expect(negotiate(deviceFeatures()[0]) & 8).toBe(8);
    cw(0x16, 2, 0);
    cw(0x18, 2, QSIZE);
    cw(0x20, 4, RAM - 16);
    cw(0x28, 4, AVAIL);
    cw(0x30, 4, USED);
    cw(0x1c, 2, 1);
    expect(cr(0x1c, 2)).toBe(0);
    expect(fn.deviceStatus & VIRTIO_STATUS_NEEDS_RESET).toBe(VIRTIO_STATUS_NEEDS_RESET);
  });
});

describe('snapshots', () => {
  it('saves transport and queue state; a request in flight at save is submitted again on load', async () => {
    const b = new MemBackend(1 << 20);
    b.data.fill(0x33, 0, 512);
    b.delayMs = 20;
    make(b);
    setup();
    header(VIRTIO_BLK_T_IN, 0);
    submit([[HDR, 16, false], [DATA, 512, true], [STATUS, 1, true]]);
    const st = JSON.parse(JSON.stringify(fn.save())) as unknown;
    await blk.idle();
    expect(usedIdx()).toBe(1);
    // Back to the moment of the save: guest memory as it was (request not completed).
    dv().setUint16(R(USED + 2), 0, true);
    mem.u8.fill(0, R(DATA), R(DATA + 512));
    mem.u8[R(STATUS)] = 0xff;
    const oldMsis = msis.length;
    make(b);
    fn.load(st);
    expect(fn.deviceStatus).toBe(15);
    await blk.idle();
    expect(usedIdx()).toBe(1);
    expect(statusByte()).toBe(0);
    expect(mem.u8[R(DATA + 100)]).toBe(0x33);
    expect(msis.length).toBe(oldMsis + 1);
    // The restored device goes on serving new requests.
    header(VIRTIO_BLK_T_GET_ID, 0);
    submit([[HDR, 16, false], [DATA, 20, true], [STATUS, 1, true]]);
    await blk.idle();
    expect(usedIdx()).toBe(2);
  });
});
