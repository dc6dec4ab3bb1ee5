// XICS, the PAPR interrupt controller in its hypercall form (PAPR 2.x "Interrupt
// Presentation"): one ICS (interrupt source controller) with numbered sources, and one
// ICP (presentation controller) per vCPU server with CPPR, XISR, MFRR. The guest talks
// to it through H_CPPR, H_EOI, H_IPI, H_XIRR(_X), H_IPOLL and the RTAS calls
// ibm,set-xive / get-xive / int-on / int-off. All state is in shared memory (any vCPU
// thread may run the hypercalls under the BQL); the presentation line of each ICP is the
// vCPU's IRQ_EXTERNAL bit.
import type { Cpu } from '../../cpu/cpu.js';
import * as L from '../../cpu/layout.js';
import type { BQL } from '../../host/bql.js';
import { setIrqPending } from '../../host/vcpu-state.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { SharedRegions } from '../../memory/shared-regions.js';
import type { IrqLine } from '../irq.js';
import {
  type HcallTable,
  arg,
  ret,
  H_SUCCESS,
  H_PARAMETER,
  H_CPPR,
  H_EOI,
  H_IPI,
  H_IPOLL,
  H_XIRR,
  H_XIRR_X,
} from '../../machine/spapr/hcall.js';
import { MAX_VCPUS } from '../../cpu/layout.js';
import { type Rtas, RTAS_OUT_SUCCESS, RTAS_OUT_PARAM_ERROR } from '../../machine/spapr/rtas.js';

/** XISR value of an inter-processor interrupt. */
export const XICS_IPI = 2;
/** First global source number of the ICS (sPAPR numbering). */
export const XICS_IRQ_BASE = 0x1000;
export const XICS_NR_IRQS = 0x1000;
const PRIO_MASKED = 0xff;

// ICP record (one per server), u32 words
const ICP_XIRR = 0; // CPPR << 24 | XISR
const ICP_PENDING_PRIO = 1;
const ICP_MFRR = 2;
const ICP_OWNED = 3; // 1 when XISR holds a source of the ICS (to reject it back)
const ICP_WORDS = 4;
// Source record (one per source), u32 words
const S_SERVER = 0;
const S_PRIO = 1;
const S_SAVED_PRIO = 2;
const S_STATUS = 3;
const S_FLAGS = 4;
const S_WORDS = 5;
// S_STATUS bits
const ST_ASSERTED = 1;
const ST_SENT = 2;
const ST_REJECTED = 4;
const ST_MASKED_PENDING = 8;
// S_FLAGS bits
const FL_CLAIMED = 1;
const FL_LSI = 2;

export interface XicsState {
  icp: number[][];
  sources: number[][];
}

export class Xics {
  private readonly icpBase: number;
  private readonly srcBase: number;
  private readonly u32: Uint32Array;
  /** Claimed source numbers (wiring: the same in every thread). */
  private readonly claimed: number[] = [];

  constructor(
    private readonly mem: GuestMemory,
    regions: SharedRegions,
    private readonly bql: BQL,
    /** Number of vCPU servers (0..nservers-1). */
    readonly nservers: number,
  ) {
    this.icpBase = regions.alloc('xics-icp', MAX_VCPUS * ICP_WORDS * 4) >> 2;
    this.srcBase = regions.alloc('xics-ics', XICS_NR_IRQS * S_WORDS * 4) >> 2;
    this.u32 = mem.u32;
  }

  // ------------------------------------------------------------ plumbing
  private icp(server: number): number {
    return this.icpBase + server * ICP_WORDS;
  }

  private src(nr: number): number {
    return this.srcBase + (nr - XICS_IRQ_BASE) * S_WORDS;
  }

  validSource(nr: number): boolean {
    return nr >= XICS_IRQ_BASE && nr < XICS_IRQ_BASE + XICS_NR_IRQS;
  }

  private setOutput(server: number, level: boolean): void {
    setIrqPending(this.mem, server, L.IRQ_EXTERNAL, level);
  }

  /** Reserve a source for a device: LSI (level) or MSI-like (edge). */
  claim(nr: number, lsi: boolean): IrqLine {
    if (!this.validSource(nr)) throw new Error(`XICS source 0x${nr.toString(16)} out of range`);
    const s = this.src(nr);
    // Each thread builds the same wiring over the same shared state: twice within one
    // board is a bug, the same claim from another thread's board is expected.
    if (this.claimed.includes(nr)) throw new Error(`XICS source 0x${nr.toString(16)} claimed twice`);
    const flags = FL_CLAIMED | (lsi ? FL_LSI : 0);
    const prev = this.u32[s + S_FLAGS];
    if (prev !== 0 && prev !== flags) throw new Error(`XICS source 0x${nr.toString(16)} wired differently by another thread`);
    this.u32[s + S_FLAGS] = flags;
    this.claimed.push(nr);
    return {
      set: (level) => this.setIrq(nr, level),
      pulse: () => {
        this.setIrq(nr, true);
        if (lsi) this.setIrq(nr, false);
      },
    };
  }

