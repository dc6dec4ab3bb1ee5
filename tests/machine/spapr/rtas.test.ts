// RTAS calls through the machine's RTAS trap, with their argument checking. Expected
// values from LoPAPR chapter 7 (status codes: 0 success, 1 no errors found, -1 hardware
// error, -3 parameter error) and QEMU's spapr_rtas.c / spapr_rtc.c / spapr_events.c /
// xics_spapr.c.
import { describe, expect, it } from 'vitest';
import * as L from '../../../emulator/cpu/layout.js';
import { RTAS_TOKENS, DEFAULT_RTAS_CALLS } from '../../../emulator/machine/spapr/rtas-tokens.js';
import { RTAS_BLOB_WORDS } from '../../../emulator/machine/spapr/rtas.js';
import { H_PARAMETER, H_SUCCESS } from '../../../emulator/machine/spapr/hcall.js';
import { VTY_REG } from '../../../emulator/hw/char/vty.js';
import { vioIrq } from '../../../emulator/machine/spapr/device-tree.js';
import type { ExitReason, SpaprMachine } from '../../../emulator/machine/spapr/machine.js';
import { processTable } from '../../../emulator/cpu/mmu/mmu.js';
import { RTAS_ARGS, doCas, getCell, hcall, makeMachine, putCells, putString, rtasCall, tinyElf, vofCall } from './spapr-fixture.js';

const T = RTAS_TOKENS;
const SUCCESS = 0;
const NO_ERRORS_FOUND = 1;
const HW_ERROR = -1;
const PARAM_ERROR = -3;

const exitOf = (m: SpaprMachine): ExitReason | null => (m as unknown as { exit: ExitReason | null }).exit;
const resetPending = (m: SpaprMachine): boolean => (m as unknown as { resetPending: boolean }).resetPending;
const runState = (m: SpaprMachine, i: number): number => Atomics.load(m.cpus[i].i32, m.cpus[i].wi(L.RUN_STATE));

describe('RTAS dispatch', () => {
  it('gives every advertised call a token in /rtas and an implementation', () => {
    const { m } = makeMachine();
    const rtas = m.vof.tree.findNode('/rtas');
    expect(rtas).toBeDefined();
    const implemented = new Set(m.rtas.implemented());
    for (const name of DEFAULT_RTAS_CALLS) {
      expect(implemented.has(name), name).toBe(true);
      expect(rtas?.getU32(name), name).toBe(T[name]);
    }
  });

  it('advertises rtas-size as QEMU does: blob + error log + per-vCPU room (0x82c for 1 vCPU, 0x83c for 2)', () => {
    expect(makeMachine().m.vof.tree.findNode('/rtas')?.getU32('rtas-size')).toBe(0x82c);
    expect(makeMachine({ nvcpus: 2 }).m.vof.tree.findNode('/rtas')?.getU32('rtas-size')).toBe(0x83c);
  });

  it('answers an unknown token with a parameter error and a log line', () => {
    const { m, logs } = makeMachine();
    const r = rtasCall(m, 0x1234, [1, 2], 1);
    expect(r.rets).toEqual([PARAM_ERROR]);
    expect(r.status).toBe(H_PARAMETER); // the trap's own status, as QEMU
    expect(logs.some((l) => l.includes('0x1234'))).toBe(true);
  });

  it('refuses an argument buffer outside RAM (hypercall status, nothing written)', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, 0xf000, m.mem.ramSize - 8)).toBe(H_PARAMETER);
    putCells(m, m.mem.ramSize - 16, [T['event-scan'], 4, 1]);
    expect(hcall(m, c, 0xf000, m.mem.ramSize - 16)).toBe(H_PARAMETER); // args run past the end
    expect(hcall(m, c, 0xf000, 2n ** 40n)).toBe(H_PARAMETER);
  });

  it('runs from the RTAS blob the guest instantiated: big-endian 32-bit real mode, r3 = buffer, returns to LR', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    const base = 0x70000;
    const rtasPh = vofCall(m, 'finddevice', ['/rtas'], 1).rets[0];
    expect(rtasPh).not.toBe(0xffffffff);
    const ih = vofCall(m, 'open', ['/rtas'], 1).rets[0];
    expect(vofCall(m, 'call-method', ['instantiate-rtas', ih, base], 2).rets).toEqual([0, base]);
    for (let i = 0; i < RTAS_BLOB_WORDS.length; i++) expect(getCell(m, base + 4 * i)).toBe(RTAS_BLOB_WORDS[i]);
    // The caller: event-scan buffer, LR pointing at a `b .` in BE.
    putCells(m, RTAS_ARGS, [T['event-scan'], 4, 1, 0, 0, 0, 0, 0xdeadbeef]);
    putCells(m, 0x80000, [0x48000000]);
    c.setMSR(L.MSR_ME, 0);
    c.setGPR(3, BigInt(RTAS_ARGS));
    c.setSPR(8, 0x80000n);
    c.nia = BigInt(base);
    c.run(RTAS_BLOB_WORDS.length);
    expect(c.nia).toBe(0x80000n);
    expect(getCell(m, RTAS_ARGS + 12 + 16) | 0).toBe(NO_ERRORS_FOUND);
    expect(c.gpr(3)).toBe(BigInt(H_SUCCESS));
  });
});

