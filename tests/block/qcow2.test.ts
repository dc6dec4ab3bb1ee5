// qcow2 reader/writer against images made and checked by Debian's qemu-img/qemu-io.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, openSync, writeSync, closeSync, readSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openImage } from '../../emulator/block/open.js';
import { BlockError } from '../../emulator/block/backend.js';
import { checkClean, checkNoErrors, firstDiff, mtimeNs, pattern, qemuContent, qemuImg, qemuIo, Rng, run, tempDir } from './helpers.js';

const T = tempDir('qcow2');
afterAll(() => T.cleanup());

let n = 0;
const fresh = (ext = 'qcow2'): string => T.path(`img${n++}.${ext}`);

const M = 1 << 20;

describe('qcow2 read', () => {
  for (const [compat, cluster] of [
    ['0.10', '65536'],
    ['1.1', '65536'],
    ['1.1', '512'],
    ['1.1', '4096'],
    ['0.10', '2097152'],
  ] as const) {
    it(`reads what qemu-io wrote (compat=${compat}, cluster_size=${cluster})`, async () => {
      const f = fresh();
      qemuImg('create', '-f', 'qcow2', '-o', `compat=${compat},cluster_size=${cluster}`, f, '32M');
      qemuIo(f, 'qcow2', 'write -P 0x5a 0 100k', 'write -P 0xa5 1m 3m', 'write -P 0x11 31m 1m', 'write -z 2m 64k');
      const b = await openImage(f, { readOnly: true });
      expect(b.format).toBe('qcow2');
      expect(b.size).toBe(32 * M);
      const got = await b.read(0, 32 * M);
      await b.close();
      const want = qemuContent(f, T.path(`want${n}.raw`));
      expect(firstDiff(got, want)).toBe(-1);
      expect(got[0]).toBe(0x5a);
      expect(got[31 * M]).toBe(0x11);
    });
  }

  it('reads compressed clusters (qemu-img convert -c), including after partial overwrite', async () => {
    const raw = fresh('raw');
    const data = new Uint8Array(8 * M);
    // Compressible and incompressible regions, and a hole.
    data.set(pattern(7, 2 * M), 0);
    for (let i = 3 * M; i < 6 * M; i++) data[i] = (i >> 9) & 0xff;
    writeFileSync(raw, data);
    for (const cluster of ['65536', '4096', '512']) {
      const f = fresh();
      qemuImg('convert', '-c', '-O', 'qcow2', '-o', `cluster_size=${cluster}`, raw, f);
      expect(qemuImg('info', '--output=json', f)).toContain('"format": "qcow2"');
      const b = await openImage(f);
      expect(firstDiff(await b.read(0, 8 * M), data)).toBe(-1);
      // Partial writes into compressed clusters copy the rest of the cluster.
      const shadow = data.slice();
      const w1 = pattern(99, 1024);
      await b.write(3 * M + 512, w1);
      shadow.set(w1, 3 * M + 512);
      const w2 = pattern(98, 3 * 512);
      await b.write(4 * M - 1024, w2);
      shadow.set(w2, 4 * M - 1024);
      expect(firstDiff(await b.read(0, 8 * M), shadow)).toBe(-1);
      await b.close();
      checkClean(f);
      expect(firstDiff(qemuContent(f, T.path(`c${n}.raw`)), shadow)).toBe(-1);
    }
  });

  it('coalesces a large sequential read (64 MiB in well under a second)', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', f, '64M');
    qemuIo(f, 'qcow2', 'write -P 0x3c 0 64m');
    const b = await openImage(f, { readOnly: true });
    const buf = new Uint8Array(64 * M);
    const t0 = performance.now();
    await b.readInto(0, buf);
    const ms = performance.now() - t0;
    await b.close();
    expect(buf[0]).toBe(0x3c);
    expect(buf[64 * M - 1]).toBe(0x3c);
    expect(ms).toBeLessThan(1500);
  });
});

