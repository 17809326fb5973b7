// Dev server for the browser benchmarks (bench/browser/), rooted at the repo so the pages and
// workers import the engine, the worker and the shared dataset straight from source. Its own
// port (5175) and optimizer cache, so it can run beside the demo (5173) and e2e (5174) servers.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root,
  cacheDir: 'node_modules/.vite-bench',
  server: {
    host: '127.0.0.1',
    port: Number(process.env.CAIRNDB_BENCH_PORT ?? 5175), // another port when two worktrees benchmark at once
    strictPort: true,
    hmr: false,
    // Cross-origin isolation: without it Chromium coarsens performance.now() to 100 us, too coarse
    // for sub-millisecond commits and queries; isolated pages and their workers get 5 us.
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
  worker: { format: 'es' },
  // Pre-bundle every dependency up front (pages and workers) so the first visit never triggers
  // Vite's mid-load "new dependencies optimized" reload in the middle of a measurement.
  optimizeDeps: {
    entries: ['bench/browser/index.html', 'bench/browser/bench-worker.ts', 'bench/browser/echo-worker.ts', 'worker/worker.ts'],
    include: ['comlink', 'idb', 'msgpackr', 'datascript', 'dexie', 'tinybench'],
  },
  logLevel: 'warn',
});
