// Snapshots keep the disk with the RAM (issue 8): the default guest mounts an ext4 qcow2
// disk and a background job appends a counter to it (synced each step); Ctrl-A s saves;
// the VM keeps running and writes more (a marker file, more counter lines); after a quit
// the host sees those writes. Then --load in a new process: the disk is back at the
// snapshot's moment (no marker, the counter log goes on from the RAM's counter without a
// gap or repeat), and afterwards qemu-img check and e2fsck find the image clean.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { deleteSnapshot } from '../../emulator/host/snapshot.js';
import { GuestConsole } from './guest-console.js';

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'ppcbox-snapdisk-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Type a command; wait for its marker line (built so the echoed command does not match). */
async function run(con: GuestConsole, cmd: string, marker: string, from: number, timeoutMs = 120_000): Promise<number> {
  con.type(`${cmd}; echo ${marker.slice(0, 1)}''${marker.slice(1)}\r`);
  return con.expect(new RegExp(`\\n${marker}\\r*\\n`), from, timeoutMs);
}

async function quit(con: GuestConsole): Promise<number | null | 'timeout'> {
  con.type('\x01x');
  const code = await con.exitWithin(60_000);
  if (code === 'timeout') con.kill();
  return code;
}

const BAD = /needs reset|guest error|Kernel panic|Oops|BUG:|EXT4-fs error|I\/O error|emulator failure/;

