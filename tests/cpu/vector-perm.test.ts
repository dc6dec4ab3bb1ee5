// VMX/VSX logical, permute, splat, merge and whole-register shift instructions against
// qemu-user (tests/cpu/oracle). VR n is VSR 32 + n.
import { describe, it } from 'vitest';
import { expectOracle, type OracleCase } from './oracle/oracle.js';

const V = [
  0x000102030405060708090a0b0c0d0e0fn,
  0xffffffffffffffffffffffffffffffffn,
  0x0n,
  0x80000000000000007fffffffffffffffn,
  0x0123456789abcdeffedcba9876543210n,
  0x7f80ff017e81fe0280007fff8001fffen,
  0x1f1e1d1c1b1a19181716151413121110n,
  0xdeadbeefcafebabe0badf00d12345678n,
];

/** One case per (a, b) pair of V for a three-register VX instruction on v2, v3, v4. */
function vx3(mn: string, extra = ''): OracleCase[] {
  const out: OracleCase[] = [];
  for (let i = 0; i < V.length; i++) {
    const j = (i * 3 + 1) % V.length;
    out.push({ asm: `${mn} 2,3,4${extra}`, vsr: { 35: V[i], 36: V[j] }, compare: ['vsr', 'cr', 'vscr'] });
  }
  return out;
}

function xx3(mn: string, extra = ''): OracleCase[] {
  const out: OracleCase[] = [];
  for (let i = 0; i < V.length; i++) {
    const j = (i * 5 + 2) % V.length;
    out.push({ asm: `${mn} 2,3,4${extra}`, vsr: { 3: V[i], 4: V[j] }, compare: ['vsr'] });
    out.push({ asm: `${mn} 34,35,44${extra}`, vsr: { 35: V[j], 44: V[i] }, compare: ['vsr'] });
  }
  return out;
}

describe('VMX/VSX logical', () => {
  it('vand..veqv, vsel', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['vand', 'vandc', 'vor', 'vxor', 'vnor', 'vorc', 'vnand', 'veqv']) cases.push(...vx3(mn));
    cases.push({ asm: 'vxor 2,2,2', vsr: { 34: V[7] } });
    cases.push({ asm: 'vor 5,6,6', vsr: { 38: V[4] } });
    for (let i = 0; i < V.length; i++) {
      cases.push({ asm: 'vsel 2,3,4,5', vsr: { 35: V[i], 36: V[(i + 1) % 8], 37: V[(i + 4) % 8] } });
    }
    expectOracle('vmx logical', cases);
  });
  it('xxland..xxleqv, xxsel', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['xxland', 'xxlandc', 'xxlor', 'xxlxor', 'xxlorc', 'xxlnor', 'xxlnand', 'xxleqv']) cases.push(...xx3(mn));
    cases.push({ asm: 'xxlxor 0,0,0' }, { asm: 'xxlor 40,7,7' }, { asm: 'xxlorc 63,63,63' });
    for (let i = 0; i < V.length; i++) {
      cases.push({ asm: 'xxsel 2,3,4,5', vsr: { 3: V[i], 4: V[(i + 1) % 8], 5: V[(i + 4) % 8] } });
      cases.push({ asm: 'xxsel 60,33,34,50', vsr: { 33: V[i], 34: V[(i + 1) % 8], 50: V[(i + 4) % 8] } });
    }
    expectOracle('vsx logical', cases);
  });
});

