// The hypercall dispatcher (sPAPR `sc 1`): opcode in r3, status back in r3 as a 64-bit
// signed value, unknown numbers get H_FUNCTION (PAPR) with a rate-limited log line, and
// the dispatcher insists on the BQL (DESIGN.md rules 3/4).
import { describe, expect, it } from 'vitest';
import * as L from '../../../emulator/cpu/layout.js';
import { LockError } from '../../../emulator/host/bql.js';
import {
  H_FUNCTION,
  H_PRIVILEGE,
  H_SUCCESS,
  H_PARAMETER,
  H_SET_SPRG0,
  H_PUT_TERM_CHAR,
  H_GET_TERM_CHAR,
  H_REGISTER_PROC_TBL,
  H_SET_MODE,
  H_CEDE,
  H_PROD,
  H_CONFER,
  H_JOIN,
  H_RANDOM,
  H_PAGE_INIT,
  H_SET_DABR,
  H_SET_XDABR,
  H_REGISTER_VPA,
  H_GET_CPU_CHARACTERISTICS,
  H_LOGICAL_CI_LOAD,
  H_LOGICAL_CI_STORE,
  H_SIGNAL_SYS_RESET,
  H_CPPR,
  H_EOI,
  H_IPI,
  H_XIRR,
  H_XIRR_X,
  H_IPOLL,
  H_PPCBOX_RTAS,
  H_PPCBOX_VOF_CLIENT,
  HcallTable,
} from '../../../emulator/machine/spapr/hcall.js';
import { hcall, makeMachine, setHcallRegs, sgpr } from './spapr-fixture.js';

const SC1 = 0x44000022;

describe('hypercall dispatcher', () => {
  it('registers every hypercall the boot needs (issue 3)', () => {
    const { m } = makeMachine();
    const needed = [
      H_PUT_TERM_CHAR, H_GET_TERM_CHAR, H_REGISTER_PROC_TBL, H_SET_MODE, H_CEDE, H_PROD, H_CONFER, H_JOIN,
      H_RANDOM, H_PAGE_INIT, H_SET_SPRG0, H_SET_DABR, H_SET_XDABR, H_REGISTER_VPA, H_GET_CPU_CHARACTERISTICS,
      H_LOGICAL_CI_LOAD, H_LOGICAL_CI_STORE, H_SIGNAL_SYS_RESET, H_CPPR, H_EOI, H_IPI, H_XIRR, H_XIRR_X, H_IPOLL,
      0x104 /* H_VIO_SIGNAL */, H_PPCBOX_RTAS, H_PPCBOX_VOF_CLIENT,
    ];
    for (const op of needed) expect(m.hcalls.has(op), `0x${op.toString(16)}`).toBe(true);
  });

  it('answers an unknown opcode with H_FUNCTION (sign-extended to 64 bits) and a log line', () => {
    const { m, logs } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, 0x3f0, 1, 2, 3)).toBe(H_FUNCTION);
    expect(c.gpr(3)).toBe(0xfffffffffffffffen);
    expect(logs.some((l) => l.includes('0x3f0') && l.includes('H_FUNCTION'))).toBe(true);
  });

  it('treats an opcode with high-word bits as unknown (not as its low word)', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    c.setSPR(L.SPR_SPRG0, 0x1234n);
    setHcallRegs(c, 0, [0xdeadn]);
    c.setGPR(3, (1n << 32n) | BigInt(H_SET_SPRG0));
    m.bql.with(() => m.hcalls.dispatch(c));
    expect(sgpr(c, 3)).toBe(BigInt(H_FUNCTION));
    expect(c.spr(L.SPR_SPRG0)).toBe(0x1234n);
  });

  it('rate-limits the unknown-hypercall log', () => {
    const { m, logs } = makeMachine();
    const c = m.cpus[0];
    const before = logs.length;
    for (let i = 0; i < 200; i++) hcall(m, c, 0x3f4);
    const lines = logs.length - before;
    expect(lines).toBeGreaterThan(0);
    expect(lines).toBeLessThanOrEqual(11);
  });

  it('writes a success status with a clear high word and a negative one sign-extended', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    c.setGPR(3, 0xffffffffffffffffn); // stale value in r3's high word must not survive
    setHcallRegs(c, H_SET_SPRG0, [5]);
    m.bql.with(() => m.hcalls.dispatch(c));
    expect(c.gpr(3)).toBe(0n);
    expect(hcall(m, c, H_PROD, 77)).toBe(H_PARAMETER);
    expect(c.gpr(3)).toBe(0xfffffffffffffffcn);
  });

  it('refuses to dispatch without the BQL', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    setHcallRegs(c, H_SET_SPRG0, [1]);
    expect(() => m.hcalls.dispatch(c)).toThrow(LockError);
  });

  it('counts calls per opcode', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    hcall(m, c, H_SET_SPRG0, 1);
    hcall(m, c, H_SET_SPRG0, 2);
    expect(m.hcalls.counts.get(H_SET_SPRG0)).toBe(2);
  });

  it('refuses a second registration of the same opcode', () => {
    const { m } = makeMachine();
    const t = new HcallTable(m.bql);
    t.register(0x10, 'A', () => H_SUCCESS);
    expect(() => t.register(0x10, 'B', () => H_SUCCESS)).toThrow(/registered twice/);
    expect(t.name(0x10)).toBe('A');
  });
});

