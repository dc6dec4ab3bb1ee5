// Snapshots of a running VM (issue 8): save = pause, capture, resume, write; restore into
// a fresh machine (new process) or in place. The file format is snapshot-file.ts.
//
// Time (DESIGN.md rule 6): the file keeps the pair (guest TB, host wall clock) at save and
// every vCPU's DEC/HDEC as an offset from that TB. Restore sets the TB by the policy and
// re-arms each DEC relative to it (DEC = offset - (new TB - saved TB)):
//   continue  guest TB resumes from the saved TB (the guest does not see the gap); a
//             timer with 6 s left at save fires 6 s after restore. The RTC offset moves
//             back by the gap, so RTAS time agrees with the guest's own clock.
//   realtime  guest TB = saved TB + the real time that passed; timers that expired in the
//             meantime fire at once; the guest's date stays right. A jump of more than
//             ~10 s sets off Linux's own hard-lockup and RCU stall reports once (its
//             heartbeats look that old), as after any real TB jump; harmless, but noisy.
//
// Capture copies the non-zero RAM pages while the vCPUs are parked, then the VM runs on
// while the copy is compressed and written (save_pause_ms covers only the capture).
//
// Disks: RAM and disks must match. The choice is qcow2 *internal* snapshots: at save,
// with the vCPUs parked and in-flight requests completed, every writable drive records an
// internal snapshot tagged with the snapshot's id; restore reverts each drive to it;
// delete drops it (qcow2 refcounts free what only that snapshot used, others stay valid).
// No overlay files to lose or chain. A drive offers this through `SnapshotDrive` below;
// read-only drives need nothing (their size and format are checked). A writable drive
// that does not implement it makes save refuse with a clear message rather than write a
// snapshot whose disk would not match its RAM.
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as L from '../cpu/layout.js';
import { readTB, setTB, TB_FREQ } from '../cpu/timebase.js';
import { Fdt } from '../machine/spapr/fdt.js';
import type { SpaprMachine, MachineSnapshotState } from '../machine/spapr/machine.js';
import type { XicsState } from '../hw/intc/xics.js';
import type { VtyState } from '../hw/char/vty.js';
import { BlockError, type BlockBackend } from '../block/backend.js';
import { openImage } from '../block/open.js';
import {
  SnapshotError,
  SnapshotReader,
  SnapshotWriter,
  RAM_CHUNK,
  captureChunk,
  encodeRamChunk,
  decodeRamChunk,
  applyDecodedRam,
  type DecodedRam,
  type SectionInfo,
  checkConfig,
  imageFingerprint,
  jsonBytes,
  type RamChunk,
  type SnapshotConfig,
  type SnapshotMeta,
  type TimeRecord,
} from './snapshot-file.js';

export { SnapshotError } from './snapshot-file.js';

export type TimePolicy = 'continue' | 'realtime';

/**
 * What a drive implements so snapshots can keep its content with the RAM (qcow2 internal
 * snapshots). All calls happen with the vCPUs parked.
 */
export interface SnapshotDrive {
  /** Complete in-flight requests and record the image's current content as `tag`. */
  snapshotCreate(tag: string): Promise<void>;
  /** Make the image's content the one recorded as `tag` (it stays recorded). */
  snapshotRevert(tag: string): Promise<void>;
  /** Forget `tag`, freeing what only it used. */
  snapshotDelete(tag: string): Promise<void>;
  snapshotExists(tag: string): Promise<boolean>;
}

/** The user paused the machine (a save or restore leaves it paused then). */
function isPaused(m: SpaprMachine): boolean {
  return m.threaded && m.cpus.every((c) => Atomics.load(m.mem.i32, c.wi(L.EXIT_REQ)) !== 0);
}

function snapshotDrive(b: BlockBackend): SnapshotDrive | null {
  const d = b as Partial<SnapshotDrive> & BlockBackend;
  return typeof d.snapshotCreate === 'function' && typeof d.snapshotRevert === 'function' && typeof d.snapshotDelete === 'function' && typeof d.snapshotExists === 'function'
    ? (d as SnapshotDrive)
    : null;
}

