// A real CairnDB worker (the engine, the life lock of liveness.ts) that tests can make
// misbehave: { type: 'test:close-self' } makes it call self.close() — the platform fires no
// event on the Worker for that — and { type: 'test:busy', ms } keeps its thread busy for `ms`.
import { api } from '../src/api.js';
import { serveEngine } from './serve.js';

const scope = globalThis as unknown as { close(): void; addEventListener(t: 'message', f: (e: MessageEvent) => void): void };
serveEngine(api, globalThis as never, { probeIndexedDb: () => Promise.resolve('tests use memory stores') });
scope.addEventListener('message', (e) => {
  const m = e.data as { type?: string; ms?: number };
  if (m?.type === 'test:close-self') scope.close();
  if (m?.type === 'test:busy') {
    const until = Date.now() + (m.ms ?? 0);
    while (Date.now() < until) {
      /* a long synchronous job */
    }
  }
});
