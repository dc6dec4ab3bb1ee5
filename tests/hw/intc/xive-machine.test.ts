// ic-mode on the pseries machine: what CAS offers, which controller the guest's choice
// activates, the device tree it reads afterwards, and reset back to the pre-CAS mode.
// QEMU's behaviour (hw/ppc/spapr_irq.c, spapr_xive.c spapr_xive_dt): the XIVE node is
// "interrupt-controller@<TIMA user page>", compatible "ibm,power-ivpe", reg = user and OS
// TIMA pages, 64 KiB queues, IPI LISNs 0..nr_servers-1, priorities 7..0xfe reserved.
import { describe, expect, it } from 'vitest';
import { casVector, doCas, hcall, makeMachine } from '../../machine/spapr/spapr-fixture.js';
import { H_FUNCTION, H_SUCCESS, H_INT_GET_SOURCE_INFO, H_CPPR } from '../../../emulator/machine/spapr/hcall.js';
import { platformSupport } from '../../../emulator/machine/spapr/cas.js';
import type { SpaprMachine } from '../../../emulator/machine/spapr/machine.js';
import type { IcMode } from '../../../emulator/machine/spapr/device-tree.js';
import * as L from '../../../emulator/cpu/layout.js';
import { parseRunArgs, UsageError } from '../../../emulator/cli.js';

const XIVE_NODE = '/interrupt-controller@60302031b0000';

function intc(m: SpaprMachine): { name: string; compatible: string | undefined; phandle: number } {
  const nodes = m.vof.tree.root.children.filter((n) => n.baseName === 'interrupt-controller');
  expect(nodes.length).toBe(1);
  return { name: nodes[0].name, compatible: nodes[0].getString('compatible'), phandle: nodes[0].phandle };
}

function platform(m: SpaprMachine): number[] {
  return Array.from(m.vof.tree.findNode('/chosen')?.getProp('ibm,arch-vec-5-platform-support') ?? []);
}

function machine(icMode?: IcMode): SpaprMachine {
  return makeMachine({ nvcpus: 2, icMode }).m;
}

/** Machine reset as the Reset button does it (DESIGN.md rule 5). */
function reset(m: SpaprMachine): void {
  const priv = m as unknown as { resetLocked(): void };
  m.bql.with(() => priv.resetLocked());
}

