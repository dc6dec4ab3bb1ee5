// `npm run bench -- disk`: sequential read throughput of a virtio-blk disk seen by the
// default guest: `dd if=/dev/vda of=/dev/null bs=1M` over a 256 MiB raw image, on PPCBox
// and on QEMU from Debian (virtio-blk-pci on its pseries, same kernel, initrd and file)
// in the same run. Time from the guest's clock (/proc/uptime) around the dd.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultGuest, REPO_ROOT } from '../guest/manifest.js';
import type { Reporter } from './report.js';

const IMAGE_MIB = 256;
const TIMEOUT_MS = 900_000;
// Debian's busybox dd prints no timing line: the guest's /proc/uptime around it does.
const DD = /DDTIME ([\d.]+) ([\d.]+)/;
const DD_CMD = "a=$(cut -d' ' -f1 /proc/uptime); dd if=/dev/vda of=/dev/null bs=1M 2>/dev/null; b=$(cut -d' ' -f1 /proc/uptime); echo DD''TIME $a $b\r";

/** A 256 MiB raw image of non-zero data (fully allocated, so nothing reads as a hole). */
function makeImage(path: string): void {
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < IMAGE_MIB; i++) {
      block[0] = i & 0xff;
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
}

/** Boot, wait for the shell, dd the disk, power off. Returns MB/s (10^6 bytes). */
function ddRead(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let stage = 0;
    let result = NaN;
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd}: no dd result within ${TIMEOUT_MS / 1000} s; last output:\n${out.slice(-1500)}`));
    }, TIMEOUT_MS);
    const onData = (d: Buffer): void => {
      out += d.toString('latin1');
      if (stage === 0 && /PPCBOX-READY[\s\S]*\/ # /.test(out)) {
        stage = 1;
        p.stdin.write(DD_CMD);
      } else if (stage === 1) {
        const m = DD.exec(out);
        if (m !== null) {
          stage = 2;
          result = (IMAGE_MIB * 1048576) / (Number(m[2]) - Number(m[1])) / 1e6;
          p.stdin.write('poweroff -f\r');
          setTimeout(() => p.kill('SIGKILL'), 30_000).unref();
        }
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (stage === 2) resolve(result);
      else reject(new Error(`${cmd} exited with ${code} before the dd result; last output:\n${out.slice(-1500)}`));
    });
  });
}

export async function benchDisk(r: Reporter): Promise<void> {
  const g = defaultGuest();
  if (g === undefined) throw new Error('no default guest: run `npm run setup` first');
  const dir = mkdtempSync(join(tmpdir(), 'ppcbox-bench-disk-'));
  const img = join(dir, 'disk.raw');
  try {
    makeImage(img);
    const q = await ddRead('qemu-system-ppc64', [
      '-M', 'pseries,x-vof=on', '-cpu', 'power9', '-m', '1G', '-smp', '1', '-nographic', '-nodefaults', '-serial', 'stdio',
      '-kernel', g.kernel, '-initrd', g.initrd, '-append', 'console=hvc0 quiet',
      '-drive', `file=${img},format=raw,if=none,id=d0`, '-device', 'virtio-blk-pci,drive=d0',
    ]);
    r.note(`qemu: ${q.toFixed(1)} MB/s`);
    const tsx = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
    const o = await ddRead(process.execPath, ['--import', tsx, 'emulator/cli.ts', 'run', '--memory', '1024', '--drive', `file=${img},format=raw`]);
    r.note(`ppcbox: ${o.toFixed(1)} MB/s`);
    r.value('disk.read_mb_s', Number(o.toFixed(1)), 'MB/s');
    r.value('disk.qemu.read_mb_s', Number(q.toFixed(1)), 'MB/s');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
