// Data safety: what was flushed survives a SIGKILL of the process, the image stays
// consistent for qemu-img check; metadata cache eviction and concurrent requests keep
// the image right.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openImage } from '../../emulator/block/open.js';
import { Qcow2Backend } from '../../emulator/block/qcow2.js';
import { checkClean, checkNoErrors, firstDiff, pattern, qemuContent, qemuImg, Rng, tempDir } from './helpers.js';

const T = tempDir('safety');
afterAll(() => T.cleanup());
const M = 1 << 20;

const saved = { l2: Qcow2Backend.l2CacheBytes, rb: Qcow2Backend.refcountCacheBytes };
afterEach(() => {
  Qcow2Backend.l2CacheBytes = saved.l2;
  Qcow2Backend.refcountCacheBytes = saved.rb;
});

/**
 * A child writes seeded random blocks to the first half, flushes, says so, then keeps
 * writing the second half without flushing until it is killed.
 */
const CHILD = `
import { openImage } from ${JSON.stringify(new URL('../../emulator/block/open.js', import.meta.url).pathname)};
const [file, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg);
const b = await openImage(file);
let x = 12345;
const rnd = (n) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
for (let i = 0; i < 200; i++) {
  const off = rnd(size / 2 / 512) * 512;
  const len = Math.min(size / 2 - off, (1 + rnd(64)) * 512);
  await b.write(off, new Uint8Array(len).fill(1 + (i % 250)));
}
await b.flush();
process.stdout.write('flushed\\n');
for (let i = 0; ; i++) {
  const off = size / 2 + rnd(size / 2 / 512) * 512;
  const len = Math.min(size - off, (1 + rnd(64)) * 512);
  await b.write(off, new Uint8Array(len).fill(0xee));
}
`;

/** The first-half content the child produced before its flush (same generator). */
function expectedFirstHalf(size: number, base: Uint8Array): Uint8Array {
  const out = base.slice(0, size / 2);
  let x = 12345;
  const rnd = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  for (let i = 0; i < 200; i++) {
    const off = rnd(size / 2 / 512) * 512;
    const len = Math.min(size / 2 - off, (1 + rnd(64)) * 512);
    out.fill(1 + (i % 250), off, off + len);
  }
  return out;
}

async function killAfterFlush(file: string, size: number): Promise<void> {
  const script = join(T.dir, 'child.mjs');
  writeFileSync(script, CHILD);
  const c = spawn(process.execPath, ['--import', 'tsx', script, file, String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    c.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('flushed')) setTimeout(() => c.kill('SIGKILL'), 150);
    });
    c.on('exit', (_code, sig) => (sig === 'SIGKILL' ? resolve() : reject(new Error(`child ended without being killed (${_code})`))));
  });
}

