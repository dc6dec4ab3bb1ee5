// The Open Firmware client interface (VOF style): every service prom_init uses, with
// the argument-block checks. Expected values from IEEE 1275 (client interface, 6.3.2)
// and QEMU's hw/ppc/vof.c + spapr_vof.c, which answer the same kernel.
import { describe, expect, it } from 'vitest';
import * as L from '../../../emulator/cpu/layout.js';
import { H_PARAMETER, H_SUCCESS } from '../../../emulator/machine/spapr/hcall.js';
import { VOF_ENTRY, VOF_STUB_WORDS, PROM_ERROR } from '../../../emulator/machine/spapr/vof.js';
import { RTAS_BLOB_WORDS } from '../../../emulator/machine/spapr/rtas.js';
import type { ExitReason, SpaprMachine } from '../../../emulator/machine/spapr/machine.js';
import {
  SCRATCH,
  casVector,
  doCas,
  getBytes,
  getCell,
  getString,
  hcall,
  makeMachine,
  putCells,
  putString,
  vof1,
  vofCall,
} from './spapr-fixture.js';

const BUF = 0x60000;
const ERR = PROM_ERROR;
const exitOf = (m: SpaprMachine): ExitReason | null => (m as unknown as { exit: ExitReason | null }).exit;
const text = (b: Uint8Array): string => String.fromCharCode(...b);

describe('client-interface argument block', () => {
  it('writes the results after the arguments and returns H_SUCCESS', () => {
    const { m } = makeMachine();
    const r = vofCall(m, 'finddevice', ['/'], 1);
    expect(r.status).toBe(H_SUCCESS);
    expect(r.rets[0]).not.toBe(ERR);
    expect(r.rets[0]).toBe(m.vof.tree.root.phandle);
  });

  it('refuses a block outside RAM, too many cells, or an unterminated service name (H_PARAMETER)', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    expect(hcall(m, c, 0xf005, m.mem.ramSize - 8)).toBe(H_PARAMETER);
    const svc = putString(m, SCRATCH + 0x400, 'finddevice') - 11;
    putCells(m, SCRATCH, [svc, 11, 0]);
    expect(hcall(m, c, 0xf005, SCRATCH)).toBe(H_PARAMETER);
    putCells(m, SCRATCH, [svc, 6, 5]);
    expect(hcall(m, c, 0xf005, SCRATCH)).toBe(H_PARAMETER);
    m.mem.writePhys(SCRATCH + 0x500, new Uint8Array(64).fill(0x61)); // 64 chars, no NUL
    putCells(m, SCRATCH, [SCRATCH + 0x500, 0, 1]);
    expect(hcall(m, c, 0xf005, SCRATCH)).toBe(H_PARAMETER);
    putCells(m, SCRATCH, [m.mem.ramSize + 0x1000, 0, 1]);
    expect(hcall(m, c, 0xf005, SCRATCH)).toBe(H_PARAMETER);
  });

  it('answers PROM_ERROR for an unknown service (with a log line) and for wrong argument counts', () => {
    const { m, logs } = makeMachine();
    expect(vofCall(m, 'frobnicate', [1], 1).rets).toEqual([ERR]);
    expect(logs.some((l) => l.includes('frobnicate'))).toBe(true);
    expect(vofCall(m, 'finddevice', ['/', 0], 1).rets).toEqual([ERR]);
    expect(vofCall(m, 'getprop', [1, 'name', BUF, 4], 2).rets[0]).toBe(ERR);
    expect(vofCall(m, 'getproplen', [1], 1).rets).toEqual([ERR]);
    expect(vofCall(m, 'milliseconds', [], 2).rets[0]).toBe(ERR);
    expect(vofCall(m, 'interpret', ['1 2 +'], 1).rets).toEqual([ERR]); // no Forth
  });

  it('the entry stub traps into the machine from big-endian 32-bit code and returns to LR', () => {
    const { m } = makeMachine();
    const c = m.cpus[0];
    for (let i = 0; i < VOF_STUB_WORDS.length; i++) expect(getCell(m, VOF_ENTRY + 4 * i)).toBe(VOF_STUB_WORDS[i]);
    const svc = SCRATCH + 0x100;
    const path = putString(m, svc, 'finddevice');
    putString(m, path, '/cpus');
    putCells(m, SCRATCH, [svc, 1, 1, path, 0xdeadbeef]);
    putCells(m, 0x80000, [0x48000000]); // b .
    c.setMSR(L.MSR_ME | L.MSR_FP, 0);
    c.setGPR(3, BigInt(SCRATCH));
    c.setSPR(8, 0x80000n);
    c.nia = BigInt(VOF_ENTRY);
    c.run(VOF_STUB_WORDS.length);
    expect(c.nia).toBe(0x80000n);
    expect(getCell(m, SCRATCH + 16)).toBe(m.vof.tree.findNode('/cpus')?.phandle);
  });
});

