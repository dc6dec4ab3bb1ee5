import { describe, expect, it } from 'vitest';
import { makeCpu, exec } from './harness.js';
import * as L from '../../emulator/cpu/layout.js';

describe('run loop', () => {
  it('raises a Program interrupt (illegal) for an unassigned opcode and logs it', () => {
    const logs: string[] = [];
    const c = makeCpu({ hooks: { log: (m) => logs.push(m) } });
    exec(c, [0x00000000]); // primary opcode 0 is not assigned
    expect(c.nia).toBe(0x700n);
    expect(c.spr(L.SPR_SRR0)).toBe(0x10000n);
    expect(c.spr(L.SPR_SRR1) & (1n << 19n)).toBe(1n << 19n); // SRR1[44] illegal
    expect(logs.some((l) => l.includes('illegal instruction 0x00000000'))).toBe(true);
    expect(c.retired).toBe(1);
  });
});
