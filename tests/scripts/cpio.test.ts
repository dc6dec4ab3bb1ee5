// The initramfs writer, checked against GNU cpio from Debian (an independent reader and
// writer of the newc format) and against our own reader.
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CpioWriter, readCpio } from '../../scripts/guest/cpio.js';
import { buildInitramfs, resolveModules } from '../../scripts/guest/initramfs.js';

const work = mkdtempSync(join(tmpdir(), 'ppcbox-cpio-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function gnuCpio(args: string[], input: Uint8Array, cwd: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('cpio', args, { cwd, input, encoding: 'utf8' });
  if (r.error) throw new Error(`cpio (Debian package "cpio") is needed: ${r.error.message}`);
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function sample(): CpioWriter {
  const w = new CpioWriter();
  w.addDir('etc');
  w.addFile('etc/hostname', 'ppcbox\n');
  w.addFile('bin/tool', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]), { perm: 0o755 }); // creates bin/
  w.addFile('empty', new Uint8Array(0));
  w.addSymlink('bin/sh', 'tool');
  w.addCharDevice('dev/console', 5, 1);
  w.addCharDevice('dev/null', 1, 3, { perm: 0o666 });
  // Name lengths 1..4 beyond a multiple of 4 exercise every padding case.
  for (const n of ['a', 'ab', 'abc', 'abcd']) w.addFile(`pad/${n}`, n.repeat(3));
  return w;
}

