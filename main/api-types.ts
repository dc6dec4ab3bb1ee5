// The app's typed API: what the renderer may ask of main (Electron preload or the web
// host's WebSocket), and the shapes it gets back. Pure types and pure validation: the
// renderer imports this file too, so it never touches Node.
import type { DiskFormat, IcMode } from '../emulator/host/vm-protocol.js';

export type { DiskFormat, IcMode };

export const CONFIG_FORMAT = 1;
export const MIN_MEMORY_MIB = 256;
export const MAX_MEMORY_MIB = 3840;
export const MAX_CPUS = 8;
export const MAX_NAME = 64;
export const MAX_CMDLINE = 1024;
/** Shut down: the grace period before a guest that does not power off is forced off. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export type MachineType = 'pseries';

export interface MachinePreset {
  id: string;
  label: string;
  cpus: number;
  memoryMiB: number;
  cmdline: string;
}

/** Presets per machine type (the wizard's machine page). */
export const PRESETS: Record<MachineType, MachinePreset[]> = {
  pseries: [
    { id: 'small', label: 'Small (1 CPU, 512 MiB)', cpus: 1, memoryMiB: 512, cmdline: 'console=hvc0 quiet' },
    { id: 'standard', label: 'Standard (1 CPU, 1 GiB)', cpus: 1, memoryMiB: 1024, cmdline: 'console=hvc0 quiet' },
    { id: 'large', label: 'Large (2 CPUs, 2 GiB)', cpus: 2, memoryMiB: 2048, cmdline: 'console=hvc0 quiet' },
  ],
};

/** Interrupt controller modes of pseries (QEMU's ic-mode), the wizard's choices. */
export const IC_MODES: { id: IcMode; label: string }[] = [
  { id: 'dual', label: 'Guest picks (XIVE for Linux, XICS with xive=off)' },
  { id: 'xive', label: 'XIVE only' },
  { id: 'xics', label: 'XICS only' },
];
export const DEFAULT_IC_MODE: IcMode = 'dual';

export interface DiskRef {
  /** Absolute path on the host (inside the VM folder when copied). */
  path: string;
  format: DiskFormat;
  /** 'in-place': the user's file is used where it is; 'copied': a copy in the VM folder. */
  storage: 'in-place' | 'copied';
  /** Display name (the original file name). */
  name: string;
}

export type VmSource =
  | { kind: 'default' }
  | { kind: 'kernel'; kernel: string; initrd?: string }
  /** Boot an existing disk image, no new disk created. */
  | { kind: 'disk'; image: DiskRef };

/** One VM's JSON config (vm.json in its folder). */
export interface VmConfig {
  format: number;
  id: string;
  name: string;
  machine: MachineType;
  preset: string;
  cpus: number;
  memoryMiB: number;
  cmdline: string;
  /** Interrupt controller mode; absent in configs written before it existed: dual. */
  icMode?: IcMode;
  source: VmSource;
  disks: DiskRef[];
  createdAt: string;
}

/** What the wizard submits. Files are referenced by grant ids (from a dialog, a drop or an upload). */
export interface NewVmInput {
  name: string;
  machine: MachineType;
  preset: string;
  cpus: number;
  memoryMiB: number;
  cmdline: string;
  /** Absent: dual. */
  icMode?: IcMode;
  source: { kind: 'default' } | { kind: 'kernel'; kernel: string; initrd?: string } | { kind: 'disk'; image: string };
}

export type VmState = 'stopped' | 'starting' | 'running' | 'paused' | 'shutting-down' | 'crashed';

export interface VmRuntime {
  state: VmState;
  uptimeMs: number;
  mips: number;
  /** Shutting down: when the VM will be forced off (ms since epoch). */
  forceOffAt: number;
  /** How the last run ended (shown on a stopped or crashed VM). */
  lastExit?: { kind: string; message: string; lastLines: string[]; at: string };
  /** Disks as the running VM started with them (the config may have changed since). */
  disksAtStart?: string[];
}

export interface VmSummary {
  config: VmConfig;
  runtime: VmRuntime;
}

export interface LibraryProblem {
  folder: string;
  message: string;
}

export interface LibraryListing {
  vms: VmSummary[];
  problems: LibraryProblem[];
  defaultGuest: { available: boolean; description: string };
}

/** A file the user chose (dialog, drop or upload), identified by an opaque id. */
export interface FileGrant {
  id: string;
  name: string;
  size: number;
  /** Detected disk format, or null when the file is not a disk image. */
  format: DiskFormat | null;
  /** Why it is not a disk image (shown when a drop is refused). */
  refusal?: string;
}

