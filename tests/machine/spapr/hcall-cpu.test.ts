// Processor hypercalls, success and error returns. Expected values from PAPR/LoPAPR and
// QEMU's hw/ppc/spapr_hcall.c for a POWER9 pseries guest.
import { describe, expect, it } from 'vitest';
import * as L from '../../../emulator/cpu/layout.js';
import { processTable } from '../../../emulator/cpu/mmu/mmu.js';
import {
  H_SUCCESS,
  H_HARDWARE,
  H_PARAMETER,
  H_BAD_MODE,
  H_RESOURCE,
  H_CONTINUE,
  H_P2,
  H_P3,
  H_P4,
  H_UNSUPPORTED_FLAG,
  H_SET_MODE,
  H_REGISTER_PROC_TBL,
  H_CEDE,
  H_PROD,
  H_CONFER,
  H_JOIN,
  H_RANDOM,
  H_PAGE_INIT,
  H_SET_SPRG0,
  H_SET_DABR,
  H_SET_XDABR,
  H_REGISTER_VPA,
  H_GET_CPU_CHARACTERISTICS,
  H_LOGICAL_CI_LOAD,
  H_LOGICAL_CI_STORE,
  H_SIGNAL_SYS_RESET,
} from '../../../emulator/machine/spapr/hcall.js';
import { doCas, getBytes, hcall, makeMachine } from './spapr-fixture.js';
import type { Cpu } from '../../../emulator/cpu/cpu.js';

const lpcr = (c: Cpu): bigint => c.spr(L.SPR_LPCR);
const ILE = BigInt(L.LPCR_ILE);
const UPRT = BigInt(L.LPCR_UPRT);
const HR = BigInt(L.LPCR_HR);
const GTSE = BigInt(L.LPCR_GTSE);
const ail = (c: Cpu): bigint => (lpcr(c) >> BigInt(L.LPCR_AIL_SHIFT)) & 3n;
const runState = (c: Cpu): number => Atomics.load(c.i32, c.wi(L.RUN_STATE));
const ee = (c: Cpu): boolean => (c.u32[c.wi(L.MSR)] & L.MSR_EE) !== 0;

// H_SET_MODE resources and H_REGISTER_PROC_TBL flags (PAPR / Linux hvcall.h)
const RES_CIABR = 1;
const RES_DAWR0 = 2;
const RES_AIL = 3;
const RES_LE = 4;
const PT_GTSE = 0x01;
const PT_RADIX = 0x04;
const PT_REGISTER = 0x08;
const PT_MODIFY = 0x10;
const PT_NEW_RADIX_GTSE = PT_MODIFY | PT_REGISTER | PT_RADIX | PT_GTSE;

describe('H_SET_MODE', () => {
  it('switches interrupt endianness (LPCR[ILE]) on every vCPU', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const [c0, c1] = m.cpus;
    expect(hcall(m, c0, H_SET_MODE, 1, RES_LE, 0, 0)).toBe(H_SUCCESS);
    expect(lpcr(c0) & ILE).toBe(ILE);
    expect(lpcr(c1) & ILE).toBe(ILE);
    expect(hcall(m, c1, H_SET_MODE, 0, RES_LE, 0, 0)).toBe(H_SUCCESS);
    expect(lpcr(c0) & ILE).toBe(0n);
    expect(lpcr(c1) & ILE).toBe(0n);
  });

  it('checks value1, value2, then mflags for the endianness resource', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    const before = lpcr(c);
    expect(hcall(m, c, H_SET_MODE, 1, RES_LE, 1, 0)).toBe(H_P3);
    expect(hcall(m, c, H_SET_MODE, 1, RES_LE, 0, 1)).toBe(H_P4);
    expect(hcall(m, c, H_SET_MODE, 1, RES_LE, 1, 1)).toBe(H_P3);
    expect(hcall(m, c, H_SET_MODE, 2, RES_LE, 0, 0)).toBe(H_UNSUPPORTED_FLAG);
    expect(hcall(m, c, H_SET_MODE, -1, RES_LE, 0, 0)).toBe(H_UNSUPPORTED_FLAG);
    expect(lpcr(c)).toBe(before);
  });

  it('sets LPCR[AIL] on every vCPU (0 and 3), refuses the reserved AIL=1', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const [c0, c1] = m.cpus;
    expect(hcall(m, c0, H_SET_MODE, 3, RES_AIL, 0, 0)).toBe(H_SUCCESS);
    expect(ail(c0)).toBe(3n);
    expect(ail(c1)).toBe(3n);
    expect(hcall(m, c0, H_SET_MODE, 1, RES_AIL, 0, 0)).toBe(H_UNSUPPORTED_FLAG);
    expect(ail(c0)).toBe(3n);
    expect(hcall(m, c0, H_SET_MODE, 3, RES_AIL, 5, 0)).toBe(H_P3);
    expect(hcall(m, c0, H_SET_MODE, 3, RES_AIL, 0, 5)).toBe(H_P4);
    expect(hcall(m, c0, H_SET_MODE, 0, RES_AIL, 0, 0)).toBe(H_SUCCESS);
    expect(ail(c0)).toBe(0n);
    expect(ail(c1)).toBe(0n);
  });

  it('answers H_P2 for resources it does not provide', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    for (const r of [0, RES_CIABR, RES_DAWR0, 5, 0x100]) expect(hcall(m, c, H_SET_MODE, 0, r, 0, 0), `resource ${r}`).toBe(H_P2);
  });
});

