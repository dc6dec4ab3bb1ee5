// The cpu benchmark's guard rails: its TypeScript reference agrees with the same C code
// run by qemu-ppc64le, and a run over wrong execution is caught, not timed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GuestMemory } from '../../emulator/memory/guest-memory.js';
import { LEN, RAM_SIZE, ROUNDS, buildKernel, expectedResult, runKernelOnce } from '../../scripts/bench/cpu.js';
import { REPO_ROOT } from '../../scripts/guest/manifest.js';

const work = mkdtempSync(join(tmpdir(), 'ppcbox-bench-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('cpu benchmark', () => {
  it('has a TypeScript reference that matches the C kernel under qemu-ppc64le', () => {
    const exe = join(work, 'cpu-kernel-host');
    const dir = join(REPO_ROOT, 'scripts', 'bench');
    const cc = spawnSync(
      'powerpc64le-linux-gnu-gcc',
      ['-O2', '-static', '-DBENCH_HOSTED', '-o', exe, join(dir, 'cpu-kernel-host.c'), join(dir, 'cpu-kernel.c')],
      { encoding: 'utf8' },
    );
    expect(cc.status, cc.stderr).toBe(0);
    for (const [len, rounds] of [
      [64, 3],
      [4096, 11],
      [LEN, ROUNDS],
    ]) {
      const r = spawnSync('qemu-ppc64le', [exe, String(len), String(rounds)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const [crc, diff, sum, ret] = r.stdout.trim().split(' ').map((h) => BigInt(`0x${h}`));
      const e = expectedResult(len, rounds);
      expect({ crc, diff, sum }).toEqual(e);
      expect(ret).toBe(e.crc);
    }
  });

  it('verifies a run of the freestanding kernel on our interpreter', () => {
    const { image } = buildKernel();
    const mem = GuestMemory.create(RAM_SIZE);
    const r = runKernelOnce(mem, image, 1024, 3, expectedResult(1024, 3));
    expect(r.insns).toBeGreaterThan(10_000);
  });

  it('rejects a run that computes something else', () => {
    const { image } = buildKernel();
    const bad = image.slice();
    const dv = new DataView(bad.buffer);
    // xoris rX,rY,0xedb8 builds the CRC polynomial: change it and every CRC is wrong.
    let patched = 0;
    for (let o = 0; o < bad.length; o += 4) {
      const w = dv.getUint32(o, true);
      if (w >>> 26 === 27 && (w & 0xffff) === 0xedb8) {
        dv.setUint32(o, (w & ~0xffff) | 0xedb9, true);
        patched++;
      }
    }
    expect(patched).toBeGreaterThan(0);
    const mem = GuestMemory.create(RAM_SIZE);
    expect(() => runKernelOnce(mem, bad, 1024, 3, expectedResult(1024, 3))).toThrow(/wrong result/);
  });

  it('reports an interrupt the kernel should never take', () => {
    const { image } = buildKernel();
    const bad = image.slice();
    new DataView(bad.buffer).setUint32(0x10, 0, true); // first instruction of bench_main: illegal
    const mem = GuestMemory.create(RAM_SIZE);
    expect(() => runKernelOnce(mem, bad, 1024, 3, expectedResult(1024, 3))).toThrow(/interrupt at vector 0x700.*SRR0 0x20010/);
  });
});
