// Loads, stores, reservations and cache operations with data relocation on (radix MMU):
// effective addresses reach the mapped real pages, reservations are on real addresses,
// and each instruction faults with the access kind the ISA gives it. Page tables are
// built by hand (4K pages, Linux's 52-bit layout); code runs untranslated (IR=0).
import { describe, expect, it } from 'vitest';
import { makeCpu, exec, CODE_BASE } from './harness.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';
import * as L from '../../emulator/cpu/layout.js';
import { setProcessTable } from '../../emulator/cpu/mmu/mmu.js';

const X = (rt: number, ra: number, rb: number, xo: number, rc = 0): number =>
  ((31 << 26) | (rt << 21) | (ra << 16) | (rb << 11) | (xo << 1) | rc) >>> 0;
const DS = (op: number, rt: number, ra: number, ds: number, xo: number): number =>
  ((op << 26) | (rt << 21) | (ra << 16) | (ds & 0xfffc) | xo) >>> 0;
const ld = (rt: number, ra: number, d: number): number => DS(58, rt, ra, d, 0);
const std = (rs: number, ra: number, d: number): number => DS(62, rs, ra, d, 0);
const lq = (rt: number, ra: number, d: number): number => (((56 << 26) | (rt << 21) | (ra << 16) | (d & 0xfff0)) >>> 0);
const lwarx = (rt: number, ra: number, rb: number): number => X(rt, ra, rb, 20);
const stwcx = (rs: number, ra: number, rb: number): number => X(rs, ra, rb, 150, 1);
const dcbz = (ra: number, rb: number): number => X(0, ra, rb, 1014);
const dcbf = (ra: number, rb: number): number => X(0, ra, rb, 86);
const dcbt = (ra: number, rb: number): number => X(0, ra, rb, 278);
const icbi = (ra: number, rb: number): number => X(0, ra, rb, 982);

const KERNEL = 0xc000000000000000n;
const PRTB = 0x100000;
// PTE: valid|leaf, then EAA bits: privileged, read, read/write; R and C preset.
const PRIV = 0x8;
const RD = 0x4;
const RW = 0x2;
const RC = 0x100 | 0x80;
const DSISR_NOPTE = 1 << (63 - 33);
const DSISR_PROTFAULT = 1 << (63 - 36);
const DSISR_STORE = 1 << (63 - 38);

function w64(c: Cpu, pa: number, v: bigint): void {
  c.dv.setUint32(L.RAM_OFFSET + pa, Number(v >> 32n), false);
  c.dv.setUint32(L.RAM_OFFSET + pa + 4, Number(v & 0xffffffffn), false);
}
function r64(c: Cpu, pa: number): bigint {
  return (BigInt(c.dv.getUint32(L.RAM_OFFSET + pa, false)) << 32n) | BigInt(c.dv.getUint32(L.RAM_OFFSET + pa + 4, false));
}

/** Minimal radix tree for PID 0: 13/9/9/9 index bits, 4K leaves. */
function mapper(c: Cpu): (ea: bigint, pa: number, bits: number) => void {
  let next = 0x110000;
  const alloc = (bytes: number): number => {
    const a = Math.ceil(next / bytes) * bytes;
    next = a + bytes;
    c.u8.fill(0, L.RAM_OFFSET + a, L.RAM_OFFSET + a + bytes);
    return a;
  };
  setProcessTable(c.mem, (1n << 63n) | BigInt(PRTB));
  const root = alloc(8 << 13);
  // RTS = 21 (52-bit tree): RTS1 in bits 1:2, RTS2 in bits 56:58; RPDS = 13.
  w64(c, PRTB, (2n << 61n) | BigInt(root) | (5n << 5n) | 13n);
  const dir = (pde: number): number => {
    const d = r64(c, pde);
    if ((d & (1n << 63n)) !== 0n) return Number(d & 0x0fffffffffffff00n);
    const t = alloc(8 << 9);
    w64(c, pde, (1n << 63n) | BigInt(t) | 9n);
    return t;
  };
  const idx = (ea: bigint, shift: bigint, bits: bigint): number => Number((ea >> shift) & ((1n << bits) - 1n)) * 8;
  return (ea, pa, bits) => {
    const pud = dir(root + idx(ea, 39n, 13n)) + idx(ea, 30n, 9n);
    const pmd = dir(pud) + idx(ea, 21n, 9n);
    const pte = dir(pmd) + idx(ea, 12n, 9n);
    w64(c, pte, (3n << 62n) | BigInt(pa) | BigInt(bits));
  };
}

const RWPAGE = KERNEL | 0x10000n; // -> 0x300000
const ALIAS = KERNEL | 0x20000n; // -> 0x300000 as well
const ROPAGE = KERNEL | 0x11000n; // -> 0x301000, read-only
const UNMAPPED = KERNEL | 0x12000n;

