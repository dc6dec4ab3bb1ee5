// Radix MMU (Power ISA 3.0B Book III 6.7) as a pseries guest sees it: hand-built page
// tables (big-endian entries) in test RAM, expected results worked from the ISA.
import { describe, it, expect, beforeEach } from 'vitest';
import { makeCpu, exec, loadCode } from './harness.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';
import * as L from '../../emulator/cpu/layout.js';
import { FAULT } from '../../emulator/cpu/fault.js';
import {
  ACCESS_READ,
  ACCESS_WRITE,
  ACCESS_EXEC,
  DSISR_SET_RC,
  SRR1_NOEXEC_GUARD,
  setProcessTable,
  type Access,
} from '../../emulator/cpu/mmu/mmu.js';

const DSISR_NOPTE = 0x40000000; // bit 33
const DSISR_PROTFAULT = 0x08000000; // bit 36
const DSISR_STORE = 0x02000000; // bit 38
const DSISR_BADCONFIG = 0x00080000; // bit 44
const PROGRAM_PRIV = 0x00040000; // SRR1 bit 45

// PTE low-word bits
const R = 0x100;
const C = 0x80;
const PRIV = 0x8;
const RD = 0x4;
const RW = 0x2;
const X = 0x1;
const ATT_NI_IO = 0x20;

const PRTB = 0x100000; // process table: 4K (PRTS = 0) = 256 entries
const KERNEL = 0xc000000000000000n;

type Size = '4K' | '64K' | '2M' | '1G';

function w64(c: Cpu, pa: number, v: bigint): void {
  c.dv.setUint32(L.RAM_OFFSET + pa, Number(v >> 32n), false);
  c.dv.setUint32(L.RAM_OFFSET + pa + 4, Number(v & 0xffffffffn), false);
}

function r64(c: Cpu, pa: number): bigint {
  return (BigInt(c.dv.getUint32(L.RAM_OFFSET + pa, false)) << 32n) | BigInt(c.dv.getUint32(L.RAM_OFFSET + pa + 4, false));
}

/** Builds radix trees the way Linux lays them out: 52-bit trees, 13/9/9/(9|5) bits. */
class Tables {
  private next = 0x110000;
  constructor(private readonly c: Cpu) {
    setProcessTable(c.mem, (1n << 63n) | BigInt(PRTB) | 0n);
  }

  private alloc(bytes: number): number {
    const a = Math.ceil(this.next / bytes) * bytes;
    this.next = a + bytes;
    this.c.u8.fill(0, L.RAM_OFFSET + a, L.RAM_OFFSET + a + bytes);
    return a;
  }

  private root(pid: number): number {
    const e = PRTB + 16 * pid;
    const d = r64(this.c, e);
    if (d !== 0n) return Number(d & 0x0fffffffffffff00n);
    const root = this.alloc(8 << 13);
    // RTS = 52 - 31 = 21: RTS1 = 0b10 (bits 1:2), RTS2 = 0b101 (bits 56:58); RPDS = 13.
    w64(this.c, e, (2n << 61n) | BigInt(root) | (5n << 5n) | 13n);
    return root;
  }

  /** Next-level table behind the PDE at `pde` (created with `nls` if missing). */
  private dir(pde: number, nls: number): number {
    const d = r64(this.c, pde);
    if ((d & (1n << 63n)) !== 0n) return Number(d & 0x0fffffffffffff00n);
    const t = this.alloc(8 << nls);
    w64(this.c, pde, (1n << 63n) | BigInt(t) | BigInt(nls));
    return t;
  }

  /** Address of the leaf entry for `ea` at size `size` (creating directories). */
  leafAddr(pid: number, ea: bigint, size: Size): number {
    const idx = (shift: bigint, bits: bigint): number => Number((ea >> shift) & ((1n << bits) - 1n)) * 8;
    const pgd = this.root(pid) + idx(39n, 13n);
    const pud = this.dir(pgd, 9) + idx(30n, 9n);
    if (size === '1G') return pud;
    const pmd = this.dir(pud, 9) + idx(21n, 9n);
    if (size === '2M') return pmd;
    if (size === '64K') return this.dir(pmd, 5) + idx(16n, 5n);
    return this.dir(pmd, 9) + idx(12n, 9n);
  }

  map(pid: number, ea: bigint, pa: number, size: Size, bits: number): number {
    const a = this.leafAddr(pid, ea, size);
    w64(this.c, a, (3n << 62n) | BigInt(pa) | BigInt(bits));
    return a;
  }
}