describe('H_REGISTER_PROC_TBL', () => {
  it('installs a radix process table after CAS and sets UPRT, HR, GTSE on every vCPU', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    expect(doCas(m).rets).toEqual([0, 0]);
    const c = m.cpus[0];
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_NEW_RADIX_GTSE, 0x1000000, 0, 12)).toBe(H_SUCCESS);
    expect(processTable(m.mem)).toBe((1n << 63n) | 0x1000000n | 12n);
    for (const cpu of m.cpus) expect(lpcr(cpu) & (UPRT | HR | GTSE)).toBe(UPRT | HR | GTSE);
    // Without GTSE the bit goes away again.
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_MODIFY | PT_REGISTER | PT_RADIX, 0x2000000, 0, 8)).toBe(H_SUCCESS);
    expect(processTable(m.mem)).toBe((1n << 63n) | 0x2000000n | 8n);
    for (const cpu of m.cpus) expect(lpcr(cpu) & (UPRT | HR | GTSE)).toBe(UPRT | HR);
  });

  it('checks the reserved flags, the table address, page size and table size', () => {
    const { m } = makeMachine();
    doCas(m);
    const c = m.cpus[0];
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_NEW_RADIX_GTSE | 0x20, 0x1000000, 0, 12)).toBe(H_PARAMETER);
    expect(hcall(m, c, H_REGISTER_PROC_TBL, (1n << 32n) | BigInt(PT_NEW_RADIX_GTSE), 0x1000000, 0, 12)).toBe(H_PARAMETER);
    expect(hcall(m, c, H_REGISTER_PROC_TBL, (1n << 63n) | BigInt(PT_NEW_RADIX_GTSE), 0x1000000, 0, 12)).toBe(H_PARAMETER);
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_NEW_RADIX_GTSE, 0x1000800, 0, 12)).toBe(H_P2);
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_NEW_RADIX_GTSE, 1n << 60n, 0, 12)).toBe(H_P2);
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_NEW_RADIX_GTSE, 0x1000000, 1, 12)).toBe(H_P3);
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_NEW_RADIX_GTSE, 0x1000000, 0, 25)).toBe(H_P4);
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_NEW_RADIX_GTSE, 0x1000000, 0, 24)).toBe(H_SUCCESS);
    expect(processTable(m.mem)).toBe((1n << 63n) | 0x1000000n | 24n);
  });

  it('keeps the current radix registration when MODIFY is clear, and refuses a type mismatch', () => {
    const { m } = makeMachine();
    doCas(m);
    const c = m.cpus[0];
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_NEW_RADIX_GTSE, 0x1000000, 0, 12)).toBe(H_SUCCESS);
    // "Maintain current registration": the radix flag must match the registered table.
    expect(hcall(m, c, H_REGISTER_PROC_TBL, 0, 0, 0, 0)).toBe(H_PARAMETER);
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_RADIX | PT_GTSE, 0, 0, 0)).toBe(H_SUCCESS);
    expect(processTable(m.mem)).toBe((1n << 63n) | 0x1000000n | 12n);
  });

  it('deregisters: no table, and UPRT/HR/GTSE cleared in LPCR', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    doCas(m);
    const c = m.cpus[0];
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_NEW_RADIX_GTSE, 0x1000000, 0, 12)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_REGISTER_PROC_TBL, PT_MODIFY, 0, 0, 0)).toBe(H_SUCCESS);
    expect(processTable(m.mem) & ~(1n << 63n)).toBe(0n);
    for (const cpu of m.cpus) expect(lpcr(cpu) & (UPRT | HR | GTSE)).toBe(0n);
  });
});

