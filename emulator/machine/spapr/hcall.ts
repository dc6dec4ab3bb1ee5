// PAPR hypercalls (`sc 1`): opcode in r3, arguments in r4..r12, status back in r3 and
// outputs in r4... The dispatcher runs on the calling vCPU's thread with the BQL held
// (DESIGN.md rules 3 and 4): the vCPU's hcall hook takes the lock once around dispatch();
// handlers assert it and never take it themselves.
import type { Cpu } from '../../cpu/cpu.js';
import type { BQL } from '../../host/bql.js';
import { RateLimitedLog } from '../../util/ratelimit.js';

// Return codes
export const H_SUCCESS = 0;
export const H_BUSY = 1;
export const H_CLOSED = 2;
export const H_NOT_AVAILABLE = 3;
export const H_CONSTRAINED = 4;
export const H_PARTIAL = 5;
export const H_IN_PROGRESS = 14;
export const H_PAGE_REGISTERED = 15;
export const H_PARTIAL_STORE = 16;
export const H_PENDING = 17;
export const H_CONTINUE = 18;
export const H_LONG_BUSY_ORDER_1_MSEC = 9900;
export const H_HARDWARE = -1;
export const H_FUNCTION = -2;
export const H_PRIVILEGE = -3;
export const H_PARAMETER = -4;
export const H_BAD_MODE = -5;
export const H_PTEG_FULL = -6;
export const H_NOT_FOUND = -7;
export const H_RESERVED_DABR = -8;
export const H_NO_MEM = -9;
export const H_AUTHORITY = -10;
export const H_PERMISSION = -11;
export const H_DROPPED = -12;
export const H_SOURCE_PARM = -13;
export const H_DEST_PARM = -14;
export const H_REMOTE_PARM = -15;
export const H_RESOURCE = -16;
export const H_ADAPTER_PARM = -17;
export const H_RH_PARM = -18;
export const H_TOKEN_PARM = -25;
export const H_MEM_PARM = -28;
export const H_P2 = -55;
export const H_P3 = -56;
export const H_P4 = -57;
export const H_P5 = -58;
export const H_UNSUPPORTED_FLAG = -256;
export const H_OVERLAP = -68;
export const H_STATE = -75;
export const H_IN_USE = -77;

// Opcodes (PAPR; 0xf000.. are QEMU/KVM platform-specific ones that we reuse for our own
// firmware traps)
export const H_REMOVE = 0x04;
export const H_ENTER = 0x08;
export const H_READ = 0x0c;
export const H_PROTECT = 0x18;
export const H_GET_TCE = 0x1c;
export const H_PUT_TCE = 0x20;
export const H_SET_SPRG0 = 0x24;
export const H_SET_DABR = 0x28;
export const H_PAGE_INIT = 0x2c;
export const H_LOGICAL_CI_LOAD = 0x3c;
export const H_LOGICAL_CI_STORE = 0x40;
export const H_GET_TERM_CHAR = 0x54;
export const H_PUT_TERM_CHAR = 0x58;
export const H_EOI = 0x64;
export const H_CPPR = 0x68;
export const H_IPI = 0x6c;
export const H_IPOLL = 0x70;
export const H_XIRR = 0x74;
export const H_REGISTER_VPA = 0xdc;
export const H_CEDE = 0xe0;
export const H_CONFER = 0xe4;
export const H_PROD = 0xe8;
export const H_SET_XDABR = 0x134;
export const H_STUFF_TCE = 0x138;
export const H_PUT_TCE_INDIRECT = 0x13c;
export const H_GET_CPU_CHARACTERISTICS = 0x1c8;
export const H_JOIN = 0x298;
export const H_XIRR_X = 0x2fc;
export const H_RANDOM = 0x300;
export const H_SET_MODE = 0x31c;
export const H_INVALIDATE_PID = 0x378;
export const H_REGISTER_PROC_TBL = 0x37c;
export const H_SIGNAL_SYS_RESET = 0x380;
export const H_INT_GET_SOURCE_INFO = 0x3a8;
export const H_INT_SET_SOURCE_CONFIG = 0x3ac;
export const H_INT_GET_SOURCE_CONFIG = 0x3b0;
export const H_INT_GET_QUEUE_INFO = 0x3b4;
export const H_INT_SET_QUEUE_CONFIG = 0x3b8;
export const H_INT_GET_QUEUE_CONFIG = 0x3bc;
export const H_INT_SET_OS_REPORTING_LINE = 0x3c0;
export const H_INT_GET_OS_REPORTING_LINE = 0x3c4;
export const H_INT_ESB = 0x3c8;
export const H_INT_SYNC = 0x3cc;
export const H_INT_RESET = 0x3d0;
/** Our firmware traps: the RTAS blob and the Open Firmware client-interface stub. */
export const H_PPCBOX_RTAS = 0xf000;
export const H_PPCBOX_VOF_CLIENT = 0xf005;

