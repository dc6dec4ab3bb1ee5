#!/usr/bin/env node
// The `ppcbox` command: a thin dispatcher that runs the TypeScript entry points with tsx.
//   ppcbox run [options]     one VM in this terminal (emulator/cli.ts)
//   ppcbox setup [options]   fetch the default guest (scripts/setup-guest.ts)
//   ppcbox bench [groups]    benchmarks (scripts/bench.ts)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const COMMANDS = {
  run: { entry: 'emulator/cli.ts', passCommand: true, about: 'run one PowerPC VM with its console on this terminal' },
  setup: { entry: 'scripts/setup-guest.ts', passCommand: false, about: "fetch the default guest (Debian's ppc64el kernel + busybox)" },
  bench: { entry: 'scripts/bench.ts', passCommand: false, about: 'run benchmarks, printing `name value unit` lines' },
};

const HELP = `PPCBox ${pkg.version}: PowerPC virtual machines with their own emulator

Usage: ppcbox <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(7)} ${c.about}`)
  .join('\n')}

  ppcbox <command> --help   options of one command
  ppcbox --version          print the version
`;

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
  process.stdout.write(HELP);
  process.exit(0);
}
if (cmd === '--version' || cmd === '-V') {
  process.stdout.write(`ppcbox ${pkg.version}\n`);
  process.exit(0);
}
const c = COMMANDS[cmd];
if (c === undefined) {
  process.stderr.write(`ppcbox: unknown command "${cmd}" (try: ppcbox --help)\n`);
  process.exit(2);
}
const entry = join(root, c.entry);
if (!existsSync(entry)) {
  process.stderr.write(`ppcbox: "${cmd}" is not available in this build (${c.entry} is missing)\n`);
  process.exit(1);
}
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
if (!existsSync(tsx)) {
  process.stderr.write(`ppcbox: dependencies are not installed: run \`npm ci\` in ${root}\n`);
  process.exit(1);
}
const args = [tsx, entry, ...(c.passCommand ? [cmd] : []), ...rest];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (r.error) {
  process.stderr.write(`ppcbox: ${r.error.message}\n`);
  process.exit(1);
}
if (r.signal) process.kill(process.pid, r.signal);
process.exit(r.status ?? 1);
