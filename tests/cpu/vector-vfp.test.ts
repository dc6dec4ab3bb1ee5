// VSX vector floating point against qemu-user, exceptions disabled (qemu-user turns
// enabled ones into SIGFPE). Where QEMU 7.2 departs from the ISA the FPSCR comparison
// allows the ISA's extra bits:
// - FR: QEMU never sets it;
// - UX next to OX: QEMU reports overflow *or* underflow for a whole vector, the ISA ORs
//   the exceptions of all elements;
// - VXSNAN next to VXIMZ (inf * 0 + SNaN): QEMU reports VXIMZ alone.
// xvnm{add,sub}* are compared in round-to-nearest only: QEMU negates before rounding,
// the ISA negates the rounded result (see the scalar FP tests).
import { describe, expect, it } from 'vitest';
import { runOracle, type OracleCase } from './oracle/oracle.js';
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

const FR = 0x40000n;
const OX = 0x10000000n;
const UX = 0x08000000n;
const VXSNAN = 0x01000000n;
const VXIMZ = 0x00100000n;

function fpscrAgrees(exp: bigint, act: bigint): boolean {
  let a = act & ~FR;
  const e = exp & ~FR;
  if ((a & OX) !== 0n && (a & UX) !== 0n && (e & UX) === 0n) a &= ~UX;
  if ((a & VXIMZ) !== 0n && (a & VXSNAN) !== 0n && (e & VXSNAN) === 0n) a &= ~VXSNAN;
  return a === e;
}

function expectOracle(label: string, cases: OracleCase[]): void {
  const bad: string[] = [];
  runOracle(cases).forEach((o, i) => {
    let diffs = o.diffs;
    if (o.actual && fpscrAgrees(o.expected.fpscr & 0xffffffffn, o.actual.fpscr & 0xffffffffn)) diffs = diffs.filter((d) => !d.startsWith('FPSCR'));
    if (diffs.length > 0) bad.push(`  [${i}] ${o.name}\n      ${diffs.join('\n      ')}`);
  });
  expect(bad.length, `${label}: ${bad.length}/${cases.length} cases differ\n${bad.slice(0, 30).join('\n')}`).toBe(0);
}

const D = [
  0x3ff0000000000000n, 0xbff0000000000000n, 0x4000000000000000n, 0x3fb999999999999an, 0x0000000000000001n,
  0x8000000000000001n, 0x0010000000000000n, 0x7fefffffffffffffn, 0x0n, 0x8000000000000000n, 0x7ff0000000000000n,
  0xfff0000000000000n, 0x7ff8000000000000n, 0x7ff4000000000001n, 0xfff8000000000123n, 0x4330000000000001n,
  0x43e0000000000000n, 0xc3e0000000000000n, 0x41dfffffffc00000n, 0xc1e0000000200000n, 0x41f0000000000000n,
  0x3fe0000000000000n, 0xbfe8000000000000n, 0x4024000000000000n, 0x36a0000000000000n, 0x47efffffe0000000n,
];
const S = [
  0x3f800000n, 0xbf800000n, 0x40000000n, 0x3dcccccdn, 0x00000001n, 0x80000001n, 0x00800000n, 0x7f7fffffn, 0n,
  0x80000000n, 0x7f800000n, 0xff800000n, 0x7fc00000n, 0x7fa00001n, 0xffc00123n, 0x4b000001n, 0x5f000000n,
  0xdf000000n, 0x4effffffn, 0xcf000000n, 0x4f800000n, 0x3f000000n, 0xbf400000n, 0x41200000n, 0x34000000n,
];

function dpPair(i: number, j: number): bigint {
  return (D[i % D.length] << 64n) | D[j % D.length];
}
function spQuad(i: number): bigint {
  return (S[i % S.length] << 96n) | (S[(i + 7) % S.length] << 64n) | (S[(i + 13) % S.length] << 32n) | S[(i + 19) % S.length];
}

function cases3(mn: string, sp: boolean, withT = false): OracleCase[] {
  const out: OracleCase[] = [];
  const n = sp ? S.length : D.length;
  const modes = mn.startsWith('xvnm') ? [0n] : [0n, 1n, 2n, 3n];
  for (let i = 0; i < n; i++) {
    for (const j of [i + 1, i + 5, i + 11]) {
      for (const fpscr of modes) {
        const a = sp ? spQuad(i) : dpPair(i, j);
        const b = sp ? spQuad(j) : dpPair(j, i + 3);
        const t = sp ? spQuad(i + j) : dpPair(i + j, j + 2);
        out.push({ asm: `${mn} 2,3,4`, vsr: { 2: withT ? t : 0n, 3: a, 4: b }, fpscr, compare: ['vsr', 'fpscr', 'cr'] });
      }
    }
  }
  return out;
}

