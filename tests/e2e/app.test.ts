// The app end to end in web mode: Debian's chromium (playwright-core) drives the real
// renderer bundle against the real web host and a real VM process booting the default
// Debian guest. One boot (about a minute here), then Reset, drops and Shut down.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startWebHost, type WebHost } from '../../main/web-host.js';
import { defaultGuest } from '../../scripts/guest/manifest.js';

const root = resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
/** expect.poll waits 1 s by default; a busy machine (npm test runs files in parallel) needs more.
 * The long waits below are for a loaded 2-core machine, where the boot can take minutes. */
const POLL = { timeout: 30_000 };
const artifacts = join(root, 'test-artifacts');

let host: WebHost;
let ctx: BrowserContext;
let page: Page;
let tmp: string;

async function consoleText(): Promise<string> {
  return page.evaluate(() => (window as unknown as { ppcboxConsoleText?: () => string }).ppcboxConsoleText?.() ?? '');
}

async function waitConsole(test: (text: string) => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await consoleText();
    if (test(t)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; console:\n${t.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Drop a file made in the page on the element matching `selector`. */
async function dropFile(selector: string, name: string, kind: 'raw' | 'qcow2' | 'iso' | 'text'): Promise<void> {
  await page.evaluate(
    ({ selector, name, kind }) => {
      let bytes: Uint8Array<ArrayBuffer>;
      if (kind === 'raw') bytes = new Uint8Array(1 << 20);
      else if (kind === 'qcow2') {
        bytes = new Uint8Array(4096);
        bytes.set([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]);
      } else if (kind === 'iso') {
        bytes = new Uint8Array(0x9000);
        bytes.set([1, 0x43, 0x44, 0x30, 0x30, 0x31, 1], 0x8000);
      } else bytes = new TextEncoder().encode('just some notes, not a disk\n');
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name));
      const el = document.querySelector(selector);
      if (el === null) throw new Error(`no ${selector}`);
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { selector, name, kind },
  );
}

/** Drop a file with content made on the host (e.g. by qemu-img) on the element matching `selector`. */
async function dropBytes(selector: string, name: string, data: Uint8Array): Promise<void> {
  await page.evaluate(
    ({ selector, name, b64 }) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name));
      const el = document.querySelector(selector);
      if (el === null) throw new Error(`no ${selector}`);
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { selector, name, b64: Buffer.from(data).toString('base64') },
  );
}