export type AttachResult = { attached: DiskRef; appliesAtNextStart: boolean };

/** One snapshot of a VM (a file in its folder's snapshots/), as the snapshot panel lists it. */
export interface SnapshotInfo {
  /** File name inside the VM's snapshots folder (what restore and delete take). */
  file: string;
  name: string;
  description: string;
  /** Host wall clock at save (ms since 1970). */
  createdMs: number;
  /** File size in bytes. */
  size: number;
  /** The console's last lines at save. */
  thumbnail: string;
}

export interface SnapshotList {
  snapshots: SnapshotInfo[];
  /** Files that could not be read, each with the reason. */
  errors: string[];
}

/** Restore of a running VM happens in place; a stopped VM is started from the snapshot. */
export type RestoreResult = { mode: 'in-place' | 'started' };

/** Events main pushes to the renderer. */
export type ApiEvent =
  | { event: 'library'; listing: LibraryListing }
  | { event: 'console'; id: string; data: Uint8Array }
  | { event: 'runtime'; id: string; runtime: VmRuntime }
  | { event: 'log'; id: string; line: string };

/** The API methods, argument tuples and results. */
export interface ApiMethods {
  list(): LibraryListing;
  create(input: NewVmInput): VmConfig;
  remove(id: string): void;
  rename(id: string, name: string): VmConfig;
  start(id: string): void;
  reset(id: string): void;
  pause(id: string): void;
  resume(id: string): void;
  shutdown(id: string): void;
  forceOff(id: string): void;
  consoleInput(id: string, data: Uint8Array): void;
  consoleHistory(id: string): Uint8Array;
  attachDisk(id: string, grant: string, storage: 'in-place' | 'copied'): AttachResult;
  detachDisk(id: string, index: number): VmConfig;
  fileInfo(grant: string): FileGrant;
  snapshots(id: string): Promise<SnapshotList>;
  /** One click: save with a default name. */
  saveSnapshot(id: string): Promise<SnapshotInfo>;
  restoreSnapshot(id: string, file: string): Promise<RestoreResult>;
  deleteSnapshot(id: string, file: string): Promise<void>;
}

export type ApiMethodName = keyof ApiMethods;

export type ApiCall = {
  [K in ApiMethodName]: { method: K; args: Parameters<ApiMethods[K]> };
}[ApiMethodName];

/** The client-side view: every method returns a promise. */
export type PpcboxApi = {
  [K in ApiMethodName]: (...args: Parameters<ApiMethods[K]>) => Promise<Awaited<ReturnType<ApiMethods[K]>>>;
};

export interface PpcboxBridge {
  api: PpcboxApi;
  onEvent(f: (e: ApiEvent) => void): () => void;
  /** Turn a File the user dropped or picked into a grant id (upload in web mode). */
  grantFile(file: File): Promise<FileGrant>;
  /** 'electron' or 'web', for small wording differences. */
  mode: 'electron' | 'web';
}

// ------------------------------------------------------------------ validation

export interface FieldErrors {
  [field: string]: string;
}

const ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function isVmId(v: unknown): v is string {
  return typeof v === 'string' && ID_RE.test(v);
}

/** A snapshot file name as the engine makes them: no paths, no hidden files. */
export function isSnapshotFile(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 120 && /^[A-Za-z0-9][A-Za-z0-9._-]*\.ppcsnap$/.test(v) && !v.includes('..');
}

export function validateName(name: unknown): string | null {
  if (typeof name !== 'string') return 'Name must be text.';
  const t = name.trim();
  if (t.length === 0) return 'Give the VM a name.';
  if (t.length > MAX_NAME) return `At most ${MAX_NAME} characters.`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f/\\]/.test(t)) return 'No control characters, slashes or backslashes.';
  return null;
}

export function validateCpus(cpus: unknown): string | null {
  if (typeof cpus !== 'number' || !Number.isInteger(cpus)) return 'A whole number of CPUs.';
  if (cpus < 1 || cpus > MAX_CPUS) return `Between 1 and ${MAX_CPUS} CPUs.`;
  return null;
}

export function validateMemory(mib: unknown): string | null {
  if (typeof mib !== 'number' || !Number.isInteger(mib)) return 'Memory in whole MiB.';
  if (mib < MIN_MEMORY_MIB || mib > MAX_MEMORY_MIB) return `Between ${MIN_MEMORY_MIB} and ${MAX_MEMORY_MIB} MiB.`;
  return null;
}

