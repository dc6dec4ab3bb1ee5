// VMX integer arithmetic, compares, shifts and rotates, min/max/average, counts
// (Power ISA 3.0B Book I 6.9, 6.10). Byte, halfword and word operations run over the
// host storage directly (element-wise: every operand uses the same position), through
// one loop per element size with the operation chosen by a switch. Doubleword
// operations work on (low, high) 32-bit pairs.
import type { Cpu } from '../cpu.js';
import * as L from '../layout.js';
import { reg4, reg4VC } from '../decode.js';
import { raiseIllegal, raiseVMXUnavailable } from '../exceptions.js';
import { u16of, VSCR_W as VSCR_W_ } from '../vreg.js';
import { VSR as VSR_LAYOUT, MSR as MSR_LAYOUT, MSR_VEC as MSR_VEC_LAYOUT } from '../layout.js';

// Hot helpers and shared values as module-local bindings: under the module loader a
// call into another module (or a read of its export) costs a getter; see vreg.ts for
// the documented shared versions.
const VSR_OFF = VSR_LAYOUT;
const MSR_W = MSR_LAYOUT >> 2;
const MSR_VEC = MSR_VEC_LAYOUT;
const VSCR_W = VSCR_W_;

function vw(c: Cpu, n: number): number {
  return ((c.base + VSR_OFF) >> 2) + (n << 2);
}

function vb(c: Cpu, n: number): number {
  return c.base + VSR_OFF + (n << 4);
}

function needVMX(c: Cpu): void {
  if ((c.u32[c.w + MSR_W] & MSR_VEC) === 0) raiseVMXUnavailable(c);
}

function setSAT(c: Cpu): void {
  c.u32[c.w + VSCR_W] |= 1;
}

const CR_W = L.CR >> 2;

// Element operations (shared by the byte, halfword and word loops).
const ADDUS = 2;
const ADDSS = 3;
const SUBUS = 4;
const SUBSS = 5;
const MAXU = 6;
const MAXS = 7;
const MINU = 8;
const MINS = 9;
const AVGU = 10;
const AVGS = 11;
const ABSDU = 12;
const SL = 13;
const SR = 14;
const SRA = 15;
const RL = 16;
const CMPEQ = 17;
const CMPNE = 18;
const CMPNEZ = 19;
const CMPGTU = 20;
const CMPGTS = 21;
const ADDC = 22;
const SUBC = 23;
const MULM = 24;

/** Flags gathered by compares: bit 0 = some element false, bit 1 = some element true. */
let seen = 0;
/** Set when a saturating operation clamped an element. */
let sat = false;

/**
 * One element: x, y unsigned `bits`-bit values; returns the unsigned result (any
 * integer; the caller truncates).
 */
function elem(op: number, x: number, y: number, bits: number): number {
  const sh = 32 - bits;
  switch (op) {
    case ADDUS: {
      const r = x + y;
      const max = 2 ** bits - 1;
      if (r > max) {
        sat = true;
        return max;
      }
      return r;
    }
    case SUBUS: {
      const r = x - y;
      if (r < 0) {
        sat = true;
        return 0;
      }
      return r;
    }
    case ADDSS:
    case SUBSS: {
      const sx = (x << sh) >> sh;
      const sy = (y << sh) >> sh;
      const r = op === ADDSS ? sx + sy : sx - sy;
      const max = 2 ** (bits - 1) - 1;
      if (r > max) {
        sat = true;
        return max;
      }
      if (r < -max - 1) {
        sat = true;
        return -max - 1;
      }
      return r;
    }
    case MAXU:
      return x > y ? x : y;
    case MINU:
      return x < y ? x : y;
    case MAXS:
      return ((x << sh) >> sh) > ((y << sh) >> sh) ? x : y;
    case MINS:
      return ((x << sh) >> sh) < ((y << sh) >> sh) ? x : y;
    case AVGU:
      return Math.floor((x + y + 1) / 2);
    case AVGS:
      return Math.floor((((x << sh) >> sh) + ((y << sh) >> sh) + 1) / 2);
    case ABSDU:
      return x > y ? x - y : y - x;
    case SL:
      return x << (y & (bits - 1));
    case SR:
      return x >>> (y & (bits - 1));
    case SRA:
      return ((x << sh) >> sh) >> (y & (bits - 1));
    case RL: {
      const n = y & (bits - 1);
      return n === 0 ? x : (x << n) | (x >>> (bits - n));
    }
    case CMPEQ:
      return flag(x === y);
    case CMPNE:
      return flag(x !== y);
    case CMPNEZ:
      return flag(x !== y || x === 0 || y === 0);
    case CMPGTU:
      return flag(x > y);
    case CMPGTS:
      return flag(((x << sh) >> sh) > ((y << sh) >> sh));
    case ADDC:
      return x + y > 0xffffffff ? 1 : 0;
    case SUBC:
      return x >= y ? 1 : 0;
    default: // MULM (words only)
      return Math.imul(x, y);
  }
}

