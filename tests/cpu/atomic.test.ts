// larx / stcx. reservations, hand-worked from Power ISA Book II 4.4.2, both byte orders.
import { describe, expect, it } from 'vitest';
import { makeCpu, exec, CODE_BASE } from './harness.js';
import { Cpu, defaultHooks } from '../../emulator/cpu/cpu.js';
import * as L from '../../emulator/cpu/layout.js';
import { raiseDSI } from '../../emulator/cpu/exceptions.js';
import { cas64For } from '../../emulator/cpu/insn/atomic.js';

const X = (rt: number, ra: number, rb: number, xo: number, rc = 0): number =>
  ((31 << 26) | (rt << 21) | (ra << 16) | (rb << 11) | (xo << 1) | rc) >>> 0;
const D = (op: number, rt: number, ra: number, d: number): number =>
  ((op << 26) | (rt << 21) | (ra << 16) | (d & 0xffff)) >>> 0;

const lbarx = (rt: number, ra: number, rb: number): number => X(rt, ra, rb, 52);
const lharx = (rt: number, ra: number, rb: number): number => X(rt, ra, rb, 116);
const lwarx = (rt: number, ra: number, rb: number): number => X(rt, ra, rb, 20);
const ldarx = (rt: number, ra: number, rb: number): number => X(rt, ra, rb, 84);
const lqarx = (rt: number, ra: number, rb: number): number => X(rt, ra, rb, 276);
const stbcx = (rs: number, ra: number, rb: number): number => X(rs, ra, rb, 694, 1);
const sthcx = (rs: number, ra: number, rb: number): number => X(rs, ra, rb, 726, 1);
const stwcx = (rs: number, ra: number, rb: number): number => X(rs, ra, rb, 150, 1);
const stdcx = (rs: number, ra: number, rb: number): number => X(rs, ra, rb, 214, 1);
const stqcx = (rs: number, ra: number, rb: number): number => X(rs, ra, rb, 182, 1);
const stw = (rs: number, ra: number, d: number): number => D(36, rs, ra, d);
const stb = (rs: number, ra: number, d: number): number => D(38, rs, ra, d);
const dcbz = (ra: number, rb: number): number => X(0, ra, rb, 1014);

const A = 0x4000; // the lock word
const EQ = 0x20000000; // CR0[EQ]
const SO = 0x10000000; // CR0[SO]

function poke(c: Cpu, addr: number, bytes: number[]): void {
  c.u8.set(bytes, L.RAM_OFFSET + addr);
}
function peek(c: Cpu, addr: number, n: number): number[] {
  return Array.from(c.u8.subarray(L.RAM_OFFSET + addr, L.RAM_OFFSET + addr + n));
}
const cr0 = (c: Cpu): number => c.cr & 0xf0000000;
const resvLen = (c: Cpu): number => c.u32[c.wi(L.RESV_LEN)];