describe('qcow2 write', () => {
  it('writes that qemu-io reads back; qemu-img check stays clean', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', f, '16M');
    const b = await openImage(f);
    await b.write(0, new Uint8Array(512).fill(0x42));
    await b.write(64 * 1024 - 512, new Uint8Array(1024).fill(0x43)); // crosses a cluster
    await b.write(5 * M, new Uint8Array(2 * M).fill(0x44));
    await b.flush();
    await b.close();
    checkClean(f);
    qemuIo(f, 'qcow2', 'read -P 0x42 0 512', 'read -P 0 512 64512', 'read -P 0x43 65024 1024', 'read -P 0 66048 65024', 'read -P 0x44 5m 2m', 'read -P 0 7m 9m');
  });

  for (const [compat, cluster, refbits] of [
    ['1.1', 512, 16],
    ['1.1', 512, 1],
    ['1.1', 512, 64],
    ['0.10', 512, 16],
    ['1.1', 4096, 8],
    ['1.1', 65536, 16],
    ['1.1', 1024, 2],
    ['1.1', 2048, 32],
  ] as const) {
    it(`random writes match a shadow copy (compat=${compat}, cluster=${cluster}, refcount_bits=${refbits})`, async () => {
      const f = fresh();
      const size = 4 * M;
      const opts = `compat=${compat},cluster_size=${cluster}` + (compat === '1.1' ? `,refcount_bits=${refbits}` : '');
      qemuImg('create', '-f', 'qcow2', '-o', opts, f, String(size));
      qemuIo(f, 'qcow2', 'write -P 0x77 0 300k');
      const shadow = new Uint8Array(size);
      shadow.fill(0x77, 0, 300 * 1024);
      const rng = new Rng(cluster * 31 + refbits);
      let b = await openImage(f);
      for (let i = 0; i < 120; i++) {
        const off = rng.int(size / 512) * 512;
        const len = Math.min(size - off, (1 + rng.int(rng.next() < 0.2 ? 512 : 16)) * 512);
        const d = pattern(i + 1, len);
        await b.write(off, d);
        shadow.set(d, off);
        if (i % 40 === 39) {
          await b.close(); // reopen: everything must have reached the file
          checkClean(f);
          b = await openImage(f);
        }
      }
      expect(firstDiff(await b.read(0, size), shadow)).toBe(-1);
      await b.close();
      checkClean(f);
      expect(firstDiff(qemuContent(f, T.path(`r${n}.raw`)), shadow)).toBe(-1);
    });
  }

  it('grows the refcount table when the image outgrows it (512-byte clusters)', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', '-o', 'cluster_size=512', f, '64M');
    const info0 = JSON.parse(qemuImg('info', '--output=json', f)) as { 'actual-size': number };
    expect(info0['actual-size']).toBeGreaterThan(0);
    const b = await openImage(f);
    const d = pattern(5, 24 * M);
    await b.write(8 * M, d); // 48k new clusters: far beyond one refcount table cluster
    await b.close();
    checkClean(f);
    const got = qemuContent(f, T.path('grow.raw'));
    expect(firstDiff(got.subarray(8 * M, 32 * M), d)).toBe(-1);
  });

  it('discard and write-zeroes (v3, v2, with and without backing)', async () => {
    for (const compat of ['1.1', '0.10']) {
      for (const withBacking of [false, true]) {
        const base = fresh();
        qemuImg('create', '-f', 'qcow2', base, '4M');
        qemuIo(base, 'qcow2', 'write -P 0xbb 0 4m');
        const f = fresh();
        if (withBacking) qemuImg('create', '-f', 'qcow2', '-o', `compat=${compat}`, '-b', base, '-F', 'qcow2', f);
        else qemuImg('create', '-f', 'qcow2', '-o', `compat=${compat}`, f, '4M');
        const shadow = new Uint8Array(4 * M).fill(withBacking ? 0xbb : 0);
        const b = await openImage(f);
        await b.write(0, new Uint8Array(2 * M).fill(0xcc));
        shadow.fill(0xcc, 0, 2 * M);
        await b.writeZeroes(64 * 1024 - 512, 200 * 1024); // partial head/tail, whole middle
        shadow.fill(0, 64 * 1024 - 512, 64 * 1024 - 512 + 200 * 1024);
        await b.writeZeroes(3 * M, 512 * 1024); // clusters never written (backing below)
        shadow.fill(0, 3 * M, 3 * M + 512 * 1024);
        await b.discard(M, 512 * 1024);
        const afterDiscard = await b.read(M, 512 * 1024);
        // Discarded data is unspecified, but never someone else's: old data, zeros or backing.
        for (let i = 0; i < afterDiscard.length; i += 4096) {
          expect([0, 0xcc, 0xbb]).toContain(afterDiscard[i]);
        }
        shadow.set(afterDiscard, M);
        expect(firstDiff(await b.read(0, 4 * M), shadow)).toBe(-1);
        await b.close();
        checkClean(f);
        expect(firstDiff(qemuContent(f, T.path(`z${n}.raw`)), shadow)).toBe(-1);
      }
    }
  });

  it('reuses clusters freed by discard', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', f, '8M');
    const b = await openImage(f);
    await b.write(0, new Uint8Array(4 * M).fill(1));
    await b.discard(0, 4 * M);
    await b.flush();
    await b.write(4 * M, new Uint8Array(4 * M).fill(2));
    await b.close();
    checkClean(f);
    const info = JSON.parse(qemuImg('check', '--output=json', f)) as { 'image-end-offset': number };
    expect(info['image-end-offset']).toBeLessThan(6 * M);
    qemuIo(f, 'qcow2', 'read -P 0 0 4m', 'read -P 2 4m 4m');
  });

  it('writes preallocated images in place (metadata/falloc/full, and preallocated zero clusters)', async () => {
    for (const [prealloc, compat, zeroFirst] of [
      ['metadata', '1.1', false],
      ['metadata', '0.10', false],
      ['falloc', '1.1', false],
      ['full', '0.10', false],
      ['falloc', '1.1', true],
    ] as const) {
      const f = fresh();
      const size = 4 * M;
      qemuImg('create', '-f', 'qcow2', '-o', `preallocation=${prealloc},compat=${compat}`, f, String(size));
      if (zeroFirst) qemuIo(f, 'qcow2', 'write -z 0 4m'); // zero flag, clusters kept
      const end0 = (JSON.parse(qemuImg('check', '--output=json', f)) as { 'image-end-offset': number })['image-end-offset'];
      const shadow = new Uint8Array(size);
      const rng = new Rng(prealloc.length * 7 + (zeroFirst ? 1 : 0));
      const b = await openImage(f);
      for (let i = 0; i < 80; i++) {
        const off = rng.int(size / 512) * 512;
        const len = Math.min(size - off, (1 + rng.int(200)) * 512);
        const d = pattern(300 + i, len);
        await b.write(off, d);
        shadow.set(d, off);
      }
      expect(firstDiff(await b.read(0, size), shadow)).toBe(-1);
      await b.close();
      checkClean(f);
      const end1 = (JSON.parse(qemuImg('check', '--output=json', f)) as { 'image-end-offset': number })['image-end-offset'];
      expect(end1).toBe(end0);
      expect(firstDiff(qemuContent(f, T.path(`p${n}.raw`)), shadow)).toBe(-1);
    }
  });

  it('guest and host offsets beyond 4 GiB (sparse files)', async () => {
    const G = 1024 * M;
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', '-o', 'preallocation=metadata', f, '10G'); // L2 entries up to ~10 GiB host
    qemuIo(f, 'qcow2', 'write -P 0x71 7g 64k', 'write -P 0x72 4095m 2m');
    const b = await openImage(f);
    expect(b.size).toBe(10 * G);
    const r = await b.read(7 * G - 512, 64 * 1024 + 1024);
    expect(r[0]).toBe(0);
    expect(r[512]).toBe(0x71);
    expect(r[512 + 64 * 1024]).toBe(0);
    const r2 = await b.read(4 * G - 4096, 8192); // across 4 GiB
    expect(r2[0]).toBe(0x72);
    expect(r2[8191]).toBe(0x72);
    await b.write(9 * G + 512, new Uint8Array(1024).fill(0x73));
    await b.write(4 * G - 512, new Uint8Array(1024).fill(0x74));
    await b.close();
    checkClean(f);
    qemuIo(f, 'qcow2', 'read -P 0x73 9663676928 1024', 'read -P 0x74 4294966784 1024', 'read -P 0x71 7g 64k');
    // Raw: file offsets past 4 GiB.
    const sparse = T.path('sparse.raw');
    qemuImg('create', '-f', 'raw', sparse, '6G');
    const rw = await openImage(sparse);
    await rw.write(5 * G + 4096, new Uint8Array(4096).fill(0x75));
    expect((await rw.read(5 * G + 4096, 4096))[4095]).toBe(0x75);
    await rw.close();
    qemuIo(sparse, 'raw', 'read -P 0x75 5368713216 4096');
  });

  for (const [compat, cluster] of [
    ['1.1', '65536'],
    ['0.10', '65536'],
    ['1.1', '512'],
  ] as const) {
    it(`keeps internal snapshots intact (COW of shared L2 tables and clusters; compat=${compat}, cluster=${cluster})`, async () => {
      const f = fresh();
      qemuImg('create', '-f', 'qcow2', '-o', `compat=${compat},cluster_size=${cluster}`, f, '8M');
      qemuIo(f, 'qcow2', 'write -P 0x10 0 6m');
      qemuImg('snapshot', '-c', 's1', f);
      qemuIo(f, 'qcow2', 'write -P 0x11 2m 1m');
      qemuImg('snapshot', '-c', 's2', f);
      const s1 = qemuContent(f, T.path(`s1-${n}.raw`), 's1');
      const s2 = qemuContent(f, T.path(`s2-${n}.raw`), 's2');
      const b = await openImage(f);
      const shadow = s2.slice();
      const rng = new Rng(4242);
      for (let i = 0; i < 60; i++) {
        const off = rng.int(16384) * 512;
        const len = Math.min(8 * M - off, (1 + rng.int(300)) * 512);
        const d = pattern(1000 + i, len);
        await b.write(off, d);
        shadow.set(d, off);
      }
      await b.discard(7 * M, M);
      shadow.set(await b.read(7 * M, M), 7 * M);
      await b.close();
      checkClean(f);
      expect(firstDiff(qemuContent(f, T.path(`sa-${n}.raw`)), shadow)).toBe(-1);
      expect(firstDiff(qemuContent(f, T.path(`s1b-${n}.raw`), 's1'), s1)).toBe(-1);
      expect(firstDiff(qemuContent(f, T.path(`s2b-${n}.raw`), 's2'), s2)).toBe(-1);
      // qemu can still delete a snapshot and stay consistent.
      qemuImg('snapshot', '-d', 's1', f);
      checkClean(f);
    });
  }

  it('backing chain: raw base and qcow2 middle, relative names, overlay bigger than base', async () => {
    const sub = T.path('chain');
    run('mkdir', ['-p', sub]);
    const baseData = pattern(11, 3 * M);
    writeFileSync(`${sub}/base.raw`, baseData);
    qemuImg('create', '-f', 'qcow2', '-b', 'base.raw', '-F', 'raw', `${sub}/mid.qcow2`);
    qemuIo(`${sub}/mid.qcow2`, 'qcow2', 'write -P 0x66 1m 100k');
    // No backing format recorded for top: it is probed.
    run('qemu-img', ['create', '-f', 'qcow2', '-u', '-b', 'mid.qcow2', '-F', 'qcow2', `${sub}/top.qcow2`, '5M']);
    const baseMtime = mtimeNs(`${sub}/base.raw`);
    const midMtime = mtimeNs(`${sub}/mid.qcow2`);
    const shadow = new Uint8Array(5 * M);
    shadow.set(baseData);
    shadow.fill(0x66, M, M + 100 * 1024);
    const cwd = process.cwd();
    process.chdir('/'); // relative backing names resolve against the overlay, not the cwd
    try {
      const b = await openImage(`${sub}/top.qcow2`);
      expect(b.size).toBe(5 * M);
      expect(firstDiff(await b.read(0, 5 * M), shadow)).toBe(-1);
      const w = pattern(12, 1536);
      await b.write(M + 99 * 1024, w); // partial cluster over mid's and base's data
      shadow.set(w, M + 99 * 1024);
      await b.write(3 * M - 512, new Uint8Array(1024).fill(9)); // across the end of base
      shadow.fill(9, 3 * M - 512, 3 * M + 512);
      expect(firstDiff(await b.read(0, 5 * M), shadow)).toBe(-1);
      await b.close();
    } finally {
      process.chdir(cwd);
    }
    checkClean(`${sub}/top.qcow2`);
    checkClean(`${sub}/mid.qcow2`);
    expect(firstDiff(qemuContent(`${sub}/top.qcow2`, T.path('top.raw')), shadow)).toBe(-1);
    expect(mtimeNs(`${sub}/base.raw`)).toBe(baseMtime);
    expect(mtimeNs(`${sub}/mid.qcow2`)).toBe(midMtime);
    expect(firstDiff(new Uint8Array(readFileSync(`${sub}/base.raw`)), baseData)).toBe(-1);
  });

  it('a missing backing file is a clear error', async () => {
    const f = fresh();
    run('qemu-img', ['create', '-f', 'qcow2', '-u', '-b', 'nowhere.qcow2', '-F', 'qcow2', f, '1M']);
    await expect(openImage(f)).rejects.toThrow(/backing file of .*nowhere\.qcow2: no such file/);
  });

  it('a backing loop ends with an error, not a hang', async () => {
    const a = T.path('loopA.qcow2');
    const bb = T.path('loopB.qcow2');
    qemuImg('create', '-f', 'qcow2', a, '1M');
    qemuImg('create', '-f', 'qcow2', bb, '1M');
    run('qemu-img', ['rebase', '-u', '-f', 'qcow2', '-b', 'loopB.qcow2', '-F', 'qcow2', a]);
    run('qemu-img', ['rebase', '-u', '-f', 'qcow2', '-b', 'loopA.qcow2', '-F', 'qcow2', bb]);
    await expect(openImage(a, { readOnly: true })).rejects.toThrow(/backing chain deeper/);
  });
});

