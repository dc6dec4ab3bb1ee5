// The part of the pseries machine that every thread builds alike: vCPU views, the devices
// whose state lives in shared memory (XICS, vty, NVRAM) and the hypercalls served on the
// calling vCPU's own thread. Built in the same order everywhere, so shared regions line up.
// Hypercalls whose state lives on the I/O thread (the Open Firmware client interface and
// RTAS) are handed over there by `forward` when this board runs on a vCPU thread.
import { Cpu, type CpuHooks } from '../../cpu/cpu.js';
import * as L from '../../cpu/layout.js';
import { requestOthers } from '../../cpu/cross-cpu.js';
import { setProcessTable } from '../../cpu/mmu/mmu.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { SharedRegions } from '../../memory/shared-regions.js';
import type { BQL } from '../../host/bql.js';
import { SpaprVty, VTY_REG } from '../../hw/char/vty.js';
import { SpaprNvram, NVRAM_REG } from '../../hw/nvram/spapr-nvram.js';
import { Xics } from '../../hw/intc/xics.js';
import { Xive } from '../../hw/intc/xive.js';
import { RateLimitedLog } from '../../util/ratelimit.js';
import { PhysBus } from '../../memory/phys-bus.js';
import { HcallTable, arg, H_SUCCESS, H_PARAMETER, H_PPCBOX_RTAS, H_PPCBOX_VOF_CLIENT } from './hcall.js';
import { registerCpuHcalls } from './hcalls-cpu.js';
import { vioIrq, SPAPR_IRQ_EPOW, SPAPR_IRQ_HOTPLUG } from './device-tree.js';
import type { IcMode } from './cas.js';
import type { IrqLine } from '../../hw/irq.js';
import { SPAPR_IRQ_PCI_LSI, SPAPR_IRQ_MSI, SPAPR_PCI_MSI_COUNT } from '../../hw/pci/spapr-phb.js';
import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from './hcall.js';

const H_VIO_SIGNAL = 0x104;

export interface BoardParams {
  ramBytes: number;
  nvcpus: number;
  icMode: IcMode;
  /** A PCI host bridge exists: claim its interrupt sources and hand TCE hypercalls over. */
  pci?: boolean;
}

export interface BoardHost {
  /** This thread's lock handle. */
  readonly bql: BQL;
  log(line: string): void;
  /**
   * Serve a hypercall on the I/O thread and return its status (r3). Absent on the I/O
   * thread itself, which registers those hypercalls directly.
   */
  forward?: (c: Cpu) => number;
  /** The guest wrote console output (wake whoever drains it). */
  consoleKick?: () => void;
  /**
   * Hand an access outside RAM to the I/O thread, which owns the device regions; returns
   * the value read. Absent on the I/O thread, which serves them from `bus`.
   */
  forwardMmio?: (c: Cpu, pa: number, size: 1 | 2 | 4, value: number, write: boolean) => number;
}

export class SpaprBoard {
  readonly regions = new SharedRegions();
  readonly hooks: CpuHooks;
  readonly cpus: Cpu[] = [];
  readonly hcalls: HcallTable;
  readonly xics: Xics;
  /** XIVE: the backend once the guest negotiates it at CAS (or with ic-mode xive). */
  readonly xive: Xive;
  readonly vty: SpaprVty;
  readonly nvram: SpaprNvram;
  /**
   * Device regions outside RAM: on the I/O thread all of them; on a vCPU thread only
   * those whose state is in shared memory (XIVE), which that thread serves itself.
   */
  readonly bus = new PhysBus();
  /** PCI host bridge interrupt sources (INTA..D, then the MSI pool) when params.pci. */
  readonly pciLsi: IrqLine[] = [];
  readonly pciMsi: IrqLine[] = [];
  private readonly guestLog = new RateLimitedLog(20, 1000);

