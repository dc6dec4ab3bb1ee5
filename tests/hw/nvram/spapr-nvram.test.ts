// The pseries NVRAM: a CHRP-partitioned image the guest kernel accepts, reached through
// RTAS nvram-fetch / nvram-store (LoPAPR 7.3.x; QEMU hw/nvram/spapr_nvram.c). The
// partition checksum is checked with Linux's own algorithm (arch/powerpc/kernel/
// nvram_64.c nvram_checksum, run here as a little-endian kernel would), since the
// guest is what must accept the image.
import { describe, expect, it } from 'vitest';
import { NVRAM_SIZE, chrpChecksum, formatNvram } from '../../../emulator/hw/nvram/spapr-nvram.js';
import { RTAS_TOKENS } from '../../../emulator/machine/spapr/rtas-tokens.js';
import { getBytes, makeMachine, rtasCall } from '../../machine/spapr/spapr-fixture.js';

const FETCH = RTAS_TOKENS['nvram-fetch'];
const STORE = RTAS_TOKENS['nvram-store'];
const SUCCESS = 0;
const HW_ERROR = -1;
const PARAM_ERROR = -3;

/** Linux nvram_checksum() on a header read by a little-endian kernel. */
function linuxChecksum(h: Uint8Array): number {
  const length = (h[2] << 8) | h[3]; // be16_to_cpu'd before the sum
  let sum = h[0] + length;
  for (let i = 0; i < 6; i++) sum += h[4 + 2 * i] | (h[5 + 2 * i] << 8); // native (LE) shorts
  sum = ((sum & 0xffff) + (sum >>> 16)) & 0xffff;
  const sum2 = (sum >>> 8) + (sum << 8);
  return ((sum + sum2) >>> 8) & 0xff;
}

interface Partition {
  offset: number;
  signature: number;
  checksum: number;
  bytes: number;
  name: string;
}

function partitions(img: Uint8Array): Partition[] {
  const out: Partition[] = [];
  for (let off = 0; off < img.length; ) {
    const h = img.subarray(off, off + 16);
    const bytes = ((h[2] << 8) | h[3]) * 16;
    if (bytes === 0) throw new Error(`zero-length partition at ${off}`);
    out.push({ offset: off, signature: h[0], checksum: h[1], bytes, name: String.fromCharCode(...h.subarray(4, 16)).replace(/\0+$/, '') });
    off += bytes;
  }
  return out;
}

describe('NVRAM image', () => {
  it('is formatted as CHRP partitions covering the whole NVRAM: "common" system partition, then free space', () => {
    const img = formatNvram();
    expect(img.length).toBe(NVRAM_SIZE);
    const parts = partitions(img);
    expect(parts.map((p) => [p.signature, p.name])).toEqual([
      [0x70, 'common'],
      [0x7f, 'wwwwwwwwwwww'],
    ]);
    expect(parts.reduce((s, p) => s + p.bytes, 0)).toBe(NVRAM_SIZE);
  });

  it('carries header checksums the Linux kernel accepts', () => {
    const img = formatNvram();
    for (const p of partitions(img)) {
      const h = img.subarray(p.offset, p.offset + 16);
      expect(p.checksum, p.name).toBe(linuxChecksum(h));
    }
  });

  it('computes the checksum like Linux for arbitrary headers (carries included)', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    };
    for (let n = 0; n < 2000; n++) {
      const h = new Uint8Array(16);
      for (let i = 0; i < 16; i++) h[i] = n < 10 ? 0xff : rnd();
      expect(chrpChecksum(h)).toBe(linuxChecksum(h));
    }
  });
});

describe('RTAS nvram-fetch / nvram-store', () => {
  it('fetches the image into guest memory and reports the byte count', () => {
    const { m } = makeMachine();
    const r = rtasCall(m, FETCH, [0, 0x100000, 32], 2);
    expect(r.rets).toEqual([SUCCESS, 32]);
    expect(getBytes(m, 0x100000, 32)).toEqual(formatNvram().subarray(0, 32));
  });

  it('stores guest bytes and fetches them back', () => {
    const { m } = makeMachine();
    m.mem.writePhys(0x100000, new TextEncoder().encode('boot-device=disk'));
    expect(rtasCall(m, STORE, [0x4010, 0x100000, 16], 2).rets).toEqual([SUCCESS, 16]);
    expect(String.fromCharCode(...m.nvram.data.subarray(0x4010, 0x4020))).toBe('boot-device=disk');
    expect(rtasCall(m, FETCH, [0x4010, 0x200000, 16], 2).rets).toEqual([SUCCESS, 16]);
    expect(getBytes(m, 0x200000, 16)).toEqual(getBytes(m, 0x100000, 16));
  });

  it('allows the last byte and a zero-length transfer at the end', () => {
    const { m } = makeMachine();
    expect(rtasCall(m, FETCH, [NVRAM_SIZE - 1, 0x100000, 1], 2).rets).toEqual([SUCCESS, 1]);
    expect(rtasCall(m, FETCH, [NVRAM_SIZE, 0x100000, 0], 2).rets).toEqual([SUCCESS, 0]);
  });

  it('refuses ranges beyond the NVRAM (parameter error, 0 bytes), including offset overflow', () => {
    const { m } = makeMachine();
    for (const [off, len] of [
      [NVRAM_SIZE - 15, 16],
      [NVRAM_SIZE, 1],
      [0, NVRAM_SIZE + 1],
      [0xffffffff, 2],
      [16, 0xfffffff8],
    ]) {
      expect(rtasCall(m, FETCH, [off, 0x100000, len], 2).rets, `fetch ${off}+${len}`).toEqual([PARAM_ERROR, 0]);
      expect(rtasCall(m, STORE, [off, 0x100000, len], 2).rets, `store ${off}+${len}`).toEqual([PARAM_ERROR, 0]);
    }
    expect(m.nvram.data).toEqual(formatNvram());
  });

  it('refuses a guest buffer outside RAM with a hardware error', () => {
    const { m } = makeMachine();
    const ram = m.mem.ramSize;
    expect(rtasCall(m, FETCH, [0, ram - 8, 16], 2).rets).toEqual([HW_ERROR, 0]);
    expect(rtasCall(m, STORE, [0, ram, 1], 2).rets).toEqual([HW_ERROR, 0]);
    expect(m.nvram.data).toEqual(formatNvram());
  });

  it('checks the argument and return counts', () => {
    const { m } = makeMachine();
    expect(rtasCall(m, FETCH, [0, 0x100000], 2).rets[0]).toBe(PARAM_ERROR);
    expect(rtasCall(m, FETCH, [0, 0x100000, 4], 1).rets[0]).toBe(PARAM_ERROR);
    expect(rtasCall(m, STORE, [0, 0x100000, 4, 0], 2).rets[0]).toBe(PARAM_ERROR);
  });
});

describe('NVRAM state', () => {
  it('save/load round-trips, and a wrong-sized image is refused with a clear message', () => {
    const a = makeMachine();
    a.m.nvram.data[0x5000] = 0x42;
    const img = a.m.nvram.save();
    const b = makeMachine();
    b.m.nvram.load(img);
    expect(b.m.nvram.data[0x5000]).toBe(0x42);
    expect(() => b.m.nvram.load(new Uint8Array(100))).toThrow(/100 bytes, expected 65536/);
  });
});
