// How a VM process is spawned: the one place that differs between the web host / CLI
// (child_process.fork) and the desktop app (Electron's utilityProcess, see
// electron-main.ts, which passes its own launcher). The supervisor sees only VmChild.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromVm, ToVm } from '../emulator/host/vm-protocol.js';
import { isFromVm } from '../emulator/host/vm-protocol.js';

export interface VmChild {
  readonly pid: number | undefined;
  send(m: ToVm): void;
  onMessage(f: (m: FromVm) => void): void;
  /** Malformed messages from the child (reported, never trusted). */
  onBadMessage(f: (m: unknown) => void): void;
  /** code/signal as the OS reports them; stderrTail: the process's last error output. */
  onExit(f: (code: number | null, signal: string | null, stderrTail: string) => void): void;
  kill(): void;
}

export type VmLauncher = () => VmChild;

const here = dirname(fileURLToPath(import.meta.url));
export const VM_PROCESS_ENTRY = join(here, '..', 'emulator', 'host', 'vm-process.ts');
const VM_PROCESS_JS = join(here, '..', 'emulator', 'host', 'vm-process.js');

/** child_process.fork of emulator/host/vm-process (run through tsx unless built to JS). */
export function forkLauncher(): VmChild {
  const js = existsSync(VM_PROCESS_JS);
  const p = fork(js ? VM_PROCESS_JS : VM_PROCESS_ENTRY, [], {
    execArgv: js ? [] : ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  p.stderr?.on('data', (d: Buffer) => {
    process.stderr.write(d);
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const msgs: Array<(m: FromVm) => void> = [];
  const bad: Array<(m: unknown) => void> = [];
  p.on('message', (m: unknown) => {
    if (isFromVm(m)) for (const f of msgs) f(m);
    else for (const f of bad) f(m);
  });
  return {
    pid: p.pid,
    send: (m) => {
      if (p.connected) p.send(m);
    },
    onMessage: (f) => msgs.push(f),
    onBadMessage: (f) => bad.push(f),
    onExit: (f) => {
      p.on('exit', (code, signal) => f(code, signal, stderr));
      p.on('error', (e) => f(null, null, `cannot run the VM process: ${e.message}`));
    },
    kill: () => {
      p.kill('SIGKILL');
    },
  };
}
