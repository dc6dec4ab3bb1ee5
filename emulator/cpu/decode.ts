// Dispatch tables: the primary opcode (bits 0:5) selects a handler in OPS; primary
// opcodes with extended forms dispatch again on their XO field. Instruction family
// modules (insn/*.ts) fill the tables at load time through the reg* functions.
import type { Cpu } from './cpu.js';
import { raiseIllegal } from './exceptions.js';

export type Handler = (c: Cpu, insn: number) => void;

export const illegal: Handler = (c, insn) => raiseIllegal(c, insn);

export const OPS: Handler[] = new Array<Handler>(64).fill(illegal);
/** Opcode 19 (branch-conditional-to-register, CR logical, rfid, isync): XO = bits 21:30. */
export const OP19: Handler[] = new Array<Handler>(1024).fill(illegal);
/** Opcode 31 (X/XO/XFX forms): XO = bits 21:30 (XO-form OE is the top bit of it). */
export const OP31: Handler[] = new Array<Handler>(1024).fill(illegal);
/** Opcode 30 (MD/MDS rotates): bits 27:30. MD forms occupy both values of bit 30. */
export const OP30: Handler[] = new Array<Handler>(16).fill(illegal);
/** Opcode 59 (FP single, A and X forms): bits 21:30. A-forms fill every FRC value. */
export const OP59: Handler[] = new Array<Handler>(1024).fill(illegal);
/** Opcode 63 (FP double, A and X forms): bits 21:30. */
export const OP63: Handler[] = new Array<Handler>(1024).fill(illegal);
/** Opcode 4 (VMX): bits 21:31 (VX 11-bit XO; VA forms fill every VC value). */
export const OP4: Handler[] = new Array<Handler>(2048).fill(illegal);
/** Opcode 60 (VSX XX1/XX2/XX3/XX4): bits 21:29. */
export const OP60: Handler[] = new Array<Handler>(512).fill(illegal);

OPS[19] = (c, i) => OP19[(i >>> 1) & 0x3ff](c, i);
OPS[31] = (c, i) => OP31[(i >>> 1) & 0x3ff](c, i);
OPS[30] = (c, i) => OP30[(i >>> 1) & 0xf](c, i);
OPS[59] = (c, i) => OP59[(i >>> 1) & 0x3ff](c, i);
OPS[63] = (c, i) => OP63[(i >>> 1) & 0x3ff](c, i);
/** Opcode 57 (lfdp, lxsd, lxssp: DS-forms): bits 30:31. */
export const OP57: Handler[] = new Array<Handler>(4).fill(illegal);
/** Opcode 61 (stfdp, stxsd, stxssp: DS-forms, bits 30:31; lxv, stxv: DQ-forms, bits 29:31): bits 29:31. */
export const OP61: Handler[] = new Array<Handler>(8).fill(illegal);
OPS[57] = (c, i) => OP57[i & 3](c, i);
OPS[61] = (c, i) => OP61[i & 7](c, i);
OPS[4] = (c, i) => OP4[i & 0x7ff](c, i);
OPS[60] = (c, i) => OP60[(i >>> 2) & 0x1ff](c, i);

// One flat table resolves every instruction in a single lookup (the run loop calls
// DISPATCH[dispatchKey(insn)] directly, skipping the second-level hop for the
// extended opcodes). Every extended-opcode field lies in bits 21:31 (the low 11 bits
// of the word), so the key is the primary opcode and those bits, masked per primary
// opcode to the bits its sub-table decodes (0 for primary-only opcodes, so all their
// words share one entry and one cache line).
/**
 * The run loop's two small lookups in one array (one typed-array check per instruction
 * instead of two): [0, 64) the low-word bits each primary opcode's sub-table decodes
 * (XMASK), then per DISPATCH key its hot call-site slot (HOT_SLOT, see below).
 */
export const DECODE = new Int16Array(64 + (64 << 11));
/** Per primary opcode: the low-word bits its sub-table decodes. */
export const XMASK = DECODE.subarray(0, 64);
/** Handler per key (primary << 11) | (insn & XMASK[primary]); kept in step by claim(). */
export const DISPATCH: Handler[] = Array.from({ length: 64 << 11 }, () => illegal);

/** The DISPATCH index of an instruction word (the run loop inlines this). */
export function dispatchKey(insn: number): number {
  const op = insn >>> 26;
  return (op << 11) | (insn & XMASK[op]);
}

