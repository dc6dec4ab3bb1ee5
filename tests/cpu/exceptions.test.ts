// Interrupt delivery and return, AIL relocation, decrementer, scv, trace: worked by hand
// from Power ISA 3.0B Book III ch. 7 (and QEMU's powerpc_excp_books for a pseries guest).
import { describe, expect, it } from 'vitest';
import { makeCpu, exec, loadCode, CODE_BASE } from './harness.js';
import * as L from '../../emulator/cpu/layout.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';
import { FAULT } from '../../emulator/cpu/fault.js';
import { deliver, raiseScv, VEC_DSI, VEC_PROGRAM, VEC_SYSTEM_RESET, VEC_MACHINE_CHECK, decPending } from '../../emulator/cpu/exceptions.js';
import { setHypervisorSprs, setLPCR } from '../../emulator/cpu/insn/system.js';

const sprField = (n: number): number => (((n & 0x1f) << 5) | ((n >>> 5) & 0x1f)) << 11;
const MFSPR = (rt: number, n: number): number => ((31 << 26) | (rt << 21) | sprField(n) | (339 << 1)) >>> 0;
const MTSPR = (n: number, rs: number): number => ((31 << 26) | (rs << 21) | sprField(n) | (467 << 1)) >>> 0;
const MTMSRD = (rs: number, l: number): number => ((31 << 26) | (rs << 21) | (l << 16) | (178 << 1)) >>> 0;
const B = (li: number): number => ((18 << 26) | (li & 0x03fffffc)) >>> 0;
const BC = (bo: number, bi: number, bd: number): number => ((16 << 26) | (bo << 21) | (bi << 16) | (bd & 0xfffc)) >>> 0;
const ADDI = (rt: number, ra: number, si: number): number => ((14 << 26) | (rt << 21) | (ra << 16) | (si & 0xffff)) >>> 0;
const NOP = 0x4c000382; // cror 0,0,0
const RFID = 0x4c000024;
const RFSCV = 0x4c0000a4;
const SC = (lev: number): number => (0x44000002 | (lev << 5)) >>> 0;
const SCV = (lev: number): number => (0x44000001 | (lev << 5)) >>> 0;

const SF = BigInt(L.MSR_HI_SF >>> 0) << 32n;
const LPCR_ILE = BigInt(L.LPCR_ILE);
const ail = (n: number): bigint => BigInt(n << L.LPCR_AIL_SHIFT);
const bits = (...b: number[]): bigint => b.reduce((a, x) => a | BigInt(x >>> 0), 0n);

/** A guest whose interrupts run little-endian, like its code (LPCR[ILE], as Linux asks). */
function leGuest(extraLpcr = 0n): Cpu {
  const c = makeCpu();
  setHypervisorSprs(c, { lpcr: LPCR_ILE | BigInt(L.LPCR_LD) | extraLpcr });
  return c;
}

function setMsr(c: Cpu, v: bigint): void {
  c.setMSR(Number(v & 0xffffffffn), Number(v >> 32n));
}

