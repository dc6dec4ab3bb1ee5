// cpio "newc" (SVR4, magic 070701) writer and reader: the format the Linux kernel
// unpacks as an initramfs. Entries are written in the order added; parent directories
// are created on demand so every path's directory exists before the path itself.
// Timestamps and inode numbers are fixed, so the same input gives the same bytes.
import { gunzipSync, gzipSync } from 'node:zlib';

const MAGIC = '070701';
const MAGIC_CRC = '070702';
const HEADER_LEN = 110;
const TRAILER = 'TRAILER!!!';

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

export type CpioType = 'file' | 'dir' | 'symlink' | 'char' | 'block';

export interface CpioEntry {
  /** Path inside the archive, without a leading '/' (e.g. "bin/busybox"). */
  path: string;
  type: CpioType;
  /** Permission bits (e.g. 0o755), without the file-type bits. */
  perm: number;
  uid: number;
  gid: number;
  mtime: number;
  /** File contents; for a symlink, the target path's bytes. */
  data: Uint8Array;
  /** Device numbers of a char/block device. */
  major: number;
  minor: number;
}

export interface EntryOptions {
  perm?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

const TYPE_BITS: Record<CpioType, number> = {
  file: S_IFREG,
  dir: S_IFDIR,
  symlink: S_IFLNK,
  char: S_IFCHR,
  block: S_IFBLK,
};

/** Normalise an archive path: no leading "/" or "./", no empty, "." or ".." parts. */
export function normalizePath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0) throw new Error(`cpio: empty path "${p}"`);
  for (const s of parts) {
    if (s === '..') throw new Error(`cpio: path "${p}" climbs out of the archive`);
    if (s.includes('\0')) throw new Error(`cpio: path "${p}" contains a NUL byte`);
  }
  return parts.join('/');
}

export class CpioWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private nextIno = 1;
  private readonly seen = new Map<string, CpioType>();
  private finished = false;
  /** Default mtime (seconds) for every entry: fixed for reproducible archives. */
  readonly mtime: number;

  constructor(opts: { mtime?: number } = {}) {
    this.mtime = opts.mtime ?? 0;
  }

  has(path: string): boolean {
    return this.seen.has(normalizePath(path));
  }

  /** Add a directory (and its missing parents). Adding an existing directory is a no-op. */
  addDir(path: string, opts: EntryOptions = {}): this {
    const p = normalizePath(path);
    const prev = this.seen.get(p);
    if (prev === 'dir') return this;
    this.ensureParents(p);
    this.emit(p, 'dir', opts.perm ?? 0o755, opts, new Uint8Array(0), 0, 0);
    return this;
  }

  addFile(path: string, data: Uint8Array | string, opts: EntryOptions = {}): this {
    const p = normalizePath(path);
    this.ensureParents(p);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.emit(p, 'file', opts.perm ?? 0o644, opts, bytes, 0, 0);
    return this;
  }

  addSymlink(path: string, target: string, opts: EntryOptions = {}): this {
    const p = normalizePath(path);
    if (target === '') throw new Error(`cpio: empty symlink target for "${p}"`);
    this.ensureParents(p);
    this.emit(p, 'symlink', opts.perm ?? 0o777, opts, new TextEncoder().encode(target), 0, 0);
    return this;
  }

  /** A character device node: needs no privileges here, the kernel creates it at unpack. */
  addCharDevice(path: string, major: number, minor: number, opts: EntryOptions = {}): this {
    const p = normalizePath(path);
    this.ensureParents(p);
    this.emit(p, 'char', opts.perm ?? 0o600, opts, new Uint8Array(0), major, minor);
    return this;
  }

  addBlockDevice(path: string, major: number, minor: number, opts: EntryOptions = {}): this {
    const p = normalizePath(path);
    this.ensureParents(p);
    this.emit(p, 'block', opts.perm ?? 0o600, opts, new Uint8Array(0), major, minor);
    return this;
  }

  /** Close the archive with the trailer and return its bytes (uncompressed). */
  finish(): Uint8Array {
    if (this.finished) throw new Error('cpio: archive already finished');
    this.writeHeader(TRAILER, 0, 0, 0, 0, 1, 0, 0, 0, 0);
    this.finished = true;
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }

  /** finish() then gzip, as the kernel's initramfs loader accepts it. */
  finishGzip(): Uint8Array {
    return new Uint8Array(gzipSync(this.finish(), { level: 9 }));
  }

  private ensureParents(p: string): void {
    const parts = p.split('/');
    for (let k = 1; k < parts.length; k++) {
      const dir = parts.slice(0, k).join('/');
      const t = this.seen.get(dir);
      if (t === undefined) this.emit(dir, 'dir', 0o755, {}, new Uint8Array(0), 0, 0);
      else if (t !== 'dir') throw new Error(`cpio: "${dir}" is a ${t}, not a directory (adding "${p}")`);
    }
  }

  private emit(p: string, type: CpioType, perm: number, o: EntryOptions, data: Uint8Array, major: number, minor: number): void {
    if (this.finished) throw new Error('cpio: archive already finished');
    if (this.seen.has(p)) throw new Error(`cpio: duplicate path "${p}"`);
    if (!Number.isInteger(perm) || perm < 0 || perm > 0o7777) throw new Error(`cpio: bad permissions ${perm} for "${p}"`);
    this.seen.set(p, type);
    const mode = TYPE_BITS[type] | perm;
    const nlink = type === 'dir' ? 2 : 1;
    this.writeHeader(p, this.nextIno++, mode, o.uid ?? 0, o.gid ?? 0, nlink, o.mtime ?? this.mtime, data.length, major, minor);
    if (data.length > 0) {
      this.push(data);
      this.pad();
    }
  }

  private writeHeader(
    name: string,
    ino: number,
    mode: number,
    uid: number,
    gid: number,
    nlink: number,
    mtime: number,
    filesize: number,
    rdevMajor: number,
    rdevMinor: number,
  ): void {
    if (filesize > 0xffffffff) throw new Error(`cpio: "${name}" is larger than 4 GiB`);
    const nameBytes = new TextEncoder().encode(name);
    const fields = [ino, mode, uid, gid, nlink, mtime, filesize, 0, 0, rdevMajor, rdevMinor, nameBytes.length + 1, 0];
    let h = MAGIC;
    for (const f of fields) {
      if (!Number.isInteger(f) || f < 0 || f > 0xffffffff) throw new Error(`cpio: header field ${f} out of range for "${name}"`);
      h += f.toString(16).padStart(8, '0');
    }
    const header = new Uint8Array(HEADER_LEN + nameBytes.length + 1);
    for (let k = 0; k < HEADER_LEN; k++) header[k] = h.charCodeAt(k);
    header.set(nameBytes, HEADER_LEN); // NUL terminator already zero
    this.push(header);
    this.pad();
  }

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  /** newc aligns every header and every data block to 4 bytes. */
  private pad(): void {
    const n = (4 - (this.size & 3)) & 3;
    if (n !== 0) this.push(new Uint8Array(n));
  }
}

