import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ElfError, loadElf, parseElf, type PhysicalMemory } from '../../emulator/loader/elf.js';
import { GuestMemory } from '../../emulator/memory/guest-memory.js';

function hasTool(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const LE = 'powerpc64le-linux-gnu-';
const BE = 'powerpc64-linux-gnu-';
const HAVE_LE = hasTool(`${LE}as`) && hasTool(`${LE}ld`) && hasTool(`${LE}readelf`);
const HAVE_LE_GCC = HAVE_LE && hasTool(`${LE}gcc`);
const HAVE_BE = hasTool(`${BE}as`) && hasTool(`${BE}ld`) && HAVE_LE;

/** A plain RAM buffer standing in for guest memory (fills with a pattern to see what gets written). */
class TestRam implements PhysicalMemory {
  readonly bytes: Uint8Array;
  writes = 0;
  constructor(readonly ramSize: number, fill = 0xaa) {
    this.bytes = new Uint8Array(ramSize).fill(fill);
  }
  writePhys(pa: number, data: Uint8Array): void {
    if (pa < 0 || pa + data.length > this.ramSize) throw new RangeError('outside RAM');
    this.bytes.set(data, pa);
    this.writes++;
  }
}

let dir = '';
const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8' });
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name)));

/** Facts readelf reports, as the independent oracle for our parser. */
interface ReadelfLoad {
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: number;
}
function readelf(path: string): { entry: bigint; loads: ReadelfLoad[]; flags: string } {
  const out = execFileSync(`${LE}readelf`, ['-hlW', path], { encoding: 'utf8' });
  const entry = BigInt(/Entry point address:\s+(0x[0-9a-f]+)/.exec(out)?.[1] ?? 'x');
  const flags = /Flags:\s+(.*)/.exec(out)?.[1] ?? '';
  const loads: ReadelfLoad[] = [];
  for (const m of out.matchAll(/^\s+LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)/gm)) {
    loads.push({ offset: Number(m[1]), vaddr: BigInt(m[2]), paddr: BigInt(m[3]), filesz: Number(m[4]), memsz: Number(m[5]) });
  }
  return { entry, loads, flags };
}

/** nm: symbol -> value. */
function symbols(path: string): Map<string, bigint> {
  const out = execFileSync(`${LE}nm`, [path], { encoding: 'utf8' });
  const m = new Map<string, bigint>();
  for (const line of out.split('\n')) {
    const [v, , name] = line.trim().split(/\s+/);
    if (name !== undefined) m.set(name, BigInt('0x' + v));
  }
  return m;
}

