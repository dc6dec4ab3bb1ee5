// The oracle's own plumbing: what goes in comes back out of qemu-user unchanged, and one
// known instruction has its ISA-defined effect. If this fails, every oracle test is moot.
import { describe, expect, it } from 'vitest';
import { runOracle, inputState, diffStates } from './oracle.js';

describe('qemu-user oracle plumbing', () => {
  it('round-trips every register through a nop', () => {
    const cases = [
      {
        asm: 'nop',
        gpr: { 0: 0x0123456789abcdefn, 31: 0xfedcba9876543210n },
        cr: 0x12345678,
        xer: 0xe00c007fn,
        lr: 0x1122334455667788n,
        ctr: 0x8877665544332211n,
        fpscr: 0x000000f8n,
        vscr: 0x00010001,
        vsr: { 0: 0x000102030405060708090a0b0c0d0e0fn, 63: 0xf0e0d0c0b0a090807060504030201000n },
      },
    ];
    const [o] = runOracle(cases);
    expect(o.words).toEqual([0x60000000]);
    const diffs = diffStates(inputState(cases[0]), o.expected, ['gpr', 'cr', 'xer', 'lr', 'ctr', 'fpscr', 'vsr', 'vscr']);
    expect(diffs).toEqual([]);
  });

  it('sees the ISA effect of addi (r5 = r3 + 1) and its encoding', () => {
    const [o] = runOracle([{ asm: 'addi 5,3,1', gpr: { 3: 41n } }]);
    expect(o.words).toEqual([0x38a30001]);
    expect(o.expected.gpr[5]).toBe(42n);
  });

  it('runs big-endian too', () => {
    const [o] = runOracle([{ asm: 'addi 5,3,-1', gpr: { 3: 0n } }], 'be');
    expect(o.words).toEqual([0x38a3ffff]);
    expect(o.expected.gpr[5]).toBe(0xffffffffffffffffn);
  });
});
