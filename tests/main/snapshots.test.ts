// Snapshots through the app API (fake VM process): argument checks, state checks, the
// save/restore requests the VM process gets, their answers and failures, list and delete.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/app-core.js';
import { isSnapshotFile, type NewVmInput } from '../../main/api-types.js';
import { SnapshotWriter, jsonBytes, type SnapshotMeta } from '../../emulator/host/snapshot-file.js';
import { mkdir } from 'node:fs/promises';
import type { ToVm } from '../../emulator/host/vm-protocol.js';
import { fakeGuestDir, fakeLauncher, type FakeChild } from './helpers.js';

const input: NewVmInput = { name: 'Debian 1', machine: 'pseries', preset: 'standard', cpus: 1, memoryMiB: 1024, cmdline: 'console=hvc0 quiet', source: { kind: 'default' } };

let dir: string;
let core: AppCore;
let children: FakeChild[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ppcbox-snap-'));
  const f = fakeLauncher();
  children = f.children;
  core = new AppCore({ userData: join(dir, 'home'), launcher: f.launch, guestDir: fakeGuestDir(join(dir, 'guest')), shutdownTimeoutMs: 1000 });
});

function running(state: 'running' | 'paused' | 'starting' = 'running'): { id: string; child: FakeChild } {
  const cfg = core.create(input);
  core.start(cfg.id);
  const child = children[children.length - 1];
  child.say({ t: 'hello', pid: 1 });
  child.say({ t: 'status', status: { state, uptimeMs: 5, mips: 50, retired: 1, forceOffAt: 0 } });
  return { id: cfg.id, child };
}

/** A minimal snapshot file as the engine writes it (header + META), enough for listings. */
async function writeSnapshot(path: string, name: string, createdMs = Date.now()): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const meta: SnapshotMeta = {
    name,
    description: '',
    createdMs,
    config: { ramBytes: 1 << 30, nvcpus: 1, icMode: 'dual', kernelName: 'vmlinux', kernel: { size: 6, crc32: 0 }, initrd: null, bootargs: '', disks: [] },
    thumbnail: 'line 1\n/ # ',
    ramUsedBytes: 4096,
  };
  const w = await SnapshotWriter.create(path);
  await w.section('META', jsonBytes(meta));
  await w.section('DISK', jsonBytes({ id: 'x', drives: [] }));
  await w.finish();
}

function lastSent<T extends ToVm['t']>(child: FakeChild, t: T): Extract<ToVm, { t: T }> {
  const m = [...child.sent].reverse().find((x) => x.t === t);
  if (m === undefined) throw new Error(`no ${t} sent`);
  return m as Extract<ToVm, { t: T }>;
}

