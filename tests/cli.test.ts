// `ppcbox run` argument parsing and bad input (issue 3): a file that is not a 64-bit
// PowerPC ELF, a missing or unreadable initrd, kernel + initrd larger than RAM,
// --memory / --smp out of range, an unknown option: one line naming the problem, exit
// status 2, before anything starts.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EscapeFilter, HELP, UsageError, main, parseRunArgs, resolveRun } from '../emulator/cli.js';
import { tinyElf } from './machine/spapr/spapr-fixture.js';

const ROOT = resolve(import.meta.dirname, '..');
let dir = '';
const f = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ppcbox-cli-'));
  writeFileSync(f('vmlinux'), tinyElf());
  writeFileSync(f('vmlinux-be'), tinyElf({ bigEndian: true }));
  writeFileSync(f('initrd.gz'), new Uint8Array(4096).fill(0x1f));
  writeFileSync(f('notes.txt'), 'this is not a kernel\n');
  writeFileSync(f('empty'), new Uint8Array(0));
  writeFileSync(f('elf32'), tinyElf({ cls: 1 }));
  writeFileSync(f('x86-64.elf'), tinyElf({ machine: 62 }));
  writeFileSync(f('ppc32.elf'), tinyElf({ machine: 20 }));
  writeFileSync(f('truncated.elf'), tinyElf().subarray(0, 40));
  writeFileSync(f('huge-bss.elf'), tinyElf({ memSize: 300 * 1024 * 1024 }));
  writeFileSync(f('big-initrd'), new Uint8Array(0));
  truncateSync(f('big-initrd'), 260 * 1024 * 1024); // sparse: nothing is really written
  writeFileSync(f('initrd-252m'), new Uint8Array(0));
  truncateSync(f('initrd-252m'), 252 * 1024 * 1024);
  // Guests that finish at once: print "OK" then RTAS power-off / ibm,os-term (BE code, see rtas.test.ts).
  const call = (block: number): number[] => [0x3c600000, 0x6063f000, 0x3c800040, 0x60840000 | block, 0x44000022];
  const guest = (last: number[]): number[] => {
    const code = [...call(0x100), ...call(0x120), ...call(0x140), 0x48000000];
    while (code.length < 0x40) code.push(0);
    code.push(0x2000, 1, 1, 0x4f, 0, 0, 0, 0, 0x2000, 1, 1, 0x4b, 0, 0, 0, 0, ...last);
    return code;
  };
  writeFileSync(f('poweroff.elf'), tinyElf({ bigEndian: true, code: guest([0x2003, 2, 1, 0, 0, 0]) }));
  // ibm,os-term with its message at 0x400180.
  const msg = Array.from('guest panic\0\0\0\0\0', (ch) => ch.charCodeAt(0));
  const words: number[] = [];
  for (let i = 0; i < msg.length; i += 4) words.push(((msg[i] << 24) | (msg[i + 1] << 16) | (msg[i + 2] << 8) | msg[i + 3]) >>> 0);
  const osTerm = guest([0x201f, 1, 1, 0x400180, 0]);
  while (osTerm.length < 0x60) osTerm.push(0);
  writeFileSync(f('osterm.elf'), tinyElf({ bigEndian: true, code: [...osTerm, ...words] }));
  mkdirSync(f('a-directory'));
  writeFileSync(f('locked'), 'x');
  chmodSync(f('locked'), 0);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The path of a file this process cannot read (root reads anything chmod forbids). */
const unreadable = (): string => (process.getuid?.() === 0 ? '/proc/self/mem' : f('locked'));

