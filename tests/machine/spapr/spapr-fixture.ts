// Shared helpers for the pseries unit tests: a tiny hand-built kernel ELF, a small
// SpaprMachine around it, and a way to make a hypercall as `sc 1` would (r3 = opcode,
// r4.. = arguments, dispatched with the BQL held).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpaprMachine, type SpaprConfig } from '../../../emulator/machine/spapr/machine.js';
import type { Cpu } from '../../../emulator/cpu/cpu.js';
import * as L from '../../../emulator/cpu/layout.js';

const EM_PPC64 = 21;
const KERNEL_VA = 0xc000000000000000n;

/**
 * A minimal 64-bit PowerPC ELF: one PT_LOAD at physical 0 (virtual 0xc000...0, like
 * vmlinux) holding `code` (default: `b .`), entry at its first word.
 */
export function tinyElf(opts: { bigEndian?: boolean; code?: number[]; memSize?: number; machine?: number; cls?: number } = {}): Uint8Array {
  const le = opts.bigEndian !== true;
  const code = opts.code ?? [0x48000000];
  const codeOff = 0x100;
  const bytes = new Uint8Array(codeOff + 4 * code.length);
  const dv = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, opts.cls ?? 2, le ? 1 : 2, 1, 0]);
  dv.setUint16(16, 2, le); // ET_EXEC
  dv.setUint16(18, opts.machine ?? EM_PPC64, le);
  dv.setUint32(20, 1, le);
  dv.setBigUint64(24, KERNEL_VA, le); // e_entry
  dv.setBigUint64(32, 64n, le); // e_phoff
  dv.setBigUint64(40, 0n, le); // e_shoff
  dv.setUint32(48, le ? 2 : 1, le); // e_flags: ELF ABI version
  dv.setUint16(52, 64, le);
  dv.setUint16(54, 56, le);
  dv.setUint16(56, 1, le);
  dv.setUint16(58, 64, le);
  // program header
  const p = 64;
  dv.setUint32(p, 1, le); // PT_LOAD
  dv.setUint32(p + 4, 5, le); // R+X
  dv.setBigUint64(p + 8, BigInt(codeOff), le);
  dv.setBigUint64(p + 16, KERNEL_VA, le);
  dv.setBigUint64(p + 24, 0n, le);
  dv.setBigUint64(p + 32, BigInt(4 * code.length), le);
  dv.setBigUint64(p + 40, BigInt(opts.memSize ?? 0x10000), le);
  dv.setBigUint64(p + 48, 0x10000n, le);
  code.forEach((w, i) => dv.setUint32(codeOff + 4 * i, w >>> 0, le));
  return bytes;
}

export interface TestMachine {
  m: SpaprMachine;
  /** Console bytes (prom_init writes, display-character, drained vty output). */
  out: number[];
  logs: string[];
}

export function makeMachine(cfg: Partial<SpaprConfig> & { ramMiB?: number } = {}): TestMachine {
  const out: number[] = [];
  const logs: string[] = [];
  const m = new SpaprMachine({
    ramBytes: (cfg.ramMiB ?? 64) * 1024 * 1024,
    nvcpus: cfg.nvcpus ?? 1,
    kernel: cfg.kernel ?? tinyElf(),
    kernelName: cfg.kernelName ?? 'tiny.elf',
    initrd: cfg.initrd,
    bootargs: cfg.bootargs ?? 'console=hvc0',
    icMode: cfg.icMode,
    consoleOut: (b) => {
      // Keep the first MiB (fuzzing writes huge buffers).
      for (let i = 0; i < b.length && out.length < 1 << 20; i++) out.push(b[i]);
    },
    log: (l) => logs.push(l),
  });
  return { m, out, logs };
}

/** Signed 64-bit view of GPR n. */
export function sgpr(c: Cpu, n: number): bigint {
  return BigInt.asIntN(64, c.gpr(n));
}

/** Load r3 = opcode, r4.. = args (numbers are taken as unsigned 64-bit, negative as two's complement). */
export function setHcallRegs(c: Cpu, opcode: number, args: ReadonlyArray<number | bigint>): void {
  c.setGPR(3, BigInt(opcode));
  args.forEach((a, i) => c.setGPR(4 + i, BigInt.asUintN(64, BigInt(a))));
}

/** Make hypercall `opcode` on `c` as the machine's `sc 1` hook does; returns r3 as a signed number. */
export function hcall(m: SpaprMachine, c: Cpu, opcode: number, ...args: Array<number | bigint>): number {
  setHcallRegs(c, opcode, args);
  m.bql.with(() => m.hcalls.dispatch(c));
  return Number(sgpr(c, 3));
}

/** Big-endian 32-bit cells at guest real address `a`. */
export function putCells(m: SpaprMachine, a: number, cells: readonly number[]): void {
  cells.forEach((v, i) => m.mem.dv.setUint32(L.RAM_OFFSET + a + 4 * i, v >>> 0, false));
}

