// Disk image backends: the interface a block device (virtio-blk later) talks to, the
// error type every backend throws, and the request checks they share. A backend owns
// one open image (plus its backing chain); the device sees a flat array of bytes.
import type { FileHandle } from 'node:fs/promises';

export const SECTOR_SIZE = 512;

export type ImageFormat = 'raw' | 'qcow2' | 'iso';

export interface OpenOptions {
  /** Force a format; by default it is probed from the content (never from the name). */
  format?: ImageFormat;
  /** Open without write access; the file is never modified (bytes nor mtime). */
  readOnly?: boolean;
  /** Skip the advisory image lock (tests of the lock itself, tools that know better). */
  noLock?: boolean;
}

/**
 * Why a request or an open failed. `code` is what a device maps to a guest status:
 * EINVAL (bad range), EROFS (write to read-only media), EIO (corrupt image or host I/O),
 * ENOTSUP (feature not supported), EBUSY (image locked by someone else).
 */
export type BlockErrorCode = 'EINVAL' | 'EROFS' | 'EIO' | 'ENOTSUP' | 'EBUSY' | 'ENOENT';

export class BlockError extends Error {
  constructor(
    readonly code: BlockErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BlockError';
  }
}

export interface BlockBackend {
  readonly path: string;
  readonly format: ImageFormat;
  /** Guest-visible size in bytes. */
  readonly size: number;
  readonly readOnly: boolean;
  /** discard() frees space (otherwise it is accepted and does nothing). */
  readonly canDiscard: boolean;
  /** writeZeroes() is cheaper than writing a buffer of zeros. */
  readonly canWriteZeroes: boolean;
  /** Bytes below which discard/write-zeroes cannot free anything (virtio-blk's discard_sector_alignment). */
  readonly discardGranularity: number;
  /** Requests: offset and length multiples of 512, offset + length <= size. */
  read(offset: number, length: number): Promise<Uint8Array>;
  readInto(offset: number, dest: Uint8Array): Promise<void>;
  write(offset: number, data: Uint8Array): Promise<void>;
  /**
   * Scatter/gather forms (a virtio request's segments, e.g. views of guest RAM, which
   * may be SharedArrayBuffer-backed): the segments follow each other from `offset`;
   * only their total length must be a multiple of 512.
   */
  readv(offset: number, bufs: readonly Uint8Array[]): Promise<void>;
  writev(offset: number, bufs: readonly Uint8Array[]): Promise<void>;
  /** Resolves once everything written before it is on stable storage (fdatasync). */
  flush(): Promise<void>;
  /** A hint: the range's content becomes unspecified (zeros or old data). */
  discard(offset: number, length: number): Promise<void>;
  /** The range reads as zeros afterwards. */
  writeZeroes(offset: number, length: number): Promise<void>;
  /** Flushes (when writable), releases the lock, closes the files. Idempotent. */
  close(): Promise<void>;
  /**
   * Reads any byte range, zeros beyond the end; no alignment checks. Used by overlays to
   * read their backing image, not by devices.
   */
  readUnchecked(offset: number, dest: Uint8Array): Promise<void>;
}

/** Throws EINVAL unless [offset, offset+length) is a sector-aligned range inside the image. */
export function checkRequest(b: { path: string; size: number }, what: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new BlockError('EINVAL', `${b.path}: ${what} at offset ${offset}, length ${length}: not a valid byte range`);
  }
  if (offset % SECTOR_SIZE !== 0 || length % SECTOR_SIZE !== 0) {
    throw new BlockError(
      'EINVAL',
      `${b.path}: ${what} at offset ${offset}, length ${length}: not a multiple of the ${SECTOR_SIZE}-byte sector`,
    );
  }
  if (offset + length > b.size) {
    throw new BlockError(
      'EINVAL',
      `${b.path}: ${what} at offset ${offset}, length ${length} ends beyond the image size ${b.size}`,
    );
  }
}

export function readOnlyError(path: string, what: string): BlockError {
  return new BlockError('EROFS', `${path}: ${what} refused: the image is open read-only`);
}

/** pread until `dest` is full; bytes past the end of the file read as zeros. */
export async function preadFull(fh: FileHandle, dest: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < dest.length) {
    const { bytesRead } = await fh.read(dest, done, dest.length - done, position + done);
    if (bytesRead === 0) {
      dest.fill(0, done);
      return;
    }
    done += bytesRead;
  }
}

/** pwrite until all of `data` is written. */
export async function pwriteFull(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    if (bytesWritten === 0) throw new BlockError('EIO', `short write at ${position + done}`);
    done += bytesWritten;
  }
}

/** Host errors (ENOSPC, EIO from the disk) become BlockError EIO naming the file. */
export function hostError(path: string, what: string, e: unknown): BlockError {
  if (e instanceof BlockError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new BlockError('EIO', `${path}: ${what} failed: ${msg}`);
}

/** A one-at-a-time queue: metadata updates of an image must not interleave. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export function totalLength(bufs: readonly Uint8Array[]): number {
  let n = 0;
  for (const b of bufs) n += b.length;
  return n;
}

export const ZERO_CHUNK = new Uint8Array(1 << 20);
