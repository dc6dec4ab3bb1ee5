// Drive `ppcbox run` through a pseudo-terminal (script(1)) as a person would: wait for
// console output, type, and collect the exit status. Shared by the integration tests.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');
export const tsx = join(root, 'node_modules', '.bin', 'tsx');

export class GuestConsole {
  out = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;

  constructor(readonly p: ChildProcessWithoutNullStreams) {
    p.stdout.on('data', (d: Buffer) => {
      this.out += d.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
    p.stderr.on('data', (d: Buffer) => {
      this.out += d.toString('latin1');
    });
    this.exited = new Promise((res) => p.on('exit', (code) => res(code)));
  }

  /** `ppcbox run <args>` in a pty (the CLI then runs in raw mode, as for a person). */
  static start(args: string, env: NodeJS.ProcessEnv = {}): GuestConsole {
    const p = spawn('script', ['-qfec', `${tsx} emulator/cli.ts run ${args}`, '/dev/null'], {
      cwd: root,
      env: { ...process.env, PPCBOX_CHECK_LOCKS: '1', ...env },
    });
    return new GuestConsole(p);
  }

  /** Wait until the output after `from` matches `re`; returns the index after the match. */
  async expect(re: RegExp, from: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.out.slice(from));
      if (m !== null) return from + m.index + m[0].length;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}; console so far:\n${this.out.slice(-4000)}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  type(s: string): void {
    this.p.stdin.write(s);
  }

  /** Type a command and wait for its marker line (split in the command so its echo does not match). */
  async run(cmd: string, marker: string, from: number, timeoutMs = 120_000): Promise<number> {
    this.p.stdin.write(`${cmd}; echo ${marker.slice(0, 1)}''${marker.slice(1)}\r`);
    return this.expect(new RegExp(`\\n${marker}\\r*\\n`), from, timeoutMs);
  }

  /** Exit status, or 'timeout' if the process is still running after `ms`. */
  exitWithin(ms: number): Promise<number | null | 'timeout'> {
    return Promise.race([this.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
  }

  kill(): void {
    if (this.p.exitCode === null) this.p.kill('SIGKILL');
  }
}
