// Test fixtures for main/: a fake VM process launcher and a fake default guest.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FromVm, ToVm } from '../../emulator/host/vm-protocol.js';
import type { VmChild } from '../../main/vm-launcher.js';

export class FakeChild implements VmChild {
  readonly pid = 4242;
  sent: ToVm[] = [];
  killed = false;
  private msg: Array<(m: FromVm) => void> = [];
  private bad: Array<(m: unknown) => void> = [];
  private exit: Array<(code: number | null, signal: string | null, stderr: string) => void> = [];

  send(m: ToVm): void {
    this.sent.push(m);
  }
  onMessage(f: (m: FromVm) => void): void {
    this.msg.push(f);
  }
  onBadMessage(f: (m: unknown) => void): void {
    this.bad.push(f);
  }
  onExit(f: (code: number | null, signal: string | null, stderr: string) => void): void {
    this.exit.push(f);
  }
  kill(): void {
    this.killed = true;
    this.die(null, 'SIGKILL');
  }
  /** The child says something. */
  say(m: FromVm): void {
    for (const f of this.msg) f(m);
  }
  sayBad(m: unknown): void {
    for (const f of this.bad) f(m);
  }
  die(code: number | null, signal: string | null, stderr = ''): void {
    for (const f of this.exit) f(code, signal, stderr);
  }
}

export function fakeLauncher(): { launch: () => FakeChild; children: FakeChild[] } {
  const children: FakeChild[] = [];
  return {
    children,
    launch: () => {
      const c = new FakeChild();
      children.push(c);
      return c;
    },
  };
}

/** A guest directory whose manifest names two small files (enough for defaultGuest()). */
export function fakeGuestDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vmlinux'), 'kernel');
  writeFileSync(join(dir, 'initrd.gz'), 'initrd');
  writeFileSync(
    join(dir, 'guest.json'),
    JSON.stringify({
      format: 1,
      source: 'local',
      recipeHash: 'x',
      kernel: { file: 'vmlinux', size: 6, sha256: '', version: '6.1.0-test' },
      initrd: { file: 'initrd.gz', size: 6, sha256: '' },
      packages: [],
      createdAt: '2026-01-01T00:00:00Z',
    }),
  );
  return dir;
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
