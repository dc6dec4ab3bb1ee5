// The PAPR virtual terminal (hvterm1): H_PUT_TERM_CHAR / H_GET_TERM_CHAR as PAPR and
// QEMU's spapr_vty.c define them (up to 16 bytes packed big-endian in two registers,
// H_PARAMETER for an unknown terminal or a length above 16; termno 0 means the
// default vty, a hack QEMU keeps for the kernel's early debug console).
import { describe, expect, it } from 'vitest';
import * as L from '../../../emulator/cpu/layout.js';
import { H_SUCCESS, H_PARAMETER, H_BUSY, H_PUT_TERM_CHAR, H_GET_TERM_CHAR } from '../../../emulator/machine/spapr/hcall.js';
import { VTY_REG } from '../../../emulator/hw/char/vty.js';
import { hcall, makeMachine } from '../../machine/spapr/spapr-fixture.js';

/** Pack up to 16 bytes as H_PUT_TERM_CHAR's two big-endian doublewords. */
function pack(s: string): [bigint, bigint] {
  const b = new Uint8Array(16);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  const dv = new DataView(b.buffer);
  return [dv.getBigUint64(0, false), dv.getBigUint64(8, false)];
}

const text = (b: Uint8Array): string => String.fromCharCode(...b);

describe('H_PUT_TERM_CHAR', () => {
  it('sends len bytes from r6 then r7, most significant byte first', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    const [a, b] = pack('Hello, PPCBox!\r\n');
    expect(hcall(m, c, H_PUT_TERM_CHAR, VTY_REG, 16, a, b)).toBe(H_SUCCESS);
    expect(hcall(m, c, H_PUT_TERM_CHAR, VTY_REG, 3, ...pack('abcdef'))).toBe(H_SUCCESS);
    expect(hcall(m, c, H_PUT_TERM_CHAR, VTY_REG, 0, ...pack('zzz'))).toBe(H_SUCCESS);
    expect(text(m.vty.drainOutput())).toBe('Hello, PPCBox!\r\nabc');
    expect(m.vty.drainOutput().length).toBe(0);
  });

  it('refuses more than 16 bytes and an unknown terminal', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, H_PUT_TERM_CHAR, VTY_REG, 17, ...pack('x'))).toBe(H_PARAMETER);
    expect(hcall(m, c, H_PUT_TERM_CHAR, VTY_REG, 1n << 32n, ...pack('x'))).toBe(H_PARAMETER);
    expect(hcall(m, c, H_PUT_TERM_CHAR, VTY_REG + 1, 1, ...pack('x'))).toBe(H_PARAMETER);
    expect(hcall(m, c, H_PUT_TERM_CHAR, (1n << 32n) | BigInt(VTY_REG), 1, ...pack('x'))).toBe(H_PARAMETER);
    expect(m.vty.drainOutput().length).toBe(0);
  });

  it('terminal number 0 reaches the default vty (early debug console)', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, H_PUT_TERM_CHAR, 0, 2, ...pack('ok'))).toBe(H_SUCCESS);
    expect(text(m.vty.drainOutput())).toBe('ok');
    m.input(Uint8Array.of(0x71));
    expect(hcall(m, c, H_GET_TERM_CHAR, 0)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(1n);
  });

  it('answers H_BUSY when the host stops draining, and loses nothing', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    const [a, b] = pack('0123456789abcdef');
    let sent = 0;
    let status = H_SUCCESS;
    for (let i = 0; i < 10000 && status === H_SUCCESS; i++) {
      status = hcall(m, c, H_PUT_TERM_CHAR, VTY_REG, 16, a, b);
      if (status === H_SUCCESS) sent += 16;
    }
    expect(status).toBe(H_BUSY);
    expect(sent).toBeGreaterThanOrEqual(4096);
    const out = m.vty.drainOutput();
    expect(out.length).toBe(sent);
    expect(text(out.subarray(sent - 16))).toBe('0123456789abcdef');
    expect(hcall(m, c, H_PUT_TERM_CHAR, VTY_REG, 16, a, b)).toBe(H_SUCCESS);
  });

  it('calls onOutput when the guest wrote something', () => {
    const { m } = makeMachine();
    let n = 0;
    m.vty.onOutput = () => n++;
    hcall(m, m.cpus[0], H_PUT_TERM_CHAR, VTY_REG, 1, ...pack('x'));
    expect(n).toBe(1);
  });
});

