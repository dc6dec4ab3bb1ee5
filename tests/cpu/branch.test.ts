// Branches, CR logical ops and mcrf, worked by hand from Power ISA 3.0B Book I ch. 2.
import { describe, expect, it } from 'vitest';
import { makeCpu, exec, loadCode, CODE_BASE } from './harness.js';
import * as L from '../../emulator/cpu/layout.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';

const B = (li: number, aa = 0, lk = 0): number => ((18 << 26) | (li & 0x03fffffc) | (aa << 1) | lk) >>> 0;
const BC = (bo: number, bi: number, bd: number, aa = 0, lk = 0): number =>
  ((16 << 26) | (bo << 21) | (bi << 16) | (bd & 0xfffc) | (aa << 1) | lk) >>> 0;
const XL = (xo: number, bt: number, ba: number, bb: number, lk = 0): number =>
  ((19 << 26) | (bt << 21) | (ba << 16) | (bb << 11) | (xo << 1) | lk) >>> 0;
const BCLR = (bo: number, bi: number, lk = 0): number => XL(16, bo, bi, 0, lk);
const BCCTR = (bo: number, bi: number, lk = 0): number => XL(528, bo, bi, 0, lk);
const BCTAR = (bo: number, bi: number, lk = 0): number => XL(560, bo, bi, 0, lk);
const NOP = 0x4c000382; // cror 0,0,0
const MCRF = (bf: number, bfa: number): number => XL(0, bf << 2, bfa << 2, 0);

/** 32-bit mode: MSR[SF] = 0. */
function narrow(c: Cpu): void {
  c.setMSR(c.u32[c.wi(L.MSR)], 0);
}

describe('b ba bl bla', () => {
  it('b is relative to the branch, sets CFAR, leaves LR', () => {
    const c = makeCpu();
    c.setSPR(L.SPR_LR, 0x1234n);
    exec(c, [B(0x100)]);
    expect(c.nia).toBe(0x10100n);
    expect(c.spr(L.SPR_CFAR)).toBe(0x10000n);
    expect(c.spr(L.SPR_LR)).toBe(0x1234n);
  });

  it('b backwards below 0 wraps the 64-bit address', () => {
    const c = makeCpu();
    exec(c, [B(-0x20000)]);
    expect(c.nia).toBe(0xffffffffffff0000n);
  });

  it('b with the largest displacements', () => {
    let c = makeCpu();
    exec(c, [B(0x01fffffc)]);
    expect(c.nia).toBe(0x10000n + 0x1fffffcn);
    c = makeCpu();
    exec(c, [B(-0x02000000)]);
    expect(c.nia).toBe((0x10000n - 0x2000000n) & 0xffffffffffffffffn);
  });

  it('bl sets LR to the next instruction', () => {
    const c = makeCpu();
    exec(c, [B(-8, 0, 1)]);
    expect(c.nia).toBe(0xfff8n);
    expect(c.spr(L.SPR_LR)).toBe(0x10004n);
  });

  it('ba/bla are absolute and sign-extended', () => {
    let c = makeCpu();
    exec(c, [B(0x100, 1)]);
    expect(c.nia).toBe(0x100n);
    c = makeCpu();
    exec(c, [B(-4, 1, 1)]);
    expect(c.nia).toBe(0xfffffffffffffffcn);
    expect(c.spr(L.SPR_LR)).toBe(0x10004n);
  });

  it('in 32-bit mode the target and LR have a zero high word', () => {
    const c = makeCpu();
    narrow(c);
    exec(c, [B(-0x20000, 0, 1)]);
    expect(c.nia).toBe(0xffff0000n);
    expect(c.spr(L.SPR_LR)).toBe(0x10004n);
    const d = makeCpu();
    narrow(d);
    exec(d, [B(-4, 1)]);
    expect(d.nia).toBe(0xfffffffcn);
  });
});

