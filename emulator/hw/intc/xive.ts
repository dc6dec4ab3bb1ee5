// XIVE, the POWER9 interrupt controller, in sPAPR exploitation mode (LoPAPR "XIVE
// Exploitation", QEMU's spapr_xive.c for the behaviour a Linux guest expects):
//
// - Sources (LISNs) each have an Event State Buffer (ESB): two PQ bits driven by
//   triggers and by special loads/stores on the source's ESB pages (trigger page +
//   management page, 64 KiB each) or by H_INT_ESB.
// - An Event Assignment (EAS) per source routes it to an END (target vCPU, priority)
//   with the guest's EISN; the END is an event queue in guest memory of 32-bit entries
//   whose top bit is the generation bit, flipped each time the queue wraps.
// - Each vCPU has a thread interrupt management area (TIMA): its OS ring (QW1) holds
//   NSR, CPPR, IPB (pending priorities) and PIPR; the "ACK" special load accepts the
//   most favoured pending priority. The presentation line is the vCPU's IRQ_EXTERNAL.
//
// All state is in shared memory: hypercalls run on the calling vCPU's thread, ESB and
// TIMA MMIO on the I/O thread, both under the BQL. LISNs 0..MAX_VCPUS-1 are the IPIs
// (ibm,xive-lisn-ranges), 0x1000.. the devices (the same numbers as under XICS).
import type { Cpu } from '../../cpu/cpu.js';
import * as L from '../../cpu/layout.js';
import { MAX_VCPUS } from '../../cpu/layout.js';
import type { BQL } from '../../host/bql.js';
import { setIrqPending } from '../../host/vcpu-state.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { SharedRegions } from '../../memory/shared-regions.js';
import type { MmioRegion } from '../../memory/phys-bus.js';
import type { IrqLine } from '../irq.js';
import {
  type HcallTable,
  arg,
  argLo,
  ret,
  H_SUCCESS,
  H_FUNCTION,
  H_PARAMETER,
  H_P2,
  H_P3,
  H_P4,
  H_P5,
  H_INT_GET_SOURCE_INFO,
  H_INT_SET_SOURCE_CONFIG,
  H_INT_GET_SOURCE_CONFIG,
  H_INT_GET_QUEUE_INFO,
  H_INT_SET_QUEUE_CONFIG,
  H_INT_GET_QUEUE_CONFIG,
  H_INT_SET_OS_REPORTING_LINE,
  H_INT_GET_OS_REPORTING_LINE,
  H_INT_ESB,
  H_INT_SYNC,
  H_INT_RESET,
} from '../../machine/spapr/hcall.js';
import { RateLimitedLog } from '../../util/ratelimit.js';

/** Where the ESB pages of all sources start (QEMU's SPAPR_XIVE_VC_BASE). */
export const XIVE_VC_BASE = 0x0006010000000000;
/** The TIMA: four 64 KiB pages (HW, HV, OS, user) (QEMU's SPAPR_XIVE_TM_BASE). */
export const XIVE_TM_BASE = 0x0006030203180000;
export const XIVE_TM_SHIFT = 16;
export const XIVE_TM_OS_PAGE = 2;
export const XIVE_TM_USER_PAGE = 3;
/** Number of LISNs (QEMU: SPAPR_XIRQ_BASE + SPAPR_NR_XIRQS). */
export const XIVE_NR_IRQS = 0x2000;
/** First device LISN (IPIs are below). */
export const XIVE_DEVICE_BASE = 0x1000;
/** Each source: a trigger page then a management page of 64 KiB. */
export const XIVE_ESB_SHIFT = 17;
const ESB_PAGE = 1 << (XIVE_ESB_SHIFT - 1);
/** END ESB pages would follow the source ESBs (never mapped, as in QEMU for sPAPR). */
const XIVE_END_BASE = XIVE_VC_BASE + XIVE_NR_IRQS * 2 ** XIVE_ESB_SHIFT;
/** Highest priority the guest may use: 7 is reserved (ibm,plat-res-int-priorities). */
export const XIVE_MAX_GUEST_PRIO = 6;

// PQ states of an ESB
export const PQ_RESET = 0;
export const PQ_OFF = 1;
export const PQ_PENDING = 2;
export const PQ_QUEUED = 3;

// ESB special offsets (within a 4 KiB window, repeated over the management page)
export const ESB_LOAD_EOI = 0x000;
export const ESB_STORE_EOI = 0x400;
export const ESB_GET = 0x800;
export const ESB_SET_PQ_00 = 0xc00;
export const ESB_SET_PQ_01 = 0xd00;
export const ESB_SET_PQ_10 = 0xe00;
export const ESB_SET_PQ_11 = 0xf00;

