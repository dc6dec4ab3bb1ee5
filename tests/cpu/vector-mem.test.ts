// VMX/VSX loads and stores against qemu-user, little- and big-endian. Memory is the
// red zone below r1: qemu's r1 is its own stack pointer, ours is set to STACK (both
// 16-byte aligned), so results never depend on the absolute address.
import { describe, it } from 'vitest';
import { expectOracle, type OracleCase, type Endian } from './oracle/oracle.js';

const STACK = 0x80000n;
const A = 0x000102030405060708090a0b0c0d0e0fn;
const B = 0xf0e1d2c3b4a5968778695a4b3c2d1e0fn;
const FP = 0x3ff8000000000000c00921fb54442d18n; // 1.5, -3.14159...

function mk(asm: string, vsr: Record<number, bigint>, gpr: Record<number, bigint> = {}): OracleCase {
  return { asm, vsr, gpr: { 1: STACK, 9: -64n, 10: -48n, 11: -61n, 12: -55n, ...gpr }, compare: ['vsr', 'gpr'] };
}

function memCases(): OracleCase[] {
  const cases: OracleCase[] = [];
  // Quadword and element loads of bytes laid down in ISA order (stxvb16x never swaps).
  for (const ld of ['lvx 2,1,9', 'lvxl 2,1,9', 'lxvd2x 34,1,9', 'lxvd2x 5,1,9', 'lxvw4x 34,1,9', 'lxvh8x 34,1,9',
    'lxvb16x 34,1,9', 'lxvx 34,1,9', 'lxvx 7,1,9', 'lxv 34,-64(1)', 'lxv 8,-64(1)', 'lxvdsx 34,1,9', 'lxvwsx 34,1,9',
    'lxsdx 34,1,9', 'lxsdx 6,1,9', 'lxsiwax 34,1,9', 'lxsiwzx 34,1,9', 'lxsibzx 34,1,9', 'lxsihzx 34,1,9',
    'lxsd 2,-64(1)', 'lxssp 2,-64(1)', 'lxsspx 34,1,9', 'lvebx 2,1,9', 'lvehx 2,1,9', 'lvewx 2,1,9']) {
    cases.push(mk(`stxvb16x 35,1,9; ${ld}`, { 35: A }));
    cases.push(mk(`stxvb16x 35,1,9; ${ld}`, { 35: B }));
  }
  // Element loads at every offset inside the quadword.
  for (let off = 0; off < 16; off++) {
    const r = { 9: BigInt(-64 + off) };
    cases.push(mk(`stxvb16x 35,1,10; lvebx 2,1,9`, { 35: A }, { 10: -64n, ...r }));
    cases.push(mk(`stxvb16x 35,1,10; lvehx 2,1,9`, { 35: A }, { 10: -64n, ...r }));
    cases.push(mk(`stxvb16x 35,1,10; lvewx 2,1,9`, { 35: A }, { 10: -64n, ...r }));
    cases.push(mk(`stxvb16x 35,1,10; lvx 2,1,9`, { 35: A }, { 10: -64n, ...r }));
    cases.push(mk(`lvsl 2,1,9; lvsr 3,1,9`, {}, r));
    cases.push(mk(`stxvb16x 35,1,10; stvebx 4,1,9; lxvb16x 34,1,10`, { 35: A, 36: B }, { 10: -64n, ...r }));
    cases.push(mk(`stxvb16x 35,1,10; stvehx 4,1,9; lxvb16x 34,1,10`, { 35: A, 36: B }, { 10: -64n, ...r }));
    cases.push(mk(`stxvb16x 35,1,10; stvewx 4,1,9; lxvb16x 34,1,10`, { 35: A, 36: B }, { 10: -64n, ...r }));
    cases.push(mk(`stvx 4,1,9; lxvb16x 34,1,10`, { 36: B }, { 10: -64n, ...r }));
  }
  // Stores: read the memory image back with lxvb16x.
  for (const st of ['stvx 4,1,9', 'stvxl 4,1,9', 'stxvd2x 36,1,9', 'stxvw4x 36,1,9', 'stxvh8x 36,1,9', 'stxvb16x 36,1,9',
    'stxvx 36,1,9', 'stxv 36,-64(1)', 'stxsdx 36,1,9', 'stxsiwx 36,1,9', 'stxsibx 36,1,9', 'stxsihx 36,1,9',
    'stxsd 4,-64(1)', 'stxssp 4,-64(1)', 'stxsspx 36,1,9']) {
    cases.push(mk(`stxvb16x 35,1,9; ${st}; lxvb16x 34,1,9`, { 35: A, 36: B }));
    cases.push(mk(`stxvb16x 35,1,9; ${st}; lxvb16x 34,1,9`, { 35: A, 36: FP }));
  }
  // Unaligned quadwords.
  cases.push(mk('stxvb16x 35,1,9; stxvb16x 36,1,10; lxvx 34,1,11; lxvd2x 37,1,12', { 35: A, 36: B }));
  cases.push(mk('stxvb16x 40,1,9; stxvb16x 40,1,10; stxvx 35,1,11; stxvd2x 36,1,12; lxvb16x 34,1,9; lxvb16x 37,1,10', { 35: A, 36: B }));
  // Every load and store form at every offset within a quadword (r9 = -64 + off).
  for (let off = 1; off < 16; off++) {
    const g = { 9: BigInt(-64 + off), 10: -64n, 12: -48n };
    for (const ld of ['lxvd2x 34', 'lxvw4x 34', 'lxvh8x 34', 'lxvb16x 34', 'lxvx 34', 'lxvx 3', 'lxvdsx 34', 'lxvwsx 34', 'lxsdx 34',
      'lxsiwzx 34', 'lxsihzx 34', 'lxsspx 34']) {
      cases.push(mk(`stxvb16x 35,1,10; stxvb16x 36,1,12; ${ld},1,9`, { 35: A, 36: B }, g));
    }
    for (const st of ['stxvd2x 37', 'stxvw4x 37', 'stxvh8x 37', 'stxvb16x 37', 'stxvx 37', 'stxvx 5', 'stxsdx 37', 'stxsiwx 37',
      'stxsihx 37', 'stxsibx 37']) {
      cases.push(mk(`stxvb16x 35,1,10; stxvb16x 36,1,12; ${st},1,9; lxvb16x 34,1,10; lxvb16x 38,1,12`, { 35: A, 36: B, 37: FP, 5: B }, g));
    }
  }
  // Single-precision conversions: normal, denormal, zero, infinity, NaNs (payload kept).
  for (const w of [0x3fc00000n, 0xbf800000n, 0x00000001n, 0x80400000n, 0x7f800000n, 0xff800000n, 0x7fc00001n, 0x7f800001n, 0x00000000n, 0x80000000n]) {
    cases.push(mk('stxvb16x 35,1,9; lxsspx 34,1,9; lxssp 5,-64(1)', { 35: (w << 96n) | (w << 64n) | (w << 32n) | w }));
  }
  for (const d of [0x3ff8000000000000n, 0x380fffffffffffffn, 0x36a0000000000000n, 0x3690000000000000n, 0x7ff0000000000000n,
    0x7ff8000000000001n, 0x7ff0000000000001n, 0x8000000000000000n, 0x47efffffe0000000n, 0x3810000000000000n]) {
    cases.push(mk('stxvb16x 40,1,9; stxvb16x 40,1,10; stxsspx 35,1,9; stxssp 3,-48(1); lxvb16x 34,1,9; lxvb16x 36,1,10', { 35: d << 64n }));
  }
  // Length-controlled loads and stores (byte count in RB bits 0:7). EA = (RA) with no
  // displacement, so they work at 0(r1): bytes 0..15 of the case's frame are scratch.
  for (const n of [0n, 1n, 5n, 8n, 15n, 16n, 17n, 255n]) {
    const g = { 8: n << 56n };
    cases.push({ ...mk('stxvb16x 35,0,1; lxvl 34,1,8; lxvll 36,1,8', { 35: A }, g), compare: ['vsr'] });
    cases.push({ ...mk('stxvb16x 35,0,1; stxvl 36,1,8; lxvb16x 34,0,1', { 35: A, 36: B }, g), compare: ['vsr'] });
    cases.push({ ...mk('stxvb16x 35,0,1; stxvll 36,1,8; lxvb16x 34,0,1', { 35: A, 36: B }, g), compare: ['vsr'] });
  }
  return cases;
}

describe('VMX/VSX loads and stores', () => {
  for (const endian of ['le', 'be'] as Endian[]) {
    it(`match qemu-user (${endian})`, () => {
      const cases = memCases();
      expectOracle(`vector memory ${endian}`, cases, endian);
    });
  }
});