function flag(b: boolean): number {
  seen |= b ? 2 : 1;
  return b ? -1 : 0;
}

/**
 * CR6 after a compare with Rc=1 (bit 21, 0x400): 0b1000 all true, 0b0010 all false.
 * Only for compares: in other VX-forms bit 21 is part of the XO.
 */
function setCR6(c: Cpu, insn: number, isCompare: boolean): void {
  if (!isCompare || (insn & 0x400) === 0) return;
  const v = seen === 2 ? 8 : seen === 1 ? 2 : 0;
  const i = c.w + CR_W;
  c.u32[i] = (c.u32[i] & ~0xf0) | (v << 4);
}

function bytes(c: Cpu, insn: number, op: number): void {
  needVMX(c);
  const u8 = c.u8;
  const t = vb(c, 32 + ((insn >>> 21) & 31));
  const a = vb(c, 32 + ((insn >>> 16) & 31));
  const b = vb(c, 32 + ((insn >>> 11) & 31));
  seen = 0;
  sat = false;
  for (let k = 0; k < 16; k++) u8[t + k] = elem(op, u8[a + k], u8[b + k], 8);
  if (sat) setSAT(c);
  setCR6(c, insn, op >= CMPEQ && op <= CMPGTS);
}

function halves(c: Cpu, insn: number, op: number): void {
  needVMX(c);
  const u16 = u16of(c);
  const t = vb(c, 32 + ((insn >>> 21) & 31)) >> 1;
  const a = vb(c, 32 + ((insn >>> 16) & 31)) >> 1;
  const b = vb(c, 32 + ((insn >>> 11) & 31)) >> 1;
  seen = 0;
  sat = false;
  for (let k = 0; k < 8; k++) u16[t + k] = elem(op, u16[a + k], u16[b + k], 16);
  if (sat) setSAT(c);
  setCR6(c, insn, op >= CMPEQ && op <= CMPGTS);
}

function words(c: Cpu, insn: number, op: number): void {
  needVMX(c);
  const u32 = c.u32;
  const t = vw(c, 32 + ((insn >>> 21) & 31));
  const a = vw(c, 32 + ((insn >>> 16) & 31));
  const b = vw(c, 32 + ((insn >>> 11) & 31));
  seen = 0;
  sat = false;
  for (let k = 0; k < 4; k++) u32[t + k] = elem(op, u32[a + k], u32[b + k], 32);
  if (sat) setSAT(c);
  setCR6(c, insn, op >= CMPEQ && op <= CMPGTS);
}

/** vcmpequb(.): the hot one (string functions), without the generic switch. */
function vcmpequb(c: Cpu, insn: number): void {
  needVMX(c);
  const u32 = c.u32;
  const t = vw(c, 32 + ((insn >>> 21) & 31));
  const a = vw(c, 32 + ((insn >>> 16) & 31));
  const b = vw(c, 32 + ((insn >>> 11) & 31));
  let any = 0;
  let all = -1;
  for (let k = 0; k < 4; k++) {
    const d = u32[a + k] ^ u32[b + k];
    // 0x80 in each byte that is equal (d byte = 0): the classic zero-byte test, exact form.
    const low = ((d & 0x7f7f7f7f) + 0x7f7f7f7f) | d;
    const eqHigh = ~(low | 0x7f7f7f7f) >>> 0; // 0x80 where the byte is 0
    const m = ((eqHigh >>> 7) * 0xff) >>> 0;
    u32[t + k] = m;
    any |= m;
    all &= m;
  }
  if ((insn & 0x400) !== 0) {
    const v = all === -1 ? 8 : any === 0 ? 2 : 0;
    const i = c.w + CR_W;
    c.u32[i] = (c.u32[i] & ~0xf0) | (v << 4);
  }
}