// A kernel-shaped image: linked at 0xc000000000000000 with physical addresses from 0,
// like vmlinux (AT(ADDR - LOAD_OFFSET)), with text, data and a large bss.
const KERNEL_LDS = `
ENTRY(_start)
SECTIONS {
  . = 0xc000000000000000;
  .text : AT(ADDR(.text) - 0xc000000000000000) { *(.text) }
  . = ALIGN(0x10000);
  .data : AT(ADDR(.data) - 0xc000000000000000) { *(.data) }
  .bss : AT(ADDR(.bss) - 0xc000000000000000) { *(.bss) }
  /DISCARD/ : { *(.note.*) *(.comment) }
}
`;
const KERNEL_S = `
  .abiversion 2
  .text
  .globl _start
  nop
  nop
_start:
  li 3, 42
  b .
  .data
  .globl mydata
mydata:
  .quad 0x1122334455667788
  .bss
  .globl mybss
mybss:
  .space 0x30000
`;
// ELFv1 big-endian: _start is a function descriptor in .opd pointing at ._start.
const BE_S = `
  .section ".opd","aw"
  .align 3
  .globl _start
_start:
  .quad ._start, .TOC.@tocbase, 0
  .text
  .globl ._start
  nop
._start:
  li 3, 7
  b .
  .section ".toc","aw"
  .quad 0
`;
const C_SRC = `
long counter = 5;
long zeroed[64];
void _start(void) { for (;;) { counter++; zeroed[counter & 63] = counter; } }
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ppcbox-elf-'));
  if (HAVE_LE) {
    writeFileSync(join(dir, 'k.lds'), KERNEL_LDS);
    writeFileSync(join(dir, 'k.s'), KERNEL_S);
    run(`${LE}as`, ['-o', 'k.o', 'k.s']);
    run(`${LE}ld`, ['-T', 'k.lds', '-o', 'k.elf', 'k.o']);
  }
  if (HAVE_BE) {
    writeFileSync(join(dir, 'be.s'), BE_S);
    run(`${BE}as`, ['-a64', '-o', 'be.o', 'be.s']);
    run(`${BE}ld`, ['-Ttext=0x100000', '-o', 'be.elf', 'be.o']);
    // Same object, entered at the code label: an ELFv1 image whose entry is not a descriptor.
    run(`${BE}ld`, ['-Ttext=0x100000', '-e', '._start', '-o', 'be-code.elf', 'be.o']);
    // A 32-bit PowerPC ELF.
    writeFileSync(join(dir, 'p32.s'), '  .text\n  .globl _start\n_start:\n  b .\n');
    run(`${BE}as`, ['-a32', '-o', 'p32.o', 'p32.s']);
    run(`${BE}ld`, ['-m', 'elf32ppc', '-Ttext=0x100000', '-o', 'p32.elf', 'p32.o']);
  }
  if (HAVE_LE_GCC) {
    writeFileSync(join(dir, 'c.c'), C_SRC);
    run(`${LE}gcc`, ['-O1', '-static', '-nostdlib', '-ffreestanding', '-Wl,-Ttext-segment=0x200000', '-o', 'c.elf', 'c.c']);
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE_LE)('ELF loader: little-endian ELFv2', () => {
  it('parses what readelf reports', () => {
    const info = parseElf(file('k.elf'), 'k.elf');
    const re = readelf(join(dir, 'k.elf'));
    expect(info.littleEndian).toBe(true);
    expect(info.abi).toBe(2);
    expect(info.type).toBe('exec');
    expect(info.entry).toBe(re.entry);
    expect(re.flags).toMatch(/abiv2/);
    const loads = re.loads.filter((l) => l.memsz > 0);
    expect(info.segments.map((s) => ({ offset: s.fileOffset, vaddr: s.vaddr, paddr: s.paddr, filesz: s.fileSize, memsz: s.memSize }))).toEqual(loads);
    expect(loads[0].vaddr).toBe(0xc000000000000000n);
    expect(loads[0].paddr).toBe(0n);
  });

  it('loads segments at their physical addresses, zeroes bss, converts the entry to a real address', () => {
    const bytes = file('k.elf');
    const syms = symbols(join(dir, 'k.elf'));
    const re = readelf(join(dir, 'k.elf'));
    const ram = new TestRam(1 << 20);
    const k = loadElf(ram, bytes, { name: 'k.elf' });
    const start = syms.get('_start') as bigint;
    expect(k.entry).toBe(Number(start - 0xc000000000000000n));
    expect(k.entry).toBe(8); // after the two nops
    expect(k.littleEndian).toBe(true);
    expect(k.abi).toBe(2);
    expect(k.toc).toBeUndefined();
    // li r3,42 = 0x3860002a, stored little-endian.
    const dv = new DataView(ram.bytes.buffer);
    expect(dv.getUint32(k.entry, true)).toBe(0x3860002a);
    expect(dv.getUint32(0, true)).toBe(0x60000000); // nop
    const mydata = Number((syms.get('mydata') as bigint) - 0xc000000000000000n);
    expect(dv.getBigUint64(mydata, true)).toBe(0x1122334455667788n);
    const mybss = Number((syms.get('mybss') as bigint) - 0xc000000000000000n);
    expect(ram.bytes.subarray(mybss, mybss + 0x30000).every((b) => b === 0)).toBe(true);
    // The range written: from 0 to the end of bss; beyond stays untouched.
    const last = re.loads[re.loads.length - 1];
    expect(k.lowest).toBe(0);
    expect(k.highest).toBe(Number(last.paddr) + last.memsz);
    expect(k.highest).toBe(mybss + 0x30000);
    expect(ram.bytes[k.highest]).toBe(0xaa);
    // Between text and data (alignment gap) nothing is written either.
    expect(ram.bytes[0x20]).toBe(0xaa);
  });

  it('adds a load base', () => {
    const ram = new TestRam(1 << 20, 0);
    const k = loadElf(ram, file('k.elf'), { base: 0x40000 });
    expect(k.entry).toBe(0x40008);
    expect(k.lowest).toBe(0x40000);
    expect(new DataView(ram.bytes.buffer).getUint32(0x40008, true)).toBe(0x3860002a);
    expect(() => loadElf(ram, file('k.elf'), { base: -1 })).toThrow(RangeError);
  });

  it('loads into a GuestMemory', () => {
    const mem = GuestMemory.create(1 << 20);
    const k = loadElf(mem, file('k.elf'));
    expect(mem.readPhys(k.entry, 4)).toEqual(Uint8Array.of(0x2a, 0x00, 0x60, 0x38));
  });

  it.skipIf(!HAVE_LE_GCC)('loads a gcc-built static program', () => {
    const bytes = file('c.elf');
    const re = readelf(join(dir, 'c.elf'));
    const ram = new TestRam(4 << 20);
    const k = loadElf(ram, bytes, { name: 'c.elf' });
    expect(BigInt(k.entry)).toBe(re.entry); // p_paddr == p_vaddr for a normal link
    const syms = symbols(join(dir, 'c.elf'));
    const dv = new DataView(ram.bytes.buffer);
    expect(dv.getBigUint64(Number(syms.get('counter')), true)).toBe(5n);
    const zeroed = Number(syms.get('zeroed'));
    expect(ram.bytes.subarray(zeroed, zeroed + 64 * 8).every((b) => b === 0)).toBe(true);
  });
});

describe.skipIf(!HAVE_BE)('ELF loader: big-endian ELFv1', () => {
  it('follows the entry function descriptor in .opd', () => {
    const syms = symbols(join(dir, 'be.elf'));
    const ram = new TestRam(2 << 20);
    const k = loadElf(ram, file('be.elf'), { name: 'be.elf' });
    expect(k.littleEndian).toBe(false);
    expect(k.abi).toBe(1);
    const code = syms.get('._start') as bigint;
    expect(k.info.entry).toBe(syms.get('_start'));
    expect(k.info.entryDescriptor?.code).toBe(code);
    expect(k.entry).toBe(Number(code));
    expect(k.entry).toBe(0x100004);
    expect(k.toc).toBe(syms.get('.TOC.') ?? k.toc);
    expect(k.toc).not.toBe(0n);
    // li r3,7 = 0x38600007, big-endian.
    expect(new DataView(ram.bytes.buffer).getUint32(k.entry, false)).toBe(0x38600007);
  });

  it('takes a code entry point as is', () => {
    const syms = symbols(join(dir, 'be-code.elf'));
    const k = loadElf(new TestRam(2 << 20), file('be-code.elf'));
    expect(k.abi).toBe(1);
    expect(k.info.entryDescriptor).toBeUndefined();
    expect(k.entry).toBe(Number(syms.get('._start')));
  });

  it('rejects a 32-bit PowerPC ELF', () => {
    expect(() => parseElf(file('p32.elf'), 'p32.elf')).toThrow(/p32\.elf: 32-bit ELF \(ELFCLASS32\)/);
  });
});

describe('ELF loader: bad input', () => {
  it('rejects files that are not ELF', () => {
    expect(() => parseElf(new TextEncoder().encode('#!/bin/sh\necho hi\n'), 'script.sh')).toThrow(/script\.sh: not an ELF file/);
    expect(() => parseElf(new Uint8Array(0))).toThrow(ElfError);
    expect(() => parseElf(Uint8Array.of(0x7f, 0x45, 0x4c))).toThrow(/not an ELF file/);
  });

  it('rejects an ELF for another machine', () => {
    const host = new Uint8Array(readFileSync(process.execPath));
    expect(() => parseElf(host, 'node')).toThrow(/node: ELF for .*not 64-bit PowerPC \(EM_PPC64\)/);
  });

  it.skipIf(!HAVE_LE)('rejects truncated and inconsistent files, naming the problem', () => {
    const good = file('k.elf');
    expect(() => parseElf(good.subarray(0, 40), 'k')).toThrow(/k: truncated ELF header/);
    const re = readelf(join(dir, 'k.elf'));
    const cut = good.subarray(0, re.loads[0].offset + 4);
    expect(() => parseElf(cut, 'k')).toThrow(/k: truncated \(segment/);
    expect(() => parseElf(good.subarray(0, 70), 'k')).toThrow(/truncated \(program headers/);
    expect(() => parseElf(file('k.o'), 'k.o')).toThrow(/k\.o: relocatable object file/);

    const patched = (f: (dv: DataView) => void): Uint8Array => {
      const b = good.slice();
      f(new DataView(b.buffer));
      return b;
    };
    const phoff = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(32, true));
    // Class byte: 32-bit; unknown class; unknown byte order.
    expect(() => parseElf(patched((dv) => dv.setUint8(4, 1)))).toThrow(/32-bit ELF/);
    expect(() => parseElf(patched((dv) => dv.setUint8(4, 9)))).toThrow(/unknown ELF class 9/);
    expect(() => parseElf(patched((dv) => dv.setUint8(5, 0)))).toThrow(/unknown ELF byte order/);
    // 32-bit PowerPC machine number in a 64-bit file.
    expect(() => parseElf(patched((dv) => dv.setUint16(18, 20, true)))).toThrow(/32-bit PowerPC, not 64-bit PowerPC/);
    expect(() => parseElf(patched((dv) => dv.setUint16(16, 4, true)))).toThrow(/core dump/);
    expect(() => parseElf(patched((dv) => dv.setUint16(54, 32, true)))).toThrow(/program header size/);
    expect(() => parseElf(patched((dv) => dv.setUint16(56, 0, true)))).toThrow(/no program headers/);
    // First PT_LOAD: filesz > memsz.
    expect(() => parseElf(patched((dv) => dv.setBigUint64(phoff + 40, 1n, true)))).toThrow(/more file bytes/);
    // No PT_LOAD left.
    expect(() =>
      parseElf(
        patched((dv) => {
          for (let i = 0; i < dv.getUint16(56, true); i++) dv.setUint32(phoff + i * 56, 6, true);
        }),
      ),
    ).toThrow(/no loadable segments/);
    // Entry point outside every segment.
    expect(() => loadElf(new TestRam(1 << 20), patched((dv) => dv.setBigUint64(24, 0xd000000000000000n, true)))).toThrow(
      /entry point 0xd000000000000000 is outside the loadable segments/,
    );
  });

  it.skipIf(!HAVE_LE)('refuses images that do not fit in RAM, before writing anything', () => {
    const ram = new TestRam(64 * 1024);
    expect(() => loadElf(ram, file('k.elf'), { name: 'vmlinux' })).toThrow(/vmlinux: segment at 0x10000-0x40008 does not fit in the guest's 0.06 MiB of RAM/);
    expect(ram.writes).toBe(0);
    const mib = new TestRam(1 << 20);
    expect(() => loadElf(mib, file('k.elf'), { base: 0xf0000 })).toThrow(/does not fit in the guest's 1 MiB/);
    expect(mib.writes).toBe(0);
  });

  it.skipIf(!HAVE_LE)('throws only ElfError on corrupted headers', () => {
    const base = file('k.elf');
    let seed = 99;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let loaded = 0;
    for (let iter = 0; iter < 2000; iter++) {
      const b = base.slice();
      for (let k = 0; k < 1 + rnd(3); k++) b[rnd(0x100)] = rnd(256); // headers live in the first bytes
      try {
        loadElf(new TestRam(1 << 20), b);
        loaded++;
      } catch (e) {
        expect(e).toBeInstanceOf(ElfError);
      }
    }
    expect(loaded).toBeGreaterThan(0);
  });
});

// The default guest's kernel, when the set-up script has fetched it.
function findGuestKernel(): string | undefined {
  const guestDir = resolve(import.meta.dirname, '..', '..', '.cache', 'guest');
  if (!existsSync(guestDir)) return undefined;
  try {
    const m = JSON.parse(readFileSync(join(guestDir, 'guest.json'), 'utf8')) as { kernel?: { file?: string } };
    if (m.kernel?.file && existsSync(join(guestDir, m.kernel.file))) return join(guestDir, m.kernel.file);
  } catch {
    // no manifest: look for the file itself
  }
  const stack = [guestDir];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const st = statSync(p);
      if (st.isDirectory()) stack.push(p);
      else if (/^vmlinux/.test(e) && st.size > 1 << 20) return p;
    }
  }
  return undefined;
}
const GUEST_KERNEL = findGuestKernel();

describe.skipIf(GUEST_KERNEL === undefined || !HAVE_LE)('ELF loader: the default guest kernel', () => {
  it('loads Debian vmlinux at physical 0 with a real-mode entry point', () => {
    const path = GUEST_KERNEL as string;
    const bytes = new Uint8Array(readFileSync(path));
    const re = readelf(path);
    const info = parseElf(bytes, path);
    expect(info.littleEndian).toBe(true);
    expect(info.abi).toBe(2);
    expect(info.entry).toBe(re.entry);
    expect(info.segments.length).toBe(re.loads.filter((l) => l.memsz > 0).length);
    const last = re.loads[re.loads.length - 1];
    const end = Number(last.paddr) + last.memsz;
    const ramSize = Math.ceil((end + (1 << 20)) / (1 << 20)) * (1 << 20);
    const mem = GuestMemory.create(ramSize);
    const k = loadElf(mem, bytes, { name: path });
    expect(k.lowest).toBe(0);
    expect(k.highest).toBe(end);
    expect(BigInt(k.entry)).toBe(re.entry & 0x0fffffffffffffffn);
    // The first segment's bytes are in RAM at its physical address.
    const first = re.loads[0];
    expect(mem.readPhys(Number(first.paddr), 256)).toEqual(bytes.subarray(first.offset, first.offset + 256));
  }, 60_000);
});
