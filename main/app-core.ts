// The app's API, independent of Electron: the library, file grants and VM supervision
// behind one set of methods. Electron's IPC handlers and the web host's WebSocket both
// call dispatch(), which checks every argument (types, ranges, ids that exist, files
// only through grants) before anything happens.
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { VmBootConfig } from '../emulator/host/vm-protocol.js';
import { defaultName, deleteSnapshot, listSnapshots, newSnapshotPath } from '../emulator/host/snapshot.js';
import { defaultGuest } from '../scripts/guest/manifest.js';
import {
  CONFIG_FORMAT,
  DEFAULT_IC_MODE,
  PRESETS,
  SHUTDOWN_TIMEOUT_MS,
  isSnapshotFile,
  isVmId,
  validateName,
  validateNewVm,
  type ApiEvent,
  type ApiMethodName,
  type ApiMethods,
  type AttachResult,
  type DiskRef,
  type FileGrant,
  type LibraryListing,
  type NewVmInput,
  type RestoreResult,
  type SnapshotInfo,
  type SnapshotList,
  type VmConfig,
} from './api-types.js';
import { FileGrants, publicGrant, type GrantEntry } from './grants.js';
import { Library } from './library.js';
import { Supervisor } from './supervisor.js';
import type { VmLauncher } from './vm-launcher.js';

/** A refusal the user should read (bad argument, wrong state); shown as is. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

export interface AppCoreOptions {
  userData: string;
  launcher: VmLauncher;
  /** Where the default guest lives (tests point elsewhere). */
  guestDir?: string;
  shutdownTimeoutMs?: number;
  /** First run of the app: put a VM of the default guest in the empty library. */
  seedDefaultVm?: boolean;
}

const SEEDED_MARK = '.default-vm-created';

const MAX_INPUT_BYTES = 64 * 1024;

export class AppCore implements ApiMethods {
  readonly library: Library;
  readonly grants = new FileGrants();
  readonly supervisor: Supervisor;
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  private readonly shutdownTimeoutMs: number;

  constructor(private readonly opts: AppCoreOptions) {
    this.library = new Library(opts.userData);
    // Uploads not adopted by a VM belong to grants of an earlier run: gone with them.
    for (const f of readdirSync(this.library.importsDir)) rmSync(join(this.library.importsDir, f), { force: true, recursive: true });
    this.shutdownTimeoutMs = opts.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS;
    this.supervisor = new Supervisor(opts.launcher, {
      console: (id, data) => this.emit({ event: 'console', id, data }),
      runtime: (id, runtime) => this.emit({ event: 'runtime', id, runtime }),
      log: (id, line) => this.emit({ event: 'log', id, line }),
    });
    if (opts.seedDefaultVm === true) this.seed();
  }

  /** Once per library: a ready-to-boot VM of the default guest (not again if deleted). */
  private seed(): void {
    const mark = join(this.library.root, SEEDED_MARK);
    if (existsSync(mark) || defaultGuest(this.opts.guestDir) === undefined) return;
    const { vms, problems } = this.library.load();
    if (vms.length === 0 && problems.length === 0) {
      this.create({ name: 'Debian', machine: 'pseries', preset: 'standard', cpus: 1, memoryMiB: 1024, cmdline: 'console=hvc0 quiet', source: { kind: 'default' } });
    }
    writeFileSync(mark, `${new Date().toISOString()}\n`);
  }