describe('device tree navigation', () => {
  it('finddevice: absolute paths, a unit address left out or in capitals; unknown or overlong paths fail', () => {
    const { m } = makeMachine();
    const t = m.vof.tree;
    expect(vof1(m, 'finddevice', '/cpus')).toBe(t.findNode('/cpus')?.phandle);
    const vty = t.findNode('/vdevice/vty@71000000')?.phandle;
    expect(vty).toBeGreaterThan(0);
    expect(vof1(m, 'finddevice', '/vdevice/vty@71000000')).toBe(vty);
    expect(vof1(m, 'finddevice', '/vdevice/VTY@71000000')).toBe(vty);
    expect(vof1(m, 'finddevice', '/memory')).toBe(t.findNode('/memory@0')?.phandle);
    expect(vof1(m, 'finddevice', '/nonexistent')).toBe(ERR);
    expect(vof1(m, 'finddevice', '/' + 'a'.repeat(300))).toBe(ERR);
  });

  it('peer / child / parent walk the whole tree as it is; 0 ends each walk', () => {
    const { m } = makeMachine();
    const t = m.vof.tree;
    const root = vof1(m, 'peer', 0);
    expect(root).toBe(t.root.phandle);
    expect(vof1(m, 'parent', root)).toBe(0);
    expect(vof1(m, 'peer', root)).toBe(0);
    // Depth-first walk through the client interface visits every node, in tree order.
    const seen: number[] = [];
    const walk = (ph: number): void => {
      seen.push(ph);
      for (let ch = vof1(m, 'child', ph); ch !== 0; ch = vof1(m, 'peer', ch)) {
        expect(vof1(m, 'parent', ch)).toBe(ph);
        walk(ch);
      }
    };
    walk(root);
    expect(seen).toEqual(t.nodes().map((n) => n.phandle));
    expect(vof1(m, 'child', 0x7fff0000)).toBe(0);
    expect(vof1(m, 'peer', 0x7fff0000)).toBe(0);
    expect(vof1(m, 'parent', 0x7fff0000)).toBe(0);
  });

  it('package-to-path writes the path (NUL-terminated) and returns its length with the NUL; truncates to buflen', () => {
    const { m } = makeMachine();
    const ph = vof1(m, 'finddevice', '/vdevice/vty@71000000');
    const path = '/vdevice/vty@71000000';
    expect(vof1(m, 'package-to-path', ph, BUF, 256)).toBe(path.length + 1);
    expect(getString(m, BUF)).toBe(path);
    m.mem.writePhys(BUF, new Uint8Array(64).fill(0xee));
    expect(vof1(m, 'package-to-path', ph, BUF, 8)).toBe(path.length + 1);
    expect(text(getBytes(m, BUF, 8))).toBe(path.slice(0, 8));
    expect(getBytes(m, BUF + 8, 1)[0]).toBe(0xee);
    expect(vof1(m, 'package-to-path', 0x7fff0000, BUF, 256)).toBe(ERR);
    expect(vof1(m, 'package-to-path', ph, m.mem.ramSize - 4, 256)).toBe(ERR);
  });
});

