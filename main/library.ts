// The VM library: one folder per VM under <userData>/vms/, each with its vm.json.
// Configs are validated when read; a corrupt one is reported (folder + reason) and
// skipped, never fatal. Writes go to a temp file, are fsynced, then renamed.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { validateConfig, isVmId, type LibraryProblem, type VmConfig } from './api-types.js';

export const CONFIG_FILE = 'vm.json';

/** Write a file so a crash leaves either the old or the new content. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export class Library {
  readonly vmsDir: string;
  readonly importsDir: string;

  constructor(readonly root: string) {
    this.vmsDir = join(root, 'vms');
    this.importsDir = join(root, 'imports');
    mkdirSync(this.vmsDir, { recursive: true });
    mkdirSync(this.importsDir, { recursive: true });
  }

  folder(id: string): string {
    if (!isVmId(id)) throw new Error(`bad VM id ${JSON.stringify(id)}`);
    return join(this.vmsDir, id);
  }

  /** Every valid VM, and a problem line for every folder that could not be read. */
  load(): { vms: VmConfig[]; problems: LibraryProblem[] } {
    const vms: VmConfig[] = [];
    const problems: LibraryProblem[] = [];
    let entries: string[];
    try {
      entries = readdirSync(this.vmsDir);
    } catch (e) {
      return { vms, problems: [{ folder: this.vmsDir, message: `cannot read the library: ${(e as Error).message}` }] };
    }
    for (const name of entries.sort()) {
      const dir = join(this.vmsDir, name);
      try {
        if (!statSync(dir).isDirectory()) continue;
      } catch {
        continue;
      }
      const r = this.readConfig(name);
      if ('config' in r) vms.push(r.config);
      else problems.push({ folder: dir, message: r.problem });
    }
    vms.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
    return { vms, problems };
  }

  private readConfig(folderName: string): { config: VmConfig } | { problem: string } {
    const file = join(this.vmsDir, folderName, CONFIG_FILE);
    if (!existsSync(file)) return { problem: `${CONFIG_FILE} is missing` };
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      return { problem: `${CONFIG_FILE} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return { problem: `${CONFIG_FILE} is not valid JSON (${(e as Error).message})` };
    }
    const bad = validateConfig(json);
    if (bad.length > 0) return { problem: `${CONFIG_FILE}: ${bad.join('; ')}` };
    const cfg = json as VmConfig;
    if (cfg.id !== folderName) return { problem: `${CONFIG_FILE}: id ${cfg.id} does not match its folder` };
    return { config: cfg };
  }

  get(id: string): VmConfig | undefined {
    if (!isVmId(id)) return undefined;
    const r = this.readConfig(id);
    return 'config' in r ? r.config : undefined;
  }

  /** A new id: unused and safe as a folder name. */
  newId(): string {
    for (;;) {
      const id = `vm-${randomBytes(5).toString('hex')}`;
      if (!existsSync(join(this.vmsDir, id))) return id;
    }
  }

  save(cfg: VmConfig): void {
    const bad = validateConfig(cfg);
    if (bad.length > 0) throw new Error(`refusing to save an invalid config: ${bad.join('; ')}`);
    const dir = this.folder(cfg.id);
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, CONFIG_FILE), `${JSON.stringify(cfg, null, 2)}\n`);
  }

  remove(id: string): void {
    rmSync(this.folder(id), { recursive: true, force: true });
  }
}
