import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { AppCore, ApiError } from '../../main/app-core.js';
import type { ApiEvent, NewVmInput } from '../../main/api-types.js';
import { enc, fakeGuestDir, fakeLauncher, type FakeChild } from './helpers.js';

const input: NewVmInput = { name: 'Debian 1', machine: 'pseries', preset: 'standard', cpus: 1, memoryMiB: 1024, cmdline: 'console=hvc0 quiet', source: { kind: 'default' } };

let dir: string;
let core: AppCore;
let children: FakeChild[];
let events: ApiEvent[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ppcbox-core-'));
  const f = fakeLauncher();
  children = f.children;
  core = new AppCore({ userData: join(dir, 'home'), launcher: f.launch, guestDir: fakeGuestDir(join(dir, 'guest')), shutdownTimeoutMs: 1000 });
  events = [];
  core.onEvent((e) => events.push(e));
});

function file(name: string, data: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return core.grants.grant(p).id;
}

function running(): { id: string; child: FakeChild } {
  const cfg = core.create(input);
  core.start(cfg.id);
  const child = children[children.length - 1];
  child.say({ t: 'hello', pid: 1 });
  child.say({ t: 'status', status: { state: 'running', uptimeMs: 5, mips: 50, retired: 1, forceOffAt: 0 } });
  return { id: cfg.id, child };
}

