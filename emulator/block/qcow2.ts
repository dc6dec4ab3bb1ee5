// qcow2 images, versions 2 and 3: read and write (docs/interop/qcow2.txt in QEMU's tree
// is the format's description; all fields big-endian).
//
// Guest offset -> L1 entry -> L2 table (one cluster) -> L2 entry -> host cluster.
// Host clusters carry reference counts (refcount table -> refcount blocks); `qemu-img
// check` compares them with what the L1/L2 tables (and snapshots) reference.
//
// Metadata is cached write-back (L2 tables, refcount blocks, L1, refcount table) and
// reaches the file in an order that keeps the image consistent after a crash at any
// point (at worst some clusters leak, which is not an error):
//   new data clusters are written at once; flush() then writes refcount blocks (and the
//   refcount table), syncs, writes L2 tables, syncs, writes the L1 table, syncs; only
//   then are the references it dropped released (a freed cluster is never reused while
//   an on-disk table might still point at it).
// Refcounts are always kept exact, so lazy refcounts (and the dirty bit they need) are
// never used; an image QEMU left dirty gets its refcounts rebuilt on a writable open.
// Requests run one at a time (Mutex); big reads are split into runs of contiguous host
// clusters, one pread each.
import { type FileHandle, open } from 'node:fs/promises';
import { constants as zc, inflateRawSync } from 'node:zlib';
import {
  type BlockBackend,
  BlockError,
  checkRequest,
  hostError,
  type ImageFormat,
  Mutex,
  preadFull,
  pwriteFull,
  readOnlyError,
  totalLength,
} from './backend.js';
import { QCOW_MAGIC } from './probe.js';
import {
  encodeSnapshotEntry,
  encodeSnapshotTable,
  MAX_SNAPSHOTS,
  nextSnapshotId,
  type Qcow2SnapshotEntry,
  type Qcow2SnapshotInfo,
  readSnapshotTable,
} from './qcow2-snapshot.js';

const TWO32 = 0x100000000;

// L1/L2 entry bits, split into the high and low 32-bit words.
const OFLAG_COPIED_HI = 0x80000000; // bit 63: refcount is exactly 1, writable in place
const OFLAG_COMPRESSED_HI = 0x40000000; // bit 62
const OFLAG_ZERO_LO = 0x1; // bit 0 (v3): the cluster reads as zeros
const OFFSET_HI = 0x00ffffff; // bits 32..55 of a host offset
const OFFSET_LO = 0xfffffe00; // bits 9..31

const INCOMPAT_DIRTY = 1 << 0;
const INCOMPAT_CORRUPT = 1 << 1;
const INCOMPAT_DATA_FILE = 1 << 2;
const INCOMPAT_COMPRESSION = 1 << 3;
const INCOMPAT_EXTL2 = 1 << 4;

const EXT_END = 0;
const EXT_BACKING_FORMAT = 0xe2792aca;
const EXT_FEATURE_NAMES = 0x6803f857;

const MAX_L1_BYTES = 32 << 20;
const MAX_REFTABLE_BYTES = 8 << 20;

/** Where a guest cluster's data is. */
const enum Kind {
  Unallocated, // backing file, or zeros
  Zero,
  Normal,
  Compressed,
}

interface CacheEntry {
  off: number;
  data: Uint8Array;
  dv: DataView;
  dirty: boolean;
}

/** Opens a backing file read-only; `format` from the header extension, if any. */
export type BackingOpener = (path: string, format: ImageFormat | undefined) => Promise<BlockBackend>;

export interface Qcow2Header {
  version: number;
  backingFile: string;
  backingFormat: string;
  clusterBits: number;
  size: number;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  nbSnapshots: number;
  snapshotsOffset: number;
  incompatible: number;
  compatible: number;
  autoclear: number;
  refcountOrder: number;
  headerLength: number;
  compressionType: number;
  featureNames: Map<string, string>;
}

function u64(dv: DataView, off: number): number {
  const hi = dv.getUint32(off);
  if (hi >= 0x200000) return Number.POSITIVE_INFINITY; // beyond 2^53: never valid here
  return hi * TWO32 + dv.getUint32(off + 4);
}

function corrupt(path: string, what: string): BlockError {
  return new BlockError('EIO', `${path}: corrupt qcow2 image: ${what}`);
}

/** Parses and checks the header cluster. Throws BlockError with a clear reason. */
export function parseHeader(path: string, buf: Uint8Array, fileSize: number): Qcow2Header {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 72 || dv.getUint32(0) !== QCOW_MAGIC) throw new BlockError('EINVAL', `${path}: not a qcow2 image`);
  const version = dv.getUint32(4);
  if (version !== 2 && version !== 3) {
    throw new BlockError('ENOTSUP', `${path}: qcow2 version ${version} is not supported (2 and 3 are)`);
  }
  const h: Qcow2Header = {
    version,
    backingFile: '',
    backingFormat: '',
    clusterBits: dv.getUint32(20),
    size: u64(dv, 24),
    cryptMethod: dv.getUint32(32),
    l1Size: dv.getUint32(36),
    l1TableOffset: u64(dv, 40),
    refcountTableOffset: u64(dv, 48),
    refcountTableClusters: dv.getUint32(56),
    nbSnapshots: dv.getUint32(60),
    snapshotsOffset: u64(dv, 64),
    incompatible: 0,
    compatible: 0,
    autoclear: 0,
    refcountOrder: 4,
    headerLength: 72,
    compressionType: 0,
    featureNames: new Map(),
  };
  const cb = h.clusterBits;
  if (cb < 9 || cb > 21) throw corrupt(path, `cluster_bits ${cb} outside 9..21`);
  const cs = 2 ** cb;
  if (buf.length < Math.min(cs, fileSize)) throw corrupt(path, 'header cluster truncated');
  if (version === 3) {
    if (buf.length < 104) throw corrupt(path, 'version 3 header truncated');
    const incHi = dv.getUint32(72);
    h.incompatible = dv.getUint32(76);
    h.compatible = dv.getUint32(84);
    h.autoclear = dv.getUint32(92);
    h.refcountOrder = dv.getUint32(96);
    h.headerLength = dv.getUint32(100);
    if (h.headerLength < 104 || h.headerLength > cs) throw corrupt(path, `header_length ${h.headerLength}`);
    if (h.headerLength > 104) h.compressionType = buf[104];
    // Feature names first, so a refusal can name the feature.
    parseExtensions(path, buf, dv, h, cs);
    const unknown = incHi !== 0 || (h.incompatible & ~0x1f) !== 0;
    if (unknown) {
      const names: string[] = [];
      for (let bit = 5; bit < 64; bit++) {
        const set = bit < 32 ? (h.incompatible >>> bit) & 1 : (incHi >>> (bit - 32)) & 1;
        if (set) names.push(h.featureNames.get(`0:${bit}`) ?? `bit ${bit}`);
      }
      throw new BlockError(
        'ENOTSUP',
        `${path}: the qcow2 image uses incompatible features this emulator does not know: ${names.join(', ')}`,
      );
    }
    if (h.incompatible & INCOMPAT_DATA_FILE) {
      throw new BlockError('ENOTSUP', `${path}: qcow2 images with an external data file are not supported`);
    }
    if (h.incompatible & INCOMPAT_EXTL2) {
      throw new BlockError(
        'ENOTSUP',
        `${path}: qcow2 images with extended L2 entries (subclusters) are not supported; ` +
          `convert with "qemu-img convert -O qcow2 -o extended_l2=off"`,
      );
    }
    if (h.incompatible & INCOMPAT_COMPRESSION && h.compressionType !== 0) {
      throw new BlockError(
        'ENOTSUP',
        `${path}: qcow2 compression type ${h.compressionType === 1 ? 'zstd' : h.compressionType} is not supported ` +
          `(only zlib); convert with "qemu-img convert -O qcow2 -o compression_type=zlib"`,
      );
    }
    if (!(h.incompatible & INCOMPAT_COMPRESSION) && h.compressionType !== 0) {
      throw corrupt(path, 'compression type set without its incompatible feature bit');
    }
  } else {
    parseExtensions(path, buf, dv, h, cs);
  }
  if (h.refcountOrder > 6) throw corrupt(path, `refcount_order ${h.refcountOrder}`);
  if (h.cryptMethod !== 0) {
    throw new BlockError('ENOTSUP', `${path}: encrypted qcow2 images are not supported`);
  }
  if (!Number.isSafeInteger(h.size)) throw corrupt(path, 'virtual size too large');
  const l2Entries = cs / 8;
  const need = Math.ceil(h.size / (cs * l2Entries));
  if (h.l1Size < need) throw corrupt(path, `L1 table (${h.l1Size} entries) too small for the virtual size`);
  if (h.l1Size * 8 > MAX_L1_BYTES) throw corrupt(path, 'L1 table too large');
  const aligned = (o: number): boolean => Number.isSafeInteger(o) && o % cs === 0;
  if (h.l1Size > 0 && (!aligned(h.l1TableOffset) || h.l1TableOffset === 0)) throw corrupt(path, 'L1 table offset');
  if (!aligned(h.refcountTableOffset) || h.refcountTableOffset === 0) throw corrupt(path, 'refcount table offset');
  if (h.refcountTableClusters === 0 || h.refcountTableClusters * cs > MAX_REFTABLE_BYTES) {
    throw corrupt(path, `refcount table of ${h.refcountTableClusters} clusters`);
  }
  if (h.nbSnapshots > 0 && !aligned(h.snapshotsOffset)) throw corrupt(path, 'snapshot table offset');
  const bo = u64(dv, 8);
  const bs = dv.getUint32(16);
  if (bo !== 0) {
    if (bs > 1023 || bo + bs > Math.min(cs, buf.length)) throw corrupt(path, 'backing file name outside the header cluster');
    h.backingFile = new TextDecoder().decode(buf.subarray(bo, bo + bs));
  }
  return h;
}

