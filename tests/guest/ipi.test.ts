// The irq benchmark's guest program (tests/guest/ipi.c) under qemu-ppc64le, and the parsing
// the benchmark applies to a guest console.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildIpi, buildIpiGuest } from './build.js';
import { ipiLines, parseIpiResult } from '../../scripts/bench/irq.js';
import { defaultGuest } from '../../scripts/guest/manifest.js';

describe('ipi guest program', () => {
  it('ping-pongs between CPUs 0 and 1 and prints a line the benchmark parses', () => {
    const r = spawnSync('qemu-ppc64le', [buildIpi(), '300', '20'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const x = parseIpiResult(r.stdout);
    expect(x.rounds).toBe(300);
    expect(x.cpus).toEqual([0, 1]);
    expect(x.min).toBeGreaterThan(0);
    expect(x.min).toBeLessThanOrEqual(x.p10);
    expect(x.p10).toBeLessThanOrEqual(x.median);
    expect(x.median).toBeLessThanOrEqual(x.p90);
  });

  it('refuses bad arguments', () => {
    for (const args of [['0'], ['2000000'], ['10', '-1'], ['1', '2', '3']]) {
      const r = spawnSync('qemu-ppc64le', [buildIpi(), ...args], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/usage: ipi/);
    }
  });

  it.skipIf(defaultGuest() === undefined)('is appended to the default initrd as a second archive', () => {
    const g = buildIpiGuest();
    const baseBytes = readFileSync(defaultGuest()?.initrd ?? '').length;
    const file = readFileSync(g.initrd);
    // The default initrd unchanged, zero padding to 4 bytes, then the gzip'd archive.
    let start = baseBytes;
    while (file[start] === 0) start++;
    expect(start - baseBytes).toBeLessThan(4);
    const all = gunzipSync(file.subarray(start));
    const bin = readFileSync(g.ipi);
    const at = all.indexOf(bin);
    expect(at).toBeGreaterThan(0);
    // The newc entry right before it names it "ipi", executable.
    const head = all.subarray(Math.max(0, at - 200), at).toString('latin1');
    expect(head).toMatch(/070701[0-9a-f]{8}000081ed[0-9a-f]{88}ipi\0/i);
  });
});

describe('irq benchmark parsing', () => {
  it('the result line, and IPI-FAIL as an error', () => {
    expect(parseIpiResult('x\r\nIPI-ROUNDTRIP median_us 39.56 p10_us 31.74 p90_us 56.76 min_us 19.95 rounds 2000 cpus 0,1\r\n')).toEqual({
      median: 39.56, p10: 31.74, p90: 56.76, min: 19.95, rounds: 2000, cpus: [0, 1],
    });
    expect(() => parseIpiResult('IPI-FAIL threads on cpus 0,0, not 0,1\r\n')).toThrow(/IPI-FAIL threads/);
    expect(() => parseIpiResult('/ # ')).toThrow(/no IPI-ROUNDTRIP/);
  });

  it('IPI lines of /proc/interrupts under XIVE and XICS (as Linux 6.1 prints them on QEMU)', () => {
    const xive = ' 16:        190        174  XIVE-IPI   0 Edge      IPI-0\r\n 18:          3          0  XIVE-IRQ 4352 Edge      hvc_console\r\n';
    const xics = '/ # grep IPI /proc/interrupts\r\n 16:        238        219      XICS   2 Edge      IPI\r\n 17:          0          0      XICS 4096 Edge      RAS_EPOW\r\n';
    expect(ipiLines(xive)).toEqual([{ chip: 'XIVE-IPI', count: 364 }]);
    expect(ipiLines(xics + xics.replace('238', '1238'))).toEqual([
      { chip: 'XICS', count: 457 },
      { chip: 'XICS', count: 1457 },
    ]);
  });
});