describe('H_GET_TERM_CHAR', () => {
  it('returns 0 bytes (and zero registers) when nothing was typed', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    c.setGPR(5, 0x1234n);
    c.setGPR(6, 0x5678n);
    expect(hcall(m, c, H_GET_TERM_CHAR, VTY_REG)).toBe(H_SUCCESS);
    expect([c.gpr(4), c.gpr(5), c.gpr(6)]).toEqual([0n, 0n, 0n]);
  });

  it('returns up to 16 typed bytes per call, packed big-endian in r5/r6', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    m.input(new TextEncoder().encode('abc'));
    expect(hcall(m, c, H_GET_TERM_CHAR, VTY_REG)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(3n);
    expect(c.gpr(5)).toBe(0x6162630000000000n);
    expect(c.gpr(6)).toBe(0n);
    m.input(new TextEncoder().encode('ABCDEFGHIJKLMNOPQRST'));
    expect(hcall(m, c, H_GET_TERM_CHAR, VTY_REG)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(16n);
    expect(c.gpr(5)).toBe(pack('ABCDEFGH')[0]);
    expect(c.gpr(6)).toBe(pack('IJKLMNOP')[0]);
    expect(hcall(m, c, H_GET_TERM_CHAR, VTY_REG)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(4n);
    expect(c.gpr(5)).toBe(pack('QRST')[0]);
    expect(m.vty.inputPending()).toBe(0);
  });

  it('refuses an unknown terminal and consumes nothing', () => {
    const { m } = makeMachine();
    m.input(Uint8Array.of(1, 2));
    expect(hcall(m, m.cpus[0], H_GET_TERM_CHAR, 0x71000001)).toBe(H_PARAMETER);
    expect(m.vty.inputPending()).toBe(2);
  });

  it('holds at most its input buffer and says how much fitted', () => {
    const { m } = makeMachine();
    const n = m.bql.with(() => m.vty.pushInput(new Uint8Array(10000).fill(0x61)));
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(10000);
    expect(m.vty.inputPending()).toBe(n);
    expect(m.bql.with(() => m.vty.pushInput(Uint8Array.of(0x62)))).toBe(0);
  });
});

describe('typed input through the machine', () => {
  it('a paste larger than the vty buffer arrives whole and in order as the guest reads', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    const paste = new Uint8Array(10000).map((_, i) => 0x20 + (i % 90));
    m.input(paste);
    const got: number[] = [];
    for (let round = 0; round < 100 && got.length < paste.length; round++) {
      for (;;) {
        expect(hcall(m, c, H_GET_TERM_CHAR, VTY_REG)).toBe(H_SUCCESS);
        const n = Number(c.gpr(4));
        if (n === 0) break;
        const dv = new DataView(new ArrayBuffer(16));
        dv.setBigUint64(0, c.gpr(5), false);
        dv.setBigUint64(8, c.gpr(6), false);
        for (let k = 0; k < n; k++) got.push(dv.getUint8(k));
      }
      (m as unknown as { flushConsole(): void }).flushConsole(); // the main loop's round
    }
    expect(got.length).toBe(paste.length);
    expect(Uint8Array.from(got)).toEqual(paste);
  });
});

describe('vty state', () => {
  it('save/load keeps typed input and the signal mode; load raises no interrupt', () => {
    const a = makeMachine();
    a.m.bql.with(() => {
      a.m.vty.setSignal(1);
      a.m.vty.pushInput(new TextEncoder().encode('ls\r'));
    });
    const s = a.m.vty.save();
    expect(s).toEqual({ pendingInput: [0x6c, 0x73, 0x0d], signal: 1 });
    const b = makeMachine();
    const c = b.m.cpus[0];
    b.m.bql.with(() => b.m.vty.load(s));
    expect(Atomics.load(c.i32, c.wi(L.IRQ_PENDING)) & L.IRQ_EXTERNAL).toBe(0);
    expect(hcall(b.m, c, H_GET_TERM_CHAR, VTY_REG)).toBe(H_SUCCESS);
    expect(c.gpr(4)).toBe(3n);
    expect(c.gpr(5)).toBe(pack('ls\r')[0]);
    expect(b.m.vty.save().signal).toBe(1);
  });

  it('reset drops pending input and output', () => {
    const { m } = makeMachine();
    m.input(Uint8Array.of(1));
    hcall(m, m.cpus[0], H_PUT_TERM_CHAR, VTY_REG, 1, ...pack('x'));
    m.bql.with(() => m.vty.reset());
    expect(m.vty.inputPending()).toBe(0);
    expect(m.vty.drainOutput().length).toBe(0);
  });

  it('asserts the BQL for host input', () => {
    const { m } = makeMachine();
    expect(() => m.vty.pushInput(Uint8Array.of(1))).toThrow(/BQL/);
  });
});
