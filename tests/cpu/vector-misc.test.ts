// VMX multiply/sum/pack/unpack/bit-permute/extract/insert, VSCR moves, VSX moves, sign
// operations and non-signalling conversions, against qemu-user.
import { describe, it } from 'vitest';
import { expectOracle, type OracleCase } from './oracle/oracle.js';

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
  0x00000000ffffffff000000007fffffffn,
  0xffffffff80000000ffffffff7fffffffn,
];

function vx3(mn: string): OracleCase[] {
  const out: OracleCase[] = [];
  for (let i = 0; i < V.length; i++) {
    for (const j of [i, (i + 1) % V.length, (i + 4) % V.length]) {
      out.push({ asm: `${mn} 2,3,4`, vsr: { 35: V[i], 36: V[j] }, compare: ['vsr', 'vscr'] });
    }
  }
  return out;
}

function va4(mn: string): OracleCase[] {
  const out: OracleCase[] = [];
  for (let i = 0; i < V.length; i++) {
    for (const j of [i, (i + 3) % V.length]) {
      out.push({ asm: `${mn} 2,3,4,5`, vsr: { 35: V[i], 36: V[j], 37: V[(i + j + 2) % V.length] }, compare: ['vsr', 'vscr'] });
    }
  }
  return out;
}

function vx2(mn: string): OracleCase[] {
  return V.map((b) => ({ asm: `${mn} 2,4`, vsr: { 36: b }, compare: ['vsr', 'vscr'] }));
}

describe('VMX multiply and sums', () => {
  it('vmul[eo][us][bhw], vmsum*, vsum*', () => {
    const cases: OracleCase[] = [];
    for (const s of ['b', 'h', 'w']) for (const eo of ['e', 'o']) for (const us of ['u', 's']) cases.push(...vx3(`vmul${eo}${us}${s}`));
    for (const mn of ['vmsumubm', 'vmsummbm', 'vmsumuhm', 'vmsumuhs', 'vmsumshm', 'vmsumshs', 'vmhaddshs', 'vmhraddshs', 'vmladduhm']) cases.push(...va4(mn));
    for (const mn of ['vsum4ubs', 'vsum4sbs', 'vsum4shs', 'vsum2sws', 'vsumsws']) cases.push(...vx3(mn));
    expectOracle('vmx mul/sum', cases);
  });
});

describe('VMX pack and unpack', () => {
  it('vpk* (modulo and saturating), vupk*', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['vpkuhum', 'vpkuwum', 'vpkudum', 'vpkuhus', 'vpkuwus', 'vpkudus', 'vpkshss', 'vpkswss', 'vpksdss',
      'vpkshus', 'vpkswus', 'vpksdus']) {
      cases.push(...vx3(mn));
    }
    for (const mn of ['vupkhsb', 'vupklsb', 'vupkhsh', 'vupklsh', 'vupkhsw', 'vupklsw', 'vupkhpx', 'vupklpx']) cases.push(...vx2(mn));
    cases.push(...vx3('vpkpx'));
    expectOracle('vmx pack', cases);
  });
});

describe('VMX bit permutes, extract/insert, byte reversal', () => {
  it('vgbbd, vbpermq, vbpermd', () => {
    const cases: OracleCase[] = [...vx2('vgbbd'), ...vx3('vbpermq'), ...vx3('vbpermd')];
    const idx = 0x00087f80ff4041023f3e7e1011121314n;
    for (const a of V) {
      cases.push({ asm: 'vbpermq 2,3,4', vsr: { 35: a, 36: idx }, compare: ['vsr'] });
      cases.push({ asm: 'vbpermd 2,3,4', vsr: { 35: a, 36: idx }, compare: ['vsr'] });
    }
    expectOracle('vmx bit permute', cases);
  });
  it('vextractu*, vinsert*, xxextractuw, xxinsertw, vextu*x', () => {
    const cases: OracleCase[] = [];
    const A = V[10];
    for (let u = 0; u < 16; u++) {
      cases.push({ asm: `vextractub 2,3,${u}; vinsertb 4,3,${u}`, vsr: { 35: A, 36: V[6] }, compare: ['vsr'] });
      if (u <= 14) cases.push({ asm: `vextractuh 2,3,${u}; vinserth 4,3,${u}`, vsr: { 35: A, 36: V[6] }, compare: ['vsr'] });
      if (u <= 12) {
        cases.push({ asm: `vextractuw 2,3,${u}; vinsertw 4,3,${u}`, vsr: { 35: A, 36: V[6] }, compare: ['vsr'] });
        cases.push({ asm: `xxextractuw 2,3,${u}; xxinsertw 4,3,${u}`, vsr: { 3: A, 4: V[6] }, compare: ['vsr'] });
      }
      if (u <= 8) cases.push({ asm: `vextractd 2,3,${u}; vinsertd 4,3,${u}`, vsr: { 35: A, 36: V[6] }, compare: ['vsr'] });
      // Indexes that would reach past either end are undefined (QEMU returns garbage there).
      for (const [mn, size] of [['vextublx', 1], ['vextubrx', 1], ['vextuhlx', 2], ['vextuhrx', 2], ['vextuwlx', 4], ['vextuwrx', 4]] as const) {
        if (u > 16 - size) continue;
        cases.push({ asm: `${mn} 5,6,3`, vsr: { 35: A }, gpr: { 6: BigInt(u) | 0xabcdef00n }, compare: ['gpr'] });
      }
    }
    expectOracle('vmx extract/insert', cases);
  });
  it('xxbrh/w/d/q', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['xxbrh', 'xxbrw', 'xxbrd', 'xxbrq']) {
      for (const b of V) cases.push({ asm: `${mn} 2,3; ${mn} 40,33`, vsr: { 3: b, 33: b }, compare: ['vsr'] });
    }
    expectOracle('xxbr', cases);
  });
});

