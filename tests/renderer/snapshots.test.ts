import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { SnapshotInfo } from '../../main/api-types.js';
import { setBridge } from '../../renderer/bridge.js';
import { formatSize, restoreBlocked, saveBlocked, useSnapshots } from '../../renderer/stores/snapshots.js';
import { fakeBridge, type FakeBridge } from './fake-bridge.js';

let b: FakeBridge;

const snap = (file: string, name: string): SnapshotInfo => ({ file, name, description: '', createdMs: 1_700_000_000_000, size: 3 * 1048576, thumbnail: '/ # ' });

beforeEach(() => {
  setActivePinia(createPinia());
  b = fakeBridge();
  setBridge(b);
});

describe('snapshots store', () => {
  it('loads the list and the unreadable files per VM', async () => {
    b.answers.snapshots = () => ({ snapshots: [snap('s1.ppcsnap', 'one')], errors: ['snapshot /x/bad.ppcsnap: truncated'] });
    const s = useSnapshots();
    await s.load('vm-a');
    expect(s.lists['vm-a'].map((x) => x.name)).toEqual(['one']);
    expect(s.unreadable['vm-a']).toEqual(['snapshot /x/bad.ppcsnap: truncated']);
    expect(s.lists['vm-b']).toBeUndefined();
  });

  it('Snapshot: saves, says so and re-reads the list', async () => {
    const list: SnapshotInfo[] = [];
    b.answers.saveSnapshot = () => {
      const x = snap('s1.ppcsnap', 'Snapshot 2026-11-21 08:10:00');
      list.push(x);
      return x;
    };
    b.answers.snapshots = () => ({ snapshots: [...list], errors: [] });
    const s = useSnapshots();
    expect(await s.save('vm-a')).toBe(true);
    expect(s.notes['vm-a']).toBe('Saved "Snapshot 2026-11-21 08:10:00" (3.0 MiB).');
    expect(s.errors['vm-a']).toBeUndefined();
    expect(s.busy['vm-a']).toBeUndefined();
    expect(s.lists['vm-a']).toHaveLength(1);
    expect(b.calls.map((c) => c.method)).toEqual(['saveSnapshot', 'snapshots']);
    expect(b.calls[0].args).toEqual(['vm-a']);
  });

  it("the engine's refusal is shown for that VM; the next success clears it", async () => {
    b.answers.snapshots = () => ({ snapshots: [], errors: [] });
    b.answers.saveSnapshot = () => {
      throw new Error('Snapshot not saved: snapshot /x.ppcsnap: cannot save: drive 0 (/d/first.img, raw) cannot take snapshots yet');
    };
    const s = useSnapshots();
    expect(await s.save('vm-a')).toBe(false);
    expect(s.errors['vm-a']).toMatch(/drive 0 .*raw.* cannot take snapshots yet/);
    expect(s.errors['vm-b']).toBeUndefined();
    b.answers.saveSnapshot = () => snap('s2.ppcsnap', 'two');
    expect(await s.save('vm-a')).toBe(true);
    expect(s.errors['vm-a']).toBeUndefined();
  });

  it('Restore passes the file; the wording follows in place or started; Delete re-reads', async () => {
    b.answers.snapshots = () => ({ snapshots: [], errors: [] });
    b.answers.restoreSnapshot = () => ({ mode: 'in-place' });
    const s = useSnapshots();
    const x = snap('s1.ppcsnap', 'one');
    expect(await s.restore('vm-a', x)).toBe(true);
    expect(s.notes['vm-a']).toBe('Restored "one".');
    b.answers.restoreSnapshot = () => ({ mode: 'started' });
    await s.restore('vm-a', x);
    expect(s.notes['vm-a']).toBe('Starting from "one".');
    expect(await s.remove('vm-a', x)).toBe(true);
    expect(s.notes['vm-a']).toBe('Deleted "one".');
    expect(b.calls.filter((c) => c.method !== 'snapshots').map((c) => [c.method, ...c.args])).toEqual([
      ['restoreSnapshot', 'vm-a', 's1.ppcsnap'],
      ['restoreSnapshot', 'vm-a', 's1.ppcsnap'],
      ['deleteSnapshot', 'vm-a', 's1.ppcsnap'],
    ]);
  });

  it('one action at a time per VM', async () => {
    let release: (v: SnapshotInfo) => void = () => {};
    b.answers.saveSnapshot = () => new Promise<SnapshotInfo>((r) => (release = r));
    b.answers.snapshots = () => ({ snapshots: [], errors: [] });
    const s = useSnapshots();
    const first = s.save('vm-a');
    expect(s.busy['vm-a']).toBe('saving');
    expect(await s.save('vm-a')).toBe(false);
    expect(await s.restore('vm-a', snap('s.ppcsnap', 's'))).toBe(false);
    release(snap('s.ppcsnap', 's'));
    expect(await first).toBe(true);
    expect(b.calls.filter((c) => c.method === 'saveSnapshot')).toHaveLength(1);
  });

  it('button states: Snapshot only while running or paused, with a reason otherwise', () => {
    expect(saveBlocked('running')).toBeNull();
    expect(saveBlocked('paused')).toBeNull();
    expect(saveBlocked('stopped')).toMatch(/Start the VM/);
    expect(saveBlocked('crashed')).toMatch(/Start the VM/);
    expect(saveBlocked('starting')).toMatch(/starting/);
    expect(saveBlocked('shutting-down')).toMatch(/shutting down/);
    expect(restoreBlocked('stopped')).toBeNull();
    expect(restoreBlocked('running')).toBeNull();
    expect(restoreBlocked('starting')).toMatch(/starting/);
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(3 * 1048576)).toBe('3.0 MiB');
  });
});
