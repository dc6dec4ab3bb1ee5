// Snapshots of the default Debian guest (issue 8), through the CLI as a user would: boot
// on --smp 2, start a background counter and a `sleep` in flight, save with Ctrl-A s, quit,
// restore in a new process (--load) under both time policies. The shell answers, the
// counter goes on without gap or repeat, the sleep ends when the policy says, and the
// guest's clock (date, /proc/uptime) keeps the policy's promise within 100 ms of the host
// clock. Then bad files given to --load are refused with the right message.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SnapshotReader, type TimeRecord } from '../../emulator/host/snapshot-file.js';
import { defaultGuest } from '../../scripts/guest/manifest.js';

const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const dir = mkdtempSync(join(tmpdir(), 'ppcbox-snapint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What must never appear. */
const BAD = /LockError|without the BQL|with the BQL held|emulator failure|thread failed|Kernel panic|Oops|BUG:|rcu_sched self-detected stall|rcu: INFO/;

class Vm {
  out = '';
  /** When each piece of output arrived (host ms), by its end offset in `out`. */
  readonly stamps: Array<{ end: number; ms: number }> = [];
  code: number | null | undefined = undefined;
  readonly exited: Promise<number | null>;
  private readonly p: ChildProcessWithoutNullStreams;
  private waiters: Array<() => void> = [];

  constructor(args: string[]) {
    this.p = spawn(process.execPath, ['--import', tsx, 'emulator/cli.ts', 'run', ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    const on = (d: Buffer): void => {
      this.out += d.toString('latin1');
      this.stamps.push({ end: this.out.length, ms: Date.now() });
      for (const w of this.waiters.splice(0)) w();
    };
    this.p.stdout.on('data', on);
    this.p.stderr.on('data', on);
    this.exited = new Promise((res) =>
      this.p.on('exit', (c) => {
        this.code = c;
        for (const w of this.waiters.splice(0)) w();
        res(c);
      }),
    );
  }

  /** Wait for `re` after `from`; the match, the index after it and the host time it arrived. */
  async expect(re: RegExp, from: number, timeoutMs: number): Promise<{ m: RegExpExecArray; at: number; hostMs: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.out.slice(from));
      if (m !== null) return { m, at: from + m.index + m[0].length, hostMs: Date.now() };
      if (this.code !== undefined) throw new Error(`VM exited (${this.code}) waiting for ${re}; output:\n${this.out.slice(-3000)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}; output:\n${this.out.slice(-3000)}`);
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

  /** Host time at which output up to offset `i` had arrived. */
  arrival(i: number): number {
    for (const st of this.stamps) if (st.end >= i) return st.ms;
    return Date.now();
  }

  async quit(): Promise<void> {
    if (this.code === undefined) {
      this.type('\x01x');
      const k = setTimeout(() => this.p.kill('SIGKILL'), 20_000);
      await this.exited;
      clearTimeout(k);
    }
  }
}

interface Clock {
  /** Guest clock minus the host clock when its line arrived (seconds): the wall clock
   * (adjtimex) and the TB-based uptime. The larger, the less console latency it carries. */
  date: number;
  uptime: number;
}

let seq = 0;
/**
 * Read the guest clocks three times. Each value is printed by the process that read it,
 * right after reading, and timed by the arrival of its own line; the best (least delayed)
 * reading of each is kept.
 */
async function clocks(vm: Vm, from: number): Promise<{ c: Clock; at: number }> {
  let date = -Infinity;
  let uptime = -Infinity;
  let at = from;
  for (let i = 0; i < 3; i++) {
    const tag = `CLKEND${++seq}`;
    vm.type(`adjtimex; cat /proc/uptime; echo ${tag}-$((1+1))\r`);
    const r = await vm.expect(new RegExp(`${tag}-2`), at, 60_000);
    const text = vm.out.slice(at, r.at);
    const sec = /tv_sec:\s*(\d+)/.exec(text);
    const usec = /tv_usec:\s*(\d+)[^\n]*\n/.exec(text);
    const up = /\n(\d+\.\d\d) \d+\.\d\d\r?\n/.exec(text);
    if (sec === null || usec === null || up === null) throw new Error(`unreadable clocks:\n${text}`);
    const dateArr = vm.arrival(at + usec.index + usec[0].length);
    const upArr = vm.arrival(at + up.index + up[0].length);
    date = Math.max(date, Number(sec[1]) + Number(usec[1]) / 1e6 - dateArr / 1000);
    uptime = Math.max(uptime, Number(up[1]) - upArr / 1000);
    at = r.at;
  }
  return { c: { date, uptime }, at };
}

let snapshotFile = '';
let baseArgs: string[] = [];

describe('snapshot of the default guest (--smp 2)', () => {
  it('saves with a sleep in flight and a counter; restores in new processes under continue and realtime', async () => {
    const g = defaultGuest();
    if (g === undefined) throw new Error('no default guest: run `npm run setup`');
    baseArgs = ['--memory', '1024', '--smp', '2', '--kernel', g.kernel, '--initrd', g.initrd, '--append', 'console=hvc0 quiet', '--snapshot-dir', dir];
    const vm = new Vm(baseArgs);
    let at = (await vm.expect(/PPCBOX-READY/, 0, 600_000)).at;
    at = (await vm.expect(/# /, at, 60_000)).at;
    vm.type("c=0; (while :; do c=$((c+1)); echo $c >> /tmp/log; echo $c > /tmp/cnt; sleep 1; done) >/dev/null 2>&1 &\r");
    // The sleep reports the guest uptime (TB) when it began and ended.
    // (`read` is a shell builtin: no process start between reading the clock and sleeping.)
    vm.type('(read s0 x < /proc/uptime; sleep 8; read s1 x < /proc/uptime; echo SLEPT-$((6*7)) $s0 $s1) &\r');
    const sleepStartHost = Date.now();
    vm.type('echo STARTED-$((1+1))\r');
    at = (await vm.expect(/STARTED-2/, at, 60_000)).at;
    await new Promise((r) => setTimeout(r, 2500));
    const before = await clocks(vm, at);
    at = before.at;
    vm.type('\x01s');
    const saved = await vm.expect(/ppcbox: saved (\S+) \(([\d.]+) MiB, guest paused (\d+) ms\)/, at, 120_000);
    snapshotFile = saved.m[1];
    expect(Number(saved.m[3])).toBeLessThan(2000);
    expect(vm.out.slice(at)).not.toMatch(/SLEPT-42/); // still in flight at the save
    // The old process goes away while the new one starts: `realtime` right after the save
    // keeps the gap short (a gap over ~10 s sets off the guest's own lockup and RCU stall
    // detectors under `realtime`, as after any real jump of the TB; see snapshot.ts).
    const quitting = vm.quit();
    const r = await SnapshotReader.open(snapshotFile);
    const time = await r.json<TimeRecord>('TIME');
    await r.close();
    // The sleep's time left at the save (it started when we typed it, give or take).
    expect(time.hostMs - sleepStartHost).toBeLessThan(7000);

    for (const policy of ['realtime', 'continue'] as const) {
      if (policy === 'continue') {
        await quitting;
        expect(vm.out).not.toMatch(BAD);
        await new Promise((res) => setTimeout(res, 2000)); // real time passes between save and restore
      }
      const v = new Vm([...baseArgs, '--load', snapshotFile, '--load-time', policy]);
      const done = await v.expect(/ppcbox: restored .* in (\d+) ms at (\d+)/, 0, 120_000);
      const restoredMs = Number(done.m[2]);
      const gapS = (restoredMs - time.hostMs) / 1000;
      let a = done.at;
      // The sleep: `continue` gives it the time it had left; under `realtime` it ends at its
      // real deadline, at once if that passed meanwhile.
      const slept = await v.expect(/SLEPT-42 (\d+\.\d+) (\d+\.\d+)/, a, 60_000);
      const [s0, s1] = [Number(slept.m[1]), Number(slept.m[2])];
      // Guest side: never early; under continue, on time in guest time too.
      expect(s1 - s0).toBeGreaterThanOrEqual(8);
      if (policy === 'continue') expect(s1 - s0).toBeLessThan(8 + 1.2);
      // Host side: its deadline in host time, from the guest's uptime-minus-host offset the
      // policy promises (before.c.uptime, shifted back by the gap under continue); under
      // realtime a deadline that passed during the gap is due at once.
      const offset = before.c.uptime + (policy === 'continue' ? -gapS : 0);
      const due = Math.max(restoredMs, (s0 + 8 - offset) * 1000);
      slept.hostMs = v.arrival(slept.at);
      // A realtime jump over ~10 s (a slow process start on a busy host) makes the guest
      // report lockups and RCU stalls first, which takes its console a few seconds.
      const longJump = policy === 'realtime' && gapS > 9;
      expect(Math.abs(slept.hostMs - due), `${policy}: sleep ended ${slept.hostMs - due} ms off its due time (gap ${gapS.toFixed(1)} s)\n${v.out.slice(-2500)}`).toBeLessThan(longJump ? 6000 : 1200);
      // The shell answers and the clocks keep the policy's promise.
      v.type('echo ALIVE-$((40+2))\r');
      a = (await v.expect(/ALIVE-42/, a, 60_000)).at;
      const after = await clocks(v, a);
      a = after.at;
      // Guest clock minus host clock: behind by the gap under continue, unchanged under realtime.
      const promise = policy === 'continue' ? -gapS : 0;
      const dDate = after.c.date - before.c.date;
      const dUp = after.c.uptime - before.c.uptime;
      expect(Math.abs(dDate - promise), `${policy}: guest date moved ${dDate.toFixed(3)} s against the host, promised ${promise.toFixed(3)}`).toBeLessThan(0.1);
      expect(Math.abs(dUp - promise), `${policy}: guest uptime (TB) moved ${dUp.toFixed(3)} s against the host, promised ${promise.toFixed(3)}`).toBeLessThan(0.11);
      // The counter goes on, with no gap or repeat.
      v.type('cat /tmp/cnt\r');
      const n1 = Number((await v.expect(/\n(\d+)\r?\n/, a, 30_000)).m[1]);
      await new Promise((res) => setTimeout(res, 2500));
      v.type("awk 'NR != $1 { print \"GAP\", NR, $1 } END { print \"LINES\", NR }' /tmp/log\r");
      const lines = await v.expect(/LINES (\d+)/, a, 30_000);
      expect(v.out.slice(a, lines.at)).not.toMatch(/GAP \d/);
      expect(Number(lines.m[1])).toBeGreaterThan(n1);
      await v.quit();
      expect(longJump ? v.out.replace(/.*(LOCKUP|rcu[:_]).*/g, '') : v.out).not.toMatch(BAD);
    }
  }, 900_000);

  it('refuses truncated, corrupted, other-version and other-configuration snapshots at --load', async () => {
    if (snapshotFile === '') throw new Error('needs the snapshot of the previous test');
    const full = readFileSync(snapshotFile);
    const variants: Array<[string, Buffer, RegExp, string[]]> = [];
    variants.push(['truncated', full.subarray(0, full.length - 5000), /truncated/, []]);
    const corrupt = Buffer.from(full);
    corrupt[full.length >> 1] ^= 0x10;
    variants.push(['corrupted', corrupt, /corrupted: checksum mismatch in section RAM/, []]);
    const v2 = Buffer.from(full);
    v2.writeUInt32LE(2, 8);
    variants.push(['version', v2, /format version 2, this PPCBox reads version 1/, []]);
    variants.push(['config', full, /different machine configuration: memory 1024 MiB, this VM has 512 MiB/, ['--memory', '512']]);
    for (const [what, bytes, re, extra] of variants) {
      const f = join(dir, `${what}.ppcsnap`);
      writeFileSync(f, bytes);
      const args = [...baseArgs.filter((_a, i) => extra.length === 0 || (baseArgs[i] !== '--memory' && baseArgs[i - 1] !== '--memory')), ...extra, '--load', f];
      const v = new Vm(args);
      const code = await v.exited;
      expect(code, `${what}: ${v.out.slice(-500)}`).toBe(2);
      expect(v.out).toMatch(new RegExp(`ppcbox: snapshot ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      expect(v.out).toMatch(re);
    }
  }, 300_000);
});
