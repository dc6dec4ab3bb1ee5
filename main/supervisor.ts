// VM supervision: one process per running VM. Tracks each VM's state from its process's
// messages, keeps its console history (for views that open later) and its last lines,
// and turns a process that dies unexpectedly into a "crashed" VM with the reason.
// Other VMs are not affected: each has its own process.
import type { ToVm, VmBootConfig } from '../emulator/host/vm-protocol.js';
import { ConsoleTail, MAX_SHUTDOWN_TIMEOUT_MS } from '../emulator/host/vm-protocol.js';
import type { VmRuntime } from './api-types.js';
import type { VmChild, VmLauncher } from './vm-launcher.js';

/** Console bytes kept per VM for a view opened after the output. */
export const HISTORY_BYTES = 512 * 1024;
/** Force off: how long the process gets to stop by itself before it is killed. */
const KILL_AFTER_MS = 5000;

export interface SupervisorEvents {
  console(id: string, data: Uint8Array): void;
  runtime(id: string, rt: VmRuntime): void;
  log(id: string, line: string): void;
}

interface Vm {
  child: VmChild;
  runtime: VmRuntime;
  tail: ConsoleTail;
  exitMsg: { kind: string; message: string; lastLines: string[] } | null;
  killTimer: NodeJS.Timeout | null;
  gone: boolean;
  /** Snapshot requests waiting for their answer, by request number. */
  waiting: Map<number, { ok: (message: string) => void; fail: (e: Error) => void }>;
}

export class Supervisor {
  private readonly vms = new Map<string, Vm>();
  /** How each VM's last run ended, and its console (kept after the process is gone). */
  private readonly ended = new Map<string, VmRuntime>();
  private readonly history = new Map<string, Uint8Array[]>();

  constructor(
    private readonly launch: VmLauncher,
    private readonly events: SupervisorEvents,
  ) {}

  runtime(id: string): VmRuntime {
    return this.vms.get(id)?.runtime ?? this.ended.get(id) ?? { state: 'stopped', uptimeMs: 0, mips: 0, forceOffAt: 0 };
  }

  isRunning(id: string): boolean {
    return this.vms.has(id);
  }

  runningIds(): string[] {
    return [...this.vms.keys()];
  }

  consoleHistory(id: string): Uint8Array {
    const h = this.history.get(id) ?? [];
    let n = 0;
    for (const c of h) n += c.length;
    const out = new Uint8Array(n);
    n = 0;
    for (const c of h) {
      out.set(c, n);
      n += c.length;
    }
    return out;
  }

  start(id: string, boot: VmBootConfig, disksAtStart: string[]): void {
    if (this.vms.has(id)) throw new Error('the VM is already running');
    const child = this.launch();
    const vm: Vm = {
      child,
      runtime: { state: 'starting', uptimeMs: 0, mips: 0, forceOffAt: 0, disksAtStart },
      tail: new ConsoleTail(),
      exitMsg: null,
      killTimer: null,
      gone: false,
      waiting: new Map(),
    };
    this.vms.set(id, vm);
    this.ended.delete(id);
    this.history.set(id, []);
    child.onMessage((m) => {
      switch (m.t) {
        case 'hello':
          child.send({ t: 'start', config: boot });
          break;
        case 'console':
          vm.tail.push(m.data);
          this.remember(id, m.data);
          this.events.console(id, m.data);
          break;
        case 'status':
          if (vm.gone || m.status.state === 'stopped') break;
          vm.runtime = { ...vm.runtime, state: m.status.state, uptimeMs: m.status.uptimeMs, mips: m.status.mips, forceOffAt: m.status.forceOffAt };
          this.events.runtime(id, vm.runtime);
          break;
        case 'log':
          this.events.log(id, m.line);
          break;
        case 'exit':
          vm.exitMsg = { kind: m.kind, message: m.message, lastLines: m.lastLines };
          break;
        case 'snapshot-done': {
          const w = vm.waiting.get(m.req);
          vm.waiting.delete(m.req);
          if (w !== undefined) {
            if (m.ok) w.ok(m.message);
            else w.fail(new Error(m.message));
          }
          break;
        }
      }
    });
    child.onBadMessage(() => this.events.log(id, 'the VM process sent a malformed message (ignored)'));
    child.onExit((code, signal, stderrTail) => this.exited(id, vm, code, signal, stderrTail));
    this.events.runtime(id, vm.runtime);
  }

