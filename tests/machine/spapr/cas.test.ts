// ibm,client-architecture-support negotiation (LoPAPR B.6.2.3), checked against what
// QEMU's h_client_architecture_support / cas_check_pvr decide for a POWER9 pseries.
// Recorded from QEMU 7.2 (-M pseries,x-vof=on,ic-mode=xics -cpu power9) booting the
// Debian kernel: trace "spapr_cas_pvr current=0x0, explicit_match=1, new=0xf000005";
// in the guest, /proc/cpuinfo "POWER9 (architected)", "revision 2.0 (pvr 004e 1200)",
// cpu-version 0f000005, and /chosen/ibm,architecture-vec-5 = QEMU_VEC5 below.
import { describe, expect, it } from 'vitest';
import * as L from '../../../emulator/cpu/layout.js';
import { GuestMemory } from '../../../emulator/memory/guest-memory.js';
import { CasError, encodeVec5, negotiate, platformSupport, readOptionVector } from '../../../emulator/machine/spapr/cas.js';
import { archVec5Property, PVR_POWER9 } from '../../../emulator/machine/spapr/device-tree.js';
import { casVector, doCas, makeMachine, vof1 } from './spapr-fixture.js';

/**
 * The first 188 bytes of ibm_architecture_vec_template in Debian's 6.1 ppc64el vmlinux
 * (objdump -s of the symbol): 14 (mask, value) PVR pairs, then 6 option vectors.
 * prom_init fills vector 5 bytes 23/24/26 from ibm,arch-vec-5-platform-support before
 * the call; linuxVector() does the same.
 */
const DEBIAN_TEMPLATE =
  'fffe0000003a0000ffff0000003e0000ffff0000003f0000ffff0000004b0000ffff0000004c0000ffff0000004d0000' +
  'ffff0000004e0000ffff000000800000ffffffff0f000006ffffffff0f000005ffffffff0f000004ffffffff0f000003' +
  'ffffffff0f000002fffffffe0f000001050200ffc020200000ffffffffffffffffffffffffffffffffffffffff000002' +
  '00ffffffff00300100e00100011900f30000e00500000000080000000000e000000001c00000000002000002';

function linuxVector(bytes: Record<number, number>): Uint8Array {
  const v = Uint8Array.from(DEBIAN_TEMPLATE.match(/../g) ?? [], (h) => parseInt(h, 16));
  // Find vector 5 by walking the length bytes (each holds length - 1).
  let a = 14 * 8 + 1;
  for (let n = 1; n < 5; n++) a += v[a] + 2;
  expect(v[a] + 1).toBe(26); // vector 5 has bytes 1..26
  for (const [k, val] of Object.entries(bytes)) v[a + Number(k)] = val;
  return v;
}

const VEC = 0x10000;
function mem(): GuestMemory {
  return GuestMemory.create(1 << 20);
}
function place(m: GuestMemory, v: Uint8Array, at = VEC): void {
  m.writePhys(at, v);
}

describe('CAS with the Debian kernel\'s own vector', () => {
  it('picks the architected ISA 3.00 mode (as QEMU: best logical PVR even with a raw match), radix with GTSE, XICS', () => {
    const m = mem();
    place(m, linuxVector({ 24: 0x40, 26: 0x40 })); // what prom_init asks for with our platform support
    const r = negotiate(m, VEC, PVR_POWER9, 'xics');
    expect(r.compatPvr).toBe(0x0f000005);
    expect(r.radix).toBe(true);
    expect(r.gtse).toBe(true);
    expect(r.xive).toBe(false);
  });

  it('with ic-mode dual and a guest asking for XIVE, XIVE is negotiated', () => {
    const m = mem();
    place(m, linuxVector({ 23: 0x40, 24: 0x40, 26: 0x40 }));
    const r = negotiate(m, VEC, PVR_POWER9, 'dual');
    expect(r.xive).toBe(true);
    expect(r.ov5[23]).toBe(0x40);
  });
});

