// Snapshot save/restore of a machine with vCPU threads (issue 8), in-process on tiny
// programs: restore in place and into a fresh machine continue exactly where the save
// was; DEC re-armed relative to the TB under both time policies; bad files and other
// machine configurations refused with the VM untouched.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as L from '../../emulator/cpu/layout.js';
import { readTB, TB_FREQ } from '../../emulator/cpu/timebase.js';
import { SpaprMachine } from '../../emulator/machine/spapr/machine.js';
import { saveSnapshot, restoreSnapshot, listSnapshots, deleteSnapshot, SnapshotError } from '../../emulator/host/snapshot.js';
import { SnapshotReader, type TimeRecord } from '../../emulator/host/snapshot-file.js';
import { startTinySmp, until, DATA, type TinySmp } from '../guest/tiny-smp.js';

const dir = mkdtempSync(join(tmpdir(), 'ppcbox-snap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** vCPU n: DEC := 0x7fff0000 + n (once), then count in r4 and store it to DATA + 0x80n, forever. */
function counter(n: number): string[] {
  return ['lis 9,0x42', 'lis 5,0x7fff', `ori 5,5,${n}`, 'mtdec 5', 'li 4,0', '1: addi 4,4,1', `stw 4,${0x80 * n}(9)`, 'b 1b'];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let live: Array<{ stop(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const t of live) await t.stop();
  live = [];
});

function counts(t: TinySmp): number[] {
  return [0, 1].map((n) => t.word(0x80 * n));
}

function decExpiry(m: SpaprMachine, n: number): number {
  return m.mem.f64[(L.vcpuBlockOffset(n) + L.DEC_EXPIRY) >> 3];
}

async function savedTime(p: string): Promise<TimeRecord> {
  const r = await SnapshotReader.open(p);
  try {
    return await r.json<TimeRecord>('TIME');
  } finally {
    await r.close();
  }
}

describe('snapshots of a threaded machine', () => {
  it('restores in place: RAM, registers and DEC go back to the saved moment and the vCPUs count on from there', async () => {
    const t = startTinySmp([counter(0), counter(1)]);
    live.push(t);
    await until(() => counts(t).every((v) => v > 10_000), 30_000, 'both vCPUs counting');
    const p = join(dir, 'inplace.ppcsnap');
    const s = await saveSnapshot(t.m, p, { name: 'first', description: 'two counters', thumbnail: 'line1\nline2' });
    expect(s.pauseMs).toBeLessThan(1000);
    // Saved values: the RAM words in the file's moment equal the counters' registers then.
    await t.m.pause();
    const decAtSave = [decExpiry(t.m, 0), decExpiry(t.m, 1)];
    t.m.resume();
    const time = await savedTime(p);
    await until(() => counts(t).every((v) => v > 0), 1000, 'running');
    await sleep(300);
    await t.m.pause();
    const before = counts(t);
    t.m.resume();
    const res = await restoreSnapshot(t.m, p, { time: 'continue' });
    expect(res.meta.name).toBe('first');
    expect(res.tb).toBe(time.tb);
    await t.m.pause();
    const after = counts(t);
    // Continue: the same DEC deadlines relative to the TB as at save.
    expect([decExpiry(t.m, 0), decExpiry(t.m, 1)].map((d) => d - res.tb)).toEqual(decAtSave.map((d) => d - time.tb));
    t.m.resume();
    for (let n = 0; n < 2; n++) expect(after[n], `vCPU ${n} went back`).toBeLessThan(before[n]);
    await until(() => counts(t).every((v, i) => v > after[i] + 10_000), 30_000, 'counting on after restore');
    expect(t.logs.filter((l) => /LockError|BQL|failed/.test(l))).toEqual([]);
    const list = await listSnapshots(dir);
    expect(list.snapshots.find((x) => x.path === p)).toMatchObject({ name: 'first', description: 'two counters', thumbnail: 'line1\nline2' });
  }, 90_000);

  it('restores into a fresh machine under both time policies (DEC re-armed relative to the TB)', async () => {
    const t = startTinySmp([counter(0), counter(1)]);
    live.push(t);
    await until(() => counts(t).every((v) => v > 10_000), 30_000, 'both vCPUs counting');
    const p = join(dir, 'fresh.ppcsnap');
    await saveSnapshot(t.m, p);
    await t.stop();
    live = [];
    const time = await savedTime(p);
    const r = await SnapshotReader.open(p);
    const cpus = await r.required('CPUS');
    await r.close();
    const savedDecOffset = [0, 1].map((n) => new Float64Array(cpus.buffer, cpus.byteOffset + n * L.VCPU_BLOCK + L.DEC_EXPIRY, 1)[0]);
    const ramWord = (m: SpaprMachine, n: number): number => new DataView(m.mem.buffer).getUint32(L.RAM_OFFSET + DATA + 0x80 * n, false);
    await sleep(500); // real time passes between save and restore
    for (const policy of ['continue', 'realtime'] as const) {
      const logs: string[] = [];
      const m = new SpaprMachine({ ...t.m.cfg, consoleOut: () => {}, log: (l) => logs.push(l) });
      const res = await restoreSnapshot(m, p, { fresh: true, time: policy });
      const gapTicks = ((res.hostMs - time.hostMs) * TB_FREQ) / 1000;
      expect(gapTicks).toBeGreaterThan(0.4 * TB_FREQ);
      if (policy === 'continue') expect(res.tb).toBe(time.tb);
      else expect(Math.abs(res.tb - time.tb - gapTicks)).toBeLessThanOrEqual(1);
      // The TB reads what the policy promises (to within a few ms of this code running).
      expect(Math.abs(readTB(m.mem) - res.tb)).toBeLessThan(0.05 * TB_FREQ);
      // DEC = saved DEC - (TB advance): unchanged under continue, counted down through the
      // gap under realtime.
      for (let n = 0; n < 2; n++) expect(decExpiry(m, n) - res.tb).toBe(savedDecOffset[n] - (res.tb - time.tb));
      const start = [ramWord(m, 0), ramWord(m, 1)];
      const running = m.run();
      live.push({ stop: () => (m.stop(), running) });
      await until(() => [0, 1].every((n) => ramWord(m, n) > start[n] + 10_000), 30_000, `fresh machine counting on (${policy})`);
      await m.pause();
      expect(m.cpus.map((c) => Atomics.load(c.i32, c.wi(L.RUN_STATE)))).toEqual([L.RUN_RUNNING, L.RUN_RUNNING]);
      m.resume();
      m.stop();
      await running;
      live = [];
      expect(logs.filter((l) => /LockError|BQL|failed/.test(l))).toEqual([]);
    }
  }, 120_000);

  it('refuses bad files and other configurations, leaving the running VM untouched', async () => {
    const t = startTinySmp([counter(0), counter(1)]);
    live.push(t);
    await until(() => counts(t).every((v) => v > 10_000), 30_000, 'both vCPUs counting');
    const p = join(dir, 'good.ppcsnap');
    await saveSnapshot(t.m, p);
    const full = readFileSync(p);
    const bad = Buffer.from(full);
    bad[full.length - 100] ^= 1; // inside the last RAM section
    const corrupt = join(dir, 'corrupt.ppcsnap');
    writeFileSync(corrupt, bad);
    const trunc = join(dir, 'trunc.ppcsnap');
    writeFileSync(trunc, full.subarray(0, full.length >> 1));
    for (const [f, kind] of [
      [corrupt, 'corrupted'],
      [trunc, 'truncated'],
    ] as const) {
      const c0 = counts(t);
      const e = await restoreSnapshot(t.m, f).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SnapshotError);
      expect((e as SnapshotError).kind).toBe(kind);
      expect((e as Error).message).toContain(f);
      // Not paused, not rewound: the counters went on.
      await until(() => counts(t).every((v, i) => v > c0[i] + 1000), 10_000, 'still counting');
    }
    // Another configuration (3 vCPUs): refused before anything is touched.
    const m3 = new SpaprMachine({ ...t.m.cfg, nvcpus: 3, consoleOut: () => {}, log: () => {} });
    const e = await restoreSnapshot(m3, p, { fresh: true }).catch((x: unknown) => x);
    expect((e as SnapshotError).kind).toBe('config');
    expect((e as Error).message).toMatch(/different machine configuration: 2 vCPUs, this VM has 3/);
    // Delete one of three: the other two still restore.
    const q = [1, 2, 3].map((i) => join(dir, `three-${i}.ppcsnap`));
    for (const f of q) await saveSnapshot(t.m, f);
    await deleteSnapshot(q[1]);
    await restoreSnapshot(t.m, q[0]);
    await restoreSnapshot(t.m, q[2]);
    const names = (await listSnapshots(dir)).snapshots.map((s) => s.path);
    expect(names).toContain(q[0]);
    expect(names).not.toContain(q[1]);
    // A paused VM stays paused through a save and a restore.
    await t.m.pause();
    await saveSnapshot(t.m, join(dir, 'paused.ppcsnap'));
    await restoreSnapshot(t.m, q[0]);
    const c1 = counts(t);
    await sleep(200);
    expect(counts(t)).toEqual(c1);
    expect(t.m.cpus.map((c) => Atomics.load(c.i32, c.wi(L.PARKED)))).toEqual([1, 1]);
    t.m.resume();
    await until(() => counts(t).every((v, i) => v > c1[i] + 1000), 10_000, 'counting after resume');
  }, 120_000);
});