describe('console, time and events', () => {
  it('display-character writes one byte to the console', () => {
    const { m, out } = makeMachine();
    expect(rtasCall(m, T['display-character'], [0x41], 1).rets).toEqual([SUCCESS]);
    expect(rtasCall(m, T['display-character'], [0x142], 1).rets).toEqual([SUCCESS]); // only the low byte
    expect(out).toEqual([0x41, 0x42]);
    expect(rtasCall(m, T['display-character'], [], 1).rets).toEqual([PARAM_ERROR]);
    expect(out.length).toBe(2);
  });

  it('get-time-of-day returns the host UTC time: year, month, day, hour, minute, second, nanoseconds', () => {
    const { m } = makeMachine();
    const before = Date.now();
    const r = rtasCall(m, T['get-time-of-day'], [], 8);
    const after = Date.now();
    expect(r.rets[0]).toBe(SUCCESS);
    const [, y, mo, d, h, mi, s, ns] = r.rets;
    expect(ns).toBeGreaterThanOrEqual(0);
    expect(ns).toBeLessThan(1e9);
    const t = Date.UTC(y, mo - 1, d, h, mi, s) + ns / 1e6;
    expect(t).toBeGreaterThanOrEqual(before - 1);
    expect(t).toBeLessThanOrEqual(after + 1);
    expect(rtasCall(m, T['get-time-of-day'], [0], 8).rets[0]).toBe(PARAM_ERROR);
    expect(rtasCall(m, T['get-time-of-day'], [], 7).rets[0]).toBe(PARAM_ERROR);
  });

  it('set-time-of-day moves the guest clock; get-time-of-day follows', () => {
    const { m } = makeMachine();
    expect(rtasCall(m, T['set-time-of-day'], [2031, 2, 3, 4, 5, 6, 0], 1).rets).toEqual([SUCCESS]);
    const [st, y, mo, d, h, mi, s] = rtasCall(m, T['get-time-of-day'], [], 8).rets;
    expect(st).toBe(SUCCESS);
    const got = Date.UTC(y, mo - 1, d, h, mi, s);
    expect(Math.abs(got - Date.UTC(2031, 1, 3, 4, 5, 6))).toBeLessThanOrEqual(2000);
  });

  it('set-time-of-day takes the year as written (no 19xx for small years) and keeps nanoseconds in range', () => {
    const { m } = makeMachine();
    expect(rtasCall(m, T['set-time-of-day'], [1969, 12, 31, 23, 59, 59, 0], 1).rets).toEqual([SUCCESS]);
    const r = rtasCall(m, T['get-time-of-day'], [], 8).rets;
    expect(r[7]).toBeGreaterThanOrEqual(0);
    expect(r[7]).toBeLessThan(1e9);
    expect([1969, 1970]).toContain(r[1]);
    expect(rtasCall(m, T['set-time-of-day'], [50, 6, 1, 0, 0, 0, 0], 1).rets).toEqual([SUCCESS]);
    expect(rtasCall(m, T['get-time-of-day'], [], 8).rets[1]).toBe(50);
  });

  it('set-time-of-day refuses out-of-range fields and wrong counts', () => {
    const { m } = makeMachine();
    for (const bad of [
      [2030, 0, 1, 0, 0, 0, 0],
      [2030, 13, 1, 0, 0, 0, 0],
      [2030, 1, 0, 0, 0, 0, 0],
      [2030, 1, 32, 0, 0, 0, 0],
      [2030, 1, 1, 24, 0, 0, 0],
      [2030, 1, 1, 0, 60, 0, 0],
      [2030, 1, 1, 0, 0, 61, 0],
    ]) {
      expect(rtasCall(m, T['set-time-of-day'], bad, 1).rets, bad.join('-')).toEqual([PARAM_ERROR]);
    }
    expect(rtasCall(m, T['set-time-of-day'], [2030, 1, 1, 0, 0, 0], 1).rets).toEqual([PARAM_ERROR]);
    expect(m.rtas.clockOffsetSeconds).toBe(0);
  });

  it('event-scan and check-exception find nothing to report', () => {
    const { m } = makeMachine();
    expect(rtasCall(m, T['event-scan'], [0xffffffff, 0, 0x100000, 2048], 1).rets).toEqual([NO_ERRORS_FOUND]);
    expect(rtasCall(m, T['event-scan'], [0, 0, 0x100000], 1).rets).toEqual([PARAM_ERROR]);
    expect(rtasCall(m, T['event-scan'], [0, 0, 0x100000, 2048], 2).rets[0]).toBe(PARAM_ERROR);
    expect(rtasCall(m, T['check-exception'], [0x500, 0, 0, 0, 0x100000, 2048], 1).rets).toEqual([NO_ERRORS_FOUND]);
    expect(rtasCall(m, T['check-exception'], [0x500, 0, 0, 0, 0x100000, 2048, 0], 1).rets).toEqual([NO_ERRORS_FOUND]);
    expect(rtasCall(m, T['check-exception'], [0x500, 0, 0, 0, 0x100000], 1).rets).toEqual([PARAM_ERROR]);
    expect(rtasCall(m, T['check-exception'], [0x500, 0, 0, 0, 0x100000, 2048, 0, 0], 1).rets).toEqual([PARAM_ERROR]);
    expect(rtasCall(m, T['check-exception'], [0x500, 0, 0, 0, 0x100000, 2048], 2).rets[0]).toBe(PARAM_ERROR);
  });
});