describe.each([
  ['little-endian', false],
  ['big-endian', true],
])('larx/stcx. (%s)', (_name, be) => {
  const inOrder = (bytesBE: number[]): number[] => (be ? bytesBE : [...bytesBE].reverse());
  function setup(): Cpu {
    const c = makeCpu({ bigEndian: be });
    poke(c, A, inOrder([0x11, 0x22, 0x33, 0x44]));
    poke(c, A + 8, inOrder([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]));
    c.setGPR(4, BigInt(A));
    c.setGPR(5, 0n);
    c.cr = 0x0fffffff; // CR1..7 must survive
    return c;
  }

  it('lwarx loads and reserves; stwcx. stores, sets CR0[EQ] and drops the reservation', () => {
    const c = setup();
    c.setGPR(6, 0xaabbccdd_12345678n);
    exec(c, [lwarx(3, 4, 5)]);
    expect(c.gpr(3)).toBe(0x11223344n);
    expect(resvLen(c)).toBe(4);
    expect(c.u32[c.wi(L.RESV_ADDR)]).toBe(A);
    exec(c, [stwcx(6, 4, 5)]);
    expect(cr0(c)).toBe(EQ);
    expect(c.cr & 0x0fffffff).toBe(0x0fffffff);
    expect(peek(c, A, 4)).toEqual(inOrder([0x12, 0x34, 0x56, 0x78]));
    expect(resvLen(c)).toBe(0);
  });

  it('a second stwcx. without a reservation fails and leaves memory alone', () => {
    const c = setup();
    c.setGPR(6, 0x55n);
    c.setGPR(7, 0x66n);
    exec(c, [lwarx(3, 4, 5), stwcx(6, 4, 5), stwcx(7, 4, 5)]);
    expect(cr0(c)).toBe(0);
    expect(peek(c, A, 4)).toEqual(inOrder([0, 0, 0, 0x55]));
  });

  it('CR0[SO] is a copy of XER[SO] on success and on failure', () => {
    const c = setup();
    c.u32[c.wi(L.XER_SO)] = 1;
    exec(c, [lwarx(3, 4, 5), stwcx(3, 4, 5)]);
    expect(cr0(c)).toBe(EQ | SO);
    exec(c, [stwcx(3, 4, 5)]);
    expect(cr0(c)).toBe(SO);
  });

  it('a store by another vCPU that changes the word makes stwcx. fail', () => {
    const c = setup();
    const other = new Cpu(c.mem, 1, defaultHooks);
    other.setMSR(c.u32[c.wi(L.MSR)], L.MSR_HI_SF);
    other.u32[other.wi(L.RUN_STATE)] = L.RUN_RUNNING;
    other.f64[(other.base + L.DEC_EXPIRY) >> 3] = 2 ** 52;
    other.setGPR(4, BigInt(A));
    other.setGPR(9, 0x99n);
    c.setGPR(6, 1n);
    exec(c, [lwarx(3, 4, 5)]);
    // the other vCPU runs its own code elsewhere
    const code = 0x20000;
    other.dv.setUint32(L.RAM_OFFSET + code, stw(9, 4, 0), !be);
    other.nia = BigInt(code);
    other.run(1);
    expect(peek(c, A, 4)).toEqual(inOrder([0, 0, 0, 0x99]));
    exec(c, [stwcx(6, 4, 5)]);
    expect(cr0(c)).toBe(0);
    expect(peek(c, A, 4)).toEqual(inOrder([0, 0, 0, 0x99]));
  });

  it('our own store of a different value to the reserved word makes stwcx. fail', () => {
    const c = setup();
    c.setGPR(6, 1n);
    c.setGPR(7, 2n);
    exec(c, [lwarx(3, 4, 5), stw(7, 4, 0), stwcx(6, 4, 5)]);
    expect(cr0(c)).toBe(0);
    expect(peek(c, A, 4)).toEqual(inOrder([0, 0, 0, 2]));
  });

  it('stwcx. to another address than the reserved one fails', () => {
    const c = setup();
    c.setGPR(6, 1n);
    c.setGPR(7, 4n);
    exec(c, [lwarx(3, 4, 5), stwcx(6, 4, 7)]);
    expect(cr0(c)).toBe(0);
    expect(peek(c, A + 4, 4)).toEqual([0, 0, 0, 0]);
    expect(resvLen(c)).toBe(0);
  });

  it('a reservation of another size fails (lwarx then stdcx.)', () => {
    const c = setup();
    c.setGPR(6, 1n);
    exec(c, [lwarx(3, 4, 5), stdcx(6, 4, 5)]);
    expect(cr0(c)).toBe(0);
    expect(peek(c, A, 4)).toEqual(inOrder([0x11, 0x22, 0x33, 0x44]));
  });

  it('dcbz of the reserved block drops the reservation', () => {
    const c = setup();
    c.setGPR(6, 1n);
    c.setGPR(7, 0x40n);
    exec(c, [lwarx(3, 4, 5), dcbz(4, 7), stwcx(6, 4, 5)]);
    // dcbz at A+0x40 zeroes A..A+0x7f (128-byte block), then stwcx. fails
    expect(cr0(c)).toBe(0);
    expect(peek(c, A, 4)).toEqual([0, 0, 0, 0]);
  });

  it('ldarx/stdcx. on a doubleword', () => {
    const c = setup();
    c.setGPR(7, 8n);
    c.setGPR(6, 0xfedcba9876543210n);
    exec(c, [ldarx(3, 4, 7), stdcx(6, 4, 7)]);
    expect(c.gpr(3)).toBe(0x0102030405060708n);
    expect(cr0(c)).toBe(EQ);
    expect(peek(c, A + 8, 8)).toEqual(inOrder([0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10]));
  });

  it('ldarx/stdcx. fails when either half changed', () => {
    const c = setup();
    c.setGPR(7, 8n);
    c.setGPR(6, 0n);
    c.setGPR(9, 0x77n);
    exec(c, [ldarx(3, 4, 7), stb(9, 4, 15), stdcx(6, 4, 7)]);
    expect(cr0(c)).toBe(0);
    expect(peek(c, A + 15, 1)).toEqual([0x77]);
    expect(peek(c, A + 8, 7)).toEqual(inOrder([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]).slice(0, 7));
  });

  it('lbarx/stbcx. and lharx/sthcx. leave neighbouring bytes alone', () => {
    const c = setup();
    c.setGPR(7, 1n);
    c.setGPR(8, 2n);
    c.setGPR(6, 0xffffffffffffffaan);
    c.setGPR(9, 0xffffffffffffbeefn);
    exec(c, [lbarx(3, 4, 7), stbcx(6, 4, 7)]);
    expect(cr0(c)).toBe(EQ);
    exec(c, [lharx(10, 4, 8), sthcx(9, 4, 8)]);
    expect(cr0(c)).toBe(EQ);
    const before = inOrder([0x11, 0x22, 0x33, 0x44]);
    expect(c.gpr(3)).toBe(BigInt(before[1]));
    const half = be ? (before[2] << 8) | before[3] : (before[3] << 8) | before[2];
    expect(c.gpr(10)).toBe(BigInt(half));
    const after = [before[0], 0xaa, ...(be ? [0xbe, 0xef] : [0xef, 0xbe])];
    expect(peek(c, A, 4)).toEqual(after);
  });

  it('stbcx. fails when the byte changed, even if the rest of the word did not', () => {
    const c = setup();
    c.setGPR(7, 3n);
    c.setGPR(6, 0xaan);
    c.setGPR(9, 0x5an);
    exec(c, [lbarx(3, 4, 7), stb(9, 4, 3), stbcx(6, 4, 7)]);
    expect(cr0(c)).toBe(0);
    expect(peek(c, A + 3, 1)).toEqual([0x5a]);
  });

  it('lqarx/stqcx. on a quadword (RT = most significant doubleword)', () => {
    const c = setup();
    poke(c, A + 16, inOrder([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]));
    c.setGPR(7, 16n);
    c.setGPR(10, 0x0123456789abcdefn);
    c.setGPR(11, 0xfedcba9876543210n);
    exec(c, [lqarx(8, 4, 7), stqcx(10, 4, 7)]);
    expect(c.gpr(8)).toBe(0x0011223344556677n);
    expect(c.gpr(9)).toBe(0x8899aabbccddeeffn);
    expect(cr0(c)).toBe(EQ);
    expect(peek(c, A + 16, 16)).toEqual(
      inOrder([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10]),
    );
  });

  it('lqarx/stqcx. invalid forms: odd RTp, RTp = RA or RB; odd RSp', () => {
    for (const insn of [lqarx(9, 4, 7), lqarx(4, 4, 7), lqarx(6, 4, 6), stqcx(11, 4, 7)]) {
      const c = setup();
      c.setGPR(7, 16n);
      c.setGPR(6, 16n);
      exec(c, [insn]);
      expect(c.nia).toBe(0x700n);
      expect((c.spr(L.SPR_SRR1) >> 19n) & 1n).toBe(1n);
    }
  });

  it('unaligned larx/stcx. raise Alignment with DAR = EA', () => {
    const cases: [number, number][] = [
      [lharx(3, 4, 7), 1],
      [lwarx(3, 4, 7), 2],
      [ldarx(3, 4, 7), 4],
      [lqarx(8, 4, 7), 8],
      [sthcx(3, 4, 7), 1],
      [stwcx(3, 4, 7), 2],
      [stdcx(3, 4, 7), 4],
      [stqcx(8, 4, 7), 8],
    ];
    for (const [insn, off] of cases) {
      const c = setup();
      c.setGPR(7, BigInt(off));
      exec(c, [lwarx(3, 4, 5)]);
      exec(c, [insn]);
      expect(c.nia).toBe(0x600n);
      expect(c.spr(L.SPR_SRR0)).toBe(BigInt(CODE_BASE));
      expect(c.spr(L.SPR_DAR)).toBe(BigInt(A + off));
      expect(c.spr(L.SPR_DSISR)).toBe(0n); // not set by Alignment since ISA 3.0
      expect(peek(c, A, 4)).toEqual(inOrder([0x11, 0x22, 0x33, 0x44]));
    }
  });

  it('lbarx never raises Alignment', () => {
    const c = setup();
    c.setGPR(7, 3n);
    exec(c, [lbarx(3, 4, 7)]);
    expect(c.nia).toBe(BigInt(CODE_BASE + 4));
    expect(c.gpr(3)).toBe(BigInt(inOrder([0x11, 0x22, 0x33, 0x44])[3]));
  });

  it('consecutive larx/stcx. pairs each succeed', () => {
    const c = setup();
    // Two independent increments: each larx/stcx pair succeeds on its own.
    c.setGPR(6, 0x11223345n);
    exec(c, [lwarx(3, 4, 5), stwcx(6, 4, 5)]);
    expect(cr0(c)).toBe(EQ);
    c.setGPR(6, 0x11223346n);
    exec(c, [lwarx(3, 4, 5), stwcx(6, 4, 5)]);
    expect(cr0(c)).toBe(EQ);
    expect(c.gpr(3)).toBe(0x11223345n);
    expect(peek(c, A, 4)).toEqual(inOrder([0x11, 0x22, 0x33, 0x46]));
  });
});

