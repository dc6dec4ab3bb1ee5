// SPR and MSR moves, CR/XER moves, storage synchronisation, system call, and the
// hypervisor-owned SPR set-up of a POWER9 vCPU running as a pseries guest (MSR[HV]=0
// under our virtual hypervisor).
//
// mfspr/mtspr follow QEMU's POWER9 SPR registration (target/ppc/cpu_init.c) and its
// gen_op_mfspr/gen_mtspr rules, as seen by a guest:
// - an SPR without access for the current state (e.g. a hypervisor SPR such as LPCR, or
//   a privileged SPR from problem state) -> Program interrupt, privileged;
// - an SPR number that is not defined: if SPR bit 0x10 is set, privileged in problem
//   state and a no-op in privileged state; otherwise privileged from problem state
//   (and for mfspr 0/4/5/6, mtspr 0, also from privileged state), else a no-op;
// - SPRs 808-811 are no-ops (reserved by ISA 2.07 for that).
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { reg31, regPrimary } from '../decode.js';
import {
  raisePrivileged,
  raiseIllegal,
  raiseSyscall,
  raiseScv,
  raiseFacilityUnavailable,
  fscrEnabled,
  FSCR_IC_PM,
  FSCR_IC_TM,
  FSCR_IC_EBB,
  FSCR_IC_TAR,
  FSCR_IC_SCV,
  hex64,
  decPending,
} from '../exceptions.js';
import { readDEC, writeDEC, readTB64 } from '../timebase.js';
import { RateLimitedLog } from '../../util/ratelimit.js';

// Layout constants as module-level bindings: handlers must not pay a namespace lookup
// per access (module loaders may turn `L.X` into a getter call).
const { IRQ_PENDING, RUN_STATE, RUN_CEDED, CR, EXIT_REQ, LPCR_LD, MSR, MSR_BE, MSR_DR, MSR_EE, MSR_FE0, MSR_FE1, MSR_FP, MSR_HI_HV,
  MSR_HI_SF, MSR_IR, MSR_LE, MSR_ME, MSR_PMM, MSR_PR, MSR_RI, MSR_S, MSR_SE, MSR_VEC, MSR_VSX, SPR,
  SPR_AMR, SPR_AMR_U, SPR_CFAR, SPR_CTR, SPR_CTRL_R, SPR_CTRL_W, SPR_DAR, SPR_DEC, SPR_DPDES,
  SPR_DSCR, SPR_DSISR, SPR_FSCR, SPR_HDAR, SPR_HDEC, SPR_HDSISR, SPR_HRMOR, SPR_HSPRG0, SPR_HSPRG1,
  SPR_HSRR0, SPR_HSRR1, SPR_IAMR, SPR_LPCR, SPR_LPIDR, SPR_LR, SPR_PIDR, SPR_PIR, SPR_PPR,
  SPR_PPR32, SPR_PSPB, SPR_PTCR, SPR_PURR, SPR_PVR, SPR_SPRG0, SPR_SPRG3, SPR_SPRG3_U, SPR_SPURR,
  SPR_SRR0, SPR_SRR1, SPR_TAR, SPR_TBL_W, SPR_TBU40, SPR_TBU_U, SPR_TBU_W, SPR_TB_U, SPR_TIR,
  SPR_UAMOR, SPR_VRSAVE, SPR_XER, XER_BC, XER_CA, XER_CA32, XER_OV, XER_OV32, XER_SO, } = L;

/** POWER9 DD2.2, as QEMU's power9_v2.2 reports it. */
export const PVR_POWER9_DD22 = 0x004e1202;

const sprLog = new RateLimitedLog(20, 1000);

// Word offsets from c.w.
const CR_W = CR >> 2;
const MSR_W = MSR >> 2;
const SPR_W = SPR >> 2;
const XER_SO_W = XER_SO >> 2;
const XER_OV_W = XER_OV >> 2;
const XER_CA_W = XER_CA >> 2;
const XER_OV32_W = XER_OV32 >> 2;
const XER_CA32_W = XER_CA32 >> 2;
const XER_BC_W = XER_BC >> 2;
// SPR numbers of the hot paths as module constants (no namespace lookups per instruction).
const N_LR = SPR_LR;
const N_CTR = SPR_CTR;

