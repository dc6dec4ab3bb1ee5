// Web mode's bridge: API calls and events over the web host's WebSocket (the token
// travels in the HttpOnly cookie the page was served with), files by upload.
import type { ApiEvent, ApiMethodName, FileGrant, PpcboxApi, PpcboxBridge } from '../main/api-types.js';
import { decodeWire, encodeWire } from '../main/wire.js';

/** An API refusal, with per-field messages when the host gave them. */
export class ApiCallError extends Error {
  constructor(
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

const METHODS: ApiMethodName[] = [
  'list', 'create', 'remove', 'rename', 'start', 'reset', 'pause', 'resume', 'shutdown', 'forceOff',
  'consoleInput', 'consoleHistory', 'attachDisk', 'detachDisk', 'fileInfo',
  'snapshots', 'saveSnapshot', 'restoreSnapshot', 'deleteSnapshot',
];

export function connectWeb(onConnection: (up: boolean) => void): Promise<PpcboxBridge> {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`;
  const listeners = new Set<(e: ApiEvent) => void>();
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let ws: WebSocket;

  const open = (): Promise<void> =>
    new Promise((resolve, reject) => {
      ws = new WebSocket(wsUrl);
      ws.onopen = () => {
        onConnection(true);
        resolve();
      };
      ws.onerror = () => reject(new Error('cannot reach the PPCBox web host'));
      ws.onclose = () => {
        onConnection(false);
        for (const w of waiting.values()) w.reject(new Error('connection to the web host lost'));
        waiting.clear();
      };
      ws.onmessage = (m: MessageEvent) => {
        if (typeof m.data !== 'string') return;
        const msg = decodeWire(m.data) as Record<string, unknown>;
        if (typeof msg.id === 'number') {
          const w = waiting.get(msg.id);
          waiting.delete(msg.id);
          if (w === undefined) return;
          if (msg.ok === true) w.resolve(msg.result);
          else w.reject(new ApiCallError(String(msg.error), (msg.fields as Record<string, string> | undefined) ?? {}));
        } else if (typeof msg.event === 'string') {
          for (const f of listeners) f(msg as unknown as ApiEvent);
        }
      };
    });

  const call = (method: ApiMethodName, args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (ws.readyState !== WebSocket.OPEN) {
        reject(new Error('not connected to the web host'));
        return;
      }
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      ws.send(encodeWire({ id, method, args }));
    });

  const api = {} as Record<ApiMethodName, (...a: unknown[]) => Promise<unknown>>;
  for (const m of METHODS) api[m] = (...a: unknown[]) => call(m, a);

  const grantFile = async (file: File): Promise<FileGrant> => {
    const r = await fetch(`/upload?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file, credentials: 'same-origin' });
    if (!r.ok) throw new Error(`upload of ${file.name} failed: ${(await r.text()).trim()}`);
    return (await r.json()) as FileGrant;
  };

  return open().then(() => ({
    api: api as unknown as PpcboxApi,
    onEvent: (f: (e: ApiEvent) => void) => {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    grantFile,
    mode: 'web' as const,
  }));
}
