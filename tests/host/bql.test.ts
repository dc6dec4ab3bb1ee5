import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../../emulator/memory/guest-memory.js';
import { BQL, IO_THREAD, LockError } from '../../emulator/host/bql.js';

describe('BQL', () => {
  it('is exclusive between owners and not recursive', () => {
    const mem = GuestMemory.create(1 << 20);
    const io = new BQL(mem, IO_THREAD);
    const v0 = new BQL(mem, 0);
    io.lock();
    expect(io.held()).toBe(true);
    expect(v0.held()).toBe(false);
    expect(() => io.lock()).toThrow(LockError);
    expect(() => v0.unlock()).toThrow(LockError);
    io.unlock();
    v0.with(() => expect(v0.held()).toBe(true));
    expect(v0.held()).toBe(false);
  });

  it('asserts held / not held at entry points', () => {
    const mem = GuestMemory.create(1 << 20);
    const io = new BQL(mem, IO_THREAD);
    expect(() => io.assertHeld('H_PUT_TERM_CHAR')).toThrow(/H_PUT_TERM_CHAR entered without the BQL/);
    io.with(() => {
      io.assertHeld('H_PUT_TERM_CHAR');
      expect(() => io.assertNotHeld('guest code')).toThrow(/with the BQL held/);
    });
  });
});