describe('H_CEDE / H_PROD / H_CONFER / H_JOIN', () => {
  it('H_CEDE sets MSR[EE] and parks the vCPU when nothing is pending', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    c.setMSR(L.MSR_ME, L.MSR_HI_SF);
    expect(hcall(m, c, H_CEDE)).toBe(H_SUCCESS);
    expect(ee(c)).toBe(true);
    expect(runState(c)).toBe(L.RUN_CEDED);
  });

  it('H_CEDE returns at once with an interrupt pending or an expired decrementer', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    Atomics.or(c.i32, c.wi(L.IRQ_PENDING), L.IRQ_EXTERNAL);
    expect(hcall(m, c, H_CEDE)).toBe(H_SUCCESS);
    expect(runState(c)).toBe(L.RUN_RUNNING);
    Atomics.store(c.i32, c.wi(L.IRQ_PENDING), 0);
    c.f64[(c.base + L.DEC_EXPIRY) >> 3] = c.tb() - 1000;
    expect(hcall(m, c, H_CEDE)).toBe(H_SUCCESS);
    expect(runState(c)).toBe(L.RUN_RUNNING);
  });

  it('H_PROD wakes a ceded vCPU, and is remembered by a running one for its next H_CEDE', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const [c0, c1] = m.cpus;
    Atomics.store(c1.i32, c1.wi(L.RUN_STATE), L.RUN_RUNNING);
    expect(hcall(m, c1, H_CEDE)).toBe(H_SUCCESS);
    expect(runState(c1)).toBe(L.RUN_CEDED);
    expect(hcall(m, c0, H_PROD, 1)).toBe(H_SUCCESS);
    expect(runState(c1)).toBe(L.RUN_RUNNING);
    // c1 now running: a prod is kept and consumed by the next cede.
    expect(hcall(m, c0, H_PROD, 1)).toBe(H_SUCCESS);
    expect(hcall(m, c1, H_CEDE)).toBe(H_SUCCESS);
    expect(runState(c1)).toBe(L.RUN_RUNNING);
    expect(hcall(m, c1, H_CEDE)).toBe(H_SUCCESS);
    expect(runState(c1)).toBe(L.RUN_CEDED);
  });

  it('H_PROD of an unknown processor is H_PARAMETER', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    expect(hcall(m, m.cpus[0], H_PROD, 2)).toBe(H_PARAMETER);
    expect(hcall(m, m.cpus[0], H_PROD, -1)).toBe(H_PARAMETER);
  });

  it('H_CONFER: -1 (all) and a known target succeed, an unknown target is H_PARAMETER', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const c = m.cpus[0];
    expect(hcall(m, c, H_CONFER, -1, 0)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_CONFER, 1, 0)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_CONFER, 7, 0)).toBe(H_PARAMETER);
  });

  it('H_JOIN needs MSR[EE] off (H_BAD_MODE otherwise)', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const c = m.cpus[0];
    c.setMSR(L.MSR_ME | L.MSR_EE, L.MSR_HI_SF);
    expect(hcall(m, c, H_JOIN)).toBe(H_BAD_MODE);
    expect(runState(c)).toBe(L.RUN_RUNNING);
  });

  it('H_JOIN parks the caller while another vCPU runs; the last unjoined one gets H_CONTINUE', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const [c0, c1] = m.cpus;
    for (const c of m.cpus) {
      Atomics.store(c.i32, c.wi(L.RUN_STATE), L.RUN_RUNNING);
      c.setMSR(L.MSR_ME, L.MSR_HI_SF);
    }
    expect(hcall(m, c0, H_JOIN)).toBe(H_SUCCESS);
    expect(runState(c0)).toBe(L.RUN_CEDED);
    expect(hcall(m, c1, H_JOIN)).toBe(H_CONTINUE);
    expect(runState(c1)).toBe(L.RUN_RUNNING);
  });

  it('H_JOIN on a single-vCPU machine is H_CONTINUE (nobody could prod it back)', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    c.setMSR(L.MSR_ME, L.MSR_HI_SF);
    expect(hcall(m, c, H_JOIN)).toBe(H_CONTINUE);
    expect(runState(c)).toBe(L.RUN_RUNNING);
  });
});

