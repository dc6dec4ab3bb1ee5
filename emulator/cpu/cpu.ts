// One POWER9-class vCPU: its view of the shared state block, the fetch/dispatch loop,
// and the load/store fast paths through a per-vCPU software TLB.
//
// Conventions for instruction handlers (cpu/insn/*.ts):
// - GPR n is u32[c.w + 2n] (low word) and u32[c.w + 2n + 1] (high word).
// - While a handler runs, c.ciaLo/ciaHi is its own address and c.pcLo/pcHi the next
//   one (CIA + 4); branches overwrite pcLo/pcHi.
// - 32-bit halves are passed as plain numbers; either int32 or uint32 form is accepted.
//   (c.eaHi is int32; a uint32 >= 2^31 is a heap number, boxed anew for every call
//   it is passed to that V8 does not inline, so hot paths prefer the int32 form.)
// - A synchronous interrupt is raised through exceptions.ts, which sets the state up
//   and throws FAULT; the run loop catches it.
import type { GuestMemory } from '../memory/guest-memory.js';
import * as L from './layout.js';
import { FAULT } from './fault.js';
import { DISPATCH, DECODE, HOT, assignHotSlots } from './decode.js';
import { readTB } from './timebase.js';
import { checkAsyncInterrupts, onMsrChanged } from './exceptions.js';
import { Mmu, ACCESS_READ, ACCESS_WRITE, ACCESS_EXEC, type Access } from './mmu/mmu.js';
import './insn/index.js';

// Every instruction family has registered by now (imports run first).
assignHotSlots();

export interface CpuHooks {
  /** `sc 1` from supervisor state: a hypercall. Arguments in r3.., result in r3. */
  hcall(c: Cpu): void;
  /** Access to a guest real address outside RAM. The value is that of `size` bytes in
   *  little-endian order; the CPU swaps for big-endian accesses. */
  mmioRead(pa: number, size: 1 | 2 | 4): number;
  mmioWrite(pa: number, size: 1 | 2 | 4, value: number): void;
  /** Host log line (already rate-limited by the caller where needed). */
  log(msg: string): void;
}

export const defaultHooks: CpuHooks = {
  hcall(c) {
    // No machine attached: every hypercall is unknown (H_FUNCTION = -2).
    c.setGPR32(3, -2, -1);
  },
  mmioRead() {
    return 0xffffffff;
  },
  mmioWrite() {},
  log(msg) {
    process.stderr.write(`ppcbox: ${msg}\n`);
  },
};

const TLB_BITS = 10;
const TLB_SIZE = 1 << TLB_BITS;
const TLB_MASK = TLB_SIZE - 1;
/** Data/instruction translation contexts: (MSR[PR] << 1) | MSR[DR or IR]. */
const MMU_IDX_COUNT = 4;
const SLICE = 1024;
const NO_TAG = 1; // never equal to a page-aligned address

export class Cpu {
  readonly mem: GuestMemory;
  readonly index: number;
  /** Byte offset of this vCPU's state block in the shared memory. */
  readonly base: number;
  /** Word index of the state block: u32[w + k] is the word at byte base + 4k. */
  readonly w: number;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly dv: DataView;
  readonly ramSize: number;
  hooks: CpuHooks;
  readonly mmu: Mmu;

  // Hot copies kept in JS fields while running; written back to the block by syncOut().
  ciaLo = 0;
  ciaHi = 0;
  pcLo = 0;
  pcHi = 0;
  /** Scratch result for 64-bit values returned from helpers (high word). */
  vhi = 0;
  /** High word of the last effective address computed by eaD/eaX (int32 form). */
  eaHi = 0;
  /** Cached MSR bits. */
  le = false;
  pr = false;
  sf = true;
  /** Instructions left in the current slice; set to 0 to make the loop service events now. */
  budget = 0;
  /** Instructions retired since creation (exact after run() returns). */
  retired = 0;
  /** Longest slice between service points (1 while MSR[SE/BE] tracing; exceptions.ts sets it). */
  sliceMax = SLICE;

