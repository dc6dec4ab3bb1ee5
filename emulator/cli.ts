// `ppcbox run`: one pseries VM in the terminal, its console on stdin/stdout, like
// `qemu-system-ppc64 -nographic`. Bad input is reported in one line with exit status 2
// before anything runs; a guest power-off exits 0; an emulator failure exits 1.
import { readFileSync, statSync } from 'node:fs';
import type { IcMode } from './machine/spapr/cas.js';
import { SpaprMachine, MIN_RAM_MIB, MAX_SMP, KERNEL_ADDR, type ExitReason } from './machine/spapr/machine.js';
import { ElfError, loadElf } from './loader/elf.js';
import { defaultGuest } from '../scripts/guest/manifest.js';
import { openImage, BlockError, type BlockBackend, type ImageFormat } from './block/open.js';
import { saveSnapshot, restoreSnapshot, newSnapshotPath, SnapshotError, type TimePolicy } from './host/snapshot.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface RunOptions {
  kernel?: string;
  initrd?: string;
  append?: string;
  memoryMiB: number;
  smp: number;
  /** --drive options in order: the guest sees /dev/vda, /dev/vdb, ... */
  drives?: DriveSpec[];
  /** --snapshot-dir: where Ctrl-A s saves (default: the current folder). */
  snapshotDir?: string;
  /** --load: start from this snapshot instead of booting. */
  load?: string;
  /** --load-time: continue (default) or realtime. */
  loadTime?: TimePolicy;
  /** --ic-mode: interrupt controllers offered at CAS (default dual, as QEMU). */
  icMode?: IcMode;
}

export interface DriveSpec {
  file: string;
  format?: ImageFormat;
  readOnly: boolean;
}

/** Max drives (one PCI slot each). */
export const MAX_DRIVES = 16;

const MAX_RAM_MIB = 3840;
const DEFAULT_APPEND = 'console=hvc0';

export const HELP = `Usage: ppcbox run [options]        (also: npm run vm -- [options])

Runs one PowerPC pseries virtual machine with its console on this terminal.
With no --kernel, boots the default Debian guest fetched by \`npm run setup\`.

Options:
  --kernel <vmlinux>   64-bit PowerPC ELF kernel (little- or big-endian)
  --initrd <file>      initial RAM disk, placed after the kernel
  --append "<args>"    kernel command line (default: "${DEFAULT_APPEND}";
                       the default guest adds "quiet")
  --memory <MiB>       guest RAM, ${MIN_RAM_MIB}..${MAX_RAM_MIB} (default 1024)
  --smp <n>            number of vCPUs, 1..${MAX_SMP} (default 1)
  --ic-mode <mode>     interrupt controller: xics, xive or dual (default dual:
                       the guest picks at boot, Linux takes XIVE unless xive=off)
  --drive file=<image>[,format=raw|qcow2|iso][,readonly=on]
                       a disk (virtio-blk); repeat for more: /dev/vda, /dev/vdb...
                       The format is detected from the content unless given;
                       a comma in the file name is written twice (",,").
  --load <snapshot>    start where the snapshot left off (same kernel, initrd,
                       --memory, --smp, --append and drives as when it was saved)
  --load-time continue|realtime
                       guest time after --load: resume from the saved time
                       (default) or advance by the real time that passed
  --snapshot-dir <dir> where Ctrl-A s saves snapshots (default: current folder)
  --help               this text
  --version            print the version

Console keys: Ctrl-A x quits, Ctrl-A r resets the machine (as a reset button),
Ctrl-A s saves a snapshot, Ctrl-A Ctrl-A sends Ctrl-A.
Exit status: 0 when the guest powers off, 1 when the emulator fails, 2 for bad input.
`;

