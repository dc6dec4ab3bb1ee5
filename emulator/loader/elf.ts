// Loader for 64-bit PowerPC ELF images (the kernel's vmlinux, test programs).
// Accepts ELFCLASS64 / EM_PPC64 in either byte order: little-endian ELFv2
// (ppc64le, entry is code) and big-endian ELFv1 (entry may be a function
// descriptor in .opd). PT_LOAD segments go to guest real memory at their
// physical addresses (p_paddr: 0 for Debian's vmlinux, linked at
// 0xc000000000000000), plus an optional base; p_memsz beyond p_filesz is zeroed.

export const EM_PPC64 = 21;
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const ET_REL = 1;
const ET_EXEC = 2;
const ET_DYN = 3;
const ET_CORE = 4;
const PT_LOAD = 1;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
/** Real mode ignores the top 4 bits of an effective address (0xc... kernel addresses). */
const REAL_MASK = 0x0fff_ffff_ffff_ffffn;

/** A file that cannot be loaded; the message names the file and the problem. */
export class ElfError extends Error {
  override name = 'ElfError';
}

export interface ElfSegment {
  fileOffset: number;
  fileSize: number;
  memSize: number;
  vaddr: bigint;
  paddr: bigint;
  /** PF_X=1, PF_W=2, PF_R=4 */
  flags: number;
}

export interface ElfInfo {
  littleEndian: boolean;
  /** Power ABI version: 2 (ELFv2, ppc64le) or 1 (ELFv1, function descriptors). */
  abi: 1 | 2;
  type: 'exec' | 'dyn';
  /** e_entry as stored in the file (virtual). */
  entry: bigint;
  /** PT_LOAD segments with a non-zero memory size, in file order. */
  segments: ElfSegment[];
  /** ELFv1 whose entry is a function descriptor in .opd: its contents. */
  entryDescriptor?: { code: bigint; toc: bigint };
}

/** Guest memory as the loader needs it (GuestMemory fits). */
export interface PhysicalMemory {
  readonly ramSize: number;
  writePhys(pa: number, data: Uint8Array): void;
}

export interface LoadOptions {
  /** Added to every physical address (QEMU's kernel-addr idea); default 0. */
  base?: number;
  /** File name for messages; default "kernel". */
  name?: string;
}

export interface LoadedElf {
  /**
   * Real address of the first instruction to execute. ELFv2 code entered at a
   * global entry point expects r12 = this address (the kernel's __start does
   * not care); ELFv1 code expects r2 = toc.
   */
  entry: number;
  /** Lowest real address written. */
  lowest: number;
  /** One past the highest real address written (end of the last segment's p_memsz). */
  highest: number;
  littleEndian: boolean;
  abi: 1 | 2;
  /** TOC pointer (r2) from the entry descriptor, ELFv1 only (virtual address). */
  toc?: bigint;
  info: ElfInfo;
}

const MACHINES: Record<number, string> = {
  3: 'x86',
  8: 'MIPS',
  20: '32-bit PowerPC',
  22: 's390',
  40: 'ARM',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
};

const hex = (v: number | bigint): string => '0x' + v.toString(16);

function toNumber(v: bigint, what: string, name: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`${name}: ${what} ${hex(v)} is too large`);
  return Number(v);
}