describe('interrupt delivery', () => {
  it('Program (illegal): vector, SRR0, SRR1 cause and kept bits, new MSR', () => {
    const c = leGuest();
    setMsr(c, SF | bits(L.MSR_EE, L.MSR_FP, L.MSR_ME, L.MSR_RI, L.MSR_LE, L.MSR_VEC, L.MSR_VSX));
    exec(c, [0]);
    expect(c.nia).toBe(0x700n);
    expect(c.spr(L.SPR_SRR0)).toBe(0x10000n);
    expect(c.spr(L.SPR_SRR1)).toBe(SF | bits(L.MSR_EE, L.MSR_FP, L.MSR_ME, L.MSR_RI, L.MSR_LE, L.MSR_VEC, L.MSR_VSX) | (1n << 19n));
    // SF=1, ME kept, LE from LPCR[ILE]; EE, FP, VEC, VSX, RI, IR, DR off
    expect(c.msr).toBe(SF | bits(L.MSR_ME, L.MSR_LE));
  });

  it('new MSR: LE clear without LPCR[ILE]; ME clear stays clear; HV kept', () => {
    const c = makeCpu();
    setHypervisorSprs(c, { lpcr: 0n });
    setMsr(c, SF | bits(L.MSR_LE, L.MSR_PR));
    deliver(c, VEC_PROGRAM, 0x1234, 0, 0);
    expect(c.msr).toBe(SF);
    expect(c.spr(L.SPR_SRR1)).toBe(SF | bits(L.MSR_LE, L.MSR_PR));
  });

  it('SRR1 bits 33:36 and 42:47 come from the cause, not from MSR', () => {
    const c = leGuest();
    // set MSR bits that live in 33:36 / 42:47 positions (never architected there)
    c.u32[c.wi(L.MSR)] = 0x783f0000 | L.MSR_ME;
    deliver(c, VEC_DSI, 0, 0, 0);
    expect(c.spr(L.SPR_SRR1) & 0x783f0000n).toBe(0n);
  });

  it('32-bit mode: SRR1 shows SF=0, the handler runs with SF=1', () => {
    const c = leGuest();
    setMsr(c, bits(L.MSR_LE, L.MSR_ME));
    exec(c, [0]);
    expect(c.spr(L.SPR_SRR1) >> 63n).toBe(0n);
    expect(c.msr >> 63n).toBe(1n);
  });

  it('every interrupt loses the reservation', () => {
    const c = leGuest();
    c.u32[c.wi(L.RESV_LEN)] = 8;
    exec(c, [0]);
    expect(c.u32[c.wi(L.RESV_LEN)]).toBe(0);
  });
});

describe('AIL relocation (LPCR[AIL])', () => {
  const translated = SF | bits(L.MSR_IR, L.MSR_DR, L.MSR_ME, L.MSR_LE);

  it('AIL=3 with IR=DR=1: 0xc000000000004000 + vector, IR and DR stay on', () => {
    const c = leGuest(ail(3));
    setMsr(c, translated);
    deliver(c, VEC_DSI, 0x5000, 0xc0000000, 0);
    expect(c.nia).toBe(0xc000000000004300n);
    expect(c.msr).toBe(translated);
    expect(c.spr(L.SPR_SRR0)).toBe(0xc000000000005000n);
  });

  it('AIL=3 but IR or DR off: no relocation', () => {
    for (const m of [bits(L.MSR_IR), bits(L.MSR_DR), 0n]) {
      const c = leGuest(ail(3));
      setMsr(c, SF | m | bits(L.MSR_ME, L.MSR_LE));
      deliver(c, VEC_DSI, 0, 0, 0);
      expect(c.nia).toBe(0x300n);
      expect(c.msr & bits(L.MSR_IR, L.MSR_DR)).toBe(0n);
    }
  });

  it('AIL=2: 0x18000 + vector; AIL=1 (reserved): none', () => {
    let c = leGuest(ail(2));
    setMsr(c, translated);
    deliver(c, VEC_PROGRAM, 0, 0, 0);
    expect(c.nia).toBe(0x18700n);
    expect(c.msr & bits(L.MSR_IR, L.MSR_DR)).toBe(bits(L.MSR_IR, L.MSR_DR));
    c = leGuest(ail(1));
    setMsr(c, translated);
    deliver(c, VEC_PROGRAM, 0, 0, 0);
    expect(c.nia).toBe(0x700n);
    expect(c.msr & bits(L.MSR_IR, L.MSR_DR)).toBe(0n);
  });

  it('system reset and machine check are never relocated; machine check clears ME', () => {
    let c = leGuest(ail(3));
    setMsr(c, translated);
    deliver(c, VEC_SYSTEM_RESET, 0, 0, 0);
    expect(c.nia).toBe(0x100n);
    expect(c.msr).toBe(SF | bits(L.MSR_ME, L.MSR_LE));
    c = leGuest(ail(3));
    setMsr(c, translated);
    deliver(c, VEC_MACHINE_CHECK, 0, 0, 0);
    expect(c.nia).toBe(0x200n);
    expect(c.msr).toBe(SF | bits(L.MSR_LE));
  });

  it('setLPCR flushes translations and is seen by the next interrupt', () => {
    const c = leGuest();
    setLPCR(c, LPCR_ILE | ail(3));
    setMsr(c, translated);
    deliver(c, VEC_PROGRAM, 0, 0, 0);
    expect(c.nia).toBe(0xc000000000004700n);
  });
});

