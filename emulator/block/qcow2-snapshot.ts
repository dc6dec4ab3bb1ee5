// The qcow2 snapshot table (docs/interop/qcow2.txt, "Snapshots"): parsing and encoding
// of its entries. The operations on the image (create, revert, delete), which need the
// refcount and L2 machinery, are Qcow2Backend methods in qcow2.ts; this file only knows
// the table's bytes. All fields big-endian; each entry is padded to 8 bytes:
//    0 u64 l1_table_offset     8 u32 l1_size       12 u16 id_str_size  14 u16 name_size
//   16 u32 date_sec           20 u32 date_nsec     24 u64 vm_clock_nsec
//   32 u32 vm_state_size      36 u32 extra_data_size
//   40 extra data (v3 needs >= 16: u64 vm_state_size_large, u64 disk_size), id_str, name
import { BlockError } from './backend.js';

const TWO32 = 0x100000000;

/** QEMU's limits (QCOW_MAX_SNAPSHOTS, QCOW_MAX_SNAPSHOTS_SIZE). */
export const MAX_SNAPSHOTS = 65536;
export const MAX_SNAPSHOT_TABLE_BYTES = 64 << 20;

export interface Qcow2SnapshotEntry {
  l1Offset: number;
  l1Size: number;
  id: string;
  name: string;
  dateSec: number;
  /** Guest-visible size when the snapshot was taken (extra data), or -1 if not recorded. */
  diskSize: number;
  vmStateSize: number;
  /** The entry as stored, padding included (kept byte-exact when the table is rewritten). */
  raw: Uint8Array;
}

/** What listings show. */
export interface Qcow2SnapshotInfo {
  id: string;
  name: string;
  dateSec: number;
  vmStateSize: number;
}

function corrupt(path: string, what: string): BlockError {
  return new BlockError('EIO', `${path}: corrupt qcow2 image: ${what}`);
}

/** Reads the `n` entries of the table at `offset` through `read(offset, length)`. */
export async function readSnapshotTable(
  path: string,
  read: (offset: number, length: number) => Promise<Uint8Array>,
  offset: number,
  n: number,
  clusterSize: number,
): Promise<Qcow2SnapshotEntry[]> {
  const out: Qcow2SnapshotEntry[] = [];
  if (n > MAX_SNAPSHOTS) throw corrupt(path, `${n} snapshots (at most ${MAX_SNAPSHOTS})`);
  let p = offset;
  const dec = new TextDecoder();
  for (let k = 0; k < n; k++) {
    if (p - offset > MAX_SNAPSHOT_TABLE_BYTES) throw corrupt(path, 'snapshot table too large');
    const head = await read(p, 40);
    const dv = new DataView(head.buffer, head.byteOffset, 40);
    const l1Hi = dv.getUint32(0);
    const l1Offset = l1Hi * TWO32 + dv.getUint32(4);
    const l1Size = dv.getUint32(8);
    const idLen = dv.getUint16(12);
    const nameLen = dv.getUint16(14);
    const extraLen = dv.getUint32(36);
    if (extraLen > 1024) throw corrupt(path, `snapshot ${k}: ${extraLen} bytes of extra data`);
    if (l1Hi >= 0x200000 || l1Offset % clusterSize !== 0) throw corrupt(path, `snapshot ${k}: L1 table at unaligned offset ${l1Offset}`);
    if (l1Size > (32 << 20) / 8) throw corrupt(path, `snapshot ${k}: L1 table too large`);
    const len = 40 + extraLen + idLen + nameLen;
    const padded = (len + 7) & ~7;
    const raw = await read(p, padded);
    const rdv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    let diskSize = -1;
    if (extraLen >= 16) {
      const hi = rdv.getUint32(48);
      diskSize = hi >= 0x200000 ? -1 : hi * TWO32 + rdv.getUint32(52);
    }
    const idAt = 40 + extraLen;
    out.push({
      l1Offset,
      l1Size,
      id: dec.decode(raw.subarray(idAt, idAt + idLen)),
      name: dec.decode(raw.subarray(idAt + idLen, idAt + idLen + nameLen)),
      dateSec: dv.getUint32(16),
      diskSize,
      vmStateSize: dv.getUint32(32),
      raw,
    });
    p += padded;
  }
  return out;
}

/** A new entry: no VM state (ours lives in the .ppcsnap file), dated now. */
export function encodeSnapshotEntry(e: { l1Offset: number; l1Size: number; id: string; name: string; diskSize: number; nowMs: number }): Qcow2SnapshotEntry {
  const enc = new TextEncoder();
  const id = enc.encode(e.id);
  const name = enc.encode(e.name);
  if (id.length > 0xffff || name.length > 0xffff) throw new BlockError('EINVAL', `snapshot name too long`);
  const extraLen = 16;
  const len = 40 + extraLen + id.length + name.length;
  const raw = new Uint8Array((len + 7) & ~7);
  const dv = new DataView(raw.buffer);
  const sec = Math.floor(e.nowMs / 1000);
  dv.setUint32(0, Math.floor(e.l1Offset / TWO32));
  dv.setUint32(4, e.l1Offset >>> 0);
  dv.setUint32(8, e.l1Size);
  dv.setUint16(12, id.length);
  dv.setUint16(14, name.length);
  dv.setUint32(16, sec >>> 0);
  dv.setUint32(20, Math.floor((e.nowMs - sec * 1000) * 1e6) >>> 0);
  // vm_clock_nsec, vm_state_size, vm_state_size_large: 0 (no VM state in the image).
  dv.setUint32(36, extraLen);
  dv.setUint32(48, Math.floor(e.diskSize / TWO32));
  dv.setUint32(52, e.diskSize >>> 0);
  raw.set(id, 40 + extraLen);
  raw.set(name, 40 + extraLen + id.length);
  return { l1Offset: e.l1Offset, l1Size: e.l1Size, id: e.id, name: e.name, dateSec: sec, diskSize: e.diskSize, vmStateSize: 0, raw };
}

/** The table's bytes. */
export function encodeSnapshotTable(entries: readonly Qcow2SnapshotEntry[]): Uint8Array {
  let n = 0;
  for (const e of entries) n += e.raw.length;
  const out = new Uint8Array(n);
  let p = 0;
  for (const e of entries) {
    out.set(e.raw, p);
    p += e.raw.length;
  }
  return out;
}

/** QEMU numbers snapshots 1, 2, ...: one more than the highest numeric id. */
export function nextSnapshotId(entries: readonly Qcow2SnapshotEntry[]): string {
  let max = 0;
  for (const e of entries) {
    const v = /^\d+$/.test(e.id) ? Number(e.id) : 0;
    if (v > max) max = v;
  }
  return String(max + 1);
}
