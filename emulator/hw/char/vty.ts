// The PAPR virtual terminal ("hvterm1", /vdevice/vty@71000000): Linux's hvc0. Output
// and input are rings in shared memory so the hypercalls can run on any vCPU thread
// while the I/O thread moves bytes to and from the host terminal.
import type { Cpu } from '../../cpu/cpu.js';
import type { BQL } from '../../host/bql.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { SharedRegions } from '../../memory/shared-regions.js';
import type { IrqLine } from '../irq.js';
import {
  type HcallTable,
  H_GET_TERM_CHAR,
  H_PUT_TERM_CHAR,
  H_PARAMETER,
  H_SUCCESS,
  H_BUSY,
  arg,
  ret,
} from '../../machine/spapr/hcall.js';

export const VTY_REG = 0x71000000;
const OUT_SIZE = 1 << 16;
const IN_SIZE = 1 << 12;
// Region layout (byte offsets)
const R_OUT_HEAD = 0; // bytes produced by the guest (free-running counter)
const R_OUT_TAIL = 4; // bytes consumed by the host
const R_IN_HEAD = 8; // bytes produced by the host
const R_IN_TAIL = 12; // bytes consumed by the guest
const R_SIGNAL = 16; // H_VIO_SIGNAL state: bit 0 = interrupts enabled
const R_OUT = 64;
const R_IN = R_OUT + OUT_SIZE;
const REGION_SIZE = R_IN + IN_SIZE;

export interface VtyState {
  pendingInput: number[];
  signal: number;
}

export class SpaprVty {
  readonly reg = VTY_REG;
  private readonly base: number;
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  /** Called (on the thread that produced output) when the guest wrote bytes. */
  onOutput: (() => void) | null = null;

  constructor(
    mem: GuestMemory,
    regions: SharedRegions,
    private readonly bql: BQL,
    private readonly irq: IrqLine,
  ) {
    this.base = regions.alloc('vty', REGION_SIZE);
    this.i32 = mem.i32;
    this.u8 = mem.u8;
  }

  private w(off: number): number {
    return (this.base + off) >> 2;
  }

  registerHcalls(t: HcallTable): void {
    t.register(H_PUT_TERM_CHAR, 'H_PUT_TERM_CHAR', (c) => this.hPutTermChar(c));
    t.register(H_GET_TERM_CHAR, 'H_GET_TERM_CHAR', (c) => this.hGetTermChar(c));
  }

  /** Our unit address, or 0: the kernel's early debug console names no unit (QEMU maps it to the first vty). */
  private isMine(termno: number): boolean {
    return termno === this.reg || termno === 0;
  }

  /** H_PUT_TERM_CHAR(termno, len, char0_7, char8_15): up to 16 bytes, big-endian packed. */
  private hPutTermChar(c: Cpu): number {
    this.bql.assertHeld('H_PUT_TERM_CHAR');
    if (!this.isMine(arg(c, 1))) return H_PARAMETER;
    const len = arg(c, 2);
    if (len > 16) return H_PARAMETER;
    const head = Atomics.load(this.i32, this.w(R_OUT_HEAD));
    const tail = Atomics.load(this.i32, this.w(R_OUT_TAIL));
    if (OUT_SIZE - ((head - tail) | 0) < len) return H_BUSY; // host not draining: guest retries
    // Bytes 0-7 in r6, 8-15 in r7, most significant first; read the register halves
    // directly (no BigInt on the console path: every printk goes through here).
    for (let k = 0; k < len; k++) {
      const r = c.w + 2 * (k < 8 ? 6 : 7);
      const word = (k & 4) === 0 ? c.u32[r + 1] : c.u32[r];
      this.u8[this.base + R_OUT + ((head + k) & (OUT_SIZE - 1))] = (word >>> (24 - 8 * (k & 3))) & 0xff;
    }
    Atomics.store(this.i32, this.w(R_OUT_HEAD), (head + len) | 0);
    this.onOutput?.();
    return H_SUCCESS;
  }

