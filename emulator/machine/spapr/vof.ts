// Our Open Firmware client interface ("VOF" style: no firmware blob runs in the guest).
// The kernel's prom_init calls the client-interface entry, a five-instruction stub that
// traps into the machine with `sc 1`; we answer each IEEE 1275 service from the live
// device tree. Arguments are a big-endian block of 32-bit cells:
//   service (address of a NUL-terminated name), nargs, nret, args[nargs], rets[nret].
import type { Cpu } from '../../cpu/cpu.js';
import * as L from '../../cpu/layout.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { BQL } from '../../host/bql.js';
import { RateLimitedLog } from '../../util/ratelimit.js';
import { type Fdt, type FdtNode, encodeCells } from './fdt.js';
import { type HcallTable, arg, H_SUCCESS, H_PARAMETER, H_PPCBOX_VOF_CLIENT } from './hcall.js';

export const PROM_ERROR = 0xffffffff;
/** Where the client-interface stub lives (as QEMU's VOF: just above the vectors' start). */
export const VOF_ENTRY = 0x100;
/** Firmware area claimed at reset: the stub. */
export const VOF_FW_SIZE = 0x200;
export const VOF_STACK_SIZE = 0x8000;

/**
 * The client-interface entry (big-endian instructions: prom_init calls it in 32-bit BE
 * mode): or r4,r3,r3 ; lis r3,0 ; ori r3,r3,H_PPCBOX_VOF_CLIENT ; sc 1 ; blr
 */
export const VOF_STUB_WORDS = [0x7c641b78, 0x3c600000, 0x60630000 | H_PPCBOX_VOF_CLIENT, 0x44000022, 0x4e800020];

export interface VofHost {
  readonly mem: GuestMemory;
  readonly bql: BQL;
  /** Bytes written to the stdout instance (prom_init's messages). */
  write(bytes: Uint8Array): void;
  /** ibm,client-architecture-support with the vector at `vec`: returns the CAS status. */
  clientArchitectureSupport(c: Cpu, vec: number): number;
  /** The guest asked RTAS to be placed at `base` (call-method instantiate-rtas). */
  instantiateRtas(base: number): void;
  /** "quiesce": the client is done with firmware. */
  quiesce(): void;
  /** "exit": the client gave up. */
  exit(): void;
  /** Host milliseconds since machine start. */
  milliseconds(): number;
}

interface Claimed {
  start: number;
  size: number;
}

const MAX_STR = 256;
/** Largest setprop value (QEMU's VOF_MAX_SETPROPLEN). */
const MAX_SETPROP = 2048;
const log = new RateLimitedLog(20, 1000);

export interface VofState {
  claimed: Claimed[];
  claimedBase: number;
  topAddr: number;
  instances: Array<{ ih: number; path: string }>;
  lastInstance: number;
}

export class Vof {
  private claimed: Claimed[] = [];
  private claimedBase = 0;
  private topAddr = 0;
  private readonly instances = new Map<number, { path: string; node: FdtNode }>();
  private lastInstance = 0;
  /** Services called, for tests and debugging. */
  readonly calls: string[] = [];
  traceCalls = false;

  constructor(
    private readonly host: VofHost,
    /** The live tree the client sees (replaced on reset / after CAS by the machine). */
    public tree: Fdt,
  ) {}

  registerHcalls(t: HcallTable): void {
    t.register(H_PPCBOX_VOF_CLIENT, 'VOF client interface', (c) => this.clientCall(c, arg(c, 1)));
  }

  /** The stub as bytes, to place at VOF_ENTRY. */
  static stub(): Uint8Array {
    const b = new Uint8Array(VOF_STUB_WORDS.length * 4);
    const dv = new DataView(b.buffer);
    VOF_STUB_WORDS.forEach((w, i) => dv.setUint32(4 * i, w, false));
    return b;
  }

  /**
   * Start over for a boot: forget instances and claims, claim the firmware area, and
   * allocate the client stack. Returns the initial stack pointer.
   */
  reset(tree: Fdt, ramBytes: number): number {
    this.tree = tree;
    this.claimed = [];
    this.claimedBase = 0;
    this.instances.clear();
    this.lastInstance = 0;
    this.calls.length = 0;
    // Cells are 32 bits: keep the firmware's allocations below 4 GiB.
    this.topAddr = Math.min(ramBytes, 0x100000000);
    this.claim(0, VOF_FW_SIZE, 0);
    const stack = this.claim(0, VOF_STACK_SIZE, VOF_STACK_SIZE);
    if (stack === PROM_ERROR) throw new Error('VOF: no memory for the client stack');
    return stack + VOF_STACK_SIZE - 0x20;
  }