describe('rfid', () => {
  it('returns to SRR0 with MSR from SRR1, sets CFAR, loses the reservation', () => {
    const c = leGuest();
    c.setSPR(L.SPR_SRR0, 0x20003n);
    c.setSPR(L.SPR_SRR1, SF | bits(L.MSR_EE, L.MSR_FP, L.MSR_LE, L.MSR_RI));
    c.u32[c.wi(L.RESV_LEN)] = 4;
    const before = c.msr & bits(L.MSR_ME);
    exec(c, [RFID]);
    expect(c.nia).toBe(0x20000n);
    expect(c.msr).toBe(SF | bits(L.MSR_EE, L.MSR_FP, L.MSR_LE, L.MSR_RI) | before);
    expect(c.spr(L.SPR_CFAR)).toBe(0x10000n);
    expect(c.u32[c.wi(L.RESV_LEN)]).toBe(0);
  });

  it('keeps ME and HV; PR=1 forces EE IR DR; SF=0 crops the address', () => {
    const c = leGuest();
    setMsr(c, SF | bits(L.MSR_ME, L.MSR_LE));
    c.setSPR(L.SPR_SRR0, 0x1234567800004000n);
    c.setSPR(L.SPR_SRR1, (BigInt(L.MSR_HI_HV) << 32n) | bits(L.MSR_PR, L.MSR_LE));
    exec(c, [RFID]);
    expect(c.nia).toBe(0x4000n);
    expect(c.msr).toBe(bits(L.MSR_PR, L.MSR_EE, L.MSR_IR, L.MSR_DR, L.MSR_ME, L.MSR_LE));
  });

  it('is privileged', () => {
    const c = leGuest();
    setMsr(c, SF | bits(L.MSR_PR, L.MSR_LE));
    exec(c, [RFID]);
    expect(c.nia).toBe(0x700n);
    expect(c.spr(L.SPR_SRR1) & (1n << 18n)).toBe(1n << 18n);
  });

  it('sc 0 into a handler that returns with rfid: back at the next instruction', () => {
    const c = leGuest();
    const msr0 = c.msr;
    loadCode(c, [ADDI(4, 0, 7), RFID], 0xc00);
    exec(c, [SC(0), ADDI(5, 0, 9), NOP]);
    // sc, addi(at 0xc00), rfid: 3 instructions
    expect(c.gpr(4)).toBe(7n);
    expect(c.nia).toBe(0x10004n);
    expect(c.msr).toBe(msr0);
  });
});