describe('power and termination', () => {
  it('power-off (2 args, 1 return) ends the machine with "poweroff"', () => {
    const { m } = makeMachine();
    expect(rtasCall(m, T['power-off'], [0], 1).rets).toEqual([PARAM_ERROR]);
    expect(rtasCall(m, T['power-off'], [0, 0], 2).rets[0]).toBe(PARAM_ERROR);
    expect(exitOf(m)).toBeNull();
    expect(rtasCall(m, T['power-off'], [0xffffffff, 0xffffffff], 1).rets).toEqual([SUCCESS]);
    expect(exitOf(m)).toEqual({ kind: 'poweroff' });
  });

  it('system-reboot (0 args, 1 return) requests a machine reset', () => {
    const { m } = makeMachine();
    expect(rtasCall(m, T['system-reboot'], [1], 1).rets).toEqual([PARAM_ERROR]);
    expect(resetPending(m)).toBe(false);
    expect(rtasCall(m, T['system-reboot'], [], 1).rets).toEqual([SUCCESS]);
    expect(resetPending(m)).toBe(true);
  });

  it('ibm,os-term ends the machine with the guest message', () => {
    const { m } = makeMachine();
    putString(m, 0x100000, 'Kernel panic - not syncing: test');
    expect(rtasCall(m, T['ibm,os-term'], [], 1).rets).toEqual([PARAM_ERROR]);
    expect(rtasCall(m, T['ibm,os-term'], [0x100000], 1).rets).toEqual([SUCCESS]);
    expect(exitOf(m)).toEqual({ kind: 'os-term', message: 'Kernel panic - not syncing: test' });
  });

  it('ibm,os-term with a message pointer outside RAM still terminates, without crashing', () => {
    const { m } = makeMachine();
    expect(rtasCall(m, T['ibm,os-term'], [0xfffffff0], 1).rets).toEqual([SUCCESS]);
    expect(exitOf(m)?.kind).toBe('os-term');
  });
});