  /** Client-interface state for a snapshot (claims, open instances by path). */
  save(): VofState {
    return {
      claimed: this.claimed.map((c) => ({ start: c.start, size: c.size })),
      claimedBase: this.claimedBase,
      topAddr: this.topAddr,
      instances: [...this.instances].map(([ih, v]) => ({ ih, path: v.path })),
      lastInstance: this.lastInstance,
    };
  }

  /** Restore save()'s state over `tree` (the tree the snapshot carried). */
  load(st: VofState, tree: Fdt): void {
    this.tree = tree;
    this.claimed = st.claimed.map((c) => ({ start: c.start, size: c.size }));
    this.claimedBase = st.claimedBase;
    this.topAddr = st.topAddr;
    this.instances.clear();
    for (const i of st.instances) {
      const node = tree.findNode(i.path);
      if (node !== undefined) this.instances.set(i.ih, { path: i.path, node });
    }
    this.lastInstance = st.lastInstance;
  }

  /** Claim a fixed range for something the machine loaded (kernel, initrd). */
  claimFixed(start: number, size: number, what: string): void {
    if (size === 0) return;
    if (this.claim(start, size, 0) === PROM_ERROR) {
      throw new Error(`VOF: memory for the ${what} (0x${start.toString(16)}+0x${size.toString(16)}) is in use`);
    }
  }

  /** Open `path` and store the ihandle in property `prop` of `nodePath` (e.g. /chosen stdout). */
  openStore(nodePath: string, prop: string, path: string): void {
    const n = this.tree.findNode(nodePath);
    const ih = this.open(path);
    if (n === undefined || ih === PROM_ERROR) throw new Error(`VOF: cannot open ${path} for ${nodePath}/${prop}`);
    n.setU32(prop, ih);
  }

  /** Recompute /memory@0 "available" from the claimed ranges. */
  updateAvailable(): void {
    const mem = this.tree.findNode('/memory@0');
    if (mem === undefined) return;
    const reg = mem.getProp('reg');
    if (reg === undefined || reg.length !== 16) return;
    const dv = new DataView(reg.buffer, reg.byteOffset, reg.length);
    const end = Number(dv.getBigUint64(8, false));
    const sorted = [...this.claimed].sort((a, b) => a.start - b.start);
    const cells: number[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const start = sorted[i].start + sorted[i].size;
      const stop = i + 1 < sorted.length ? sorted[i + 1].start : end;
      const size = Math.max(0, stop - start);
      cells.push(Math.floor(start / 0x100000000), start >>> 0, Math.floor(size / 0x100000000), size >>> 0);
    }
    mem.setProp('available', encodeCells(cells));
  }

  // ---------------------------------------------------------------- guest memory
  private be32(a: number): number {
    return this.host.mem.dv.getUint32(L.RAM_OFFSET + a, false);
  }

  private inRam(a: number, len: number): boolean {
    return a >= 0 && len >= 0 && a + len <= this.host.mem.ramSize;
  }

  /** NUL-terminated string at guest real address `a` (null if unreadable or too long). */
  private readStr(a: number, max = MAX_STR): string | null {
    const u8 = this.host.mem.u8;
    let s = '';
    for (let k = 0; k < max; k++) {
      if (!this.inRam(a + k, 1)) return null;
      const b = u8[L.RAM_OFFSET + a + k];
      if (b === 0) return s;
      s += String.fromCharCode(b);
    }
    return null;
  }

  private writeBytes(a: number, bytes: Uint8Array): boolean {
    if (!this.inRam(a, bytes.length)) return false;
    this.host.mem.u8.set(bytes, L.RAM_OFFSET + a);
    return true;
  }

  // ---------------------------------------------------------------- dispatch
  /** Serve one client-interface call whose argument block is at `addr`. */
  clientCall(c: Cpu, addr: number): number {
    this.host.bql.assertHeld('VOF client interface');
    if (!this.inRam(addr, 12)) return H_PARAMETER;
    const service = this.readStr(this.be32(addr), 64);
    const nargs = this.be32(addr + 4);
    const nret = this.be32(addr + 8);
    if (service === null || nargs > 10 || nret > 10 - nargs || !this.inRam(addr + 12, 4 * (nargs + nret))) {
      return H_PARAMETER;
    }
    const args: number[] = [];
    for (let i = 0; i < nargs; i++) args.push(this.be32(addr + 12 + 4 * i));
    const rets: number[] = [];
    const ret = this.service(c, service, args, nret, rets);
    if (this.traceCalls) this.calls.push(`${service}(${args.map((a) => a.toString(16)).join(',')}) = ${ret.toString(16)}`);
    else this.calls.push(service);
    if (nret > 0) {
      const dv = this.host.mem.dv;
      const base = L.RAM_OFFSET + addr + 12 + 4 * nargs;
      dv.setUint32(base, ret >>> 0, false);
      for (let i = 1; i < nret; i++) dv.setUint32(base + 4 * i, (rets[i - 1] ?? 0) >>> 0, false);
    }
    return H_SUCCESS;
  }

