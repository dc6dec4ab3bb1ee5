import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { LibraryListing, VmConfig, VmSummary } from '../../main/api-types.js';
import { setBridge } from '../../renderer/bridge.js';
import { ApiCallError } from '../../renderer/bridge-web.js';
import { disksPending, formatUptime, useLibrary } from '../../renderer/stores/library.js';
import { useWizard } from '../../renderer/stores/wizard.js';
import { fakeBridge, type FakeBridge } from './fake-bridge.js';

let b: FakeBridge;

function config(id: string, over: Partial<VmConfig> = {}): VmConfig {
  return { format: 1, id, name: id, machine: 'pseries', preset: 'standard', cpus: 1, memoryMiB: 1024, cmdline: '', source: { kind: 'default' }, disks: [], createdAt: '2026-01-01', ...over };
}

function listing(vms: VmSummary[]): LibraryListing {
  return { vms, problems: [{ folder: '/x/vms/vm-bad', message: 'vm.json is not valid JSON' }], defaultGuest: { available: true, description: 'Debian' } };
}

beforeEach(() => {
  setActivePinia(createPinia());
  b = fakeBridge();
  setBridge(b);
});

describe('library store', () => {
  it('loads the listing, follows runtime and log events, keeps the selection valid', async () => {
    b.answers.list = () => listing([{ config: config('vm-a'), runtime: { state: 'stopped', uptimeMs: 0, mips: 0, forceOffAt: 0 } }]);
    const lib = useLibrary();
    await lib.refresh();
    expect(lib.vms).toHaveLength(1);
    expect(lib.problems[0].message).toMatch(/not valid JSON/);
    lib.select('vm-a');
    expect(lib.selected?.config.id).toBe('vm-a');
    lib.applyEvent({ event: 'runtime', id: 'vm-a', runtime: { state: 'running', uptimeMs: 1000, mips: 42, forceOffAt: 0 } });
    expect(lib.selected?.runtime.mips).toBe(42);
    lib.applyEvent({ event: 'log', id: 'vm-a', line: 'hello' });
    expect(lib.logs['vm-a']).toEqual(['hello']);
    lib.applyEvent({ event: 'library', listing: listing([]) });
    expect(lib.selectedId).toBeNull();
  });

  it('toolbar refusals become the VM notice', async () => {
    b.answers.reset = () => {
      throw new Error('The VM is not running.');
    };
    const lib = useLibrary();
    expect(await lib.act('vm-a', 'reset')).toBe(false);
    expect(lib.notices['vm-a']).toEqual({ kind: 'error', text: 'The VM is not running.' });
    expect(await lib.act('vm-a', 'start')).toBe(true);
    expect(lib.notices['vm-a']).toBeUndefined();
    expect(b.calls.map((c) => c.method)).toEqual(['reset', 'start']);
  });

  it('drop on a VM: images attach (deferred while running), other files are refused', async () => {
    b.grants['disk.qcow2'] = { id: 'g1', name: 'disk.qcow2', size: 100, format: 'qcow2' };
    b.grants['notes.txt'] = { id: 'g2', name: 'notes.txt', size: 5, format: null, refusal: 'not a disk image: 5 bytes' };
    b.answers.attachDisk = () => ({ attached: { path: '/p', format: 'qcow2', storage: 'copied', name: 'disk.qcow2' }, appliesAtNextStart: true });
    const lib = useLibrary();
    await lib.dropOnVm('vm-a', [new File(['x'], 'disk.qcow2')]);
    expect(b.calls.at(-1)).toEqual({ method: 'attachDisk', args: ['vm-a', 'g1', 'copied'] });
    expect(lib.notices['vm-a'].kind).toBe('info');
    expect(lib.notices['vm-a'].text).toMatch(/Attached disk\.qcow2 \(qcow2\).*next start/);
    await lib.dropOnVm('vm-a', [new File(['x'], 'notes.txt')]);
    expect(lib.notices['vm-a']).toEqual({ kind: 'error', text: 'notes.txt was not attached: not a disk image: 5 bytes.' });
    expect(b.calls.filter((c) => c.method === 'attachDisk')).toHaveLength(1);
    await lib.dropOnVm('vm-a', [new File(['x'], 'gone.img')]);
    expect(lib.notices['vm-a'].text).toMatch(/upload of gone\.img failed/);
  });

  it('drop on the library: an image is returned for the wizard, anything else refused', async () => {
    b.grants['a.iso'] = { id: 'g3', name: 'a.iso', size: 1, format: 'iso' };
    b.grants['a.txt'] = { id: 'g4', name: 'a.txt', size: 1, format: null, refusal: 'the file is empty' };
    const lib = useLibrary();
    expect((await lib.dropOnLibrary([new File(['x'], 'a.iso')]))?.id).toBe('g3');
    expect(lib.libraryNotice).toBeNull();
    expect(await lib.dropOnLibrary([new File(['x'], 'a.txt')])).toBeNull();
    expect(lib.libraryNotice?.text).toBe('a.txt is not a disk image: the file is empty.');
  });

  it('rename returns the refusal for display, or null', async () => {
    const lib = useLibrary();
    b.answers.rename = (_id, name) => {
      if (name === '') throw new Error('Give the VM a name.');
      return config('vm-a', { name: String(name) });
    };
    expect(await lib.rename('vm-a', '')).toBe('Give the VM a name.');
    expect(await lib.rename('vm-a', 'New')).toBeNull();
  });

  it('helpers: uptime text and disks pending at the next start', () => {
    expect(formatUptime(0)).toBe('0:00');
    expect(formatUptime(61_000)).toBe('1:01');
    expect(formatUptime(3_600_000 + 5_000)).toBe('1:00:05');
    const d = { path: '/d', format: 'raw' as const, storage: 'in-place' as const, name: 'd' };
    const v: VmSummary = { config: config('vm-a', { disks: [d] }), runtime: { state: 'running', uptimeMs: 0, mips: 0, forceOffAt: 0, disksAtStart: [] } };
    expect(disksPending(v)).toBe(true);
    v.runtime.disksAtStart = ['/d'];
    expect(disksPending(v)).toBe(false);
    v.runtime = { state: 'stopped', uptimeMs: 0, mips: 0, forceOffAt: 0, disksAtStart: [] };
    expect(disksPending(v)).toBe(false);
  });
});