describe('sc 1 through the vCPU', () => {
  // Put `sc 1` at 0x20000 in the vCPU's byte order and run one instruction.
  function runSc(m: ReturnType<typeof makeMachine>['m'], msrLo: number): void {
    const c = m.cpus[0];
    c.setMSR(msrLo, L.MSR_HI_SF);
    c.dv.setUint32(L.RAM_OFFSET + 0x20000, SC1, (msrLo & L.MSR_LE) !== 0);
    c.nia = 0x20000n;
    c.run(1);
  }

  it('runs the hypercall in privileged state and continues after the sc', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    setHcallRegs(c, H_SET_SPRG0, [0x123456789abcdefn]);
    runSc(m, L.MSR_ME | L.MSR_LE);
    expect(c.gpr(3)).toBe(0n);
    expect(c.spr(L.SPR_SPRG0)).toBe(0x123456789abcdefn);
    expect(c.nia).toBe(0x20004n);
    expect(m.bql.held()).toBe(false); // the hook released the lock again
  });

  it('returns H_PRIVILEGE from problem state without running the handler', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    c.setSPR(L.SPR_SPRG0, 7n);
    setHcallRegs(c, H_SET_SPRG0, [9]);
    runSc(m, L.MSR_ME | L.MSR_LE | L.MSR_PR);
    expect(sgpr(c, 3)).toBe(BigInt(H_PRIVILEGE));
    expect(c.spr(L.SPR_SPRG0)).toBe(7n);
  });

  it('delivers H_FUNCTION for an unknown opcode made by a big-endian guest', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    setHcallRegs(c, 0x3f8, []);
    runSc(m, L.MSR_ME);
    expect(sgpr(c, 3)).toBe(BigInt(H_FUNCTION));
    expect(c.nia).toBe(0x20004n);
  });
});