function intArg(name: string, v: string | undefined, min: number, max: number): number {
  if (v === undefined) throw new UsageError(`${name} needs a value`);
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} ${v}: not a whole number`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`${name} ${v}: out of range (${min}..${max})`);
  return n;
}

export function parseRunArgs(argv: string[]): RunOptions {
  const o: RunOptions = { memoryMiB: 1024, smp: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--kernel':
        o.kernel = value();
        break;
      case '--initrd':
        o.initrd = value();
        break;
      case '--append':
        o.append = value();
        break;
      case '--memory':
      case '-m':
        o.memoryMiB = intArg('--memory', value(), MIN_RAM_MIB, MAX_RAM_MIB);
        break;
      case '--smp':
        o.smp = intArg('--smp', value(), 1, MAX_SMP);
        break;
      case '--ic-mode': {
        const m = value();
        if (m !== 'xics' && m !== 'xive' && m !== 'dual') throw new UsageError(`--ic-mode ${m}: use xics, xive or dual`);
        o.icMode = m;
        break;
      }
      case '--snapshot-dir':
        o.snapshotDir = value();
        break;
      case '--load':
        o.load = value();
        break;
      case '--load-time': {
        const t = value();
        if (t !== 'continue' && t !== 'realtime') throw new UsageError(`--load-time ${t}: use continue or realtime`);
        o.loadTime = t;
        break;
      }
      case '--drive':
        o.drives = [...(o.drives ?? []), parseDrive(value())];
        if (o.drives.length > MAX_DRIVES) throw new UsageError(`at most ${MAX_DRIVES} --drive options`);
        break;
      default:
        throw new UsageError(`unknown option ${a} (see --help)`);
    }
  }
  return o;
}

/** `file=PATH[,format=raw|qcow2|iso][,readonly=on|off]` (",," is a literal comma). */
export function parseDrive(spec: string): DriveSpec {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < spec.length; i++) {
    if (spec[i] === ',') {
      if (spec[i + 1] === ',') {
        cur += ',';
        i++;
        continue;
      }
      parts.push(cur);
      cur = '';
    } else {
      cur += spec[i];
    }
  }
  parts.push(cur);
  const d: Partial<DriveSpec> = { readOnly: false };
  for (const p of parts) {
    const eq = p.indexOf('=');
    const k = eq < 0 ? p : p.slice(0, eq);
    const v = eq < 0 ? '' : p.slice(eq + 1);
    switch (k) {
      case 'file':
        if (v === '') throw new UsageError(`--drive ${spec}: file= needs a path`);
        d.file = v;
        break;
      case 'format':
        if (v !== 'raw' && v !== 'qcow2' && v !== 'iso') throw new UsageError(`--drive ${spec}: format ${v} is not raw, qcow2 or iso`);
        d.format = v;
        break;
      case 'readonly':
        if (v !== 'on' && v !== 'off') throw new UsageError(`--drive ${spec}: readonly must be on or off`);
        d.readOnly = v === 'on';
        break;
      default:
        throw new UsageError(`--drive ${spec}: unknown option "${k}" (file, format, readonly)`);
    }
  }
  if (d.file === undefined) throw new UsageError(`--drive ${spec}: needs file=<image>`);
  return { file: d.file, format: d.format, readOnly: d.readOnly === true };
}

/** Size of an input file; a missing or non-regular file is a usage error. */
function statInput(what: string, path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError(`${what} ${path}: no such file`);
  }
  if (!st.isFile()) throw new UsageError(`${what} ${path}: not a regular file`);
  return st.size;
}

function readInput(what: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`${what} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export interface ResolvedRun {
  kernel: Uint8Array;
  kernelName: string;
  initrd?: Uint8Array;
  append: string;
  memoryMiB: number;
  smp: number;
  drives?: DriveSpec[];
  snapshotDir?: string;
  load?: string;
  loadTime?: TimePolicy;
  icMode?: IcMode;
}