  onEvent(f: (e: ApiEvent) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private emit(e: ApiEvent): void {
    for (const f of this.listeners) {
      try {
        f(e);
      } catch {
        // A listener's failure (a closed socket) is not the emitter's.
      }
    }
  }

  private libraryChanged(): void {
    this.emit({ event: 'library', listing: this.list() });
  }

  // ------------------------------------------------------------ dispatch

  /** One API call from an untrusted caller: method name and arguments checked here. */
  dispatch(method: unknown, args: unknown): unknown {
    if (typeof method !== 'string' || !Object.hasOwn(ARGS, method)) throw new ApiError(`unknown method ${String(method)}`);
    const spec = ARGS[method as ApiMethodName];
    if (!Array.isArray(args) || args.length !== spec.length) throw new ApiError(`${method}: expected ${spec.length} argument(s)`);
    spec.forEach((check, i) => {
      const why = check(args[i]);
      if (why !== null) throw new ApiError(`${method}: argument ${i + 1}: ${why}`);
    });
    const f = this[method as ApiMethodName] as (...a: unknown[]) => unknown;
    return f.apply(this, args);
  }

  // ------------------------------------------------------------ methods

  list(): LibraryListing {
    const { vms, problems } = this.library.load();
    const g = defaultGuest(this.opts.guestDir);
    return {
      vms: vms.map((config) => ({ config, runtime: this.supervisor.runtime(config.id) })),
      problems,
      defaultGuest: g
        ? { available: true, description: `Debian ppc64el kernel ${g.manifest.kernel.version ?? g.manifest.kernel.file} with a busybox shell` }
        : { available: false, description: 'not set up yet: run `npm run setup`' },
    };
  }

  private config(id: string): VmConfig {
    const c = this.library.get(id);
    if (c === undefined) throw new ApiError('no such VM');
    return c;
  }

  private grant(id: string, what: string): GrantEntry {
    const g = this.grants.get(id);
    if (g === undefined) throw new ApiError(`${what}: the file is no longer available; choose it again`);
    return g;
  }

  /** Bring a granted file into a VM folder (uploads always; others when copying). */
  private adopt(g: GrantEntry, vmId: string, copy: boolean): { path: string; storage: DiskRef['storage'] } {
    if (!g.uploaded && !copy) return { path: g.path, storage: 'in-place' };
    const dir = join(this.library.folder(vmId), 'files');
    mkdirSync(dir, { recursive: true });
    const safe = g.name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80) || 'file';
    const dest = join(dir, `${g.id.slice(0, 8)}-${safe}`);
    if (g.uploaded) {
      renameSync(g.path, dest);
      this.grants.moved(g.id, dest);
    } else {
      const tmp = `${dest}.partial`;
      copyFileSync(g.path, tmp);
      renameSync(tmp, dest);
    }
    return { path: dest, storage: 'copied' };
  }

  create(input: NewVmInput): VmConfig {
    const errors = validateNewVm(input);
    const s = input.source;
    let kernel: GrantEntry | undefined;
    let initrd: GrantEntry | undefined;
    let image: GrantEntry | undefined;
    if (Object.keys(errors).length === 0) {
      if (s.kind === 'default' && defaultGuest(this.opts.guestDir) === undefined) errors.source = 'The default guest is not set up yet (npm run setup).';
      if (s.kind === 'kernel') {
        kernel = this.grants.get(s.kernel);
        if (kernel === undefined) errors.kernel = 'Choose the kernel file again.';
        if (s.initrd !== undefined) {
          initrd = this.grants.get(s.initrd);
          if (initrd === undefined) errors.initrd = 'Choose the initrd file again.';
        }
      }
      if (s.kind === 'disk') {
        image = this.grants.get(s.image);
        if (image === undefined) errors.image = 'Choose the disk image again.';
        else if (image.format === null) errors.image = `Not a disk image: ${image.refusal ?? 'unknown format'}.`;
      }
    }
    if (Object.keys(errors).length > 0) throw new ApiError('Some fields need attention.', errors);
    const id = this.library.newId();
    let source: VmConfig['source'] = { kind: 'default' };
    try {
      if (kernel !== undefined) {
        source = { kind: 'kernel', kernel: this.adopt(kernel, id, false).path };
        if (initrd !== undefined) source.initrd = this.adopt(initrd, id, false).path;
      } else if (image !== undefined && image.format !== null) {
        const a = this.adopt(image, id, false);
        source = { kind: 'disk', image: { path: a.path, format: image.format, storage: a.storage, name: image.name } };
      }
      const cfg: VmConfig = {
        format: CONFIG_FORMAT,
        id,
        name: input.name.trim(),
        machine: input.machine,
        preset: input.preset,
        cpus: input.cpus,
        memoryMiB: input.memoryMiB,
        cmdline: input.cmdline.trim(),
        icMode: input.icMode ?? DEFAULT_IC_MODE,
        source,
        disks: [],
        createdAt: new Date().toISOString(),
      };
      this.library.save(cfg);
      this.libraryChanged();
      return cfg;
    } catch (e) {
      this.library.remove(id);
      throw e;
    }
  }

  remove(id: string): void {
    this.config(id);
    if (this.supervisor.isRunning(id)) throw new ApiError('Stop the VM before deleting it.');
    this.library.remove(id);
    this.supervisor.forget(id);
    this.libraryChanged();
  }

  rename(id: string, name: string): VmConfig {
    const why = validateName(name);
    if (why !== null) throw new ApiError(why, { name: why });
    const cfg = { ...this.config(id), name: name.trim() };
    this.library.save(cfg);
    this.libraryChanged();
    return cfg;
  }