// SPRs without a name in layout.ts.
const SPR_ACOP = 31;
const SPR_TFHAR = 128;
const SPR_TEXASRU = 131;
const SPR_TIDR = 144;
const SPR_EAR = 282;
const SPR_AMOR = 349;
const SPR_USIER = 768;
const SPR_UMMCR1 = 782;
const SPR_MMCR0 = 795;
const SPR_BESCRS = 800;
const SPR_BESCR = 806;
const SPR_IC = 848;
const SPR_VTB = 849;
const SPR_WORT = 895;
const SPR_HFSCR = 190;

// ---------------------------------------------------------------- MSR

/** MSR bits a guest can change (QEMU's POWER9 msr_mask less HV and TM, which we lack). */
const MSR_MASK_LO =
  MSR_VEC | MSR_VSX | MSR_EE | MSR_PR | MSR_FP | MSR_ME | MSR_FE0 | MSR_SE |
  MSR_BE | MSR_FE1 | MSR_IR | MSR_DR | MSR_PMM | MSR_RI | MSR_LE;

/**
 * Store a new MSR from mtmsr[d] or an rfi-type instruction, with the rules that hold in
 * guest state (ISA mtmsrd/rfid; QEMU hreg_store_msr): only implemented bits change,
 * MSR[HV], MSR[S] and MSR[ME] keep their values, and MSR[PR]=1 forces EE, IR and DR on.
 */
export function storeMSR(c: Cpu, lo: number, hi: number): void {
  const u32 = c.u32;
  const oldLo = u32[c.w + MSR_W];
  const oldHi = u32[c.w + MSR_W + 1];
  let nlo = (lo & MSR_MASK_LO & ~MSR_ME) | (oldLo & (MSR_ME | MSR_S));
  if ((nlo & MSR_PR) !== 0) nlo |= MSR_EE | MSR_IR | MSR_DR;
  const nhi = (hi & MSR_HI_SF) | (oldHi & MSR_HI_HV);
  c.setMSR(nlo, nhi);
}

function mfmsr(c: Cpu, insn: number): void {
  if (c.pr) raisePrivileged(c);
  const i = c.w + 2 * ((insn >>> 21) & 31);
  c.u32[i] = c.u32[c.w + MSR_W];
  c.u32[i + 1] = c.u32[c.w + MSR_W + 1];
}

/** mtmsr L=1 / mtmsrd L=1: only EE and RI change. */
function mtmsrEERI(c: Cpu, rsLo: number): void {
  const m = c.w + MSR_W;
  const mask = MSR_EE | MSR_RI;
  storeMSR(c, (c.u32[m] & ~mask) | (rsLo & mask), c.u32[m + 1]);
}

function mtmsr(c: Cpu, insn: number): void {
  if (c.pr) raisePrivileged(c);
  const rs = c.w + 2 * ((insn >>> 21) & 31);
  if ((insn & 0x10000) !== 0) mtmsrEERI(c, c.u32[rs]);
  else storeMSR(c, c.u32[rs], c.u32[c.w + MSR_W + 1]); // bits 32:63 only
}

function mtmsrd(c: Cpu, insn: number): void {
  if (c.pr) raisePrivileged(c);
  const rs = c.w + 2 * ((insn >>> 21) & 31);
  if ((insn & 0x10000) !== 0) mtmsrEERI(c, c.u32[rs]);
  else storeMSR(c, c.u32[rs], c.u32[rs + 1]);
}

// ---------------------------------------------------------------- SPR access table

