// Fixed-point instructions, hand-worked from the Power ISA 3.0B: the cases qemu-user
// cannot show (32-bit mode, traps taken, addpcis, darn) plus a few smoke tests.
import { describe, expect, it } from 'vitest';
import { makeCpu, exec } from './harness.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';
import * as L from '../../emulator/cpu/layout.js';

// Encoders (field positions from the ISA's instruction formats).
const D = (op: number, rt: number, ra: number, imm: number): number => ((op << 26) | (rt << 21) | (ra << 16) | (imm & 0xffff)) >>> 0;
const XO = (rt: number, ra: number, rb: number, oe: number, xo: number, rc: number): number =>
  ((31 << 26) | (rt << 21) | (ra << 16) | (rb << 11) | (oe << 10) | (xo << 1) | rc) >>> 0;
const X = (rs: number, ra: number, rb: number, xo: number, rc: number): number =>
  ((31 << 26) | (rs << 21) | (ra << 16) | (rb << 11) | (xo << 1) | rc) >>> 0;

const LT = 8;
const GT = 4;
const EQ = 2;
const SO = 1;

function cr0(c: Cpu): number {
  return c.cr >>> 28;
}

function xer(c: Cpu): { so: number; ov: number; ca: number; ov32: number; ca32: number } {
  return {
    so: c.u32[c.wi(L.XER_SO)],
    ov: c.u32[c.wi(L.XER_OV)],
    ca: c.u32[c.wi(L.XER_CA)],
    ov32: c.u32[c.wi(L.XER_OV32)],
    ca32: c.u32[c.wi(L.XER_CA32)],
  };
}

/** A CPU in 32-bit mode (MSR[SF] = 0), little-endian, real mode. */
function cpu32(): Cpu {
  const c = makeCpu();
  const m = c.wi(L.MSR);
  c.setMSR(c.u32[m], c.u32[m + 1] & ~L.MSR_HI_SF);
  expect(c.sf).toBe(false);
  return c;
}

describe('fixed-point basics', () => {
  it('li, lis, addi, addis, mr', () => {
    const c = makeCpu();
    exec(c, [
      D(14, 3, 0, -2), // li r3,-2
      D(15, 4, 0, 0x8000), // lis r4,-32768
      D(14, 5, 3, 3), // addi r5,r3,3
      D(15, 6, 3, 1), // addis r6,r3,1
      X(5, 7, 5, 444, 0), // mr r7,r5
    ]);
    expect(c.gpr(3)).toBe(0xfffffffffffffffen);
    expect(c.gpr(4)).toBe(0xffffffff80000000n);
    expect(c.gpr(5)).toBe(1n);
    expect(c.gpr(6)).toBe(0xfffen);
    expect(c.gpr(7)).toBe(1n);
  });

  it('add. sets CR0 from the 64-bit result and copies SO', () => {
    const c = makeCpu();
    c.setGPR(3, 0x7fffffffffffffffn);
    c.setGPR(4, 1n);
    c.u32[c.wi(L.XER_SO)] = 1;
    exec(c, [XO(5, 3, 4, 0, 266, 1)]);
    expect(c.gpr(5)).toBe(0x8000000000000000n);
    expect(cr0(c)).toBe(LT | SO);
  });

  it('addo sets OV, OV32 and the sticky SO', () => {
    const c = makeCpu();
    c.setGPR(3, 0x7fffffffffffffffn);
    c.setGPR(4, 1n);
    exec(c, [XO(5, 3, 4, 1, 266, 0)]);
    expect(xer(c)).toEqual({ so: 1, ov: 1, ca: 0, ov32: 0, ca32: 0 });
    c.setGPR(3, 1n);
    exec(c, [XO(5, 3, 4, 1, 266, 0)]); // no overflow: OV clears, SO stays
    expect(xer(c)).toEqual({ so: 1, ov: 0, ca: 0, ov32: 0, ca32: 0 });
  });

  it('subfc sets CA (no borrow) and CA32 from bit 32', () => {
    const c = makeCpu();
    c.setGPR(3, 1n); // RA
    c.setGPR(4, 0x100000000n); // RB
    exec(c, [XO(5, 3, 4, 0, 8, 0)]); // r5 = RB - RA
    expect(c.gpr(5)).toBe(0xffffffffn);
    // ~1 + 0x100000000 + 1: carry out of bit 0 yes, carry out of bit 32 no.
    expect(xer(c)).toMatchObject({ ca: 1, ca32: 0 });
  });

  it('rldicl, rldicr (sldi), rlwinm', () => {
    const c = makeCpu();
    c.setGPR(3, 0x0123456789abcdefn);
    // rldicl r5,r3,8,0 (rotldi 8): MD-form op 30, sh=8, mb=0, xo=0
    const rldicl = (ra: number, rs: number, sh: number, mb: number): number =>
      ((30 << 26) | (rs << 21) | (ra << 16) | ((sh & 31) << 11) | (((mb & 31) << 1 | (mb >> 5)) << 5) | (0 << 2) | ((sh >> 5) << 1)) >>> 0;
    const rldicr = (ra: number, rs: number, sh: number, me: number): number =>
      ((30 << 26) | (rs << 21) | (ra << 16) | ((sh & 31) << 11) | (((me & 31) << 1 | (me >> 5)) << 5) | (1 << 2) | ((sh >> 5) << 1)) >>> 0;
    exec(c, [
      rldicl(5, 3, 8, 0),
      rldicl(6, 3, 64 - 36, 36), // srdi r6,r3,36
      rldicr(7, 3, 40, 63 - 40), // sldi r7,r3,40
      ((21 << 26) | (3 << 21) | (8 << 16) | (4 << 11) | (0 << 6) | (27 << 1)) >>> 0, // rlwinm r8,r3,4,0,27 (slwi 4)
    ]);
    expect(c.gpr(5)).toBe(0x23456789abcdef01n);
    expect(c.gpr(6)).toBe(0x0123456n);
    expect(c.gpr(7)).toBe(0xabcdef0000000000n);
    expect(c.gpr(8)).toBe(0x9abcdef0n);
  });
});

