// Dev server for the worker/client test pages (e2e/pages/), rooted at the repo so pages import
// worker/client.ts and the worker script straight from source. Separate from the demo's root
// vite.config.ts (port 5173); Playwright starts it on 127.0.0.1:5174.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  // Its own optimizer cache: the demo's server (same root) would otherwise overwrite it.
  cacheDir: 'node_modules/.vite-e2e',
  server: { host: '127.0.0.1', port: 5174, strictPort: true, hmr: false },
  worker: { format: 'es' },
  // Pre-bundle every dependency up front, for the pages and for the worker, so the first visit
  // never triggers Vite's mid-load "new dependencies optimized" reload.
  optimizeDeps: {
    entries: ['e2e/pages/*.html', 'worker/worker.ts', 'e2e/pages/*.ts'],
    include: ['comlink', 'idb', 'msgpackr'],
  },
  logLevel: 'warn',
});