// Access kinds, per SPR and state (problem / privileged) and direction.
const UNDEF = 0; // not defined: the SPR-number rules above
const PRIV = 1; // defined but not accessible: privileged Program interrupt
const GEN = 2; // plain 64-bit register in its SPR slot
const GEN32 = 3; // write keeps the low 32 bits (high word reads 0)
const SPECIAL = 4; // side effects or aliasing: see mfsprSpecial / mtsprSpecial
const NOP = 5; // defined no-op

const RD_USR = new Uint8Array(1024);
const RD_SUP = new Uint8Array(1024);
const WR_USR = new Uint8Array(1024);
const WR_SUP = new Uint8Array(1024);

function def(n: number, rdUsr: number, wrUsr: number, rdSup: number, wrSup: number): void {
  RD_USR[n] = rdUsr;
  WR_USR[n] = wrUsr;
  RD_SUP[n] = rdSup;
  WR_SUP[n] = wrSup;
}
/** Privileged-state read/write, no problem-state access. */
function sup(n: number, rd = GEN, wr = GEN): void {
  def(n, PRIV, PRIV, rd, wr);
}

// Generic: XER LR CTR (user and supervisor)
def(SPR_XER, SPECIAL, SPECIAL, SPECIAL, SPECIAL);
def(SPR_LR, GEN, GEN, GEN, GEN);
def(SPR_CTR, GEN, GEN, GEN, GEN);
sup(SPR_SRR0);
sup(SPR_SRR1);
for (let n = SPR_SPRG0; n <= SPR_SPRG3; n++) sup(n);
sup(SPR_PVR, GEN, PRIV);
def(SPR_TB_U, SPECIAL, PRIV, SPECIAL, PRIV);
def(SPR_TBU_U, SPECIAL, PRIV, SPECIAL, PRIV);
// Non-embedded: DSISR DAR DEC
sup(SPR_DSISR, GEN, GEN32);
sup(SPR_DAR);
sup(SPR_DEC, SPECIAL, SPECIAL);
// Book3S common
def(SPR_SPRG3_U, SPECIAL, PRIV, SPECIAL, PRIV);
def(SPR_VRSAVE, GEN, GEN, GEN, GEN);
def(SPR_CTRL_R, SPECIAL, PRIV, SPECIAL, PRIV);
def(SPR_CTRL_W, PRIV, PRIV, PRIV, GEN32);
// Performance monitor: supervisor registers 784-798, problem-state aliases 768-782.
for (const n of [784, 785, 786, 787, 788, 789, 790, 791, 792, 795, 796, 797, 798]) sup(n);
for (const n of [768, 769, 770, 771, 772, 773, 774, 775, 776, 779, 780, 781, 782]) {
  def(n, SPECIAL, SPECIAL, SPECIAL, SPECIAL);
}
// AMR, IAMR, UAMOR (AMOR is the hypervisor's)
def(SPR_AMR_U, SPECIAL, SPECIAL, SPECIAL, SPECIAL);
sup(SPR_AMR, GEN, SPECIAL);
sup(SPR_UAMOR, GEN, SPECIAL);
sup(SPR_IAMR, GEN, SPECIAL);
// PURR, SPURR: readable everywhere (QEMU), written by the hypervisor only
def(SPR_PURR, SPECIAL, PRIV, SPECIAL, PRIV);
def(SPR_SPURR, SPECIAL, PRIV, SPECIAL, PRIV);
def(SPR_PPR, GEN, GEN, GEN, GEN);
def(SPR_PPR32, SPECIAL, SPECIAL, SPECIAL, SPECIAL);
sup(SPR_EAR);
sup(SPR_DSCR);
sup(SPR_CFAR);
def(SPR_TAR, SPECIAL, SPECIAL, GEN, GEN);
sup(SPR_TIR, GEN, PRIV);
for (let n = SPR_BESCRS; n <= SPR_BESCR; n++) def(n, SPECIAL, SPECIAL, GEN, GEN);
sup(SPR_FSCR);
sup(SPR_PSPB, GEN, GEN32);
sup(SPR_DPDES, GEN, PRIV);
sup(SPR_VTB, SPECIAL, PRIV);
sup(SPR_IC, GEN, PRIV);
sup(SPR_ACOP);
sup(SPR_PIDR, GEN, SPECIAL);
sup(SPR_WORT);
def(SPR_TIDR, UNDEF, UNDEF, GEN, GEN);
sup(SPR_PIR, GEN, PRIV);
// Transactional memory SPRs: MSR[TM] is never set here, so always TM unavailable.
for (let n = SPR_TFHAR; n <= SPR_TEXASRU; n++) def(n, SPECIAL, SPECIAL, SPECIAL, SPECIAL);
// Hypervisor-only SPRs: no access for a guest in either state.
for (const n of [
  SPR_TBL_W, SPR_TBU_W, SPR_TBU40, SPR_HSPRG0, SPR_HSPRG1, SPR_HDSISR, SPR_HDAR,
  SPR_HDEC, SPR_HRMOR, SPR_HSRR0, SPR_HSRR1, SPR_LPCR, SPR_LPIDR, SPR_PTCR,
  SPR_AMOR, SPR_HFSCR, 180 /* DAWR0 */, 186 /* RPR */, 187 /* CIABR */, 188 /* DAWRX0 */,
  316 /* MMCRH */, 317 /* TFMR */, 336 /* HMER */, 337 /* HMEER */, 338 /* PCR */,
  392 /* MMCRC */, 816 /* ASDR (ISA 3.0: 0x330) */, 921 /* TSCR */, 1008 /* HID0 */,
]) {
  def(n, PRIV, PRIV, PRIV, PRIV);
}
for (let n = 808; n <= 811; n++) def(n, NOP, NOP, NOP, NOP);