interface SubTable {
  op: number;
  /** Sub-table index -> its bits in the instruction word. */
  shift: number;
}
const SUB = new Map<Handler[], SubTable>();
function subTable(table: Handler[], op: number, shift: number): void {
  SUB.set(table, { op, shift });
  XMASK[op] = (table.length - 1) << shift;
  for (let k = 0; k < table.length; k++) DISPATCH[(op << 11) | (k << shift)] = table[k];
}
subTable(OP19, 19, 1);
subTable(OP31, 31, 1);
subTable(OP30, 30, 1);
subTable(OP59, 59, 1);
subTable(OP63, 63, 1);
subTable(OP57, 57, 0);
subTable(OP61, 61, 0);
subTable(OP4, 4, 0);
subTable(OP60, 60, 2);

function claim(table: Handler[], index: number, fn: Handler, what: string): void {
  if (table[index] !== illegal && table[index] !== fn) {
    throw new Error(`decode: ${what} slot ${index} registered twice`);
  }
  table[index] = fn;
  const sub = SUB.get(table);
  const key = sub !== undefined ? (sub.op << 11) | (index << sub.shift) : table === OPS ? index << 11 : -1;
  if (key >= 0) {
    DISPATCH[key] = fn;
    HOT_SLOT[key] = hotIndex.get(fn) ?? 0;
  }
}

// ---------------------------------------------------------------- hot call sites
//
// One generic call site `DISPATCH[key](c, insn)` is megamorphic: every instruction pays
// V8's generic Call builtins and a hard-to-predict indirect call. So the run loop gives
// the most frequently executed handlers a call site each (`case k: HOT[k](c, insn)` in
// a switch): a site that only ever sees one function is monomorphic, and V8 calls it
// directly or inlines it. HOT_SLOT maps a DISPATCH key to its slot, 0 for the generic
// site. Slots go to the handlers of representative words (assignHotSlots), chosen from
// dynamic counts on the Debian boot (~60% multi-precision arithmetic, loads/stores)
// and the cpu bench (CRC/copy/compare loops).

/** Slots 1..HOT_MAX; the run loop has exactly this many cases (keep them in step). */
export const HOT_MAX = 60;
/** DISPATCH key -> hot slot (0 = the generic call site). Kept in step by claim(). */
export const HOT_SLOT = DECODE.subarray(64);
/** Hot slot -> handler (slot 0 and unused slots hold `illegal`, never reached). */
export const HOT: Handler[] = Array.from({ length: HOT_MAX + 1 }, () => illegal);
const hotIndex = new Map<Handler, number>();

const x31 = (xo: number): number => (31 << 26) | (xo << 1);
const x19 = (xo: number): number => (19 << 26) | (xo << 1);
const d = (op: number): number => op << 26;
const md30 = (xo3: number): number => (30 << 26) | (xo3 << 2);

/** One word per hot handler, most frequent first. */
export const HOT_WORDS: readonly number[] = [
  x31(266), // add
  d(16), // bc
  md30(0), // rldicl
  x31(40), // subf
  x31(233), // mulld
  d(14), // addi (li)
  x31(21), // ldx
  x31(136), // subfe
  x31(8), // subfc
  d(58), // ld/ldu/lwa
  d(62), // std/stdu
  x31(444), // or (mr)
  x31(149), // stdx
  x31(32), // cmpl
  md30(1), // rldicr
  x31(986), // extsw
  md30(3), // rldimi
  d(11), // cmpi
  d(24), // ori (nop)
  d(18), // b
  d(21), // rlwinm
  x19(16), // bclr
  x31(339), // mfspr
  x31(467), // mtspr
  d(32), // lwz
  d(15), // addis
  d(28), // andi.
  d(34), // lbz
  x31(104), // neg
  x31(316), // xor
  d(10), // cmpli
  x31(0), // cmp
  x31(28), // and
  d(36), // stw
  d(35), // lbzu
  d(40), // lhz
  x31(87), // lbzx
  d(38), // stb
  x31(23), // lwzx
  x31(15), // isel
  md30(2), // rldic
  d(33), // lwzu
  x31(539), // srd
  x31(27), // sld
  x31(124), // nor
  x19(528), // bcctr
  d(20), // rlwimi
  d(44), // sth
  x31(598), // sync
  d(7), // mulli
  d(26), // xori
  d(2), // tdi
  x31(24), // slw
  x31(534), // lwbrx
  x31(103), // lvx
  x31(231), // stvx
  x31(457), // divdu
  x31(60), // andc
  d(13), // addic.
  x31(532), // ldbrx
];

