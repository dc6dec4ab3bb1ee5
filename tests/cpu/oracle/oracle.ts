// Differential oracle: run instructions under Debian's qemu-user (the reference) and on
// our Cpu with identical inputs, and compare the resulting architectural state.
//
// For each case we generate a freestanding assembly function that loads the case's
// inputs (FPSCR, VSCR, XER, CR, LR, CTR, VSR0-63, GPRs) from a data block, executes the
// case's instructions, and stores every register back. A tiny _start calls each case,
// copies the case's own instruction words into the block, and writes all blocks to
// stdout. The assembler provides the encodings; QEMU provides the semantics.
// Results are cached in .cache/oracle/ by a hash of the generated program.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { makeCpu, loadCode, CODE_BASE } from '../harness.js';
import type { Cpu } from '../../../emulator/cpu/cpu.js';
import * as L from '../../../emulator/cpu/layout.js';

export type Endian = 'le' | 'be';
export type Field = 'gpr' | 'cr' | 'xer' | 'lr' | 'ctr' | 'fpscr' | 'vsr' | 'vscr';

export interface OracleCase {
  /** One or more instructions, separated by ';' or newlines (GNU as syntax, -mpower9). */
  asm: string;
  gpr?: Record<number, bigint>;
  cr?: number;
  xer?: bigint;
  lr?: bigint;
  ctr?: bigint;
  /** FPSCR (64-bit image; bits 32:63 are the architected ones here). */
  fpscr?: bigint;
  /** VSR n as a 128-bit value (bit 0 of the ISA = most significant). FPR n = VSR n >> 64. */
  vsr?: Record<number, bigint>;
  vscr?: number;
  /** What to compare (default: everything). */
  compare?: Field[];
  /** Human-readable name for failure messages (default: asm). */
  name?: string;
}

export interface OracleState {
  gpr: bigint[];
  cr: number;
  xer: bigint;
  lr: bigint;
  ctr: bigint;
  fpscr: bigint;
  vsr: bigint[];
  vscr: number;
}

// Block layout (bytes)
const B_GPR = 0x000;
const B_CR = 0x100;
const B_XER = 0x108;
const B_LR = 0x110;
const B_CTR = 0x118;
const B_FPSCR = 0x120;
const B_VSCR = 0x130; // 16-byte VR image, VSCR in the least significant word
const B_VSR = 0x140;
const B_NWORDS = 0x540;
const B_WORDS = 0x544;
const MAX_WORDS = 23;
const BLOCK = 0x5a0;

const U64 = (1n << 64n) - 1n;
const U128 = (1n << 128n) - 1n;
/** XER bits QEMU's mfxer returns: SO OV CA (32:34), OV32 CA32 (44:45), byte count (57:63). */
const XER_MASK = (7n << 29n) | (3n << 18n) | 0x7fn;

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const cacheDir = join(repoRoot, '.cache', 'oracle');

function defaultGpr(n: number): bigint {
  return 0xdead000000000000n | BigInt(n * 0x01010101);
}

function defaultVsr(n: number): bigint {
  const b = BigInt(n);
  return (0x5a5a000000000000n | (b << 40n) | b) * (1n << 64n) + (0xa5a50000n << 32n) + b * 0x1000001n;
}

/** The complete input state of a case, defaults filled in. */
export function inputState(c: OracleCase): OracleState {
  const gpr: bigint[] = [];
  const vsr: bigint[] = [];
  for (let n = 0; n < 32; n++) gpr.push(((c.gpr?.[n] ?? defaultGpr(n)) & U64));
  for (let n = 0; n < 64; n++) vsr.push(((c.vsr?.[n] ?? defaultVsr(n)) & U128));
  return {
    gpr,
    cr: (c.cr ?? 0) >>> 0,
    xer: (c.xer ?? 0n) & XER_MASK,
    lr: (c.lr ?? 0n) & U64,
    ctr: (c.ctr ?? 0n) & U64,
    fpscr: (c.fpscr ?? 0n) & U64,
    vsr,
    vscr: (c.vscr ?? 0) >>> 0,
  };
}

function quad(v: bigint): string {
  return `0x${(v & U64).toString(16)}`;
}