export function validateCmdline(s: unknown): string | null {
  if (typeof s !== 'string') return 'The command line must be text.';
  if (s.length > MAX_CMDLINE) return `At most ${MAX_CMDLINE} characters.`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) return 'No control characters (use spaces).';
  return null;
}

export function validateIcMode(m: unknown): string | null {
  if (!IC_MODES.some((x) => x.id === m)) return 'Choose dual, XIVE or XICS.';
  return null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Per-field errors of a wizard submission ({} when valid). Grants are checked by main. */
export function validateNewVm(v: unknown): FieldErrors {
  const e: FieldErrors = {};
  if (!isRecord(v)) return { form: 'Not a VM description.' };
  const name = validateName(v.name);
  if (name) e.name = name;
  if (v.machine !== 'pseries') e.machine = 'Only the pseries machine is available.';
  else if (typeof v.preset !== 'string' || !PRESETS.pseries.some((p) => p.id === v.preset)) e.preset = 'Choose a preset.';
  const cpus = validateCpus(v.cpus);
  if (cpus) e.cpus = cpus;
  const mem = validateMemory(v.memoryMiB);
  if (mem) e.memoryMiB = mem;
  const cmd = validateCmdline(v.cmdline);
  if (cmd) e.cmdline = cmd;
  const ic = v.icMode === undefined ? null : validateIcMode(v.icMode);
  if (ic) e.icMode = ic;
  const s = v.source;
  if (!isRecord(s)) e.source = 'Choose what to boot.';
  else if (s.kind === 'kernel') {
    if (typeof s.kernel !== 'string' || s.kernel.length === 0) e.kernel = 'Choose a kernel (vmlinux).';
    if (s.initrd !== undefined && typeof s.initrd !== 'string') e.initrd = 'Choose an initrd file or none.';
  } else if (s.kind === 'disk') {
    if (typeof s.image !== 'string' || s.image.length === 0) e.image = 'Choose a disk image.';
  } else if (s.kind !== 'default') e.source = 'Choose what to boot.';
  return e;
}

function validDiskRef(d: unknown): d is DiskRef {
  return (
    isRecord(d) &&
    typeof d.path === 'string' &&
    d.path.length > 0 &&
    (d.format === 'raw' || d.format === 'qcow2' || d.format === 'iso') &&
    (d.storage === 'in-place' || d.storage === 'copied') &&
    typeof d.name === 'string'
  );
}

/** A stored config: the problems found, or none. Used when the library loads. */
export function validateConfig(v: unknown): string[] {
  const p: string[] = [];
  if (!isRecord(v)) return ['not a JSON object'];
  if (v.format !== CONFIG_FORMAT) p.push(`unknown format ${JSON.stringify(v.format)} (expected ${CONFIG_FORMAT})`);
  if (!isVmId(v.id)) p.push('bad id');
  const name = validateName(v.name);
  if (name) p.push(`name: ${name}`);
  if (v.machine !== 'pseries') p.push(`machine: unknown ${JSON.stringify(v.machine)}`);
  if (typeof v.preset !== 'string') p.push('preset missing');
  const cpus = validateCpus(v.cpus);
  if (cpus) p.push(`cpus: ${cpus}`);
  const mem = validateMemory(v.memoryMiB);
  if (mem) p.push(`memoryMiB: ${mem}`);
  const cmd = validateCmdline(v.cmdline);
  if (cmd) p.push(`cmdline: ${cmd}`);
  if (v.icMode !== undefined && validateIcMode(v.icMode) !== null) p.push(`icMode: unknown ${JSON.stringify(v.icMode)}`);
  const s = v.source;
  if (!isRecord(s)) p.push('source missing');
  else if (s.kind === 'kernel') {
    if (typeof s.kernel !== 'string' || s.kernel.length === 0) p.push('source: kernel path missing');
    if (s.initrd !== undefined && typeof s.initrd !== 'string') p.push('source: bad initrd');
  } else if (s.kind === 'disk') {
    if (!validDiskRef(s.image)) p.push('source: bad disk image');
  } else if (s.kind !== 'default') p.push('source: unknown kind');
  if (!Array.isArray(v.disks) || !v.disks.every(validDiskRef)) p.push('disks: not a list of disk references');
  if (typeof v.createdAt !== 'string') p.push('createdAt missing');
  return p;
}