// ---------------------------------------------------------------- mfspr / mtspr

function sprNum(insn: number): number {
  return ((insn >>> 16) & 0x1f) | ((insn >>> 6) & 0x3e0);
}

function setRT(c: Cpu, rt: number, lo: number, hi: number): void {
  const i = c.w + 2 * rt;
  c.u32[i] = lo;
  c.u32[i + 1] = hi;
}

function slotLo(c: Cpu, n: number): number {
  return c.u32[c.w + SPR_W + 2 * n];
}

function slotHi(c: Cpu, n: number): number {
  return c.u32[c.w + SPR_W + 2 * n + 1];
}

function setSlot(c: Cpu, n: number, lo: number, hi: number): void {
  c.u32[c.w + SPR_W + 2 * n] = lo;
  c.u32[c.w + SPR_W + 2 * n + 1] = hi;
}

/** The XER image: SO OV CA (bits 32:34), OV32 CA32 (44:45), byte count (57:63). */
export function readXER(c: Cpu): number {
  const u32 = c.u32;
  const w = c.w;
  return (
    ((u32[w + XER_SO_W] & 1) << 31) |
    ((u32[w + XER_OV_W] & 1) << 30) |
    ((u32[w + XER_CA_W] & 1) << 29) |
    ((u32[w + XER_OV32_W] & 1) << 19) |
    ((u32[w + XER_CA32_W] & 1) << 18) |
    (u32[w + XER_BC_W] & 0x7f)
  ) >>> 0;
}

export function writeXER(c: Cpu, v: number): void {
  const u32 = c.u32;
  const w = c.w;
  u32[w + XER_SO_W] = (v >>> 31) & 1;
  u32[w + XER_OV_W] = (v >>> 30) & 1;
  u32[w + XER_CA_W] = (v >>> 29) & 1;
  u32[w + XER_OV32_W] = (v >>> 19) & 1;
  u32[w + XER_CA32_W] = (v >>> 18) & 1;
  u32[w + XER_BC_W] = v & 0x7f;
}

/** Problem-state access to the performance monitor, gated by MMCR0[PMCC] (bits 44:45). */
function pmuUserCheck(c: Cpu, write: boolean): void {
  if (!c.pr) return;
  const pmcc = (slotLo(c, SPR_MMCR0) >>> 18) & 3;
  if (pmcc === 0 || (write && pmcc === 1)) raiseFacilityUnavailable(c, FSCR_IC_PM);
}

