// Corrupt qcow2 images: whatever the damage, opening, reading and writing end in a
// BlockError naming the file (or succeed); never another exception, never a hang.
import { copyFileSync, openSync, readSync, writeSync, closeSync, fstatSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockError } from '../../emulator/block/backend.js';
import { openImage } from '../../emulator/block/open.js';
import { qemuImg, qemuIo, Rng, tempDir, pattern } from './helpers.js';
import { writeFileSync } from 'node:fs';

const T = tempDir('fuzz');
afterAll(() => T.cleanup());

function withTimeout<X>(p: Promise<X>, ms: number, what: string): Promise<X> {
  return Promise.race([p, new Promise<X>((_, rej) => setTimeout(() => rej(new Error(`hang: ${what}`)), ms))]);
}

async function exercise(f: string): Promise<string> {
  let b;
  try {
    b = await openImage(f, { noLock: true });
  } catch (e) {
    if (!(e instanceof BlockError)) throw e;
    return 'open refused';
  }
  try {
    const buf = new Uint8Array(Math.min(b.size, 1 << 20) & ~511);
    for (let off = 0; off + buf.length <= Math.min(b.size, 8 << 20); off += buf.length) await b.readInto(off, buf);
    await b.write(0, pattern(1, 4096));
    await b.write(Math.floor(b.size / 2 / 512) * 512, pattern(2, 512));
    await b.writeZeroes(0, Math.min(b.size, 65536) & ~511);
    await b.flush();
    return 'ok';
  } catch (e) {
    if (!(e instanceof BlockError)) throw e;
    expect(e.message).toContain(f);
    return e.code;
  } finally {
    await b.close().catch((e: unknown) => {
      if (!(e instanceof BlockError)) throw e;
    });
  }
}

describe('corrupt qcow2 images', () => {
  it('random damage to metadata gives BlockErrors only', async () => {
    const src = T.path('src.qcow2');
    const raw = T.path('src.raw');
    writeFileSync(raw, pattern(5, 2 << 20));
    qemuImg('convert', '-c', '-O', 'qcow2', '-o', 'cluster_size=4096', raw, src);
    qemuIo(src, 'qcow2', 'write -P 0x44 1m 64k', 'write -z 1536k 8k');
    qemuImg('snapshot', '-c', 'snap', src);
    qemuIo(src, 'qcow2', 'write -P 0x45 1m 8k');
    const fd0 = openSync(src, 'r');
    const size = fstatSync(fd0).size;
    const meta = new Uint8Array(Math.min(size, 64 * 1024));
    readSync(fd0, meta, 0, meta.length, 0);
    closeSync(fd0);
    const rng = new Rng(2024);
    const outcomes = new Map<string, number>();
    for (let iter = 0; iter < Number(process.env.FUZZ_ITERS ?? 120); iter++) {
      const f = T.path(`f${iter}.qcow2`);
      copyFileSync(src, f);
      const fd = openSync(f, 'r+');
      const flips = 1 + rng.int(6);
      for (let k = 0; k < flips; k++) {
        // Mostly the header and the metadata clusters after it, sometimes anywhere.
        const off = rng.next() < 0.3 ? rng.int(112) : rng.next() < 0.8 ? rng.int(meta.length) : rng.int(size);
        const v = new Uint8Array([rng.next() < 0.5 ? rng.int(256) : 0xff]);
        writeSync(fd, v, 0, 1, off);
      }
      closeSync(fd);
      const r = await withTimeout(exercise(f), 10_000, f);
      outcomes.set(r, (outcomes.get(r) ?? 0) + 1);
    }
    if (process.env.FUZZ_ITERS) console.log(outcomes);
    // Some damage must be noticed, some harmless: both paths ran.
    expect(outcomes.size).toBeGreaterThan(1);
  }, 120_000);
});
