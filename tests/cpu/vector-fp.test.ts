// VSX scalar conversions that round and signal (xscvdpsp, xscvspdp), FPSCR included.
import { describe, expect, it } from 'vitest';
import { runOracle, type OracleCase } from './oracle/oracle.js';

const FR = 0x40000n;

/**
 * expectOracle, except that FPSCR[FR] alone may differ: QEMU 7.2 never sets FR, the ISA
 * (and this emulator) set it when rounding increments the fraction.
 */
function expectOracle(label: string, cases: OracleCase[]): void {
  const bad: string[] = [];
  runOracle(cases).forEach((o, i) => {
    let diffs = o.diffs;
    if (o.actual && (o.expected.fpscr & ~FR) === (o.actual.fpscr & ~FR)) diffs = diffs.filter((d) => !d.startsWith('FPSCR'));
    if (diffs.length > 0) bad.push(`  [${i}] ${o.name}\n      ${diffs.join('\n      ')}`);
  });
  expect(bad.length, `${label}: ${bad.length}/${cases.length} cases differ\n${bad.slice(0, 30).join('\n')}`).toBe(0);
}

describe('VSX signalling conversions', () => {
  it('xscvdpsp in every rounding mode, (exceptions disabled: qemu-user turns enabled ones into SIGFPE)', () => {
    const D = [0x3ff8000000000000n, 0x3ff0000010000000n, 0x3ff0000030000000n, 0xbff0000030000001n, 0x380fffffffffffffn,
      0x36a0000000000000n, 0x3690000000000000n, 0x36a8000000000000n, 0x7ff0000000000000n, 0x7ff8000000000001n,
      0x7ff0000000000001n, 0x8000000000000000n, 0x0n, 0x47efffffe0000000n, 0x47effffff0000000n, 0x47f0000000000000n,
      0xc7f0000000000000n, 0x3810000000000000n, 0x380ffffff0000000n, 0x0000000000000001n, 0x7fefffffffffffffn];
    const cases: OracleCase[] = [];
    for (const d of D) {
      for (const fpscr of [0n, 1n, 2n, 3n]) {
        cases.push({ asm: 'xscvdpsp 2,3', vsr: { 3: (d << 64n) | 0x5678n }, fpscr, compare: ['vsr', 'fpscr'] });
      }
      cases.push({ asm: 'xscvdpsp 40,35', vsr: { 35: d << 64n }, compare: ['vsr', 'fpscr'] });
    }
    expectOracle('xscvdpsp', cases);
  });
  it('xscvspdp (SNaN quieted, VXSNAN)', () => {
    const S = [0x3fc00000n, 0xbf800000n, 0x00000001n, 0x80400000n, 0x7f800000n, 0xff800000n, 0x7fc00001n, 0x7f800001n,
      0xff800001n, 0n, 0x80000000n, 0x7f7fffffn];
    const cases: OracleCase[] = [];
    for (const s of S) {
      for (const fpscr of [0n, 3n]) {
        cases.push({ asm: 'xscvspdp 2,3', vsr: { 3: (s << 96n) | 0x1234n }, fpscr, compare: ['vsr', 'fpscr'] });
      }
    }
    expectOracle('xscvspdp', cases);
  });

  const D = [
    0x3ff0000000000000n, 0xbff0000000000000n, 0x4000000000000000n, 0x3fb999999999999an, 0x0000000000000001n,
    0x8000000000000001n, 0x0010000000000000n, 0x7fefffffffffffffn, 0xffefffffffffffffn, 0x0n, 0x8000000000000000n,
    0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0x7ff4000000000001n, 0xfff8000000000123n,
    0x4330000000000001n, 0x43e0000000000000n, 0xc3e0000000000000n, 0x41dfffffffc00000n, 0xc1e0000000200000n,
    0x41f0000000000000n, 0x3fe0000000000000n, 0xbfe8000000000000n, 0x4024000000000000n,
  ];

  it('xsadddp, xssubdp, xsmuldp, xsdivdp (all rounding modes)', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['xsadddp', 'xssubdp', 'xsmuldp', 'xsdivdp']) {
      for (let i = 0; i < D.length; i++) {
        for (const j of [i, (i + 1) % D.length, (i + 3) % D.length, (i + 11) % D.length]) {
          for (const fpscr of [0n, 1n, 2n, 3n]) {
            cases.push({ asm: `${mn} 2,3,4`, vsr: { 3: D[i] << 64n, 4: (D[j] << 64n) | 7n }, fpscr, compare: ['vsr', 'fpscr'] });
          }
        }
      }
      cases.push({ asm: `${mn} 40,35,63`, vsr: { 35: D[3] << 64n, 63: D[24] << 64n }, compare: ['vsr', 'fpscr'] });
    }
    expectOracle('xs arithmetic', cases);
  });

  it('xs[n]m{add,sub}{a,m}dp (negative forms in round-to-nearest: QEMU negates before rounding)', () => {
    const cases: OracleCase[] = [];
    for (const op of ['madd', 'msub', 'nmadd', 'nmsub']) {
      for (const form of ['a', 'm']) {
        const mn = `xs${op}${form}dp`;
        const modes = op.startsWith('n') ? [0n] : [0n, 1n, 2n, 3n];
        for (let i = 0; i < D.length; i++) {
          for (const j of [i + 1, i + 4, i + 9]) {
            for (const fpscr of modes) {
              cases.push({ asm: `${mn} 2,3,4`, vsr: { 2: D[(i + j) % D.length] << 64n, 3: D[i] << 64n, 4: D[j % D.length] << 64n }, fpscr, compare: ['vsr', 'fpscr'] });
            }
          }
        }
        cases.push({ asm: `${mn} 40,35,63`, vsr: { 40: D[3] << 64n, 35: D[5] << 64n, 63: D[24] << 64n }, compare: ['vsr', 'fpscr'] });
      }
    }
    expectOracle('xs fma', cases);
  });

  it('single-precision scalar forms, xscv[su]xdsp, xsmaxdp/xsmindp', () => {
    const cases: OracleCase[] = [];
    const Sd = D.filter((d) => (d & 0x1fffffffn) === 0n); // values exact in single (as doubles)
    for (const mn of ['xsaddsp', 'xssubsp', 'xsmulsp', 'xsdivsp', 'xsmaddasp', 'xsmsubmsp', 'xsnmaddasp', 'xsnmsubmsp', 'xsmaxdp', 'xsmindp']) {
      const modes = mn.startsWith('xsnm') ? [0n] : [0n, 1n, 2n, 3n];
      for (let i = 0; i < D.length; i++) {
        for (const j of [i + 1, i + 6]) {
          for (const fpscr of modes) {
            const src = mn === 'xsmaxdp' || mn === 'xsmindp' ? D : i % 2 === 0 ? Sd : D;
            cases.push({ asm: `${mn} 2,3,4`, vsr: { 2: src[(i + 3) % src.length] << 64n, 3: src[i % src.length] << 64n, 4: src[j % src.length] << 64n }, fpscr, compare: ['vsr', 'fpscr'] });
          }
        }
      }
    }
    for (const d of D) for (const fpscr of [0n, 1n, 2n, 3n]) cases.push({ asm: 'xssqrtsp 2,3', vsr: { 3: d << 64n }, fpscr, compare: ['vsr', 'fpscr'] });
    const I = [0n, 1n, 0xffffffffffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n, 0x0000000001000001n, 0x123456789abcdef1n];
    for (const v of I) {
      for (const fpscr of [0n, 1n, 2n, 3n]) {
        cases.push({ asm: 'xscvsxdsp 2,3', vsr: { 3: v << 64n }, fpscr, compare: ['vsr', 'fpscr'] });
        cases.push({ asm: 'xscvuxdsp 2,3', vsr: { 3: v << 64n }, fpscr, compare: ['vsr', 'fpscr'] });
      }
    }
    expectOracle('xs single', cases);
  });

  it('xsrdpi[zpmc], xsredp, xsresp, xsrsqrtedp, xsrsqrtesp', () => {
    const cases: OracleCase[] = [];
    const R = [0x3fe0000000000000n, 0xbfe0000000000000n, 0x3ff8000000000000n, 0x4004000000000000n, 0xc00c000000000000n,
      0x3fdfffffffffffffn, 0x4330000000000001n, 0x3fefffffffffffffn, 0x3fb999999999999an, 0x40091eb851eb851fn];
    for (const d of [...D, ...R]) {
      for (const fpscr of [0n, 1n, 2n, 3n]) {
        for (const mn of ['xsrdpi', 'xsrdpiz', 'xsrdpip', 'xsrdpim', 'xsrdpic', 'xsredp', 'xsresp', 'xsrsqrtedp', 'xsrsqrtesp']) {
          // Of zero the estimates set ZX per the ISA; QEMU 7.2 leaves it clear (not compared).
          if ((d & 0x7fffffffffffffffn) === 0n && /re|rsqrte/.test(mn.slice(2))) continue;
          cases.push({ asm: `${mn} 2,3`, vsr: { 3: (d << 64n) | 9n }, fpscr, compare: ['vsr', 'fpscr'] });
        }
      }
    }
    expectOracle('xs round/estimate', cases);
  });

  it('xssqrtdp, xsrsp', () => {
    const cases: OracleCase[] = [];
    for (const d of D) {
      for (const fpscr of [0n, 1n, 2n, 3n]) {
        cases.push({ asm: 'xssqrtdp 2,3', vsr: { 3: d << 64n }, fpscr, compare: ['vsr', 'fpscr'] });
        cases.push({ asm: 'xsrsp 2,3', vsr: { 3: d << 64n }, fpscr, compare: ['vsr', 'fpscr'] });
      }
    }
    expectOracle('xssqrtdp/xsrsp', cases);
  });

  it('xscmpudp, xscmpodp', () => {
    const cases: OracleCase[] = [];
    for (let i = 0; i < D.length; i++) {
      for (const j of [i, (i + 1) % D.length, (i + 13) % D.length, 14, 13]) {
        cases.push({ asm: 'xscmpudp 3,3,4', vsr: { 3: D[i] << 64n, 4: D[j] << 64n }, cr: 0x12345678, compare: ['cr', 'fpscr'] });
        cases.push({ asm: 'xscmpodp 0,33,4', vsr: { 33: D[i] << 64n, 4: D[j] << 64n }, compare: ['cr', 'fpscr'] });
      }
    }
    expectOracle('xscmp', cases);
  });

  it('xscvdp[su]x[dw]s, xscv[su]xddp', () => {
    const cases: OracleCase[] = [];
    for (const d of D) {
      for (const mn of ['xscvdpsxds', 'xscvdpuxds', 'xscvdpsxws', 'xscvdpuxws']) {
        cases.push({ asm: `${mn} 2,3`, vsr: { 3: d << 64n }, compare: ['vsr', 'fpscr'] });
      }
    }
    const I = [0n, 1n, 0xffffffffffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n, 0x0020000000000001n, 0x001fffffffffffffn,
      0x123456789abcdef1n, 0xfedcba9876543211n];
    for (const v of I) {
      for (const fpscr of [0n, 1n, 2n, 3n]) {
        cases.push({ asm: 'xscvsxddp 2,3', vsr: { 3: v << 64n }, fpscr, compare: ['vsr', 'fpscr'] });
        cases.push({ asm: 'xscvuxddp 2,3', vsr: { 3: v << 64n }, fpscr, compare: ['vsr', 'fpscr'] });
      }
    }
    expectOracle('xscv int', cases);
  });
});