function mfsprSpecial(c: Cpu, rt: number, n: number): void {
  switch (n) {
    case SPR_XER:
      setRT(c, rt, readXER(c), 0);
      return;
    case SPR_AMR_U:
      setRT(c, rt, slotLo(c, SPR_AMR), slotHi(c, SPR_AMR));
      return;
    case SPR_DEC: {
      const lo = readDEC(c);
      setRT(c, rt, lo, c.vhi);
      return;
    }
    case SPR_CTRL_R:
      setRT(c, rt, slotLo(c, SPR_CTRL_W), 0);
      return;
    case SPR_SPRG3_U:
      setRT(c, rt, slotLo(c, SPR_SPRG3), slotHi(c, SPR_SPRG3));
      return;
    case SPR_TB_U:
    case SPR_PURR:
    case SPR_SPURR:
    case SPR_VTB: {
      // PURR/SPURR/VTB count with the timebase here (one thread per core, never idle-split).
      const lo = readTB64(c);
      setRT(c, rt, lo, c.vhi);
      return;
    }
    case SPR_TBU_U:
      readTB64(c);
      setRT(c, rt, c.vhi, 0);
      return;
    case SPR_PPR32:
      setRT(c, rt, slotHi(c, SPR_PPR), 0);
      return;
    case SPR_TAR:
      if (!fscrEnabled(c, FSCR_IC_TAR)) raiseFacilityUnavailable(c, FSCR_IC_TAR);
      setRT(c, rt, slotLo(c, n), slotHi(c, n));
      return;
    default:
      break;
  }
  if (n >= SPR_USIER && n <= SPR_UMMCR1) {
    pmuUserCheck(c, false);
    setRT(c, rt, slotLo(c, n + 16), slotHi(c, n + 16));
    return;
  }
  if (n >= SPR_BESCRS && n <= SPR_BESCR) {
    if (!fscrEnabled(c, FSCR_IC_EBB)) raiseFacilityUnavailable(c, FSCR_IC_EBB);
    setRT(c, rt, slotLo(c, n), slotHi(c, n));
    return;
  }
  if (n >= SPR_TFHAR && n <= SPR_TEXASRU) raiseFacilityUnavailable(c, FSCR_IC_TM);
  setRT(c, rt, slotLo(c, n), slotHi(c, n));
}

/** Store `v` under the mask into a key-mask register (AMR, IAMR, UAMOR). */
function maskedStore(c: Cpu, n: number, lo: number, hi: number, maskN: number): boolean {
  const mlo = slotLo(c, maskN);
  const mhi = slotHi(c, maskN);
  const olo = slotLo(c, n);
  const ohi = slotHi(c, n);
  const nlo = ((olo & ~mlo) | (lo & mlo)) >>> 0;
  const nhi = ((ohi & ~mhi) | (hi & mhi)) >>> 0;
  setSlot(c, n, nlo, nhi);
  return nlo !== olo || nhi !== ohi;
}

/** Tell the MMU that an SPR that translation depends on has changed. */
function translationSprWritten(c: Cpu, n: number): void {
  c.mmu.sprWritten(n);
  c.invalidateFetch();
}