/** Read and check every input before anything starts. */
export function resolveRun(o: RunOptions): ResolvedRun {
  let kernelPath = o.kernel;
  let initrdPath = o.initrd;
  let append = o.append;
  if (kernelPath === undefined) {
    if (initrdPath !== undefined) throw new UsageError('--initrd needs --kernel');
    const g = defaultGuest();
    if (g === undefined) {
      throw new UsageError('no default guest yet: run `npm run setup` to fetch it, or pass --kernel and --initrd');
    }
    kernelPath = g.kernel;
    initrdPath = g.initrd;
    append ??= `${DEFAULT_APPEND} quiet`;
  }
  // Sizes first, so an oversized file is refused without reading it.
  const ram = o.memoryMiB * 1024 * 1024;
  const mib = (n: number): number => Math.ceil(n / 1048576);
  const kernelSize = statInput('kernel', kernelPath);
  const initrdSize = initrdPath === undefined ? 0 : statInput('initrd', initrdPath);
  if (kernelSize + initrdSize > ram) {
    throw new UsageError(`kernel and initrd (${mib(kernelSize + initrdSize)} MiB) are larger than --memory ${o.memoryMiB}`);
  }
  const kernel = readInput('kernel', kernelPath);
  // Lay the kernel out as the machine will (the loader checks it fits) without writing it.
  let kernelEnd: number;
  try {
    kernelEnd = loadElf({ ramSize: ram, writePhys: () => {} }, kernel, { base: KERNEL_ADDR, name: kernelPath }).highest;
  } catch (e) {
    if (e instanceof ElfError) throw new UsageError(e.message);
    throw e;
  }
  if (initrdSize > 0) {
    // SpaprMachine puts the initrd 64 KiB-aligned, at least 64 KiB after the kernel.
    const end = Math.ceil((kernelEnd + 0x10000) / 0x10000) * 0x10000 + initrdSize;
    if (end > ram) {
      throw new UsageError(`kernel and initrd need ${mib(end)} MiB of RAM as placed (kernel at ${KERNEL_ADDR / 1048576} MiB), more than --memory ${o.memoryMiB}`);
    }
  }
  const initrd = initrdPath === undefined ? undefined : readInput('initrd', initrdPath);
  for (const d of o.drives ?? []) statInput('drive', d.file);
  if (o.load !== undefined) statInput('snapshot', o.load);
  return { kernel, kernelName: kernelPath, initrd, append: append ?? DEFAULT_APPEND, memoryMiB: o.memoryMiB, smp: o.smp, drives: o.drives, icMode: o.icMode , snapshotDir: o.snapshotDir, load: o.load, loadTime: o.loadTime };
}

/**
 * Console escape handling: Ctrl-A x quits, Ctrl-A r resets, Ctrl-A s saves a snapshot,
 * Ctrl-A Ctrl-A sends one Ctrl-A.
 */
export class EscapeFilter {
  private armed = false;
  constructor(
    private readonly onQuit: () => void,
    private readonly onSave?: () => void,
    private readonly onReset?: () => void,
  ) {}

  filter(data: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const b of data) {
      if (this.armed) {
        this.armed = false;
        if (b === 0x78 /* x */) {
          this.onQuit();
          return Uint8Array.from(out);
        }
        if (b === 0x01) out.push(0x01);
        else if (b === 0x73 /* s */) this.onSave?.();
        else if (b === 0x72 /* r */) this.onReset?.();
        continue;
      }
      if (b === 0x01) this.armed = true;
      else out.push(b);
    }
    return Uint8Array.from(out);
  }
}

/** The last console output, as the text thumbnail of a snapshot. */
export class ConsoleTail {
  private buf = '';
  push(b: Uint8Array): void {
    this.buf = (this.buf + Buffer.from(b).toString('latin1')).slice(-4096);
  }
  /** The last 24 lines, escape sequences and carriage returns dropped. */
  text(): string {
    // eslint-disable-next-line no-control-regex
    const clean = this.buf.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
    return clean.split('\n').slice(-24).join('\n');
  }
}

/** Open every drive (format probed from content, advisory lock); all or none. */
export async function openDrives(drives: readonly DriveSpec[]): Promise<BlockBackend[]> {
  const out: BlockBackend[] = [];
  try {
    for (const d of drives) out.push(await openImage(d.file, { format: d.format, readOnly: d.readOnly }));
  } catch (e) {
    await Promise.allSettled(out.map((b) => b.close()));
    if (e instanceof BlockError) throw new UsageError(`drive ${e.message}`);
    throw e;
  }
  return out;
}

