// The VM library as the renderer sees it: configs, each VM's runtime state, problems
// found while loading, and the actions of the toolbar and of drag and drop.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ApiEvent, FileGrant, LibraryListing, LibraryProblem, VmRuntime, VmSummary } from '../../main/api-types.js';
import { bridge } from '../bridge.js';

export interface Notice {
  kind: 'info' | 'error';
  text: string;
}

const MAX_LOG = 50;

export const useLibrary = defineStore('library', () => {
  const vms = ref<VmSummary[]>([]);
  const problems = ref<LibraryProblem[]>([]);
  const defaultGuest = ref<LibraryListing['defaultGuest']>({ available: false, description: '' });
  const selectedId = ref<string | null>(null);
  const connected = ref(true);
  const loaded = ref(false);
  /** Per-VM messages (drop results, refusals, action errors). */
  const notices = ref<Record<string, Notice>>({});
  /** Library-level message (a refused drop on the list). */
  const libraryNotice = ref<Notice | null>(null);
  const logs = ref<Record<string, string[]>>({});

  const selected = computed(() => vms.value.find((v) => v.config.id === selectedId.value) ?? null);

  function applyListing(l: LibraryListing): void {
    vms.value = l.vms;
    problems.value = l.problems;
    defaultGuest.value = l.defaultGuest;
    loaded.value = true;
    if (selectedId.value !== null && !l.vms.some((v) => v.config.id === selectedId.value)) selectedId.value = null;
  }

  function setRuntime(id: string, rt: VmRuntime): void {
    const v = vms.value.find((x) => x.config.id === id);
    if (v !== undefined) v.runtime = rt;
  }

  function applyEvent(e: ApiEvent): void {
    switch (e.event) {
      case 'library':
        applyListing(e.listing);
        break;
      case 'runtime':
        setRuntime(e.id, e.runtime);
        break;
      case 'log': {
        const l = (logs.value[e.id] ??= []);
        l.push(e.line);
        if (l.length > MAX_LOG) l.shift();
        break;
      }
      case 'console':
        break;
    }
  }

  async function refresh(): Promise<void> {
    applyListing(await bridge().api.list());
  }

  function select(id: string | null): void {
    selectedId.value = id;
  }

  function notify(id: string, kind: Notice['kind'], text: string): void {
    notices.value[id] = { kind, text };
  }

  /** Run a toolbar action; a refusal becomes the VM's notice instead of an exception. */
  async function act(id: string, what: 'start' | 'reset' | 'pause' | 'resume' | 'shutdown' | 'forceOff' | 'remove'): Promise<boolean> {
    delete notices.value[id];
    try {
      await bridge().api[what](id);
      return true;
    } catch (e) {
      notify(id, 'error', (e as Error).message);
      return false;
    }
  }

  /**
   * Files dropped on a VM: each disk image is attached (at the next start if running),
   * anything else is refused with the reason.
   */
  async function dropOnVm(id: string, files: File[], storage: 'in-place' | 'copied' = 'copied'): Promise<void> {
    const lines: string[] = [];
    let error = false;
    for (const f of files) {
      try {
        const g = await bridge().grantFile(f);
        if (g.format === null) {
          error = true;
          lines.push(`${g.name} was not attached: ${g.refusal ?? 'it is not a disk image'}.`);
          continue;
        }
        const r = await bridge().api.attachDisk(id, g.id, storage);
        lines.push(`Attached ${g.name} (${g.format})${r.appliesAtNextStart ? ' — the VM is running: this applies at its next start' : ''}.`);
      } catch (e) {
        error = true;
        lines.push(`${f.name}: ${(e as Error).message}`);
      }
    }
    if (lines.length > 0) notify(id, error ? 'error' : 'info', lines.join(' '));
  }

  /** A file dropped on the library: a disk image opens the wizard with it; else refused. */
  async function dropOnLibrary(files: File[]): Promise<FileGrant | null> {
    libraryNotice.value = null;
    const f = files[0];
    if (f === undefined) return null;
    try {
      const g = await bridge().grantFile(f);
      if (g.format === null) {
        libraryNotice.value = { kind: 'error', text: `${g.name} is not a disk image: ${g.refusal ?? 'unknown format'}.` };
        return null;
      }
      return g;
    } catch (e) {
      libraryNotice.value = { kind: 'error', text: (e as Error).message };
      return null;
    }
  }

  /** Rename; the refusal (e.g. an empty name) is returned for display beside the field. */
  async function rename(id: string, name: string): Promise<string | null> {
    try {
      await bridge().api.rename(id, name);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }

  async function detach(id: string, index: number): Promise<void> {
    try {
      await bridge().api.detachDisk(id, index);
    } catch (e) {
      notify(id, 'error', (e as Error).message);
    }
  }

  return {
    vms, problems, defaultGuest, selectedId, selected, connected, loaded, notices, libraryNotice, logs,
    applyListing, applyEvent, refresh, select, act, dropOnVm, dropOnLibrary, detach, notify, rename,
  };
});

/** Pending-at-next-start: disks in the config that the running VM did not start with. */
export function disksPending(v: VmSummary): boolean {
  const atStart = v.runtime.disksAtStart;
  if (atStart === undefined || v.runtime.state === 'stopped' || v.runtime.state === 'crashed') return false;
  const now = v.config.disks.map((d) => d.path);
  return now.length !== atStart.length || now.some((p, i) => p !== atStart[i]);
}

export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

export const STATE_LABEL: Record<VmRuntime['state'], string> = {
  stopped: 'Stopped',
  starting: 'Starting',
  running: 'Running',
  paused: 'Paused',
  'shutting-down': 'Shutting down',
  crashed: 'Crashed',
};