/**
 * A hypercall handler: reads its arguments with arg(c, n) (n = 1 is r4), writes outputs
 * with ret(c, n, lo, hi) (n = 1 is r4) and returns the status for r3.
 */
export type HcallHandler = (c: Cpu) => number;

export interface HcallEntry {
  name: string;
  fn: HcallHandler;
}

/** Argument n (1 = r4 ... 9 = r12) as a JS number; exact below 2^53. */
export function arg(c: Cpu, n: number): number {
  const i = c.w + 2 * (3 + n);
  return c.u32[i + 1] * 0x100000000 + c.u32[i];
}

/** Argument n as two 32-bit halves: low word returned, high word in c.vhi. */
export function argLo(c: Cpu, n: number): number {
  const i = c.w + 2 * (3 + n);
  c.vhi = c.u32[i + 1];
  return c.u32[i];
}

/** Argument n as a bigint (for full 64-bit values). */
export function argBig(c: Cpu, n: number): bigint {
  return c.gpr(3 + n);
}

/** Set output n (1 = r4) from a non-negative JS integer below 2^53 or a bigint. */
export function ret(c: Cpu, n: number, v: number | bigint): void {
  if (typeof v === 'bigint') {
    c.setGPR(3 + n, v & 0xffffffffffffffffn);
    return;
  }
  c.setGPR32(3 + n, v >>> 0, Math.floor(v / 0x100000000) >>> 0);
}

const unknownLog = new RateLimitedLog(10, 1000);

export class HcallTable {
  private readonly table = new Map<number, HcallEntry>();
  /** Calls served, per opcode (debugging and tests). */
  readonly counts = new Map<number, number>();

  constructor(private readonly bql: BQL) {}

  register(opcode: number, name: string, fn: HcallHandler): void {
    if (this.table.has(opcode)) throw new Error(`hypercall 0x${opcode.toString(16)} (${name}) registered twice`);
    this.table.set(opcode, { name, fn });
  }

  has(opcode: number): boolean {
    return this.table.has(opcode);
  }

  name(opcode: number): string | undefined {
    return this.table.get(opcode)?.name;
  }

  /** Serve the hypercall in the vCPU's r3. The caller holds the BQL. */
  dispatch(c: Cpu): void {
    this.bql.assertHeld('hypercall dispatch');
    const i = c.w + 6;
    const opcode = c.u32[i + 1] === 0 ? c.u32[i] : -1;
    const e = opcode >= 0 ? this.table.get(opcode) : undefined;
    if (e === undefined) {
      unknownLog.log(c.hooks, () => `vcpu${c.index}: unknown hypercall 0x${c.gpr(3).toString(16)} at 0x${c.ciaHi.toString(16)}${(c.ciaLo >>> 0).toString(16).padStart(8, '0')}: H_FUNCTION`);
      c.setGPR32(3, H_FUNCTION, -1);
      return;
    }
    this.counts.set(opcode, (this.counts.get(opcode) ?? 0) + 1);
    const status = e.fn(c);
    c.setGPR32(3, status, status < 0 ? -1 : 0);
  }
}
