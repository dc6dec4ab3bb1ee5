// The renderer's only way out: the app API. In Electron the preload script puts it on
// window.ppcbox (contextBridge); in web mode it is a WebSocket to the web host. Stores
// get it from here, and tests install a fake with setBridge().
import type { PpcboxBridge } from '../main/api-types.js';

let current: PpcboxBridge | null = null;

export function setBridge(b: PpcboxBridge): void {
  current = b;
}

export function bridge(): PpcboxBridge {
  if (current === null) throw new Error('the app API is not connected');
  return current;
}
