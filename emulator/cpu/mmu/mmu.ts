// Address translation for one vCPU (Power ISA 3.0B Book III 6.7, radix tree translation)
// as a pseries guest sees it: MSR[HV]=0, LPCR[HR]=1, and the partition-scoped step done
// by our virtual hypervisor as the identity, so the process-scoped walk yields the guest
// real address, which is our guest physical address.
//
// The CPU's load/store fast paths hit its software TLB (cpu.ts); on a miss they call
// translate(), which walks the tree, checks the access, updates R/C and returns the real
// address. Callers cache the 4K piece for that access kind only, so a read entry exists
// only once R is set, a write entry only once C is set and the store is allowed, and an
// exec entry only once execution is allowed. Pages larger than 4K are cached per 4K piece.
//
// What invalidates cached translations (all callers must keep to it):
// - tlbie/tlbiel (insn/mmu-ops.ts) -> invalidate(); tlbie also calls `broadcast`.
// - mtspr PIDR / AMR / IAMR / LPCR -> sprWritten(n) (PIDR: process entries; AMR/IAMR:
//   the privileged-state fills of non-privileged pages, which depend on AMR key 0).
// - a new process table -> setProcessTable() (machine-wide) plus a flush on every vCPU.
import type { Cpu } from '../cpu.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import * as L from '../layout.js';
import { FAULT } from '../fault.js';
import {
  deliver,
  raiseDSI,
  raiseDSeg,
  VEC_ISI,
  VEC_ISEG,
  DSISR_NOPTE,
  DSISR_PROTFAULT,
  DSISR_STORE,
  DSISR_R_BADCONFIG,
} from '../exceptions.js';

export type Access = 0 | 1 | 2;
export const ACCESS_READ: Access = 0;
export const ACCESS_WRITE: Access = 1;
export const ACCESS_EXEC: Access = 2;

/** DSISR/SRR1 bit 45: R or C needed setting (POWER9 raises this instead of updating). */
export const DSISR_SET_RC = 1 << (63 - 45);
/** SRR1 bit 35 on ISI: no-execute page, or guarded (non-idempotent I/O) storage. */
export const SRR1_NOEXEC_GUARD = 1 << (63 - 35);

/** PATE dword 1 bit 0: the partition uses radix translation ("guest radix"). */
const PATE1_GR_HI = 0x80000000;

// Radix PDE/PTE, as (high word = ISA bits 0:31, low word = bits 32:63) of the
// big-endian doubleword.
const PTE_V_HI = 0x80000000; // bit 0 valid
const PTE_L_HI = 0x40000000; // bit 1 leaf
const PTE_RPN_HI = 0x01ffffff; // RPN bits 7:51
const PTE_RPN_LO = 0xfffff000;
const PTE_R_LO = 0x100; // bit 55 reference
const PTE_C_LO = 0x80; // bit 56 change
const PTE_ATT_LO = 0x30; // bits 58:59
const ATT_NI_IO = 0x20; // non-idempotent I/O: never executable (treated as guarded)
const EAA_PRIV = 0x8; // bit 60: privileged page
const EAA_READ = 0x4;
const EAA_RW = 0x2;
const EAA_EXEC = 0x1;
const NLB_HI = 0x0fffffff; // PDE NLB / PRTBE RPDB bits 4:55
const NLB_LO = 0xffffff00;

// Permission bits, indexed by 1 << access.
const PROT_R = 1;
const PROT_W = 2;
const PROT_X = 4;

/** Any value that is not 4K-aligned never matches a TLB tag (cpu.ts invalidates with 1). */
const INVALID_TAG = 1;
const PAGE_SIZE = 4096;
const TWO32 = 4294967296;

/** How many privileged-state fills of non-privileged pages are remembered for AMR flushes. */
const AMR_LOG_SIZE = 64;

/** Invalidation scopes (tlbie and the broadcast hook). */
export const INVAL_PAGES = 0; // `pages` 4K pieces from EA (lo, hi)
export const INVAL_PROCESS = 1; // every translation of quadrant 0 (a PID other than 0)
export const INVAL_ALL = 2;
export type InvalScope = 0 | 1 | 2;

