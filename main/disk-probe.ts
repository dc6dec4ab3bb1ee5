// Disk image detection by content (never by name), on the disk backends' own probe
// (emulator/block/probe.ts): qcow2 by its magic, ISO 9660 by its volume descriptor,
// formats the backends do not read (VMDK, VDI, qcow v1...) named and refused. What the
// block layer would call raw is accepted only when its size is a whole number of
// 512-byte sectors, so a text file or a random document is refused with a clear reason.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { PROBE_BYTES, probeBytes as probeImage, unsupportedFormat } from '../emulator/block/probe.js';
import type { DiskFormat } from './api-types.js';

export type ProbeResult = { format: DiskFormat } | { format: null; refusal: string };

/** Detect a disk image from its first bytes (up to PROBE_BYTES) and its size. */
export function probeBytes(head: Uint8Array, size: number): ProbeResult {
  if (size === 0) return { format: null, refusal: 'the file is empty' };
  const foreign = unsupportedFormat(head);
  if (foreign !== null) return { format: null, refusal: `a ${foreign} image, which PPCBox does not read (convert it with "qemu-img convert -O qcow2")` };
  const format = probeImage(head);
  if (format === 'raw' && size % 512 !== 0) {
    return { format: null, refusal: `not a disk image: ${size} bytes is not a whole number of 512-byte sectors, and it is neither qcow2 nor ISO 9660` };
  }
  return { format };
}

export function probeFile(path: string): ProbeResult {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, PROBE_BYTES));
    let got = 0;
    while (got < head.length) {
      const n = readSync(fd, head, got, head.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return probeBytes(head.subarray(0, got), size);
  } finally {
    closeSync(fd);
  }
}