describe('properties', () => {
  it('getproplen / getprop: the property size, copied up to the buffer length', () => {
    const { m } = makeMachine({ bootargs: 'console=hvc0 quiet' });
    const chosen = vof1(m, 'finddevice', '/chosen');
    expect(vof1(m, 'getproplen', chosen, 'bootargs')).toBe(19);
    expect(vof1(m, 'getprop', chosen, 'bootargs', BUF, 64)).toBe(19);
    expect(getString(m, BUF)).toBe('console=hvc0 quiet');
    m.mem.writePhys(BUF, new Uint8Array(32).fill(0xee));
    expect(vof1(m, 'getprop', chosen, 'bootargs', BUF, 7)).toBe(19); // IEEE 1275: the size, not what fitted
    expect(text(getBytes(m, BUF, 7))).toBe('console');
    expect(getBytes(m, BUF + 7, 1)[0]).toBe(0xee);
  });

  it('"name" comes from the node name without the unit address when there is no such property', () => {
    const { m } = makeMachine();
    const cpus = m.vof.tree.findNode('/cpus');
    const cpu = cpus?.children[0];
    expect(cpu?.name).toMatch(/^PowerPC,POWER9@0$/);
    expect(cpu?.hasProp('name')).toBe(false);
    const ph = cpu?.phandle ?? 0;
    expect(vof1(m, 'getproplen', ph, 'name')).toBe('PowerPC,POWER9'.length + 1);
    expect(vof1(m, 'getprop', ph, 'name', BUF, 64)).toBe(15);
    expect(getString(m, BUF)).toBe('PowerPC,POWER9');
  });

  it('getprop / getproplen fail for an unknown property, node, unterminated name or unwritable buffer', () => {
    const { m } = makeMachine();
    const chosen = vof1(m, 'finddevice', '/chosen');
    expect(vof1(m, 'getproplen', chosen, 'no-such-prop')).toBe(ERR);
    expect(vof1(m, 'getprop', chosen, 'no-such-prop', BUF, 8)).toBe(ERR);
    expect(vof1(m, 'getproplen', 0x7fff0000, 'name')).toBe(ERR);
    expect(vof1(m, 'getproplen', chosen, 'x'.repeat(80))).toBe(ERR);
    expect(vof1(m, 'getprop', chosen, 'bootargs', m.mem.ramSize - 2, 64)).toBe(ERR);
  });

  it('setprop stores a value the client reads back; refuses values above 2048 bytes (as QEMU)', () => {
    const { m } = makeMachine();
    const chosen = vof1(m, 'finddevice', '/chosen');
    m.mem.writePhys(BUF, Uint8Array.of(0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78));
    expect(vof1(m, 'setprop', chosen, 'linux,rtas-test', BUF, 8)).toBe(8);
    expect(vof1(m, 'getproplen', chosen, 'linux,rtas-test')).toBe(8);
    expect(vof1(m, 'getprop', chosen, 'linux,rtas-test', BUF + 0x100, 8)).toBe(8);
    expect(getBytes(m, BUF + 0x100, 8)).toEqual(Uint8Array.of(0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78));
    expect(vof1(m, 'setprop', chosen, 'big', BUF, 2048)).toBe(2048);
    expect(vof1(m, 'setprop', chosen, 'bigger', BUF, 2049)).toBe(ERR);
    expect(vof1(m, 'getproplen', chosen, 'bigger')).toBe(ERR);
    expect(vof1(m, 'setprop', 0x7fff0000, 'x', BUF, 4)).toBe(ERR);
    expect(vof1(m, 'setprop', chosen, '', BUF, 4)).toBe(ERR); // no name: refused, no exception out of the hypercall
    expect(vof1(m, 'setprop', chosen, 'x', m.mem.ramSize - 2, 4)).toBe(ERR);
  });

  it('nextprop lists every property in order from "" and returns 0 after the last', () => {
    const { m } = makeMachine();
    const node = m.vof.tree.findNode('/rtas');
    const ph = node?.phandle ?? 0;
    const names: string[] = [];
    let prev = '';
    for (let i = 0; i < 500; i++) {
      const r = vof1(m, 'nextprop', ph, prev, BUF);
      if (r === 0) break;
      expect(r).toBe(1);
      prev = getString(m, BUF);
      names.push(prev);
    }
    expect(names).toEqual(node?.propNames());
    expect(vof1(m, 'nextprop', ph, 'not-a-property', BUF)).toBe(0);
    expect(vof1(m, 'nextprop', ph, 'y'.repeat(80), BUF)).toBe(ERR);
  });
});

