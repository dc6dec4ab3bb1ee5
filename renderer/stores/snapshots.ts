// Snapshots as the renderer sees them, per VM: the list (name, time, size, thumbnail),
// files that could not be read, what is under way, and the last refusal (shown beside
// the panel). Save, Restore and Delete go through the app API; the list is re-read
// after each of them.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { SnapshotInfo, VmState } from '../../main/api-types.js';
import { bridge } from '../bridge.js';

export type SnapshotBusy = 'loading' | 'saving' | 'restoring' | 'deleting';

export const useSnapshots = defineStore('snapshots', () => {
  const lists = ref<Record<string, SnapshotInfo[]>>({});
  /** Snapshot files of the VM that could not be read, each with its reason. */
  const unreadable = ref<Record<string, string[]>>({});
  const busy = ref<Record<string, SnapshotBusy>>({});
  /** The last failed action per VM (the engine's message). */
  const errors = ref<Record<string, string>>({});
  /** The last success per VM ("Saved …", "Restored …"). */
  const notes = ref<Record<string, string>>({});

  async function load(id: string): Promise<void> {
    try {
      const r = await bridge().api.snapshots(id);
      lists.value[id] = r.snapshots;
      unreadable.value[id] = r.errors;
    } catch (e) {
      errors.value[id] = (e as Error).message;
    }
  }

  /** Run one action unless another is under way for this VM; refusals become the VM's error. */
  async function run(id: string, what: SnapshotBusy, f: () => Promise<string>): Promise<boolean> {
    if (busy.value[id] !== undefined) return false;
    busy.value[id] = what;
    delete errors.value[id];
    delete notes.value[id];
    try {
      notes.value[id] = await f();
      return true;
    } catch (e) {
      errors.value[id] = (e as Error).message;
      return false;
    } finally {
      delete busy.value[id];
      await load(id);
    }
  }

  /** One click: a snapshot with a default name. */
  function save(id: string): Promise<boolean> {
    return run(id, 'saving', async () => {
      const s = await bridge().api.saveSnapshot(id);
      return `Saved "${s.name}" (${formatSize(s.size)}).`;
    });
  }

  function restore(id: string, s: SnapshotInfo): Promise<boolean> {
    return run(id, 'restoring', async () => {
      const r = await bridge().api.restoreSnapshot(id, s.file);
      return r.mode === 'in-place' ? `Restored "${s.name}".` : `Starting from "${s.name}".`;
    });
  }

  function remove(id: string, s: SnapshotInfo): Promise<boolean> {
    return run(id, 'deleting', async () => {
      await bridge().api.deleteSnapshot(id, s.file);
      return `Deleted "${s.name}".`;
    });
  }

  return { lists, unreadable, busy, errors, notes, load, save, restore, remove };
});

/** Why the Snapshot button is disabled in this state, or null when it can save. */
export function saveBlocked(state: VmState): string | null {
  switch (state) {
    case 'running':
    case 'paused':
      return null;
    case 'starting':
      return 'The VM is starting; take a snapshot once it runs.';
    case 'shutting-down':
      return 'The VM is shutting down.';
    default:
      return 'Start the VM to take a snapshot (snapshots are of a running or paused VM).';
  }
}

/** Why Restore is disabled in this state, or null. Stopped VMs start from the snapshot. */
export function restoreBlocked(state: VmState): string | null {
  if (state === 'starting') return 'The VM is starting; wait until it runs.';
  if (state === 'shutting-down') return 'The VM is shutting down.';
  return null;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1048576).toFixed(1)} MiB`;
  return `${(bytes / 1073741824).toFixed(2)} GiB`;
}

export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