describe('decrementer', () => {
  function decGuest(lpcrExtra = BigInt(L.LPCR_LD)): Cpu {
    const c = makeCpu();
    setHypervisorSprs(c, { lpcr: LPCR_ILE | lpcrExtra });
    loadCode(c, [B(0)], 0x900); // handler: spin
    return c;
  }

  it('fires at 0x900 once EE is on, with SRR0 = the interrupted instruction', () => {
    const c = decGuest();
    c.setGPR(3, 2000n); // ~4 us at 512 MHz
    c.setGPR(4, BigInt(L.MSR_EE));
    loadCode(c, [MTSPR(22, 3), MTMSRD(4, 1), B(0)]);
    c.nia = BigInt(CODE_BASE);
    for (let k = 0; k < 1000 && c.nia !== 0x900n; k++) c.run(10_000);
    expect(c.nia).toBe(0x900n);
    expect(c.spr(L.SPR_SRR0)).toBe(0x10008n);
    expect(c.spr(L.SPR_SRR1) & bits(L.MSR_EE)).toBe(bits(L.MSR_EE));
    expect(c.msr & bits(L.MSR_EE)).toBe(0n);
    expect(decPending(c)).toBe(true); // level: pending until DEC is rewritten
  });

  it('does not fire while EE is off; DEC reads negative', () => {
    const c = decGuest();
    c.setGPR(3, 1n);
    loadCode(c, [MTSPR(22, 3), B(0)]);
    c.nia = BigInt(CODE_BASE);
    c.run(50_000);
    expect(c.nia).toBe(0x10004n);
    exec(c, [MFSPR(5, 22)]);
    expect(c.gpr(5) >> 63n).toBe(1n);
  });

  it('writing 0 makes it pending at once; a positive value clears it', () => {
    const c = decGuest();
    c.setGPR(3, 0n);
    c.setGPR(4, 0x10000000n);
    exec(c, [MTSPR(22, 3)]);
    expect(decPending(c)).toBe(true);
    exec(c, [MTSPR(22, 4)]);
    expect(decPending(c)).toBe(false);
  });

  it('LPCR[LD]=0: 32 bits, sign-extended on read; the high word of a write is ignored', () => {
    const c = decGuest(0n);
    c.setGPR(3, 0x123456787fffffffn);
    exec(c, [MTSPR(22, 3), MFSPR(5, 22)]);
    const v = c.gpr(5);
    expect(v <= 0x7fffffffn && v > 0x7fff0000n).toBe(true);
    c.setGPR(3, 0xfffffff0n); // -16 as 32 bits
    exec(c, [MTSPR(22, 3), MFSPR(5, 22)]);
    expect(c.gpr(5) >> 32n).toBe(0xffffffffn);
    expect(decPending(c)).toBe(true);
  });

  it('LPCR[LD]=1: 56 bits, sign-extended from bit 56', () => {
    const c = decGuest();
    c.setGPR(3, 1n << 40n);
    exec(c, [MTSPR(22, 3), MFSPR(5, 22)]);
    const v = c.gpr(5);
    expect(v <= 1n << 40n && v > (1n << 40n) - 100_000_000n).toBe(true);
    expect(decPending(c)).toBe(false);
    c.setGPR(3, 0xff80000000000000n >> 8n); // bit 55 set: negative
    exec(c, [MTSPR(22, 3), MFSPR(5, 22)]);
    expect(c.gpr(5) >> 55n).toBe(0x1ffn);
    expect(decPending(c)).toBe(true);
  });

  it('a negative write reads back negative (counting down from it)', () => {
    const c = decGuest();
    c.setGPR(3, -100000n & 0xffffffffffffffffn);
    exec(c, [MTSPR(22, 3), MFSPR(5, 22)]);
    const v = BigInt.asIntN(64, c.gpr(5));
    expect(v <= -100000n && v > -100000n - 100_000_000n).toBe(true);
  });

  it('DEC is privileged', () => {
    const c = decGuest();
    c.setMSR(c.u32[c.wi(L.MSR)] | L.MSR_PR, c.u32[c.wi(L.MSR) + 1]);
    exec(c, [MFSPR(5, 22)]);
    expect(c.nia).toBe(0x700n);
  });
});

