// The snapshot file: one self-describing file per snapshot of a running VM.
//
//   header   8 bytes magic "PPCBSNAP", u32 format version, u32 0
//   section  4-byte ASCII tag, u32 flags (0), u64 payload length,
//            payload, u32 CRC-32 of the payload            ... repeated ...
//   END      the last section (empty payload): a file without it was cut short
//
// All integers little-endian. Sections, in the order they are written:
//   META  JSON SnapshotMeta: name, description, time, config, thumbnail (listings read only this)
//   TIME  JSON TimeRecord: guest TB at save and the host wall clock then
//   CPUS  the vCPU state blocks (layout.ts), DEC/HDEC stored as offsets from the saved TB
//   MACH  JSON: machine-level state outside the blocks (CAS result, process table, RTC, VOF)
//   DEVS  JSON: every device's save() (XICS, vty incl. pending input, NVRAM, ...)
//   FDT   the device tree the guest got (DTB blob)
//   DISK  JSON: the disk state that belongs to this moment (see snapshot.ts)
//   RAM   repeated: one chunk of guest RAM, zero pages skipped, the rest deflated
//   END
// Writing is atomic: a temp file next to the target, fsync, rename, fsync of the folder.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { openSync, fsyncSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32, deflateRaw, inflateRaw, inflateRawSync, constants as zc } from 'node:zlib';
import { promisify } from 'node:util';

export const SNAPSHOT_MAGIC = 'PPCBSNAP';
export const SNAPSHOT_FORMAT_VERSION = 1;
export const HEADER_SIZE = 16;
export const SECTION_HEAD = 16;
export const SECTION_TAIL = 4;
/** Guest RAM per RAM section, and the zero-skipping granule inside it. */
export const RAM_CHUNK = 4 * 1024 * 1024;
export const RAM_PAGE = 4096;
/** A section larger than this is taken as corruption, not allocated. */
const MAX_SECTION = 256 * 1024 * 1024;

const deflateRawAsync = promisify(deflateRaw);
const inflateRawAsync = promisify(inflateRaw);

export type SnapshotErrorKind = 'not-found' | 'not-snapshot' | 'truncated' | 'corrupted' | 'version' | 'config' | 'io';

/** A snapshot that cannot be written or used; the message names the file and the problem. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
  constructor(
    readonly kind: SnapshotErrorKind,
    readonly file: string,
    problem: string,
  ) {
    super(`snapshot ${file}: ${problem}`);
  }
}

/** The machine configuration a snapshot belongs to; restore refuses any other. */
export interface SnapshotConfig {
  ramBytes: number;
  nvcpus: number;
  icMode: string;
  kernelName: string;
  /** CRC-32 and length of the kernel and initrd images (the same files must be used). */
  kernel: { size: number; crc32: number };
  initrd: { size: number; crc32: number } | null;
  bootargs: string;
  disks: Array<{ path: string; format: string; size: number; readOnly: boolean }>;
}

export interface SnapshotMeta {
  name: string;
  description: string;
  /** Host wall clock (ms since 1970) at save. */
  createdMs: number;
  config: SnapshotConfig;
  /** Text of the last console lines until there is a screen. */
  thumbnail: string;
  /** Guest RAM bytes that were not zero (for listings). */
  ramUsedBytes: number;
}

export interface TimeRecord {
  /** Guest TB at save (ticks, integer-valued). */
  tb: number;
  /** Host wall clock (ms since 1970) at the same moment: the pair of DESIGN.md rule 6. */
  hostMs: number;
  tbFreq: number;
}

export interface RamChunk {
  /** Guest physical address of the chunk. */
  addr: number;
  /** Bytes of RAM the chunk covers (RAM_CHUNK, less at the end of RAM). */
  length: number;
  /** One bit per RAM_PAGE: 1 = stored, 0 = zero. */
  bitmap: Uint8Array;
  /** The stored pages, in order, back to back (uncompressed when captured). */
  pages: Uint8Array;
}

// ---------------------------------------------------------------- encoding helpers

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function jsonBytes(v: unknown): Uint8Array {
  return enc.encode(JSON.stringify(v));
}

