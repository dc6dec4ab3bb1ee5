import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeBytes, probeFile } from '../../main/disk-probe.js';

describe('disk image detection by content', () => {
  it('qcow2 by its magic, whatever the size', () => {
    expect(probeBytes(Uint8Array.of(0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3), 1000)).toEqual({ format: 'qcow2' });
  });
  it('ISO 9660 by CD001 at 0x8001', () => {
    const b = new Uint8Array(0x8006);
    b.set([0x43, 0x44, 0x30, 0x30, 0x31], 0x8001);
    expect(probeBytes(b, 0x8800)).toEqual({ format: 'iso' });
    b[0x8001] = 0x44;
    expect(probeBytes(b, 0x8801).format).toBeNull(); // not sector-sized, not ISO
    expect(probeBytes(b, 0x8800).format).toBe('raw');
  });
  it('raw for whole sectors, refusal otherwise', () => {
    expect(probeBytes(new Uint8Array(512), 512)).toEqual({ format: 'raw' });
    const t = probeBytes(new TextEncoder().encode('hello'), 5);
    expect(t.format).toBeNull();
    expect('refusal' in t && t.refusal).toMatch(/not a disk image/);
    expect(probeBytes(new Uint8Array(0), 0)).toEqual({ format: null, refusal: 'the file is empty' });
  });
  it('names formats the disk backends do not read', () => {
    const vmdk = new TextEncoder().encode('KDMV'.padEnd(512, '\0'));
    const r = probeBytes(vmdk, 512);
    expect(r.format).toBeNull();
    expect('refusal' in r && r.refusal).toMatch(/VMDK image, which PPCBox does not read/);
    const qcow1 = Uint8Array.of(0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 1);
    expect('refusal' in probeBytes(qcow1, 512) && probeBytes(qcow1, 512)).toBeTruthy();
  });
  it('reads files', () => {
    const d = mkdtempSync(join(tmpdir(), 'ppcbox-probe-'));
    writeFileSync(join(d, 'a.img'), new Uint8Array(4096));
    writeFileSync(join(d, 'a.txt'), 'text\n');
    expect(probeFile(join(d, 'a.img')).format).toBe('raw');
    expect(probeFile(join(d, 'a.txt')).format).toBeNull();
  });
});