// TIMA: per-ring 16-byte quad words; byte offsets inside one
export const TM_QW0_USER = 0x00;
export const TM_QW1_OS = 0x10;
export const TM_NSR = 0;
export const TM_CPPR = 1;
export const TM_IPB = 2;
export const TM_LSMFB = 3;
export const TM_ACK_CNT = 4;
export const TM_AGE = 6;
export const TM_PIPR = 7;
export const TM_WORD2 = 8;
/** NSR: an OS exception is pending. */
export const TM_QW1_NSR_EO = 0x80;
/** Special loads/stores live in the upper half of each TIMA page. */
export const TM_SPC_ACK_OS_REG = 0x810;
export const TM_SPC_SET_OS_PENDING = 0x812;

// H_INT_GET_SOURCE_INFO flags (PPC bit numbering: bit 63 is 1)
const SRC_H_INT_ESB = 2 ** (63 - 60);
const SRC_LSI = 2 ** (63 - 61);
// H_INT_SET_SOURCE_CONFIG flags
const SRC_SET_EISN = 2;
const SRC_MASK = 1;
// H_INT_SET_QUEUE_CONFIG / GET_QUEUE_CONFIG flags
const END_ALWAYS_NOTIFY = 1;
const END_DEBUG = 1;
// H_INT_ESB flags
const ESB_STORE = 1;

// Source record (u32 words), one per LISN slot
const S_FLAGS = 0;
const S_PQ = 1;
const S_END = 2; // END index: target * 8 + priority
const S_DATA = 3; // EISN (31 bits)
const S_WORDS = 4;
const SF_VALID = 1; // claimed (an EAS exists)
const SF_MASKED = 2; // EAS masked
const SF_LSI = 4;
const SF_ASSERTED = 8;
// END record (u32 words), one per (vCPU, priority)
const E_FLAGS = 0;
const E_QADDR = 2; // f64 (words 2-3, 8-byte aligned)
const E_QSHIFT = 4; // log2 of the queue size in bytes
const E_QINDEX = 5;
const E_QGEN = 6;
const E_WORDS = 8;
const EF_VALID = 1;
const EF_ENQUEUE = 2;
const EF_UCOND = 4;
/** Bytes of register state per vCPU in the TIMA (QW0..QW3). */
const TIMA_BYTES = 64;
const NR_SLOTS = MAX_VCPUS + (XIVE_NR_IRQS - XIVE_DEVICE_BASE);
const NR_ENDS = MAX_VCPUS * 8;

export interface XiveState {
  active: number;
  sources: number[][];
  ends: number[][];
  tima: number[][];
}

/** IPB bit of a priority (0 most favoured). */
function prioToIpb(prio: number): number {
  return prio > 7 ? 0 : 0x80 >>> prio;
}

/** Most favoured pending priority in an IPB, 0xff if none. */
function ipbToPipr(ipb: number): number {
  return ipb === 0 ? 0xff : Math.clz32(ipb << 24);
}

export class Xive {
  private readonly u32: Uint32Array;
  private readonly u8: Uint8Array;
  private readonly hdr: number; // word index of the header (ACTIVE)
  private readonly srcBase: number; // word index
  private readonly endBase: number; // word index (8-byte aligned)
  private readonly timaBase: number; // byte offset
  private readonly claimed: number[] = [];
  private readonly guestLog = new RateLimitedLog(20, 1000);
  /** Host log for guest errors (rate-limited here). */
  log: (line: string) => void = () => {};
  /** The guest trigger/management ESB pages, and the TIMA (map both on the machine's bus). */
  readonly esbRegion: MmioRegion;
  readonly timaRegion: MmioRegion;

  constructor(
    private readonly mem: GuestMemory,
    regions: SharedRegions,
    private readonly bql: BQL,
    /** Number of vCPU targets (0..nservers-1). */
    readonly nservers: number,
  ) {
    this.u32 = mem.u32;
    this.u8 = mem.u8;
    this.hdr = regions.alloc('xive-hdr', 64) >> 2;
    this.srcBase = regions.alloc('xive-sources', NR_SLOTS * S_WORDS * 4) >> 2;
    this.endBase = regions.alloc('xive-ends', NR_ENDS * E_WORDS * 4) >> 2;
    this.timaBase = regions.alloc('xive-tima', MAX_VCPUS * TIMA_BYTES);
    // The IPIs: one per vCPU, owned by the controller itself.
    for (let i = 0; i < nservers; i++) this.claim(i, false);
    this.esbRegion = {
      name: 'xive-esb',
      base: XIVE_VC_BASE,
      size: XIVE_NR_IRQS * 2 ** XIVE_ESB_SHIFT,
      read: (off, size) => this.esbRead(off, size),
      write: (off, size) => this.esbWrite(off, size),
    };
    this.timaRegion = {
      name: 'xive-tima',
      base: XIVE_TM_BASE,
      size: 4 << XIVE_TM_SHIFT,
      read: (off, size, vcpu) => this.timaRead(vcpu ?? 0, off, size),
      write: (off, size, value, vcpu) => this.timaWrite(vcpu ?? 0, off, size, value),
    };
  }

