// XIVE in sPAPR exploitation mode, worked from LoPAPR's H_INT_* definitions and the XIVE
// ESB/TIMA rules (PQ: trigger 00->10 forwards, 10->11 queues; EOI 10->00, 11->10
// forwards again; 01 is off. Queue entries: generation bit << 31 | EISN, the generation
// starting at 1 and flipping at each wrap. The OS ring's PIPR is presented only while it
// is more favoured, i.e. numerically lower, than CPPR).
import { beforeEach, describe, expect, it } from 'vitest';
import { GuestMemory } from '../../../emulator/memory/guest-memory.js';
import { SharedRegions } from '../../../emulator/memory/shared-regions.js';
import { BQL, IO_THREAD } from '../../../emulator/host/bql.js';
import { Cpu } from '../../../emulator/cpu/cpu.js';
import * as L from '../../../emulator/cpu/layout.js';
import {
  HcallTable,
  H_SUCCESS,
  H_FUNCTION,
  H_PARAMETER,
  H_P2,
  H_P3,
  H_P4,
  H_P5,
  H_INT_GET_SOURCE_INFO,
  H_INT_SET_SOURCE_CONFIG,
  H_INT_GET_SOURCE_CONFIG,
  H_INT_GET_QUEUE_INFO,
  H_INT_SET_QUEUE_CONFIG,
  H_INT_GET_QUEUE_CONFIG,
  H_INT_SET_OS_REPORTING_LINE,
  H_INT_GET_OS_REPORTING_LINE,
  H_INT_ESB,
  H_INT_SYNC,
  H_INT_RESET,
} from '../../../emulator/machine/spapr/hcall.js';
import { Xive, XIVE_VC_BASE, XIVE_TM_BASE } from '../../../emulator/hw/intc/xive.js';
import type { IrqLine } from '../../../emulator/hw/irq.js';

const RAM = 64 << 20;
const NVCPUS = 2;
let mem: GuestMemory;
let bql: BQL;
let xive: Xive;
let cpu: Cpu;
let hcalls: HcallTable;
let logs: string[];

const pending = (v: number): boolean => (Atomics.load(mem.i32, (L.vcpuBlockOffset(v) + L.IRQ_PENDING) >> 2) & L.IRQ_EXTERNAL) !== 0;

/** A hypercall as the guest makes it; returns [status, r4, r5, r6, r7]. */
function hcall(op: number, ...args: (number | bigint)[]): [number, ...bigint[]] {
  cpu.setGPR(3, BigInt(op));
  for (let i = 0; i < 9; i++) cpu.setGPR(4 + i, BigInt.asUintN(64, BigInt(args[i] ?? 0)));
  hcalls.dispatch(cpu);
  return [Number(BigInt.asIntN(64, cpu.gpr(3))), cpu.gpr(4), cpu.gpr(5), cpu.gpr(6), cpu.gpr(7)];
}

// ESB pages of a LISN: trigger page, then management page 64 KiB later.
const trig = (lisn: number): number => lisn * 0x20000;
const mgmt = (lisn: number): number => lisn * 0x20000 + 0x10000;

/** A 64-bit big-endian ESB load as the CPU splits it: two 32-bit halves. */
function esbLoad64(lisn: number, op: number): number {
  const hi = xive.esbRegion.read(mgmt(lisn) + op, 4);
  const lo = xive.esbRegion.read(mgmt(lisn) + op + 4, 4);
  expect(hi).toBe(0);
  return bswap32(lo);
}

function esbStore64(off: number): void {
  xive.esbRegion.write(off, 4, 0);
  xive.esbRegion.write(off + 4, 4, 0);
}

function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** ACK as Linux does (16-bit big-endian load at TIMA OS page + 0x810): [NSR, CPPR]. */
function ack(vcpu: number): [number, number] {
  const v = xive.timaRegion.read(2 * 0x10000 + 0x810, 2, vcpu); // bytes NSR, CPPR as LE value
  return [v & 0xff, v >>> 8];
}

function setCppr(vcpu: number, cppr: number): void {
  xive.timaRegion.write(2 * 0x10000 + 0x11, 1, cppr, vcpu);
}

const QPAGE = 0x100000;