  // Software TLB: three access kinds x MMU_IDX_COUNT contexts x TLB_SIZE entries.
  readonly tlbTag = new Int32Array(3 * MMU_IDX_COUNT * TLB_SIZE).fill(NO_TAG);
  readonly tlbTagHi = new Int32Array(3 * MMU_IDX_COUNT * TLB_SIZE);
  readonly tlbHost = new Uint32Array(3 * MMU_IDX_COUNT * TLB_SIZE);
  /** Base TLB index of the current read/write/exec context. */
  rIdx = 0;
  wIdx = 0;
  xIdx = 0;
  // Instruction fetch page cache.
  private fTagLo = NO_TAG;
  private fTagHi = 0;
  private fHost = 0;

  constructor(mem: GuestMemory, index: number, hooks: CpuHooks = defaultHooks) {
    if (index < 0 || index >= L.MAX_VCPUS) throw new RangeError(`vCPU index ${index} out of range`);
    this.mem = mem;
    this.index = index;
    this.base = L.vcpuBlockOffset(index);
    this.w = this.base >> 2;
    this.u8 = mem.u8;
    this.u32 = mem.u32;
    this.i32 = mem.i32;
    this.f64 = mem.f64;
    this.dv = mem.dv;
    this.ramSize = mem.ramSize;
    this.hooks = hooks;
    this.mmu = new Mmu(this);
    this.syncIn();
  }

  // ---------------------------------------------------------------- state access

  /** Word index of a byte offset in this vCPU's block. */
  wi(off: number): number {
    return (this.base + off) >> 2;
  }

  gpr(n: number): bigint {
    const i = this.w + 2 * n;
    return (BigInt(this.u32[i + 1]) << 32n) | BigInt(this.u32[i]);
  }

  setGPR(n: number, v: bigint): void {
    const i = this.w + 2 * n;
    this.u32[i] = Number(v & 0xffffffffn);
    this.u32[i + 1] = Number((v >> 32n) & 0xffffffffn);
  }

  setGPR32(n: number, lo: number, hi: number): void {
    const i = this.w + 2 * n;
    this.u32[i] = lo;
    this.u32[i + 1] = hi;
  }

  spr(n: number): bigint {
    const i = this.wi(L.SPR + 8 * n);
    return (BigInt(this.u32[i + 1]) << 32n) | BigInt(this.u32[i]);
  }

  setSPR(n: number, v: bigint): void {
    const i = this.wi(L.SPR + 8 * n);
    this.u32[i] = Number(v & 0xffffffffn);
    this.u32[i + 1] = Number((v >> 32n) & 0xffffffffn);
  }

  get cr(): number {
    return this.u32[this.wi(L.CR)];
  }

  set cr(v: number) {
    this.u32[this.wi(L.CR)] = v;
  }

  get msr(): bigint {
    const i = this.wi(L.MSR);
    return (BigInt(this.u32[i + 1]) << 32n) | BigInt(this.u32[i]);
  }

  /** The one way to change MSR: keeps cached bits, TLB context and fetch cache right. */
  setMSR(lo: number, hi: number): void {
    const i = this.wi(L.MSR);
    const oldLo = this.u32[i];
    const oldHi = this.u32[i + 1];
    this.u32[i] = lo;
    this.u32[i + 1] = hi;
    this.le = (lo & L.MSR_LE) !== 0;
    this.pr = (lo & L.MSR_PR) !== 0;
    this.sf = (hi & L.MSR_HI_SF) !== 0;
    const pr = this.pr ? 2 : 0;
    const d = pr | ((lo & L.MSR_DR) !== 0 ? 1 : 0);
    const x = pr | ((lo & L.MSR_IR) !== 0 ? 1 : 0);
    this.rIdx = (0 * MMU_IDX_COUNT + d) * TLB_SIZE;
    this.wIdx = (1 * MMU_IDX_COUNT + d) * TLB_SIZE;
    this.xIdx = (2 * MMU_IDX_COUNT + x) * TLB_SIZE;
    // EE may have been enabled (look for pending interrupts now); IR/LE may have changed.
    this.dropFetch();
    onMsrChanged(this, oldLo >>> 0, oldHi >>> 0);
  }