describe('parseRunArgs', () => {
  it('defaults: 1024 MiB, 1 vCPU', () => {
    expect(parseRunArgs([])).toEqual({ memoryMiB: 1024, smp: 1 });
  });

  it('reads every option, with separate or inline (=) values', () => {
    expect(parseRunArgs(['--kernel', 'k', '--initrd=i', '--append', 'console=hvc0 quiet', '--memory=512', '--smp', '4'])).toEqual({
      kernel: 'k',
      initrd: 'i',
      append: 'console=hvc0 quiet',
      memoryMiB: 512,
      smp: 4,
    });
    expect(parseRunArgs(['-m', '256']).memoryMiB).toBe(256);
    expect(parseRunArgs(['--append=a=b c=d']).append).toBe('a=b c=d');
  });

  it('accepts the limits of --memory and --smp', () => {
    expect(parseRunArgs(['--memory', '256']).memoryMiB).toBe(256);
    expect(parseRunArgs(['--memory', '3840']).memoryMiB).toBe(3840);
    expect(parseRunArgs(['--smp', '1']).smp).toBe(1);
    expect(parseRunArgs(['--smp', '8']).smp).toBe(8);
  });

  const bad: Array<[string[], RegExp]> = [
    [['--memory', '255'], /^--memory 255: out of range \(256\.\.3840\)$/],
    [['--memory', '3841'], /^--memory 3841: out of range/],
    [['--memory', '0'], /^--memory 0: out of range/],
    [['--memory', '-5'], /^--memory -5: not a whole number$/],
    [['--memory', '1G'], /^--memory 1G: not a whole number$/],
    [['--memory', '512.5'], /not a whole number/],
    [['--memory=', ''], /^--memory : not a whole number$/],
    [['--memory'], /^--memory needs a value$/],
    [['--smp', '0'], /^--smp 0: out of range \(1\.\.8\)$/],
    [['--smp', '9'], /^--smp 9: out of range/],
    [['--smp', 'two'], /^--smp two: not a whole number$/],
    [['--smp'], /^--smp needs a value$/],
    [['--kernel'], /^--kernel needs a value$/],
    [['--frobnicate'], /^unknown option --frobnicate \(see --help\)$/],
    [['--kernel=k', 'extra'], /^unknown option extra/],
    [['-x'], /^unknown option -x/],
  ];
  for (const [argv, msg] of bad) {
    it(`refuses ${JSON.stringify(argv)}`, () => {
      expect(() => parseRunArgs(argv)).toThrow(UsageError);
      expect(() => parseRunArgs(argv)).toThrow(msg);
    });
  }
});

