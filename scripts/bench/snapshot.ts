// `npm run bench -- snapshot` (issue 8): snapshots of the default guest, 1 GiB, idle at
// the shell.
//   snapshot.save_pause_ms  how long the guest is paused by a save (Ctrl-A s), median
//   snapshot.restore_ms     `ppcbox run --load` process start to a shell that answers, median
//   snapshot.file_mib       size of the snapshot file
// Targets: pause <= 1000 ms, restore <= 1000 ms, file <= 2x the guest's used RAM (noted).
// BENCH_SNAPSHOT_RUNS sizes the medians (default 3).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultGuest, REPO_ROOT } from '../guest/manifest.js';
import { SnapshotReader, type SnapshotMeta } from '../../emulator/host/snapshot-file.js';
import type { Reporter } from './report.js';

const BOOT_TIMEOUT_MS = 600_000;
const RUNS = Math.max(1, Number(process.env.BENCH_SNAPSHOT_RUNS ?? 3));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

class Vm {
  out = '';
  readonly t0 = performance.now();
  private readonly p: ChildProcessWithoutNullStreams;
  private wake: (() => void) | null = null;
  private code: number | null | undefined = undefined;

  constructor(args: string[]) {
    const tsx = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
    this.p = spawn(process.execPath, ['--import', tsx, 'emulator/cli.ts', 'run', ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const onData = (d: Buffer): void => {
      this.out += d.toString('latin1');
      this.wake?.();
    };
    this.p.stdout.on('data', onData);
    this.p.stderr.on('data', onData);
    this.p.on('exit', (code) => {
      this.code = code;
      this.wake?.();
    });
  }

  async expect(re: RegExp, from: number, timeoutMs: number): Promise<{ m: RegExpExecArray; at: number; ms: number }> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.out.slice(from));
      if (m !== null) return { m, at: from + m.index + m[0].length, ms: performance.now() };
      if (this.code !== undefined) throw new Error(`VM exited (${this.code}) while waiting for ${re}; last output:\n${this.out.slice(-1500)}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no ${re} within ${timeoutMs / 1000} s; last output:\n${this.out.slice(-1500)}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(left, 1000));
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          res();
        };
      });
    }
  }

  type(s: string): void {
    this.p.stdin.write(s);
  }

  async quit(): Promise<void> {
    if (this.code !== undefined) return;
    this.type('\x01x');
    const killer = setTimeout(() => this.p.kill('SIGKILL'), 20_000);
    await new Promise<void>((res) => {
      if (this.code !== undefined) res();
      else this.p.on('exit', () => res());
    });
    clearTimeout(killer);
  }
}

export async function benchSnapshot(r: Reporter): Promise<void> {
  const g = defaultGuest();
  if (g === undefined) throw new Error('no default guest: run `npm run setup` first');
  const dir = mkdtempSync(join(tmpdir(), 'ppcbox-bench-snap-'));
  const base = ['--memory', '1024', '--smp', '1', '--kernel', g.kernel, '--initrd', g.initrd, '--append', 'console=hvc0 quiet', '--snapshot-dir', dir];
  try {
    const vm = new Vm(base);
    let at = (await vm.expect(/PPCBOX-READY/, 0, BOOT_TIMEOUT_MS)).at;
    at = (await vm.expect(/# /, at, 60_000)).at;
    await new Promise((res) => setTimeout(res, 3000)); // idle at the shell
    const pauses: number[] = [];
    let file = '';
    for (let i = 0; i < RUNS; i++) {
      vm.type('\x01s');
      const s = await vm.expect(/saved (\S+) \(([\d.]+) MiB, guest paused (\d+) ms\)/, at, 120_000);
      at = s.at;
      file = s.m[1];
      pauses.push(Number(s.m[3]));
    }
    await vm.quit();
    r.note(`save pauses (ms): ${pauses.join(', ')}`);
    r.value('snapshot.save_pause_ms', median(pauses), 'ms');
    const rd = await SnapshotReader.open(file);
    const meta: SnapshotMeta = await rd.meta();
    await rd.close();
    const mib = statSync(file).size / 1048576;
    r.note(`guest RAM in use (non-zero pages): ${(meta.ramUsedBytes / 1048576).toFixed(1)} MiB; file/used = ${(mib / (meta.ramUsedBytes / 1048576)).toFixed(2)}`);
    r.value('snapshot.file_mib', Math.round(mib * 10) / 10, 'MiB');
    const restores: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const v = new Vm([...base, '--load', file]);
      const done = await v.expect(/ppcbox: restored .* in (\d+) ms/, 0, 120_000);
      v.type(`echo R$((40+${i}))\r`);
      const ans = await v.expect(new RegExp(`R${40 + i}\\r?\\n`), done.at, 60_000);
      restores.push(ans.ms - v.t0);
      r.note(`restore ${i}: engine ${done.m[1]} ms, process start to answer ${Math.round(ans.ms - v.t0)} ms`);
      await v.quit();
    }
    r.value('snapshot.restore_ms', Math.round(median(restores)), 'ms');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
