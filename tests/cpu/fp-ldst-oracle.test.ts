// Single-precision load/store conversions (the ISA's SINGLE and DOUBLE) against
// qemu-user, in both byte orders: a static program runs stfs then lfs over a table of
// doubles and writes the stored words and reloaded doubles to stdout. (The register
// oracle cannot reach memory, so this test carries its own small runner.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCpu, exec } from './harness.js';
import * as L from '../../emulator/cpu/layout.js';
import { rng } from './fp-helpers.js';

type Endian = 'le' | 'be';

function qemuRoundTrip(vals: bigint[], endian: Endian): { word: number; back: bigint }[] {
  const n = vals.length;
  const lines = [
    '\t.abiversion 2',
    '\t.text',
    '\t.globl _start',
    '_start:',
    '\tlis 14, data@ha',
    '\taddi 14, 14, data@l',
    '\tlis 15, out@ha',
    '\taddi 15, 15, out@l',
    `\tlis 16, ${n >>> 16}`,
    `\tori 16, 16, ${n & 0xffff}`,
    '\tmtctr 16',
    'loop:',
    '\tlfd 1, 0(14)',
    '\tstfs 1, 0(15)',
    '\tlfs 2, 0(15)',
    '\tstfd 2, 8(15)',
    '\taddi 14, 14, 8',
    '\taddi 15, 15, 16',
    '\tbdnz loop',
    '\tli 0, 4',
    '\tli 3, 1',
    '\tlis 4, out@ha',
    '\taddi 4, 4, out@l',
    `\tlis 5, ${(n * 16) >>> 16}`,
    `\tori 5, 5, ${(n * 16) & 0xffff}`,
    '\tsc',
    '\tli 0, 1',
    '\tli 3, 0',
    '\tsc',
    '\t.data',
    '\t.balign 16',
    'data:',
    ...vals.map((v) => `\t.quad 0x${v.toString(16)}`),
    '\t.bss',
    '\t.balign 16',
    `out: .space ${n * 16}`,
  ];
  const dir = mkdtempSync(join(tmpdir(), 'fp-ldst-'));
  try {
    const prefix = endian === 'le' ? 'powerpc64le' : 'powerpc64';
    writeFileSync(join(dir, 'p.s'), lines.join('\n') + '\n');
    execFileSync(`${prefix}-linux-gnu-as`, ['-a64', endian === 'le' ? '-mlittle' : '-mbig', '-mpower9', '-o', join(dir, 'p.o'), join(dir, 'p.s')]);
    execFileSync(`${prefix}-linux-gnu-ld`, ['-static', '-e', '_start', '-o', join(dir, 'p'), join(dir, 'p.o')]);
    const out = execFileSync(endian === 'le' ? 'qemu-ppc64le' : 'qemu-ppc64', ['-cpu', 'power9', join(dir, 'p')], { maxBuffer: 1 << 26 });
    const le = endian === 'le';
    return vals.map((_, k) => ({
      word: le ? out.readUInt32LE(16 * k) : out.readUInt32BE(16 * k),
      back: le ? out.readBigUInt64LE(16 * k + 8) : out.readBigUInt64BE(16 * k + 8),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Doubles spread over every exponent class, weighted towards the single denormal range. */
function values(count: number, seed: bigint): bigint[] {
  const r = rng(seed);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const x = r();
    const sel = Number(x & 3n);
    let exp: number;
    if (sel === 0) exp = Number((x >> 2n) % 2048n);
    else if (sel === 1) exp = 860 + Number((x >> 2n) % 50n); // around single denormals
    else if (sel === 2) exp = 1023 + Number((x >> 2n) % 300n) - 150;
    else exp = Number((x >> 2n) & 1n) !== 0 ? 0x7ff : 0; // inf/NaN, zero/denormal
    out.push(((x >> 63n) << 63n) | (BigInt(exp) << 52n) | (r() & 0xfffffffffffffn));
  }
  return out;
}

describe.each(['le', 'be'] as const)('stfs/lfs conversions vs qemu-user (%s)', (endian) => {
  it('3000 doubles: stored word and reloaded double match', () => {
    const vals = values(3000, endian === 'le' ? 71n : 72n);
    const expected = qemuRoundTrip(vals, endian);
    const c = makeCpu({ bigEndian: endian === 'be' });
    c.setGPR(4, 0x20000n);
    const bad: string[] = [];
    vals.forEach((v, k) => {
      const i = c.wi(L.VSR + 16);
      c.u32[i] = Number(v & 0xffffffffn);
      c.u32[i + 1] = Number(v >> 32n);
      exec(c, [((52 << 26) | (1 << 21) | (4 << 16)) >>> 0, ((48 << 26) | (2 << 21) | (4 << 16)) >>> 0]); // stfs f1,0(r4); lfs f2,0(r4)
      const word = c.dv.getUint32(L.RAM_OFFSET + 0x20000, endian === 'le');
      const j = c.wi(L.VSR + 32);
      const back = (BigInt(c.u32[j + 1]) << 32n) | BigInt(c.u32[j]);
      if (word !== expected[k].word || back !== expected[k].back) {
        bad.push(`${v.toString(16)}: word ${word.toString(16)} (qemu ${expected[k].word.toString(16)}), back ${back.toString(16)} (qemu ${expected[k].back.toString(16)})`);
      }
    });
    expect(bad.slice(0, 20)).toEqual([]);
  }, 60_000);
});