  // ------------------------------------------------------------ ICS
  /** A source changes level (LSI) or fires (MSI when level is true). */
  setIrq(nr: number, level: boolean): void {
    this.bql.assertHeld('XICS source');
    const s = this.src(nr);
    const u = this.u32;
    if ((u[s + S_FLAGS] & FL_LSI) !== 0) {
      u[s + S_STATUS] = level ? u[s + S_STATUS] | ST_ASSERTED : u[s + S_STATUS] & ~ST_ASSERTED;
      this.checkLsi(nr);
      return;
    }
    if (!level) return;
    if (u[s + S_PRIO] === PRIO_MASKED) {
      u[s + S_STATUS] |= ST_MASKED_PENDING;
      return;
    }
    this.icpIrq(u[s + S_SERVER], nr, u[s + S_PRIO]);
  }

  private checkLsi(nr: number): void {
    const s = this.src(nr);
    const u = this.u32;
    const st = u[s + S_STATUS];
    if ((st & ST_ASSERTED) !== 0 && (st & ST_SENT) === 0 && u[s + S_PRIO] !== PRIO_MASKED) {
      u[s + S_STATUS] = st | ST_SENT;
      this.icpIrq(u[s + S_SERVER], nr, u[s + S_PRIO]);
    }
  }

  private reject(nr: number): void {
    const s = this.src(nr);
    if ((this.u32[s + S_FLAGS] & FL_LSI) !== 0) this.u32[s + S_STATUS] &= ~ST_SENT;
    else this.u32[s + S_STATUS] |= ST_REJECTED;
  }

  /** Present every rejected / still-asserted source again. */
  private resendSources(): void {
    const u = this.u32;
    for (const nr of this.claimed) {
      const s = this.src(nr);
      if ((u[s + S_FLAGS] & FL_LSI) !== 0) {
        this.checkLsi(nr);
      } else if ((u[s + S_STATUS] & ST_REJECTED) !== 0) {
        u[s + S_STATUS] &= ~ST_REJECTED;
        this.setIrq(nr, true);
      }
    }
  }

  private sourceEoi(nr: number): void {
    const s = this.src(nr);
    if ((this.u32[s + S_FLAGS] & FL_LSI) !== 0) {
      this.u32[s + S_STATUS] &= ~ST_SENT;
      this.checkLsi(nr);
    }
  }

  /** ibm,set-xive: route source to server at priority (0xff masks). */
  setXive(nr: number, server: number, prio: number): void {
    this.bql.assertHeld('ibm,set-xive');
    const s = this.src(nr);
    const u = this.u32;
    u[s + S_SERVER] = server;
    u[s + S_PRIO] = prio;
    u[s + S_SAVED_PRIO] = prio;
    this.afterPriorityChange(nr);
  }

  getXive(nr: number): { server: number; priority: number } {
    this.bql.assertHeld('ibm,get-xive');
    const s = this.src(nr);
    return { server: this.u32[s + S_SERVER], priority: this.u32[s + S_PRIO] };
  }

  /** ibm,int-off: mask, remembering the priority. */
  intOff(nr: number): void {
    this.bql.assertHeld('ibm,int-off');
    const s = this.src(nr);
    const u = this.u32;
    if (u[s + S_PRIO] !== PRIO_MASKED) u[s + S_SAVED_PRIO] = u[s + S_PRIO];
    u[s + S_PRIO] = PRIO_MASKED;
  }

  /** ibm,int-on: unmask at the remembered priority. */
  intOn(nr: number): void {
    this.bql.assertHeld('ibm,int-on');
    const s = this.src(nr);
    this.u32[s + S_PRIO] = this.u32[s + S_SAVED_PRIO];
    this.afterPriorityChange(nr);
  }

  private afterPriorityChange(nr: number): void {
    const s = this.src(nr);
    const u = this.u32;
    if ((u[s + S_FLAGS] & FL_LSI) !== 0) {
      this.checkLsi(nr);
      return;
    }
    if ((u[s + S_STATUS] & ST_MASKED_PENDING) !== 0 && u[s + S_PRIO] !== PRIO_MASKED) {
      u[s + S_STATUS] &= ~ST_MASKED_PENDING;
      this.icpIrq(u[s + S_SERVER], nr, u[s + S_PRIO]);
    }
  }