describe('resolveRun: input files', () => {
  const run = (o: Partial<Parameters<typeof resolveRun>[0]>): ReturnType<typeof resolveRun> =>
    resolveRun({ memoryMiB: 256, smp: 1, ...o });
  const fails = (o: Partial<Parameters<typeof resolveRun>[0]>, msg: RegExp): void => {
    let err: unknown;
    try {
      run(o);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(msg);
    expect((err as Error).message).not.toContain('\n');
  };

  it('accepts little- and big-endian 64-bit PowerPC ELF kernels with an initrd', () => {
    const r = run({ kernel: f('vmlinux'), initrd: f('initrd.gz'), append: 'console=hvc0' });
    expect(r.kernel.length).toBeGreaterThan(64);
    expect(r.initrd?.length).toBe(4096);
    expect(r.append).toBe('console=hvc0');
    expect(run({ kernel: f('vmlinux-be') }).append).toBe('console=hvc0');
  });

  it('names a kernel that is not a 64-bit PowerPC ELF', () => {
    fails({ kernel: f('notes.txt') }, /notes\.txt: not an ELF file/);
    fails({ kernel: f('empty') }, /empty: not an ELF file/);
    fails({ kernel: f('elf32') }, /elf32: 32-bit ELF/);
    fails({ kernel: f('x86-64.elf') }, /x86-64\.elf: ELF for x86-64, not 64-bit PowerPC/);
    fails({ kernel: f('ppc32.elf') }, /ppc32\.elf: ELF for 32-bit PowerPC/);
    fails({ kernel: f('truncated.elf') }, /truncated\.elf: truncated/);
  });

  it('names a missing, unreadable or non-regular kernel or initrd', () => {
    fails({ kernel: f('nope') }, /^kernel .*nope: no such file$/);
    fails({ kernel: f('a-directory') }, /^kernel .*a-directory: not a regular file$/);
    fails({ kernel: f('vmlinux'), initrd: f('nope.gz') }, /^initrd .*nope\.gz: no such file$/);
    fails({ kernel: f('vmlinux'), initrd: f('a-directory') }, /^initrd .*a-directory: not a regular file$/);
    fails({ kernel: f('vmlinux'), initrd: unreadable() }, /^initrd .*: cannot read \(E[A-Z]+\)$/);
    fails({ kernel: unreadable() }, /^kernel .*: cannot read \(E[A-Z]+\)$/);
  });

  it('refuses --initrd without --kernel', () => {
    fails({ initrd: f('initrd.gz') }, /^--initrd needs --kernel$/);
  });

  it('refuses a kernel and initrd that do not fit in RAM, naming both sizes and --memory', () => {
    fails({ kernel: f('vmlinux'), initrd: f('big-initrd'), memoryMiB: 256 }, /kernel and initrd .* --memory 256/);
    // The file sizes fit, but not where the machine places them (kernel at 4 MiB, initrd after it).
    fails({ kernel: f('vmlinux'), initrd: f('initrd-252m'), memoryMiB: 256 }, /kernel and initrd need 257 MiB .* --memory 256/);
    // A kernel whose memory image (bss included) does not fit.
    fails({ kernel: f('huge-bss.elf'), memoryMiB: 256 }, /huge-bss\.elf.*256 MiB/);
  });
});

describe('main', () => {
  async function callMain(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      err += String(s);
      return true;
    });
    try {
      const code = await main(argv);
      return { code, out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('--help documents every option', async () => {
    const r = await callMain(['run', '--help']);
    expect(r.code).toBe(0);
    for (const opt of ['--kernel', '--initrd', '--append', '--memory', '--smp', '--help', '--version', 'Ctrl-A x']) expect(r.out).toContain(opt);
    expect(r.out).toBe(HELP);
  });

  const cases: Array<[string, () => string[], RegExp]> = [
    ['an unknown option', () => ['run', '--bogus'], /unknown option --bogus/],
    ['--memory out of range', () => ['run', '--memory', '64', '--kernel', f('vmlinux')], /--memory 64: out of range/],
    ['--smp out of range', () => ['run', '--smp', '64', '--kernel', f('vmlinux')], /--smp 64: out of range/],
    ['a text file as kernel', () => ['run', '--kernel', f('notes.txt')], /not an ELF file/],
    ['a missing initrd', () => ['run', '--kernel', f('vmlinux'), '--initrd', f('missing.img')], /initrd .*missing\.img: no such file/],
    ['an unreadable initrd', () => ['run', '--kernel', f('vmlinux'), '--initrd', unreadable()], /cannot read/],
    ['kernel + initrd larger than RAM', () => ['run', '--kernel', f('vmlinux'), '--initrd', f('initrd-252m'), '--memory', '256'], /--memory 256/],
    ['an unknown command', () => ['frob'], /unknown command frob/],
  ];
  for (const [what, argv, msg] of cases) {
    it(`exits 2 with one line for ${what}`, async () => {
      const r = await callMain(argv());
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^ppcbox: [^\n]+\n$/);
      expect(r.err).toMatch(msg);
    });
  }
});

describe('the ppcbox run process', () => {
  const cli = (args: string[]): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'emulator/cli.ts'), 'run', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      input: '',
    });

  it('exits 2 with one line on stderr and nothing on stdout for bad input', () => {
    for (const [args, msg] of [
      [['--no-such-option'], /unknown option --no-such-option/],
      [['--kernel', f('notes.txt')], /not an ELF file/],
      [['--kernel', f('vmlinux'), '--smp', '0'], /--smp 0: out of range/],
    ] as Array<[string[], RegExp]>) {
      const r = cli(args);
      expect(r.status, String(r.stderr)).toBe(2);
      expect(r.stdout).toBe('');
      expect(String(r.stderr)).toMatch(/^ppcbox: [^\n]+\n$/);
      expect(String(r.stderr)).toMatch(msg);
    }
  });
});

describe('the ppcbox run process: guest exit', () => {
  const cli = (args: string[]): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'emulator/cli.ts'), 'run', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      input: '',
    });

  it('exits 0 when the guest powers off, with its console output on stdout', () => {
    const r = cli(['--kernel', f('poweroff.elf'), '--memory', '256']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('OK');
    expect(r.status).toBe(0);
  });

  it('exits 1 and names the reason when the guest terminates (ibm,os-term)', () => {
    const r = cli(['--kernel', f('osterm.elf'), '--memory', '256']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('OK');
    expect(String(r.stderr)).toMatch(/the guest terminated: guest panic/);
  });
});

describe('console escape (Ctrl-A)', () => {
  it('Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A, other Ctrl-A sequences are dropped', () => {
    let quit = 0;
    const e = new EscapeFilter(() => quit++);
    expect(Array.from(e.filter(Uint8Array.of(0x61, 0x01, 0x01, 0x62)))).toEqual([0x61, 0x01, 0x62]);
    expect(Array.from(e.filter(Uint8Array.of(0x01, 0x63, 0x64)))).toEqual([0x64]);
    expect(quit).toBe(0);
    // Split across reads.
    expect(Array.from(e.filter(Uint8Array.of(0x65, 0x01)))).toEqual([0x65]);
    expect(Array.from(e.filter(Uint8Array.of(0x78, 0x66)))).toEqual([]);
    expect(quit).toBe(1);
  });
});