function hexField(buf: Uint8Array, off: number): number {
  let v = 0;
  for (let k = 0; k < 8; k++) {
    const c = buf[off + k];
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else throw new Error(`cpio: bad hex digit at offset ${off + k}`);
    v = v * 16 + d;
  }
  return v;
}

function typeOf(mode: number): CpioType {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return 'file';
    case S_IFDIR:
      return 'dir';
    case S_IFLNK:
      return 'symlink';
    case S_IFCHR:
      return 'char';
    case S_IFBLK:
      return 'block';
    default:
      throw new Error(`cpio: unsupported file type in mode 0${mode.toString(8)}`);
  }
}

/**
 * Parse a newc archive (gzip-compressed or not) up to its trailer. Throws on anything
 * malformed: bad magic, truncated header or data, a missing trailer.
 */
export function readCpio(input: Uint8Array): CpioEntry[] {
  const buf = input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b ? new Uint8Array(gunzipSync(input)) : input;
  const dec = new TextDecoder();
  const entries: CpioEntry[] = [];
  let off = 0;
  for (;;) {
    if (off + HEADER_LEN > buf.length) throw new Error(`cpio: truncated header at offset ${off} (no trailer)`);
    const magic = dec.decode(buf.subarray(off, off + 6));
    if (magic !== MAGIC && magic !== MAGIC_CRC) throw new Error(`cpio: bad magic "${magic}" at offset ${off}`);
    const f = (k: number) => hexField(buf, off + 6 + 8 * k);
    const mode = f(1);
    const uid = f(2);
    const gid = f(3);
    const mtime = f(5);
    const filesize = f(6);
    const rdevMajor = f(9);
    const rdevMinor = f(10);
    const namesize = f(11);
    if (namesize < 1) throw new Error(`cpio: empty name at offset ${off}`);
    const nameEnd = off + HEADER_LEN + namesize;
    if (nameEnd > buf.length) throw new Error(`cpio: truncated name at offset ${off}`);
    const name = dec.decode(buf.subarray(off + HEADER_LEN, nameEnd - 1));
    const dataOff = (nameEnd + 3) & ~3;
    if (name === TRAILER) return entries;
    if (dataOff + filesize > buf.length) throw new Error(`cpio: "${name}" data truncated`);
    entries.push({
      path: name.replace(/^\/+/, ''),
      type: typeOf(mode),
      perm: mode & 0o7777,
      uid,
      gid,
      mtime,
      data: buf.slice(dataOff, dataOff + filesize),
      major: rdevMajor,
      minor: rdevMinor,
    });
    off = (dataOff + filesize + 3) & ~3;
  }
}
