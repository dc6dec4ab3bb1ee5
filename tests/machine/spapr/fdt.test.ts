import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fdt, FdtError, FdtNode, parseFdt, encodeStrings } from '../../../emulator/machine/spapr/fdt.js';

function hasTool(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const HAVE_DTC = hasTool('dtc');

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ppcbox-fdt-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function dtbToDts(blob: Uint8Array): string {
  return withTmp((dir) => {
    const f = join(dir, 't.dtb');
    writeFileSync(f, blob);
    return execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', f], { encoding: 'utf8' });
  });
}

function dtsToDtb(dts: string, extra: string[] = []): Uint8Array {
  return withTmp((dir) => {
    const f = join(dir, 't.dts');
    writeFileSync(f, dts);
    const out = join(dir, 't.dtb');
    execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', ...extra, '-o', out, f]);
    return new Uint8Array(readFileSync(out));
  });
}

/** A small tree touching every property kind. */
function sampleTree(): Fdt {
  const t = new Fdt();
  t.bootCpuidPhys = 3;
  t.addReservation(0x400000, 0x287c918);
  t.addReservation(0x1_0000_0000n, 0x1000);
  const r = t.root;
  r.setString('compatible', 'qemu,pseries');
  r.setU32('#address-cells', 2);
  r.setU32('#size-cells', 2);
  const chosen = r.addChild('chosen');
  chosen.setString('bootargs', 'console=hvc0 quiet');
  chosen.setEmpty('qemu,boot-kernel-le');
  chosen.setU64('qemu,boot-kernel', 0x400000, 0x287c918);
  const cpus = r.addChild('cpus');
  cpus.setU32('#address-cells', 1);
  cpus.setU32('#size-cells', 0);
  const c0 = cpus.addChild('PowerPC,POWER9@0');
  c0.setU32('reg', 0);
  c0.setCells('ibm,processor-segment-sizes', [28, 40, -1, -1]);
  c0.setProp('ibm,pa-features', Uint8Array.of(3, 0, 0xf6, 0x3f, 0xc7));
  const c1 = cpus.addChild('PowerPC,POWER9@1');
  c1.setU32('reg', 1);
  const rtas = r.addChild('rtas');
  rtas.setStrings('ibm,hypertas-functions', ['hcall-pft', 'hcall-term', 'hcall-splpar']);
  rtas.setU32('get-time-of-day', 0x2001);
  r.addChild('memory@0').setU64('reg', 0, 0x4000_0000);
  const icp = r.addChild('interrupt-controller');
  icp.setEmpty('interrupt-controller');
  icp.setPhandle(0x1111);
  return t;
}

function expectSameTree(a: Fdt, b: Fdt): void {
  expect(b.bootCpuidPhys).toBe(a.bootCpuidPhys);
  expect(b.reservations).toEqual(a.reservations);
  const na = a.nodes();
  const nb = b.nodes();
  expect(nb.map((n) => n.path)).toEqual(na.map((n) => n.path));
  for (let i = 0; i < na.length; i++) {
    expect(nb[i].propNames()).toEqual(na[i].propNames());
    for (const k of na[i].propNames()) expect(nb[i].getProp(k)).toEqual(na[i].getProp(k));
  }
}

describe('FDT serialization', () => {
  it('round-trips a tree through a blob', () => {
    const t = sampleTree();
    const blob = t.toBlob();
    const back = parseFdt(blob);
    expectSameTree(t, back);
    // And serializing the parsed tree gives the identical blob.
    expect(back.toBlob()).toEqual(blob);
  });

  it('writes a version 17 big-endian header with consistent offsets', () => {
    const t = sampleTree();
    const blob = t.toBlob();
    const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    expect(dv.getUint32(0)).toBe(0xd00dfeed);
    expect(dv.getUint32(4)).toBe(blob.length);
    const offStruct = dv.getUint32(8);
    const offStrings = dv.getUint32(12);
    const offRsv = dv.getUint32(16);
    expect(dv.getUint32(20)).toBe(17);
    expect(dv.getUint32(24)).toBe(16);
    expect(dv.getUint32(28)).toBe(3);
    const sizeStrings = dv.getUint32(32);
    const sizeStruct = dv.getUint32(36);
    expect(offRsv % 8).toBe(0);
    expect(offRsv).toBe(40);
    // Two reservations + terminator.
    expect(offStruct).toBe(offRsv + 3 * 16);
    expect(dv.getBigUint64(offRsv)).toBe(0x400000n);
    expect(dv.getBigUint64(offRsv + 8)).toBe(0x287c918n);
    expect(dv.getBigUint64(offRsv + 16)).toBe(0x1_0000_0000n);
    expect(dv.getBigUint64(offRsv + 32)).toBe(0n);
    expect(dv.getBigUint64(offRsv + 40)).toBe(0n);
    expect(offStrings).toBe(offStruct + sizeStruct);
    expect(offStrings + sizeStrings).toBe(blob.length);
    // First token: FDT_BEGIN_NODE with the empty root name; last: FDT_END.
    expect(dv.getUint32(offStruct)).toBe(1);
    expect(dv.getUint32(offStruct + 4)).toBe(0);
    expect(dv.getUint32(offStruct + sizeStruct - 4)).toBe(9);
  });

  it('stores each property name once in the strings block', () => {
    const t = sampleTree();
    const blob = t.toBlob();
    const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const strings = new TextDecoder().decode(blob.subarray(dv.getUint32(12), dv.getUint32(12) + dv.getUint32(32)));
    const names = strings.split('\0').slice(0, -1);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => n === 'reg')).toHaveLength(1);
    expect(names.filter((n) => n === '#address-cells')).toHaveLength(1);
  });

  it('pads the blob to minSize and still parses', () => {
    const t = sampleTree();
    const blob = t.toBlob({ minSize: 0x10000 });
    expect(blob.length).toBe(0x10000);
    expect(new DataView(blob.buffer).getUint32(4)).toBe(0x10000);
    expectSameTree(t, parseFdt(blob));
  });

  it('accepts NOP tokens and version 16 blobs', () => {
    const t = new Fdt();
    t.root.addChild('a').setU32('x', 7);
    const blob = t.toBlob();
    const dv = new DataView(blob.buffer);
    // Version 16 header (no size_dt_struct meaning required).
    dv.setUint32(20, 16);
    expect(parseFdt(blob).findNode('/a')?.getU32('x')).toBe(7);
  });
});

