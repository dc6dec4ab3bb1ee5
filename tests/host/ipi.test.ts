// Cross-vCPU wake-ups with vCPUs on worker threads (issue 4), timed by the guest itself
// with the machine timebase: an IPI through XICS (H_IPI) and an H_PROD wake a vCPU parked
// in H_CEDE within a millisecond; a ceded vCPU's decrementer fires on time while the
// other vCPUs are busy.
import { afterEach, describe, expect, it } from 'vitest';
import * as L from '../../emulator/cpu/layout.js';
import { TB_FREQ } from '../../emulator/cpu/timebase.js';
import { KERNEL_ADDR } from '../../emulator/machine/spapr/machine.js';
import { H_CEDE, H_CPPR, H_EOI, H_IPI, H_PROD, H_XIRR } from '../../emulator/machine/spapr/hcall.js';
import { startTinySmp, until, VCPU_ENTRY_STRIDE, type TinySmp } from '../guest/tiny-smp.js';

/*
 * Data page (DATA, base register r21 in the programs):
 *   +0     go: the round the host lets start (the host writes it once the target sleeps)
 *   +0x80  rounds the target vCPU has completed
 *   +0x100 timebase when round n was started (8 bytes each, by round)
 *   +0x200 timebase when the target woke in round n
 */
const ROUNDS = 10;
const FAR_DEC = ['lis 4,0x7fff', 'ori 4,4,0xffff', 'mtdec 4']; // ~4 s away: no stray DEC
const TARGET_ENTRY = KERNEL_ADDR + VCPU_ENTRY_STRIDE; // vCPU 1

/** vCPU 0: for each round, wait for `go`, read the timebase, make hypercall `call` for vCPU 1. */
function waker(call: string[]): string[] {
  return [
    'lis 21,0x42',
    'li 20,0',
    '1: addi 20,20,1',
    '2: lwz 6,0(21)',
    'cmpw 6,20',
    'bne 2b',
    'mftb 7',
    'sldi 10,20,3',
    'add 10,10,21',
    'std 7,0x100(10)',
    ...call,
    'b 1b',
  ];
}

/** The target's wake-up: timebase into slot `count`, count + 1. Clobbers r7, r10, r20. */
const RECORD_WAKE = ['mftb 7', 'lis 21,0x42', 'lwz 20,0x80(21)', 'addi 20,20,1', 'sldi 10,20,3', 'add 10,10,21', 'std 7,0x200(10)', 'stw 20,0x80(21)'];

function counter(n: number): string[] {
  return ['lis 9,0x42', 'li 4,0', '1: addi 4,4,1', `stw 4,${0x400 + 0x80 * n}(9)`, 'b 1b'];
}

let current: TinySmp | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