  constructor(
    readonly mem: GuestMemory,
    readonly params: BoardParams,
    readonly host: BoardHost,
  ) {
    const bql = host.bql;
    this.hcalls = new HcallTable(bql);
    const hooks: CpuHooks = {
      hcall: (c) => {
        // DESIGN.md rules 3/4: one BQL critical section around the whole dispatch.
        bql.lock();
        try {
          this.hcalls.dispatch(c);
        } finally {
          bql.unlock();
        }
      },
      // MMIO exits (DESIGN.md rule 4): the device is reached with the BQL held, on the
      // I/O thread; a vCPU thread hands the access over and waits for the value.
      mmioRead: (pa, size) => {
        const fwd = host.forwardMmio;
        if (fwd !== undefined) return fwd(this.cpus[0], pa, size, 0, false);
        return bql.with(() => this.mmioAccess(pa, size, 0, false));
      },
      mmioWrite: (pa, size, value) => {
        const fwd = host.forwardMmio;
        if (fwd !== undefined) {
          fwd(this.cpus[0], pa, size, value, true);
          return;
        }
        bql.with(() => this.mmioAccess(pa, size, value, true));
      },
      log: (m) => host.log(m),
    };
    // Each vCPU's MMIO names it (XIVE's TIMA shows the accessing vCPU's registers).
    // Regions on this thread's own bus keep their state in shared memory (XIVE's ESB
    // and TIMA pages): served here under the BQL, like a hypercall, instead of a round
    // trip to the I/O thread; everything else is handed over.
    const hooksOf = (index: number): CpuHooks => ({
      ...hooks,
      mmioRead: (pa, size) => {
        const fwd = host.forwardMmio;
        if (fwd !== undefined && this.bus.find(pa) === undefined) return fwd(this.cpus[index], pa, size, 0, false);
        // The access may change this vCPU's interrupt line (TIMA ACK, CPPR): look soon.
        this.cpus[index].endSlice();
        return bql.with(() => this.mmioAccess(pa, size, 0, false, index));
      },
      mmioWrite: (pa, size, value) => {
        const fwd = host.forwardMmio;
        if (fwd !== undefined && this.bus.find(pa) === undefined) {
          fwd(this.cpus[index], pa, size, value, true);
          return;
        }
        this.cpus[index].endSlice();
        bql.with(() => this.mmioAccess(pa, size, value, true, index));
      },
    });
    for (let i = 0; i < params.nvcpus; i++) this.cpus.push(new Cpu(mem, i, hooksOf(i)));
    this.xics = new Xics(mem, this.regions, bql, params.nvcpus);
    this.xive = new Xive(mem, this.regions, bql, params.nvcpus);
    this.xive.log = (l) => host.log(l);
    this.vty = new SpaprVty(mem, this.regions, bql, this.claimIrq(vioIrq(VTY_REG), false));
    this.nvram = new SpaprNvram(mem, this.regions, bql);
    this.claimIrq(vioIrq(NVRAM_REG), false);
    // /event-sources: environmental (EPOW) and hotplug events; nothing raises them yet,
    // but the guest routes them with ibm,set-xive and expects valid sources.
    this.claimIrq(SPAPR_IRQ_EPOW, false);
    this.claimIrq(SPAPR_IRQ_HOTPLUG, false);
    // The PHB's sources are claimed in every thread, so any vCPU's XICS hypercalls
    // (resend after CPPR/EOI) see them.
    if (params.pci === true) {
      for (let i = 0; i < 4; i++) this.pciLsi.push(this.claimIrq(SPAPR_IRQ_PCI_LSI + i, true));
      for (let i = 0; i < SPAPR_PCI_MSI_COUNT; i++) this.pciMsi.push(this.claimIrq(SPAPR_IRQ_MSI + i, false));
    }
    if (host.consoleKick !== undefined) this.vty.onOutput = host.consoleKick;
    this.vty.registerHcalls(this.hcalls);
    this.xics.registerHcalls(this.hcalls);
    this.xive.registerHcalls(this.hcalls);
    this.bus.map(this.xive.esbRegion);
    this.bus.map(this.xive.timaRegion);
    registerCpuHcalls(this.hcalls, {
      bql,
      cpus: this.cpus,
      ramBytes: params.ramBytes,
      radixNegotiated: () => Atomics.load(mem.i32, L.M_RADIX >> 2) !== 0,
      setProcessTable: (pate1) => setProcessTable(mem, pate1),
      ciLoad: () => 0xffffffffffffffffn,
      ciStore: () => {},
    });
    this.hcalls.register(H_VIO_SIGNAL, 'H_VIO_SIGNAL', (c) => {
      bql.assertHeld('H_VIO_SIGNAL');
      const unit = arg(c, 1);
      const mode = arg(c, 2);
      if (mode > 1) return H_PARAMETER;
      if (unit === VTY_REG) this.vty.setSignal(mode);
      else if (unit !== NVRAM_REG) return H_PARAMETER;
      return H_SUCCESS;
    });
    const fwd = host.forward;
    if (fwd !== undefined) {
      this.hcalls.register(H_PPCBOX_RTAS, 'RTAS (to the I/O thread)', (c) => fwd(c));
      this.hcalls.register(H_PPCBOX_VOF_CLIENT, 'VOF client interface (to the I/O thread)', (c) => fwd(c));
      // TCE tables live with the PCI devices on the I/O thread (hw/pci/spapr-tce.ts).
      if (params.pci === true) {
        this.hcalls.register(H_PUT_TCE, 'H_PUT_TCE (to the I/O thread)', (c) => fwd(c));
        this.hcalls.register(H_GET_TCE, 'H_GET_TCE (to the I/O thread)', (c) => fwd(c));
        this.hcalls.register(H_STUFF_TCE, 'H_STUFF_TCE (to the I/O thread)', (c) => fwd(c));
        this.hcalls.register(H_PUT_TCE_INDIRECT, 'H_PUT_TCE_INDIRECT (to the I/O thread)', (c) => fwd(c));
      }
    }
    this.hooks = hooks;
    // Broadcast tlbie: every other vCPU drops its cached translations before the issuer
    // goes on (cpu/cross-cpu.ts).
    for (const c of this.cpus) {
      c.mmu.broadcast = { tlbie: (origin) => requestOthers(origin, L.IRQ_FLUSH_TLB, true) };
    }
  }

  /**
   * An interrupt source in both controllers; events go to the active one (XICS until
   * the guest picks XIVE at CAS, DESIGN.md rule 5 resets it to the pre-CAS backend).
   */
  claimIrq(nr: number, lsi: boolean): IrqLine {
    const xics = this.xics.claim(nr, lsi);
    const xive = this.xive.claim(nr, lsi);
    const x = this.xive;
    return {
      set: (level) => (x.active ? xive : xics).set(level),
      pulse: () => (x.active ? xive : xics).pulse(),
    };
  }

  /** A device access on this thread's bus by vCPU `vcpu`; the caller holds the BQL. */
  mmioAccess(pa: number, size: 1 | 2 | 4, value: number, write: boolean, vcpu = 0): number {
    this.host.bql.assertHeld('MMIO');
    const r = this.bus.find(pa);
    if (r === undefined || pa + size > r.base + r.size) {
      this.guestLog.log(this.hooks, () => `guest ${write ? 'write to' : 'read from'} unassigned real address 0x${pa.toString(16)}`);
      return write ? 0 : size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    }
    if (write) {
      r.write(pa - r.base, size, value, vcpu);
      return 0;
    }
    return r.read(pa - r.base, size, vcpu);
  }
}
