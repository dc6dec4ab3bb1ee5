// Uniformly random register bits and FPSCR images (no enables) against qemu-user: NaN
// payloads, denormals and every rounding mode mixed at random. fnmadd stays in round to
// nearest (QEMU 7.2 negates before rounding); fcfids/fcfidus and the compares are left
// out (QEMU 7.2 keeps FPRF / clears FI there, unlike the ISA). FX starts set, since QEMU
// sets it on every exception while the ISA sets it only on a 0->1 transition.
import { it } from 'vitest';
import type { OracleCase } from './oracle/oracle.js';
import { rng, fprVsr, expectOracleFP, consistentFpscr } from './fp-helpers.js';
it('6000 random instructions on random bits', () => {
  const r = rng(777n);
  const ops = ['fadd', 'fsub', 'fmul', 'fdiv', 'fadds', 'fsubs', 'fmuls', 'fdivs', 'fmadd', 'fmsub', 'fmadds', 'fnmadd', 'fsqrt', 'fsqrts', 'frsp', 'fctiw', 'fctid', 'fctidu', 'fcfid', 'frin', 'fre', 'frsqrte', 'fres', 'frsqrtes', 'fctiwuz', 'fsel'];
  const cases: OracleCase[] = [];
  for (let i = 0; i < 6000; i++) {
    const op = ops[i % ops.length];
    const three = (op.startsWith('fm') && (op.includes('add') || op.includes('sub'))) || op === 'fnmadd' || op === 'fsel';
    const one = ['fsqrt', 'fsqrts', 'frsp', 'fctiw', 'fctid', 'fctidu', 'fcfid', 'frin', 'fre', 'frsqrte', 'fres', 'frsqrtes', 'fctiwuz'].includes(op);
    const asm = three ? `${op}. 1,2,4,3` : one ? `${op}. 1,3` : `${op}. 1,2,3`;
    let fp = consistentFpscr(r() & 0xffffff07n & ~0x800n);
    if (op.startsWith('fn')) fp &= ~3n;
    cases.push({ asm, vsr: { 2: fprVsr(r()), 3: fprVsr(r()), 4: fprVsr(r()) }, fpscr: fp | 0x80000000n, compare: ['fpscr', 'vsr', 'cr'] });
  }
  expectOracleFP('random bits', cases);
}, 600000);