// Modulo add/subtract of bytes, halfwords and words: whole words at a time (carries
// kept inside each element by masking the top bit of every element).
const M_ADDB = 0;
const M_ADDH = 1;
const M_ADDW = 2;
const M_SUBB = 3;
const M_SUBH = 4;
const M_SUBW = 5;

function modArith(c: Cpu, insn: number, kind: number): void {
  needVMX(c);
  const u32 = c.u32;
  const t = vw(c, 32 + ((insn >>> 21) & 31));
  const a = vw(c, 32 + ((insn >>> 16) & 31));
  const b = vw(c, 32 + ((insn >>> 11) & 31));
  const top = kind === M_ADDB || kind === M_SUBB ? 0x80808080 : 0x80008000;
  const low = ~top;
  for (let k = 0; k < 4; k++) {
    const x = u32[a + k];
    const y = u32[b + k];
    let r: number;
    switch (kind) {
      case M_ADDW:
        r = x + y;
        break;
      case M_SUBW:
        r = x - y;
        break;
      case M_ADDB:
      case M_ADDH:
        r = ((x & low) + (y & low)) ^ ((x ^ y) & top);
        break;
      default:
        r = ((x | top) - (y & low)) ^ ((x ^ ~y) & top);
        break;
    }
    u32[t + k] = r;
  }
}

// ---------------------------------------------------------------- doublewords

const D_ADD = 0;
const D_SUB = 1;
const D_MAXU = 2;
const D_MAXS = 3;
const D_MINU = 4;
const D_MINS = 5;
const D_SL = 6;
const D_SR = 7;
const D_SRA = 8;
const D_RL = 9;
const D_CMPEQ = 10;
const D_CMPGTU = 11;
const D_CMPGTS = 12;
const D_CMPNE = 13;

/** x > y as unsigned 64-bit (lo/hi pairs). */
function gtu64(xl: number, xh: number, yl: number, yh: number): boolean {
  return xh !== yh ? xh >>> 0 > yh >>> 0 : xl >>> 0 > yl >>> 0;
}

function gts64(xl: number, xh: number, yl: number, yh: number): boolean {
  return xh !== yh ? (xh | 0) > (yh | 0) : xl >>> 0 > yl >>> 0;
}

function dwords(c: Cpu, insn: number, op: number): void {
  needVMX(c);
  const u32 = c.u32;
  const t = vw(c, 32 + ((insn >>> 21) & 31));
  const a = vw(c, 32 + ((insn >>> 16) & 31));
  const b = vw(c, 32 + ((insn >>> 11) & 31));
  seen = 0;
  for (let k = 0; k < 4; k += 2) {
    const xl = u32[a + k];
    const xh = u32[a + k + 1];
    const yl = u32[b + k];
    const yh = u32[b + k + 1];
    let rl: number;
    let rh: number;
    switch (op) {
      case D_ADD: {
        const s = xl + yl;
        rl = s;
        rh = xh + yh + (s > 0xffffffff ? 1 : 0);
        break;
      }
      case D_SUB: {
        rl = xl - yl;
        rh = xh - yh - (xl < yl ? 1 : 0);
        break;
      }
      case D_MAXU:
      case D_MINU:
      case D_MAXS:
      case D_MINS: {
        const gt = op === D_MAXU || op === D_MINU ? gtu64(xl, xh, yl, yh) : gts64(xl, xh, yl, yh);
        const takeX = op === D_MAXU || op === D_MAXS ? gt : !gt;
        rl = takeX ? xl : yl;
        rh = takeX ? xh : yh;
        break;
      }
      case D_SL: {
        const n = yl & 63;
        if (n === 0) {
          rl = xl;
          rh = xh;
        } else if (n < 32) {
          rh = (xh << n) | (xl >>> (32 - n));
          rl = xl << n;
        } else {
          rh = xl << (n - 32);
          rl = 0;
        }
        break;
      }
      case D_SR:
      case D_SRA: {
        const n = yl & 63;
        const fill = op === D_SRA ? (xh | 0) >> 31 : 0;
        if (n === 0) {
          rl = xl;
          rh = xh;
        } else if (n < 32) {
          rl = (xl >>> n) | (xh << (32 - n));
          rh = op === D_SRA ? (xh | 0) >> n : xh >>> n;
        } else {
          rl = op === D_SRA ? (xh | 0) >> (n - 32) : xh >>> (n - 32);
          rh = fill;
        }
        break;
      }
      case D_RL: {
        let n = yl & 63;
        let l = xl;
        let h = xh;
        if (n >= 32) {
          l = xh;
          h = xl;
          n -= 32;
        }
        if (n === 0) {
          rl = l;
          rh = h;
        } else {
          rh = (h << n) | (l >>> (32 - n));
          rl = (l << n) | (h >>> (32 - n));
        }
        break;
      }
      case D_CMPEQ:
        rl = rh = flag(xl === yl && xh === yh);
        break;
      case D_CMPNE:
        rl = rh = flag(xl !== yl || xh !== yh);
        break;
      case D_CMPGTU:
        rl = rh = flag(gtu64(xl, xh, yl, yh));
        break;
      default: // D_CMPGTS
        rl = rh = flag(gts64(xl, xh, yl, yh));
        break;
    }
    u32[t + k] = rl;
    u32[t + k + 1] = rh;
  }
  setCR6(c, insn, op >= D_CMPEQ);
}