export function getCell(m: SpaprMachine, a: number): number {
  return m.mem.dv.getUint32(L.RAM_OFFSET + a, false);
}

/** A NUL-terminated string at guest real address `a`; returns the address after it. */
export function putString(m: SpaprMachine, a: number, s: string): number {
  for (let i = 0; i < s.length; i++) m.mem.u8[L.RAM_OFFSET + a + i] = s.charCodeAt(i);
  m.mem.u8[L.RAM_OFFSET + a + s.length] = 0;
  return a + s.length + 1;
}

export function getString(m: SpaprMachine, a: number, max = 4096): string {
  let s = '';
  for (let i = 0; i < max; i++) {
    const b = m.mem.u8[L.RAM_OFFSET + a + i];
    if (b === 0) break;
    s += String.fromCharCode(b);
  }
  return s;
}

export function getBytes(m: SpaprMachine, a: number, n: number): Uint8Array {
  return m.mem.u8.slice(L.RAM_OFFSET + a, L.RAM_OFFSET + a + n);
}

// ------------------------------------------------------------------ client interface
/** Scratch area for client-interface argument blocks and strings (above the VOF stack). */
export const SCRATCH = 0x40000;

export interface VofResult {
  /** Hypercall status (H_SUCCESS unless the block itself was bad). */
  status: number;
  /** The return cells, first one first. */
  rets: number[];
}

/**
 * Call client-interface `service` as prom_init does: a big-endian prom_args block
 * (service, nargs, nret, args, rets) at SCRATCH, through the VOF hypercall.
 * String arguments are placed in scratch memory and passed by address.
 */
export function vofCall(m: SpaprMachine, service: string, args: ReadonlyArray<number | string>, nret: number, c: Cpu = m.cpus[0]): VofResult {
  let strAt = SCRATCH + 0x100;
  const svc = strAt;
  strAt = putString(m, strAt, service);
  const cells = args.map((a) => {
    if (typeof a === 'number') return a;
    const at = strAt;
    strAt = putString(m, strAt, a);
    return at;
  });
  putCells(m, SCRATCH, [svc, cells.length, nret, ...cells, ...new Array<number>(nret).fill(0xdeadbeef)]);
  const status = hcall(m, c, 0xf005, SCRATCH);
  const rets: number[] = [];
  for (let i = 0; i < nret; i++) rets.push(getCell(m, SCRATCH + 12 + 4 * (cells.length + i)));
  return { status, rets };
}

/** First return cell of a client-interface call (the service's result). */
export function vof1(m: SpaprMachine, service: string, ...args: Array<number | string>): number {
  return vofCall(m, service, args, 1).rets[0];
}

/**
 * An ibm,client-architecture-support vector: (mask, value) PVR pairs, a terminator,
 * then option vectors 1..5 (1-4 one zero byte each; 5 with the given bytes, numbered
 * from 1 as in LoPAPR).
 */
export function casVector(opts: { pvrs?: Array<[number, number]>; ov5?: Record<number, number>; ov5Len?: number } = {}): Uint8Array {
  const pvrs = opts.pvrs ?? [
    [0xffff0000, 0x004e0000], // POWER9
    [0xffffffff, 0x0f000005], // ISA 3.00
  ];
  const ov5 = opts.ov5 ?? { 24: 0x40, 26: 0x40 };
  const len = opts.ov5Len ?? Math.max(1, ...Object.keys(ov5).map(Number));
  const out: number[] = [];
  const be32 = (v: number): void => {
    out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  };
  for (const [mask, val] of pvrs) {
    be32(mask);
    be32(val);
  }
  be32(0x00000000); // terminator: value has bits outside the mask
  be32(0xffffffff);
  out.push(4); // five vectors
  for (let v = 1; v <= 4; v++) out.push(0, 0);
  out.push(len - 1);
  for (let b = 1; b <= len; b++) out.push(ov5[b] ?? 0);
  return Uint8Array.from(out);
}

/** Run CAS through the client interface with `vec` at guest address 0x50000; returns the first return cell. */
export function doCas(m: SpaprMachine, vec: Uint8Array = casVector()): VofResult {
  m.mem.writePhys(0x50000, vec);
  const root = vof1(m, 'open', '/');
  return vofCall(m, 'call-method', ['ibm,client-architecture-support', root, 0x50000], 2);
}

// ------------------------------------------------------------------ RTAS
/** Where rtasCall builds its argument buffer. */
export const RTAS_ARGS = SCRATCH + 0x800;

/**
 * Make an RTAS call as the kernel's enter_rtas does: token, nargs, nret, args, rets as
 * big-endian cells at RTAS_ARGS, then the RTAS trap hypercall with r4 = the buffer.
 * Return cells are pre-filled with 0xdeadbeef so unwritten ones show.
 */
