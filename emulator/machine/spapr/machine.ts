// The pseries (sPAPR) machine: guest RAM, vCPUs, the PAPR devices (vty, NVRAM, XICS),
// hypercalls, RTAS and the Open Firmware client interface, composed here and nowhere
// else. Devices meet through interfaces (IRQ lines, the hcall table, RTAS), never by
// importing each other.
import { Worker } from 'node:worker_threads';
import type { Cpu } from '../../cpu/cpu.js';
import * as L from '../../cpu/layout.js';
import { setHypervisorSprs } from '../../cpu/insn/system.js';
import { setProcessTable } from '../../cpu/mmu/mmu.js';
import { TB_FREQ } from '../../cpu/timebase.js';
import { GuestMemory } from '../../memory/guest-memory.js';
import type { SharedRegions } from '../../memory/shared-regions.js';
import { BQL, IO_THREAD, checkLocks } from '../../host/bql.js';
import { MainLoop } from '../../host/main-loop.js';
import { clearExitRequest, setRunState } from '../../host/vcpu-state.js';
import type { SpaprVty } from '../../hw/char/vty.js';
import type { SpaprNvram } from '../../hw/nvram/spapr-nvram.js';
import type { Xics } from '../../hw/intc/xics.js';
import { loadElf, parseElf } from '../../loader/elf.js';
import type { HcallTable } from './hcall.js';
import { clearPaprRegistrations } from './hcalls-cpu.js';
import { Rtas, rtasBlob, RTAS_SIZE } from './rtas.js';
import { SpaprBoard, type BoardParams } from './board.js';
import type { VcpuThreadData } from '../../host/vcpu-thread.js';
import { Vof, VOF_ENTRY, type VofState } from './vof.js';
import { negotiate, encodeVec5, platformSupport, CasError, type IcMode } from './cas.js';
import { buildPseriesTree, setInterruptController, PVR_POWER9 } from './device-tree.js';
import type { Fdt } from './fdt.js';
import { PHANDLE_XICP } from './device-tree.js';
import type { BlockBackend } from '../../block/backend.js';
import { SpaprPhb } from '../../hw/pci/spapr-phb.js';
import { VirtioPciFunction } from '../../hw/pci/virtio-pci.js';
import { VirtioBlk } from '../../hw/block/virtio-blk.js';

export const MIN_RAM_MIB = 256;
export const MAX_SMP = 8;
/** Where the kernel image goes (QEMU's spapr kernel-addr). */
export const KERNEL_ADDR = 0x400000;

export interface SpaprConfig {
  ramBytes: number;
  nvcpus: number;
  /** The kernel: a 64-bit PowerPC ELF (vmlinux). */
  kernel: Uint8Array;
  kernelName: string;
  initrd?: Uint8Array;
  bootargs: string;
  icMode?: IcMode;
  /** Bytes the guest writes to its console (hvc0, and prom_init's messages). */
  consoleOut: (bytes: Uint8Array) => void;
  /** Host log lines (guest errors, unknown hypercalls...). */
  log?: (line: string) => void;
  /** Run each vCPU on its own worker thread (default: all on this thread). */
  threads?: boolean;
  /** Disks, in order (/dev/vda, /dev/vdb...): virtio-blk behind the PCI host bridge. */
  disks?: readonly BlockBackend[];
}

/** SpaprMachine state outside the shared layout (see snapshotState()). */
export interface MachineSnapshotState {
  fdt: Uint8Array;
  vof: VofState;
  kernelEntry: number;
  initrdBase: number;
  inputBacklog: number[][];
}

export type ExitReason = { kind: 'poweroff' } | { kind: 'os-term'; message: string } | { kind: 'firmware-exit' } | { kind: 'error'; error: Error };

export class SpaprMachine {
  readonly mem: GuestMemory;
  /**
   * The I/O thread's BQL handle. vCPUs run either on this thread too (one handle serves
   * both) or on worker threads that build their own board with their own handle.
   */
  readonly bql: BQL;
  /** Shared-state devices and the hypercall table, as every thread builds them. */
  readonly board: SpaprBoard;
  readonly cpus: Cpu[];
  readonly hcalls: HcallTable;
  readonly vty: SpaprVty;
  readonly nvram: SpaprNvram;
  readonly xics: Xics;
  readonly regions: SharedRegions;
  readonly rtas: Rtas;
  readonly vof: Vof;
  /** The PCI host bridge, when there are PCI devices (disks). */
  readonly phb: SpaprPhb | null = null;
  readonly loop: MainLoop;
  readonly icMode: IcMode;
  readonly threaded: boolean;
  private tree!: Fdt;
  private exit: ExitReason | null = null;
  private readonly startMs = performance.now();
  private readonly log: (line: string) => void;
  private workers: Worker[] = [];
  private threadsDone: ((r: ExitReason) => void) | null = null;
  kernelEntry = 0;
  initrdBase = 0;

