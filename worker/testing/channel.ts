// Scaffolding the worker tests share: the real client and host over a MessageChannel (Node or a
// page), watching a live query's pushes, and catching a CairnError. Not part of the package.

import type { EngineApi } from '../../src/engine.js';
import { openWorker, type LiveQuery, type OpenWorkerOptions, type WorkerEndpoint } from '../client.js';
import type { HostOptions } from '../host.js';
export { caught as rejection } from '../../test/caught.js';
import type { ClientApi } from '../protocol.js';
import { serveEngine } from '../serve.js';

const open: MessagePort[] = [];

/** Close every port `channel()` opened (run it after each test). */
export function closeChannels(): void {
  for (const p of open.splice(0)) p.close();
}

/** A Worker-like endpoint over a new MessageChannel (terminate() closes the port), and the host's end. */
export function channel(): { client: WorkerEndpoint; server: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  const client: WorkerEndpoint = {
    postMessage: (m: unknown, t?: Transferable[]) => port1.postMessage(m, t ?? []),
    addEventListener: port1.addEventListener.bind(port1) as WorkerEndpoint['addEventListener'],
    removeEventListener: port1.removeEventListener.bind(port1) as WorkerEndpoint['removeEventListener'],
    start: () => port1.start(),
    terminate: () => port1.close(),
  };
  return { client, server: port2 };
}

/** The real client, talking over a channel to a host serving `engine` (no IndexedDB to probe). */
export function channelClient(engine: EngineApi, options: OpenWorkerOptions = {}, host: HostOptions = {}): ClientApi {
  const { client, server } = channel();
  serveEngine(engine, server, { probeIndexedDb: async () => 'no IndexedDB in Node', ...host });
  return openWorker(client, { resyncOnVisible: false, ...options });
}

/** Collect a live query's values and errors; `until(ok)` waits for pushes until `ok()` holds. */
export function watch<T>(live: LiveQuery<T>) {
  const values: T[] = [];
  const errors: unknown[] = [];
  let wake: (() => void) | null = null;
  const stop = live.subscribe(
    (v) => {
      values.push(v);
      wake?.();
    },
    (e) => {
      errors.push(e);
      wake?.();
    },
  );
  const until = async (ok: () => boolean): Promise<void> => {
    while (!ok()) await new Promise<void>((r) => (wake = r));
  };
  return { values, errors, stop, until };
}
