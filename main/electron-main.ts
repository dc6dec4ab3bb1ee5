// The desktop app's Electron main process, kept thin: a window with context isolation,
// sandbox and no Node in the renderer, a typed IPC entry that hands every call to
// AppCore.dispatch (which validates it), events forwarded to the window, and VM
// processes spawned with utilityProcess. Bundled by main/start.mjs into out/main/.
import { app, BrowserWindow, ipcMain, utilityProcess, type IpcMainInvokeEvent } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppCore, ApiError } from './app-core.js';
import { publicGrant } from './grants.js';
import { isFromVm } from '../emulator/host/vm-protocol.js';
import type { FromVm } from '../emulator/host/vm-protocol.js';
import type { VmChild } from './vm-launcher.js';

// This file is bundled to out/main/index.js; the checkout is two levels up.
const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');
const RENDERER_INDEX = join(here, '..', 'renderer', 'index.html');
const PRELOAD = join(here, 'preload.cjs');
// The VM process runs from the sources through tsx, like in web mode; its vCPU worker
// threads find their entry next to it (emulator/host/vcpu-thread-entry.mjs). A packaged
// build needs the emulator compiled to JS (PPCBOX_COMPILED) and unpacked from the asar.
const VM_PROCESS = join(ROOT, 'emulator', 'host', 'vm-process.ts');

/** utilityProcess flavour of the VM launcher (vm-launcher.ts has the fork one). */
function utilityLauncher(): VmChild {
  const p = utilityProcess.fork(VM_PROCESS, [], { serviceName: 'PPCBox VM', cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  p.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4000)));
  const msgs: Array<(m: FromVm) => void> = [];
  const bad: Array<(m: unknown) => void> = [];
  p.on('message', (m: unknown) => {
    if (isFromVm(m)) for (const f of msgs) f(m);
    else for (const f of bad) f(m);
  });
  return {
    get pid() {
      return p.pid;
    },
    send: (m) => p.postMessage(m),
    onMessage: (f) => msgs.push(f),
    onBadMessage: (f) => bad.push(f),
    onExit: (f) => p.on('exit', (code) => f(code, null, stderr)),
    kill: () => {
      p.kill();
    },
  };
}

let win: BrowserWindow | null = null;

function fromOurWindow(e: IpcMainInvokeEvent): boolean {
  return win !== null && e.sender === win.webContents && e.senderFrame?.url.startsWith('file://') === true;
}

app.whenReady().then(() => {
  const core = new AppCore({ userData: app.getPath('userData'), launcher: utilityLauncher, guestDir: join(ROOT, '.cache', 'guest'), seedDefaultVm: true });
  win = new BrowserWindow({
    width: 1280,
    height: 860,
    title: 'PPCBox',
    webPreferences: { preload: PRELOAD, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  // The app never navigates or opens windows.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  core.onEvent((e) => win?.webContents.send('ppcbox:event', e));

  ipcMain.handle('ppcbox:invoke', async (e, method: unknown, args: unknown) => {
    if (!fromOurWindow(e)) return { ok: false, error: 'refused' };
    try {
      // Some methods answer later (snapshots): awaited so their refusals keep their shape.
      return { ok: true, result: (await core.dispatch(method, args)) ?? null };
    } catch (err) {
      return err instanceof ApiError ? { ok: false, error: err.message, fields: err.fields } : { ok: false, error: `internal error: ${(err as Error).message}` };
    }
  });
  // Paths only from what the user dropped or picked (preload's webUtils.getPathForFile).
  ipcMain.handle('ppcbox:grant', (e, path: unknown) => {
    if (!fromOurWindow(e) || typeof path !== 'string' || path === '') throw new Error('no file');
    return publicGrant(core.grants.grant(path));
  });
  app.on('before-quit', () => core.close());
  void win.loadFile(RENDERER_INDEX);
});

app.on('window-all-closed', () => app.quit());