/** Set MSR translation/privilege bits (64-bit, little-endian). */
function mode(c: Cpu, o: { ir?: boolean; dr?: boolean; pr?: boolean } = {}): void {
  let lo = L.MSR_LE | L.MSR_FP | L.MSR_ME;
  if (o.ir ?? true) lo |= L.MSR_IR;
  if (o.dr ?? true) lo |= L.MSR_DR;
  if (o.pr ?? false) lo |= L.MSR_PR;
  c.setMSR(lo, L.MSR_HI_SF);
}

function spr(c: Cpu, n: number, v: bigint): void {
  c.setSPR(n, v);
  c.mmu.sprWritten(n);
}

function split(ea: bigint): [number, number] {
  return [Number(ea & 0xffffffffn), Number(ea >> 32n)];
}

function load32(c: Cpu, ea: bigint): number {
  const [lo, hi] = split(ea);
  return c.load32(lo, hi, true);
}

function store32(c: Cpu, ea: bigint, v: number): void {
  const [lo, hi] = split(ea);
  c.store32(lo, hi, v, true);
}

function xlate(c: Cpu, ea: bigint, access: Access): number {
  const [lo, hi] = split(ea);
  return c.mmu.translate(lo, hi, access);
}

/** Run `f`, which must raise a synchronous interrupt; returns the vector taken. */
function fault(c: Cpu, f: () => void): number {
  c.ciaLo = 0x1234;
  c.ciaHi = 0xc0000000;
  try {
    f();
  } catch (e) {
    if (e !== FAULT) throw e;
    return Number(c.nia);
  }
  throw new Error('expected an interrupt');
}

function ram32(c: Cpu, pa: number): number {
  return c.dv.getUint32(L.RAM_OFFSET + pa, true);
}

function setRam32(c: Cpu, pa: number, v: number): void {
  c.dv.setUint32(L.RAM_OFFSET + pa, v, true);
}

