// Raw images (and ISO media, which are raw read-only files): guest byte n is file byte n.
import { type FileHandle, open } from 'node:fs/promises';
import {
  type BlockBackend,
  BlockError,
  checkRequest,
  hostError,
  type ImageFormat,
  preadFull,
  pwriteFull,
  readOnlyError,
  totalLength,
  ZERO_CHUNK,
} from './backend.js';
import { probeBytes, unsupportedFormat } from './probe.js';

export class RawBackend implements BlockBackend {
  readonly canDiscard = false;
  readonly canWriteZeroes = false;
  readonly discardGranularity = 512;
  private closed = false;
  /** Runs after the file is closed (open.ts releases the image lock here). */
  onClose: (() => Promise<void>) | null = null;

  private constructor(
    readonly path: string,
    readonly format: ImageFormat,
    readonly size: number,
    readonly readOnly: boolean,
    private readonly fh: FileHandle,
    private readonly probed: boolean,
  ) {}

  /**
   * `probed`: the format came from probing, so the guest may not write a first sector
   * that would probe as another format next time (a qcow2 header naming a host file as
   * its backing file would hand that file to the guest).
   */
  static async open(path: string, format: ImageFormat, readOnly: boolean, probed: boolean): Promise<RawBackend> {
    const fh = await open(path, readOnly ? 'r' : 'r+');
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new BlockError('ENOTSUP', `${path}: not a regular file`);
      return new RawBackend(path, format, st.size, readOnly, fh, probed);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRequest(this, 'read', offset, length);
    const buf = new Uint8Array(length);
    await this.readUnchecked(offset, buf);
    return buf;
  }

  private guardSector0At(offset: number, data: Uint8Array): void {
    if (this.probed && offset === 0 && data.length > 0) this.guardSector0(data.subarray(0, Math.min(data.length, 512)));
  }

  private guardSector0(head: Uint8Array): void {
    if (!this.probed) return;
    if (probeBytes(head) === 'qcow2' || unsupportedFormat(head) !== null) {
      throw new BlockError(
        'EIO',
        `${this.path}: write of an image-format header to sector 0 of a probed raw image refused ` +
          `(open it with format=raw to allow it)`,
      );
    }
  }

  async readInto(offset: number, dest: Uint8Array): Promise<void> {
    checkRequest(this, 'read', offset, dest.length);
    await this.readUnchecked(offset, dest);
  }

  async readUnchecked(offset: number, dest: Uint8Array): Promise<void> {
    try {
      await preadFull(this.fh, dest, offset);
    } catch (e) {
      throw hostError(this.path, `read at ${offset}`, e);
    }
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    checkRequest(this, 'write', offset, data.length);
    if (this.readOnly) throw readOnlyError(this.path, 'write');
    this.guardSector0At(offset, data);
    try {
      await pwriteFull(this.fh, data, offset);
    } catch (e) {
      throw hostError(this.path, `write at ${offset}`, e);
    }
  }

  async readv(offset: number, bufs: readonly Uint8Array[]): Promise<void> {
    checkRequest(this, 'read', offset, totalLength(bufs));
    try {
      let pos = offset;
      for (const b of bufs) {
        await preadFull(this.fh, b, pos);
        pos += b.length;
      }
    } catch (e) {
      throw hostError(this.path, `read at ${offset}`, e);
    }
  }

  async writev(offset: number, bufs: readonly Uint8Array[]): Promise<void> {
    const total = totalLength(bufs);
    checkRequest(this, 'write', offset, total);
    if (this.readOnly) throw readOnlyError(this.path, 'write');
    if (this.probed && offset === 0 && total > 0) {
      // The sector-0 guard needs the first sector, which may span segments.
      const head = new Uint8Array(Math.min(512, total));
      let n = 0;
      for (const b of bufs) {
        if (n >= head.length) break;
        const take = Math.min(b.length, head.length - n);
        head.set(b.subarray(0, take), n);
        n += take;
      }
      this.guardSector0(head);
    }
    try {
      let pos = offset;
      for (const b of bufs) {
        await pwriteFull(this.fh, b, pos);
        pos += b.length;
      }
    } catch (e) {
      throw hostError(this.path, `write at ${offset}`, e);
    }
  }

  async flush(): Promise<void> {
    if (this.readOnly) return;
    try {
      await this.fh.datasync();
    } catch (e) {
      throw hostError(this.path, 'flush', e);
    }
  }

  async discard(offset: number, length: number): Promise<void> {
    checkRequest(this, 'discard', offset, length);
    if (this.readOnly) throw readOnlyError(this.path, 'discard');
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    checkRequest(this, 'write-zeroes', offset, length);
    if (this.readOnly) throw readOnlyError(this.path, 'write-zeroes');
    try {
      for (let done = 0; done < length; ) {
        const n = Math.min(ZERO_CHUNK.length, length - done);
        await pwriteFull(this.fh, ZERO_CHUNK.subarray(0, n), offset + done);
        done += n;
      }
    } catch (e) {
      throw hostError(this.path, `write-zeroes at ${offset}`, e);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.readOnly) await this.fh.datasync();
    } finally {
      await this.fh.close();
      if (this.onClose) await this.onClose();
    }
  }
}