  get nia(): bigint {
    return (BigInt(this.pcHi >>> 0) << 32n) | BigInt(this.pcLo >>> 0);
  }

  set nia(v: bigint) {
    this.pcLo = Number(v & 0xffffffffn);
    this.pcHi = Number((v >> 32n) & 0xffffffffn);
    this.dropFetch();
  }

  /** Read the hot fields from the shared block (after another thread changed it). */
  syncIn(): void {
    const i = this.wi(L.NIA);
    this.pcLo = this.u32[i];
    this.pcHi = this.u32[i + 1];
    const m = this.wi(L.MSR);
    this.setMSR(this.u32[m], this.u32[m + 1]);
  }

  /** Write the hot fields back to the shared block. */
  syncOut(): void {
    const i = this.wi(L.NIA);
    this.u32[i] = this.pcLo;
    this.u32[i + 1] = this.pcHi;
    this.f64[(this.base + L.INSN_COUNT) >> 3] = this.retired;
  }

  /** Guest timebase now. */
  tb(): number {
    return readTB(this.mem);
  }

  // ---------------------------------------------------------------- the loop

  /**
   * Execute up to `maxInsns` instructions, returning how many retired (an instruction
   * that raised a synchronous interrupt counts). Returns early when EXIT_REQ is set or
   * the vCPU stops running (H_CEDE, stop-self, power-off).
   */
  run(maxInsns: number): number {
    const start = this.retired;
    const u32 = this.u32;
    const dispatch = DISPATCH;
    const decode = DECODE;
    const hot = HOT;
    this.budget = 0;
    let left: number;
    const exitW = this.wi(L.EXIT_REQ);
    const stateW = this.wi(L.RUN_STATE);
    for (;;) {
      try {
        for (;;) {
          if (this.budget <= 0) {
            // Service point: account the slice, take interrupts, honour exit requests.
            const done = this.retired - start;
            left = maxInsns - done;
            if (left <= 0 || Atomics.load(this.i32, exitW) !== 0 || u32[stateW] !== L.RUN_RUNNING) {
              this.syncOut();
              return done;
            }
            checkAsyncInterrupts(this);
            const b = left < this.sliceMax ? left : this.sliceMax;
            this.budget = b;
            this.retired += b;
          }
          // A straight-line run: from NIA to the end of its page, until a handler moves
          // NIA elsewhere or ends the slice (every change to fetch translation or
          // MSR[LE] ends it too, see dropFetch). The page is checked once per run; the
          // word itself is read afresh each time, so stores to code take effect at once.
          let lo = this.pcLo;
          const hi = this.pcHi;
          // Compare the page tag unmasked: NO_TAG (1) must miss even for page 0.
          if ((lo & -4096) !== this.fTagLo || (hi | 0) !== this.fTagHi) {
            // A fetch that faults (ISI) counts as the instruction it would have been.
            this.budget--;
            this.refillFetch(lo, hi);
            this.budget++;
          }
          let p = (this.fHost + (lo & 0xffc)) >>> 2;
          const le = this.le;
          this.ciaHi = hi;
          for (;;) {
            this.budget--;
            const raw = u32[p];
            // int32 form: a uint32 >= 2^31 would be boxed as a heap number for every call.
            const insn = le === true ? raw | 0 : bswap32(raw) | 0;
            this.ciaLo = lo;
            // NIA in the uint32 form the branch handlers write, so a plain compare works.
            const next = (lo + 4) >>> 0;
            this.pcLo = next;
            if (next === 0) this.pcHi = this.sf ? (hi + 1) >>> 0 : 0;
            const op = insn >>> 26;
            const key = (op << 11) | (insn & decode[op]);
            // One call site per hot handler: monomorphic, so V8 calls or inlines it
            // directly (see HOT in decode.ts). HOT_MAX cases, no more, no fewer.
            // prettier-ignore
            switch (decode[64 + key]) {
              case 0: dispatch[key](this, insn); break;
              case 1: hot[1](this, insn); break;
              case 2: hot[2](this, insn); break;
              case 3: hot[3](this, insn); break;
              case 4: hot[4](this, insn); break;
              case 5: hot[5](this, insn); break;
              case 6: hot[6](this, insn); break;
              case 7: hot[7](this, insn); break;
              case 8: hot[8](this, insn); break;
              case 9: hot[9](this, insn); break;
              case 10: hot[10](this, insn); break;
              case 11: hot[11](this, insn); break;
              case 12: hot[12](this, insn); break;
              case 13: hot[13](this, insn); break;
              case 14: hot[14](this, insn); break;
              case 15: hot[15](this, insn); break;
              case 16: hot[16](this, insn); break;
              case 17: hot[17](this, insn); break;
              case 18: hot[18](this, insn); break;
              case 19: hot[19](this, insn); break;
              case 20: hot[20](this, insn); break;
              case 21: hot[21](this, insn); break;
              case 22: hot[22](this, insn); break;
              case 23: hot[23](this, insn); break;
              case 24: hot[24](this, insn); break;
              case 25: hot[25](this, insn); break;
              case 26: hot[26](this, insn); break;
              case 27: hot[27](this, insn); break;
              case 28: hot[28](this, insn); break;
              case 29: hot[29](this, insn); break;
              case 30: hot[30](this, insn); break;
              case 31: hot[31](this, insn); break;
              case 32: hot[32](this, insn); break;
              case 33: hot[33](this, insn); break;
              case 34: hot[34](this, insn); break;
              case 35: hot[35](this, insn); break;
              case 36: hot[36](this, insn); break;
              case 37: hot[37](this, insn); break;
              case 38: hot[38](this, insn); break;
              case 39: hot[39](this, insn); break;
              case 40: hot[40](this, insn); break;
              case 41: hot[41](this, insn); break;
              case 42: hot[42](this, insn); break;
              case 43: hot[43](this, insn); break;
              case 44: hot[44](this, insn); break;
              case 45: hot[45](this, insn); break;
              case 46: hot[46](this, insn); break;
              case 47: hot[47](this, insn); break;
              case 48: hot[48](this, insn); break;
              case 49: hot[49](this, insn); break;
              case 50: hot[50](this, insn); break;
              case 51: hot[51](this, insn); break;
              case 52: hot[52](this, insn); break;
              case 53: hot[53](this, insn); break;
              case 54: hot[54](this, insn); break;
              case 55: hot[55](this, insn); break;
              case 56: hot[56](this, insn); break;
              case 57: hot[57](this, insn); break;
              case 58: hot[58](this, insn); break;
              case 59: hot[59](this, insn); break;
              case 60: hot[60](this, insn); break;
              default: dispatch[key](this, insn);
            }
            if (this.budget <= 0 || this.pcLo !== next || this.pcHi !== hi || (next & 0xfff) === 0) break;
            lo = next;
            p++;
          }
        }
      } catch (e) {
        if (e !== FAULT) {
          this.endSlice();
          this.syncOut();
          throw e;
        }
      }
    }
  }