describe('larx/stcx. storage interrupts', () => {
  const PAGE = 0x5000;
  const DSISR_STORE = 1 << (63 - 38);
  /** A page that faults on reads and/or writes, as a translation would (DSI). */
  function faulting(onRead: boolean, onWrite: boolean): Cpu {
    const c = makeCpu();
    const mmu = c.mmu;
    const real = mmu.translate.bind(mmu);
    mmu.translate = (lo, hi, access) => {
      if ((lo & -4096) === PAGE && ((access === 0 && onRead) || (access === 1 && onWrite))) {
        raiseDSI(c, lo, hi, (1 << (63 - 36)) | (access === 1 ? DSISR_STORE : 0));
      }
      return real(lo, hi, access);
    };
    c.setGPR(4, BigInt(PAGE));
    c.setGPR(5, 0n);
    return c;
  }

  it('lwarx translates as a load and sets no reservation when it faults', () => {
    const c = faulting(true, false);
    exec(c, [lwarx(3, 4, 5)]);
    expect(c.nia).toBe(0x300n);
    expect(Number(c.spr(L.SPR_DSISR)) & DSISR_STORE).toBe(0);
    expect(resvLen(c)).toBe(0);
  });

  it('stwcx. with a reservation translates as a store and stores nothing when that faults', () => {
    const c = faulting(false, true);
    poke(c, PAGE, [1, 2, 3, 4]);
    c.setGPR(6, 0x55555555n);
    exec(c, [lwarx(3, 4, 5)]);
    expect(resvLen(c)).toBe(4);
    exec(c, [stwcx(6, 4, 5)]);
    expect(c.nia).toBe(0x300n);
    expect(c.spr(L.SPR_DAR)).toBe(BigInt(PAGE));
    expect(Number(c.spr(L.SPR_DSISR)) & DSISR_STORE).toBe(DSISR_STORE);
    expect(peek(c, PAGE, 4)).toEqual([1, 2, 3, 4]);
    // (interrupt delivery itself drops any reservation: exceptions.ts)
  });

  it('stwcx. without a reservation does not access storage, so it cannot fault', () => {
    const c = faulting(true, true);
    c.cr = 0xf0000000;
    exec(c, [stwcx(3, 4, 5)]);
    expect(c.nia).toBe(BigInt(CODE_BASE + 4));
    expect(cr0(c)).toBe(0);
  });
});

