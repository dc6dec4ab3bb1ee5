// The real VM process (child_process.fork through tsx): bad input is reported as a
// crash with a clear reason; a small guest boots, prints and is forced off.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Supervisor } from '../../main/supervisor.js';
import { forkLauncher } from '../../main/vm-launcher.js';
import type { VmRuntime } from '../../main/api-types.js';

function supervised(): { sup: Supervisor; next: (pred: (rt: VmRuntime) => boolean) => Promise<VmRuntime> } {
  const waiters: Array<{ pred: (rt: VmRuntime) => boolean; res: (rt: VmRuntime) => void }> = [];
  const sup = new Supervisor(forkLauncher, {
    console: () => {},
    log: () => {},
    runtime: (_id, rt) => {
      for (const w of waiters.splice(0)) {
        if (w.pred(rt)) w.res(rt);
        else waiters.push(w);
      }
    },
  });
  return { sup, next: (pred) => new Promise((res) => waiters.push({ pred, res })) };
}

describe('VM process', () => {
  it('a missing kernel: the VM crashes with the reason', async () => {
    const { sup, next } = supervised();
    const done = next((rt) => rt.state === 'crashed' || rt.state === 'stopped');
    sup.start('vm-a', { name: 'a', kernelPath: '/nonexistent/vmlinux', bootargs: '', memoryMiB: 512, smp: 1, disks: [] }, []);
    const rt = await done;
    expect(rt.state).toBe('crashed');
    expect(rt.lastExit?.message).toMatch(/cannot start: kernel \/nonexistent\/vmlinux: no such file/);
  }, 30_000);

  it('a file that is not a kernel', async () => {
    const d = mkdtempSync(join(tmpdir(), 'ppcbox-vmp-'));
    writeFileSync(join(d, 'notes.txt'), 'not an ELF file at all\n');
    const { sup, next } = supervised();
    const done = next((rt) => rt.state === 'crashed' || rt.state === 'stopped');
    sup.start('vm-b', { name: 'b', kernelPath: join(d, 'notes.txt'), bootargs: '', memoryMiB: 512, smp: 1, disks: [] }, []);
    const rt = await done;
    expect(rt.state).toBe('crashed');
    expect(rt.lastExit?.message).toMatch(/cannot start: .*notes\.txt/);
  }, 30_000);

  it('a killed VM process is reported as such', async () => {
    const { sup, next } = supervised();
    const d = mkdtempSync(join(tmpdir(), 'ppcbox-vmp-'));
    // Keep it alive without booting: it waits for 'start' after 'hello'; kill it first.
    const running = next((rt) => rt.state === 'starting');
    sup.start('vm-c', { name: 'c', kernelPath: join(d, 'none'), bootargs: '', memoryMiB: 512, smp: 1, disks: [] }, []);
    await running;
    const done = next((rt) => rt.state === 'crashed' || rt.state === 'stopped');
    sup.killAll();
    const rt = await done;
    expect(rt.state).toBe('crashed');
    expect(rt.lastExit?.message).toMatch(/SIGKILL|cannot start/);
  }, 30_000);
});