  /**
   * End the current slice after this instruction, so the loop reaches its service
   * point (interrupts, exit requests) before the next one. Keeps `retired` exact:
   * while an instruction runs, budget is the number of slice instructions after it.
   */
  endSlice(): void {
    if (this.budget > 0) {
      this.retired -= this.budget;
      this.budget = 0;
    }
  }

  private refillFetch(lo: number, hi: number): void {
    const pa = this.mmu.translate(lo, hi, ACCESS_EXEC);
    if (pa >= this.ramSize) {
      // Executing outside RAM: machine check in real hardware; treat as ISI-like fault.
      this.mmu.fetchOutsideRam(lo, hi, pa);
      throw FAULT;
    }
    this.fTagLo = lo & -4096;
    this.fTagHi = hi | 0;
    // Integer-valued fields stay small integers (a double field costs a box load per use).
    this.fHost = (L.RAM_OFFSET + (pa - (lo & 0xfff))) | 0;
  }

  /** Forget the cached fetch page (after icbi, tlbie, MSR or PID changes). */
  invalidateFetch(): void {
    this.dropFetch();
  }

  /**
   * Forget the fetch page and end the slice: the run loop fetches a straight line of
   * words from a page it checked once, so anything that may change what the next fetch
   * translates to must send it back to its service point.
   */
  private dropFetch(): void {
    this.fTagLo = NO_TAG;
    this.endSlice();
  }

