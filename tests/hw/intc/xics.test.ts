// XICS behaviour worked out from PAPR's interrupt presentation rules (XIRR = CPPR<<24 |
// XISR; a source is presented only if more favoured (numerically lower) than CPPR).
import { beforeEach, describe, expect, it } from 'vitest';
import { GuestMemory } from '../../../emulator/memory/guest-memory.js';
import { SharedRegions } from '../../../emulator/memory/shared-regions.js';
import { BQL, IO_THREAD } from '../../../emulator/host/bql.js';
import { Xics, XICS_IPI } from '../../../emulator/hw/intc/xics.js';
import * as L from '../../../emulator/cpu/layout.js';

let mem: GuestMemory;
let bql: BQL;
let xics: Xics;
const pending = (server: number): boolean =>
  (Atomics.load(mem.i32, (L.vcpuBlockOffset(server) + L.IRQ_PENDING) >> 2) & L.IRQ_EXTERNAL) !== 0;

beforeEach(() => {
  mem = GuestMemory.create(1 << 20, 2);
  bql = new BQL(mem, IO_THREAD);
  xics = new Xics(mem, new SharedRegions(), bql, 2);
  bql.lock();
  xics.reset();
});

describe('XICS', () => {
  it('presents an MSI to its server, accept raises CPPR, EOI restores it', () => {
    const line = xics.claim(0x1100, false);
    xics.setXive(0x1100, 1, 5);
    xics.setCppr(1, 0xff);
    line.pulse();
    expect(pending(1)).toBe(true);
    expect(pending(0)).toBe(false);
    const xirr = xics.accept(1);
    expect(xirr).toBe(0xff001100);
    expect(pending(1)).toBe(false);
    expect(xics.poll(1).xirr).toBe(0x05000000);
    xics.eoi(1, xirr);
    expect(xics.poll(1).xirr).toBe(0xff000000);
  });

  it('holds a masked MSI and delivers it when unmasked (int-off/int-on)', () => {
    const line = xics.claim(0x1200, false);
    xics.setXive(0x1200, 0, 4);
    xics.setCppr(0, 0xff);
    xics.intOff(0x1200);
    expect(xics.getXive(0x1200)).toEqual({ server: 0, priority: 0xff });
    line.pulse();
    expect(pending(0)).toBe(false);
    xics.intOn(0x1200);
    expect(xics.getXive(0x1200).priority).toBe(4);
    expect(pending(0)).toBe(true);
    expect(xics.accept(0) & 0xffffff).toBe(0x1200);
  });

  it('rejects a source not more favoured than CPPR and resends it when CPPR opens', () => {
    const line = xics.claim(0x1300, false);
    xics.setXive(0x1300, 0, 5);
    xics.setCppr(0, 5);
    line.pulse();
    expect(pending(0)).toBe(false);
    xics.setCppr(0, 6);
    expect(pending(0)).toBe(true);
    expect(xics.accept(0)).toBe(0x06001300);
  });

  it('raises an IPI through MFRR (H_IPI) and keeps it below a more favoured pending source', () => {
    xics.setCppr(0, 0xff);
    xics.setMfrr(0, 4);
    expect(pending(0)).toBe(true);
    expect(xics.poll(0).xirr & 0xffffff).toBe(XICS_IPI);
    const x = xics.accept(0);
    expect(x).toBe(0xff000002);
    xics.setMfrr(0, 0xff);
    xics.eoi(0, x);
    expect(pending(0)).toBe(false);
  });

  it('re-presents a level source after EOI while it stays asserted', () => {
    const line = xics.claim(0x1400, true);
    xics.setXive(0x1400, 0, 3);
    xics.setCppr(0, 0xff);
    line.set(true);
    const x = xics.accept(0);
    expect(x & 0xffffff).toBe(0x1400);
    xics.eoi(0, x);
    expect(pending(0)).toBe(true); // still asserted
    const x2 = xics.accept(0);
    line.set(false);
    xics.eoi(0, x2);
    expect(pending(0)).toBe(false);
  });

  it('refuses hypercall-level entry without the BQL', () => {
    bql.unlock();
    expect(() => xics.setXive(0x1100, 0, 5)).toThrow(/without the BQL/);
    bql.lock();
  });
});
