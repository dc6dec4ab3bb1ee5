// Processor and partition hypercalls of the pseries machine: mode setting (H_SET_MODE),
// the radix process table (H_REGISTER_PROC_TBL), idle and yield (H_CEDE, H_PROD,
// H_CONFER, H_JOIN), the VPA, and small utilities. All run with the BQL held.
import { webcrypto } from 'node:crypto';
import type { Cpu } from '../../cpu/cpu.js';
import * as L from '../../cpu/layout.js';
import { decPending } from '../../cpu/exceptions.js';
import { processTable } from '../../cpu/mmu/mmu.js';
import type { BQL } from '../../host/bql.js';
import { setIrqPending, wakeVcpu } from '../../host/vcpu-state.js';
import {
  type HcallTable,
  arg,
  argBig,
  ret,
  H_SUCCESS,
  H_HARDWARE,
  H_CONTINUE,
  H_PARAMETER,
  H_P2,
  H_P3,
  H_P4,
  H_UNSUPPORTED_FLAG,
  H_BAD_MODE,
  H_RESOURCE,
  H_SET_MODE,
  H_REGISTER_PROC_TBL,
  H_CEDE,
  H_PROD,
  H_CONFER,
  H_JOIN,
  H_RANDOM,
  H_PAGE_INIT,
  H_SET_SPRG0,
  H_SET_DABR,
  H_SET_XDABR,
  H_REGISTER_VPA,
  H_GET_CPU_CHARACTERISTICS,
  H_LOGICAL_CI_LOAD,
  H_LOGICAL_CI_STORE,
  H_SIGNAL_SYS_RESET,
} from './hcall.js';

/** What the processor hypercalls need from the machine. */
export interface CpuHcallHost {
  readonly bql: BQL;
  readonly cpus: readonly Cpu[];
  readonly ramBytes: number;
  /** Radix was negotiated at CAS (H_REGISTER_PROC_TBL with the radix flag needs it). */
  radixNegotiated(): boolean;
  /** Install (or, with null, remove) the partition's process table: PATE dword 1 value. */
  setProcessTable(pate1: bigint | null): void;
  /** Guest real address access outside RAM, for H_LOGICAL_CI_LOAD/STORE (big-endian value). */
  ciLoad(pa: number, size: 1 | 2 | 4 | 8): bigint;
  ciStore(pa: number, size: 1 | 2 | 4 | 8, value: bigint): void;
}

// H_SET_MODE resources
const RESOURCE_SET_CIABR = 1;
const RESOURCE_SET_DAWR0 = 2;
const RESOURCE_ADDR_TRANS_MODE = 3;
const RESOURCE_LE = 4;

// H_REGISTER_PROC_TBL flags
const PROC_TBL_GTSE = 0x01;
const PROC_TBL_HASH = 0x02;
const PROC_TBL_RADIX = 0x04;
const PROC_TBL_REGISTER = 0x08;
const PROC_TBL_MODIFY = 0x10;
const PROC_TBL_FLAGS = 0x1f;
/** PATE1 "guest radix" bit (ISA partition table entry dword 1 bit 0). */
const PATE1_GR = 1n << 63n;

// H_PAGE_INIT flags
const H_ICACHE_INVALIDATE = 1n << (63n - 40n);
const H_ICACHE_SYNCHRONIZE = 1n << (63n - 41n);
const H_ZERO_PAGE = 1n << (63n - 48n);
const H_COPY_PAGE = 1n << (63n - 49n);

// H_REGISTER_VPA sub-functions (flags bits 16:18)
const VPA_FUNC_SHIFT = 63n - 18n;
const VPA_REGISTER = 1n;
const VPA_REGISTER_DTL = 2n;
const VPA_REGISTER_SLBSHADOW = 3n;
const VPA_DEREGISTER = 5n;
const VPA_DEREGISTER_DTL = 6n;
const VPA_DEREGISTER_SLBSHADOW = 7n;
const VPA_MIN_SIZE = 640;
/** The VPA must be cache-line aligned (128 bytes on POWER9). */
const VPA_ALIGN = 128;
/** lppaca byte 9 ("__old_status"), bit 0x02: the partition runs on shared processors. */
const VPA_SHARED_PROC_OFFSET = 9;
const VPA_SHARED_PROC_VAL = 0x02;

