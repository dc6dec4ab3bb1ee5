// The real VM process (child_process.fork through tsx) saves and restores snapshots on
// request: save while the guest boots, restore in place, then a new process starts from
// the file and the guest carries on printing.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Supervisor } from '../../main/supervisor.js';
import { forkLauncher } from '../../main/vm-launcher.js';
import { listSnapshots } from '../../emulator/host/snapshot.js';
import { defaultGuest } from '../../scripts/guest/manifest.js';
import type { VmRuntime } from '../../main/api-types.js';

function supervised(): { sup: Supervisor; logs: string[]; next: (pred: (rt: VmRuntime) => boolean) => Promise<VmRuntime> } {
  const waiters: Array<{ pred: (rt: VmRuntime) => boolean; res: (rt: VmRuntime) => void }> = [];
  const logs: string[] = [];
  const sup = new Supervisor(forkLauncher, {
    console: () => {},
    log: (_id, line) => logs.push(line),
    runtime: (_id, rt) => {
      for (const w of waiters.splice(0)) {
        if (w.pred(rt)) w.res(rt);
        else waiters.push(w);
      }
    },
  });
  return { sup, logs, next: (pred) => new Promise((res) => waiters.push({ pred, res })) };
}

async function consoleUntil(sup: Supervisor, id: string, re: RegExp, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let out = '';
  while (!re.test(out) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    out = new TextDecoder().decode(sup.consoleHistory(id));
  }
  return out;
}

describe('VM process snapshots', () => {
  it('saves while running, restores in place, and a new process starts from the file', async () => {
    const g = defaultGuest();
    expect(g, 'default guest missing: npm run setup').toBeDefined();
    if (g === undefined) return;
    const dir = mkdtempSync(join(tmpdir(), 'ppcbox-vmsnap-'));
    const path = join(dir, 'snapshots', 'snapshot-test-0001.ppcsnap');
    const boot = { name: 's', kernelPath: g.kernel, initrdPath: g.initrd, bootargs: 'console=hvc0', memoryMiB: 512, smp: 1, disks: [] };

    const a = supervised();
    const up = a.next((rt) => rt.state === 'running');
    a.sup.start('vm-s', boot, []);
    await up;
    expect(await consoleUntil(a.sup, 'vm-s', /Booting Linux/, 90_000)).toMatch(/Booting Linux/);
    const saved = await a.sup.saveSnapshot('vm-s', path, 'first');
    expect(saved).toMatch(/saved snapshot "first"/);
    expect(statSync(path).size).toBeGreaterThan(0);
    const l = await listSnapshots(join(dir, 'snapshots'));
    expect(l.snapshots.map((s) => s.name)).toEqual(['first']);
    expect(l.snapshots[0].thumbnail).toMatch(/Booting Linux/);
    expect(await a.sup.restoreSnapshot('vm-s', path)).toMatch(/restored snapshot "first"/);
    await expect(a.sup.restoreSnapshot('vm-s', join(dir, 'none.ppcsnap'))).rejects.toThrow(/none\.ppcsnap/);
    expect(a.sup.runtime('vm-s').state).toBe('running');
    // Delete through the process: a second snapshot goes, the first stays.
    const second = join(dir, 'snapshots', 'snapshot-test-0002.ppcsnap');
    await a.sup.saveSnapshot('vm-s', second, 'second');
    expect(await a.sup.deleteSnapshot('vm-s', second)).toBe('deleted');
    expect((await listSnapshots(join(dir, 'snapshots'))).snapshots.map((s) => s.name)).toEqual(['first']);
    const gone = a.next((rt) => rt.state === 'stopped' || rt.state === 'crashed');
    a.sup.forceOff('vm-s');
    expect((await gone).state).toBe('stopped');

    // A new process from the file: it reports running once restored, and the guest goes on.
    const b = supervised();
    const upB = b.next((rt) => rt.state === 'running' || rt.state === 'crashed');
    b.sup.start('vm-t', { ...boot, restorePath: path }, []);
    expect((await upB).state).toBe('running');
    expect(b.logs.join('\n')).toMatch(/started from snapshot "first"/);
    expect(await consoleUntil(b.sup, 'vm-t', /\S/, 90_000)).toMatch(/\S/);
    const goneB = b.next((rt) => rt.state === 'stopped' || rt.state === 'crashed');
    b.sup.forceOff('vm-t');
    expect((await goneB).state).toBe('stopped');

    // A file that is not a snapshot: the start fails with the engine's message.
    const c = supervised();
    const doneC = c.next((rt) => rt.state === 'crashed' || rt.state === 'stopped');
    c.sup.start('vm-u', { ...boot, restorePath: g.kernel }, []);
    const rtC = await doneC;
    expect(rtC.state).toBe('crashed');
    expect(rtC.lastExit?.message).toMatch(/cannot start from the snapshot: snapshot .*: /);
  }, 300_000);
});
