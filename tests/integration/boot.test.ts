// The yardstick: Debian's own ppc64el kernel and busybox boot to a shell on our pseries
// machine, driven through a pseudo-terminal as a person would use `ppcbox run`.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const guest = join(root, '.cache', 'guest', 'guest.json');
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
      if (left <= 0) throw new Error(`timed out waiting for ${re}; console so far:\n${this.out.slice(-3000)}`);
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

describe('Debian ppc64el guest on pseries', () => {
  it('boots to the busybox shell, computes, reports a POWER9 and powers off with status 0', async () => {
    expect(existsSync(guest), 'default guest missing: npm test fetches it (npm run setup)').toBe(true);
    // script(1) gives the VM a real terminal, so the CLI runs in raw mode as for a person.
    const p = spawn('script', ['-qfec', `${tsx} emulator/cli.ts run --memory 1024`, '/dev/null'], {
      cwd: root,
      env: { ...process.env, PPCBOX_CHECK_LOCKS: '1' },
    });
    const con = new Console(p);
    try {
      let at = await con.expect(/PPCBOX-READY/, 0, 240_000);
      at = await con.expect(/\/ # /, at, 60_000);
      con.type('echo $((6*7))\r');
      at = await con.expect(/\n42\r*\n/, at, 60_000);
      con.type('grep -m1 cpu /proc/cpuinfo\r');
      await con.expect(/cpu\s+: POWER9/, at, 60_000);
      con.type('poweroff -f\r');
      const code = await Promise.race([con.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
      expect(code, con.out.slice(-2000)).toBe(0);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  }, 420_000);
});