describe('radix MMU', () => {
  let c: Cpu;
  let t: Tables;
  beforeEach(() => {
    c = makeCpu();
    t = new Tables(c);
    c.setSPR(L.SPR_LPCR, BigInt(L.LPCR_HR | L.LPCR_UPRT | L.LPCR_GTSE));
    mode(c);
  });

  it('real mode ignores EA bits 0:3 and needs no tables', () => {
    mode(c, { ir: false, dr: false });
    setProcessTable(c.mem, null);
    setRam32(c, 0x2000, 0xdeadbeef);
    expect(load32(c, 0xc000000000002000n)).toBe(0xdeadbeef);
    expect(xlate(c, 0xf000000000002004n, ACCESS_EXEC)).toBe(0x2004);
    expect(xlate(c, 0x0000000100002004n, ACCESS_READ)).toBe(0x100002004);
  });

  it('maps a 4K kernel page (quadrant 3, PID 0) and sets R, then C', () => {
    const pte = t.map(0, KERNEL | 0x10000n, 0x300000, '4K', PRIV | RW);
    setRam32(c, 0x300010, 0x11223344);
    expect(load32(c, KERNEL | 0x10010n)).toBe(0x11223344);
    expect(r64(c, pte) & BigInt(R | C)).toBe(BigInt(R));
    store32(c, KERNEL | 0x10ffcn, 0xcafef00d);
    expect(ram32(c, 0x300ffc)).toBe(0xcafef00d);
    expect(r64(c, pte) & BigInt(R | C)).toBe(BigInt(R | C));
    // The rest of the PTE is untouched.
    expect(r64(c, pte)).toBe((3n << 62n) | 0x300000n | BigInt(PRIV | RW | R | C));
  });

  it('maps 64K, 2M and 1G pages, each 4K piece translating', () => {
    t.map(0, KERNEL | 0x1230000n, 0x350000, '64K', PRIV | RW | R | C);
    expect(xlate(c, KERNEL | 0x1235678n, ACCESS_READ)).toBe(0x355678);
    expect(xlate(c, KERNEL | 0x123fffcn, ACCESS_WRITE)).toBe(0x35fffc);
    t.map(0, KERNEL | 0x40600000n, 0x400000, '2M', PRIV | RW | R | C);
    expect(xlate(c, KERNEL | 0x40601234n, ACCESS_READ)).toBe(0x401234);
    expect(xlate(c, KERNEL | 0x407ff000n, ACCESS_READ)).toBe(0x5ff000);
    t.map(0, KERNEL | 0x80000000n, 0, '1G', PRIV | RW | X | R | C);
    expect(xlate(c, KERNEL | 0x80123458n, ACCESS_READ)).toBe(0x123458);
    expect(xlate(c, KERNEL | 0xbffffffcn, ACCESS_EXEC)).toBe(0x3ffffffc);
    // Loads through the TLB see the right bytes in two pieces of the 64K page.
    setRam32(c, 0x350008, 1);
    setRam32(c, 0x35f008, 2);
    expect(load32(c, KERNEL | 0x1230008n)).toBe(1);
    expect(load32(c, KERNEL | 0x123f008n)).toBe(2);
  });

  it('forms real addresses above 4 GiB (RPN high bits) without reading them', () => {
    t.map(0, KERNEL | 0x20000n, 0x0, '4K', PRIV | RW | R | C);
    const a = t.leafAddr(0, KERNEL | 0x20000n, '4K');
    w64(c, a, (3n << 62n) | 0x123456789000n | BigInt(PRIV | RW | R | C));
    expect(xlate(c, KERNEL | 0x20abcn, ACCESS_READ)).toBe(0x123456789abc);
  });

  it('quadrant 0 uses PIDR; a PIDR change selects another tree', () => {
    t.map(5, 0x10000000n, 0x310000, '4K', RW | R | C);
    t.map(6, 0x10000000n, 0x320000, '4K', RW | R | C);
    setRam32(c, 0x310000, 0x55);
    setRam32(c, 0x320000, 0x66);
    spr(c, L.SPR_PIDR, 5n);
    mode(c, { pr: true });
    expect(load32(c, 0x10000000n)).toBe(0x55);
    spr(c, L.SPR_PIDR, 6n);
    expect(load32(c, 0x10000000n)).toBe(0x66);
    // Kernel translations survive a PIDR change.
    mode(c);
    const pte = t.map(0, KERNEL | 0x30000n, 0x330000, '4K', PRIV | RW | R | C);
    setRam32(c, 0x330000, 0x77);
    expect(load32(c, KERNEL | 0x30000n)).toBe(0x77);
    w64(c, pte, 0n); // would fault if walked again
    spr(c, L.SPR_PIDR, 5n);
    expect(load32(c, KERNEL | 0x30000n)).toBe(0x77);
  });

  it('PID beyond the process table -> DSI NOPTE', () => {
    spr(c, L.SPR_PIDR, 256n);
    expect(fault(c, () => load32(c, 0x1000n))).toBe(0x300);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_NOPTE));
  });

  it('missing PTE -> DSI with DSISR and DAR, SRR0 = the instruction', () => {
    t.map(0, KERNEL | 0x10000n, 0x300000, '4K', PRIV | RW);
    expect(fault(c, () => load32(c, KERNEL | 0x11008n))).toBe(0x300);
    expect(c.spr(L.SPR_DAR)).toBe(KERNEL | 0x11008n);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_NOPTE));
    expect(c.spr(L.SPR_SRR0)).toBe(0xc000000000001234n);
    // Missing directory level, on a store.
    mode(c);
    expect(fault(c, () => store32(c, KERNEL | 0x7000000000n, 1))).toBe(0x300);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_NOPTE | DSISR_STORE));
    expect(c.spr(L.SPR_DAR)).toBe(KERNEL | 0x7000000000n);
  });

  it('store to a read-only page -> DSI STORE|PROTFAULT, C stays clear', () => {
    const pte = t.map(0, KERNEL | 0x10000n, 0x300000, '4K', PRIV | RD);
    expect(load32(c, KERNEL | 0x10000n)).toBe(0);
    expect(fault(c, () => store32(c, KERNEL | 0x10004n, 1))).toBe(0x300);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_PROTFAULT | DSISR_STORE));
    expect(c.spr(L.SPR_DAR)).toBe(KERNEL | 0x10004n);
    expect(r64(c, pte) & BigInt(R | C)).toBe(BigInt(R));
    expect(ram32(c, 0x300004)).toBe(0);
  });

  it('a read cached in the TLB does not let a later store skip the checks', () => {
    t.map(0, KERNEL | 0x10000n, 0x300000, '4K', PRIV | RD);
    expect(load32(c, KERNEL | 0x10000n)).toBe(0);
    expect(load32(c, KERNEL | 0x10000n)).toBe(0);
    expect(fault(c, () => store32(c, KERNEL | 0x10000n, 1))).toBe(0x300);
  });

  it('problem state cannot touch a privileged page', () => {
    t.map(5, 0x10000000n, 0x310000, '4K', PRIV | RW | R | C);
    spr(c, L.SPR_PIDR, 5n);
    mode(c, { pr: true });
    expect(fault(c, () => load32(c, 0x10000000n))).toBe(0x300);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_PROTFAULT));
    // Privileged state can (AMR allows everything).
    mode(c);
    expect(load32(c, 0x10000000n)).toBe(0);
  });

  it('AMR key 0 guards privileged access to non-privileged pages (KUAP), with TLB flushes', () => {
    t.map(5, 0x10000000n, 0x310000, '4K', RW | R | C);
    spr(c, L.SPR_PIDR, 5n);
    spr(c, L.SPR_AMR, 3n << 62n); // block read and write
    expect(fault(c, () => load32(c, 0x10000000n))).toBe(0x300);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_PROTFAULT));
    mode(c);
    spr(c, L.SPR_AMR, 2n << 62n); // block write only
    expect(load32(c, 0x10000000n)).toBe(0);
    expect(fault(c, () => store32(c, 0x10000000n, 1))).toBe(0x300);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_PROTFAULT | DSISR_STORE));
    mode(c);
    spr(c, L.SPR_AMR, 0n);
    store32(c, 0x10000000n, 9);
    expect(load32(c, 0x10000000n)).toBe(9);
    // Locking again must drop the cached entries.
    spr(c, L.SPR_AMR, 3n << 62n);
    expect(fault(c, () => load32(c, 0x10000000n))).toBe(0x300);
    mode(c);
    expect(fault(c, () => store32(c, 0x10000000n, 1))).toBe(0x300);
    // Problem state ignores AMR on radix.
    mode(c, { pr: true });
    expect(load32(c, 0x10000000n)).toBe(9);
  });

  it('many privileged fills of user pages, then AMR lock: all dropped', () => {
    for (let k = 0; k < 100; k++) t.map(5, 0x10000000n + BigInt(k) * 0x1000n, 0x400000 + k * 0x1000, '4K', RW | R | C);
    spr(c, L.SPR_PIDR, 5n);
    for (let k = 0; k < 100; k++) expect(load32(c, 0x10000000n + BigInt(k) * 0x1000n)).toBe(0);
    spr(c, L.SPR_AMR, 3n << 62n);
    for (let k = 0; k < 100; k += 33) {
      mode(c);
      expect(fault(c, () => load32(c, 0x10000000n + BigInt(k) * 0x1000n))).toBe(0x300);
    }
  });

  it('exec of a no-execute page -> ISI, SRR0 = the fetch address, SRR1 cause', () => {
    t.map(0, KERNEL | 0x50000n, 0x360000, '4K', PRIV | RW | R | C);
    c.nia = KERNEL | 0x50010n;
    c.run(1);
    expect(c.nia).toBe(0x400n);
    expect(c.spr(L.SPR_SRR0)).toBe(KERNEL | 0x50010n);
    const srr1 = c.spr(L.SPR_SRR1);
    expect(srr1 & 0x78000000n).toBe(BigInt(SRR1_NOEXEC_GUARD));
    expect(srr1 & BigInt(L.MSR_IR | L.MSR_DR | L.MSR_LE)).toBe(BigInt(L.MSR_IR | L.MSR_DR | L.MSR_LE));
  });

  it('exec: missing PTE -> ISI NOPTE; non-idempotent I/O -> ISI guard; user exec of priv page', () => {
    t.map(0, KERNEL | 0x10000n, 0x300000, '4K', PRIV | RW | X);
    c.nia = KERNEL | 0x60000n;
    c.run(1);
    expect(c.nia).toBe(0x400n);
    expect(c.spr(L.SPR_SRR1) & 0x78000000n).toBe(BigInt(DSISR_NOPTE));
    mode(c);
    t.map(0, KERNEL | 0x61000n, 0x361000, '4K', PRIV | RW | X | R | C | ATT_NI_IO);
    expect(fault(c, () => xlate(c, KERNEL | 0x61000n, ACCESS_EXEC))).toBe(0x400);
    expect(c.spr(L.SPR_SRR1) & 0x78000000n).toBe(BigInt(SRR1_NOEXEC_GUARD));
    mode(c, { pr: true });
    t.map(5, 0x20000n, 0x362000, '4K', PRIV | X | R | C);
    spr(c, L.SPR_PIDR, 5n);
    expect(fault(c, () => xlate(c, 0x20000n, ACCESS_EXEC))).toBe(0x400);
    expect(c.spr(L.SPR_SRR1) & 0x78000000n).toBe(BigInt(SRR1_NOEXEC_GUARD));
  });

  it('IAMR key 0 blocks privileged execution of user pages', () => {
    t.map(5, 0x20000n, 0x362000, '4K', X | R | C);
    spr(c, L.SPR_PIDR, 5n);
    expect(xlate(c, 0x20010n, ACCESS_EXEC)).toBe(0x362010);
    spr(c, L.SPR_IAMR, 1n << 62n);
    expect(fault(c, () => xlate(c, 0x20010n, ACCESS_EXEC))).toBe(0x400);
    expect(c.spr(L.SPR_SRR1) & 0x78000000n).toBe(BigInt(SRR1_NOEXEC_GUARD));
  });

  it('fetch translates through the tables and sets R', () => {
    const pte = t.map(0, KERNEL | 0x70000n, 0x370000, '4K', PRIV | RD | X);
    expect(xlate(c, KERNEL | 0x70ff8n, ACCESS_EXEC)).toBe(0x370ff8);
    expect(r64(c, pte) & BigInt(R | C)).toBe(BigInt(R));
    // Cached for fetch: a second translation does not walk (the PTE is gone now).
    w64(c, pte, 0n);
    expect(xlate(c, KERNEL | 0x70ff0n, ACCESS_EXEC)).toBe(0x370ff0);
  });

  it('non-zero EA bits 2:11 and quadrants 1/2 -> segment interrupts', () => {
    expect(fault(c, () => load32(c, KERNEL | 0x0010000000000000n))).toBe(0x380);
    expect(c.spr(L.SPR_DAR)).toBe(KERNEL | 0x0010000000000000n);
    mode(c);
    expect(fault(c, () => store32(c, 0x4000000000001000n, 0))).toBe(0x380);
    expect(c.spr(L.SPR_DAR)).toBe(0x4000000000001000n);
    mode(c);
    expect(fault(c, () => load32(c, 0x8000000000000000n))).toBe(0x380);
    mode(c);
    c.nia = 0x2000000000000000n;
    c.run(1);
    expect(c.nia).toBe(0x480n);
    expect(c.spr(L.SPR_SRR0)).toBe(0x2000000000000000n);
  });

  it('unsupported tree shape -> DSI R_BADCONFIG; no table registered -> DSI NOPTE', () => {
    w64(c, PRTB, (2n << 61n) | 0x200000n | (5n << 5n) | 12n); // RPDS 12
    expect(fault(c, () => load32(c, KERNEL | 0x1000n))).toBe(0x300);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_BADCONFIG));
    mode(c);
    setProcessTable(c.mem, null);
    expect(fault(c, () => load32(c, KERNEL | 0x1000n))).toBe(0x300);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_NOPTE));
  });

  it('with setsRC off, R/C updates raise DSI SET_RC (POWER9 behaviour)', () => {
    c.mmu.setsRC = false;
    const pte = t.map(0, KERNEL | 0x10000n, 0x300000, '4K', PRIV | RW);
    expect(fault(c, () => load32(c, KERNEL | 0x10000n))).toBe(0x300);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_SET_RC));
    mode(c);
    w64(c, pte, r64(c, pte) | BigInt(R));
    expect(load32(c, KERNEL | 0x10000n)).toBe(0);
    expect(fault(c, () => store32(c, KERNEL | 0x10000n, 1))).toBe(0x300);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_SET_RC | DSISR_STORE));
  });

  it('accesses crossing into an unmapped page fault on the second page', () => {
    t.map(0, KERNEL | 0x10000n, 0x300000, '4K', PRIV | RW | R | C);
    expect(fault(c, () => load32(c, KERNEL | 0x10ffen))).toBe(0x300);
    expect(c.spr(L.SPR_DAR)).toBe(KERNEL | 0x11000n);
  });
});

