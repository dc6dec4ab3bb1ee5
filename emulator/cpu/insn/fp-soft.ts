// Exact floating-point slow path: operands are decomposed into integer significands
// (BigInt) and binary exponents, the operation is carried out exactly (or, for divide and
// square root, with enough extra bits and a sticky bit), and the result is rounded once
// to double or single format under any FPSCR rounding mode, with the FR/FI/XX/OX/UX
// outcome. Used for directed rounding, tiny/huge results, fused multiply-add and single
// results of non-single inputs; the common round-to-nearest cases never come here.
import { FI, FR, OX, UX, XX, OE, UE, RN_NEAREST, RN_ZERO, RN_PLUS_INF } from '../fpscr.js';

/** Result of the last soft operation (a non-NaN double; for single format, exactly representable in single). */
export let softValue = 0;
/** FPSCR bits produced by the rounding: FR, FI, XX, OX, UX. */
export let softFlags = 0;

const cvt = new Float64Array(1);
const cvtW = new Uint32Array(cvt.buffer);

// Decomposition of one operand: |x| = dM * 2^dE, sign dNeg.
let dM = 0n;
let dE = 0;
let dNeg = false;

/** Split a finite double into sign, integer significand and exponent. */
function decompose(x: number): void {
  cvt[0] = x;
  const hi = cvtW[1];
  const lo = cvtW[0];
  const exp = (hi >>> 20) & 0x7ff;
  dNeg = hi >>> 31 !== 0;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp === 0) {
    dM = frac;
    dE = -1074;
  } else {
    dM = frac | (1n << 52n);
    dE = exp - 1075;
  }
}

export function bitLength(m: bigint): number {
  if (m === 0n) return 0;
  const s = m.toString(16);
  return (s.length - 1) * 4 + (32 - Math.clz32(parseInt(s[0], 16)));
}

/** 2^k as a double for any k the rounding below produces (|k| up to about 2300). */
function scale2(v: number, k: number): number {
  while (k > 1000) {
    v *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    v *= 2 ** -1000;
    k += 1000;
  }
  return v * 2 ** k;
}

/**
 * Round (-1)^neg * (m + sticky) * 2^e, where `sticky` means nonzero bits exist below the
 * least significant bit of m (callers keep at least two guard bits in m when sticky is
 * set), to double (single = false) or single precision. `rn` is the rounding mode and
 * `fpscr` supplies OE/UE: enabled overflow/underflow deliver the exponent-adjusted
 * result the ISA specifies. The exact value must be nonzero.
 */
export function roundExact(neg: boolean, m: bigint, e: number, sticky: boolean, single: boolean, rn: number, fpscr: number): void {
  const p = single ? 24 : 53;
  const emin = single ? -126 : -1022;
  const emax = single ? 127 : 1023;
  const adj = single ? 192 : 1536;
  let flags = 0;
  const nb = bitLength(m);
  let top = e + nb - 1; // exponent of the most significant bit
  const tiny = top < emin;
  let scaled = false;
  if (tiny && (fpscr & UE) !== 0) {
    e += adj;
    top += adj;
    scaled = true;
  }
  let lsb = top - (p - 1);
  if (!scaled && lsb < emin - (p - 1)) lsb = emin - (p - 1);
  const shift = lsb - e;
  let q: bigint;
  // Position of the discarded part relative to half an ulp: 0 exact, 1 below, 2 half, 3 above.
  let pos: number;
  if (shift > 0) {
    q = m >> BigInt(shift);
    const rem = m - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    if (rem === 0n) pos = sticky ? 1 : 0;
    else if (rem < half) pos = 1;
    else if (rem === half) pos = sticky ? 3 : 2;
    else pos = 3;
  } else {
    q = m << BigInt(-shift);
    pos = sticky ? 1 : 0;
  }
  let inc = false;
  if (pos !== 0) {
    if (rn === RN_NEAREST) inc = pos === 3 || (pos === 2 && (q & 1n) === 1n);
    else if (rn === RN_ZERO) inc = false;
    else if (rn === RN_PLUS_INF) inc = !neg;
    else inc = neg;
    flags |= XX | FI;
  }
  if (inc) {
    q += 1n;
    if (q === 1n << BigInt(p)) {
      q >>= 1n;
      lsb += 1;
    }
    flags |= FR;
  }
  let v: number;
  if (q !== 0n && lsb + bitLength(q) - 1 > emax) {
    if ((fpscr & OE) !== 0) {
      flags |= OX;
      v = scale2(Number(q), lsb - adj);
    } else {
      flags = OX | XX | FI;
      const toInf = rn === RN_NEAREST || (rn === RN_PLUS_INF ? !neg : rn !== RN_ZERO && neg);
      if (toInf) {
        v = Infinity;
        flags |= FR;
      } else {
        v = single ? 3.4028234663852886e38 : Number.MAX_VALUE;
      }
    }
  } else {
    v = scale2(Number(q), lsb);
  }
  if (tiny && (scaled || pos !== 0)) flags |= UX;
  softValue = neg ? -v : v;
  softFlags = flags;
}