describe('wizard store', () => {
  it('starts on the source page with the standard preset and a free name', () => {
    const w = useWizard();
    w.start({ defaultAvailable: true, existingNames: ['Debian 1'] });
    expect(w.step).toBe(0);
    expect(w.source).toBe('default');
    expect([w.cpus, w.memoryMiB, w.cmdline]).toEqual([1, 1024, 'console=hvc0 quiet']);
    expect(w.name).toBe('Debian 2');
  });

  it('Next is refused while the page has errors, which are then shown beside the fields', () => {
    const w = useWizard();
    w.start({ defaultAvailable: true });
    w.source = 'kernel';
    expect(w.fieldError('kernel')).toBe('');
    expect(w.next()).toBe(false);
    expect(w.fieldError('kernel')).toMatch(/Choose a kernel/);
    w.kernel = { id: 'k', name: 'vmlinux', size: 10, format: null };
    expect(w.next()).toBe(true);
    expect(w.step).toBe(1);
    w.next();
    w.memoryMiB = 100;
    w.cpus = 9;
    expect(w.next()).toBe(false);
    expect(w.fieldError('memoryMiB')).toMatch(/256/);
    expect(w.fieldError('cpus')).toMatch(/8/);
    // Errors of later pages are not shown yet.
    w.name = '';
    expect(w.fieldError('name')).toBe('');
  });

  it('the default source needs the default guest; a disk source needs an image', () => {
    const w = useWizard();
    w.start({ defaultAvailable: false });
    expect(w.next()).toBe(false);
    expect(w.fieldError('source')).toMatch(/not set up/);
    w.source = 'disk';
    expect(w.next()).toBe(false);
    w.image = { id: 'i', name: 'x.txt', size: 3, format: null, refusal: 'the file is empty' };
    expect(w.next()).toBe(false);
    expect(w.fieldError('image')).toMatch(/Not a disk image/);
  });

  it('a dropped image preselects the disk source and names the VM after it', () => {
    const w = useWizard();
    w.start({ image: { id: 'g', name: 'debian-12.qcow2', size: 1, format: 'qcow2' }, defaultAvailable: true });
    expect(w.source).toBe('disk');
    expect(w.name).toBe('debian-12');
    expect(w.input().source).toEqual({ kind: 'disk', image: 'g' });
  });

  it('presets set CPUs, memory and command line', () => {
    const w = useWizard();
    w.start({ defaultAvailable: true });
    w.applyPreset('large');
    expect([w.cpus, w.memoryMiB]).toEqual([2, 2048]);
  });

  it('submit sends the input; server field errors go back to their page', async () => {
    const w = useWizard();
    w.start({ defaultAvailable: true });
    w.name = 'My VM ';
    b.answers.create = () => {
      throw new ApiCallError('Some fields need attention.', { name: 'Taken.' });
    };
    w.step = 4;
    expect(await w.submit()).toBeNull();
    expect(w.step).toBe(3);
    expect(w.fieldError('name')).toBe('Taken.');
    expect(w.submitError).toMatch(/attention/);
    w.clearServerError('name');
    b.answers.create = () => config('vm-new');
    expect((await w.submit())?.id).toBe('vm-new');
    expect(b.calls.at(-1)?.args[0]).toEqual({ name: 'My VM', machine: 'pseries', preset: 'standard', cpus: 1, memoryMiB: 1024, cmdline: 'console=hvc0 quiet', icMode: 'dual', source: { kind: 'default' } });
  });

  it('the interrupt controller mode starts at dual and is sent as chosen', () => {
    const w = useWizard();
    w.icMode = 'xics';
    w.start({ defaultAvailable: true });
    expect(w.icMode).toBe('dual');
    w.icMode = 'xive';
    expect(w.input().icMode).toBe('xive');
    w.step = 1;
    expect(w.next()).toBe(true);
  });

  it('submit jumps to the first page with an error instead of sending', async () => {
    const w = useWizard();
    w.start({ defaultAvailable: true });
    w.step = 4;
    w.cpus = 0;
    expect(await w.submit()).toBeNull();
    expect(w.step).toBe(2);
    expect(b.calls).toEqual([]);
  });
});
