// RTAS (Run-Time Abstraction Services). The guest copies a tiny blob into its memory
// (at "instantiate-rtas") and calls it in big-endian 32-bit real mode with r3 = the
// address of an argument buffer: token, nargs, nret, args..., rets... (32-bit
// big-endian cells). The blob traps into the machine with a private hypercall; this
// module reads the buffer, runs the call under the BQL and writes the return cells.
import type { Cpu } from '../../cpu/cpu.js';
import * as L from '../../cpu/layout.js';
import type { BQL } from '../../host/bql.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { RateLimitedLog } from '../../util/ratelimit.js';
import { type HcallTable, arg, H_SUCCESS, H_PARAMETER, H_PPCBOX_RTAS } from './hcall.js';
import { RTAS_TOKENS, type RtasCallName } from './rtas-tokens.js';

// Return codes (PAPR 7.2.8)
export const RTAS_OUT_SUCCESS = 0;
export const RTAS_OUT_NO_ERRORS_FOUND = 1;
export const RTAS_OUT_HW_ERROR = -1;
export const RTAS_OUT_BUSY = -2;
export const RTAS_OUT_PARAM_ERROR = -3;
export const RTAS_OUT_NOT_SUPPORTED = -3;

/**
 * The blob placed at linux,rtas-base (big-endian instructions):
 *   or r4,r3,r3 ; lis r3,0 ; ori r3,r3,H_PPCBOX_RTAS ; sc 1 ; blr
 */
export const RTAS_BLOB_WORDS = [0x7c641b78, 0x3c600000, 0x60630000 | H_PPCBOX_RTAS, 0x44000022, 0x4e800020];
/**
 * Bytes of the blob. /rtas "rtas-size" adds the error log and per-vCPU room to it as QEMU
 * does (0x82c with one vCPU, as QEMU 7.2's VOF trace shows prom_init claiming).
 */
export const RTAS_SIZE = RTAS_BLOB_WORDS.length * 4;

export function rtasBlob(): Uint8Array {
  const b = new Uint8Array(RTAS_BLOB_WORDS.length * 4);
  const dv = new DataView(b.buffer);
  RTAS_BLOB_WORDS.forEach((w, i) => dv.setUint32(4 * i, w, false));
  return b;
}

/** A call's view of its argument buffer. */
export class RtasArgs {
  constructor(
    private readonly mem: GuestMemory,
    /** Guest real address of the buffer. */
    readonly addr: number,
    readonly nargs: number,
    readonly nret: number,
  ) {}

  arg(n: number): number {
    return this.mem.dv.getUint32(L.RAM_OFFSET + this.addr + 12 + 4 * n, false);
  }

  /** Return cell n (0 is the status). */
  ret(n: number, v: number): void {
    if (n < this.nret) this.mem.dv.setUint32(L.RAM_OFFSET + this.addr + 12 + 4 * (this.nargs + n), v >>> 0, false);
  }
}

export type RtasHandler = (c: Cpu, a: RtasArgs) => void;

/** What RTAS needs from the machine. */
export interface RtasHost {
  readonly bql: BQL;
  readonly mem: GuestMemory;
  readonly cpus: readonly Cpu[];
  powerOff(): void;
  reboot(): void;
  osTerm(message: string): void;
  displayCharacter(ch: number): void;
  /** Start a stopped vCPU at `entry` with r3 (start-cpu). Returns false if it is not stopped. */
  startCpu(index: number, entry: number, r3: number): boolean;
  stopSelf(c: Cpu): void;
  isStopped(index: number): boolean;
}

const badCallLog = new RateLimitedLog(10, 1000);

export class Rtas {
  private readonly handlers = new Map<number, { name: string; fn: RtasHandler }>();
  /** Seconds added to the host clock by set-time-of-day. */
  clockOffsetSeconds = 0;

  constructor(private readonly host: RtasHost) {
    this.registerBuiltins();
  }

  register(name: RtasCallName, fn: RtasHandler): void {
    const token = RTAS_TOKENS[name];
    if (this.handlers.has(token)) throw new Error(`RTAS call ${name} registered twice`);
    this.handlers.set(token, { name, fn });
  }

  /** Names of the implemented calls (what /rtas should advertise). */
  implemented(): RtasCallName[] {
    return [...this.handlers.values()].map((h) => h.name as RtasCallName);
  }

  registerHcalls(t: HcallTable): void {
    t.register(H_PPCBOX_RTAS, 'RTAS', (c) => this.call(c, arg(c, 1)));
  }