describe('32-bit mode (MSR[SF]=0)', () => {
  it('record forms compare only bits 32:63 of the result', () => {
    const c64 = makeCpu();
    const c32 = cpu32();
    for (const c of [c64, c32]) {
      c.setGPR(3, 0x7fffffffn);
      c.setGPR(4, 1n);
      exec(c, [XO(5, 3, 4, 0, 266, 1)]); // add. r5,r3,r4 -> 0x80000000
      expect(c.gpr(5)).toBe(0x80000000n); // the full 64-bit sum either way
    }
    expect(cr0(c64)).toBe(GT);
    expect(cr0(c32)).toBe(LT);

    // and. giving 0xffffffff_00000000: negative in 64-bit mode, zero in 32-bit mode.
    for (const c of [c64, c32]) {
      c.setGPR(3, 0xffffffff12345678n);
      c.setGPR(4, 0xffffffff00000000n);
      exec(c, [X(3, 5, 4, 28, 1)]);
      expect(c.gpr(5)).toBe(0xffffffff00000000n);
    }
    expect(cr0(c64)).toBe(LT);
    expect(cr0(c32)).toBe(EQ);
  });

  it('andi. in 32-bit mode; andis. can be negative there', () => {
    const c = cpu32();
    c.setGPR(3, 0x00000000ffffffffn);
    exec(c, [D(29, 3, 5, 0x8000)]); // andis. r5,r3,0x8000
    expect(c.gpr(5)).toBe(0x80000000n);
    expect(cr0(c)).toBe(LT);
    const c64 = makeCpu();
    c64.setGPR(3, 0x00000000ffffffffn);
    exec(c64, [D(29, 3, 5, 0x8000)]);
    expect(cr0(c64)).toBe(GT);
  });

  it('CA and OV come from the low word: addic, addo, subfco', () => {
    const c32 = cpu32();
    const c64 = makeCpu();
    for (const c of [c32, c64]) {
      c.setGPR(3, 0xffffffffn);
      exec(c, [D(13, 5, 3, 1)]); // addic. r5,r3,1
      expect(c.gpr(5)).toBe(0x100000000n);
    }
    expect(xer(c32)).toMatchObject({ ca: 1, ca32: 1 });
    expect(cr0(c32)).toBe(EQ); // low word is 0
    expect(xer(c64)).toMatchObject({ ca: 0, ca32: 1 });
    expect(cr0(c64)).toBe(GT);

    for (const c of [c32, c64]) {
      c.setGPR(3, 0x7fffffffn);
      c.setGPR(4, 1n);
      exec(c, [XO(5, 3, 4, 1, 266, 0)]); // addo
    }
    expect(xer(c32)).toMatchObject({ ov: 1, ov32: 1, so: 1 });
    expect(xer(c64)).toMatchObject({ ov: 0, ov32: 1, so: 0 });

    // subfco r5,r3,r4: r4 - r3 = 0x1_00000000 - 0x1_00000001 -> borrow in both words.
    for (const c of [c32, c64]) {
      c.u32[c.wi(L.XER_SO)] = 0;
      c.setGPR(3, 0x100000001n);
      c.setGPR(4, 0x100000000n);
      exec(c, [XO(5, 3, 4, 1, 8, 1)]);
      expect(c.gpr(5)).toBe(0xffffffffffffffffn);
      expect(cr0(c)).toBe(LT);
    }
    expect(xer(c32)).toMatchObject({ ca: 0, ca32: 0, ov: 0, ov32: 0 });
    expect(xer(c64)).toMatchObject({ ca: 0, ca32: 0, ov: 0, ov32: 0 });
  });

  it('neg in 32-bit mode overflows on 0x80000000', () => {
    const c = cpu32();
    c.setGPR(3, 0x80000000n);
    exec(c, [XO(5, 3, 0, 1, 104, 1)]); // nego. r5,r3
    expect(c.gpr(5)).toBe(0xffffffff80000000n);
    expect(xer(c)).toMatchObject({ ov: 1, ov32: 1, so: 1 });
    expect(cr0(c)).toBe(LT | SO);
  });

  it('compares are not affected by the mode: cmpd still compares 64 bits', () => {
    const c = cpu32();
    c.setGPR(3, 0x100000000n);
    c.setGPR(4, 0n);
    exec(c, [
      X(0 << 2 | 1, 3, 4, 0, 0), // cmpd cr0,r3,r4 (BF=0, L=1)
      X((1 << 2) | 0, 3, 4, 0, 0), // cmpw cr1,r3,r4
    ]);
    expect(c.cr >>> 28).toBe(GT);
    expect((c.cr >>> 24) & 0xf).toBe(EQ);
  });
});

