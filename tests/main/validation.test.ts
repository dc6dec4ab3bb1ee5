import { describe, expect, it } from 'vitest';
import { validateConfig, validateCpus, validateIcMode, validateMemory, validateName, validateCmdline, validateNewVm, isVmId, type NewVmInput } from '../../main/api-types.js';

const good: NewVmInput = { name: 'Debian 1', machine: 'pseries', preset: 'standard', cpus: 1, memoryMiB: 1024, cmdline: 'console=hvc0 quiet', source: { kind: 'default' } };

describe('field validation', () => {
  it('names: required, at most 64 characters, no control characters or slashes', () => {
    expect(validateName('Debian 1')).toBeNull();
    expect(validateName('  ')).toMatch(/name/);
    expect(validateName('x'.repeat(64))).toBeNull();
    expect(validateName('x'.repeat(65))).toMatch(/64/);
    expect(validateName('a/b')).toMatch(/slash/);
    expect(validateName('a\\b')).toMatch(/slash/);
    expect(validateName('a\nb')).toMatch(/control/);
    expect(validateName(42)).toMatch(/text/);
  });
  it('CPUs 1..8, whole numbers', () => {
    expect(validateCpus(1)).toBeNull();
    expect(validateCpus(8)).toBeNull();
    for (const bad of [0, 9, -1, 1.5, Number.NaN, '2', null]) expect(validateCpus(bad)).not.toBeNull();
  });
  it('memory 256..3840 MiB, whole numbers', () => {
    expect(validateMemory(256)).toBeNull();
    expect(validateMemory(3840)).toBeNull();
    for (const bad of [255, 3841, 0, 1024.5, Number.POSITIVE_INFINITY, '1024']) expect(validateMemory(bad)).not.toBeNull();
  });
  it('command line: text without control characters, bounded', () => {
    expect(validateCmdline('')).toBeNull();
    expect(validateCmdline('console=hvc0')).toBeNull();
    expect(validateCmdline('a\tb')).not.toBeNull();
    expect(validateCmdline('x'.repeat(1025))).not.toBeNull();
  });
  it('interrupt controller mode: dual, xive or xics', () => {
    for (const m of ['dual', 'xive', 'xics']) expect(validateIcMode(m)).toBeNull();
    for (const bad of ['', 'XIVE', 'both', 'auto', null, undefined, 1]) expect(validateIcMode(bad)).toMatch(/dual, XIVE or XICS/);
  });
  it('VM ids are safe folder names', () => {
    expect(isVmId('vm-0123456789')).toBe(true);
    for (const bad of ['', '../x', 'A', 'a/b', '.', 'x'.repeat(65), 3]) expect(isVmId(bad)).toBe(false);
  });
});

describe('wizard submission', () => {
  it('accepts a good one', () => {
    expect(validateNewVm(good)).toEqual({});
  });
  it('reports each bad field by name', () => {
    const e = validateNewVm({ ...good, name: '', cpus: 0, memoryMiB: 10, preset: 'huge', cmdline: 'a\u0001' });
    expect(Object.keys(e).sort()).toEqual(['cmdline', 'cpus', 'memoryMiB', 'name', 'preset']);
  });
  it('checks the source', () => {
    expect(validateNewVm({ ...good, source: { kind: 'kernel', kernel: '' } })).toHaveProperty('kernel');
    expect(validateNewVm({ ...good, source: { kind: 'disk', image: '' } })).toHaveProperty('image');
    expect(validateNewVm({ ...good, source: { kind: 'floppy' } })).toHaveProperty('source');
    expect(validateNewVm({ ...good, source: null })).toHaveProperty('source');
    expect(validateNewVm({ ...good, machine: 'g5' })).toHaveProperty('machine');
    expect(validateNewVm('nope')).toHaveProperty('form');
  });
  it('checks the interrupt controller mode, absent meaning dual', () => {
    for (const icMode of ['dual', 'xive', 'xics'] as const) expect(validateNewVm({ ...good, icMode })).toEqual({});
    expect(validateNewVm({ ...good, icMode: 'xive=off' })).toEqual({ icMode: 'Choose dual, XIVE or XICS.' });
    expect(validateNewVm({ ...good, icMode: null })).toHaveProperty('icMode');
  });
});

describe('stored config validation', () => {
  const cfg = {
    format: 1, id: 'vm-abc', name: 'x', machine: 'pseries', preset: 'standard', cpus: 1, memoryMiB: 1024, cmdline: '',
    source: { kind: 'default' }, disks: [{ path: '/d.img', format: 'raw', storage: 'in-place', name: 'd.img' }], createdAt: '2026-01-01',
  };
  it('accepts a good config', () => {
    expect(validateConfig(cfg)).toEqual([]);
  });
  it('lists every problem', () => {
    const p = validateConfig({ ...cfg, format: 2, cpus: 99, disks: [{ path: '/d', format: 'vmdk' }] });
    expect(p.join('\n')).toMatch(/format/);
    expect(p.join('\n')).toMatch(/cpus/);
    expect(p.join('\n')).toMatch(/disks/);
    expect(validateConfig([])).toEqual(['not a JSON object']);
    expect(validateConfig({ ...cfg, source: { kind: 'disk', image: { path: '' } } }).join()).toMatch(/disk image/);
  });
  it('icMode: absent (configs from before it existed) or one of dual, xive, xics', () => {
    for (const icMode of ['dual', 'xive', 'xics']) expect(validateConfig({ ...cfg, icMode })).toEqual([]);
    expect(validateConfig({ ...cfg, icMode: 'xive-only' })).toEqual(['icMode: unknown "xive-only"']);
    expect(validateConfig({ ...cfg, icMode: 2 })).toEqual(['icMode: unknown 2']);
  });
});