describe('small utilities', () => {
  it('H_RANDOM returns 64 random bits in r4', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    const seen = new Set<bigint>();
    for (let i = 0; i < 4; i++) {
      expect(hcall(m, c, H_RANDOM)).toBe(H_SUCCESS);
      seen.add(c.gpr(4));
    }
    expect(seen.size).toBe(4);
  });

  it('H_SET_SPRG0 sets SPRG0 (all 64 bits)', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, H_SET_SPRG0, 0xfedcba9876543210n)).toBe(H_SUCCESS);
    expect(c.spr(L.SPR_SPRG0)).toBe(0xfedcba9876543210n);
  });

  it('H_SET_DABR / H_SET_XDABR: POWER9 has no DABR, so H_HARDWARE (as QEMU)', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, H_SET_DABR, 0x1000)).toBe(H_HARDWARE);
    expect(hcall(m, c, H_SET_XDABR, 0x1000, 3)).toBe(H_HARDWARE);
  });

  it('H_GET_CPU_CHARACTERISTICS honours branch hints and favours security', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    c.setGPR(4, 0xffn);
    expect(hcall(m, c, H_GET_CPU_CHARACTERISTICS)).toBe(H_SUCCESS);
    // PAPR bits (PPC_BIT(n) = 1 << (63 - n)): SPEC_BAR_ORI31 (0), L1D_FLUSH_ORI30 (2),
    // L1D_THREAD_PRIV (4), HON_BRANCH_HINTS (5); no TRIG2 (3) and no BCCTR flush assist (9).
    expect(c.gpr(4)).toBe(0xac00000000000000n);
    // FAVOUR_SECURITY (0), L1D_FLUSH_PR (1), BNDS_CHK_SPEC_BAR (2), NO_L1D_FLUSH_ENTRY (5): QEMU's answer.
    expect(c.gpr(5)).toBe(0xe400000000000000n);
  });
});

describe('H_PAGE_INIT', () => {
  const ZERO = 1n << (63n - 48n);
  const COPY = 1n << (63n - 49n);
  const ICACHE_INV = 1n << (63n - 40n);
  const ICACHE_SYNC = 1n << (63n - 41n);

  it('zeroes a page, copies a page, accepts the icache flags', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    m.mem.writePhys(0x100000, new Uint8Array(4096).fill(0xaa));
    m.mem.writePhys(0x101000, new Uint8Array(4096).map((_, i) => i & 0xff));
    expect(hcall(m, c, H_PAGE_INIT, ZERO, 0x100000, 0)).toBe(H_SUCCESS);
    expect(getBytes(m, 0x100000, 4096).every((b) => b === 0)).toBe(true);
    expect(hcall(m, c, H_PAGE_INIT, COPY | ICACHE_SYNC, 0x100000, 0x101000)).toBe(H_SUCCESS);
    expect(getBytes(m, 0x100000, 4096)).toEqual(getBytes(m, 0x101000, 4096));
    expect(getBytes(m, 0x100fff, 1)[0]).toBe(0xff);
    expect(hcall(m, c, H_PAGE_INIT, ICACHE_INV, 0x100000, 0)).toBe(H_SUCCESS);
  });

  it('refuses unaligned or non-RAM pages and unknown flags', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    const ram = m.mem.ramSize;
    m.mem.writePhys(0x100000, new Uint8Array(4096).fill(0x55));
    expect(hcall(m, c, H_PAGE_INIT, ZERO, 0x100800, 0)).toBe(H_PARAMETER);
    expect(hcall(m, c, H_PAGE_INIT, ZERO, ram, 0)).toBe(H_PARAMETER);
    expect(hcall(m, c, H_PAGE_INIT, COPY, 0x100000, 0x101010)).toBe(H_PARAMETER);
    expect(hcall(m, c, H_PAGE_INIT, COPY, 0x100000, ram)).toBe(H_PARAMETER);
    expect(hcall(m, c, H_PAGE_INIT, ZERO | 1n, 0x100000, 0)).toBe(H_PARAMETER);
    expect(getBytes(m, 0x100000, 4096).every((b) => b === 0x55)).toBe(true);
  });
});

