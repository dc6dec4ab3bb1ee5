// SPR/MSR moves, CR/XER moves, sc/scv, sync: worked by hand from Power ISA 3.0B and
// QEMU's POWER9 SPR rules for a pseries guest (MSR[HV]=0).
import { describe, expect, it } from 'vitest';
import { makeCpu, exec, loadCode } from './harness.js';
import * as L from '../../emulator/cpu/layout.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';
import { setHypervisorSprs, PVR_POWER9_DD22 } from '../../emulator/cpu/insn/system.js';

const X31 = (xo: number, rt: number, ra = 0, rb = 0, rc = 0): number =>
  ((31 << 26) | (rt << 21) | (ra << 16) | (rb << 11) | (xo << 1) | rc) >>> 0;
const sprField = (n: number): number => (((n & 0x1f) << 5) | ((n >>> 5) & 0x1f)) << 11;
const MFSPR = (rt: number, n: number): number => ((31 << 26) | (rt << 21) | sprField(n) | (339 << 1)) >>> 0;
const MTSPR = (n: number, rs: number): number => ((31 << 26) | (rs << 21) | sprField(n) | (467 << 1)) >>> 0;
const MFTB = (rt: number, n: number): number => ((31 << 26) | (rt << 21) | sprField(n) | (371 << 1)) >>> 0;
const MFMSR = (rt: number): number => X31(83, rt);
const MTMSRD = (rs: number, l: number): number => X31(178, rs, l);
const MTMSR = (rs: number, l: number): number => X31(146, rs, l);
const MFCR = (rt: number): number => X31(19, rt);
const MFOCRF = (rt: number, fxm: number): number => (X31(19, rt) | (1 << 20) | (fxm << 12)) >>> 0;
const MTCRF = (fxm: number, rs: number): number => (X31(144, rs) | (fxm << 12)) >>> 0;
const MTOCRF = (fxm: number, rs: number): number => (X31(144, rs) | (1 << 20) | (fxm << 12)) >>> 0;
const MCRXRX = (bf: number): number => X31(576, bf << 2);
const SC = (lev: number): number => (0x44000002 | (lev << 5)) >>> 0;
const SYNC = (l: number): number => X31(598, l);
const EIEIO = X31(854, 0);
const ISYNC = 0x4c00012c;
const NOP = 0x4c000382; // cror 0,0,0 (our own family, so these tests need no other)

const PROGRAM_PRIV = 1n << 18n;
const PROGRAM_ILLEGAL = 1n << 19n;

/** Problem state (user): PR=1 (with EE, IR, DR forced by the architecture, but the
 *  harness runs in real mode, so only PR here: translation is not the point). */
function user(c: Cpu): void {
  c.setMSR(c.u32[c.wi(L.MSR)] | L.MSR_PR, c.u32[c.wi(L.MSR) + 1]);
}

function expectProgram(c: Cpu, bit: bigint): void {
  expect(c.nia).toBe(0x700n);
  expect(c.spr(L.SPR_SRR0)).toBe(0x10000n);
  expect(c.spr(L.SPR_SRR1) & (0xfn << 17n)).toBe(bit);
}

describe('XER, CR moves', () => {
  it('mtxer splits the defined fields; mfxer joins them (other bits read 0)', () => {
    const c = makeCpu();
    c.setGPR(4, 0xffffffffffffffffn);
    exec(c, [MTSPR(1, 4), MFSPR(5, 1)]);
    expect(c.gpr(5)).toBe(0xe00c007fn);
    expect(c.u32[c.wi(L.XER_SO)]).toBe(1);
    expect(c.u32[c.wi(L.XER_CA32)]).toBe(1);
    expect(c.u32[c.wi(L.XER_BC)]).toBe(0x7f);
    c.setGPR(4, 0x20000005n); // CA and byte count 5
    exec(c, [MTSPR(1, 4), MFSPR(5, 1)]);
    expect(c.gpr(5)).toBe(0x20000005n);
    expect(c.u32[c.wi(L.XER_SO)]).toBe(0);
  });

  it('mfcr zero-extends CR; mfocrf keeps one field', () => {
    const c = makeCpu();
    c.cr = 0x89abcdef;
    c.setGPR(5, 0x1111111111111111n);
    exec(c, [MFCR(5), MFOCRF(6, 0x20)]);
    expect(c.gpr(5)).toBe(0x89abcdefn);
    expect(c.gpr(6)).toBe(0x00a00000n);
  });

  it('mfocrf with a FXM that is not one-hot leaves RT unchanged (QEMU)', () => {
    const c = makeCpu();
    c.cr = 0x89abcdef;
    c.setGPR(6, 0x42n);
    exec(c, [MFOCRF(6, 0x30), MFOCRF(6, 0)]);
    expect(c.gpr(6)).toBe(0x42n);
  });

  it('mtcrf updates the selected fields from the low word of RS', () => {
    const c = makeCpu();
    c.cr = 0x12345678;
    c.setGPR(4, 0xffffffff9abcdef0n);
    exec(c, [MTCRF(0x81, 4)]);
    expect(c.cr >>> 0).toBe(0x92345670);
    exec(c, [MTCRF(0xff, 4)]);
    expect(c.cr >>> 0).toBe(0x9abcdef0);
    exec(c, [MTCRF(0, 4)]);
    expect(c.cr >>> 0).toBe(0x9abcdef0);
  });

  it('mtocrf: one field; not one-hot does nothing', () => {
    const c = makeCpu();
    c.cr = 0;
    c.setGPR(4, 0xfedcba98n);
    exec(c, [MTOCRF(0x08, 4)]);
    expect(c.cr >>> 0).toBe(0x0000b000);
    exec(c, [MTOCRF(0x18, 4)]);
    expect(c.cr >>> 0).toBe(0x0000b000);
  });

  it('mcrxrx: OV OV32 CA CA32 into a CR field', () => {
    const c = makeCpu();
    c.cr = 0xffffffff;
    c.setGPR(4, (1n << 30n) | (1n << 18n)); // OV and CA32
    exec(c, [MTSPR(1, 4), MCRXRX(2)]);
    expect(c.cr >>> 0).toBe(0xff9fffff);
  });
});

