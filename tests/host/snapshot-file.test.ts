// The snapshot file format (emulator/host/snapshot-file.ts): sections with CRC-32, an END
// marker, atomic writes, RAM with zero pages skipped, and clear refusals of truncated,
// corrupted, foreign and other-version files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SnapshotReader,
  SnapshotWriter,
  SnapshotError,
  RAM_CHUNK,
  RAM_PAGE,
  HEADER_SIZE,
  SECTION_HEAD,
  captureChunk,
  encodeRamChunk,
  applyRamChunk,
  checkConfig,
  jsonBytes,
  type SnapshotConfig,
} from '../../emulator/host/snapshot-file.js';

const dir = mkdtempSync(join(tmpdir(), 'ppcbox-snapfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(p: string): Promise<SnapshotError> {
  try {
    const r = await SnapshotReader.open(p);
    try {
      await r.verify();
    } finally {
      await r.close();
    }
  } catch (e) {
    expect(e).toBeInstanceOf(SnapshotError);
    return e as SnapshotError;
  }
  throw new Error(`${p} was accepted`);
}

async function writeSample(p: string, version?: number): Promise<void> {
  const w = await SnapshotWriter.create(p, version);
  await w.section('META', jsonBytes({ name: 'n', description: 'd' }));
  await w.section('CPUS', Uint8Array.from([1, 2, 3, 4, 5]));
  await w.section('RAM ', new Uint8Array(1000).fill(7));
  await w.finish();
}

describe('snapshot file', () => {
  it('round-trips sections in order, with the header and END section', async () => {
    const p = join(dir, 'a.ppcsnap');
    await writeSample(p);
    const r = await SnapshotReader.open(p);
    expect(r.sections.map((s) => s.tag)).toEqual(['META', 'CPUS', 'RAM ', 'END ']);
    expect(await r.json('META')).toEqual({ name: 'n', description: 'd' });
    expect(Array.from(await r.required('CPUS'))).toEqual([1, 2, 3, 4, 5]);
    await r.verify();
    await r.close();
    const b = readFileSync(p);
    expect(b.subarray(0, 8).toString('latin1')).toBe('PPCBSNAP');
    expect(b.readUInt32LE(8)).toBe(1);
    // No temp file left beside it.
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a truncated file at any length, naming the file', async () => {
    const p = join(dir, 'a.ppcsnap');
    const full = readFileSync(p);
    for (const len of [0, 5, HEADER_SIZE, HEADER_SIZE + 3, HEADER_SIZE + SECTION_HEAD + 2, full.length - 30, full.length - 1]) {
      const t = join(dir, `trunc-${len}.ppcsnap`);
      writeFileSync(t, full.subarray(0, len));
      const e = await refusal(t);
      expect(e.message).toContain(t);
      expect(e.kind, `length ${len}`).toBe(len < 8 ? 'not-snapshot' : 'truncated');
      if (len >= 8) expect(e.message).toMatch(/truncated/);
    }
  });

  it('refuses a flipped byte in any payload as corrupted (checksum)', async () => {
    const p = join(dir, 'a.ppcsnap');
    const full = readFileSync(p);
    const r = await SnapshotReader.open(p);
    const sections = r.sections.filter((s) => s.length > 0);
    await r.close();
    for (const s of sections) {
      const bad = Buffer.from(full);
      bad[s.offset + (s.length >> 1)] ^= 0x40;
      const t = join(dir, `corrupt-${s.tag.trim()}.ppcsnap`);
      writeFileSync(t, bad);
      const e = await refusal(t);
      expect(e.kind).toBe('corrupted');
      expect(e.message).toMatch(new RegExp(`checksum mismatch in section ${s.tag.trim()}`));
    }
    // A damaged section header or trailing garbage is corruption too.
    const bad = Buffer.from(full);
    bad[HEADER_SIZE + 1] = 0x01;
    writeFileSync(join(dir, 'badhead.ppcsnap'), bad);
    expect((await refusal(join(dir, 'badhead.ppcsnap'))).kind).toBe('corrupted');
    writeFileSync(join(dir, 'tail.ppcsnap'), Buffer.concat([full, Buffer.from('xx')]));
    expect((await refusal(join(dir, 'tail.ppcsnap'))).message).toMatch(/stray bytes after the END/);
  });

  it('refuses another format version and a file that is not a snapshot', async () => {
    const p = join(dir, 'v2.ppcsnap');
    await writeSample(p, 2);
    const e = await refusal(p);
    expect(e.kind).toBe('version');
    expect(e.message).toBe(`snapshot ${p}: format version 2, this PPCBox reads version 1`);
    const q = join(dir, 'elf.ppcsnap');
    writeFileSync(q, Buffer.from('\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0'));
    expect((await refusal(q)).message).toMatch(/not a PPCBox snapshot/);
    expect((await refusal(join(dir, 'missing.ppcsnap'))).kind).toBe('not-found');
  });

  it('writes atomically: a failed or aborted write leaves the old file and no temp file', async () => {
    const p = join(dir, 'keep.ppcsnap');
    await writeSample(p);
    const before = readFileSync(p);
    const w = await SnapshotWriter.create(p);
    await w.section('META', jsonBytes({ name: 'new' }));
    await w.abort();
    expect(readFileSync(p).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // A folder that does not exist: a clear I/O error naming the file.
    const q = join(dir, 'no-such-dir', 'x.ppcsnap');
    await expect(SnapshotWriter.create(q)).rejects.toThrow(new RegExp(`snapshot ${q}: cannot create`));
    expect(existsSync(q)).toBe(false);
  });

  it('RAM chunks skip zero pages and restore exactly (zero pages cleared)', async () => {
    const ram = new Uint8Array(2 * RAM_CHUNK);
    ram[5] = 1; // page 0
    ram[RAM_PAGE * 3 + RAM_PAGE - 1] = 0xff; // last byte of page 3
    ram.fill(0x5a, RAM_CHUNK + RAM_PAGE * 10, RAM_CHUNK + RAM_PAGE * 12); // pages 10-11 of chunk 1
    // -0.0 as a double is not zero memory.
    new DataView(ram.buffer).setFloat64(RAM_PAGE * 20, -0, true);
    const c0 = captureChunk(ram, 0, RAM_CHUNK);
    const c1 = captureChunk(ram, RAM_CHUNK, RAM_CHUNK);
    expect(c0?.pages.length).toBe(3 * RAM_PAGE);
    expect(c1?.pages.length).toBe(2 * RAM_PAGE);
    expect(captureChunk(new Uint8Array(RAM_CHUNK), 0, RAM_CHUNK)).toBeNull();
    const out = new Uint8Array(2 * RAM_CHUNK).fill(0xee); // stale content is replaced
    for (const c of [c0, c1]) {
      if (c === null) throw new Error('chunk missing');
      const payload = await encodeRamChunk(c);
      expect(payload.length).toBeLessThan(1000);
      applyRamChunk('x', payload, out, out.length);
    }
    expect(Buffer.from(out).equals(Buffer.from(ram))).toBe(true);
    // A chunk that claims to lie outside RAM is corruption.
    if (c1 === null) throw new Error('chunk missing');
    expect(() => applyRamChunk('x', new Uint8Array(0), out, out.length)).toThrow(/too short/);
    const p = await encodeRamChunk(c1);
    expect(() => applyRamChunk('f.ppcsnap', p, out, RAM_CHUNK)).toThrow(/f\.ppcsnap: RAM section at 0x400000 is outside/);
  });

  it('names every difference of machine configuration', () => {
    const base: SnapshotConfig = {
      ramBytes: 1 << 30,
      nvcpus: 2,
      icMode: 'xics',
      kernelName: 'vmlinux',
      kernel: { size: 10, crc32: 1 },
      initrd: { size: 5, crc32: 2 },
      bootargs: 'console=hvc0',
      disks: [],
    };
    expect(() => checkConfig('s', base, { ...base })).not.toThrow();
    try {
      checkConfig('s.ppcsnap', base, { ...base, ramBytes: 512 << 20, nvcpus: 1, kernel: { size: 10, crc32: 9 } });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(SnapshotError);
      expect((e as SnapshotError).kind).toBe('config');
      expect((e as Error).message).toBe(
        'snapshot s.ppcsnap: taken on a different machine configuration: memory 1024 MiB, this VM has 512 MiB; 2 vCPUs, this VM has 1; another kernel (vmlinux)',
      );
    }
  });
});