/**
 * Machine-level hook for a broadcast tlbie: the invalidation has been applied on `origin`
 * already; the machine makes every other vCPU call mmu.invalidate(scope, lo, hi, pages)
 * before it next translates, and before origin's tlbsync/ptesync completes.
 */
export interface TlbBroadcast {
  tlbie(origin: Cpu, scope: InvalScope, lo: number, hi: number, pages: number): void;
}

/** Install (or with null remove) the partition's process table: PATE dword 1 (GR | PRTB | PRTS).
 *  Machine-wide; every vCPU's TLB must be flushed afterwards (Mmu.setProcessTable does its own). */
export function setProcessTable(mem: GuestMemory, pate1: bigint | null): void {
  const v = pate1 ?? 0n;
  Atomics.store(mem.u32, L.M_PATB >> 2, Number(v & 0xffffffffn));
  Atomics.store(mem.u32, (L.M_PATB >> 2) + 1, Number((v >> 32n) & 0xffffffffn));
}

/** The registered process table entry (0n when none). */
export function processTable(mem: GuestMemory): bigint {
  return (BigInt(mem.u32[(L.M_PATB >> 2) + 1]) << 32n) | BigInt(mem.u32[L.M_PATB >> 2]);
}

export class Mmu {
  /** False while the last translation must not be cached in the TLB. */
  cacheable = true;
  /**
   * Reference/change bits: true updates them in the PTE (QEMU 7.2, the project's reference);
   * false raises DSI/ISI with DSISR_SET_RC instead, as POWER9 hardware and QEMU >= 8.2 do.
   */
  setsRC = true;
  /** Set by the machine for SMP: where a tlbie reaches the other vCPUs. */
  broadcast: TlbBroadcast | null = null;

  private readonly u32: Uint32Array;
  private readonly dv: DataView;
  private readonly b64: BigInt64Array;
  private readonly ramSize: number;
  private readonly tlbMask: number;
  private readonly msrW: number;
  private readonly pidW: number;
  private readonly amrW: number;
  private readonly iamrW: number;
  // Last entry read by readEntry() (high and low word of the big-endian doubleword).
  private eHi = 0;
  private eLo = 0;
  // EA pages (lo, hi pairs) whose TLB entries depend on AMR/IAMR.
  private readonly amrLog = new Int32Array(2 * AMR_LOG_SIZE);
  private amrCount = 0;
  private amrOverflow = false;

  constructor(private readonly c: Cpu) {
    this.u32 = c.u32;
    this.dv = c.dv;
    this.b64 = new BigInt64Array(c.mem.buffer, 0, c.mem.buffer.byteLength >>> 3);
    this.ramSize = c.ramSize;
    this.tlbMask = c.tlbTag.length / 12 - 1; // 3 access kinds x 4 contexts
    this.msrW = c.wi(L.MSR);
    this.pidW = c.wi(L.SPR + 8 * L.SPR_PIDR);
    this.amrW = c.wi(L.SPR + 8 * L.SPR_AMR);
    this.iamrW = c.wi(L.SPR + 8 * L.SPR_IAMR);
  }

  /**
   * Guest real address for EA (lo, hi) and an access kind. On a fault, delivers the
   * storage interrupt (DSI/ISI/segment) and throws FAULT. Instruction fetch translations
   * are cached here (the data ones by the caller).
   */
  translate(lo: number, hi: number, access: Access): number {
    const c = this.c;
    const ctx = access === ACCESS_READ ? c.rIdx : access === ACCESS_WRITE ? c.wIdx : c.xIdx;
    const i = ctx + ((lo >>> 12) & this.tlbMask);
    if (c.tlbTag[i] === (lo & -4096) && c.tlbTagHi[i] === (hi | 0)) {
      return c.tlbHost[i] - L.RAM_OFFSET + (lo & 0xfff);
    }
    const msrLo = this.u32[this.msrW];
    const relocate = (msrLo & (access === ACCESS_EXEC ? L.MSR_IR : L.MSR_DR)) !== 0;
    const pa = relocate ? this.radix(lo, hi, access, msrLo) : realModeAddress(lo, hi);
    if (access === ACCESS_EXEC && pa < this.ramSize && this.cacheable) {
      c.tlbTag[i] = lo & -4096;
      c.tlbTagHi[i] = hi | 0;
      c.tlbHost[i] = L.RAM_OFFSET + pa - (lo & 0xfff);
    }
    return pa;
  }