describe('traps taken (Program interrupt, SRR1[46])', () => {
  const TRAP = 1n << 17n;
  it('tw 31,0,0 traps unconditionally at the trapping instruction', () => {
    const c = makeCpu();
    exec(c, [D(14, 3, 0, 1), X(31, 0, 0, 4, 0)]);
    expect(c.nia).toBe(0x700n);
    expect(c.spr(L.SPR_SRR0)).toBe(0x10004n);
    expect(c.spr(L.SPR_SRR1) & TRAP).toBe(TRAP);
  });

  it('tdnei traps only when RA != SI; twi compares the low word', () => {
    const c = makeCpu();
    c.setGPR(3, 0n);
    exec(c, [D(2, 24, 3, 0)]); // tdnei r3,0
    expect(c.nia).toBe(0x10004n);
    c.setGPR(3, 0x100000000n);
    exec(c, [D(2, 24, 3, 0)]);
    expect(c.nia).toBe(0x700n);
    expect(c.spr(L.SPR_SRR1) & TRAP).toBe(TRAP);
    const d = makeCpu();
    d.setGPR(3, 0x100000000n);
    exec(d, [D(3, 24, 3, 0)]); // twnei r3,0: low word is 0, no trap
    expect(d.nia).toBe(0x10004n);
  });

  it('td unsigned/signed conditions', () => {
    // tdlgt (TO=1): unsigned >. r3 = -1, r4 = 1: -1 >u 1 traps; signed > (TO=8) does not.
    const c = makeCpu();
    c.setGPR(3, 0xffffffffffffffffn);
    c.setGPR(4, 1n);
    exec(c, [X(8, 3, 4, 68, 0)]);
    expect(c.nia).toBe(0x10004n);
    exec(c, [X(1, 3, 4, 68, 0)]);
    expect(c.nia).toBe(0x700n);
  });
});

describe('addpcis and darn', () => {
  it('addpcis RT = NIA + (D << 16); lnia', () => {
    const c = makeCpu();
    // DX-form: d1 bits 11:15, d0 bits 16:25, d2 bit 31, XO 2 in 26:30.
    const addpcis = (rt: number, d: number): number =>
      ((19 << 26) | (rt << 21) | (((d >> 1) & 31) << 16) | (((d >> 6) & 0x3ff) << 6) | (2 << 1) | (d & 1)) >>> 0;
    exec(c, [addpcis(5, 1), addpcis(6, 0), addpcis(7, -1 & 0xffff), addpcis(8, 0x8000 | 0x21)]);
    expect(c.gpr(5)).toBe(0x10004n + 0x10000n);
    expect(c.gpr(6)).toBe(0x10008n);
    expect(c.gpr(7)).toBe(0x1000cn - 0x10000n);
    expect(c.gpr(8)).toBe((0x10010n + (BigInt.asIntN(16, 0x8021n) << 16n)) & 0xffffffffffffffffn);
  });

  it('darn L=0 is a 32-bit number, L=1/2 are 64-bit and not the error value, L=3 is the error value', () => {
    const c = makeCpu();
    const darn = (rt: number, l: number): number => X(rt, l, 0, 755, 0);
    exec(c, [darn(5, 0), darn(6, 1), darn(7, 2), darn(8, 3), darn(9, 1)]);
    expect(c.gpr(5) >> 32n).toBe(0n);
    expect(c.gpr(6)).not.toBe(0xffffffffffffffffn);
    expect(c.gpr(7)).not.toBe(0xffffffffffffffffn);
    expect(c.gpr(8)).toBe(0xffffffffffffffffn);
    expect(c.gpr(6)).not.toBe(c.gpr(9));
  });
});