  /** H_GET_TERM_CHAR(termno) -> len, char0_7, char8_15. */
  private hGetTermChar(c: Cpu): number {
    this.bql.assertHeld('H_GET_TERM_CHAR');
    if (!this.isMine(arg(c, 1))) return H_PARAMETER;
    const head = Atomics.load(this.i32, this.w(R_IN_HEAD));
    const tail = Atomics.load(this.i32, this.w(R_IN_TAIL));
    const n = Math.min(16, (head - tail) | 0);
    // r5 = bytes 0-7, r6 = bytes 8-15, packed big-endian, zero-filled (as 32-bit halves).
    let hi5 = 0;
    let lo5 = 0;
    let hi6 = 0;
    let lo6 = 0;
    for (let k = 0; k < n; k++) {
      const v = this.u8[this.base + R_IN + ((tail + k) & (IN_SIZE - 1))] << (24 - 8 * (k & 3));
      if (k < 4) hi5 |= v;
      else if (k < 8) lo5 |= v;
      else if (k < 12) hi6 |= v;
      else lo6 |= v;
    }
    Atomics.store(this.i32, this.w(R_IN_TAIL), (tail + n) | 0);
    ret(c, 1, n);
    c.setGPR32(5, lo5 >>> 0, hi5 >>> 0);
    c.setGPR32(6, lo6 >>> 0, hi6 >>> 0);
    return H_SUCCESS;
  }

  /** H_VIO_SIGNAL for this unit: the mode is kept (and saved) but, as on QEMU, input
   *  interrupts do not depend on it. */
  setSignal(mode: number): void {
    this.bql.assertHeld('vty signal');
    Atomics.store(this.i32, this.w(R_SIGNAL), mode);
  }

  /** Host keystrokes. Returns how many bytes fitted (the rest should be retried). */
  pushInput(bytes: Uint8Array): number {
    this.bql.assertHeld('vty input');
    const head = Atomics.load(this.i32, this.w(R_IN_HEAD));
    const tail = Atomics.load(this.i32, this.w(R_IN_TAIL));
    const n = Math.min(bytes.length, IN_SIZE - ((head - tail) | 0));
    for (let k = 0; k < n; k++) this.u8[this.base + R_IN + ((head + k) & (IN_SIZE - 1))] = bytes[k];
    Atomics.store(this.i32, this.w(R_IN_HEAD), (head + n) | 0);
    // Edge interrupt when input arrives into an empty buffer (as QEMU's vty: Linux's hvc
    // driver relies on it and never enables it through H_VIO_SIGNAL).
    if (n > 0 && head === tail) this.irq.pulse();
    return n;
  }

  /** Bytes waiting to be read by the guest. */
  inputPending(): number {
    return (Atomics.load(this.i32, this.w(R_IN_HEAD)) - Atomics.load(this.i32, this.w(R_IN_TAIL))) | 0;
  }

  /** Take the guest's output so far (I/O thread). Needs no lock: single consumer. */
  drainOutput(): Uint8Array {
    const head = Atomics.load(this.i32, this.w(R_OUT_HEAD));
    const tail = Atomics.load(this.i32, this.w(R_OUT_TAIL));
    const n = (head - tail) | 0;
    const out = new Uint8Array(n);
    for (let k = 0; k < n; k++) out[k] = this.u8[this.base + R_OUT + ((tail + k) & (OUT_SIZE - 1))];
    Atomics.store(this.i32, this.w(R_OUT_TAIL), head);
    return out;
  }

  reset(): void {
    this.bql.assertHeld('vty reset');
    for (const off of [R_OUT_HEAD, R_OUT_TAIL, R_IN_HEAD, R_IN_TAIL, R_SIGNAL]) Atomics.store(this.i32, this.w(off), 0);
  }

  save(): VtyState {
    const head = Atomics.load(this.i32, this.w(R_IN_HEAD));
    const tail = Atomics.load(this.i32, this.w(R_IN_TAIL));
    const pendingInput: number[] = [];
    for (let k = tail; k !== head; k = (k + 1) | 0) pendingInput.push(this.u8[this.base + R_IN + (k & (IN_SIZE - 1))]);
    return { pendingInput, signal: Atomics.load(this.i32, this.w(R_SIGNAL)) };
  }

  load(s: VtyState): void {
    this.reset();
    const head = Atomics.load(this.i32, this.w(R_IN_HEAD));
    s.pendingInput.forEach((b, k) => (this.u8[this.base + R_IN + ((head + k) & (IN_SIZE - 1))] = b));
    Atomics.store(this.i32, this.w(R_IN_HEAD), (head + s.pendingInput.length) | 0);
    Atomics.store(this.i32, this.w(R_SIGNAL), s.signal);
  }
}
