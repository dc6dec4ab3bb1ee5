// Raw images, ISO 9660 media and format probing (from content, never from the name).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { imageInfo, openImage } from '../../emulator/block/open.js';
import { probeBytes, probeFile } from '../../emulator/block/probe.js';
import { isoVolumeId } from '../../emulator/block/iso.js';
import { firstDiff, must, mtimeNs, pattern, qemuImg, qemuIo, tempDir } from './helpers.js';

const T = tempDir('raw');
afterAll(() => T.cleanup());
const M = 1 << 20;

function makeIso(name: string, label: string): string {
  const src = T.path(`${name}-src`);
  mkdirSync(src, { recursive: true });
  writeFileSync(`${src}/hello.txt`, 'hello from the iso\n');
  writeFileSync(`${src}/big.bin`, pattern(3, 300 * 1024));
  const iso = T.path(name);
  must('genisoimage', ['-quiet', '-V', label, '-R', '-J', '-o', iso, src]);
  return iso;
}

describe('raw', () => {
  it('reads and writes bytes 1:1, qemu-io agrees', async () => {
    const f = T.path('a.raw');
    qemuImg('create', '-f', 'raw', f, '4M');
    qemuIo(f, 'raw', 'write -P 0x61 1m 64k');
    const b = await openImage(f, { format: 'raw' });
    expect(b.format).toBe('raw');
    expect(b.size).toBe(4 * M);
    const r = await b.read(M, 128 * 1024);
    expect(r[0]).toBe(0x61);
    expect(r[64 * 1024]).toBe(0);
    const d = pattern(9, 8192);
    await b.write(3 * M + 512, d);
    await b.writeZeroes(M, 4096);
    await b.discard(0, 512); // accepted, no effect promised
    await b.flush();
    await b.close();
    const file = new Uint8Array(readFileSync(f));
    expect(firstDiff(file.subarray(3 * M + 512, 3 * M + 512 + 8192), d)).toBe(-1);
    qemuIo(f, 'raw', 'read -P 0 1m 4k', 'read -P 0x61 1028k 60k');
  });

  it('rejects unaligned and out-of-range requests', async () => {
    const f = T.path('b.raw');
    writeFileSync(f, new Uint8Array(M));
    const b = await openImage(f);
    await expect(b.read(M, 512)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(b.read(0, 100)).rejects.toThrow(/512-byte sector/);
    await expect(b.write(513, new Uint8Array(512))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(b.writeZeroes(M - 512, 1024)).rejects.toThrow(/beyond the image size/);
    await b.close();
  });

  it('read-only: writes fail with EROFS, file bytes and mtime unchanged', async () => {
    const f = T.path('c.raw');
    writeFileSync(f, pattern(4, 2 * M));
    const before = readFileSync(f);
    const m = mtimeNs(f);
    await new Promise((r) => setTimeout(r, 20));
    const b = await openImage(f, { readOnly: true });
    expect(b.readOnly).toBe(true);
    await b.read(0, 2 * M);
    await expect(b.write(0, new Uint8Array(512))).rejects.toMatchObject({ code: 'EROFS' });
    await expect(b.writeZeroes(0, 512)).rejects.toMatchObject({ code: 'EROFS' });
    await b.flush();
    await b.close();
    expect(mtimeNs(f)).toBe(m);
    expect(Buffer.compare(readFileSync(f), before)).toBe(0);
  });

  it('a probed raw image refuses a qcow2 header in sector 0; format=raw allows it', async () => {
    const f = T.path('d.raw');
    writeFileSync(f, new Uint8Array(M));
    const q = T.path('hdr.qcow2');
    qemuImg('create', '-f', 'qcow2', '-b', '/etc/passwd', '-F', 'raw', q, '1M');
    const hdr = new Uint8Array(readFileSync(q).subarray(0, 512));
    const probed = await openImage(f);
    await expect(probed.write(0, hdr)).rejects.toThrow(/image-format header to sector 0 of a probed raw image/);
    await probed.write(512, hdr); // elsewhere it is just data
    await probed.close();
    expect(await probeFile(f)).toBe('raw');
    const explicit = await openImage(f, { format: 'raw' });
    await explicit.write(0, hdr);
    await explicit.close();
    expect(await probeFile(f)).toBe('qcow2');
  });

  it('missing, unreadable and non-regular files get clear errors', async () => {
    await expect(openImage(T.path('nope.raw'))).rejects.toThrow(/nope\.raw: no such file/);
    await expect(openImage(T.dir)).rejects.toThrow(/not a regular file/);
    if (process.getuid?.() !== 0) {
      const f = T.path('ro.raw');
      writeFileSync(f, new Uint8Array(512), { mode: 0o444 });
      await expect(openImage(f)).rejects.toThrow(/not writable \(attach it read-only\?\)/);
    }
  });
});

describe('ISO 9660', () => {
  it('is detected by CD001, always read-only, reads the file bytes', async () => {
    const iso = makeIso('cd.iso', 'PPCBOX_TEST');
    const m = mtimeNs(iso);
    const b = await openImage(iso); // asked writable: media stay read-only
    expect(b.format).toBe('iso');
    expect(b.readOnly).toBe(true);
    const bytes = new Uint8Array(readFileSync(iso));
    expect(b.size).toBe(bytes.length);
    const all = await b.read(0, Math.floor(bytes.length / 512) * 512);
    expect(firstDiff(all, bytes.subarray(0, all.length))).toBe(-1);
    expect(isoVolumeId(all)).toBe('PPCBOX_TEST');
    await expect(b.write(0, new Uint8Array(512))).rejects.toMatchObject({ code: 'EROFS' });
    await b.close();
    expect(mtimeNs(iso)).toBe(m);
  });

  it('format=iso on something else is refused; format=raw on an ISO opens it as a disk', async () => {
    const f = T.path('notiso.raw');
    writeFileSync(f, new Uint8Array(64 * 1024));
    await expect(openImage(f, { format: 'iso' })).rejects.toThrow(/not an ISO 9660 image/);
    const iso = makeIso('cd2.iso', 'X');
    const copy = T.path('cd2-copy.img');
    copyFileSync(iso, copy);
    const b = await openImage(copy, { format: 'raw' });
    expect(b.readOnly).toBe(false);
    await b.close();
  });
});

describe('probe', () => {
  it('judges content, not names', async () => {
    const q = T.path('disk.iso'); // a qcow2 named .iso
    qemuImg('create', '-f', 'qcow2', q, '1M');
    expect(await probeFile(q)).toBe('qcow2');
    const q2 = T.path('v2.img');
    qemuImg('create', '-f', 'qcow2', '-o', 'compat=0.10', q2, '1M');
    expect(await probeFile(q2)).toBe('qcow2');
    const r = T.path('disk.qcow2'); // a raw named .qcow2
    writeFileSync(r, pattern(1, 64 * 1024));
    expect(await probeFile(r)).toBe('raw');
    const iso = makeIso('media.qcow2', 'Y');
    expect(await probeFile(iso)).toBe('iso');
    const small = T.path('tiny');
    writeFileSync(small, new Uint8Array(10));
    expect(await probeFile(small)).toBe('raw');
    const empty = T.path('empty');
    writeFileSync(empty, new Uint8Array(0));
    expect(await probeFile(empty)).toBe('raw');
    expect(probeBytes(new Uint8Array([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]))).toBe('qcow2');
  });

  it('names formats it does not support and says how to convert', async () => {
    for (const [fmt, name] of [
      ['vmdk', 'VMDK'],
      ['vdi', 'VDI'],
      ['vhdx', 'VHDX'],
      ['vpc', 'VHD \\(vpc\\)'],
      ['qed', 'QED'],
      ['qcow', 'qcow \\(version 1\\)'],
    ]) {
      const f = T.path(`x.${fmt}`);
      qemuImg('create', '-f', fmt, f, '1M');
      await expect(probeFile(f)).rejects.toThrow(new RegExp(`${name} image.*qemu-img convert`));
      await expect(openImage(f, { readOnly: true })).rejects.toMatchObject({ code: 'ENOTSUP' });
    }
  });

  it('format=qcow2 on a raw file is refused; unknown formats too', async () => {
    const r = T.path('plain.raw');
    writeFileSync(r, new Uint8Array(4096));
    await expect(openImage(r, { format: 'qcow2' })).rejects.toThrow(/not a qcow2 image/);
    const bad = JSON.parse('{"format":"vmdk"}') as { format: 'raw' }; // as a CLI string could arrive
    await expect(openImage(r, bad)).rejects.toThrow(/unknown image format "vmdk"/);
  });
});

describe('imageInfo', () => {
  it('agrees with qemu-img info and touches nothing', async () => {
    const base = T.path('info-base.raw');
    writeFileSync(base, new Uint8Array(3 * M));
    const top = T.path('info-top.qcow2');
    qemuImg('create', '-f', 'qcow2', '-o', 'cluster_size=4096', '-b', 'info-base.raw', '-F', 'raw', top, '5M');
    qemuImg('snapshot', '-c', 's', top);
    const m = mtimeNs(top);
    const i = await imageInfo(top);
    const q = JSON.parse(qemuImg('info', '--output=json', top)) as { 'virtual-size': number; 'cluster-size': number; 'backing-filename': string };
    expect(i.format).toBe('qcow2');
    expect(i.virtualSize).toBe(q['virtual-size']);
    expect(i.qcow2).toEqual({ version: 3, clusterSize: q['cluster-size'], snapshots: 1, dirty: false, corrupt: false });
    expect(i.backingFile).toBe(q['backing-filename']);
    expect(i.backingPath).toBe(base);
    expect(i.readOnlyMedia).toBe(false);
    expect(mtimeNs(top)).toBe(m);
    const r = await imageInfo(base);
    expect(r).toMatchObject({ format: 'raw', virtualSize: 3 * M, backingFile: null });
    const iso = await imageInfo(makeIso('info.iso', 'INFO_LABEL'));
    expect(iso).toMatchObject({ format: 'iso', readOnlyMedia: true, volumeId: 'INFO_LABEL' });
    await expect(imageInfo(T.path('missing'))).rejects.toThrow(/missing: no such file/);
  });
});