  private remember(id: string, data: Uint8Array): void {
    const h = this.history.get(id);
    if (h === undefined) return;
    h.push(data);
    let n = 0;
    for (const c of h) n += c.length;
    while (n > HISTORY_BYTES && h.length > 1) n -= (h.shift() as Uint8Array).length;
  }

  private exited(id: string, vm: Vm, code: number | null, signal: string | null, stderrTail: string): void {
    if (vm.gone) return;
    vm.gone = true;
    if (vm.killTimer !== null) clearTimeout(vm.killTimer);
    this.vms.delete(id);
    for (const w of vm.waiting.values()) w.fail(new Error('the VM stopped before the snapshot finished'));
    vm.waiting.clear();
    const at = new Date().toISOString();
    let rt: VmRuntime;
    const m = vm.exitMsg;
    if (m !== null && m.kind !== 'error') {
      rt = { state: 'stopped', uptimeMs: 0, mips: 0, forceOffAt: 0, lastExit: { ...m, at } };
    } else {
      let message: string;
      if (m !== null) message = m.message;
      else if (signal !== null) message = `the VM process was killed (${signal})`;
      else if (code !== null) message = `the VM process exited unexpectedly (status ${code})`;
      else message = 'the VM process could not run';
      const errLine = stderrTail.trim().split('\n').filter((l) => l.trim() !== '').pop();
      if (m === null && errLine !== undefined) message += `: ${errLine}`;
      rt = { state: 'crashed', uptimeMs: 0, mips: 0, forceOffAt: 0, lastExit: { kind: 'crash', message, lastLines: m?.lastLines ?? vm.tail.get(), at } };
    }
    this.ended.set(id, rt);
    this.events.runtime(id, rt);
  }

  private get(id: string): Vm {
    const vm = this.vms.get(id);
    if (vm === undefined) throw new Error('the VM is not running');
    return vm;
  }

  input(id: string, data: Uint8Array): void {
    this.get(id).child.send({ t: 'input', data });
  }

  reset(id: string): void {
    this.get(id).child.send({ t: 'reset' });
  }

  pause(id: string): void {
    this.get(id).child.send({ t: 'pause' });
  }

  resume(id: string): void {
    this.get(id).child.send({ t: 'resume' });
  }

  private nextReq = 1;

  /** Save a snapshot of the running VM to `path`; resolves with the VM's report. */
  saveSnapshot(id: string, path: string, name: string): Promise<string> {
    const vm = this.get(id);
    const req = this.nextReq++;
    return new Promise((ok, fail) => {
      vm.waiting.set(req, { ok, fail });
      vm.child.send({ t: 'save', req, path, name });
    });
  }

  /** Restore `path` into the running VM in place. */
  restoreSnapshot(id: string, path: string): Promise<string> {
    return this.request(id, (req) => ({ t: 'restore', req, path }));
  }

  /** Delete a snapshot of the running VM (its process holds the drives whose state it frees). */
  deleteSnapshot(id: string, path: string): Promise<string> {
    return this.request(id, (req) => ({ t: 'delete-snapshot', req, path }));
  }

  private request(id: string, m: (req: number) => ToVm): Promise<string> {
    const vm = this.get(id);
    const req = this.nextReq++;
    return new Promise((ok, fail) => {
      vm.waiting.set(req, { ok, fail });
      vm.child.send(m(req));
    });
  }

  shutdown(id: string, timeoutMs: number): void {
    const vm = this.get(id);
    vm.child.send({ t: 'shutdown', timeoutMs: Math.min(timeoutMs, MAX_SHUTDOWN_TIMEOUT_MS) });
    // If the process is stuck, the supervisor still ends it.
    this.armKill(vm, timeoutMs + KILL_AFTER_MS);
  }

  forceOff(id: string): void {
    const vm = this.get(id);
    vm.child.send({ t: 'force-off' });
    this.armKill(vm, KILL_AFTER_MS);
  }

  private armKill(vm: Vm, ms: number): void {
    if (vm.killTimer !== null) clearTimeout(vm.killTimer);
    vm.killTimer = setTimeout(() => {
      if (!vm.gone) {
        vm.exitMsg ??= { kind: 'forced', message: 'the VM process did not stop; killed', lastLines: vm.tail.get() };
        vm.child.kill();
      }
    }, ms);
  }

  /** App shutdown: end every VM process now. */
  killAll(): void {
    for (const vm of this.vms.values()) vm.child.kill();
  }

  /** Forget a removed VM. */
  forget(id: string): void {
    this.ended.delete(id);
    this.history.delete(id);
  }
}
