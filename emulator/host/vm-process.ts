// One VM per process: the entry point the app spawns (child_process.fork from the web
// host and the CLI, Electron's utilityProcess from the desktop app). It boots an
// SpaprMachine on this thread and speaks vm-protocol.ts with its parent. If anything
// goes wrong it reports why (with the last console lines) and exits, so a dying VM
// never takes the app or other VMs down.
import { SpaprMachine, type ExitReason } from '../machine/spapr/machine.js';
import { readFileSync, statSync } from 'node:fs';
import { openImage, BlockError, type BlockBackend } from '../block/open.js';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { deleteSnapshot, restoreSnapshot, saveSnapshot } from './snapshot.js';
import { ConsoleTail, isToVm, type FromVm, type ToVm, type VmBootConfig, type VmExitKind, type VmStatus } from './vm-protocol.js';

/** Electron's utilityProcess child side (absent under child_process.fork). */
interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

/** The parent link, whichever way this process was spawned. */
interface Link {
  send(m: FromVm): void;
  onMessage(f: (m: unknown) => void): void;
}

function openLink(): Link | undefined {
  const port = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;
  if (port !== undefined) {
    return { send: (m) => port.postMessage(m), onMessage: (f) => port.on('message', (e) => f(e.data)) };
  }
  if (typeof process.send === 'function') {
    return {
      send: (m) => {
        if (process.connected) process.send?.(m);
      },
      onMessage: (f) => process.on('message', f),
    };
  }
  return undefined;
}

const STATUS_INTERVAL_MS = 1000;
/** Larger inputs cannot fit the largest guest RAM anyway. */
const MAX_INPUT_BYTES = 4 * 1024 * 1024 * 1024;

function readInput(what: string, path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error(`${what} ${path}: not a regular file`);
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${what} ${path}: no such file`, { cause: e });
    throw e;
  }
  if (size > MAX_INPUT_BYTES) throw new Error(`${what} ${path}: too large (${Math.ceil(size / 1048576)} MiB)`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`${what} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
  }
}
/** Console output is sent in batches at most this often. */
const CONSOLE_BATCH_MS = 15;

export class VmProcess {
  private machine: SpaprMachine | null = null;
  private state: VmStatus['state'] = 'starting';
  private startedAt = 0;
  private lastRetired = 0;
  private lastSample = 0;
  private mips = 0;
  private forced = false;
  private forceOffAt = 0;
  private forceTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private pending: Uint8Array[] = [];
  private pendingTimer: NodeJS.Timeout | null = null;
  private readonly tail = new ConsoleTail();
  private ended = false;
  private starting = false;
  private disks: BlockBackend[] = [];
  /** A save or restore is under way (one at a time). */
  private snapshotBusy = false;
  /** Why the VM must end although the machine stopped cleanly (a failed start from a snapshot). */
  private failure: string | null = null;

  constructor(
    private readonly send: (m: FromVm) => void,
    private readonly exit: (code: number) => void,
  ) {}

  handle(raw: unknown): void {
    if (!isToVm(raw)) {
      this.send({ t: 'log', line: 'ignored a malformed control message' });
      return;
    }
    const m: ToVm = raw;
    switch (m.t) {
      case 'start':
        void this.start(m.config);
        break;
      case 'input':
        this.machine?.input(m.data);
        break;
      case 'reset':
        if (this.snapshotBusy) {
          this.send({ t: 'log', line: 'reset ignored: a snapshot is being saved or restored' });
          break;
        }
        // The machine's reset runs the vCPUs again afterwards: a paused VM runs too.
        this.machine?.requestReset();
        if (this.state === 'paused') this.setState('running');
        break;
      case 'pause':
        void this.pause();
        break;
      case 'resume':
        this.resume();
        break;
      case 'shutdown':
        this.shutdown(m.timeoutMs);
        break;
      case 'force-off':
        this.forceOff();
        break;
      case 'status':
        this.send({ t: 'status', status: this.status() });
        break;
      case 'save':
        void this.snapshot(m.req, () => this.save(m.path, m.name));
        break;
      case 'restore':
        void this.snapshot(m.req, () => this.restore(m.path));
        break;
      case 'delete-snapshot':
        void this.snapshot(m.req, async () => {
          await deleteSnapshot(m.path, this.disks);
          return 'deleted';
        });
        break;
    }
  }

  status(): VmStatus {
    const m = this.machine;
    return {
      state: this.state,
      uptimeMs: this.startedAt === 0 ? 0 : performance.now() - this.startedAt,
      mips: this.mips,
      retired: m === null ? 0 : m.retired(),
      forceOffAt: this.forceOffAt,
    };
  }

