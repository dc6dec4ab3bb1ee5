// Hand-worked VMX/VSX checks from the ISA text: element order of the quadword and
// doubleword loads/stores in both byte orders, lvsl/lvsr, facility-unavailable
// interrupts, and guest mistakes never escaping as host exceptions.
import { describe, expect, it } from 'vitest';
import { makeCpu, exec, CODE_BASE } from './harness.js';
import * as L from '../../emulator/cpu/layout.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';

const LVX = 0x7c4020ce; // lvx v2,0,r4
const STVX = 0x7c4029ce; // stvx v2,0,r5
const LXVD2X = 0x7c402699; // lxvd2x vs34,0,r4
const STXVD2X = 0x7c402f99; // stxvd2x vs34,0,r5
const LXV = 0xf4440009; // lxv vs34,0(r4)
const STXV = 0xf445001d; // stxv vs34,16(r5)
const LVSL = 0x7c40200c; // lvsl v2,0,r4
const LVSR = 0x7c40204c; // lvsr v2,0,r4
const VOR = 0x10432484; // vor v2,v3,v4
const XXLOR = 0xf0432490; // xxlor vs2,vs3,vs4
const LXVX40 = 0x7d002219; // lxvx vs40,0,r4
const MTVSRD5 = 0x7ca40166; // mtvsrd vs5,r4
const MTVSRD40 = 0x7d040167; // mtvsrd vs40,r4

const SRC = 0x2000;
const DST = 0x3000;

function vsr(c: Cpu, n: number): bigint {
  const i = c.wi(L.VSR + 16 * n);
  const d0 = (BigInt(c.u32[i + 1]) << 32n) | BigInt(c.u32[i]);
  const d1 = (BigInt(c.u32[i + 3]) << 32n) | BigInt(c.u32[i + 2]);
  return (d0 << 64n) | d1;
}

function setVsr(c: Cpu, n: number, v: bigint): void {
  const i = c.wi(L.VSR + 16 * n);
  c.u32[i] = Number((v >> 64n) & 0xffffffffn);
  c.u32[i + 1] = Number((v >> 96n) & 0xffffffffn);
  c.u32[i + 2] = Number(v & 0xffffffffn);
  c.u32[i + 3] = Number((v >> 32n) & 0xffffffffn);
}

/** Memory at SRC holds bytes 0x00, 0x01, ..., 0x0f. */
function setup(bigEndian: boolean): Cpu {
  const c = makeCpu({ bigEndian });
  for (let k = 0; k < 16; k++) c.u8[L.RAM_OFFSET + SRC + k] = k;
  c.setGPR(4, BigInt(SRC));
  c.setGPR(5, BigInt(DST));
  return c;
}

function mem(c: Cpu, pa: number): string {
  return Array.from(c.u8.subarray(L.RAM_OFFSET + pa, L.RAM_OFFSET + pa + 16), (b) => b.toString(16).padStart(2, '0')).join('');
}

describe('quadword element order', () => {
  it('lvx: BE puts memory byte i in VR byte i; LE reverses the whole quadword', () => {
    const be = setup(true);
    exec(be, [LVX]);
    expect(vsr(be, 34)).toBe(0x000102030405060708090a0b0c0d0e0fn);
    const le = setup(false);
    exec(le, [LVX]);
    expect(vsr(le, 34)).toBe(0x0f0e0d0c0b0a09080706050403020100n);
  });

  it('lvx ignores EA bits 60:63', () => {
    const c = setup(true);
    c.setGPR(4, BigInt(SRC + 0xb));
    exec(c, [LVX]);
    expect(vsr(c, 34)).toBe(0x000102030405060708090a0b0c0d0e0fn);
  });

  it('lxvd2x: doublewords in storage order, each in the current byte order', () => {
    const be = setup(true);
    exec(be, [LXVD2X]);
    expect(vsr(be, 34)).toBe(0x000102030405060708090a0b0c0d0e0fn);
    const le = setup(false);
    exec(le, [LXVD2X]);
    expect(vsr(le, 34)).toBe(0x07060504030201000f0e0d0c0b0a0908n);
  });

  it('lxv (unaligned allowed) matches lvx in both byte orders', () => {
    const be = setup(true);
    exec(be, [LXV]);
    expect(vsr(be, 34)).toBe(0x000102030405060708090a0b0c0d0e0fn);
    const le = setup(false);
    exec(le, [LXV]);
    expect(vsr(le, 34)).toBe(0x0f0e0d0c0b0a09080706050403020100n);
  });

  it('stvx / stxvd2x / stxv write back what the matching load read', () => {
    for (const bigEndian of [true, false]) {
      const c = setup(bigEndian);
      exec(c, [LVX, STVX]);
      expect(mem(c, DST)).toBe('000102030405060708090a0b0c0d0e0f');
      const d = setup(bigEndian);
      exec(d, [LXVD2X, STXVD2X]);
      expect(mem(d, DST)).toBe('000102030405060708090a0b0c0d0e0f');
      const e = setup(bigEndian);
      exec(e, [LXV, STXV]);
      expect(mem(e, DST + 16)).toBe('000102030405060708090a0b0c0d0e0f');
    }
  });

  it('stxvd2x in LE mode stores doubleword 0 first, little-endian', () => {
    const c = setup(false);
    setVsr(c, 34, 0x0011223344556677_8899aabbccddeeffn);
    exec(c, [STXVD2X]);
    expect(mem(c, DST)).toBe('7766554433221100ffeeddccbbaa9988');
  });

  it('lvsl / lvsr from EA & 15, independent of byte order', () => {
    for (const bigEndian of [true, false]) {
      const c = setup(bigEndian);
      c.setGPR(4, BigInt(SRC + 3));
      exec(c, [LVSL]);
      expect(vsr(c, 34)).toBe(0x030405060708090a0b0c0d0e0f101112n);
      exec(c, [LVSR]);
      expect(vsr(c, 34)).toBe(0x0d0e0f101112131415161718191a1b1cn);
    }
  });
});

