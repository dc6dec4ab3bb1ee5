// pause()/resume() of a machine whose vCPUs run on worker threads (issue 4): pause
// returns only once every vCPU is parked outside guest code, whatever it was doing
// (running, ceded in H_CEDE, stopped); nothing retires while paused; resume lets them go on.
import { afterEach, describe, expect, it } from 'vitest';
import * as L from '../../emulator/cpu/layout.js';
import { H_CEDE } from '../../emulator/machine/spapr/hcall.js';
import { startTinySmp, until, type TinySmp } from '../guest/tiny-smp.js';

/** vCPU n counts in a register and stores the count to DATA + 0x80n, forever. */
function counter(n: number): string[] {
  return ['lis 9,0x42', 'li 4,0', '1: addi 4,4,1', `stw 4,${0x80 * n}(9)`, 'b 1b'];
}

function parked(t: TinySmp): number[] {
  return t.m.cpus.map((c) => Atomics.load(c.i32, c.wi(L.PARKED)));
}

/** Every thread parked with the exit request still standing. */
function parkedForThisPause(t: TinySmp): boolean {
  return t.m.cpus.every((c) => Atomics.load(c.i32, c.wi(L.EXIT_REQ)) !== 0 && Atomics.load(c.i32, c.wi(L.PARKED)) === 1);
}

function retired(t: TinySmp): number[] {
  return t.m.cpus.map((c) => c.f64[(c.base + L.INSN_COUNT) >> 3]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let current: TinySmp | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe('pause/resume with vCPU threads', () => {
  it('parks every running vCPU; nothing moves while paused; resume goes on', async () => {
    const t = (current = startTinySmp([counter(0), counter(1), counter(2)]));
    const counts = (): number[] => [0, 1, 2].map((n) => t.word(0x80 * n));
    await until(() => counts().every((v) => v > 1000), 20_000, 'all three vCPUs counting');
    for (let round = 0; round < 5; round++) {
      await t.m.pause();
      expect(parked(t), `round ${round}`).toEqual([1, 1, 1]);
      expect(parkedForThisPause(t)).toBe(true);
      expect(t.m.bql.held()).toBe(false);
      const c0 = counts();
      const r0 = retired(t);
      await sleep(round === 0 ? 200 : 20);
      expect(counts(), `guest stores while paused (round ${round})`).toEqual(c0);
      expect(retired(t), `instructions retired while paused (round ${round})`).toEqual(r0);
      expect(t.m.cpus.map((c) => Atomics.load(c.i32, c.wi(L.RUN_STATE)))).toEqual([L.RUN_RUNNING, L.RUN_RUNNING, L.RUN_RUNNING]);
      t.m.resume();
      await until(() => counts().every((v, i) => v > c0[i] + 1000), 20_000, `all vCPUs counting again after resume ${round}`);
      expect(parked(t)).toEqual([0, 0, 0]); // they run guest code again: unparked
    }
    expect(t.logs.filter((l) => /LockError|BQL|failed/.test(l))).toEqual([]);
  }, 60_000);

  it('parks a vCPU ceded in H_CEDE and one never started, and leaves them so on resume', async () => {
    // vCPU 1 cedes with no interrupt to come (DEC far away: 0x7fffffff ticks is ~4 s).
    const cede = ['lis 9,0x42', 'lis 4,0x7fff', 'ori 4,4,0xffff', 'mtdec 4', 'li 4,1', 'stw 4,0x80(9)', `li 3,${H_CEDE}`, 'sc 1', 'li 4,2', 'stw 4,0x80(9)', 'b .'];
    const t = (current = startTinySmp([counter(0), cede, null]));
    await until(() => t.word(0) > 1000 && Atomics.load(t.m.cpus[1].i32, t.m.cpus[1].wi(L.RUN_STATE)) === L.RUN_CEDED, 20_000, 'vCPU 0 counting, vCPU 1 ceded');
    const t0 = performance.now();
    await t.m.pause();
    const ms = performance.now() - t0;
    expect(parked(t)).toEqual([1, 1, 1]);
    expect(parkedForThisPause(t)).toBe(true);
    expect(ms, 'pause of a ceded/stopped vCPU must not wait for its idle timeout').toBeLessThan(1000);
    const c0 = t.word(0);
    await sleep(50);
    expect(t.word(0)).toBe(c0);
    t.m.resume();
    await until(() => t.word(0) > c0 + 1000, 20_000, 'vCPU 0 counting after resume');
    const states = t.m.cpus.map((c) => Atomics.load(c.i32, c.wi(L.RUN_STATE)));
    expect(states).toEqual([L.RUN_RUNNING, L.RUN_CEDED, L.RUN_STOPPED]);
    expect(t.word(0x80), 'vCPU 1 still in H_CEDE').toBe(1);
    // Idle threads leave the park when scheduled (a loaded host may take a while).
    await until(() => parked(t).every((p) => p === 0), 5_000, 'all vCPU threads unparked');
  }, 60_000);
});

describe('pause/resume races', () => {
  it('state the I/O thread sets while paused survives a resume followed at once by a pause', async () => {
    // vCPU 0 runs program A (counts at DATA+0) until the I/O thread points it at B (counts
    // at DATA+0x40). Between resume() and the next pause() the thread may be anywhere in
    // its park/unpark path: whatever it does there must not write back state it read
    // before the pause, or NIA goes back to A.
    const a = counter(0);
    const b = ['lis 9,0x42', 'li 4,0', '1: addi 4,4,1', 'stw 4,0x40(9)', 'b 1b'];
    const B = 0x3000;
    const t = (current = startTinySmp([a], [{ addr: B, lines: b }]));
    const c = t.m.cpus[0];
    const bEntry = BigInt(B);
    await until(() => t.word(0) > 100, 20_000, 'A running');
    await t.m.pause();
    for (let i = 0; i < 200; i++) {
      t.m.resume();
      const spinUntil = performance.now() + Math.random() * 0.3;
      while (performance.now() < spinUntil) {
        // a random gap of up to 300 µs: the thread is somewhere between waking and parking
      }
      await t.m.pause();
      expect(parkedForThisPause(t), `cycle ${i}`).toBe(true);
    }
    expect(parked(t)).toEqual([1]);
    // Point vCPU 0 at B while paused, resume and pause at once, look, resume.
    c.syncIn();
    c.nia = bEntry;
    c.syncOut();
    t.setWord(0x40, 0);
    t.m.resume();
    await t.m.pause();
    expect(c.u32[c.wi(L.NIA)] >= Number(bEntry) && c.u32[c.wi(L.NIA)] < Number(bEntry) + 0x20, 'NIA still in B').toBe(true);
    t.m.resume();
    const a0 = t.word(0);
    await until(() => t.word(0x40) > 1000, 20_000, 'vCPU 0 running B');
    await sleep(20);
    expect(t.word(0), 'vCPU 0 no longer runs A').toBe(a0);
  }, 60_000);
});
