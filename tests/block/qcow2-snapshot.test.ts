// qcow2 internal snapshots (issue 8): create, revert and delete by our backend, checked
// with Debian's qemu-img (check, snapshot -l, convert -l to read a snapshot's content)
// and cross-checked against qemu-img snapshot -c/-a/-d doing the same on copies.
// Expected contents come from a shadow copy the test keeps, or from qemu's tools.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { openImage } from '../../emulator/block/open.js';
import type { Qcow2Backend } from '../../emulator/block/qcow2.js';
import { checkClean, pattern, qemuContent, qemuImg, qemuIo, Rng, run, tempDir } from './helpers.js';

const T = tempDir('qsnap');
afterAll(() => T.cleanup());

let n = 0;
const fresh = (): string => T.path(`img${n++}.qcow2`);
const M = 1 << 20;

async function openQ(f: string): Promise<Qcow2Backend> {
  return (await openImage(f)) as Qcow2Backend;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function expectSame(got: Uint8Array, want: Uint8Array, what: string): void {
  if (!sameBytes(got, want)) {
    let i = 0;
    while (i < got.length && got[i] === want[i]) i++;
    throw new Error(`${what}: content differs at byte ${i} (got ${got[i]}, want ${want[i]})`);
  }
}

/** The tags `qemu-img snapshot -l` lists. */
function qemuTags(f: string): string[] {
  const out = qemuImg('snapshot', '-l', f);
  const tags: string[] = [];
  for (const line of out.split('\n').slice(2)) {
    const m = /^\s*\S+\s+(\S+)/.exec(line);
    if (m) tags.push(m[1]);
  }
  return tags;
}

/** Random writes to both the image and the shadow. */
async function scribble(b: Qcow2Backend, shadow: Uint8Array, seed: number, count: number): Promise<void> {
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) {
    const off = rng.int(shadow.length / 512) * 512;
    const len = Math.min(shadow.length - off, (1 + rng.int(300)) * 512);
    const data = pattern(seed * 1000 + i, len);
    await b.write(off, data);
    shadow.set(data, off);
  }
}