describe('FDT checked by dtc', () => {
  it.skipIf(!HAVE_DTC)('dtc decodes our blob to the expected source', () => {
    const dts = dtbToDts(sampleTree().toBlob());
    expect(dts).toContain('/memreserve/\t0x0000000000400000 0x000000000287c918;');
    expect(dts).toContain('/memreserve/\t0x0000000100000000 0x0000000000001000;');
    expect(dts).toContain('compatible = "qemu,pseries";');
    expect(dts).toContain('bootargs = "console=hvc0 quiet";');
    expect(dts).toContain('qemu,boot-kernel-le;');
    expect(dts).toContain('qemu,boot-kernel = <0x00 0x400000 0x00 0x287c918>;');
    expect(dts).toContain('PowerPC,POWER9@1 {');
    expect(dts).toContain('ibm,processor-segment-sizes = <0x1c 0x28 0xffffffff 0xffffffff>;');
    expect(dts).toContain('ibm,pa-features = [03 00 f6 3f c7];');
    expect(dts).toContain('ibm,hypertas-functions = "hcall-pft\\0hcall-term\\0hcall-splpar";');
    expect(dts).toContain('reg = <0x00 0x00 0x00 0x40000000>;');
    expect(dts).toContain('phandle = <0x1111>;');
  });

  it.skipIf(!HAVE_DTC)('dtc round-trips our blob unchanged in content', () => {
    const t = sampleTree();
    const viaDtc = dtsToDtb(dtbToDts(t.toBlob()), ['-b', '3']);
    const back = parseFdt(viaDtc);
    expectSameTree(t, back);
  });

  it.skipIf(!HAVE_DTC)('prints source text dtc compiles back to the same tree', () => {
    const t = sampleTree();
    t.root.setString('quote', 'say "hi" \\ bye');
    t.root.setProp('odd', Uint8Array.of(1, 2, 3));
    t.root.setProp('nul-only', Uint8Array.of(0));
    t.root.setProp('two-nuls', Uint8Array.of(0x61, 0, 0));
    const dts = t.toDts();
    expect(dts).toContain('\tbootargs = "console=hvc0 quiet";');
    expect(dts).toContain('\tibm,hypertas-functions = "hcall-pft", "hcall-term", "hcall-splpar";');
    expect(dts).toContain('\t\tqemu,boot-kernel-le;');
    expect(dts).toContain('\t\tibm,processor-segment-sizes = <0x1c 0x28 0xffffffff 0xffffffff>;');
    expect(dts).toContain('\todd = [01 02 03];');
    expect(dts).toContain('/memreserve/\t0x0000000000400000 0x000000000287c918;');
    const back = parseFdt(dtsToDtb(dts, ['-b', '3']));
    expectSameTree(t, back);
  });

  it.skipIf(!HAVE_DTC)('reads a blob written by dtc', () => {
    const blob = dtsToDtb(`/dts-v1/;
/memreserve/ 0x1000 0x2000;
/ {
  #address-cells = <2>;
  model = "test";
  list = "a", "bc", "";
  bytes = [01 02 03];
  wide = /bits/ 64 <0xc000000000000000>;
  ref = <&label1>;
  aliases { hvc = "/vdevice/vty@71000000"; };
  vdevice {
    #address-cells = <1>;
    vty@71000000 { reg = <0x71000000>; compatible = "hvterm1"; interrupts = <0x1100 0>; label1: x { }; };
  };
};
`);
    const t = parseFdt(blob);
    expect(t.reservations).toEqual([{ address: 0x1000n, size: 0x2000n }]);
    expect(t.root.getU32('#address-cells')).toBe(2);
    expect(t.root.getString('model')).toBe('test');
    expect(t.root.getStrings('list')).toEqual(['a', 'bc', '']);
    expect(t.root.getProp('bytes')).toEqual(Uint8Array.of(1, 2, 3));
    expect(t.root.getU64('wide')).toBe(0xc000000000000000n);
    const vty = t.findNode('/vdevice/vty@71000000');
    expect(vty?.getCells('interrupts')).toEqual([0x1100, 0]);
    expect(vty?.getString('compatible')).toBe('hvterm1');
    // dtc gave the referenced node a phandle and resolved the reference.
    const ph = t.root.getU32('ref') as number;
    expect(ph).not.toBe(0);
    expect(t.nodeByPhandle(ph)?.path).toBe('/vdevice/vty@71000000/x');
    // Alias lookup.
    expect(t.findNode('hvc')).toBe(vty);
  });
});

