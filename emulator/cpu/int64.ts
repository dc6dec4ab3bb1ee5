// 64-bit and 128-bit integer helpers on (lo, hi) pairs of 32-bit words, for the
// fixed-point instructions. No allocation, no BigInt: multi-word results go to `out`
// (out[0] is the least significant word), which the caller reads right away.

const TWO32 = 4294967296;

/** Result words of the last helper call (uint32 each, least significant first). */
export const out = new Uint32Array(4);

/**
 * High word of the unsigned 32x32 product a*b (a, b taken as uint32). The double
 * product is within 2^11 of the exact one, so rounding (P - lo) / 2^32 recovers it.
 */
export function mulhu32(a: number, b: number): number {
  const ua = a >>> 0;
  const ub = b >>> 0;
  const lo = Math.imul(ua, ub) >>> 0;
  return Math.round((ua * ub - lo) / TWO32) >>> 0;
}

/** High word of the signed 32x32 product (as int32). */
export function mulhs32(a: number, b: number): number {
  const sa = a | 0;
  const sb = b | 0;
  const lo = Math.imul(sa, sb) >>> 0;
  return Math.round((sa * sb - lo) / TWO32) | 0;
}

/** Low 64 bits of a * b (sign does not matter): out[0..1]. */
export function mul64(alo: number, ahi: number, blo: number, bhi: number): void {
  const lo = Math.imul(alo, blo) >>> 0;
  const hi = mulhu32(alo, blo) + Math.imul(alo, bhi) + Math.imul(ahi, blo);
  out[0] = lo;
  out[1] = hi;
}

/** Unsigned 64x64 -> 128 product: out[0..3]. */
export function mulu128(alo: number, ahi: number, blo: number, bhi: number): void {
  alo >>>= 0;
  ahi >>>= 0;
  blo >>>= 0;
  bhi >>>= 0;
  const p0l = Math.imul(alo, blo) >>> 0;
  const p0h = mulhu32(alo, blo);
  const p1l = Math.imul(alo, bhi) >>> 0;
  const p1h = mulhu32(alo, bhi);
  const p2l = Math.imul(ahi, blo) >>> 0;
  const p2h = mulhu32(ahi, blo);
  const p3l = Math.imul(ahi, bhi) >>> 0;
  const p3h = mulhu32(ahi, bhi);
  // Column sums stay far below 2^53, so the carries are exact.
  const s1 = p0h + p1l + p2l;
  const c1 = Math.floor(s1 / TWO32);
  const s2 = p1h + p2h + p3l + c1;
  const c2 = Math.floor(s2 / TWO32);
  out[0] = p0l;
  out[1] = s1;
  out[2] = s2;
  out[3] = p3h + c2;
}

/** Signed 64x64 -> 128 product: out[0..3] (two's complement). */
export function muls128(alo: number, ahi: number, blo: number, bhi: number): void {
  mulu128(alo, ahi, blo, bhi);
  // signed high half = unsigned high half - (a<0 ? b : 0) - (b<0 ? a : 0)  (mod 2^64)
  if ((ahi | 0) < 0) sub128hi(blo, bhi);
  if ((bhi | 0) < 0) sub128hi(alo, ahi);
}

/** out[2..3] -= (lo, hi). */
function sub128hi(lo: number, hi: number): void {
  const d = out[2] - (lo >>> 0);
  out[2] = d;
  out[3] = out[3] - (hi >>> 0) - (d < 0 ? 1 : 0);
}

/** out[0..3] += the 64-bit value (lo, hi), sign-extended to 128 bits when `signed`. */
export function add128(lo: number, hi: number, signed: boolean): void {
  const s0 = out[0] + (lo >>> 0);
  const s1 = out[1] + (hi >>> 0) + (s0 >= TWO32 ? 1 : 0);
  const ext = signed && (hi | 0) < 0 ? 0xffffffff : 0;
  const s2 = out[2] + ext + (s1 >= TWO32 ? 1 : 0);
  const s3 = out[3] + ext + (s2 >= TWO32 ? 1 : 0);
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/**
 * Unsigned 64-bit / 32-bit divide (d nonzero): quotient in out[0..1], returns the
 * remainder. Works in three steps whose dividends stay below 2^48, where a double
 * division followed by floor is exact.
 */
export function divu64by32(alo: number, ahi: number, d: number): number {
  alo >>>= 0;
  ahi >>>= 0;
  d >>>= 0;
  const qhi = Math.floor(ahi / d);
  let r = ahi - qhi * d;
  let x = r * 65536 + (alo >>> 16);
  const q1 = Math.floor(x / d);
  r = x - q1 * d;
  x = r * 65536 + (alo & 0xffff);
  const q0 = Math.floor(x / d);
  out[0] = q1 * 65536 + q0;
  out[1] = qhi;
  return x - q0 * d;
}

/** Leading zeros of a 64-bit value (0..64). */
export function clz64(lo: number, hi: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

/** Trailing zeros of a 32-bit value (0..32). */
export function ctz32(v: number): number {
  v |= 0;
  return v === 0 ? 32 : 31 - Math.clz32(v & -v);
}

/** Number of one bits in a 32-bit value. */
export function popcnt32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** Per-byte population counts of a 32-bit value (each byte holds its own count). */
export function popcntBytes32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (v + (v >>> 4)) & 0x0f0f0f0f;
}

/** Signed 64-bit comparison: -1, 0 or 1. */
export function cmp64s(alo: number, ahi: number, blo: number, bhi: number): number {
  const ah = ahi | 0;
  const bh = bhi | 0;
  if (ah !== bh) return ah < bh ? -1 : 1;
  const al = alo >>> 0;
  const bl = blo >>> 0;
  return al < bl ? -1 : al > bl ? 1 : 0;
}

/** Unsigned 64-bit comparison: -1, 0 or 1. */
export function cmp64u(alo: number, ahi: number, blo: number, bhi: number): number {
  const ah = ahi >>> 0;
  const bh = bhi >>> 0;
  if (ah !== bh) return ah < bh ? -1 : 1;
  const al = alo >>> 0;
  const bl = blo >>> 0;
  return al < bl ? -1 : al > bl ? 1 : 0;
}

/** The 64-bit value (lo, hi) as a BigInt (signed or not); for rare slow paths only. */
export function toBig(lo: number, hi: number, signed: boolean): bigint {
  const v = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return signed ? BigInt.asIntN(64, v) : v;
}

/** Store the low 64 bits of a BigInt into out[0..1]; for rare slow paths only. */
export function fromBig(v: bigint): void {
  const u = BigInt.asUintN(64, v);
  out[0] = Number(u & 0xffffffffn);
  out[1] = Number(u >> 32n);
}
