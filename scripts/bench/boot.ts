// `npm run bench -- boot`: power-on to the default guest's shell ready line, 1 vCPU, 1 GiB,
// on PPCBox (`ppcbox run` as a child process) and on QEMU from Debian with the same files,
// in the same run. Medians over BENCH_BOOT_RUNS runs (default 3).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultGuest, REPO_ROOT } from '../guest/manifest.js';
import type { Reporter } from './report.js';

const READY = 'PPCBOX-READY';
const TIMEOUT_MS = 600_000;

interface BootRun {
  seconds: number;
  rssMiB: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Peak resident set (VmHWM) of a live process, in MiB. */
function peakRssMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? NaN : Number(m[1]) / 1024;
  } catch {
    return NaN;
  }
}

/** Start `cmd`, wait for the ready line on its console, then end it. */
function timeBoot(cmd: string, args: string[], quit: (w: (s: string) => void) => void): Promise<BootRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd}: no "${READY}" within ${TIMEOUT_MS / 1000} s; last output:\n${out.slice(-1500)}`));
    }, TIMEOUT_MS);
    const onData = (d: Buffer): void => {
      out += d.toString('latin1');
      if (!done && out.includes(READY)) {
        done = true;
        const seconds = (performance.now() - t0) / 1000;
        const rssMiB = peakRssMiB(p.pid ?? 0);
        clearTimeout(timer);
        p.on('exit', () => resolve({ seconds, rssMiB }));
        quit((s) => p.stdin.write(s));
        setTimeout(() => p.kill('SIGKILL'), 30_000).unref();
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    p.on('exit', (code) => {
      if (!done) {
        clearTimeout(timer);
        reject(new Error(`${cmd} exited with ${code} before "${READY}"; last output:\n${out.slice(-1500)}`));
      }
    });
  });
}

export async function benchBoot(r: Reporter): Promise<void> {
  const g = defaultGuest();
  if (g === undefined) throw new Error('no default guest: run `npm run setup` first');
  const runs = Math.max(1, Number(process.env.BENCH_BOOT_RUNS ?? 3));
  const ours: BootRun[] = [];
  const qemu: number[] = [];
  const tsx = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
  for (let i = 0; i < runs; i++) {
    // Alternate, so both see the same machine load.
    const q = await timeBoot(
      'qemu-system-ppc64',
      ['-M', 'pseries,x-vof=on', '-cpu', 'power9', '-m', '1G', '-smp', '1', '-nographic', '-nodefaults', '-serial', 'stdio',
        '-kernel', g.kernel, '-initrd', g.initrd, '-append', 'console=hvc0 quiet'],
      (w) => w('poweroff -f\r'),
    );
    qemu.push(q.seconds);
    r.note(`run ${i + 1}: qemu ${q.seconds.toFixed(2)} s`);
    const o = await timeBoot(process.execPath, ['--import', tsx, 'emulator/cli.ts', 'run', '--memory', '1024'], (w) => w('poweroff -f\r'));
    ours.push(o);
    r.note(`run ${i + 1}: ppcbox ${o.seconds.toFixed(2)} s, peak RSS ${o.rssMiB.toFixed(0)} MiB`);
  }
  const s = median(ours.map((x) => x.seconds));
  const qs = median(qemu);
  r.value('boot.seconds', Number(s.toFixed(2)), 's');
  r.value('boot.qemu.seconds', Number(qs.toFixed(2)), 's');
  r.value('boot.ratio', Number((s / qs).toFixed(1)), 'x');
  r.value('boot.rss_mib', Math.round(Math.max(...ours.map((x) => x.rssMiB))), 'MiB');
}