describe('VMX/VSX permutes', () => {
  it('vperm, vpermr, vpermxor (also with VRT = VRC)', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['vperm', 'vpermr', 'vpermxor']) {
      for (let i = 0; i < V.length; i++) {
        cases.push({ asm: `${mn} 2,3,4,5`, vsr: { 35: V[i], 36: V[(i + 3) % 8], 37: V[(i + 5) % 8] } });
      }
      cases.push({ asm: `${mn} 5,3,4,5`, vsr: { 35: V[7], 36: V[4], 37: V[0] } });
      cases.push({ asm: `${mn} 3,3,3,3`, vsr: { 35: V[6] } });
    }
    expectOracle('vperm', cases);
  });
  it('xxperm, xxpermr, xxpermdi and its aliases, xxsldwi', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['xxperm', 'xxpermr']) {
      for (let i = 0; i < V.length; i++) {
        cases.push({ asm: `${mn} 2,3,4`, vsr: { 2: V[(i + 2) % 8], 3: V[i], 4: V[(i + 5) % 8] } });
        cases.push({ asm: `${mn} 34,35,36`, vsr: { 34: V[(i + 1) % 8], 35: V[i], 36: V[(i + 6) % 8] } });
      }
    }
    for (let dm = 0; dm < 4; dm++) {
      cases.push(...xx3('xxpermdi', `,${dm}`));
      cases.push(...xx3('xxsldwi', `,${dm}`));
      cases.push({ asm: `xxpermdi 3,3,3,${dm}`, vsr: { 3: V[4] } });
    }
    cases.push({ asm: 'xxswapd 34,35', vsr: { 35: V[7] } }, { asm: 'xxspltd 34,35,1', vsr: { 35: V[7] } });
    cases.push({ asm: 'xxmrghd 0,1,2', vsr: { 1: V[4], 2: V[7] } }, { asm: 'xxmrgld 0,1,2', vsr: { 1: V[4], 2: V[7] } });
    expectOracle('xxperm', cases);
  });
  it('vsldoi', () => {
    const cases: OracleCase[] = [];
    for (let sh = 0; sh < 16; sh++) cases.push({ asm: `vsldoi 2,3,4,${sh}`, vsr: { 35: V[0], 36: V[6] } });
    cases.push({ asm: 'vsldoi 3,3,3,5', vsr: { 35: V[7] } });
    expectOracle('vsldoi', cases);
  });
});

describe('VMX/VSX splats and merges', () => {
  it('vspltb/h/w, vspltis*, xxspltw, xxspltib', () => {
    const cases: OracleCase[] = [];
    for (let u = 0; u < 16; u++) cases.push({ asm: `vspltb 2,3,${u}`, vsr: { 35: V[7] } });
    for (let u = 0; u < 8; u++) cases.push({ asm: `vsplth 2,3,${u}`, vsr: { 35: V[7] } });
    for (let u = 0; u < 4; u++) {
      cases.push({ asm: `vspltw 2,3,${u}`, vsr: { 35: V[7] } });
      cases.push({ asm: `xxspltw 2,3,${u}`, vsr: { 3: V[7] } });
      cases.push({ asm: `xxspltw 40,3,${u}`, vsr: { 3: V[4] } });
    }
    for (const s of [-16, -15, -1, 0, 1, 7, 15]) {
      cases.push({ asm: `vspltisb 2,${s}` }, { asm: `vspltish 2,${s}` }, { asm: `vspltisw 2,${s}` });
    }
    for (const s of [0, 1, 0x7f, 0x80, 0xff]) cases.push({ asm: `xxspltib 5,${s}` }, { asm: `xxspltib 37,${s}` });
    expectOracle('splat', cases);
  });
  it('vmrgh*/vmrgl*/vmrgew/vmrgow, xxmrghw/xxmrglw', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['vmrghb', 'vmrghh', 'vmrghw', 'vmrglb', 'vmrglh', 'vmrglw', 'vmrgew', 'vmrgow']) {
      cases.push(...vx3(mn));
      cases.push({ asm: `${mn} 3,3,4`, vsr: { 35: V[0], 36: V[6] } });
      cases.push({ asm: `${mn} 4,3,4`, vsr: { 35: V[0], 36: V[6] } });
    }
    cases.push(...xx3('xxmrghw'), ...xx3('xxmrglw'));
    expectOracle('merge', cases);
  });
});

describe('VMX whole-register shifts', () => {
  it('vsl, vsr, vslo, vsro, vslv, vsrv', () => {
    const cases: OracleCase[] = [];
    for (let s = 0; s < 8; s++) {
      const sh = BigInt(s) * 0x01010101010101010101010101010101n;
      cases.push({ asm: 'vsl 2,3,4', vsr: { 35: V[7], 36: sh } }, { asm: 'vsr 2,3,4', vsr: { 35: V[7], 36: sh } });
    }
    for (let s = 0; s < 16; s++) {
      const sh = BigInt(s << 3) * 0x01010101010101010101010101010101n;
      cases.push({ asm: 'vslo 2,3,4', vsr: { 35: V[7], 36: sh } }, { asm: 'vsro 2,3,4', vsr: { 35: V[7], 36: sh } });
      cases.push({ asm: 'vslo 2,3,4', vsr: { 35: V[4], 36: BigInt(s << 3) } }, { asm: 'vsro 2,3,4', vsr: { 35: V[4], 36: BigInt((s << 3) | 0x85) } });
    }
    cases.push(...vx3('vslv'), ...vx3('vsrv'));
    cases.push({ asm: 'vslv 2,3,4', vsr: { 35: V[7], 36: V[0] } }, { asm: 'vsrv 2,3,4', vsr: { 35: V[7], 36: V[0] } });
    expectOracle('vshift', cases);
  });
});
