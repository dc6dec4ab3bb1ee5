// VMX crypto (AES rounds, SHA-2 sigma) against qemu-user, plus an AES-128 known answer.
import { describe, expect, it } from 'vitest';
import { expectOracle, type OracleCase } from './oracle/oracle.js';
import { makeCpu, exec } from './harness.js';
import * as L from '../../emulator/cpu/layout.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';

const V = [
  0x0n, 0xffffffffffffffffffffffffffffffffn, 0x000102030405060708090a0b0c0d0e0fn, 0x00112233445566778899aabbccddeeffn,
  0x3243f6a8885a308d313198a2e0370734n, 0x2b7e151628aed2a6abf7158809cf4f3cn, 0xdeadbeefcafebabe0badf00d12345678n,
  0x80000000000000017fffffffffffffffn,
];

function setVsr(c: Cpu, n: number, v: bigint): void {
  const i = c.wi(L.VSR + 16 * n);
  c.u32[i] = Number((v >> 64n) & 0xffffffffn);
  c.u32[i + 1] = Number((v >> 96n) & 0xffffffffn);
  c.u32[i + 2] = Number(v & 0xffffffffn);
  c.u32[i + 3] = Number((v >> 32n) & 0xffffffffn);
}

function getVsr(c: Cpu, n: number): bigint {
  const i = c.wi(L.VSR + 16 * n);
  return (BigInt(c.u32[i + 1]) << 96n) | (BigInt(c.u32[i]) << 64n) | (BigInt(c.u32[i + 3]) << 32n) | BigInt(c.u32[i + 2]);
}

describe('VMX crypto', () => {
  it('vcipher, vcipherlast, vncipher, vncipherlast, vsbox', () => {
    const cases: OracleCase[] = [];
    for (const mn of ['vcipher', 'vcipherlast', 'vncipher', 'vncipherlast']) {
      for (let i = 0; i < V.length; i++) {
        for (const j of [i, i + 1, i + 3]) cases.push({ asm: `${mn} 2,3,4`, vsr: { 35: V[i], 36: V[j % V.length] }, compare: ['vsr'] });
      }
    }
    for (const v of V) cases.push({ asm: 'vsbox 2,3', vsr: { 35: v }, compare: ['vsr'] });
    expectOracle('aes', cases);
  });
  it('vshasigmaw, vshasigmad (all ST/SIX)', () => {
    const cases: OracleCase[] = [];
    for (const v of V) {
      for (let st = 0; st < 2; st++) {
        for (let six = 0; six < 16; six++) {
          cases.push({ asm: `vshasigmaw 2,3,${st},${six}`, vsr: { 35: v }, compare: ['vsr'] });
          cases.push({ asm: `vshasigmad 2,3,${st},${six}`, vsr: { 35: v }, compare: ['vsr'] });
        }
      }
    }
    expectOracle('sha sigma', cases);
  });
  it('encrypts the FIPS-197 appendix B block with the round keys expanded by hand', () => {
    // AES-128, key 2b7e1516..., plaintext 3243f6a8...: ciphertext 3925841d02dc09fbdc118597196a0b32.
    const keys = [
      0x2b7e151628aed2a6abf7158809cf4f3cn, 0xa0fafe1788542cb123a339392a6c7605n, 0xf2c295f27a96b9435935807a7359f67fn,
      0x3d80477d4716fe3e1e237e446d7a883bn, 0xef44a541a8525b7fb671253bdb0bad00n, 0xd4d1c6f87c839d87caf2b8bc11f915bcn,
      0x6d88a37a110b3efddbf98641ca0093fdn, 0x4e54f70e5f5fc9f384a64fb24ea6dc4fn, 0xead27321b58dbad2312bf5607f8d292fn,
      0xac7766f319fadc2128d12941575c006en, 0xd014f9a8c9ee2589e13f0cc8b6630ca6n,
    ];
    const c = makeCpu();
    setVsr(c, 34, 0x3243f6a8885a308d313198a2e0370734n ^ keys[0]);
    const words: number[] = [];
    for (let r = 1; r <= 10; r++) {
      setVsr(c, 32 + 10 + r, keys[r]);
      // vcipher[last] v2,v2,v(10+r)
      words.push((4 << 26) | (2 << 21) | (2 << 16) | ((10 + r) << 11) | (r === 10 ? 1289 : 1288));
    }
    exec(c, words);
    expect(getVsr(c, 34)).toBe(0x3925841d02dc09fbdc118597196a0b32n);
  });
});
