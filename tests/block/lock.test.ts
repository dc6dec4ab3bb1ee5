// Advisory image locks: one writer, or any number of readers; stale locks of dead
// processes are taken over; QEMU's own locks are honoured.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openImage } from '../../emulator/block/open.js';
import { processStart } from '../../emulator/block/lock.js';
import { qemuImg, tempDir } from './helpers.js';

const T = tempDir('lock');
afterAll(() => T.cleanup());
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

let n = 0;
function image(fmt: 'raw' | 'qcow2' = 'raw'): string {
  const f = T.path(`i${n++}.${fmt}`);
  qemuImg('create', '-f', fmt, f, '1M');
  return f;
}
const lockFiles = (): string[] => readdirSync(T.dir).filter((x) => x.includes('.lock'));

/** Starts a process that holds `file` open (writable unless ro) until killed; resolves with its pid. */
function holder(file: string, ro = false): Promise<ChildProcess> {
  const script = join(T.dir, 'holder.mts');
  writeFileSync(
    script,
    `import { openImage } from ${JSON.stringify(new URL('../../emulator/block/open.js', import.meta.url).pathname)};\n` +
      `await openImage(process.argv[2], { readOnly: process.argv[3] === 'ro' });\n` +
      `process.stdout.write('ready\\n');\nsetInterval(() => {}, 1000);\n`,
  );
  const c = spawn(process.execPath, ['--import', 'tsx', script, file, ro ? 'ro' : 'rw'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(c);
  return new Promise((resolve, reject) => {
    c.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(c);
    });
    c.on('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
}

function killAndWait(c: ChildProcess): Promise<void> {
  return new Promise((r) => {
    c.on('exit', () => r());
    c.kill('SIGKILL');
  });
}

describe('image locks', () => {
  it('two writable opens in one process: the second is refused, naming image and holder', async () => {
    const f = image();
    const a = await openImage(f);
    await expect(openImage(f)).rejects.toThrow(new RegExp(`${f}: cannot open for writing: the image is in use by this process \\(another drive\\) \\(lock file ${f}\\.lock\\)`));
    await expect(openImage(f, { readOnly: true })).rejects.toMatchObject({ code: 'EBUSY' });
    await a.close();
    expect(lockFiles()).toEqual([]);
    const again = await openImage(f);
    await again.close();
  });

  it('readers share; a writer is refused while any reader is open, and the other way round', async () => {
    const f = image();
    const r1 = await openImage(f, { readOnly: true });
    const r2 = await openImage(f, { readOnly: true });
    await expect(openImage(f)).rejects.toThrow(/in use read-only by this process/);
    await r1.close();
    await expect(openImage(f)).rejects.toMatchObject({ code: 'EBUSY' });
    await r2.close();
    const w = await openImage(f);
    await w.close();
    expect(lockFiles()).toEqual([]);
  });

  it('a symlink to a locked image is the same image', async () => {
    const f = image();
    const link = T.path(`link${n}.raw`);
    symlinkSync(f, link);
    const a = await openImage(f);
    await expect(openImage(link)).rejects.toMatchObject({ code: 'EBUSY' });
    await a.close();
  });

  it('another process holding the image: refused with its pid; after it is killed, the stale lock is taken over', async () => {
    const f = image('qcow2');
    const c = await holder(f);
    await expect(openImage(f)).rejects.toThrow(new RegExp(`in use by process ${c.pid} `));
    await expect(openImage(f, { readOnly: true })).rejects.toThrow(new RegExp(`process ${c.pid}`));
    await killAndWait(c); // SIGKILL: no cleanup ran, the lock file stays
    expect(existsSync(`${f}.lock`)).toBe(true);
    const b = await openImage(f);
    await b.close();
    expect(existsSync(`${f}.lock`)).toBe(false);
  });

  it('a read-only holder blocks writers but not readers; killed, it no longer blocks', async () => {
    const f = image();
    const c = await holder(f, true);
    const r = await openImage(f, { readOnly: true });
    await r.close();
    await expect(openImage(f)).rejects.toThrow(new RegExp(`in use read-only by process ${c.pid}`));
    await killAndWait(c);
    const w = await openImage(f);
    await w.close();
    expect(lockFiles()).toEqual([]);
  });

  it('stale locks: dead pid, reused pid (other start time); foreign host and garbage are respected', async () => {
    const f = image();
    const dead = spawnSync('true').pid!;
    writeFileSync(`${f}.lock`, JSON.stringify({ pid: dead, start: '1', host: hostname(), mode: 'write' }));
    await (await openImage(f)).close();
    // Our own pid, but a different start time: the pid was reused, the lock is stale.
    expect(processStart(process.pid)).not.toBe('');
    writeFileSync(`${f}.lock`, JSON.stringify({ pid: process.pid, start: '12345', host: hostname(), mode: 'write' }));
    await (await openImage(f)).close();
    writeFileSync(`${f}.lock`, JSON.stringify({ pid: dead, start: '', host: 'elsewhere.example', mode: 'write' }));
    await expect(openImage(f)).rejects.toThrow(/on host elsewhere\.example/);
    writeFileSync(`${f}.lock`, 'garbage');
    await expect(openImage(f)).rejects.toThrow(/unknown program .*remove it/);
    await expect(openImage(f, { readOnly: true })).rejects.toMatchObject({ code: 'EBUSY' });
    unlinkSync(`${f}.lock`); // what the message tells the user to do
    await (await openImage(f)).close();
  });

  it('a backing file is locked for reading by its overlay', async () => {
    const base = image('qcow2');
    const top = T.path(`top${n}.qcow2`);
    qemuImg('create', '-f', 'qcow2', '-b', base, '-F', 'qcow2', top);
    const o = await openImage(top);
    await expect(openImage(base)).rejects.toThrow(/in use read-only/);
    const r = await openImage(base, { readOnly: true });
    await r.close();
    await o.close();
    await (await openImage(base)).close();
  });

  it('racing processes: exactly one writer wins; a writer and readers never coexist', async () => {
    const f = image();
    const script = join(T.dir, 'racer.mts');
    writeFileSync(
      script,
      `import { openImage } from ${JSON.stringify(new URL('../../emulator/block/open.js', import.meta.url).pathname)};\n` +
        `const ro = process.argv[3] === 'ro';\n` +
        `try { const b = await openImage(process.argv[2], { readOnly: ro }); process.stdout.write('won\\n');` +
        ` await new Promise((r) => setTimeout(r, 1500)); await b.close(); }\n` +
        `catch (e) { process.stdout.write(e.code === 'EBUSY' ? 'busy\\n' : 'error ' + e.message + '\\n'); }\n`,
    );
    const race = (modes: string[]): Promise<string[]> =>
      Promise.all(
        modes.map(
          (m) =>
            new Promise<string>((resolve) => {
              const c = spawn(process.execPath, ['--import', 'tsx', script, f, m], { stdio: ['ignore', 'pipe', 'inherit'] });
              children.push(c);
              let out = '';
              c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
              c.on('exit', () => resolve(`${m}:${out.trim()}`));
            }),
        ),
      );
    const w = await race(['rw', 'rw', 'rw', 'rw']);
    expect(w.filter((x) => x === 'rw:won')).toHaveLength(1);
    expect(w.filter((x) => x === 'rw:busy')).toHaveLength(3);
    const mixed = await race(['rw', 'ro', 'rw', 'ro', 'ro']);
    const writers = mixed.filter((x) => x === 'rw:won').length;
    const readers = mixed.filter((x) => x === 'ro:won').length;
    expect(mixed.every((x) => x.endsWith(':won') || x.endsWith(':busy'))).toBe(true);
    expect(writers <= 1 && (writers === 0 || readers === 0)).toBe(true);
    expect(lockFiles()).toEqual([]);
  }, 30_000);

  it('honours the locks of a running QEMU (qemu-io)', async () => {
    const f = image();
    const q = spawn('qemu-io', ['-f', 'raw', '-c', 'sleep 100000', f], { stdio: 'ignore' });
    children.push(q);
    // Wait until its lock shows up.
    const ino = `:${statSync(f).ino} `;
    for (let i = 0; i < 250 && !readFileSync('/proc/locks', 'utf8').includes(ino); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await expect(openImage(f)).rejects.toThrow(/another program \(QEMU\?\) holds a lock/);
    await expect(openImage(f, { readOnly: true })).rejects.toMatchObject({ code: 'EBUSY' });
    await killAndWait(q);
    await (await openImage(f)).close();
  });
});