describe('mfspr / mtspr', () => {
  it('LR and CTR in problem state', () => {
    const c = makeCpu();
    user(c);
    c.setGPR(3, 0x123456789n);
    exec(c, [MTSPR(8, 3), MTSPR(9, 3), MFSPR(4, 8), MFSPR(5, 9)]);
    expect(c.gpr(4)).toBe(0x123456789n);
    expect(c.gpr(5)).toBe(0x123456789n);
  });

  it('privileged SPRs from problem state raise a privileged Program interrupt', () => {
    for (const w of [MFSPR(4, 26), MTSPR(26, 3), MFSPR(4, 272), MFSPR(4, 287), MTSPR(22, 3), MFSPR(4, 17)]) {
      const c = makeCpu();
      user(c);
      exec(c, [w]);
      expectProgram(c, PROGRAM_PRIV);
    }
  });

  it('SPRG0-3 and SRR0/1 round-trip in privileged state; SPRG3 is user-readable at 259', () => {
    const c = makeCpu();
    c.setGPR(3, 0xc000000012345678n);
    exec(c, [MTSPR(275, 3), MTSPR(26, 3), MFSPR(5, 26)]);
    expect(c.gpr(5)).toBe(0xc000000012345678n);
    user(c);
    exec(c, [MFSPR(4, 259)]);
    expect(c.gpr(4)).toBe(0xc000000012345678n);
    exec(c, [MTSPR(259, 3)]);
    expectProgram(c, PROGRAM_PRIV);
  });

  it('hypervisor SPRs (LPCR, HSRR0, AMOR) are privileged for the guest; PVR/PIR read-only', () => {
    for (const w of [MFSPR(4, 318), MTSPR(318, 3), MFSPR(4, 314), MTSPR(349, 3), MTSPR(287, 3), MTSPR(1023, 3), MTSPR(268, 3)]) {
      const c = makeCpu();
      exec(c, [w]);
      expectProgram(c, PROGRAM_PRIV);
    }
  });

  it('setHypervisorSprs: PVR, PIR, LPCR as the machine sets them', () => {
    const c = makeCpu();
    setHypervisorSprs(c, { pir: 3 });
    exec(c, [MFSPR(4, 287), MFSPR(5, 1023), MFSPR(6, 446)]);
    expect(c.gpr(4)).toBe(BigInt(PVR_POWER9_DD22));
    expect(c.gpr(5)).toBe(3n);
    expect(c.gpr(6)).toBe(0n);
    expect(c.spr(L.SPR_LPCR) & BigInt(L.LPCR_LD)).toBe(BigInt(L.LPCR_LD));
  });

  it('undefined SPRs: no-op in privileged state, privileged from problem state', () => {
    let c = makeCpu();
    c.setGPR(4, 0x77n);
    exec(c, [MFSPR(4, 1000), MTSPR(1000, 4), MFSPR(4, 1012), MTSPR(1012, 4)]);
    expect(c.nia).toBe(0x10010n);
    expect(c.gpr(4)).toBe(0x77n);
    for (const w of [MFSPR(4, 1000), MFSPR(4, 1012), MTSPR(1012, 4)]) {
      c = makeCpu();
      user(c);
      exec(c, [w]);
      expectProgram(c, PROGRAM_PRIV);
    }
    // mfspr 0/4/5/6 and mtspr 0 are privileged even in privileged state (QEMU's hv-emu rule)
    for (const w of [MFSPR(4, 0), MFSPR(4, 5), MTSPR(0, 4)]) {
      c = makeCpu();
      exec(c, [w]);
      expectProgram(c, PROGRAM_PRIV);
    }
    c = makeCpu();
    exec(c, [MTSPR(4, 4)]);
    expect(c.nia).toBe(0x10004n);
  });

  it('SPRs 808-811 are no-ops in both states', () => {
    const c = makeCpu();
    user(c);
    c.setGPR(4, 5n);
    exec(c, [MFSPR(4, 808), MTSPR(811, 4)]);
    expect(c.nia).toBe(0x10008n);
    expect(c.gpr(4)).toBe(5n);
  });

  it('DSISR keeps 32 bits; CTRL is written at 152 and read at 136', () => {
    const c = makeCpu();
    c.setGPR(3, 0xffffffff80000001n);
    exec(c, [MTSPR(18, 3), MFSPR(4, 18), MTSPR(152, 3), MFSPR(5, 136)]);
    expect(c.gpr(4)).toBe(0x80000001n);
    expect(c.gpr(5)).toBe(0x80000001n);
    user(c);
    exec(c, [MFSPR(6, 136)]);
    expect(c.gpr(6)).toBe(0x80000001n);
  });

  it('AMR: privileged writes masked by AMOR, problem-state writes (SPR 13) by UAMOR', () => {
    const c = makeCpu();
    setHypervisorSprs(c); // AMOR = all ones
    c.setGPR(3, 0xc000000000000000n);
    c.setGPR(4, 0x3000000000000000n);
    c.setGPR(5, 0xffffffffffffffffn);
    exec(c, [MTSPR(29, 3), MTSPR(157, 4), MFSPR(6, 13)]);
    expect(c.gpr(6)).toBe(0xc000000000000000n);
    user(c);
    exec(c, [MTSPR(13, 5), MFSPR(7, 13)]);
    expect(c.gpr(7)).toBe(0xf000000000000000n);
  });

  it('TB and TBU read the timebase (mfspr and mftb); TB writes are the hypervisor\'s', () => {
    const c = makeCpu();
    user(c);
    exec(c, [MFSPR(4, 268), MFTB(5, 268), MFTB(6, 269)]);
    const t4 = c.gpr(4);
    const t5 = c.gpr(5);
    expect(t5 >= t4).toBe(true);
    expect(c.gpr(6)).toBe(t5 >> 32n);
  });

  it('TAR from problem state needs FSCR[TAR]', () => {
    let c = makeCpu();
    user(c);
    exec(c, [MFSPR(4, 815)]);
    expect(c.nia).toBe(0xf60n);
    expect(c.spr(L.SPR_FSCR) >> 56n).toBe(8n);
    c = makeCpu();
    c.setSPR(L.SPR_FSCR, 1n << 8n);
    c.setSPR(L.SPR_TAR, 0x1234n);
    user(c);
    exec(c, [MFSPR(4, 815)]);
    expect(c.gpr(4)).toBe(0x1234n);
  });
});