  constructor(readonly cfg: SpaprConfig) {
    this.icMode = cfg.icMode ?? 'dual'; // as QEMU's pseries: the guest picks at CAS
    this.log = cfg.log ?? ((l) => process.stderr.write(`ppcbox: ${l}\n`));
    this.mem = GuestMemory.create(cfg.ramBytes, cfg.nvcpus);
    this.bql = new BQL(this.mem, IO_THREAD);
    this.threaded = cfg.threads === true;
    Atomics.store(this.mem.i32, L.M_THREADED >> 2, this.threaded ? 1 : 0);
    this.board = new SpaprBoard(this.mem, this.boardParams(), { bql: this.bql, log: (l) => this.log(l) });
    this.cpus = this.board.cpus;
    this.hcalls = this.board.hcalls;
    this.xics = this.board.xics;
    this.vty = this.board.vty;
    this.nvram = this.board.nvram;
    this.regions = this.board.regions;
    this.nvram.format();
    this.rtas = new Rtas({
      bql: this.bql,
      mem: this.mem,
      cpus: this.cpus,
      powerOff: () => this.finish({ kind: 'poweroff' }),
      reboot: () => this.requestReset(),
      osTerm: (message) => this.finish({ kind: 'os-term', message }),
      displayCharacter: (ch) => cfg.consoleOut(Uint8Array.of(ch)),
      startCpu: (index, entry, r3) => this.startCpu(index, entry, r3),
      stopSelf: (c) => {
        setRunState(this.mem, c.index, L.RUN_STOPPED);
        c.endSlice();
      },
      isStopped: (index) => Atomics.load(this.mem.i32, this.cpus[index].wi(L.RUN_STATE)) === L.RUN_STOPPED,
    });
    this.xics.registerRtas(this.rtas);
    if (this.board.params.pci === true) this.phb = this.buildPci();
    this.nvram.registerRtas(this.rtas);
    this.vof = new Vof(
      {
        mem: this.mem,
        bql: this.bql,
        write: (b) => cfg.consoleOut(b),
        clientArchitectureSupport: (c, vec) => this.cas(c, vec),
        instantiateRtas: (base) => this.mem.writePhys(base, rtasBlob()),
        quiesce: () => {},
        exit: () => this.finish({ kind: 'firmware-exit' }),
        milliseconds: () => Math.floor(performance.now() - this.startMs),
      },
      buildPseriesTree({ ramBytes: cfg.ramBytes, nvcpus: cfg.nvcpus, bootargs: cfg.bootargs, icMode: cfg.icMode ?? 'dual' }),
    );
    this.rtas.registerHcalls(this.hcalls);
    this.vof.registerHcalls(this.hcalls);
    this.loop = new MainLoop({
      cpus: this.cpus,
      bql: this.bql,
      afterRound: () => this.flushConsole(),
    });
    // Validate the kernel before anything runs (clear error, nothing started).
    parseElf(cfg.kernel, cfg.kernelName);
    this.bql.with(() => this.resetLocked());
  }

