// A scripted bridge for store tests: records calls, answers from a table.
import type { ApiEvent, FileGrant, PpcboxApi, PpcboxBridge } from '../../main/api-types.js';

export interface FakeBridge extends PpcboxBridge {
  calls: { method: string; args: unknown[] }[];
  answers: Record<string, (...args: unknown[]) => unknown>;
  grants: Record<string, FileGrant>;
  emit(e: ApiEvent): void;
}

export function fakeBridge(): FakeBridge {
  const listeners = new Set<(e: ApiEvent) => void>();
  const calls: { method: string; args: unknown[] }[] = [];
  const answers: Record<string, (...args: unknown[]) => unknown> = {};
  const api = new Proxy({} as Record<string, unknown>, {
    get: (_t, method: string) => async (...args: unknown[]) => {
      calls.push({ method, args });
      const a = answers[method];
      return a === undefined ? null : a(...args);
    },
  }) as unknown as PpcboxApi;
  const grants: Record<string, FileGrant> = {};
  return {
    api,
    calls,
    answers,
    grants,
    mode: 'web',
    onEvent: (f) => {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    emit: (e) => {
      for (const f of listeners) f(e);
    },
    grantFile: async (file: File) => {
      const g = grants[file.name];
      if (g === undefined) throw new Error(`upload of ${file.name} failed`);
      return g;
    },
  };
}