  tlbFlushAll(): void {
    this.tlbTag.fill(NO_TAG);
    this.dropFetch();
  }

  /** Drop every cached 4K translation of the page containing EA, in all contexts. */
  tlbFlushPage(lo: number, hi: number): void {
    const slot = (lo >>> 12) & TLB_MASK;
    const tag = lo & -4096;
    for (let k = 0; k < 3 * MMU_IDX_COUNT; k++) {
      const i = k * TLB_SIZE + slot;
      if (this.tlbTag[i] === tag && this.tlbTagHi[i] === (hi | 0)) this.tlbTag[i] = NO_TAG;
    }
    this.dropFetch();
  }

  // ---------------------------------------------------------------- effective addresses

  // eaHi is kept in int32 form: kernel addresses have high words >= 2^31, which as
  // uint32 would be heap numbers, boxed again for every call they are passed to.

  /** EA = (RA|0) + d (d a signed 32-bit displacement). Returns the low word; high in eaHi. */
  eaD(ra: number, d: number): number {
    if (ra === 0) {
      this.eaHi = this.sf ? d >> 31 : 0;
      return d >>> 0;
    }
    const i = this.w + 2 * ra;
    const s = this.u32[i] + (d >>> 0);
    this.eaHi = this.sf ? (this.u32[i + 1] + (d >> 31) + (s > 0xffffffff ? 1 : 0)) | 0 : 0;
    return s >>> 0;
  }

  /** EA = (RA|0) + (RB). */
  eaX(ra: number, rb: number): number {
    const j = this.w + 2 * rb;
    if (ra === 0) {
      this.eaHi = this.sf ? this.i32[j + 1] : 0;
      return this.u32[j];
    }
    const i = this.w + 2 * ra;
    const s = this.u32[i] + this.u32[j];
    this.eaHi = this.sf ? (this.u32[i + 1] + this.u32[j + 1] + (s > 0xffffffff ? 1 : 0)) | 0 : 0;
    return s >>> 0;
  }

  // ---------------------------------------------------------------- loads and stores
  // `le` is the byte order of the access: c.le for normal accesses, !c.le for the
  // byte-reversed forms. Each has a small fast path (a TLB hit within one page), small
  // enough for V8 to inline into the handlers, and an out-of-line slow path.