describe('instances and output', () => {
  it('open / instance-to-package / instance-to-path / close', () => {
    const { m } = makeMachine();
    const ih = vof1(m, 'open', '/vdevice/vty@71000000');
    expect(ih).not.toBe(ERR);
    expect(ih).not.toBe(0);
    expect(vof1(m, 'instance-to-package', ih)).toBe(vof1(m, 'finddevice', '/vdevice/vty@71000000'));
    expect(vof1(m, 'instance-to-path', ih, BUF, 256)).toBe(22);
    expect(getString(m, BUF)).toBe('/vdevice/vty@71000000');
    const ih2 = vof1(m, 'open', '/rtas');
    expect(ih2).not.toBe(ih);
    expect(vofCall(m, 'close', [ih], 0).status).toBe(H_SUCCESS);
    expect(vof1(m, 'instance-to-package', ih)).toBe(ERR);
    expect(vof1(m, 'instance-to-path', ih, BUF, 256)).toBe(ERR);
    expect(vof1(m, 'open', '/no/such/device')).toBe(ERR);
  });

  it('/chosen stdout is an open instance of the vty; write sends the bytes to the console', () => {
    const { m, out } = makeMachine();
    const chosen = vof1(m, 'finddevice', '/chosen');
    expect(vof1(m, 'getprop', chosen, 'stdout', BUF, 4)).toBe(4);
    const stdout = getCell(m, BUF);
    expect(vof1(m, 'instance-to-package', stdout)).toBe(vof1(m, 'finddevice', '/vdevice/vty@71000000'));
    putString(m, BUF + 0x10, 'Booting Linux via __start()\n');
    expect(vof1(m, 'write', stdout, BUF + 0x10, 28)).toBe(28);
    expect(text(Uint8Array.from(out))).toBe('Booting Linux via __start()\n');
    expect(vof1(m, 'write', 0x7fff, BUF + 0x10, 4)).toBe(ERR);
    expect(vof1(m, 'write', stdout, m.mem.ramSize - 2, 4)).toBe(ERR);
    expect(out.length).toBe(28);
  });
});

