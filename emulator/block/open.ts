// Opening a drive: probe the format from content, take the advisory lock, open the
// backend and its backing chain (read-only, relative names resolved against the
// overlay's directory).
import { access, constants, open, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type BlockBackend, BlockError, type ImageFormat, type OpenOptions } from './backend.js';
import { isIso9660, isoVolumeId } from './iso.js';
import { type ImageLock, lockImage } from './lock.js';
import { probeFile, readHead } from './probe.js';
import { Qcow2Backend, readHeader } from './qcow2.js';
import { RawBackend } from './raw.js';

/** Longest backing chain followed (a loop of backing files ends here with an error). */
export const MAX_BACKING_DEPTH = 16;

export type { BlockBackend, ImageFormat, OpenOptions } from './backend.js';
export { BlockError } from './backend.js';

export async function openImage(path: string, opts: OpenOptions = {}): Promise<BlockBackend> {
  return openChain(path, opts, 0, []);
}

async function openChain(path: string, opts: OpenOptions, depth: number, chain: string[]): Promise<BlockBackend> {
  const f: string | undefined = opts.format;
  if (f !== undefined && f !== 'raw' && f !== 'qcow2' && f !== 'iso') {
    throw new BlockError('EINVAL', `${path}: unknown image format "${f}" (raw, qcow2 or iso)`);
  }
  if (depth > MAX_BACKING_DEPTH) {
    throw new BlockError('ENOTSUP', `${chain[0]}: backing chain deeper than ${MAX_BACKING_DEPTH} (a loop?): ${chain.join(' -> ')}`);
  }
  const where = depth > 0 ? `backing file of ${chain[chain.length - 1]}: ` : '';
  const fsError = (e: unknown, wanted: string): BlockError => {
    if (e instanceof BlockError) return e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? wanted : (e as Error).message;
    return new BlockError(code === 'ENOENT' ? 'ENOENT' : 'EIO', `${where}${path}: ${why}`);
  };
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new BlockError('ENOTSUP', `${where}${path}: not a regular file`);
    await access(path, constants.R_OK);
  } catch (e) {
    throw fsError(e, 'not readable');
  }
  const probed = await probeFile(path);
  const format: ImageFormat = opts.format ?? probed;
  if (opts.format === 'iso') {
    if (!isIso9660(await readHead(path))) throw new BlockError('EINVAL', `${path}: not an ISO 9660 image (no CD001 signature at 0x8001)`);
  }
  if (opts.format === 'qcow2' && probed !== 'qcow2') throw new BlockError('EINVAL', `${path}: not a qcow2 image`);
  // ISO media are read-only whatever was asked.
  const readOnly = opts.readOnly === true || format === 'iso';
  if (!readOnly) {
    try {
      await access(path, constants.W_OK);
    } catch (e) {
      throw fsError(e, 'not writable (attach it read-only?)');
    }
  }

  let lock: ImageLock | null = null;
  if (!opts.noLock) lock = await lockImage(path, readOnly ? 'read' : 'write');
  try {
    let b: RawBackend | Qcow2Backend;
    if (format === 'qcow2') {
      b = await Qcow2Backend.open(path, readOnly, (name, fmt) => {
        const p = isAbsolute(name) ? name : resolve(dirname(path), name);
        return openChain(p, { format: fmt, readOnly: true, noLock: opts.noLock }, depth + 1, [...chain, path]);
      });
    } else {
      b = await RawBackend.open(path, format, readOnly, opts.format === undefined);
    }
    if (lock !== null) {
      const l = lock;
      b.onClose = () => l.release();
    }
    return b;
  } catch (e) {
    if (lock !== null) await lock.release();
    throw e;
  }
}

export interface ImageInfo {
  path: string;
  format: ImageFormat;
  /** Guest-visible size in bytes. */
  virtualSize: number;
  /** Bytes the file takes on the host (allocated blocks). */
  diskUsage: number;
  /** ISO media are always attached read-only. */
  readOnlyMedia: boolean;
  /** Backing file as written in the image, and resolved against the image's directory. */
  backingFile: string | null;
  backingPath: string | null;
  qcow2?: { version: number; clusterSize: number; snapshots: number; dirty: boolean; corrupt: boolean };
  /** ISO volume label. */
  volumeId?: string;
}

/**
 * What the UI shows for an image dropped onto a VM: format (from content), sizes,
 * backing file. Reads only the header; takes no lock and never writes.
 */
export async function imageInfo(path: string): Promise<ImageInfo> {
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new BlockError(e.code === 'ENOENT' ? 'ENOENT' : 'EIO', `${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  if (!st.isFile()) throw new BlockError('ENOTSUP', `${path}: not a regular file`);
  const format = await probeFile(path);
  const info: ImageInfo = {
    path,
    format,
    virtualSize: st.size,
    diskUsage: st.blocks * 512,
    readOnlyMedia: format === 'iso',
    backingFile: null,
    backingPath: null,
  };
  if (format === 'iso') info.volumeId = isoVolumeId(await readHead(path));
  if (format === 'qcow2') {
    const fh = await open(path, 'r');
    try {
      const h = await readHeader(fh, path, st.size);
      info.virtualSize = h.size;
      info.qcow2 = {
        version: h.version,
        clusterSize: 2 ** h.clusterBits,
        snapshots: h.nbSnapshots,
        dirty: (h.incompatible & 1) !== 0,
        corrupt: (h.incompatible & 2) !== 0,
      };
      if (h.backingFile !== '') {
        info.backingFile = h.backingFile;
        info.backingPath = isAbsolute(h.backingFile) ? h.backingFile : resolve(dirname(path), h.backingFile);
      }
    } finally {
      await fh.close();
    }
  }
  return info;
}
