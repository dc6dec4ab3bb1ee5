// Where the default guest lives and what describes it. The set-up script writes
// `<cache>/guest.json` last, so its presence means the files it names are complete.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_GUEST_DIR = join(REPO_ROOT, '.cache', 'guest');
export const MANIFEST_NAME = 'guest.json';
export const MANIFEST_FORMAT = 1;

export interface GuestFile {
  /** File name inside the guest directory. */
  file: string;
  size: number;
  sha256: string;
}

export interface GuestManifest {
  format: number;
  /** 'debian': fetched from Debian's packages; 'local': registered with --kernel/--initrd. */
  source: 'debian' | 'local';
  /** Hash of the recipe, /init and the builder's code the initrd was made from. */
  recipeHash: string;
  kernel: GuestFile & { package?: string; version?: string; release?: string; deb?: string };
  initrd: GuestFile;
  packages: { name: string; version: string; deb: string }[];
  createdAt: string;
}

export function readManifest(dir: string = DEFAULT_GUEST_DIR): GuestManifest | undefined {
  const p = join(dir, MANIFEST_NAME);
  if (!existsSync(p)) return undefined;
  try {
    const m = JSON.parse(readFileSync(p, 'utf8')) as GuestManifest;
    return m.format === MANIFEST_FORMAT ? m : undefined;
  } catch {
    return undefined;
  }
}

/** True when the files the manifest names exist with the recorded sizes. */
export function filesPresent(dir: string, m: GuestManifest): boolean {
  for (const f of [m.kernel, m.initrd]) {
    const p = join(dir, f.file);
    if (!existsSync(p) || statSync(p).size !== f.size) return false;
  }
  return true;
}

/** Paths of the default guest's kernel and initrd, or undefined when not set up. */
export function defaultGuest(dir: string = DEFAULT_GUEST_DIR): { kernel: string; initrd: string; manifest: GuestManifest } | undefined {
  const m = readManifest(dir);
  if (!m || !filesPresent(dir, m)) return undefined;
  return { kernel: join(dir, m.kernel.file), initrd: join(dir, m.initrd.file), manifest: m };
}

/** lib/modules/<release> of the extracted kernel package (Debian guests only). */
export function kernelModulesDir(dir: string, m: GuestManifest): string | undefined {
  if (m.source !== 'debian' || !m.kernel.deb || !m.kernel.release) return undefined;
  const p = join(dir, 'pkgs', m.kernel.deb.replace(/\.deb$/, ''), 'lib', 'modules', m.kernel.release);
  return existsSync(p) ? p : undefined;
}