describe('memory: claim and release', () => {
  /** /memory@0 "available" as [start, size] pairs (2 address cells, 2 size cells). */
  function available(m: SpaprMachine): Array<[number, number]> {
    const cells = m.vof.tree.findNode('/memory@0')?.getCells('available') ?? [];
    const out: Array<[number, number]> = [];
    for (let i = 0; i + 3 < cells.length; i += 4) out.push([cells[i] * 2 ** 32 + cells[i + 1], cells[i + 2] * 2 ** 32 + cells[i + 3]]);
    return out;
  }
  const isFree = (m: SpaprMachine, a: number, len: number): boolean => available(m).some(([s, n]) => a >= s && a + len <= s + n);

  it('at reset: firmware, stack and kernel are claimed, the rest is available', () => {
    const { m } = makeMachine();
    expect(isFree(m, 0, 0x200)).toBe(false);
    expect(isFree(m, 0x8000, 0x8000)).toBe(false);
    expect(isFree(m, 0x400000, 0x10000)).toBe(false);
    expect(isFree(m, 0x200, 0x7e00)).toBe(true);
    expect(isFree(m, 0x10000, 0x3f0000)).toBe(true);
    expect(isFree(m, 0x410000, m.mem.ramSize - 0x410000)).toBe(true);
  });

  it('claims an exact range (align 0) and refuses one that overlaps or leaves RAM', () => {
    const { m } = makeMachine();
    expect(vof1(m, 'claim', 0x1000000, 0x10000, 0)).toBe(0x1000000);
    expect(isFree(m, 0x1000000, 1)).toBe(false);
    expect(vof1(m, 'claim', 0x100f000, 0x2000, 0)).toBe(ERR);
    expect(vof1(m, 'claim', 0x8100, 0x10, 0)).toBe(ERR); // the client stack
    expect(vof1(m, 'claim', m.mem.ramSize - 0x1000, 0x2000, 0)).toBe(ERR);
    expect(vof1(m, 'claim', 0x2000000, 0, 0)).toBe(ERR); // size 0
  });

  it('claims an aligned range anywhere free when align is set (virt ignored)', () => {
    const { m } = makeMachine();
    const a = vof1(m, 'claim', 0x12345, 0x20000, 0x100000);
    expect(a).not.toBe(ERR);
    expect(a % 0x100000).toBe(0);
    expect(a).toBeGreaterThanOrEqual(0x410000); // above the kernel (nothing below was free for 1 MiB alignment)
    const b = vof1(m, 'claim', 0, 0x20000, 0x100000);
    expect(b).not.toBe(a);
    expect(b % 0x100000).toBe(0);
    expect(isFree(m, a, 0x20000) || isFree(m, b, 0x20000)).toBe(false);
    expect(vof1(m, 'claim', 0, m.mem.ramSize, 0x1000)).toBe(ERR); // cannot fit
  });

  it('release frees exactly a claimed range', () => {
    const { m } = makeMachine();
    expect(vof1(m, 'claim', 0x1000000, 0x10000, 0)).toBe(0x1000000);
    vofCall(m, 'release', [0x1000000, 0x8000], 0); // not a claimed range: ignored
    expect(vof1(m, 'claim', 0x1000000, 0x8000, 0)).toBe(ERR);
    expect(vofCall(m, 'release', [0x1000000, 0x10000], 0).status).toBe(H_SUCCESS);
    expect(isFree(m, 0x1000000, 0x10000)).toBe(true);
    expect(vof1(m, 'claim', 0x1000000, 0x8000, 0)).toBe(0x1000000);
  });
});