  // ------------------------------------------------------------ ICP
  private icpIrq(server: number, nr: number, prio: number): void {
    if (server >= this.nservers) {
      this.reject(nr);
      return;
    }
    const i = this.icp(server);
    const u = this.u32;
    const xirr = u[i + ICP_XIRR];
    const cppr = xirr >>> 24;
    const xisr = xirr & 0xffffff;
    if (prio >= cppr || (xisr !== 0 && u[i + ICP_PENDING_PRIO] <= prio)) {
      this.reject(nr);
      return;
    }
    if (xisr !== 0 && u[i + ICP_OWNED] !== 0) this.reject(xisr);
    u[i + ICP_XIRR] = (xirr & 0xff000000) | nr;
    u[i + ICP_PENDING_PRIO] = prio;
    u[i + ICP_OWNED] = 1;
    this.setOutput(server, true);
  }

  private checkIpi(server: number): void {
    const i = this.icp(server);
    const u = this.u32;
    const xisr = u[i + ICP_XIRR] & 0xffffff;
    if (xisr !== 0 && u[i + ICP_PENDING_PRIO] <= u[i + ICP_MFRR]) return;
    if (xisr !== 0 && u[i + ICP_OWNED] !== 0) this.reject(xisr);
    u[i + ICP_XIRR] = (u[i + ICP_XIRR] & 0xff000000) | XICS_IPI;
    u[i + ICP_PENDING_PRIO] = u[i + ICP_MFRR];
    u[i + ICP_OWNED] = 0;
    this.setOutput(server, true);
  }

  private resend(server: number): void {
    const i = this.icp(server);
    if (this.u32[i + ICP_MFRR] < this.u32[i + ICP_XIRR] >>> 24) this.checkIpi(server);
    this.resendSources();
  }

  setCppr(server: number, cppr: number): void {
    const i = this.icp(server);
    const u = this.u32;
    const old = u[i + ICP_XIRR] >>> 24;
    u[i + ICP_XIRR] = ((cppr << 24) | (u[i + ICP_XIRR] & 0xffffff)) >>> 0;
    const xisr = u[i + ICP_XIRR] & 0xffffff;
    if (cppr < old) {
      if (xisr !== 0 && cppr <= u[i + ICP_PENDING_PRIO]) {
        u[i + ICP_XIRR] = (u[i + ICP_XIRR] & 0xff000000) >>> 0;
        u[i + ICP_PENDING_PRIO] = PRIO_MASKED;
        this.setOutput(server, false);
        if (u[i + ICP_OWNED] !== 0) this.reject(xisr);
        u[i + ICP_OWNED] = 0;
      }
    } else if (xisr === 0) {
      this.resend(server);
    }
  }

  setMfrr(server: number, mfrr: number): void {
    const i = this.icp(server);
    this.u32[i + ICP_MFRR] = mfrr;
    if (mfrr < this.u32[i + ICP_XIRR] >>> 24) this.checkIpi(server);
  }

  /** Accept the pending interrupt: returns the old XIRR, CPPR becomes its priority. */
  accept(server: number): number {
    const i = this.icp(server);
    const u = this.u32;
    const xirr = u[i + ICP_XIRR];
    this.setOutput(server, false);
    u[i + ICP_XIRR] = (u[i + ICP_PENDING_PRIO] << 24) >>> 0;
    u[i + ICP_PENDING_PRIO] = PRIO_MASKED;
    u[i + ICP_OWNED] = 0;
    return xirr >>> 0;
  }

  eoi(server: number, xirr: number): void {
    const i = this.icp(server);
    const u = this.u32;
    u[i + ICP_XIRR] = ((u[i + ICP_XIRR] & 0xffffff) | (xirr & 0xff000000)) >>> 0;
    const nr = xirr & 0xffffff;
    if (this.validSource(nr)) this.sourceEoi(nr);
    if ((u[i + ICP_XIRR] & 0xffffff) === 0) this.resend(server);
  }

  /** XIRR without accepting (H_IPOLL). */
  poll(server: number): { xirr: number; mfrr: number } {
    const i = this.icp(server);
    return { xirr: this.u32[i + ICP_XIRR] >>> 0, mfrr: this.u32[i + ICP_MFRR] };
  }

