// The control protocol between the app (Electron main or the web host) and one VM
// process. Messages are plain structured-cloneable objects, so the same shapes travel
// over child_process.fork (advanced serialization) and Electron's utilityProcess.
// Both ends check what they receive with the guards below: a confused peer is reported,
// never trusted.

import type { IcMode } from '../machine/spapr/cas.js';

/** What the VM process needs to boot one VM (paths are read inside the VM process). */
export interface VmBootConfig {
  name: string;
  kernelPath: string;
  initrdPath?: string;
  bootargs: string;
  memoryMiB: number;
  smp: number;
  /** Interrupt controllers offered at CAS (absent: dual, the guest picks). */
  icMode?: IcMode;
  /** Disk images attached at start (the machine has no disk devices yet: reported only). */
  disks: { path: string; format: DiskFormat }[];
  /** Start from this snapshot file (time policy `continue`) instead of booting. */
  restorePath?: string;
}

export type DiskFormat = 'raw' | 'qcow2' | 'iso';

export type { IcMode };

/** An interrupt controller mode of the pseries machine (QEMU's ic-mode). */
export function isIcMode(v: unknown): v is IcMode {
  return v === 'xics' || v === 'xive' || v === 'dual';
}

export type VmRunState = 'starting' | 'running' | 'paused' | 'shutting-down' | 'stopped';

export type VmExitKind =
  /** The guest powered itself off (RTAS power-off). */
  | 'poweroff'
  /** Force off, or Shut down that ran out of time. */
  | 'forced'
  /** The guest called ibm,os-term or the firmware exit service. */
  | 'guest-terminated'
  /** The emulator failed (an exception out of the machine, bad input files). */
  | 'error';

/** App -> VM process. */
export type ToVm =
  | { t: 'start'; config: VmBootConfig }
  | { t: 'input'; data: Uint8Array }
  | { t: 'reset' }
  /** Stop every vCPU at an instruction boundary (guest time keeps running). */
  | { t: 'pause' }
  | { t: 'resume' }
  /** Ask the guest to power off; force off after timeoutMs (no EPOW event exists yet). */
  | { t: 'shutdown'; timeoutMs: number }
  | { t: 'force-off' }
  | { t: 'status' }
  /** Save a snapshot to `path`; answered by `snapshot-done` with the same req. */
  | { t: 'save'; req: number; path: string; name: string }
  /** Restore `path` in place (time policy `continue`); answered by `snapshot-done`. */
  | { t: 'restore'; req: number; path: string }
  /** Delete a snapshot file and the disk state only it used (this process holds the drives). */
  | { t: 'delete-snapshot'; req: number; path: string };

export interface VmStatus {
  state: VmRunState;
  /** Milliseconds since the VM was started. */
  uptimeMs: number;
  /** Guest instructions per second over the last interval, in millions. */
  mips: number;
  /** Instructions retired since start. */
  retired: number;
  /** Shut down requested: when the VM will be forced off (ms since epoch), else 0. */
  forceOffAt: number;
}

/** VM process -> app. */
export type FromVm =
  /** The process is up and listening. */
  | { t: 'hello'; pid: number }
  | { t: 'console'; data: Uint8Array }
  | { t: 'status'; status: VmStatus }
  /** Host-side log line (guest errors, notes such as unsupported disks). */
  | { t: 'log'; line: string }
  /** The VM ended; the process exits right after. */
  | { t: 'exit'; kind: VmExitKind; message: string; lastLines: string[] }
  /** The answer to a save or restore: ok, or the engine's message. */
  | { t: 'snapshot-done'; req: number; ok: boolean; message: string };

/** How many console lines a dying VM reports. */
export const LAST_LINES = 20;
/** Longest Shut down grace period. */
export const MAX_SHUTDOWN_TIMEOUT_MS = 120_000;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteIn(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
}