function tagBytes(tag: string): Uint8Array {
  if (!/^[A-Z ]{4}$/.test(tag)) throw new Error(`bad section tag "${tag}"`);
  return enc.encode(tag);
}

function headerBytes(version = SNAPSHOT_FORMAT_VERSION): Uint8Array {
  const h = new Uint8Array(HEADER_SIZE);
  h.set(enc.encode(SNAPSHOT_MAGIC), 0);
  new DataView(h.buffer).setUint32(8, version, true);
  return h;
}

const ZERO_BLOCK = Buffer.alloc(64 * 1024);

/** Scan one chunk of RAM: which pages are not zero. Returns null when all are zero. */
export function scanChunk(ram: Uint8Array, addr: number, length: number): { bitmap: Uint8Array; used: number } | null {
  const pages = Math.ceil(length / RAM_PAGE);
  const bitmap = new Uint8Array((pages + 7) >> 3);
  // Native memcmp against zeros (Buffer.compare, no allocation per page): whole 64 KiB
  // blocks first, since most of an idle guest's RAM is zero, then page by page.
  const buf = Buffer.from(ram.buffer, ram.byteOffset, ram.length);
  const block = ZERO_BLOCK.length;
  let used = 0;
  for (let off = addr; off < addr + length; off += block) {
    const bend = Math.min(off + block, addr + length);
    if (buf.compare(ZERO_BLOCK, 0, bend - off, off, bend) === 0) continue;
    for (let q = off; q < bend; q += RAM_PAGE) {
      const qend = Math.min(q + RAM_PAGE, bend);
      if (buf.compare(ZERO_BLOCK, 0, qend - q, q, qend) === 0) continue;
      const p = (q - addr) / RAM_PAGE;
      bitmap[p >> 3] |= 1 << (p & 7);
      used++;
    }
  }
  return used === 0 ? null : { bitmap, used };
}

/** Copy the non-zero pages of a chunk out of RAM (done while the guest is paused). */
export function captureChunk(ram: Uint8Array, addr: number, length: number): RamChunk | null {
  const s = scanChunk(ram, addr, length);
  if (s === null) return null;
  const pages = new Uint8Array(s.used * RAM_PAGE);
  let k = 0;
  const n = Math.ceil(length / RAM_PAGE);
  for (let p = 0; p < n; p++) {
    if ((s.bitmap[p >> 3] & (1 << (p & 7))) === 0) continue;
    const from = addr + p * RAM_PAGE;
    pages.set(ram.subarray(from, Math.min(from + RAM_PAGE, addr + length)), k * RAM_PAGE);
    k++;
  }
  return { addr, length, bitmap: s.bitmap, pages };
}

/** RAM section payload: f64 addr, u32 length, u32 bitmap bytes, bitmap, deflated pages. */
export async function encodeRamChunk(c: RamChunk): Promise<Uint8Array> {
  const z = await deflateRawAsync(c.pages, { level: 1, strategy: zc.Z_DEFAULT_STRATEGY });
  const out = new Uint8Array(16 + c.bitmap.length + z.length);
  const dv = new DataView(out.buffer);
  dv.setFloat64(0, c.addr, true);
  dv.setUint32(8, c.length, true);
  dv.setUint32(12, c.bitmap.length, true);
  out.set(c.bitmap, 16);
  out.set(z, 16 + c.bitmap.length);
  return out;
}

export interface DecodedRam {
  addr: number;
  length: number;
  bitmap: Uint8Array;
  data: Uint8Array;
}

function ramHeader(file: string, payload: Uint8Array, ramSize: number): { addr: number; length: number; bitmap: Uint8Array; z: Uint8Array } {
  if (payload.length < 16) throw new SnapshotError('corrupted', file, 'RAM section too short');
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const addr = dv.getFloat64(0, true);
  const length = dv.getUint32(8, true);
  const bl = dv.getUint32(12, true);
  const pages = Math.ceil(length / RAM_PAGE);
  if (!Number.isInteger(addr) || addr < 0 || addr % RAM_PAGE !== 0 || addr + length > ramSize || bl !== (pages + 7) >> 3 || 16 + bl > payload.length) {
    throw new SnapshotError('corrupted', file, `RAM section at 0x${addr.toString(16)} is outside the guest's RAM or malformed`);
  }
  return { addr, length, bitmap: payload.subarray(16, 16 + bl), z: payload.subarray(16 + bl) };
}