// ---------------------------------------------------------------- quadword add/sub

/** Storage word index of the ISA words 3, 2, 1, 0 (least significant first). */
const QUAD_ORDER = new Int32Array([2, 3, 0, 1]);

/** vadduqm / vsubuqm: 128-bit modulo add/subtract. */
function addSubQuad(c: Cpu, insn: number, sub: boolean): void {
  needVMX(c);
  const u32 = c.u32;
  const t = vw(c, 32 + ((insn >>> 21) & 31));
  const a = vw(c, 32 + ((insn >>> 16) & 31));
  const b = vw(c, 32 + ((insn >>> 11) & 31));
  let carry = sub ? 1 : 0;
  let r0 = 0;
  let r1 = 0;
  let r2 = 0;
  let r3 = 0;
  for (let j = 0; j < 4; j++) {
    const k = QUAD_ORDER[j];
    const y = sub ? ~u32[b + k] >>> 0 : u32[b + k];
    const s = u32[a + k] + y + carry;
    carry = s > 0xffffffff ? 1 : 0;
    if (j === 0) r0 = s;
    else if (j === 1) r1 = s;
    else if (j === 2) r2 = s;
    else r3 = s;
  }
  u32[t + 2] = r0;
  u32[t + 3] = r1;
  u32[t] = r2;
  u32[t + 1] = r3;
}

// ---------------------------------------------------------------- unary: counts, negate, sign-extend

function popcnt32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

const U_POPCNT = 0;
const U_CLZ = 1;
const U_CTZ = 2;

/** Per-element count of size `bytes` (1, 2, 4, 8). */
function countOp(c: Cpu, insn: number, op: number, size: number): void {
  needVMX(c);
  const t = 32 + ((insn >>> 21) & 31);
  const b = 32 + ((insn >>> 11) & 31);
  if (size === 8) {
    const u32 = c.u32;
    const wt = vw(c, t);
    const wb = vw(c, b);
    for (let k = 0; k < 4; k += 2) {
      const l = u32[wb + k];
      const h = u32[wb + k + 1];
      let r: number;
      if (op === U_POPCNT) r = popcnt32(l) + popcnt32(h);
      else if (op === U_CLZ) r = h !== 0 ? Math.clz32(h) : 32 + Math.clz32(l);
      else r = l !== 0 ? ctz32(l) : 32 + ctz32(h);
      u32[wt + k] = r;
      u32[wt + k + 1] = 0;
    }
    return;
  }
  if (size === 4) {
    const u32 = c.u32;
    const wt = vw(c, t);
    const wb = vw(c, b);
    for (let k = 0; k < 4; k++) {
      const x = u32[wb + k];
      u32[wt + k] = op === U_POPCNT ? popcnt32(x) : op === U_CLZ ? Math.clz32(x) : ctz32(x);
    }
    return;
  }
  if (size === 2) {
    const u16 = u16of(c);
    const ht = vb(c, t) >> 1;
    const hb = vb(c, b) >> 1;
    for (let k = 0; k < 8; k++) {
      const x = u16[hb + k];
      u16[ht + k] = op === U_POPCNT ? popcnt32(x) : op === U_CLZ ? Math.clz32(x) - 16 : x === 0 ? 16 : ctz32(x);
    }
    return;
  }
  const u8 = c.u8;
  const bt = vb(c, t);
  const bb = vb(c, b);
  for (let k = 0; k < 16; k++) {
    const x = u8[bb + k];
    u8[bt + k] = op === U_POPCNT ? popcnt32(x) : op === U_CLZ ? Math.clz32(x) - 24 : x === 0 ? 8 : ctz32(x);
  }
}

