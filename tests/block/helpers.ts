// Shared plumbing for the disk image tests: temp dirs, Debian's qemu-img/qemu-io, and
// deterministic patterns. Expected contents always come from qemu's tools or from the
// test's own shadow copy, never from the code under test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(tag: string): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `ppcbox-block-${tag}-`));
  return { dir, path: (n) => join(dir, n), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function run(cmd: string, args: string[], cwd?: string): { status: number; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export function must(cmd: string, args: string[], cwd?: string): string {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.out}`);
  return r.out;
}

export function qemuImg(...args: string[]): string {
  return must('qemu-img', args);
}

/** Runs qemu-io commands (e.g. 'write -P 0xab 0 64k'); throws on any failure or pattern mismatch. */
export function qemuIo(file: string, fmt: string, ...cmds: string[]): string {
  const args = ['-f', fmt];
  for (const c of cmds) args.push('-c', c);
  args.push(file);
  const out = must('qemu-io', args);
  if (/fail|error/i.test(out)) throw new Error(`qemu-io ${cmds.join('; ')}:\n${out}`);
  return out;
}

/** `qemu-img check`: exit 0 and "No errors". Returns the output. */
export function checkClean(file: string): string {
  const r = run('qemu-img', ['check', file]);
  if (r.status !== 0 || !/No errors were found/.test(r.out)) throw new Error(`qemu-img check ${file} (${r.status}):\n${r.out.slice(0, 2000)}`);
  return r.out;
}

/** `qemu-img check` finds no errors (leaked clusters, harmless, allowed). */
export function checkNoErrors(file: string): string {
  const r = run('qemu-img', ['check', file]);
  if ((r.status !== 0 && r.status !== 3) || /ERROR/.test(r.out)) throw new Error(`qemu-img check ${file} (${r.status}):\n${r.out.slice(0, 2000)}`);
  return r.out;
}

/** Full guest content as qemu sees it (qemu-img convert to raw). */
export function qemuContent(file: string, out: string, snapshot?: string): Uint8Array {
  const args = ['convert', '-O', 'raw'];
  if (snapshot) args.push('-l', `snapshot.name=${snapshot}`);
  args.push(file, out);
  qemuImg(...args);
  return new Uint8Array(readFileSync(out));
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function pattern(seed: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

export class Rng {
  constructor(private x: number) {}
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x;
    return (x >>> 0) / 0x100000000;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

export function mtimeNs(file: string): bigint {
  return statSync(file, { bigint: true }).mtimeNs;
}

/** First differing byte index, or -1 (keeps assertion output short). */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