function inflateError(file: string, addr: number, e: unknown): SnapshotError {
  return new SnapshotError('corrupted', file, `RAM at 0x${addr.toString(16)} does not decompress (${(e as Error).message})`);
}

/** Decompress a RAM section payload (on the zlib thread pool). */
export async function decodeRamChunk(file: string, payload: Uint8Array, ramSize: number): Promise<DecodedRam> {
  const h = ramHeader(file, payload, ramSize);
  let data: Uint8Array;
  try {
    data = await inflateRawAsync(h.z);
  } catch (e) {
    throw inflateError(file, h.addr, e);
  }
  return { addr: h.addr, length: h.length, bitmap: h.bitmap, data };
}

/**
 * Put a decoded chunk into `ram` (a view of guest RAM from physical 0). With zeroAbsent,
 * pages the snapshot holds as zero are cleared (restore over a used RAM); without, they
 * are left alone (RAM the caller knows is zero: untouched host memory stays uncommitted).
 */
export function applyDecodedRam(file: string, d: DecodedRam, ram: Uint8Array, zeroAbsent: boolean): void {
  const { addr, length, bitmap, data } = d;
  const pages = Math.ceil(length / RAM_PAGE);
  let k = 0;
  for (let p = 0; p < pages; p++) {
    const to = addr + p * RAM_PAGE;
    const n = Math.min(RAM_PAGE, addr + length - to);
    if ((bitmap[p >> 3] & (1 << (p & 7))) === 0) {
      if (zeroAbsent) ram.fill(0, to, to + n);
      continue;
    }
    if (k * RAM_PAGE + n > data.length) {
      throw new SnapshotError('corrupted', file, `RAM at 0x${addr.toString(16)} holds fewer pages than its map says`);
    }
    ram.set(data.subarray(k * RAM_PAGE, k * RAM_PAGE + n), to);
    k++;
  }
  if (k * RAM_PAGE !== data.length) throw new SnapshotError('corrupted', file, `RAM at 0x${addr.toString(16)} holds more pages than its map says`);
}

/** Decode and apply in one go (synchronous), zero pages cleared. */
export function applyRamChunk(file: string, payload: Uint8Array, ram: Uint8Array, ramSize: number): { addr: number; length: number } {
  const h = ramHeader(file, payload, ramSize);
  let data: Uint8Array;
  try {
    data = inflateRawSync(h.z);
  } catch (e) {
    throw inflateError(file, h.addr, e);
  }
  applyDecodedRam(file, { addr: h.addr, length: h.length, bitmap: h.bitmap, data }, ram, true);
  return { addr: h.addr, length: h.length };
}

// ---------------------------------------------------------------- writer

/**
 * Writes one snapshot to a temp file beside `path`; finish() makes it appear atomically,
 * abort() removes it. Nothing at `path` changes until finish() succeeds.
 */
export class SnapshotWriter {
  private pos = 0;
  private done = false;

  private constructor(
    readonly path: string,
    readonly tmp: string,
    private readonly fh: FileHandle,
  ) {}