describe('H_REGISTER_VPA', () => {
  const fn = (f: number): bigint => BigInt(f) << 45n; // flags bits 16:18
  const REG_VPA = fn(1);
  const REG_DTL = fn(2);
  const REG_SLB = fn(3);
  const DEREG_VPA = fn(5);
  const DEREG_DTL = fn(6);
  const DEREG_SLB = fn(7);

  function area(m: ReturnType<typeof makeMachine>['m'], addr: number, size: number, sizeBytes: 2 | 4): void {
    if (sizeBytes === 2) m.mem.dv.setUint16(L.RAM_OFFSET + addr + 4, size, false);
    else m.mem.dv.setUint32(L.RAM_OFFSET + addr + 4, size, false);
  }

  it('registers a VPA and marks the partition shared-processor (byte 9, bit 0x02, as QEMU)', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    area(m, 0x200000, 0x400, 2);
    m.mem.u8[L.RAM_OFFSET + 0x200000 + 9] = 0x80;
    expect(hcall(m, c, H_REGISTER_VPA, REG_VPA, 0, 0x200000)).toBe(H_SUCCESS);
    expect(m.mem.u8[L.RAM_OFFSET + 0x200000 + 9]).toBe(0x82);
  });

  it('checks the VPA address, size and page crossing', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    area(m, 0x200000, 0x400, 2);
    expect(hcall(m, c, H_REGISTER_VPA, REG_VPA, 0, 0)).toBe(H_HARDWARE); // logical 0
    expect(hcall(m, c, H_REGISTER_VPA, REG_VPA, 0, 0x200040)).toBe(H_PARAMETER); // not cache-line (128) aligned
    area(m, 0x201000, 639, 2);
    expect(hcall(m, c, H_REGISTER_VPA, REG_VPA, 0, 0x201000)).toBe(H_PARAMETER); // below 640 bytes
    area(m, 0x202f00, 640, 2);
    expect(hcall(m, c, H_REGISTER_VPA, REG_VPA, 0, 0x202f00)).toBe(H_PARAMETER); // crosses a 4K page
    expect(hcall(m, c, H_REGISTER_VPA, REG_VPA, 1, 0x200000)).toBe(H_PARAMETER); // no such processor
    expect(hcall(m, c, H_REGISTER_VPA, REG_VPA | 1n, 0, 0x200000)).toBe(H_PARAMETER); // unknown flag bits
    expect(hcall(m, c, H_REGISTER_VPA, fn(4), 0, 0x200000)).toBe(H_PARAMETER); // no sub-function 4
    expect(hcall(m, c, H_REGISTER_VPA, REG_VPA, 0, m.mem.ramSize)).toBe(H_PARAMETER); // outside RAM
  });

  it('DTL and SLB shadow need a VPA; the VPA cannot go while they are registered', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    area(m, 0x200000, 0x400, 2);
    area(m, 0x210000, 0x1000, 4);
    area(m, 0x220000, 0x100, 4);
    expect(hcall(m, c, H_REGISTER_VPA, REG_DTL, 0, 0x210000)).toBe(H_RESOURCE);
    expect(hcall(m, c, H_REGISTER_VPA, REG_SLB, 0, 0x220000)).toBe(H_RESOURCE);
    expect(hcall(m, c, H_REGISTER_VPA, REG_VPA, 0, 0x200000)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_REGISTER_VPA, REG_DTL, 0, 0x210000)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_REGISTER_VPA, REG_SLB, 0, 0x220000)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_REGISTER_VPA, DEREG_VPA, 0, 0)).toBe(H_RESOURCE);
    expect(hcall(m, c, H_REGISTER_VPA, DEREG_DTL, 0, 0)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_REGISTER_VPA, DEREG_VPA, 0, 0)).toBe(H_RESOURCE);
    expect(hcall(m, c, H_REGISTER_VPA, DEREG_SLB, 0, 0)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_REGISTER_VPA, DEREG_VPA, 0, 0)).toBe(H_SUCCESS);
  });

  it('checks DTL and SLB shadow address and size', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    area(m, 0x200000, 0x400, 2);
    expect(hcall(m, c, H_REGISTER_VPA, REG_VPA, 0, 0x200000)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_REGISTER_VPA, REG_DTL, 0, 0)).toBe(H_HARDWARE);
    expect(hcall(m, c, H_REGISTER_VPA, REG_SLB, 0, 0)).toBe(H_HARDWARE);
    area(m, 0x210000, 47, 4);
    expect(hcall(m, c, H_REGISTER_VPA, REG_DTL, 0, 0x210000)).toBe(H_PARAMETER); // DTL below 48 bytes
    area(m, 0x220000, 7, 4);
    expect(hcall(m, c, H_REGISTER_VPA, REG_SLB, 0, 0x220000)).toBe(H_PARAMETER); // shadow below 8 bytes
    area(m, 0x230f80, 0x100, 4);
    expect(hcall(m, c, H_REGISTER_VPA, REG_SLB, 0, 0x230f80)).toBe(H_PARAMETER); // shadow crosses a page
  });
});