interface DiskRecord {
  id: string;
  drives: Array<{ index: number; path: string; format: string; size: number; readOnly: boolean; tag: string | null }>;
}

interface MachRecord {
  radix: number;
  patbLo: number;
  patbHi: number;
  rtcOffset: number;
  machine: Omit<MachineSnapshotState, 'fdt'>;
}

interface DevsRecord {
  regions: Array<{ name: string; offset: number; size: number }>;
  xics: XicsState;
  vty: VtyState;
  nvram: string;
  /** Shared regions without a save() of their own, raw (base64), by name. */
  raw: Record<string, string>;
  /** The PCI host bridge and its functions (virtio queues, TCE tables), when present. */
  pci?: unknown;
}

/** A device whose state lives in the I/O thread's heap and can be saved as JSON. */
interface SavableDevice {
  save(): unknown;
  load(state: unknown): void;
}

function savable(d: object | null): SavableDevice | null {
  const x = d as Partial<SavableDevice> | null;
  return x !== null && typeof x.save === 'function' && typeof x.load === 'function' ? (x as SavableDevice) : null;
}

/** Regions whose device has save()/load(). */
const STRUCTURED = new Set(['xics-icp', 'xics-ics', 'vty', 'nvram']);

// ---------------------------------------------------------------- configuration

const fingerprints = new WeakMap<SpaprMachine, SnapshotConfig>();

/** The machine's configuration as a snapshot records it. */
export function machineConfig(m: SpaprMachine): SnapshotConfig {
  let c = fingerprints.get(m);
  if (c === undefined) {
    const cfg = m.cfg;
    c = {
      ramBytes: cfg.ramBytes,
      nvcpus: cfg.nvcpus,
      icMode: m.icMode,
      kernelName: cfg.kernelName,
      kernel: imageFingerprint(cfg.kernel),
      initrd: cfg.initrd === undefined || cfg.initrd.length === 0 ? null : imageFingerprint(cfg.initrd),
      bootargs: cfg.bootargs,
      disks: (cfg.disks ?? []).map((d) => ({ path: d.path, format: d.format, size: d.size, readOnly: d.readOnly })),
    };
    fingerprints.set(m, c);
  }
  return c;
}

// ---------------------------------------------------------------- save

export interface SaveOptions {
  name?: string;
  description?: string;
  /** Text for listings (the last console lines). */
  thumbnail?: string;
}

export interface SaveResult {
  path: string;
  /** How long the vCPUs were parked. */
  pauseMs: number;
  totalMs: number;
  bytes: number;
  ramUsedBytes: number;
}

interface Captured {
  time: TimeRecord;
  cpus: Uint8Array;
  mach: MachRecord;
  fdt: Uint8Array;
  devs: DevsRecord;
  ram: Array<RamChunk | null>;
  ramUsed: number;
}

function b64(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.length).toString('base64');
}