  static async create(path: string, version = SNAPSHOT_FORMAT_VERSION): Promise<SnapshotWriter> {
    const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);
    let fh: FileHandle;
    try {
      fh = await open(tmp, 'wx');
    } catch (e) {
      throw ioError(path, 'cannot create', e);
    }
    const w = new SnapshotWriter(path, tmp, fh);
    await w.put(headerBytes(version));
    return w;
  }

  private async put(b: Uint8Array): Promise<void> {
    try {
      let off = 0;
      while (off < b.length) {
        const r = await this.fh.write(b, off, b.length - off, this.pos);
        if (r.bytesWritten <= 0) throw new Error('short write');
        off += r.bytesWritten;
        this.pos += r.bytesWritten;
      }
    } catch (e) {
      throw ioError(this.path, 'cannot write', e);
    }
  }

  /** Append one section. */
  async section(tag: string, payload: Uint8Array): Promise<void> {
    const h = new Uint8Array(SECTION_HEAD);
    h.set(tagBytes(tag), 0);
    const dv = new DataView(h.buffer);
    dv.setUint32(8, payload.length >>> 0, true);
    dv.setUint32(12, Math.floor(payload.length / 4294967296), true);
    const t = new Uint8Array(SECTION_TAIL);
    new DataView(t.buffer).setUint32(0, crc32(payload) >>> 0, true);
    await this.put(h);
    await this.put(payload);
    await this.put(t);
  }

  get bytesWritten(): number {
    return this.pos;
  }

  /** END section, fsync, rename over `path`, fsync the folder. */
  async finish(): Promise<number> {
    await this.section('END ', new Uint8Array(0));
    try {
      await this.fh.sync();
      await this.fh.close();
      this.done = true;
      await rename(this.tmp, this.path);
    } catch (e) {
      await this.abort();
      throw ioError(this.path, 'cannot complete', e);
    }
    try {
      const d = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(d);
      } finally {
        closeSync(d);
      }
    } catch {
      // Some filesystems refuse fsync on a folder; the rename itself is still atomic.
    }
    return this.pos;
  }

  /** Drop the temp file (after a failure); earlier snapshots are untouched. */
  async abort(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.fh.close().catch(() => {});
    }
    await unlink(this.tmp).catch(() => {});
  }
}

function ioError(file: string, what: string, e: unknown): SnapshotError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOSPC' ? 'the disk is full' : err.code === 'EDQUOT' ? 'the disk quota is exhausted' : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' : (err.message ?? String(e));
  return new SnapshotError('io', file, `${what}: ${why}`);
}

// ---------------------------------------------------------------- reader

export interface SectionInfo {
  tag: string;
  /** File offset of the payload. */
  offset: number;
  length: number;
}

/**
 * An open snapshot file. open() checks the header and walks every section header (cheap);
 * verify() reads every payload and checks its CRC; payload() reads and checks one.
 */