describe('PPCBox in web mode (chromium)', () => {
  beforeAll(async () => {
    expect(existsSync(CHROMIUM), 'chromium missing: npm test installs it (scripts/deps.mjs)').toBe(true);
    expect(defaultGuest(), 'default guest missing: npm run setup').toBeDefined();
    const b = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], { cwd: root, encoding: 'utf8' });
    expect(b.status, b.stderr).toBe(0);
    tmp = mkdtempSync(join(tmpdir(), 'ppcbox-e2e-'));
    host = await startWebHost({ userData: join(tmp, 'home') });
    ctx = await chromium.launchPersistentContext(join(tmp, 'chromium'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(20_000);
  }, 180_000);

  afterAll(async () => {
    await ctx?.close();
    await host?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses the page without the token', async () => {
    const r = await page.goto(`http://127.0.0.1:${host.port}/`);
    expect(r?.status()).toBe(403);
  }, 60_000);

  it('lists a corrupt VM folder under "Could not load" with the reason', async () => {
    mkdirSync(join(host.core.library.vmsDir, 'vm-broken'));
    writeFileSync(join(host.core.library.vmsDir, 'vm-broken', 'vm.json'), '{ "format": 1, oops');
    await page.goto(host.url);
    await expect.poll(() => page.getByTestId('problems').textContent(), POLL).toMatch(/vm-broken.*vm\.json is not valid JSON/s);
  }, 60_000);

  it('refuses a dropped text file on the library; a dropped ISO opens the wizard with it', async () => {
    await page.getByTestId('btn-new').waitFor();
    await dropFile('[data-testid=library]', 'notes.txt', 'text');
    await expect.poll(() => page.getByTestId('library-notice').textContent(), POLL).toMatch(/notes\.txt is not a disk image/);
    await dropFile('[data-testid=library]', 'installer.iso', 'iso');
    await page.getByTestId('wizard').waitFor();
    await expect.poll(() => page.getByTestId('chosen-image').textContent(), POLL).toMatch(/installer\.iso, iso/);
    await page.getByTestId('wizard-cancel').click();
  }, 60_000);

  it('creates a VM through the wizard, with per-field validation', async () => {
    await page.getByTestId('btn-new').click();
    await page.getByTestId('source-default').check();
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('preset').selectOption('standard');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('memory').fill('100');
    await page.getByTestId('wizard-next').click();
    await expect.poll(() => page.getByTestId('error-memoryMiB').textContent(), POLL).toMatch(/Between 256 and 3840/);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'wizard-error.png') });
    await page.getByTestId('memory').fill('1024');
    await page.getByTestId('cpus').fill('1');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('name').fill('  ');
    await page.getByTestId('wizard-next').click();
    await expect.poll(() => page.getByTestId('error-name').textContent(), POLL).toMatch(/name/);
    await page.getByTestId('name').fill('e2e debian');
    await page.getByTestId('wizard-next').click();
    await expect.poll(() => page.getByTestId('summary').textContent(), POLL).toMatch(/e2e debian.*Default Debian guest.*1024 MiB/s);
    await page.getByTestId('wizard-create').click();
    await page.getByTestId('vm-view').waitFor();
    expect(await page.getByTestId('vm-name').textContent()).toBe('e2e debian');
    expect(await page.getByTestId('vm-state').textContent()).toBe('Stopped');
    expect(await page.getByTestId('screen').textContent()).toMatch(/No display device/);
    // Snapshots need a running VM: the button says why it is off; the panel is empty.
    expect(await page.getByTestId('btn-snapshot').isDisabled()).toBe(true);
    expect(await page.getByTestId('btn-snapshot').getAttribute('title')).toMatch(/Start the VM to take a snapshot/);
    await expect.poll(() => page.getByTestId('snapshot-empty').textContent(), POLL).toMatch(/No snapshots/);
    // Rename in place (double-click the name); an empty name is refused.
    await page.getByTestId('vm-name').dblclick();
    await page.getByTestId('rename-input').fill('');
    await page.getByTestId('rename-input').press('Enter');
    await expect.poll(() => page.locator('.rename .field-error').textContent(), POLL).toMatch(/name/);
    await page.getByTestId('rename-input').fill('e2e debian');
    await page.getByTestId('rename-input').press('Enter');
    await expect.poll(() => page.getByTestId('vm-name').textContent(), POLL).toBe('e2e debian');
  }, 180_000);

  it('boots to the shell, runs a command, resets, attaches a dropped disk, refuses a text file, shuts down', async () => {
    // Dropped while stopped: attached now, the guest's /dev/vda (1 MiB = 2048 sectors). A
    // qcow2 image, so snapshots can keep its content with the RAM (a writable raw one cannot).
    const img = join(tmp, 'first.qcow2');
    const q = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', img, '1M'], { encoding: 'utf8' });
    expect(q.status, `qemu-img (qemu-utils): ${q.stderr}`).toBe(0);
    await dropBytes('[data-testid=vm-view]', 'first.qcow2', readFileSync(img));
    await expect.poll(() => page.getByTestId('vm-notice').textContent(), POLL).toBe('Attached first.qcow2 (qcow2).');
    await page.getByTestId('btn-start').click();
    await expect.poll(() => page.getByTestId('vm-state').textContent(), { timeout: 120_000 }).toBe('Running');
    await waitConsole((t) => /\/ # $/m.test(t), 420_000, 'the shell prompt');
    await expect.poll(() => page.getByTestId('vm-mips').textContent(), POLL).toMatch(/\d+\.\d MIPS/);
    expect(await page.getByTestId('vm-uptime').textContent()).toMatch(/Up \d+:\d\d/);

    await page.getByTestId('console').click();
    await page.keyboard.type('echo hel""lo');
    await page.keyboard.press('Enter');
    await waitConsole((t) => /^hello\s*$/m.test(t), 120_000, 'hello');
    await page.keyboard.type('cat /sys/block/vda/size');
    await page.keyboard.press('Enter');
    await waitConsole((t) => /^2048\s*$/m.test(t), 120_000, 'the attached disk as /dev/vda');

    // Snapshot: one click saves with a default name; the list shows it with the console text.
    await page.getByTestId('btn-snapshot').click();
    await expect.poll(() => page.getByTestId('snapshot-item').count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('snapshot-note').textContent(), POLL).toMatch(/^Saved "Snapshot \d{4}-\d\d-\d\d [\d:]+" \(/);
    expect(await page.getByTestId('snapshot-name').textContent()).toMatch(/^Snapshot \d{4}-/);
    expect(await page.getByTestId('snapshot-thumb').textContent()).toMatch(/2048/);
    expect(await page.getByTestId('vm-state').textContent()).toBe('Running');
    // The guest goes on; Restore takes it back in place, and its console still answers.
    await page.getByTestId('console').click();
    await page.keyboard.type('echo af""ter');
    await page.keyboard.press('Enter');
    await waitConsole((t) => /^after\s*$/m.test(t), 120_000, 'after');
    await page.getByTestId('btn-snapshot-restore').click();
    await expect.poll(() => page.getByTestId('snapshot-note').textContent(), { timeout: 60_000 }).toMatch(/^Restored "Snapshot/);
    expect(await page.getByTestId('vm-state').textContent()).toBe('Running');
    await page.getByTestId('console').click();
    await page.keyboard.type('echo ag""ain');
    await page.keyboard.press('Enter');
    await waitConsole((t) => /^again\s*$/m.test(t), 120_000, 'the shell answering after Restore');

    // Pause: the vCPUs stop, typed input waits; Resume: the guest reads it.
    await page.getByTestId('btn-pause').click();
    await expect.poll(() => page.getByTestId('vm-state').textContent(), POLL).toBe('Paused');
    await page.getByTestId('console').click();
    await page.keyboard.type('echo wo""rld');
    await page.keyboard.press('Enter');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await consoleText()).not.toMatch(/^world\s*$/m);
    await page.getByTestId('btn-resume').click();
    await expect.poll(() => page.getByTestId('vm-state').textContent(), POLL).toBe('Running');
    await waitConsole((t) => /^world\s*$/m.test(t), 120_000, 'world after Resume');

    // Dropped while running: attached, applies at the next start.
    await dropFile('[data-testid=vm-view]', 'scratch.img', 'raw');
    await expect.poll(() => page.getByTestId('vm-notice').textContent(), POLL).toMatch(/Attached scratch\.img \(raw\).*next start/);
    await expect.poll(() => page.getByTestId('disk-item').count(), POLL).toBe(2);
    expect(await page.getByTestId('disks-pending').isVisible()).toBe(true);
    await dropFile('[data-testid=vm-view]', 'readme.txt', 'text');
    await expect.poll(() => page.getByTestId('vm-notice').textContent(), POLL).toMatch(/readme\.txt was not attached: not a disk image/);
    await expect.poll(() => page.getByTestId('disk-item').count(), POLL).toBe(2);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'vm-view.png'), fullPage: true });

    const boots = (t: string): number => t.split('Booting Linux via __start()').length - 1;
    expect(boots(await consoleText())).toBe(1);
    await page.getByTestId('btn-reset').click();
    await waitConsole((t) => boots(t) >= 2, 240_000, 'the kernel booting again after Reset');

    await page.getByTestId('btn-shutdown').click();
    await expect.poll(() => page.getByTestId('shutdown-note').textContent(), POLL).toMatch(/forced off in \d+ s/);
    await expect.poll(() => page.getByTestId('vm-state').textContent(), { timeout: 60_000 }).toBe('Stopped');
    await expect.poll(() => page.getByTestId('last-exit').textContent(), POLL).toMatch(/did not power off in time; forced off/);
    await page.screenshot({ path: join(artifacts, 'vm-stopped.png'), fullPage: true });
  }, 1_000_000);

  it('a VM whose kernel is not a kernel shows "Crashed" with the reason; the wizard takes uploaded files', async () => {
    await page.getByTestId('btn-new').click();
    await page.getByTestId('source-kernel').check();
    await page.getByTestId('wizard-next').click();
    await expect.poll(() => page.getByTestId('error-kernel').textContent(), POLL).toMatch(/Choose a kernel/);
    await page.setInputFiles('#f-kernel', { name: 'vmlinux-fake', mimeType: 'application/octet-stream', buffer: Buffer.from('not an ELF kernel\n') });
    await expect.poll(() => page.getByTestId('wizard-page-0').textContent(), POLL).toMatch(/vmlinux-fake/);
    for (let i = 0; i < 3; i++) await page.getByTestId('wizard-next').click();
    await page.getByTestId('name').fill('broken kernel');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-create').click();
    await expect.poll(() => page.getByTestId('vm-name').textContent(), POLL).toBe('broken kernel');
    await page.getByTestId('btn-start').click();
    await expect.poll(() => page.getByTestId('vm-state').textContent(), { timeout: 120_000 }).toBe('Crashed');
    await expect.poll(() => page.getByTestId('last-exit').textContent(), POLL).toMatch(/The VM crashed: cannot start: .*vmlinux-fake/);
    // The other VM is untouched.
    await expect.poll(() => page.getByTestId('vm-item').count(), POLL).toBe(2);
    await page.screenshot({ path: join(artifacts, 'vm-crashed.png'), fullPage: true });
    // Delete it (asks first); its folder goes.
    await page.getByTestId('btn-delete').click();
    await page.getByTestId('btn-delete-confirm').click();
    await expect.poll(() => page.getByTestId('vm-item').count(), POLL).toBe(1);
    expect(host.core.library.load().vms.map((v) => v.name)).toEqual(['e2e debian']);
  }, 180_000);
});