/** Everything, with the vCPUs parked and the BQL held. */
function captureLocked(m: SpaprMachine): Captured {
  const mem = m.mem;
  // vCPUs on this thread keep hot fields in JS; threads wrote theirs back when they parked.
  if (!m.threaded) for (const c of m.cpus) c.syncOut();
  const tb = readTB(mem);
  const time: TimeRecord = { tb, hostMs: Date.now(), tbFreq: TB_FREQ };
  const n = m.cfg.nvcpus;
  const cpus = mem.u8.slice(L.VCPU_BASE, L.VCPU_BASE + n * L.VCPU_BLOCK);
  const f64 = new Float64Array(cpus.buffer);
  const u32 = new Uint32Array(cpus.buffer);
  for (let i = 0; i < n; i++) {
    const b = i * L.VCPU_BLOCK;
    // DESIGN.md rule 6: DEC and HDEC as offsets from the saved TB.
    f64[(b + L.DEC_EXPIRY) >> 3] -= tb;
    f64[(b + L.HDEC_EXPIRY) >> 3] -= tb;
    // Per-process handshakes, not guest state.
    u32[(b + L.EXIT_REQ) >> 2] = 0;
    u32[(b + L.PARKED) >> 2] = 0;
    u32[(b + L.HOST_REQ) >> 2] = L.HOST_REQ_IDLE;
  }
  const st = m.snapshotState();
  const { fdt, ...rest } = st;
  const mach: MachRecord = {
    radix: Atomics.load(mem.i32, L.M_RADIX >> 2),
    patbLo: mem.u32[L.M_PATB >> 2],
    patbHi: mem.u32[(L.M_PATB >> 2) + 1],
    rtcOffset: mem.f64[L.M_RTC_OFFSET >> 3],
    machine: rest,
  };
  const regions = m.regions.list();
  const raw: Record<string, string> = {};
  for (const r of regions) if (!STRUCTURED.has(r.name)) raw[r.name] = b64(mem.u8.subarray(r.offset, r.offset + r.size));
  const devs: DevsRecord = { regions, xics: m.xics.save(), vty: m.vty.save(), nvram: b64(m.nvram.save()), raw };
  const pci = savable(m.phb);
  if (pci !== null) devs.pci = pci.save();
  const ram: Array<RamChunk | null> = [];
  const view = mem.u8.subarray(L.RAM_OFFSET, L.RAM_OFFSET + mem.ramSize);
  let ramUsed = 0;
  for (let a = 0; a < mem.ramSize; a += RAM_CHUNK) {
    const ch = captureChunk(view, a, Math.min(RAM_CHUNK, mem.ramSize - a));
    if (ch !== null) {
      ram.push(ch);
      ramUsed += ch.pages.length;
    }
  }
  return { time, cpus, mach, fdt, devs, ram, ramUsed };
}

/**
 * Save the running (or paused) machine to `path`: pause, capture, resume, then write.
 * A failure leaves earlier files and the running VM as they were and says why.
 */