function mtsprSpecial(c: Cpu, n: number, lo: number, hi: number): void {
  switch (n) {
    case SPR_XER:
      writeXER(c, lo);
      return;
    case SPR_AMR_U:
    case SPR_AMR:
      // Problem state changes only the keys UAMOR allows; privileged state those of AMOR.
      if (maskedStore(c, SPR_AMR, lo, hi, c.pr ? SPR_UAMOR : SPR_AMOR)) translationSprWritten(c, SPR_AMR);
      return;
    case SPR_IAMR:
      if (maskedStore(c, SPR_IAMR, lo, hi, SPR_AMOR)) translationSprWritten(c, SPR_IAMR);
      return;
    case SPR_UAMOR:
      maskedStore(c, SPR_UAMOR, lo, hi, SPR_AMOR);
      return;
    case SPR_PIDR:
      if (slotLo(c, n) !== lo >>> 0 || slotHi(c, n) !== hi >>> 0) {
        setSlot(c, n, lo, hi);
        translationSprWritten(c, n);
      }
      return;
    case SPR_DEC:
      writeDEC(c, lo, hi);
      c.endSlice(); // a negative DEC interrupts before the next instruction
      return;
    case SPR_PPR32:
      setSlot(c, SPR_PPR, slotLo(c, SPR_PPR), lo);
      return;
    case SPR_TAR:
      if (!fscrEnabled(c, FSCR_IC_TAR)) raiseFacilityUnavailable(c, FSCR_IC_TAR);
      setSlot(c, n, lo, hi);
      return;
    default:
      break;
  }
  if (n >= SPR_USIER && n <= SPR_UMMCR1) {
    pmuUserCheck(c, true);
    setSlot(c, n + 16, lo, hi);
    return;
  }
  if (n >= SPR_BESCRS && n <= SPR_BESCR) {
    if (!fscrEnabled(c, FSCR_IC_EBB)) raiseFacilityUnavailable(c, FSCR_IC_EBB);
    setSlot(c, n, lo, hi);
    return;
  }
  if (n >= SPR_TFHAR && n <= SPR_TEXASRU) raiseFacilityUnavailable(c, FSCR_IC_TM);
  setSlot(c, n, lo, hi);
}

function undefinedSpr(c: Cpu, n: number, write: boolean): void {
  sprLog.log(c.hooks, () =>
    `vcpu${c.index}: ${write ? 'mtspr to' : 'mfspr from'} undefined SPR ${n} at 0x${hex64(c.ciaHi, c.ciaLo)}`,
  );
  if ((n & 0x10) !== 0) {
    if (c.pr) raisePrivileged(c);
  } else if (c.pr || n === 0 || (!write && (n === 4 || n === 5 || n === 6))) {
    raisePrivileged(c);
  }
}

function mfspr(c: Cpu, insn: number): void {
  const n = sprNum(insn);
  const rt = (insn >>> 21) & 31;
  const u32 = c.u32;
  if (n === N_LR || n === N_CTR) {
    const s = c.w + SPR_W + 2 * n;
    const i = c.w + 2 * rt;
    u32[i] = u32[s];
    u32[i + 1] = u32[s + 1];
    return;
  }
  const k = c.pr ? RD_USR[n] : RD_SUP[n];
  if (k === GEN || k === GEN32) {
    setRT(c, rt, slotLo(c, n), slotHi(c, n));
  } else if (k === SPECIAL) {
    mfsprSpecial(c, rt, n);
  } else if (k === PRIV) {
    raisePrivileged(c);
  } else if (k === UNDEF) {
    undefinedSpr(c, n, false);
  }
}

function mtspr(c: Cpu, insn: number): void {
  const n = sprNum(insn);
  const rs = c.w + 2 * ((insn >>> 21) & 31);
  const u32 = c.u32;
  if (n === N_LR || n === N_CTR) {
    const s = c.w + SPR_W + 2 * n;
    u32[s] = u32[rs];
    u32[s + 1] = u32[rs + 1];
    return;
  }
  const k = c.pr ? WR_USR[n] : WR_SUP[n];
  if (k === GEN) {
    setSlot(c, n, u32[rs], u32[rs + 1]);
  } else if (k === GEN32) {
    setSlot(c, n, u32[rs], 0);
  } else if (k === SPECIAL) {
    mtsprSpecial(c, n, u32[rs], u32[rs + 1]);
  } else if (k === PRIV) {
    raisePrivileged(c);
  } else if (k === UNDEF) {
    undefinedSpr(c, n, true);
  }
}

// ---------------------------------------------------------------- CR and XER moves