describe('CPU start and stop', () => {
  it('query-cpu-stopped-state: 0 for a stopped vCPU, 2 for a running one', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    expect(rtasCall(m, T['query-cpu-stopped-state'], [0], 2).rets).toEqual([SUCCESS, 2]);
    expect(rtasCall(m, T['query-cpu-stopped-state'], [1], 2).rets).toEqual([SUCCESS, 0]);
    expect(rtasCall(m, T['query-cpu-stopped-state'], [2], 2).rets[0]).toBe(PARAM_ERROR);
    expect(rtasCall(m, T['query-cpu-stopped-state'], [0], 1).rets[0]).toBe(PARAM_ERROR);
  });

  it('start-cpu starts a stopped vCPU at the entry with r3, 64-bit, ME on, translation off', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const c1 = m.cpus[1];
    expect(rtasCall(m, T['start-cpu'], [1, 0x12340, 0x55], 1).rets).toEqual([SUCCESS]);
    expect(runState(m, 1)).toBe(L.RUN_RUNNING);
    expect(c1.nia).toBe(0x12340n);
    expect(c1.gpr(3)).toBe(0x55n);
    expect(c1.msr).toBe((1n << 63n) | BigInt(L.MSR_ME));
    expect(rtasCall(m, T['query-cpu-stopped-state'], [1], 2).rets).toEqual([SUCCESS, 2]);
    // Already running: hardware error.
    expect(rtasCall(m, T['start-cpu'], [1, 0x12340, 0x55], 1).rets).toEqual([HW_ERROR]);
    expect(rtasCall(m, T['start-cpu'], [2, 0x12340, 0x55], 1).rets).toEqual([PARAM_ERROR]);
    expect(rtasCall(m, T['start-cpu'], [1, 0x12340], 1).rets).toEqual([PARAM_ERROR]);
  });

  it('start-cpu gives the new vCPU the boot vCPU\'s LPCR (interrupt endianness)', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    hcall(m, m.cpus[0], 0x31c, 1, 4, 0, 0); // H_SET_MODE LE
    m.cpus[1].setSPR(L.SPR_LPCR, 0n);
    expect(rtasCall(m, T['start-cpu'], [1, 0x1000, 0], 1).rets).toEqual([SUCCESS]);
    expect(m.cpus[1].spr(L.SPR_LPCR) & BigInt(L.LPCR_ILE)).toBe(BigInt(L.LPCR_ILE));
  });

  it('stop-self stops the calling vCPU', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    rtasCall(m, T['start-cpu'], [1, 0x1000, 0], 1);
    expect(rtasCall(m, T['stop-self'], [1], 1, m.cpus[1]).rets).toEqual([PARAM_ERROR]);
    expect(runState(m, 1)).toBe(L.RUN_RUNNING);
    expect(rtasCall(m, T['stop-self'], [], 1, m.cpus[1]).rets).toEqual([SUCCESS]);
    expect(runState(m, 1)).toBe(L.RUN_STOPPED);
    expect(rtasCall(m, T['query-cpu-stopped-state'], [1], 2).rets).toEqual([SUCCESS, 0]);
  });
});