  /** What the VM process is given to boot this config. */
  bootConfig(cfg: VmConfig): VmBootConfig {
    const disks = cfg.disks.map((d) => ({ path: d.path, format: d.format }));
    const s = cfg.source;
    if (s.kind === 'kernel') {
      return { name: cfg.name, kernelPath: s.kernel, initrdPath: s.initrd, bootargs: cfg.cmdline, memoryMiB: cfg.memoryMiB, smp: cfg.cpus, icMode: cfg.icMode ?? DEFAULT_IC_MODE, disks };
    }
    // The default guest; a disk-image VM also boots its kernel for now (no firmware boots
    // from a disk yet), with the image as its first disk (/dev/vda).
    const g = defaultGuest(this.opts.guestDir);
    if (g === undefined) throw new ApiError('The default guest is not set up yet: run `npm run setup`.');
    if (s.kind === 'disk') disks.unshift({ path: s.image.path, format: s.image.format });
    return { name: cfg.name, kernelPath: g.kernel, initrdPath: g.initrd, bootargs: cfg.cmdline, memoryMiB: cfg.memoryMiB, smp: cfg.cpus, icMode: cfg.icMode ?? DEFAULT_IC_MODE, disks };
  }

  start(id: string): void {
    const cfg = this.config(id);
    if (this.supervisor.isRunning(id)) throw new ApiError('The VM is already running.');
    this.supervisor.start(id, this.bootConfig(cfg), cfg.disks.map((d) => d.path));
  }

  private running(id: string): void {
    this.config(id);
    if (!this.supervisor.isRunning(id)) throw new ApiError('The VM is not running.');
  }

  reset(id: string): void {
    this.running(id);
    this.supervisor.reset(id);
  }

  pause(id: string): void {
    this.running(id);
    this.supervisor.pause(id);
  }

  resume(id: string): void {
    this.running(id);
    this.supervisor.resume(id);
  }

  shutdown(id: string): void {
    this.running(id);
    this.supervisor.shutdown(id, this.shutdownTimeoutMs);
  }

  forceOff(id: string): void {
    this.running(id);
    this.supervisor.forceOff(id);
  }

  consoleInput(id: string, data: Uint8Array): void {
    this.running(id);
    this.supervisor.input(id, data);
  }

  consoleHistory(id: string): Uint8Array {
    this.config(id);
    return this.supervisor.consoleHistory(id);
  }

  attachDisk(id: string, grantId: string, storage: 'in-place' | 'copied'): AttachResult {
    const cfg = this.config(id);
    const g = this.grant(grantId, 'attach');
    if (g.format === null) throw new ApiError(`${g.name} is not a disk image: ${g.refusal ?? 'unknown format'}.`);
    if (cfg.disks.length >= 8) throw new ApiError('At most 8 disks per VM.');
    const a = this.adopt(g, id, storage === 'copied');
    if (cfg.disks.some((d) => d.path === a.path)) throw new ApiError(`${g.name} is already attached.`);
    const disk: DiskRef = { path: a.path, format: g.format, storage: a.storage, name: g.name };
    const next = { ...cfg, disks: [...cfg.disks, disk] };
    this.library.save(next);
    this.libraryChanged();
    return { attached: disk, appliesAtNextStart: this.supervisor.isRunning(id) };
  }

  detachDisk(id: string, index: number): VmConfig {
    const cfg = this.config(id);
    if (index >= cfg.disks.length) throw new ApiError('No such disk.');
    const d = cfg.disks[index];
    const next = { ...cfg, disks: cfg.disks.filter((_, i) => i !== index) };
    this.library.save(next);
    // A copy belongs to the VM; a file used in place is the user's and stays.
    if (d.storage === 'copied' && !this.supervisor.isRunning(id)) rmSync(d.path, { force: true });
    this.libraryChanged();
    return next;
  }

  fileInfo(grantId: string): FileGrant {
    return publicGrant(this.grant(grantId, 'file'));
  }

  // ------------------------------------------------------------ snapshots

  /** VMs with a snapshot save, restore or delete under way (one at a time per VM). */
  private readonly snapshotBusy = new Set<string>();

  /** Snapshots live in the VM's library folder. */
  snapshotDir(id: string): string {
    return join(this.library.folder(id), 'snapshots');
  }

  private snapshotPath(id: string, file: string): string {
    if (!isSnapshotFile(file)) throw new ApiError('Not a snapshot file name.');
    const p = join(this.snapshotDir(id), file);
    if (!existsSync(p)) throw new ApiError(`No snapshot ${file} (it may have been deleted).`);
    return p;
  }

  private async busy<T>(id: string, f: () => Promise<T>): Promise<T> {
    if (this.snapshotBusy.has(id)) throw new ApiError('A snapshot of this VM is being saved, restored or deleted; wait for it.');
    this.snapshotBusy.add(id);
    try {
      return await f();
    } finally {
      this.snapshotBusy.delete(id);
    }
  }