/** Parse and validate the ELF headers. Throws ElfError for anything that is not a loadable 64-bit PowerPC ELF. */
export function parseElf(bytes: Uint8Array, name = 'kernel'): ElfInfo {
  if (bytes.length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError(`${name}: not an ELF file`);
  }
  const cls = bytes[4];
  if (cls === ELFCLASS32) {
    throw new ElfError(`${name}: 32-bit ELF (ELFCLASS32); a 64-bit PowerPC (ppc64/ppc64le) kernel is needed`);
  }
  if (cls !== ELFCLASS64) throw new ElfError(`${name}: unknown ELF class ${cls}`);
  const data = bytes[5];
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) throw new ElfError(`${name}: unknown ELF byte order ${data}`);
  const le = data === ELFDATA2LSB;
  if (bytes.length < EHDR_SIZE) throw new ElfError(`${name}: truncated ELF header (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eType = dv.getUint16(16, le);
  const machine = dv.getUint16(18, le);
  if (machine !== EM_PPC64) {
    const what = MACHINES[machine] ?? `machine ${machine}`;
    throw new ElfError(`${name}: ELF for ${what}, not 64-bit PowerPC (EM_PPC64)`);
  }
  if (eType === ET_REL) throw new ElfError(`${name}: relocatable object file, not an executable`);
  if (eType === ET_CORE) throw new ElfError(`${name}: core dump, not an executable`);
  if (eType !== ET_EXEC && eType !== ET_DYN) throw new ElfError(`${name}: unsupported ELF type ${eType}`);
  const entry = dv.getBigUint64(24, le);
  const phoff = toNumber(dv.getBigUint64(32, le), 'program header offset', name);
  const shoff = dv.getBigUint64(40, le);
  const flags = dv.getUint32(48, le);
  const phentsize = dv.getUint16(54, le);
  const phnum = dv.getUint16(56, le);
  const shentsize = dv.getUint16(58, le);
  const shnum = dv.getUint16(60, le);
  const shstrndx = dv.getUint16(62, le);
  const abiFlag = flags & 3;
  const abi: 1 | 2 = abiFlag === 2 || (abiFlag === 0 && le) ? 2 : 1;

  if (phnum === 0) throw new ElfError(`${name}: no program headers`);
  if (phentsize !== PHDR_SIZE) throw new ElfError(`${name}: unexpected program header size ${phentsize}`);
  if (phoff + phnum * PHDR_SIZE > bytes.length) throw new ElfError(`${name}: truncated (program headers run past the end of the file)`);

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * PHDR_SIZE;
    if (dv.getUint32(o, le) !== PT_LOAD) continue;
    const seg: ElfSegment = {
      flags: dv.getUint32(o + 4, le),
      fileOffset: toNumber(dv.getBigUint64(o + 8, le), `segment ${i} offset`, name),
      vaddr: dv.getBigUint64(o + 16, le),
      paddr: dv.getBigUint64(o + 24, le),
      fileSize: toNumber(dv.getBigUint64(o + 32, le), `segment ${i} file size`, name),
      memSize: toNumber(dv.getBigUint64(o + 40, le), `segment ${i} memory size`, name),
    };
    if (seg.fileSize > seg.memSize) {
      throw new ElfError(`${name}: segment ${i} has more file bytes (${hex(seg.fileSize)}) than memory bytes (${hex(seg.memSize)})`);
    }
    if (seg.fileOffset + seg.fileSize > bytes.length) {
      throw new ElfError(
        `${name}: truncated (segment ${i} needs bytes up to ${hex(seg.fileOffset + seg.fileSize)}, the file has ${hex(bytes.length)})`,
      );
    }
    if (seg.memSize > 0) segments.push(seg);
  }
  if (segments.length === 0) throw new ElfError(`${name}: no loadable segments`);

  const info: ElfInfo = { littleEndian: le, abi, type: eType === ET_EXEC ? 'exec' : 'dyn', entry, segments };
  if (abi === 1) {
    const opd = findSection(bytes, dv, le, shoff, shentsize, shnum, shstrndx, '.opd');
    if (opd !== null && entry >= opd.addr && entry + 16n <= opd.addr + opd.size) {
      const at = fileOffsetOf(segments, entry, 16);
      if (at < 0) throw new ElfError(`${name}: entry descriptor at ${hex(entry)} is not in the file`);
      info.entryDescriptor = { code: dv.getBigUint64(at, le), toc: dv.getBigUint64(at + 8, le) };
    }
  }
  return info;
}

/** File offset of `len` bytes at virtual address `va`, or -1. */
function fileOffsetOf(segments: readonly ElfSegment[], va: bigint, len: number): number {
  for (const s of segments) {
    if (va >= s.vaddr && va + BigInt(len) <= s.vaddr + BigInt(s.fileSize)) return s.fileOffset + Number(va - s.vaddr);
  }
  return -1;
}

/** Address and size of a named section; null when absent or when the section table is unusable. */
function findSection(
  bytes: Uint8Array,
  dv: DataView,
  le: boolean,
  shoff: bigint,
  shentsize: number,
  shnum: number,
  shstrndx: number,
  want: string,
): { addr: bigint; size: bigint } | null {
  if (shoff === 0n || shnum === 0 || shentsize !== SHDR_SIZE || shstrndx >= shnum) return null;
  if (shoff + BigInt(shnum * SHDR_SIZE) > BigInt(bytes.length)) return null;
  const base = Number(shoff);
  const strOff = dv.getBigUint64(base + shstrndx * SHDR_SIZE + 24, le);
  const strSize = dv.getBigUint64(base + shstrndx * SHDR_SIZE + 32, le);
  if (strOff + strSize > BigInt(bytes.length)) return null;
  const so = Number(strOff);
  const se = so + Number(strSize);
  const wantBytes = new TextEncoder().encode(want);
  for (let i = 0; i < shnum; i++) {
    const h = base + i * SHDR_SIZE;
    const n = so + dv.getUint32(h, le);
    if (n + wantBytes.length >= se) continue;
    let match = bytes[n + wantBytes.length] === 0;
    for (let k = 0; match && k < wantBytes.length; k++) match = bytes[n + k] === wantBytes[k];
    if (match) return { addr: dv.getBigUint64(h + 16, le), size: dv.getBigUint64(h + 32, le) };
  }
  return null;
}

const ZERO_CHUNK = new Uint8Array(64 * 1024);

/** Real address where `va` inside segment `s` is loaded, before the base offset. */
function realOf(s: ElfSegment, va: bigint): bigint {
  return (s.paddr & REAL_MASK) + (va - s.vaddr);
}

/**
 * Load the PT_LOAD segments into guest memory and return the entry point as a
 * real address and the range written. Validates everything before writing.
 */
export function loadElf(mem: PhysicalMemory, bytes: Uint8Array, opts: LoadOptions = {}): LoadedElf {
  const name = opts.name ?? 'kernel';
  const base = opts.base ?? 0;
  if (!Number.isSafeInteger(base) || base < 0) throw new RangeError(`load base ${base} is invalid`);
  const info = parseElf(bytes, name);
  const ram = mem.ramSize;
  const mib = (ram / (1024 * 1024)).toFixed(ram % (1024 * 1024) === 0 ? 0 : 2);

  let lowest = Number.MAX_SAFE_INTEGER;
  let highest = 0;
  const places: number[] = [];
  for (let i = 0; i < info.segments.length; i++) {
    const s = info.segments[i];
    const pa = base + toNumber(s.paddr & REAL_MASK, `segment ${i} physical address`, name);
    const end = pa + s.memSize;
    if (end > ram) {
      throw new ElfError(`${name}: segment at ${hex(pa)}-${hex(end)} does not fit in the guest's ${mib} MiB of RAM`);
    }
    places.push(pa);
    lowest = Math.min(lowest, pa);
    highest = Math.max(highest, end);
  }

  // The first instruction: the descriptor's code address (ELFv1) or e_entry.
  const entryVa = info.entryDescriptor?.code ?? info.entry;
  let entry = -1;
  for (const s of info.segments) {
    if (entryVa >= s.vaddr && entryVa < s.vaddr + BigInt(s.memSize)) {
      entry = base + Number(realOf(s, entryVa));
      break;
    }
  }
  if (entry < 0) throw new ElfError(`${name}: entry point ${hex(entryVa)} is outside the loadable segments`);

  for (let i = 0; i < info.segments.length; i++) {
    const s = info.segments[i];
    const pa = places[i];
    mem.writePhys(pa, bytes.subarray(s.fileOffset, s.fileOffset + s.fileSize));
    for (let z = s.fileSize; z < s.memSize; z += ZERO_CHUNK.length) {
      const n = Math.min(ZERO_CHUNK.length, s.memSize - z);
      mem.writePhys(pa + z, n === ZERO_CHUNK.length ? ZERO_CHUNK : ZERO_CHUNK.subarray(0, n));
    }
  }

  const out: LoadedElf = { entry, lowest, highest, littleEndian: info.littleEndian, abi: info.abi, info };
  if (info.entryDescriptor) out.toc = info.entryDescriptor.toc;
  return out;
}