/** Route `lisn` to vcpu/prio with EISN `eisn` and a 4 KiB queue at `q`. */
function route(lisn: number, vcpu: number, prio: number, eisn: number, q = QPAGE + vcpu * 0x10000): void {
  expect(hcall(H_INT_SET_QUEUE_CONFIG, 1, vcpu, prio, q, 12)[0]).toBe(H_SUCCESS);
  expect(hcall(H_INT_SET_SOURCE_CONFIG, 2, lisn, vcpu, prio, eisn)[0]).toBe(H_SUCCESS);
}

const qword = (addr: number): number => mem.dv.getUint32(L.RAM_OFFSET + addr, false);

let vtyLine: IrqLine;
let lsiLine: IrqLine;

beforeEach(() => {
  mem = GuestMemory.create(RAM, NVCPUS);
  bql = new BQL(mem, IO_THREAD);
  logs = [];
  xive = new Xive(mem, new SharedRegions(), bql, NVCPUS);
  xive.log = (l) => logs.push(l);
  vtyLine = xive.claim(0x1100, false);
  lsiLine = xive.claim(0x1200, true);
  cpu = new Cpu(mem, 0);
  hcalls = new HcallTable(bql);
  xive.registerHcalls(hcalls);
  bql.lock();
  xive.reset();
  xive.setActive(true);
});