  /** Serve the RTAS call whose argument buffer is at `addr`. Returns the hypercall status. */
  call(c: Cpu, addr: number): number {
    this.host.bql.assertHeld('RTAS');
    const mem = this.host.mem;
    if (addr < 0 || addr + 12 > mem.ramSize) return H_PARAMETER;
    const token = mem.dv.getUint32(L.RAM_OFFSET + addr, false);
    const nargs = mem.dv.getUint32(L.RAM_OFFSET + addr + 4, false);
    const nret = mem.dv.getUint32(L.RAM_OFFSET + addr + 8, false);
    if (nargs > 64 || nret > 64 || addr + 12 + 4 * (nargs + nret) > mem.ramSize) return H_PARAMETER;
    const a = new RtasArgs(mem, addr, nargs, nret);
    const h = this.handlers.get(token);
    if (h === undefined) {
      badCallLog.log(c.hooks, () => `vcpu${c.index}: unknown RTAS token 0x${token.toString(16)}`);
      a.ret(0, RTAS_OUT_NOT_SUPPORTED);
      return H_PARAMETER; // as QEMU's h_rtas (the guest reads the status cell)
    }
    h.fn(c, a);
    return H_SUCCESS;
  }

  private registerBuiltins(): void {
    const host = this.host;
    const mem = host.mem;
    const argsOk = (a: RtasArgs, nargs: number, nret: number): boolean => {
      if (a.nargs === nargs && a.nret === nret) return true;
      a.ret(0, RTAS_OUT_PARAM_ERROR);
      return false;
    };

    this.register('display-character', (_c, a) => {
      if (!argsOk(a, 1, 1)) return;
      host.displayCharacter(a.arg(0) & 0xff);
      a.ret(0, RTAS_OUT_SUCCESS);
    });

    this.register('get-time-of-day', (_c, a) => {
      if (!argsOk(a, 0, 8)) return;
      const ms = Date.now() + this.clockOffsetSeconds * 1000;
      const d = new Date(ms);
      a.ret(0, RTAS_OUT_SUCCESS);
      a.ret(1, d.getUTCFullYear());
      a.ret(2, d.getUTCMonth() + 1);
      a.ret(3, d.getUTCDate());
      a.ret(4, d.getUTCHours());
      a.ret(5, d.getUTCMinutes());
      a.ret(6, d.getUTCSeconds());
      a.ret(7, (((ms % 1000) + 1000) % 1000) * 1_000_000); // before 1970 too
    });

    this.register('set-time-of-day', (_c, a) => {
      if (!argsOk(a, 7, 1)) return;
      const [y, mo, d, h, mi, s] = [0, 1, 2, 3, 4, 5].map((n) => a.arg(n));
      if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
        a.ret(0, RTAS_OUT_PARAM_ERROR);
        return;
      }
      // setUTCFullYear takes the year as written (Date.UTC maps 0..99 to 1900..1999).
      const t = new Date(0);
      t.setUTCFullYear(y, mo - 1, d);
      t.setUTCHours(h, mi, s, 0);
      const target = t.getTime() / 1000;
      this.clockOffsetSeconds = target - Math.floor(Date.now() / 1000);
      a.ret(0, RTAS_OUT_SUCCESS);
    });

    this.register('power-off', (_c, a) => {
      if (!argsOk(a, 2, 1)) return;
      a.ret(0, RTAS_OUT_SUCCESS);
      host.powerOff();
    });

    this.register('system-reboot', (_c, a) => {
      if (!argsOk(a, 0, 1)) return;
      a.ret(0, RTAS_OUT_SUCCESS);
      host.reboot();
    });

    this.register('ibm,os-term', (_c, a) => {
      if (!argsOk(a, 1, 1)) return;
      const p = a.arg(0);
      let msg = '';
      for (let k = 0; k < 1024 && p + k < mem.ramSize; k++) {
        const b = mem.u8[L.RAM_OFFSET + p + k];
        if (b === 0) break;
        msg += String.fromCharCode(b);
      }
      a.ret(0, RTAS_OUT_SUCCESS);
      host.osTerm(msg);
    });

    this.register('event-scan', (_c, a) => {
      if (!argsOk(a, 4, 1)) return;
      a.ret(0, RTAS_OUT_NO_ERRORS_FOUND);
    });

    this.register('check-exception', (_c, a) => {
      if ((a.nargs !== 6 && a.nargs !== 7) || a.nret !== 1) {
        a.ret(0, RTAS_OUT_PARAM_ERROR);
        return;
      }
      a.ret(0, RTAS_OUT_NO_ERRORS_FOUND);
    });

    this.register('query-cpu-stopped-state', (_c, a) => {
      if (!argsOk(a, 1, 2)) return;
      const id = a.arg(0);
      if (id >= host.cpus.length) {
        a.ret(0, RTAS_OUT_PARAM_ERROR);
        return;
      }
      a.ret(0, RTAS_OUT_SUCCESS);
      a.ret(1, host.isStopped(id) ? 0 : 2);
    });

    this.register('start-cpu', (_c, a) => {
      if (!argsOk(a, 3, 1)) return;
      const id = a.arg(0);
      if (id >= host.cpus.length) {
        a.ret(0, RTAS_OUT_PARAM_ERROR);
        return;
      }
      if (!host.startCpu(id, a.arg(1), a.arg(2))) {
        a.ret(0, RTAS_OUT_HW_ERROR);
        return;
      }
      a.ret(0, RTAS_OUT_SUCCESS);
    });

    this.register('stop-self', (c, a) => {
      if (!argsOk(a, 0, 1)) return;
      a.ret(0, RTAS_OUT_SUCCESS);
      host.stopSelf(c);
    });
  }
}
