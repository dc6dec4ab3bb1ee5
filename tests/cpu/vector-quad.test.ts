// VMX quadword carries, polynomial multiply-sum, rotate-and-mask, vmsumudm vs qemu-user.
import { describe, expect, it } from 'vitest';
import { expectOracle, type OracleCase } from './oracle/oracle.js';
import { makeCpu, exec } from './harness.js';
import * as L from '../../emulator/cpu/layout.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';

function setVsr(c: Cpu, n: number, v: bigint): void {
  const i = c.wi(L.VSR + 16 * n);
  c.u32[i] = Number((v >> 64n) & 0xffffffffn);
  c.u32[i + 1] = Number((v >> 96n) & 0xffffffffn);
  c.u32[i + 2] = Number(v & 0xffffffffn);
  c.u32[i + 3] = Number((v >> 32n) & 0xffffffffn);
}

function getVsr(c: Cpu, n: number): bigint {
  const i = c.wi(L.VSR + 16 * n);
  return (BigInt(c.u32[i + 1]) << 96n) | (BigInt(c.u32[i]) << 64n) | (BigInt(c.u32[i + 3]) << 32n) | BigInt(c.u32[i + 2]);
}

const V = [
  0x0n,
  0xffffffffffffffffffffffffffffffffn,
  0x00000000000000000000000000000001n,
  0x7fffffffffffffffffffffffffffffffn,
  0x80000000000000000000000000000000n,
  0x0123456789abcdeffedcba9876543210n,
  0xdeadbeefcafebabe0badf00d12345678n,
  0x00000000ffffffff000000007fffffffn,
  0x8000000100000000ffffffff00000000n,
  0x1f1e1d1c1b1a19181716151413121110n,
];

function cases3(mn: string): OracleCase[] {
  const out: OracleCase[] = [];
  for (let i = 0; i < V.length; i++) {
    for (const j of [i, (i + 1) % V.length, (i + 3) % V.length, (i + 7) % V.length]) {
      out.push({ asm: `${mn} 2,3,4`, vsr: { 34: V[(i + 5) % V.length], 35: V[i], 36: V[j] }, compare: ['vsr'] });
    }
  }
  return out;
}

function cases4(mn: string): OracleCase[] {
  const out: OracleCase[] = [];
  for (let i = 0; i < V.length; i++) {
    for (const j of [i, (i + 1) % V.length, (i + 4) % V.length]) {
      for (const k of [0n, 1n, V[(i + 2) % V.length]]) out.push({ asm: `${mn} 2,3,4,5`, vsr: { 35: V[i], 36: V[j], 37: k }, compare: ['vsr'] });
    }
  }
  return out;
}

describe('VMX quadword and polynomial', () => {
  it('vaddcuq, vsubcuq, vaddeuqm, vaddecuq, vsubeuqm, vsubecuq, vmsumudm', () => {
    const cases: OracleCase[] = [...cases3('vaddcuq'), ...cases3('vsubcuq'), ...cases3('vmul10euq'), ...cases3('vmul10ecuq')];
    for (const v of V) cases.push({ asm: 'vmul10uq 2,3; vmul10cuq 4,3', vsr: { 35: v }, compare: ['vsr'] });
    for (const mn of ['vaddeuqm', 'vaddecuq', 'vsubeuqm', 'vsubecuq', 'vmsumudm']) cases.push(...cases4(mn));
    expectOracle('quad', cases);
  });
  it('vpmsumb/h/w/d', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['vpmsumb', 'vpmsumh', 'vpmsumw', 'vpmsumd']) cases.push(...cases3(mn));
    expectOracle('vpmsum', cases);
  });
  // vrldmi is left out: QEMU 7.2 computes it as if VRT were zero (the ISA inserts into
  // VRT: (ROTL64(a, n) & m) | (VRT & ~m)); it has the hand-worked test below instead.
  it('vrlwnm, vrlwmi, vrldnm', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['vrlwnm', 'vrlwmi', 'vrldnm']) {
      cases.push(...cases3(mn));
      // Control words: (mb, me, n) combinations including wrapping masks.
      for (const [mb, me, n] of [[0, 31, 0], [0, 31, 5], [8, 23, 4], [24, 7, 31], [31, 31, 1], [5, 4, 17], [0, 63, 40], [40, 10, 33], [63, 0, 63], [16, 47, 0]]) {
        const w = (BigInt(mb) << 16n) | (BigInt(me) << 8n) | BigInt(n);
        const ctl = (w << 96n) | (w << 64n) | (w << 32n) | w;
        cases.push({ asm: `${mn} 2,3,4`, vsr: { 34: V[6], 35: V[5], 36: ctl }, compare: ['vsr'] });
      }
    }
    expectOracle('vrl*m*', cases);
  });
  it('vrldmi inserts into VRT (hand-worked from the ISA)', () => {
    const c = makeCpu();
    // dword 0: n = 8, MB = 56, ME = 63 -> rotate left 8, insert the low byte.
    // dword 1: n = 0, MB = 0, ME = 0 -> insert bit 0 only.
    setVsr(c, 34, 0x1111111111111111_2222222222222222n); // v2 = VRT (also a source)
    setVsr(c, 35, 0x0123456789abcdef_8000000000000000n); // v3 = VRA
    setVsr(c, 36, 0x0000000000383f08_0000000000000000n); // v4 = VRB: MB in 42:47, ME in 50:55, n in 58:63
    exec(c, [0x104320c5]); // vrldmi v2,v3,v4
    expect(getVsr(c, 34)).toBe(0x1111111111111101_a222222222222222n);
  });
});
