// Shared pieces of the floating-point tests: value tables, FPR/VSR conversion and an
// oracle check that tolerates the one FPSCR bit where QEMU 7.2 departs from the ISA.
import { expect } from 'vitest';
import { runOracle, type OracleCase, type Endian } from './oracle/oracle.js';

const buf = new DataView(new ArrayBuffer(8));

export function bitsOf(x: number): bigint {
  buf.setFloat64(0, x);
  return buf.getBigUint64(0);
}

export function valueOf(b: bigint): number {
  buf.setBigUint64(0, b);
  return buf.getFloat64(0);
}

/** VSR image with FPR contents `bits` in doubleword 0 and a marker in doubleword 1. */
export function fprVsr(bits: bigint): bigint {
  return (bits << 64n) | 0x0123456789abcdefn;
}

export const QNAN = 0x7ff8000000000000n;
export const QNAN_PAYLOAD = 0x7ff80000deadbeefn;
export const NEG_QNAN = 0xfff8000000000123n;
export const SNAN = 0x7ff0000000000001n;
export const SNAN_PAYLOAD = 0xfff40000cafef00dn;
export const PINF = 0x7ff0000000000000n;
export const NINF = 0xfff0000000000000n;

/** Interesting doubles (as bits). */
export const SPECIAL_DOUBLES: bigint[] = [
  bitsOf(0),
  bitsOf(-0),
  bitsOf(1),
  bitsOf(-1),
  bitsOf(1.5),
  bitsOf(3),
  bitsOf(-7.25),
  bitsOf(0.1),
  bitsOf(1 / 3),
  bitsOf(2 ** 53 + 2),
  bitsOf(1 + 2 ** -52),
  bitsOf(Number.MAX_VALUE),
  bitsOf(-Number.MAX_VALUE),
  bitsOf(1e308),
  bitsOf(2 ** -1022),
  bitsOf(-(2 ** -1022)),
  bitsOf(2 ** -1074),
  bitsOf(3 * 2 ** -1060),
  bitsOf(1e-300),
  bitsOf(1.7e-154),
  bitsOf(3.4028234663852886e38),
  bitsOf(1.1754943508222875e-38),
  bitsOf(1.401298464324817e-45),
  PINF,
  NINF,
  QNAN_PAYLOAD,
  NEG_QNAN,
  SNAN,
  SNAN_PAYLOAD,
];

/** Deterministic pseudo-random generator (xorshift64*). */
export function rng(seed: bigint): () => bigint {
  let s = seed || 1n;
  return () => {
    s ^= s >> 12n;
    s ^= (s << 25n) & 0xffffffffffffffffn;
    s ^= s >> 27n;
    return (s * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
  };
}

/** Random finite doubles with exponents spread over the whole range (and clustered near 1). */
export function randomDoubles(n: number, seed: bigint): bigint[] {
  const r = rng(seed);
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    const sel = Number(x & 7n);
    let exp: bigint;
    if (sel < 4) exp = 1023n + ((x >> 3n) % 16n) - 8n;
    else if (sel === 4) exp = (x >> 3n) % 2047n;
    else if (sel === 5) exp = (x >> 3n) % 60n; // tiny
    else if (sel === 6) exp = 2046n - ((x >> 3n) % 60n); // huge
    else exp = 1023n + ((x >> 3n) % 200n) - 100n;
    const m = r() & 0xfffffffffffffn;
    out.push(((x >> 63n) << 63n) | (exp << 52n) | m);
  }
  return out;
}

/** Random doubles that are exactly representable in single precision. */
export function randomSingles(n: number, seed: bigint): bigint[] {
  const r = rng(seed);
  const out: bigint[] = [];
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < n; i++) {
    const x = r();
    const sel = Number(x & 3n);
    let exp: number;
    if (sel < 2) exp = 127 + Number((x >> 3n) % 16n) - 8;
    else if (sel === 2) exp = 1 + Number((x >> 3n) % 253n);
    else exp = Number((x >> 3n) % 30n); // includes single denormals
    u[0] = (Number(x >> 63n) << 31) | (exp << 23) | Number(r() & 0x7fffffn);
    out.push(bitsOf(f[0]));
  }
  return out;
}

/** The FPSCR image the hardware would hold after mtfsf of `f`: VX and FEX derived, bit 52 reserved. */
export function consistentFpscr(f: bigint): bigint {
  let v = f & ~(0x60000000n | 0x800n);
  if ((v & 0x01f80700n) !== 0n) v |= 0x20000000n;
  if (((v >> 22n) & v & 0xf8n) !== 0n) v |= 0x40000000n;
  return v;
}

/**
 * Like expectOracle, but QEMU 7.2 never sets FPSCR[FR] while the ISA (and this
 * emulator) set it when rounding increments the fraction: FR alone may differ. Bits in
 * `ignore` are not compared either (known QEMU departures from the ISA, checked by hand).
 */
export function expectOracleFP(label: string, cases: OracleCase[], endian: Endian = 'le', ignore = 0n): void {
  const outcomes = runOracle(cases, endian);
  const bad: string[] = [];
  const mask = ~(0x40000n | ignore);
  outcomes.forEach((o, i) => {
    let diffs = o.diffs;
    if (o.actual && diffs.length > 0) {
      const e = o.expected.fpscr & 0xffffffffn;
      const a = o.actual.fpscr & 0xffffffffn;
      if ((e & mask) === (a & mask)) diffs = diffs.filter((d) => !d.startsWith('FPSCR'));
    }
    if (diffs.length > 0) {
      const c = cases[i];
      const ins = Object.entries(c.vsr ?? {})
        .map(([k, v]) => `f${k}=${(v >> 64n).toString(16)}`)
        .join(' ');
      bad.push(`  [${i}] ${o.name} (${ins} fpscr=${(c.fpscr ?? 0n).toString(16)})\n      ${diffs.join('\n      ')}`);
    }
  });
  expect(bad.length, `${label}: ${bad.length}/${cases.length} cases differ from qemu-user\n${bad.slice(0, 30).join('\n')}`).toBe(0);
}
