// Advisory image locks, so two VMs (or two drives of one VM) never write one image at
// once, and nobody writes an image another VM reads (e.g. the base of a linked clone).
//
// Node has no fcntl/flock, so the lock is a file beside the image (on its real path,
// so symlinks and different spellings of the path meet):
//   IMAGE.lock               the writer: created atomically (link(2) of a complete temp
//                            file, so nobody ever reads a half-written lock)
//   IMAGE.lock.read-PID-N    one per reader (read-only opens and backing files)
// Each holds {pid, start, host}; `start` is the process start time from /proc, so a
// lock whose pid died, or was reused by another program, is stale and is taken over.
// Writer and reader both create their own file first and then look for the other kind,
// so of two racing opens at least one sees the other.
// A running QEMU locks images with OFD byte locks; those show in /proc/locks and are
// honoured too (QEMU does not see our lock files, so start QEMU first to be safe).
// A read-only open in a directory it cannot write skips registering (it still checks
// for a writer).
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BlockError } from './backend.js';

interface Holder {
  pid: number;
  start: string;
  host: string;
  mode: 'write' | 'read';
}

export interface ImageLock {
  readonly path: string;
  readonly mode: 'write' | 'read';
  release(): Promise<void>;
}

/** Lock files this process holds, removed on a normal exit. */
const held = new Set<string>();
let exitHook = false;

function hookExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const f of held) {
      try {
        unlinkSync(f);
      } catch {}
    }
  });
}

