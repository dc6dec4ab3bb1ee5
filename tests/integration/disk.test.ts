// Disks end to end: Debian's kernel finds virtio-blk behind the sPAPR PCI host bridge,
// and the default guest's busybox mounts, reads and writes them. Four drives in one boot
// (order = /dev/vda, vdb, ...): an ext4 raw image, a qcow2 copy of it, an ISO 9660 image
// and a raw image attached read-only. Afterwards the host checks the files with Debian's
// own tools (debugfs, e2fsck, qemu-img).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GuestConsole, root } from './guest-console.js';

const guest = join(root, '.cache', 'guest', 'guest.json');

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'ppcbox-disk-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('disks on the pseries machine', () => {
  it('mounts ext4 on raw and qcow2, an ISO read-only, refuses writes to a read-only drive', async () => {
    expect(existsSync(guest), 'default guest missing: npm test fetches it (npm run setup)').toBe(true);
    // An ext4 image made by Debian's mkfs.ext4 from a folder.
    const src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'hello.txt'), 'hello from the host\n');
    const raw = join(work, 'disk.raw');
    sh('mkfs.ext4', ['-q', '-F', '-d', src, raw, '32M']);
    const qcow = join(work, 'disk.qcow2');
    sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow]);
    const isoSrc = join(work, 'iso');
    mkdirSync(isoSrc);
    writeFileSync(join(isoSrc, 'readme.txt'), 'on the cd\n');
    const iso = join(work, 'cd.iso');
    sh('genisoimage', ['-quiet', '-o', iso, '-V', 'PPCBOX', '-r', isoSrc]);
    const ro = join(work, 'ro.raw');
    writeFileSync(ro, Buffer.alloc(1 << 20, 0x5a));
    const roBefore = readFileSync(ro);
    const roMtime = statSync(ro).mtimeMs;

    const drives = [`file=${raw}`, `file=${qcow}`, `file=${iso}`, `file=${ro},readonly=on`].map((d) => `--drive ${d}`).join(' ');
    const con = GuestConsole.start(`--memory 1024 ${drives}`);
    const p = con.p;
    try {
      let at = await con.expect(/PPCBOX-READY/, 0, 300_000);
      at = await con.expect(/\/ # /, at, 60_000);
      // Four disks, in order, with their sizes (512-byte sectors); vdd is read-only.
      at = await con.run('cat /sys/block/vda/size /sys/block/vdb/size /sys/block/vdd/size /sys/block/vdd/ro', 'SIZES-DONE', at);
      expect(con.out.slice(at - 200, at)).toMatch(/65536\r*\n65536\r*\n2048\r*\n1\r*\n/);
      // raw ext4: read a file, write one, sync.
      at = await con.run('mount /dev/vda /mnt && cat /mnt/hello.txt', 'RAW-READ', at);
      expect(con.out.slice(at - 200, at)).toContain('hello from the host');
      at = await con.run('echo written-to-raw > /mnt/new.txt && sync && umount /mnt', 'RAW-DONE', at);
      // The qcow2 copy.
      at = await con.run('mount /dev/vdb /mnt && cat /mnt/hello.txt && dd if=/dev/urandom of=/mnt/big bs=64k count=16 2>/dev/null && echo written-to-qcow2 > /mnt/new.txt && sync && umount /mnt', 'QCOW-DONE', at);
      // The ISO: readable, not writable.
      at = await con.run('mount -t iso9660 /dev/vdc /mnt && cat /mnt/readme.txt && touch /mnt/x || echo ISO-WRITE-REFUSED', 'ISO-DONE', at);
      expect(con.out.slice(at - 400, at)).toContain('on the cd');
      expect(con.out.slice(at - 400, at)).toContain('ISO-WRITE-REFUSED');
      at = await con.run('umount /mnt', 'ISO-UMOUNTED', at);
      // Read-only drive: a direct write fails.
      at = await con.run('dd if=/dev/zero of=/dev/vdd bs=512 count=1 conv=fsync 2>/dev/null || echo RO-WRITE-FAILED', 'RO-DONE', at);
      expect(con.out.slice(at - 300, at)).toContain('RO-WRITE-FAILED');
      con.p.stdin.write('poweroff -f\r');
      const code = await Promise.race([con.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
      expect(code, con.out.slice(-2000)).toBe(0);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
    expect(con.out).not.toMatch(/needs reset|guest error/);

    // The host sees what the guest wrote, and the filesystems are clean.
    expect(sh('debugfs', ['-R', 'cat /new.txt', raw])).toBe('written-to-raw\n');
    sh('e2fsck', ['-fn', raw]);
    const check = spawnSync('qemu-img', ['check', qcow], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/No errors were found/);
    const back = join(work, 'back.raw');
    sh('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', qcow, back]);
    expect(sh('debugfs', ['-R', 'cat /new.txt', back])).toBe('written-to-qcow2\n');
    sh('e2fsck', ['-fn', back]);
    // The read-only drive is byte-identical, same mtime; no lock files left behind.
    expect(Buffer.compare(readFileSync(ro), roBefore)).toBe(0);
    expect(statSync(ro).mtimeMs).toBe(roMtime);
  }, 900_000);

  it('keeps what the guest synced when the VM process is killed', async () => {
    const src = join(work, 'src2');
    mkdirSync(src);
    writeFileSync(join(src, 'hello.txt'), 'hello\n');
    const raw = join(work, 'kill.raw');
    sh('mkfs.ext4', ['-q', '-F', '-d', src, raw, '32M']);
    const qcow = join(work, 'kill.qcow2');
    sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow]);
    const con = GuestConsole.start(`--memory 1024 --drive file=${raw} --drive file=${qcow}`);
    const p = con.p;
    try {
      let at = await con.expect(/PPCBOX-READY/, 0, 300_000);
      at = await con.expect(/\/ # /, at, 60_000);
      at = await con.run('mount /dev/vda /mnt && echo synced-raw > /mnt/s.txt && sync', 'RAW-SYNCED', at);
      await con.run('mkdir /q && mount /dev/vdb /q && echo synced-qcow2 > /q/s.txt && dd if=/dev/urandom of=/q/big bs=64k count=32 2>/dev/null && sync', 'QCOW-SYNCED', at);
      // No power-off, no unmount: the whole VM process tree dies at once.
      for (const pid of descendants(p.pid ?? -1)) process.kill(pid, 'SIGKILL');
      await con.exited;
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
    expect(sh('debugfs', ['-R', 'cat /s.txt', raw])).toBe('synced-raw\n');
    const check = spawnSync('qemu-img', ['check', qcow], { encoding: 'utf8' });
    // Leaked clusters are allowed after a crash (exit 3); corruption (exit 2) is not.
    expect([0, 3], check.stdout + check.stderr).toContain(check.status);
    expect(check.stdout).not.toMatch(/ERROR/);
    const back = join(work, 'kill-back.raw');
    sh('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', qcow, back]);
    expect(sh('debugfs', ['-R', 'cat /s.txt', back])).toBe('synced-qcow2\n');
  }, 900_000);
});

/** Every process below `pid` (and itself), deepest first. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) walk(c);
    out.push(p);
  };
  walk(pid);
  return out;
}
