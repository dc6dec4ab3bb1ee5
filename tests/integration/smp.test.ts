// SMP under load (issue 4): the default Debian guest on `--smp 4`, its vCPUs on their own
// threads, runs the stress program (tests/guest/stress.c: larx/stcx. counters, a pthread
// mutex, cross-vCPU ping-pong, TLB shoot-down) with the BQL assertions on, and powers off
// cleanly. (Unknown-hypercall lines are expected: Linux probes two opcodes at boot.)
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStressGuest, type StressGuest } from '../guest/build.js';
import { GuestConsole } from './guest-console.js';

/** What must never appear: lock assertion failures, emulator failures, guest crashes. */
const BAD = /LockError|without the BQL|with the BQL held|emulator failure|thread failed|Kernel panic|Oops|BUG:|rcu_sched self-detected stall|rcu: INFO|XIVE: /;

describe('SMP: Debian guest on --smp 4', () => {
  let g: StressGuest;
  beforeAll(() => {
    g = buildStressGuest();
  }, 120_000);

  it('reports 4 CPUs, passes the stress program and powers off with status 0', async () => {
    // The default interrupt controller choice (dual: Debian picks XIVE), lock checks on.
    const con = GuestConsole.start(`--memory 1024 --smp 4 --kernel ${g.kernel} --initrd ${g.initrd} --append 'console=hvc0 quiet'`);
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
      expect(await con.exitWithin(60_000), con.out.slice(-2000)).toBe(0);
      expect(BAD.exec(con.out)?.[0], con.out.slice(-3000)).toBeUndefined();
    } finally {
      con.kill();
      // For a failing run: the stress lines say which check broke.
      const lines = con.out.split(/\r?\n/).filter((l) => l.includes('STRESS'));
      if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    }
  }, 720_000);
});