/** FXM (8 bits, field 0 first) to the CR-word mask of the selected 4-bit fields. */
function fxmMask(fxm: number): number {
  let m = 0;
  for (let f = 0; f < 8; f++) if ((fxm & (0x80 >>> f)) !== 0) m |= 0xf << (28 - 4 * f);
  return m;
}
const FXM_MASK = new Int32Array(256);
for (let f = 0; f < 256; f++) FXM_MASK[f] = fxmMask(f);

/** mfcr, and mfocrf (bit 11 set): one field, the others 0. mfocrf with an FXM that is
 *  not one-hot leaves RT unchanged (as QEMU; the ISA leaves it undefined). */
function mfcr(c: Cpu, insn: number): void {
  const i = c.w + 2 * ((insn >>> 21) & 31);
  const cr = c.u32[c.w + CR_W];
  if ((insn & 0x100000) !== 0) {
    const fxm = (insn >>> 12) & 0xff;
    if (fxm === 0 || (fxm & (fxm - 1)) !== 0) return;
    c.u32[i] = cr & FXM_MASK[fxm];
  } else {
    c.u32[i] = cr;
  }
  c.u32[i + 1] = 0;
}

/** mtcrf, and mtocrf (bit 11 set: only a one-hot FXM does anything, as QEMU). */
function mtcrf(c: Cpu, insn: number): void {
  const fxm = (insn >>> 12) & 0xff;
  if ((insn & 0x100000) !== 0 && (fxm === 0 || (fxm & (fxm - 1)) !== 0)) return;
  const m = FXM_MASK[fxm];
  const k = c.w + CR_W;
  c.u32[k] = (c.u32[k] & ~m) | (c.u32[c.w + 2 * ((insn >>> 21) & 31)] & m);
}

function mcrxrx(c: Cpu, insn: number): void {
  const u32 = c.u32;
  const w = c.w;
  const v =
    ((u32[w + XER_OV_W] & 1) << 3) | ((u32[w + XER_OV32_W] & 1) << 2) | ((u32[w + XER_CA_W] & 1) << 1) | (u32[w + XER_CA32_W] & 1);
  const sh = 28 - 4 * ((insn >>> 23) & 7);
  u32[w + CR_W] = (u32[w + CR_W] & ~(0xf << sh)) | (v << sh);
}

// ---------------------------------------------------------------- synchronisation

/**
 * sync (L=0 hwsync, 1 lwsync, 2 ptesync). vCPUs are threads sharing memory: an atomic
 * read-modify-write orders this thread's earlier and later accesses for the others (a
 * full fence on the hosts we run on); lwsync/eieio only need the weaker ordering, which
 * an atomic load gives. Both also keep the JIT from moving accesses across them.
 */
function sync(c: Cpu, insn: number): void {
  const l = (insn >>> 21) & 3;
  if (l === 1) Atomics.load(c.i32, c.w + (EXIT_REQ >> 2));
  else Atomics.add(c.i32, c.w + (EXIT_REQ >> 2), 0);
}

function eieio(c: Cpu, _insn: number): void {
  Atomics.load(c.i32, c.w + (EXIT_REQ >> 2));
}

/**
 * wait: stop until an interrupt is pending. The vCPU parks as in H_CEDE (the machine's
 * loop wakes it on an interrupt source or DEC expiry) and resumes at the next
 * instruction, where the interrupt is taken if enabled.
 */
function wait(c: Cpu, _insn: number): void {
  c.endSlice();
  if (Atomics.load(c.i32, c.w + (IRQ_PENDING >> 2)) !== 0 || decPending(c)) return;
  Atomics.store(c.i32, c.w + (RUN_STATE >> 2), RUN_CEDED);
}

/** msgsnd, msgclr, msgsync: hypervisor doorbell instructions, privileged for a guest. */
function hvDoorbell(c: Cpu, _insn: number): void {
  raisePrivileged(c);
}

// ---------------------------------------------------------------- sc, scv