  // ---------------------------------------------------------------- lifecycle
  /**
   * Machine reset (DESIGN.md rule 5), in one BQL critical section: vCPUs stopped, devices
   * reset first (quiet), then negotiated (CAS) state and the interrupt controller, then
   * the firmware state, the device tree and the boot vCPU's entry state.
   */
  private resetLocked(): void {
    this.bql.assertHeld('machine reset');
    for (const c of this.cpus) setRunState(this.mem, c.index, L.RUN_STOPPED);
    // Devices first, so nothing raises an interrupt into a half-reset controller.
    this.phb?.reset();
    this.vty.reset();
    this.xics.reset();
    // The interrupt backend goes back to its pre-CAS mode with the rest of CAS state.
    this.board.xive.reset();
    this.board.xive.setActive(this.icMode === 'xive');
    Atomics.store(this.mem.i32, L.M_RADIX >> 2, 0);
    setProcessTable(this.mem, null);
    // Guest RAM from scratch: nothing of a previous boot survives (a new memory is zero).
    if (this.booted) this.mem.u8.fill(0, L.RAM_OFFSET, L.RAM_OFFSET + this.mem.ramSize);
    this.booted = true;
    const cfg = this.cfg;
    const kernel = loadElf(this.mem, cfg.kernel, { base: KERNEL_ADDR, name: cfg.kernelName });
    this.kernelEntry = kernel.entry;
    let initrd: { start: number; size: number } | undefined;
    if (cfg.initrd !== undefined && cfg.initrd.length > 0) {
      const start = alignUp(kernel.highest + 0x10000, 0x10000);
      if (start + cfg.initrd.length > cfg.ramBytes) {
        throw new Error(`kernel and initrd (${Math.ceil((start + cfg.initrd.length) / 1048576)} MiB) do not fit in ${cfg.ramBytes / 1048576} MiB of RAM`);
      }
      this.mem.writePhys(start, cfg.initrd);
      initrd = { start, size: cfg.initrd.length };
    }
    this.initrdBase = initrd?.start ?? 0;
    this.tree = buildPseriesTree({
      ramBytes: cfg.ramBytes,
      nvcpus: cfg.nvcpus,
      bootargs: cfg.bootargs,
      initrd,
      kernel: { start: kernel.lowest, size: kernel.highest - kernel.lowest, littleEndian: kernel.littleEndian },
      icMode: this.icMode,
      rtasBlobSize: RTAS_SIZE,
      rtasCalls: this.rtas.implemented(),
      phb: this.phb === null ? undefined : (root) => this.phb?.buildTree(root, PHANDLE_XICP),
    });
    this.tree.findNode('/chosen')?.setProp('ibm,arch-vec-5-platform-support', Uint8Array.from(platformSupport(this.icMode)));
    this.tree.assignPhandles();
    const stack = this.vof.reset(this.tree, cfg.ramBytes);
    this.vof.claimFixed(kernel.lowest, kernel.highest - kernel.lowest, 'kernel');
    if (initrd !== undefined) this.vof.claimFixed(initrd.start, initrd.size, 'initrd');
    this.vof.openStore('/chosen', 'stdout', '/vdevice/vty@71000000');
    this.vof.updateAvailable();
    this.mem.writePhys(VOF_ENTRY, Vof.stub());
    for (const c of this.cpus) this.resetCpu(c);
    // The boot vCPU enters the kernel as an IEEE 1275 client: 32-bit, big-endian,
    // ME and FP on; r1 stack, r3/r4 initrd, r5 client-interface entry.
    const boot = this.cpus[0];
    boot.setGPR32(1, stack, 0);
    boot.setGPR32(3, this.initrdBase, 0);
    boot.setGPR32(4, initrd?.size ?? 0, 0);
    boot.setGPR32(5, VOF_ENTRY, 0);
    boot.setMSR(L.MSR_ME | L.MSR_FP, 0);
    boot.nia = BigInt(this.kernelEntry);
    boot.syncOut();
    setRunState(this.mem, 0, L.RUN_RUNNING);
  }

  private resetCpu(c: Cpu): void {
    for (let n = 0; n < 32; n++) c.setGPR32(n, 0, 0);
    c.cr = 0;
    for (const off of [L.XER_SO, L.XER_OV, L.XER_CA, L.XER_OV32, L.XER_CA32, L.XER_BC, L.FPSCR, L.VSCR]) c.u32[c.wi(off)] = 0;
    c.u8.fill(0, c.base + L.VSR, c.base + L.VSR + 64 * 16);
    c.u8.fill(0, c.base + L.SPR, c.base + L.SPR + 1024 * 8);
    c.u32[c.wi(L.RESV_LEN)] = 0;
    Atomics.store(c.i32, c.wi(L.IRQ_PENDING), 0);
    Atomics.store(c.i32, c.wi(L.PROD), 0);
    clearExitRequest(this.mem, c.index);
    clearPaprRegistrations(c); // VPA, DTL, SLB shadow: none after reset (as QEMU)
    setHypervisorSprs(c, { pvr: PVR_POWER9 }); // the PVR the device tree names (QEMU 7.2's power9)
    c.f64[(c.base + L.DEC_EXPIRY) >> 3] = c.tb() + 0x7fffffff;
    c.setMSR(L.MSR_ME | L.MSR_FP, 0);
    c.nia = 0n;
    c.tlbFlushAll();
    c.syncOut();
  }