export async function runVm(r: ResolvedRun): Promise<number> {
  let disks: BlockBackend[];
  try {
    disks = await openDrives(r.drives ?? []);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ppcbox: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  try {
    return await runMachine(r, disks);
  } finally {
    // Flushes what the guest wrote and releases the image locks.
    await Promise.allSettled(disks.map((b) => b.close()));
  }
}

async function runMachine(r: ResolvedRun, disks: BlockBackend[]): Promise<number> {
  const stdout = process.stdout;
  const tail = new ConsoleTail();
  const machine = new SpaprMachine({
    disks,
    ramBytes: r.memoryMiB * 1024 * 1024,
    nvcpus: r.smp,
    kernel: r.kernel,
    kernelName: r.kernelName,
    initrd: r.initrd,
    bootargs: r.append,
    icMode: r.icMode,
    consoleOut: (b) => {
      tail.push(b);
      stdout.write(b);
    },
    threads: true,
  });
  // --load: start the vCPU threads parked, restore, then let them go, so guest time
  // starts when the guest can run again (not while threads are still starting).
  let running: Promise<ExitReason> | null = null;
  if (r.load !== undefined) {
    const parked = machine.pause();
    running = machine.run();
    try {
      const res = await restoreSnapshot(machine, r.load, { fresh: true, time: r.loadTime, beforeApply: () => parked });
      process.stderr.write(`ppcbox: restored ${r.load} ("${res.meta.name}", time ${r.loadTime ?? 'continue'}) in ${Math.round(res.ms)} ms at ${res.hostMs}\r\n`);
      machine.resume();
    } catch (e) {
      machine.stop();
      await running;
      if (e instanceof SnapshotError) {
        process.stderr.write(`ppcbox: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
  }
  let saving = false;
  const save = (): void => {
    if (saving) return;
    saving = true;
    const path = newSnapshotPath(r.snapshotDir ?? '.');
    saveSnapshot(machine, path, { thumbnail: tail.text() }).then(
      (s) => process.stderr.write(`\r\nppcbox: saved ${s.path} (${(s.bytes / 1048576).toFixed(1)} MiB, guest paused ${Math.round(s.pauseMs)} ms)\r\n`),
      (e: unknown) => process.stderr.write(`\r\nppcbox: ${(e as Error).message}\r\n`),
    ).finally(() => (saving = false));
  };
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  // Reset takes the machine's one reset path (as RTAS system-reboot and the app's button).
  const esc = new EscapeFilter(() => machine.stop(), save, () => machine.requestReset());
  const onData = (d: Buffer): void => {
    const bytes = esc.filter(d);
    if (bytes.length > 0) machine.input(bytes);
  };
  stdin.on('data', onData);
  stdin.resume();
  let reason: ExitReason;
  try {
    reason = await (running ?? machine.run());
  } finally {
    stdin.off('data', onData);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
  }
  switch (reason.kind) {
    case 'poweroff':
      return 0;
    case 'os-term':
      process.stderr.write(`\nppcbox: the guest terminated: ${reason.message}\n`);
      return 1;
    case 'firmware-exit':
      process.stderr.write('\nppcbox: the guest called the firmware "exit" service\n');
      return 1;
    case 'error':
      process.stderr.write(`\nppcbox: emulator failure: ${reason.error.stack ?? reason.error.message}\n`);
      return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (cmd === '--version') {
    process.stdout.write('ppcbox 0.1.0\n');
    return 0;
  }
  if (cmd !== 'run') {
    process.stderr.write(`ppcbox: unknown command ${cmd} (try: ppcbox run --help)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  let resolved: ResolvedRun;
  try {
    resolved = resolveRun(parseRunArgs(rest));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ppcbox: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  return runVm(resolved);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`ppcbox: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