  /** Instruction fetch from a real address with no RAM behind it. */
  fetchOutsideRam(lo: number, hi: number, _pa: number): void {
    // SRR0 is the address that could not be fetched (cia is still the previous insn).
    deliver(this.c, VEC_ISI, lo, hi, DSISR_NOPTE);
  }

  // ---------------------------------------------------------------- process table

  /** H_REGISTER_PROC_TBL on this vCPU: install the table machine-wide and flush here. */
  setProcessTable(pate1: bigint | null): void {
    setProcessTable(this.c.mem, pate1);
    this.flushAll();
  }

  // ---------------------------------------------------------------- invalidation

  /** Apply a TLB invalidation on this vCPU (tlbie/tlbiel, or a broadcast from another). */
  invalidate(scope: InvalScope, lo: number, hi: number, pages: number): void {
    if (scope === INVAL_PAGES && pages < this.tlbMask + 1) {
      for (let k = 0; k < pages; k++) this.c.tlbFlushPage((lo + k * PAGE_SIZE) >>> 0, hi);
    } else if (scope === INVAL_PROCESS) {
      this.flushProcess();
    } else {
      this.flushAll();
    }
  }

  /** Call after a write to an SPR that translation depends on (mtspr, or the machine). */
  sprWritten(spr: number): void {
    switch (spr) {
      case L.SPR_PIDR:
        this.flushProcess();
        break;
      case L.SPR_AMR:
      case L.SPR_AMR_U:
      case L.SPR_IAMR:
        this.flushAmrDependent();
        break;
      case L.SPR_LPCR:
      case L.SPR_LPIDR:
        this.flushAll();
        break;
      default:
        break;
    }
  }

  flushAll(): void {
    this.c.tlbFlushAll();
    this.amrCount = 0;
    this.amrOverflow = false;
  }

  /** Drop quadrant 0 (EA bits 0:1 = 0) translations: the ones that depend on PIDR. */
  private flushProcess(): void {
    const tag = this.c.tlbTag;
    const tagHi = this.c.tlbTagHi;
    for (let i = 0; i < tag.length; i++) {
      if ((tagHi[i] & 0xc0000000) === 0) tag[i] = INVALID_TAG;
    }
    this.c.invalidateFetch();
  }

  private flushAmrDependent(): void {
    if (this.amrOverflow) {
      this.flushAll();
      return;
    }
    const log = this.amrLog;
    for (let k = 0; k < this.amrCount; k++) this.c.tlbFlushPage(log[2 * k], log[2 * k + 1]);
    this.amrCount = 0;
  }

  private noteAmrFill(lo: number, hi: number): void {
    const n = this.amrCount;
    const page = lo & -4096;
    const log = this.amrLog;
    if (n > 0 && log[2 * n - 2] === page && log[2 * n - 1] === (hi | 0)) return;
    if (n === AMR_LOG_SIZE) {
      this.amrOverflow = true;
      return;
    }
    log[2 * n] = page;
    log[2 * n + 1] = hi;
    this.amrCount = n + 1;
  }

  // ---------------------------------------------------------------- the walk