describe('XIVE hypercalls', () => {
  it('answer H_FUNCTION until the guest negotiated XIVE', () => {
    xive.setActive(false);
    for (const op of [H_INT_GET_SOURCE_INFO, H_INT_SET_SOURCE_CONFIG, H_INT_GET_SOURCE_CONFIG, H_INT_GET_QUEUE_INFO, H_INT_SET_QUEUE_CONFIG, H_INT_GET_QUEUE_CONFIG, H_INT_ESB, H_INT_SYNC, H_INT_RESET]) {
      expect(hcall(op, 0, 0x1100, 0, 0)[0]).toBe(H_FUNCTION);
    }
  });

  it('report a source: ESB trigger and management pages of 64 KiB, LSI flag', () => {
    const [st, flags, eoiPage, trigPage, shift] = hcall(H_INT_GET_SOURCE_INFO, 0, 0x1100);
    expect(st).toBe(H_SUCCESS);
    expect(flags).toBe(0n);
    expect(trigPage).toBe(BigInt(XIVE_VC_BASE + 0x1100 * 0x20000));
    expect(eoiPage).toBe(BigInt(XIVE_VC_BASE + 0x1100 * 0x20000 + 0x10000));
    expect(shift).toBe(16n);
    // LSI (PPC bit 61), managed through H_INT_ESB (bit 60) as QEMU does: no page addresses.
    expect(hcall(H_INT_GET_SOURCE_INFO, 0, 0x1200).slice(0, 4)).toEqual([H_SUCCESS, 0xcn, 0xffffffffffffffffn, 0xffffffffffffffffn]);
    expect(hcall(H_INT_GET_SOURCE_INFO, 0, 1)[0]).toBe(H_SUCCESS); // the IPI of vCPU 1
  });

  it('reject bad arguments with PAPR codes', () => {
    expect(hcall(H_INT_GET_SOURCE_INFO, 1, 0x1100)[0]).toBe(H_PARAMETER);
    expect(hcall(H_INT_GET_SOURCE_INFO, 1n << 40n, 0x1100)[0]).toBe(H_PARAMETER);
    expect(hcall(H_INT_GET_SOURCE_INFO, 0, NVCPUS)[0]).toBe(H_P2); // no such IPI
    expect(hcall(H_INT_GET_SOURCE_INFO, 0, 0x1101)[0]).toBe(H_P2); // unclaimed
    expect(hcall(H_INT_GET_SOURCE_INFO, 0, 0x2000)[0]).toBe(H_P2); // beyond the controller
    expect(hcall(H_INT_GET_SOURCE_INFO, 0, -1n)[0]).toBe(H_P2);
    expect(hcall(H_INT_SET_SOURCE_CONFIG, 4, 0x1100, 0, 6, 0)[0]).toBe(H_PARAMETER);
    expect(hcall(H_INT_SET_SOURCE_CONFIG, 0, 0x1101, 0, 6, 0)[0]).toBe(H_P2);
    expect(hcall(H_INT_SET_SOURCE_CONFIG, 0, 0x1100, NVCPUS, 6, 0)[0]).toBe(H_P3);
    expect(hcall(H_INT_SET_SOURCE_CONFIG, 0, 0x1100, 0, 7, 0)[0]).toBe(H_P4); // reserved
    expect(hcall(H_INT_GET_SOURCE_CONFIG, 1, 0x1100)[0]).toBe(H_PARAMETER);
    expect(hcall(H_INT_GET_SOURCE_CONFIG, 0, 0x1101)[0]).toBe(H_P2);
    expect(hcall(H_INT_GET_QUEUE_INFO, 1, 0, 6)[0]).toBe(H_PARAMETER);
    expect(hcall(H_INT_GET_QUEUE_INFO, 0, NVCPUS, 6)[0]).toBe(H_P2);
    expect(hcall(H_INT_GET_QUEUE_INFO, 0, 0, 7)[0]).toBe(H_P3);
    expect(hcall(H_INT_SET_QUEUE_CONFIG, 2, 0, 6, QPAGE, 12)[0]).toBe(H_PARAMETER);
    expect(hcall(H_INT_SET_QUEUE_CONFIG, 0, NVCPUS, 6, QPAGE, 12)[0]).toBe(H_P2);
    expect(hcall(H_INT_SET_QUEUE_CONFIG, 0, 0, 7, QPAGE, 12)[0]).toBe(H_P3);
    expect(hcall(H_INT_SET_QUEUE_CONFIG, 0, 0, 6, QPAGE + 0x800, 12)[0]).toBe(H_P4); // misaligned
    expect(hcall(H_INT_SET_QUEUE_CONFIG, 0, 0, 6, RAM, 16)[0]).toBe(H_P4); // outside RAM
    expect(hcall(H_INT_SET_QUEUE_CONFIG, 0, 0, 6, QPAGE, 13)[0]).toBe(H_P5); // not an EQ size
    expect(hcall(H_INT_GET_QUEUE_CONFIG, 2, 0, 6)[0]).toBe(H_PARAMETER);
    expect(hcall(H_INT_GET_QUEUE_CONFIG, 0, NVCPUS, 6)[0]).toBe(H_P2);
    expect(hcall(H_INT_GET_QUEUE_CONFIG, 0, 0, 7)[0]).toBe(H_P3);
    expect(hcall(H_INT_ESB, 2, 0x1100, 0x800, 0)[0]).toBe(H_PARAMETER);
    expect(hcall(H_INT_ESB, 0, 0x1101, 0x800, 0)[0]).toBe(H_P2);
    expect(hcall(H_INT_ESB, 0, 0x1100, 0x10000, 0)[0]).toBe(H_P3);
    expect(hcall(H_INT_SYNC, 1, 0x1100)[0]).toBe(H_PARAMETER);
    expect(hcall(H_INT_SYNC, 0, 0x1101)[0]).toBe(H_P2);
    expect(hcall(H_INT_SYNC, 0, 0x1100)[0]).toBe(H_SUCCESS);
    expect(hcall(H_INT_RESET, 1)[0]).toBe(H_PARAMETER);
    // Reporting lines are not offered (as QEMU).
    expect(hcall(H_INT_SET_OS_REPORTING_LINE, 0, QPAGE)[0]).toBe(H_FUNCTION);
    expect(hcall(H_INT_GET_OS_REPORTING_LINE, 0, 0, QPAGE)[0]).toBe(H_FUNCTION);
  });

  it('configure sources and queues and read the configuration back', () => {
    route(0x1100, 1, 6, 0x55);
    expect(hcall(H_INT_GET_SOURCE_CONFIG, 0, 0x1100).slice(0, 4)).toEqual([H_SUCCESS, 1n, 6n, 0x55n]);
    // The mask flag keeps the routing but reports priority 0xff.
    expect(hcall(H_INT_SET_SOURCE_CONFIG, 1, 0x1100, 1, 6, 0)[0]).toBe(H_SUCCESS);
    expect(hcall(H_INT_GET_SOURCE_CONFIG, 0, 0x1100).slice(0, 4)).toEqual([H_SUCCESS, 1n, 0xffn, 0x55n]);
    // Priority 0xff resets the EAS.
    expect(hcall(H_INT_SET_SOURCE_CONFIG, 0, 0x1100, 1, 0xff, 0)[0]).toBe(H_SUCCESS);
    expect(hcall(H_INT_GET_SOURCE_CONFIG, 0, 0x1100).slice(0, 4)).toEqual([H_SUCCESS, 0n, 0xffn, 0n]);
    expect(hcall(H_INT_GET_QUEUE_CONFIG, 0, 1, 6).slice(0, 5)).toEqual([H_SUCCESS, 1n, BigInt(QPAGE + 0x10000), 12n, 0n]);
    // Debug flag: generation bit (PPC bit 62) and the offset counter.
    expect(hcall(H_INT_GET_QUEUE_CONFIG, 1, 1, 6).slice(0, 5)).toEqual([H_SUCCESS, 3n, BigInt(QPAGE + 0x10000), 12n, 0n]);
    const [st, , size] = hcall(H_INT_GET_QUEUE_INFO, 0, 1, 6);
    expect([st, size]).toEqual([H_SUCCESS, 12n]);
    // Size 0 removes the queue.
    expect(hcall(H_INT_SET_QUEUE_CONFIG, 0, 1, 6, 0, 0)[0]).toBe(H_SUCCESS);
    expect(hcall(H_INT_GET_QUEUE_CONFIG, 0, 1, 6).slice(0, 4)).toEqual([H_SUCCESS, 0n, 0n, 0n]);
    expect(hcall(H_INT_GET_QUEUE_INFO, 0, 1, 6)[2]).toBe(0n);
  });

  it('H_INT_RESET masks every source and drops the queues', () => {
    route(0x1100, 0, 6, 0x55);
    esbLoad64(0x1100, 0xc00); // PQ 00: open
    expect(hcall(H_INT_RESET, 0)[0]).toBe(H_SUCCESS);
    expect(hcall(H_INT_GET_SOURCE_CONFIG, 0, 0x1100).slice(0, 4)).toEqual([H_SUCCESS, 0n, 0xffn, 0n]);
    expect(hcall(H_INT_GET_QUEUE_CONFIG, 0, 0, 6)[3]).toBe(0n);
    expect(esbLoad64(0x1100, 0x800)).toBe(1); // PQ back to 01 (off)
  });
});

