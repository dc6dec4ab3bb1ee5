// The hypercall dispatcher (sPAPR `sc 1`): opcode in r3, status back in r3 as a 64-bit
// signed value, unknown numbers get H_FUNCTION (PAPR) with a rate-limited log line, and
// the dispatcher insists on the BQL (DESIGN.md rules 3/4).
import { describe, expect, it } from 'vitest';
import * as L from '../../../emulator/cpu/layout.js';
import { LockError } from '../../../emulator/host/bql.js';
import {
  H_FUNCTION,
  H_PRIVILEGE,
  H_SUCCESS,
  H_PARAMETER,
  H_SET_SPRG0,
  H_PUT_TERM_CHAR,
  H_GET_TERM_CHAR,
  H_REGISTER_PROC_TBL,
  H_SET_MODE,
  H_CEDE,
  H_PROD,
  H_CONFER,
  H_JOIN,
  H_RANDOM,
  H_PAGE_INIT,
  H_SET_DABR,
  H_SET_XDABR,
  H_REGISTER_VPA,
  H_GET_CPU_CHARACTERISTICS,
  H_LOGICAL_CI_LOAD,
  H_LOGICAL_CI_STORE,
  H_SIGNAL_SYS_RESET,
  H_CPPR,
  H_EOI,
  H_IPI,
  H_XIRR,
  H_XIRR_X,
  H_IPOLL,
  H_PPCBOX_RTAS,
  H_PPCBOX_VOF_CLIENT,
  HcallTable,
} from '../../../emulator/machine/spapr/hcall.js';
import { hcall, makeMachine, setHcallRegs, sgpr } from './spapr-fixture.js';

const SC1 = 0x44000022;

describe('hypercall dispatcher', () => {
  it('registers every hypercall the boot needs (issue 3)', () => {
    const { m } = makeMachine();
    const needed = [
      H_PUT_TERM_CHAR, H_GET_TERM_CHAR, H_REGISTER_PROC_TBL, H_SET_MODE, H_CEDE, H_PROD, H_CONFER, H_JOIN,
      H_RANDOM, H_PAGE_INIT, H_SET_SPRG0, H_SET_DABR, H_SET_XDABR, H_REGISTER_VPA, H_GET_CPU_CHARACTERISTICS,
      H_LOGICAL_CI_LOAD, H_LOGICAL_CI_STORE, H_SIGNAL_SYS_RESET, H_CPPR, H_EOI, H_IPI, H_XIRR, H_XIRR_X, H_IPOLL,
      0x104 /* H_VIO_SIGNAL */, H_PPCBOX_RTAS, H_PPCBOX_VOF_CLIENT,
    ];
    for (const op of needed) expect(m.hcalls.has(op), `0x${op.toString(16)}`).toBe(true);
  });

  it('answers an unknown opcode with H_FUNCTION (sign-extended to 64 bits) and a log line', () => {
    const { m, logs } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, 0x3f0, 1, 2, 3)).toBe(H_FUNCTION);
    expect(c.gpr(3)).toBe(0xfffffffffffffffen);
    expect(logs.some((l) => l.includes('0x3f0') && l.includes('H_FUNCTION'))).toBe(true);
  });

  it('treats an opcode with high-word bits as unknown (not as its low word)', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    c.setSPR(L.SPR_SPRG0, 0x1234n);
    setHcallRegs(c, 0, [0xdeadn]);
    c.setGPR(3, (1n << 32n) | BigInt(H_SET_SPRG0));
    m.bql.with(() => m.hcalls.dispatch(c));
    expect(sgpr(c, 3)).toBe(BigInt(H_FUNCTION));
    expect(c.spr(L.SPR_SPRG0)).toBe(0x1234n);
  });

  it('rate-limits the unknown-hypercall log', () => {
    const { m, logs } = makeMachine();
    const c = m.cpus[0];
    const before = logs.length;
    for (let i = 0; i < 200; i++) hcall(m, c, 0x3f4);
    const lines = logs.length - before;
    expect(lines).toBeGreaterThan(0);
    expect(lines).toBeLessThanOrEqual(11);
  });

  it('writes a success status with a clear high word and a negative one sign-extended', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    c.setGPR(3, 0xffffffffffffffffn); // stale value in r3's high word must not survive
    setHcallRegs(c, H_SET_SPRG0, [5]);
    m.bql.with(() => m.hcalls.dispatch(c));
    expect(c.gpr(3)).toBe(0n);
    expect(hcall(m, c, H_PROD, 77)).toBe(H_PARAMETER);
    expect(c.gpr(3)).toBe(0xfffffffffffffffcn);
  });

  it('refuses to dispatch without the BQL', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    setHcallRegs(c, H_SET_SPRG0, [1]);
    expect(() => m.hcalls.dispatch(c)).toThrow(LockError);
  });

  it('counts calls per opcode', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    hcall(m, c, H_SET_SPRG0, 1);
    hcall(m, c, H_SET_SPRG0, 2);
    expect(m.hcalls.counts.get(H_SET_SPRG0)).toBe(2);
  });

  it('refuses a second registration of the same opcode', () => {
    const { m } = makeMachine();
    const t = new HcallTable(m.bql);
    t.register(0x10, 'A', () => H_SUCCESS);
    expect(() => t.register(0x10, 'B', () => H_SUCCESS)).toThrow(/registered twice/);
    expect(t.name(0x10)).toBe('A');
  });
});

describe('sc 1 through the vCPU', () => {
  // Put `sc 1` at 0x20000 in the vCPU's byte order and run one instruction.
  function runSc(m: ReturnType<typeof makeMachine>['m'], msrLo: number): void {
    const c = m.cpus[0];
    c.setMSR(msrLo, L.MSR_HI_SF);
    c.dv.setUint32(L.RAM_OFFSET + 0x20000, SC1, (msrLo & L.MSR_LE) !== 0);
    c.nia = 0x20000n;
    c.run(1);
  }

  it('runs the hypercall in privileged state and continues after the sc', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    setHcallRegs(c, H_SET_SPRG0, [0x123456789abcdefn]);
    runSc(m, L.MSR_ME | L.MSR_LE);
    expect(c.gpr(3)).toBe(0n);
    expect(c.spr(L.SPR_SPRG0)).toBe(0x123456789abcdefn);
    expect(c.nia).toBe(0x20004n);
    expect(m.bql.held()).toBe(false); // the hook released the lock again
  });

  it('returns H_PRIVILEGE from problem state without running the handler', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    c.setSPR(L.SPR_SPRG0, 7n);
    setHcallRegs(c, H_SET_SPRG0, [9]);
    runSc(m, L.MSR_ME | L.MSR_LE | L.MSR_PR);
    expect(sgpr(c, 3)).toBe(BigInt(H_PRIVILEGE));
    expect(c.spr(L.SPR_SPRG0)).toBe(7n);
  });

  it('delivers H_FUNCTION for an unknown opcode made by a big-endian guest', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    setHcallRegs(c, 0x3f8, []);
    runSc(m, L.MSR_ME);
    expect(sgpr(c, 3)).toBe(BigInt(H_FUNCTION));
    expect(c.nia).toBe(0x20004n);
  });
});