describe('interrupt source control (XICS)', () => {
  const irq = vioIrq(VTY_REG);

  it('ibm,set-xive / ibm,get-xive route a source; int-off masks it, int-on restores the priority', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    expect(rtasCall(m, T['ibm,set-xive'], [irq, 1, 5], 1).rets).toEqual([SUCCESS]);
    expect(rtasCall(m, T['ibm,get-xive'], [irq], 3).rets).toEqual([SUCCESS, 1, 5]);
    expect(rtasCall(m, T['ibm,int-off'], [irq], 1).rets).toEqual([SUCCESS]);
    expect(rtasCall(m, T['ibm,get-xive'], [irq], 3).rets).toEqual([SUCCESS, 1, 0xff]);
    expect(rtasCall(m, T['ibm,int-on'], [irq], 1).rets).toEqual([SUCCESS]);
    expect(rtasCall(m, T['ibm,get-xive'], [irq], 3).rets).toEqual([SUCCESS, 1, 5]);
  });

  it('checks source number, server, priority and counts', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    expect(rtasCall(m, T['ibm,set-xive'], [0x500, 0, 5], 1).rets).toEqual([PARAM_ERROR]); // not an ICS source
    expect(rtasCall(m, T['ibm,set-xive'], [irq, 2, 5], 1).rets).toEqual([PARAM_ERROR]); // no server 2
    expect(rtasCall(m, T['ibm,set-xive'], [irq, 0, 0x105], 1).rets).toEqual([PARAM_ERROR]); // priority > 0xff
    expect(rtasCall(m, T['ibm,get-xive'], [irq], 3).rets).toEqual([SUCCESS, 0, 0xff]); // unchanged
    expect(rtasCall(m, T['ibm,set-xive'], [irq, 0], 1).rets).toEqual([PARAM_ERROR]);
    expect(rtasCall(m, T['ibm,get-xive'], [irq], 2).rets[0]).toBe(PARAM_ERROR);
    expect(rtasCall(m, T['ibm,get-xive'], [0x3000], 3).rets[0]).toBe(PARAM_ERROR);
    expect(rtasCall(m, T['ibm,int-off'], [0x3000], 1).rets).toEqual([PARAM_ERROR]);
    expect(rtasCall(m, T['ibm,int-on'], [0x3000], 1).rets).toEqual([PARAM_ERROR]);
    expect(rtasCall(m, T['ibm,int-off'], [irq, 0], 1).rets).toEqual([PARAM_ERROR]);
    // A source no device claimed is still an ICS source (QEMU: ics_valid_irq).
    expect(rtasCall(m, T['ibm,set-xive'], [0x1fff, 1, 7], 1).rets).toEqual([SUCCESS]);
    expect(rtasCall(m, T['ibm,get-xive'], [0x1fff], 3).rets).toEqual([SUCCESS, 1, 7]);
    expect(rtasCall(m, T['ibm,set-xive'], [0x2000, 1, 7], 1).rets).toEqual([PARAM_ERROR]); // past the ICS
    expect(rtasCall(m, T['ibm,int-on'], [], 1).rets).toEqual([PARAM_ERROR]);
  });
});

describe('system-reboot: the machine reset that follows', () => {
  it('starts over: RAM, vCPUs, negotiated state, process table, VPAs, firmware instances; NVRAM and clock survive', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const [c0, c1] = m.cpus;
    // Dirty everything a boot touches.
    doCas(m);
    expect(hcall(m, c0, 0x37c, 0x1d, 0x1000000, 0, 12)).toBe(H_SUCCESS); // H_REGISTER_PROC_TBL
    expect(hcall(m, c0, 0x31c, 1, 4, 0, 0)).toBe(H_SUCCESS); // H_SET_MODE LE
    m.mem.dv.setUint16(L.RAM_OFFSET + 0x200000 + 4, 0x400, false);
    expect(hcall(m, c0, 0xdc, 1n << 45n, 0, 0x200000)).toBe(H_SUCCESS); // VPA
    expect(rtasCall(m, T['start-cpu'], [1, 0x1000, 0], 1).rets).toEqual([SUCCESS]);
    const ih = vofCall(m, 'open', ['/'], 1).rets[0];
    m.nvram.data[0x5000] = 0x42;
    expect(rtasCall(m, T['set-time-of-day'], [2031, 2, 3, 4, 5, 6, 0], 1).rets).toEqual([SUCCESS]);
    m.mem.writePhys(0x2000000, Uint8Array.of(1, 2, 3, 4));

    expect(rtasCall(m, T['system-reboot'], [], 1).rets).toEqual([SUCCESS]);
    (m as unknown as { flushConsole(): void }).flushConsole(); // what the main loop does between rounds

    expect(resetPending(m)).toBe(false);
    expect(Array.from(m.mem.readPhys(0x2000000, 4))).toEqual([0, 0, 0, 0]);
    expect(getCell(m, 0x400000)).toBe(0x00000048); // the kernel reloaded (LE `b .`, read as BE)
    expect(runState(m, 0)).toBe(L.RUN_RUNNING);
    expect(runState(m, 1)).toBe(L.RUN_STOPPED);
    expect(c0.nia).toBe(0x400000n);
    expect(c0.gpr(5)).toBe(0x100n);
    expect(c0.spr(L.SPR_LPCR) & BigInt(L.LPCR_ILE | L.LPCR_UPRT)).toBe(0n);
    expect(c1.spr(L.SPR_LPCR) & BigInt(L.LPCR_ILE | L.LPCR_UPRT)).toBe(0n);
    expect(processTable(m.mem)).toBe(0n);
    // Radix must be negotiated again before a process table.
    expect(hcall(m, c0, 0x37c, 0x1d, 0x1000000, 0, 12)).toBe(H_PARAMETER);
    // VPA registrations are gone: a DTL needs a VPA again (QEMU clears them at vCPU reset).
    m.mem.dv.setUint32(L.RAM_OFFSET + 0x210000 + 4, 0x1000, false);
    expect(hcall(m, c0, 0xdc, 2n << 45n, 0, 0x210000)).toBe(-16); // H_RESOURCE
    // Firmware: old instances closed, stdout reopened.
    expect(vofCall(m, 'instance-to-package', [ih], 1).rets[0]).toBe(0xffffffff);
    // NVRAM and the guest's clock offset persist.
    expect(m.nvram.data[0x5000]).toBe(0x42);
    expect(rtasCall(m, T['get-time-of-day'], [], 8).rets[1]).toBe(2031);
  });
});