describe('FDT tree operations', () => {
  it('finds nodes by path the way Open Firmware does', () => {
    const t = sampleTree();
    expect(t.findNode('/')).toBe(t.root);
    expect(t.findNode('/cpus')?.name).toBe('cpus');
    expect(t.findNode('/cpus/PowerPC,POWER9@1')?.getU32('reg')).toBe(1);
    expect(t.findNode('/cpus/PowerPC,POWER9')?.name).toBe('PowerPC,POWER9@0'); // base name: first match
    expect(t.findNode('/memory')?.name).toBe('memory@0');
    expect(t.findNode('/memory@0/')?.name).toBe('memory@0');
    expect(t.findNode('//cpus//PowerPC,POWER9@1')?.name).toBe('PowerPC,POWER9@1');
    expect(t.findNode('/chosen:args')?.name).toBe('chosen');
    expect(t.findNode('/nope')).toBeUndefined();
    expect(t.findNode('/cpus/PowerPC,POWER9@2')).toBeUndefined();
    expect(t.findNode('')).toBeUndefined();
    expect(t.findNode('noalias')).toBeUndefined();
    const v = t.root.addChild('vdevice').addChild('vty@7100000a');
    expect(t.findNode('/vdevice/vty@7100000A')).toBe(v);
    expect(v.path).toBe('/vdevice/vty@7100000a');
    expect(v.baseName).toBe('vty');
    expect(v.unitAddress).toBe('7100000a');
  });

  it('walks peer, child and parent', () => {
    const t = sampleTree();
    const r = t.root;
    expect(r.parent).toBeNull();
    expect(r.nextSibling()).toBeNull();
    const names: string[] = [];
    for (let n = r.firstChild(); n !== null; n = n.nextSibling()) names.push(n.name);
    expect(names).toEqual(['chosen', 'cpus', 'rtas', 'memory@0', 'interrupt-controller']);
    const cpu0 = t.findNode('/cpus/PowerPC,POWER9@0') as FdtNode;
    expect(cpu0.parent?.name).toBe('cpus');
    expect(cpu0.firstChild()).toBeNull();
    expect(cpu0.nextSibling()?.name).toBe('PowerPC,POWER9@1');
    expect(cpu0.nextSibling()?.nextSibling()).toBeNull();
  });

  it('gets, sets, deletes and steps through properties', () => {
    const t = sampleTree();
    const c = t.findNode('/chosen') as FdtNode;
    expect(c.nextPropName('')).toBe('bootargs');
    expect(c.nextPropName('bootargs')).toBe('qemu,boot-kernel-le');
    expect(c.nextPropName('qemu,boot-kernel-le')).toBe('qemu,boot-kernel');
    expect(c.nextPropName('qemu,boot-kernel')).toBeNull();
    expect(c.nextPropName('missing')).toBeNull();
    expect(c.getProp('qemu,boot-kernel-le')).toEqual(new Uint8Array(0));
    expect(c.getU64('qemu,boot-kernel', 1)).toBe(0x287c918n);
    expect(c.getU64('qemu,boot-kernel', 2)).toBeUndefined();
    expect(c.getU32('qemu,boot-kernel', 1)).toBe(0x400000);
    expect(c.getCells('bootargs')).toBeUndefined(); // 19 bytes: not whole cells
    // Replacing keeps the position; new ones go last.
    c.setString('bootargs', 'x');
    c.setU32('linux,initrd-start', 0x2c90000);
    expect(c.propNames()).toEqual(['bootargs', 'qemu,boot-kernel-le', 'qemu,boot-kernel', 'linux,initrd-start']);
    expect(c.getString('bootargs')).toBe('x');
    expect(c.deleteProp('qemu,boot-kernel-le')).toBe(true);
    expect(c.deleteProp('qemu,boot-kernel-le')).toBe(false);
    expect(c.hasProp('qemu,boot-kernel-le')).toBe(false);
    expect(c.propCount).toBe(3);
    // "name" is synthesised for the client interface, without unit address.
    expect(t.findNode('/memory')?.getPropOF('name')).toEqual(encodeStrings(['memory']));
    expect(t.root.getPropOF('name')).toEqual(Uint8Array.of(0));
    expect(t.findNode('/memory')?.getProp('name')).toBeUndefined();
    // Negative cells are two's complement; out-of-range values are rejected.
    c.setU32('m', -1);
    expect(c.getU32('m')).toBe(0xffffffff);
    expect(() => c.setU32('m', 0x1_0000_0000)).toThrow(RangeError);
    expect(() => c.setU32('m', 1.5)).toThrow(RangeError);
    expect(() => c.setU64('m', -1)).toThrow(RangeError);
    expect(() => c.setU64('m', 1n << 64n)).toThrow(RangeError);
    c.setU64('m', 0xffff_ffff_ffff_ffffn);
    expect(c.getU64('m')).toBe(0xffff_ffff_ffff_ffffn);
    expect(() => c.setStrings('m', ['a\0b'])).toThrow(FdtError);
    expect(() => c.setProp('', new Uint8Array(0))).toThrow(FdtError);
  });

  it('rejects invalid and duplicate node names', () => {
    const t = new Fdt();
    t.root.addChild('a@1');
    expect(() => t.root.addChild('a@1')).toThrow(FdtError);
    expect(() => t.root.addChild('')).toThrow(FdtError);
    expect(() => t.root.addChild('a/b')).toThrow(FdtError);
    expect(t.root.ensureChild('a@1')).toBe(t.root.children[0]);
    expect(t.root.ensureChild('b').name).toBe('b');
  });

  it('assigns a unique phandle to every node, QEMU VOF style', () => {
    const t = sampleTree();
    t.assignPhandles();
    const nodes = t.nodes();
    const handles = nodes.map((n) => n.phandle);
    expect(handles.every((h) => h !== 0)).toBe(true);
    expect(new Set(handles).size).toBe(nodes.length);
    // Predefined phandle kept; the others follow it in depth-first order.
    expect(t.findNode('/interrupt-controller')?.phandle).toBe(0x1111);
    expect(t.root.phandle).toBe(0x1112);
    expect(t.findNode('/chosen')?.phandle).toBe(0x1113);
    expect(t.findNode('/cpus')?.phandle).toBe(0x1114);
    expect(t.findNode('/cpus/PowerPC,POWER9@0')?.phandle).toBe(0x1115);
    for (const n of nodes) expect(t.nodeByPhandle(n.phandle)).toBe(n);
    expect(t.nodeByPhandle(0)).toBeUndefined();
    expect(t.nodeByPhandle(0x9999)).toBeUndefined();
    // The phandle index follows changes.
    const extra = t.root.addChild('extra');
    extra.setPhandle(0x9999);
    expect(t.nodeByPhandle(0x9999)).toBe(extra);
    t.root.removeChild(extra);
    expect(t.nodeByPhandle(0x9999)).toBeUndefined();
    expect(extra.tree).toBeNull();
    const mem = t.findNode('/memory') as FdtNode;
    const old = mem.phandle;
    mem.setPhandle(0x7777);
    expect(t.nodeByPhandle(0x7777)).toBe(mem);
    expect(t.nodeByPhandle(old)).toBeUndefined();
    expect(() => mem.setPhandle(0)).toThrow(FdtError);
    expect(() => mem.setPhandle(0xffffffff)).toThrow(FdtError);
    // Survives a trip through a blob.
    const back = parseFdt(t.toBlob());
    expect(back.nodeByPhandle(0x7777)?.path).toBe('/memory@0');
    // linux,phandle alone also counts.
    const u = new Fdt();
    u.root.addChild('x').setU32('linux,phandle', 5);
    expect(u.nodeByPhandle(5)?.name).toBe('x');
  });

  it('navigates by package handle like the client interface', () => {
    const t = sampleTree();
    t.assignPhandles();
    const ph = (p: string): number => (t.findNode(p) as FdtNode).phandle;
    expect(t.peerOf(0)).toBe(ph('/'));
    expect(t.peerOf(ph('/'))).toBe(0);
    expect(t.childOf(ph('/'))).toBe(ph('/chosen'));
    expect(t.peerOf(ph('/chosen'))).toBe(ph('/cpus'));
    expect(t.peerOf(ph('/interrupt-controller'))).toBe(0);
    expect(t.childOf(ph('/cpus'))).toBe(ph('/cpus/PowerPC,POWER9@0'));
    expect(t.childOf(ph('/cpus/PowerPC,POWER9@0'))).toBe(0);
    expect(t.parentOf(ph('/cpus/PowerPC,POWER9@1'))).toBe(ph('/cpus'));
    expect(t.parentOf(ph('/'))).toBe(0);
    expect(t.pathOf(ph('/cpus/PowerPC,POWER9@1'))).toBe('/cpus/PowerPC,POWER9@1');
    expect(t.pathOf(ph('/'))).toBe('/');
    for (const bad of [0xdead, 0xffffffff]) {
      expect(t.peerOf(bad)).toBe(0);
      expect(t.childOf(bad)).toBe(0);
      expect(t.parentOf(bad)).toBe(0);
      expect(t.pathOf(bad)).toBeUndefined();
    }
    // Walking the whole tree with child/peer visits every node once.
    const seen: string[] = [];
    const visit = (p: number): void => {
      for (let c = p; c !== 0; c = t.peerOf(c)) {
        seen.push(t.pathOf(c) as string);
        visit(t.childOf(c));
      }
    };
    visit(t.peerOf(0));
    expect(seen).toEqual(t.nodes().map((n) => n.path));
  });

  it('clones deeply', () => {
    const t = sampleTree();
    const c = t.clone();
    expectSameTree(t, c);
    c.findNode('/chosen')?.setString('bootargs', 'changed');
    expect(t.findNode('/chosen')?.getString('bootargs')).toBe('console=hvc0 quiet');
  });
});