  private service(c: Cpu, s: string, a: number[], nret: number, rets: number[]): number {
    const n = a.length;
    const want = (nargs: number, nr: number): boolean => {
      if ((nargs === 0 || n === nargs) && (nr === 0 || nret === nr)) return true;
      log.log(c.hooks, () => `VOF: ${s} called with ${n} args / ${nret} rets, expected ${nargs}/${nr}`);
      return false;
    };
    switch (s) {
      case 'finddevice':
        return want(1, 1) ? this.finddevice(a[0]) : PROM_ERROR;
      case 'getprop':
        return want(4, 1) ? this.getprop(a[0], a[1], a[2], a[3]) : PROM_ERROR;
      case 'getproplen':
        return want(2, 1) ? this.getproplen(a[0], a[1]) : PROM_ERROR;
      case 'setprop':
        return want(4, 1) ? this.setprop(a[0], a[1], a[2], a[3]) : PROM_ERROR;
      case 'nextprop':
        return want(3, 1) ? this.nextprop(a[0], a[1], a[2]) : PROM_ERROR;
      case 'peer':
        return want(1, 1) ? this.peer(a[0]) : PROM_ERROR;
      case 'child':
        return want(1, 1) ? this.child(a[0]) : PROM_ERROR;
      case 'parent':
        return want(1, 1) ? this.parent(a[0]) : PROM_ERROR;
      case 'open': {
        if (!want(1, 1)) return PROM_ERROR;
        const path = this.readStr(a[0]);
        return path === null ? PROM_ERROR : this.open(path);
      }
      case 'close':
        if (want(1, 0)) this.instances.delete(a[0]);
        return 0;
      case 'instance-to-package':
        return want(1, 1) ? (this.instances.get(a[0])?.node.phandle ?? PROM_ERROR) : PROM_ERROR;
      case 'package-to-path':
        return want(3, 1) ? this.toPath(this.tree.nodeByPhandle(a[0]), a[1], a[2]) : PROM_ERROR;
      case 'instance-to-path':
        return want(3, 1) ? this.toPath(this.instances.get(a[0])?.node, a[1], a[2]) : PROM_ERROR;
      case 'write':
        return want(3, 1) ? this.write(a[0], a[1], a[2]) : PROM_ERROR;
      case 'read':
        return want(3, 1) ? 0 : PROM_ERROR; // no input before the kernel runs
      case 'claim': {
        if (!want(3, 1)) return PROM_ERROR;
        const r = this.claim(a[0], a[1], a[2]);
        if (r !== PROM_ERROR) this.updateAvailable();
        return r;
      }
      case 'release': {
        if (!want(2, 0)) return PROM_ERROR;
        const i = this.claimed.findIndex((x) => x.start === a[0] && x.size === a[1]);
        if (i < 0) return PROM_ERROR;
        this.claimed.splice(i, 1);
        this.updateAvailable();
        return 0;
      }
      case 'call-method':
        return this.callMethod(c, a, rets);
      case 'interpret':
        return PROM_ERROR; // no Forth here
      case 'milliseconds':
        return want(0, 1) ? this.host.milliseconds() >>> 0 : PROM_ERROR;
      case 'quiesce':
        this.host.quiesce();
        return 0;
      case 'exit':
        this.host.exit();
        return 0;
      default:
        log.log(c.hooks, () => `VOF: unknown client service "${s}"`);
        return PROM_ERROR;
    }
  }

  // ---------------------------------------------------------------- services
  private finddevice(pathAddr: number): number {
    const path = this.readStr(pathAddr);
    if (path === null) return PROM_ERROR;
    return this.tree.findNode(path)?.phandle ?? PROM_ERROR;
  }

  private propOf(ph: number, nameAddr: number): { node: FdtNode; name: string; value: Uint8Array } | null {
    const node = this.tree.nodeByPhandle(ph);
    const name = this.readStr(nameAddr, 65);
    if (node === undefined || name === null) return null;
    const value = node.getPropOF(name);
    return value === undefined ? null : { node, name, value };
  }

  private getprop(ph: number, nameAddr: number, buf: number, len: number): number {
    const p = this.propOf(ph, nameAddr);
    if (p === null) return PROM_ERROR;
    const n = Math.min(p.value.length, len);
    if (!this.writeBytes(buf, p.value.subarray(0, n))) return PROM_ERROR;
    return p.value.length; // IEEE 1275: the property's size, not what was copied
  }

  private getproplen(ph: number, nameAddr: number): number {
    const p = this.propOf(ph, nameAddr);
    return p === null ? PROM_ERROR : p.value.length;
  }