  /** Process-scoped radix translation of EA for `access`; raises the interrupt on a fault. */
  private radix(lo: number, hi: number, access: Access, msrLo: number): number {
    // EA bits 2:11 lie beyond the 52-bit tree (POWER9 only supports RTS = 52); quadrants
    // 1 and 2 are not available to a guest.
    const q = hi >>> 30;
    if ((hi & 0x3ff00000) !== 0 || q === 1 || q === 2) this.segmentFault(lo, hi, access);
    const u32 = this.u32;
    const pw = L.M_PATB >> 2;
    for (;;) {
      const pateLo = u32[pw];
      const pateHi = u32[pw + 1];
      // No radix process table registered: nothing translates.
      if ((pateHi & PATE1_GR_HI) === 0) this.storageFault(lo, hi, access, DSISR_NOPTE);
      // Table addresses at or above 4 GiB are never RAM (wasm32): such reads give 0.
      const sizeBits = (pateLo & 0x1f) + 12; // PRTS: the table holds 2^sizeBits bytes
      const prtbHi = pateHi & 0x0fffffff;
      const prtbLo = pateLo & 0xfffff000;
      const misaligned =
        sizeBits >= 32 ? prtbLo !== 0 || (prtbHi & ((1 << (sizeBits - 32)) - 1)) !== 0 : (prtbLo & ((1 << sizeBits) - 1)) !== 0;
      if (misaligned) this.storageFault(lo, hi, access, DSISR_R_BADCONFIG);
      // Quadrant 3 is the OS (PID 0); quadrant 0 the process in PIDR.
      const pid = q === 0 ? u32[this.pidW] >>> 0 : 0;
      if (sizeBits <= 35 && pid >>> (sizeBits - 4) !== 0) this.storageFault(lo, hi, access, DSISR_NOPTE);
      this.readEntry(prtbHi, (prtbLo >>> 0) + pid * 16);
      // Process table entry dword 0: RTS1 (bits 1:2), RPDB (4:55), RTS2 (56:58), RPDS (59:63).
      let psize = ((((this.eHi >>> 29) & 3) << 3) | ((this.eLo >>> 5) & 7)) + 31;
      let nls = this.eLo & 0x1f;
      let baseHi = this.eHi & NLB_HI;
      let baseLo = this.eLo & NLB_LO;
      const eaHi = hi & 0xfffff; // EA bits 12:31 (bits 0:11 are not part of the tree index)
      let level = 0;
      let addr: number;
      for (;;) {
        if (!validLevel(level, psize, nls)) this.storageFault(lo, hi, access, DSISR_R_BADCONFIG);
        level++;
        const shift = psize - nls;
        const idx = (shift >= 32 ? eaHi >>> (shift - 32) : (lo >>> shift) | (eaHi << (32 - shift))) & ((1 << nls) - 1);
        // A table is aligned to its size; ignore low base bits as QEMU does.
        addr = ((baseLo & -(8 << nls)) >>> 0) + idx * 8;
        this.readEntry(baseHi, addr);
        if ((this.eHi & PTE_V_HI) === 0) this.storageFault(lo, hi, access, DSISR_NOPTE);
        psize -= nls;
        if ((this.eHi & PTE_L_HI) !== 0) break;
        nls = this.eLo & 0x1f;
        baseHi = this.eHi & NLB_HI;
        baseLo = this.eLo & NLB_LO;
      }
      const pteHi = this.eHi;
      const pteLo = this.eLo;

      // Access authority.
      if (access === ACCESS_EXEC && (pteLo & PTE_ATT_LO) === ATT_NI_IO) {
        this.storageFault(lo, hi, access, SRR1_NOEXEC_GUARD);
      }
      let prot =
        ((pteLo & (EAA_READ | EAA_RW)) !== 0 ? PROT_R : 0) |
        ((pteLo & EAA_RW) !== 0 ? PROT_W : 0) |
        ((pteLo & EAA_EXEC) !== 0 ? PROT_X : 0);
      const pr = (msrLo & L.MSR_PR) !== 0;
      let amrDependent = false;
      if ((pteLo & EAA_PRIV) !== 0) {
        if (pr) prot = 0;
      } else if (!pr) {
        // Privileged access to a non-privileged page: AMR/IAMR key 0 may deny it.
        prot &= this.amrProt();
        amrDependent = true;
      }
      if ((prot & (1 << access)) === 0) {
        this.storageFault(lo, hi, access, access === ACCESS_EXEC ? SRR1_NOEXEC_GUARD : DSISR_PROTFAULT);
      }

      // Reference and change bits.
      const rc = ((pteLo & PTE_R_LO) === 0 ? PTE_R_LO : 0) | (access === ACCESS_WRITE && (pteLo & PTE_C_LO) === 0 ? PTE_C_LO : 0);
      if (rc !== 0) {
        if (!this.setsRC) this.storageFault(lo, hi, access, DSISR_SET_RC);
        if (!this.updateRC(addr, pteHi, pteLo, rc)) continue; // the PTE changed meanwhile: walk again
      }
      if (amrDependent) this.noteAmrFill(lo, hi);

      // Real address: RPN above the page size, EA bits below it.
      const rpnHi = pteHi & PTE_RPN_HI;
      const rpnLo = pteLo & PTE_RPN_LO;
      if (psize < 32) {
        const m = (1 << psize) - 1;
        return rpnHi * TWO32 + (((rpnLo & ~m) | (lo & m)) >>> 0);
      }
      const mh = (1 << (psize - 32)) - 1; // only a leaf in the root directory gets here
      return ((rpnHi & ~mh) | (eaHi & mh)) * TWO32 + (lo >>> 0);
    }
  }

