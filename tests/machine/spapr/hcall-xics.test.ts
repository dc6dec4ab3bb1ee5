// The XICS hypercalls as the guest makes them (H_CPPR, H_IPI, H_XIRR, H_XIRR_X, H_EOI,
// H_IPOLL), on the machine's own ICP/ICS. Expected values from PAPR's interrupt
// presentation rules: XIRR = CPPR << 24 | XISR, a source is presented only when more
// favoured (numerically lower) than CPPR, XISR 2 is the IPI.
import { describe, expect, it } from 'vitest';
import * as L from '../../../emulator/cpu/layout.js';
import { H_SUCCESS, H_PARAMETER, H_CPPR, H_EOI, H_IPI, H_IPOLL, H_XIRR, H_XIRR_X } from '../../../emulator/machine/spapr/hcall.js';
import { VTY_REG } from '../../../emulator/hw/char/vty.js';
import { vioIrq } from '../../../emulator/machine/spapr/device-tree.js';
import type { Cpu } from '../../../emulator/cpu/cpu.js';
import { hcall, makeMachine, rtasCall } from './spapr-fixture.js';
import { RTAS_TOKENS } from '../../../emulator/machine/spapr/rtas-tokens.js';
import type { SpaprMachine } from '../../../emulator/machine/spapr/machine.js';

/** Route `irq` to server 0 at priority 5 as the guest does (ibm,set-xive); returns the RTAS status. */
const rtasCallXive = (m: SpaprMachine, irq: number): number => rtasCall(m, RTAS_TOKENS['ibm,set-xive'], [irq, 0, 5], 1).rets[0];

const H_VIO_SIGNAL = 0x104;
const external = (c: Cpu): boolean => (Atomics.load(c.i32, c.wi(L.IRQ_PENDING)) & L.IRQ_EXTERNAL) !== 0;

describe('XICS hypercalls', () => {
  it('IPI: H_IPI raises it, H_XIRR accepts it (CPPR takes its priority), H_EOI restores CPPR', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const [c0, c1] = m.cpus;
    expect(hcall(m, c1, H_CPPR, 0xff)).toBe(H_SUCCESS);
    expect(hcall(m, c0, H_IPI, 1, 5)).toBe(H_SUCCESS);
    expect(external(c1)).toBe(true);
    expect(external(c0)).toBe(false);
    // H_IPOLL looks without accepting.
    expect(hcall(m, c1, H_IPOLL, 1)).toBe(H_SUCCESS);
    expect(c1.gpr(4)).toBe(0xff000002n);
    expect(c1.gpr(5)).toBe(5n);
    expect(external(c1)).toBe(true);
    expect(hcall(m, c1, H_XIRR)).toBe(H_SUCCESS);
    expect(c1.gpr(4)).toBe(0xff000002n);
    expect(external(c1)).toBe(false);
    expect(hcall(m, c1, H_IPOLL, 1)).toBe(H_SUCCESS);
    expect(c1.gpr(4)).toBe(0x05000000n);
    // The guest clears MFRR, then EOIs with the XIRR it got.
    expect(hcall(m, c1, H_IPI, 1, 0xff)).toBe(H_SUCCESS);
    expect(hcall(m, c1, H_EOI, 0xff000002)).toBe(H_SUCCESS);
    expect(hcall(m, c1, H_IPOLL, 1)).toBe(H_SUCCESS);
    expect(c1.gpr(4)).toBe(0xff000000n);
    expect(c1.gpr(5)).toBe(0xffn);
    expect(external(c1)).toBe(false);
  });

  it('H_XIRR with nothing pending returns XISR 0 and the current CPPR', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, H_CPPR, 0xff)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_XIRR)).toBe(H_SUCCESS);
    expect(c.gpr(4) & 0xffffffn).toBe(0n);
  });

  it('CPPR masks an IPI that is not more favoured, and presents it when opened', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, H_CPPR, 5)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_IPI, 0, 5)).toBe(H_SUCCESS);
    expect(external(c)).toBe(false);
    expect(hcall(m, c, H_CPPR, 6)).toBe(H_SUCCESS);
    expect(external(c)).toBe(true);
    expect(hcall(m, c, H_XIRR)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(0x06000002n);
  });

  it('H_XIRR_X also returns the timebase in r5', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    hcall(m, c, H_CPPR, 0xff);
    hcall(m, c, H_IPI, 0, 3);
    const t0 = BigInt(Math.floor(c.tb()));
    expect(hcall(m, c, H_XIRR_X, 0)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(0xff000002n);
    expect(c.gpr(5)).toBeGreaterThanOrEqual(t0);
    expect(c.gpr(5)).toBeLessThanOrEqual(BigInt(Math.ceil(c.tb())));
  });

  it('H_IPI to a server that does not exist is H_PARAMETER', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    expect(hcall(m, m.cpus[0], H_IPI, 2, 5)).toBe(H_PARAMETER);
    expect(hcall(m, m.cpus[0], H_IPI, -1, 5)).toBe(H_PARAMETER);
  });

  it('H_IPOLL polls the server it names (PAPR), not the caller; an unknown server is H_PARAMETER', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const [c0, c1] = m.cpus;
    hcall(m, c1, H_CPPR, 0xff);
    hcall(m, c0, H_IPI, 1, 4);
    expect(hcall(m, c0, H_IPOLL, 1)).toBe(H_SUCCESS);
    expect(c0.gpr(4)).toBe(0xff000002n);
    expect(c0.gpr(5)).toBe(4n);
    expect(hcall(m, c0, H_IPOLL, 0)).toBe(H_SUCCESS);
    expect(c0.gpr(4) & 0xffffffn).toBe(0n);
    expect(hcall(m, c0, H_IPOLL, 2)).toBe(H_PARAMETER);
  });

  it('a console interrupt: routed by the ICS, presented, accepted and EOIed', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    const irq = vioIrq(VTY_REG);
    expect(hcall(m, c, H_VIO_SIGNAL, VTY_REG, 1)).toBe(H_SUCCESS);
    m.bql.with(() => m.xics.setXive(irq, 0, 5));
    expect(hcall(m, c, H_CPPR, 0xff)).toBe(H_SUCCESS);
    m.input(Uint8Array.of(0x41));
    expect(external(c)).toBe(true);
    expect(hcall(m, c, H_XIRR)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(BigInt(0xff000000 + irq));
    expect(hcall(m, c, H_EOI, 0xff000000 + irq)).toBe(H_SUCCESS);
    expect(external(c)).toBe(false);
  });

  it('typed input wakes a vCPU parked in H_CEDE at once', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    const irq = vioIrq(VTY_REG);
    expect(rtasCallXive(m, irq)).toBe(0);
    expect(hcall(m, c, H_CPPR, 0xff)).toBe(H_SUCCESS);
    expect(hcall(m, c, 0xe0 /* H_CEDE */)).toBe(H_SUCCESS);
    expect(Atomics.load(c.i32, c.wi(L.RUN_STATE))).toBe(L.RUN_CEDED);
    m.input(Uint8Array.of(0x0d));
    expect(Atomics.load(c.i32, c.wi(L.RUN_STATE))).toBe(L.RUN_RUNNING);
    expect(external(c)).toBe(true);
  });

  it('H_VIO_SIGNAL refuses an unknown unit or mode', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, H_VIO_SIGNAL, 0x71000099, 1)).toBe(H_PARAMETER);
    expect(hcall(m, c, H_VIO_SIGNAL, VTY_REG, 2)).toBe(H_PARAMETER);
  });
});