/** Let the API's awaits run until the child has been asked. */
async function until(f: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !f(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(f()).toBe(true);
}

describe('snapshot API argument checks', () => {
  it('file names: only plain .ppcsnap names in the VM folder', () => {
    for (const bad of ['../x.ppcsnap', 'a/b.ppcsnap', '.hidden.ppcsnap', 'x.ppcsnap/..', 'x.txt', '', 42, null, `${'a'.repeat(200)}.ppcsnap`, '..ppcsnap', 'a\\b.ppcsnap']) {
      expect(isSnapshotFile(bad), String(bad)).toBe(false);
      expect(() => core.dispatch('restoreSnapshot', ['vm-a', bad])).toThrow(/not a snapshot file name/);
      expect(() => core.dispatch('deleteSnapshot', ['vm-a', bad])).toThrow(/not a snapshot file name/);
    }
    expect(isSnapshotFile('snapshot-20261121-081000-ab12.ppcsnap')).toBe(true);
    expect(() => core.dispatch('saveSnapshot', [])).toThrow(/expected 1/);
    expect(() => core.dispatch('saveSnapshot', ['../etc'])).toThrow(/not a VM id/);
    expect(() => core.dispatch('snapshots', ['vm-a', 'x'])).toThrow(/expected 1/);
    expect(() => core.dispatch('restoreSnapshot', ['vm-a'])).toThrow(/expected 2/);
  });

  it('unknown VMs and missing files are refused', async () => {
    await expect(core.dispatch('snapshots', ['vm-nothere']) as Promise<unknown>).rejects.toThrow(/no such VM/);
    const cfg = core.create(input);
    await expect(core.dispatch('restoreSnapshot', [cfg.id, 'snapshot-x.ppcsnap']) as Promise<unknown>).rejects.toThrow(/No snapshot snapshot-x\.ppcsnap/);
    await expect(core.deleteSnapshot(cfg.id, 'snapshot-x.ppcsnap')).rejects.toThrow(/No snapshot/);
  });
});

describe('snapshot save', () => {
  it('is refused while stopped or starting', async () => {
    const cfg = core.create(input);
    await expect(core.saveSnapshot(cfg.id)).rejects.toThrow(/running or paused/);
    const { id } = running('starting');
    await expect(core.saveSnapshot(id)).rejects.toThrow(/running or paused/);
  });

  it('asks the VM process to save into the VM folder with a default name; lists it', async () => {
    const { id, child } = running('paused');
    const p = core.saveSnapshot(id);
    await until(() => child.sent.some((m) => m.t === 'save'));
    const m = lastSent(child, 'save');
    expect(dirname(m.path)).toBe(join(core.library.folder(id), 'snapshots'));
    expect(isSnapshotFile(basename(m.path))).toBe(true);
    expect(m.name).toMatch(/^Snapshot \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await writeSnapshot(m.path, m.name);
    child.say({ t: 'snapshot-done', req: m.req, ok: true, message: 'saved' });
    const info = await p;
    expect(info).toMatchObject({ file: basename(m.path), name: m.name, thumbnail: 'line 1\n/ # ' });
    expect(info.size).toBeGreaterThan(0);
    const l = await core.snapshots(id);
    expect(l.snapshots.map((s) => s.file)).toEqual([basename(m.path)]);
    expect(l.errors).toEqual([]);
  });

  it("the engine's refusal is the API's message; one action at a time per VM", async () => {
    const { id, child } = running();
    const p = core.saveSnapshot(id);
    await until(() => child.sent.some((m) => m.t === 'save'));
    await expect(core.saveSnapshot(id)).rejects.toThrow(/being saved, restored or deleted/);
    const m = lastSent(child, 'save');
    child.say({ t: 'snapshot-done', req: m.req + 1000, ok: true, message: 'not this one' });
    child.say({ t: 'snapshot-done', req: m.req, ok: false, message: `snapshot ${m.path}: cannot save: drive 0 (/x/first.img, raw) cannot take snapshots yet, so its content would not match the saved RAM` });
    await expect(p).rejects.toThrow(/Snapshot not saved: .*drive 0 \(\/x\/first\.img, raw\) cannot take snapshots yet/);
    expect((await core.snapshots(id)).snapshots).toEqual([]);
  });

  it('a VM process that dies during a save fails the request', async () => {
    const { id, child } = running();
    const p = core.saveSnapshot(id);
    await until(() => child.sent.some((m) => m.t === 'save'));
    child.die(null, 'SIGKILL');
    await expect(p).rejects.toThrow(/the VM stopped before the snapshot finished/);
  });
});

describe('snapshot restore and delete', () => {
  it('a running VM restores in place', async () => {
    const { id, child } = running();
    const file = 'snapshot-20261121-080000-abcd.ppcsnap';
    await writeSnapshot(join(core.snapshotDir(id), file), 'one');
    const p = core.restoreSnapshot(id, file);
    await until(() => child.sent.some((m) => m.t === 'restore'));
    const m = lastSent(child, 'restore');
    expect(m.path).toBe(join(core.snapshotDir(id), file));
    child.say({ t: 'snapshot-done', req: m.req, ok: true, message: 'restored' });
    expect(await p).toEqual({ mode: 'in-place' });
    expect(children).toHaveLength(1);
  });

  it('a refused restore says why', async () => {
    const { id, child } = running();
    const file = 'snapshot-20261121-080000-abcd.ppcsnap';
    await writeSnapshot(join(core.snapshotDir(id), file), 'one');
    const p = core.restoreSnapshot(id, file);
    await until(() => child.sent.some((m) => m.t === 'restore'));
    child.say({ t: 'snapshot-done', req: lastSent(child, 'restore').req, ok: false, message: 'snapshot x: saved for a different machine configuration' });
    await expect(p).rejects.toThrow(/Not restored: .*different machine configuration/);
  });

  it('a stopped VM starts from the snapshot', async () => {
    const cfg = core.create(input);
    const file = 'snapshot-20261121-080000-abcd.ppcsnap';
    await writeSnapshot(join(core.snapshotDir(cfg.id), file), 'one');
    expect(await core.restoreSnapshot(cfg.id, file)).toEqual({ mode: 'started' });
    const child = children[0];
    child.say({ t: 'hello', pid: 1 });
    expect(lastSent(child, 'start').config.restorePath).toBe(join(core.snapshotDir(cfg.id), file));
    expect(core.supervisor.isRunning(cfg.id)).toBe(true);
  });

  it('delete removes the file; the others stay; newest first', async () => {
    const cfg = core.create(input);
    const dirS = core.snapshotDir(cfg.id);
    await writeSnapshot(join(dirS, 'snapshot-a.ppcsnap'), 'a', 1000);
    await writeSnapshot(join(dirS, 'snapshot-b.ppcsnap'), 'b', 3000);
    await writeSnapshot(join(dirS, 'snapshot-c.ppcsnap'), 'c', 2000);
    expect((await core.snapshots(cfg.id)).snapshots.map((s) => s.name)).toEqual(['b', 'c', 'a']);
    await core.dispatch('deleteSnapshot', [cfg.id, 'snapshot-c.ppcsnap']);
    expect(readdirSync(dirS).sort()).toEqual(['snapshot-a.ppcsnap', 'snapshot-b.ppcsnap']);
    expect((await core.snapshots(cfg.id)).snapshots.map((s) => s.name)).toEqual(['b', 'a']);
    expect(existsSync(join(dirS, 'snapshot-c.ppcsnap'))).toBe(false);
  });

  it('a running VM deletes through its process (it holds the drives); its refusal is shown', async () => {
    const { id, child } = running();
    const file = 'snapshot-d.ppcsnap';
    await writeSnapshot(join(core.snapshotDir(id), file), 'd');
    const p = core.deleteSnapshot(id, file);
    await until(() => child.sent.some((m) => m.t === 'delete-snapshot'));
    const m = lastSent(child, 'delete-snapshot');
    expect(m.path).toBe(join(core.snapshotDir(id), file));
    child.say({ t: 'snapshot-done', req: m.req, ok: false, message: 'snapshot x: cannot delete: drive 0 busy' });
    await expect(p).rejects.toThrow(/Not deleted: .*drive 0 busy/);
    const { id: id2, child: c2 } = running('starting');
    await writeSnapshot(join(core.snapshotDir(id2), file), 'd');
    await expect(core.deleteSnapshot(id2, file)).rejects.toThrow(/while the VM is starting/);
    expect(c2.sent.some((x) => x.t === 'delete-snapshot')).toBe(false);
  });

  it('an unreadable file is listed with its reason', async () => {
    const cfg = core.create(input);
    await mkdir(core.snapshotDir(cfg.id), { recursive: true });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(core.snapshotDir(cfg.id), 'snapshot-bad.ppcsnap'), 'not a snapshot');
    const l = await core.snapshots(cfg.id);
    expect(l.snapshots).toEqual([]);
    expect(l.errors[0]).toMatch(/snapshot-bad\.ppcsnap/);
  });
});

describe('snapshot messages of the VM protocol', () => {
  it('accepts save, restore, their answer and a start from a snapshot; refuses malformed ones', async () => {
    const { isFromVm, isToVm } = await import('../../emulator/host/vm-protocol.js');
    const boot = { name: 'x', kernelPath: '/k', bootargs: '', memoryMiB: 1024, smp: 1, disks: [] };
    expect(isToVm({ t: 'save', req: 1, path: '/s/a.ppcsnap', name: 'n' })).toBe(true);
    expect(isToVm({ t: 'restore', req: 2, path: '/s/a.ppcsnap' })).toBe(true);
    expect(isToVm({ t: 'delete-snapshot', req: 3, path: '/s/a.ppcsnap' })).toBe(true);
    expect(isToVm({ t: 'delete-snapshot', req: 3 })).toBe(false);
    expect(isToVm({ t: 'start', config: { ...boot, restorePath: '/s/a.ppcsnap' } })).toBe(true);
    expect(isFromVm({ t: 'snapshot-done', req: 1, ok: false, message: 'why' })).toBe(true);
    expect(isToVm({ t: 'save', req: 1, path: '', name: 'n' })).toBe(false);
    expect(isToVm({ t: 'save', req: -1, path: '/s', name: 'n' })).toBe(false);
    expect(isToVm({ t: 'save', req: 1, path: '/s' })).toBe(false);
    expect(isToVm({ t: 'restore', req: 1.5, path: '/s' })).toBe(false);
    expect(isToVm({ t: 'restore', req: 1 })).toBe(false);
    expect(isToVm({ t: 'start', config: { ...boot, restorePath: 7 } })).toBe(false);
    expect(isToVm({ t: 'start', config: { ...boot, restorePath: '' } })).toBe(false);
    expect(isFromVm({ t: 'snapshot-done', req: 1, ok: 'yes', message: 'why' })).toBe(false);
    expect(isFromVm({ t: 'snapshot-done', req: 1, ok: true })).toBe(false);
  });
});
