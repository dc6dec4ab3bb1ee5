// Disk image detection by content, until emulator/block/probe.ts (the disk issue) lands
// and replaces this one function: qcow2 by its magic, ISO 9660 by its volume descriptor,
// raw for anything else whose size is a whole number of 512-byte sectors.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import type { DiskFormat } from './api-types.js';

export type ProbeResult = { format: DiskFormat } | { format: null; refusal: string };

const QCOW2_MAGIC = [0x51, 0x46, 0x49, 0xfb]; // 'QFI\xfb'
const ISO_AT = 0x8001; // 'CD001' in the first volume descriptor (sector 16, byte 1)

/** Detect a disk image from its first bytes and its size. */
export function probeBytes(head: Uint8Array, size: number): ProbeResult {
  if (size === 0) return { format: null, refusal: 'the file is empty' };
  if (head.length >= 4 && QCOW2_MAGIC.every((b, i) => head[i] === b)) return { format: 'qcow2' };
  if (head.length >= ISO_AT + 5 && String.fromCharCode(...head.subarray(ISO_AT, ISO_AT + 5)) === 'CD001') return { format: 'iso' };
  if (size % 512 !== 0) return { format: null, refusal: `not a disk image: ${size} bytes is not a whole number of 512-byte sectors, and it is neither qcow2 nor ISO 9660` };
  return { format: 'raw' };
}

export function probeFile(path: string): ProbeResult {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, ISO_AT + 5));
    readSync(fd, head, 0, head.length, 0);
    return probeBytes(head, size);
  } finally {
    closeSync(fd);
  }
}