describe('snapshots with a writable qcow2 disk', () => {
  it('save, write more, restore: the disk is back at the snapshot, in step with RAM', async () => {
    const src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'hello.txt'), 'hello\n');
    const raw = join(work, 'disk.raw');
    sh('mkfs.ext4', ['-q', '-F', '-d', src, raw, '32M']);
    const qcow = join(work, 'disk.qcow2');
    sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow]);
    const snapDir = join(work, 'snaps');
    mkdirSync(snapDir);
    const args = `--memory 1024 --drive file=${qcow} --snapshot-dir ${snapDir}`;

    // First run: boot, counter job, save, keep writing.
    let snap: string;
    let afterSave: number;
    const con = GuestConsole.start(args);
    try {
      let at = await con.expect(/PPCBOX-READY/, 0, 600_000);
      at = await con.expect(/# /, at, 60_000);
      at = await run(con, 'mount /dev/vda /mnt', 'MOUNTED', at);
      con.type('(c=0; while :; do c=$((c+1)); echo $c >> /mnt/log; sync; sleep 0.2; done) >/dev/null 2>&1 & echo $! > /tmp/job\r');
      at = await run(con, 'sleep 3; echo N=$(wc -l < /mnt/log)', 'STARTED', at);
      con.type('\x01s');
      const end = await con.expect(/ppcbox: saved \S+ \(/, at, 180_000);
      const saved = /ppcbox: saved (\S+) \(/.exec(con.out.slice(at, end));
      if (saved === null) throw new Error(`no saved line in ${JSON.stringify(con.out.slice(at, end))}`);
      snap = saved[1];
      at = con.out.length;
      // Keep running: more counter lines, and a marker written after the save.
      at = await run(con, 'sleep 4; echo after-save > /mnt/after; sync; echo A=$(wc -l < /mnt/log)', 'WROTE', at);
      afterSave = Number(/A=(\d+)/.exec(con.out.slice(at - 200, at))?.[1]);
      expect(afterSave).toBeGreaterThan(0);
      at = await run(con, 'kill $(cat /tmp/job); sleep 1; umount /mnt', 'UNMOUNTED', at);
      expect(await quit(con)).toBe(0);
    } finally {
      con.kill();
    }
    expect(con.out).not.toMatch(BAD);
    const tag = /ppcbox-[0-9a-f]+/.exec(sh('qemu-img', ['snapshot', '-l', qcow]))?.[0];
    expect(tag, 'qemu-img snapshot -l lists the snapshot').toBeDefined();
    expect(sh('qemu-img', ['check', qcow])).toMatch(/No errors were found/);
    const back = join(work, 'back.raw');
    sh('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', qcow, back]);
    expect(sh('debugfs', ['-R', 'cat /after', back])).toBe('after-save\n');
    // What the snapshot holds, as qemu-img reads it: no marker, fewer counter lines.
    const atSnap = join(work, 'snap.raw');
    sh('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', '-l', `snapshot.name=${tag}`, qcow, atSnap]);
    const snapLog = spawnSync('debugfs', ['-R', 'cat /log', atSnap], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(snapLog.length).toBeGreaterThan(0);
    expect(snapLog.length).toBeLessThan(afterSave);

    // Second run: restore in a new process.
    const v = GuestConsole.start(`${args} --load ${snap}`);
    try {
      let at = await v.expect(/ppcbox: restored /, 0, 180_000);
      // Drop the page cache first, so what follows is read from the disk itself.
      at = await run(v, 'sleep 2; sync; echo 3 > /proc/sys/vm/drop_caches; ls /mnt/after 2>/dev/null || echo NO-MARKER', 'LISTED', at);
      expect(v.out.slice(at - 300, at)).toContain('NO-MARKER');
      // The job carried on from its counter in RAM, onto the disk as it was: lines 1..n.
      at = await run(v, "awk 'NR != $1 { print \"GAP\", NR, $1 } END { print \"LINES\", NR }' /mnt/log", 'CHECKED', at);
      const text = v.out.slice(at - 2000, at);
      expect(text).not.toMatch(/GAP \d/);
      const lines = Number(/LINES (\d+)/.exec(text)?.[1]);
      expect(lines).toBeGreaterThan(snapLog.length);
      at = await run(v, 'kill $(cat /tmp/job); sleep 1; umount /mnt', 'UNMOUNTED', at);
      expect(await quit(v)).toBe(0);
    } finally {
      v.kill();
    }
    expect(v.out).not.toMatch(BAD);
    expect(sh('qemu-img', ['check', qcow])).toMatch(/No errors were found/);
    sh('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', qcow, back]);
    sh('e2fsck', ['-fn', back]);
    expect(spawnSync('debugfs', ['-R', 'cat /after', back], { encoding: 'utf8' }).stdout).not.toContain('after-save');
    // On the host too: the counter log is 1..n, no line from the discarded timeline.
    const log = sh('debugfs', ['-R', 'cat /log', back]).trim().split('\n').map(Number);
    expect(log.length).toBeGreaterThan(snapLog.length);
    expect(log.every((x, i) => x === i + 1), `log on the disk: ${log.join(' ')}`).toBe(true);
  }, 1_200_000);

  it('three snapshots, the middle one deleted: the other two still restore their disk state', async () => {
    const src = join(work, 'src3');
    mkdirSync(src);
    writeFileSync(join(src, 'hello.txt'), 'hello\n');
    const raw = join(work, 'three.raw');
    sh('mkfs.ext4', ['-q', '-F', '-d', src, raw, '32M']);
    const qcow = join(work, 'three.qcow2');
    sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow]);
    const snapDir = join(work, 'snaps3');
    mkdirSync(snapDir);
    const args = `--memory 1024 --drive file=${qcow} --snapshot-dir ${snapDir}`;
    const save = async (con: GuestConsole, at: number): Promise<string> => {
      con.type('\x01s');
      const end = await con.expect(/ppcbox: saved \S+ \(/, at, 180_000);
      const m = /ppcbox: saved (\S+) \(/.exec(con.out.slice(at, end));
      if (m === null) throw new Error('no saved line');
      return m[1];
    };
    const snaps: string[] = [];
    const con = GuestConsole.start(args);
    try {
      let at = await con.expect(/PPCBOX-READY/, 0, 600_000);
      at = await con.expect(/# /, at, 60_000);
      at = await run(con, 'mount /dev/vda /mnt', 'MOUNTED', at);
      con.type('(c=0; while :; do c=$((c+1)); echo $c >> /mnt/log; sync; sleep 0.2; done) >/dev/null 2>&1 & echo $! > /tmp/job\r');
      at = await run(con, 'sleep 2', 'STARTED', at);
      for (const k of [1, 2, 3]) {
        snaps.push(await save(con, at));
        at = await run(con, `sleep 1; echo ${k} > /mnt/m${k}; sync`, `MARKED${k}`, con.out.length);
      }
      at = await run(con, 'kill $(cat /tmp/job); sleep 1; umount /mnt', 'UNMOUNTED', at);
      expect(await quit(con)).toBe(0);
    } finally {
      con.kill();
    }
    expect(con.out).not.toMatch(BAD);
    expect(sh('qemu-img', ['snapshot', '-l', qcow]).match(/ppcbox-[0-9a-f]+/g)?.length).toBe(3);

    // Delete the middle one with the VM stopped: the engine opens the image itself.
    await deleteSnapshot(snaps[1]);
    expect(existsSync(snaps[1])).toBe(false);
    expect(sh('qemu-img', ['snapshot', '-l', qcow]).match(/ppcbox-[0-9a-f]+/g)?.length).toBe(2);
    expect(sh('qemu-img', ['check', qcow])).toMatch(/No errors were found/);

    for (const [i, markers] of [
      [0, []],
      [2, ['m1', 'm2']],
    ] as const) {
      const v = GuestConsole.start(`${args} --load ${snaps[i]}`);
      try {
        let at = await v.expect(/ppcbox: restored /, 0, 180_000);
        at = await run(v, 'sleep 1; sync; echo 3 > /proc/sys/vm/drop_caches; for f in m1 m2 m3; do [ -e /mnt/$f ] && echo HAS-$f; done', 'LISTED', at);
        const seen = [...v.out.slice(at - 400, at).matchAll(/HAS-(m\d)/g)].map((m) => m[1]);
        expect(seen, `markers on the disk restored from snapshot ${i + 1}`).toEqual(markers);
        at = await run(v, "awk 'NR != $1 { print \"GAP\", NR, $1 } END { print \"LINES\", NR }' /mnt/log", 'CHECKED', at);
        expect(v.out.slice(at - 2000, at)).not.toMatch(/GAP \d/);
        at = await run(v, 'kill $(cat /tmp/job); sleep 1; umount /mnt', 'UNMOUNTED', at);
        expect(await quit(v)).toBe(0);
      } finally {
        v.kill();
      }
      expect(v.out).not.toMatch(BAD);
      expect(sh('qemu-img', ['check', qcow])).toMatch(/No errors were found/);
      const back = join(work, 'three-back.raw');
      sh('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', qcow, back]);
      sh('e2fsck', ['-fn', back]);
    }
  }, 1_200_000);

  it('refuses to save with a writable raw drive, saying to use qcow2; the VM runs on', async () => {
    const raw = join(work, 'plain.raw');
    writeFileSync(raw, Buffer.alloc(4 << 20));
    const snapDir = join(work, 'snaps-raw');
    mkdirSync(snapDir);
    const con = GuestConsole.start(`--memory 1024 --drive file=${raw} --snapshot-dir ${snapDir}`);
    try {
      let at = await con.expect(/PPCBOX-READY/, 0, 600_000);
      at = await con.expect(/# /, at, 60_000);
      con.type('\x01s');
      at = await con.expect(/cannot save: drive 0 .* is a writable raw image.*use a qcow2 image/, at, 60_000);
      await run(con, 'echo $((40+2))', 'ALIVE', at);
      expect(await quit(con)).toBe(0);
    } finally {
      con.kill();
    }
    expect(con.out).not.toMatch(BAD);
  }, 900_000);
});