  // ------------------------------------------------------------ plumbing
  /** Storage slot of a LISN, -1 if the LISN is outside the controller. */
  private slot(lisn: number): number {
    if (lisn < MAX_VCPUS) return lisn;
    if (lisn >= XIVE_DEVICE_BASE && lisn < XIVE_NR_IRQS) return MAX_VCPUS + lisn - XIVE_DEVICE_BASE;
    return -1;
  }

  private src(slot: number): number {
    return this.srcBase + slot * S_WORDS;
  }

  private end(idx: number): number {
    return this.endBase + idx * E_WORDS;
  }

  /** Guest real address of the queue of the END at word `e`. */
  private qaddr(e: number): number {
    return this.mem.dv.getFloat64((e + E_QADDR) * 4, true);
  }

  private tima(vcpu: number): number {
    return this.timaBase + vcpu * TIMA_BYTES;
  }

  /** Word index of the source record of a claimed LISN, -1 if none. */
  private validSrc(lisn: number): number {
    const sl = Number.isInteger(lisn) ? this.slot(lisn) : -1;
    if (sl < 0) return -1;
    const s = this.src(sl);
    return (this.u32[s + S_FLAGS] & SF_VALID) !== 0 ? s : -1;
  }

  private guestError(msg: () => string): void {
    this.guestLog.log({ log: (m: string) => this.log(m) }, msg);
  }

  /** True once the guest negotiated XIVE exploitation (or the machine has XIVE only). */
  get active(): boolean {
    return Atomics.load(this.u32, this.hdr) === 1;
  }

  /** Make XIVE (true) or XICS (false) the machine's interrupt backend. */
  setActive(on: boolean): void {
    this.bql.assertHeld('XIVE activation');
    const was = Atomics.exchange(this.u32, this.hdr, on ? 1 : 0) === 1;
    // Lines XIVE raised go down with it (XICS's own stay as they are).
    if (was && !on) for (let v = 0; v < this.nservers; v++) setIrqPending(this.mem, v, L.IRQ_EXTERNAL, false);
  }

  /** Reserve a device source: LSI (level) or MSI (edge). Same wiring on every thread. */
  claim(lisn: number, lsi: boolean): IrqLine {
    const sl = this.slot(lisn);
    if (sl < 0) throw new Error(`XIVE source 0x${lisn.toString(16)} out of range`);
    if (this.claimed.includes(lisn)) throw new Error(`XIVE source 0x${lisn.toString(16)} claimed twice`);
    const s = this.src(sl);
    const wiring = SF_VALID | (lsi ? SF_LSI : 0);
    const prev = this.u32[s + S_FLAGS] & (SF_VALID | SF_LSI);
    if (prev !== 0 && prev !== wiring) throw new Error(`XIVE source 0x${lisn.toString(16)} wired differently by another thread`);
    if (prev === 0) {
      this.u32[s + S_FLAGS] = wiring | SF_MASKED;
      this.u32[s + S_PQ] = PQ_OFF;
    }
    this.claimed.push(lisn);
    return {
      set: (level) => this.setIrq(lisn, level),
      pulse: () => {
        this.setIrq(lisn, true);
        if (lsi) this.setIrq(lisn, false);
      },
    };
  }

  // ------------------------------------------------------------ sources (ESB)
  /** A source changes level (LSI) or fires (MSI when level is true). */
  setIrq(lisn: number, level: boolean): void {
    this.bql.assertHeld('XIVE source');
    const s = this.validSrc(lisn);
    if (s < 0) return;
    const u = this.u32;
    if ((u[s + S_FLAGS] & SF_LSI) !== 0) {
      if (!level) {
        u[s + S_FLAGS] &= ~SF_ASSERTED;
        return;
      }
      u[s + S_FLAGS] |= SF_ASSERTED;
      // An LSI only moves to pending from the reset state; it never sets Q.
      if (u[s + S_PQ] === PQ_RESET) {
        u[s + S_PQ] = PQ_PENDING;
        this.route(s);
      }
      return;
    }
    if (level && this.trigger(s)) this.route(s);
  }

  /** ESB trigger: 00 -> 10 (forward the event), 10 -> 11, 01/11 stay. */
  private trigger(s: number): boolean {
    const pq = this.u32[s + S_PQ];
    if (pq === PQ_RESET) {
      this.u32[s + S_PQ] = PQ_PENDING;
      return true;
    }
    if (pq === PQ_PENDING) this.u32[s + S_PQ] = PQ_QUEUED;
    return false;
  }