/**
 * Opcode 4 XO 1538: one slot, the operation in the VRA field (vclzlsbb, vctzlsbb,
 * vnegw/d, vprtybw/d/q, vextsb2w..vextsw2d, vctzb/h/w/d).
 */
function vx1538(c: Cpu, insn: number): void {
  const sub = (insn >>> 16) & 31;
  switch (sub) {
    case 0:
    case 1:
      return lsbbCount(c, insn, sub === 1);
    case 6:
    case 7:
      return negate(c, insn, sub === 7);
    case 8:
    case 9:
    case 10:
      return parity(c, insn, sub);
    case 16:
    case 17:
    case 24:
    case 25:
    case 26:
      return signExtend(c, insn, sub);
    case 28:
      return countOp(c, insn, U_CTZ, 1);
    case 29:
      return countOp(c, insn, U_CTZ, 2);
    case 30:
      return countOp(c, insn, U_CTZ, 4);
    case 31:
      return countOp(c, insn, U_CTZ, 8);
    default:
      raiseIllegal(c, insn);
  }
}

/** vclzlsbb / vctzlsbb RT,VRB: leading/trailing bytes whose least significant bit is 0. */
function lsbbCount(c: Cpu, insn: number, trailing: boolean): void {
  needVMX(c);
  const u8 = c.u8;
  const b = vb(c, 32 + ((insn >>> 11) & 31));
  let n = 0;
  if (trailing) {
    for (let i = 15; i >= 0 && (u8[b + (i ^ 7)] & 1) === 0; i--) n++;
  } else {
    for (let i = 0; i < 16 && (u8[b + (i ^ 7)] & 1) === 0; i++) n++;
  }
  c.setGPR32((insn >>> 21) & 31, n, 0);
}

function negate(c: Cpu, insn: number, dword: boolean): void {
  needVMX(c);
  const u32 = c.u32;
  const t = vw(c, 32 + ((insn >>> 21) & 31));
  const b = vw(c, 32 + ((insn >>> 11) & 31));
  if (!dword) {
    for (let k = 0; k < 4; k++) u32[t + k] = -u32[b + k];
    return;
  }
  for (let k = 0; k < 4; k += 2) {
    const l = u32[b + k];
    const h = u32[b + k + 1];
    u32[t + k] = -l;
    u32[t + k + 1] = ~h + (l === 0 ? 1 : 0);
  }
}

/** vprtybw/d/q: parity of the least significant bit of each byte of the element. */
function parity(c: Cpu, insn: number, sub: number): void {
  needVMX(c);
  const u32 = c.u32;
  const t = vw(c, 32 + ((insn >>> 21) & 31));
  const b = vw(c, 32 + ((insn >>> 11) & 31));
  const p0 = popcnt32(u32[b] & 0x01010101) & 1;
  const p1 = popcnt32(u32[b + 1] & 0x01010101) & 1;
  const p2 = popcnt32(u32[b + 2] & 0x01010101) & 1;
  const p3 = popcnt32(u32[b + 3] & 0x01010101) & 1;
  if (sub === 8) {
    u32[t] = p0;
    u32[t + 1] = p1;
    u32[t + 2] = p2;
    u32[t + 3] = p3;
  } else if (sub === 9) {
    u32[t] = p0 ^ p1;
    u32[t + 1] = 0;
    u32[t + 2] = p2 ^ p3;
    u32[t + 3] = 0;
  } else {
    // Quadword: ISA word 3 (storage word 2) holds the parity.
    u32[t + 2] = p0 ^ p1 ^ p2 ^ p3;
    u32[t] = 0;
    u32[t + 1] = 0;
    u32[t + 3] = 0;
  }
}

