// The set-up script: kernel selection, the no-apt path, registering local files, and the
// real default guest that `npm test` fetched before the suite runs.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCpio } from '../../scripts/guest/cpio.js';
import { modulesDepFromModinfo, readModinfo, resolveModules } from '../../scripts/guest/initramfs.js';
import { DEFAULT_GUEST_DIR, REPO_ROOT, defaultGuest, kernelModulesDir } from '../../scripts/guest/manifest.js';
import { newestKernelPackage } from '../../scripts/setup-guest.js';

const TSX = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const SETUP = join(REPO_ROOT, 'scripts', 'setup-guest.ts');
const PATTERN = '^linux-image-(\\d+)\\.(\\d+)\\.(\\d+)-(\\d+)-powerpc64le$';
const work = mkdtempSync(join(tmpdir(), 'ppcbox-setup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function setup(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [TSX, SETUP, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** A minimal 64-bit little-endian PowerPC ELF header (enough for the script's check). */
function fakeVmlinux(): Buffer {
  const h = Buffer.alloc(64);
  h.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  h.writeUInt16LE(2, 16); // ET_EXEC
  h.writeUInt16LE(21, 18); // EM_PPC64
  return h;
}

describe('kernel package selection', () => {
  it('takes the highest ABI, numerically, and ignores -dbg and meta packages', () => {
    const names = [
      'linux-image-6.1.0-9-powerpc64le',
      'linux-image-6.1.0-50-powerpc64le',
      'linux-image-6.1.0-50-powerpc64le-dbg',
      'linux-image-6.1.0-47-powerpc64le',
      'linux-image-powerpc64le',
      'linux-image-6.1.0-50-powerpc64',
      'linux-image-5.10.0-99-powerpc64le',
    ];
    expect(newestKernelPackage(names, PATTERN)).toBe('linux-image-6.1.0-50-powerpc64le');
    expect(newestKernelPackage(['linux-image-6.10.0-1-powerpc64le', 'linux-image-6.9.0-9-powerpc64le'], PATTERN)).toBe(
      'linux-image-6.10.0-1-powerpc64le',
    );
    expect(newestKernelPackage(['linux-image-powerpc64le'], PATTERN)).toBeUndefined();
  });
});

describe('setup-guest without apt', () => {
  it('stops with a message saying how to pass --kernel and --initrd', () => {
    const dir = join(work, 'noapt');
    const r = setup(['--cache-dir', dir], { ...process.env, PATH: join(work, 'empty-path') });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/apt-get not found/);
    expect(r.out).toContain('--kernel <vmlinux> --initrd <initrd.gz>');
  });

  it('registers your own kernel and initrd, then has nothing to do', () => {
    const dir = join(work, 'local');
    const k = join(work, 'my-vmlinux');
    const i = join(work, 'my-initrd.gz');
    writeFileSync(k, fakeVmlinux());
    writeFileSync(i, 'not really an initrd');
    const r = setup(['--cache-dir', dir, '--kernel', k, '--initrd', i]);
    expect(r.status, r.out).toBe(0);
    expect(readFileSync(join(dir, 'initrd.gz'), 'utf8')).toBe('not really an initrd');
    expect(defaultGuest(dir)?.manifest.source).toBe('local');
    const again = setup(['--cache-dir', dir], { ...process.env, PATH: join(work, 'empty-path') });
    expect(again.status, again.out).toBe(0);
    expect(again.out).toMatch(/nothing to do/);
  });

  it('refuses a kernel that is not a 64-bit PowerPC ELF', () => {
    const k = join(work, 'x86-kernel');
    const h = fakeVmlinux();
    h.writeUInt16LE(62, 18); // EM_X86_64
    writeFileSync(k, h);
    copyFileSync(k, join(work, 'initrd-any'));
    const r = setup(['--cache-dir', join(work, 'bad'), '--kernel', k, '--initrd', join(work, 'initrd-any')]);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/not a 64-bit PowerPC ELF/);
    expect(setup(['--kernel', k]).status).toBe(2);
  });
});