function cases2(mn: string, sp: boolean): OracleCase[] {
  const out: OracleCase[] = [];
  const n = sp ? S.length : D.length;
  for (let i = 0; i < n; i++) {
    for (const fpscr of [0n, 1n, 2n, 3n]) {
      out.push({ asm: `${mn} 2,4`, vsr: { 4: sp ? spQuad(i) : dpPair(i, i + 9) }, fpscr, compare: ['vsr', 'fpscr'] });
    }
  }
  return out;
}

describe('VSX vector floating point', () => {
  it('xv{add,sub,mul,div}{dp,sp}, xvsqrt{dp,sp}', () => {
    const cases: OracleCase[] = [];
    for (const sz of ['dp', 'sp']) {
      for (const op of ['add', 'sub', 'mul', 'div']) cases.push(...cases3(`xv${op}${sz}`, sz === 'sp'));
      cases.push(...cases2(`xvsqrt${sz}`, sz === 'sp'));
    }
    expectOracle('xv arith', cases);
  });
  it('xv[n]m{add,sub}{a,m}{dp,sp}', () => {
    const cases: OracleCase[] = [];
    for (const sz of ['dp', 'sp']) {
      for (const op of ['madd', 'msub', 'nmadd', 'nmsub']) {
        for (const form of ['a', 'm']) cases.push(...cases3(`xv${op}${form}${sz}`, sz === 'sp', true));
      }
    }
    expectOracle('xv fma', cases);
  });
  it('xvcmp{eq,gt,ge}{dp,sp}[.], xvmax/xvmin', () => {
    const cases: OracleCase[] = [];
    for (const sz of ['dp', 'sp']) {
      for (const op of ['eq', 'gt', 'ge']) {
        cases.push(...cases3(`xvcmp${op}${sz}`, sz === 'sp'), ...cases3(`xvcmp${op}${sz}.`, sz === 'sp'));
      }
      cases.push(...cases3(`xvmax${sz}`, sz === 'sp'), ...cases3(`xvmin${sz}`, sz === 'sp'));
    }
    expectOracle('xv compare', cases);
  });
  it('conversions', () => {
    const cases: OracleCase[] = [];
    cases.push(...cases2('xvcvdpsp', false), ...cases2('xvcvspdp', true));
    // To-integer forms: every element the same. QEMU 7.2 does not clear the invalid flag
    // between elements, so after one invalid element it saturates all later ones; the
    // ISA converts each element on its own.
    for (const d of D) {
      for (const mn of ['xvcvdpsxws', 'xvcvdpuxws', 'xvcvdpsxds', 'xvcvdpuxds']) {
        cases.push({ asm: `${mn} 2,4`, vsr: { 4: (d << 64n) | d }, compare: ['vsr', 'fpscr'] });
      }
    }
    for (const w of S) {
      for (const mn of ['xvcvspsxws', 'xvcvspuxws', 'xvcvspsxds', 'xvcvspuxds']) {
        cases.push({ asm: `${mn} 2,4`, vsr: { 4: (w << 96n) | (w << 64n) | (w << 32n) | w }, compare: ['vsr', 'fpscr'] });
      }
    }
    const I = [0n, 1n, 0xffffffffffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n, 0x0020000000000001n, 0x001fffffffffffffn,
      0x123456789abcdef1n, 0xfedcba9876543211n, 0x00000000ffffffffn, 0x000000007fffffffn, 0x0000000080000001n];
    for (let i = 0; i < I.length; i++) {
      const v = (I[i] << 64n) | I[(i + 5) % I.length];
      for (const fpscr of [0n, 1n, 2n, 3n]) {
        for (const mn of ['xvcvsxwdp', 'xvcvuxwdp', 'xvcvsxddp', 'xvcvuxddp', 'xvcvsxwsp', 'xvcvuxwsp', 'xvcvsxdsp', 'xvcvuxdsp']) {
          cases.push({ asm: `${mn} 2,4`, vsr: { 4: v }, fpscr, compare: ['vsr', 'fpscr'] });
        }
      }
    }
    expectOracle('xv conversions', cases);
  });

  it('round to integer and estimates: xvrdpi[zpmc], xvrspi[zpmc], xvredp, xvresp, xvrsqrtedp, xvrsqrtesp', () => {
    const cases: OracleCase[] = [];
    const R = [0x3fe0000000000000n, 0xbfe0000000000000n, 0x3ff8000000000000n, 0x4004000000000000n, 0xc00c000000000000n,
      0x3fdfffffffffffffn, 0x4330000000000001n, 0x3fefffffffffffffn];
    const dd = [...D, ...R];
    for (let i = 0; i < dd.length; i++) {
      for (const fpscr of [0n, 1n, 2n, 3n]) {
        const v = (dd[i] << 64n) | dd[(i + 5) % dd.length];
        // QEMU 7.2 omits ZX for the VSX reciprocal estimates of zero (the ISA sets it):
        // zero operands are left to the hand-worked test below.
        const hasZero = ((v >> 64n) & 0x7fffffffffffffffn) === 0n || (v & 0x7fffffffffffffffn) === 0n;
        for (const mn of ['xvrdpi', 'xvrdpiz', 'xvrdpip', 'xvrdpim', 'xvrdpic', 'xvredp', 'xvrsqrtedp']) {
          if (hasZero && /re|rsqrte/.test(mn.slice(2))) continue;
          cases.push({ asm: `${mn} 2,4`, vsr: { 4: v }, fpscr, compare: ['vsr', 'fpscr'] });
        }
      }
    }
    const RS = [0x3f000000n, 0xbf000000n, 0x3fc00000n, 0x40200000n, 0xc0600000n, 0x3effffffn, 0x4b000001n, 0x3f7fffffn];
    const ss = [...S, ...RS];
    for (let i = 0; i < ss.length; i++) {
      for (const fpscr of [0n, 1n, 2n, 3n]) {
        const v = (ss[i] << 96n) | (ss[(i + 3) % ss.length] << 64n) | (ss[(i + 7) % ss.length] << 32n) | ss[(i + 11) % ss.length];
        let hasZero = false;
        for (let k = 0n; k < 4n; k++) if (((v >> (32n * k)) & 0x7fffffffn) === 0n) hasZero = true;
        for (const mn of ['xvrspi', 'xvrspiz', 'xvrspip', 'xvrspim', 'xvrspic', 'xvresp', 'xvrsqrtesp']) {
          if (hasZero && /re|rsqrte/.test(mn.slice(2))) continue;
          cases.push({ asm: `${mn} 2,4`, vsr: { 4: v }, fpscr, compare: ['vsr', 'fpscr'] });
        }
      }
    }
    expectOracle('xv round/estimate', cases);
  });

  describe('ISA behaviour where QEMU 7.2 departs (hand-worked)', () => {
    it('xvcvdpsxws converts each element on its own: (QNaN, 0.5) -> (0x80000000, 0)', () => {
      const c = makeCpu();
      setVsr(c, 4, 0x7ff8000000000000_3fe0000000000000n);
      exec(c, [0xf0402360]); // xvcvdpsxws vs2,vs4
      expect(getVsr(c, 2)).toBe(0x80000000800000000000000000000000n);
      const f = c.u32[c.wi(L.FPSCR)];
      expect(f & 0x100).toBe(0x100); // VXCVI
      expect(f & 0x02000000).toBe(0x02000000); // XX: 0.5 -> 0 is inexact
    });

    it('a vector with one overflowing and one underflowing element sets both OX and UX', () => {
      const c = makeCpu();
      // 1 / -denorm_min overflows; -denorm_min / 0.1 is tiny and inexact.
      setVsr(c, 3, 0x3ff0000000000000_8000000000000001n);
      setVsr(c, 4, 0x8000000000000001_3fb999999999999an);
      exec(c, [0xf04323c0]); // xvdivdp vs2,vs3,vs4
      const f = c.u32[c.wi(L.FPSCR)];
      expect(f & 0x10000000).toBe(0x10000000); // OX
      expect(f & 0x08000000).toBe(0x08000000); // UX
      expect(f & 0x02000000).toBe(0x02000000); // XX
    });

    it('xvredp of zero sets ZX (QEMU 7.2 does not) and gives infinities of the same sign', () => {
      const c = makeCpu();
      setVsr(c, 4, 0x0000000000000000_8000000000000000n);
      exec(c, [0xf0402368]); // xvredp vs2,vs4
      expect(getVsr(c, 2)).toBe(0x7ff0000000000000_fff0000000000000n);
      expect(c.u32[c.wi(L.FPSCR)] & 0x04000000).toBe(0x04000000); // ZX
    });

    it('xvnmaddadp negates the rounded result (round toward +inf)', () => {
      const c = makeCpu();
      c.u32[c.wi(L.FPSCR)] = 2; // RN = +inf
      // 1 * (1 + 2^-52) + 2^-60 rounds up to 1 + 2^-51; negated: -(1 + 2^-51).
      setVsr(c, 3, 0x3ff0000000000000_3ff0000000000000n); // XA
      setVsr(c, 4, 0x3ff0000000000001_3ff0000000000001n); // XB
      setVsr(c, 2, 0x3c30000000000000_3c30000000000000n); // XT (addend 2^-60)
      exec(c, [0xf0432708]); // xvnmaddadp vs2,vs3,vs4
      expect(getVsr(c, 2)).toBe(0xbff0000000000002_bff0000000000002n);
    });
  });
});