export class SnapshotReader {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly size: number,
    readonly sections: SectionInfo[],
  ) {}

  static async open(path: string): Promise<SnapshotReader> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new SnapshotError('not-found', path, 'no such file');
      throw ioError(path, 'cannot open', e);
    }
    try {
      const size = (await fh.stat()).size;
      const head = new Uint8Array(HEADER_SIZE);
      const r = await fh.read(head, 0, HEADER_SIZE, 0);
      if (r.bytesRead < 8 || dec.decode(head.subarray(0, 8)) !== SNAPSHOT_MAGIC) {
        throw new SnapshotError('not-snapshot', path, 'not a PPCBox snapshot (bad magic)');
      }
      if (r.bytesRead < HEADER_SIZE) throw new SnapshotError('truncated', path, `truncated: the file ends inside its header (${size} bytes)`);
      const version = new DataView(head.buffer).getUint32(8, true);
      if (version !== SNAPSHOT_FORMAT_VERSION) {
        throw new SnapshotError('version', path, `format version ${version}, this PPCBox reads version ${SNAPSHOT_FORMAT_VERSION}`);
      }
      const sections: SectionInfo[] = [];
      let pos = HEADER_SIZE;
      const sh = new Uint8Array(SECTION_HEAD);
      for (;;) {
        if (pos + SECTION_HEAD > size) {
          throw new SnapshotError('truncated', path, `truncated: the file ends at byte ${size} before its END section (it was not completely written)`);
        }
        await fh.read(sh, 0, SECTION_HEAD, pos);
        const tagRaw = sh.subarray(0, 4);
        const tag = String.fromCharCode(...tagRaw);
        const dv = new DataView(sh.buffer);
        const length = dv.getUint32(8, true) + dv.getUint32(12, true) * 4294967296;
        if (!/^[A-Z ]{4}$/.test(tag) || dv.getUint32(4, true) !== 0 || length > MAX_SECTION) {
          throw new SnapshotError('corrupted', path, `corrupted: bad section header at byte ${pos}`);
        }
        const end = pos + SECTION_HEAD + length + SECTION_TAIL;
        if (end > size) {
          throw new SnapshotError('truncated', path, `truncated: section ${tag.trim()} at byte ${pos} needs ${end} bytes, the file has ${size}`);
        }
        sections.push({ tag, offset: pos + SECTION_HEAD, length });
        pos = end;
        if (tag === 'END ') break;
      }
      if (pos !== size) throw new SnapshotError('corrupted', path, `corrupted: ${size - pos} stray bytes after the END section`);
      return new SnapshotReader(path, fh, size, sections);
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
  }

  /** One section's payload, CRC checked. */
  async payload(s: SectionInfo): Promise<Uint8Array> {
    const b = new Uint8Array(s.length + SECTION_TAIL);
    let off = 0;
    while (off < b.length) {
      const r = await this.fh.read(b, off, b.length - off, s.offset + off);
      if (r.bytesRead <= 0) throw new SnapshotError('truncated', this.path, `truncated: section ${s.tag.trim()} at byte ${s.offset - SECTION_HEAD}`);
      off += r.bytesRead;
    }
    const p = b.subarray(0, s.length);
    const want = new DataView(b.buffer).getUint32(s.length, true);
    if ((crc32(p) >>> 0) !== want) {
      throw new SnapshotError('corrupted', this.path, `corrupted: checksum mismatch in section ${s.tag.trim()} at byte ${s.offset - SECTION_HEAD}`);
    }
    return p;
  }

  find(tag: string): SectionInfo | undefined {
    return this.sections.find((s) => s.tag === tag);
  }

  /** The payload of a section that must be there exactly once. */
  async required(tag: string): Promise<Uint8Array> {
    const all = this.sections.filter((s) => s.tag === tag);
    if (all.length !== 1) throw new SnapshotError('corrupted', this.path, `corrupted: ${all.length === 0 ? 'no' : 'more than one'} ${tag.trim()} section`);
    return this.payload(all[0]);
  }

  async json<T>(tag: string): Promise<T> {
    const p = await this.required(tag);
    try {
      return JSON.parse(dec.decode(p)) as T;
    } catch {
      throw new SnapshotError('corrupted', this.path, `corrupted: section ${tag.trim()} is not valid JSON`);
    }
  }

  /** Read every payload once and check its CRC (before anything is touched). */
  async verify(): Promise<void> {
    for (const s of this.sections) await this.payload(s);
  }

  async meta(): Promise<SnapshotMeta> {
    return this.json<SnapshotMeta>('META');
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

/** Throw a 'config' error naming every difference between a snapshot's machine and this one. */
export function checkConfig(file: string, saved: SnapshotConfig, current: SnapshotConfig): void {
  const diffs: string[] = [];
  if (saved.ramBytes !== current.ramBytes) diffs.push(`memory ${saved.ramBytes / 1048576} MiB, this VM has ${current.ramBytes / 1048576} MiB`);
  if (saved.nvcpus !== current.nvcpus) diffs.push(`${saved.nvcpus} vCPUs, this VM has ${current.nvcpus}`);
  if (saved.icMode !== current.icMode) diffs.push(`interrupt controller ${saved.icMode}, this VM uses ${current.icMode}`);
  if (saved.kernel.size !== current.kernel.size || saved.kernel.crc32 !== current.kernel.crc32) diffs.push(`another kernel (${saved.kernelName})`);
  const ir = (x: SnapshotConfig['initrd']): string => (x === null ? 'none' : `${x.size}/${x.crc32}`);
  if (ir(saved.initrd) !== ir(current.initrd)) diffs.push('another initrd');
  if (saved.bootargs !== current.bootargs) diffs.push(`kernel command line "${saved.bootargs}", this VM has "${current.bootargs}"`);
  if (saved.disks.length !== current.disks.length) diffs.push(`${saved.disks.length} disks, this VM has ${current.disks.length}`);
  else
    saved.disks.forEach((d, i) => {
      const c = current.disks[i];
      if (d.size !== c.size || d.format !== c.format) diffs.push(`disk ${i} is ${d.format} of ${d.size} bytes (${d.path}), this VM's is ${c.format} of ${c.size} bytes`);
    });
  if (diffs.length > 0) throw new SnapshotError('config', file, `taken on a different machine configuration: ${diffs.join('; ')}`);
}

/** Fingerprint of an image (kernel, initrd) for the configuration check. */
export function imageFingerprint(b: Uint8Array): { size: number; crc32: number } {
  return { size: b.length, crc32: crc32(b) >>> 0 };
}
