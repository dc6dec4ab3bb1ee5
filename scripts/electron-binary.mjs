#!/usr/bin/env node
// Fetch Electron's binary when its host can be reached; never fail an install over it.
// Electron's own install script is disabled (package.json "allowScripts") because it
// fails `npm ci` on machines without access to GitHub. The emulator, the CLI and the
// test suite do not need the binary; only the desktop app does.
//   node scripts/electron-binary.mjs          best effort (postinstall)
//   node scripts/electron-binary.mjs --force  `npm run electron:fetch`: fail loudly
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');
const installer = join(root, 'node_modules', 'electron', 'install.js');

if (!force && process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('electron: binary download skipped (ELECTRON_SKIP_BINARY_DOWNLOAD is set)');
  process.exit(0);
}
if (!existsSync(installer)) {
  // Installed without dev dependencies: nothing to fetch.
  process.exit(0);
}
const env = { ...process.env };
delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
const r = spawnSync(process.execPath, [installer], {
  cwd: dirname(installer),
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
  timeout: 90_000,
  encoding: 'utf8',
});
if (r.status === 0) {
  console.log('electron: binary ready');
  process.exit(0);
}
const why = r.error ? r.error.message : (r.stderr || r.stdout || '').trim().split('\n')[0] || `exit status ${r.status}`;
const msg = `electron: binary not downloaded (${why}). The emulator, CLI and tests do not need it; run \`npm run electron:fetch\` where GitHub is reachable to use the desktop app.`;
if (force) {
  console.error(msg);
  process.exit(1);
}
console.log(msg);