describe.each([
  ['little-endian', false],
  ['big-endian', true],
])('larx/stcx. and dcbz on MMIO (%s)', (_name, be) => {
  // A device register file outside RAM: little-endian values per the mmio hook contract.
  const MMIO = 0x2000000;
  function setup(): { c: Cpu; regs: Map<number, number>; writes: [number, number, number][] } {
    const regs = new Map<number, number>();
    const writes: [number, number, number][] = [];
    const c = makeCpu({
      bigEndian: be,
      hooks: {
        mmioRead: (pa, size) => {
          let v = 0;
          for (let k = size - 1; k >= 0; k--) v = (v << 8) | (regs.get(pa + k) ?? 0);
          return v >>> 0;
        },
        mmioWrite: (pa, size, value) => {
          writes.push([pa, size, value >>> 0]);
          for (let k = 0; k < size; k++) regs.set(pa + k, (value >>> (8 * k)) & 0xff);
        },
      },
    });
    c.setGPR(4, BigInt(MMIO));
    c.setGPR(5, 0n);
    return { c, regs, writes };
  }
  const setBytes = (regs: Map<number, number>, pa: number, bytes: number[]): void => bytes.forEach((b, k) => regs.set(pa + k, b));
  const bytesAt = (regs: Map<number, number>, pa: number, n: number): number[] => Array.from({ length: n }, (_v, k) => regs.get(pa + k) ?? 0);
  const inOrder = (bytesBE: number[]): number[] => (be ? bytesBE : [...bytesBE].reverse());

  it('lwarx/stwcx.', () => {
    const { c, regs } = setup();
    setBytes(regs, MMIO, inOrder([0x11, 0x22, 0x33, 0x44]));
    c.setGPR(6, 0xa1b2c3d4n);
    exec(c, [lwarx(3, 4, 5), stwcx(6, 4, 5)]);
    expect(c.gpr(3)).toBe(0x11223344n);
    expect(cr0(c)).toBe(EQ);
    expect(bytesAt(regs, MMIO, 4)).toEqual(inOrder([0xa1, 0xb2, 0xc3, 0xd4]));
    expect(c.u32[c.wi(L.RESV_ADDR)]).toBe(MMIO);
  });

  it('ldarx/stdcx., lharx/sthcx., lbarx/stbcx.', () => {
    const { c, regs } = setup();
    setBytes(regs, MMIO + 8, inOrder([1, 2, 3, 4, 5, 6, 7, 8]));
    c.setGPR(7, 8n);
    c.setGPR(6, 0x1122334455667788n);
    exec(c, [ldarx(3, 4, 7), stdcx(6, 4, 7)]);
    expect(c.gpr(3)).toBe(0x0102030405060708n);
    expect(cr0(c)).toBe(EQ);
    expect(bytesAt(regs, MMIO + 8, 8)).toEqual(inOrder([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]));
    exec(c, [lharx(3, 4, 7), sthcx(6, 4, 7)]);
    expect(c.gpr(3)).toBe(be ? 0x1122n : 0x7788n);
    expect(cr0(c)).toBe(EQ);
    exec(c, [lbarx(3, 4, 7), stbcx(5, 4, 7)]);
    expect(cr0(c)).toBe(EQ);
    expect(bytesAt(regs, MMIO + 8, 1)).toEqual([0]);
  });

  it('lqarx/stqcx.', () => {
    const { c, regs } = setup();
    setBytes(regs, MMIO + 16, inOrder([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]));
    c.setGPR(7, 16n);
    c.setGPR(10, 0x0123456789abcdefn);
    c.setGPR(11, 0xfedcba9876543210n);
    exec(c, [lqarx(8, 4, 7), stqcx(10, 4, 7)]);
    expect(c.gpr(8)).toBe(0x0011223344556677n);
    expect(c.gpr(9)).toBe(0x8899aabbccddeeffn);
    expect(cr0(c)).toBe(EQ);
    expect(bytesAt(regs, MMIO + 16, 16)).toEqual(
      inOrder([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10]),
    );
  });

  it('dcbz writes zeros to the whole block with ordinary stores', () => {
    const { c, regs, writes } = setup();
    setBytes(regs, MMIO + 0x80, Array(128).fill(0xff));
    c.setGPR(7, 0x85n);
    exec(c, [dcbz(4, 7)]);
    expect(bytesAt(regs, MMIO + 0x80, 128).every((b) => b === 0)).toBe(true);
    const covered = new Set(writes.flatMap(([pa, size]) => Array.from({ length: size }, (_v, k) => pa + k)));
    expect(covered.size).toBe(128);
    expect(Math.min(...covered)).toBe(MMIO + 0x80);
  });
});

