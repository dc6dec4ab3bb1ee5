// Fixed-point loads and stores, hand-worked from the Power ISA, in both byte orders.
import { describe, expect, it } from 'vitest';
import { makeCpu, exec, CODE_BASE } from './harness.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';
import * as L from '../../emulator/cpu/layout.js';
import { raiseDSI } from '../../emulator/cpu/exceptions.js';

// ---- encoders (field layout from the ISA; no emulator code involved)
const D = (op: number, rt: number, ra: number, d: number): number =>
  ((op << 26) | (rt << 21) | (ra << 16) | (d & 0xffff)) >>> 0;
const DS = (op: number, rt: number, ra: number, ds: number, xo: number): number =>
  ((op << 26) | (rt << 21) | (ra << 16) | (ds & 0xfffc) | xo) >>> 0;
const X = (rt: number, ra: number, rb: number, xo: number, rc = 0): number =>
  ((31 << 26) | (rt << 21) | (ra << 16) | (rb << 11) | (xo << 1) | rc) >>> 0;

const OP = { lwz: 32, lwzu: 33, lbz: 34, lbzu: 35, stw: 36, stwu: 37, stb: 38, stbu: 39, lhz: 40, lhzu: 41, lha: 42, lhau: 43, sth: 44, sthu: 45, lmw: 46, stmw: 47, lq: 56 };
const XO = {
  lbzx: 87, lbzux: 119, lhzx: 279, lhzux: 311, lhax: 343, lhaux: 375, lwzx: 23, lwzux: 55, lwax: 341, lwaux: 373, ldx: 21, ldux: 53,
  stbx: 215, stbux: 247, sthx: 407, sthux: 439, stwx: 151, stwux: 183, stdx: 149, stdux: 181,
  lhbrx: 790, lwbrx: 534, ldbrx: 532, sthbrx: 918, stwbrx: 662, stdbrx: 660,
  lswi: 597, lswx: 533, stswi: 725, stswx: 661,
  dcbz: 1014, dcbt: 278, dcbtst: 246, dcbf: 86, dcbst: 54, dcbi: 470, icbi: 982, icbt: 22,
};
const ld = (rt: number, ra: number, d: number): number => DS(58, rt, ra, d, 0);
const ldu = (rt: number, ra: number, d: number): number => DS(58, rt, ra, d, 1);
const lwa = (rt: number, ra: number, d: number): number => DS(58, rt, ra, d, 2);
const std = (rs: number, ra: number, d: number): number => DS(62, rs, ra, d, 0);
const stdu = (rs: number, ra: number, d: number): number => DS(62, rs, ra, d, 1);
const stq = (rs: number, ra: number, d: number): number => DS(62, rs, ra, d, 2);
const lq = (rt: number, ra: number, dq: number): number => D(OP.lq, rt, ra, dq & 0xfff0);

const DATA = 0x2000;
// 01 23 45 67 89 ab cd ef f0 e1 d2 c3 b4 a5 96 87 at DATA
const BYTES = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87];

function poke(c: Cpu, addr: number, bytes: number[]): void {
  c.u8.set(bytes, L.RAM_OFFSET + addr);
}
function peek(c: Cpu, addr: number, n: number): number[] {
  return Array.from(c.u8.subarray(L.RAM_OFFSET + addr, L.RAM_OFFSET + addr + n));
}
function setup(be: boolean, opts: { msrLo?: number } = {}): Cpu {
  const c = makeCpu({ bigEndian: be, ...opts });
  poke(c, DATA, BYTES);
  return c;
}
function expectProgram(c: Cpu, srr1Bit: number): void {
  expect(c.nia).toBe(0x700n);
  expect(c.spr(L.SPR_SRR0)).toBe(BigInt(CODE_BASE));
  expect((c.spr(L.SPR_SRR1) >> BigInt(63 - srr1Bit)) & 1n).toBe(1n);
}
function expectAlignment(c: Cpu, dar: bigint): void {
  expect(c.nia).toBe(0x600n);
  expect(c.spr(L.SPR_SRR0)).toBe(BigInt(CODE_BASE));
  expect(c.spr(L.SPR_DAR)).toBe(dar);
  // ISA 3.0: the Alignment interrupt does not set DSISR (it starts as 0 here).
  expect(c.spr(L.SPR_DSISR)).toBe(0n);
}
const ILLEGAL = 44;
const PRIV = 45;