  private startCpu(index: number, entry: number, r3: number): boolean {
    const c = this.cpus[index];
    if (Atomics.load(c.i32, c.wi(L.RUN_STATE)) !== L.RUN_STOPPED) return false;
    // As QEMU: 64-bit, ME on, translation off; LPCR (ILE, AIL, HR...) as the caller's.
    const lpcrW = this.cpus[0].wi(L.SPR + 8 * L.SPR_LPCR);
    c.u32[c.wi(L.SPR + 8 * L.SPR_LPCR)] = this.cpus[0].u32[lpcrW];
    c.u32[c.wi(L.SPR + 8 * L.SPR_LPCR) + 1] = this.cpus[0].u32[lpcrW + 1];
    c.setGPR32(3, r3, 0);
    c.setMSR(L.MSR_ME, L.MSR_HI_SF);
    c.nia = BigInt(entry);
    c.tlbFlushAll();
    c.syncOut();
    setRunState(this.mem, index, L.RUN_RUNNING);
    return true;
  }

  private cas(c: Cpu, vec: number): number {
    const pvr = Number(c.spr(L.SPR_PVR) & 0xffffffffn);
    try {
      const r = negotiate(this.mem, vec, pvr, this.icMode);
      Atomics.store(this.mem.i32, L.M_RADIX >> 2, r.radix ? 1 : 0);
      this.tree.findNode('/chosen')?.setProp('ibm,architecture-vec-5', encodeVec5(r.ov5));
      // The guest's interrupt controller takes effect and the tree it reads next shows it.
      this.board.xive.setActive(r.xive);
      setInterruptController(this.tree, r.xive ? 'xive' : 'xics', this.cfg.nvcpus);
      this.tree.assignPhandles();
      if (r.compatPvr !== 0) {
        for (const n of this.tree.nodes()) if (n.getProp('device_type') !== undefined && n.getString('device_type') === 'cpu') n.setU32('cpu-version', r.compatPvr);
      }
      return 0;
    } catch (e) {
      if (e instanceof CasError) {
        this.log(`CAS failed: ${e.message}`);
        this.finish({ kind: 'error', error: e });
        return 0xffffffff;
      }
      throw e;
    }
  }

  private resetPending = false;
  private booted = false;
  /** virtio-blk devices: drained before a reset. */
  private readonly blks: VirtioBlk[] = [];

  /**
   * Let in-flight disk requests finish before a reset (as QEMU drains the block device in
   * virtio-blk's reset): they read and write guest RAM directly, so one finishing after
   * the reset would write into the next boot's memory, or write its bytes to the disk.
   * vCPUs are paused (no new requests); the BQL is not held (completions take it).
   */
  private drainDevices(): Promise<void> {
    return Promise.all(this.blks.map((b) => b.idle())).then(() => undefined);
  }

  private devicesBusy(): boolean {
    return this.blks.some((b) => b.inflightRequests > 0);
  }

  private boardParams(): BoardParams {
    return { ramBytes: this.cfg.ramBytes, nvcpus: this.cfg.nvcpus, icMode: this.icMode, pci: (this.cfg.disks?.length ?? 0) > 0 };
  }

  /** The PCI host bridge with one virtio-blk function per disk, slots 0, 1, ... */
  private buildPci(): SpaprPhb {
    const phb = new SpaprPhb({
      mem: this.mem,
      bql: this.bql,
      log: (l) => this.log(l),
      lsi: this.board.pciLsi,
      msi: this.board.pciMsi,
      kick: () => {
        if (!this.threaded) this.loop.kick();
      },
    });
    const disks = this.cfg.disks ?? [];
    disks.forEach((b, i) => {
      const blk = new VirtioBlk(b, { locked: (fn) => this.bql.with(fn) });
      this.blks.push(blk);
      const fn = new VirtioPciFunction(`virtio-blk${i}`, blk);
      fn.setBypass(phb.bypass);
      phb.addDevice(i, fn);
    });
    for (const r of phb.regions) this.board.bus.map(r);
    phb.registerRtas(this.rtas);
    phb.registerHcalls(this.hcalls);
    return phb;
  }

