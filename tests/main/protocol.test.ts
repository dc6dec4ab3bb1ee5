import { describe, expect, it } from 'vitest';
import { ConsoleTail, isFromVm, isToVm } from '../../emulator/host/vm-protocol.js';
import { decodeWire, encodeWire } from '../../main/wire.js';
import { enc } from './helpers.js';

describe('VM control protocol guards', () => {
  it('accepts the documented messages', () => {
    expect(isToVm({ t: 'start', config: { name: 'x', kernelPath: '/k', bootargs: '', memoryMiB: 1024, smp: 1, disks: [] } })).toBe(true);
    expect(isToVm({ t: 'input', data: enc('a') })).toBe(true);
    expect(isToVm({ t: 'shutdown', timeoutMs: 1000 })).toBe(true);
    for (const t of ['reset', 'pause', 'resume', 'force-off', 'status']) expect(isToVm({ t })).toBe(true);
    expect(isFromVm({ t: 'status', status: { state: 'running', uptimeMs: 1, mips: 2, retired: 3, forceOffAt: 0 } })).toBe(true);
    expect(isFromVm({ t: 'exit', kind: 'forced', message: 'x', lastLines: ['a'] })).toBe(true);
  });
  it('refuses malformed ones', () => {
    expect(isToVm({ t: 'start', config: { name: 'x', kernelPath: '/k', bootargs: '', memoryMiB: 0.5, smp: 1, disks: [] } })).toBe(false);
    expect(isToVm({ t: 'start', config: { name: 'x', kernelPath: '/k', bootargs: '', memoryMiB: 1024, smp: 1, disks: [{ path: 1 }] } })).toBe(false);
    expect(isToVm({ t: 'start', config: { name: 'x', kernelPath: '/k', bootargs: '', memoryMiB: 1024, smp: 1, icMode: 'xics', disks: [] } })).toBe(true);
    expect(isToVm({ t: 'start', config: { name: 'x', kernelPath: '/k', bootargs: '', memoryMiB: 1024, smp: 1, icMode: 'off', disks: [] } })).toBe(false);
    expect(isToVm({ t: 'input', data: 'a' })).toBe(false);
    expect(isToVm({ t: 'shutdown', timeoutMs: -1 })).toBe(false);
    expect(isToVm({ t: 'shutdown', timeoutMs: 1e9 })).toBe(false);
    expect(isToVm({ t: 'format-disk' })).toBe(false);
    expect(isToVm(null)).toBe(false);
    expect(isFromVm({ t: 'status', status: { state: 'dancing', uptimeMs: 1, mips: 2, retired: 3, forceOffAt: 0 } })).toBe(false);
    expect(isFromVm({ t: 'exit', kind: 'poweroff', message: 'x', lastLines: [1] })).toBe(false);
  });
});

describe('console tail', () => {
  it('keeps the last lines, without CRs and escape sequences', () => {
    const t = new ConsoleTail(3);
    t.push(enc('one\r\ntwo\r\n\x1b[1mthree\x1b[0m\r\nfour\r\nfi'));
    t.push(enc('ve'));
    expect(t.get()).toEqual(['three', 'four', 'five']);
  });
});

describe('wire encoding', () => {
  it('carries bytes (Uint8Array and Buffer) through JSON', () => {
    const v = decodeWire(encodeWire({ a: enc('hi'), b: Buffer.from([1, 2, 255]), c: [enc('')], n: 1 })) as Record<string, unknown>;
    expect(v.a).toEqual(enc('hi'));
    expect(v.b).toEqual(Uint8Array.of(1, 2, 255));
    expect(v.c).toEqual([new Uint8Array(0)]);
    expect(v.n).toBe(1);
    expect(decodeWire(encodeWire(Uint8Array.of(7)))).toEqual(Uint8Array.of(7));
  });
});