describe('H_LOGICAL_CI_LOAD / STORE', () => {
  it('loads and stores big-endian values of 1, 2, 4 and 8 bytes in RAM', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    m.mem.writePhys(0x300000, Uint8Array.of(0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef));
    expect(hcall(m, c, H_LOGICAL_CI_LOAD, 8, 0x300000)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(0x0123456789abcdefn);
    expect(hcall(m, c, H_LOGICAL_CI_LOAD, 4, 0x300004)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(0x89abcdefn);
    expect(hcall(m, c, H_LOGICAL_CI_LOAD, 2, 0x300002)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(0x4567n);
    expect(hcall(m, c, H_LOGICAL_CI_LOAD, 1, 0x300007)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(0xefn);
    expect(hcall(m, c, H_LOGICAL_CI_STORE, 8, 0x300010, 0xfedcba9876543210n)).toBe(H_SUCCESS);
    expect(getBytes(m, 0x300010, 8)).toEqual(Uint8Array.of(0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10));
    expect(hcall(m, c, H_LOGICAL_CI_STORE, 2, 0x300020, 0xffffbeefn)).toBe(H_SUCCESS);
    expect(getBytes(m, 0x300020, 4)).toEqual(Uint8Array.of(0xbe, 0xef, 0, 0));
    expect(hcall(m, c, H_LOGICAL_CI_STORE, 1, 0x300030, 0x1ffn)).toBe(H_SUCCESS);
    expect(getBytes(m, 0x300030, 2)).toEqual(Uint8Array.of(0xff, 0));
  });

  it('refuses sizes other than 1, 2, 4, 8', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    for (const s of [0, 3, 5, 16, -1]) {
      expect(hcall(m, c, H_LOGICAL_CI_LOAD, s, 0x300000), `load ${s}`).toBe(H_PARAMETER);
      expect(hcall(m, c, H_LOGICAL_CI_STORE, s, 0x300000, 1), `store ${s}`).toBe(H_PARAMETER);
    }
  });

  it('outside RAM: reads as all ones, writes are dropped (no device there)', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, H_LOGICAL_CI_LOAD, 4, 0x80000000)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_LOGICAL_CI_STORE, 4, 0x80000000, 1)).toBe(H_SUCCESS);
  });
});

describe('H_SIGNAL_SYS_RESET', () => {
  const resetPending = (c: Cpu): boolean => (Atomics.load(c.i32, c.wi(L.IRQ_PENDING)) & L.IRQ_RESET) !== 0;

  it('targets one vCPU, all (-1) or all but the caller (-2)', () => {
    const { m } = makeMachine({ nvcpus: 3 });
    const [c0, c1, c2] = m.cpus;
    const clear = (): void => m.cpus.forEach((c) => Atomics.store(c.i32, c.wi(L.IRQ_PENDING), 0));
    expect(hcall(m, c0, H_SIGNAL_SYS_RESET, 2)).toBe(H_SUCCESS);
    expect([resetPending(c0), resetPending(c1), resetPending(c2)]).toEqual([false, false, true]);
    clear();
    expect(hcall(m, c1, H_SIGNAL_SYS_RESET, -1)).toBe(H_SUCCESS);
    expect([resetPending(c0), resetPending(c1), resetPending(c2)]).toEqual([true, true, true]);
    clear();
    expect(hcall(m, c1, H_SIGNAL_SYS_RESET, -2)).toBe(H_SUCCESS);
    expect([resetPending(c0), resetPending(c1), resetPending(c2)]).toEqual([true, false, true]);
  });

  it('refuses an unknown vCPU or a negative target below -2', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const c = m.cpus[0];
    expect(hcall(m, c, H_SIGNAL_SYS_RESET, 2)).toBe(H_PARAMETER);
    expect(hcall(m, c, H_SIGNAL_SYS_RESET, -3)).toBe(H_PARAMETER);
    expect(hcall(m, c, H_SIGNAL_SYS_RESET, 0x80000000)).toBe(H_PARAMETER);
    for (const cpu of m.cpus) expect(resetPending(cpu)).toBe(false);
  });
});
