// `npm run bench -- irq` (issue 7): IPI round trip between two vCPUs, under XIVE and under
// XICS, on PPCBox and on QEMU from Debian with the same kernel and initrd, in the same run.
//   irq.xive.ipi_roundtrip_us        median round trip of tests/guest/ipi.c (two threads
//   irq.xics.ipi_roundtrip_us        pinned to CPUs 0 and 1 waking each other with futex
//   irq.qemu.xive.ipi_roundtrip_us   wake/wait; waking a sleeping thread on the other CPU
//   irq.qemu.xics.ipi_roundtrip_us   is an IPI), guest clock, --smp 2, ic-mode forced
// Each guest's /proc/interrupts must show the controller asked for. Notes on stderr give
// p10/p90 and how many IPIs the kernel sent per round trip (fewer than 2 when the other
// CPU was still polling in idle and needed none).
// BENCH_IRQ_ROUNDS (default 2000) and BENCH_IRQ_WARMUP (100) size the ping-pong;
// BENCH_IRQ_MODES=xive,xics and BENCH_IRQ_EMULATORS=ppcbox,qemu pick parts.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { buildIpiGuest, type IpiGuest } from '../../tests/guest/build.js';
import { REPO_ROOT } from '../guest/manifest.js';
import type { Reporter } from './report.js';

type Mode = 'xive' | 'xics';
type Emulator = 'ppcbox' | 'qemu';

const READY = 'PPCBOX-READY';
const BOOT_TIMEOUT_MS = 900_000;
const RUN_TIMEOUT_MS = 900_000;
const ROUNDS = Math.max(1, Number(process.env.BENCH_IRQ_ROUNDS ?? 2000));
const WARMUP = Math.max(0, Number(process.env.BENCH_IRQ_WARMUP ?? 100));
const APPEND = 'console=hvc0 quiet';

/** A guest's console on pipes, read as text. */
class Console {
  out = '';
  private readonly p: ChildProcessWithoutNullStreams;
  private wake: (() => void) | null = null;
  private code: number | null | undefined = undefined;
  private failure: Error | null = null;

  constructor(
    readonly what: string,
    cmd: string,
    args: string[],
  ) {
    this.p = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const onData = (d: Buffer): void => {
      this.out += d.toString('latin1');
      this.wake?.();
    };
    this.p.stdout.on('data', onData);
    this.p.stderr.on('data', onData);
    this.p.on('error', (e) => {
      this.failure = new Error(`${what}: ${e.message}`);
      this.wake?.();
    });
    this.p.on('exit', (code) => {
      this.code = code;
      this.wake?.();
    });
  }

  /** Wait for `re` in the output after `from`; returns the match and the index after it. */
  async expect(re: RegExp, from: number, timeoutMs: number): Promise<{ m: RegExpExecArray; at: number }> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.out.slice(from));
      if (m !== null) return { m, at: from + m.index + m[0].length };
      if (this.failure !== null) throw this.failure;
      if (this.code !== undefined) throw new Error(`${this.what} exited (${this.code}) while waiting for ${re}; last output:\n${this.out.slice(-1500)}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.what}: no ${re} within ${timeoutMs / 1000} s; last output:\n${this.out.slice(-1500)}`);
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

  /** `poweroff -f`, killed if it has not ended within 30 s. */
  async quit(): Promise<void> {
    if (this.code !== undefined || this.failure !== null) return;
    this.type('poweroff -f\r');
    const killer = setTimeout(() => this.p.kill('SIGKILL'), 30_000);
    await new Promise<void>((res) => {
      if (this.code !== undefined) res();
      else this.p.on('exit', () => res());
    });
    clearTimeout(killer);
  }
}

function command(emu: Emulator, mode: Mode, g: IpiGuest): { cmd: string; args: string[] } {
  if (emu === 'qemu') {
    return {
      cmd: 'qemu-system-ppc64',
      args: ['-M', `pseries,x-vof=on,ic-mode=${mode}`, '-cpu', 'power9', '-smp', '2', '-m', '1G', '-nographic', '-nodefaults',
        '-serial', 'stdio', '-kernel', g.kernel, '-initrd', g.initrd, '-append', APPEND],
    };
  }
  const tsx = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
  return {
    cmd: process.execPath,
    args: ['--import', tsx, 'emulator/cli.ts', 'run', '--memory', '1024', '--smp', '2', '--ic-mode', mode,
      '--kernel', g.kernel, '--initrd', g.initrd, '--append', APPEND],
  };
}

interface IpiRun {
  median: number;
  p10: number;
  p90: number;
  /** The controller the guest's IPI line names: XIVE-IPI or XICS. */
  chip: string;
  /** IPIs the guest kernel counted (both CPUs) per round trip, warm-up included. */
  ipisPerRound: number;
  bootSeconds: number;
}

