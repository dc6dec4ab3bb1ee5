// ISA 3.0 atomic memory operations (lwat ldat stwat stdat), hand-worked, both byte orders.
import { describe, expect, it } from 'vitest';
import { makeCpu, exec, CODE_BASE } from './harness.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';
import * as L from '../../emulator/cpu/layout.js';

const X = (rt: number, ra: number, rb: number, xo: number): number =>
  ((31 << 26) | (rt << 21) | (ra << 16) | (rb << 11) | (xo << 1)) >>> 0;
const lwat = (rt: number, ra: number, fc: number): number => X(rt, ra, fc, 582);
const ldat = (rt: number, ra: number, fc: number): number => X(rt, ra, fc, 614);
const stwat = (rs: number, ra: number, fc: number): number => X(rs, ra, fc, 710);
const stdat = (rs: number, ra: number, fc: number): number => X(rs, ra, fc, 742);

const A = 0x6000;

describe.each([
  ['little-endian', false],
  ['big-endian', true],
])('atomic memory operations (%s)', (_name, be) => {
  function setup(): Cpu {
    const c = makeCpu({ bigEndian: be });
    c.setGPR(4, BigInt(A));
    return c;
  }
  const w32 = (c: Cpu, off: number, v: number): void => c.dv.setUint32(L.RAM_OFFSET + A + off, v, !be);
  const r32 = (c: Cpu, off: number): number => c.dv.getUint32(L.RAM_OFFSET + A + off, !be);
  const w64 = (c: Cpu, off: number, v: bigint): void => c.dv.setBigUint64(L.RAM_OFFSET + A + off, v, !be);
  const r64 = (c: Cpu, off: number): bigint => c.dv.getBigUint64(L.RAM_OFFSET + A + off, !be);

  /** lwat with function code fc: memory `mem`, RT+1 = b; returns [RT, memory after]. */
  function lw(fc: number, mem: number, b: bigint, b2 = 0n): [bigint, number] {
    const c = setup();
    w32(c, 0, mem);
    c.setGPR(5, 0x1234n);
    c.setGPR(6, b);
    c.setGPR(7, b2);
    exec(c, [lwat(5, 4, fc)]);
    expect(c.nia).toBe(BigInt(CODE_BASE + 4));
    return [c.gpr(5), r32(c, 0)];
  }
  function ldw(fc: number, mem: bigint, b: bigint, b2 = 0n): [bigint, bigint] {
    const c = setup();
    w64(c, 0, mem);
    c.setGPR(6, b);
    c.setGPR(7, b2);
    exec(c, [ldat(5, 4, fc)]);
    expect(c.nia).toBe(BigInt(CODE_BASE + 4));
    return [c.gpr(5), r64(c, 0)];
  }

  it('lwat fetch-and-op: RT = old word (zero-extended), memory = op(old, RT+1)', () => {
    expect(lw(0, 0xffffffff, 2n)).toEqual([0xffffffffn, 1]); // add wraps at 32 bits
    expect(lw(1, 0xff00ff00, 0xffffffff0f0f0f0fn)).toEqual([0xff00ff00n, 0xf00ff00f]);
    expect(lw(2, 0x80000000, 1n)).toEqual([0x80000000n, 0x80000001]);
    expect(lw(3, 0xf0f0f0f0, 0x3cn)).toEqual([0xf0f0f0f0n, 0x30]);
    expect(lw(4, 0x80000000, 1n)).toEqual([0x80000000n, 0x80000000]); // max unsigned
    expect(lw(5, 0x80000000, 1n)).toEqual([0x80000000n, 1]); // max signed
    expect(lw(6, 0x80000000, 1n)).toEqual([0x80000000n, 1]); // min unsigned
    expect(lw(7, 0x80000000, 1n)).toEqual([0x80000000n, 0x80000000]); // min signed
    expect(lw(7, 0xffffffff, 0xfffffffen)).toEqual([0xffffffffn, 0xfffffffe]); // -2 < -1
    expect(lw(8, 0x11111111, 0xaaaaaaaa22222222n)).toEqual([0x11111111n, 0x22222222]); // swap
  });

  it('ldat fetch-and-op on doublewords', () => {
    expect(ldw(0, 0x00000000ffffffffn, 1n)).toEqual([0x00000000ffffffffn, 0x0000000100000000n]);
    expect(ldw(0, 0xffffffffffffffffn, 1n)).toEqual([0xffffffffffffffffn, 0n]);
    expect(ldw(3, 0xff00ff00ff00ff00n, 0x0ff00ff00ff00ff0n)).toEqual([0xff00ff00ff00ff00n, 0x0f000f000f000f00n]);
    expect(ldw(4, 0xffffffff00000000n, 5n)).toEqual([0xffffffff00000000n, 0xffffffff00000000n]);
    expect(ldw(5, 0xffffffff00000000n, 5n)).toEqual([0xffffffff00000000n, 5n]);
    expect(ldw(6, 0x0000000100000000n, 0x00000000ffffffffn)).toEqual([0x0000000100000000n, 0x00000000ffffffffn]);
    expect(ldw(7, 0x8000000000000000n, 0x7fffffffffffffffn)).toEqual([0x8000000000000000n, 0x8000000000000000n]);
    expect(ldw(8, 1n, 0xfedcba9876543210n)).toEqual([1n, 0xfedcba9876543210n]);
  });

  it('compare and swap not equal stores RT+2 only when memory differs from RT+1', () => {
    expect(lw(16, 5, 5n, 9n)).toEqual([5n, 5]);
    expect(lw(16, 5, 6n, 9n)).toEqual([5n, 9]);
    expect(lw(16, 5, 0x100000005n, 9n)).toEqual([5n, 5]); // word form compares 32 bits
    expect(ldw(16, 0x100000005n, 5n, 9n)).toEqual([0x100000005n, 9n]);
  });

  it('bounded and equal increments/decrement use the next operand as the bound', () => {
    const run = (fc: number, a: number, bound: number): [bigint, number, number] => {
      const c = setup();
      w32(c, 0, a);
      w32(c, 4, bound);
      exec(c, [lwat(5, 4, fc)]);
      return [c.gpr(5), r32(c, 0), r32(c, 4)];
    };
    expect(run(24, 3, 5)).toEqual([3n, 4, 5]);
    expect(run(24, 5, 5)).toEqual([0x80000000n, 5, 5]);
    expect(run(25, 5, 5)).toEqual([5n, 6, 5]);
    expect(run(25, 3, 5)).toEqual([0x80000000n, 3, 5]);
    expect(run(28, 3, 5)).toEqual([3n, 2, 5]);
    expect(run(28, 0, 5)).toEqual([0n, 0xffffffff, 5]);
    const c = setup();
    w64(c, 0, 0xffffffffn);
    w64(c, 8, 7n);
    exec(c, [ldat(5, 4, 24)]);
    expect(c.gpr(5)).toBe(0xffffffffn);
    expect(r64(c, 0)).toBe(0x100000000n);
    w64(c, 0, 7n);
    exec(c, [ldat(5, 4, 24)]);
    expect(c.gpr(5)).toBe(0x8000000000000000n);
  });

  it('RT+1 and RT+2 wrap from r31 to r0', () => {
    const c = setup();
    w32(c, 0, 40);
    c.setGPR(0, 2n);
    exec(c, [lwat(31, 4, 0)]);
    expect(c.gpr(31)).toBe(40n);
    expect(r32(c, 0)).toBe(42);
  });

  it('stwat/stdat update memory and leave RS alone', () => {
    const c = setup();
    w32(c, 0, 10);
    w64(c, 8, 0x00000000ffffffffn);
    c.setGPR(5, 0xffffffff00000005n);
    c.setGPR(6, 0x0000000100000001n);
    c.setGPR(7, 0x7fffffffffffffffn);
    c.setGPR(8, BigInt(A + 8));
    exec(c, [stwat(5, 4, 0), stdat(6, 8, 0)]);
    expect(r32(c, 0)).toBe(15);
    expect(r64(c, 8)).toBe(0x0000000200000000n);
    exec(c, [stdat(7, 8, 7)]); // min signed: 0x7fff... vs 0x2_0000_0000
    expect(r64(c, 8)).toBe(0x0000000200000000n);
    exec(c, [stwat(5, 4, 5)]); // max signed of 15 and 5
    expect(r32(c, 0)).toBe(15);
    expect(c.gpr(5)).toBe(0xffffffff00000005n);
  });

  it('store twin writes both operands only when they are equal', () => {
    const c = setup();
    w32(c, 0, 3);
    w32(c, 4, 3);
    c.setGPR(5, 9n);
    exec(c, [stwat(5, 4, 24)]);
    expect([r32(c, 0), r32(c, 4)]).toEqual([9, 9]);
    w32(c, 4, 1);
    exec(c, [stwat(5, 4, 24)]);
    expect([r32(c, 0), r32(c, 4)]).toEqual([9, 1]);
  });

  it('misaligned operands raise Alignment; an undefined function code raises DSI', () => {
    const al: [number, number][] = [
      [lwat(5, 4, 0), A + 2],
      [ldat(5, 4, 0), A + 4],
      [stwat(5, 4, 0), A + 2],
      [lwat(5, 4, 24), A + 28], // twin operand leaves the 32-byte block
      [stdat(5, 4, 24), A + 24],
    ];
    for (const [insn, ea] of al) {
      const c = setup();
      c.setGPR(4, BigInt(ea));
      exec(c, [insn]);
      expect(c.nia).toBe(0x600n);
      expect(c.spr(L.SPR_DAR)).toBe(BigInt(ea));
    }
    for (const insn of [lwat(5, 4, 9), ldat(5, 4, 31), stwat(5, 4, 8), stdat(5, 4, 16)]) {
      const c = setup();
      c.setGPR(5, 0x77n);
      exec(c, [insn]);
      expect(c.nia).toBe(0x300n);
      expect(c.spr(L.SPR_DAR)).toBe(BigInt(A));
      expect(c.gpr(5)).toBe(0x77n);
    }
  });
});
