// VMX integer arithmetic, compares, shifts, counts against qemu-user.
import { describe, it } from 'vitest';
import { expectOracle, type OracleCase } from './oracle/oracle.js';

/** Edge-heavy inputs: zero, all ones, sign boundaries in every element width, mixed. */
const V = [
  0x0n,
  0xffffffffffffffffffffffffffffffffn,
  0x00000000000000000000000000000001n,
  0x7f7f7f7f7fff7fff7fffffff7fffffffn,
  0x80808080800080008000000080000000n,
  0x7fffffffffffffff8000000000000000n,
  0x000102030405060708090a0b0c0d0e0fn,
  0xfffefdfcfbfaf9f8f7f6f5f4f3f2f1f0n,
  0x0123456789abcdeffedcba9876543210n,
  0x7f80ff017e81fe0280007fff8001fffen,
  0xdeadbeefcafebabe0badf00d12345678n,
  0x01ff02fe03fd04fc05fb06fa07f908f8n,
];

function pairs(): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  for (let i = 0; i < V.length; i++) {
    out.push([V[i], V[i]]);
    out.push([V[i], V[(i + 1) % V.length]]);
    out.push([V[i], V[(i + 5) % V.length]]);
  }
  return out;
}

function vx3(mn: string): OracleCase[] {
  return pairs().map(([a, b]) => ({ asm: `${mn} 2,3,4`, vsr: { 35: a, 36: b }, compare: ['vsr', 'cr', 'vscr'] }));
}

function vx2(mn: string): OracleCase[] {
  return V.map((b) => ({ asm: `${mn} 2,4`, vsr: { 36: b }, compare: ['vsr', 'cr', 'vscr', 'gpr'] }));
}

const ARITH = [
  'vaddubm', 'vadduhm', 'vadduwm', 'vaddudm', 'vadduqm', 'vsububm', 'vsubuhm', 'vsubuwm', 'vsubudm', 'vsubuqm',
  'vaddubs', 'vadduhs', 'vadduws', 'vaddsbs', 'vaddshs', 'vaddsws', 'vsububs', 'vsubuhs', 'vsubuws', 'vsubsbs',
  'vsubshs', 'vsubsws', 'vaddcuw', 'vsubcuw', 'vmuluwm',
];
const SHIFT = ['vslb', 'vslh', 'vslw', 'vsld', 'vsrb', 'vsrh', 'vsrw', 'vsrd', 'vsrab', 'vsrah', 'vsraw', 'vsrad', 'vrlb', 'vrlh', 'vrlw', 'vrld'];
const MINMAX = [
  'vmaxub', 'vmaxuh', 'vmaxuw', 'vmaxud', 'vmaxsb', 'vmaxsh', 'vmaxsw', 'vmaxsd', 'vminub', 'vminuh', 'vminuw', 'vminud',
  'vminsb', 'vminsh', 'vminsw', 'vminsd', 'vavgub', 'vavguh', 'vavguw', 'vavgsb', 'vavgsh', 'vavgsw', 'vabsdub', 'vabsduh', 'vabsduw',
];
const CMP = [
  'vcmpequb', 'vcmpequh', 'vcmpequw', 'vcmpequd', 'vcmpneb', 'vcmpneh', 'vcmpnew', 'vcmpnezb', 'vcmpnezh', 'vcmpnezw',
  'vcmpgtub', 'vcmpgtuh', 'vcmpgtuw', 'vcmpgtud', 'vcmpgtsb', 'vcmpgtsh', 'vcmpgtsw', 'vcmpgtsd',
];

describe('VMX integer', () => {
  it('add/subtract (modulo, saturating, carry), vmuluwm', () => {
    const cases: OracleCase[] = [];
    for (const mn of ARITH) cases.push(...vx3(mn));
    // SAT is sticky: set on input stays set.
    cases.push({ asm: 'vaddubm 2,3,4', vsr: { 35: V[1], 36: V[1] }, vscr: 0x00010001 });
    expectOracle('vmx add/sub', cases);
  });
  it('shifts and rotates (counts at and beyond the element width)', () => {
    const cases: OracleCase[] = [];
    for (const mn of SHIFT) {
      cases.push(...vx3(mn));
      for (const n of [0n, 1n, 7n, 8n, 15n, 16n, 31n, 32n, 33n, 63n, 64n, 127n, 255n]) {
        const cnt = n * 0x01010101010101010101010101010101n & ((1n << 128n) - 1n);
        cases.push({ asm: `${mn} 2,3,4`, vsr: { 35: V[10], 36: cnt }, compare: ['vsr'] });
        const cnt2 = (n << 64n) | (n << 96n) | n | (n << 32n);
        cases.push({ asm: `${mn} 2,3,4`, vsr: { 35: V[5], 36: cnt2 }, compare: ['vsr'] });
      }
    }
    expectOracle('vmx shift', cases);
  });
  it('max/min/average/absolute difference', () => {
    const cases: OracleCase[] = [];
    for (const mn of MINMAX) cases.push(...vx3(mn));
    expectOracle('vmx minmax', cases);
  });
  it('compares, with and without Rc (CR6)', () => {
    const cases: OracleCase[] = [];
    for (const mn of CMP) {
      cases.push(...vx3(mn));
      for (const [a, b] of pairs()) cases.push({ asm: `${mn}. 2,3,4`, vsr: { 35: a, 36: b }, cr: 0x12345678, compare: ['vsr', 'cr'] });
    }
    cases.push({ asm: 'vcmpequb. 3,3,4', vsr: { 35: V[6], 36: V[6] }, cr: 0xffffffff });
    expectOracle('vmx compare', cases);
  });
  it('counts, negate, sign-extend, parity', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['vpopcntb', 'vpopcnth', 'vpopcntw', 'vpopcntd', 'vclzb', 'vclzh', 'vclzw', 'vclzd', 'vctzb', 'vctzh',
      'vctzw', 'vctzd', 'vnegw', 'vnegd', 'vextsb2w', 'vextsh2w', 'vextsb2d', 'vextsh2d', 'vextsw2d', 'vprtybw', 'vprtybd', 'vprtybq']) {
      cases.push(...vx2(mn));
    }
    for (const b of [...V, 0x00000000000000000000000000000100n, 0x01000000000000000000000000000000n]) {
      cases.push({ asm: 'vclzlsbb 5,4; vctzlsbb 6,4', vsr: { 36: b }, compare: ['gpr'] });
    }
    expectOracle('vmx unary', cases);
  });
});