/** Sign of an exact zero sum: -0 only for (-0) + (-0), or under round toward -inf. */
function zeroSum(negA: boolean, negB: boolean, rn: number): number {
  if (negA && negB) return -0;
  if (!negA && !negB) return 0;
  return rn === 3 ? -0 : 0;
}

/** a + b, both finite (either may be zero). */
export function softAdd(a: number, b: number, single: boolean, rn: number, fpscr: number): void {
  decompose(a);
  const ma = dM;
  const ea = dE;
  const na = dNeg;
  decompose(b);
  addParts(na, ma, ea, dNeg, dM, dE, single, rn, fpscr);
}

function addParts(na: boolean, ma: bigint, ea: number, nb: boolean, mb: bigint, eb: number, single: boolean, rn: number, fpscr: number): void {
  const e = ea < eb ? ea : eb;
  const sa = ma << BigInt(ea - e);
  const sb = mb << BigInt(eb - e);
  const s = (na ? -sa : sa) + (nb ? -sb : sb);
  if (s === 0n) {
    softValue = zeroSum(na, nb, rn);
    softFlags = 0;
    return;
  }
  if (s < 0n) roundExact(true, -s, e, false, single, rn, fpscr);
  else roundExact(false, s, e, false, single, rn, fpscr);
}

/** a * b, both finite and nonzero. */
export function softMul(a: number, b: number, single: boolean, rn: number, fpscr: number): void {
  decompose(a);
  const ma = dM;
  const ea = dE;
  const na = dNeg;
  decompose(b);
  roundExact(na !== dNeg, ma * dM, ea + dE, false, single, rn, fpscr);
}

/** a / b, both finite and nonzero. */
export function softDiv(a: number, b: number, single: boolean, rn: number, fpscr: number): void {
  decompose(a);
  const ma = dM;
  const ea = dE;
  const na = dNeg;
  decompose(b);
  const mb = dM;
  // Enough quotient bits for the precision plus guard and round bits.
  let k = 60 + bitLength(mb) - bitLength(ma);
  if (k < 0) k = 0;
  const num = ma << BigInt(k);
  const q = num / mb;
  roundExact(na !== dNeg, q, ea - dE - k, q * mb !== num, single, rn, fpscr);
}

/** sqrt(a), a finite and > 0. */
export function softSqrt(a: number, single: boolean, rn: number, fpscr: number): void {
  decompose(a);
  let s = 130 - bitLength(dM);
  if (s < 0) s = 0;
  if (((dE - s) & 1) !== 0) s++;
  const n = dM << BigInt(s);
  const r = isqrt(n);
  roundExact(false, r, (dE - s) / 2, r * r !== n, single, rn, fpscr);
}

function isqrt(n: bigint): bigint {
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  if (x === 0n) x = 1n;
  for (let i = 0; i < 3; i++) x = (x + n / x) >> 1n;
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/**
 * (a * c) + b with a single rounding, all finite (fmsub passes -b; fnmadd/fnmsub negate
 * the rounded result, which the caller does).
 */
export function softFma(a: number, c: number, b: number, single: boolean, rn: number, fpscr: number): void {
  decompose(a);
  const ma = dM;
  const ea = dE;
  const na = dNeg;
  decompose(c);
  const mp = ma * dM;
  const ep = ea + dE;
  const np = na !== dNeg;
  decompose(b);
  if (mp === 0n) {
    if (dM === 0n) {
      softValue = zeroSum(np, dNeg, rn);
      softFlags = 0;
      return;
    }
    roundExact(dNeg, dM, dE, false, single, rn, fpscr);
    return;
  }
  addParts(np, mp, ep, dNeg, dM, dE, single, rn, fpscr);
}

/** Round the exact integer (-1)^neg * m to double or single. */
export function softFromInt(neg: boolean, m: bigint, single: boolean, rn: number, fpscr: number): void {
  if (m === 0n) {
    softValue = 0;
    softFlags = 0;
    return;
  }
  roundExact(neg, m, 0, false, single, rn, fpscr);
}

/** Round a finite nonzero double to single. */
export function softToSingle(x: number, rn: number, fpscr: number): void {
  decompose(x);
  roundExact(dNeg, dM, dE, false, true, rn, fpscr);
}