// ---------------------------------------------------------------- TLB management

const TLBIE = (rb: number, rs: number, ric: number, prs: number, r: number): number =>
  ((31 << 26) | (rs << 21) | (ric << 18) | (prs << 17) | (r << 16) | (rb << 11) | (306 << 1)) >>> 0;
const TLBIEL = (rb: number, rs: number, ric: number, prs: number, r: number): number =>
  ((31 << 26) | (rs << 21) | (ric << 18) | (prs << 17) | (r << 16) | (rb << 11) | (274 << 1)) >>> 0;

describe('tlbie / tlbiel / SLB instructions', () => {
  let c: Cpu;
  let t: Tables;
  beforeEach(() => {
    c = makeCpu();
    t = new Tables(c);
    c.setSPR(L.SPR_LPCR, BigInt(L.LPCR_HR | L.LPCR_UPRT | L.LPCR_GTSE));
    mode(c, { ir: false }); // code runs in real mode at CODE_BASE, data relocated
  });

  it('encodings match binutils', () => {
    expect(TLBIE(4, 5, 0, 1, 1)).toBe(0x7ca32264);
    expect(TLBIEL(4, 5, 0, 1, 1)).toBe(0x7ca32224);
    expect(TLBIE(4, 5, 2, 1, 1)).toBe(0x7cab2264);
  });

  it('tlbie of a 4K page makes a remap take effect', () => {
    const pte = t.map(0, KERNEL | 0x10000n, 0x300000, '4K', PRIV | RW | R | C);
    setRam32(c, 0x300000, 1);
    setRam32(c, 0x301000, 2);
    expect(load32(c, KERNEL | 0x10000n)).toBe(1);
    w64(c, pte, (3n << 62n) | 0x301000n | BigInt(PRIV | RW | R | C));
    expect(load32(c, KERNEL | 0x10000n)).toBe(1); // stale until invalidated, as on hardware
    c.setGPR(4, KERNEL | 0x10000n); // IS=0, AP=0 (4K)
    c.setGPR(5, 0n);
    exec(c, [TLBIE(4, 5, 0, 1, 1)]);
    expect(c.nia).toBe(0x10004n);
    expect(load32(c, KERNEL | 0x10000n)).toBe(2);
  });

  it('tlbie with AP=64K drops every 4K piece of the page; the neighbour survives', () => {
    const pte = t.map(0, KERNEL | 0x1230000n, 0x350000, '64K', PRIV | RW | R | C);
    const other = t.map(0, KERNEL | 0x1240000n, 0x370000, '64K', PRIV | RW | R | C);
    setRam32(c, 0x350000, 1);
    setRam32(c, 0x35f000, 2);
    setRam32(c, 0x360000, 3);
    setRam32(c, 0x36f000, 4);
    setRam32(c, 0x370000, 5);
    expect(load32(c, KERNEL | 0x1230000n)).toBe(1);
    expect(load32(c, KERNEL | 0x123f000n)).toBe(2);
    expect(load32(c, KERNEL | 0x1240000n)).toBe(5);
    w64(c, pte, (3n << 62n) | 0x360000n | BigInt(PRIV | RW | R | C));
    w64(c, other, 0n);
    c.setGPR(4, KERNEL | 0x1234000n | (5n << 5n)); // EA inside the page, AP=0b101
    c.setGPR(5, 0n);
    exec(c, [TLBIEL(4, 5, 0, 1, 1)]);
    expect(load32(c, KERNEL | 0x1230000n)).toBe(3);
    expect(load32(c, KERNEL | 0x123f000n)).toBe(4);
    expect(load32(c, KERNEL | 0x1240000n)).toBe(5);
  });

  it('tlbie with AP=2M drops the pieces of a 2M page', () => {
    const pte = t.map(0, KERNEL | 0x40600000n, 0x400000, '2M', PRIV | RW | R | C);
    setRam32(c, 0x5ff000, 7);
    setRam32(c, 0x7ff000, 8);
    expect(load32(c, KERNEL | 0x407ff000n)).toBe(7);
    w64(c, pte, (3n << 62n) | 0x600000n | BigInt(PRIV | RW | R | C));
    c.setGPR(4, KERNEL | 0x40600000n | (1n << 5n));
    c.setGPR(5, 0n);
    exec(c, [TLBIE(4, 5, 0, 1, 1)]);
    expect(load32(c, KERNEL | 0x407ff000n)).toBe(8);
  });

  it('IS=1 (PID) drops process translations, keeps the kernel ones; IS=3 drops all', () => {
    const user = t.map(5, 0x10000000n, 0x310000, '4K', RW | R | C);
    const kern = t.map(0, KERNEL | 0x10000n, 0x300000, '4K', PRIV | RW | R | C);
    spr(c, L.SPR_PIDR, 5n);
    setRam32(c, 0x310000, 1);
    setRam32(c, 0x300000, 2);
    setRam32(c, 0x320000, 3);
    expect(load32(c, 0x10000000n)).toBe(1);
    expect(load32(c, KERNEL | 0x10000n)).toBe(2);
    w64(c, user, (3n << 62n) | 0x320000n | BigInt(RW | R | C));
    w64(c, kern, 0n);
    c.setGPR(4, 1n << 10n); // IS=1
    c.setGPR(5, 5n << 32n); // RS: PID 5
    exec(c, [TLBIE(4, 5, 2, 1, 1)]);
    expect(load32(c, 0x10000000n)).toBe(3);
    expect(load32(c, KERNEL | 0x10000n)).toBe(2);
    c.setGPR(4, 3n << 10n); // IS=3
    exec(c, [TLBIEL(4, 5, 2, 1, 1)]);
    expect(fault(c, () => load32(c, KERNEL | 0x10000n))).toBe(0x300);
  });

  it('tlbiel of a set other than 0 has nothing to drop (single-set TLB); set 0 drops', () => {
    const user = t.map(5, 0x10000000n, 0x310000, '4K', RW | R | C);
    spr(c, L.SPR_PIDR, 5n);
    expect(load32(c, 0x10000000n)).toBe(0);
    w64(c, user, 0n);
    c.setGPR(5, 5n << 32n);
    for (let set = 127; set >= 1; set--) {
      c.setGPR(4, (BigInt(set) << 12n) | (1n << 10n));
      exec(c, [TLBIEL(4, 5, 0, 1, 1)]);
    }
    expect(load32(c, 0x10000000n)).toBe(0);
    c.setGPR(4, 1n << 10n);
    exec(c, [TLBIEL(4, 5, 2, 1, 1)]);
    expect(fault(c, () => load32(c, 0x10000000n))).toBe(0x300);
    // tlbie ignores the set field.
    mode(c, { ir: false });
    t.map(5, 0x10000000n, 0x310000, '4K', RW | R | C);
    expect(load32(c, 0x10000000n)).toBe(0);
    w64(c, user, 0n);
    c.setGPR(4, (5n << 12n) | (1n << 10n));
    exec(c, [TLBIE(4, 5, 0, 1, 1)]);
    expect(fault(c, () => load32(c, 0x10000000n))).toBe(0x300);
  });

  it('IS=1 with PID 0 drops the kernel translations too', () => {
    const kern = t.map(0, KERNEL | 0x10000n, 0x300000, '4K', PRIV | RW | R | C);
    expect(load32(c, KERNEL | 0x10000n)).toBe(0);
    w64(c, kern, 0n);
    c.setGPR(4, 1n << 10n);
    c.setGPR(5, 0n);
    exec(c, [TLBIE(4, 5, 2, 1, 1)]);
    expect(fault(c, () => load32(c, KERNEL | 0x10000n))).toBe(0x300);
  });

  it('tlbie invalidates cached fetch translations', () => {
    const pte = t.map(0, KERNEL | 0x70000n, 0x370000, '4K', PRIV | RD | X | R);
    mode(c);
    expect(xlate(c, KERNEL | 0x70000n, ACCESS_EXEC)).toBe(0x370000);
    w64(c, pte, (3n << 62n) | 0x380000n | BigInt(PRIV | RD | X | R));
    c.setGPR(4, KERNEL | 0x70000n);
    c.setGPR(5, 0n);
    mode(c, { ir: false });
    exec(c, [TLBIE(4, 5, 0, 1, 1)]);
    mode(c);
    expect(xlate(c, KERNEL | 0x70000n, ACCESS_EXEC)).toBe(0x380000);
  });

  it('broadcast hook sees tlbie, not tlbiel', () => {
    const seen: number[][] = [];
    c.mmu.broadcast = {
      tlbie(origin, scope, lo, hi, pages) {
        expect(origin).toBe(c);
        seen.push([scope, lo, hi, pages]);
      },
    };
    c.setGPR(4, KERNEL | 0x10000n);
    c.setGPR(5, 0n);
    exec(c, [TLBIE(4, 5, 0, 1, 1), TLBIEL(4, 5, 0, 1, 1)]);
    expect(seen).toEqual([[0, 0x10000, 0xc0000000, 1]]);
  });

  it('privilege: problem state, GTSE=0 for tlbie, PRS=0 with HR=1', () => {
    c.setGPR(4, 0n);
    c.setGPR(5, 0n);
    mode(c, { ir: false, pr: true });
    exec(c, [TLBIEL(4, 5, 0, 1, 1)]);
    expect(c.nia).toBe(0x700n);
    expect(c.spr(L.SPR_SRR1) & BigInt(PROGRAM_PRIV)).toBe(BigInt(PROGRAM_PRIV));
    mode(c, { ir: false });
    exec(c, [TLBIE(4, 5, 0, 0, 1)]); // PRS=0: partition scoped
    expect(c.nia).toBe(0x700n);
    mode(c, { ir: false });
    c.setSPR(L.SPR_LPCR, BigInt(L.LPCR_HR | L.LPCR_UPRT));
    exec(c, [TLBIE(4, 5, 0, 1, 1)]);
    expect(c.nia).toBe(0x700n);
    mode(c, { ir: false });
    exec(c, [TLBIEL(4, 5, 0, 1, 1)]); // tlbiel needs no GTSE
    expect(c.nia).toBe(0x10004n);
    mode(c, { ir: false });
    exec(c, [0x7c00046c]); // tlbsync without GTSE
    expect(c.nia).toBe(0x700n);
  });

  it('tlbsync and SLB instructions: legal, privileged, SLB reads as empty', () => {
    c.setGPR(3, 0x1234n);
    c.cr = 0xf0000000;
    c.u32[c.wi(L.XER_SO)] = 1;
    exec(c, [
      0x7c00046c, // tlbsync
      0x7c6027a7, // slbfee. r3,r4
      0x7c0003e4, // slbia
      0x7c002364, // slbie r4
      0x7c602324, // slbmte r3,r4
      0x7c0002a4, // slbsync
      0x7c6023a4, // slbieg r3,r4
    ]);
    expect(c.nia).toBe(0x1001cn);
    expect(c.gpr(3)).toBe(0n);
    expect(c.cr >>> 28).toBe(1); // CR0 = 0b00 || SO
    c.setGPR(3, 0x1234n);
    exec(c, [0x7c602726]); // slbmfee r3,r4
    expect(c.gpr(3)).toBe(0n);
    c.setGPR(3, 0x1234n);
    exec(c, [0x7c6026a6]); // slbmfev r3,r4
    expect(c.gpr(3)).toBe(0n);
    exec(c, [0x7c6006a4]); // slbiag: hypervisor only
    expect(c.nia).toBe(0x700n);
    expect(c.spr(L.SPR_SRR1) & BigInt(PROGRAM_PRIV)).toBe(BigInt(PROGRAM_PRIV));
    mode(c, { ir: false });
    exec(c, [0x7c6027a6]); // slbfee with Rc=0: invalid form
    expect(c.nia).toBe(0x700n);
    expect(c.spr(L.SPR_SRR1) & 0x80000n).toBe(0x80000n);
    mode(c, { ir: false });
    mode(c, { ir: false, pr: true });
    exec(c, [0x7c0003e4]);
    expect(c.nia).toBe(0x700n);
  });
});