describe('the default guest (fetched by npm test / npm run setup)', () => {
  const g = defaultGuest(DEFAULT_GUEST_DIR);

  it('is present', () => {
    expect(g, 'the default guest is missing: run `npm run setup`').toBeDefined();
  });

  it.runIf(g)('has a 64-bit little-endian PowerPC vmlinux from Debian', () => {
    const r = spawnSync('file', ['-b', g!.kernel], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^ELF 64-bit LSB executable, 64-bit PowerPC/);
    expect(g!.manifest.kernel.package).toMatch(/^linux-image-\d+\.\d+\.\d+-\d+-powerpc64le$/);
  });

  it.runIf(g)('has an initramfs with /init, busybox and the console device', () => {
    const gz = readFileSync(g!.initrd);
    const es = readCpio(gz);
    const by = new Map(es.map((e) => [e.path, e]));
    expect(by.get('init')?.perm).toBe(0o755);
    expect(new TextDecoder().decode(by.get('init')?.data)).toBe(readFileSync(join(REPO_ROOT, 'assets/guest/init'), 'utf8'));
    expect(by.get('dev/console')).toMatchObject({ type: 'char', major: 5, minor: 1 });
    const bb = by.get('bin/busybox');
    expect(bb?.perm).toBe(0o755);
    // Debian's cpio agrees on the listing.
    const t = spawnSync('sh', ['-c', 'gzip -dc | cpio -t --quiet'], { input: gz, encoding: 'utf8' });
    expect(t.stdout.split('\n')).toEqual(expect.arrayContaining(['init', 'bin/busybox', 'dev/console', 'dev/null']));
    // And the busybox in it is a ppc64le program that runs (under qemu-user).
    const bbPath = join(work, 'busybox');
    writeFileSync(bbPath, bb!.data, { mode: 0o755 });
    const run = spawnSync('qemu-ppc64le', [bbPath, 'echo', 'ppc64le busybox runs'], { encoding: 'utf8' });
    expect(run.stdout).toBe('ppc64le busybox runs\n');
  });

  it.runIf(g)('is not fetched again: a second run has nothing to do', () => {
    const r = setup([], { ...process.env, PATH: join(work, 'empty-path') + ':' + process.env.PATH });
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/up to date.*nothing to do/);
  });

  const modDir = g ? kernelModulesDir(DEFAULT_GUEST_DIR, g.manifest) : undefined;

  it.runIf(modDir)('reads module dependencies from .modinfo as binutils does', () => {
    const ko = join(modDir!, 'kernel/drivers/block/virtio_blk.ko');
    const info = readModinfo(readFileSync(ko));
    // readelf -p prints the section's strings: an independent reading of the same bytes.
    const r = spawnSync('powerpc64le-linux-gnu-readelf', ['-p', '.modinfo', ko], { encoding: 'utf8' });
    const fromReadelf = r.stdout
      .split('\n')
      .map((l) => /^\s*\[\s*[0-9a-f]+\]\s+(.*)$/.exec(l)?.[1])
      .filter((x): x is string => x !== undefined);
    expect(fromReadelf).toContain(`depends=${info.get('depends')?.[0]}`);
    expect(fromReadelf).toContain(`name=${info.get('name')?.[0]}`);
    expect(info.get('name')).toEqual(['virtio_blk']);
    expect(info.get('vermagic')?.[0]).toMatch(new RegExp(`^${g!.manifest.kernel.release} `));
  });

  it.runIf(modDir)('resolves the disk modules of the Debian kernel with their dependencies', () => {
    const dep = modulesDepFromModinfo(modDir!, ['virtio_blk', 'virtio_pci', 'ext4']);
    const order = resolveModules(dep, ['virtio_blk', 'virtio_pci', 'ext4']);
    const at = (m: string) => order.findIndex((p) => p.endsWith(`/${m}.ko`));
    for (const m of ['virtio', 'virtio_ring', 'virtio_blk', 'virtio_pci', 'jbd2', 'mbcache', 'ext4']) expect(at(m)).toBeGreaterThanOrEqual(0);
    expect(at('virtio')).toBeLessThan(at('virtio_blk'));
    expect(at('jbd2')).toBeLessThan(at('ext4'));
    expect(dep).toMatch(/^kernel\/drivers\/block\/virtio_blk\.ko: .*kernel\/drivers\/virtio\/virtio\.ko/m);
  });
});