export async function saveSnapshot(m: SpaprMachine, path: string, opts: SaveOptions = {}): Promise<SaveResult> {
  const t0 = performance.now();
  const config = machineConfig(m);
  const disks = m.cfg.disks ?? [];
  // Refuse before pausing anything when a device or writable drive cannot keep its moment.
  if (m.phb !== null && savable(m.phb) === null) {
    throw new SnapshotError('io', path, 'cannot save: the PCI devices (virtio-blk) cannot save their state yet');
  }
  disks.forEach((d, i) => {
    if (!d.readOnly && snapshotDrive(d) === null) {
      // Only qcow2 keeps a disk's moment (internal snapshots); a raw file cannot.
      throw new SnapshotError(
        'io',
        path,
        `cannot save: drive ${i} (${d.path}) is a writable ${d.format} image, which cannot keep its content as of the snapshot; ` +
          `use a qcow2 image (qemu-img convert -O qcow2 ${d.path} <new>.qcow2) or attach it with readonly=on`,
      );
    }
  });
  const id = randomBytes(8).toString('hex');
  const disk: DiskRecord = { id, drives: [] };
  let cap: Captured;
  const made: SnapshotDrive[] = [];
  const wasPaused = isPaused(m);
  const tPause = performance.now();
  await m.pause();
  try {
    cap = m.bql.with(() => captureLocked(m));
    for (let i = 0; i < disks.length; i++) {
      const d = disks[i];
      const sd = d.readOnly ? null : snapshotDrive(d);
      const tag = sd === null ? null : `ppcbox-${id}`;
      if (sd !== null && tag !== null) {
        await sd.snapshotCreate(tag);
        made.push(sd);
      }
      disk.drives.push({ index: i, path: d.path, format: d.format, size: d.size, readOnly: d.readOnly, tag });
    }
  } catch (e) {
    if (!wasPaused) m.resume();
    for (const sd of made) await sd.snapshotDelete(`ppcbox-${id}`).catch(() => {});
    throw e;
  }
  if (!wasPaused) m.resume();
  const pauseMs = performance.now() - tPause;
  const meta: SnapshotMeta = {
    name: opts.name ?? defaultName(new Date(cap.time.hostMs)),
    description: opts.description ?? '',
    createdMs: cap.time.hostMs,
    config,
    thumbnail: opts.thumbnail ?? '',
    ramUsedBytes: cap.ramUsed,
  };
  let w: SnapshotWriter | null = null;
  try {
    w = await SnapshotWriter.create(path);
    await w.section('META', jsonBytes(meta));
    await w.section('TIME', jsonBytes(cap.time));
    await w.section('CPUS', cap.cpus);
    await w.section('MACH', jsonBytes(cap.mach));
    await w.section('DEVS', jsonBytes(cap.devs));
    await w.section('FDT ', cap.fdt);
    await w.section('DISK', jsonBytes(disk));
    // Compress a few chunks ahead on the zlib thread pool, write them in order.
    const AHEAD = 4;
    const pending: Array<Promise<Uint8Array>> = [];
    let next = 0;
    const start = (): void => {
      const ch = cap.ram[next];
      if (ch === null || ch === undefined) return;
      const z = encodeRamChunk(ch);
      z.catch(() => {}); // awaited in order below; an early failure must not go unhandled
      pending.push(z);
      cap.ram[next] = null; // the copy goes as soon as it is compressed
      next++;
    };
    while (next < cap.ram.length && pending.length < AHEAD) start();
    while (pending.length > 0) {
      const payload = await (pending.shift() as Promise<Uint8Array>);
      if (next < cap.ram.length) start();
      await w.section('RAM ', payload);
    }
    const bytes = await w.finish();
    return { path, pauseMs, totalMs: performance.now() - t0, bytes, ramUsedBytes: cap.ramUsed };
  } catch (e) {
    await w?.abort();
    for (const sd of made) await sd.snapshotDelete(`ppcbox-${id}`).catch(() => {});
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError('io', path, `cannot save: ${(e as Error).message}`);
  }
}