describe('VSCR and GPR<->VSR moves', () => {
  it('mtvscr/mfvscr (SAT, NJ)', () => {
    const cases: OracleCase[] = [];
    for (const v of [0n, 1n, 0x10000n, 0x10001n]) cases.push({ asm: 'mtvscr 3; mfvscr 2', vsr: { 35: v | (0xffffn << 64n) } });
    cases.push({ asm: 'mfvscr 2', vscr: 0x10001 }, { asm: 'mfvscr 2', vscr: 0 });
    expectOracle('vscr', cases);
  });
  it('mtvsr*/mfvsr* on both halves of the VSR file', () => {
    const cases: OracleCase[] = [];
    const G = [0n, 1n, 0xffffffffffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n, 0x0000000080000000n, 0x123456789abcdef0n];
    for (const g of G) {
      for (const t of [5, 40]) {
        for (const mn of ['mtvsrd', 'mtvsrwa', 'mtvsrwz', 'mtvsrws']) cases.push({ asm: `${mn} ${t},7`, gpr: { 7: g } });
        cases.push({ asm: `mtvsrdd ${t},7,8`, gpr: { 7: g, 8: ~g & 0xffffffffffffffffn } });
        cases.push({ asm: `mtvsrdd ${t},0,8`, gpr: { 8: g } });
      }
    }
    for (const v of V) {
      for (const s of [5, 40]) {
        for (const mn of ['mfvsrd', 'mfvsrwz', 'mfvsrld']) cases.push({ asm: `${mn} 7,${s}`, vsr: { [s]: v } });
      }
    }
    expectOracle('vsr moves', cases);
  });
});

describe('VSX sign operations and non-signalling conversions', () => {
  const F = [
    0x3ff0000000000000bff0000000000000n, 0x8000000000000000_0000000000000000n, 0x7ff0000000000001_fff8000000000000n,
    0x000fffffffffffff_800fffffffffffffn, 0x3f800000bf8000007fc000017f800001n, 0x0n, 0xffffffffffffffffffffffffffffffffn,
  ];
  it('xs/xv abs, nabs, neg, cpsgn', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['xsabsdp', 'xsnabsdp', 'xsnegdp', 'xvabsdp', 'xvnabsdp', 'xvnegdp', 'xvabssp', 'xvnabssp', 'xvnegsp']) {
      for (const b of F) cases.push({ asm: `${mn} 2,3; ${mn} 40,35`, vsr: { 3: b, 35: b }, compare: ['vsr', 'fpscr'] });
    }
    for (const mn of ['xscpsgndp', 'xvcpsgndp', 'xvcpsgnsp']) {
      for (let i = 0; i < F.length; i++) {
        cases.push({ asm: `${mn} 2,3,4; ${mn} 40,35,36`, vsr: { 3: F[i], 4: F[(i + 2) % F.length], 35: F[i], 36: F[(i + 3) % F.length] }, compare: ['vsr'] });
      }
    }
    expectOracle('vsx sign', cases);
  });
  it('xscvspdpn, xscvdpspn', () => {
    const cases: OracleCase[] = [];
    const S = [0x3fc00000n, 0xbf800000n, 0x00000001n, 0x80400000n, 0x7f800000n, 0xff800000n, 0x7fc00001n, 0x7f800001n, 0n, 0x80000000n, 0x7f7fffffn];
    for (const s of S) cases.push({ asm: 'xscvspdpn 2,3', vsr: { 3: (s << 96n) | 0x1234n }, compare: ['vsr', 'fpscr'] });
    const D = [0x3ff8000000000000n, 0x3ff0000010000000n, 0x3ff0000030000000n, 0x380fffffffffffffn, 0x36a0000000000000n, 0x3690000000000000n,
      0x7ff0000000000000n, 0x7ff8000000000001n, 0x7ff0000000000001n, 0x7ff0000020000000n, 0x8000000000000000n, 0x47efffffe0000000n,
      0x47effffff0000000n, 0x3810000000000000n, 0x0000000000000001n];
    for (const d of D) cases.push({ asm: 'xscvdpspn 2,3', vsr: { 3: (d << 64n) | 0x5678n }, compare: ['vsr', 'fpscr'] });
    expectOracle('vsx nonsignalling conversions', cases);
  });
});