function splitAsm(asm: string): string[] {
  return asm
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function genProgram(cases: OracleCase[], endian: Endian): string {
  const out: string[] = [];
  out.push('\t.abiversion 2', '\t.machine power9', '\t.text', '\t.globl _start', '_start:');
  cases.forEach((_c, i) => {
    out.push(
      `\tlis 3, blk_${i}@ha`,
      `\taddi 3, 3, blk_${i}@l`,
      `\tbl case_${i}`,
      `\tlis 3, blk_${i}@ha`,
      `\taddi 3, 3, blk_${i}@l`,
      `\tlis 5, case_${i}_insn@ha`,
      `\taddi 5, 5, case_${i}_insn@l`,
      `\tli 6, (case_${i}_end - case_${i}_insn) / 4`,
      `\tstw 6, ${B_NWORDS}(3)`,
      `\tmtctr 6`,
      `\taddi 7, 3, ${B_WORDS}`,
      `cp_${i}:`,
      `\tlwz 8, 0(5)`,
      `\tstw 8, 0(7)`,
      `\taddi 5, 5, 4`,
      `\taddi 7, 7, 4`,
      `\tbdnz cp_${i}`,
    );
  });
  out.push(
    '\tli 0, 4', // write(1, blk_0, n * BLOCK)
    '\tli 3, 1',
    '\tlis 4, blk_0@ha',
    '\taddi 4, 4, blk_0@l',
    `\tlis 5, ${(cases.length * BLOCK) >>> 16}`,
    `\tori 5, 5, ${(cases.length * BLOCK) & 0xffff}`,
    '\tsc',
    '\tli 0, 1', // exit(0)
    '\tli 3, 0',
    '\tsc',
  );
  cases.forEach((c, i) => {
    const body = splitAsm(c.asm);
    out.push(
      `case_${i}:`,
      '\tmflr 0',
      '\tstd 0, 16(1)',
      '\tstdu 1, -64(1)',
      '\tstd 3, 32(1)',
      `\tlfd 0, ${B_FPSCR}(3)`,
      '\tmtfsf 255, 0, 1, 0',
      `\tlxv 32, ${B_VSCR}(3)`,
      '\tmtvscr 0',
      `\tld 4, ${B_XER}(3)`,
      '\tmtxer 4',
      `\tld 4, ${B_CR}(3)`,
      '\tmtcrf 255, 4',
      `\tld 4, ${B_LR}(3)`,
      '\tmtlr 4',
      `\tld 4, ${B_CTR}(3)`,
      '\tmtctr 4',
    );
    for (let n = 0; n < 64; n++) out.push(`\tlxv ${n}, ${B_VSR + 16 * n}(3)`);
    for (let n = 0; n < 32; n++) if (n !== 1 && n !== 3 && n !== 13) out.push(`\tld ${n}, ${B_GPR + 8 * n}(3)`);
    out.push(`\tld 3, ${B_GPR + 24}(3)`);
    out.push(`case_${i}_insn:`);
    for (const line of body) out.push(`\t${line}`);
    out.push(`case_${i}_end:`, '\tstd 3, -8(1)', '\tld 3, 32(1)');
    for (let n = 0; n < 32; n++) if (n !== 1 && n !== 3 && n !== 13) out.push(`\tstd ${n}, ${B_GPR + 8 * n}(3)`);
    out.push(
      '\tld 4, -8(1)',
      `\tstd 4, ${B_GPR + 24}(3)`,
      '\tmfcr 4',
      `\tstd 4, ${B_CR}(3)`,
      '\tmfxer 4',
      `\tstd 4, ${B_XER}(3)`,
      '\tmflr 4',
      `\tstd 4, ${B_LR}(3)`,
      '\tmfctr 4',
      `\tstd 4, ${B_CTR}(3)`,
    );
    for (let n = 0; n < 64; n++) out.push(`\tstxv ${n}, ${B_VSR + 16 * n}(3)`);
    out.push(
      '\tmffs 0',
      `\tstfd 0, ${B_FPSCR}(3)`,
      '\tmfvscr 0',
      `\tstxv 32, ${B_VSCR}(3)`,
      '\taddi 1, 1, 64',
      '\tld 0, 16(1)',
      '\tmtlr 0',
      '\tblr',
    );
  });
  out.push('\t.data', '\t.balign 16');
  const vquads = (v: bigint): string[] => {
    const hi = (v >> 64n) & U64;
    const lo = v & U64;
    return endian === 'le' ? [quad(lo), quad(hi)] : [quad(hi), quad(lo)];
  };
  cases.forEach((c, i) => {
    const s = inputState(c);
    out.push(`blk_${i}:`);
    out.push(`\t.quad ${s.gpr.map(quad).join(', ')}`);
    out.push(`\t.quad ${quad(BigInt(s.cr))}, ${quad(s.xer)}, ${quad(s.lr)}, ${quad(s.ctr)}, ${quad(s.fpscr)}, 0`);
    out.push(`\t.quad ${vquads(BigInt(s.vscr)).join(', ')}`);
    for (let n = 0; n < 64; n++) out.push(`\t.quad ${vquads(s.vsr[n]).join(', ')}`);
    out.push(`\t.space ${BLOCK - B_NWORDS}`);
  });
  return out.join('\n') + '\n';
}

function tool(endian: Endian, name: string): string {
  return `${endian === 'le' ? 'powerpc64le' : 'powerpc64'}-linux-gnu-${name}`;
}

/** Run cases under qemu-user; returns the raw output blocks (cached). */
function runQemu(cases: OracleCase[], endian: Endian): Uint8Array {
  const src = genProgram(cases, endian);
  const key = createHash('sha256').update(endian).update(src).digest('hex').slice(0, 24);
  const out = join(cacheDir, `${key}.bin`);
  if (existsSync(out)) return readFileSync(out);
  mkdirSync(cacheDir, { recursive: true });
  const base = join(cacheDir, `${key}-${process.pid}`);
  writeFileSync(`${base}.s`, src);
  const asFlags = endian === 'le' ? ['-a64', '-mlittle'] : ['-a64', '-mbig'];
  try {
    execFileSync(tool(endian, 'as'), [...asFlags, '-mpower9', '-o', `${base}.o`, `${base}.s`], { stdio: 'pipe' });
    execFileSync(tool(endian, 'ld'), ['-static', '-e', '_start', '-o', `${base}.elf`, `${base}.o`], { stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`oracle: assembling ${base}.s failed: ${err.stderr?.toString() ?? err.message}`, { cause: e });
  }
  const qemu = endian === 'le' ? 'qemu-ppc64le' : 'qemu-ppc64';
  const result = execFileSync(qemu, ['-cpu', 'power9', `${base}.elf`], { maxBuffer: 1 << 30 });
  if (result.length !== cases.length * BLOCK) {
    throw new Error(`oracle: ${qemu} wrote ${result.length} bytes, expected ${cases.length * BLOCK}`);
  }
  writeFileSync(`${out}.tmp`, result);
  renameSync(`${out}.tmp`, out);
  for (const ext of ['.s', '.o', '.elf']) rmSync(base + ext, { force: true });
  return result;
}

function parseBlock(buf: Uint8Array, off: number, endian: Endian): { state: OracleState; words: number[] } {
  const dv = new DataView(buf.buffer, buf.byteOffset + off, BLOCK);
  const le = endian === 'le';
  const u64 = (o: number): bigint => dv.getBigUint64(o, le);
  const v128 = (o: number): bigint =>
    le ? (u64(o + 8) << 64n) | u64(o) : (u64(o) << 64n) | u64(o + 8);
  const gpr: bigint[] = [];
  for (let n = 0; n < 32; n++) gpr.push(u64(B_GPR + 8 * n));
  const vsr: bigint[] = [];
  for (let n = 0; n < 64; n++) vsr.push(v128(B_VSR + 16 * n));
  const nwords = dv.getUint32(B_NWORDS, le);
  if (nwords > MAX_WORDS) throw new Error(`oracle: case has ${nwords} instruction words (max ${MAX_WORDS})`);
  const words: number[] = [];
  for (let k = 0; k < nwords; k++) words.push(dv.getUint32(B_WORDS + 4 * k, le));
  return {
    state: {
      gpr,
      cr: Number(u64(B_CR) & 0xffffffffn),
      xer: u64(B_XER) & XER_MASK,
      lr: u64(B_LR),
      ctr: u64(B_CTR),
      fpscr: u64(B_FPSCR),
      vsr,
      vscr: Number(v128(B_VSCR) & 0xffffffffn),
    },
    words,
  };
}

// ---------------------------------------------------------------- our side

function vsrGet(c: Cpu, n: number): bigint {
  const i = c.wi(L.VSR + 16 * n);
  const d0 = (BigInt(c.u32[i + 1]) << 32n) | BigInt(c.u32[i]);
  const d1 = (BigInt(c.u32[i + 3]) << 32n) | BigInt(c.u32[i + 2]);
  return (d0 << 64n) | d1;
}

function vsrSet(c: Cpu, n: number, v: bigint): void {
  const i = c.wi(L.VSR + 16 * n);
  const d0 = (v >> 64n) & U64;
  const d1 = v & U64;
  c.u32[i] = Number(d0 & 0xffffffffn);
  c.u32[i + 1] = Number(d0 >> 32n);
  c.u32[i + 2] = Number(d1 & 0xffffffffn);
  c.u32[i + 3] = Number(d1 >> 32n);
}

export function setState(c: Cpu, s: OracleState): void {
  for (let n = 0; n < 32; n++) c.setGPR(n, s.gpr[n]);
  c.cr = s.cr;
  const x = Number(s.xer);
  c.u32[c.wi(L.XER_SO)] = (x >>> 31) & 1;
  c.u32[c.wi(L.XER_OV)] = (x >>> 30) & 1;
  c.u32[c.wi(L.XER_CA)] = (x >>> 29) & 1;
  c.u32[c.wi(L.XER_OV32)] = (x >>> 19) & 1;
  c.u32[c.wi(L.XER_CA32)] = (x >>> 18) & 1;
  c.u32[c.wi(L.XER_BC)] = x & 0x7f;
  c.setSPR(L.SPR_LR, s.lr);
  c.setSPR(L.SPR_CTR, s.ctr);
  c.u32[c.wi(L.FPSCR)] = Number(s.fpscr & 0xffffffffn);
  c.u32[c.wi(L.VSCR)] = s.vscr;
  for (let n = 0; n < 64; n++) vsrSet(c, n, s.vsr[n]);
}

export function getState(c: Cpu): OracleState {
  const gpr: bigint[] = [];
  for (let n = 0; n < 32; n++) gpr.push(c.gpr(n));
  const vsr: bigint[] = [];
  for (let n = 0; n < 64; n++) vsr.push(vsrGet(c, n));
  const xer =
    (BigInt(c.u32[c.wi(L.XER_SO)] & 1) << 31n) |
    (BigInt(c.u32[c.wi(L.XER_OV)] & 1) << 30n) |
    (BigInt(c.u32[c.wi(L.XER_CA)] & 1) << 29n) |
    (BigInt(c.u32[c.wi(L.XER_OV32)] & 1) << 19n) |
    (BigInt(c.u32[c.wi(L.XER_CA32)] & 1) << 18n) |
    BigInt(c.u32[c.wi(L.XER_BC)] & 0x7f);
  return {
    gpr,
    cr: c.cr >>> 0,
    xer,
    lr: c.spr(L.SPR_LR),
    ctr: c.spr(L.SPR_CTR),
    fpscr: BigInt(c.u32[c.wi(L.FPSCR)] >>> 0),
    vsr,
    vscr: c.u32[c.wi(L.VSCR)] >>> 0,
  };
}

/** Run instruction words on a fresh Cpu from state `s`; stops when control leaves them. */
export function runOurs(words: number[], s: OracleState, endian: Endian): OracleState {
  const c = makeCpu({ bigEndian: endian === 'be' });
  setState(c, s);
  loadCode(c, words);
  c.nia = BigInt(CODE_BASE);
  const end = BigInt(CODE_BASE + 4 * words.length);
  for (let steps = 0; steps < 10_000 && c.nia >= BigInt(CODE_BASE) && c.nia < end; steps++) c.run(1);
  if (c.nia !== end) {
    throw new Error(`execution left the case at 0x${c.nia.toString(16)} (SRR0=0x${c.spr(L.SPR_SRR0).toString(16)}, SRR1=0x${c.spr(L.SPR_SRR1).toString(16)}): an interrupt was taken`);
  }
  return getState(c);
}

const hex = (v: bigint | number, w: number): string => `0x${v.toString(16).padStart(w, '0')}`;

/** Differences between expected (qemu) and actual (ours), as readable lines. */
export function diffStates(exp: OracleState, act: OracleState, fields: Field[]): string[] {
  const d: string[] = [];
  const has = (f: Field): boolean => fields.includes(f);
  if (has('gpr')) {
    for (let n = 0; n < 32; n++) {
      if (n === 1 || n === 13) continue;
      if (exp.gpr[n] !== act.gpr[n]) d.push(`r${n}: expected ${hex(exp.gpr[n], 16)} got ${hex(act.gpr[n], 16)}`);
    }
  }
  if (has('cr') && exp.cr !== act.cr) d.push(`CR: expected ${hex(exp.cr, 8)} got ${hex(act.cr, 8)}`);
  if (has('xer') && exp.xer !== act.xer) d.push(`XER: expected ${hex(exp.xer, 8)} got ${hex(act.xer, 8)}`);
  if (has('lr') && exp.lr !== act.lr) d.push(`LR: expected ${hex(exp.lr, 16)} got ${hex(act.lr, 16)}`);
  if (has('ctr') && exp.ctr !== act.ctr) d.push(`CTR: expected ${hex(exp.ctr, 16)} got ${hex(act.ctr, 16)}`);
  if (has('fpscr') && (exp.fpscr & 0xffffffffn) !== (act.fpscr & 0xffffffffn)) {
    d.push(`FPSCR: expected ${hex(exp.fpscr & 0xffffffffn, 8)} got ${hex(act.fpscr & 0xffffffffn, 8)}`);
  }
  if (has('vsr')) {
    for (let n = 0; n < 64; n++) {
      if (exp.vsr[n] !== act.vsr[n]) d.push(`VSR${n}: expected ${hex(exp.vsr[n], 32)} got ${hex(act.vsr[n], 32)}`);
    }
  }
  if (has('vscr') && exp.vscr !== act.vscr) d.push(`VSCR: expected ${hex(exp.vscr, 8)} got ${hex(act.vscr, 8)}`);
  return d;
}

const ALL: Field[] = ['gpr', 'cr', 'xer', 'lr', 'ctr', 'fpscr', 'vsr', 'vscr'];

export interface OracleOutcome {
  name: string;
  words: number[];
  input: OracleState;
  expected: OracleState;
  actual?: OracleState;
  error?: string;
  diffs: string[];
}

/** Run all cases on both sides; returns per-case outcomes (no assertion). */
export function runOracle(cases: OracleCase[], endian: Endian = 'le'): OracleOutcome[] {
  if (cases.length === 0) return [];
  const raw = runQemu(cases, endian);
  return cases.map((c, i) => {
    const { state: expected, words } = parseBlock(raw, i * BLOCK, endian);
    const input = inputState(c);
    const name = c.name ?? c.asm;
    try {
      const actual = runOurs(words, input, endian);
      return { name, words, input, expected, actual, diffs: diffStates(expected, actual, c.compare ?? ALL) };
    } catch (e) {
      const msg = (e as Error).message;
      return { name, words, input, expected, error: msg, diffs: [msg] };
    }
  });
}

function describeInputs(c: OracleCase): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(c.gpr ?? {})) parts.push(`r${k}=${hex(v & U64, 1)}`);
  for (const [k, v] of Object.entries(c.vsr ?? {})) parts.push(`vs${k}=${hex(v & U128, 1)}`);
  if (c.cr !== undefined) parts.push(`cr=${hex(c.cr >>> 0, 8)}`);
  if (c.xer !== undefined) parts.push(`xer=${hex(c.xer, 1)}`);
  if (c.fpscr !== undefined) parts.push(`fpscr=${hex(c.fpscr, 1)}`);
  if (c.ctr !== undefined) parts.push(`ctr=${hex(c.ctr, 1)}`);
  if (c.lr !== undefined) parts.push(`lr=${hex(c.lr, 1)}`);
  if (c.vscr !== undefined) parts.push(`vscr=${hex(c.vscr, 1)}`);
  return parts.join(' ');
}

/**
 * Assert that our Cpu matches qemu-user on every case. `label` names the group in the
 * failure message; all mismatching cases are listed (up to 30).
 */
export function expectOracle(label: string, cases: OracleCase[], endian: Endian = 'le'): void {
  const outcomes = runOracle(cases, endian);
  const bad: string[] = [];
  outcomes.forEach((o, i) => {
    if (o.diffs.length > 0) {
      bad.push(`  [${i}] ${o.name}   (${describeInputs(cases[i])})\n      ${o.diffs.join('\n      ')}`);
    }
  });
  expect(bad.length, `${label}: ${bad.length}/${cases.length} cases differ from qemu-user\n${bad.slice(0, 30).join('\n')}`).toBe(0);
}
