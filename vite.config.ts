// The renderer bundle (Vue 3 + Pinia + xterm.js): `npm run build:renderer` writes
// out/renderer/, which the web host serves and Electron loads from disk.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  // The render-function build of Vue: no template compiler, no eval (strict CSP).
  resolve: { alias: { vue: 'vue/dist/vue.runtime.esm-bundler.js' } },
  define: { __VUE_OPTIONS_API__: 'false', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
  build: {
    outDir: fileURLToPath(new URL('./out/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
});
