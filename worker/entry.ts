// `cairndb/worker`: the API for writing a worker script. Importing it does nothing; a script
// calls `serve()` once, after registering what the engine should know. The package's default
// worker (`cairndb/default-worker`, worker.ts) is exactly `serve()`; a custom one is
//
//   import { serve } from 'cairndb/worker';
//   serve({ backends: { 'my-store': myBackend }, indexes: { 'my-index': myIndex } });
//
// Keeping the import free of side effects is what lets bundlers honour the package's
// `sideEffects` field without dropping a custom worker's engine (the script's own `serve()`
// call is the side effect, in the app's code).

import type * as Comlink from 'comlink';
import { api, onSync, registerBackend, registerIndex, syncStatus } from '../src/api.js';
import type { IndexFactory } from '../src/indices/types.js';
import type { Backend } from '../src/store/types.js';
import { browserCoordination } from './coordination.js';
import { failStart, serveEngine } from './serve.js';
import { probeIndexedDb } from './storage.js';

export interface ServeOptions {
  /** Store backends to register before serving, by the name configs use (`store.backend`). */
  readonly backends?: Readonly<Record<string, Backend>>;
  /** Index implementations to register before serving, by the name configs use (`index`). */
  readonly indexes?: Readonly<Record<string, IndexFactory>>;
}

/**
 * Serve the engine on this worker's global scope: register `backends` and `indexes`, expose the
 * engine over Comlink with IndexedDB probing and cross-tab coordination, and post the ready
 * handshake. A registration that fails (a backend without `create`, say) is reported to the
 * client, whose calls then reject with `worker/terminated` naming the cause.
 */
export function serve(options: ServeOptions = {}): void {
  const endpoint = globalThis as unknown as Comlink.Endpoint;
  try {
    for (const [name, backend] of Object.entries(options.backends ?? {})) registerBackend(name, backend);
    for (const [name, index] of Object.entries(options.indexes ?? {})) registerIndex(name, index);
    const coordination = browserCoordination();
    serveEngine(api, endpoint, {
      probeIndexedDb: () => probeIndexedDb(),
      coordinatorFor: coordination.factory,
      onResync: coordination.resync,
      sync: { status: syncStatus, on: onSync },
    });
  } catch (e) {
    failStart(endpoint, e);
  }
}

export { serveEngine, failStart } from './serve.js';
export type { HostOptions } from './host.js';
export type { Backend, IndexFactory };