  /** ESB EOI: 10 -> 00, 11 -> 10 (forward again), 00/01 stay; an asserted LSI re-fires. */
  private eoi(s: number): boolean {
    const u = this.u32;
    const pq = u[s + S_PQ];
    let notify = false;
    if (pq === PQ_PENDING || pq === PQ_RESET) u[s + S_PQ] = PQ_RESET;
    else if (pq === PQ_QUEUED) {
      u[s + S_PQ] = PQ_PENDING;
      notify = true;
    }
    if ((u[s + S_FLAGS] & (SF_LSI | SF_ASSERTED)) === (SF_LSI | SF_ASSERTED) && u[s + S_PQ] === PQ_RESET) {
      u[s + S_PQ] = PQ_PENDING;
      notify = true;
    }
    return notify;
  }

  /** Set PQ, returning the old value; an asserted LSI opened to 00 fires again. */
  private setPq(s: number, pq: number): number {
    const u = this.u32;
    const old = u[s + S_PQ];
    u[s + S_PQ] = pq & 3;
    if (pq === PQ_RESET && (u[s + S_FLAGS] & (SF_LSI | SF_ASSERTED)) === (SF_LSI | SF_ASSERTED)) {
      u[s + S_PQ] = PQ_PENDING;
      this.route(s);
    }
    return old;
  }

  /**
   * An ESB load at `op` (offset in the 4 KiB window) on the management page of the
   * source at `s`: the PQ value the operation returns.
   */
  private esbLoad(s: number, op: number): number {
    if (op < ESB_GET) {
      // EOI load: answers 1 when the EOI forwarded a new event.
      if (!this.eoi(s)) return 0;
      this.route(s);
      return 1;
    }
    if (op >= ESB_GET && op < ESB_SET_PQ_00) return this.u32[s + S_PQ];
    if (op >= ESB_SET_PQ_00) return this.setPq(s, (op >> 8) & 3);
    this.guestError(() => `XIVE: invalid ESB load at offset 0x${op.toString(16)}`);
    return -1;
  }

  /** An ESB store on the management page (`trigger` for the trigger page). */
  private esbStore(s: number, op: number, triggerPage: boolean): void {
    if (triggerPage || op < ESB_STORE_EOI) {
      if (this.trigger(s)) this.route(s);
      return;
    }
    if (op >= ESB_SET_PQ_00) {
      this.setPq(s, (op >> 8) & 3);
      return;
    }
    // Store EOI is not offered (H_INT_GET_SOURCE_INFO), so it is a guest error as in QEMU.
    this.guestError(() => `XIVE: invalid ESB store at offset 0x${op.toString(16)}`);
  }

  // The ESB pages hold big-endian 64-bit registers: the operation at an 8-byte slot
  // happens on the access that includes the slot's last byte (its value's low byte), so
  // a 64-bit access split into two 32-bit ones by the CPU acts once, and byte or word
  // accesses ending there act alike. Bytes before it read as 0.
  private esbRead(off: number, size: number): number {
    this.bql.assertHeld('XIVE ESB');
    const lisn = Math.floor(off / 2 ** XIVE_ESB_SHIFT);
    const s = this.validSrc(lisn);
    const inSlot = off & 7;
    const ones = size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    if (!this.mmioEnabled()) return ones;
    if (s < 0) {
      this.guestError(() => `XIVE: ESB load for unknown LISN 0x${lisn.toString(16)}`);
      return ones;
    }
    if ((off & ESB_PAGE) === 0) {
      this.guestError(() => `XIVE: load from the trigger page of LISN 0x${lisn.toString(16)}`);
      return ones;
    }
    if (inSlot + size < 8) return 0;
    const v = this.esbLoad(s, off & 0xff8);
    if (v < 0) return ones;
    return (v << (8 * (7 - inSlot))) >>> 0;
  }

  private esbWrite(off: number, size: number): void {
    this.bql.assertHeld('XIVE ESB');
    const lisn = Math.floor(off / 2 ** XIVE_ESB_SHIFT);
    const s = this.validSrc(lisn);
    if (!this.mmioEnabled()) return;
    if (s < 0) {
      this.guestError(() => `XIVE: ESB store for unknown LISN 0x${lisn.toString(16)}`);
      return;
    }
    if ((off & 7) + size < 8) return;
    this.esbStore(s, off & 0xff8, (off & ESB_PAGE) === 0);
  }

  /** ESB and TIMA pages answer only while XIVE is the machine's controller (as QEMU). */
  private mmioEnabled(): boolean {
    if (this.active) return true;
    this.guestError(() => 'XIVE: ESB/TIMA access while XICS is the interrupt controller');
    return false;
  }

