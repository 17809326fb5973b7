// `cairndb/worker`: the worker script. Exposes the in-process engine (src/index.ts) over
// Comlink on the worker global, with IndexedDB probing for the default store and Web Locks +
// BroadcastChannel coordination between tabs (coordination.ts), then posts the ready
// handshake. Start it as a module worker:
//   new Worker(new URL('cairndb/worker', import.meta.url), { type: 'module' })
import type * as Comlink from 'comlink';
import { api, onSync, syncStatus } from '../src/index.js';
import type { EngineApi } from '../src/engine.js';
import { browserCoordination } from './coordination.js';
import { failStart, serveEngine } from './serve.js';
import { probeIndexedDb } from './storage.js';

const endpoint = globalThis as unknown as Comlink.Endpoint;
const engine: EngineApi = api;

try {
  const coordination = browserCoordination();
  serveEngine(engine, endpoint, {
    probeIndexedDb: () => probeIndexedDb(),
    coordinatorFor: coordination.factory,
    onResync: coordination.resync,
    sync: { status: syncStatus, on: onSync },
  });
} catch (e) {
  failStart(endpoint, e);
}
