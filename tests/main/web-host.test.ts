// The web host on loopback: the token guards the page, assets, uploads and the socket;
// Host and Origin are checked; the API answers over the WebSocket.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { contentSecurityPolicy, startWebHost, type WebHost } from '../../main/web-host.js';
import { decodeWire, encodeWire } from '../../main/wire.js';
import { fakeGuestDir, fakeLauncher } from './helpers.js';

let host: WebHost;
let origin: string;

function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: Uint8Array): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port: host.port, path, method, headers }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

function socket(query: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api${query}`, { headers });
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
  });
}

function call(ws: WebSocket, id: number, method: string, args: unknown[]): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const on = (raw: WebSocket.RawData): void => {
      const m = decodeWire(raw.toString()) as Record<string, unknown>;
      if (m.id === id) {
        ws.off('message', on);
        resolve(m);
      }
    };
    ws.on('message', on);
    ws.send(encodeWire({ id, method, args }));
  });
}

beforeAll(async () => {
  const d = mkdtempSync(join(tmpdir(), 'ppcbox-web-'));
  const dist = join(d, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><p>app</p>');
  writeFileSync(join(dist, 'assets', 'a.js'), 'console.log(1)');
  host = await startWebHost({ userData: join(d, 'home'), launcher: fakeLauncher().launch, guestDir: fakeGuestDir(join(d, 'guest')), rendererDir: dist });
  origin = `http://127.0.0.1:${host.port}`;
});

afterAll(async () => {
  await host.close();
});

describe('web host', () => {
  it('listens on 127.0.0.1 with a random token in the URL', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?token=[0-9a-f]{48}$`));
    const a = host.server.address();
    expect(typeof a === 'object' && a?.address).toBe('127.0.0.1');
  });

  it('refuses requests without the right token', async () => {
    expect((await get('/')).status).toBe(403);
    expect((await get('/assets/a.js')).status).toBe(403);
    expect((await get('/?token=wrong')).status).toBe(403);
    expect((await get(`/?token=${host.token.slice(0, -1)}x`)).status).toBe(403);
    expect((await get('/upload?name=x', {}, 'POST', Uint8Array.of(1))).status).toBe(403);
    expect((await get('/', { cookie: 'ppcbox_token=nope' })).status).toBe(403);
  });

  it('serves the page with the token, sets the cookie and a strict CSP; assets with the cookie', async () => {
    const r = await get(`/?token=${host.token}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/app/);
    expect(String(r.headers['set-cookie'])).toMatch(new RegExp(`ppcbox_token=${host.token}; HttpOnly; SameSite=Strict`));
    expect(r.headers['content-security-policy']).toBe(contentSecurityPolicy(origin));
    expect(r.headers['content-security-policy']).toMatch(/script-src 'self';/);
    expect(r.headers['content-security-policy']).not.toMatch(/unsafe-eval/);
    expect((await get('/assets/a.js', { cookie: `ppcbox_token=${host.token}` })).status).toBe(200);
    expect((await get('/../../etc/passwd', { cookie: `ppcbox_token=${host.token}` })).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/etc/passwd', { cookie: `ppcbox_token=${host.token}` })).status).toBe(404);
    expect((await get('/%E0%A4%A', { cookie: `ppcbox_token=${host.token}` })).status).toBe(400);
    expect((await get(`/?token=${host.token}`)).status).toBe(200); // still serving
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await get(`/?token=${host.token}`, { host: `evil.example:${host.port}` })).status).toBe(403);
  });

  it('the WebSocket needs the token and the app origin; then the API answers', async () => {
    await expect(socket('', { origin })).rejects.toThrow(/403/);
    await expect(socket(`?token=${host.token}`, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(socket(`?token=${host.token}`, {})).rejects.toThrow(/403/);
    const ws = await socket('', { origin, cookie: `ppcbox_token=${host.token}` });
    const list = await call(ws, 1, 'list', []);
    expect(list).toMatchObject({ ok: true, result: { vms: [], problems: [], defaultGuest: { available: true } } });
    const bad = await call(ws, 2, 'start', ['../x']);
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/not a VM id/) });
    const created = await call(ws, 3, 'create', [{ name: '', machine: 'pseries', preset: 'standard', cpus: 1, memoryMiB: 1024, cmdline: '', source: { kind: 'default' } }]);
    expect(created).toMatchObject({ ok: false, fields: { name: expect.any(String) } });
    ws.close();
  });

  it('methods that answer later (snapshots) answer over the socket, refusals included', async () => {
    const ws = await socket('', { origin, cookie: `ppcbox_token=${host.token}` });
    const created = await call(ws, 1, 'create', [{ name: 'snap', machine: 'pseries', preset: 'standard', cpus: 1, memoryMiB: 1024, cmdline: '', source: { kind: 'default' } }]);
    const id = (created.result as { id: string }).id;
    expect(await call(ws, 2, 'snapshots', [id])).toMatchObject({ ok: true, result: { snapshots: [], errors: [] } });
    expect(await call(ws, 3, 'saveSnapshot', [id])).toMatchObject({ ok: false, error: expect.stringMatching(/running or paused/) });
    expect(await call(ws, 4, 'restoreSnapshot', [id, '../x.ppcsnap'])).toMatchObject({ ok: false, error: expect.stringMatching(/not a snapshot file name/) });
    expect(await call(ws, 5, 'deleteSnapshot', [id, 'snapshot-none.ppcsnap'])).toMatchObject({ ok: false, error: expect.stringMatching(/No snapshot/) });
    ws.close();
  });

  it('uploads become grants (with the detected format), without exposing paths', async () => {
    const r = await get('/upload?name=disk.img', { cookie: `ppcbox_token=${host.token}`, origin }, 'POST', new Uint8Array(2048));
    expect(r.status).toBe(200);
    const g = JSON.parse(r.body) as Record<string, unknown>;
    expect(g).toMatchObject({ name: 'disk.img', size: 2048, format: 'raw' });
    expect(g.path).toBeUndefined();
    const t = JSON.parse((await get('/upload?name=a.txt', { cookie: `ppcbox_token=${host.token}`, origin }, 'POST', new TextEncoder().encode('hi'))).body) as Record<string, unknown>;
    expect(t).toMatchObject({ format: null, refusal: expect.stringMatching(/not a disk image/) });
    expect((await get('/upload?name=x', { cookie: `ppcbox_token=${host.token}`, origin: 'http://evil.example' }, 'POST', Uint8Array.of(1))).status).toBe(403);
  });
});
