// Web mode (`npm run web`): the renderer bundle and the app API served on 127.0.0.1
// only. A random token is in the printed URL; every request (page, assets, uploads,
// the WebSocket) must carry it, as the query parameter or the cookie the page sets.
// The Host and Origin headers are checked too (DNS rebinding, cross-site sockets).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createWriteStream, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppCore, ApiError } from './app-core.js';
import { publicGrant } from './grants.js';
import { forkLauncher, type VmLauncher } from './vm-launcher.js';
import { decodeWire, encodeWire, type WireMessage } from './wire.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
export const RENDERER_DIST = join(ROOT, 'out', 'renderer');
const COOKIE = 'ppcbox_token';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export interface WebHostOptions {
  userData: string;
  port?: number;
  token?: string;
  launcher?: VmLauncher;
  guestDir?: string;
  shutdownTimeoutMs?: number;
  rendererDir?: string;
  seedDefaultVm?: boolean;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  core: AppCore;
  server: Server;
  close(): Promise<void>;
}

/** The Content-Security-Policy of the app page (scripts only from the app itself). */
export function contentSecurityPolicy(origin: string): string {
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    // xterm.js measures and styles cells with <style> elements.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function tokenOk(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === COOKIE) return v;
  }
  return undefined;
}

export async function startWebHost(o: WebHostOptions): Promise<WebHost> {
  const token = o.token ?? randomBytes(24).toString('hex');
  const core = new AppCore({ userData: o.userData, launcher: o.launcher ?? forkLauncher, guestDir: o.guestDir, shutdownTimeoutMs: o.shutdownTimeoutMs, seedDefaultVm: o.seedDefaultVm });
  const dist = o.rendererDir ?? RENDERER_DIST;
  let origin = '';
  let hostHeaders: string[] = [];

  const authorized = (req: IncomingMessage, url: URL): boolean => {
    if (!hostHeaders.includes(req.headers.host ?? '')) return false;
    return tokenOk(url.searchParams.get('token') ?? undefined, token) || tokenOk(cookieToken(req), token);
  };

  const refuse = (res: ServerResponse, code: number, msg: string): void => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`${msg}\n`);
  };

  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      refuse(res, 400, 'bad request');
      return;
    }
    if (!authorized(req, url)) {
      refuse(res, 403, 'PPCBox: this address needs the token printed when the web host started.');
      return;
    }
    if (req.method === 'POST' && url.pathname === '/upload') {
      upload(req, res, url);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refuse(res, 405, 'method not allowed');
      return;
    }
    serveStatic(res, url.pathname);
  });

  function serveStatic(res: ServerResponse, pathname: string): void {
    let rel: string;
    try {
      rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    } catch {
      refuse(res, 400, 'bad path');
      return;
    }
    const file = normalize(join(dist, rel));
    if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (!existsSync(join(dist, 'index.html'))) refuse(res, 500, `the renderer is not built (${dist}): run npm run build:renderer`);
      else refuse(res, 404, 'not found');
      return;
    }
    const headers: Record<string, string> = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (extname(file) === '.html') {
      headers['content-security-policy'] = contentSecurityPolicy(origin);
      headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    res.writeHead(200, headers);
    res.end(readFileSync(file));
  }

  /** A file the browser hands us (drop or file picker): stored in imports/, granted. */
  function upload(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.headers.origin !== undefined && req.headers.origin !== origin) {
      refuse(res, 403, 'cross-origin upload refused');
      return;
    }
    const name = (url.searchParams.get('name') ?? 'file').slice(0, 200);
    const dest = join(core.library.importsDir, randomUUID());
    const out = createWriteStream(dest, { mode: 0o600 });
    req.pipe(out);
    const fail = (e: Error): void => {
      rmSync(dest, { force: true });
      if (!res.headersSent) refuse(res, 500, `upload failed: ${e.message}`);
    };
    req.on('error', fail);
    out.on('error', fail);
    out.on('finish', () => {
      try {
        const g = core.grants.grant(dest, { name, uploaded: true });
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(publicGrant(g)));
      } catch (e) {
        fail(e as Error);
      }
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (req, socket, head) => {
    let url: URL | null = null;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      // refused below
    }
    if (url === null || url.pathname !== '/api' || !authorized(req, url) || req.headers.origin !== origin) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  });

  function serveSocket(ws: WebSocket): void {
    const send = (m: WireMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(encodeWire(m));
    };
    const off = core.onEvent((e) => send(e));
    ws.on('close', off);
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return;
      let req: unknown;
      try {
        req = decodeWire(raw.toString());
      } catch {
        return;
      }
      if (typeof req !== 'object' || req === null) return;
      const { id, method, args } = req as { id?: unknown; method?: unknown; args?: unknown };
      if (typeof id !== 'number') return;
      // Some methods answer later (snapshots): a promise result is awaited, its failure reported alike.
      void Promise.resolve()
        .then(() => core.dispatch(method, args))
        .then(
          (result) => send({ id, ok: true, result: result ?? null }),
          (e: unknown) => {
            const fields = e instanceof ApiError ? e.fields : undefined;
            const msg = e instanceof ApiError ? e.message : `internal error: ${(e as Error).message}`;
            send({ id, ok: false, error: msg, fields });
          },
        );
    });
  }

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(o.port ?? 0, '127.0.0.1', () => res());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  origin = `http://127.0.0.1:${port}`;
  hostHeaders = [`127.0.0.1:${port}`, `localhost:${port}`];
  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    core,
    server,
    close: () =>
      new Promise<void>((res) => {
        core.close();
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => res());
        server.closeAllConnections();
      }),
  };
}

/** The user-data folder: $PPCBOX_HOME, else the platform's usual place. */
export function defaultUserData(): string {
  if (process.env.PPCBOX_HOME) return resolve(process.env.PPCBOX_HOME);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'PPCBox');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'PPCBox');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'PPCBox');
}

async function main(): Promise<void> {
  const portArg = process.env.PPCBOX_PORT;
  const port = portArg !== undefined && /^\d+$/.test(portArg) ? Number(portArg) : 0;
  const host = await startWebHost({ userData: defaultUserData(), port, seedDefaultVm: true });
  process.stdout.write(`PPCBox web mode: open ${host.url}\n(library: ${host.core.library.root}; Ctrl-C stops the host and its VMs)\n`);
  const stop = (): void => {
    void host.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`ppcbox web: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