describe.each([
  ['little-endian', false],
  ['big-endian', true],
])('two vCPUs incrementing one counter with lwarx/stwcx. loops (%s)', (_name, be) => {
  // 1: lwarx 3,0,4 ; addi 3,3,1 ; stwcx. 3,0,4 ; bne- 1b ; bdnz 1b ; 2: b 2b
  const bc = (bo: number, bi: number, bd: number): number => ((16 << 26) | (bo << 21) | (bi << 16) | (bd & 0xfffc)) >>> 0;
  const LOOP = [lwarx(3, 0, 4), D(14, 3, 3, 1), stwcx(3, 0, 4), bc(4, 2, -12), bc(16, 0, -16), 0x48000000];
  const DONE = BigInt(CODE_BASE + 20);
  const N = 300;

  function vcpu(c: Cpu): Cpu {
    c.setGPR(4, BigInt(A));
    c.setSPR(L.SPR_CTR, BigInt(N));
    c.nia = BigInt(CODE_BASE);
    return c;
  }

  it.each([
    [1, 1],
    [1, 2],
    [3, 2],
    [4, 4],
  ])('interleaving %i:%i instructions loses no increment', (k0, k1) => {
    const c0 = makeCpu({ bigEndian: be });
    for (let k = 0; k < LOOP.length; k++) c0.dv.setUint32(L.RAM_OFFSET + CODE_BASE + 4 * k, LOOP[k], !be);
    const c1 = new Cpu(c0.mem, 1, defaultHooks);
    c1.setMSR(c0.u32[c0.wi(L.MSR)], L.MSR_HI_SF);
    c1.u32[c1.wi(L.RUN_STATE)] = L.RUN_RUNNING;
    c1.f64[(c1.base + L.DEC_EXPIRY) >> 3] = 2 ** 52;
    vcpu(c0);
    vcpu(c1);
    let retired = 0;
    for (let guard = 0; guard < 100000 && (c0.nia !== DONE || c1.nia !== DONE); guard++) {
      if (c0.nia !== DONE) retired += c0.run(k0);
      if (c1.nia !== DONE) retired += c1.run(k1);
    }
    expect(c0.nia).toBe(DONE);
    expect(c1.nia).toBe(DONE);
    expect(c0.dv.getUint32(L.RAM_OFFSET + A, !be)).toBe(2 * N);
    // Every increment took at least 5 instructions; contention shows up as retries.
    expect(retired).toBeGreaterThanOrEqual(2 * N * 5);
    if (k0 === k1) expect(retired).toBeGreaterThan(2 * N * 5);
  });
});

