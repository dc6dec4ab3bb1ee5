// Image format detection from content, never from the file name (a guest that writes a
// qcow2 header into its raw disk must not turn that disk into a qcow2 with a backing
// file of its choosing: raw.ts refuses such writes when the format was probed).
import { open } from 'node:fs/promises';
import { BlockError, type ImageFormat, preadFull } from './backend.js';
import { isIso9660 } from './iso.js';

/** Bytes probe() looks at. */
export const PROBE_BYTES = 0x8800;

export const QCOW_MAGIC = 0x514649fb; // "QFI\xfb"

/** Formats we recognise but do not read, so the user hears what the file is. */
function foreignFormat(h: Uint8Array): string | null {
  const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const ascii = (off: number, s: string): boolean => {
    if (h.length < off + s.length) return false;
    for (let i = 0; i < s.length; i++) if (h[off + i] !== s.charCodeAt(i)) return false;
    return true;
  };
  if (h.length >= 8 && dv.getUint32(0) === QCOW_MAGIC && dv.getUint32(4) === 1) return 'qcow (version 1)';
  if (ascii(0, 'QED\0')) return 'QED';
  if (ascii(0, 'KDMV') || ascii(0, '# Disk DescriptorFile')) return 'VMDK';
  if (h.length >= 0x44 && dv.getUint32(0x40, true) === 0xbeda107f) return 'VDI';
  if (ascii(0, 'vhdxfile')) return 'VHDX';
  if (ascii(0, 'conectix')) return 'VHD (vpc)';
  if (ascii(0, 'LUKS\xba\xbe')) return 'LUKS';
  return null;
}

/** The format of an image whose first bytes are `head` (up to PROBE_BYTES of them). */
export function probeBytes(head: Uint8Array): ImageFormat {
  if (head.length >= 4 && new DataView(head.buffer, head.byteOffset, 4).getUint32(0) === QCOW_MAGIC) {
    const other = foreignFormat(head);
    if (other === null) return 'qcow2';
  }
  if (isIso9660(head)) return 'iso';
  return 'raw';
}

/** Names an unsupported format found in `head`, or null. */
export function unsupportedFormat(head: Uint8Array): string | null {
  return foreignFormat(head);
}

export async function readHead(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(PROBE_BYTES);
    await preadFull(fh, head, 0);
    return head;
  } finally {
    await fh.close();
  }
}

/**
 * Probes the file at `path`. Formats that are recognised but not supported (VMDK, VDI,
 * qcow version 1, ...) are refused with a message that says how to convert them.
 */
export async function probeFile(path: string): Promise<ImageFormat> {
  const head = await readHead(path);
  const other = foreignFormat(head);
  if (other !== null) {
    throw new BlockError(
      'ENOTSUP',
      `${path}: this is a ${other} image, which is not supported; convert it with ` +
        `"qemu-img convert -O qcow2 ${path} NEW.qcow2" (or -O raw)`,
    );
  }
  return probeBytes(head);
}