  // ------------------------------------------------------------ routing
  /** Forward an event of the source at `s` through its EAS to its END and vCPU. */
  private route(s: number): void {
    const u = this.u32;
    const flags = u[s + S_FLAGS];
    if ((flags & SF_MASKED) !== 0) return; // dropped; the PQ bits keep its state
    const endIdx = u[s + S_END];
    const e = this.end(endIdx);
    if ((u[e + E_FLAGS] & (EF_VALID | EF_ENQUEUE)) !== (EF_VALID | EF_ENQUEUE)) {
      this.guestError(() => `XIVE: event for END ${endIdx} which has no queue`);
      return;
    }
    // Queue entry: generation bit, then the EISN (big-endian in guest memory).
    const qaddr = this.qaddr(e);
    const qshift = u[e + E_QSHIFT];
    const idx = u[e + E_QINDEX];
    const gen = u[e + E_QGEN];
    this.mem.dv.setUint32(L.RAM_OFFSET + qaddr + idx * 4, ((gen << 31) | (u[s + S_DATA] & 0x7fffffff)) >>> 0, false);
    const next = (idx + 1) & ((1 << (qshift - 2)) - 1);
    u[e + E_QINDEX] = next;
    if (next === 0) u[e + E_QGEN] = gen ^ 1;
    this.present(endIdx >>> 3, endIdx & 7);
  }

  /** Priority `prio` becomes pending on vCPU `vcpu`'s OS ring. */
  private present(vcpu: number, prio: number): void {
    if (vcpu >= this.nservers) return;
    const t = this.tima(vcpu) + TM_QW1_OS;
    const r = this.u8;
    r[t + TM_IPB] |= prioToIpb(prio);
    r[t + TM_PIPR] = ipbToPipr(r[t + TM_IPB]);
    this.notify(vcpu);
  }

  /** Raise the OS exception when the pending priority beats the CPPR. */
  private notify(vcpu: number): void {
    const t = this.tima(vcpu) + TM_QW1_OS;
    const r = this.u8;
    if (r[t + TM_PIPR] < r[t + TM_CPPR]) {
      r[t + TM_NSR] |= TM_QW1_NSR_EO;
      if (this.active) setIrqPending(this.mem, vcpu, L.IRQ_EXTERNAL, true);
    }
  }

  // ------------------------------------------------------------ TIMA
  /** ACK: accept the pending priority; returns NSR << 8 | new CPPR. */
  ackOs(vcpu: number): number {
    const t = this.tima(vcpu) + TM_QW1_OS;
    const r = this.u8;
    const nsr = r[t + TM_NSR];
    setIrqPending(this.mem, vcpu, L.IRQ_EXTERNAL, false);
    if ((nsr & TM_QW1_NSR_EO) !== 0) {
      const cppr = r[t + TM_PIPR];
      r[t + TM_CPPR] = cppr;
      r[t + TM_IPB] &= ~prioToIpb(cppr);
      r[t + TM_PIPR] = ipbToPipr(r[t + TM_IPB]);
      r[t + TM_NSR] = nsr & ~TM_QW1_NSR_EO;
    }
    return (nsr << 8) | r[t + TM_CPPR];
  }

  setCppr(vcpu: number, cppr: number): void {
    const t = this.tima(vcpu) + TM_QW1_OS;
    this.u8[t + TM_CPPR] = cppr > 7 ? 0xff : cppr;
    this.notify(vcpu);
  }

  /** A TIMA register byte of vCPU `vcpu` (tests, debugging). */
  timaByte(vcpu: number, offset: number): number {
    return this.u8[this.tima(vcpu) + offset];
  }

  private timaRead(vcpu: number, off: number, size: number): number {
    this.bql.assertHeld('XIVE TIMA');
    const page = off >>> XIVE_TM_SHIFT;
    const reg = off & 0xfff;
    const ones = size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    if (vcpu >= this.nservers || !this.mmioEnabled()) return ones;
    if ((reg & 0x800) !== 0) {
      if (reg === TM_SPC_ACK_OS_REG && size === 2 && page <= XIVE_TM_OS_PAGE) {
        const ack = this.ackOs(vcpu);
        return ((ack >>> 8) | ((ack & 0xff) << 8)) >>> 0; // big-endian bytes NSR, CPPR
      }
      this.guestError(() => `XIVE: invalid TIMA special load at 0x${off.toString(16)} (${size} bytes)`);
      return ones;
    }
    // Plain registers: the OS and user pages see the user and OS rings only.
    const b = this.tima(vcpu) + (reg & 0x3f);
    let v = 0;
    for (let k = 0; k < size; k++) {
      const o = (reg & 0x3f) + k;
      const visible = page < XIVE_TM_OS_PAGE || o < (page === XIVE_TM_OS_PAGE ? 0x20 : 0x10);
      if (o < TIMA_BYTES && visible) v |= this.u8[b + k] << (8 * k);
    }
    return v >>> 0;
  }