describe('qcow2 internal snapshots', () => {
  for (const [compat, cluster] of [
    ['1.1', 65536],
    ['0.10', 65536],
    ['1.1', 4096],
    ['1.1', 512],
  ] as const) {
    it(`create, revert, delete keep qemu-img check clean (compat=${compat}, cluster=${cluster})`, async () => {
      const f = fresh();
      const size = 8 * M;
      qemuImg('create', '-f', 'qcow2', '-o', `compat=${compat},cluster_size=${cluster}`, f, String(size));
      qemuIo(f, 'qcow2', 'write -P 0x5a 1m 700k');
      const shadow = new Uint8Array(size);
      shadow.fill(0x5a, M, M + 700 * 1024);
      const states: Uint8Array[] = [];
      let b = await openQ(f);
      for (let k = 0; k < 3; k++) {
        await scribble(b, shadow, 17 + k * 7 + cluster, 40);
        await b.snapshotCreate(`s${k}`);
        states.push(shadow.slice());
      }
      // Writes after the last snapshot must not leak into any of them.
      await scribble(b, shadow, 99, 40);
      if (compat === '1.1') {
        await b.writeZeroes(2 * M, M);
        shadow.fill(0, 2 * M, 3 * M);
      }
      await b.discard(6 * M, M);
      if (compat === '1.1') shadow.fill(0, 6 * M, 7 * M);
      else {
        const cur = await b.read(6 * M, M); // v2 without backing: discarded reads as zeros too
        shadow.set(cur, 6 * M);
      }
      expect(await b.snapshotExists('s1')).toBe(true);
      expect(await b.snapshotExists('nope')).toBe(false);
      await b.close();
      checkClean(f);
      expect(qemuTags(f)).toEqual(['s0', 's1', 's2']);
      expectSame(qemuContent(f, T.path('out.raw')), shadow, 'active');
      for (let k = 0; k < 3; k++) expectSame(qemuContent(f, T.path('out.raw'), `s${k}`), states[k], `snapshot s${k}`);

      // Delete the middle one: the other two stay valid.
      b = await openQ(f);
      await b.snapshotDelete('s1');
      await b.close();
      checkClean(f);
      expect(qemuTags(f)).toEqual(['s0', 's2']);
      expectSame(qemuContent(f, T.path('out.raw')), shadow, 'active after delete');

      // Revert to each survivor; the content is the snapshot's, writes go on from there.
      for (const k of [0, 2]) {
        b = await openQ(f);
        await b.snapshotRevert(`s${k}`);
        expectSame(await b.read(0, size), states[k], `read after revert to s${k}`);
        const s2 = states[k].slice();
        await scribble(b, s2, 500 + k, 30);
        await b.close();
        checkClean(f);
        expectSame(qemuContent(f, T.path('out.raw')), s2, `active after revert to s${k} and writes`);
        expectSame(qemuContent(f, T.path('out.raw'), 's0'), states[0], 'snapshot s0 intact');
        expectSame(qemuContent(f, T.path('out.raw'), 's2'), states[2], 'snapshot s2 intact');
      }
      // Delete all: back to a plain image.
      b = await openQ(f);
      await b.snapshotDelete('s0');
      await b.snapshotDelete('s2');
      await b.close();
      checkClean(f);
      expect(qemuTags(f)).toEqual([]);
    });
  }

  it('matches qemu-img snapshot -c/-a/-d on copies (contents through qemu-io/convert)', async () => {
    const base = fresh();
    const size = 4 * M;
    qemuImg('create', '-f', 'qcow2', base, String(size));
    qemuIo(base, 'qcow2', 'write -P 0x11 0 1m', 'write -P 0x12 3m 64k');
    const ours = fresh();
    const theirs = fresh();
    copyFileSync(base, ours);
    copyFileSync(base, theirs);
    const b1 = await openQ(ours);
    await b1.snapshotCreate('snap');
    await b1.close();
    qemuImg('snapshot', '-c', 'snap', theirs);
    for (const f of [ours, theirs]) qemuIo(f, 'qcow2', 'write -P 0x21 512k 1m', 'write -P 0x22 2m 4k');
    checkClean(ours);
    const b2 = await openQ(ours);
    await b2.snapshotRevert('snap');
    await b2.close();
    qemuImg('snapshot', '-a', 'snap', theirs);
    checkClean(ours);
    expectSame(qemuContent(ours, T.path('o.raw')), qemuContent(theirs, T.path('t.raw')), 'after revert');
    qemuIo(ours, 'qcow2', 'read -P 0x11 0 1m', 'read -P 0 1m 2m', 'read -P 0x12 3m 64k');
    const b3 = await openQ(ours);
    await b3.snapshotDelete('snap');
    await b3.close();
    qemuImg('snapshot', '-d', 'snap', theirs);
    checkClean(ours);
    expectSame(qemuContent(ours, T.path('o.raw')), qemuContent(theirs, T.path('t.raw')), 'after delete');
  });

  it('reverts and deletes snapshots qemu-img made; qemu-img reverts and deletes ours', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', f, '4M');
    qemuIo(f, 'qcow2', 'write -P 0x31 0 256k');
    qemuImg('snapshot', '-c', 'q1', f);
    qemuIo(f, 'qcow2', 'write -P 0x32 128k 256k');
    let b = await openQ(f);
    await b.snapshotCreate('p1');
    await b.write(0, new Uint8Array(64 * 1024).fill(0x33));
    await b.snapshotRevert('q1');
    await b.close();
    checkClean(f);
    qemuIo(f, 'qcow2', 'read -P 0x31 0 256k', 'read -P 0 256k 3840k');
    qemuImg('snapshot', '-a', 'p1', f);
    checkClean(f);
    qemuIo(f, 'qcow2', 'read -P 0x31 0 128k', 'read -P 0x32 128k 256k', 'read -P 0 384k 3712k');
    b = await openQ(f);
    await b.snapshotDelete('q1');
    await b.close();
    checkClean(f);
    qemuImg('snapshot', '-d', 'p1', f);
    checkClean(f);
    expect(qemuTags(f)).toEqual([]);
  });

  it('refuses duplicate tags, unknown tags and read-only images', async () => {
    const f = fresh();
    qemuImg('create', '-f', 'qcow2', f, '1M');
    const b = await openQ(f);
    await b.snapshotCreate('a');
    await expect(b.snapshotCreate('a')).rejects.toThrow(/exists already/);
    await expect(b.snapshotRevert('zz')).rejects.toThrow(/no internal snapshot named "zz"/);
    await expect(b.snapshotDelete('zz')).rejects.toThrow(/no internal snapshot named "zz"/);
    await b.close();
    checkClean(f);
    const r = (await openImage(f, { readOnly: true })) as Qcow2Backend;
    expect(await r.snapshotExists('a')).toBe(true);
    await expect(r.snapshotCreate('b')).rejects.toThrow(/read-only/);
    await r.close();
    const one = fresh();
    qemuImg('create', '-f', 'qcow2', '-o', 'refcount_bits=1', one, '1M');
    const o = await openQ(one);
    await o.write(0, new Uint8Array(4096).fill(7));
    await expect(o.snapshotCreate('x')).rejects.toThrow(/1-bit refcounts/);
    await o.close();
    checkClean(one);
  });

  /** Runs `op` recording every write to the image file (position and bytes, in order). */
  async function recordWrites(b: Qcow2Backend, op: () => Promise<void>): Promise<Array<{ pos: number; data: Buffer }>> {
    const fh = (b as unknown as { fh: FileHandle }).fh;
    const log: Array<{ pos: number; data: Buffer }> = [];
    const orig = fh.write.bind(fh) as (buf: Uint8Array, off: number, len: number, pos: number) => Promise<{ bytesWritten: number }>;
    const spy = (buf: Uint8Array, off: number, len: number, pos: number): Promise<{ bytesWritten: number }> => {
      log.push({ pos, data: Buffer.from(buf.subarray(off, off + len)) });
      return orig(buf, off, len, pos);
    };
    (fh as unknown as { write: typeof spy }).write = spy;
    try {
      await op();
    } finally {
      (fh as unknown as { write: typeof orig }).write = orig;
    }
    return log;
  }

  /**
   * A crash after any prefix of the writes: qemu-img check finds at worst leaked clusters
   * (and COPIED flags that lag a refcount change, which QEMU's own snapshot code has too,
   * harmless: they only cause an extra copy on write), and every content qemu reads is
   * one of the two whole states (before or after the operation).
   */
  function checkCrashPrefixes(pre: Buffer, log: Array<{ pos: number; data: Buffer }>, want: (tags: string[]) => Map<string, readonly Uint8Array[]>): void {
    const f = T.path('crash.qcow2');
    expect(log.length).toBeGreaterThan(3);
    for (let k = 0; k <= log.length; k++) {
      let img = Buffer.from(pre);
      for (const w of log.slice(0, k)) {
        if (w.pos + w.data.length > img.length) {
          const g = Buffer.alloc(w.pos + w.data.length);
          img.copy(g);
          img = g;
        }
        w.data.copy(img, w.pos);
      }
      writeFileSync(f, img);
      const r = run('qemu-img', ['check', f]);
      const errors = r.out.split('\n').filter((l) => /ERROR/.test(l) && !/OFLAG_COPIED/.test(l));
      expect(errors, `crash after write ${k}/${log.length}:\n${r.out.slice(0, 1500)}`).toEqual([]);
      expect([0, 2, 3], r.out).toContain(r.status);
      const tags = qemuTags(f);
      for (const [tag, options] of want(tags)) {
        const got = qemuContent(f, T.path('crash.raw'), tag === '' ? undefined : tag);
        expect(options.some((o) => sameBytes(got, o)), `crash after write ${k}/${log.length}: content of ${tag || 'the active image'}`).toBe(true);
      }
    }
  }

  it('a crash at any point of create, revert or delete leaves both states readable and at worst leaks', async () => {
    const f = fresh();
    const size = 2 * M;
    qemuImg('create', '-f', 'qcow2', '-o', 'cluster_size=4096', f, String(size));
    const shadow = new Uint8Array(size);
    let b = await openQ(f);
    await scribble(b, shadow, 7, 30);
    await b.snapshotCreate('keep');
    const keep = shadow.slice();
    await scribble(b, shadow, 8, 30);
    await b.flush();
    const s1 = shadow.slice();
    // create
    let pre = readFileSync(f);
    let log = await recordWrites(b, () => b.snapshotCreate('new'));
    await b.close();
    checkCrashPrefixes(pre, log, (tags) =>
      new Map([
        ['', [s1]],
        ['keep', [keep]],
        ...(tags.includes('new') ? ([['new', [s1]]] as const) : []),
      ]),
    );
    // revert (to 'keep'): the active image is either state, snapshots intact
    b = await openQ(f);
    await scribble(b, shadow, 9, 20);
    await b.flush();
    const s2 = shadow.slice();
    pre = readFileSync(f);
    log = await recordWrites(b, () => b.snapshotRevert('keep'));
    await b.close();
    checkCrashPrefixes(pre, log, () =>
      new Map([
        ['', [s2, keep]],
        ['keep', [keep]],
        ['new', [s1]],
      ]),
    );
    // delete ('new'): the others intact while it is still listed or not
    b = await openQ(f);
    pre = readFileSync(f);
    log = await recordWrites(b, () => b.snapshotDelete('new'));
    await b.close();
    checkCrashPrefixes(pre, log, (tags) =>
      new Map([
        ['', [keep]],
        ['keep', [keep]],
        ...(tags.includes('new') ? ([['new', [s1]]] as const) : []),
      ]),
    );
    checkClean(f);
  }, 300_000);
});
