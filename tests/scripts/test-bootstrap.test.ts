// scripts/test.mjs, the `npm test` bootstrap: when it reinstalls npm packages, and its
// fast guest check agreeing with the set-up script's own.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, defaultGuest } from '../../scripts/guest/manifest.js';
import { guestUpToDate, npmStale } from '../../scripts/test.mjs';

const work = mkdtempSync(join(tmpdir(), 'ppcbox-bootstrap-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Pkgs = Record<string, { version?: string; optional?: boolean }>;

function project(name: string, lock: Pkgs, installed: Pkgs | undefined, lockNewer: boolean): string {
  const root = join(work, name);
  mkdirSync(root);
  const lockPath = join(root, 'package-lock.json');
  writeFileSync(lockPath, JSON.stringify({ lockfileVersion: 3, packages: { '': { name }, ...lock } }));
  if (installed !== undefined) {
    mkdirSync(join(root, 'node_modules'));
    const hidden = join(root, 'node_modules', '.package-lock.json');
    writeFileSync(hidden, JSON.stringify({ lockfileVersion: 3, packages: installed }));
    const [older, newer] = lockNewer ? [hidden, lockPath] : [lockPath, hidden];
    utimesSync(older, 1_000_000, 1_000_000);
    utimesSync(newer, 2_000_000, 2_000_000);
  }
  return root;
}

const A = { 'node_modules/a': { version: '1.0.0' } };

describe('npm test bootstrap: npm packages', () => {
  it('installs when node_modules is missing or not from npm', () => {
    expect(npmStale(project('p1', A, undefined, false))).toMatch(/node_modules is missing/);
    const p2 = project('p2', A, {}, false);
    rmSync(join(p2, 'node_modules', '.package-lock.json'));
    expect(npmStale(p2)).toMatch(/not installed by npm/);
  });

  it('trusts an install newer than the lock', () => {
    expect(npmStale(project('p3', A, A, false))).toBe('');
  });

  it('compares contents when the lock is newer (e.g. after a checkout)', () => {
    expect(npmStale(project('p4', A, A, true))).toBe('');
    expect(npmStale(project('p5', A, { 'node_modules/a': { version: '0.9.0' } }, true))).toMatch(/wants node_modules\/a@1\.0\.0, installed 0\.9\.0/);
    expect(npmStale(project('p6', { ...A, 'node_modules/b': { version: '2.0.0' } }, A, true))).toMatch(/wants node_modules\/b/);
    expect(npmStale(project('p7', A, { ...A, 'node_modules/c': { version: '1.0.0' } }, true))).toMatch(/node_modules\/c is installed but not/);
    // Optional packages for other platforms are never installed here.
    expect(npmStale(project('p8', { ...A, 'node_modules/@x/darwin': { version: '1.0.0', optional: true } }, A, true))).toBe('');
  });
});

describe('npm test bootstrap: default guest', () => {
  it.runIf(defaultGuest())('agrees with the set-up script that the cached guest is up to date', () => {
    expect(guestUpToDate(REPO_ROOT)).toBe(true);
  });

  it('says not up to date without a manifest', () => {
    expect(guestUpToDate(join(work, 'p1'))).toBe(false);
  });
});