  async snapshots(id: string): Promise<SnapshotList> {
    this.config(id);
    const r = await listSnapshots(this.snapshotDir(id));
    return {
      snapshots: r.snapshots.map((s) => ({ file: basename(s.path), name: s.name, description: s.description, createdMs: s.createdMs, size: s.size, thumbnail: s.thumbnail })),
      errors: r.errors,
    };
  }

  async saveSnapshot(id: string): Promise<SnapshotInfo> {
    this.config(id);
    const state = this.supervisor.runtime(id).state;
    if (!this.supervisor.isRunning(id) || (state !== 'running' && state !== 'paused')) throw new ApiError('Snapshots are taken of a running or paused VM.');
    return this.busy(id, async () => {
      const now = new Date();
      const path = newSnapshotPath(this.snapshotDir(id), now);
      try {
        await this.supervisor.saveSnapshot(id, path, defaultName(now));
      } catch (e) {
        throw new ApiError(`Snapshot not saved: ${(e as Error).message}`);
      }
      const file = basename(path);
      const saved = (await this.snapshots(id)).snapshots.find((s) => s.file === file);
      if (saved === undefined) throw new ApiError(`Snapshot not saved: ${file} cannot be read back.`);
      return saved;
    });
  }

  async restoreSnapshot(id: string, file: string): Promise<RestoreResult> {
    const cfg = this.config(id);
    const path = this.snapshotPath(id, file);
    const state = this.supervisor.runtime(id).state;
    if (this.supervisor.isRunning(id)) {
      if (state !== 'running' && state !== 'paused') throw new ApiError(`Cannot restore while the VM is ${state === 'starting' ? 'starting' : 'shutting down'}.`);
      return this.busy(id, async () => {
        try {
          await this.supervisor.restoreSnapshot(id, path);
        } catch (e) {
          throw new ApiError(`Not restored: ${(e as Error).message}`);
        }
        return { mode: 'in-place' as const };
      });
    }
    // Stopped: a new VM process starts from the snapshot (it reports a bad file as its exit).
    this.supervisor.start(id, { ...this.bootConfig(cfg), restorePath: path }, cfg.disks.map((d) => d.path));
    return { mode: 'started' };
  }

  async deleteSnapshot(id: string, file: string): Promise<void> {
    this.config(id);
    const path = this.snapshotPath(id, file);
    const state = this.supervisor.runtime(id).state;
    const live = this.supervisor.isRunning(id);
    if (live && state !== 'running' && state !== 'paused') throw new ApiError(`Cannot delete a snapshot while the VM is ${state === 'starting' ? 'starting' : 'shutting down'}.`);
    await this.busy(id, async () => {
      try {
        // A running VM's process holds its drives (and their locks): it frees the disk state.
        if (live) await this.supervisor.deleteSnapshot(id, path);
        else await deleteSnapshot(path);
      } catch (e) {
        throw new ApiError(`Not deleted: ${(e as Error).message}`);
      }
    });
  }

  /** The app is quitting. */
  close(): void {
    this.supervisor.killAll();
  }
}

type Check = (v: unknown) => string | null;
const id: Check = (v) => (isVmId(v) ? null : 'not a VM id');
const grantId: Check = (v) => (typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v) ? null : 'not a file id');
const bytes: Check = (v) => (v instanceof Uint8Array ? (v.length <= MAX_INPUT_BYTES ? null : 'too much input at once') : 'not bytes');
const text: Check = (v) => (typeof v === 'string' && v.length <= 1000 ? null : 'not a short text');
const storage: Check = (v) => (v === 'in-place' || v === 'copied' ? null : "not 'in-place' or 'copied'");
const index: Check = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 64 ? null : 'not a disk index');
const snapFile: Check = (v) => (isSnapshotFile(v) ? null : 'not a snapshot file name');
const object: Check = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? null : 'not an object');

/** Argument checks per method (shapes; meaning is checked by the methods). */
const ARGS: Record<ApiMethodName, Check[]> = {
  list: [],
  create: [object],
  remove: [id],
  rename: [id, text],
  start: [id],
  reset: [id],
  pause: [id],
  resume: [id],
  shutdown: [id],
  forceOff: [id],
  consoleInput: [id, bytes],
  consoleHistory: [id],
  attachDisk: [id, grantId, storage],
  detachDisk: [id, index],
  fileInfo: [grantId],
  snapshots: [id],
  saveSnapshot: [id],
  restoreSnapshot: [id, snapFile],
  deleteSnapshot: [id, snapFile],
};

export { PRESETS };