describe('guest mistakes never crash the emulator', () => {
  // Deterministic pseudo-random 64-bit values biased to edges: 0, -1, small numbers,
  // addresses near the end of RAM, cell-sized values, anything.
  function values(seed: number, ram: number): () => bigint {
    let s = BigInt(seed) | 1n;
    const next = (): bigint => {
      s ^= (s << 13n) & 0xffffffffffffffffn;
      s ^= s >> 7n;
      s ^= (s << 17n) & 0xffffffffffffffffn;
      return s;
    };
    const edges = [0n, 1n, 2n, 3n, 4n, 8n, 16n, 17n, 0xffn, 0x100n, 0xfffn, 0x1000n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn, 0x8000000000000000n, BigInt(ram), BigInt(ram - 1), BigInt(ram - 8), BigInt(ram - 4096), 0x71000000n, 0x1000n + 0x100n];
    return () => {
      const r = next();
      const k = Number(r & 3n);
      if (k === 0) return edges[Number((r >> 8n) % BigInt(edges.length))];
      if (k === 1) return (r >> 16n) & 0xffffn;
      if (k === 2) return (r >> 20n) % BigInt(ram);
      return r;
    };
  }

  it('every registered hypercall, with arbitrary arguments, returns a status and throws nothing', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const v = values(0x5eed, m.mem.ramSize);
    const opcodes = [...Array(0x400).keys()].filter((op) => m.hcalls.has(op)).concat([0xf000, 0xf005]);
    for (let round = 0; round < 150; round++) {
      for (const op of opcodes) {
        const c = m.cpus[round & 1];
        setHcallRegs(c, op, [v(), v(), v(), v(), v(), v(), v(), v(), v()]);
        expect(() => m.bql.with(() => m.hcalls.dispatch(c)), `0x${op.toString(16)} round ${round}`).not.toThrow();
        const st = Number(sgpr(c, 3));
        expect(Number.isInteger(st) && st >= -512 && st <= 9905, `0x${op.toString(16)} -> ${st}`).toBe(true);
      }
    }
  });

  it('RTAS calls and client-interface services with arbitrary buffers throw nothing', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    const c = m.cpus[0];
    const v = values(0xc0ffee, m.mem.ramSize);
    const BUF = 0x30000;
    // Services with their IEEE 1275 argument / return counts (mostly used as such).
    const services: Array<[string, number, number]> = [
      ['finddevice', 1, 1], ['getprop', 4, 1], ['getproplen', 2, 1], ['setprop', 4, 1], ['nextprop', 3, 1], ['peer', 1, 1],
      ['child', 1, 1], ['parent', 1, 1], ['open', 1, 1], ['close', 1, 0], ['instance-to-package', 1, 1], ['package-to-path', 3, 1],
      ['instance-to-path', 3, 1], ['write', 3, 1], ['read', 3, 1], ['claim', 3, 1], ['release', 2, 0], ['call-method', 3, 2],
      ['call-method', 2, 2], ['interpret', 1, 1], ['milliseconds', 0, 1], ['quiesce', 0, 0], ['nosuch', 1, 1], ['/', 0, 0],
    ];
    // Strings the services may be pointed at.
    const strings = [0x31000, 0x31100, 0x31200, 0x31300, 0x31400, 0x31500, 0x31600, 0x31700];
    ['/', '/rtas', 'ibm,client-architecture-support', 'instantiate-rtas', '', 'name', '/chosen', 'bootargs'].forEach((s, i) => {
      for (let k = 0; k < s.length; k++) m.mem.u8[L.RAM_OFFSET + strings[i] + k] = s.charCodeAt(k);
    });
    const cell = (): number => {
      const r = v();
      if ((r & 7n) === 0n) return strings[Number((r >> 3n) & 7n)];
      if ((r & 7n) === 1n) return Number((r >> 3n) % 40n); // phandles, ihandles, small sizes
      return Number(r & 0xffffffffn);
    };
    for (let i = 0; i < 8000; i++) {
      const [svc, na, nr] = services[i % services.length];
      const right = v() % 4n !== 0n;
      const nargs = right ? na : Number(v() % 12n);
      const nret = right ? nr : Number(v() % 12n);
      const svcAddr = 0x32000;
      for (let k = 0; k < svc.length; k++) m.mem.u8[L.RAM_OFFSET + svcAddr + k] = svc.charCodeAt(k);
      m.mem.u8[L.RAM_OFFSET + svcAddr + svc.length] = 0;
      const cells = [svcAddr, nargs, nret, ...Array.from({ length: 12 }, cell)];
      cells.forEach((x, k) => m.mem.dv.setUint32(L.RAM_OFFSET + BUF + 4 * k, x >>> 0, false));
      setHcallRegs(c, 0xf005, [BUF]);
      expect(() => m.bql.with(() => m.hcalls.dispatch(c)), `${svc} ${cells.join(',')}`).not.toThrow();
      // RTAS: a random token near the defined ones, random counts and cells.
      const token = 0x2000 + Number(v() % 0x30n);
      const rcells = [token, Number(v() % 10n), Number(v() % 10n), ...Array.from({ length: 20 }, cell)];
      rcells.forEach((x, k) => m.mem.dv.setUint32(L.RAM_OFFSET + BUF + 0x100 + 4 * k, x >>> 0, false));
      setHcallRegs(c, 0xf000, [BUF + 0x100]);
      expect(() => m.bql.with(() => m.hcalls.dispatch(c)), `rtas ${rcells.join(',')}`).not.toThrow();
    }
  });
});
