// Reset under load (issue 7): the default Debian guest on `--smp 4` with an ext4 disk runs
// disk I/O in a loop (dd through the filesystem, with sync) while shell loops hop between
// vCPUs with taskset (wake-ups and IPIs), and the console's Ctrl-A r resets it at varied
// moments, RESET_ROUNDS times (default 20). Every time the guest must boot back to a
// working shell with the lock assertions on and no emulator error; then `reboot -f` from
// the shell boots again, power-off ends the CLI with status 0, and the host's e2fsck finds
// the filesystem clean (the last boot mounted it, replaying the journal, and unmounted).
// Time: each round is a full --smp 4 boot; on a shared, loaded 2-core host (load ~15)
// rounds took 38-117 s and the whole test 29 min. RESET_ROUNDS=3 for a quick look.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GuestConsole, root } from './guest-console.js';

const guest = join(root, '.cache', 'guest', 'guest.json');
const ROUNDS = Number(process.env.RESET_ROUNDS ?? 20);

/** What must never appear: lock assertion failures, emulator failures, guest crashes. */
const BAD = /LockError|without the BQL|with the BQL held|emulator failure|thread failed|Kernel panic|Oops|BUG:|rcu_sched self-detected stall|rcu: INFO|XIVE: |needs reset|guest error|EXT4-fs error/;

function sh(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

const work = mkdtempSync(join(tmpdir(), 'ppcbox-reset-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Type a command and wait for its marker line (split in the command so the echo does not match). */
async function run(con: GuestConsole, cmd: string, marker: string, from: number, timeoutMs = 120_000): Promise<number> {
  con.type(`${cmd}; echo ${marker.slice(0, 1)}''${marker.slice(1)}\r`);
  return con.expect(new RegExp(`\\n${marker}\\r*\\n`), from, timeoutMs);
}

/**
 * The load: a writer loop (dd of 256 KiB through the filesystem, sync, read back, rm) and
 * two loops that start tiny processes on changing vCPUs. `quiet` on the mount: the
 * journal recovery notice of a reset is expected.
 */
const LOAD = [
  'mount -t ext4 /dev/vda /mnt;',
  '(i=0; while :; do dd if=/dev/zero of=/mnt/f$((i%3)) bs=64k count=4 2>/dev/null; sync; cat /mnt/f$((i%3)) >/dev/null; i=$((i+1)); done) &',
  '(i=0; while :; do taskset -c $((i%4)) true; i=$((i+1)); done) &',
  '(i=1; while :; do taskset -c $((i%4)) true; i=$((i+3)); done) & true',
].join(' ');

describe('machine reset under load', () => {
  it(`resets a busy --smp 4 guest with a disk ${ROUNDS} times, then reboot -f and power-off`, async () => {
    expect(existsSync(guest), 'default guest missing: npm test fetches it (npm run setup)').toBe(true);
    const src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'hello.txt'), 'hello from the host\n');
    const img = join(work, 'disk.raw');
    const mk = sh('mkfs.ext4', ['-q', '-F', '-d', src, img, '32M']);
    expect(mk.status, mk.out).toBe(0);

    const con = GuestConsole.start(`--memory 1024 --smp 4 --drive file=${img}`);
    const times: number[] = [];
    try {
      let at = 0;
      for (let round = 0; round <= ROUNDS; round++) {
        const t0 = Date.now();
        at = await con.expect(/PPCBOX-READY/, at, 300_000);
        at = await con.expect(/\/ # /, at, 60_000);
        // A working shell that sees 4 CPUs and the disk's file.
        at = await run(con, 'grep -c ^processor /proc/cpuinfo; cat /sys/block/vda/size', `ALIVE${round}`, at);
        expect(con.out.slice(at - 120, at), con.out.slice(-2000)).toMatch(/\n4\r*\n65536\r*\n/);
        if (round === ROUNDS) break;
        at = await run(con, LOAD, `LOADED${round}`, at);
        // Varied moments: right away, or after up to ~3 s of load.
        const delay = (round * 737) % 3000;
        await new Promise((r) => setTimeout(r, delay));
        times.push(Date.now() - t0);
        process.stdout.write(`reset ${round + 1}/${ROUNDS} after ${times[times.length - 1]} ms\n`);
        con.type('\x01r');
      }
      // The filesystem is usable after all that; the last boot's mount replays the journal.
      at = await run(con, 'mount -t ext4 /dev/vda /mnt && cat /mnt/hello.txt && echo after-resets > /mnt/after.txt && sync && umount /mnt', 'FS-OK', at);
      expect(con.out.slice(at - 300, at)).toContain('hello from the host');
      // A guest `reboot -f` (RTAS system-reboot) boots again.
      con.type('reboot -f\r');
      at = await con.expect(/PPCBOX-READY/, at, 300_000);
      at = await con.expect(/\/ # /, at, 60_000);
      at = await run(con, 'cat /sys/block/vda/size', 'REBOOTED', at);
      con.type('poweroff -f\r');
      expect(await con.exitWithin(60_000), con.out.slice(-2000)).toBe(0);
      expect(BAD.exec(con.out)?.[0], con.out.slice(-3000)).toBeUndefined();
    } finally {
      con.kill();
      process.stdout.write(`reset rounds (boot to shell + load + delay, ms): ${times.join(' ')}\n`);
    }

    // Unmounted cleanly by the last boot: e2fsck -fn must find nothing.
    const fsck = sh('e2fsck', ['-fn', img]);
    expect(fsck.status, fsck.out).toBe(0);
    const dbg = sh('debugfs', ['-R', 'cat /after.txt', img]);
    expect(dbg.out).toContain('after-resets');
  }, 3_600_000);
});