/** Drive ROUNDS rounds: let round r start once vCPU 1 sleeps in H_CEDE; return the wake latencies in µs. */
async function rounds(t: TinySmp, startWhenCeded: boolean): Promise<number[]> {
  const target = t.m.cpus[1];
  const us: number[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    await until(() => t.word(0x80) === r - 1 && (!startWhenCeded || Atomics.load(target.i32, target.wi(L.RUN_STATE)) === L.RUN_CEDED), 10_000, `round ${r}: vCPU 1 ready`);
    // Let the thread really go to sleep (Atomics.wait), not just mark itself ceded.
    if (startWhenCeded) await new Promise((res) => setTimeout(res, 5));
    t.setWord(0, r);
    await until(() => t.word(0x80) === r, 10_000, `round ${r}: vCPU 1 woken`);
    us.push((Number(t.dword(0x200 + 8 * r) - t.dword(0x100 + 8 * r)) / TB_FREQ) * 1e6);
  }
  return us;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/*
 * The machines these tests run on have 2 cores shared by several test runs at once (load
 * averages of 5-10 are common), so host scheduling delays some rounds by milliseconds.
 * The wake-up itself is immediate (Atomics.notify; an idle vCPU otherwise re-checks only
 * every 50 ms): the best round must be under a millisecond, and the median well under
 * the idle re-check period.
 */
function expectPromptWake(us: number[]): void {
  expect(us.every((u) => u > 0), `latencies ${us.join(', ')}`).toBe(true);
  expect(Math.min(...us), `latencies ${us.join(', ')}`).toBeLessThan(1000);
  expect(median(us), `latencies ${us.join(', ')}`).toBeLessThan(20_000);
}

describe('cross-vCPU wake-ups (vCPU threads)', () => {
  it('an IPI through H_IPI wakes a vCPU parked in H_CEDE within a millisecond', async () => {
    const target = ['lis 21,0x42', ...FAR_DEC, `li 3,${H_CPPR}`, 'li 4,0xff', 'sc 1', `1: li 3,${H_CEDE}`, 'sc 1', 'b 1b'];
    // External interrupt (0x500): record, accept (H_XIRR), lower our MFRR, EOI, cede again.
    const vec500 = [
      ...RECORD_WAKE,
      `li 3,${H_XIRR}`, 'sc 1', 'mr 22,4',
      `li 3,${H_IPI}`, 'li 4,1', 'li 5,0xff', 'sc 1',
      `li 3,${H_EOI}`, 'mr 4,22', 'sc 1',
      `ba ${TARGET_ENTRY}`,
    ];
    const t = (current = startTinySmp([waker([`li 3,${H_IPI}`, 'li 4,1', 'li 5,5', 'sc 1']), target], [{ addr: 0x500, lines: vec500 }]));
    const us = await rounds(t, true);
    process.stdout.write(`H_IPI -> H_CEDE wake-up, µs: ${us.map((u) => u.toFixed(0)).join(' ')}\n`);
    expectPromptWake(us);
  }, 60_000);

  it('H_PROD wakes a vCPU parked in H_CEDE within a millisecond', async () => {
    // H_CEDE returns to the caller when prodded (no interrupt is pending).
    const target = ['lis 21,0x42', ...FAR_DEC, `1: li 3,${H_CEDE}`, 'sc 1', ...RECORD_WAKE, 'b 1b'];
    const t = (current = startTinySmp([waker([`li 3,${H_PROD}`, 'li 4,1', 'sc 1']), target]));
    const us = await rounds(t, true);
    process.stdout.write(`H_PROD -> H_CEDE wake-up, µs: ${us.map((u) => u.toFixed(0)).join(' ')}\n`);
    expectPromptWake(us);
  }, 60_000);

  it("a ceded vCPU's decrementer fires on time while two others are busy", async () => {
    // Round r: wait for go, note the timebase, DEC = 10 ms, cede. The DEC interrupt (0x900)
    // records the wake-up, puts DEC far away and starts the next round.
    const TICKS = TB_FREQ / 100;
    const target = [
      'lis 21,0x42',
      'lwz 20,0x80(21)',
      'addi 20,20,1',
      '1: lwz 6,0(21)',
      'cmpw 6,20',
      'bne 1b',
      'mftb 7',
      'sldi 10,20,3',
      'add 10,10,21',
      'std 7,0x100(10)',
      `lis 4,${TICKS >>> 16}`,
      `ori 4,4,${TICKS & 0xffff}`,
      'mtdec 4',
      `2: li 3,${H_CEDE}`,
      'sc 1',
      'b 2b',
    ];
    const vec900 = [...RECORD_WAKE, ...FAR_DEC, `ba ${TARGET_ENTRY}`];
    const t = (current = startTinySmp([counter(0), target, counter(2)], [{ addr: 0x900, lines: vec900 }]));
    await until(() => t.word(0x400) > 1000 && t.word(0x500) > 1000, 20_000, 'vCPUs 0 and 2 busy');
    const us = await rounds(t, false);
    const late = us.map((u) => u / 1000 - 10);
    process.stdout.write(`DEC 10 ms while others busy, late by ms: ${late.map((x) => x.toFixed(2)).join(' ')}\n`);
    expect(late.every((x) => x >= 0), `fired early: ${late.join(', ')}`).toBe(true);
    // The best round on time within a few milliseconds, the typical one within ten: three
    // runnable vCPU threads (plus the test runner) share 2 host cores here, and a woken
    // thread can wait one host scheduler slice (~3-4 ms) for a core.
    expect(Math.min(...late), `late by ${late.join(', ')} ms`).toBeLessThan(4);
    expect(median(late), `late by ${late.join(', ')} ms`).toBeLessThan(10);
    // The busy vCPUs kept running meanwhile.
    const c0 = t.word(0x400);
    await until(() => t.word(0x400) > c0, 5_000, 'vCPU 0 still busy');
  }, 60_000);
});

describe('cross-vCPU code modification (vCPU threads)', () => {
  it('code one vCPU rewrites (dcbst, sync, icbi, isync) is what another vCPU executes next', async () => {
    // vCPU 0 executes `li 4,1` at KERNEL_ADDR + 4 over and over, storing r4 to DATA+0.
    // vCPU 1, when told, rewrites that word to `li 4,2` and flushes it as the ISA asks.
    const site = KERNEL_ADDR + 4;
    const runner = ['lis 9,0x42', 'li 4,1', 'stw 4,0(9)', 'b cpu0+4'];
    const writer = [
      'lis 21,0x42',
      '1: lwz 6,0x100(21)',
      'cmpwi 6,1',
      'bne 1b',
      `lis 5,${site >>> 16}`,
      `ori 5,5,${site & 0xffff}`,
      'lis 6,0x3880', // li 4,2 = 0x38800002
      'ori 6,6,2',
      'stw 6,0(5)',
      'dcbst 0,5',
      'sync',
      'icbi 0,5',
      'sync',
      'isync',
      'li 6,1',
      'stw 6,0x104(21)',
      'b .',
    ];
    const t = (current = startTinySmp([runner, writer]));
    await until(() => t.word(0) === 1, 20_000, 'vCPU 0 running the old code');
    t.setWord(0x100, 1);
    await until(() => t.word(0x104) === 1, 20_000, 'vCPU 1 rewrote the code');
    await until(() => t.word(0) === 2, 1_000, 'vCPU 0 running the new code');
  }, 60_000);
});