function isReq(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

export function isBootConfig(v: unknown): v is VmBootConfig {
  if (!isObj(v)) return false;
  if (typeof v.name !== 'string' || typeof v.kernelPath !== 'string' || typeof v.bootargs !== 'string') return false;
  if (v.initrdPath !== undefined && typeof v.initrdPath !== 'string') return false;
  if (!isFiniteIn(v.memoryMiB, 1, 1 << 20) || !Number.isInteger(v.memoryMiB)) return false;
  if (!isFiniteIn(v.smp, 1, 64) || !Number.isInteger(v.smp)) return false;
  if (v.icMode !== undefined && !isIcMode(v.icMode)) return false;
  if (!Array.isArray(v.disks)) return false;
  if (v.restorePath !== undefined && (typeof v.restorePath !== 'string' || v.restorePath.length === 0)) return false;
  return v.disks.every((d: unknown) => isObj(d) && typeof d.path === 'string' && (d.format === 'raw' || d.format === 'qcow2' || d.format === 'iso'));
}

export function isToVm(v: unknown): v is ToVm {
  if (!isObj(v)) return false;
  switch (v.t) {
    case 'start':
      return isBootConfig(v.config);
    case 'input':
      return v.data instanceof Uint8Array;
    case 'shutdown':
      return isFiniteIn(v.timeoutMs, 0, MAX_SHUTDOWN_TIMEOUT_MS);
    case 'save':
      return isReq(v.req) && typeof v.path === 'string' && v.path.length > 0 && typeof v.name === 'string';
    case 'restore':
    case 'delete-snapshot':
      return isReq(v.req) && typeof v.path === 'string' && v.path.length > 0;
    case 'reset':
    case 'pause':
    case 'resume':
    case 'force-off':
    case 'status':
      return true;
    default:
      return false;
  }
}

const RUN_STATES: readonly string[] = ['starting', 'running', 'paused', 'shutting-down', 'stopped'];
const EXIT_KINDS: readonly string[] = ['poweroff', 'forced', 'guest-terminated', 'error'];

export function isFromVm(v: unknown): v is FromVm {
  if (!isObj(v)) return false;
  switch (v.t) {
    case 'hello':
      return typeof v.pid === 'number';
    case 'console':
      return v.data instanceof Uint8Array;
    case 'log':
      return typeof v.line === 'string';
    case 'snapshot-done':
      return isReq(v.req) && typeof v.ok === 'boolean' && typeof v.message === 'string';
    case 'status': {
      const s = v.status;
      return (
        isObj(s) &&
        typeof s.state === 'string' &&
        RUN_STATES.includes(s.state) &&
        typeof s.uptimeMs === 'number' &&
        typeof s.mips === 'number' &&
        typeof s.retired === 'number' &&
        typeof s.forceOffAt === 'number'
      );
    }
    case 'exit':
      return (
        typeof v.kind === 'string' &&
        EXIT_KINDS.includes(v.kind) &&
        typeof v.message === 'string' &&
        Array.isArray(v.lastLines) &&
        v.lastLines.every((l: unknown) => typeof l === 'string')
      );
    default:
      return false;
  }
}

/**
 * The last `max` lines of a console stream, kept as text (escape sequences stripped),
 * for crash reports. Feed it bytes as they come.
 */
export class ConsoleTail {
  private lines: string[] = [];
  private cur = '';

  constructor(private readonly max: number = LAST_LINES) {}

  push(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0x0a) {
        this.lines.push(this.cur);
        this.cur = '';
        if (this.lines.length > this.max) this.lines.shift();
      } else if (b === 0x0d) {
        continue;
      } else if (b >= 0x20 || b === 0x09) {
        if (this.cur.length < 1000) this.cur += String.fromCharCode(b);
      }
    }
  }

  get(): string[] {
    const all = this.cur.length > 0 ? [...this.lines, this.cur] : [...this.lines];
    // Drop the escape sequences' printable remainders ("[0m"...): readable tails.
    return all.map((l) => l.replace(/\[[0-9;?]*[A-Za-z]/g, '')).slice(-this.max);
  }
}
