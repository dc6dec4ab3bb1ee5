// Address translation for one vCPU (Power ISA 3.0B Book III ch. 6). The CPU's load,
// store and fetch fast paths hit its software TLB; on a miss they call translate().
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { raiseISI, DSISR_NOPTE } from '../exceptions.js';

export type Access = 0 | 1 | 2;
export const ACCESS_READ: Access = 0;
export const ACCESS_WRITE: Access = 1;
export const ACCESS_EXEC: Access = 2;

export class Mmu {
  /** False while the last translation must not be cached in the TLB. */
  cacheable = true;

  constructor(private readonly c: Cpu) {}

  /**
   * Guest real address for EA (lo, hi) and an access kind. On a fault, delivers the
   * storage interrupt (DSI/ISI/segment) and throws FAULT.
   */
  translate(lo: number, hi: number, access: Access): number {
    const msrLo = this.c.u32[this.c.wi(L.MSR)];
    const relocate = access === ACCESS_EXEC ? (msrLo & L.MSR_IR) !== 0 : (msrLo & L.MSR_DR) !== 0;
    if (!relocate) return realModeAddress(lo, hi);
    // Radix translation is not wired up yet.
    return realModeAddress(lo, hi);
  }

  /** Instruction fetch from a real address with no RAM behind it. */
  fetchOutsideRam(_lo: number, _hi: number, _pa: number): void {
    raiseISI(this.c, DSISR_NOPTE);
  }
}

/** Real mode (MSR[IR/DR]=0) in a guest partition: EA bits 0:3 are ignored. */
export function realModeAddress(lo: number, hi: number): number {
  return (hi & 0x0fffffff) * 0x100000000 + (lo >>> 0);
}
