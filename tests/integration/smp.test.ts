// SMP under load (issue 4): the default Debian guest on `--smp 4`, its vCPUs on their own
// threads, runs the stress program (tests/guest/stress.c: larx/stcx. counters, a pthread
// mutex, cross-vCPU ping-pong) with the BQL assertions on, and powers off cleanly.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStressGuest, type StressGuest } from '../guest/build.js';

const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

class Console {
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
}

/** What must never appear: lock assertion failures, emulator failures, guest crashes. */
const BAD = /LockError|without the BQL|with the BQL held|emulator failure|thread failed|Kernel panic|Oops|BUG:|rcu_sched self-detected stall|rcu: INFO/;

describe('SMP: Debian guest on --smp 4', () => {
  let g: StressGuest;
  beforeAll(() => {
    g = buildStressGuest();
  }, 120_000);

  it('reports 4 CPUs, passes the stress program and powers off with status 0', async () => {
    const cmd = `${tsx} emulator/cli.ts run --memory 1024 --smp 4 --kernel ${g.kernel} --initrd ${g.initrd} --append 'console=hvc0 quiet'`;
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], {
      cwd: root,
      env: { ...process.env, PPCBOX_CHECK_LOCKS: '1' },
    });
    const con = new Console(p);
    try {
      let at = await con.expect(/PPCBOX-READY/, 0, 300_000);
      at = await con.expect(/\/ # /, at, 60_000);
      con.type('grep -c ^processor /proc/cpuinfo\r');
      const before = at;
      at = await con.expect(/\n(\d+)\r*\n/, at, 60_000);
      expect(/\n(\d+)\r*\n/.exec(con.out.slice(before))?.[1], con.out.slice(-2000)).toBe('4');
      con.type('/stress; echo STATUS=$?\r');
      at = await con.expect(/STRESS-(OK|FAIL[^\r\n]*)/, at, 300_000);
      const verdict = /STRESS-(OK|FAIL[^\r\n]*)/.exec(con.out.slice(before))?.[0];
      expect(verdict, con.out.slice(-3000)).toBe('STRESS-OK');
      at = await con.expect(/STATUS=0/, at, 60_000);
      con.type('poweroff -f\r');
      const code = await Promise.race([con.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
      expect(code, con.out.slice(-2000)).toBe(0);
      expect(BAD.exec(con.out)?.[0], con.out.slice(-3000)).toBeUndefined();
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
      // For a failing run: the stress lines say which check broke.
      const lines = con.out.split(/\r?\n/).filter((l) => l.includes('STRESS'));
      if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    }
  }, 720_000);
});
