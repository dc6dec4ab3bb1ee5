// Correctness of the run loop's speed mechanisms (not timings): the flat dispatch table
// and the hot call sites agree with the per-opcode tables; straight-line fetch notices
// branches (including a change of the high word only), page ends, stores to the code it
// is about to run, MSR[LE] changes and fetch faults, and keeps `retired` exact.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { makeCpu, exec, loadCode, CODE_BASE } from './harness.js';
import * as L from '../../emulator/cpu/layout.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';
import {
  DISPATCH,
  HOT,
  HOT_MAX,
  HOT_SLOT,
  OP19,
  OP30,
  OP31,
  OP4,
  OP57,
  OP59,
  OP60,
  OP61,
  OP63,
  OPS,
  assignHotSlots,
  dispatchKey,
  illegal,
  reg31,
  type Handler,
} from '../../emulator/cpu/decode.js';

const ADDI = (rt: number, ra: number, si: number): number => ((14 << 26) | (rt << 21) | (ra << 16) | (si & 0xffff)) >>> 0;
const STW = (rs: number, ra: number, d: number): number => ((36 << 26) | (rs << 21) | (ra << 16) | (d & 0xffff)) >>> 0;
const B = (li: number): number => ((18 << 26) | (li & 0x03fffffc)) >>> 0;
const MTMSRD = (rs: number): number => ((31 << 26) | (rs << 21) | (178 << 1)) >>> 0;
const BLR = 0x4e800020;
const ICBI = (ra: number, rb: number): number => ((31 << 26) | (ra << 16) | (rb << 11) | (982 << 1)) >>> 0;
const NOP = 0x60000000;

const low = (c: Cpu, n: number): number => Number(c.gpr(n) & 0xffffffffn);

/** The handler the per-opcode tables give `insn` (the decoding the flat table must match). */
function twoLevel(insn: number): Handler {
  const op = insn >>> 26;
  switch (op) {
    case 4:
      return OP4[insn & 0x7ff];
    case 19:
      return OP19[(insn >>> 1) & 0x3ff];
    case 30:
      return OP30[(insn >>> 1) & 0xf];
    case 31:
      return OP31[(insn >>> 1) & 0x3ff];
    case 57:
      return OP57[insn & 3];
    case 59:
      return OP59[(insn >>> 1) & 0x3ff];
    case 60:
      return OP60[(insn >>> 2) & 0x1ff];
    case 61:
      return OP61[insn & 7];
    case 63:
      return OP63[(insn >>> 1) & 0x3ff];
    default:
      return OPS[op];
  }
}