/** Patches bytes of the header in place. */
function patch(file: string, off: number, bytes: number[]): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, Uint8Array.from(bytes), 0, bytes.length, off);
  closeSync(fd);
}
function peek(file: string, off: number, len: number): Uint8Array {
  const fd = openSync(file, 'r');
  const b = new Uint8Array(len);
  readSync(fd, b, 0, len, off);
  closeSync(fd);
  return b;
}

describe('qcow2 features and refusals', () => {
  it('refuses unknown incompatible features, naming them', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', f, '1M');
    patch(f, 72, [0, 0, 0, 0, 0, 0, 0, 0x20]); // bit 5
    await expect(openImage(f, { readOnly: true })).rejects.toThrow(/incompatible features .*bit 5/);
    patch(f, 72, [0x01, 0, 0, 0, 0, 0, 0, 0]); // bit 56
    await expect(openImage(f, { readOnly: true })).rejects.toThrow(/bit 56/);
  });

  it('refuses extended L2 entries, external data files, zstd, encryption, version 1', async () => {
    const f1 = fresh();
    qemuImg('create', '-f', 'qcow2', '-o', 'extended_l2=on', f1, '1M');
    await expect(openImage(f1, { readOnly: true })).rejects.toThrow(/extended L2/);
    const f2 = fresh();
    qemuImg('create', '-f', 'qcow2', '-o', `data_file=${T.path('ext.data')}`, f2, '1M');
    await expect(openImage(f2, { readOnly: true })).rejects.toThrow(/external data file/);
    const f3 = fresh();
    const z = run('qemu-img', ['create', '-f', 'qcow2', '-o', 'compression_type=zstd', f3, '1M']);
    if (z.status === 0) await expect(openImage(f3, { readOnly: true })).rejects.toThrow(/zstd/);
    const f4 = fresh();
    qemuImg('create', '-f', 'qcow2', f4, '1M');
    patch(f4, 32, [0, 0, 0, 1]); // crypt_method AES
    await expect(openImage(f4, { readOnly: true })).rejects.toThrow(/encrypted/);
    const f5 = fresh();
    qemuImg('create', '-f', 'qcow', f5, '1M');
    await expect(openImage(f5, { readOnly: true })).rejects.toThrow(/qcow \(version 1\).*not supported/);
    for (const e of [f1, f2, f4, f5]) {
      try {
        await openImage(e, { readOnly: true });
      } catch (err) {
        expect(err).toBeInstanceOf(BlockError);
        expect((err as Error).message).toContain(e);
      }
    }
  });

  it('corrupt images: readable, refused for writing', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', f, '1M');
    qemuIo(f, 'qcow2', 'write -P 0x31 0 64k');
    const flags = peek(f, 72, 8);
    patch(f, 79, [flags[7] | 2]); // corrupt
    await expect(openImage(f)).rejects.toThrow(/marked corrupt.*qemu-img check -r all/);
    const r = await openImage(f, { readOnly: true });
    expect((await r.read(0, 512))[0]).toBe(0x31);
    await r.close();
  });

  it('dirty images left by a killed QEMU with lazy refcounts: read-only untouched, writable repaired', async () => {
    for (const extra of ['plain', 'snapshot+compressed']) {
      const f = fresh();
      if (extra === 'plain') {
        qemuImg('create', '-f', 'qcow2', '-o', 'lazy_refcounts=on,cluster_size=4096', f, '8M');
      } else {
        const raw = T.path(`dirty${n}.raw`);
        writeFileSync(raw, new Uint8Array(8 * M).fill(0x0c));
        qemuImg('convert', '-c', '-O', 'qcow2', '-o', 'lazy_refcounts=on,cluster_size=4096', raw, f);
        qemuImg('snapshot', '-c', 'before', f);
      }
      // qemu-io writes and flushes, then dies without closing: refcounts stay stale.
      const q = spawn('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x21 0 1m', '-c', 'write -P 0x22 3m 512k', '-c', 'flush', '-c', 'sleep 100000', f], {
        stdio: 'ignore',
      });
      await new Promise((r) => setTimeout(r, 700));
      await new Promise<void>((r) => {
        q.on('exit', () => r());
        q.kill('SIGKILL');
      });
      expect(peek(f, 79, 1)[0] & 1).toBe(1);
      expect(run('qemu-img', ['check', f]).out).toMatch(/ERROR|Leaked/);
      const bytes = readFileSync(f);
      const ro = await openImage(f, { readOnly: true });
      const want = await ro.read(0, 8 * M);
      await ro.close();
      expect(Buffer.compare(readFileSync(f), bytes)).toBe(0);
      expect(want[0]).toBe(0x21);
      expect(want[3 * M]).toBe(0x22);
      const w = await openImage(f);
      expect(firstDiff(await w.read(0, 8 * M), want)).toBe(-1);
      await w.write(6 * M, new Uint8Array(64 * 1024).fill(0x23));
      want.fill(0x23, 6 * M, 6 * M + 64 * 1024);
      await w.close();
      expect(peek(f, 79, 1)[0] & 1).toBe(0);
      checkClean(f);
      expect(firstDiff(qemuContent(f, T.path(`dirty${n}.out`)), want)).toBe(-1);
      if (extra !== 'plain') expect(qemuContent(f, T.path(`dirty${n}.snap`), 'before')[0]).toBe(0x0c);
    }
  });

  it('clears autoclear bits (dirty bitmaps it does not maintain) when writing', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', f, '1M');
    qemuImg('bitmap', '--add', f, 'b0');
    expect(peek(f, 95, 1)[0] & 1).toBe(1);
    const ro = await openImage(f, { readOnly: true });
    await ro.close();
    expect(peek(f, 95, 1)[0] & 1).toBe(1); // read-only: untouched
    const w = await openImage(f);
    await w.write(0, new Uint8Array(512).fill(1));
    await w.close();
    expect(peek(f, 95, 1)[0] & 1).toBe(0);
    // The bitmap's clusters are no longer referenced by anything qemu-img looks at: leaked, not an error.
    checkNoErrors(f);
    qemuIo(f, 'qcow2', 'read -P 1 0 512');
  });

  it('read-only: same bytes and mtime after reads; writes are refused', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', f, '4M');
    qemuIo(f, 'qcow2', 'write -P 0x12 0 1m');
    const bytes = readFileSync(f);
    const m = mtimeNs(f);
    await new Promise((r) => setTimeout(r, 20));
    const b = await openImage(f, { readOnly: true });
    expect(b.readOnly).toBe(true);
    await b.read(0, 4 * M);
    await expect(b.write(0, new Uint8Array(512))).rejects.toMatchObject({ code: 'EROFS' });
    await expect(b.discard(0, 512)).rejects.toMatchObject({ code: 'EROFS' });
    await expect(b.writeZeroes(0, 512)).rejects.toMatchObject({ code: 'EROFS' });
    await b.flush();
    await b.close();
    expect(mtimeNs(f)).toBe(m);
    expect(Buffer.compare(readFileSync(f), bytes)).toBe(0);
  });

  it('rejects out-of-range and unaligned requests clearly', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', f, '1M');
    const b = await openImage(f);
    await expect(b.read(M - 512, 1024)).rejects.toThrow(/beyond the image size 1048576/);
    await expect(b.read(100, 512)).rejects.toThrow(/not a multiple of the 512-byte sector/);
    await expect(b.write(M, new Uint8Array(512))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(b.read(-512, 512)).rejects.toMatchObject({ code: 'EINVAL' });
    await b.close();
  });

  it('corrupt tables give EIO for the request, not a crash', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', f, '1M');
    qemuIo(f, 'qcow2', 'write -P 1 0 64k');
    // Point the first L2 entry at an unaligned host offset.
    const l1off = Number(new DataView(peek(f, 40, 8).buffer).getBigUint64(0));
    const l1e = new DataView(peek(f, l1off, 8).buffer).getBigUint64(0) & 0x00fffffffffffe00n;
    patch(f, Number(l1e), [0x80, 0, 0, 0, 0, 0, 0x12, 0x00]);
    const b = await openImage(f, { readOnly: true });
    await expect(b.read(0, 512)).rejects.toMatchObject({ code: 'EIO' });
    await b.close();
  });
});