describe.each([
  ['little-endian', false],
  ['big-endian', true],
])('loads and stores with relocation (%s)', (_name, be) => {
  function setup(): Cpu {
    const c = makeCpu({ bigEndian: be });
    const map = mapper(c);
    map(RWPAGE, 0x300000, PRIV | RW | RC);
    map(ALIAS, 0x300000, PRIV | RW | RC);
    map(ROPAGE, 0x301000, PRIV | RD | RC);
    c.setSPR(L.SPR_LPCR, BigInt(L.LPCR_HR | L.LPCR_UPRT | L.LPCR_GTSE));
    c.mmu.sprWritten(L.SPR_LPCR);
    const m = c.wi(L.MSR);
    c.setMSR(c.u32[m] | L.MSR_DR, c.u32[m + 1]);
    c.setGPR(5, 0n);
    return c;
  }
  const ram = (c: Cpu, pa: number, n: number): number[] => Array.from(c.u8.subarray(L.RAM_OFFSET + pa, L.RAM_OFFSET + pa + n));
  function expectDSI(c: Cpu, dar: bigint, dsisr: number): void {
    expect(c.nia).toBe(0x300n);
    expect(c.spr(L.SPR_SRR0)).toBe(BigInt(CODE_BASE));
    expect(c.spr(L.SPR_DAR)).toBe(dar);
    expect(Number(c.spr(L.SPR_DSISR)) & dsisr).toBe(dsisr);
  }

  it('ld/std reach the mapped real page', () => {
    const c = setup();
    c.setGPR(4, RWPAGE);
    c.setGPR(3, 0x0102030405060708n);
    exec(c, [std(3, 4, 8), ld(6, 4, 8)]);
    expect(c.gpr(6)).toBe(0x0102030405060708n);
    expect(ram(c, 0x300008, 8)).toEqual(be ? [1, 2, 3, 4, 5, 6, 7, 8] : [8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('the reservation is on the real address: lwarx through one EA, stwcx. through an alias', () => {
    const c = setup();
    c.setGPR(4, RWPAGE);
    c.setGPR(7, ALIAS);
    c.setGPR(6, 0x99n);
    exec(c, [lwarx(3, 4, 5)]);
    expect(c.u32[c.wi(L.RESV_ADDR)]).toBe(0x300000);
    expect(c.u32[c.wi(L.RESV_ADDR) + 1]).toBe(0);
    exec(c, [stwcx(6, 7, 5)]);
    expect(c.cr >>> 28).toBe(2);
    expect(ram(c, 0x300000, 4)).toEqual(be ? [0, 0, 0, 0x99] : [0x99, 0, 0, 0]);
  });

  it('lq through a translated page', () => {
    const c = setup();
    c.u8.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], L.RAM_OFFSET + 0x300020);
    c.setGPR(4, RWPAGE);
    exec(c, [lq(8, 4, 0x20)]);
    if (be) {
      expect(c.gpr(8)).toBe(0x0102030405060708n);
      expect(c.gpr(9)).toBe(0x090a0b0c0d0e0f10n);
    } else {
      expect(c.gpr(8)).toBe(0x100f0e0d0c0b0a09n);
      expect(c.gpr(9)).toBe(0x0807060504030201n);
    }
  });

  it('stores, dcbz and stwcx. to a read-only page raise DSI (protection, store)', () => {
    for (const insn of [std(3, 4, 0), dcbz(4, 5)]) {
      const c = setup();
      c.u8.fill(0xee, L.RAM_OFFSET + 0x301000, L.RAM_OFFSET + 0x301080);
      c.setGPR(4, ROPAGE);
      exec(c, [insn]);
      expectDSI(c, ROPAGE, DSISR_PROTFAULT | DSISR_STORE);
      expect(ram(c, 0x301000, 128).every((b) => b === 0xee)).toBe(true);
    }
    const c = setup();
    c.setGPR(4, ROPAGE);
    exec(c, [lwarx(3, 4, 5)]); // reading is allowed
    expect(c.nia).toBe(BigInt(CODE_BASE + 4));
    exec(c, [stwcx(3, 4, 5)]);
    expectDSI(c, ROPAGE, DSISR_PROTFAULT | DSISR_STORE);
  });

  it('larx, dcbf and icbi on an unmapped page raise DSI as loads; dcbt does not fault', () => {
    for (const insn of [lwarx(3, 4, 5), dcbf(4, 5), icbi(4, 5)]) {
      const c = setup();
      c.setGPR(4, UNMAPPED);
      exec(c, [insn]);
      expectDSI(c, UNMAPPED, DSISR_NOPTE);
      expect(Number(c.spr(L.SPR_DSISR)) & DSISR_STORE).toBe(0);
    }
    const c = setup();
    c.setGPR(4, UNMAPPED);
    exec(c, [dcbt(4, 5)]);
    expect(c.nia).toBe(BigInt(CODE_BASE + 4));
  });
});