  private timaWrite(vcpu: number, off: number, size: number, value: number): void {
    this.bql.assertHeld('XIVE TIMA');
    const page = off >>> XIVE_TM_SHIFT;
    const reg = off & 0xfff;
    if (vcpu >= this.nservers || !this.mmioEnabled()) return;
    if ((reg & 0x800) !== 0) {
      if (reg === TM_SPC_SET_OS_PENDING && size === 1 && page <= XIVE_TM_OS_PAGE) {
        this.present(vcpu, value & 0xff);
        return;
      }
      this.guestError(() => `XIVE: invalid TIMA special store at 0x${off.toString(16)} (${size} bytes)`);
      return;
    }
    // The OS may only change its CPPR (a byte store, as Linux does).
    if (reg === TM_QW1_OS + TM_CPPR && size === 1 && page <= XIVE_TM_OS_PAGE) {
      this.setCppr(vcpu, value & 0xff);
      return;
    }
    this.guestError(() => `XIVE: ignored TIMA store at 0x${off.toString(16)} (${size} bytes)`);
  }

  // ------------------------------------------------------------ hypercalls
  /** Flags argument: true when bits outside `allowed` are set. */
  private badFlags(c: Cpu, allowed: number): boolean {
    const lo = argLo(c, 1);
    return c.vhi !== 0 || (lo & ~allowed) !== 0;
  }

  /** END index of (target, priority), -1 for a target that is not a vCPU. */
  private endOf(target: number, prio: number): number {
    return target < this.nservers ? target * 8 + prio : -1;
  }