describe('dispatch tables', () => {
  it('the flat table gives every instruction word the handler of the per-opcode tables', () => {
    let x = 0x9e3779b9;
    const words: number[] = [];
    for (let op = 0; op < 64; op++) for (let k = 0; k < 4096; k++) words.push(((op << 26) | (k << 1) | (k >>> 11)) >>> 0);
    for (let k = 0; k < 200_000; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words.push(x >>> 0);
    }
    let mismatches = 0;
    for (const w of words) {
      for (const form of [w, w | 0]) if (DISPATCH[dispatchKey(form)] !== twoLevel(w)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('hot slots name the handler the flat table has, and common instructions have one', () => {
    for (let key = 0; key < DISPATCH.length; key++) {
      const s = HOT_SLOT[key];
      if (s !== 0) expect(HOT[s]).toBe(DISPATCH[key]);
    }
    const used = new Set(HOT.slice(1).filter((f) => f !== illegal));
    expect(used.size).toBeGreaterThan(HOT_MAX / 2);
    expect(used.size).toBeLessThanOrEqual(HOT_MAX);
    for (const w of [ADDI(3, 3, 1), B(8), BLR, 0x7c632214 /* add 3,3,4 */, 0xe8630000 /* ld 3,0(3) */]) {
      expect(HOT_SLOT[dispatchKey(w | 0)]).toBeGreaterThan(0);
    }
  });

  it('the run loop has one case per hot slot, each calling its own slot', () => {
    const src = readFileSync(new URL('../../emulator/cpu/cpu.ts', import.meta.url), 'utf8');
    const cases = [...src.matchAll(/case (\d+): hot\[(\d+)\]\(this, insn\); break;/g)];
    expect(cases.map((m) => Number(m[1]))).toEqual(Array.from({ length: HOT_MAX }, (_, k) => k + 1));
    for (const m of cases) expect(m[2]).toBe(m[1]);
  });

  it('a handler registered after start-up is reached, through the generic site and as a hot one', () => {
    let xo = 1023;
    while (OP31[xo] !== illegal) xo--;
    const word = ((31 << 26) | (3 << 21) | (xo << 1)) >>> 0;
    let calls = 0;
    reg31(xo, (c) => {
      calls++;
      c.setGPR32(3, 0x1234, 0);
    });
    const c = makeCpu();
    exec(c, [word]);
    expect(calls).toBe(1);
    expect(c.gpr(3)).toBe(0x1234n);
    try {
      assignHotSlots([word]);
      expect(HOT_SLOT[dispatchKey(word | 0)]).toBe(1);
      c.setGPR(3, 0n);
      exec(c, [word]);
      expect(calls).toBe(2);
      expect(c.gpr(3)).toBe(0x1234n);
    } finally {
      assignHotSlots();
    }
  });
});

describe('straight-line fetch', () => {
  it('runs on across a page boundary', () => {
    const c = makeCpu();
    const at = CODE_BASE + 0xff8;
    loadCode(c, [ADDI(3, 0, 1), ADDI(4, 0, 2), ADDI(5, 0, 3), ADDI(6, 0, 4)], at);
    c.nia = BigInt(at);
    expect(c.run(4)).toBe(4);
    expect([low(c, 3), low(c, 4), low(c, 5), low(c, 6)]).toEqual([1, 2, 3, 4]);
    expect(c.nia).toBe(BigInt(at + 16));
  });

  it('follows a branch within the page and out of it', () => {
    const c = makeCpu();
    loadCode(c, [B(12), ADDI(3, 0, 99), ADDI(3, 0, 98), B(0x2000 - 12)]);
    loadCode(c, [ADDI(4, 0, 7)], CODE_BASE + 0x2000);
    c.nia = BigInt(CODE_BASE);
    expect(c.run(3)).toBe(3);
    expect(low(c, 3)).toBe(0);
    expect(low(c, 4)).toBe(7);
    expect(c.nia).toBe(BigInt(CODE_BASE + 0x2004));
  });

  it('notices a branch that changes only the high word of NIA', () => {
    // blr to LR = 2^32 + (CIA + 4): same low word as the next instruction. Real mode has
    // no RAM there, so the fetch must take an ISI with SRR0 = LR, not run CIA + 4.
    const c = makeCpu();
    c.setSPR(L.SPR_LR, (1n << 32n) | BigInt(CODE_BASE + 4));
    exec(c, [BLR, ADDI(3, 0, 5)]);
    expect(low(c, 3)).toBe(0);
    expect(c.spr(L.SPR_SRR0)).toBe((1n << 32n) | BigInt(CODE_BASE + 4));
    expect(c.nia).toBe(0x400n);
  });

  it('executes a word stored into the code ahead of it, with no icbi', () => {
    const c = makeCpu();
    c.setGPR(6, BigInt(CODE_BASE));
    c.setGPR(5, BigInt(ADDI(3, 0, 99)));
    exec(c, [STW(5, 6, 8), NOP, ADDI(3, 0, 1), NOP]);
    expect(low(c, 3)).toBe(99);
  });

  it('re-reads the code after icbi and a store from the host between runs', () => {
    const c = makeCpu();
    exec(c, [ADDI(3, 0, 1), ICBI(0, 6)]);
    expect(low(c, 3)).toBe(1);
    exec(c, [ADDI(3, 0, 2)]);
    expect(low(c, 3)).toBe(2);
  });

  it('fetches in the new byte order right after mtmsrd clears MSR[LE]', () => {
    const c = makeCpu();
    const msr = c.msr & ~BigInt(L.MSR_LE);
    c.setGPR(4, msr);
    loadCode(c, [MTMSRD(4)]);
    // The next word, big-endian.
    c.dv.setUint32(L.RAM_OFFSET + CODE_BASE + 4, ADDI(3, 0, 7), false);
    c.nia = BigInt(CODE_BASE);
    expect(c.run(2)).toBe(2);
    expect(c.le).toBe(false);
    expect(low(c, 3)).toBe(7);
  });

  it('counts a fetch that faults as one instruction, and stops at the budget', () => {
    const c = makeCpu();
    c.nia = 1n << 32n; // no RAM behind it in real mode
    expect(c.run(1)).toBe(1);
    expect(c.nia).toBe(0x400n);
    expect(c.retired).toBe(1);
  });

  it('returns after exactly the requested number of instructions, mid-page', () => {
    const c = makeCpu();
    const words = Array.from({ length: 64 }, () => ADDI(3, 3, 1));
    loadCode(c, words);
    c.nia = BigInt(CODE_BASE);
    let total = 0;
    for (const n of [1, 2, 3, 5, 8, 13]) total += c.run(n);
    expect(total).toBe(32);
    expect(c.retired).toBe(32);
    expect(low(c, 3)).toBe(32);
    expect(c.nia).toBe(BigInt(CODE_BASE + 4 * 32));
  });
});