describe('processor version negotiation', () => {
  const ov5 = { 24: 0x40 };
  const pvrCase = (pvrs: Array<[number, number]>): ReturnType<typeof negotiate> => {
    const m = mem();
    place(m, casVector({ pvrs, ov5 }));
    return negotiate(m, VEC, PVR_POWER9, 'xics');
  };

  it('raw mode when the guest lists only the real POWER9 PVR', () => {
    expect(pvrCase([[0xffff0000, 0x004e0000]]).compatPvr).toBe(0);
  });

  it('the most recent logical PVR this CPU supports otherwise', () => {
    expect(pvrCase([[0xffffffff, 0x0f000005]]).compatPvr).toBe(0x0f000005);
    expect(pvrCase([[0xffffffff, 0x0f000004], [0xffffffff, 0x0f000005]]).compatPvr).toBe(0x0f000005);
    expect(pvrCase([[0xffffffff, 0x0f000005], [0xffffffff, 0x0f000004]]).compatPvr).toBe(0x0f000005);
    // ISA 3.1 (POWER10) is beyond a POWER9: ignored, 3.00 chosen.
    expect(pvrCase([[0xffffffff, 0x0f000006], [0xffffffff, 0x0f000005], [0xffff0000, 0x004e0000]]).compatPvr).toBe(0x0f000005);
  });

  it('fails when the guest supports none of this CPU\'s versions', () => {
    expect(() => pvrCase([[0xffff0000, 0x004d0000]])).toThrow(CasError); // POWER8 only
    expect(() => pvrCase([[0xffffffff, 0x0f000006]])).toThrow(CasError); // ISA 3.1 only
    expect(() => pvrCase([])).toThrow(CasError);
  });
});

describe('option vector 5', () => {
  const run = (o: Record<number, number>, icMode: 'xics' | 'xive' | 'dual' = 'xics', len?: number): ReturnType<typeof negotiate> => {
    const m = mem();
    place(m, casVector({ ov5: o, ov5Len: len }));
    return negotiate(m, VEC, PVR_POWER9, icMode);
  };

  it('radix without GTSE', () => {
    const r = run({ 24: 0x40 });
    expect([r.radix, r.gtse, r.xive]).toEqual([true, false, false]);
    expect(encodeVec5(r.ov5)).toEqual(archVec5Property({ 24: 0x40 }));
  });

  it('radix with GTSE: published as QEMU encodes ibm,architecture-vec-5', () => {
    const r = run({ 24: 0x40, 26: 0x40 });
    const v = encodeVec5(r.ov5);
    expect(v).toEqual(archVec5Property({ 24: 0x40, 26: 0x40 }));
    expect(v[0]).toBe(25);
    expect(v[24]).toBe(0x40);
    expect(v[26]).toBe(0x40);
  });

  it('refuses the invalid "both" encodings (MMU and interrupt mode), as QEMU', () => {
    expect(() => run({ 24: 0xc0 })).toThrow(/both hash and radix/);
    expect(() => run({ 23: 0x80, 24: 0x40 })).toThrow(/invalid interrupt mode/);
  });

  it('refuses the hash MMU (radix-only machine), also when vector 5 is too short or missing', () => {
    expect(() => run({ 24: 0x00 })).toThrow(/hash MMU/);
    expect(() => run({ 5: 0x01 }, 'xics', 10)).toThrow(/hash MMU/);
    const m = mem();
    const v = casVector({ ov5: { 24: 0x40 } });
    v[3 * 8] = 3; // claim four option vectors only: vector 5 is absent
    place(m, v);
    expect(() => negotiate(m, VEC, PVR_POWER9, 'xics')).toThrow(CasError);
  });

  it('follows ic-mode: XICS guests need xics or dual, XIVE guests xive or dual', () => {
    expect(run({ 24: 0x40 }, 'dual').xive).toBe(false);
    expect(run({ 23: 0x40, 24: 0x40 }, 'xive').xive).toBe(true);
    expect(() => run({ 23: 0x40, 24: 0x40 }, 'xics')).toThrow(/ic-mode is xics/);
    expect(() => run({ 24: 0x40 }, 'xive')).toThrow(/ic-mode is xive/);
  });

  it('a vector running off the end of RAM is a CasError, not a crash', () => {
    const m = mem();
    expect(() => negotiate(m, m.ramSize - 8, PVR_POWER9, 'xics')).toThrow(CasError);
    const v = casVector({ ov5: { 24: 0x40 } });
    const at = m.ramSize - v.length + 10; // the last 10 bytes (part of vector 5) fall outside
    m.u8.set(v.subarray(0, v.length - 10), L.RAM_OFFSET + at);
    expect(() => negotiate(m, at, PVR_POWER9, 'xics')).toThrow(CasError);
  });

  it('readOptionVector returns bytes 1..n of vector n, null when absent', () => {
    const m = mem();
    place(m, Uint8Array.of(1, 0, 0xaa, 2, 1, 2, 3));
    expect(readOptionVector(m, VEC, 1)).toEqual(Uint8Array.of(0, 0xaa));
    expect(readOptionVector(m, VEC, 2)).toEqual(Uint8Array.of(0, 1, 2, 3));
    expect(readOptionVector(m, VEC, 3)).toBeNull();
  });
});