// H_GET_CPU_CHARACTERISTICS. QEMU 7.2 (TCG, default caps) answers 0xbc40.../0xe400...:
// flushes by the `ori 30,30,0` / `ori 31,31,0` forms, which are plain no-ops here and so
// cost nothing, and no flush on kernel entry. We answer the same without the two forms we
// do not implement: the L1D flush by SPR 882 (TRIG2) and the count-cache flush assist (a
// special bcctr). Reporting neither flush type would make Linux fall back to a flush that
// loads a 64 KiB area on every kernel exit.
const CHAR_SPEC_BAR_ORI31 = 1n << (63n - 0n);
const CHAR_L1D_FLUSH_ORI30 = 1n << (63n - 2n);
const CHAR_L1D_THREAD_PRIV = 1n << (63n - 4n);
const CHAR_HON_BRANCH_HINTS = 1n << (63n - 5n);
const BEHAV_FAVOUR_SECURITY = 1n << 63n;
const BEHAV_L1D_FLUSH_PR = 1n << (63n - 1n);
const BEHAV_BNDS_CHK_SPEC_BAR = 1n << (63n - 2n);
const BEHAV_NO_L1D_FLUSH_ENTRY = 1n << (63n - 5n);
const CPU_CHARACTERISTICS = CHAR_SPEC_BAR_ORI31 | CHAR_L1D_FLUSH_ORI30 | CHAR_L1D_THREAD_PRIV | CHAR_HON_BRANCH_HINTS;
const CPU_BEHAVIOUR = BEHAV_FAVOUR_SECURITY | BEHAV_L1D_FLUSH_PR | BEHAV_BNDS_CHK_SPEC_BAR | BEHAV_NO_L1D_FLUSH_ENTRY;

/** Per-vCPU PAPR registrations (VPA, DTL, SLB shadow), kept in the vCPU's shared block. */
function vpaField(c: Cpu, off: number): number {
  return c.f64[(c.base + off) >> 3];
}

function setVpaField(c: Cpu, off: number, v: number): void {
  c.f64[(c.base + off) >> 3] = v;
}

/** Forget every registration (machine reset). */
export function clearPaprRegistrations(c: Cpu): void {
  for (const off of [L.VPA_ADDR, L.DTL_ADDR, L.DTL_SIZE, L.SLB_SHADOW_ADDR, L.SLB_SHADOW_SIZE]) setVpaField(c, off, 0);
}

function lpcrWord(c: Cpu): number {
  return c.wi(L.SPR + 8 * L.SPR_LPCR);
}

function cpuByServer(h: CpuHcallHost, id: number): Cpu | undefined {
  return h.cpus.find((c) => c.index === id);
}