  load8(lo: number, hi: number): number {
    const i = this.rIdx + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTag[i] === (lo & -4096) && this.tlbTagHi[i] === (hi | 0)) {
      return this.u8[this.tlbHost[i] + (lo & 0xfff)];
    }
    return this.loadSlow(lo, hi, 1, true);
  }

  load16(lo: number, hi: number, le: boolean): number {
    const i = this.rIdx + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTag[i] === (lo & -4096) && this.tlbTagHi[i] === (hi | 0) && (lo & 0xfff) <= 0xffe) {
      return this.dv.getUint16(this.tlbHost[i] + (lo & 0xfff), le);
    }
    return this.loadSlow(lo, hi, 2, le);
  }

  load32(lo: number, hi: number, le: boolean): number {
    const i = this.rIdx + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTag[i] === (lo & -4096) && this.tlbTagHi[i] === (hi | 0) && (lo & 0xfff) <= 0xffc) {
      return this.dv.getUint32(this.tlbHost[i] + (lo & 0xfff), le);
    }
    // `>>> 0`: both paths then yield a uint32, so V8 keeps the result unboxed (a tagged
    // slow-path result would make it box every fast-path value >= 2^31).
    return this.loadSlow(lo, hi, 4, le) >>> 0;
  }

  /** 64-bit load: returns the low word, the high word in vhi. */
  load64(lo: number, hi: number, le: boolean): number {
    const i = this.rIdx + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTag[i] === (lo & -4096) && this.tlbTagHi[i] === (hi | 0) && (lo & 0xfff) <= 0xff8) {
      const p = this.tlbHost[i] + (lo & 0xfff);
      if (le) {
        this.vhi = this.dv.getUint32(p + 4, true);
        return this.dv.getUint32(p, true);
      }
      this.vhi = this.dv.getUint32(p, false);
      return this.dv.getUint32(p + 4, false);
    }
    return this.load64Slow(lo, hi, le) >>> 0; // unboxed result, as in load32
  }

  private load64Slow(lo: number, hi: number, le: boolean): number {
    const a = this.loadSlow(lo, hi, 4, le);
    const lo2 = (lo + 4) >>> 0;
    const hi2 = lo2 < 4 ? (hi + 1) | 0 : hi;
    const b = this.loadSlow(lo2, hi2, 4, le);
    if (le) {
      this.vhi = b;
      return a;
    }
    this.vhi = a;
    return b;
  }

  store8(lo: number, hi: number, v: number): void {
    const i = this.wIdx + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTag[i] === (lo & -4096) && this.tlbTagHi[i] === (hi | 0)) {
      this.u8[this.tlbHost[i] + (lo & 0xfff)] = v;
      return;
    }
    this.storeSlow(lo, hi, 1, v, true);
  }

  store16(lo: number, hi: number, v: number, le: boolean): void {
    const i = this.wIdx + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTag[i] === (lo & -4096) && this.tlbTagHi[i] === (hi | 0) && (lo & 0xfff) <= 0xffe) {
      this.dv.setUint16(this.tlbHost[i] + (lo & 0xfff), v, le);
      return;
    }
    this.storeSlow(lo, hi, 2, v, le);
  }

  store32(lo: number, hi: number, v: number, le: boolean): void {
    const i = this.wIdx + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTag[i] === (lo & -4096) && this.tlbTagHi[i] === (hi | 0) && (lo & 0xfff) <= 0xffc) {
      this.dv.setUint32(this.tlbHost[i] + (lo & 0xfff), v, le);
      return;
    }
    this.storeSlow(lo, hi, 4, v, le);
  }

  store64(lo: number, hi: number, vlo: number, vhi: number, le: boolean): void {
    const i = this.wIdx + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTag[i] === (lo & -4096) && this.tlbTagHi[i] === (hi | 0) && (lo & 0xfff) <= 0xff8) {
      const p = this.tlbHost[i] + (lo & 0xfff);
      if (le) {
        this.dv.setUint32(p, vlo, true);
        this.dv.setUint32(p + 4, vhi, true);
      } else {
        this.dv.setUint32(p, vhi, false);
        this.dv.setUint32(p + 4, vlo, false);
      }
      return;
    }
    this.store64Slow(lo, hi, vlo, vhi, le);
  }

  private store64Slow(lo: number, hi: number, vlo: number, vhi: number, le: boolean): void {
    // Probe both halves before writing either, so a fault leaves memory untouched.
    const lo2 = (lo + 4) >>> 0;
    const hi2 = lo2 < 4 ? (hi + 1) | 0 : hi;
    this.probeWrite(lo, hi, 4);
    this.probeWrite(lo2, hi2, 4);
    this.storeSlow(lo, hi, 4, le ? vlo : vhi, le);
    this.storeSlow(lo2, hi2, 4, le ? vhi : vlo, le);
  }

  /** Translate for a store without writing (faults raised as the store would). */
  probeWrite(lo: number, hi: number, size: number): void {
    this.mmu.translate(lo, hi, ACCESS_WRITE);
    const last = (lo + size - 1) >>> 0;
    if (((last ^ lo) & -4096) !== 0) this.mmu.translate(last, last < lo >>> 0 ? (hi + 1) | 0 : hi, ACCESS_WRITE);
  }

  /** Guest real address of EA for an access (raising the storage interrupt on a fault). */
  translate(lo: number, hi: number, access: Access): number {
    return this.mmu.translate(lo, hi, access);
  }

  /**
   * Byte offset in u8/dv/i32 of the RAM behind EA, translated like a store (write) or a
   * load, through the TLB; -1 when the real address is not RAM. For aligned accesses that
   * stay in one page and need the host location itself (larx/stcx., dcbz, lq/stq).
   */
  hostAddr(lo: number, hi: number, write: boolean): number {
    const ctx = write ? this.wIdx : this.rIdx;
    const i = ctx + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTag[i] === (lo & -4096) && this.tlbTagHi[i] === (hi | 0)) return this.tlbHost[i] + (lo & 0xfff);
    const pa = this.mmu.translate(lo, hi, write ? ACCESS_WRITE : ACCESS_READ);
    if (pa >= this.ramSize) return -1;
    this.fillTlb(ctx, lo, hi, pa);
    return L.RAM_OFFSET + pa;
  }

  private loadSlow(lo: number, hi: number, size: 1 | 2 | 4, le: boolean): number {
    const off = lo & 0xfff;
    if (off + size > 0x1000) {
      // Crosses a page: byte by byte in address order, each translated.
      let v = 0;
      for (let k = 0; k < size; k++) {
        const a = (lo + k) >>> 0;
        const b = this.loadSlow(a, a < lo >>> 0 ? (hi + 1) | 0 : hi, 1, true);
        v = le ? v | (b << (8 * k)) : (v << 8) | b;
      }
      return v >>> 0;
    }
    const pa = this.mmu.translate(lo, hi, ACCESS_READ);
    if (pa < this.ramSize) {
      this.fillTlb(this.rIdx, lo, hi, pa);
      const p = L.RAM_OFFSET + pa;
      return size === 1 ? this.u8[p] : size === 2 ? this.dv.getUint16(p, le) : this.dv.getUint32(p, le);
    }
    const v = this.hooks.mmioRead(pa, size);
    return le ? v >>> 0 : swapBytes(v, size);
  }

  private storeSlow(lo: number, hi: number, size: 1 | 2 | 4, v: number, le: boolean): void {
    const off = lo & 0xfff;
    if (off + size > 0x1000) {
      this.probeWrite(lo, hi, size);
      for (let k = 0; k < size; k++) {
        const a = (lo + k) >>> 0;
        const byte = le ? (v >>> (8 * k)) & 0xff : (v >>> (8 * (size - 1 - k))) & 0xff;
        this.storeSlow(a, a < lo >>> 0 ? (hi + 1) | 0 : hi, 1, byte, true);
      }
      return;
    }
    const pa = this.mmu.translate(lo, hi, ACCESS_WRITE);
    if (pa < this.ramSize) {
      this.fillTlb(this.wIdx, lo, hi, pa);
      const p = L.RAM_OFFSET + pa;
      if (size === 1) this.u8[p] = v;
      else if (size === 2) this.dv.setUint16(p, v, le);
      else this.dv.setUint32(p, v, le);
      return;
    }
    this.hooks.mmioWrite(pa, size, le ? v >>> 0 : swapBytes(v, size));
  }

  private fillTlb(ctx: number, lo: number, hi: number, pa: number): void {
    if (!this.mmu.cacheable) return;
    const i = ctx + ((lo >>> 12) & TLB_MASK);
    this.tlbTag[i] = lo & -4096;
    this.tlbTagHi[i] = hi | 0;
    this.tlbHost[i] = L.RAM_OFFSET + pa - (lo & 0xfff);
  }
}

export function bswap32(v: number): number {
  return ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24)) >>> 0;
}

export function swapBytes(v: number, size: 1 | 2 | 4): number {
  if (size === 1) return v & 0xff;
  if (size === 2) return ((v >>> 8) & 0xff) | ((v & 0xff) << 8);
  return bswap32(v);
}

export { ACCESS_READ, ACCESS_WRITE, ACCESS_EXEC };
export type { Access };