/** vextsb2w, vextsh2w, vextsb2d, vextsh2d, vextsw2d: sign-extend the low part of each element. */
function signExtend(c: Cpu, insn: number, sub: number): void {
  needVMX(c);
  const u32 = c.u32;
  const t = vw(c, 32 + ((insn >>> 21) & 31));
  const b = vw(c, 32 + ((insn >>> 11) & 31));
  if (sub === 16 || sub === 17) {
    const sh = sub === 16 ? 24 : 16;
    for (let k = 0; k < 4; k++) u32[t + k] = (u32[b + k] << sh) >> sh;
    return;
  }
  const sh = sub === 24 ? 24 : sub === 25 ? 16 : 0;
  for (let k = 0; k < 4; k += 2) {
    const v = (u32[b + k] << sh) >> sh;
    u32[t + k] = v;
    u32[t + k + 1] = v >> 31;
  }
}

// ---------------------------------------------------------------- registration

function byteOp(op: number) {
  return (c: Cpu, insn: number): void => bytes(c, insn, op);
}
function halfOp(op: number) {
  return (c: Cpu, insn: number): void => halves(c, insn, op);
}
function wordOp(op: number) {
  return (c: Cpu, insn: number): void => words(c, insn, op);
}
function dwordOp(op: number) {
  return (c: Cpu, insn: number): void => dwords(c, insn, op);
}

// Modulo and saturating add/subtract.
reg4(0, (c, i) => modArith(c, i, M_ADDB)); // vaddubm
reg4(64, (c, i) => modArith(c, i, M_ADDH)); // vadduhm
reg4(128, (c, i) => modArith(c, i, M_ADDW)); // vadduwm
reg4(192, dwordOp(D_ADD)); // vaddudm
reg4(256, (c, i) => addSubQuad(c, i, false)); // vadduqm
reg4(1024, (c, i) => modArith(c, i, M_SUBB)); // vsububm
reg4(1088, (c, i) => modArith(c, i, M_SUBH)); // vsubuhm
reg4(1152, (c, i) => modArith(c, i, M_SUBW)); // vsubuwm
reg4(1216, dwordOp(D_SUB)); // vsubudm
reg4(1280, (c, i) => addSubQuad(c, i, true)); // vsubuqm
reg4(512, byteOp(ADDUS)); // vaddubs
reg4(576, halfOp(ADDUS)); // vadduhs
reg4(640, wordOp(ADDUS)); // vadduws
reg4(768, byteOp(ADDSS)); // vaddsbs
reg4(832, halfOp(ADDSS)); // vaddshs
reg4(896, wordOp(ADDSS)); // vaddsws
reg4(1536, byteOp(SUBUS)); // vsububs
reg4(1600, halfOp(SUBUS)); // vsubuhs
reg4(1664, wordOp(SUBUS)); // vsubuws
reg4(1792, byteOp(SUBSS)); // vsubsbs
reg4(1856, halfOp(SUBSS)); // vsubshs
reg4(1920, wordOp(SUBSS)); // vsubsws
reg4(384, wordOp(ADDC)); // vaddcuw
reg4(1408, wordOp(SUBC)); // vsubcuw
reg4(137, wordOp(MULM)); // vmuluwm

// Shifts and rotates.
reg4(260, byteOp(SL)); // vslb
reg4(324, halfOp(SL)); // vslh
reg4(388, wordOp(SL)); // vslw
reg4(1476, dwordOp(D_SL)); // vsld
reg4(516, byteOp(SR)); // vsrb
reg4(580, halfOp(SR)); // vsrh
reg4(644, wordOp(SR)); // vsrw
reg4(1732, dwordOp(D_SR)); // vsrd
reg4(772, byteOp(SRA)); // vsrab
reg4(836, halfOp(SRA)); // vsrah
reg4(900, wordOp(SRA)); // vsraw
reg4(964, dwordOp(D_SRA)); // vsrad
reg4(4, byteOp(RL)); // vrlb
reg4(68, halfOp(RL)); // vrlh
reg4(132, wordOp(RL)); // vrlw
reg4(196, dwordOp(D_RL)); // vrld