describe('XIVE ESB (PQ state machine)', () => {
  it('starts off (01); SET_PQ loads return the old state', () => {
    expect(esbLoad64(0x1100, 0x800)).toBe(1);
    expect(esbLoad64(0x1100, 0xc00)).toBe(1); // set 00, old 01
    expect(esbLoad64(0x1100, 0xe00)).toBe(0); // set 10, old 00
    expect(esbLoad64(0x1100, 0xf00)).toBe(2); // set 11, old 10
    expect(esbLoad64(0x1100, 0xd00)).toBe(3); // set 01, old 11
    expect(esbLoad64(0x1100, 0x800)).toBe(1);
  });

  it('trigger: 00 -> 10 forwards one event, 10 -> 11 coalesces, EOI 11 -> 10 forwards again', () => {
    route(0x1100, 0, 6, 0x1100);
    setCppr(0, 0xff);
    esbLoad64(0x1100, 0xc00);
    vtyLine.pulse();
    expect(esbLoad64(0x1100, 0x800)).toBe(2);
    expect(qword(QPAGE)).toBe(0x80001100);
    vtyLine.pulse(); // while pending: only Q is set
    expect(esbLoad64(0x1100, 0x800)).toBe(3);
    expect(qword(QPAGE + 4)).toBe(0);
    // Linux's EOI: SET_PQ_00 returns 11, so it re-triggers through the trigger page.
    expect(esbLoad64(0x1100, 0xc00)).toBe(3);
    esbStore64(trig(0x1100));
    expect(esbLoad64(0x1100, 0x800)).toBe(2);
    expect(qword(QPAGE + 4)).toBe(0x80001100);
    // EOI load: 10 -> 00, nothing forwarded (answers 0); 11 -> 10 forwards (answers 1).
    expect(esbLoad64(0x1100, 0x000)).toBe(0);
    expect(esbLoad64(0x1100, 0x800)).toBe(0);
    esbLoad64(0x1100, 0xf00);
    expect(esbLoad64(0x1100, 0x000)).toBe(1);
    expect(esbLoad64(0x1100, 0x800)).toBe(2);
    expect(qword(QPAGE + 8)).toBe(0x80001100);
  });

  it('a masked source (PQ 01) drops triggers', () => {
    route(0x1100, 0, 6, 0x1100);
    vtyLine.pulse();
    expect(esbLoad64(0x1100, 0x800)).toBe(1);
    expect(qword(QPAGE)).toBe(0);
  });

  it('acts once per 64-bit access: only the access holding the low byte acts', () => {
    esbLoad64(0x1100, 0xc00);
    // Big-endian doubleword: bytes 0..3 read 0 with no effect, bytes 4..7 act.
    expect(xive.esbRegion.read(mgmt(0x1100) + 0xe00, 4)).toBe(0);
    expect(esbLoad64(0x1100, 0x800)).toBe(0);
    // A byte load of the last byte acts as well.
    expect(xive.esbRegion.read(mgmt(0x1100) + 0xe07, 1)).toBe(0);
    expect(esbLoad64(0x1100, 0x800)).toBe(2);
    // Stores to the management page set PQ.
    esbStore64(mgmt(0x1100) + 0xd00);
    expect(esbLoad64(0x1100, 0x800)).toBe(1);
    // Loads from the trigger page are invalid: all ones, no effect.
    expect(xive.esbRegion.read(trig(0x1100) + 0x804, 4)).toBe(0xffffffff);
    expect(logs.some((l) => l.includes('trigger page'))).toBe(true);
  });

  it('H_INT_ESB does the same loads and stores', () => {
    expect(hcall(H_INT_ESB, 0, 0x1100, 0xc00, 0).slice(0, 2)).toEqual([H_SUCCESS, 1n]);
    expect(hcall(H_INT_ESB, 1, 0x1100, 0xe00, 0).slice(0, 2)).toEqual([H_SUCCESS, 0xffffffffffffffffn]);
    expect(hcall(H_INT_ESB, 0, 0x1100, 0x800, 0).slice(0, 2)).toEqual([H_SUCCESS, 2n]);
  });

  it('an asserted LSI fires again at EOI until it is lowered', () => {
    route(0x1200, 0, 6, 0x1200);
    setCppr(0, 0xff);
    esbLoad64(0x1200, 0xc00);
    lsiLine.set(true);
    expect(qword(QPAGE)).toBe(0x80001200);
    lsiLine.set(true); // no Q for LSIs
    expect(esbLoad64(0x1200, 0x800)).toBe(2);
    expect(esbLoad64(0x1200, 0x000)).toBe(1); // EOI while asserted: forwarded again
    expect(qword(QPAGE + 4)).toBe(0x80001200);
    lsiLine.set(false);
    expect(esbLoad64(0x1200, 0x000)).toBe(0);
    expect(esbLoad64(0x1200, 0x800)).toBe(0);
  });
});