describe('FDT reader rejects malformed blobs', () => {
  const good = (): Uint8Array => sampleTree().toBlob();
  const be = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

  it('names the defect', () => {
    expect(() => parseFdt(new Uint8Array(10))).toThrow(/shorter than the FDT header/);
    let b = good();
    be(b).setUint32(0, 0x12345678);
    expect(() => parseFdt(b)).toThrow(/bad magic/);
    expect(() => parseFdt(good().subarray(0, 100))).toThrow(/totalsize .* exceeds/);
    b = good();
    be(b).setUint32(20, 3);
    expect(() => parseFdt(b)).toThrow(/version 3 is too old/);
    b = good();
    be(b).setUint32(24, 18);
    expect(() => parseFdt(b)).toThrow(/last compatible version/);
    b = good();
    be(b).setUint32(36, 0xffff0000);
    expect(() => parseFdt(b)).toThrow(/structure block lies outside/);
    b = good();
    be(b).setUint32(32, 0xffff0000);
    expect(() => parseFdt(b)).toThrow(/strings block lies outside/);
    b = good();
    be(b).setUint32(16, 41);
    expect(() => parseFdt(b)).toThrow(/reservation block offset/);
    // Bad token right after the root's BEGIN_NODE.
    b = good();
    const st = be(b).getUint32(8);
    be(b).setUint32(st + 8, 0x77);
    expect(() => parseFdt(b)).toThrow(/bad structure token 0x77/);
    // A property whose name offset points outside the strings block.
    b = good();
    be(b).setUint32(st + 8 + 8, 0xfffff);
    expect(() => parseFdt(b)).toThrow(/name offset/);
    // A property length running past the structure block.
    b = good();
    be(b).setUint32(st + 8 + 4, 0xfffff);
    expect(() => parseFdt(b)).toThrow(/runs past/);
    // Missing FDT_END.
    b = good();
    be(b).setUint32(st + be(b).getUint32(36) - 4, 4);
    expect(() => parseFdt(b)).toThrow(/without FDT_END/);
    // Root with a name.
    const t = new Fdt();
    b = t.toBlob();
    b[be(b).getUint32(8) + 4] = 0x41;
    expect(() => parseFdt(b)).toThrow(/root node has a name|unterminated/);
  });

  it('throws only FdtError on random corruption', () => {
    const base = good();
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let parsed = 0;
    for (let iter = 0; iter < 3000; iter++) {
      const b = base.slice();
      const flips = 1 + rnd(4);
      for (let k = 0; k < flips; k++) b[rnd(b.length)] = rnd(256);
      const cut = rnd(8) === 0 ? b.subarray(0, rnd(b.length)) : b;
      try {
        parseFdt(cut);
        parsed++;
      } catch (e) {
        expect(e).toBeInstanceOf(FdtError);
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });
});