  // ---------------------------------------------------------------- vCPU threads
  /** Start one worker per vCPU; resolves when the machine finishes. */
  private runThreaded(): Promise<ExitReason> {
    return new Promise((resolve) => {
      this.threadsDone = resolve;
      for (let i = 0; i < this.cfg.nvcpus; i++) {
        const data: VcpuThreadData = {
          memory: this.mem.memory,
          index: i,
          params: this.boardParams(),
          checkLocks: checkLocks,
        };
        const w = new Worker(new URL('../../host/vcpu-thread-entry.mjs', import.meta.url), {
          workerData: { kind: 'ppcbox-vcpu', data },
        });
        w.on('message', (m: { kind: string; line?: string; message?: string }) => {
          if (m.kind === 'log' && m.line !== undefined) this.log(m.line);
          else if (m.kind === 'error') this.finish({ kind: 'error', error: new Error(`vCPU ${i} thread failed: ${m.message}`) });
        });
        w.on('error', (e: Error) => this.finish({ kind: 'error', error: new Error(`vCPU ${i} thread failed: ${e.stack ?? e.message}`) }));
        this.workers.push(w);
      }
      void this.doorbellLoop();
    });
  }

  /** The I/O thread's side: console, handed-over hypercalls, reset requests. */
  private async doorbellLoop(): Promise<void> {
    const i32 = this.mem.i32;
    const bell = L.M_DOORBELL >> 2;
    while (this.exit === null) {
      const seen = Atomics.load(i32, bell);
      this.serveVcpuRequests();
      this.flushConsole();
      if (this.resetPending && this.exit === null) {
        this.resetPending = false;
        await this.pause();
        if (this.exit !== null) break;
        await this.drainDevices();
        if (this.exit !== null) break;
        this.bql.with(() => this.resetLocked());
        this.resume();
        continue;
      }
      const r = Atomics.waitAsync(i32, bell, seen, 20);
      if (r.async) await r.value;
      else await new Promise<void>((res) => setImmediate(res));
    }
  }

  /** Hypercalls vCPU threads handed over (firmware client interface, RTAS). */
  private serveVcpuRequests(): void {
    for (const c of this.cpus) {
      const w = c.wi(L.HOST_REQ);
      const kind = Atomics.load(this.mem.i32, w);
      if (kind === L.HOST_REQ_PENDING) {
        this.bql.with(() => this.hcalls.dispatch(c));
      } else if (kind === L.HOST_REQ_MMIO_READ || kind === L.HOST_REQ_MMIO_WRITE) {
        const pa = c.f64[(c.base + L.MMIO_PA) >> 3];
        const size = c.u32[c.wi(L.MMIO_SIZE)] as 1 | 2 | 4;
        const write = kind === L.HOST_REQ_MMIO_WRITE;
        const v = this.bql.with(() => this.board.mmioAccess(pa, size, c.u32[c.wi(L.MMIO_VALUE)], write, c.index));
        if (!write) c.u32[c.wi(L.MMIO_VALUE)] = v;
      } else {
        continue;
      }
      Atomics.store(this.mem.i32, w, L.HOST_REQ_DONE);
      Atomics.notify(this.mem.i32, w);
    }
  }

  /**
   * Stop every vCPU at an instruction boundary, outside guest code. Resolves when all
   * are parked (vCPUs on this thread are, between rounds, by construction).
   */
  async pause(): Promise<void> {
    if (!this.threaded) return;
    const i32 = this.mem.i32;
    for (const c of this.cpus) {
      Atomics.store(i32, c.wi(L.EXIT_REQ), 1);
      Atomics.notify(i32, c.wi(L.EXIT_REQ)); // a thread still parked answers again
      Atomics.notify(i32, c.wi(L.RUN_STATE)); // an idle one looks at once
    }
    for (const c of this.cpus) {
      const pw = c.wi(L.PARKED);
      while (Atomics.load(i32, pw) === 0 && this.exit === null) {
        this.serveVcpuRequests(); // a vCPU waiting on the I/O thread cannot park
        const r = Atomics.waitAsync(i32, pw, 0, 5);
        if (r.async) await r.value;
      }
    }
  }

  /** Let paused vCPUs run again. */
  resume(): void {
    if (!this.threaded) return;
    for (const c of this.cpus) {
      // PARKED first: the next pause() then waits for a park that answers it.
      Atomics.store(this.mem.i32, c.wi(L.PARKED), 0);
      Atomics.store(this.mem.i32, c.wi(L.EXIT_REQ), 0);
      Atomics.notify(this.mem.i32, c.wi(L.EXIT_REQ));
    }
  }

  /** Guest or user asked for a reset: done between rounds, outside guest code. */
  requestReset(): void {
    this.resetPending = true;
    if (this.threaded) {
      Atomics.add(this.mem.i32, L.M_DOORBELL >> 2, 1);
      Atomics.notify(this.mem.i32, L.M_DOORBELL >> 2);
    } else {
      for (const c of this.cpus) c.endSlice();
    }
  }