describe('API argument checks (untrusted caller)', () => {
  it('refuses unknown methods, wrong argument counts and badly typed arguments', () => {
    expect(() => core.dispatch('eval', [])).toThrow(/unknown method/);
    expect(() => core.dispatch('__proto__', [])).toThrow(/unknown method/);
    expect(() => core.dispatch('constructor', [])).toThrow(/unknown method/);
    expect(() => core.dispatch(7, [])).toThrow(/unknown method/);
    expect(() => core.dispatch('start', [])).toThrow(/expected 1/);
    expect(() => core.dispatch('start', 'vm-1')).toThrow(/expected 1/);
    expect(() => core.dispatch('start', ['../../etc'])).toThrow(/not a VM id/);
    expect(() => core.dispatch('consoleInput', ['vm-a', 'text'])).toThrow(/not bytes/);
    expect(() => core.dispatch('consoleInput', ['vm-a', new Uint8Array(70000)])).toThrow(/too much/);
    expect(() => core.dispatch('attachDisk', ['vm-a', '/etc/passwd', 'copied'])).toThrow(/not a file id/);
    expect(() => core.dispatch('attachDisk', ['vm-a', '00000000-0000-0000-0000-000000000000', 'moved'])).toThrow(/in-place/);
    expect(() => core.dispatch('detachDisk', ['vm-a', -1])).toThrow(/disk index/);
    expect(() => core.dispatch('create', [null])).toThrow(/not an object/);
  });
  it('refuses ids that do not exist and files that were never granted', () => {
    expect(() => core.dispatch('start', ['vm-nothere'])).toThrow(/no such VM/);
    const { id } = running();
    expect(() => core.dispatch('attachDisk', [id, '00000000-0000-0000-0000-000000000000', 'copied'])).toThrow(/choose it again/);
    expect(() => core.dispatch('fileInfo', ['00000000-0000-0000-0000-000000000000'])).toThrow(/no longer available/);
  });
  it('create reports field errors', () => {
    try {
      core.dispatch('create', [{ ...input, name: '', memoryMiB: 1 }]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect(Object.keys((e as ApiError).fields ?? {}).sort()).toEqual(['memoryMiB', 'name']);
    }
    expect(() => core.create({ ...input, source: { kind: 'kernel', kernel: 'f0f0f0f0-0000-0000-0000-000000000000' } })).toThrow(/attention/);
    const txt = file('notes.txt', 'hello');
    try {
      core.create({ ...input, source: { kind: 'disk', image: txt } });
      expect.unreachable();
    } catch (e) {
      expect((e as ApiError).fields?.image).toMatch(/Not a disk image/);
    }
  });
  it('the default guest must be set up', () => {
    const c2 = new AppCore({ userData: join(dir, 'h2'), launcher: fakeLauncher().launch, guestDir: join(dir, 'no-guest') });
    expect(c2.list().defaultGuest.available).toBe(false);
    expect(() => c2.create(input)).toThrow(ApiError);
  });
});

describe('library operations', () => {
  it('create, list, rename, remove; the list reports corrupt folders', () => {
    const cfg = core.create(input);
    expect(cfg.id).toMatch(/^vm-/);
    expect(events.some((e) => e.event === 'library')).toBe(true);
    expect(core.list().vms[0].config.name).toBe('Debian 1');
    expect(core.list().defaultGuest).toEqual({ available: true, description: expect.stringMatching(/6\.1\.0-test/) });
    expect(core.rename(cfg.id, ' Other ').name).toBe('Other');
    expect(() => core.rename(cfg.id, '')).toThrow(ApiError);
    writeFileSync(join(core.library.vmsDir, 'junk'), 'x');
    core.library.save({ ...cfg, id: 'vm-second' });
    writeFileSync(join(core.library.vmsDir, 'vm-second', 'vm.json'), '{');
    const l = core.list();
    expect(l.vms).toHaveLength(1);
    expect(l.problems).toHaveLength(1);
    expect(l.problems[0].message).toMatch(/not valid JSON/);
    core.remove(cfg.id);
    expect(core.list().vms).toHaveLength(0);
  });
  it('first run: one ready-to-boot default VM, never re-created once deleted', () => {
    const home = join(dir, 'seeded');
    const mk = (): AppCore => new AppCore({ userData: home, launcher: fakeLauncher().launch, guestDir: join(dir, 'guest'), seedDefaultVm: true });
    const c1 = mk();
    expect(c1.list().vms.map((v) => [v.config.name, v.config.source.kind])).toEqual([['Debian', 'default']]);
    expect(mk().list().vms).toHaveLength(1);
    c1.remove(c1.list().vms[0].config.id);
    expect(mk().list().vms).toHaveLength(0);
  });

  it('a kernel VM adopts uploaded files into its folder', () => {
    const p = join(core.library.importsDir, 'upload1');
    writeFileSync(p, 'ELF');
    const g = core.grants.grant(p, { name: 'vmlinux', uploaded: true });
    const cfg = core.create({ ...input, source: { kind: 'kernel', kernel: g.id } });
    expect(cfg.source.kind).toBe('kernel');
    const kpath = cfg.source.kind === 'kernel' ? cfg.source.kernel : '';
    expect(kpath.startsWith(core.library.folder(cfg.id))).toBe(true);
    expect(existsSync(p)).toBe(false);
    expect(core.bootConfig(cfg)).toMatchObject({ kernelPath: kpath, bootargs: 'console=hvc0 quiet', memoryMiB: 1024, smp: 1, icMode: 'dual' });
  });

  it('icMode: stored as chosen (dual when not given), passed to the VM process; old configs boot dual', () => {
    expect(core.create(input).icMode).toBe('dual');
    const x = core.create({ ...input, name: 'xics vm', icMode: 'xics' });
    expect(x.icMode).toBe('xics');
    expect(core.library.get(x.id)?.icMode).toBe('xics');
    expect(core.bootConfig(x)).toMatchObject({ icMode: 'xics' });
    const { icMode: _, ...old } = x;
    expect(core.bootConfig(old)).toMatchObject({ icMode: 'dual' });
    expect(() => core.create({ ...input, name: 'bad', icMode: 'auto' as 'dual' })).toThrow(/attention/);
  });
});

describe('supervision', () => {
  it('starts the VM process with the boot config, follows status and console', () => {
    const { id, child } = running();
    expect(child.sent[0]).toMatchObject({ t: 'start', config: { kernelPath: join(dir, 'guest', 'vmlinux'), initrdPath: join(dir, 'guest', 'initrd.gz'), memoryMiB: 1024, smp: 1 } });
    expect(core.list().vms[0].runtime).toMatchObject({ state: 'running', mips: 50 });
    child.say({ t: 'console', data: enc('hello\r\n') });
    expect(events.some((e) => e.event === 'console' && e.id === id)).toBe(true);
    expect(new TextDecoder().decode(core.consoleHistory(id))).toBe('hello\r\n');
    core.consoleInput(id, enc('ls\r'));
    expect(child.sent.at(-1)).toEqual({ t: 'input', data: enc('ls\r') });
    core.reset(id);
    expect(child.sent.at(-1)).toEqual({ t: 'reset' });
    core.dispatch('pause', [id]);
    expect(child.sent.at(-1)).toEqual({ t: 'pause' });
    child.say({ t: 'status', status: { state: 'paused', uptimeMs: 6, mips: 0, retired: 1, forceOffAt: 0 } });
    expect(core.supervisor.runtime(id).state).toBe('paused');
    core.dispatch('resume', [id]);
    expect(child.sent.at(-1)).toEqual({ t: 'resume' });
    core.shutdown(id);
    expect(child.sent.at(-1)).toEqual({ t: 'shutdown', timeoutMs: 1000 });
    expect(() => core.start(id)).toThrow(/already running/);
    expect(() => core.remove(id)).toThrow(/Stop the VM/);
  });

  it('a VM process that dies shows "crashed" with the reason and its last console lines; the others keep running', () => {
    const a = running();
    const b = running();
    a.child.say({ t: 'console', data: enc('booting\nKernel panic - not syncing\n') });
    a.child.die(null, 'SIGSEGV', 'some noise\nFATAL: out of memory\n');
    const rt = core.list().vms.find((v) => v.config.id === a.id)?.runtime;
    expect(rt?.state).toBe('crashed');
    expect(rt?.lastExit?.message).toMatch(/killed \(SIGSEGV\): FATAL: out of memory/);
    expect(rt?.lastExit?.lastLines).toEqual(['booting', 'Kernel panic - not syncing']);
    expect(core.list().vms.find((v) => v.config.id === b.id)?.runtime.state).toBe('running');
    expect(() => core.reset(a.id)).toThrow(/not running/);
    // It can be started again.
    core.start(a.id);
    expect(core.list().vms.find((v) => v.config.id === a.id)?.runtime.state).toBe('starting');
  });

  it('an emulator failure the process reports is a crash; a power-off is a stop', () => {
    const a = running();
    a.child.say({ t: 'exit', kind: 'error', message: 'emulator failure: boom', lastLines: ['x'] });
    a.child.die(1, null);
    expect(core.supervisor.runtime(a.id)).toMatchObject({ state: 'crashed', lastExit: { message: 'emulator failure: boom', lastLines: ['x'] } });
    const b = running();
    b.child.say({ t: 'exit', kind: 'poweroff', message: 'the guest powered off', lastLines: [] });
    b.child.die(0, null);
    expect(core.supervisor.runtime(b.id)).toMatchObject({ state: 'stopped', lastExit: { kind: 'poweroff' } });
  });

  it('exit status without a message', () => {
    const a = running();
    a.child.die(3, null);
    expect(core.supervisor.runtime(a.id).lastExit?.message).toBe('the VM process exited unexpectedly (status 3)');
  });
});

describe('disks', () => {
  it('attaches raw/qcow2/ISO (copied or in place), refuses other files, defers while running', () => {
    const cfg = core.create(input);
    const raw = file('disk.img', new Uint8Array(1024));
    const r = core.attachDisk(cfg.id, raw, 'in-place');
    expect(r).toEqual({ attached: { path: join(dir, 'disk.img'), format: 'raw', storage: 'in-place', name: 'disk.img' }, appliesAtNextStart: false });
    expect(() => core.attachDisk(cfg.id, raw, 'in-place')).toThrow(/already attached/);
    const q = new Uint8Array(100);
    q.set([0x51, 0x46, 0x49, 0xfb]);
    const r2 = core.attachDisk(cfg.id, file('d.qcow2', q), 'copied');
    expect(r2.attached.storage).toBe('copied');
    expect(r2.attached.path.startsWith(core.library.folder(cfg.id))).toBe(true);
    expect(existsSync(r2.attached.path)).toBe(true);
    expect(() => core.attachDisk(cfg.id, file('n.txt', 'text'), 'copied')).toThrow(/not a disk image/);
    core.start(cfg.id);
    children.at(-1)?.say({ t: 'hello', pid: 1 });
    expect(children.at(-1)?.sent[0]).toMatchObject({ config: { disks: [{ format: 'raw' }, { format: 'qcow2' }] } });
    expect(core.attachDisk(cfg.id, file('late.img', new Uint8Array(512)), 'in-place').appliesAtNextStart).toBe(true);
    expect(core.detachDisk(cfg.id, 0).disks).toHaveLength(2);
    expect(() => core.detachDisk(cfg.id, 5)).toThrow(/No such disk/);
  });
});