export function rtasCall(m: SpaprMachine, token: number, args: readonly number[], nret: number, c: Cpu = m.cpus[0]): VofResult {
  putCells(m, RTAS_ARGS, [token, args.length, nret, ...args, ...new Array<number>(nret).fill(0xdeadbeef)]);
  const status = hcall(m, c, 0xf000, RTAS_ARGS);
  const rets: number[] = [];
  for (let i = 0; i < nret; i++) rets.push(getCell(m, RTAS_ARGS + 12 + 4 * (args.length + i)) | 0);
  return { status, rets };
}

// ------------------------------------------------------------------ differential runs on QEMU
// A tiny big-endian kernel (assembled with binutils) runs on qemu-system-ppc64 and on our
// machine; each leaves results in guest memory, read back and compared by the tests.
export const QEMU_TOOLS = {
  as: 'powerpc64le-linux-gnu-as',
  objcopy: 'powerpc64le-linux-gnu-objcopy',
  qemu: 'qemu-system-ppc64',
};

export function haveQemuTools(): boolean {
  for (const t of Object.values(QEMU_TOOLS)) {
    try {
      execFileSync(t, ['--version'], { stdio: 'ignore' });
    } catch {
      return false;
    }
  }
  return true;
}

/** gas macro: LOAD64 r, value (any 64-bit constant, 5 instructions). */
export const LOAD64_MACRO = [
  '.macro LOAD64 r, v',
  '  lis \\r, (((\\v)>>48)&0xffff)',
  '  ori \\r,\\r, (((\\v)>>32)&0xffff)',
  '  sldi \\r,\\r,32',
  '  oris \\r,\\r, (((\\v)>>16)&0xffff)',
  '  ori \\r,\\r, ((\\v)&0xffff)',
  '.endm',
];

/** Assemble big-endian POWER9 code; returns its instruction words (the program ends in `b .`). */
export function assembleBE(dir: string, name: string, lines: readonly string[]): number[] {
  const s = join(dir, `${name}.s`);
  writeFileSync(s, [...LOAD64_MACRO, ...lines, '1: b 1b', ''].join('\n'));
  execFileSync(QEMU_TOOLS.as, ['-mbig', '-a64', '-mpower9', s, '-o', join(dir, `${name}.o`)]);
  execFileSync(QEMU_TOOLS.objcopy, ['-O', 'binary', '-j', '.text', join(dir, `${name}.o`), join(dir, `${name}.bin`)]);
  const code = new Uint8Array(readFileSync(join(dir, `${name}.bin`)));
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  return Array.from({ length: code.length / 4 }, (_, i) => dv.getUint32(4 * i, false));
}

/** Run the program on SpaprMachine until it reaches its final `b .`; returns `len` bytes at `addr`. */
export function runProgramOurs(words: readonly number[], addr: number, len: number, ramMiB = 256): Uint8Array {
  const { m } = makeMachine({ kernel: tinyElf({ bigEndian: true, code: [...words] }), ramMiB });
  const c = m.cpus[0];
  const end = BigInt(0x400000 + 4 * (words.length - 1));
  for (let i = 0; i < 10000 && c.nia !== end; i++) c.run(1000);
  return m.mem.u8.slice(L.RAM_OFFSET + addr, L.RAM_OFFSET + addr + len);
}

/**
 * Run the program on QEMU 7.2's pseries (VOF firmware, POWER9, XICS, a vty on a file);
 * poll `len` bytes at `addr` with the monitor's pmemsave until `done(bytes)` holds.
 */
export async function runProgramQemu(dir: string, words: readonly number[], addr: number, len: number, done: (b: Uint8Array) => boolean): Promise<Uint8Array> {
  const elf = join(dir, 'program.elf');
  writeFileSync(elf, tinyElf({ bigEndian: true, code: [...words] }));
  const out = join(dir, 'pmem.bin');
  const q = spawn(QEMU_TOOLS.qemu, [
    '-M', 'pseries,x-vof=on,ic-mode=xics', '-cpu', 'power9', '-m', '256M', '-smp', '1',
    '-display', 'none', '-nodefaults', '-serial', `file:${join(dir, 'serial.txt')}`, '-monitor', 'stdio', '-kernel', elf,
  ], { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    for (let tries = 0; tries < 30; tries++) {
      await new Promise((r) => setTimeout(r, 400));
      rmSync(out, { force: true });
      q.stdin.write(`pmemsave ${addr} ${len} "${out}"\n`);
      for (let w = 0; w < 10 && !existsSync(out); w++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 50));
      if (existsSync(out)) {
        const b = new Uint8Array(readFileSync(out));
        if (b.length === len && done(b)) return b;
      }
    }
    throw new Error('QEMU did not finish the program');
  } finally {
    q.stdin.write('quit\n');
    q.kill();
  }
}