describe('bc', () => {
  // CR0 = 0b0010 (EQ) -> CR word 0x20000000.
  it('beq taken / not taken on CR0[EQ]', () => {
    let c = makeCpu();
    c.cr = 0x20000000;
    exec(c, [BC(12, 2, 0x40)]);
    expect(c.nia).toBe(0x10040n);
    expect(c.spr(L.SPR_CFAR)).toBe(0x10000n);
    c = makeCpu();
    c.cr = 0x40000000; // GT
    exec(c, [BC(12, 2, 0x40)]);
    expect(c.nia).toBe(0x10004n);
    expect(c.spr(L.SPR_CFAR)).toBe(0n); // not taken: CFAR untouched
  });

  it('bne (BO=4) tests for a clear bit, any CR bit', () => {
    const c = makeCpu();
    c.cr = 0xfffffffe; // bit 31 (cr7 SO) clear
    exec(c, [BC(4, 31, -0x10)]);
    expect(c.nia).toBe(0xfff0n);
  });

  it('bcl always (BO=20) sets LR; bcl not taken still sets LR', () => {
    let c = makeCpu();
    exec(c, [BC(20, 31, 8, 0, 1)]);
    expect(c.nia).toBe(0x10008n);
    expect(c.spr(L.SPR_LR)).toBe(0x10004n);
    c = makeCpu();
    c.cr = 0;
    exec(c, [BC(12, 0, 8, 0, 1)]);
    expect(c.nia).toBe(0x10004n);
    expect(c.spr(L.SPR_LR)).toBe(0x10004n);
  });

  it('bdnz: decrements CTR, branches while nonzero', () => {
    let c = makeCpu();
    c.setSPR(L.SPR_CTR, 2n);
    exec(c, [BC(16, 0, 0x20)]);
    expect(c.spr(L.SPR_CTR)).toBe(1n);
    expect(c.nia).toBe(0x10020n);
    c = makeCpu();
    c.setSPR(L.SPR_CTR, 1n);
    exec(c, [BC(16, 0, 0x20)]);
    expect(c.spr(L.SPR_CTR)).toBe(0n);
    expect(c.nia).toBe(0x10004n);
    c = makeCpu();
    c.setSPR(L.SPR_CTR, 0n); // wraps to all ones: nonzero, taken
    exec(c, [BC(16, 0, 0x20)]);
    expect(c.spr(L.SPR_CTR)).toBe(0xffffffffffffffffn);
    expect(c.nia).toBe(0x10020n);
    c = makeCpu();
    c.setSPR(L.SPR_CTR, 0x100000000n); // borrow into the high word
    exec(c, [BC(16, 0, 0x20)]);
    expect(c.spr(L.SPR_CTR)).toBe(0xffffffffn);
    expect(c.nia).toBe(0x10020n);
  });

  it('bdz (BO=18) branches when CTR reaches zero', () => {
    const c = makeCpu();
    c.setSPR(L.SPR_CTR, 1n);
    exec(c, [BC(18, 0, 0x20)]);
    expect(c.nia).toBe(0x10020n);
  });

  it('bdnzt / bdzf combine CTR and CR tests', () => {
    let c = makeCpu();
    c.setSPR(L.SPR_CTR, 5n);
    c.cr = 0x80000000;
    exec(c, [BC(8, 0, 0x20)]); // bdnzt 0: CTR!=0 and CR0[LT]=1
    expect(c.nia).toBe(0x10020n);
    expect(c.spr(L.SPR_CTR)).toBe(4n);
    c = makeCpu();
    c.setSPR(L.SPR_CTR, 5n);
    c.cr = 0;
    exec(c, [BC(8, 0, 0x20)]);
    expect(c.nia).toBe(0x10004n);
    expect(c.spr(L.SPR_CTR)).toBe(4n); // decremented even when not taken
    c = makeCpu();
    c.setSPR(L.SPR_CTR, 1n);
    c.cr = 0;
    exec(c, [BC(2, 0, 0x20)]); // bdzf 0
    expect(c.nia).toBe(0x10020n);
  });

  it('in 32-bit mode only the low word of CTR is tested (all 64 bits decrement)', () => {
    const c = makeCpu();
    narrow(c);
    c.setSPR(L.SPR_CTR, 0x100000001n);
    exec(c, [BC(16, 0, 0x20)]);
    expect(c.spr(L.SPR_CTR)).toBe(0x100000000n);
    expect(c.nia).toBe(0x10004n);
    const d = makeCpu();
    d.setSPR(L.SPR_CTR, 0x100000001n);
    exec(d, [BC(16, 0, 0x20)]);
    expect(d.nia).toBe(0x10020n);
  });

  it('bca is absolute', () => {
    const c = makeCpu();
    exec(c, [BC(20, 0, -0x100, 1)]);
    expect(c.nia).toBe(0xffffffffffffff00n);
  });
});