describe('cpio newc writer', () => {
  it('is listed by GNU cpio in the order written, parents first', () => {
    const r = gnuCpio(['-t', '--quiet'], sample().finish(), work);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'etc',
      'etc/hostname',
      'bin',
      'bin/tool',
      'empty',
      'bin/sh',
      'dev',
      'dev/console',
      'dev/null',
      'pad',
      'pad/a',
      'pad/ab',
      'pad/abc',
      'pad/abcd',
    ]);
  });

  it('carries device nodes, modes and symlinks GNU cpio reads back', () => {
    const r = gnuCpio(['-t', '-v', '--quiet'], sample().finish(), work);
    expect(r.status).toBe(0);
    const line = (name: string) => r.stdout.split('\n').find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `)) ?? '';
    expect(line('dev/console')).toMatch(/^crw-------\s+1 root\s+root\s+5,\s+1 /);
    expect(line('dev/null')).toMatch(/^crw-rw-rw-\s+1 root\s+root\s+1,\s+3 /);
    expect(line('bin/tool')).toMatch(/^-rwxr-xr-x /);
    expect(line('etc/hostname')).toMatch(/^-rw-r--r-- /);
    expect(line('etc')).toMatch(/^drwxr-xr-x /);
    expect(line('bin/sh')).toMatch(/^lrwxrwxrwx .* bin\/sh -> tool$/);
  });

  it('extracts with GNU cpio to the same bytes', () => {
    const dir = join(work, 'extract');
    mkdirSync(dir);
    // Device nodes need privileges to create: leave them out of the extraction.
    const r = gnuCpio(['-i', '-d', '--quiet', '--no-absolute-filenames', '-f', 'dev/*'], sample().finish(), dir);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'etc/hostname'), 'utf8')).toBe('ppcbox\n');
    expect([...readFileSync(join(dir, 'bin/tool'))]).toEqual([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]);
    expect(lstatSync(join(dir, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dir, 'empty')).length).toBe(0);
    expect(readlinkSync(join(dir, 'bin/sh'))).toBe('tool');
    for (const n of ['a', 'ab', 'abc', 'abcd']) expect(readFileSync(join(dir, 'pad', n), 'utf8')).toBe(n.repeat(3));
  });

  it('gzips to something gunzip and GNU cpio accept', () => {
    const gz = sample().finishGzip();
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const r = gnuCpio(['-t', '--quiet'], new Uint8Array(gunzipSync(gz)), work);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('dev/console');
  });

  it('is reproducible', () => {
    expect(Buffer.from(sample().finishGzip()).equals(Buffer.from(sample().finishGzip()))).toBe(true);
  });

  it('rejects bad paths and duplicates', () => {
    const w = new CpioWriter();
    expect(() => w.addFile('../etc/passwd', 'x')).toThrow(/climbs out/);
    expect(() => w.addFile('', 'x')).toThrow(/empty path/);
    w.addFile('a', 'x');
    expect(() => w.addFile('/a', 'y')).toThrow(/duplicate/);
    expect(() => w.addFile('a/b', 'y')).toThrow(/not a directory/);
  });
});

describe('cpio newc reader', () => {
  it('reads back what the writer wrote (gzip or not)', () => {
    for (const bytes of [sample().finish(), sample().finishGzip()]) {
      const es = readCpio(bytes);
      const by = new Map(es.map((e) => [e.path, e]));
      expect(es.length).toBe(14);
      expect(new TextDecoder().decode(by.get('etc/hostname')?.data)).toBe('ppcbox\n');
      expect(by.get('bin/tool')?.perm).toBe(0o755);
      expect(by.get('bin/sh')?.type).toBe('symlink');
      expect(new TextDecoder().decode(by.get('bin/sh')?.data)).toBe('tool');
      expect(by.get('dev/null')).toMatchObject({ type: 'char', major: 1, minor: 3, perm: 0o666 });
      expect(by.get('etc')?.type).toBe('dir');
    }
  });

  it('reads an archive GNU cpio wrote', () => {
    const src = join(work, 'src');
    mkdirSync(join(src, 'd/e'), { recursive: true });
    writeFileSync(join(src, 'd/e/f.txt'), 'hello, cpio\n');
    writeFileSync(join(src, 'odd'), Buffer.alloc(5, 0xab));
    symlinkSync('d/e/f.txt', join(src, 'link'));
    const r = spawnSync('cpio', ['-o', '-H', 'newc', '--quiet'], { cwd: src, input: 'd\nd/e\nd/e/f.txt\nodd\nlink\n' });
    expect(r.status).toBe(0);
    const es = readCpio(new Uint8Array(r.stdout));
    expect(es.map((e) => `${e.type}:${e.path}`)).toEqual(['dir:d', 'dir:d/e', 'file:d/e/f.txt', 'file:odd', 'symlink:link']);
    expect(new TextDecoder().decode(es[2].data)).toBe('hello, cpio\n');
    expect([...es[3].data]).toEqual([0xab, 0xab, 0xab, 0xab, 0xab]);
    expect(new TextDecoder().decode(es[4].data)).toBe('d/e/f.txt');
  });

  it('rejects truncated and foreign data', () => {
    const a = sample().finish();
    expect(() => readCpio(a.subarray(0, a.length - 130))).toThrow(/truncated|trailer/);
    expect(() => readCpio(new TextEncoder().encode('070707' + '0'.repeat(200)))).toThrow(/bad magic/);
    expect(() => readCpio(new Uint8Array(0))).toThrow(/truncated/);
  });
});

describe('initramfs builder', () => {
  it('lays out the skeleton, /init and extra files', () => {
    const es = readCpio(
      buildInitramfs({
        init: '#!/bin/busybox sh\necho hi\n',
        files: [{ path: 'bin/busybox', data: new Uint8Array([1, 2, 3]), perm: 0o755 }],
      }),
    );
    const by = new Map(es.map((e) => [e.path, e]));
    expect(by.get('init')).toMatchObject({ type: 'file', perm: 0o755 });
    expect(by.get('dev/console')).toMatchObject({ type: 'char', major: 5, minor: 1 });
    expect(by.get('dev/null')).toMatchObject({ type: 'char', major: 1, minor: 3 });
    expect(by.get('bin/busybox')).toMatchObject({ type: 'file', perm: 0o755 });
    expect(by.get('tmp')?.perm).toBe(0o1777);
    for (const d of ['proc', 'sys', 'dev', 'bin', 'sbin', 'usr/bin', 'root']) expect(by.get(d)?.type).toBe('dir');
  });

  it('resolves module dependencies from modules.dep, dependencies first', () => {
    const dep = [
      'kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko',
      'kernel/drivers/virtio/virtio_ring.ko: kernel/drivers/virtio/virtio.ko',
      'kernel/drivers/virtio/virtio.ko:',
      'kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko',
      'kernel/drivers/virtio/virtio_pci_modern_dev.ko:',
      'kernel/fs/ext4/ext4.ko.xz: kernel/fs/mbcache.ko.xz',
      'kernel/fs/mbcache.ko.xz:',
    ].join('\n');
    expect(resolveModules(dep, ['virtio_pci', 'virtio-blk', 'ext4'])).toEqual([
      'kernel/drivers/virtio/virtio_pci_modern_dev.ko',
      'kernel/drivers/virtio/virtio.ko',
      'kernel/drivers/virtio/virtio_ring.ko',
      'kernel/drivers/virtio/virtio_pci.ko',
      'kernel/drivers/block/virtio_blk.ko',
      'kernel/fs/mbcache.ko.xz',
      'kernel/fs/ext4/ext4.ko.xz',
    ]);
    expect(() => resolveModules(dep, ['nosuch'])).toThrow(/not in modules.dep/);
  });
});