describe('methods and control', () => {
  it('call-method ibm,client-architecture-support on the root: [catch 0, result 0], vector 5 published', () => {
    const { m } = makeMachine();
    expect(doCas(m).rets).toEqual([0, 0]);
    const v5 = m.vof.tree.findNode('/chosen')?.getProp('ibm,architecture-vec-5');
    expect(v5).toBeDefined();
    expect(v5?.[24]).toBe(0x40); // radix
  });

  it('call-method instantiate-rtas on /rtas copies the RTAS blob and returns its base', () => {
    const { m } = makeMachine();
    const ih = vof1(m, 'open', '/rtas');
    expect(vofCall(m, 'call-method', ['instantiate-rtas', ih, 0x7f000], 2).rets).toEqual([0, 0x7f000]);
    expect(getCell(m, 0x7f000)).toBe(RTAS_BLOB_WORDS[0]);
  });

  it('call-method refuses unknown methods, instances and bases outside RAM without failing the machine', () => {
    const { m } = makeMachine();
    const root = vof1(m, 'open', '/');
    const rtas = vof1(m, 'open', '/rtas');
    expect(vofCall(m, 'call-method', ['frob', root, 0], 2).rets[0]).toBe(ERR);
    expect(vofCall(m, 'call-method', ['instantiate-rtas', root, 0x7f000], 2).rets[0]).toBe(ERR); // wrong node
    expect(vofCall(m, 'call-method', ['instantiate-rtas', 0x7fff, 0x7f000], 2).rets[0]).toBe(ERR);
    expect(vofCall(m, 'call-method', ['instantiate-rtas', rtas, m.mem.ramSize - 8], 2).rets[0]).toBe(ERR);
    expect(vofCall(m, 'call-method', ['instantiate-rtas', rtas], 2).rets[0]).toBe(ERR); // base missing
    expect(vofCall(m, 'call-method', ['ibm,client-architecture-support', root], 2).rets[0]).toBe(ERR); // vector missing
    expect(vofCall(m, 'call-method', ['instantiate-rtas'], 2).rets[0]).toBe(ERR);
    expect(exitOf(m)).toBeNull();
  });

  it('a CAS the machine cannot satisfy fails the call and stops the machine with the reason', () => {
    const { m, logs } = makeMachine();
    const r = doCas(m, casVector({ ov5: { 24: 0x00 } })); // hash MMU only
    expect(r.rets[0]).toBe(ERR);
    expect(exitOf(m)?.kind).toBe('error');
    expect(logs.some((l) => l.includes('CAS failed') && l.includes('hash'))).toBe(true);
  });

  it('milliseconds counts up from machine start', async () => {
    const { m } = makeMachine();
    const a = vof1(m, 'milliseconds');
    await new Promise((r) => setTimeout(r, 20));
    const b = vof1(m, 'milliseconds');
    expect(b).toBeGreaterThanOrEqual(a + 15);
    expect(b).toBeLessThan(60_000);
  });

  it('quiesce returns; exit stops the machine (firmware-exit)', () => {
    const { m } = makeMachine();
    expect(vofCall(m, 'quiesce', [], 0).status).toBe(H_SUCCESS);
    expect(exitOf(m)).toBeNull();
    expect(vofCall(m, 'exit', [], 0).status).toBe(H_SUCCESS);
    expect(exitOf(m)).toEqual({ kind: 'firmware-exit' });
  });

  it('records the services called (for debugging)', () => {
    const { m } = makeMachine();
    vof1(m, 'finddevice', '/');
    vof1(m, 'milliseconds');
    expect(m.vof.calls.slice(-2)).toEqual(['finddevice', 'milliseconds']);
  });
});

describe('kernel entry state (IEEE 1275 client, as VOF)', () => {
  it('r1 in the claimed stack, r3/r4 the initrd, r5 the client-interface entry, 32-bit big-endian', () => {
    const initrd = new Uint8Array(0x12345).fill(7);
    const { m } = makeMachine({ initrd });
    const c = m.cpus[0];
    expect(c.gpr(5)).toBe(BigInt(VOF_ENTRY));
    expect(c.gpr(1)).toBe(0x10000n - 0x20n);
    expect(c.gpr(4)).toBe(0x12345n);
    const start = Number(c.gpr(3));
    expect(start % 0x10000).toBe(0);
    expect(start).toBeGreaterThanOrEqual(0x410000);
    expect(getBytes(m, start, 4)).toEqual(Uint8Array.of(7, 7, 7, 7));
    const chosen = vof1(m, 'finddevice', '/chosen');
    expect(vof1(m, 'getprop', chosen, 'linux,initrd-start', BUF, 8)).toBeGreaterThan(0);
    expect(c.msr & ((1n << 63n) | BigInt(L.MSR_LE))).toBe(0n);
    expect(c.nia).toBe(0x400000n);
    // The initrd is claimed, so the client cannot allocate over it.
    expect(vof1(m, 'claim', start, 0x1000, 0)).toBe(ERR);
  });
});