  // ------------------------------------------------------------ hypercalls
  registerHcalls(t: HcallTable): void {
    const server = (c: Cpu): number => c.index;
    t.register(H_CPPR, 'H_CPPR', (c) => {
      this.bql.assertHeld('H_CPPR');
      this.setCppr(server(c), arg(c, 1) & 0xff);
      return H_SUCCESS;
    });
    t.register(H_EOI, 'H_EOI', (c) => {
      this.bql.assertHeld('H_EOI');
      this.eoi(server(c), arg(c, 1) >>> 0);
      return H_SUCCESS;
    });
    t.register(H_IPI, 'H_IPI', (c) => {
      this.bql.assertHeld('H_IPI');
      const target = arg(c, 1);
      if (target >= this.nservers) return H_PARAMETER;
      this.setMfrr(target, arg(c, 2) & 0xff);
      return H_SUCCESS;
    });
    t.register(H_XIRR, 'H_XIRR', (c) => {
      this.bql.assertHeld('H_XIRR');
      ret(c, 1, this.accept(server(c)));
      return H_SUCCESS;
    });
    t.register(H_XIRR_X, 'H_XIRR_X', (c) => {
      this.bql.assertHeld('H_XIRR_X');
      ret(c, 1, this.accept(server(c)));
      ret(c, 2, c.tb());
      return H_SUCCESS;
    });
    t.register(H_IPOLL, 'H_IPOLL', (c) => {
      this.bql.assertHeld('H_IPOLL');
      // PAPR: H_IPOLL(server) polls the named processor's ICP, not necessarily the caller's.
      const target = arg(c, 1);
      if (target >= this.nservers) return H_PARAMETER;
      const p = this.poll(target);
      ret(c, 1, p.xirr);
      ret(c, 2, p.mfrr);
      return H_SUCCESS;
    });
  }

  /** ibm,set-xive, ibm,get-xive, ibm,int-off, ibm,int-on. */
  registerRtas(rtas: Rtas): void {
    // Any source number of the ICS is valid, claimed or not (QEMU's ics_valid_irq).
    const icsSource = (nr: number): boolean => this.validSource(nr);
    rtas.register('ibm,set-xive', (_c, a) => {
      if (a.nargs !== 3 || a.nret !== 1) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      const nr = a.arg(0);
      const server = a.arg(1);
      const prio = a.arg(2);
      if (!icsSource(nr) || server >= this.nservers || prio > 0xff) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      this.setXive(nr, server, prio);
      a.ret(0, RTAS_OUT_SUCCESS);
    });
    rtas.register('ibm,get-xive', (_c, a) => {
      if (a.nargs !== 1 || a.nret !== 3) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      const nr = a.arg(0);
      if (!icsSource(nr)) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      const x = this.getXive(nr);
      a.ret(0, RTAS_OUT_SUCCESS);
      a.ret(1, x.server);
      a.ret(2, x.priority);
    });
    rtas.register('ibm,int-off', (_c, a) => {
      if (a.nargs !== 1 || a.nret !== 1) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      const nr = a.arg(0);
      if (!icsSource(nr)) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      this.intOff(nr);
      a.ret(0, RTAS_OUT_SUCCESS);
    });
    rtas.register('ibm,int-on', (_c, a) => {
      if (a.nargs !== 1 || a.nret !== 1) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      const nr = a.arg(0);
      if (!icsSource(nr)) return a.ret(0, RTAS_OUT_PARAM_ERROR);
      this.intOn(nr);
      a.ret(0, RTAS_OUT_SUCCESS);
    });
  }

  // ------------------------------------------------------------ lifecycle
  reset(): void {
    this.bql.assertHeld('XICS reset');
    const u = this.u32;
    for (let s = 0; s < MAX_VCPUS; s++) {
      const i = this.icp(s);
      u[i + ICP_XIRR] = 0; // CPPR 0: everything masked until the OS opens it
      u[i + ICP_PENDING_PRIO] = PRIO_MASKED;
      u[i + ICP_MFRR] = PRIO_MASKED;
      u[i + ICP_OWNED] = 0;
      if (s < this.nservers) this.setOutput(s, false);
    }
    for (let nr = XICS_IRQ_BASE; nr < XICS_IRQ_BASE + XICS_NR_IRQS; nr++) {
      const s = this.src(nr);
      u[s + S_SERVER] = 0;
      u[s + S_PRIO] = PRIO_MASKED;
      u[s + S_SAVED_PRIO] = PRIO_MASKED;
      u[s + S_STATUS] = 0; // claimed-ness (S_FLAGS) is wiring, not state: it survives reset
    }
  }

  save(): XicsState {
    const icp: number[][] = [];
    for (let s = 0; s < this.nservers; s++) icp.push(Array.from(this.u32.subarray(this.icp(s), this.icp(s) + ICP_WORDS)));
    const sources: number[][] = [];
    for (let nr = XICS_IRQ_BASE; nr < XICS_IRQ_BASE + XICS_NR_IRQS; nr++) {
      const s = this.src(nr);
      if ((this.u32[s + S_FLAGS] & FL_CLAIMED) !== 0) sources.push([nr, ...this.u32.subarray(s, s + S_WORDS)]);
    }
    return { icp, sources };
  }

  load(st: XicsState): void {
    this.reset();
    st.icp.forEach((words, s) => {
      this.u32.set(words, this.icp(s));
      this.setOutput(s, (words[ICP_XIRR] & 0xffffff) !== 0);
    });
    for (const [nr, ...words] of st.sources) {
      if (!this.validSource(nr)) throw new Error(`XICS snapshot names source 0x${nr.toString(16)} out of range`);
      this.u32.set(words, this.src(nr));
    }
  }
}