/** The IPI line of /proc/interrupts: per-CPU counts (2 CPUs) and the chip name. */
const IPI_LINE = /^\s*\d+:\s+(\d+)\s+(\d+)\s+(XIVE-IPI|XICS)\s.*IPI/gm;

export interface IpiResult {
  median: number;
  p10: number;
  p90: number;
  min: number;
  rounds: number;
  cpus: [number, number];
}

/** The ping-pong's result line in console text; throws on IPI-FAIL or when it is missing. */
export function parseIpiResult(text: string): IpiResult {
  const fail = /IPI-FAIL.*/.exec(text);
  if (fail !== null) throw new Error(fail[0]);
  const r = /IPI-ROUNDTRIP median_us ([\d.]+) p10_us ([\d.]+) p90_us ([\d.]+) min_us ([\d.]+) rounds (\d+) cpus (-?\d+),(-?\d+)/.exec(text);
  if (r === null) throw new Error(`no IPI-ROUNDTRIP line in:\n${text.slice(-1500)}`);
  return { median: Number(r[1]), p10: Number(r[2]), p90: Number(r[3]), min: Number(r[4]), rounds: Number(r[5]), cpus: [Number(r[6]), Number(r[7])] };
}

/** Every IPI line of /proc/interrupts in `text`, in order: the chip and the total count over 2 CPUs. */
export function ipiLines(text: string): { chip: string; count: number }[] {
  return [...text.matchAll(IPI_LINE)].map((m) => ({ chip: m[3], count: Number(m[1]) + Number(m[2]) }));
}

async function runIpi(emu: Emulator, mode: Mode, g: IpiGuest): Promise<IpiRun> {
  const { cmd, args } = command(emu, mode, g);
  const t0 = performance.now();
  const vm = new Console(`${emu} ic-mode=${mode}`, cmd, args);
  try {
    const ready = await vm.expect(new RegExp(READY), 0, BOOT_TIMEOUT_MS);
    const bootSeconds = (performance.now() - t0) / 1000;
    const prompt = await vm.expect(/# /, ready.at, 60_000);
    // The '' keeps the echoed command line from matching the end marker.
    vm.type(`grep IPI /proc/interrupts; /ipi ${ROUNDS} ${WARMUP}; grep IPI /proc/interrupts; echo IRQ''-END\r`);
    const end = await vm.expect(/IRQ-END/, prompt.at, RUN_TIMEOUT_MS);
    const text = vm.out.slice(prompt.at, end.at);
    let r: IpiResult;
    try {
      r = parseIpiResult(text);
    } catch (e) {
      throw new Error(`${vm.what}: ${(e as Error).message}`, { cause: e });
    }
    const lines = ipiLines(text);
    if (lines.length !== 2) throw new Error(`${vm.what}: expected 2 IPI lines of /proc/interrupts, got ${lines.length}; output:\n${text.slice(-1500)}`);
    const want = mode === 'xive' ? 'XIVE-IPI' : 'XICS';
    if (lines[0].chip !== want) throw new Error(`${vm.what}: the guest's IPIs go through ${lines[0].chip}, not ${want}`);
    return {
      median: r.median,
      p10: r.p10,
      p90: r.p90,
      chip: lines[0].chip,
      ipisPerRound: (lines[1].count - lines[0].count) / (ROUNDS + WARMUP),
      bootSeconds,
    };
  } finally {
    await vm.quit();
  }
}

export async function benchIrq(r: Reporter): Promise<void> {
  const modes = (process.env.BENCH_IRQ_MODES ?? 'xive,xics').split(',') as Mode[];
  const emus = (process.env.BENCH_IRQ_EMULATORS ?? 'ppcbox,qemu').split(',') as Emulator[];
  for (const m of modes) if (m !== 'xive' && m !== 'xics') throw new Error(`BENCH_IRQ_MODES: ${m} is not xive or xics`);
  for (const e of emus) if (e !== 'ppcbox' && e !== 'qemu') throw new Error(`BENCH_IRQ_EMULATORS: ${e} is not ppcbox or qemu`);
  const g = buildIpiGuest();
  for (const mode of modes) {
    // QEMU first, then ours, mode by mode: both see about the same machine load.
    for (const emu of [...emus].sort((a, b) => (a === 'qemu' ? -1 : b === 'qemu' ? 1 : 0))) {
      const x = await runIpi(emu, mode, g);
      r.note(`${emu} ic-mode=${mode}: shell in ${x.bootSeconds.toFixed(1)} s; ${ROUNDS} round trips via ${x.chip}: median ${x.median} µs, p10 ${x.p10} µs, p90 ${x.p90} µs; ${x.ipisPerRound.toFixed(2)} IPIs per round trip`);
      r.value(emu === 'qemu' ? `irq.qemu.${mode}.ipi_roundtrip_us` : `irq.${mode}.ipi_roundtrip_us`, x.median, 'us');
    }
  }
}