/** Reads and parses the header cluster of an open qcow2 file. */
export async function readHeader(fh: FileHandle, path: string, fileSize: number): Promise<Qcow2Header> {
  const head = new Uint8Array(Math.min(fileSize, 104));
  await preadFull(fh, head, 0);
  const cb = head.length >= 24 ? new DataView(head.buffer).getUint32(20) : 0;
  const buf = new Uint8Array(Math.min(fileSize, cb >= 9 && cb <= 21 ? 2 ** cb : 104));
  await preadFull(fh, buf, 0);
  return parseHeader(path, buf, fileSize);
}

function parseExtensions(path: string, buf: Uint8Array, dv: DataView, h: Qcow2Header, cs: number): void {
  let off = h.version === 3 ? h.headerLength : 72;
  off = (off + 7) & ~7;
  const end = Math.min(cs, buf.length);
  while (off + 8 <= end) {
    const type = dv.getUint32(off);
    const len = dv.getUint32(off + 4);
    if (type === EXT_END) return;
    const data = off + 8;
    if (data + len > end) throw corrupt(path, `header extension 0x${type.toString(16)} runs past the header cluster`);
    if (type === EXT_BACKING_FORMAT) {
      h.backingFormat = new TextDecoder().decode(buf.subarray(data, data + len));
    } else if (type === EXT_FEATURE_NAMES) {
      for (let p = data; p + 48 <= data + len; p += 48) {
        let name = '';
        for (let i = p + 2; i < p + 48 && buf[i] !== 0; i++) name += String.fromCharCode(buf[i]);
        h.featureNames.set(`${buf[p]}:${buf[p + 1]}`, name);
      }
    }
    off = data + ((len + 7) & ~7);
  }
}

export class Qcow2Backend implements BlockBackend {
  /** Metadata cache budgets in bytes (tests shrink them to exercise eviction). */
  static l2CacheBytes = 32 << 20;
  static refcountCacheBytes = 8 << 20;

  readonly format: ImageFormat = 'qcow2';
  readonly canDiscard: boolean;
  readonly canWriteZeroes: boolean;
  readonly discardGranularity: number;
  /** Runs after the files are closed (open.ts releases the image lock here). */
  onClose: (() => Promise<void>) | null = null;