/** QEMU 7.2's /chosen ibm,architecture-vec-5 after the Debian kernel's CAS (ic-mode=xics). */
const QEMU_VEC5 = Uint8Array.of(
  0x19, 0x00, 0x20, 0x00, 0x00, 0xa0, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x40, 0x00, 0x40,
);

describe('negotiated vector 5 compared with QEMU', () => {
  it('agrees on the bytes this machine negotiates: interrupt mode (23), MMU (24), radix options (26)', () => {
    const m = mem();
    place(m, linuxVector({ 24: 0x40, 26: 0x40 }));
    const ours = encodeVec5(negotiate(m, VEC, PVR_POWER9, 'xics').ov5);
    expect(ours.length).toBe(QEMU_VEC5.length);
    for (const b of [23, 24, 25, 26]) expect(ours[b], `byte ${b}`).toBe(QEMU_VEC5[b]);
  });
  // QEMU also keeps DRCONF_MEMORY (2:0x20), FORM1+FORM2 affinity (5:0xa0), HPT resize and
  // hotplug events (6:0x05) and dynamic-memory-v2 (22:0x80), and then publishes FORM2
  // NUMA tables in /rtas (ibm,numa-lookup-index-table, ibm,numa-distance-table). This
  // machine's tree has none of that yet, so it must not claim those bits.
  it.todo('negotiates the same vector 5 as QEMU_VEC5 once the tree carries FORM2 NUMA and hotplug-event support');
});

describe('platform support and the machine', () => {
  it('advertises XICS/XIVE per ic-mode, radix only, GTSE (ibm,arch-vec-5-platform-support)', () => {
    expect(platformSupport('xics')).toEqual([23, 0x00, 24, 0x40, 25, 0x00, 26, 0x40]);
    expect(platformSupport('xive')[1]).toBe(0x40);
    expect(platformSupport('dual')[1]).toBe(0x80);
    // The machine's default is ic-mode dual, as QEMU's pseries.
    const { m } = makeMachine();
    expect(Array.from(m.vof.tree.findNode('/chosen')?.getProp('ibm,arch-vec-5-platform-support') ?? [])).toEqual(platformSupport('dual'));
  });

  it('after CAS the machine publishes vector 5 and the architected cpu-version, and allows a radix process table', () => {
    const { m } = makeMachine({ nvcpus: 2 });
    m.mem.writePhys(0x50000, linuxVector({ 24: 0x40, 26: 0x40 }));
    const root = vof1(m, 'open', '/');
    expect(root).not.toBe(0xffffffff);
    const cas = doCas(m, linuxVector({ 24: 0x40, 26: 0x40 }));
    expect(cas.rets).toEqual([0, 0]);
    const t = m.vof.tree;
    expect(Array.from(t.findNode('/chosen')?.getProp('ibm,architecture-vec-5') ?? [])).toEqual(Array.from(archVec5Property({ 24: 0x40, 26: 0x40 })));
    const cpus = t.nodes().filter((n) => n.getString('device_type') === 'cpu');
    expect(cpus.length).toBe(2);
    for (const n of cpus) expect(n.getU32('cpu-version')).toBe(0x0f000005);
    expect(m.cpus[0].spr(L.SPR_PVR)).toBe(BigInt(PVR_POWER9));
  });
});