export function registerCpuHcalls(t: HcallTable, h: CpuHcallHost): void {
  const ram = h.ramBytes;
  const mem = h.cpus[0].mem;
  const inRam = (a: number, len: number): boolean => a >= 0 && a + len <= ram;

  t.register(H_SET_MODE, 'H_SET_MODE', (c) => {
    h.bql.assertHeld('H_SET_MODE');
    const mflags = arg(c, 1);
    const resource = arg(c, 2);
    const v1 = argBig(c, 3);
    const v2 = argBig(c, 4);
    switch (resource) {
      case RESOURCE_LE: {
        if (v1 !== 0n) return H_P3;
        if (v2 !== 0n) return H_P4;
        if (mflags !== 0 && mflags !== 1) return H_UNSUPPORTED_FLAG;
        for (const cpu of h.cpus) {
          const w = lpcrWord(cpu);
          cpu.u32[w] = mflags === 1 ? cpu.u32[w] | L.LPCR_ILE : cpu.u32[w] & ~L.LPCR_ILE;
        }
        return H_SUCCESS;
      }
      case RESOURCE_ADDR_TRANS_MODE: {
        if (v1 !== 0n) return H_P3;
        if (v2 !== 0n) return H_P4;
        // POWER9 offers AIL 0 and 3 to a guest; 1 is reserved, 2 not supported.
        if (mflags !== 0 && mflags !== 3) return H_UNSUPPORTED_FLAG;
        for (const cpu of h.cpus) {
          const w = lpcrWord(cpu);
          cpu.u32[w] = (cpu.u32[w] & ~(3 << L.LPCR_AIL_SHIFT)) | (mflags << L.LPCR_AIL_SHIFT);
        }
        return H_SUCCESS;
      }
      case RESOURCE_SET_CIABR:
      case RESOURCE_SET_DAWR0:
        // Breakpoint registers are not emulated; tell the guest it has none (as PAPR allows).
        return H_P2;
      default:
        return H_P2;
    }
  });

  t.register(H_REGISTER_PROC_TBL, 'H_REGISTER_PROC_TBL', (c) => {
    h.bql.assertHeld('H_REGISTER_PROC_TBL');
    // Reserved bits are checked on all 64 bits (JS bit operators would see only 32).
    if ((argBig(c, 1) & ~BigInt(PROC_TBL_FLAGS)) !== 0n) return H_PARAMETER;
    const flags = arg(c, 1);
    const table = argBig(c, 2);
    const pageSize = argBig(c, 3);
    const tableSize = argBig(c, 4);
    const radix = (flags & PROC_TBL_RADIX) !== 0;
    if ((flags & PROC_TBL_MODIFY) === 0) {
      // Keep the current registration (as QEMU): its type must be the one the flags name.
      if (radix !== ((processTable(mem) & PATE1_GR) !== 0n)) return H_PARAMETER;
    } else if ((flags & PROC_TBL_REGISTER) === 0) {
      h.setProcessTable(null);
    } else {
      // Radix tables only: this machine has no hash MMU.
      if ((flags & PROC_TBL_HASH) !== 0 || !radix) return H_PARAMETER;
      if (!h.radixNegotiated()) return H_PARAMETER;
      if ((table & 0xfffn) !== 0n || table >> 60n !== 0n) return H_P2;
      if (pageSize !== 0n) return H_P3;
      if (tableSize > 24n) return H_P4;
      h.setProcessTable(PATE1_GR | table | tableSize);
    }
    // LPCR follows the flags on every vCPU: UPRT and HR for radix, GTSE on request.
    const set = (radix ? L.LPCR_UPRT | L.LPCR_HR : 0) | ((flags & PROC_TBL_GTSE) !== 0 ? L.LPCR_GTSE : 0);
    for (const cpu of h.cpus) {
      const w = lpcrWord(cpu);
      cpu.u32[w] = (cpu.u32[w] & ~(L.LPCR_UPRT | L.LPCR_HR | L.LPCR_GTSE)) | set;
      cpu.tlbFlushAll();
    }
    return H_SUCCESS;
  });

  t.register(H_CEDE, 'H_CEDE', (c) => {
    h.bql.assertHeld('H_CEDE');
    const m = c.wi(L.MSR);
    c.setMSR(c.u32[m] | L.MSR_EE, c.u32[m + 1]);
    if (Atomics.exchange(c.i32, c.wi(L.PROD), 0) !== 0) return H_SUCCESS;
    const pending = Atomics.load(c.i32, c.wi(L.IRQ_PENDING));
    if (pending !== 0 || decPending(c)) return H_SUCCESS;
    Atomics.store(c.i32, c.wi(L.RUN_STATE), L.RUN_CEDED);
    c.endSlice();
    return H_SUCCESS;
  });

  t.register(H_PROD, 'H_PROD', (c) => {
    h.bql.assertHeld('H_PROD');
    const target = cpuByServer(h, arg(c, 1));
    if (target === undefined) return H_PARAMETER;
    Atomics.store(target.i32, target.wi(L.PROD), 1);
    if (wakeVcpu(mem, target.index)) Atomics.store(target.i32, target.wi(L.PROD), 0);
    return H_SUCCESS;
  });

  t.register(H_CONFER, 'H_CONFER', (c) => {
    h.bql.assertHeld('H_CONFER');
    const target = c.gpr(4);
    if (target !== 0xffffffffffffffffn && cpuByServer(h, Number(target & 0xffffffffn)) === undefined) {
      return H_PARAMETER;
    }
    // Give the host thread away for now: the scheduler runs the others before us.
    c.endSlice();
    return H_SUCCESS;
  });

  t.register(H_JOIN, 'H_JOIN', (c) => {
    h.bql.assertHeld('H_JOIN');
    if ((c.u32[c.wi(L.MSR)] & L.MSR_EE) !== 0) return H_BAD_MODE;
    // The last vCPU not joined (parked with EE off, or stopped) must not join: nobody
    // would be left to prod it (QEMU answers H_CONTINUE).
    const othersJoined = h.cpus.every((o) => {
      if (o === c) return true;
      const st = Atomics.load(o.i32, o.wi(L.RUN_STATE));
      return st === L.RUN_STOPPED || (st === L.RUN_CEDED && (o.u32[o.wi(L.MSR)] & L.MSR_EE) === 0);
    });
    if (othersJoined) return H_CONTINUE;
    if (Atomics.exchange(c.i32, c.wi(L.PROD), 0) !== 0) return H_SUCCESS;
    Atomics.store(c.i32, c.wi(L.RUN_STATE), L.RUN_CEDED);
    c.endSlice();
    return H_SUCCESS;
  });

  t.register(H_RANDOM, 'H_RANDOM', (c) => {
    h.bql.assertHeld('H_RANDOM');
    const r = new BigUint64Array(1);
    webcrypto.getRandomValues(r);
    ret(c, 1, r[0]);
    return H_SUCCESS;
  });

  t.register(H_PAGE_INIT, 'H_PAGE_INIT', (c) => {
    h.bql.assertHeld('H_PAGE_INIT');
    const flags = argBig(c, 1);
    const dst = arg(c, 2);
    const src = arg(c, 3);
    const page = 4096;
    if ((flags & ~(H_ICACHE_INVALIDATE | H_ICACHE_SYNCHRONIZE | H_ZERO_PAGE | H_COPY_PAGE)) !== 0n) return H_PARAMETER;
    if (dst % page !== 0 || !inRam(dst, page)) return H_PARAMETER;
    if ((flags & H_COPY_PAGE) !== 0n) {
      if (src % page !== 0 || !inRam(src, page)) return H_PARAMETER;
      mem.u8.copyWithin(L.RAM_OFFSET + dst, L.RAM_OFFSET + src, L.RAM_OFFSET + src + page);
    } else if ((flags & H_ZERO_PAGE) !== 0n) {
      mem.u8.fill(0, L.RAM_OFFSET + dst, L.RAM_OFFSET + dst + page);
    }
    if ((flags & (H_ICACHE_INVALIDATE | H_ICACHE_SYNCHRONIZE)) !== 0n) {
      for (const cpu of h.cpus) cpu.invalidateFetch();
    }
    return H_SUCCESS;
  });

  t.register(H_SET_SPRG0, 'H_SET_SPRG0', (c) => {
    h.bql.assertHeld('H_SET_SPRG0');
    c.setSPR(L.SPR_SPRG0, argBig(c, 1));
    return H_SUCCESS;
  });

  // POWER9 has no DABR/DABRX (ISA 3.0 watchpoints are DAWR): QEMU answers H_HARDWARE
  // for both calls on such a CPU, and Linux never uses them there.
  t.register(H_SET_DABR, 'H_SET_DABR', () => {
    h.bql.assertHeld('H_SET_DABR');
    return H_HARDWARE;
  });

  t.register(H_SET_XDABR, 'H_SET_XDABR', () => {
    h.bql.assertHeld('H_SET_XDABR');
    return H_HARDWARE;
  });

  t.register(H_REGISTER_VPA, 'H_REGISTER_VPA', (c) => {
    h.bql.assertHeld('H_REGISTER_VPA');
    const flags = argBig(c, 1);
    const target = cpuByServer(h, arg(c, 2));
    const addr = arg(c, 3);
    if (target === undefined) return H_PARAMETER;
    const be16 = (a: number): number => mem.dv.getUint16(L.RAM_OFFSET + a, false);
    const be32 = (a: number): number => mem.dv.getUint32(L.RAM_OFFSET + a, false);
    // The sub-function is the whole flags value (QEMU compares it exactly).
    if ((flags & ~(7n << VPA_FUNC_SHIFT)) !== 0n) return H_PARAMETER;
    switch (flags >> VPA_FUNC_SHIFT) {
      case VPA_REGISTER: {
        if (addr === 0) return H_HARDWARE; // PAPR: no VPA at logical 0
        if (addr % VPA_ALIGN !== 0 || !inRam(addr, VPA_MIN_SIZE)) return H_PARAMETER;
        const size = be16(addr + 4);
        if (size < VPA_MIN_SIZE) return H_PARAMETER;
        if (Math.floor(addr / 4096) !== Math.floor((addr + size - 1) / 4096)) return H_PARAMETER;
        setVpaField(target, L.VPA_ADDR, addr);
        mem.u8[L.RAM_OFFSET + addr + VPA_SHARED_PROC_OFFSET] |= VPA_SHARED_PROC_VAL;
        return H_SUCCESS;
      }
      case VPA_DEREGISTER:
        if (vpaField(target, L.SLB_SHADOW_ADDR) !== 0 || vpaField(target, L.DTL_ADDR) !== 0) return H_RESOURCE;
        setVpaField(target, L.VPA_ADDR, 0);
        return H_SUCCESS;
      case VPA_REGISTER_DTL: {
        if (addr === 0) return H_HARDWARE;
        if (!inRam(addr, 8)) return H_PARAMETER;
        const size = be32(addr + 4);
        if (size < 48 || !inRam(addr, size)) return H_PARAMETER;
        if (vpaField(target, L.VPA_ADDR) === 0) return H_RESOURCE;
        setVpaField(target, L.DTL_ADDR, addr);
        setVpaField(target, L.DTL_SIZE, size);
        return H_SUCCESS;
      }
      case VPA_DEREGISTER_DTL:
        setVpaField(target, L.DTL_ADDR, 0);
        setVpaField(target, L.DTL_SIZE, 0);
        return H_SUCCESS;
      case VPA_REGISTER_SLBSHADOW: {
        if (addr === 0) return H_HARDWARE;
        if (!inRam(addr, 8)) return H_PARAMETER;
        const size = be32(addr + 4);
        if (size < 8 || !inRam(addr, size)) return H_PARAMETER;
        if (Math.floor(addr / 4096) !== Math.floor((addr + size - 1) / 4096)) return H_PARAMETER;
        if (vpaField(target, L.VPA_ADDR) === 0) return H_RESOURCE;
        setVpaField(target, L.SLB_SHADOW_ADDR, addr);
        setVpaField(target, L.SLB_SHADOW_SIZE, size);
        return H_SUCCESS;
      }
      case VPA_DEREGISTER_SLBSHADOW:
        setVpaField(target, L.SLB_SHADOW_ADDR, 0);
        setVpaField(target, L.SLB_SHADOW_SIZE, 0);
        return H_SUCCESS;
      default:
        return H_PARAMETER;
    }
  });

  t.register(H_GET_CPU_CHARACTERISTICS, 'H_GET_CPU_CHARACTERISTICS', (c) => {
    h.bql.assertHeld('H_GET_CPU_CHARACTERISTICS');
    ret(c, 1, CPU_CHARACTERISTICS);
    ret(c, 2, CPU_BEHAVIOUR);
    return H_SUCCESS;
  });

  const ciSize = (s: number): 1 | 2 | 4 | 8 | 0 => (s === 1 || s === 2 || s === 4 || s === 8 ? s : 0);
  t.register(H_LOGICAL_CI_LOAD, 'H_LOGICAL_CI_LOAD', (c) => {
    h.bql.assertHeld('H_LOGICAL_CI_LOAD');
    const size = ciSize(arg(c, 1));
    const addr = arg(c, 2);
    if (size === 0) return H_PARAMETER;
    if (addr % size !== 0) return H_PARAMETER;
    if (inRam(addr, size)) {
      let v = 0n;
      for (let k = 0; k < size; k++) v = (v << 8n) | BigInt(mem.u8[L.RAM_OFFSET + addr + k]);
      ret(c, 1, v);
      return H_SUCCESS;
    }
    ret(c, 1, h.ciLoad(addr, size));
    return H_SUCCESS;
  });

  t.register(H_LOGICAL_CI_STORE, 'H_LOGICAL_CI_STORE', (c) => {
    h.bql.assertHeld('H_LOGICAL_CI_STORE');
    const size = ciSize(arg(c, 1));
    const addr = arg(c, 2);
    const value = argBig(c, 3);
    if (size === 0) return H_PARAMETER;
    if (addr % size !== 0) return H_PARAMETER;
    if (inRam(addr, size)) {
      for (let k = 0; k < size; k++) {
        mem.u8[L.RAM_OFFSET + addr + k] = Number((value >> BigInt(8 * (size - 1 - k))) & 0xffn);
      }
      return H_SUCCESS;
    }
    h.ciStore(addr, size, value);
    return H_SUCCESS;
  });

  t.register(H_SIGNAL_SYS_RESET, 'H_SIGNAL_SYS_RESET', (c) => {
    h.bql.assertHeld('H_SIGNAL_SYS_RESET');
    const target = argBig(c, 1);
    const all = target === 0xffffffffffffffffn; // -1: every vCPU
    const allButSelf = target === 0xfffffffffffffffen; // -2
    if (!all && !allButSelf) {
      const t = target < 0x80000000n ? cpuByServer(h, Number(target)) : undefined;
      if (t === undefined) return H_PARAMETER;
      setIrqPending(mem, t.index, L.IRQ_RESET, true);
      if (t === c) c.endSlice();
      return H_SUCCESS;
    }
    for (const cpu of h.cpus) {
      if (allButSelf && cpu === c) continue;
      setIrqPending(mem, cpu.index, L.IRQ_RESET, true);
    }
    c.endSlice();
    return H_SUCCESS;
  });

}
