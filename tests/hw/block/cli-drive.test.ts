// `--drive file=PATH[,format=raw|qcow2|iso][,readonly=on]`, repeatable, in order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDrives, parseDrive, parseRunArgs, UsageError } from '../../../emulator/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ppcbox-drive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--drive', () => {
  it('parses file, format, readonly; ",," is a comma in the name', () => {
    expect(parseDrive('file=/a/b.img')).toEqual({ file: '/a/b.img', format: undefined, readOnly: false });
    expect(parseDrive('file=x.qcow2,format=qcow2,readonly=on')).toEqual({ file: 'x.qcow2', format: 'qcow2', readOnly: true });
    expect(parseDrive('format=iso,file=a,,b.iso')).toEqual({ file: 'a,b.iso', format: 'iso', readOnly: false });
    expect(parseDrive('file=x,readonly=off').readOnly).toBe(false);
  });

  it('refuses bad specs with a usage error naming the problem', () => {
    expect(() => parseDrive('format=raw')).toThrow(/needs file=/);
    expect(() => parseDrive('file=')).toThrow(/needs a path/);
    expect(() => parseDrive('file=x,format=vmdk')).toThrow(/vmdk/);
    expect(() => parseDrive('file=x,readonly=yes')).toThrow(/on or off/);
    expect(() => parseDrive('file=x,cache=none')).toThrow(/unknown option "cache"/);
    expect(() => parseDrive('file=x,cache=none')).toThrow(UsageError);
  });

  it('keeps the order of repeated --drive options', () => {
    const o = parseRunArgs(['--drive', 'file=a', '--drive=file=b,readonly=on', '--memory', '512']);
    expect(o.drives?.map((d) => d.file)).toEqual(['a', 'b']);
    expect(o.drives?.[1].readOnly).toBe(true);
  });

  it('opens all drives or none; a second writer of the same image is refused clearly', async () => {
    const a = join(dir, 'a.raw');
    writeFileSync(a, Buffer.alloc(1 << 20));
    const opened = await openDrives([{ file: a, readOnly: false }]);
    try {
      await expect(openDrives([{ file: a, readOnly: false }])).rejects.toThrow(/in use/);
      await expect(openDrives([{ file: join(dir, 'missing.raw'), readOnly: false }])).rejects.toThrow(/no such file/);
    } finally {
      await Promise.all(opened.map((b) => b.close()));
    }
    const again = await openDrives([{ file: a, readOnly: false }, { file: a, readOnly: true, format: 'raw' }]).catch((e: Error) => e);
    // Reader and writer of one image in the same VM: refused, and nothing stays locked.
    expect(again).toBeInstanceOf(UsageError);
    const last = await openDrives([{ file: a, readOnly: false }]);
    await Promise.all(last.map((b) => b.close()));
  });
});
