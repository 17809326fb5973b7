// Expose an engine on a Comlink endpoint and complete the ready handshake. worker.ts calls it
// with the worker global; tests call it with one end of a MessageChannel.

import * as Comlink from 'comlink';
import type { EngineApi } from '../src/engine.js';
import { installErrorTransfer } from './errors.js';
import { createHost, type HostOptions } from './host.js';
import { holdLifeLock } from './liveness.js';
import { PROTOCOL_VERSION, type HandshakeMessage, type WorkerApi } from './protocol.js';

export function serveEngine(engine: EngineApi, endpoint: Comlink.Endpoint, opts: HostOptions = {}): WorkerApi {
  installErrorTransfer();
  const host = createHost(engine, opts);
  Comlink.expose(host, endpoint);
  // Ready once the life lock is held, so the client cannot take it first and think us dead.
  void holdLifeLock().then((lifeLock) => {
    const ready: HandshakeMessage = { type: 'cairn:ready', protocol: PROTOCOL_VERSION, ...(lifeLock === null ? {} : { lifeLock }) };
    endpoint.postMessage(ready);
  });
  return host;
}

/** Tell the client the worker could not start (it rejects every call with worker/terminated). */
export function failStart(endpoint: Comlink.Endpoint, error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const failed: HandshakeMessage = { type: 'cairn:failed', message };
  endpoint.postMessage(failed);
}
