#!/usr/bin/env node
// `npm start`: make the checkout ready on first run, then open the desktop app, or web
// mode where no Electron binary is available (it says so).
//   1. npm packages: `npm ci` when node_modules is missing
//   2. the default guest (scripts/setup-guest.ts; nothing to do when cached)
//   3. the renderer bundle (vite build)
//   4. Electron binary present: bundle main/ into out/main/ and run Electron;
//      otherwise: the web host (main/web-host.ts), printing the URL with its token.
// Plain Node: it runs before node_modules exists.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nm = join(root, 'node_modules');
const say = (m) => process.stdout.write(`start: ${m}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    say(`${cmd} ${args.join(' ')} failed (status ${r.status ?? r.error?.message})`);
    process.exit(r.status ?? 1);
  }
}

if (!existsSync(join(nm, '.bin', 'tsx')) || !existsSync(join(nm, 'vite'))) {
  say('installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
}
const tsx = join(nm, 'tsx', 'dist', 'cli.mjs');

if (!existsSync(join(root, '.cache', 'guest', 'guest.json'))) {
  say('fetching the default guest (Debian ppc64el kernel + busybox), once');
  const r = spawnSync(process.execPath, [tsx, join(root, 'scripts', 'setup-guest.ts')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) say('the default guest could not be fetched: the app opens anyway; VMs need a kernel you choose');
}

say('building the renderer');
run(process.execPath, [join(nm, 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn']);

/** Electron's binary, when its download has happened (postinstall / npm run electron:fetch). */
function electronBinary() {
  try {
    const p = readFileSync(join(nm, 'electron', 'path.txt'), 'utf8').trim();
    const bin = join(nm, 'electron', 'dist', p);
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const electron = process.env.PPCBOX_WEB ? null : electronBinary();
if (electron !== null) {
  say('bundling the main process');
  const esbuild = join(nm, 'esbuild', 'bin', 'esbuild');
  const common = ['--bundle', '--platform=node', '--target=node20', '--external:electron', '--log-level=warning'];
  run(esbuild, [join(root, 'main', 'electron-main.ts'), '--format=esm', `--outfile=${join(root, 'out', 'main', 'index.js')}`, ...common]);
  run(esbuild, [join(root, 'main', 'preload.ts'), '--format=cjs', `--outfile=${join(root, 'out', 'main', 'preload.cjs')}`, ...common]);
  say('opening PPCBox');
  const p = spawn(electron, [join(root, 'out', 'main', 'index.js')], { cwd: root, stdio: 'inherit' });
  p.on('exit', (code) => process.exit(code ?? 0));
} else {
  say('no Electron binary is available here (`npm run electron:fetch` downloads it where GitHub can be reached): opening web mode instead');
  const p = spawn(process.execPath, [tsx, join(root, 'main', 'web-host.ts')], { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] });
  p.stdout.on('data', (d) => {
    process.stdout.write(d);
    const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=\w+)/.exec(d.toString());
    // Open the browser where there is a desktop; otherwise the printed URL is the way in.
    if (m && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY || process.platform !== 'linux')) {
      const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
      spawn(opener, [m[1]], { stdio: 'ignore', detached: true }).on('error', () => {});
    }
  });
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => p.kill(s));
  p.on('exit', (code) => process.exit(code ?? 0));
}