  private flushConsole(): void {
    const out = this.vty.drainOutput();
    if (out.length > 0) this.cfg.consoleOut(out);
    if (this.inputBacklog.length > 0) {
      if (this.bql.held()) this.feedInput();
      else this.bql.with(() => this.feedInput());
    }
    // No reset once the machine is finishing: finish() may run inside a hypercall with the
    // BQL held (power-off right after a reboot request), and the reset is moot then.
    // With vCPU threads the doorbell loop resets, after pausing them.
    if (this.resetPending && this.exit === null && !this.threaded) {
      if (this.devicesBusy()) {
        // Stop the vCPUs and look again next round, once the disk requests are done.
        for (const c of this.cpus) {
          setRunState(this.mem, c.index, L.RUN_STOPPED);
          c.endSlice();
        }
        return;
      }
      this.resetPending = false;
      this.bql.with(() => this.resetLocked());
    }
  }

  /** Host keystrokes for the console. */
  input(bytes: Uint8Array): void {
    this.bql.with(() => {
      this.inputBacklog.push(bytes.slice());
      this.feedInput();
    });
    if (!this.threaded) this.loop.kick();
  }

  /** Typed bytes the vty buffer could not take yet (a paste): fed as the guest reads. */
  private readonly inputBacklog: Uint8Array[] = [];

  /** Move backlog into the vty while it has room, in order. Caller holds the BQL. */
  private feedInput(): void {
    while (this.inputBacklog.length > 0) {
      const b = this.inputBacklog[0];
      const n = this.vty.pushInput(b);
      if (n < b.length) {
        this.inputBacklog[0] = b.subarray(n);
        return;
      }
      this.inputBacklog.shift();
    }
  }

  private finish(r: ExitReason): void {
    if (this.exit !== null) return;
    this.exit = r;
    for (const c of this.cpus) c.endSlice();
    this.flushConsole();
    this.loop.stop();
    if (this.threaded) {
      const workers = this.workers;
      this.workers = [];
      for (const c of this.cpus) Atomics.store(this.mem.i32, c.wi(L.EXIT_REQ), 1);
      void Promise.all(workers.map((w) => w.terminate())).then(() => {
        this.flushConsole();
        const done = this.threadsDone;
        this.threadsDone = null;
        done?.(r);
      });
    }
  }

  /** Run until the guest powers off (or fails). */
  async run(): Promise<ExitReason> {
    if (this.threaded) return this.runThreaded();
    try {
      await this.loop.start();
    } catch (e) {
      this.flushConsole();
      return { kind: 'error', error: e instanceof Error ? e : new Error(String(e)) };
    }
    this.flushConsole();
    return this.exit ?? { kind: 'poweroff' };
  }

  /** Stop from the host side (e.g. Ctrl-A x). */
  stop(): void {
    this.finish({ kind: 'poweroff' });
  }

  /** Guest instructions retired so far (all vCPUs; threads report at slice ends). */
  retired(): number {
    if (this.threaded) return this.cpus.reduce((s, c) => s + c.f64[(c.base + L.INSN_COUNT) >> 3], 0);
    return this.cpus.reduce((s, c) => s + c.retired, 0);
  }

  // ---------------------------------------------------------------- snapshots
  /**
   * Machine state that lives outside the shared layout, for host/snapshot.ts: the device
   * tree the guest got, the firmware's state, typed input not yet taken. BQL held.
   */
  snapshotState(): MachineSnapshotState {
    this.bql.assertHeld('snapshot capture');
    return {
      fdt: this.tree.toBlob(),
      vof: this.vof.save(),
      kernelEntry: this.kernelEntry,
      initrdBase: this.initrdBase,
      inputBacklog: this.inputBacklog.map((b) => Array.from(b)),
    };
  }

  /** Put snapshotState()'s state back (restore; vCPUs paused, BQL held). */
  applySnapshotState(st: MachineSnapshotState, tree: Fdt): void {
    this.bql.assertHeld('snapshot restore');
    this.tree = tree;
    this.vof.load(st.vof, tree);
    this.kernelEntry = st.kernelEntry;
    this.initrdBase = st.initrdBase;
    this.inputBacklog.length = 0;
    for (const b of st.inputBacklog) this.inputBacklog.push(Uint8Array.from(b));
    this.resetPending = false;
    this.booted = true;
  }

  /** Seconds of guest timebase since start (for readouts). */
  guestSeconds(): number {
    return this.cpus[0].tb() / TB_FREQ;
  }
}

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}
