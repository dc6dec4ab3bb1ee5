// The `ppcbox` bin: help, version, dispatch to the set-up script, bad commands.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/guest/manifest.js';

const BIN = join(REPO_ROOT, 'bin', 'ppcbox.js');
const ppcbox = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('ppcbox bin', () => {
  it('prints help naming its commands', () => {
    const r = ppcbox('--help');
    expect(r.status).toBe(0);
    for (const c of ['run', 'setup', 'bench']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('prints the package version', () => {
    const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
    expect(ppcbox('--version').stdout).toBe(`ppcbox ${version}\n`);
  });

  it('runs the set-up script', () => {
    const r = ppcbox('setup', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--kernel <vmlinux>/);
  });

  it('rejects an unknown command with status 2', () => {
    const r = ppcbox('frobnicate');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });
});