describe('bclr bcctr bctar', () => {
  it('blr goes to LR with the low two bits cleared', () => {
    const c = makeCpu();
    c.setSPR(L.SPR_LR, 0xc000000000abcdefn);
    exec(c, [BCLR(20, 0)]);
    expect(c.nia).toBe(0xc000000000abcdecn);
    expect(c.spr(L.SPR_CFAR)).toBe(0x10000n);
  });

  it('blrl uses the old LR and writes the new one', () => {
    const c = makeCpu();
    c.setSPR(L.SPR_LR, 0x2000n);
    exec(c, [BCLR(20, 0, 1)]);
    expect(c.nia).toBe(0x2000n);
    expect(c.spr(L.SPR_LR)).toBe(0x10004n);
  });

  it('beqlr not taken falls through; bdnzlr decrements', () => {
    let c = makeCpu();
    c.setSPR(L.SPR_LR, 0x2000n);
    exec(c, [BCLR(12, 2)]);
    expect(c.nia).toBe(0x10004n);
    c = makeCpu();
    c.setSPR(L.SPR_LR, 0x2000n);
    c.setSPR(L.SPR_CTR, 3n);
    exec(c, [BCLR(16, 0)]);
    expect(c.nia).toBe(0x2000n);
    expect(c.spr(L.SPR_CTR)).toBe(2n);
  });

  it('blr in 32-bit mode drops the high word of LR', () => {
    const c = makeCpu();
    narrow(c);
    c.setSPR(L.SPR_LR, 0x1234567800002000n);
    exec(c, [BCLR(20, 0)]);
    expect(c.nia).toBe(0x2000n);
  });

  it('bctr / bctrl / bnectr', () => {
    let c = makeCpu();
    c.setSPR(L.SPR_CTR, 0x3003n);
    exec(c, [BCCTR(20, 0, 1)]);
    expect(c.nia).toBe(0x3000n);
    expect(c.spr(L.SPR_LR)).toBe(0x10004n);
    expect(c.spr(L.SPR_CTR)).toBe(0x3003n);
    c = makeCpu();
    c.setSPR(L.SPR_CTR, 0x3000n);
    c.cr = 0x20000000;
    exec(c, [BCCTR(4, 2)]);
    expect(c.nia).toBe(0x10004n);
  });

  it('bcctr with BO[2]=0 tests CTR first and decrements only when the test passes', () => {
    let c = makeCpu();
    c.setSPR(L.SPR_CTR, 0x3000n);
    exec(c, [BCCTR(16, 0)]); // "bdnzctr": CTR != 0 -> taken to the old CTR
    expect(c.nia).toBe(0x3000n);
    expect(c.spr(L.SPR_CTR)).toBe(0x2fffn);
    c = makeCpu();
    c.setSPR(L.SPR_CTR, 0n);
    exec(c, [BCCTR(16, 0)]);
    expect(c.nia).toBe(0x10004n);
    expect(c.spr(L.SPR_CTR)).toBe(0n);
  });

  it('bctar branches to TAR', () => {
    const c = makeCpu();
    c.setSPR(L.SPR_TAR, 0x4444n);
    exec(c, [BCTAR(20, 0, 1)]);
    expect(c.nia).toBe(0x4444n);
    expect(c.spr(L.SPR_LR)).toBe(0x10004n);
  });

  it('a loop of bdnz runs CTR times', () => {
    const c = makeCpu();
    c.setSPR(L.SPR_CTR, 100n);
    const addi = (14 << 26) | (5 << 21) | (5 << 16) | 1; // addi r5,r5,1
    loadCode(c, [addi, BC(16, 0, -4), NOP]);
    c.setGPR(5, 0n);
    c.nia = BigInt(CODE_BASE);
    c.run(200);
    expect(c.gpr(5)).toBe(100n);
    expect(c.nia).toBe(BigInt(CODE_BASE + 8));
  });
});

describe('CR logical', () => {
  // BT=5 (cr1 GT), BA=0 (cr0 LT), BB=31 (cr7 SO)
  const cases: [string, number, (a: number, b: number) => number][] = [
    ['crand', 257, (a, b) => a & b],
    ['cror', 449, (a, b) => a | b],
    ['crxor', 193, (a, b) => a ^ b],
    ['crnand', 225, (a, b) => 1 - (a & b)],
    ['crnor', 33, (a, b) => 1 - (a | b)],
    ['creqv', 289, (a, b) => 1 - (a ^ b)],
    ['crandc', 129, (a, b) => a & (1 - b)],
    ['crorc', 417, (a, b) => a | (1 - b)],
  ];
  for (const [name, xo, f] of cases) {
    it(name, () => {
      for (const a of [0, 1]) {
        for (const b of [0, 1]) {
          for (const t of [0, 1]) {
            const c = makeCpu();
            const others = 0x0a5a5a5a & ~((1 << 31) | (1 << 26) | 1);
            const cr = (others | (a << 31) | (t << 26) | b) >>> 0;
            c.cr = cr;
            exec(c, [XL(xo, 5, 0, 31)]);
            const want = ((cr & ~(1 << 26)) | (f(a, b) << 26)) >>> 0;
            expect(c.cr >>> 0, `${name} a=${a} b=${b} t=${t}`).toBe(want);
          }
        }
      }
    });
  }

  it('crset/crclr via creqv/crxor with equal operands', () => {
    const c = makeCpu();
    c.cr = 0;
    exec(c, [XL(289, 31, 31, 31)]);
    expect(c.cr >>> 0).toBe(1);
    exec(c, [XL(193, 31, 31, 31)]);
    expect(c.cr >>> 0).toBe(0);
  });

  it('mcrf copies one field to another', () => {
    const c = makeCpu();
    c.cr = 0x12345678;
    exec(c, [MCRF(7, 0)]);
    expect(c.cr >>> 0).toBe(0x12345671);
    exec(c, [MCRF(0, 6)]);
    expect(c.cr >>> 0).toBe(0x72345671);
    exec(c, [MCRF(3, 3)]);
    expect(c.cr >>> 0).toBe(0x72345671);
  });
});
