// The pseries NVRAM (/vdevice/nvram, "qemu,spapr-nvram"), reached through the RTAS
// calls nvram-fetch and nvram-store. Its bytes live in shared memory (RTAS runs on the
// calling vCPU's thread). A new machine formats it with CHRP partitions (a "common"
// system partition and free space) so the guest finds a valid layout.
import type { BQL } from '../../host/bql.js';
import * as L from '../../cpu/layout.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { SharedRegions } from '../../memory/shared-regions.js';
import { type Rtas, RTAS_OUT_SUCCESS, RTAS_OUT_PARAM_ERROR, RTAS_OUT_HW_ERROR } from '../../machine/spapr/rtas.js';

export const NVRAM_SIZE = 0x10000;
export const NVRAM_REG = 0x71000001;

const CHRP_SIG_SYSTEM = 0x70;
const CHRP_SIG_FREE = 0x7f;
const SYSTEM_PARTITION_BYTES = 0x4000;

/** CHRP partition header checksum: ones'-complement-style byte sum of bytes 0 and 2..15. */
export function chrpChecksum(h: Uint8Array): number {
  let sum = h[0];
  for (let i = 2; i < 16; i++) {
    sum += h[i];
    sum = (sum & 0xff) + (sum >> 8);
  }
  return sum & 0xff;
}

function writeHeader(buf: Uint8Array, off: number, sig: number, bytes: number, name: string): void {
  const h = buf.subarray(off, off + 16);
  h.fill(0);
  h[0] = sig;
  const blocks = bytes / 16;
  h[2] = blocks >> 8;
  h[3] = blocks & 0xff;
  for (let i = 0; i < 12 && i < name.length; i++) h[4 + i] = name.charCodeAt(i);
  h[1] = chrpChecksum(h);
}

export function formatNvram(size = NVRAM_SIZE): Uint8Array {
  const buf = new Uint8Array(size);
  writeHeader(buf, 0, CHRP_SIG_SYSTEM, SYSTEM_PARTITION_BYTES, 'common');
  writeHeader(buf, SYSTEM_PARTITION_BYTES, CHRP_SIG_FREE, size - SYSTEM_PARTITION_BYTES, 'wwwwwwwwwwww');
  return buf;
}

export class SpaprNvram {
  readonly reg = NVRAM_REG;
  readonly data: Uint8Array;

  constructor(
    private readonly mem: GuestMemory,
    regions: SharedRegions,
    private readonly bql: BQL,
  ) {
    const off = regions.alloc('nvram', NVRAM_SIZE);
    this.data = mem.u8.subarray(off, off + NVRAM_SIZE);
  }

  /** Fill with `image` (a saved NVRAM) or a freshly formatted one. Done once per VM. */
  format(image?: Uint8Array): void {
    if (image !== undefined && image.length !== NVRAM_SIZE) {
      throw new Error(`NVRAM image has ${image.length} bytes, expected ${NVRAM_SIZE}`);
    }
    this.data.set(image ?? formatNvram());
  }

  registerRtas(rtas: Rtas): void {
    const ram = this.mem.ramSize;
    const xfer = (store: boolean) => (_c: unknown, a: import('../../machine/spapr/rtas.js').RtasArgs) => {
      this.bql.assertHeld(store ? 'nvram-store' : 'nvram-fetch');
      if (a.nargs !== 3 || a.nret !== 2) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      const offset = a.arg(0);
      const buf = a.arg(1);
      const len = a.arg(2);
      // Failures also report 0 bytes transferred (QEMU's spapr_nvram does the same).
      const fail = (status: number): void => {
        a.ret(0, status);
        a.ret(1, 0);
      };
      if (offset > NVRAM_SIZE || len > NVRAM_SIZE - offset) return fail(RTAS_OUT_PARAM_ERROR);
      if (buf + len > ram) return fail(RTAS_OUT_HW_ERROR);
      if (store) this.data.set(this.mem.u8.subarray(L.RAM_OFFSET + buf, L.RAM_OFFSET + buf + len), offset);
      else this.mem.u8.set(this.data.subarray(offset, offset + len), L.RAM_OFFSET + buf);
      a.ret(0, RTAS_OUT_SUCCESS);
      a.ret(1, len);
    };
    rtas.register('nvram-fetch', xfer(false));
    rtas.register('nvram-store', xfer(true));
  }

  save(): Uint8Array {
    return this.data.slice();
  }

  load(data: Uint8Array): void {
    this.format(data);
  }
}
