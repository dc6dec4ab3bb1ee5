// JSON with bytes: how API calls, results and events travel over the web host's
// WebSocket. Uint8Array values become {"$bytes": "<base64>"}. Pure (browser and Node).

const TAG = '$bytes';

function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function encodeWire(v: unknown): string {
  // The holder's own value: a Buffer's toJSON has already run on `x`.
  return JSON.stringify(v, function (this: Record<string, unknown>, k: string, x: unknown) {
    const orig = this[k];
    return orig instanceof Uint8Array ? { [TAG]: toBase64(orig) } : x;
  });
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_k, x: unknown) => {
    if (typeof x === 'object' && x !== null && !Array.isArray(x)) {
      const o = x as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === TAG && typeof o[TAG] === 'string') return fromBase64(o[TAG]);
    }
    return x;
  });
}

/** Client -> host. */
export interface WireRequest {
  id: number;
  method: string;
  args: unknown[];
}

/** Host -> client: a reply to a request, or an event. */
export type WireMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string; fields?: Record<string, string> }
  | { event: string; [k: string]: unknown };