describe('a guest calling RTAS from its own code', () => {
  it('prints with display-character and powers off: run() resolves with "poweroff"', async () => {
    // Big-endian kernel entered in 32-bit BE real mode at 0x400000; argument blocks at +0x100.
    const call = (block: number): number[] => [0x3c600000, 0x6063f000, 0x3c800040, 0x60840000 | block, 0x44000022];
    const code = [...call(0x100), ...call(0x120), ...call(0x140), 0x48000000];
    while (code.length < 0x40) code.push(0);
    code.push(T['display-character'], 1, 1, 0x4f, 0xdeadbeef, 0, 0, 0); // 0x100
    code.push(T['display-character'], 1, 1, 0x4b, 0xdeadbeef, 0, 0, 0); // 0x120
    code.push(T['power-off'], 2, 1, 0xffffffff, 0xffffffff, 0xdeadbeef); // 0x140
    const { m, out } = makeMachine({ kernel: tinyElf({ bigEndian: true, code }) });
    const r = await Promise.race([m.run(), new Promise<ExitReason>((res) => setTimeout(() => res({ kind: 'error', error: new Error('timeout') }), 10_000))]);
    expect(r).toEqual({ kind: 'poweroff' });
    expect(String.fromCharCode(...out)).toBe('OK');
    expect(getCell(m, 0x400000 + 0x100 + 16) | 0).toBe(SUCCESS);
    expect(getCell(m, 0x400000 + 0x140 + 20) | 0).toBe(SUCCESS);
  });
});

describe('reboot and power-off in the same round', () => {
  it('power-off after a reboot request (before the reset ran) ends the machine without a lock error', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    rtasCall(m, T['start-cpu'], [1, 0x1000, 0], 1);
    expect(rtasCall(m, T['system-reboot'], [], 1).rets).toEqual([SUCCESS]);
    expect(() => rtasCall(m, T['power-off'], [0, 0], 1, m.cpus[1])).not.toThrow();
    expect(exitOf(m)).toEqual({ kind: 'poweroff' });
  });

  it('ibm,os-term after a reboot request likewise', () => {
    const { m } = makeMachine();
    rtasCall(m, T['system-reboot'], [], 1);
    putString(m, 0x100000, 'bye');
    expect(() => rtasCall(m, T['ibm,os-term'], [0x100000], 1)).not.toThrow();
    expect(exitOf(m)).toEqual({ kind: 'os-term', message: 'bye' });
  });
});