describe('doubleword stdcx. with parallel vCPUs (wasm 64-bit compare-and-swap)', () => {
  it('cas64 swaps only when all 8 bytes match', () => {
    const c = makeCpu();
    const cas = cas64For(c.mem.memory);
    const p = L.RAM_OFFSET + A;
    c.u32[p >> 2] = 0x11111111;
    c.u32[(p >> 2) + 1] = 0x22222222;
    expect(cas(p, 0x11111111, 0x22222223, 5, 6)).toBe(0);
    expect([c.u32[p >> 2], c.u32[(p >> 2) + 1]]).toEqual([0x11111111, 0x22222222]);
    expect(cas(p, 0x11111111, 0x22222222, 0xfffffffe, 0x80000000)).toBe(1);
    expect([c.u32[p >> 2], c.u32[(p >> 2) + 1]]).toEqual([0xfffffffe, 0x80000000]);
    expect(cas64For(c.mem.memory)).toBe(cas); // bound once per memory
  });

  describe.each([
    ['little-endian', false],
    ['big-endian', true],
  ])('%s', (_name, be) => {
    // 1: ldarx 3,0,4 ; addi 3,3,1 ; stdcx. 3,0,4 ; bne- 1b ; bdnz 1b ; 2: b 2b
    const bc = (bo: number, bi: number, bd: number): number => ((16 << 26) | (bo << 21) | (bi << 16) | (bd & 0xfffc)) >>> 0;
    const LOOP = [ldarx(3, 0, 4), D(14, 3, 3, 1), stdcx(3, 0, 4), bc(4, 2, -12), bc(16, 0, -16), 0x48000000];
    const DONE = BigInt(CODE_BASE + 20);
    const N = 200;

    it.each([1, 2])('interleaved ldarx/stdcx. increments across the 32-bit carry (%i vCPUs declared)', (declared) => {
      const c0 = makeCpu({ bigEndian: be });
      c0.u32[L.M_NVCPUS >> 2] = declared;
      for (let k = 0; k < LOOP.length; k++) c0.dv.setUint32(L.RAM_OFFSET + CODE_BASE + 4 * k, LOOP[k], !be);
      c0.dv.setBigUint64(L.RAM_OFFSET + A, 0xffffff80n, !be); // the count crosses 2^32
      const c1 = new Cpu(c0.mem, 1, defaultHooks);
      c1.setMSR(c0.u32[c0.wi(L.MSR)], L.MSR_HI_SF);
      c1.u32[c1.wi(L.RUN_STATE)] = L.RUN_RUNNING;
      c1.f64[(c1.base + L.DEC_EXPIRY) >> 3] = 2 ** 52;
      for (const c of [c0, c1]) {
        c.setGPR(4, BigInt(A));
        c.setSPR(L.SPR_CTR, BigInt(N));
        c.nia = BigInt(CODE_BASE);
      }
      for (let guard = 0; guard < 100000 && (c0.nia !== DONE || c1.nia !== DONE); guard++) {
        if (c0.nia !== DONE) c0.run(1);
        if (c1.nia !== DONE) c1.run(1);
      }
      expect(c0.nia).toBe(DONE);
      expect(c1.nia).toBe(DONE);
      expect(c0.dv.getBigUint64(L.RAM_OFFSET + A, !be)).toBe(0xffffff80n + BigInt(2 * N));
    });

    it('stdcx. fails through the wasm path when another vCPU changed the doubleword', () => {
      const c = makeCpu({ bigEndian: be });
      c.u32[L.M_NVCPUS >> 2] = 2;
      c.setGPR(4, BigInt(A));
      c.setGPR(5, 0n);
      c.setGPR(6, 0x0123456789abcdefn);
      exec(c, [ldarx(3, 4, 5)]);
      c.u8[L.RAM_OFFSET + A + 6] ^= 1; // another vCPU's store to the high-address half
      exec(c, [stdcx(6, 4, 5)]);
      expect(cr0(c)).toBe(0);
      exec(c, [ldarx(3, 4, 5), stdcx(6, 4, 5)]);
      expect(cr0(c)).toBe(EQ);
      expect(c.dv.getBigUint64(L.RAM_OFFSET + A, !be)).toBe(0x0123456789abcdefn);
    });
  });
});