// Max, min, average, absolute difference.
reg4(2, byteOp(MAXU)); // vmaxub
reg4(66, halfOp(MAXU)); // vmaxuh
reg4(130, wordOp(MAXU)); // vmaxuw
reg4(194, dwordOp(D_MAXU)); // vmaxud
reg4(258, byteOp(MAXS)); // vmaxsb
reg4(322, halfOp(MAXS)); // vmaxsh
reg4(386, wordOp(MAXS)); // vmaxsw
reg4(450, dwordOp(D_MAXS)); // vmaxsd
reg4(514, byteOp(MINU)); // vminub
reg4(578, halfOp(MINU)); // vminuh
reg4(642, wordOp(MINU)); // vminuw
reg4(706, dwordOp(D_MINU)); // vminud
reg4(770, byteOp(MINS)); // vminsb
reg4(834, halfOp(MINS)); // vminsh
reg4(898, wordOp(MINS)); // vminsw
reg4(962, dwordOp(D_MINS)); // vminsd
reg4(1026, byteOp(AVGU)); // vavgub
reg4(1090, halfOp(AVGU)); // vavguh
reg4(1154, wordOp(AVGU)); // vavguw
reg4(1282, byteOp(AVGS)); // vavgsb
reg4(1346, halfOp(AVGS)); // vavgsh
reg4(1410, wordOp(AVGS)); // vavgsw
reg4(1027, byteOp(ABSDU)); // vabsdub
reg4(1091, halfOp(ABSDU)); // vabsduh
reg4(1155, wordOp(ABSDU)); // vabsduw

// Compares (VC-form: Rc in bit 21 sets CR6).
reg4VC(6, vcmpequb);
reg4VC(70, halfOp(CMPEQ)); // vcmpequh
reg4VC(134, wordOp(CMPEQ)); // vcmpequw
reg4VC(199, dwordOp(D_CMPEQ)); // vcmpequd
reg4VC(7, byteOp(CMPNE)); // vcmpneb
reg4VC(71, halfOp(CMPNE)); // vcmpneh
reg4VC(135, wordOp(CMPNE)); // vcmpnew
reg4VC(263, byteOp(CMPNEZ)); // vcmpnezb
reg4VC(327, halfOp(CMPNEZ)); // vcmpnezh
reg4VC(391, wordOp(CMPNEZ)); // vcmpnezw
reg4VC(518, byteOp(CMPGTU)); // vcmpgtub
reg4VC(582, halfOp(CMPGTU)); // vcmpgtuh
reg4VC(646, wordOp(CMPGTU)); // vcmpgtuw
reg4VC(711, dwordOp(D_CMPGTU)); // vcmpgtud
reg4VC(774, byteOp(CMPGTS)); // vcmpgtsb
reg4VC(838, halfOp(CMPGTS)); // vcmpgtsh
reg4VC(902, wordOp(CMPGTS)); // vcmpgtsw
reg4VC(967, dwordOp(D_CMPGTS)); // vcmpgtsd

// Counts.
reg4(1795, (c, i) => countOp(c, i, U_POPCNT, 1)); // vpopcntb
reg4(1859, (c, i) => countOp(c, i, U_POPCNT, 2)); // vpopcnth
reg4(1923, (c, i) => countOp(c, i, U_POPCNT, 4)); // vpopcntw
reg4(1987, (c, i) => countOp(c, i, U_POPCNT, 8)); // vpopcntd
reg4(1794, (c, i) => countOp(c, i, U_CLZ, 1)); // vclzb
reg4(1858, (c, i) => countOp(c, i, U_CLZ, 2)); // vclzh
reg4(1922, (c, i) => countOp(c, i, U_CLZ, 4)); // vclzw
reg4(1986, (c, i) => countOp(c, i, U_CLZ, 8)); // vclzd
reg4(1538, vx1538);
