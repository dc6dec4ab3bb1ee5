// `npm run bench -- smp` (issue 4): SMP figures.
//   smp.scaling             CPU-bound guest work (`/stress spin N`, tests/guest/stress.c):
//                           2 processes on --smp 2 against 1 process on --smp 1, throughput
//                           ratio (target >= 1.7 on a 2-core machine)
//   bql.hcall_roundtrip_us  one hypercall exit guest -> BQL -> handler -> guest, median over
//                           batches, measured in-process on a vCPU of a pseries board
//   smp.cpu_efficiency      spin work per host CPU-second of the VM process, --smp 2 over
//                           --smp 1: 1.0 when the vCPU threads do not slow each other. On a
//                           shared machine a low smp.scaling with efficiency near 1.0 means
//                           other processes had the cores, not contention in the emulator
//   boot.smp4.seconds       power-on to the shell ready line with 4 vCPUs (as boot.seconds)
// BENCH_SMP_ONLY=hcall,boot,scaling runs some parts; BENCH_SMP_SPIN, BENCH_SMP_RUNS and
// BENCH_BOOT_RUNS size them.
// Details (per-run times, the smp1/smp2 boot times) go to stderr as notes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as L from '../../emulator/cpu/layout.js';
import { BQL } from '../../emulator/host/bql.js';
import { GuestMemory } from '../../emulator/memory/guest-memory.js';
import { SpaprBoard } from '../../emulator/machine/spapr/board.js';
import { H_GET_TERM_CHAR } from '../../emulator/machine/spapr/hcall.js';
import { VTY_REG } from '../../emulator/hw/char/vty.js';
import { buildStressGuest, type StressGuest } from '../../tests/guest/build.js';
import { REPO_ROOT } from '../guest/manifest.js';
import type { Reporter } from './report.js';

const READY = 'PPCBOX-READY';
const BOOT_TIMEOUT_MS = 600_000;
/** Iterations of the spin loop (5 instructions each): a few seconds per process at ~50 MIPS. */
const SPIN = Number(process.env.BENCH_SMP_SPIN ?? 40_000_000);
const REPS = Math.max(1, Number(process.env.BENCH_SMP_RUNS ?? 3));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One `ppcbox run` child with its console on pipes. */
class Vm {
  out = '';
  readonly t0 = performance.now();
  private readonly p: ChildProcessWithoutNullStreams;
  private wake: (() => void) | null = null;
  private code: number | null | undefined = undefined;

  constructor(smp: number, g: StressGuest) {
    const tsx = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
    const args = ['--import', tsx, 'emulator/cli.ts', 'run', '--memory', '1024', '--smp', String(smp), '--kernel', g.kernel, '--initrd', g.initrd, '--append', 'console=hvc0 quiet'];
    this.p = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
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

  /** Wait for `re` in the output after `from`; returns the match and the index after it. */
  async expect(re: RegExp, from: number, timeoutMs: number): Promise<{ m: RegExpExecArray; at: number }> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.out.slice(from));
      if (m !== null) return { m, at: from + m.index + m[0].length };
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