describe('MSR moves', () => {
  it('mfmsr reads MSR; privileged in problem state', () => {
    let c = makeCpu();
    exec(c, [MFMSR(4)]);
    expect(c.gpr(4)).toBe(c.msr);
    c = makeCpu();
    user(c);
    exec(c, [MFMSR(4)]);
    expectProgram(c, PROGRAM_PRIV);
  });

  it('mtmsrd L=1 changes only EE and RI', () => {
    const c = makeCpu();
    const before = c.msr;
    c.setGPR(3, 0xffffffffffffffffn);
    exec(c, [MTMSRD(3, 1)]);
    expect(c.msr).toBe(before | BigInt(L.MSR_EE | L.MSR_RI));
    c.setGPR(3, 0n);
    exec(c, [MTMSRD(3, 1)]);
    expect(c.msr).toBe(before);
  });

  it('mtmsrd L=0: ME and HV unchanged, PR forces EE IR DR, unimplemented bits dropped', () => {
    const c = makeCpu();
    c.setMSR(L.MSR_ME | L.MSR_LE, L.MSR_HI_SF);
    c.setGPR(3, BigInt((L.MSR_PR | L.MSR_FP | L.MSR_LE) >>> 0) | (BigInt((L.MSR_HI_SF | L.MSR_HI_HV) >>> 0) << 32n));
    exec(c, [MTMSRD(3, 0)]);
    const want = BigInt(L.MSR_ME | L.MSR_PR | L.MSR_FP | L.MSR_LE | L.MSR_EE | L.MSR_IR | L.MSR_DR) | (BigInt(L.MSR_HI_SF >>> 0) << 32n);
    expect(c.msr).toBe(want);
  });

  it('mtmsr L=0 replaces bits 32:63 only', () => {
    const c = makeCpu();
    c.setMSR(L.MSR_LE | L.MSR_ME, L.MSR_HI_SF);
    c.setGPR(3, 0xffffffff00000000n | BigInt(L.MSR_LE | L.MSR_FP));
    exec(c, [MTMSR(3, 0)]);
    expect(c.msr).toBe(BigInt(L.MSR_LE | L.MSR_FP | L.MSR_ME) | (BigInt(L.MSR_HI_SF >>> 0) << 32n));
  });

  it('mtmsrd enabling EE takes a pending external interrupt before the next instruction', () => {
    const c = makeCpu();
    c.setSPR(L.SPR_LPCR, BigInt(L.LPCR_ILE)); // interrupts little-endian, like the code
    Atomics.or(c.i32, c.wi(L.IRQ_PENDING), L.IRQ_EXTERNAL);
    c.setGPR(3, BigInt(L.MSR_EE));
    loadCode(c, [NOP], 0x500);
    exec(c, [MTMSRD(3, 1), NOP]);
    expect(c.spr(L.SPR_SRR0)).toBe(0x10004n);
    expect(c.nia).toBe(0x504n);
  });
});