describe('XIVE event queue', () => {
  it('wraps and flips the generation bit', () => {
    route(0x1100, 0, 6, 0x1234);
    esbLoad64(0x1100, 0xc00);
    const entries = 4096 / 4;
    for (let i = 0; i < entries + 2; i++) {
      vtyLine.pulse();
      esbLoad64(0x1100, 0xc00); // EOI
    }
    expect(qword(QPAGE)).toBe(0x00001234); // overwritten after the wrap: generation 0
    expect(qword(QPAGE + 4)).toBe(0x00001234);
    expect(qword(QPAGE + 8)).toBe(0x80001234); // still from the first pass
    expect(qword(QPAGE + 4092)).toBe(0x80001234);
    expect(hcall(H_INT_GET_QUEUE_CONFIG, 1, 0, 6).slice(0, 5)).toEqual([H_SUCCESS, 1n, BigInt(QPAGE), 12n, 2n]);
  });

  it('keeps the EISN to 31 bits and writes big-endian', () => {
    route(0x1100, 0, 6, 0xffffffff);
    esbLoad64(0x1100, 0xc00);
    vtyLine.pulse();
    expect(mem.u8[L.RAM_OFFSET + QPAGE]).toBe(0xff);
    expect(qword(QPAGE)).toBe(0xffffffff);
    esbLoad64(0x1100, 0xc00);
    route(0x1100, 0, 6, 0x7ffffffe);
    vtyLine.pulse();
    expect(qword(QPAGE)).toBe(0xfffffffe); // gen 1 | 0x7ffffffe (queue restarted)
  });
});