const H_PRIVILEGE = -3;

/**
 * sc LEV: LEV=1 from privileged state is a hypercall, run by our virtual hypervisor with
 * r3.. as arguments; execution continues at the next instruction. From problem state a
 * hypercall gets H_PRIVILEGE in r3 (as QEMU's spapr does). Any other LEV is a system
 * call interrupt (0xc00, SRR0 = the next instruction).
 */
function sc(c: Cpu, insn: number): void {
  if ((insn & 2) === 0) {
    if ((insn & 3) === 1) {
      if (!fscrEnabled(c, FSCR_IC_SCV)) raiseFacilityUnavailable(c, FSCR_IC_SCV);
      raiseScv(c, (insn >>> 5) & 0x7f);
    }
    raiseIllegal(c, insn);
  }
  if (((insn >>> 5) & 0x7f) !== 1) raiseSyscall(c);
  c.endSlice(); // the hypervisor may have changed state the loop must look at
  if (c.pr) {
    c.u32[c.w + 6] = H_PRIVILEGE >>> 0;
    c.u32[c.w + 7] = 0xffffffff;
    return;
  }
  c.hooks.hcall(c);
}

// ---------------------------------------------------------------- hypervisor-owned state

export interface HypervisorSprs {
  /** Processor version (default POWER9 DD2.2). */
  pvr?: number;
  /** Processor identification (default: the vCPU index). */
  pir?: number;
  /** LPCR as a 64-bit value (default: LPES0 | LPES1 | LD, QEMU's spapr reset value). */
  lpcr?: bigint;
  /** Authority mask for AMR/IAMR/UAMOR writes (default: all ones, as spapr sets it). */
  amor?: bigint;
}

const LPCR_LPES0 = 1 << (63 - 60);
const LPCR_LPES1 = 1 << (63 - 61);

/**
 * Set the SPRs that belong to the hypervisor, as a pseries machine does at vCPU reset,
 * and give the guest-visible SPRs their reset values. Not a guest instruction: no
 * privilege checks.
 */
export function setHypervisorSprs(c: Cpu, s: HypervisorSprs = {}): void {
  setSlot(c, SPR_PVR, (s.pvr ?? PVR_POWER9_DD22) >>> 0, 0);
  setSlot(c, SPR_PIR, (s.pir ?? c.index) >>> 0, 0);
  setSlot(c, SPR_TIR, 0, 0); // one thread per core
  const amor = s.amor ?? 0xffffffffffffffffn;
  setSlot(c, SPR_AMOR, Number(amor & 0xffffffffn), Number((amor >> 32n) & 0xffffffffn));
  setSlot(c, SPR_MMCR0, 0x80000000, 0); // counters frozen (MMCR0[FC])
  const lpcr = s.lpcr ?? BigInt(LPCR_LPES0 | LPCR_LPES1 | LPCR_LD);
  setLPCR(c, lpcr);
}

/** The hypervisor changes LPCR (reset, H_SET_MODE, H_REGISTER_PROC_TBL, CAS). */
export function setLPCR(c: Cpu, lpcr: bigint): void {
  setSlot(c, SPR_LPCR, Number(lpcr & 0xffffffffn), Number((lpcr >> 32n) & 0xffffffffn));
  translationSprWritten(c, SPR_LPCR);
}

// ---------------------------------------------------------------- registration

reg31(83, mfmsr);
reg31(146, mtmsr);
reg31(178, mtmsrd);
reg31(339, mfspr);
reg31(371, mfspr); // mftb: the same SPR numbers (268 TB, 269 TBU) and rules
reg31(467, mtspr);
reg31(19, mfcr);
reg31(144, mtcrf);
reg31(576, mcrxrx);
reg31(598, sync);
reg31(854, eieio); // also mbar
reg31(30, wait);
reg31(206, hvDoorbell); // msgsnd
reg31(238, hvDoorbell); // msgclr
reg31(886, hvDoorbell); // msgsync
regPrimary(17, sc);
