// Files the user chose. The renderer never names host paths: a dialog, a drop or an
// upload turns a file into a grant (an opaque random id) and API calls refer to that.
import { randomUUID } from 'node:crypto';
import { accessSync, constants, statSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import type { FileGrant } from './api-types.js';
import { probeFile } from './disk-probe.js';

export interface GrantEntry extends FileGrant {
  path: string;
  /** Uploaded into the library's imports folder (web mode): the library may move it. */
  uploaded: boolean;
}

const MAX_GRANTS = 1000;

export class FileGrants {
  private readonly map = new Map<string, GrantEntry>();

  /** Grant a host file (from a dialog, a drop, or an upload). Throws a clear message. */
  grant(path: string, opts: { name?: string; uploaded?: boolean } = {}): GrantEntry {
    if (!isAbsolute(path)) throw new Error(`not an absolute path: ${path}`);
    let st;
    try {
      st = statSync(path);
      accessSync(path, constants.R_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `${path}: no such file` : code === 'EACCES' ? `${path}: not readable` : (e as Error).message, { cause: e });
    }
    if (!st.isFile()) throw new Error(`${path}: not a regular file`);
    const size = st.size;
    const p = probeFile(path);
    const entry: GrantEntry = {
      id: randomUUID(),
      name: opts.name ?? basename(path),
      size,
      format: p.format,
      refusal: p.format === null ? p.refusal : undefined,
      path,
      uploaded: opts.uploaded === true,
    };
    if (this.map.size >= MAX_GRANTS) this.map.delete(this.map.keys().next().value as string);
    this.map.set(entry.id, entry);
    return entry;
  }

  get(id: string): GrantEntry | undefined {
    return this.map.get(id);
  }

  /** The file moved (adopted into a VM folder): its grant now names the new place. */
  moved(id: string, path: string): void {
    const g = this.map.get(id);
    if (g !== undefined) {
      g.path = path;
      g.uploaded = false;
    }
  }
}

/** What the renderer may see of a grant (no host path). */
export function publicGrant(g: GrantEntry): FileGrant {
  return { id: g.id, name: g.name, size: g.size, format: g.format, refusal: g.refusal };
}