describe('data safety', () => {
  for (const fmt of ['qcow2', 'raw'] as const) {
    it(`${fmt}: flushed data survives SIGKILL; the image stays consistent`, async () => {
      const f = T.path(`kill.${fmt}`);
      const size = 8 * M;
      qemuImg('create', '-f', fmt, ...(fmt === 'qcow2' ? ['-o', 'cluster_size=4096'] : []), f, String(size));
      await killAfterFlush(f, size);
      if (fmt === 'qcow2') checkNoErrors(f); // unflushed allocations may leak, never corrupt
      const got = qemuContent(f, T.path(`kill-${fmt}.raw`));
      expect(firstDiff(got.subarray(0, size / 2), expectedFirstHalf(size, new Uint8Array(size)))).toBe(-1);
      // The dead writer's lock is stale: the image opens again.
      const b = await openImage(f);
      await b.close();
    }, 60_000);
  }

  it('tiny metadata caches (constant eviction) give the same image', async () => {
    Qcow2Backend.l2CacheBytes = 2 * 512;
    Qcow2Backend.refcountCacheBytes = 2 * 512;
    const f = T.path('evict.qcow2');
    const size = 4 * M;
    qemuImg('create', '-f', 'qcow2', '-o', 'cluster_size=512', f, String(size));
    const shadow = new Uint8Array(size);
    const rng = new Rng(77);
    const b = await openImage(f);
    for (let i = 0; i < 300; i++) {
      const off = rng.int(size / 512) * 512;
      const len = Math.min(size - off, (1 + rng.int(40)) * 512);
      const d = pattern(i + 7, len);
      await b.write(off, d);
      shadow.set(d, off);
      if (i % 25 === 0) {
        const doff = rng.int(size / 512 - 64) * 512;
        const before = shadow.slice(doff, doff + 32768);
        await b.discard(doff, 32768);
        const after = await b.read(doff, 32768);
        for (let j = 0; j < after.length; j++) if (after[j] !== 0 && after[j] !== before[j]) throw new Error(`discard left foreign data at ${doff + j}`);
        shadow.set(after, doff);
      }
    }
    await b.writeZeroes(M, M);
    shadow.fill(0, M, 2 * M);
    expect(firstDiff(await b.read(0, size), shadow)).toBe(-1);
    await b.close();
    checkClean(f);
    expect(firstDiff(qemuContent(f, T.path('evict.raw')), shadow)).toBe(-1);
  });

  it('concurrent requests (as a device queue issues them) are serialised correctly', async () => {
    const f = T.path('conc.qcow2');
    const size = 4 * M;
    qemuImg('create', '-f', 'qcow2', '-o', 'cluster_size=4096', f, String(size));
    const b = await openImage(f);
    const shadow = new Uint8Array(size);
    const rng = new Rng(99);
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      const off = rng.int(size / 512) * 512;
      const len = Math.min(size - off, (1 + rng.int(32)) * 512);
      const d = pattern(i + 100, len);
      shadow.set(d, off);
      ops.push(b.write(off, d));
      if (i % 20 === 0) ops.push(b.flush());
    }
    await Promise.all(ops);
    expect(firstDiff(await b.read(0, size), shadow)).toBe(-1);
    await b.close();
    checkClean(f);
  });
});

describe('scatter/gather', () => {
  for (const fmt of ['raw', 'qcow2'] as const) {
    it(`${fmt}: readv/writev with odd segments in shared (guest RAM) memory`, async () => {
      const f = T.path(`sg.${fmt}`);
      const size = 2 * M;
      qemuImg('create', '-f', fmt, ...(fmt === 'qcow2' ? ['-o', 'cluster_size=4096'] : []), f, String(size));
      const mem = new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true });
      const ram = new Uint8Array(mem.buffer);
      ram.set(pattern(31, 1 << 20));
      const shadow = new Uint8Array(size);
      const b = await openImage(f);
      const rng = new Rng(5);
      for (let i = 0; i < 60; i++) {
        const total = (1 + rng.int(40)) * 512;
        const off = rng.int((size - total) / 512) * 512;
        // Split `total` into 1-4 segments at arbitrary byte boundaries, at random RAM spots.
        const cuts = [0, total];
        for (let k = rng.int(4); k > 0; k--) cuts.push(1 + rng.int(total - 1));
        cuts.sort((x, y) => x - y);
        const segs: Uint8Array[] = [];
        let p = off;
        for (let k = 0; k + 1 < cuts.length; k++) {
          const len = cuts[k + 1] - cuts[k];
          const at = rng.int((1 << 20) - len);
          const v = new Uint8Array(mem.buffer, at, len);
          segs.push(v);
          shadow.set(v, p);
          p += len;
        }
        await b.writev(off, segs);
      }
      // Read back into shared memory through segments too.
      const out = new Uint8Array(mem.buffer, 1 << 21, size);
      await b.readv(0, [out.subarray(0, 1000), out.subarray(1000, 5000), out.subarray(5000)]);
      expect(firstDiff(out, shadow)).toBe(-1);
      await expect(b.readv(0, [new Uint8Array(100)])).rejects.toMatchObject({ code: 'EINVAL' });
      await b.close();
      if (fmt === 'qcow2') checkClean(f);
      expect(firstDiff(qemuContent(f, T.path(`sg-${fmt}.raw`)), shadow)).toBe(-1);
    });
  }
});
