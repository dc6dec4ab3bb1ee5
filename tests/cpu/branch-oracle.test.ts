// Branches, CR logical ops and mcrf against qemu-user (tests/cpu/oracle).
import { describe, it } from 'vitest';
import { expectOracle, type OracleCase } from './oracle/oracle.js';

const CRS = [0, 0xffffffff, 0x80000000, 0x00000001, 0x12345678, 0x9abcdef0, 0x55555555, 0xaaaaaaaa, 0x2000000f];
const CROPS = ['crand', 'cror', 'crxor', 'crnand', 'crnor', 'creqv', 'crandc', 'crorc'];
const BITS: [number, number, number][] = [
  [0, 0, 0],
  [31, 0, 31],
  [5, 2, 30],
  [16, 17, 18],
  [3, 3, 3],
  [28, 7, 12],
];

describe('CR logical (oracle)', () => {
  it('crand cror crxor crnand crnor creqv crandc crorc', () => {
    const cases: OracleCase[] = [];
    for (const op of CROPS) {
      for (const [bt, ba, bb] of BITS) {
        for (const cr of CRS) cases.push({ asm: `${op} ${bt},${ba},${bb}`, cr, compare: ['cr', 'gpr'] });
      }
    }
    expectOracle('cr logical', cases);
  });

  it('mcrf and the crset/crclr/crnot/crmove idioms', () => {
    const cases: OracleCase[] = [];
    for (const cr of CRS) {
      for (const [bf, bfa] of [[0, 7], [7, 0], [3, 3], [1, 6], [6, 2]]) cases.push({ asm: `mcrf ${bf},${bfa}`, cr, compare: ['cr'] });
      cases.push({ asm: 'crset 13', cr, compare: ['cr'] });
      cases.push({ asm: 'crclr 31', cr, compare: ['cr'] });
      cases.push({ asm: 'crnot 1,30', cr, compare: ['cr'] });
      cases.push({ asm: 'crmove 4,27', cr, compare: ['cr'] });
    }
    expectOracle('mcrf', cases);
  });
});

describe('branches (oracle)', () => {
  const CTRS = [0n, 1n, 2n, 0xffffffffn, 0x100000000n, 0x100000001n, 0xffffffffffffffffn, 0x8000000000000000n];

  it('bc with CTR and CR conditions, forward to the end of the case', () => {
    const cases: OracleCase[] = [];
    const forms = [
      'bdnz 1f', 'bdz 1f', 'bdnzt 2,1f', 'bdnzf 2,1f', 'bdzt 0,1f', 'bdzf 31,1f',
      'beq 1f', 'bne 1f', 'blt 7,1f', 'bge 1,1f', 'bso 1f', 'bns 6,1f', 'beq+ 1f', 'bne- 1f',
      'bc 20,0,1f', 'bc 4,2,1f', 'bc 12,2,1f',
    ];
    for (const f of forms) {
      for (const ctr of CTRS) {
        for (const cr of [0, 0x20000000, 0xffffffff, 0x1000000f]) {
          cases.push({ asm: `${f}; addi 5,5,1; addi 6,6,1; 1:`, ctr, cr, gpr: { 5: 0n, 6: 0n }, compare: ['gpr', 'ctr', 'cr'] });
        }
      }
    }
    expectOracle('bc', cases);
  });

  it('a bdnz loop', () => {
    const cases: OracleCase[] = [1n, 7n, 100n].map((ctr) => ({
      asm: '1: addi 5,5,3; bdnz 1b',
      ctr,
      gpr: { 5: 0n },
      compare: ['gpr', 'ctr'],
    }));
    expectOracle('bdnz loop', cases);
  });

  it('b forward and back, and bcl/blr (LR is an absolute address: not compared)', () => {
    const cases: OracleCase[] = [
      { asm: 'b 2f; 1: addi 5,5,1; b 3f; 2: addi 6,6,1; b 1b; 3:', gpr: { 5: 0n, 6: 0n }, compare: ['gpr'] },
      { asm: 'bl 1f; addi 5,5,1; 1: mflr 7; addi 8,7,20; mtlr 8; blr; addi 6,6,1', gpr: { 5: 0n, 6: 0n }, compare: ['ctr', 'cr'] },
      { asm: 'bcl 20,31,1f; 1: mflr 7; addi 7,7,16; mtctr 7; bctr; addi 5,5,1', gpr: { 5: 0n }, compare: ['cr'] },
    ];
    expectOracle('b/bl/blr/bctr', cases);
  });

  it('beqlr / bdnzlr / bctr forms that fall through', () => {
    const cases: OracleCase[] = [];
    for (const ctr of CTRS) {
      for (const cr of [0, 0x20000000]) {
        cases.push({ asm: 'beqlr; addi 5,5,1', cr, ctr, lr: 0x100n, gpr: { 5: 0n }, compare: ['gpr', 'ctr', 'cr'] });
        cases.push({ asm: 'bnectr; addi 5,5,1', cr: cr | 0x20000000, ctr, gpr: { 5: 0n }, compare: ['gpr', 'ctr', 'cr'] });
      }
      cases.push({ asm: 'bdzlr; addi 5,5,1', ctr: ctr === 1n ? 2n : ctr, lr: 0x100n, gpr: { 5: 0n }, compare: ['gpr', 'ctr'] });
    }
    expectOracle('bclr/bcctr fall-through', cases.filter((c) => !(c.asm.startsWith('beqlr') && c.cr === 0x20000000)));
  });
});
