// The bench page. Playwright calls `window.bench.*`: each workload of 1-5 runs in a fresh
// dedicated bench worker; workload 6 drives the real CairnDB worker through worker/client.ts
// from this main thread; `onMain` runs a workload here instead, for Chrome's CPU profiler.

import { openWorker } from '../../worker/client.js';
import { cairnEntity, cairnSchema, people } from '../people.js';
import type { WorkloadReply, WorkloadRequest } from './protocol.js';
import { runWorkload } from './run-workload.js';
import { summarize, type Summary } from './stats.js';

const now = (): number => performance.now();

interface InWorker {
  readonly result: unknown;
  /** From `new Worker` to the reply: includes worker start and module loading. */
  readonly wallMs: number;
}

function inWorker(req: WorkloadRequest): Promise<InWorker> {
  const t0 = now();
  const w = new Worker(new URL('./bench-worker.ts', import.meta.url), { type: 'module', name: `bench-${req.kind}` });
  return new Promise<InWorker>((resolve, reject) => {
    w.onmessage = (ev: MessageEvent<WorkloadReply>) => {
      const wallMs = now() - t0;
      w.terminate();
      if (ev.data.ok) resolve({ result: ev.data.result, wallMs });
      else reject(new Error(`${req.kind}: ${ev.data.error}`));
    };
    w.onerror = (ev) => {
      w.terminate();
      reject(new Error(`${req.kind}: worker error ${ev.message}`));
    };
    w.postMessage(req);
  });
}

export interface BoundaryFigures {
  readonly rows: number;
  /** `client.q` round trip from this thread (query in the worker + Comlink + structured clone). */
  readonly comlinkQ: Summary;
  /** The same rows posted back by a bare echo worker on request. */
  readonly rawPostMessage: Summary;
}

/** Workload 6: a `persons`-row query result crossing the worker boundary. */
async function boundary({ persons, iterations }: { persons: number; iterations: number }): Promise<BoundaryFigures> {
  const client = openWorker();
  await client.ready;
  const config = { store: { backend: 'indexeddb', id: 'bench-comlink' } };
  await client.createDatabase(config);
  const conn = await client.connect(config);
  await client.transact(conn, cairnSchema);
  await client.transact(conn, people(persons).map(cairnEntity));
  const query = '[:find ?e ?n ?a :where [?e :name ?n] [?e :age ?a]]';
  const rows = (await client.q(query, client.db(conn))) as unknown[];
  if (rows.length !== persons) throw new Error(`boundary query returned ${rows.length} rows, expected ${persons}`);

  const echo = new Worker(new URL('./echo-worker.ts', import.meta.url), { type: 'module', name: 'bench-echo' });
  const ask = (msg: unknown): Promise<unknown> =>
    new Promise((resolve) => {
      echo.onmessage = (ev) => resolve(ev.data);
      echo.postMessage(msg);
    });
  await ask({ kind: 'set', rows });

  const comlinkQ: number[] = [],
    raw: number[] = [];
  for (let i = 0; i < iterations + 3; i++) {
    const t0 = now();
    const got = (await client.q(query, client.db(conn))) as unknown[];
    const t1 = now();
    const echoed = (await ask({ kind: 'get' })) as unknown[];
    const t2 = now();
    if (got.length !== persons || echoed.length !== persons) throw new Error('boundary: short result');
    if (i < 3) continue; // warm-up
    comlinkQ.push(t1 - t0);
    raw.push(t2 - t1);
  }
  echo.terminate();
  await client.release(conn);
  await client.deleteDatabase(config);
  await client.close();
  return { rows: persons, comlinkQ: summarize(comlinkQ), rawPostMessage: summarize(raw) };
}

/** Delete every IndexedDB database of this origin (the bench's own, in its own profile). */
async function cleanup(): Promise<string[]> {
  const names = (await indexedDB.databases()).map((d) => d.name).filter((n): n is string => typeof n === 'string');
  await Promise.all(
    names.map(
      (n) =>
        new Promise<void>((resolve, reject) => {
          const r = indexedDB.deleteDatabase(n);
          r.onsuccess = () => resolve();
          r.onerror = () => reject(r.error);
          r.onblocked = () => resolve(); // a handle still open elsewhere: deletion completes when it closes
        }),
    ),
  );
  return names;
}

const api = {
  inWorker,
  onMain: (req: WorkloadRequest) => runWorkload(req),
  boundary,
  cleanup,
  userAgent: () => `${navigator.userAgent}${crossOriginIsolated ? ' (cross-origin isolated)' : ''}`,
};
export type BenchPageApi = typeof api;
(globalThis as unknown as { bench: BenchPageApi }).bench = api;