  readonly size: number;
  private readonly cs: number;
  private readonly l2Entries: number;
  private readonly rbEntries: number;
  private readonly v3: boolean;
  private readonly l1: Uint32Array; // hi, lo pairs
  private l1DirtyLo = Infinity;
  private l1DirtyHi = -1;
  private refTable: Float64Array;
  private refTableOffset: number;
  private refTableDirtyLo = Infinity;
  private refTableDirtyHi = -1;
  private readonly l2Cache = new Map<number, CacheEntry>();
  private readonly rbCache = new Map<number, CacheEntry>();
  private readonly l2CacheMax: number;
  private readonly rbCacheMax: number;
  /** Host clusters whose references were dropped; released after the next metadata sync. */
  private pendingFree: number[] = [];
  /** No free cluster below this index. */
  private freeHint = 0;
  /** One past the highest cluster index in use (file end or allocated since). */
  private top: number;
  private readonly mutex = new Mutex();
  private closed = false;
  private zbuf: Uint8Array;
  private compCacheOff = -1;
  private readonly compCache: Uint8Array;

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
    readonly header: Qcow2Header,
    private readonly fh: FileHandle,
    fileSize: number,
    private readonly backing: BlockBackend | null,
  ) {
    this.size = header.size;
    this.cs = 2 ** header.clusterBits;
    this.l2Entries = this.cs / 8;
    this.rbEntries = (this.cs * 8) / 2 ** header.refcountOrder;
    this.v3 = header.version === 3;
    this.l1 = new Uint32Array(header.l1Size * 2);
    this.refTable = new Float64Array(0);
    this.refTableOffset = header.refcountTableOffset;
    this.top = Math.ceil(fileSize / this.cs);
    this.l2CacheMax = Math.max(2, Math.floor(Qcow2Backend.l2CacheBytes / this.cs));
    this.rbCacheMax = Math.max(2, Math.floor(Qcow2Backend.refcountCacheBytes / this.cs));
    this.canDiscard = !readOnly;
    this.canWriteZeroes = !readOnly && this.v3;
    this.discardGranularity = this.cs; // only whole clusters are freed
    this.zbuf = new Uint8Array(this.cs);
    this.compCache = new Uint8Array(this.cs);
  }

  static async open(path: string, readOnly: boolean, openBacking: BackingOpener): Promise<Qcow2Backend> {
    const fh = await open(path, readOnly ? 'r' : 'r+');
    let backing: BlockBackend | null = null;
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new BlockError('ENOTSUP', `${path}: not a regular file`);
      const h = await readHeader(fh, path, st.size);
      if (!readOnly) {
        if (h.incompatible & INCOMPAT_CORRUPT) {
          throw new BlockError(
            'EIO',
            `${path}: the qcow2 image is marked corrupt; repair it with "qemu-img check -r all ${path}" or open it read-only`,
          );
        }
      }
      if (h.backingFile !== '') {
        let fmt: ImageFormat | undefined;
        if (h.backingFormat !== '') {
          if (h.backingFormat !== 'raw' && h.backingFormat !== 'qcow2') {
            throw new BlockError('ENOTSUP', `${path}: backing file format "${h.backingFormat}" is not supported`);
          }
          fmt = h.backingFormat;
        }
        backing = await openBacking(h.backingFile, fmt);
      }
      const q = new Qcow2Backend(path, readOnly, h, fh, st.size, backing);
      await q.loadTables();
      if (!readOnly && h.autoclear !== 0) {
        // Autoclear features (e.g. persistent dirty bitmaps) describe data we will not
        // keep up to date: clearing the bits is how the format says "no longer valid".
        const b = new Uint8Array(8);
        await pwriteFull(fh, b, 88);
        await fh.datasync();
      }
      // Left dirty by a QEMU using lazy refcounts: its refcounts are stale. Rebuild them
      // from the tables (as QEMU does when it opens such an image), then clear the bit.
      if (!readOnly && h.incompatible & INCOMPAT_DIRTY) await q.repairRefcounts(st.size);
      return q;
    } catch (e) {
      await fh.close();
      if (backing) await backing.close();
      throw e instanceof BlockError ? e : hostError(path, 'open', e);
    }
  }

  private async loadTables(): Promise<void> {
    const h = this.header;
    if (h.l1Size > 0) {
      const b = new Uint8Array(h.l1Size * 8);
      await preadFull(this.fh, b, h.l1TableOffset);
      const dv = new DataView(b.buffer);
      for (let i = 0; i < h.l1Size * 2; i++) this.l1[i] = dv.getUint32(i * 4);
    }
    if (!this.readOnly) {
      const n = (h.refcountTableClusters * this.cs) / 8;
      const b = new Uint8Array(n * 8);
      await preadFull(this.fh, b, h.refcountTableOffset);
      const dv = new DataView(b.buffer);
      this.refTable = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const hi = dv.getUint32(i * 8);
        const lo = dv.getUint32(i * 8 + 4);
        const off = (hi & OFFSET_HI) * TWO32 + ((lo & OFFSET_LO) >>> 0);
        if (off % this.cs !== 0) throw corrupt(this.path, `refcount block ${i} at unaligned offset ${off}`);
        this.refTable[i] = off;
      }
      // Clusters in use beyond the end of the file (a truncated copy?) must not be
      // handed out again by growRefTable, which places new tables at `top`.
      search: for (let i = n - 1; i >= 0; i--) {
        if (this.refTable[i] === 0) continue;
        const rb = await this.getTable(this.rbCache, this.refTable[i], false);
        for (let j = this.rbEntries - 1; j >= 0; j--) {
          if (this.rcGet(rb, j) !== 0) {
            this.top = Math.max(this.top, i * this.rbEntries + j + 1);
            break search;
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------ repair

  /**
   * Recounts every reference (header, L1/L2 tables, data, refcount structures, the
   * snapshot table and each snapshot's tables), rewrites refcounts and COPIED flags that
   * disagree, and clears the dirty bit. Images whose damage goes beyond stale counts
   * (references past the end of the file, missing refcount blocks) are left to
   * `qemu-img check -r all`.
   */
  private async repairRefcounts(fileSize: number): Promise<void> {
    const cs = this.cs;
    const h = this.header;
    const n = Math.ceil(fileSize / cs);
    const refs = new Uint32Array(n);
    const cannot = (why: string): BlockError =>
      new BlockError(
        'EIO',
        `${this.path}: the qcow2 image was not closed cleanly and its refcounts cannot be rebuilt here (${why}); ` +
          `repair it with "qemu-img check -r all ${this.path}" or open it read-only`,
      );
    const ref = (off: number, len: number): void => {
      if (len <= 0) return;
      const first = Math.floor(off / cs);
      const last = Math.floor((off + len - 1) / cs);
      if (!(last < n)) throw cannot(`a reference to host offset ${off} lies past the end of the file`);
      for (let c = first; c <= last; c++) refs[c]++;
    };
    const rd = async (off: number, len: number): Promise<DataView> => {
      const b = new Uint8Array(len);
      await preadFull(this.fh, b, off);
      return new DataView(b.buffer);
    };
    const walkL1 = async (l1: DataView, entries: number): Promise<void> => {
      for (let i = 0; i < entries; i++) {
        const l2 = (l1.getUint32(i * 8) & OFFSET_HI) * TWO32 + ((l1.getUint32(i * 8 + 4) & OFFSET_LO) >>> 0);
        if (l2 === 0) continue;
        if (l2 % cs !== 0) throw cannot(`L2 table at unaligned offset ${l2}`);
        ref(l2, cs);
        const t = await this.getTable(this.l2Cache, l2, true);
        for (let j = 0; j < this.l2Entries; j++) {
          const hi = t.dv.getUint32(j * 8);
          const lo = t.dv.getUint32(j * 8 + 4);
          if (hi & OFLAG_COMPRESSED_HI) {
            const [off, len] = this.compressedRange(hi, lo);
            ref(off, len);
            continue;
          }
          const off = (hi & OFFSET_HI) * TWO32 + ((lo & OFFSET_LO) >>> 0);
          if (off !== 0) ref(off, cs);
        }
      }
    };
    ref(0, cs);
    ref(h.l1TableOffset, h.l1Size * 8);
    ref(this.refTableOffset, this.refTable.length * 8);
    for (let i = 0; i < this.refTable.length; i++) if (this.refTable[i] !== 0) ref(this.refTable[i], cs);
    if (h.nbSnapshots > 0) {
      let p = h.snapshotsOffset;
      for (let k = 0; k < h.nbSnapshots; k++) {
        const e = await rd(p, 40);
        const l1Off = e.getUint32(0) * TWO32 + e.getUint32(4);
        const l1Size = e.getUint32(8);
        const entryLen = 40 + e.getUint32(36) + e.getUint16(12) + e.getUint16(14);
        if (l1Size * 8 > MAX_L1_BYTES || l1Off % cs !== 0) throw cannot(`snapshot ${k} has a bad L1 table`);
        ref(l1Off, l1Size * 8);
        await walkL1(await rd(l1Off, l1Size * 8), l1Size);
        p += (entryLen + 7) & ~7;
      }
      ref(h.snapshotsOffset, p - h.snapshotsOffset);
    }
    const active = new DataView(this.l1.buffer.slice(0)); // big-endian image of the L1 words
    for (let i = 0; i < this.l1.length; i++) active.setUint32(i * 4, this.l1[i]);
    await walkL1(active, h.l1Size);
    // Every referenced cluster needs a refcount block.
    for (let c = 0; c < n; c++) {
      if (refs[c] === 0) continue;
      const rbi = Math.floor(c / this.rbEntries);
      if (rbi >= this.refTable.length || this.refTable[rbi] === 0) throw cannot(`cluster ${c} has no refcount block`);
    }
    const max = h.refcountOrder >= 6 ? Number.MAX_SAFE_INTEGER : 2 ** 2 ** h.refcountOrder - 1;
    for (let rbi = 0; rbi < this.refTable.length; rbi++) {
      if (this.refTable[rbi] === 0) continue;
      const rb = await this.getTable(this.rbCache, this.refTable[rbi], false);
      for (let j = 0; j < this.rbEntries; j++) {
        const c = rbi * this.rbEntries + j;
        const want = c < n ? refs[c] : 0;
        if (want > max) throw cannot(`cluster ${c} is referenced ${want} times, more than ${h.refcountOrder}-bit refcounts hold`);
        if (this.rcGet(rb, j) !== want) this.rcSet(rb, j, want);
      }
    }
    // COPIED flags of the active tables: set exactly when the refcount is 1.
    for (let i = 0; i < h.l1Size; i++) {
      const l2 = this.l1Off(i);
      if (l2 === 0) continue;
      const copied = refs[l2 / cs] === 1 ? OFLAG_COPIED_HI : 0;
      if ((this.l1[2 * i] & OFLAG_COPIED_HI) !== copied) {
        this.l1[2 * i] = ((this.l1[2 * i] & ~OFLAG_COPIED_HI) | copied) >>> 0;
        if (i < this.l1DirtyLo) this.l1DirtyLo = i;
        if (i > this.l1DirtyHi) this.l1DirtyHi = i;
      }
      const t = await this.getTable(this.l2Cache, l2, true);
      for (let j = 0; j < this.l2Entries; j++) {
        const hi = t.dv.getUint32(j * 8);
        if (hi & OFLAG_COMPRESSED_HI) continue;
        const off = (hi & OFFSET_HI) * TWO32 + ((t.dv.getUint32(j * 8 + 4) & OFFSET_LO) >>> 0);
        if (off === 0) continue;
        const c = refs[off / cs] === 1 ? OFLAG_COPIED_HI : 0;
        if ((hi & OFLAG_COPIED_HI) !== c) {
          t.dv.setUint32(j * 8, ((hi & ~OFLAG_COPIED_HI) | c) >>> 0);
          t.dirty = true;
        }
      }
    }
    this.freeHint = 0;
    await this.flushMetadata();
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, (h.incompatible & ~INCOMPAT_DIRTY) >>> 0);
    await pwriteFull(this.fh, b, 76);
    await this.fh.datasync();
    h.incompatible &= ~INCOMPAT_DIRTY;
  }

  // ------------------------------------------------------------------ caches

  private async getTable(cache: Map<number, CacheEntry>, off: number, isL2: boolean): Promise<CacheEntry> {
    const hit = cache.get(off);
    if (hit !== undefined) {
      // Keep Map order = LRU order.
      cache.delete(off);
      cache.set(off, hit);
      return hit;
    }
    const data = new Uint8Array(this.cs);
    await preadFull(this.fh, data, off);
    const hit2 = cache.get(off); // loaded meanwhile? (cannot happen under the mutex)
    if (hit2 !== undefined) return hit2;
    const e: CacheEntry = { off, data, dv: new DataView(data.buffer), dirty: false };
    await this.insert(cache, e, isL2);
    return e;
  }

  private async insert(cache: Map<number, CacheEntry>, e: CacheEntry, isL2: boolean): Promise<void> {
    const max = isL2 ? this.l2CacheMax : this.rbCacheMax;
    while (cache.size >= max) {
      const victim = cache.values().next().value as CacheEntry;
      if (victim.dirty) {
        if (isL2) await this.flushMetadata();
        else await this.writeEntry(victim);
      }
      cache.delete(victim.off);
    }
    cache.set(e.off, e);
  }

  private async writeEntry(e: CacheEntry): Promise<void> {
    e.dirty = false;
    try {
      await pwriteFull(this.fh, e.data, e.off);
    } catch (err) {
      e.dirty = true;
      throw err;
    }
  }

  // ------------------------------------------------------------------ lookup

  // Result of lookup(), in fields so the read loop allocates nothing per cluster.
  private lkKind: Kind = Kind.Unallocated;
  private lkHost = 0;
  private lkHi = 0;
  private lkLo = 0;

  private lastL2: CacheEntry | null = null;

  /** lookup() without awaiting, when the L2 table is cached; false if it is not. */
  private lookupSync(ci: number): boolean {
    const l1i = Math.floor(ci / this.l2Entries);
    const l2off = (this.l1[2 * l1i] & OFFSET_HI) * TWO32 + ((this.l1[2 * l1i + 1] & OFFSET_LO) >>> 0);
    if (l2off === 0) {
      this.lkKind = Kind.Unallocated;
      this.lkHi = this.lkLo = 0;
      return true;
    }
    const t = this.l2Cache.get(l2off);
    if (t === undefined) return false;
    if (t !== this.lastL2) {
      // LRU touch once per table, not per cluster.
      this.l2Cache.delete(l2off);
      this.l2Cache.set(l2off, t);
      this.lastL2 = t;
    }
    this.decode(t, ci - l1i * this.l2Entries);
    return true;
  }

  /** Classifies guest cluster `ci` into lkKind/lkHost (and the raw entry lkHi/lkLo). */
  private async lookup(ci: number): Promise<void> {
    const l1i = Math.floor(ci / this.l2Entries);
    const l2off = (this.l1[2 * l1i] & OFFSET_HI) * TWO32 + ((this.l1[2 * l1i + 1] & OFFSET_LO) >>> 0);
    if (l2off === 0) {
      this.lkKind = Kind.Unallocated;
      this.lkHi = this.lkLo = 0;
      return;
    }
    if (l2off % this.cs !== 0) throw corrupt(this.path, `L2 table at unaligned offset ${l2off}`);
    const t = await this.getTable(this.l2Cache, l2off, true);
    this.decode(t, ci - l1i * this.l2Entries);
  }

  private decode(t: CacheEntry, idx: number): void {
    const hi = t.dv.getUint32(idx * 8);
    const lo = t.dv.getUint32(idx * 8 + 4);
    this.lkHi = hi;
    this.lkLo = lo;
    if (hi & OFLAG_COMPRESSED_HI) {
      this.lkKind = Kind.Compressed;
      return;
    }
    const off = (hi & OFFSET_HI) * TWO32 + ((lo & OFFSET_LO) >>> 0);
    this.lkHost = off;
    if (this.v3 && lo & OFLAG_ZERO_LO) this.lkKind = Kind.Zero;
    else if (off === 0) this.lkKind = Kind.Unallocated;
    else {
      if (off % this.cs !== 0) throw corrupt(this.path, `data cluster at unaligned offset ${off}`);
      this.lkKind = Kind.Normal;
    }
  }

  /** Host byte range [start, start+len) of a compressed entry. */
  private compressedRange(hi: number, lo: number): [number, number] {
    const e = (BigInt(hi) << 32n) | BigInt(lo);
    const x = BigInt(62 - (this.header.clusterBits - 8));
    const off = Number(e & ((1n << x) - 1n));
    const sectors = Number((e >> x) & ((1n << BigInt(this.header.clusterBits - 8)) - 1n)) + 1;
    return [off, sectors * 512 - (off & 511)];
  }

  private async decompress(hi: number, lo: number, dst: Uint8Array): Promise<void> {
    const [off, len] = this.compressedRange(hi, lo);
    if (off === this.compCacheOff) {
      dst.set(this.compCache);
      return;
    }
    const src = new Uint8Array(len);
    await preadFull(this.fh, src, off);
    let out: Buffer;
    try {
      // qemu writes a raw deflate stream, padded to a sector; the padding is ignored.
      out = inflateRawSync(src, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch (e) {
      throw corrupt(this.path, `compressed cluster at ${off}: ${(e as Error).message}`);
    }
    if (out.length < this.cs) throw corrupt(this.path, `compressed cluster at ${off} inflates to ${out.length} bytes`);
    this.compCache.set(out.subarray(0, this.cs));
    this.compCacheOff = off;
    dst.set(this.compCache);
  }

  // ------------------------------------------------------------------ read

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRequest(this, 'read', offset, length);
    const buf = new Uint8Array(length);
    await this.readUnchecked(offset, buf);
    return buf;
  }

  async readInto(offset: number, dest: Uint8Array): Promise<void> {
    checkRequest(this, 'read', offset, dest.length);
    await this.readUnchecked(offset, dest);
  }

  readUnchecked(offset: number, dest: Uint8Array): Promise<void> {
    return this.mutex.run(async () => {
      try {
        await this.readAt(offset, dest);
      } catch (e) {
        throw hostError(this.path, `read at ${offset}`, e);
      }
    });
  }

  async readv(offset: number, bufs: readonly Uint8Array[]): Promise<void> {
    checkRequest(this, 'read', offset, totalLength(bufs));
    return this.mutex.run(async () => {
      try {
        let pos = offset;
        for (const b of bufs) {
          await this.readAt(pos, b);
          pos += b.length;
        }
      } catch (e) {
        throw hostError(this.path, `read at ${offset}`, e);
      }
    });
  }

  async writev(offset: number, bufs: readonly Uint8Array[]): Promise<void> {
    checkRequest(this, 'write', offset, totalLength(bufs));
    if (this.readOnly) throw readOnlyError(this.path, 'write');
    return this.mutex.run(async () => {
      try {
        let pos = offset;
        for (const b of bufs) {
          await this.writeAt(pos, b);
          pos += b.length;
        }
      } catch (e) {
        throw hostError(this.path, `write at ${offset}`, e);
      }
    });
  }

  private async readAt(offset: number, dest: Uint8Array): Promise<void> {
    const cs = this.cs;
    const limit = Math.max(0, Math.min(dest.length, this.size - offset));
    if (limit < dest.length) dest.fill(0, limit);
    let pos = 0;
    while (pos < limit) {
      const g = offset + pos;
      const ci = Math.floor(g / cs);
      const inCl = g - ci * cs;
      let run = Math.min(cs - inCl, limit - pos);
      if (!this.lookupSync(ci)) await this.lookup(ci);
      const kind = this.lkKind;
      if (kind === Kind.Compressed) {
        await this.decompress(this.lkHi, this.lkLo, this.zbuf);
        dest.set(this.zbuf.subarray(inCl, inCl + run), pos);
        pos += run;
        continue;
      }
      // Extend over following clusters of the same kind (contiguous on the host for data).
      const host = this.lkHost;
      let next = ci + 1;
      while (pos + run < limit) {
        if (!this.lookupSync(next)) await this.lookup(next);
        if (this.lkKind !== kind && !(this.readsZero(kind) && this.readsZero(this.lkKind))) break;
        if (kind === Kind.Normal && this.lkHost !== host + (next - ci) * cs) break;
        run += Math.min(cs, limit - pos - run);
        next++;
      }
      const d = dest.subarray(pos, pos + run);
      if (kind === Kind.Normal) await preadFull(this.fh, d, host + inCl);
      else if (kind === Kind.Unallocated && this.backing !== null) await this.backing.readUnchecked(g, d);
      else d.fill(0);
      pos += run;
    }
  }

  private readsZero(k: Kind): boolean {
    return k === Kind.Zero || (k === Kind.Unallocated && this.backing === null);
  }

  // ------------------------------------------------------------------ refcounts

  private rcGet(e: CacheEntry, i: number): number {
    switch (this.header.refcountOrder) {
      case 4:
        return e.dv.getUint16(i * 2);
      case 3:
        return e.data[i];
      case 5:
        return e.dv.getUint32(i * 4);
      case 6:
        return e.dv.getUint32(i * 8) * TWO32 + e.dv.getUint32(i * 8 + 4);
      default: {
        const bits = 2 ** this.header.refcountOrder;
        const bit = i * bits;
        return (e.data[bit >> 3] >> (bit & 7)) & ((1 << bits) - 1);
      }
    }
  }

  private rcSet(e: CacheEntry, i: number, v: number): void {
    const order = this.header.refcountOrder;
    if (v < 0 || (order < 6 && v >= 2 ** 2 ** order)) {
      throw new BlockError('EIO', `${this.path}: refcount ${v} out of range for ${2 ** order}-bit refcounts`);
    }
    switch (order) {
      case 4:
        e.dv.setUint16(i * 2, v);
        break;
      case 3:
        e.data[i] = v;
        break;
      case 5:
        e.dv.setUint32(i * 4, v);
        break;
      case 6:
        e.dv.setUint32(i * 8, Math.floor(v / TWO32));
        e.dv.setUint32(i * 8 + 4, v >>> 0);
        break;
      default: {
        const bits = 2 ** order;
        const bit = i * bits;
        const mask = ((1 << bits) - 1) << (bit & 7);
        e.data[bit >> 3] = (e.data[bit >> 3] & ~mask) | (v << (bit & 7));
      }
    }
    e.dirty = true;
  }

  /** Refcount of host cluster `c`, or -1 when no refcount block covers it (so it is free). */
  private async refcount(c: number): Promise<number> {
    const rbi = Math.floor(c / this.rbEntries);
    if (rbi >= this.refTable.length || this.refTable[rbi] === 0) return -1;
    const rb = await this.getTable(this.rbCache, this.refTable[rbi], false);
    return this.rcGet(rb, c - rbi * this.rbEntries);
  }

  /** Adds `delta` to the refcount of cluster `c`, whose refcount block exists. */
  private async addRef(c: number, delta: number): Promise<number> {
    const rbi = Math.floor(c / this.rbEntries);
    if (rbi >= this.refTable.length || this.refTable[rbi] === 0) {
      throw corrupt(this.path, `cluster ${c} has no refcount block`);
    }
    const rb = await this.getTable(this.rbCache, this.refTable[rbi], false);
    const i = c - rbi * this.rbEntries;
    const v = this.rcGet(rb, i) + delta;
    if (v < 0) throw corrupt(this.path, `refcount of cluster ${c} would drop below zero`);
    this.rcSet(rb, i, v);
    return v;
  }

  private markRefTable(i: number): void {
    if (i < this.refTableDirtyLo) this.refTableDirtyLo = i;
    if (i > this.refTableDirtyHi) this.refTableDirtyHi = i;
  }

  /** A new refcount block for the (entirely free) range holding cluster `c`, placed at `c`. */
  private async createRefblock(c: number): Promise<void> {
    const rbi = Math.floor(c / this.rbEntries);
    if (rbi >= this.refTable.length) {
      await this.growRefTable(rbi + 1);
      return; // the table's own blocks may now cover c; the caller looks again
    }
    this.checkOverlap(c * this.cs, this.cs);
    const data = new Uint8Array(this.cs);
    const e: CacheEntry = { off: c * this.cs, data, dv: new DataView(data.buffer), dirty: true };
    this.rcSet(e, c - rbi * this.rbEntries, 1);
    await this.insert(this.rbCache, e, false);
    this.refTable[rbi] = c * this.cs;
    this.markRefTable(rbi);
    if (c + 1 > this.top) this.top = c + 1;
  }

  /**
   * A bigger refcount table at the end of the file, with the refcount blocks that
   * describe it right behind it; written and synced before the header points to it.
   */
  private async growRefTable(minEntries: number): Promise<void> {
    const cs = this.cs;
    const perCl = cs / 8;
    const old = this.refTable;
    const roundUp = (n: number): number => Math.ceil(n / perCl) * perCl;
    let cap = roundUp(Math.max(minEntries, old.length * 2));
    const start = this.top;
    let fresh: number[];
    for (;;) {
      const tblClusters = cap / perCl;
      fresh = [];
      for (;;) {
        const end = start + tblClusters + fresh.length;
        const need: number[] = [];
        for (let r = Math.floor(start / this.rbEntries); r <= Math.floor((end - 1) / this.rbEntries); r++) {
          if (!(r < old.length && old[r] !== 0)) need.push(r);
        }
        const done = need.length === fresh.length;
        fresh = need;
        if (done) break;
      }
      if (fresh.length === 0 || fresh[fresh.length - 1] < cap) break;
      cap = roundUp(Math.max(cap * 2, fresh[fresh.length - 1] + 1));
    }
    const tblClusters = cap / perCl;
    if (cap * 8 > MAX_REFTABLE_BYTES) throw new BlockError('ENOTSUP', `${this.path}: refcount table would grow too large`);
    const table = new Float64Array(cap);
    table.set(old);
    const rbStart = start + tblClusters;
    const blocks = new Map<number, CacheEntry>();
    fresh.forEach((r, j) => {
      const data = new Uint8Array(cs);
      table[r] = (rbStart + j) * cs;
      blocks.set(r, { off: (rbStart + j) * cs, data, dv: new DataView(data.buffer), dirty: false });
    });
    const end = rbStart + fresh.length;
    for (let c = start; c < end; c++) {
      const r = Math.floor(c / this.rbEntries);
      const b = blocks.get(r);
      if (b !== undefined) this.rcSet(b, c - r * this.rbEntries, 1);
      else {
        const rb = await this.getTable(this.rbCache, old[r], false);
        this.rcSet(rb, c - r * this.rbEntries, 1);
      }
    }
    for (const b of blocks.values()) {
      b.dirty = false;
      await pwriteFull(this.fh, b.data, b.off);
    }
    await this.writeDirtyRefblocks();
    const tb = new Uint8Array(cap * 8);
    const tdv = new DataView(tb.buffer);
    for (let i = 0; i < cap; i++) {
      tdv.setUint32(i * 8, Math.floor(table[i] / TWO32));
      tdv.setUint32(i * 8 + 4, table[i] >>> 0);
    }
    await pwriteFull(this.fh, tb, start * cs);
    await this.fh.datasync();
    const hb = new Uint8Array(12);
    const hdv = new DataView(hb.buffer);
    hdv.setUint32(0, Math.floor((start * cs) / TWO32));
    hdv.setUint32(4, (start * cs) >>> 0);
    hdv.setUint32(8, tblClusters);
    await pwriteFull(this.fh, hb, 48);
    await this.fh.datasync();
    const oldOff = this.refTableOffset;
    const oldClusters = (old.length * 8) / cs;
    this.refTable = table;
    this.refTableOffset = start * cs;
    this.refTableDirtyLo = Infinity;
    this.refTableDirtyHi = -1;
    for (const b of blocks.values()) await this.insert(this.rbCache, b, false);
    for (let i = 0; i < oldClusters; i++) this.pendingFree.push(oldOff / cs + i);
    this.top = Math.max(this.top, end);
  }

  /** How many clusters the last allocClusters() call got. */
  private allocCount = 0;

  /**
   * The first free cluster and up to `k - 1` free clusters right after it (allocCount
   * says how many), refcounts set to 1; returns the host offset. Runs end early at a
   * used cluster or where no refcount block exists yet (each refcount block lives in the
   * range it describes, so long runs cannot always be had).
   */
  private async allocClusters(k: number): Promise<number> {
    let c = this.freeHint;
    for (;;) {
      const rbi = Math.floor(c / this.rbEntries);
      if (rbi >= this.refTable.length || this.refTable[rbi] === 0) {
        await this.createRefblock(c); // c holds the new block now (or the table moved): look again
        continue;
      }
      // Scan the block without awaiting per cluster (first write after open starts at 0).
      const rb = await this.getTable(this.rbCache, this.refTable[rbi], false);
      let i = c - rbi * this.rbEntries;
      while (i < this.rbEntries && this.rcGet(rb, i) !== 0) i++;
      c = rbi * this.rbEntries + i;
      if (i < this.rbEntries) break;
    }
    let count = 1;
    while (count < k && (await this.refcount(c + count)) === 0) count++;
    this.checkOverlap(c * this.cs, count * this.cs);
    for (let i = 0; i < count; i++) await this.addRef(c + i, 1);
    this.freeHint = c + count;
    if (c + count > this.top) this.top = c + count;
    this.allocCount = count;
    return c * this.cs;
  }

  private async writeDirtyRefblocks(): Promise<void> {
    for (const e of this.rbCache.values()) if (e.dirty) await this.writeEntry(e);
  }

  /** Releases a dropped reference to host cluster(s) once the tables no longer point there. */
  private freeLater(hi: number, lo: number): void {
    if (hi & OFLAG_COMPRESSED_HI) {
      const [off, len] = this.compressedRange(hi, lo);
      const first = Math.floor(off / this.cs);
      const last = Math.floor((off + len - 1) / this.cs);
      for (let c = first; c <= last; c++) this.pendingFree.push(c);
      return;
    }
    const off = (hi & OFFSET_HI) * TWO32 + ((lo & OFFSET_LO) >>> 0);
    if (off !== 0) this.pendingFree.push(off / this.cs);
  }

  // ------------------------------------------------------------------ flush

  /** Writes all dirty metadata in crash-safe order, then applies pending frees. */
  private async flushMetadata(): Promise<boolean> {
    let synced = true;
    let didSync = false;
    const sync = async (): Promise<void> => {
      if (!synced) {
        await this.fh.datasync();
        didSync = true;
      }
      synced = true;
    };
    const anyRb = [...this.rbCache.values()].some((e) => e.dirty);
    if (anyRb || this.refTableDirtyHi >= 0) {
      await this.writeDirtyRefblocks();
      synced = false;
      if (this.refTableDirtyHi >= 0) {
        await sync();
        const lo = this.refTableDirtyLo;
        const hi = this.refTableDirtyHi;
        const b = new Uint8Array((hi - lo + 1) * 8);
        const dv = new DataView(b.buffer);
        for (let i = lo; i <= hi; i++) {
          dv.setUint32((i - lo) * 8, Math.floor(this.refTable[i] / TWO32));
          dv.setUint32((i - lo) * 8 + 4, this.refTable[i] >>> 0);
        }
        await pwriteFull(this.fh, b, this.refTableOffset + lo * 8);
        this.refTableDirtyLo = Infinity;
        this.refTableDirtyHi = -1;
        synced = false;
      }
    }
    const anyL2 = [...this.l2Cache.values()].some((e) => e.dirty);
    if (anyL2) {
      await sync();
      for (const e of this.l2Cache.values()) if (e.dirty) await this.writeEntry(e);
      synced = false;
    }
    if (this.l1DirtyHi >= 0) {
      await sync();
      const lo = this.l1DirtyLo;
      const hi = this.l1DirtyHi;
      const b = new Uint8Array((hi - lo + 1) * 8);
      const dv = new DataView(b.buffer);
      for (let i = lo; i <= hi; i++) {
        dv.setUint32((i - lo) * 8, this.l1[2 * i]);
        dv.setUint32((i - lo) * 8 + 4, this.l1[2 * i + 1]);
      }
      await pwriteFull(this.fh, b, this.header.l1TableOffset + lo * 8);
      // Cleared only once written: a failed write (ENOSPC) is retried by the next flush.
      this.l1DirtyLo = Infinity;
      this.l1DirtyHi = -1;
      synced = false;
    }
    if (this.pendingFree.length > 0) {
      await sync();
      const frees = this.pendingFree;
      this.pendingFree = [];
      for (const c of frees) {
        if ((await this.addRef(c, -1)) === 0) {
          if (c < this.freeHint) this.freeHint = c;
          this.l2Cache.delete(c * this.cs);
          this.rbCache.delete(c * this.cs);
          if (this.compCacheOff >= 0 && Math.floor(this.compCacheOff / this.cs) === c) this.compCacheOff = -1;
        }
      }
      await this.writeDirtyRefblocks();
      synced = false;
    }
    await sync();
    return didSync;
  }

  flush(): Promise<void> {
    if (this.readOnly || this.closed) return Promise.resolve();
    return this.mutex.run(async () => {
      try {
        // The last metadata sync covers the data too; otherwise sync the data alone.
        if (!(await this.flushMetadata())) await this.fh.datasync();
      } catch (e) {
        throw hostError(this.path, 'flush', e);
      }
    });
  }

  // ------------------------------------------------------------------ write

  private l1Off(l1i: number): number {
    return (this.l1[2 * l1i] & OFFSET_HI) * TWO32 + ((this.l1[2 * l1i + 1] & OFFSET_LO) >>> 0);
  }

  private setL1(l1i: number, off: number): void {
    this.l1[2 * l1i] = (OFLAG_COPIED_HI | Math.floor(off / TWO32)) >>> 0;
    this.l1[2 * l1i + 1] = off >>> 0;
    if (l1i < this.l1DirtyLo) this.l1DirtyLo = l1i;
    if (l1i > this.l1DirtyHi) this.l1DirtyHi = l1i;
  }

  /** The L2 table for L1 index `l1i`, allocated or copied (if shared with a snapshot) so it is writable. */
  private async l2ForWrite(l1i: number): Promise<CacheEntry> {
    const off = this.l1Off(l1i);
    if (off !== 0 && this.l1[2 * l1i] & OFLAG_COPIED_HI) return this.getTable(this.l2Cache, off, true);
    let copy: Uint8Array | null = null;
    if (off !== 0) {
      if (off % this.cs !== 0) throw corrupt(this.path, `L2 table at unaligned offset ${off}`);
      copy = (await this.getTable(this.l2Cache, off, true)).data.slice();
    }
    const nOff = await this.allocClusters(1);
    const data = copy ?? new Uint8Array(this.cs);
    const e: CacheEntry = { off: nOff, data, dv: new DataView(data.buffer), dirty: true };
    this.l2Cache.delete(nOff);
    await this.insert(this.l2Cache, e, true);
    this.setL1(l1i, nOff);
    if (off !== 0) this.pendingFree.push(off / this.cs);
    return e;
  }

  /** The current content of guest cluster `ci` (entry hi/lo) into `dst` (one cluster). */
  private async oldContent(ci: number, hi: number, lo: number, dst: Uint8Array): Promise<void> {
    if (hi & OFLAG_COMPRESSED_HI) return this.decompress(hi, lo, dst);
    const off = (hi & OFFSET_HI) * TWO32 + ((lo & OFFSET_LO) >>> 0);
    if (this.v3 && lo & OFLAG_ZERO_LO) dst.fill(0);
    else if (off !== 0) await preadFull(this.fh, dst, off);
    else if (this.backing !== null) await this.backing.readUnchecked(ci * this.cs, dst);
    else dst.fill(0);
  }

  /**
   * Refuses writes of data or new tables onto the header, the L1 table or the refcount table: only a
   * corrupt L2 entry or refcount could point there, and writing would destroy the image.
   */
  private checkOverlap(host: number, len: number): void {
    const hit = (start: number, n: number): boolean => host < start + n && start < host + len;
    let what = '';
    if (hit(0, this.cs)) what = 'the header';
    else if (hit(this.header.l1TableOffset, this.header.l1Size * 8)) what = 'the L1 table';
    else if (hit(this.refTableOffset, this.refTable.length * 8)) what = 'the refcount table';
    if (what !== '') throw corrupt(this.path, `a data write at host offset ${host} would overwrite ${what}`);
  }

  private inPlace(t: CacheEntry, idx: number): boolean {
    const hi = t.dv.getUint32(idx * 8);
    const lo = t.dv.getUint32(idx * 8 + 4);
    if (!(hi & OFLAG_COPIED_HI) || hi & OFLAG_COMPRESSED_HI) return false;
    if (this.v3 && lo & OFLAG_ZERO_LO) return false;
    return (hi & OFFSET_HI) !== 0 || ((lo & OFFSET_LO) >>> 0) !== 0;
  }

  /** v3 zero cluster that keeps its own host cluster (refcount 1): can be written in place. */
  private preallocatedZero(t: CacheEntry, idx: number): boolean {
    const hi = t.dv.getUint32(idx * 8);
    const lo = t.dv.getUint32(idx * 8 + 4);
    if (!this.v3 || !(lo & OFLAG_ZERO_LO) || !(hi & OFLAG_COPIED_HI) || hi & OFLAG_COMPRESSED_HI) return false;
    return (hi & OFFSET_HI) !== 0 || ((lo & OFFSET_LO) >>> 0) !== 0;
  }

  private hostOf(t: CacheEntry, idx: number): number {
    return (t.dv.getUint32(idx * 8) & OFFSET_HI) * TWO32 + ((t.dv.getUint32(idx * 8 + 4) & OFFSET_LO) >>> 0);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    checkRequest(this, 'write', offset, data.length);
    if (this.readOnly) throw readOnlyError(this.path, 'write');
    return this.mutex.run(async () => {
      try {
        await this.writeAt(offset, data);
      } catch (e) {
        throw hostError(this.path, `write at ${offset}`, e);
      }
    });
  }

  private async writeAt(offset: number, data: Uint8Array): Promise<void> {
    const cs = this.cs;
    const len = data.length;
    let pos = 0;
    while (pos < len) {
      const g = offset + pos;
      const ci = Math.floor(g / cs);
      const inCl = g - ci * cs;
      const l1i = Math.floor(ci / this.l2Entries);
      const idx = ci - l1i * this.l2Entries;
      const tableLeft = this.l2Entries - idx; // clusters left in this L2 table
      let t = await this.l2ForWrite(l1i);
      if (this.inPlace(t, idx)) {
        const host = this.hostOf(t, idx);
        let run = Math.min(cs - inCl, len - pos);
        let k = 1;
        while (pos + run < len && k < tableLeft && this.inPlace(t, idx + k) && this.hostOf(t, idx + k) === host + k * cs) {
          run += Math.min(cs, len - pos - run);
          k++;
        }
        this.checkOverlap(host + inCl, run);
        await pwriteFull(this.fh, data.subarray(pos, pos + run), host + inCl);
        pos += run;
        continue;
      }
      if (this.preallocatedZero(t, idx)) {
        // Preallocated (e.g. preallocation=metadata) and reading as zeros: fill in place.
        const host = this.hostOf(t, idx);
        const run = Math.min(cs - inCl, len - pos);
        let buf = data.subarray(pos, pos + run);
        if (run !== cs) {
          buf = new Uint8Array(cs);
          buf.set(data.subarray(pos, pos + run), inCl);
        }
        this.checkOverlap(host, cs);
        await pwriteFull(this.fh, buf, host);
        t = await this.l2ForWrite(l1i);
        t.dv.setUint32(idx * 8 + 4, t.dv.getUint32(idx * 8 + 4) & ~OFLAG_ZERO_LO);
        t.dirty = true;
        pos += run;
        continue;
      }
      // A run of clusters that need new host clusters: allocate them contiguously.
      let k = 1;
      while (k < tableLeft && k < 256 && pos + k * cs - inCl < len && !this.inPlace(t, idx + k) && !this.preallocatedZero(t, idx + k)) k++;
      const host = await this.allocClusters(k);
      k = this.allocCount;
      const run = Math.min(k * cs - inCl, len - pos);
      const headPartial = inCl !== 0 || run < cs;
      const tailPartial = (inCl + run) % cs !== 0;
      let buf: Uint8Array;
      if (!headPartial && !tailPartial) buf = data.subarray(pos, pos + run);
      else {
        t = await this.l2ForWrite(l1i);
        buf = new Uint8Array(k * cs);
        if (headPartial) await this.oldContent(ci, t.dv.getUint32(idx * 8), t.dv.getUint32(idx * 8 + 4), buf.subarray(0, cs));
        if (tailPartial && (k > 1 || !headPartial)) {
          const j = idx + k - 1;
          await this.oldContent(ci + k - 1, t.dv.getUint32(j * 8), t.dv.getUint32(j * 8 + 4), buf.subarray((k - 1) * cs));
        }
        buf.set(data.subarray(pos, pos + run), inCl);
      }
      this.checkOverlap(host, buf.length);
      await pwriteFull(this.fh, buf, host);
      t = await this.l2ForWrite(l1i); // same table; fetched again in case the cache turned over
      for (let j = 0; j < k; j++) {
        const i = idx + j;
        this.freeLater(t.dv.getUint32(i * 8), t.dv.getUint32(i * 8 + 4));
        const h = host + j * cs;
        t.dv.setUint32(i * 8, (OFLAG_COPIED_HI | Math.floor(h / TWO32)) >>> 0);
        t.dv.setUint32(i * 8 + 4, h >>> 0);
      }
      t.dirty = true;
      pos += run;
    }
  }

  // ------------------------------------------------------------------ discard / zeroes

  async discard(offset: number, length: number): Promise<void> {
    checkRequest(this, 'discard', offset, length);
    if (this.readOnly) throw readOnlyError(this.path, 'discard');
    return this.mutex.run(() => this.zeroClusters(offset, length, false).catch((e) => {
      throw hostError(this.path, `discard at ${offset}`, e);
    }));
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    checkRequest(this, 'write-zeroes', offset, length);
    if (this.readOnly) throw readOnlyError(this.path, 'write-zeroes');
    return this.mutex.run(() => this.zeroClusters(offset, length, true).catch((e) => {
      throw hostError(this.path, `write-zeroes at ${offset}`, e);
    }));
  }

  /**
   * Whole clusters: drop their data (v3: mark them zero; without a backing file an
   * unallocated cluster reads as zeros anyway). Partial clusters: written as zeros when
   * `zero`, left alone on discard. v2 with a backing file cannot express "zero": a
   * discard does nothing there and write-zeroes writes zeros.
   */
  private async zeroClusters(offset: number, length: number, zero: boolean): Promise<void> {
    const cs = this.cs;
    const end = offset + length;
    const first = Math.ceil(offset / cs) * cs;
    const last = Math.floor(end / cs) * cs;
    if (first >= last) {
      if (zero) await this.writeAt(offset, new Uint8Array(length));
      return;
    }
    if (zero && offset < first) await this.writeAt(offset, new Uint8Array(first - offset));
    if (zero && end > last) await this.writeAt(last, new Uint8Array(end - last));
    if (!this.v3 && this.backing !== null) {
      // v2 has no zero flag: a zero cluster over a backing file must be written.
      if (zero) {
        const chunk = new Uint8Array(Math.min(last - first, 1 << 20));
        for (let o = first; o < last; o += chunk.length) await this.writeAt(o, chunk.subarray(0, Math.min(chunk.length, last - o)));
      }
      return;
    }
    for (let ci = first / cs; ci < last / cs; ) {
      const l1i = Math.floor(ci / this.l2Entries);
      const idx0 = ci - l1i * this.l2Entries;
      const n = Math.min(this.l2Entries - idx0, last / cs - ci);
      if (this.l1Off(l1i) === 0 && (this.backing === null || !zero)) {
        ci += n; // nothing allocated: reads as zeros / backing already
        continue;
      }
      const t = await this.l2ForWrite(l1i);
      for (let j = 0; j < n; j++) {
        const i = idx0 + j;
        const hi = t.dv.getUint32(i * 8);
        const lo = t.dv.getUint32(i * 8 + 4);
        this.freeLater(hi, lo);
        const markZero = this.v3 && (zero || this.backing !== null);
        t.dv.setUint32(i * 8, 0);
        t.dv.setUint32(i * 8 + 4, markZero ? OFLAG_ZERO_LO : 0);
      }
      t.dirty = true;
      ci += n;
    }
  }

  // ------------------------------------------------------------------ internal snapshots
  //
  // A snapshot is a copy of the L1 table plus one more reference on every cluster the
  // active tables reach (L2 tables and data); writes then copy on write (COPIED clear).
  // Every step writes new structures to new clusters, syncs, and only then switches the
  // header to them; references are added before anything points at them and dropped only
  // after nothing does, so a crash at any point leaves at worst leaked clusters. (Between
  // a refcount change and the COPIED flags catching up, `qemu-img check` may also report
  // a COPIED flag that disagrees: harmless, `-r all` fixes it.)

  private snaps: Qcow2SnapshotEntry[] | null = null;

  private async snapshotTable(): Promise<Qcow2SnapshotEntry[]> {
    if (this.snaps === null) {
      const read = async (off: number, len: number): Promise<Uint8Array> => {
        const b = new Uint8Array(len);
        await preadFull(this.fh, b, off);
        return b;
      };
      this.snaps = await readSnapshotTable(this.path, read, this.header.snapshotsOffset, this.header.nbSnapshots, this.cs);
    }
    return this.snaps;
  }

  /** The image's internal snapshots (qemu-img snapshot -l). */
  listSnapshots(): Promise<Qcow2SnapshotInfo[]> {
    return this.mutex.run(async () => {
      const t = await this.snapshotTable().catch((e: unknown) => {
        throw hostError(this.path, 'reading the snapshot table', e);
      });
      return t.map((e) => ({ id: e.id, name: e.name, dateSec: e.dateSec, vmStateSize: e.vmStateSize }));
    });
  }

  async snapshotExists(tag: string): Promise<boolean> {
    return (await this.listSnapshots()).some((e) => e.name === tag);
  }

  /** Records the current content as snapshot `tag` (after every request queued before it). */
  snapshotCreate(tag: string): Promise<void> {
    return this.snapshotOp('snapshot create', () => this.createSnapshot(tag));
  }

  /** Makes the content the one recorded as `tag`; the snapshot stays. */
  snapshotRevert(tag: string): Promise<void> {
    return this.snapshotOp('snapshot revert', () => this.revertSnapshot(tag));
  }

  /** Forgets snapshot `tag`, freeing the clusters only it used. */
  snapshotDelete(tag: string): Promise<void> {
    return this.snapshotOp('snapshot delete', () => this.deleteSnapshot(tag));
  }

  private snapshotOp(what: string, fn: () => Promise<void>): Promise<void> {
    if (this.readOnly) return Promise.reject(readOnlyError(this.path, what));
    if (this.closed) return Promise.reject(new BlockError('EIO', `${this.path}: ${what}: the image is closed`));
    return this.mutex.run(async () => {
      try {
        await fn();
      } catch (e) {
        throw hostError(this.path, what, e);
      }
    });
  }

  private findSnapshot(snaps: readonly Qcow2SnapshotEntry[], tag: string): number {
    const i = snaps.findIndex((e) => e.name === tag);
    if (i < 0) throw new BlockError('ENOENT', `${this.path}: no internal snapshot named "${tag}"`);
    return i;
  }

  /** Every cluster the tree under `l1` (hi/lo words, `n` entries) references, once per reference. */
  private async treeClusters(l1: Uint32Array, n: number): Promise<number[]> {
    const cs = this.cs;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const l2 = (l1[2 * i] & OFFSET_HI) * TWO32 + ((l1[2 * i + 1] & OFFSET_LO) >>> 0);
      if (l2 === 0) continue;
      if (l2 % cs !== 0) throw corrupt(this.path, `L2 table at unaligned offset ${l2}`);
      out.push(l2 / cs);
      const t = await this.getTable(this.l2Cache, l2, true);
      for (let j = 0; j < this.l2Entries; j++) {
        const hi = t.dv.getUint32(j * 8);
        const lo = t.dv.getUint32(j * 8 + 4);
        if (hi & OFLAG_COMPRESSED_HI) {
          const [off, len] = this.compressedRange(hi, lo);
          for (let c = Math.floor(off / cs); c <= Math.floor((off + len - 1) / cs); c++) out.push(c);
          continue;
        }
        const off = (hi & OFFSET_HI) * TWO32 + ((lo & OFFSET_LO) >>> 0);
        if (off !== 0) out.push(off / cs);
      }
    }
    return out;
  }

  /** `n` contiguous new clusters (refcount 1); returns the host offset. */
  private async allocRun(n: number): Promise<number> {
    const spare: number[] = [];
    for (;;) {
      const off = await this.allocClusters(n);
      if (this.allocCount === n) {
        // Runs that came up short were never referenced: give them back at once.
        for (const c of spare) {
          await this.addRef(c, -1);
          if (c < this.freeHint) this.freeHint = c;
        }
        return off;
      }
      for (let i = 0; i < this.allocCount; i++) spare.push(off / this.cs + i);
    }
  }

  /** Sets the COPIED flags of the active L1 and L2 tables: exactly where the refcount is 1. */
  private async fixCopied(): Promise<void> {
    const cs = this.cs;
    const want = new Int8Array(this.l2Entries);
    for (let i = 0; i < this.header.l1Size; i++) {
      const l2 = this.l1Off(i);
      if (l2 === 0) continue;
      const copy = (await this.getTable(this.l2Cache, l2, true)).data.slice();
      const dv = new DataView(copy.buffer);
      want.fill(-1);
      for (let j = 0; j < this.l2Entries; j++) {
        const hi = dv.getUint32(j * 8);
        if (hi & OFLAG_COMPRESSED_HI) continue;
        const off = (hi & OFFSET_HI) * TWO32 + ((dv.getUint32(j * 8 + 4) & OFFSET_LO) >>> 0);
        if (off === 0) continue;
        want[j] = (await this.refcount(off / cs)) === 1 ? 1 : 0;
      }
      const l2rc = await this.refcount(l2 / cs);
      // No await from here on: the cached table cannot be evicted under us.
      const t = await this.getTable(this.l2Cache, l2, true);
      for (let j = 0; j < this.l2Entries; j++) {
        if (want[j] < 0) continue;
        const hi = t.dv.getUint32(j * 8);
        const nhi = (want[j] === 1 ? hi | OFLAG_COPIED_HI : hi & ~OFLAG_COPIED_HI) >>> 0;
        if (nhi !== hi) {
          t.dv.setUint32(j * 8, nhi);
          t.dirty = true;
        }
      }
      const hi = this.l1[2 * i];
      const nhi = (l2rc === 1 ? hi | OFLAG_COPIED_HI : hi & ~OFLAG_COPIED_HI) >>> 0;
      if (nhi !== hi) {
        this.l1[2 * i] = nhi;
        if (i < this.l1DirtyLo) this.l1DirtyLo = i;
        if (i > this.l1DirtyHi) this.l1DirtyHi = i;
      }
    }
  }

  /** The L1 words, big-endian, COPIED flags cleared (a snapshot's own table never has them). */
  private l1Image(l1: Uint32Array, n: number): Uint8Array {
    const b = new Uint8Array(Math.ceil((n * 8) / this.cs) * this.cs);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < n; i++) {
      dv.setUint32(i * 8, (l1[2 * i] & ~OFLAG_COPIED_HI) >>> 0);
      dv.setUint32(i * 8 + 4, l1[2 * i + 1]);
    }
    return b;
  }

  /** Writes a new snapshot table (in new clusters) and switches the header to it. */
  private async replaceSnapshotTable(entries: Qcow2SnapshotEntry[]): Promise<void> {
    const h = this.header;
    const cs = this.cs;
    const oldOff = h.snapshotsOffset;
    const table = encodeSnapshotTable(entries);
    let off = 0;
    if (entries.length > 0) {
      const n = Math.ceil(table.length / cs);
      off = await this.allocRun(n);
      this.checkOverlap(off, n * cs);
      await pwriteFull(this.fh, table, off);
    }
    // The table and every refcount it needs are on disk before the header points there.
    await this.flushMetadata();
    const hb = new Uint8Array(12);
    const hdv = new DataView(hb.buffer);
    hdv.setUint32(0, entries.length);
    hdv.setUint32(4, Math.floor(off / TWO32));
    hdv.setUint32(8, off >>> 0);
    await pwriteFull(this.fh, hb, 60);
    h.nbSnapshots = entries.length;
    h.snapshotsOffset = off;
    const old = this.snaps ?? [];
    this.snaps = entries;
    await this.fh.datasync();
    const oldLen = encodeSnapshotTable(old).length;
    if (oldLen > 0) for (let c = Math.floor(oldOff / cs); c <= Math.floor((oldOff + oldLen - 1) / cs); c++) this.pendingFree.push(c);
  }

  private async createSnapshot(tag: string): Promise<void> {
    const h = this.header;
    const cs = this.cs;
    const snaps = await this.snapshotTable();
    if (snaps.some((e) => e.name === tag)) throw new BlockError('EINVAL', `${this.path}: an internal snapshot named "${tag}" exists already`);
    if (snaps.length >= MAX_SNAPSHOTS) throw new BlockError('ENOTSUP', `${this.path}: too many internal snapshots`);
    if (this.header.refcountOrder === 0) {
      throw new BlockError('ENOTSUP', `${this.path}: an image with 1-bit refcounts cannot hold internal snapshots; convert it with "qemu-img convert -O qcow2"`);
    }
    // Everything written so far reaches the file first (the snapshot is of that).
    await this.flushMetadata();
    // The snapshot's references, then the active tables stop writing in place.
    for (const c of await this.treeClusters(this.l1, h.l1Size)) await this.addRef(c, 1);
    await this.fixCopied();
    const img = this.l1Image(this.l1, h.l1Size);
    let l1Off = 0;
    if (h.l1Size > 0) {
      l1Off = await this.allocRun(img.length / cs);
      this.checkOverlap(l1Off, img.length);
      await pwriteFull(this.fh, img, l1Off);
    }
    const entry = encodeSnapshotEntry({ l1Offset: l1Off, l1Size: h.l1Size, id: nextSnapshotId(snaps), name: tag, diskSize: this.size, nowMs: Date.now() });
    await this.replaceSnapshotTable([...snaps, entry]);
    await this.flushMetadata(); // frees the old table
  }

  private async readSnapshotL1(e: Qcow2SnapshotEntry): Promise<Uint32Array> {
    const n = this.header.l1Size;
    if (e.l1Size > n) throw new BlockError('ENOTSUP', `${this.path}: snapshot "${e.name}" has a larger L1 table (the image was resized since)`);
    if (e.diskSize >= 0 && e.diskSize !== this.size) throw new BlockError('ENOTSUP', `${this.path}: snapshot "${e.name}" was taken at another disk size (${e.diskSize} bytes)`);
    const l1 = new Uint32Array(n * 2);
    if (e.l1Size > 0) {
      const b = new Uint8Array(e.l1Size * 8);
      await preadFull(this.fh, b, e.l1Offset);
      const dv = new DataView(b.buffer);
      for (let i = 0; i < e.l1Size * 2; i++) l1[i] = dv.getUint32(i * 4);
    }
    return l1;
  }

  private async revertSnapshot(tag: string): Promise<void> {
    const h = this.header;
    const cs = this.cs;
    const snaps = await this.snapshotTable();
    const e = snaps[this.findSnapshot(snaps, tag)];
    await this.flushMetadata();
    const snL1 = await this.readSnapshotL1(e);
    // The new active tables reference what the snapshot's do: count that first.
    for (const c of await this.treeClusters(snL1, h.l1Size)) await this.addRef(c, 1);
    const old = await this.treeClusters(this.l1, h.l1Size);
    // The new active L1 goes to new clusters; the header switches once it is on disk.
    const img = this.l1Image(snL1, h.l1Size);
    const oldL1 = h.l1TableOffset;
    let l1Off = 0;
    if (h.l1Size > 0) {
      l1Off = await this.allocRun(img.length / cs);
      this.checkOverlap(l1Off, img.length);
      await pwriteFull(this.fh, img, l1Off);
    }
    await this.flushMetadata();
    const hb = new Uint8Array(12);
    const hdv = new DataView(hb.buffer);
    hdv.setUint32(0, h.l1Size);
    hdv.setUint32(4, Math.floor(l1Off / TWO32));
    hdv.setUint32(8, l1Off >>> 0);
    await pwriteFull(this.fh, hb, 36);
    // The header may point at the new table now: follow it even if the sync fails.
    h.l1TableOffset = l1Off;
    for (let i = 0; i < h.l1Size * 2; i++) this.l1[i] = i & 1 ? snL1[i] : (snL1[i] & ~OFLAG_COPIED_HI) >>> 0;
    await this.fh.datasync();
    // The old active tree and its L1 are released once nothing on disk points there.
    for (const c of old) this.pendingFree.push(c);
    if (h.l1Size > 0) for (let k = 0; k < img.length / cs; k++) this.pendingFree.push(oldL1 / cs + k);
    await this.flushMetadata();
    await this.fixCopied();
    await this.flushMetadata();
    // Content changed under every cached view.
    this.l2Cache.clear();
    this.lastL2 = null;
    this.compCacheOff = -1;
  }

  private async deleteSnapshot(tag: string): Promise<void> {
    const cs = this.cs;
    const snaps = await this.snapshotTable();
    const k = this.findSnapshot(snaps, tag);
    const e = snaps[k];
    await this.flushMetadata();
    const snL1 = await this.readSnapshotL1(e);
    const tree = await this.treeClusters(snL1, e.l1Size);
    await this.replaceSnapshotTable(snaps.filter((_, i) => i !== k));
    // Nothing on disk points at the snapshot's tables now.
    for (const c of tree) this.pendingFree.push(c);
    if (e.l1Size > 0) {
      const n = Math.ceil((e.l1Size * 8) / cs);
      for (let i = 0; i < n; i++) this.pendingFree.push(e.l1Offset / cs + i);
    }
    await this.flushMetadata();
    // What only the active tables reference now can be written in place again.
    await this.fixCopied();
    await this.flushMetadata();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.readOnly) await this.flush();
    } finally {
      this.closed = true;
      await this.fh.close();
      if (this.backing) await this.backing.close();
      if (this.onClose) await this.onClose();
    }
  }
}