  private setprop(ph: number, nameAddr: number, buf: number, len: number): number {
    const node = this.tree.nodeByPhandle(ph);
    const name = this.readStr(nameAddr, 65);
    // An empty name is a guest error (the tree would refuse it by throwing).
    if (node === undefined || name === null || name.length === 0 || len > MAX_SETPROP || !this.inRam(buf, len)) return PROM_ERROR;
    node.setProp(name, this.host.mem.u8.slice(L.RAM_OFFSET + buf, L.RAM_OFFSET + buf + len));
    return len;
  }

  private nextprop(ph: number, prevAddr: number, buf: number): number {
    const node = this.tree.nodeByPhandle(ph);
    const prev = this.readStr(prevAddr, 65);
    if (node === undefined || prev === null) return PROM_ERROR;
    const next = node.nextPropName(prev);
    if (next === null) return 0;
    const bytes = new Uint8Array(next.length + 1);
    for (let i = 0; i < next.length; i++) bytes[i] = next.charCodeAt(i);
    return this.writeBytes(buf, bytes) ? 1 : PROM_ERROR;
  }

  private peer(ph: number): number {
    if (ph === 0) return this.tree.root.phandle;
    return this.tree.nodeByPhandle(ph)?.nextSibling()?.phandle ?? 0;
  }

  private child(ph: number): number {
    return this.tree.nodeByPhandle(ph)?.firstChild()?.phandle ?? 0;
  }

  private parent(ph: number): number {
    return this.tree.nodeByPhandle(ph)?.parent?.phandle ?? 0;
  }

  private open(path: string): number {
    const node = this.tree.findNode(path);
    if (node === undefined || this.lastInstance === 0xfffffffe) return PROM_ERROR;
    this.lastInstance++;
    this.instances.set(this.lastInstance, { path, node });
    return this.lastInstance;
  }

  private toPath(node: FdtNode | undefined, buf: number, len: number): number {
    if (node === undefined) return PROM_ERROR;
    const path = node.path;
    const bytes = new Uint8Array(path.length + 1);
    for (let i = 0; i < path.length; i++) bytes[i] = path.charCodeAt(i);
    const n = Math.min(bytes.length, len);
    return this.writeBytes(buf, bytes.subarray(0, n)) ? bytes.length : PROM_ERROR;
  }

  private write(ih: number, buf: number, len: number): number {
    if (!this.instances.has(ih) || !this.inRam(buf, len)) return PROM_ERROR;
    this.host.write(this.host.mem.u8.slice(L.RAM_OFFSET + buf, L.RAM_OFFSET + buf + len));
    return len;
  }

  /**
   * IEEE 1275 claim: with align 0, exactly [virt, virt+size); otherwise the first free
   * aligned range above the allocation cursor.
   */
  private claim(virt: number, size: number, align: number): number {
    if (size === 0) return PROM_ERROR;
    let at: number;
    if (align === 0) {
      if (!this.free(virt, size) || virt + size > this.topAddr) return PROM_ERROR;
      at = virt;
    } else {
      at = alignUp(this.claimedBase, align);
      for (;;) {
        if (at + size > this.topAddr) return PROM_ERROR;
        const clash = this.claimed.find((x) => overlaps(x.start, x.size, at, size));
        if (clash === undefined) break;
        at = alignUp(clash.start + clash.size, align);
      }
    }
    this.claimedBase = Math.max(this.claimedBase, at + size);
    this.claimed.push({ start: at, size });
    return at;
  }

  private free(start: number, size: number): boolean {
    return !this.claimed.some((x) => overlaps(x.start, x.size, start, size));
  }

  private callMethod(c: Cpu, a: number[], rets: number[]): number {
    if (a.length < 2) return PROM_ERROR;
    const method = this.readStr(a[0]);
    const inst = this.instances.get(a[1]);
    if (method === null || inst === undefined) return PROM_ERROR;
    const path = inst.node.path;
    // Both methods take one parameter (the vector / the RTAS base): missing is a guest error.
    if (path === '/' && method === 'ibm,client-architecture-support' && a.length >= 3) {
      rets[0] = 0;
      return this.host.clientArchitectureSupport(c, a[2]) >>> 0;
    }
    if (path === '/rtas' && method === 'instantiate-rtas' && a.length >= 3) {
      // The blob needs rtas-size bytes of RAM at the base the client chose.
      const size = inst.node.getU32('rtas-size') ?? 0;
      if (!this.inRam(a[2], Math.max(size, 1))) return PROM_ERROR;
      this.host.instantiateRtas(a[2]);
      rets[0] = a[2]; // rtas-base
      return 0;
    }
    log.log(c.hooks, () => `VOF: unknown method "${method}" on ${path}`);
    return PROM_ERROR;
  }
}

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

function overlaps(s1: number, l1: number, s2: number, l2: number): boolean {
  return s1 < s2 + l2 && s2 < s1 + l1;
}
