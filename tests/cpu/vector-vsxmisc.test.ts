// ISA 3.0 VSX exponent/significand, data class, exponent compare, compare-to-mask,
// C/Java max/min and quad-precision sign operations against qemu-user.
import { describe, it } from 'vitest';
import { expectOracle, type OracleCase } from './oracle/oracle.js';

const D = [
  0x3ff0000000000000n, 0xbff0000000000000n, 0x0000000000000001n, 0x8000000000000001n, 0x0n, 0x8000000000000000n,
  0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0x7ff4000000000001n, 0xfff8000000000123n,
  0x36a0000000000000n, 0x3810000000000000n, 0x380fffffe0000000n, 0x7fefffffffffffffn, 0x4024000000000000n,
];
const Q = [
  0x3fff0000000000000000000000000000n, 0xbfff8000000000000000000000000001n, 0x00000000000000000000000000000001n,
  0x7fff0000000000000000000000000000n, 0x7fff8000000000000000000000000000n, 0x80000000000000000000000000000000n,
];

describe('VSX ISA 3.0 miscellany', () => {
  it('xsxexpdp, xsxsigdp, xsiexpdp, xvxexp/xvxsig dp/sp, xviexp dp/sp', () => {
    const cases: OracleCase[] = [];
    for (let i = 0; i < D.length; i++) {
      const v = (D[i] << 64n) | D[(i + 3) % D.length];
      cases.push({ asm: 'xsxexpdp 5,3; xsxsigdp 6,3', vsr: { 3: v }, compare: ['gpr'] });
      cases.push({ asm: 'xsiexpdp 2,7,8', gpr: { 7: D[i], 8: BigInt(i * 137) }, compare: ['vsr'] });
      for (const mn of ['xvxexpdp', 'xvxsigdp', 'xvxexpsp', 'xvxsigsp']) cases.push({ asm: `${mn} 2,3`, vsr: { 3: v }, compare: ['vsr'] });
      for (const mn of ['xviexpdp', 'xviexpsp']) cases.push({ asm: `${mn} 2,3,4`, vsr: { 3: v, 4: (BigInt(i * 77) << 64n) | BigInt(i * 1234567) }, compare: ['vsr'] });
    }
    expectOracle('exp/sig', cases);
  });
  it('xststdcdp/sp, xvtstdcdp/sp, xscmpexpdp', () => {
    const cases: OracleCase[] = [];
    for (let i = 0; i < D.length; i++) {
      const v = (D[i] << 64n) | D[(i + 5) % D.length];
      // QEMU 7.2 reports a match for every DCMX when xststdcsp sees a value in the single
      // denormal range (exponent 1..896); the ISA matches only the denormal class bits.
      const exp = Number((D[i] >> 52n) & 0x7ffn);
      const spDenormal = exp > 0 && exp < 897;
      for (const dcmx of [0x7f, 0x40, 0x30, 0x0c, 0x03, 0x01, 0x20]) {
        const asm = spDenormal && (dcmx & 3) !== 3 ? `xststdcdp 3,3,${dcmx}` : `xststdcdp 3,3,${dcmx}; xststdcsp 5,3,${dcmx}`;
        cases.push({ asm, vsr: { 3: v }, cr: 0x12345678, compare: ['cr', 'fpscr'] });
        cases.push({ asm: `xvtstdcdp 2,3,${dcmx}; xvtstdcsp 4,3,${dcmx}`, vsr: { 3: v }, compare: ['vsr'] });
      }
      cases.push({ asm: 'xscmpexpdp 2,3,4', vsr: { 3: D[i] << 64n, 4: D[(i + 7) % D.length] << 64n }, compare: ['cr', 'fpscr'] });
    }
    expectOracle('data class', cases);
  });
  it('xscmp{eq,gt,ge}dp, xs{max,min}{c,j}dp', () => {
    const cases: OracleCase[] = [];
    for (let i = 0; i < D.length; i++) {
      for (const j of [i, i + 1, i + 4, i + 9]) {
        for (const mn of ['xscmpeqdp', 'xscmpgtdp', 'xscmpgedp', 'xsmaxcdp', 'xsmincdp', 'xsmaxjdp', 'xsminjdp']) {
          cases.push({ asm: `${mn} 2,3,4`, vsr: { 3: D[i] << 64n, 4: (D[j % D.length] << 64n) | 5n }, compare: ['vsr', 'fpscr'] });
        }
      }
    }
    expectOracle('cmp mask / max-min', cases);
  });
  it('xsabsqp, xsnabsqp, xsnegqp, xscpsgnqp, xsxexpqp, xsxsigqp', () => {
    const cases: OracleCase[] = [];
    for (let i = 0; i < Q.length; i++) {
      for (const mn of ['xsabsqp', 'xsnabsqp', 'xsnegqp', 'xsxexpqp', 'xsxsigqp']) cases.push({ asm: `${mn} 2,3`, vsr: { 35: Q[i] }, compare: ['vsr'] });
      cases.push({ asm: 'xscpsgnqp 2,3,4', vsr: { 35: Q[i], 36: Q[(i + 1) % Q.length] }, compare: ['vsr'] });
    }
    expectOracle('quad sign', cases);
  });
  it('xstdivdp, xstsqrtdp, xvtdiv{dp,sp}, xvtsqrt{dp,sp}', () => {
    const cases: OracleCase[] = [];
    const X = [...D, 0x7fd0000000000000n, 0x0020000000000000n, 0x3c90000000000000n, 0x0350000000000000n, 0xc000000000000000n];
    const S = [0x3f800000n, 0xbf800000n, 0x00000001n, 0x00800000n, 0x7f000000n, 0x7f800000n, 0x7fc00000n, 0n, 0x80000000n, 0x0c000000n, 0x3f000000n];
    for (let i = 0; i < X.length; i++) {
      for (const j of [i, i + 1, i + 6, i + 13]) {
        const a = X[i];
        const b = X[j % X.length];
        cases.push({ asm: 'xstdivdp 2,3,4; xstsqrtdp 5,4; xvtdivdp 6,3,4; xvtsqrtdp 7,4', vsr: { 3: (a << 64n) | b, 4: (b << 64n) | a }, cr: 0x12345678, compare: ['cr'] });
      }
    }
    for (let i = 0; i < S.length; i++) {
      for (const j of [i, i + 1, i + 4]) {
        const a = (S[i] << 96n) | (S[(i + 2) % S.length] << 64n) | (S[(i + 5) % S.length] << 32n) | S[(i + 7) % S.length];
        const sb = S[j % S.length];
        const b = (sb << 96n) | (sb << 64n) | (sb << 32n) | sb;
        cases.push({ asm: 'xvtdivsp 2,3,4; xvtsqrtsp 5,4; xvtsqrtsp 6,3', vsr: { 3: a, 4: b }, cr: 0x12345678, compare: ['cr'] });
      }
    }
    expectOracle('tdiv/tsqrt', cases);
  });
});