// ---------------------------------------------------------------- end to end

describe('relocated execution', () => {
  it('fetches, loads and stores through the tables; a DSI goes to the AIL=3 vector', () => {
    const c = makeCpu();
    const t = new Tables(c);
    c.setSPR(L.SPR_LPCR, BigInt(L.LPCR_HR | L.LPCR_UPRT | L.LPCR_GTSE | (3 << L.LPCR_AIL_SHIFT)));
    t.map(0, KERNEL | 0x10000n, 0x10000, '4K', PRIV | RD | X);
    const data = t.map(0, KERNEL | 0x7f000n, 0x200000, '4K', PRIV | RW);
    loadCode(c, [0x80640000, 0x90640004, 0x38630001, 0xf8640008, 0xe8a40008, 0x80640000 | 0x1000]);
    setRam32(c, 0x200000, 41);
    c.setGPR(4, KERNEL | 0x7f000n);
    mode(c);
    c.nia = KERNEL | 0x10000n;
    c.run(5);
    expect(c.nia).toBe(KERNEL | 0x10014n);
    expect(ram32(c, 0x200004)).toBe(41);
    expect(c.gpr(5)).toBe(42n);
    expect(r64(c, data) & BigInt(R | C)).toBe(BigInt(R | C));
    // lwz r3,0x1000(r4): the next page is unmapped.
    c.run(1);
    expect(c.nia).toBe(KERNEL | 0x4300n);
    expect(c.spr(L.SPR_SRR0)).toBe(KERNEL | 0x10014n);
    expect(c.spr(L.SPR_DAR)).toBe(KERNEL | 0x80000n);
    expect(c.spr(L.SPR_DSISR)).toBe(BigInt(DSISR_NOPTE));
    // The handler address is unmapped too: ISI at the relocated vector, SRR0 = that address.
    c.run(1);
    expect(c.nia).toBe(KERNEL | 0x4400n);
    expect(c.spr(L.SPR_SRR0)).toBe(KERNEL | 0x4300n);
  });
});