  /** Permissions AMR/IAMR key 0 leave to privileged accesses of non-privileged pages. */
  private amrProt(): number {
    const amr = this.u32[this.amrW + 1] >>> 30; // AMR bits 0:1
    const iamr = this.u32[this.iamrW + 1] >>> 30; // IAMR bits 0:1
    return ((amr & 2) === 0 ? PROT_W : 0) | ((amr & 1) === 0 ? PROT_R : 0) | ((iamr & 1) === 0 ? PROT_X : 0);
  }

  /** Read the big-endian doubleword at real address (addrHi * 2^32 + addrLo), 8-aligned,
   *  into eHi/eLo; outside RAM reads as 0 (an invalid entry). */
  private readEntry(addrHi: number, addrLo: number): void {
    if (addrHi !== 0 || addrLo + 8 > this.ramSize) {
      this.eHi = 0;
      this.eLo = 0;
      return;
    }
    this.eHi = this.dv.getUint32(L.RAM_OFFSET + addrLo, false);
    this.eLo = this.dv.getUint32(L.RAM_OFFSET + addrLo + 4, false);
  }

  /** Atomically OR R/C into the PTE at `addr` if it still holds (pteHi, pteLo). */
  private updateRC(addr: number, pteHi: number, pteLo: number, bits: number): boolean {
    // Host little-endian view of the big-endian doubleword: low half = bytes 0:3.
    const rawLo = BigInt(bswap32(pteHi));
    const expected = BigInt.asIntN(64, (BigInt(bswap32(pteLo)) << 32n) | rawLo);
    const replacement = BigInt.asIntN(64, (BigInt(bswap32(pteLo | bits)) << 32n) | rawLo);
    return Atomics.compareExchange(this.b64, (L.RAM_OFFSET + addr) / 8, expected, replacement) === expected;
  }

  private segmentFault(lo: number, hi: number, access: Access): never {
    if (access === ACCESS_EXEC) {
      // SRR0 is the address that could not be fetched.
      deliver(this.c, VEC_ISEG, lo, hi, 0);
      throw FAULT;
    }
    raiseDSeg(this.c, lo, hi);
  }

  private storageFault(lo: number, hi: number, access: Access, cause: number): never {
    if (access === ACCESS_EXEC) {
      deliver(this.c, VEC_ISI, lo, hi, cause);
      throw FAULT;
    }
    raiseDSI(this.c, lo, hi, access === ACCESS_WRITE ? cause | DSISR_STORE : cause);
  }
}

/** Tree shapes POWER9 supports (User's Manual 4.10.4.1): 52-bit trees, 13-bit root,
 *  9-bit middle levels, 9 or 5 bits at the last level. */
function validLevel(level: number, psize: number, nls: number): boolean {
  switch (level) {
    case 0:
      return psize === 52 && nls === 13;
    case 1:
    case 2:
      return nls === 9;
    case 3:
      return nls === 9 || nls === 5;
    default:
      return false;
  }
}

function bswap32(v: number): number {
  return ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24)) >>> 0;
}

/** Real mode (MSR[IR/DR]=0) in a guest partition: EA bits 0:3 are ignored. */
export function realModeAddress(lo: number, hi: number): number {
  return (hi & 0x0fffffff) * 0x100000000 + (lo >>> 0);
}