describe('page-crossing quadwords', () => {
  const LXVX = 0x7c402219; // lxvx vs34,0,r4
  const STXVX = 0x7c402b19; // stxvx vs34,0,r5
  const LXVW4X = 0x7c402619; // lxvw4x vs34,0,r4
  const STXVH8X = 0x7c402f59; // stxvh8x vs34,0,r5
  for (const bigEndian of [true, false]) {
    it(`load and store across a 4K boundary equal the in-page result (${bigEndian ? 'BE' : 'LE'})`, () => {
      for (const [ld, st] of [[LXVX, STXVX], [LXVD2X, STXVD2X], [LXVW4X, STXVH8X]]) {
        const results: bigint[] = [];
        const images: string[] = [];
        for (const base of [0x2000, 0x2ff8, 0x2ffd]) {
          const c = makeCpu({ bigEndian });
          for (let k = 0; k < 16; k++) c.u8[L.RAM_OFFSET + base + k] = 0xa0 + k;
          c.setGPR(4, BigInt(base));
          c.setGPR(5, BigInt(base + 0x1000));
          exec(c, [ld, st]);
          results.push(vsr(c, 34));
          images.push(mem(c, base + 0x1000));
        }
        expect(results[1]).toBe(results[0]);
        expect(results[2]).toBe(results[0]);
        expect(images[1]).toBe(images[0]);
        expect(images[2]).toBe(images[0]);
      }
    });
  }
});

describe('facility availability', () => {
  it('VMX instruction with MSR[VEC]=0: vector unavailable (0xf20), VR untouched', () => {
    const c = makeCpu({ msrLo: L.MSR_FP | L.MSR_VSX });
    setVsr(c, 34, 0x1234n);
    exec(c, [VOR]);
    expect(c.nia).toBe(0xf20n);
    expect(c.spr(L.SPR_SRR0)).toBe(BigInt(CODE_BASE));
    expect(vsr(c, 34)).toBe(0x1234n);
  });

  it('VSX instruction with MSR[VSX]=0: VSX unavailable (0xf40)', () => {
    const c = makeCpu({ msrLo: L.MSR_FP | L.MSR_VEC });
    exec(c, [XXLOR]);
    expect(c.nia).toBe(0xf40n);
  });

  it('lxvx of a VR needs only MSR[VEC] (ISA 3.0); of VSR 0-31 MSR[VSX]', () => {
    const c = makeCpu({ msrLo: L.MSR_FP | L.MSR_VEC });
    c.setGPR(4, BigInt(SRC));
    exec(c, [LXVX40]);
    expect(c.nia).toBe(BigInt(CODE_BASE + 4));
  });

  it('mtvsrd checks MSR[FP] for VSR 0-31 and MSR[VEC] for 32-63', () => {
    const c = makeCpu({ msrLo: L.MSR_VEC | L.MSR_VSX });
    exec(c, [MTVSRD5]);
    expect(c.nia).toBe(0x800n);
    const d = makeCpu({ msrLo: L.MSR_FP | L.MSR_VSX });
    exec(d, [MTVSRD40]);
    expect(d.nia).toBe(0xf20n);
    const e = makeCpu({ msrLo: L.MSR_FP | L.MSR_VSX });
    e.setGPR(4, 0x1122334455667788n);
    exec(e, [MTVSRD5]);
    expect(vsr(e, 5) >> 64n).toBe(0x1122334455667788n);
  });
});

describe('guest mistakes', () => {
  it('unassigned opcode-4 and opcode-60 slots raise the illegal-instruction Program interrupt', () => {
    for (const word of [0x10000010, 0xf0000020, 0x10001602 | (2 << 16)]) {
      const c = makeCpu();
      exec(c, [word]);
      expect(c.nia).toBe(0x700n);
      expect(c.spr(L.SPR_SRR1) & (1n << 19n)).toBe(1n << 19n);
    }
  });

  it('a vector load from outside RAM does not throw a host exception', () => {
    const c = makeCpu();
    c.setGPR(4, 0x7ffffff0n);
    expect(() => exec(c, [LVX])).not.toThrow();
  });
});
