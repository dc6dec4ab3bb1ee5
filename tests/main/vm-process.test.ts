// The real VM process (child_process.fork through tsx): bad input is reported as a
// crash with a clear reason; a small guest boots, prints and is forced off.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Supervisor } from '../../main/supervisor.js';
import { forkLauncher, type VmChild } from '../../main/vm-launcher.js';
import { defaultGuest } from '../../scripts/guest/manifest.js';
import type { VmRuntime } from '../../main/api-types.js';

function supervised(launch: () => VmChild = forkLauncher): { sup: Supervisor; next: (pred: (rt: VmRuntime) => boolean) => Promise<VmRuntime> } {
  const waiters: Array<{ pred: (rt: VmRuntime) => boolean; res: (rt: VmRuntime) => void }> = [];
  const sup = new Supervisor(launch, {
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

  it('a disk that cannot be opened: nothing starts, the reason names the disk', async () => {
    const g = defaultGuest();
    if (g === undefined) return;
    const { sup, next } = supervised();
    const done = next((rt) => rt.state === 'crashed' || rt.state === 'stopped');
    sup.start('vm-e', { name: 'e', kernelPath: g.kernel, initrdPath: g.initrd, bootargs: '', memoryMiB: 1024, smp: 1, disks: [{ path: '/nonexistent/disk.img', format: 'raw' }] }, []);
    const rt = await done;
    expect(rt.state).toBe('crashed');
    expect(rt.lastExit?.message).toMatch(/cannot start: disk \/nonexistent\/disk\.img: no such file/);
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

  it('a VM process killed while the guest boots: crashed, with its last console lines', async () => {
    const g = defaultGuest();
    expect(g, 'default guest missing: npm run setup').toBeDefined();
    if (g === undefined) return;
    let child: VmChild | undefined;
    let out = '';
    const { sup, next } = supervised(() => (child = forkLauncher()));
    const done = next((rt) => rt.state === 'crashed' || rt.state === 'stopped');
    sup.start('vm-d', { name: 'd', kernelPath: g.kernel, initrdPath: g.initrd, bootargs: 'console=hvc0 quiet', memoryMiB: 1024, smp: 1, disks: [] }, []);
    const deadline = Date.now() + 60_000;
    while (!/Booting Linux/.test(out) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      out = new TextDecoder().decode(sup.consoleHistory('vm-d'));
    }
    expect(out).toMatch(/Booting Linux/);
    process.kill(child?.pid ?? 0, 'SIGKILL');
    const rt = await done;
    expect(rt.state).toBe('crashed');
    expect(rt.lastExit?.message).toBe('the VM process was killed (SIGKILL)');
    expect(rt.lastExit?.lastLines.join('\n')).toMatch(/Booting Linux via __start/);
  }, 90_000);
});