describe('ic-mode and CAS', () => {
  it('dual (default): XICS before CAS, XIVE once the guest asks for it, XICS again after reset', () => {
    const m = machine();
    expect(m.icMode).toBe('dual');
    expect(platform(m)).toEqual(platformSupport('dual'));
    expect(intc(m).compatible).toBe('IBM,ppc-xicp');
    expect(m.board.xive.active).toBe(false);
    expect(hcall(m, m.cpus[0], H_INT_GET_SOURCE_INFO, 0, 0x1100)).toBe(H_FUNCTION);

    expect(doCas(m, casVector({ ov5: { 23: 0x40, 24: 0x40, 26: 0x40 } })).rets[0]).toBe(0);
    expect(m.board.xive.active).toBe(true);
    const x = intc(m);
    expect(x.name).toBe('interrupt-controller@60302031b0000');
    expect(x.compatible).toBe('ibm,power-ivpe');
    expect(x.phandle).toBe(0x1111); // the same phandle the XICS node had
    const node = m.vof.tree.findNode(XIVE_NODE);
    expect(node?.getString('device_type')).toBe('power-ivpe');
    expect(node?.getCells('reg')).toEqual([0x60302, 0x031b0000, 0, 0x10000, 0x60302, 0x031a0000, 0, 0x10000]);
    expect(node?.getCells('ibm,xive-lisn-ranges')).toEqual([0, 2]);
    expect(node?.getCells('ibm,xive-eq-sizes')).toEqual([16]);
    expect(node?.getU32('#interrupt-cells')).toBe(2);
    expect(node?.hasProp('interrupt-controller')).toBe(true);
    expect(m.vof.tree.root.getCells('ibm,plat-res-int-priorities')).toEqual([7, 0xf8]);
    expect(m.vof.tree.findNode('/chosen')?.getProp('ibm,architecture-vec-5')?.[23]).toBe(0x40);
    expect(hcall(m, m.cpus[0], H_INT_GET_SOURCE_INFO, 0, 0x1100)).toBe(H_SUCCESS); // the vty's source
    expect(hcall(m, m.cpus[0], H_INT_GET_SOURCE_INFO, 0, 1)).toBe(H_SUCCESS); // vCPU 1's IPI

    reset(m);
    expect(m.board.xive.active).toBe(false);
    expect(intc(m).compatible).toBe('IBM,ppc-xicp');
    expect(m.vof.tree.root.hasProp('ibm,plat-res-int-priorities')).toBe(false);
  });

  it('dual with a guest that does not ask (xive=off): XICS stays', () => {
    const m = machine('dual');
    expect(doCas(m, casVector({ ov5: { 24: 0x40, 26: 0x40 } })).rets[0]).toBe(0);
    expect(m.board.xive.active).toBe(false);
    expect(intc(m).compatible).toBe('IBM,ppc-xicp');
    expect(hcall(m, m.cpus[0], H_CPPR, 0xff)).toBe(H_SUCCESS);
  });

  it('xics: offers XICS only; a guest insisting on XIVE is refused', () => {
    const m = machine('xics');
    expect(platform(m)).toEqual(platformSupport('xics'));
    expect(intc(m).compatible).toBe('IBM,ppc-xicp');
    expect(doCas(m, casVector({ ov5: { 24: 0x40, 26: 0x40 } })).rets[0]).toBe(0);
    expect(m.board.xive.active).toBe(false);
    const m2 = machine('xics');
    expect(doCas(m2, casVector({ ov5: { 23: 0x40, 24: 0x40 } })).rets[0]).toBe(0xffffffff);
  });

  it('xive: XIVE from reset on (tree and backend), before and after CAS', () => {
    const m = machine('xive');
    expect(platform(m)).toEqual(platformSupport('xive'));
    expect(intc(m).compatible).toBe('ibm,power-ivpe');
    expect(m.board.xive.active).toBe(true);
    expect(doCas(m, casVector({ ov5: { 23: 0x40, 24: 0x40, 26: 0x40 } })).rets[0]).toBe(0);
    expect(m.board.xive.active).toBe(true);
    expect(intc(m).compatible).toBe('ibm,power-ivpe');
    reset(m);
    expect(m.board.xive.active).toBe(true);
    expect(intc(m).compatible).toBe('ibm,power-ivpe');
  });

  it('the vty interrupt follows the active controller', () => {
    const m = machine();
    doCas(m, casVector({ ov5: { 23: 0x40, 24: 0x40, 26: 0x40 } }));
    const c = m.cpus[0];
    // Queue for vCPU 0 priority 6, route the vty there, open PQ and CPPR.
    expect(hcall(m, c, 0x3b8 /* H_INT_SET_QUEUE_CONFIG */, 0, 0, 6, 0x200000, 16)).toBe(H_SUCCESS);
    expect(hcall(m, c, 0x3ac /* H_INT_SET_SOURCE_CONFIG */, 2, 0x1100, 0, 6, 0x1100)).toBe(H_SUCCESS);
    expect(hcall(m, c, 0x3c8 /* H_INT_ESB */, 0, 0x1100, 0xc00, 0)).toBe(H_SUCCESS);
    m.bql.with(() => m.board.xive.setCppr(0, 0xff));
    m.input(Uint8Array.of(0x41)); // a key: the vty raises its interrupt
    expect(m.mem.dv.getUint32(L.RAM_OFFSET + 0x200000, false)).toBe(0x80001100);
  });
});

describe('ppcbox run --ic-mode', () => {
  it('takes xics, xive or dual and refuses anything else', () => {
    expect(parseRunArgs(['--ic-mode', 'xive']).icMode).toBe('xive');
    expect(parseRunArgs(['--ic-mode', 'xics']).icMode).toBe('xics');
    expect(parseRunArgs(['--ic-mode', 'dual']).icMode).toBe('dual');
    expect(parseRunArgs([]).icMode).toBeUndefined(); // the machine's default: dual
    expect(() => parseRunArgs(['--ic-mode', 'both'])).toThrow(UsageError);
  });
});
