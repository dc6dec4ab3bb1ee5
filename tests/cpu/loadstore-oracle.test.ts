// Loads compared with qemu-user. Each case carries its own data inside the instruction
// stream (bl over it, mflr to get its address) because qemu-user and our Cpu put the
// case at different addresses; the base register is cleared and update-form RAs are
// turned into offsets before registers are compared. Stores and reservations need
// writable memory at a common address, so they are covered by the hand-worked tests.
// These cases also need bl, mflr, addi and subf (other families): skipped if any is missing.
import { describe, it } from 'vitest';
import { expectOracle, type OracleCase, type Field } from './oracle/oracle.js';
import { OPS, OP31, illegal } from '../../emulator/cpu/decode.js';
import '../../emulator/cpu/cpu.js';

const ready = OPS[18] !== illegal && OP31[339] !== illegal && OPS[14] !== illegal && OP31[40] !== illegal;

// 32 bytes of data with sign bits set in interesting places.
const DATA = '.long 0x01234567, 0x89abcdef, 0xf0e1d2c3, 0xb4a59687, 0x80000000, 0x7fffffff, 0xff7f8001, 0x00ff80fe';
const COMPARE: Field[] = ['gpr', 'cr', 'xer', 'ctr'];

/** Case with r4 = address of DATA during `body`; r4 (and any `bases`) reported relative to it. */
function withData(body: string, bases: number[] = [], extra: Partial<OracleCase> = {}): OracleCase {
  const rel = bases.map((r) => `subf ${r},4,${r}`).join('; ');
  return {
    name: body,
    asm: `bl 1f; ${DATA}; 1: mflr 4; ${body}; ${rel}${rel ? '; ' : ''}li 4,0`,
    compare: COMPARE,
    ...extra,
  };
}

const loads = [
  withData('lbz 3,0(4); lbz 5,4(4); lbz 6,17(4); lbz 7,31(4)'),
  withData('li 8,5; lbzx 3,4,8; li 8,24; lbzx 5,4,8'),
  withData('lhz 3,0(4); lhz 5,2(4); lhz 6,8(4); lha 7,8(4); lha 8,16(4); lha 9,20(4); lha 10,26(4)'),
  withData('lhz 3,1(4); lha 5,7(4); lha 6,15(4)'),
  withData('li 8,8; lhzx 3,4,8; lhax 5,4,8; li 8,28; lhax 6,4,8'),
  withData('lwz 3,0(4); lwz 5,4(4); lwz 6,16(4); lwz 7,20(4); lwz 8,3(4)'),
  withData('lwa 3,4(4); lwa 5,16(4); lwa 6,20(4); lwa 7,0(4)'),
  withData('li 8,4; lwzx 3,4,8; lwax 5,4,8; li 8,24; lwax 6,4,8'),
  withData('ld 3,0(4); ld 5,8(4); ld 6,16(4); ld 7,24(4)'),
  withData('li 8,5; ldx 3,4,8; li 8,16; ldx 5,4,8'),
  withData('li 8,0; lhbrx 3,4,8; lwbrx 5,4,8; ldbrx 6,4,8; li 8,6; lhbrx 7,4,8; lwbrx 9,4,8; ldbrx 10,4,8'),
  withData('addi 20,4,0; lbzu 3,5(20); addi 21,4,0; lhzu 5,6(21); addi 22,4,0; lhau 6,16(22)', [20, 21, 22]),
  withData('addi 20,4,0; lwzu 3,20(20); addi 21,4,0; ldu 5,16(21); addi 22,4,-8; ldu 6,16(22)', [20, 21, 22]),
  withData('li 8,8; addi 20,4,0; lbzux 3,20,8; addi 21,4,0; lhzux 5,21,8; addi 22,4,0; lhaux 6,22,8', [20, 21, 22]),
  withData('li 8,16; addi 23,4,0; lwzux 7,23,8; addi 24,4,0; lwaux 9,24,8; addi 25,4,-8; ldux 10,25,8', [23, 24, 25]),
];

describe.skipIf(!ready)('loads vs qemu-user', () => {
  it('little-endian', () => {
    expectOracle('loads LE', loads, 'le');
  });

  it('big-endian', () => {
    expectOracle('loads BE', loads, 'be');
  });

  it('lmw, lswi, lswx (big-endian)', () => {
    expectOracle(
      'multiple/string BE',
      [
        withData('lmw 26,4(4)'),
        withData('lswi 5,4,7'),
        withData('lswi 5,4,32'),
        withData('lswi 26,4,24'),
        withData('li 8,3; lswx 5,4,8', [], { xer: 6n }),
        withData('li 8,3; lswx 5,4,8', [], { xer: 0n, gpr: { 5: 0x5555n } }),
        withData('li 9,1; lswx 5,4,9', [], { xer: 13n }),
      ],
      'be',
    );
  });
});
