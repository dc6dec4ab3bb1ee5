#!/usr/bin/env node
// `npm test`: make a fresh machine ready, then run the whole vitest suite.
//   1. npm packages: `npm ci` when node_modules is missing or does not match the lock
//   2. Debian packages the tests use (scripts/deps.mjs): apt-get install what is missing
//   3. the default guest: scripts/setup-guest.ts (does nothing when it is cached)
//   4. `vitest run [args]`, exiting with its status
// Plain Node, no dependencies: it runs before node_modules exists. Every step says what
// it does; when nothing is missing the bootstrap takes well under two seconds.
// PPCBOX_NO_BOOTSTRAP=1 skips steps 1-3.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEBIAN_PACKAGES } from './deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitestArgs = process.argv.slice(2);

function say(msg) {
  process.stdout.write(`test: ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  say(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) say(`cannot run ${cmd}: ${r.error.message}`);
  return r.status ?? 1;
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// ---------------------------------------------------------------- 1. npm packages

/** Why node_modules needs `npm ci`, or '' when it matches package-lock.json. */
export function npmStale(root) {
  const lockPath = join(root, 'package-lock.json');
  const hiddenPath = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(join(root, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(hiddenPath)) return 'node_modules was not installed by npm';
  if (statSync(lockPath).mtimeMs <= statSync(hiddenPath).mtimeMs) return '';
  // The lock is newer (e.g. a checkout touched it): compare what it pins with what is installed.
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')).packages ?? {};
  const installed = JSON.parse(readFileSync(hiddenPath, 'utf8')).packages ?? {};
  for (const [path, p] of Object.entries(lock)) {
    if (path === '' || p.link) continue;
    const have = installed[path];
    if (!have) {
      if (p.optional) continue; // platform packages for other systems
      return `package-lock.json wants ${path}, not installed`;
    }
    if (have.version !== p.version) return `package-lock.json wants ${path}@${p.version}, installed ${have.version}`;
  }
  for (const path of Object.keys(installed)) {
    if (!(path in lock)) return `${path} is installed but not in package-lock.json`;
  }
  return '';
}

function npmStep() {
  const why = npmStale(root);
  if (why === '') {
    say('npm packages: up to date');
    return;
  }
  say(`npm packages: ${why}; installing`);
  const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };
  const status = run('npm', ['ci', '--no-audit', '--no-fund'], { env });
  if (status !== 0) {
    say(`npm ci failed (status ${status}); cannot run the tests`);
    process.exit(status);
  }
}

// ---------------------------------------------------------------- 2. Debian packages

function missingDebianPackages() {
  const names = DEBIAN_PACKAGES.map((p) => p.name);
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...names], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (r.error) return undefined; // no dpkg: not a Debian-like system
  const installed = new Set(
    r.stdout
      .split('\n')
      .filter((l) => l.endsWith(' installed'))
      .map((l) => l.split(' ')[0]),
  );
  return DEBIAN_PACKAGES.filter((p) => !installed.has(p.name));
}

function debianStep() {
  const missing = missingDebianPackages();
  if (missing === undefined) {
    say(`Debian packages: dpkg not found; install by hand: ${DEBIAN_PACKAGES.map((p) => p.name).join(' ')}`);
    return;
  }
  if (missing.length === 0) {
    say('Debian packages: all present');
    return;
  }
  for (const p of missing) say(`Debian packages: ${p.name} missing (${p.why})`);
  let prefix = [];
  if (process.getuid && process.getuid() !== 0) {
    if (has('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) prefix = ['sudo', '-n'];
    else {
      say(`not root and no password-less sudo: run  sudo apt-get install ${missing.map((p) => p.name).join(' ')}`);
      say('continuing; tests that need them will fail');
      return;
    }
  }
  if (!has('apt-get')) {
    say('apt-get not found; continuing, tests that need these packages will fail');
    return;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const cmd = (args) => (prefix.length ? run(prefix[0], [...prefix.slice(1), ...args], { env }) : run(args[0], args.slice(1), { env }));
  // A failing index (a mirror mid-sync) makes update exit non-zero; the install may still work.
  if (cmd(['apt-get', '-q', 'update']) !== 0) say('apt-get update reported errors; trying the install anyway');
  const status = cmd(['apt-get', '-q', 'install', '-y', '--no-install-recommends', ...missing.map((p) => p.name)]);
  if (status !== 0) say(`apt-get install failed (status ${status}); continuing, tests that need these packages will fail`);
}

// ---------------------------------------------------------------- 3. the default guest

/** The set-up script's own up-to-date check, without starting tsx (saves ~1 s). */
export function guestUpToDate(root) {
  try {
    const dir = join(root, '.cache', 'guest');
    const m = JSON.parse(readFileSync(join(dir, 'guest.json'), 'utf8'));
    for (const f of [m.kernel, m.initrd]) if (statSync(join(dir, f.file)).size !== f.size) return false;
    if (m.source === 'local') return true;
    // Same inputs, same order as loadRecipe() in scripts/setup-guest.ts.
    const recipeText = readFileSync(join(root, 'assets', 'guest', 'recipe.json'), 'utf8');
    const init = readFileSync(join(root, 'assets', 'guest', JSON.parse(recipeText).init));
    const builder = ['cpio.ts', 'initramfs.ts'].map((f) => readFileSync(join(root, 'scripts', 'guest', f), 'utf8'));
    const hash = createHash('sha256').update([recipeText, init.toString('latin1'), ...builder].join('\0')).digest('hex');
    return m.recipeHash === hash;
  } catch {
    return false;
  }
}

function guestStep() {
  if (guestUpToDate(root)) {
    say('default guest: up to date in .cache/guest');
    return;
  }
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const status = run(process.execPath, [tsx, 'scripts/setup-guest.ts']);
  if (status !== 0) say('the default guest is not available; continuing, tests that boot it will fail');
}

// ---------------------------------------------------------------- 4. the suite

function main() {
  const t0 = Date.now();
  if (process.env.PPCBOX_NO_BOOTSTRAP) {
    say('PPCBOX_NO_BOOTSTRAP is set: skipping npm/apt/guest checks');
  } else {
    npmStep();
    debianStep();
    guestStep();
    say(`bootstrap done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const r = spawnSync(process.execPath, [vitest, 'run', ...vitestArgs], { cwd: root, stdio: 'inherit' });
  if (r.error) {
    say(`cannot run vitest: ${r.error.message}`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}

// Run only when executed (the tests import the functions above).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