describe('asynchronous sources', () => {
  it('system reset is taken even with EE off, and consumed', () => {
    const c = leGuest();
    loadCode(c, [B(0)], 0x100);
    Atomics.or(c.i32, c.wi(L.IRQ_PENDING), L.IRQ_RESET);
    exec(c, [NOP]);
    expect(c.spr(L.SPR_SRR0)).toBe(0x10000n);
    expect(c.nia).toBe(0x100n);
    expect(Atomics.load(c.i32, c.wi(L.IRQ_PENDING)) & L.IRQ_RESET).toBe(0);
  });

  it('machine check with ME=0 checkstops the vCPU', () => {
    const c = leGuest();
    setMsr(c, SF | bits(L.MSR_LE));
    Atomics.or(c.i32, c.wi(L.IRQ_PENDING), L.IRQ_MCE);
    c.run(10);
    expect(c.u32[c.wi(L.RUN_STATE)]).toBe(L.RUN_STOPPED);
    expect(c.nia).toBe(0x10000n);
  });

  it('external interrupts wait for EE', () => {
    const c = leGuest();
    loadCode(c, [B(0)], 0x500);
    Atomics.or(c.i32, c.wi(L.IRQ_PENDING), L.IRQ_EXTERNAL);
    exec(c, [NOP]);
    expect(c.nia).toBe(0x10004n);
    c.setGPR(4, BigInt(L.MSR_EE));
    exec(c, [MTMSRD(4, 1), NOP]);
    expect(c.spr(L.SPR_SRR0)).toBe(0x10004n);
    expect(c.nia).toBe(0x500n);
  });
});

