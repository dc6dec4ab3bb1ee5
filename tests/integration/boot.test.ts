// The yardstick: Debian's own ppc64el kernel and busybox boot to a shell on our pseries
// machine, driven through a pseudo-terminal as a person would use `ppcbox run`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GuestConsole, root } from './guest-console.js';

const guest = join(root, '.cache', 'guest', 'guest.json');

describe('Debian ppc64el guest on pseries', () => {
  it('boots to the busybox shell, computes, reports a POWER9 and powers off with status 0', async () => {
    expect(existsSync(guest), 'default guest missing: npm test fetches it (npm run setup)').toBe(true);
    const con = GuestConsole.start('--memory 1024');
    try {
      let at = await con.expect(/PPCBOX-READY/, 0, 240_000);
      at = await con.expect(/\/ # /, at, 60_000);
      con.type('echo $((6*7))\r');
      at = await con.expect(/\n42\r*\n/, at, 60_000);
      con.type('grep -m1 cpu /proc/cpuinfo\r');
      await con.expect(/cpu\s+: POWER9/, at, 60_000);
      con.type('poweroff -f\r');
      expect(await con.exitWithin(60_000), con.out.slice(-2000)).toBe(0);
      expect(con.out).not.toMatch(/LockError|without the BQL|emulator failure/);
    } finally {
      con.kill();
    }
  }, 420_000);
});
