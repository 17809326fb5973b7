// The worker `openWorker()` starts when it is given none. Written as the literal
// `new Worker(new URL(..., import.meta.url), { type: 'module' })` so the app's bundler (Vite,
// webpack 5) finds the worker entry and bundles it. In the library build, vite.lib.config.ts
// keeps this expression pointing at the sibling entry `./worker.js` of dist/ instead of letting
// the library build inline a copy of the worker.

export function defaultWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'cairndb' });
}
