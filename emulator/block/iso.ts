// ISO 9660 media: recognised by the "CD001" standard identifier of the first volume
// descriptor (sector 16 of 2048-byte sectors, i.e. byte 0x8001). Always read-only.

export const ISO_DESCRIPTOR_OFFSET = 0x8000;

/** `head` holds at least the first 0x8006 bytes of the image (shorter: not an ISO). */
export function isIso9660(head: Uint8Array): boolean {
  const o = ISO_DESCRIPTOR_OFFSET;
  if (head.length < o + 6) return false;
  // Byte 0 is the descriptor type (1 primary, 0 boot record, 2 supplementary, 255 end).
  return head[o + 1] === 0x43 && head[o + 2] === 0x44 && head[o + 3] === 0x30 && head[o + 4] === 0x30 && head[o + 5] === 0x31;
}

/** Volume label of the primary volume descriptor (for UI/logs), or '' if there is none. */
export function isoVolumeId(head: Uint8Array): string {
  const o = ISO_DESCRIPTOR_OFFSET;
  if (!isIso9660(head) || head[o] !== 1 || head.length < o + 72) return '';
  let s = '';
  for (let i = o + 40; i < o + 72; i++) s += String.fromCharCode(head[i]);
  return s.trimEnd();
}
