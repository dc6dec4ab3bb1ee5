// Renderer entry: connect the bridge (Electron preload or web host), load the library,
// follow events, mount the app.
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.js';
import './style.css';
import type { PpcboxBridge } from '../main/api-types.js';
import { setBridge } from './bridge.js';
import { connectWeb } from './bridge-web.js';
import { electronBridge } from './bridge-electron.js';
import { useLibrary } from './stores/library.js';

async function boot(): Promise<void> {
  const app = createApp(App);
  const pinia = createPinia();
  app.use(pinia);
  const lib = useLibrary(pinia);
  const b: PpcboxBridge = electronBridge() ?? (await connectWeb((up) => (lib.connected = up)));
  setBridge(b);
  b.onEvent((e) => lib.applyEvent(e));
  await lib.refresh();
  // Open on the first VM (on a first run: the default guest's, ready to boot).
  const first = lib.vms[0];
  if (first !== undefined) lib.select(first.config.id);
  app.mount('#app');
  // Drops outside a drop zone must not navigate away from the app.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
}

boot().catch((e: unknown) => {
  const el = document.getElementById('app');
  if (el) el.textContent = `PPCBox could not start: ${(e as Error).message}`;
});