describe('scv / rfscv', () => {
  it('scv without FSCR[SCV]: facility unavailable, FSCR[IC] = 12', () => {
    const c = leGuest();
    exec(c, [SCV(0)]);
    expect(c.nia).toBe(0xf60n);
    expect(c.spr(L.SPR_SRR0)).toBe(0x10000n);
    expect(c.spr(L.SPR_FSCR) >> 56n).toBe(12n);
  });

  it('scv LEV: 0x17000 + 0x20*LEV, LR = next, CTR = MSR, EE kept, SRRs untouched', () => {
    const c = leGuest();
    c.setSPR(L.SPR_FSCR, 1n << 12n);
    const msr = SF | bits(L.MSR_EE, L.MSR_ME, L.MSR_LE, L.MSR_FP, L.MSR_RI);
    setMsr(c, msr);
    c.setSPR(L.SPR_SRR0, 0x55n);
    exec(c, [SCV(3)]);
    expect(c.nia).toBe(0x17060n);
    expect(c.spr(L.SPR_LR)).toBe(0x10004n);
    expect(c.spr(L.SPR_CTR)).toBe(msr);
    expect(c.spr(L.SPR_SRR0)).toBe(0x55n);
    expect(c.msr).toBe(SF | bits(L.MSR_EE, L.MSR_ME, L.MSR_LE, L.MSR_RI));
  });

  it('scv with AIL=3 and translation on goes to 0xc000000000003000 + 0x20*LEV', () => {
    const c = leGuest(ail(3));
    setMsr(c, SF | bits(L.MSR_IR, L.MSR_DR, L.MSR_ME, L.MSR_LE));
    c.pcLo = 0x1004;
    c.pcHi = 0xc0000000;
    let thrown: unknown;
    try {
      raiseScv(c, 1);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(FAULT);
    expect(c.nia).toBe(0xc000000000003020n);
    expect(c.spr(L.SPR_LR)).toBe(0xc000000000001004n);
  });

  it('rfscv returns to LR with MSR = CTR', () => {
    const c = leGuest();
    c.setSPR(L.SPR_LR, 0x30000n);
    c.setSPR(L.SPR_CTR, SF | bits(L.MSR_LE, L.MSR_EE));
    exec(c, [RFSCV]);
    expect(c.nia).toBe(0x30000n);
    expect(c.msr & bits(L.MSR_EE)).toBe(bits(L.MSR_EE));
  });
});

describe('trace (MSR[SE], MSR[BE])', () => {
  it('single step: after one instruction, 0xd00 with SRR0 = the next one', () => {
    const c = leGuest();
    loadCode(c, [NOP], 0xd00);
    setMsr(c, c.msr | bits(L.MSR_SE));
    loadCode(c, [ADDI(5, 0, 1), ADDI(5, 5, 1)]);
    c.nia = BigInt(CODE_BASE);
    c.run(1);
    expect(c.gpr(5)).toBe(1n);
    expect(c.nia).toBe(0x10004n);
    c.run(1); // the trace interrupt, then the handler's first instruction
    expect(c.spr(L.SPR_SRR0)).toBe(0x10004n);
    expect(c.spr(L.SPR_SRR1) & bits(L.MSR_SE)).toBe(bits(L.MSR_SE));
    expect(c.msr & bits(L.MSR_SE)).toBe(0n);
    expect(c.nia).toBe(0xd04n);
    expect(c.gpr(5)).toBe(1n);
  });

  it('rfid into single-stepped code traces the instruction after rfid, not rfid', () => {
    const c = leGuest();
    loadCode(c, [NOP], 0xd00);
    loadCode(c, [ADDI(6, 0, 2), ADDI(6, 6, 2)], 0x20000);
    c.setSPR(L.SPR_SRR0, 0x20000n);
    c.setSPR(L.SPR_SRR1, c.msr | bits(L.MSR_SE));
    loadCode(c, [RFID]);
    c.nia = BigInt(CODE_BASE);
    c.run(1);
    expect(c.nia).toBe(0x20000n);
    c.run(1);
    expect(c.gpr(6)).toBe(2n);
    c.run(1);
    expect(c.spr(L.SPR_SRR0)).toBe(0x20004n);
    expect(c.nia).toBe(0xd04n);
  });

  it('branch trace: a taken branch traps, other instructions do not', () => {
    const c = leGuest();
    loadCode(c, [NOP], 0xd00);
    setMsr(c, c.msr | bits(L.MSR_BE));
    loadCode(c, [ADDI(5, 0, 1), B(8), NOP, NOP]);
    c.nia = BigInt(CODE_BASE);
    c.run(3);
    expect(c.spr(L.SPR_SRR0)).toBe(0x1000cn);
    expect(c.spr(L.SPR_SRR1) & (1n << 30n)).toBe(1n << 30n); // SRR1[33]
    expect(c.spr(796)).toBe(0x10004n); // SIAR = the branch
    expect(c.nia).toBe(0xd04n);
  });

  it('branch trace also fires after a branch that falls through', () => {
    const c = leGuest();
    loadCode(c, [NOP], 0xd00);
    setMsr(c, c.msr | bits(L.MSR_BE));
    c.cr = 0;
    loadCode(c, [BC(12, 2, 0x40), NOP]);
    c.nia = BigInt(CODE_BASE);
    c.run(2);
    expect(c.spr(L.SPR_SRR0)).toBe(0x10004n);
    expect(c.nia).toBe(0xd04n);
  });

  it('no trace when the traced instruction takes an interrupt', () => {
    const c = leGuest();
    loadCode(c, [NOP, NOP], 0xc00);
    setMsr(c, c.msr | bits(L.MSR_SE));
    loadCode(c, [SC(0)]);
    c.nia = BigInt(CODE_BASE);
    c.run(3);
    expect(c.spr(L.SPR_SRR0)).toBe(0x10004n);
    expect(c.nia).toBe(0xc08n);
  });

  it('the run loop goes back to normal slices when tracing stops', () => {
    const c = leGuest();
    setMsr(c, c.msr | bits(L.MSR_SE));
    expect(c.sliceMax).toBe(1);
    setMsr(c, c.msr & ~bits(L.MSR_SE));
    expect(c.sliceMax).toBe(1024);
  });
});

describe('bc loop with a DEC interrupt in the middle keeps exact retired counts', () => {
  it('retired counts every instruction', () => {
    const c = leGuest();
    c.setSPR(L.SPR_CTR, 5000n);
    loadCode(c, [ADDI(5, 5, 1), BC(16, 0, -4), B(0)]);
    c.setGPR(5, 0n);
    c.nia = BigInt(CODE_BASE);
    const n = c.run(10_001);
    expect(n).toBe(10_001);
    expect(c.gpr(5)).toBe(5000n);
    expect(c.nia).toBe(0x10008n);
  });
});