export function defaultName(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `Snapshot ${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A file name for a new snapshot in `dir` (never an existing one). */
export function newSnapshotPath(dir: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return join(dir, `snapshot-${stamp}-${randomBytes(2).toString('hex')}.ppcsnap`);
}

// ---------------------------------------------------------------- restore

export interface RestoreOptions {
  /** Default 'continue'. */
  time?: TimePolicy;
  /**
   * The machine has not run yet (a new process): its vCPUs are not started, so there is
   * nothing to pause, and a bad file only costs the machine that was to be restored.
   */
  fresh?: boolean;
  /**
   * Awaited after RAM is in and before the vCPU state, devices and time are applied (a
   * fresh machine whose vCPU threads are still starting: restore RAM meanwhile, set the
   * TB only once they are parked and ready, so guest time starts when the guest can run).
   */
  beforeApply?: () => Promise<void>;
}

export interface RestoreResult {
  meta: SnapshotMeta;
  /** Guest TB after restore and the host wall clock when it was set. */
  tb: number;
  hostMs: number;
  /** Guest TB at save and the wall clock then (from the file). */
  saved: TimeRecord;
  ms: number;
}

function unb64(file: string, s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string') throw new SnapshotError('corrupted', file, `corrupted: ${what} missing`);
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/**
 * Restore `path` into `m`. Everything is read and checked (configuration, checksums,
 * structure, disk snapshots) before the machine is touched; then the vCPUs are parked,
 * RAM, vCPU state, devices and machine state are replaced, and the vCPUs resume exactly
 * where the snapshot left them.
 */
export async function restoreSnapshot(m: SpaprMachine, path: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const t0 = performance.now();
  const policy = opts.time ?? 'continue';
  const r = await SnapshotReader.open(path);
  try {
    const meta = await r.meta();
    checkConfig(path, meta.config, machineConfig(m));
    if (opts.fresh !== true) await r.verify();
    const time = await r.json<TimeRecord>('TIME');
    if (!Number.isFinite(time.tb) || !Number.isFinite(time.hostMs) || time.tbFreq !== TB_FREQ) {
      throw new SnapshotError('corrupted', path, 'corrupted: bad time record');
    }
    const cpus = await r.required('CPUS');
    if (cpus.length !== m.cfg.nvcpus * L.VCPU_BLOCK) throw new SnapshotError('corrupted', path, `corrupted: CPU state has ${cpus.length} bytes for ${m.cfg.nvcpus} vCPUs`);
    const mach = await r.json<MachRecord>('MACH');
    const devs = await r.json<DevsRecord>('DEVS');
    const disk = await r.json<DiskRecord>('DISK');
    let tree: Fdt;
    try {
      tree = Fdt.fromBlob(await r.required('FDT '));
    } catch (e) {
      if (e instanceof SnapshotError) throw e;
      throw new SnapshotError('corrupted', path, `corrupted: the device tree does not parse (${(e as Error).message})`);
    }
    // Device layout must be the one this machine built (same config => same regions).
    const mine = m.regions.list();
    const same = devs.regions.length === mine.length && devs.regions.every((x, i) => x.name === mine[i].name && x.offset === mine[i].offset && x.size === mine[i].size);
    if (!same) throw new SnapshotError('config', path, 'taken on a different machine configuration: its devices are laid out differently');
    const nvram = unb64(path, devs.nvram, 'NVRAM');
    if ((devs.pci !== undefined) !== (m.phb !== null)) throw new SnapshotError('config', path, 'taken on a different machine configuration: PCI devices differ');
    if (devs.pci !== undefined && savable(m.phb) === null) throw new SnapshotError('config', path, 'this VM\'s PCI devices cannot load saved state yet');
    const raw = new Map<string, Uint8Array>();
    for (const x of mine) {
      if (STRUCTURED.has(x.name)) continue;
      const b = unb64(path, devs.raw[x.name], `device region ${x.name}`);
      if (b.length !== x.size) throw new SnapshotError('corrupted', path, `corrupted: device region ${x.name} has ${b.length} bytes, expected ${x.size}`);
      raw.set(x.name, b);
    }
    // The disks' moments must all be there before anything changes.
    const disks = m.cfg.disks ?? [];
    const reverts: Array<{ d: SnapshotDrive; tag: string }> = [];
    for (const rec of disk.drives) {
      if (rec.tag === null) continue;
      const d = disks[rec.index] === undefined ? null : snapshotDrive(disks[rec.index]);
      if (d === null || !(await d.snapshotExists(rec.tag))) {
        throw new SnapshotError('config', path, `its disk state for drive ${rec.index} (${rec.path}, internal snapshot ${rec.tag}) is missing`);
      }
      reverts.push({ d, tag: rec.tag });
    }
    const ramSections = r.sections.filter((s) => s.tag === 'RAM ');

    const wasPaused = isPaused(m);
    if (opts.fresh !== true) await m.pause();
    try {
      for (const x of reverts) await x.d.snapshotRevert(x.tag);
      const mem = m.mem;
      const view = mem.u8.subarray(L.RAM_OFFSET, L.RAM_OFFSET + mem.ramSize);
      // A fresh machine only wrote its boot image (firmware stub, kernel, initrd, all below
      // the initrd's end): clear that, and leave the rest of RAM untouched host memory.
      // In place, every page the snapshot holds as zero is cleared.
      const fresh = opts.fresh === true;
      const initrdLen = m.cfg.initrd?.length ?? 0;
      const dirtyEnd = fresh && m.initrdBase > 0 ? Math.min(mem.ramSize, m.initrdBase + initrdLen) : mem.ramSize;
      if (fresh) view.fill(0, 0, dirtyEnd);
      const present = new Set<number>();
      const sameThread = !m.threaded && !fresh;
      const held: DecodedRam[] = [];
      // Decompress a few chunks ahead on the zlib thread pool; copy them in order.
      const AHEAD = 4;
      const queue: Array<Promise<DecodedRam>> = [];
      let next = 0;
      const startDecode = (s: SectionInfo): Promise<DecodedRam> => {
        const p = r.payload(s).then((b) => decodeRamChunk(path, b, mem.ramSize));
        p.catch(() => {}); // awaited in order below; an early failure must not go unhandled
        return p;
      };
      while (next < ramSections.length && queue.length < AHEAD) queue.push(startDecode(ramSections[next++]));
      try {
        while (queue.length > 0) {
          const d = await (queue.shift() as Promise<DecodedRam>);
          if (next < ramSections.length) queue.push(startDecode(ramSections[next++]));
          present.add(d.addr);
          // vCPUs on this thread could run during an await: apply all at once below.
          if (sameThread) held.push(d);
          else applyDecodedRam(path, d, view, !fresh);
        }
      } finally {
        await Promise.allSettled(queue);
      }
      if (opts.beforeApply !== undefined) await opts.beforeApply();
      // From here on no await: nothing runs until the machine state is whole again.
      for (const d of held) applyDecodedRam(path, d, view, true);
      held.length = 0;
      if (!fresh) {
        for (let a = 0; a < mem.ramSize; a += RAM_CHUNK) {
          if (!present.has(a)) view.fill(0, a, Math.min(a + RAM_CHUNK, mem.ramSize));
        }
      }
      let tbNow = 0;
      let hostMs = 0;
      m.bql.with(() => {
        // Time first: DECs are re-armed against the TB the policy gives.
        hostMs = Date.now();
        const gapMs = Math.max(0, hostMs - time.hostMs);
        tbNow = policy === 'continue' ? time.tb : time.tb + Math.round((gapMs * TB_FREQ) / 1000);
        mem.u32[L.M_TB_FROZEN >> 2] = 0;
        setTB(mem, tbNow);
        mem.f64[L.M_RTC_OFFSET >> 3] = policy === 'continue' ? mach.rtcOffset - gapMs / 1000 : mach.rtcOffset;
        Atomics.store(mem.i32, L.M_RADIX >> 2, mach.radix);
        Atomics.store(mem.u32, L.M_PATB >> 2, mach.patbLo);
        Atomics.store(mem.u32, (L.M_PATB >> 2) + 1, mach.patbHi);
        for (let i = 0; i < m.cfg.nvcpus; i++) {
          const base = L.vcpuBlockOffset(i);
          const keep = [L.EXIT_REQ, L.PARKED, L.HOST_REQ].map((o) => mem.u32[(base + o) >> 2]);
          mem.u8.set(cpus.subarray(i * L.VCPU_BLOCK, (i + 1) * L.VCPU_BLOCK), base);
          [L.EXIT_REQ, L.PARKED, L.HOST_REQ].forEach((o, k) => (mem.u32[(base + o) >> 2] = keep[k]));
          // DEC = saved DEC - (TB now - saved TB): under `continue` the TB is the saved one,
          // so the DEC is as it was; under `realtime` it counted down through the gap, so
          // a timer that expired meanwhile is pending at once.
          mem.f64[(base + L.DEC_EXPIRY) >> 3] += time.tb;
          mem.f64[(base + L.HDEC_EXPIRY) >> 3] += time.tb;
          // A changed DEC may be pending now: make the vCPU look (exceptions.ts).
          Atomics.or(mem.i32, (base + L.IRQ_PENDING) >> 2, L.IRQ_FLUSH_TLB | L.IRQ_FLUSH_CODE);
        }
        m.nvram.load(nvram);
        for (const x of mine) {
          const b = raw.get(x.name);
          if (b !== undefined) mem.u8.set(b, x.offset);
        }
        m.vty.load(devs.vty);
        if (devs.pci !== undefined) savable(m.phb)?.load(devs.pci);
        m.xics.load(devs.xics);
        // Loading one interrupt controller resets its output lines, which the other (the
        // one CAS chose) may be driving: the pending bits as saved are the truth.
        for (let i = 0; i < m.cfg.nvcpus; i++) {
          const saved = new Int32Array(cpus.buffer, cpus.byteOffset + i * L.VCPU_BLOCK + L.IRQ_PENDING, 1)[0];
          Atomics.store(mem.i32, (L.vcpuBlockOffset(i) + L.IRQ_PENDING) >> 2, saved | L.IRQ_FLUSH_TLB | L.IRQ_FLUSH_CODE);
        }
        m.applySnapshotState({ ...mach.machine, fdt: new Uint8Array(0) }, tree);
        for (const c of m.cpus) {
          c.syncIn();
          c.tlbFlushAll();
        }
      });
      return { meta, tb: tbNow, hostMs, saved: time, ms: performance.now() - t0 };
    } finally {
      if (opts.fresh !== true && !wasPaused) m.resume();
    }
  } finally {
    await r.close();
  }
}

// ---------------------------------------------------------------- management

export interface SnapshotListing {
  path: string;
  name: string;
  description: string;
  createdMs: number;
  thumbnail: string;
  /** File size in bytes. */
  size: number;
}

/** Snapshots in `dir`, newest first; unreadable files are listed with the reason. */
export async function listSnapshots(dir: string): Promise<{ snapshots: SnapshotListing[]; errors: string[] }> {
  const snapshots: SnapshotListing[] = [];
  const errors: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { snapshots, errors };
    throw e;
  }
  for (const n of names) {
    if (!n.endsWith('.ppcsnap') || n.startsWith('.')) continue;
    const p = join(dir, n);
    try {
      const r = await SnapshotReader.open(p);
      try {
        const meta = await r.meta();
        snapshots.push({ path: p, name: meta.name, description: meta.description, createdMs: meta.createdMs, thumbnail: meta.thumbnail, size: (await stat(p)).size });
      } finally {
        await r.close();
      }
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  snapshots.sort((a, b) => b.createdMs - a.createdMs);
  return { snapshots, errors };
}

/**
 * Delete a snapshot file and the disk state only it used (other snapshots stay valid).
 * `drives`: the running VM's open drives; without them each image is opened here.
 */
export async function deleteSnapshot(path: string, drives: readonly BlockBackend[] = []): Promise<void> {
  const r = await SnapshotReader.open(path);
  let disk: DiskRecord;
  try {
    disk = await r.json<DiskRecord>('DISK');
  } finally {
    await r.close();
  }
  for (const rec of disk.drives) {
    if (rec.tag === null) continue;
    const given = drives[rec.index];
    if (given !== undefined) {
      const d = snapshotDrive(given);
      if (d !== null && (await d.snapshotExists(rec.tag))) await d.snapshotDelete(rec.tag);
      continue;
    }
    // No open drive given (the VM is stopped): open the image to free the snapshot's
    // clusters. A missing image has nothing to free; one in use is refused (not leaked).
    let b: BlockBackend;
    try {
      b = await openImage(rec.path, { format: 'qcow2' });
    } catch (e) {
      if (e instanceof BlockError && e.code === 'ENOENT') continue;
      throw new SnapshotError('io', path, `cannot delete: drive ${rec.index} (${rec.path}) holds its disk state and cannot be opened (${(e as Error).message}); stop the VM using it and try again`);
    }
    try {
      const d = snapshotDrive(b);
      if (d !== null && (await d.snapshotExists(rec.tag))) await d.snapshotDelete(rec.tag);
    } catch (e) {
      throw new SnapshotError('io', path, `cannot delete: drive ${rec.index} (${rec.path}): ${(e as Error).message}`);
    } finally {
      await b.close();
    }
  }
  await unlink(path);
}