  /** Host CPU seconds the VM process has used (all its threads), from /proc. */
  cpuSeconds(): number {
    try {
      const stat = readFileSync(`/proc/${this.p.pid}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in USER_HZ ticks
    } catch {
      return NaN;
    }
  }

  /** Boot to the shell prompt; returns seconds to the ready line. */
  async boot(): Promise<{ seconds: number; at: number }> {
    const r = await this.expect(new RegExp(READY), 0, BOOT_TIMEOUT_MS);
    const seconds = (performance.now() - this.t0) / 1000;
    const p = await this.expect(/# /, r.at, 60_000);
    return { seconds, at: p.at };
  }

  async quit(): Promise<void> {
    if (this.code !== undefined) return;
    this.type('poweroff -f\r');
    const killer = setTimeout(() => this.p.kill('SIGKILL'), 30_000);
    await new Promise<void>((res) => {
      if (this.code !== undefined) res();
      else this.p.on('exit', () => res());
    });
    clearTimeout(killer);
  }
}

/** Run `procs` copies of `/stress spin SPIN` at once; returns the guest seconds of each and the host wall seconds. */
async function spin(vm: Vm, from: number, procs: number): Promise<{ guest: number[]; wall: number; cpu: number; at: number }> {
  const one = `/stress spin ${SPIN}`;
  const cmd = procs === 1 ? one : `${Array.from({ length: procs }, () => `${one} &`).join(' ')} wait`;
  const t0 = performance.now();
  const c0 = vm.cpuSeconds();
  vm.type(`${cmd}; echo SPINS-END\r`);
  const end = await vm.expect(/\nSPINS-END/, from, 600_000);
  const wall = (performance.now() - t0) / 1000;
  const cpu = vm.cpuSeconds() - c0;
  const lines = [...vm.out.slice(from, end.at).matchAll(/SPIN-DONE (\d+) ([\d.]+) s/g)];
  if (lines.length !== procs) throw new Error(`expected ${procs} SPIN-DONE lines, got ${lines.length}:\n${vm.out.slice(from, end.at)}`);
  const p = await vm.expect(/# /, end.at, 60_000);
  return { guest: lines.map((l) => Number(l[2])), wall, cpu, at: p.at };
}

async function scaling(r: Reporter, g: StressGuest): Promise<void> {
  const single: number[] = [];
  const pair: number[] = [];
  // Spin iterations per host CPU-second: equal on both means no emulator-side contention
  // (on a shared machine the wall-clock ratio also depends on what else runs).
  const perCpu: Record<number, number[]> = { 1: [], 2: [] };
  r.note(`host load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores: other work on the machine lowers smp.scaling)`);
  for (const smp of [1, 2]) {
    const vm = new Vm(smp, g);
    try {
      const b = await vm.boot();
      r.note(`--smp ${smp}: shell ready in ${b.seconds.toFixed(1)} s`);
      let at = b.at;
      for (let i = 0; i < REPS; i++) {
        const s = await spin(vm, at, smp);
        at = s.at;
        const worst = Math.max(...s.guest);
        (smp === 1 ? single : pair).push(worst);
        perCpu[smp].push((smp * SPIN) / s.cpu);
        r.note(`--smp ${smp}: ${smp} x spin ${SPIN}: guest ${s.guest.map((x) => x.toFixed(2)).join(' / ')} s, host wall ${s.wall.toFixed(2)} s, VM process ${(s.cpu / s.wall).toFixed(2)} CPUs busy`);
      }
    } finally {
      await vm.quit();
    }
  }
  // Throughput: work done per second. 2 processes do twice the work of one.
  const ratio = (2 * median(single)) / median(pair);
  r.note(`spin ${SPIN}: 1 process on --smp 1 ${median(single).toFixed(2)} s, 2 processes on --smp 2 ${median(pair).toFixed(2)} s (median of ${REPS})`);
  r.value('smp.scaling', Number(ratio.toFixed(2)), 'x');
  r.value('smp.cpu_efficiency', Number((median(perCpu[2]) / median(perCpu[1])).toFixed(2)), 'x');
}

/**
 * A vCPU of a pseries board built as on a vCPU thread (its own BQL handle on shared
 * memory), running `li r3,H_GET_TERM_CHAR; sc 1; b` in a loop: every iteration is a full
 * hypercall exit (end of slice, lock, dispatch, unlock, service point, back to guest code).
 */
function hcallRoundtrip(r: Reporter): void {
  const ram = 16 << 20;
  const mem = GuestMemory.create(ram, 1);
  const bql = new BQL(mem, 0);
  const board = new SpaprBoard(mem, { ramBytes: ram, nvcpus: 1, icMode: 'xics' }, { bql, log: () => {} });
  const c = board.cpus[0];
  const base = 0x10000;
  const loop = (withSc: boolean): number[] => [
    0x3c800000 | (VTY_REG >>> 16), // lis r4,VTY_REG@h
    0x38600000 | H_GET_TERM_CHAR, // 1: li r3,H_GET_TERM_CHAR
    withSc ? 0x44000022 : 0x60000000, // sc 1 (or nop, for the loop's own cost)
    0x4bfffff8, // b 1b
  ];
  const dv = new DataView(mem.u8.buffer, mem.u8.byteOffset + L.RAM_OFFSET + base, 16);
  const timeBatch = (withSc: boolean, iters: number): number => {
    loop(withSc).forEach((w, i) => dv.setUint32(4 * i, w >>> 0, false)); // big-endian, as MSR[LE]=0
    c.invalidateFetch();
    c.setMSR(L.MSR_ME, 0);
    c.nia = BigInt(base);
    Atomics.store(c.i32, c.wi(L.RUN_STATE), L.RUN_RUNNING);
    const insns = 3 * iters + 1;
    const t0 = performance.now();
    let done = 0;
    while (done < insns) done += c.run(insns - done);
    return ((performance.now() - t0) * 1000) / iters;
  };
  const ITERS = 100_000;
  for (let i = 0; i < 3; i++) {
    timeBatch(true, ITERS); // warm up the JIT
    timeBatch(false, ITERS);
  }
  const withSc: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < 15; i++) {
    withSc.push(timeBatch(true, ITERS));
    without.push(timeBatch(false, ITERS));
  }
  timeBatch(true, 10);
  if (c.gpr(3) !== 0n) throw new Error(`H_GET_TERM_CHAR answered ${c.gpr(3)}, not H_SUCCESS`);
  const per = median(withSc);
  r.note(`hypercall loop: ${per.toFixed(3)} µs per iteration with sc 1, ${median(without).toFixed(3)} µs with a nop instead; lock taken ${bql.acquisitions} times`);
  r.value('bql.hcall_roundtrip_us', Number(per.toFixed(3)), 'us');
}

async function bootSmp4(r: Reporter, g: StressGuest): Promise<void> {
  const runs = Math.max(1, Number(process.env.BENCH_BOOT_RUNS ?? 1));
  const secs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const vm = new Vm(4, g);
    try {
      const b = await vm.boot();
      secs.push(b.seconds);
      vm.type('grep -c ^processor /proc/cpuinfo\r');
      const n = await vm.expect(/\n(\d+)\r?\n/, b.at, 60_000);
      r.note(`--smp 4 run ${i + 1}: shell ready in ${b.seconds.toFixed(1)} s, ${n.m[1]} processors`);
      if (n.m[1] !== '4') throw new Error(`--smp 4 guest reports ${n.m[1]} processors`);
    } finally {
      await vm.quit();
    }
  }
  r.value('boot.smp4.seconds', Number(median(secs).toFixed(2)), 's');
}

export async function benchSmp(r: Reporter): Promise<void> {
  // BENCH_SMP_ONLY=hcall,boot,scaling picks parts (default: all).
  const only = new Set((process.env.BENCH_SMP_ONLY ?? 'hcall,boot,scaling').split(','));
  if (only.has('hcall')) hcallRoundtrip(r);
  const g = only.has('boot') || only.has('scaling') ? buildStressGuest() : undefined;
  if (g !== undefined && only.has('boot')) await bootSmp4(r, g);
  if (g !== undefined && only.has('scaling')) await scaling(r, g);
}