describe('XIVE TIMA (OS ring)', () => {
  it('holds the event pending while CPPR masks it and presents it when CPPR opens', () => {
    route(0x1100, 0, 6, 0x1100);
    esbLoad64(0x1100, 0xc00);
    vtyLine.pulse(); // CPPR is 0 after reset: everything masked
    expect(pending(0)).toBe(false);
    expect(xive.timaByte(0, 0x12)).toBe(0x02); // IPB: priority 6
    expect(xive.timaByte(0, 0x17)).toBe(6); // PIPR
    setCppr(0, 6); // equal priority is still masked
    expect(pending(0)).toBe(false);
    setCppr(0, 7);
    expect(pending(0)).toBe(true);
    expect(ack(0)).toEqual([0x80, 6]); // NSR had EO; CPPR becomes the priority
    expect(pending(0)).toBe(false);
    expect(xive.timaByte(0, 0x12)).toBe(0);
    expect(xive.timaByte(0, 0x17)).toBe(0xff);
    expect(ack(0)).toEqual([0, 6]); // nothing more
    setCppr(0, 0xff);
    expect(pending(0)).toBe(false);
  });

  it('a CPPR above 7 means 0xff; each vCPU sees its own registers', () => {
    setCppr(1, 9);
    expect(xive.timaByte(1, 0x11)).toBe(0xff);
    expect(xive.timaByte(0, 0x11)).toBe(0);
    // Plain 4-byte read of QW1 word 0 (NSR CPPR IPB LSMFB) through the OS page.
    expect(xive.timaRegion.read(2 * 0x10000 + 0x10, 4, 1)).toBe(0xff00ff00);
    // OS CAM line: valid | NVT 0x400 + vCPU, big-endian.
    expect(bswap32(xive.timaRegion.read(2 * 0x10000 + 0x18, 4, 1))).toBe(0x80000401);
    expect(XIVE_TM_BASE % 0x10000).toBe(0);
  });

  it('IPIs: a trigger on the IPI source reaches the target vCPU only', () => {
    route(1, 1, 6, 0x10);
    esbLoad64(1, 0xc00);
    setCppr(1, 0xff);
    setCppr(0, 0xff);
    esbStore64(trig(1));
    expect(pending(1)).toBe(true);
    expect(pending(0)).toBe(false);
    expect(qword(QPAGE + 0x10000)).toBe(0x80000010);
    expect(ack(1)).toEqual([0x80, 6]);
  });

  it('more favoured priorities win the ACK', () => {
    route(0x1100, 0, 6, 0x1100);
    route(0x1200, 0, 2, 0x1200, QPAGE + 0x20000);
    esbLoad64(0x1100, 0xc00);
    esbLoad64(0x1200, 0xc00);
    setCppr(0, 0xff);
    vtyLine.pulse();
    lsiLine.set(true);
    expect(xive.timaByte(0, 0x12)).toBe(0x22);
    expect(ack(0)).toEqual([0x80, 2]);
    expect(pending(0)).toBe(false);
    setCppr(0, 0xff); // the OS drops CPPR after handling: priority 6 is presented again
    expect(pending(0)).toBe(true);
    expect(ack(0)).toEqual([0x80, 6]);
  });

  it('nothing is presented while XICS is the active controller', () => {
    route(0x1100, 0, 6, 0x1100);
    esbLoad64(0x1100, 0xc00);
    setCppr(0, 0xff);
    xive.setActive(false);
    vtyLine.pulse();
    expect(pending(0)).toBe(false);
  });

  it('reset clears pending state and presentation', () => {
    route(0x1100, 0, 6, 0x1100);
    esbLoad64(0x1100, 0xc00);
    setCppr(0, 0xff);
    vtyLine.pulse();
    expect(pending(0)).toBe(true);
    xive.reset();
    expect(pending(0)).toBe(false);
    expect(xive.active).toBe(false);
    expect(xive.timaByte(0, 0x12)).toBe(0);
    expect(xive.timaByte(0, 0x11)).toBe(0);
    xive.setActive(true);
    expect(esbLoad64(0x1100, 0x800)).toBe(1);
  });
});

describe('XIVE MMIO under XICS', () => {
  it('ESB and TIMA pages answer all ones and do nothing while XICS is active', () => {
    xive.setActive(false);
    expect(xive.esbRegion.read(mgmt(0x1100) + 0xc04, 4)).toBe(0xffffffff);
    expect(xive.timaRegion.read(2 * 0x10000 + 0x810, 2, 0)).toBe(0xffff);
    setCppr(0, 0xff);
    expect(xive.timaByte(0, 0x11)).toBe(0);
    xive.setActive(true);
    expect(esbLoad64(0x1100, 0x800)).toBe(1);
  });
});