/** Start time of a process (clock ticks since boot) from /proc, or '' if unknown. */
export function processStart(pid: number): string {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? ''; // field 22 of stat(5); fields[0] is field 3
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const me = (): Holder => ({ pid: process.pid, start: processStart(process.pid), host: hostname(), mode: 'write' });

function describe(h: Holder | null, file: string): string {
  if (h === null) return `an unknown program (lock file ${file} is unreadable; remove it if no VM uses the image)`;
  const who = h.pid === process.pid && h.host === hostname() ? 'this process (another drive)' : `process ${h.pid}`;
  return `${who}${h.host !== hostname() ? ` on host ${h.host}` : ''} (lock file ${file})`;
}

/** True when the holder certainly no longer runs (same host, dead pid or reused pid). */
function stale(h: Holder): boolean {
  if (h.host !== hostname()) return false;
  if (!alive(h.pid)) return true;
  if (h.start !== '') {
    const now = processStart(h.pid);
    if (now !== '' && now !== h.start) return true;
  }
  return false;
}

async function readHolder(file: string): Promise<Holder | null> {
  try {
    const j = JSON.parse(await readFile(file, 'utf8')) as Partial<Holder>;
    if (typeof j.pid !== 'number' || typeof j.host !== 'string') return null;
    return { pid: j.pid, start: typeof j.start === 'string' ? j.start : '', host: j.host, mode: j.mode === 'read' ? 'read' : 'write' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
    return null;
  }
}

let counter = 0;
const unique = (): string => `${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** Creates `file` with `content` atomically; false if it already exists. */
async function createExclusive(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.tmp-${unique()}`;
  await writeFile(tmp, content, { flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Removes a stale lock file. rename() moves exactly one file, so of two processes
 * clearing the same stale lock only one succeeds; if the file moved is not the stale
 * one (someone took the lock in between), it is put back.
 */
async function clearStale(file: string, staleIno: number): Promise<void> {
  const grave = `${file}.stale-${unique()}`;
  try {
    await rename(file, grave);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const st = await stat(grave);
  if (st.ino !== staleIno) await link(grave, file).catch(() => undefined);
  await unlink(grave).catch(() => undefined);
}

/** QEMU's OFD locks on the image (offsets 100+perm, 200+unshared perm), from /proc/locks. */
async function qemuLocks(image: string): Promise<{ pid: number; start: number; end: number }[]> {
  let text: string;
  let st;
  try {
    text = await readFile('/proc/locks', 'latin1');
    st = await stat(image);
  } catch {
    return [];
  }
  const out: { pid: number; start: number; end: number }[] = [];
  for (const line of text.split('\n')) {
    // "1: OFDLCK ADVISORY  READ  -1 08:01:1234 100 100"  (pid -1 for OFD locks)
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] === '->') continue;
    const id = f[5].split(':');
    if (id.length !== 3) continue;
    if (Number(id[2]) !== st.ino) continue;
    const dev = (parseInt(id[0], 16) << 8) | parseInt(id[1], 16);
    // st.dev packs major/minor differently for large numbers; compare the inode and
    // the low device bits only (a false positive merely refuses a writable open).
    if ((dev & 0xff) !== (st.dev & 0xff)) continue;
    out.push({ pid: Number(f[4]), start: Number(f[6]), end: f[7] === 'EOF' ? Infinity : Number(f[7]) });
  }
  return out;
}

/**
 * Takes the lock for opening `image` in `mode`. Throws BlockError EBUSY naming the
 * image and the holder when another writer (or, for 'write', a reader) has it.
 */
export async function lockImage(image: string, mode: 'write' | 'read'): Promise<ImageLock> {
  let real: string;
  try {
    real = await realpath(image);
  } catch (e) {
    throw new BlockError('ENOENT', `${image}: ${(e as Error).message}`);
  }
  const writerFile = `${real}.lock`;
  const busy = (h: Holder | null, file: string): BlockError =>
    new BlockError(
      'EBUSY',
      `${image}: cannot open ${mode === 'write' ? 'for writing' : 'read-only'}: the image is in use ` +
        `${h?.mode === 'read' ? 'read-only ' : ''}by ${describe(h, file)}`,
    );

  const qemu = await qemuLocks(real);
  // A QEMU with write permission holds byte 101; any QEMU lock forbids our writing.
  const qemuConflict = mode === 'write' ? qemu.length > 0 : qemu.some((l) => l.start <= 101 && l.end >= 101);
  if (qemuConflict) {
    throw new BlockError(
      'EBUSY',
      `${image}: cannot open ${mode === 'write' ? 'for writing' : 'read-only'}: another program ` +
        `(QEMU?) holds a lock on it (see /proc/locks)`,
    );
  }
  hookExit();
  const content = JSON.stringify({ ...me(), mode });

  if (mode === 'write') {
    for (let attempt = 0; ; attempt++) {
      let created: boolean;
      try {
        created = await createExclusive(writerFile, content);
      } catch (e) {
        throw new BlockError(
          'EIO',
          `${image}: cannot open for writing: the lock file ${writerFile} cannot be created ` +
            `(${(e as Error).message}); the image's directory must be writable`,
        );
      }
      if (created) break;
      let h: Holder | null;
      let ino: number;
      try {
        ino = (await stat(writerFile)).ino;
        h = await readHolder(writerFile);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw e;
      }
      if (h === null || !stale(h) || attempt >= 5) throw busy(h, writerFile);
      await clearStale(writerFile, ino);
    }
    held.add(writerFile);
    const lock: ImageLock = {
      path: image,
      mode,
      release: async () => {
        held.delete(writerFile);
        await unlink(writerFile).catch(() => undefined);
      },
    };
    // Readers registered before us win: give the lock back.
    for (const r of await readerFiles(real)) {
      let h: Holder | null;
      try {
        h = await readHolder(r);
      } catch {
        continue; // that reader closed meanwhile
      }
      if (h !== null && stale(h)) {
        await unlink(r).catch(() => undefined);
        continue;
      }
      await lock.release();
      throw busy(h ?? { pid: -1, start: '', host: '?', mode: 'read' }, r);
    }
    return lock;
  }

  // Reader: register, then look for a writer.
  const mine = `${real}.lock.read-${unique()}`;
  let registered = false;
  try {
    registered = await createExclusive(mine, content);
    held.add(mine);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM') {
      throw new BlockError('EIO', `${image}: cannot create the lock file ${mine}: ${(e as Error).message}`);
    }
  }
  const release = async (): Promise<void> => {
    if (!registered) return;
    registered = false;
    held.delete(mine);
    await unlink(mine).catch(() => undefined);
  };
  try {
    const h = await readHolder(writerFile);
    if (h === null || !stale(h)) {
      await release();
      throw busy(h, writerFile);
    }
    // A stale writer lock stays; the next writer clears it.
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return { path: image, mode, release };
}

async function readerFiles(real: string): Promise<string[]> {
  const dir = dirname(real);
  const prefix = `${basename(real)}.lock.read-`;
  try {
    // Temp files (".tmp-") are not registrations yet: their owner checks for us after linking.
    return (await readdir(dir)).filter((n) => n.startsWith(prefix) && !n.includes('.tmp-')).map((n) => join(dir, n));
  } catch {
    return [];
  }
}
