import { mkdirSync, mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Library, writeFileAtomic } from '../../main/library.js';
import type { VmConfig } from '../../main/api-types.js';

function cfg(id: string, over: Partial<VmConfig> = {}): VmConfig {
  return {
    format: 1, id, name: `VM ${id}`, machine: 'pseries', preset: 'standard', cpus: 1, memoryMiB: 1024, cmdline: 'console=hvc0',
    source: { kind: 'default' }, disks: [], createdAt: new Date(2026, 0, 1).toISOString(), ...over,
  };
}

function lib(): Library {
  return new Library(mkdtempSync(join(tmpdir(), 'ppcbox-lib-')));
}

describe('VM library', () => {
  it('saves and loads configs, one folder each', () => {
    const l = lib();
    l.save(cfg('vm-a'));
    l.save(cfg('vm-b', { name: 'Second', createdAt: new Date(2026, 0, 2).toISOString() }));
    const { vms, problems } = l.load();
    expect(problems).toEqual([]);
    expect(vms.map((v) => v.id)).toEqual(['vm-a', 'vm-b']);
    expect(readdirSync(l.vmsDir).sort()).toEqual(['vm-a', 'vm-b']);
    expect(l.get('vm-b')?.name).toBe('Second');
    expect(l.get('vm-zzz')).toBeUndefined();
    expect(l.get('../etc')).toBeUndefined();
  });

  it('reports corrupt configs with the folder and the reason, and keeps the good ones', () => {
    const l = lib();
    l.save(cfg('vm-good'));
    const bad = (name: string, text: string | null): void => {
      mkdirSync(join(l.vmsDir, name));
      if (text !== null) writeFileSync(join(l.vmsDir, name, 'vm.json'), text);
    };
    bad('vm-json', '{ not json');
    bad('vm-empty', '');
    bad('vm-missing', null);
    bad('vm-fields', JSON.stringify({ ...cfg('vm-fields'), cpus: 1000, memoryMiB: 'lots' }));
    bad('vm-other', JSON.stringify(cfg('vm-elsewhere')));
    bad('vm-array', '[]');
    bad('vm-format', JSON.stringify({ ...cfg('vm-format'), format: 99 }));
    writeFileSync(join(l.vmsDir, 'stray-file.txt'), 'ignored');
    const { vms, problems } = l.load();
    expect(vms.map((v) => v.id)).toEqual(['vm-good']);
    const by = Object.fromEntries(problems.map((p) => [p.folder.split('/').pop(), p.message]));
    expect(by['vm-json']).toMatch(/not valid JSON/);
    expect(by['vm-empty']).toMatch(/not valid JSON/);
    expect(by['vm-missing']).toMatch(/missing/);
    expect(by['vm-fields']).toMatch(/cpus.*memoryMiB|memoryMiB.*cpus/s);
    expect(by['vm-other']).toMatch(/does not match its folder/);
    expect(by['vm-array']).toMatch(/not a JSON object/);
    expect(by['vm-format']).toMatch(/unknown format 99/);
    expect(problems).toHaveLength(7);
  });

  it('refuses to save an invalid config', () => {
    expect(() => lib().save(cfg('vm-x', { cpus: 0 }))).toThrow(/cpus/);
    expect(() => lib().save(cfg('../escape'))).toThrow();
  });

  it('new ids are unused, safe folder names', () => {
    const l = lib();
    const ids = new Set(Array.from({ length: 50 }, () => l.newId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^vm-[0-9a-f]{10}$/);
  });

  it('writes atomically (no temp file left) and removes whole folders', () => {
    const l = lib();
    l.save(cfg('vm-a'));
    l.save(cfg('vm-a', { name: 'renamed' }));
    expect(readdirSync(join(l.vmsDir, 'vm-a'))).toEqual(['vm.json']);
    expect(JSON.parse(readFileSync(join(l.vmsDir, 'vm-a', 'vm.json'), 'utf8')).name).toBe('renamed');
    l.remove('vm-a');
    expect(readdirSync(l.vmsDir)).toEqual([]);
    const f = join(l.root, 'x.bin');
    writeFileAtomic(f, Uint8Array.of(1, 2, 3));
    expect([...readFileSync(f)]).toEqual([1, 2, 3]);
  });
});