  private async start(cfg: VmBootConfig): Promise<void> {
    if (this.machine !== null || this.ended || this.starting) {
      this.send({ t: 'log', line: 'start ignored: this VM process has already started' });
      return;
    }
    this.starting = true;
    // Disks first, all or none (format from content, image locks): /dev/vda, vdb... in order.
    const opened: BlockBackend[] = [];
    try {
      for (const d of cfg.disks) opened.push(await openImage(d.path, { format: d.format }));
    } catch (e) {
      await Promise.allSettled(opened.map((b) => b.close()));
      this.end('error', `cannot start: disk ${e instanceof BlockError || e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (this.ended) {
      // Forced off while the disks opened.
      await Promise.allSettled(opened.map((b) => b.close()));
      return;
    }
    this.disks = opened;
    let machine: SpaprMachine;
    try {
      // The machine checks the kernel (ELF, architecture) and where kernel and initrd go.
      const kernel = readInput('kernel', cfg.kernelPath);
      const initrd = cfg.initrdPath === undefined ? undefined : readInput('initrd', cfg.initrdPath);
      machine = new SpaprMachine({
        ramBytes: cfg.memoryMiB * 1024 * 1024,
        nvcpus: cfg.smp,
        icMode: cfg.icMode,
        kernel,
        kernelName: cfg.kernelPath,
        initrd,
        bootargs: cfg.bootargs,
        consoleOut: (b) => this.console(b),
        log: (line) => this.send({ t: 'log', line }),
        // One worker thread per vCPU (DESIGN.md), as `ppcbox run`; pause() needs it.
        threads: true,
        disks: this.disks,
      });
    } catch (e) {
      this.end('error', `cannot start: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.machine = machine;
    this.startedAt = performance.now();
    this.lastSample = this.startedAt;
    // From a snapshot: the vCPU threads start parked, RAM goes in meanwhile, and guest
    // time starts only when they can run (as `ppcbox run --load`).
    const from = cfg.restorePath;
    const parked = from === undefined ? null : machine.pause();
    if (from === undefined) this.state = 'running';
    this.statusTimer = setInterval(() => this.sample(), STATUS_INTERVAL_MS);
    this.send({ t: 'status', status: this.status() });
    machine.run().then(
      (r) => this.finished(r),
      (e: unknown) => this.end('error', `emulator failure: ${e instanceof Error ? e.message : String(e)}`),
    );
    if (from === undefined || parked === null) return;
    this.snapshotBusy = true;
    try {
      const r = await restoreSnapshot(machine, from, { fresh: true, time: 'continue', beforeApply: () => parked });
      if (this.ended) return;
      machine.resume();
      this.send({ t: 'log', line: `started from snapshot "${r.meta.name}" (${Math.round(r.ms)} ms)` });
      this.setState('running');
    } catch (e) {
      this.failure = `cannot start from the snapshot: ${e instanceof Error ? e.message : String(e)}`;
      machine.stop();
    } finally {
      this.snapshotBusy = false;
    }
  }

  /** Run one save or restore and answer it; never two at once. */
  private async snapshot(req: number, f: () => Promise<string>): Promise<void> {
    if (this.machine === null || (this.state !== 'running' && this.state !== 'paused')) {
      this.send({ t: 'snapshot-done', req, ok: false, message: 'The VM must be running or paused.' });
      return;
    }
    if (this.snapshotBusy || this.pausing) {
      this.send({ t: 'snapshot-done', req, ok: false, message: 'Busy with another snapshot or a pause; try again in a moment.' });
      return;
    }
    this.snapshotBusy = true;
    try {
      const message = await f();
      this.send({ t: 'snapshot-done', req, ok: true, message });
    } catch (e) {
      this.send({ t: 'snapshot-done', req, ok: false, message: e instanceof Error ? e.message : String(e) });
    } finally {
      this.snapshotBusy = false;
    }
  }

  private async save(path: string, name: string): Promise<string> {
    const m = this.machine;
    if (m === null) throw new Error('The VM is not running.');
    await mkdir(dirname(path), { recursive: true });
    const r = await saveSnapshot(m, path, { name, thumbnail: this.tail.get().join('\n') });
    const line = `saved snapshot "${name}" (${(r.bytes / 1048576).toFixed(1)} MiB, guest paused ${Math.round(r.pauseMs)} ms)`;
    this.send({ t: 'log', line });
    return line;
  }

  private async restore(path: string): Promise<string> {
    const m = this.machine;
    if (m === null) throw new Error('The VM is not running.');
    // The engine leaves a paused machine paused and a running one running.
    const r = await restoreSnapshot(m, path, { time: 'continue' });
    const line = `restored snapshot "${r.meta.name}" (${Math.round(r.ms)} ms)`;
    this.send({ t: 'log', line });
    return line;
  }

  private setState(s: VmStatus['state']): void {
    this.state = s;
    this.send({ t: 'status', status: this.status() });
  }

  private pausing = false;

  private async pause(): Promise<void> {
    const m = this.machine;
    if (m === null || this.state !== 'running' || this.pausing || this.snapshotBusy) return;
    this.pausing = true;
    try {
      await m.pause();
    } finally {
      this.pausing = false;
    }
    if (this.state === 'running' && !this.ended) {
      this.mips = 0;
      this.setState('paused');
    }
  }

  private resume(): void {
    if (this.machine === null || this.state !== 'paused' || this.snapshotBusy) return;
    this.machine.resume();
    this.setState('running');
  }

  private sample(): void {
    const m = this.machine;
    if (m === null) return;
    const now = performance.now();
    const retired = m.retired();
    const dt = now - this.lastSample;
    if (dt > 0) this.mips = (retired - this.lastRetired) / dt / 1000;
    this.lastRetired = retired;
    this.lastSample = now;
    this.send({ t: 'status', status: this.status() });
  }

  private console(b: Uint8Array): void {
    // The machine may reuse its buffer: keep a copy.
    const copy = b.slice();
    this.tail.push(copy);
    this.pending.push(copy);
    if (this.pendingTimer === null) this.pendingTimer = setTimeout(() => this.flushConsole(), CONSOLE_BATCH_MS);
  }

  private flushConsole(): void {
    if (this.pendingTimer !== null) clearTimeout(this.pendingTimer);
    this.pendingTimer = null;
    if (this.pending.length === 0) return;
    let n = 0;
    for (const p of this.pending) n += p.length;
    const all = new Uint8Array(n);
    n = 0;
    for (const p of this.pending) {
      all.set(p, n);
      n += p.length;
    }
    this.pending = [];
    this.send({ t: 'console', data: all });
  }

  /**
   * Shut down: pseries guests are asked with an EPOW event, which this machine cannot
   * raise yet, so the guest gets the grace period to power off by itself and is then
   * forced off. The UI says so.
   */
  private shutdown(timeoutMs: number): void {
    if (this.machine === null) {
      this.forceOff();
      return;
    }
    if (this.state === 'paused') this.resume();
    if (this.state !== 'running') return;
    this.state = 'shutting-down';
    this.forceOffAt = Date.now() + timeoutMs;
    this.forceTimer = setTimeout(() => this.forceOff(), timeoutMs);
    this.send({ t: 'status', status: this.status() });
  }

  private forceOff(): void {
    this.forced = true;
    if (this.machine === null) {
      this.end('forced', 'forced off before it started');
      return;
    }
    this.machine.stop();
  }

  private finished(r: ExitReason): void {
    if (this.failure !== null) {
      this.end('error', this.failure);
      return;
    }
    if (this.forced) {
      this.end('forced', this.state === 'shutting-down' ? 'the guest did not power off in time; forced off' : 'forced off');
      return;
    }
    switch (r.kind) {
      case 'poweroff':
        this.end('poweroff', 'the guest powered off');
        break;
      case 'os-term':
        this.end('guest-terminated', `the guest terminated: ${r.message}`);
        break;
      case 'firmware-exit':
        this.end('guest-terminated', 'the guest called the firmware exit service');
        break;
      case 'error':
        this.end('error', `emulator failure: ${r.error.message}`);
        break;
    }
  }

  /** Report the end and exit the process. */
  end(kind: VmExitKind, message: string): void {
    if (this.ended) return;
    this.ended = true;
    this.flushConsole();
    if (this.statusTimer !== null) clearInterval(this.statusTimer);
    if (this.forceTimer !== null) clearTimeout(this.forceTimer);
    this.state = 'stopped';
    this.send({ t: 'exit', kind, message, lastLines: this.tail.get() });
    // Flush what the guest wrote and release the image locks before going.
    const disks = this.disks;
    this.disks = [];
    void Promise.allSettled(disks.map((b) => b.close())).then(() => this.exit(kind === 'error' ? 1 : 0));
  }
}

function main(): void {
  const link = openLink();
  if (link === undefined) {
    process.stderr.write('vm-process: no parent to talk to (spawn it with child_process.fork or utilityProcess)\n');
    process.exit(2);
  }
  // Let the last message leave before the process goes.
  const vm = new VmProcess(
    (m) => link.send(m),
    (code) => setTimeout(() => process.exit(code), 100),
  );
  process.on('uncaughtException', (e) => {
    vm.end('error', `VM process failure: ${e.message}`);
  });
  process.on('unhandledRejection', (e) => {
    vm.end('error', `VM process failure: ${e instanceof Error ? e.message : String(e)}`);
  });
  // The app went away: nothing left to serve.
  process.on('disconnect', () => process.exit(0));
  link.onMessage((m) => vm.handle(m));
  link.send({ t: 'hello', pid: process.pid });
}

// Run as a program (fork, or a bundle's entry), or as Electron's utility process.
const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry || (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort !== undefined) main();
