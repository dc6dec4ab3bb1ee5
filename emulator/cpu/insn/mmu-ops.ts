// TLB and SLB management instructions (Power ISA 3.0B Book III 5.9.3) for a radix guest:
// tlbie, tlbiel, tlbsync, and the SLB instructions, which stay legal but do nothing to
// translation (radix never consults an SLB; no SLB contents are kept). ptesync lives with
// the other synchronisation instructions.
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { reg31 } from '../decode.js';
import { raiseIllegal, raisePrivileged } from '../exceptions.js';
import { INVAL_ALL, INVAL_PAGES, INVAL_PROCESS, type InvalScope } from '../mmu/mmu.js';

function isHV(c: Cpu): boolean {
  return (c.u32[c.wi(L.MSR) + 1] & L.MSR_HI_HV) !== 0;
}

function lpcrLo(c: Cpu): number {
  return c.u32[c.wi(L.SPR + 8 * L.SPR_LPCR)];
}

/** Supervisor-privileged instruction: a Program interrupt in problem state. */
function requireSV(c: Cpu): void {
  if (c.pr) raisePrivileged(c);
}

/** Hypervisor-privileged: a guest (MSR[HV]=0) gets the privileged-instruction interrupt, as QEMU gives. */
function requireHV(c: Cpu): void {
  if (c.pr || !isHV(c)) raisePrivileged(c);
}

/** 4K pieces of a page of radix size encoding AP (RB bits 56:58); 0 = unknown size. */
function apPages(ap: number): number {
  switch (ap) {
    case 0:
      return 1; // 4K
    case 5:
      return 16; // 64K
    case 1:
      return 512; // 2M
    case 2:
      return 262144; // 1G
    default:
      return 0;
  }
}

/**
 * tlbie / tlbiel (X-form: RS, RIC, PRS, R, RB). Invalidates at least what the ISA asks:
 * single pages for IS=0 RIC=0, quadrant 0 (the process translations) for a PID other
 * than 0, and everything otherwise (no page walk cache exists; flushing more is correct).
 * Privilege checks follow QEMU (privileged-instruction Program interrupt).
 */
function tlbInvalidate(c: Cpu, insn: number, local: boolean): void {
  if (c.pr) raisePrivileged(c);
  const ric = (insn >>> 18) & 3;
  const prs = (insn >>> 17) & 1;
  const r = (insn >>> 16) & 1;
  if (!isHV(c)) {
    // Partition-scoped forms belong to the hypervisor, and so does tlbie unless LPCR[GTSE].
    const lpcr = lpcrLo(c);
    if ((prs === 0 && (lpcr & L.LPCR_HR) !== 0) || (!local && (lpcr & L.LPCR_GTSE) === 0)) raisePrivileged(c);
  }
  const rb = c.w + 2 * ((insn >>> 11) & 31);
  const rbLo = c.u32[rb];
  const rbHi = !local && !c.sf ? 0 : c.u32[rb + 1];
  const is = (rbLo >>> 10) & 3; // RB bits 52:53
  // Our TLB is a single congruence class, set 0: tlbiel of any other set (RB bits 40:51)
  // has nothing to drop. Linux walks all POWER9 sets (128) per PID flush; this keeps that cheap.
  if (local && is !== 0 && ((rbLo >>> 12) & 0xfff) !== 0) return;
  let scope: InvalScope = INVAL_ALL;
  let lo = 0;
  let hi = 0;
  let pages = 0;
  if (r === 1 && is === 0 && ric === 0) {
    pages = apPages((rbLo >>> 5) & 7); // AP: RB bits 56:58
    if (pages !== 0 && pages < 1 << 20) {
      scope = INVAL_PAGES;
      lo = (rbLo & ~(pages * 4096 - 1)) >>> 0; // EPN, aligned to the page size
      hi = rbHi;
    }
  } else if (r === 1 && is === 1 && prs === 1) {
    const pid = c.u32[c.w + 2 * ((insn >>> 21) & 31) + 1]; // RS bits 0:31
    if (pid !== 0) scope = INVAL_PROCESS; // PID 0 also backs quadrant 3: flush all
  }
  c.mmu.invalidate(scope, lo, hi, pages);
  if (!local && c.mmu.broadcast !== null) c.mmu.broadcast.tlbie(c, scope, lo, hi, pages);
}

function tlbie(c: Cpu, insn: number): void {
  tlbInvalidate(c, insn, false);
}

function tlbiel(c: Cpu, insn: number): void {
  tlbInvalidate(c, insn, true);
}

/** tlbsync: supervisor-privileged with LPCR[GTSE], else the hypervisor's. Our tlbie
 *  completes at once on this vCPU; waiting for the others is the broadcast hook's job. */
function tlbsync(c: Cpu): void {
  if (c.pr) raisePrivileged(c);
  if (!isHV(c) && (lpcrLo(c) & L.LPCR_GTSE) === 0) raisePrivileged(c);
}

/** slbia, slbie, slbieg, slbmte, slbsync: privileged, no effect under radix. */
function slbNop(c: Cpu): void {
  requireSV(c);
}

/** slbiag: hypervisor-privileged. */
function slbiag(c: Cpu): void {
  requireHV(c);
}

/** slbmfee / slbmfev: RT = 0 (no SLB entries are kept). */
function slbmf(c: Cpu, insn: number): void {
  requireSV(c);
  c.setGPR32((insn >>> 21) & 31, 0, 0);
}

/** slbfee.: never finds an entry: RT = 0, CR0 = 0b00 || XER[SO]. */
function slbfee(c: Cpu, insn: number): void {
  if ((insn & 1) === 0) raiseIllegal(c, insn);
  requireSV(c);
  c.setGPR32((insn >>> 21) & 31, 0, 0);
  const so = c.u32[c.wi(L.XER_SO)] & 1;
  c.cr = (c.cr & 0x0fffffff) | (so << 28);
}

reg31(306, tlbie);
reg31(274, tlbiel);
reg31(566, tlbsync);
reg31(498, slbNop); // slbia
reg31(434, slbNop); // slbie
reg31(466, slbNop); // slbieg
reg31(402, slbNop); // slbmte
reg31(338, slbNop); // slbsync
reg31(850, slbiag);
reg31(915, slbmf); // slbmfee
reg31(851, slbmf); // slbmfev
reg31(979, slbfee);
