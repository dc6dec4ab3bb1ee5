// The desktop app's bridge: what preload.ts exposes on window.ppcboxNative (context
// isolation on: only these functions cross, with structured-cloned arguments).
import type { ApiEvent, ApiMethodName, FileGrant, PpcboxApi, PpcboxBridge } from '../main/api-types.js';
import { ApiCallError } from './bridge-web.js';

export interface NativeApi {
  invoke(method: ApiMethodName, args: unknown[]): Promise<{ ok: true; result: unknown } | { ok: false; error: string; fields?: Record<string, string> }>;
  onEvent(f: (e: ApiEvent) => void): () => void;
  grantDroppedFile(file: File): Promise<FileGrant>;
}

export function electronBridge(): PpcboxBridge | null {
  const native = (window as unknown as { ppcboxNative?: NativeApi }).ppcboxNative;
  if (native === undefined) return null;
  const api = new Proxy({} as Record<string, unknown>, {
    get: (_t, method: string) => async (...args: unknown[]) => {
      const r = await native.invoke(method as ApiMethodName, args);
      if (!r.ok) throw new ApiCallError(r.error, r.fields ?? {});
      return r.result;
    },
  });
  return { api: api as unknown as PpcboxApi, onEvent: (f) => native.onEvent(f), grantFile: (f) => native.grantDroppedFile(f), mode: 'electron' };
}