describe.each([
  ['little-endian', false],
  ['big-endian', true],
])('fixed-point loads (%s)', (_name, be) => {
  const pick = (le: bigint, bigE: bigint): bigint => (be ? bigE : le);

  it('lbz/lbzx zero-extend; lbzu/lbzux update RA', () => {
    const c = setup(be);
    c.setGPR(4, BigInt(DATA));
    c.setGPR(5, 7n);
    c.setGPR(3, -1n);
    c.setGPR(6, -1n);
    c.setGPR(8, BigInt(DATA));
    c.setGPR(9, BigInt(DATA));
    exec(c, [D(OP.lbz, 3, 4, 4), X(6, 4, 5, XO.lbzx), D(OP.lbzu, 7, 8, 9), X(10, 9, 5, XO.lbzux)]);
    expect(c.gpr(3)).toBe(0x89n);
    expect(c.gpr(6)).toBe(0xefn);
    expect(c.gpr(7)).toBe(0xe1n);
    expect(c.gpr(8)).toBe(BigInt(DATA + 9));
    expect(c.gpr(10)).toBe(0xefn);
    expect(c.gpr(9)).toBe(BigInt(DATA + 7));
    expect(c.nia).toBe(BigInt(CODE_BASE + 16));
  });

  it('lbz with RA=0 uses the displacement as the address', () => {
    const c = setup(be);
    exec(c, [D(OP.lbz, 3, 0, DATA + 1)]);
    expect(c.gpr(3)).toBe(0x23n);
  });

  it('lhz/lha zero- and sign-extend, all forms', () => {
    const c = setup(be);
    c.setGPR(4, BigInt(DATA));
    c.setGPR(5, 8n);
    c.setGPR(20, BigInt(DATA));
    c.setGPR(21, BigInt(DATA));
    c.setGPR(22, BigInt(DATA));
    c.setGPR(23, BigInt(DATA));
    exec(c, [
      D(OP.lhz, 3, 4, 8), // f0 e1
      D(OP.lha, 6, 4, 8),
      X(7, 4, 5, XO.lhzx),
      X(8, 4, 5, XO.lhax),
      D(OP.lha, 9, 4, 0), // 01 23: positive either way
      D(OP.lhzu, 10, 20, 10), // d2 c3
      D(OP.lhau, 11, 21, 10),
      X(12, 22, 5, XO.lhzux),
      X(13, 23, 5, XO.lhaux),
    ]);
    expect(c.gpr(3)).toBe(pick(0xe1f0n, 0xf0e1n));
    expect(c.gpr(6)).toBe(pick(0xffffffffffffe1f0n, 0xfffffffffffff0e1n));
    expect(c.gpr(7)).toBe(pick(0xe1f0n, 0xf0e1n));
    expect(c.gpr(8)).toBe(pick(0xffffffffffffe1f0n, 0xfffffffffffff0e1n));
    expect(c.gpr(9)).toBe(pick(0x2301n, 0x0123n));
    expect(c.gpr(10)).toBe(pick(0xc3d2n, 0xd2c3n));
    expect(c.gpr(11)).toBe(pick(0xffffffffffffc3d2n, 0xffffffffffffd2c3n));
    expect(c.gpr(12)).toBe(pick(0xe1f0n, 0xf0e1n));
    expect(c.gpr(13)).toBe(pick(0xffffffffffffe1f0n, 0xfffffffffffff0e1n));
    expect(c.gpr(20)).toBe(BigInt(DATA + 10));
    expect(c.gpr(21)).toBe(BigInt(DATA + 10));
    expect(c.gpr(22)).toBe(BigInt(DATA + 8));
    expect(c.gpr(23)).toBe(BigInt(DATA + 8));
  });

  it('lwz/lwa/lwax/lwaux and the update forms', () => {
    const c = setup(be);
    c.setGPR(4, BigInt(DATA));
    c.setGPR(5, 4n);
    c.setGPR(20, BigInt(DATA));
    c.setGPR(21, BigInt(DATA));
    c.setGPR(22, BigInt(DATA));
    c.setGPR(3, -1n);
    exec(c, [
      D(OP.lwz, 3, 4, 4),
      lwa(6, 4, 4),
      lwa(7, 4, 0),
      X(8, 4, 5, XO.lwzx),
      X(9, 4, 5, XO.lwax),
      D(OP.lwzu, 10, 20, 8),
      X(11, 21, 5, XO.lwzux),
      X(12, 22, 5, XO.lwaux),
    ]);
    expect(c.gpr(3)).toBe(pick(0xefcdab89n, 0x89abcdefn));
    expect(c.gpr(6)).toBe(pick(0xffffffffefcdab89n, 0xffffffff89abcdefn));
    expect(c.gpr(7)).toBe(pick(0x67452301n, 0x01234567n));
    expect(c.gpr(8)).toBe(pick(0xefcdab89n, 0x89abcdefn));
    expect(c.gpr(9)).toBe(pick(0xffffffffefcdab89n, 0xffffffff89abcdefn));
    expect(c.gpr(10)).toBe(pick(0xc3d2e1f0n, 0xf0e1d2c3n));
    expect(c.gpr(20)).toBe(BigInt(DATA + 8));
    expect(c.gpr(11)).toBe(pick(0xefcdab89n, 0x89abcdefn));
    expect(c.gpr(21)).toBe(BigInt(DATA + 4));
    expect(c.gpr(12)).toBe(pick(0xffffffffefcdab89n, 0xffffffff89abcdefn));
    expect(c.gpr(22)).toBe(BigInt(DATA + 4));
  });

  it('ld/ldx/ldu/ldux, negative DS displacement', () => {
    const c = setup(be);
    c.setGPR(4, BigInt(DATA + 8));
    c.setGPR(5, 0n);
    c.setGPR(6, -8n);
    c.setGPR(20, BigInt(DATA + 16));
    c.setGPR(21, BigInt(DATA + 16));
    exec(c, [ld(3, 4, -8), X(7, 4, 5, XO.ldx), X(8, 4, 6, XO.ldx), ldu(9, 20, -16), X(10, 21, 6, XO.ldux)]);
    expect(c.gpr(3)).toBe(pick(0xefcdab8967452301n, 0x0123456789abcdefn));
    expect(c.gpr(7)).toBe(pick(0x8796a5b4c3d2e1f0n, 0xf0e1d2c3b4a59687n));
    expect(c.gpr(8)).toBe(pick(0xefcdab8967452301n, 0x0123456789abcdefn));
    expect(c.gpr(9)).toBe(pick(0xefcdab8967452301n, 0x0123456789abcdefn));
    expect(c.gpr(20)).toBe(BigInt(DATA));
    expect(c.gpr(10)).toBe(pick(0x8796a5b4c3d2e1f0n, 0xf0e1d2c3b4a59687n));
    expect(c.gpr(21)).toBe(BigInt(DATA + 8));
  });

  it('unaligned ld and lwz, also across a page boundary', () => {
    const c = makeCpu({ bigEndian: be });
    poke(c, 0x2ffd, [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    c.setGPR(4, 0x2ffdn);
    exec(c, [ld(3, 4, 0), D(OP.lwz, 5, 4, 1), D(OP.lhz, 6, 4, 2)]);
    expect(c.gpr(3)).toBe(pick(0x8877665544332211n, 0x1122334455667788n));
    expect(c.gpr(5)).toBe(pick(0x55443322n, 0x22334455n));
    expect(c.gpr(6)).toBe(pick(0x4433n, 0x3344n));
  });

  it('byte-reversed loads use the opposite byte order', () => {
    const c = setup(be);
    c.setGPR(4, BigInt(DATA));
    c.setGPR(5, 0n);
    c.setGPR(6, 8n);
    exec(c, [X(3, 4, 5, XO.lhbrx), X(7, 4, 5, XO.lwbrx), X(8, 4, 5, XO.ldbrx), X(9, 4, 6, XO.lhbrx), X(10, 4, 6, XO.lwbrx)]);
    expect(c.gpr(3)).toBe(pick(0x0123n, 0x2301n));
    expect(c.gpr(7)).toBe(pick(0x01234567n, 0x67452301n));
    expect(c.gpr(8)).toBe(pick(0x0123456789abcdefn, 0xefcdab8967452301n));
    expect(c.gpr(9)).toBe(pick(0xf0e1n, 0xe1f0n)); // zero-extended, no sign
    expect(c.gpr(10)).toBe(pick(0xf0e1d2c3n, 0xc3d2e1f0n));
  });

  it('invalid load update forms (RA=0 or RA=RT) raise the illegal-instruction Program interrupt', () => {
    const cases = [
      D(OP.lbzu, 3, 0, 0),
      D(OP.lbzu, 3, 3, 0),
      D(OP.lhzu, 4, 4, 0),
      D(OP.lhau, 5, 0, 0),
      D(OP.lwzu, 6, 6, 0),
      ldu(7, 7, 0),
      ldu(7, 0, 0),
      X(3, 3, 4, XO.lbzux),
      X(3, 0, 4, XO.lhzux),
      X(3, 3, 4, XO.lhaux),
      X(3, 3, 4, XO.lwzux),
      X(3, 0, 4, XO.lwaux),
      X(3, 3, 4, XO.ldux),
      DS(58, 3, 4, 0, 3), // reserved XO of opcode 58
    ];
    for (const insn of cases) {
      const c = setup(be);
      c.setGPR(3, BigInt(DATA));
      c.setGPR(4, BigInt(DATA));
      c.setGPR(6, BigInt(DATA));
      c.setGPR(7, BigInt(DATA));
      exec(c, [insn]);
      expectProgram(c, ILLEGAL);
      expect(c.gpr(3)).toBe(BigInt(DATA)); // nothing written
    }
  });

  it('32-bit mode: EA high bits dropped, update writes the 32-bit EA', () => {
    const c = makeCpu({ bigEndian: be });
    c.setMSR(c.u32[c.wi(L.MSR)], 0); // SF=0
    poke(c, DATA, BYTES);
    c.setGPR(4, 0x1234567800002004n);
    c.setGPR(5, 0xffffffff00000000n);
    c.setGPR(6, 0x00000000fffffffcn);
    exec(c, [D(OP.lwz, 3, 4, -4), D(OP.lbzu, 7, 4, 1), X(8, 6, 4, XO.lbzx)]);
    expect(c.gpr(3)).toBe(pick(0x67452301n, 0x01234567n));
    expect(c.gpr(7)).toBe(0xabn);
    expect(c.gpr(4)).toBe(0x2005n);
    // (0xfffffffc + 0x2005) mod 2^32 = 0x2001
    expect(c.gpr(8)).toBe(0x23n);
  });
});

describe.each([
  ['little-endian', false],
  ['big-endian', true],
])('fixed-point stores (%s)', (_name, be) => {
  const V = 0x0123456789abcdefn;
  const rev = (b: number[]): number[] => [...b].reverse();
  const inOrder = (bytesBE: number[]): number[] => (be ? bytesBE : rev(bytesBE));

  it('stb/sth/stw/std and their X forms store the low bytes', () => {
    const c = makeCpu({ bigEndian: be });
    c.setGPR(3, V);
    c.setGPR(4, 0x3000n);
    c.setGPR(5, 0x20n);
    exec(c, [
      D(OP.stb, 3, 4, 0),
      D(OP.sth, 3, 4, 2),
      D(OP.stw, 3, 4, 4),
      std(3, 4, 8),
      X(3, 4, 5, XO.stbx),
      X(3, 4, 5, XO.sthx), // overwrites at +0x20
      X(3, 0, 5, XO.stwx), // RA=0: address 0x20
      X(3, 4, 5, XO.stdx),
    ]);
    expect(peek(c, 0x3000, 1)).toEqual([0xef]);
    expect(peek(c, 0x3002, 2)).toEqual(inOrder([0xcd, 0xef]));
    expect(peek(c, 0x3004, 4)).toEqual(inOrder([0x89, 0xab, 0xcd, 0xef]));
    expect(peek(c, 0x3008, 8)).toEqual(inOrder([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]));
    expect(peek(c, 0x3020, 8)).toEqual(inOrder([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]));
    expect(peek(c, 0x20, 4)).toEqual(inOrder([0x89, 0xab, 0xcd, 0xef]));
  });

  it('store update forms write EA to RA; RS=RA stores the old RA', () => {
    const c = makeCpu({ bigEndian: be });
    c.setGPR(3, V);
    c.setGPR(4, 0x3010n);
    c.setGPR(6, 0x3100n);
    c.setGPR(7, 0x3200n);
    c.setGPR(8, 0x3300n);
    c.setGPR(9, 0x3400n);
    c.setGPR(10, 0x3500n);
    c.setGPR(11, 0x3600n);
    c.setGPR(12, 0x3700n);
    c.setGPR(5, 8n);
    exec(c, [
      stdu(3, 4, -16),
      D(OP.stwu, 6, 6, 4), // stores 0x3100 at 0x3104
      D(OP.stbu, 3, 7, 1),
      D(OP.sthu, 3, 8, 2),
      X(3, 9, 5, XO.stbux),
      X(3, 10, 5, XO.sthux),
      X(3, 11, 5, XO.stwux),
      X(3, 12, 5, XO.stdux),
    ]);
    expect(c.gpr(4)).toBe(0x3000n);
    expect(peek(c, 0x3000, 8)).toEqual(inOrder([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]));
    expect(c.gpr(6)).toBe(0x3104n);
    expect(peek(c, 0x3104, 4)).toEqual(inOrder([0x00, 0x00, 0x31, 0x00]));
    expect(c.gpr(7)).toBe(0x3201n);
    expect(peek(c, 0x3201, 1)).toEqual([0xef]);
    expect(c.gpr(8)).toBe(0x3302n);
    expect(peek(c, 0x3302, 2)).toEqual(inOrder([0xcd, 0xef]));
    expect(c.gpr(9)).toBe(0x3408n);
    expect(peek(c, 0x3408, 1)).toEqual([0xef]);
    expect(c.gpr(10)).toBe(0x3508n);
    expect(peek(c, 0x3508, 2)).toEqual(inOrder([0xcd, 0xef]));
    expect(c.gpr(11)).toBe(0x3608n);
    expect(peek(c, 0x3608, 4)).toEqual(inOrder([0x89, 0xab, 0xcd, 0xef]));
    expect(c.gpr(12)).toBe(0x3708n);
    expect(peek(c, 0x3708, 8)).toEqual(inOrder([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]));
  });

  it('invalid store update forms (RA=0) raise the illegal-instruction Program interrupt', () => {
    const cases = [D(OP.stbu, 3, 0, 0x40), D(OP.sthu, 3, 0, 0x40), D(OP.stwu, 3, 0, 0x40), stdu(3, 0, 0x40), X(3, 0, 4, XO.stbux), X(3, 0, 4, XO.sthux), X(3, 0, 4, XO.stwux), X(3, 0, 4, XO.stdux), DS(62, 3, 4, 0, 3)];
    for (const insn of cases) {
      const c = makeCpu({ bigEndian: be });
      c.setGPR(3, V);
      c.setGPR(4, 0x40n);
      exec(c, [insn]);
      expectProgram(c, ILLEGAL);
      expect(peek(c, 0x40, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('byte-reversed stores', () => {
    const c = makeCpu({ bigEndian: be });
    c.setGPR(3, V);
    c.setGPR(4, 0x3000n);
    c.setGPR(5, 0n);
    c.setGPR(6, 8n);
    c.setGPR(7, 16n);
    exec(c, [X(3, 4, 5, XO.sthbrx), X(3, 4, 6, XO.stwbrx), X(3, 4, 7, XO.stdbrx)]);
    expect(peek(c, 0x3000, 2)).toEqual(rev(inOrder([0xcd, 0xef])));
    expect(peek(c, 0x3008, 4)).toEqual(rev(inOrder([0x89, 0xab, 0xcd, 0xef])));
    expect(peek(c, 0x3010, 8)).toEqual(rev(inOrder([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef])));
  });

  it('std across a page boundary', () => {
    const c = makeCpu({ bigEndian: be });
    c.setGPR(3, V);
    c.setGPR(4, 0x3ffcn);
    exec(c, [std(3, 4, 0)]);
    expect(peek(c, 0x3ffc, 8)).toEqual(inOrder([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]));
  });

  it('store then load round trip', () => {
    const c = makeCpu({ bigEndian: be });
    c.setGPR(3, 0x8000000000000001n);
    c.setGPR(4, 0x3000n);
    exec(c, [std(3, 4, 0), ld(5, 4, 0), D(OP.lwz, 6, 4, be ? 0 : 4), lwa(7, 4, be ? 0 : 4), D(OP.stw, 3, 4, 8), D(OP.lwz, 8, 4, 8)]);
    expect(c.gpr(5)).toBe(0x8000000000000001n);
    expect(c.gpr(6)).toBe(0x80000000n);
    expect(c.gpr(7)).toBe(0xffffffff80000000n);
    expect(c.gpr(8)).toBe(1n);
  });
});

describe.each([
  ['little-endian', false],
  ['big-endian', true],
])('lq/stq (%s)', (_name, be) => {
  it('lq loads an even/odd pair: RT = most significant doubleword', () => {
    const c = setup(be);
    c.setGPR(4, BigInt(DATA - 16));
    exec(c, [lq(6, 4, 16)]);
    if (be) {
      expect(c.gpr(6)).toBe(0x0123456789abcdefn);
      expect(c.gpr(7)).toBe(0xf0e1d2c3b4a59687n);
    } else {
      // Little-endian quadword 0x8796a5b4c3d2e1f0_efcdab8967452301
      expect(c.gpr(6)).toBe(0x8796a5b4c3d2e1f0n);
      expect(c.gpr(7)).toBe(0xefcdab8967452301n);
    }
  });

  it('stq stores the pair as one quadword, lq reads it back', () => {
    const c = makeCpu({ bigEndian: be });
    c.setGPR(8, 0x0011223344556677n);
    c.setGPR(9, 0x8899aabbccddeeffn);
    c.setGPR(4, 0x3000n);
    exec(c, [stq(8, 4, 16), lq(10, 4, 16)]);
    const q = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];
    expect(peek(c, 0x3010, 16)).toEqual(be ? q : [...q].reverse());
    expect(c.gpr(10)).toBe(0x0011223344556677n);
    expect(c.gpr(11)).toBe(0x8899aabbccddeeffn);
  });

  it('invalid forms: odd register, RT=RA', () => {
    for (const insn of [lq(7, 4, 0), lq(4, 4, 0), stq(9, 4, 0)]) {
      const c = setup(be);
      c.setGPR(4, BigInt(DATA));
      exec(c, [insn]);
      expectProgram(c, ILLEGAL);
    }
  });

  it('unaligned lq/stq raise Alignment with DAR = EA', () => {
    for (const insn of [lq(6, 4, 0), stq(8, 4, 0)]) {
      const c = setup(be);
      c.setGPR(4, BigInt(DATA + 8));
      exec(c, [insn]);
      expectAlignment(c, BigInt(DATA + 8));
      expect(peek(c, DATA, 16)).toEqual(BYTES);
    }
  });
});

describe('load/store multiple', () => {
  it('lmw loads RT..r31 zero-extended (BE)', () => {
    const c = setup(true);
    c.setGPR(4, BigInt(DATA));
    c.setGPR(28, -1n);
    exec(c, [D(OP.lmw, 28, 4, 0)]);
    expect(c.gpr(28)).toBe(0x01234567n);
    expect(c.gpr(29)).toBe(0x89abcdefn);
    expect(c.gpr(30)).toBe(0xf0e1d2c3n);
    expect(c.gpr(31)).toBe(0xb4a59687n);
    expect(c.gpr(4)).toBe(BigInt(DATA));
  });

  it('stmw stores the low words of RS..r31 (BE)', () => {
    const c = makeCpu({ bigEndian: true });
    c.setGPR(29, 0xffffffff11223344n);
    c.setGPR(30, 0x55667788n);
    c.setGPR(31, 0x99aabbccn);
    c.setGPR(4, 0x3000n);
    exec(c, [D(OP.stmw, 29, 4, 4)]);
    expect(peek(c, 0x3000, 16)).toEqual([0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc]);
  });

  it('lmw/stmw in little-endian mode raise Alignment (DAR = EA, DSISR untouched)', () => {
    for (const insn of [D(OP.lmw, 28, 4, 4), D(OP.stmw, 29, 4, 4)]) {
      const c = setup(false);
      c.setGPR(4, BigInt(DATA));
      c.setGPR(28, 5n);
      exec(c, [insn]);
      expectAlignment(c, BigInt(DATA + 4));
      expect(c.gpr(28)).toBe(5n);
      expect(peek(c, DATA, 16)).toEqual(BYTES);
    }
  });
});

describe('load/store string', () => {
  const setBC = (c: Cpu, n: number): void => {
    c.u32[c.wi(L.XER_BC)] = n;
  };

  it('lswi packs bytes left-justified, the last register zero-padded (BE)', () => {
    const c = setup(true);
    c.setGPR(4, BigInt(DATA));
    c.setGPR(5, -1n);
    c.setGPR(6, -1n);
    c.setGPR(7, -1n);
    exec(c, [X(5, 4, 7, XO.lswi)]); // NB=7
    expect(c.gpr(5)).toBe(0x01234567n);
    expect(c.gpr(6)).toBe(0x89abcd00n);
    expect(c.gpr(7)).toBe(0xffffffffffffffffn); // untouched
  });

  it('lswi with NB=0 moves 32 bytes and wraps from r31 to r0 (BE)', () => {
    const c = makeCpu({ bigEndian: true });
    const bytes = Array.from({ length: 32 }, (_v, k) => k + 1);
    poke(c, 0x3000, bytes);
    c.setGPR(4, 0x3000n);
    exec(c, [X(26, 4, 0, XO.lswi)]);
    expect(c.gpr(26)).toBe(0x01020304n);
    expect(c.gpr(31)).toBe(0x15161718n);
    expect(c.gpr(0)).toBe(0x191a1b1cn);
    expect(c.gpr(1)).toBe(0x1d1e1f20n);
  });

  it('lswi with RA in the loaded range is invalid', () => {
    const c = setup(true);
    c.setGPR(4, BigInt(DATA));
    exec(c, [X(3, 4, 8, XO.lswi)]); // r3, r4
    expectProgram(c, ILLEGAL);
    const c0 = setup(true);
    exec(c0, [X(31, 0, 8, XO.lswi)]); // r31, r0 with RA=0
    expectProgram(c0, ILLEGAL);
  });

  it('lswx uses XER[BC]; 0 bytes loads nothing (BE)', () => {
    const c = setup(true);
    c.setGPR(4, BigInt(DATA));
    c.setGPR(5, 2n);
    c.setGPR(8, -1n);
    c.setGPR(9, -1n);
    setBC(c, 5);
    exec(c, [X(8, 4, 5, XO.lswx)]);
    expect(c.gpr(8)).toBe(0x456789abn);
    expect(c.gpr(9)).toBe(0xcd000000n);
    const c0 = setup(true);
    c0.setGPR(4, BigInt(DATA));
    c0.setGPR(8, 7n);
    setBC(c0, 0);
    exec(c0, [X(8, 4, 0, XO.lswx)]);
    expect(c0.gpr(8)).toBe(7n);
    expect(c0.nia).toBe(BigInt(CODE_BASE + 4));
  });

  it('lswx with RB in the loaded range is invalid', () => {
    const c = setup(true);
    c.setGPR(4, BigInt(DATA));
    c.setGPR(9, 0n);
    setBC(c, 8);
    exec(c, [X(8, 4, 9, XO.lswx)]);
    expectProgram(c, ILLEGAL);
  });

  it('stswi/stswx store the leftmost bytes of the last register (BE)', () => {
    const c = makeCpu({ bigEndian: true });
    c.setGPR(5, 0x11223344n);
    c.setGPR(6, 0x55667788n);
    c.setGPR(4, 0x3000n);
    c.setGPR(7, 0x10n);
    setBC(c, 6);
    exec(c, [X(5, 4, 7, XO.stswi), X(5, 4, 7, XO.stswx)]);
    expect(peek(c, 0x3000, 8)).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0]);
    expect(peek(c, 0x3010, 8)).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0, 0]);
  });

  it('string forms in little-endian mode raise Alignment', () => {
    for (const insn of [X(5, 4, 7, XO.lswi), X(5, 4, 7, XO.stswi), X(5, 4, 6, XO.lswx), X(5, 4, 6, XO.stswx)]) {
      const c = setup(false);
      c.setGPR(4, BigInt(DATA));
      c.setGPR(6, 4n);
      setBC(c, 4);
      exec(c, [insn]);
      const ea = (insn & 0x7fe) === XO.lswx << 1 || (insn & 0x7fe) === XO.stswx << 1 ? DATA + 4 : DATA;
      expectAlignment(c, BigInt(ea));
    }
  });
});

describe.each([
  ['little-endian', false],
  ['big-endian', true],
])('cache management (%s)', (_name, be) => {
  it('dcbz zeroes the aligned 128-byte block only', () => {
    const c = makeCpu({ bigEndian: be });
    c.u8.fill(0xff, L.RAM_OFFSET + 0x3000, L.RAM_OFFSET + 0x3200);
    c.setGPR(4, 0x3100n);
    c.setGPR(5, 0x45n);
    exec(c, [X(0, 4, 5, XO.dcbz)]);
    expect(peek(c, 0x30ff, 1)).toEqual([0xff]);
    expect(peek(c, 0x3100, 128).every((b) => b === 0)).toBe(true);
    expect(peek(c, 0x3180, 1)).toEqual([0xff]);
    expect(c.nia).toBe(BigInt(CODE_BASE + 4));
  });

  it('dcbt/dcbtst/dcbf/dcbst/icbt/icbi/dcbi are no-ops on data', () => {
    const c = setup(be);
    c.setGPR(4, BigInt(DATA));
    c.setGPR(5, 0n);
    exec(c, [
      X(0, 4, 5, XO.dcbt),
      X(0, 4, 5, XO.dcbtst),
      X(0, 4, 5, XO.dcbf),
      X(1, 4, 5, XO.dcbf), // dcbfl
      X(0, 4, 5, XO.dcbst),
      X(0, 4, 5, XO.icbt),
      X(0, 4, 5, XO.icbi),
      X(0, 4, 5, XO.dcbi),
    ]);
    expect(c.nia).toBe(BigInt(CODE_BASE + 32));
    expect(peek(c, DATA, 16)).toEqual(BYTES);
  });

  it('dcbi in problem state is privileged', () => {
    const c = setup(be, { msrLo: L.MSR_PR });
    c.setGPR(4, BigInt(DATA));
    exec(c, [X(0, 4, 0, XO.dcbi)]);
    expectProgram(c, PRIV);
  });

  it('icbi: modified code executes after the store', () => {
    const c = setup(be);
    const patched = D(OP.lhz, 3, 0, DATA);
    c.setGPR(4, BigInt(CODE_BASE + 12));
    c.setGPR(5, BigInt(patched));
    exec(c, [D(OP.stw, 5, 4, 0), X(0, 4, 0, XO.icbi), D(OP.lwz, 6, 4, 0), D(OP.lbz, 3, 0, DATA)]);
    expect(c.gpr(6)).toBe(BigInt(patched));
    expect(c.gpr(3)).toBe(be ? 0x0123n : 0x2301n);
  });
});

describe('storage interrupts raised through the MMU', () => {
  // Real mode never faults, so make one page fault the way a translation would: DSI with
  // DSISR[STORE] for writes. This checks which access kind each instruction translates
  // with, and that nothing is written (memory or RA) when the access faults.
  const FAULT_PAGE = 0x5000;
  const DSISR_STORE = 1 << (63 - 38);
  function faulting(be: boolean): Cpu {
    const c = makeCpu({ bigEndian: be });
    const mmu = c.mmu;
    const real = mmu.translate.bind(mmu);
    mmu.translate = (lo, hi, access) => {
      if ((lo & -4096) === FAULT_PAGE && hi === 0 && access !== 2) {
        raiseDSI(c, lo, hi, (1 << (63 - 33)) | (access === 1 ? DSISR_STORE : 0));
      }
      return real(lo, hi, access);
    };
    return c;
  }
  const expectDSI = (c: Cpu, dar: number, store: boolean): void => {
    expect(c.nia).toBe(0x300n);
    expect(c.spr(L.SPR_SRR0)).toBe(BigInt(CODE_BASE));
    expect(c.spr(L.SPR_DAR)).toBe(BigInt(dar));
    expect((Number(c.spr(L.SPR_DSISR)) & DSISR_STORE) !== 0).toBe(store);
  };

  it.each([false, true])('update forms leave RA alone when the access faults (BE=%s)', (be) => {
    for (const insn of [D(OP.lwzu, 3, 4, 8), ldu(3, 4, 8), X(3, 4, 5, XO.lbzux), stdu(3, 4, 8), D(OP.stwu, 3, 4, 8), X(3, 4, 5, XO.sthux)]) {
      const c = faulting(be);
      c.setGPR(3, 0x77n);
      c.setGPR(4, BigInt(FAULT_PAGE));
      c.setGPR(5, 8n);
      exec(c, [insn]);
      const store = [36, 37, 62].includes(insn >>> 26) || (insn >>> 26 === 31 && ((insn >>> 1) & 0x3ff) === XO.sthux);
      expectDSI(c, FAULT_PAGE + 8, store);
      expect(c.gpr(4)).toBe(BigInt(FAULT_PAGE));
      expect(c.gpr(3)).toBe(0x77n);
    }
  });

  it('a store crossing into a faulting page writes nothing', () => {
    const c = faulting(false);
    c.setGPR(3, -1n);
    c.setGPR(4, BigInt(FAULT_PAGE - 4));
    exec(c, [std(3, 4, 0)]);
    expectDSI(c, FAULT_PAGE, true);
    expect(peek(c, FAULT_PAGE - 4, 4)).toEqual([0, 0, 0, 0]);
  });

  it('stmw stopping at a faulting page', () => {
    const c = faulting(true);
    c.setGPR(4, BigInt(FAULT_PAGE - 8));
    c.setGPR(29, 0x11111111n);
    c.setGPR(30, 0x22222222n);
    c.setGPR(31, 0x33333333n);
    exec(c, [D(OP.stmw, 29, 4, 0)]);
    expectDSI(c, FAULT_PAGE, true);
  });

  it('dcbz faults as a store; dcbf, dcbst, icbi as loads; dcbt, dcbtst, icbt never', () => {
    const cases: [number, boolean | null][] = [
      [X(0, 4, 5, XO.dcbz), true],
      [X(0, 4, 5, XO.dcbf), false],
      [X(0, 4, 5, XO.dcbst), false],
      [X(0, 4, 5, XO.icbi), false],
      [X(0, 4, 5, XO.dcbt), null],
      [X(0, 4, 5, XO.dcbtst), null],
      [X(0, 4, 5, XO.icbt), null],
    ];
    for (const [insn, store] of cases) {
      const c = faulting(false);
      c.setGPR(4, BigInt(FAULT_PAGE));
      c.setGPR(5, 0n);
      exec(c, [insn]);
      if (store === null) expect(c.nia).toBe(BigInt(CODE_BASE + 4));
      else expectDSI(c, FAULT_PAGE, store);
    }
  });
});