  registerHcalls(t: HcallTable): void {
    t.register(H_INT_GET_SOURCE_INFO, 'H_INT_GET_SOURCE_INFO', (c) => {
      this.bql.assertHeld('H_INT_GET_SOURCE_INFO');
      if (!this.active) return H_FUNCTION;
      if (this.badFlags(c, 0)) return H_PARAMETER;
      const lisn = arg(c, 2);
      const s = this.validSrc(lisn);
      if (s < 0) return H_P2;
      // Two pages (trigger, management), no store EOI. As QEMU, LSIs are managed with
      // H_INT_ESB (their pages still work): no page addresses then.
      const lsi = (this.u32[s + S_FLAGS] & SF_LSI) !== 0;
      ret(c, 1, lsi ? SRC_LSI + SRC_H_INT_ESB : 0);
      const page = XIVE_VC_BASE + lisn * 2 ** XIVE_ESB_SHIFT;
      ret(c, 2, lsi ? 0xffffffffffffffffn : page + ESB_PAGE);
      ret(c, 3, lsi ? 0xffffffffffffffffn : page);
      ret(c, 4, XIVE_ESB_SHIFT - 1);
      return H_SUCCESS;
    });
    t.register(H_INT_SET_SOURCE_CONFIG, 'H_INT_SET_SOURCE_CONFIG', (c) => {
      this.bql.assertHeld('H_INT_SET_SOURCE_CONFIG');
      if (!this.active) return H_FUNCTION;
      if (this.badFlags(c, SRC_SET_EISN | SRC_MASK)) return H_PARAMETER;
      const flags = argLo(c, 1);
      const s = this.validSrc(arg(c, 2));
      if (s < 0) return H_P2;
      const target = arg(c, 3);
      const prio = arg(c, 4);
      const u = this.u32;
      const wiring = u[s + S_FLAGS] & (SF_VALID | SF_LSI | SF_ASSERTED);
      if (prio === 0xff) {
        // Reset the EAS: masked, no END, no EISN.
        u[s + S_FLAGS] = wiring | SF_MASKED;
        u[s + S_END] = 0;
        u[s + S_DATA] = 0;
        return H_SUCCESS;
      }
      if (prio > XIVE_MAX_GUEST_PRIO) return H_P4;
      const endIdx = this.endOf(target, prio);
      if (endIdx < 0) return H_P3;
      u[s + S_FLAGS] = wiring | ((flags & SRC_MASK) !== 0 ? SF_MASKED : 0);
      u[s + S_END] = endIdx;
      if ((flags & SRC_SET_EISN) !== 0) u[s + S_DATA] = argLo(c, 5) & 0x7fffffff;
      return H_SUCCESS;
    });
    t.register(H_INT_GET_SOURCE_CONFIG, 'H_INT_GET_SOURCE_CONFIG', (c) => {
      this.bql.assertHeld('H_INT_GET_SOURCE_CONFIG');
      if (!this.active) return H_FUNCTION;
      if (this.badFlags(c, 0)) return H_PARAMETER;
      const s = this.validSrc(arg(c, 2));
      if (s < 0) return H_P2;
      const u = this.u32;
      const endIdx = u[s + S_END];
      ret(c, 1, endIdx >>> 3);
      ret(c, 2, (u[s + S_FLAGS] & SF_MASKED) !== 0 ? 0xff : endIdx & 7);
      ret(c, 3, u[s + S_DATA]);
      return H_SUCCESS;
    });
    t.register(H_INT_GET_QUEUE_INFO, 'H_INT_GET_QUEUE_INFO', (c) => {
      this.bql.assertHeld('H_INT_GET_QUEUE_INFO');
      if (!this.active) return H_FUNCTION;
      if (this.badFlags(c, 0)) return H_PARAMETER;
      const prio = arg(c, 3);
      if (prio > XIVE_MAX_GUEST_PRIO) return H_P3;
      const endIdx = this.endOf(arg(c, 2), prio);
      if (endIdx < 0) return H_P2;
      const e = this.end(endIdx);
      // The END's notification page (not mapped: the OS does not use it).
      ret(c, 1, XIVE_END_BASE + endIdx * 2 ** (XIVE_ESB_SHIFT + 1));
      ret(c, 2, (this.u32[e + E_FLAGS] & EF_ENQUEUE) !== 0 ? this.u32[e + E_QSHIFT] : 0);
      return H_SUCCESS;
    });
    t.register(H_INT_SET_QUEUE_CONFIG, 'H_INT_SET_QUEUE_CONFIG', (c) => {
      this.bql.assertHeld('H_INT_SET_QUEUE_CONFIG');
      if (!this.active) return H_FUNCTION;
      if (this.badFlags(c, END_ALWAYS_NOTIFY)) return H_PARAMETER;
      const flags = argLo(c, 1);
      const prio = arg(c, 3);
      if (prio > XIVE_MAX_GUEST_PRIO) return H_P3;
      const endIdx = this.endOf(arg(c, 2), prio);
      if (endIdx < 0) return H_P2;
      const qpage = arg(c, 4);
      const qshift = arg(c, 5);
      const e = this.end(endIdx);
      const u = this.u32;
      if (qshift === 0) {
        u.fill(0, e, e + E_WORDS); // no queue: events to it are dropped
        return H_SUCCESS;
      }
      if (qshift !== 12 && qshift !== 16 && qshift !== 21 && qshift !== 24) return H_P5;
      const bytes = 2 ** qshift;
      if (qpage % bytes !== 0 || qpage + bytes > this.mem.ramSize) {
        this.guestError(() => `XIVE: EQ at 0x${qpage.toString(16)} (${bytes} bytes) is misaligned or outside RAM`);
        return H_P4;
      }
      u.fill(0, e, e + E_WORDS);
      this.mem.dv.setFloat64((e + E_QADDR) * 4, qpage, true);
      u[e + E_QSHIFT] = qshift;
      u[e + E_QINDEX] = 0;
      u[e + E_QGEN] = 1; // the generation starts at 1: a zeroed queue holds no valid entry
      u[e + E_FLAGS] = EF_VALID | EF_ENQUEUE | ((flags & END_ALWAYS_NOTIFY) !== 0 ? EF_UCOND : 0);
      return H_SUCCESS;
    });
    t.register(H_INT_GET_QUEUE_CONFIG, 'H_INT_GET_QUEUE_CONFIG', (c) => {
      this.bql.assertHeld('H_INT_GET_QUEUE_CONFIG');
      if (!this.active) return H_FUNCTION;
      if (this.badFlags(c, END_DEBUG)) return H_PARAMETER;
      const flags = argLo(c, 1);
      const prio = arg(c, 3);
      if (prio > XIVE_MAX_GUEST_PRIO) return H_P3;
      const endIdx = this.endOf(arg(c, 2), prio);
      if (endIdx < 0) return H_P2;
      const e = this.end(endIdx);
      const u = this.u32;
      const enq = (u[e + E_FLAGS] & EF_ENQUEUE) !== 0;
      let outFlags = (u[e + E_FLAGS] & EF_UCOND) !== 0 ? END_ALWAYS_NOTIFY : 0;
      if ((flags & END_DEBUG) !== 0 && u[e + E_QGEN] !== 0) outFlags += 2; // generation bit (PPC bit 62)
      ret(c, 1, outFlags);
      ret(c, 2, enq ? this.qaddr(e) : 0);
      ret(c, 3, enq ? u[e + E_QSHIFT] : 0);
      ret(c, 4, (flags & END_DEBUG) !== 0 ? u[e + E_QINDEX] : 0);
      return H_SUCCESS;
    });
    // Reporting lines are optional and QEMU does not offer them either.
    t.register(H_INT_SET_OS_REPORTING_LINE, 'H_INT_SET_OS_REPORTING_LINE', () => H_FUNCTION);
    t.register(H_INT_GET_OS_REPORTING_LINE, 'H_INT_GET_OS_REPORTING_LINE', () => H_FUNCTION);
    t.register(H_INT_ESB, 'H_INT_ESB', (c) => {
      this.bql.assertHeld('H_INT_ESB');
      if (!this.active) return H_FUNCTION;
      if (this.badFlags(c, ESB_STORE)) return H_PARAMETER;
      const store = (argLo(c, 1) & ESB_STORE) !== 0;
      const s = this.validSrc(arg(c, 2));
      if (s < 0) return H_P2;
      const off = arg(c, 3);
      if (off >= ESB_PAGE) return H_P3;
      // A 64-bit access to the management page.
      if (store) {
        this.esbStore(s, off & 0xff8, false);
        ret(c, 1, 0xffffffffffffffffn);
      } else {
        const v = this.esbLoad(s, off & 0xff8);
        ret(c, 1, v < 0 ? 0xffffffffffffffffn : v);
      }
      return H_SUCCESS;
    });
    t.register(H_INT_SYNC, 'H_INT_SYNC', (c) => {
      this.bql.assertHeld('H_INT_SYNC');
      if (!this.active) return H_FUNCTION;
      if (this.badFlags(c, 0)) return H_PARAMETER;
      // Events are queued synchronously here: nothing is ever in flight.
      return this.validSrc(arg(c, 2)) < 0 ? H_P2 : H_SUCCESS;
    });
    t.register(H_INT_RESET, 'H_INT_RESET', (c) => {
      this.bql.assertHeld('H_INT_RESET');
      if (!this.active) return H_FUNCTION;
      if (this.badFlags(c, 0)) return H_PARAMETER;
      this.resetRouting();
      return H_SUCCESS;
    });
  }

