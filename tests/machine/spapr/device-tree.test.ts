import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFdt, type Fdt, type FdtNode } from '../../../emulator/machine/spapr/fdt.js';
import {
  buildPseriesTree,
  archVec5Property,
  hptShiftForRam,
  vioIrq,
  vtyPath,
  PVR_POWER9,
  type PseriesTreeConfig,
} from '../../../emulator/machine/spapr/device-tree.js';
import { RTAS_TOKENS, DEFAULT_RTAS_CALLS, rtasCallName, type RtasCallName } from '../../../emulator/machine/spapr/rtas-tokens.js';

const REFERENCE_DTS = '/work/shared/reference/qemu-pseries-dual.dts';

function hasTool(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const HAVE_DTC = hasTool('dtc');
const HAVE_REFERENCE = HAVE_DTC && existsSync(REFERENCE_DTS);

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ppcbox-dt-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** QEMU's tree, compiled by dtc from the reference source and read back. */
function referenceTree(): Fdt {
  return withTmp((dir) => {
    const out = join(dir, 'ref.dtb');
    execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', out, REFERENCE_DTS]);
    return parseFdt(new Uint8Array(readFileSync(out)));
  });
}

/** The machine the reference DTS was dumped from: 1 GiB, 2 vCPUs, kernel at 4 MiB, initrd. */
const REF_CONFIG: PseriesTreeConfig = {
  ramBytes: 1 << 30,
  nvcpus: 2,
  bootargs: 'console=hvc0 quiet',
  initrd: { start: 0x2c90000, size: 0x122227 },
  kernel: { start: 0x400000, size: 0x287c918, littleEndian: true },
  icMode: 'xics',
  rngSeed: new Uint8Array(32).fill(0x5a),
};

const u32 = (node: FdtNode | undefined, name: string): number | undefined => node?.getU32(name);

function expectSameProps(ours: FdtNode, ref: FdtNode, names: readonly string[]): void {
  for (const n of names) {
    expect(ours.getProp(n), `${ours.path} ${n}`).toBeDefined();
    expect(ours.getProp(n), `${ours.path} ${n}`).toEqual(ref.getProp(n));
  }
}

/** All properties of `ref` except those listed, compared with ours. */
function expectPropsLike(ours: FdtNode, ref: FdtNode, except: readonly string[] = ['phandle']): void {
  expectSameProps(ours, ref, ref.propNames().filter((n) => !except.includes(n)));
}

describe('pseries device tree: facts from the reference DTS (hand-copied)', () => {
  const t = buildPseriesTree(REF_CONFIG);

  it('has a chrp qemu,pseries root with 2 address and size cells', () => {
    expect(t.root.getString('device_type')).toBe('chrp');
    expect(t.root.getString('compatible')).toBe('qemu,pseries');
    expect(t.root.getString('model')).toMatch(/pSeries/);
    expect(u32(t.root, '#address-cells')).toBe(2);
    expect(u32(t.root, '#size-cells')).toBe(2);
    expect(t.reservations).toEqual([
      { address: 0x400000n, size: 0x287c918n },
      { address: 0x2c90000n, size: 0x122227n },
    ]);
  });

  it('describes POWER9 CPUs as QEMU does', () => {
    const cpus = t.findNode('/cpus') as FdtNode;
    expect(u32(cpus, '#address-cells')).toBe(1);
    expect(u32(cpus, '#size-cells')).toBe(0);
    expect(cpus.children.map((c) => c.name)).toEqual(['PowerPC,POWER9@0', 'PowerPC,POWER9@1']);
    for (const [i, cpu] of cpus.children.entries()) {
      expect(cpu.getString('device_type')).toBe('cpu');
      expect(u32(cpu, 'reg')).toBe(i);
      expect(cpu.getCells('ibm,ppc-interrupt-server#s')).toEqual([i]);
      expect(cpu.getCells('ibm,ppc-interrupt-gserver#s')).toEqual([i, 0]);
      expect(u32(cpu, 'ibm,my-drc-index')).toBe(0x10000000 + i);
      expect(u32(cpu, 'timebase-frequency')).toBe(0x1e848000);
      expect(u32(cpu, 'clock-frequency')).toBe(0x3b9aca00);
      expect(u32(cpu, 'cpu-version')).toBe(0x4e1200);
      expect(u32(cpu, 'ibm,dec-bits')).toBe(0x38);
      expect(cpu.getCells('ibm,pft-size')).toEqual([0, 0x17]);
      expect(cpu.getCells('ibm,processor-radix-AP-encodings')).toEqual([0x0c, 0xa0000010, 0x20000015, 0x4000001e]);
      expect(cpu.getCells('ibm,segment-page-sizes')).toEqual([0x0c, 0x00, 0x01, 0x0c, 0x00, 0x10, 0x110, 0x01, 0x10, 0x01]);
      expect(cpu.getCells('ibm,pa-features')).toEqual([
        0x4200f63f, 0xc7c080f0, 0x80000000, 0x00, 0x8000, 0x80008000, 0x8000, 0x80008000, 0x80008000, 0xc0008000,
        0x80008000, 0x80008000, 0x80008000, 0x80008000, 0x80008000, 0x80008000, 0x80000000,
      ]);
      expect(cpu.getCells('ibm,processor-segment-sizes')).toEqual([0x1c, 0x28, 0xffffffff, 0xffffffff]);
      for (const [k, v] of [
        ['i-cache-size', 0x8000],
        ['d-cache-size', 0x8000],
        ['i-cache-line-size', 0x80],
        ['i-cache-block-size', 0x80],
        ['d-cache-line-size', 0x80],
        ['d-cache-block-size', 0x80],
        ['ibm,slb-size', 0x20],
        ['slb-size', 0x20],
        ['ibm,vmx', 2],
        ['ibm,dfp', 1],
        ['ibm,purr', 1],
        ['ibm,spurr', 1],
        ['ibm,chip-id', 0],
      ] as const) {
        expect(u32(cpu, k), k).toBe(v);
      }
      expect(cpu.getProp('64-bit')).toEqual(new Uint8Array(0));
      expect(cpu.getString('status')).toBe('okay');
    }
    expect(PVR_POWER9).toBe(0x004e1200);
  });

  it('fills /chosen', () => {
    const c = t.findNode('/chosen') as FdtNode;
    expect(c.getString('bootargs')).toBe('console=hvc0 quiet');
    expect(u32(c, 'linux,initrd-start')).toBe(0x2c90000);
    expect(u32(c, 'linux,initrd-end')).toBe(0x2db2227);
    expect(c.getCells('qemu,boot-kernel')).toEqual([0, 0x400000, 0, 0x287c918]);
    expect(c.hasProp('qemu,boot-kernel-le')).toBe(true);
    // ic-mode=xics: byte 23 is 0x00 (the dual-mode reference has 0x80).
    expect(c.getCells('ibm,arch-vec-5-platform-support')).toEqual([0x170018c0, 0x19001a40]);
    expect(c.getProp('ibm,architecture-vec-5')).toEqual(Uint8Array.of(0, 0));
    expect(c.getProp('rng-seed')).toEqual(new Uint8Array(32).fill(0x5a));
    expect(c.getString('stdout-path')).toBe('/vdevice/vty@71000000');
    expect(c.getString('linux,stdout-path')).toBe('/vdevice/vty@71000000');
    expect(t.findNode(c.getString('stdout-path') as string)?.getString('compatible')).toBe('hvterm1');
  });

  it('fills /rtas with tokens, sizes and hypervisor functions', () => {
    const r = t.findNode('/rtas') as FdtNode;
    expect(u32(r, 'rtas-size')).toBe(0x83c);
    expect(u32(r, 'rtas-error-log-max')).toBe(0x800);
    expect(u32(r, 'rtas-event-scan-rate')).toBe(1);
    expect(r.hasProp('ibm,extended-os-term')).toBe(true);
    expect(r.getCells('ibm,lrdr-capacity')).toEqual([0, 0, 0, 0x10000000, 2]);
    expect(r.getCells('ibm,max-associativity-domains')).toEqual([4, 0, 0, 0, 1]);
    expect(r.getCells('ibm,associativity-reference-points')).toEqual([4, 4, 2]);
    for (const [name, token] of [
      ['display-character', 0x2000],
      ['get-time-of-day', 0x2001],
      ['set-time-of-day', 0x2002],
      ['power-off', 0x2003],
      ['system-reboot', 0x2004],
      ['query-cpu-stopped-state', 0x2005],
      ['start-cpu', 0x2006],
      ['stop-self', 0x2007],
      ['ibm,set-xive', 0x200a],
      ['ibm,get-xive', 0x200b],
      ['ibm,int-off', 0x200c],
      ['ibm,int-on', 0x200d],
      ['check-exception', 0x200e],
      ['event-scan', 0x200f],
      ['nvram-fetch', 0x2012],
      ['nvram-store', 0x2013],
      ['ibm,os-term', 0x201f],
    ] as const) {
      expect(u32(r, name), name).toBe(token);
    }
    // Calls nobody implements are not advertised.
    expect(r.hasProp('ibm,configure-connector')).toBe(false);
    expect(r.hasProp('ibm,read-pci-config')).toBe(false);
    const hyp = r.getStrings('ibm,hypertas-functions') as string[];
    for (const f of ['hcall-term', 'hcall-splpar', 'hcall-set-mode', 'hcall-interrupt', 'hcall-sprg0', 'hcall-dabr', 'hcall-join', 'hcall-copy', 'hcall-debug']) {
      expect(hyp).toContain(f);
    }
    expect(hyp).not.toContain('hcall-vphn');
    expect(hyp).not.toContain('hcall-watchdog');
  });

  it('has /vdevice with the vty and NVRAM, the XICS node, /event-sources and /memory@0', () => {
    const v = t.findNode('/vdevice') as FdtNode;
    expect(v.getString('device_type')).toBe('vdevice');
    expect(v.getString('compatible')).toBe('IBM,vdevice');
    expect(u32(v, '#address-cells')).toBe(1);
    expect(u32(v, '#size-cells')).toBe(0);
    expect(u32(v, '#interrupt-cells')).toBe(2);
    expect(v.hasProp('interrupt-controller')).toBe(true);
    expect(v.children.map((c) => c.name)).toEqual(['vty@71000000', 'nvram@71000001']);
    const vty = v.children[0];
    expect(u32(vty, 'reg')).toBe(0x71000000);
    expect(vty.getString('compatible')).toBe('hvterm1');
    expect(vty.getString('device_type')).toBe('serial');
    expect(vty.getCells('interrupts')).toEqual([0x1100, 0]);
    const nv = v.children[1];
    expect(u32(nv, 'reg')).toBe(0x71000001);
    expect(nv.getString('device_type')).toBe('nvram');
    expect(nv.getString('compatible')).toBe('qemu,spapr-nvram');
    expect(u32(nv, '#bytes')).toBe(0x10000);
    expect(nv.getCells('interrupts')).toEqual([0x1101, 0]);

    const icp = t.findNode('/interrupt-controller') as FdtNode;
    expect(icp.getString('compatible')).toBe('IBM,ppc-xicp');
    expect(icp.getString('device_type')).toBe('PowerPC-External-Interrupt-Presentation');
    expect(icp.hasProp('interrupt-controller')).toBe(true);
    expect(icp.getCells('ibm,interrupt-server-ranges')).toEqual([0, 2]);
    expect(u32(icp, '#interrupt-cells')).toBe(2);
    expect(icp.phandle).toBe(0x1111);
    expect(u32(icp, 'linux,phandle')).toBe(0x1111);

    const ev = t.findNode('/event-sources') as FdtNode;
    expect(ev.getCells('interrupt-ranges')).toEqual([0x1000, 1, 0x1001, 1]);
    expect(ev.hasProp('interrupt-controller')).toBe(true);
    expect(u32(ev, '#interrupt-cells')).toBe(2);
    expect(t.findNode('/event-sources/epow-events')?.getCells('interrupts')).toEqual([0x1000, 0]);
    expect(t.findNode('/event-sources/hot-plug-events')?.getCells('interrupts')).toEqual([0x1001, 0]);

    const m = t.findNode('/memory') as FdtNode;
    expect(m.name).toBe('memory@0');
    expect(m.getString('device_type')).toBe('memory');
    expect(m.getCells('reg')).toEqual([0, 0, 0, 0x40000000]);
    expect(m.getCells('ibm,associativity')).toEqual([4, 0, 0, 0, 0]);
  });

  it('gives every node a unique phandle', () => {
    const nodes = t.nodes();
    const hs = nodes.map((n) => n.phandle);
    expect(hs.every((h) => h !== 0)).toBe(true);
    expect(new Set(hs).size).toBe(hs.length);
    for (const n of nodes) expect(t.nodeByPhandle(n.phandle)).toBe(n);
  });
});

describe.skipIf(!HAVE_REFERENCE)('pseries device tree against QEMU reference DTS (compiled with dtc)', () => {
  const ours = buildPseriesTree(REF_CONFIG);

  it('matches QEMU property by property where the machines agree', () => {
    const ref = referenceTree();
    const pair = (path: string): [FdtNode, FdtNode] => {
      const a = ours.findNode(path);
      const b = ref.findNode(path);
      expect(a, `ours ${path}`).toBeDefined();
      expect(b, `ref ${path}`).toBeDefined();
      return [a as FdtNode, b as FdtNode];
    };
    expect(ours.reservations).toEqual(ref.reservations);
    expectSameProps(...pair('/'), ['device_type', 'compatible', '#address-cells', '#size-cells']);
    for (const cpu of ['/cpus/PowerPC,POWER9@0', '/cpus/PowerPC,POWER9@1']) expectPropsLike(...pair(cpu));
    expectPropsLike(...pair('/cpus'));
    expectPropsLike(...pair('/event-sources'));
    expectPropsLike(...pair('/event-sources/epow-events'));
    expectPropsLike(...pair('/event-sources/hot-plug-events'));
    expectPropsLike(...pair('/interrupt-controller'), []);
    expectPropsLike(...pair('/vdevice'));
    expectPropsLike(...pair('/memory@0'), ['phandle', 'available']); // "available" is the firmware's claim bookkeeping
    expectPropsLike(...pair('/chosen'), [
      'phandle',
      'rng-seed', // random
      'ibm,arch-vec-5-platform-support', // dual mode in the reference; checked above for xics
      'linux,pci-probe-only', // no PCI yet
      'qemu,graphic-depth',
      'qemu,graphic-height',
      'qemu,graphic-width',
    ]);
    const [rtasOurs, rtasRef] = pair('/rtas');
    expectSameProps(rtasOurs, rtasRef, [
      'rtas-size',
      'rtas-error-log-max',
      'rtas-event-scan-rate',
      'ibm,extended-os-term',
      'ibm,lrdr-capacity',
      'ibm,max-associativity-domains',
      'ibm,associativity-reference-points',
      ...DEFAULT_RTAS_CALLS,
    ]);
    // Our hypervisor function sets are a subset of QEMU's.
    const refHyp = rtasRef.getStrings('ibm,hypertas-functions') as string[];
    for (const f of rtasOurs.getStrings('ibm,hypertas-functions') as string[]) expect(refHyp).toContain(f);
    // The full token table agrees with QEMU's numbering.
    for (const name of rtasRef.propNames()) {
      const tok = rtasRef.getProp(name) as Uint8Array;
      if (tok.length !== 4 || !(name in RTAS_TOKENS)) continue;
      expect(RTAS_TOKENS[name as RtasCallName], name).toBe(rtasRef.getU32(name));
    }
    const refTokens = rtasRef.propNames().filter((n) => {
      const v = rtasRef.getU32(n);
      return v !== undefined && v >= 0x2000 && v < 0x2100 && rtasRef.getProp(n)?.length === 4;
    });
    expect(refTokens.sort()).toEqual(Object.keys(RTAS_TOKENS).sort());
  });

  it('differs from the dual-mode reference only in byte 23 of ibm,arch-vec-5-platform-support', () => {
    const ref = referenceTree();
    const a = ours.findNode('/chosen')?.getProp('ibm,arch-vec-5-platform-support') as Uint8Array;
    const b = ref.findNode('/chosen')?.getProp('ibm,arch-vec-5-platform-support') as Uint8Array;
    expect(a.length).toBe(b.length);
    const diff = [...a.keys()].filter((i) => a[i] !== b[i]);
    expect(diff).toEqual([1]);
    expect(a[0]).toBe(23);
    expect([a[1], b[1]]).toEqual([0x00, 0x80]);
  });
});

// Live oracle: QEMU 7.2's own pseries tree for the same machine (ic-mode=xics, a vty
// on the serial port), dumped at reset with dumpdtb and read with our parser.
const QEMU = 'qemu-system-ppc64';
const HAVE_QEMU = hasTool(QEMU);
const GUEST_DIR = join(import.meta.dirname, '..', '..', '..', '.cache', 'guest');
const GUEST_KERNEL = join(GUEST_DIR, 'vmlinux');
const GUEST_INITRD = join(GUEST_DIR, 'initrd.gz');
const HAVE_GUEST = existsSync(GUEST_KERNEL) && existsSync(GUEST_INITRD);

function qemuTree(ramMiB: number, smp: number, withKernel: boolean): Fdt {
  return withTmp((dir) => {
    const out = join(dir, 'q.dtb');
    const args = ['-M', `pseries,x-vof=on,ic-mode=xics,dumpdtb=${out}`, '-cpu', 'power9', '-m', `${ramMiB}M`, '-smp', String(smp)];
    args.push('-nographic', '-nodefaults', '-serial', 'null');
    if (withKernel) args.push('-kernel', GUEST_KERNEL, '-initrd', GUEST_INITRD, '-append', 'console=hvc0 quiet');
    execFileSync(QEMU, args, { stdio: 'ignore', timeout: 60_000 });
    return parseFdt(new Uint8Array(readFileSync(out)));
  });
}

/** What QEMU has that PPCBox leaves out on purpose (no PCI, no NVDIMM, no hotplug of memory/PHBs). */
const QEMU_ONLY_NODES = ['/ibm,persistent-memory', '/pci@800000020000000'];
const QEMU_ONLY_PROPS: Record<string, readonly string[]> = {
  '/': ['ibm,drc-types', 'ibm,drc-names', 'ibm,drc-power-domains', 'ibm,drc-indexes', 'vm,uuid', 'model'],
  '/chosen': ['stdout', 'rng-seed', 'linux,pci-probe-only', 'qemu,graphic-depth', 'qemu,graphic-height', 'qemu,graphic-width'],
  '/rtas': ['ibm,hypertas-functions', 'qemu,hypertas-functions', 'ibm,change-msix-capable'],
  '/memory@0': ['available'],
};

function compareWithQemu(ours: Fdt, qemu: Fdt): void {
  expect(ours.reservations).toEqual(qemu.reservations);
  const ourPaths = ours.nodes().map((n) => n.path);
  const qemuPaths = qemu
    .nodes()
    .map((n) => n.path)
    .filter((p) => !QEMU_ONLY_NODES.some((x) => p === x || p.startsWith(x + '/')));
  expect(ourPaths.slice().sort()).toEqual(qemuPaths.slice().sort());
  for (const path of qemuPaths) {
    const q = qemu.findNode(path) as FdtNode;
    const o = ours.findNode(path) as FdtNode;
    const skip = new Set(['phandle', ...(QEMU_ONLY_PROPS[path] ?? [])]);
    const qProps = q.propNames().filter((n) => !skip.has(n));
    const oProps = o.propNames().filter((n) => !skip.has(n));
    if (path === '/rtas') {
      // Tokens only for what we implement; the rest must agree.
      const tokens = new Set<string>(Object.keys(RTAS_TOKENS));
      const ourTokens = new Set<string>(DEFAULT_RTAS_CALLS);
      const keep = (n: string): boolean => !tokens.has(n) || ourTokens.has(n);
      expect(oProps.filter(keep).sort(), path).toEqual(qProps.filter(keep).sort());
      const qHyp = q.getStrings('ibm,hypertas-functions') as string[];
      for (const f of o.getStrings('ibm,hypertas-functions') as string[]) expect(qHyp).toContain(f);
    } else {
      expect(oProps.slice().sort(), path).toEqual(qProps.slice().sort());
    }
    for (const n of oProps) expect(o.getProp(n), `${path} ${n}`).toEqual(q.getProp(n));
  }
  expect(ours.findNode('/interrupt-controller')?.phandle).toBe(qemu.findNode('/interrupt-controller')?.phandle);
}

describe.skipIf(!HAVE_QEMU)('pseries device tree against QEMU 7.2 run live (dumpdtb, ic-mode=xics)', () => {
  for (const [ramMiB, smp] of [
    [1024, 1],
    [512, 3],
    [2048, 2],
  ] as const) {
    it(`matches QEMU with ${ramMiB} MiB and ${smp} vCPU(s), no kernel`, () => {
      const q = qemuTree(ramMiB, smp, false);
      const ours = buildPseriesTree({ ramBytes: ramMiB * 2 ** 20, nvcpus: smp, bootargs: '', icMode: 'xics' });
      compareWithQemu(ours, q);
    });
  }

  it.skipIf(!HAVE_GUEST)('matches QEMU booting the default guest kernel and initrd', async () => {
    const { loadElf } = await import('../../../emulator/loader/elf.js');
    const q = qemuTree(1024, 1, true);
    const chosen = q.findNode('/chosen') as FdtNode;
    // QEMU places the kernel at 4 MiB; our loader must report the same extent.
    const ram = { ramSize: 1 << 30, writePhys: (): void => {} };
    const k = loadElf(ram, new Uint8Array(readFileSync(GUEST_KERNEL)), { base: 0x400000 });
    expect(chosen.getCells('qemu,boot-kernel')).toEqual([0, k.lowest, 0, k.highest - k.lowest]);
    const initrdStart = chosen.getU32('linux,initrd-start') as number;
    const initrdSize = (chosen.getU32('linux,initrd-end') as number) - initrdStart;
    expect(initrdSize).toBe(readFileSync(GUEST_INITRD).length);
    const ours = buildPseriesTree({
      ramBytes: 1 << 30,
      nvcpus: 1,
      bootargs: 'console=hvc0 quiet',
      kernel: { start: k.lowest, size: k.highest - k.lowest, littleEndian: k.littleEndian },
      initrd: { start: initrdStart, size: initrdSize },
      icMode: 'xics',
    });
    compareWithQemu(ours, q);
  }, 60_000);
});

describe('pseries device tree: blob and configurations', () => {
  it.skipIf(!HAVE_DTC)('serializes to a blob dtc reads, and that round-trips', () => {
    const t = buildPseriesTree(REF_CONFIG);
    const blob = t.toBlob();
    const dts = withTmp((dir) => {
      const f = join(dir, 'pseries.dtb');
      writeFileSync(f, blob);
      return execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', f], { encoding: 'utf8' });
    });
    expect(dts).toContain('compatible = "qemu,pseries";');
    expect(dts).toContain('PowerPC,POWER9@1 {');
    expect(dts).toContain('vty@71000000 {');
    expect(dts).toContain('timebase-frequency = <0x1e848000>;');
    expect(dts).toContain('/memreserve/\t0x0000000002c90000 0x0000000000122227;');
    const back = parseFdt(blob);
    expect(back.nodes().map((n) => n.path)).toEqual(t.nodes().map((n) => n.path));
    expect(back.toBlob()).toEqual(blob);
  });

  it('scales with vCPUs and RAM', () => {
    const t = buildPseriesTree({ ramBytes: 2 * 2 ** 30, nvcpus: 1, bootargs: '', icMode: 'xics' });
    expect(t.findNode('/cpus')?.children.map((c) => c.name)).toEqual(['PowerPC,POWER9@0']);
    expect(t.findNode('/cpus')?.getCells('ibm,drc-indexes')).toEqual([1, 0x10000000]);
    expect(t.findNode('/cpus/PowerPC,POWER9@0')?.getCells('ibm,pft-size')).toEqual([0, 24]);
    expect(t.findNode('/interrupt-controller')?.getCells('ibm,interrupt-server-ranges')).toEqual([0, 1]);
    expect(t.findNode('/rtas')?.getU32('rtas-size')).toBe(20 + 2048 + 16 + 8);
    expect(t.findNode('/memory@0')?.getU64('reg', 1)).toBe(2n << 30n);
    // No initrd, no kernel, empty command line: none of their properties.
    const c = t.findNode('/chosen') as FdtNode;
    expect(c.hasProp('bootargs')).toBe(false);
    expect(c.hasProp('linux,initrd-start')).toBe(false);
    expect(c.hasProp('qemu,boot-kernel')).toBe(false);
    expect(c.getProp('rng-seed')?.length).toBe(32);
    expect(t.reservations).toEqual([]);
    const big = buildPseriesTree({ ramBytes: 16 * 2 ** 30, nvcpus: 12, bootargs: 'x', icMode: 'xics' });
    const cpus = big.findNode('/cpus')?.children.map((n) => n.name) ?? [];
    expect(cpus[10]).toBe('PowerPC,POWER9@a');
    expect(big.findNode('/cpus/PowerPC,POWER9@b')?.getCells('ibm,ppc-interrupt-server#s')).toEqual([11]);
  });

  it('sizes the hashed page table as QEMU does', () => {
    expect(hptShiftForRam(1 << 30)).toBe(23);
    expect(hptShiftForRam(256 << 20)).toBe(21);
    expect(hptShiftForRam(3 * 2 ** 30)).toBe(25);
    expect(hptShiftForRam(16 << 20)).toBe(18);
    expect(hptShiftForRam(1 << 20)).toBe(18);
  });

  it('follows the console, NVRAM, RTAS and CAS options', () => {
    const t = buildPseriesTree({
      ...REF_CONFIG,
      vty: { reg: 0x71000002 },
      nvram: null,
      rtasCalls: ['power-off', 'get-time-of-day'],
      rtasBlobSize: 64,
      archVec5: Uint8Array.of(0x17, 0, 0x40),
      casPreIsa3Guest: true,
      hypertasFunctions: ['hcall-term'],
      model: 'test model',
    });
    expect(t.findNode('/vdevice')?.children.map((c) => c.name)).toEqual(['vty@71000002']);
    expect(t.findNode('/vdevice/vty@71000002')?.getCells('interrupts')).toEqual([vioIrq(0x71000002), 0]);
    expect(vioIrq(0x71000002)).toBe(0x1102);
    expect(vtyPath({ reg: 0x71000002 })).toBe('/vdevice/vty@71000002');
    expect(t.findNode('/chosen')?.getString('stdout-path')).toBe('/vdevice/vty@71000002');
    const r = t.findNode('/rtas') as FdtNode;
    expect(r.getU32('power-off')).toBe(0x2003);
    expect(r.getU32('get-time-of-day')).toBe(0x2001);
    expect(r.hasProp('display-character')).toBe(false);
    expect(r.getU32('rtas-size')).toBe(64 + 2048 + 32 + 8);
    expect(r.getStrings('ibm,hypertas-functions')).toEqual(['hcall-term']);
    expect(t.findNode('/chosen')?.getProp('ibm,architecture-vec-5')).toEqual(Uint8Array.of(0x17, 0, 0x40));
    const pa = t.findNode('/cpus/PowerPC,POWER9@0')?.getProp('ibm,pa-features') as Uint8Array;
    expect(pa[2 + 40]).toBe(0x00); // radix hidden from a pre-ISA 3.00 guest
    expect(pa[2 + 38]).toBe(0x80);
    expect(t.root.getString('model')).toBe('test model');

    const none = buildPseriesTree({ ...REF_CONFIG, vty: null, nvram: null });
    expect(none.findNode('/vdevice')?.children).toEqual([]);
    expect(none.findNode('/chosen')?.hasProp('stdout-path')).toBe(false);
  });

  it('encodes option vector 5 the way QEMU puts it in the tree', () => {
    expect(archVec5Property({})).toEqual(Uint8Array.of(0, 0)); // what QEMU has before CAS
    expect(archVec5Property({ 23: 0 })).toEqual(Uint8Array.of(0, 0));
    const v = archVec5Property({ 23: 0x00, 24: 0x40, 26: 0x40, 5: 0x01 });
    expect(v.length).toBe(27);
    expect(v[0]).toBe(25);
    expect(v[5]).toBe(1);
    expect(v[24]).toBe(0x40);
    expect(v[26]).toBe(0x40);
    expect(() => archVec5Property({ 0: 1 })).toThrow(RangeError);
  });

  it('rejects impossible configurations', () => {
    expect(() => buildPseriesTree({ ...REF_CONFIG, ramBytes: 0 })).toThrow(RangeError);
    expect(() => buildPseriesTree({ ...REF_CONFIG, nvcpus: 0 })).toThrow(RangeError);
    expect(() => buildPseriesTree({ ...REF_CONFIG, initrd: { start: (1 << 30) - 10, size: 100 } })).toThrow(/initrd/);
    expect(() => buildPseriesTree({ ...REF_CONFIG, rngSeed: new Uint8Array(8) })).toThrow(/rng-seed/);
  });
});

describe('RTAS token table', () => {
  it('is one-to-one and starts at 0x2000', () => {
    const names = Object.keys(RTAS_TOKENS) as RtasCallName[];
    const tokens = names.map((n) => RTAS_TOKENS[n]);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(Math.min(...tokens)).toBe(0x2000);
    expect(Math.max(...tokens)).toBe(0x2000 + tokens.length - 1);
    for (const n of names) expect(rtasCallName(RTAS_TOKENS[n])).toBe(n);
    expect(rtasCallName(0x1fff)).toBeUndefined();
    expect(rtasCallName(0x2000 + tokens.length)).toBeUndefined();
    for (const n of DEFAULT_RTAS_CALLS) expect(RTAS_TOKENS[n]).toBeDefined();
  });
});