describe('sc', () => {
  it('sc 0: system call interrupt at 0xc00 with SRR0 = the next instruction', () => {
    const c = makeCpu();
    exec(c, [SC(0)]);
    expect(c.nia).toBe(0xc00n);
    expect(c.spr(L.SPR_SRR0)).toBe(0x10004n);
    expect(c.msr & BigInt(L.MSR_EE | L.MSR_PR)).toBe(0n);
  });

  it('sc 1 from privileged state runs the hypercall hook and continues', () => {
    let calls = 0;
    const c = makeCpu({
      hooks: {
        hcall(cpu) {
          calls++;
          cpu.setGPR(3, cpu.gpr(3) + 1n);
        },
      },
    });
    c.setGPR(3, 41n);
    exec(c, [SC(1), NOP]);
    expect(calls).toBe(1);
    expect(c.gpr(3)).toBe(42n);
    expect(c.nia).toBe(0x10008n);
  });

  it('sc 1 from problem state returns H_PRIVILEGE without calling the hook', () => {
    let calls = 0;
    const c = makeCpu({ hooks: { hcall: () => void calls++ } });
    user(c);
    exec(c, [SC(1)]);
    expect(calls).toBe(0);
    expect(c.gpr(3)).toBe(0xfffffffffffffffdn);
    expect(c.nia).toBe(0x10004n);
  });

  it('sc 2 (reserved LEV) is a system call, as QEMU', () => {
    const c = makeCpu();
    exec(c, [SC(2)]);
    expect(c.nia).toBe(0xc00n);
  });
});

describe('synchronisation', () => {
  it('sync lwsync ptesync eieio isync execute as no-ops on registers', () => {
    const c = makeCpu();
    exec(c, [SYNC(0), SYNC(1), SYNC(2), EIEIO, ISYNC]);
    expect(c.nia).toBe(0x10014n);
  });

  it('isync drops the fetch cache: modified code is seen', () => {
    const c = makeCpu();
    const li5 = (v: number): number => ((14 << 26) | (5 << 21) | v) >>> 0;
    loadCode(c, [li5(1), ISYNC, li5(2)]);
    c.nia = 0x10000n;
    c.run(1);
    loadCode(c, [li5(3)], 0x10008);
    c.run(2);
    expect(c.gpr(5)).toBe(3n);
  });

  it('wait parks the vCPU (as H_CEDE) unless an interrupt source is pending', () => {
    let c = makeCpu();
    exec(c, [X31(30, 0), NOP]);
    expect(c.u32[c.wi(L.RUN_STATE)]).toBe(L.RUN_CEDED);
    expect(c.nia).toBe(0x10004n);
    c = makeCpu();
    Atomics.or(c.i32, c.wi(L.IRQ_PENDING), L.IRQ_EXTERNAL);
    exec(c, [X31(30, 0), NOP]);
    expect(c.u32[c.wi(L.RUN_STATE)]).toBe(L.RUN_RUNNING);
    expect(c.nia).toBe(0x10008n);
  });

  it('unimplemented/removed forms are illegal: rfi, nap', () => {
    for (const w of [0x4c000064, 0x4c000364]) {
      const c = makeCpu();
      exec(c, [w]);
      expectProgram(c, PROGRAM_ILLEGAL);
    }
  });

  it('hrfid, stop, msgsnd, msgclr, msgsync are privileged for a guest', () => {
    for (const w of [0x4c000224, 0x4c0002e4, X31(206, 0, 0, 4), X31(238, 0, 0, 4), X31(886, 0)]) {
      const c = makeCpu();
      exec(c, [w]);
      expectProgram(c, PROGRAM_PRIV);
    }
  });
});
