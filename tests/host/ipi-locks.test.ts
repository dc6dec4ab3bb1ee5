// The BQL debug assertions (DESIGN.md rule 2, issue 4): a board built as on a vCPU thread
// refuses device, interrupt-controller and hypercall entry points called without the
// lock (including while another thread holds it), and accepts them with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as L from '../../emulator/cpu/layout.js';
import { BQL, IO_THREAD, LockError, checkLocks, setLockChecking } from '../../emulator/host/bql.js';
import { GuestMemory } from '../../emulator/memory/guest-memory.js';
import { SpaprBoard } from '../../emulator/machine/spapr/board.js';
import { H_CEDE, H_IPI, H_PUT_TERM_CHAR } from '../../emulator/machine/spapr/hcall.js';

function makeBoard(): { board: SpaprBoard; vcpu: BQL; io: BQL } {
  const mem = GuestMemory.create(16 << 20, 2);
  const vcpu = new BQL(mem, 0);
  const board = new SpaprBoard(mem, { ramBytes: 16 << 20, nvcpus: 2, icMode: 'xics' }, { bql: vcpu, log: () => {} });
  return { board, vcpu, io: new BQL(mem, IO_THREAD) };
}

function hcallRegs(board: SpaprBoard, opcode: number, ...args: number[]): void {
  const c = board.cpus[0];
  c.setGPR32(3, opcode, 0);
  args.forEach((a, i) => c.setGPR32(4 + i, a, 0));
}

let was = false;
beforeAll(() => {
  was = checkLocks;
  setLockChecking(true);
});
afterAll(() => setLockChecking(was));

describe('BQL assertions at device entry points', () => {
  it('fire without the lock, on every kind of entry point', () => {
    const { board } = makeBoard();
    const entries: Array<[string, () => unknown]> = [
      ['hypercall dispatch', () => {
        hcallRegs(board, H_PUT_TERM_CHAR, 0, 1, 0x41000000);
        board.hcalls.dispatch(board.cpus[0]);
      }],
      ['vty input', () => board.vty.pushInput(Uint8Array.of(0x41))],
      ['vty reset', () => board.vty.reset()],
      ['XICS reset', () => board.xics.reset()],
      ['ibm,set-xive', () => board.xics.setXive(0x1000, 0, 5)],
      ['ibm,int-off', () => board.xics.intOff(0x1000)],
    ];
    for (const [where, call] of entries) {
      expect(call, where).toThrow(LockError);
      expect(call, where).toThrow(`${where} entered without the BQL`);
    }
  });

  it('fire when another thread holds the lock (held means held by me)', () => {
    const { board, io } = makeBoard();
    io.lock();
    try {
      expect(() => board.vty.pushInput(Uint8Array.of(0x41))).toThrow(/vty input entered without the BQL \(thread vCPU 0\)/);
      hcallRegs(board, H_IPI, 1, 5);
      expect(() => board.hcalls.dispatch(board.cpus[0])).toThrow(LockError);
    } finally {
      io.unlock();
    }
  });

  it('pass with the lock; the hcall exit path takes it exactly once', () => {
    const { board, vcpu } = makeBoard();
    vcpu.with(() => {
      expect(board.vty.pushInput(Uint8Array.of(0x41))).toBe(1);
      board.xics.setCppr(1, 0xff); // vCPU 1 accepts every priority
      hcallRegs(board, H_IPI, 1, 5);
      board.hcalls.dispatch(board.cpus[0]);
    });
    expect(board.cpus[0].gpr(3)).toBe(0n); // H_SUCCESS
    expect(Atomics.load(board.mem.i32, board.cpus[1].wi(L.IRQ_PENDING)) & L.IRQ_EXTERNAL).toBe(L.IRQ_EXTERNAL);
    // The `sc 1` hook (what the interpreter calls) takes the lock itself: not held before,
    // released after, and a second acquisition inside would be a LockError.
    const before = vcpu.acquisitions;
    hcallRegs(board, H_CEDE);
    board.cpus[0].hooks.hcall?.(board.cpus[0]);
    expect(vcpu.acquisitions - before).toBe(1);
    expect(vcpu.held()).toBe(false);
    vcpu.lock();
    try {
      expect(() => board.cpus[0].hooks.hcall?.(board.cpus[0])).toThrow(/BQL taken twice by vCPU 0/);
    } finally {
      vcpu.unlock();
    }
  });
});