  // ------------------------------------------------------------ lifecycle
  /** Sources masked (PQ 01, EAS masked, no EISN), ENDs without queues (H_INT_RESET). */
  private resetRouting(): void {
    const u = this.u32;
    for (let sl = 0; sl < NR_SLOTS; sl++) {
      const s = this.src(sl);
      const wiring = u[s + S_FLAGS] & (SF_VALID | SF_LSI);
      u[s + S_FLAGS] = wiring === 0 ? 0 : wiring | SF_MASKED;
      u[s + S_PQ] = PQ_OFF;
      u[s + S_END] = 0;
      u[s + S_DATA] = 0;
    }
    u.fill(0, this.endBase, this.endBase + NR_ENDS * E_WORDS);
  }

  /** Machine reset: routing, every vCPU's TIMA, presentation lines; XICS is active. */
  reset(): void {
    this.bql.assertHeld('XIVE reset');
    this.resetRouting();
    const r = this.u8;
    for (let v = 0; v < MAX_VCPUS; v++) {
      const t = this.tima(v);
      r.fill(0, t, t + TIMA_BYTES);
      // As the hardware resets a thread context: CPPR 0 (all masked), nothing pending.
      for (const q of [TM_QW1_OS, 0x30]) {
        r[t + q + TM_LSMFB] = 0xff;
        r[t + q + TM_ACK_CNT] = 0xff;
        r[t + q + TM_AGE] = 0xff;
        r[t + q + TM_PIPR] = 0xff;
      }
      // OS CAM line: valid, block 0, NVT 0x400 + vCPU (what QEMU pushes), big-endian.
      this.mem.dv.setUint32(t + TM_QW1_OS + TM_WORD2, (0x80000000 | (0x400 + v)) >>> 0, false);
      if (v < this.nservers) setIrqPending(this.mem, v, L.IRQ_EXTERNAL, false);
    }
    Atomics.store(this.u32, this.hdr, 0);
  }

  save(): XiveState {
    const sources: number[][] = [];
    for (let sl = 0; sl < NR_SLOTS; sl++) {
      const s = this.src(sl);
      if ((this.u32[s + S_FLAGS] & SF_VALID) !== 0) sources.push([sl, ...this.u32.subarray(s, s + S_WORDS)]);
    }
    const ends: number[][] = [];
    for (let i = 0; i < NR_ENDS; i++) ends.push(Array.from(this.u32.subarray(this.end(i), this.end(i) + E_WORDS)));
    const tima: number[][] = [];
    for (let v = 0; v < this.nservers; v++) tima.push(Array.from(this.u8.subarray(this.tima(v), this.tima(v) + TIMA_BYTES)));
    return { active: Atomics.load(this.u32, this.hdr), sources, ends, tima };
  }

  load(st: XiveState): void {
    this.reset();
    for (const [sl, ...words] of st.sources) {
      if (!Number.isInteger(sl) || sl < 0 || sl >= NR_SLOTS) throw new Error(`XIVE snapshot names source slot ${sl} out of range`);
      this.u32.set(words, this.src(sl));
    }
    st.ends.forEach((words, i) => this.u32.set(words, this.end(i)));
    st.tima.forEach((bytes, v) => this.u8.set(bytes, this.tima(v)));
    Atomics.store(this.u32, this.hdr, st.active);
    for (let v = 0; v < this.nservers; v++) {
      const nsr = this.u8[this.tima(v) + TM_QW1_OS + TM_NSR];
      setIrqPending(this.mem, v, L.IRQ_EXTERNAL, st.active === 1 && (nsr & TM_QW1_NSR_EO) !== 0);
    }
  }
}