/**
 * Give the handlers of `words` (as registered now) the hot slots, in order. The run
 * loop's module calls this once every instruction family has registered; handlers
 * registered afterwards use the generic site.
 */
export function assignHotSlots(words: readonly number[] = HOT_WORDS): void {
  hotIndex.clear();
  HOT.fill(illegal);
  let slot = 0;
  for (const word of words) {
    const fn = DISPATCH[dispatchKey(word)];
    if (fn === illegal || hotIndex.has(fn) || slot === HOT_MAX) continue;
    HOT[++slot] = fn;
    hotIndex.set(fn, slot);
  }
  for (let key = 0; key < DISPATCH.length; key++) HOT_SLOT[key] = hotIndex.get(DISPATCH[key]) ?? 0;
}

export function regPrimary(op: number, fn: Handler): void {
  claim(OPS, op, fn, 'primary opcode');
}
export function reg19(xo: number, fn: Handler): void {
  claim(OP19, xo, fn, 'op19');
}
/** X-form under 31: one slot. */
export function reg31(xo: number, fn: Handler): void {
  claim(OP31, xo, fn, 'op31');
}
/** XO-form under 31 (9-bit XO): with OE=0 and OE=1. */
export function reg31XO(xo9: number, fn: Handler, fnOE: Handler = fn): void {
  claim(OP31, xo9, fn, 'op31');
  claim(OP31, xo9 | 0x200, fnOE, 'op31');
}
/** MD-form under 30 (3-bit XO in bits 27:29): both values of bit 30. */
export function reg30MD(xo3: number, fn: Handler): void {
  claim(OP30, xo3 << 1, fn, 'op30');
  claim(OP30, (xo3 << 1) | 1, fn, 'op30');
}
/** MDS-form under 30 (4-bit XO in bits 27:30). */
export function reg30MDS(xo4: number, fn: Handler): void {
  claim(OP30, xo4, fn, 'op30');
}
/** X-form under 59/63: one 10-bit slot. */
export function regFPX(table: Handler[], xo: number, fn: Handler): void {
  claim(table, xo, fn, 'fp');
}
/** A-form under 59/63 (5-bit XO in bits 26:30): every value of the FRC field. */
export function regFPA(table: Handler[], xo5: number, fn: Handler): void {
  for (let frc = 0; frc < 32; frc++) claim(table, (frc << 5) | xo5, fn, 'fp A-form');
}
/** VX-form under 4: one 11-bit slot (bits 21:31). */
export function reg4(xo11: number, fn: Handler): void {
  claim(OP4, xo11, fn, 'op4');
}
/** VA-form under 4 (6-bit XO in bits 26:31): every VC value. */
export function reg4VA(xo6: number, fn: Handler): void {
  for (let vc = 0; vc < 32; vc++) claim(OP4, (vc << 6) | xo6, fn, 'op4 VA-form');
}
/** VC-form under 4 (10-bit XO in bits 22:31, Rc at bit 21): both Rc values. */
export function reg4VC(xo10: number, fn: Handler): void {
  claim(OP4, xo10, fn, 'op4 VC-form');
  claim(OP4, xo10 | 0x400, fn, 'op4 VC-form');
}
/** Under 60: one slot of bits 21:29. */
export function reg60(xo9: number, fn: Handler): void {
  claim(OP60, xo9, fn, 'op60');
}
/** DS-form under 57 (2-bit XO in bits 30:31). */
export function reg57(xo2: number, fn: Handler): void {
  claim(OP57, xo2, fn, 'op57');
}
/** DS-form under 61 (2-bit XO in bits 30:31): both values of bit 29 (part of DS). */
export function reg61DS(xo2: number, fn: Handler): void {
  claim(OP61, xo2, fn, 'op61');
  claim(OP61, xo2 | 4, fn, 'op61');
}
/** DQ-form under 61 (3-bit XO in bits 29:31). */
export function reg61DQ(xo3: number, fn: Handler): void {
  claim(OP61, xo3, fn, 'op61');
}
