// `cairndb/client`: the main-thread client. `openWorker(worker?)` returns the engine API of
// docs/api.md (minus `entity`) with every async call forwarded to the worker through Comlink.
//
// Local state, per open client:
// - `heads`: connection id -> the latest basisT this page has seen (from connect, transact
//   reports, listener reports and the worker's head watcher). `db(conn)` is synchronous: it
//   names that committed value by handle, and the worker resolves it (see protocol.ts).
// - `pending`: the reject functions of calls in flight, so a dead worker fails them all with
//   'worker/terminated' instead of leaving them pending forever (comlink #428, #655).
// The Comlink proxy stays referenced for the client's lifetime (comlink #692).

import * as Comlink from 'comlink';
import { CairnError, type ErrorCode } from '../src/util/errors.js';
import { armCall, checkCallOptions, type CallOptions } from './call-guard.js';
import { guardedEndpoint } from './clone-guard.js';
import { Datom } from '../src/db/types.js';
import { kw } from './kw.js';
import { fromWireError, installErrorTransfer, reviveCairnError } from './errors.js';
import { Live, type LiveQuery } from '../src/live/subscribable.js';
import { checkOptions, checkSink, type MigrateOptions, type Progress, type Source } from '../src/conn/migrate-args.js';
import { defaultWorker } from './default-worker.js';
import { watchLifeLock } from './liveness.js';
import {
  isHandshake,
  PROTOCOL_VERSION,
  type ClientApi,
  type ConnHandle,
  type DbHandle,
  type LiveSpec,
  type LiveUpdate,
  type RemoteSyncEvent,
  type RemoteTxReport,
  type StorageInfo,
  type ViewOp,
  type WorkerApi,
} from './protocol.js';

export type {
  ClientApi,
  ConnHandle,
  DbHandle,
  RemoteTxReport,
  StorageInfo,
  ViewOp,
  WorkerCounts,
  SyncEvent,
  SyncStatus,
} from './protocol.js';
export type { LiveQuery, LiveObserver, LiveState, LiveStats, Unsubscribe } from '../src/live/subscribable.js';
// What an app needs beside the client: the error class to test against and the Datom class.
export { CairnError, isCairnError } from '../src/util/errors.js';
export type { ErrorCode, ErrorData } from '../src/util/errors.js';
export { Datom } from '../src/db/types.js';
export type { CallOptions } from './call-guard.js';

/** What `openWorker` accepts: a Worker, or any Comlink endpoint (a MessagePort in tests). */
export type WorkerEndpoint = Comlink.Endpoint & { terminate?(): void; close?(): void };

export interface OpenWorkerOptions {
  /** Reject the handshake if the worker is not ready in time (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** Re-read heads when the page becomes visible (default true where `document` exists). */
  readonly resyncOnVisible?: boolean;
  /** Default per-call limit: reject with 'worker/timeout' after this many ms (default none). */
  readonly callTimeoutMs?: number;
}

function isQueryMapWithSignal(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'query' in x && (x as { signal?: unknown }).signal !== undefined;
}

function terminated(why: string): CairnError {
  return new CairnError('worker/terminated', `the CairnDB worker is gone: ${why}`, { reason: why });
}

/**
 * Comlink reports the worker's failure to post an answer as a TypeError of its own (a query
 * that returns its Db input, say); a refused argument is answered by the guarded endpoint.
 */
function unsendableAnswer(e: unknown): CairnError | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { name, message } = e as { name?: unknown; message?: unknown };
  if (name !== 'TypeError' || message !== 'Unserializable return value') return undefined;
  return new CairnError(
    'worker/protocol',
    "the worker's answer cannot be sent back: it holds a value that is not plain data (a function, a symbol, a Db or connection returned as a query value)",
    {},
    { cause: e },
  );
}

/** Datoms arrive as plain objects (structured clone drops the class); make them Datoms again. */
function reviveDatoms(xs: readonly Datom[]): Datom[] {
  return xs.map((d: unknown) => {
    if (d instanceof Datom) return d;
    const p = d as Pick<Datom, 'e' | 'a' | 'v' | 'tx' | 'added'>;
    return new Datom(p.e, p.a, p.v, p.tx, p.added);
  });
}

/** Progress and abort cross as proxied functions (an AbortSignal cannot be cloned). */
function remoteOptions(o: MigrateOptions): [((p: Progress) => void) | undefined, (() => boolean) | undefined] {
  const { signal, onProgress } = o;
  return [onProgress ? Comlink.proxy((p: Progress) => onProgress(p)) : undefined, signal ? Comlink.proxy(() => signal.aborted) : undefined];
}

/** Bytes and Blobs/Files are cloned; a ReadableStream is transferred to the worker. */
function sendable(source: Source): Source {
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) return Comlink.transfer(source, [source as unknown as Transferable]);
  return source;
}

function reviveReport(r: RemoteTxReport): RemoteTxReport {
  return { ...r, txData: reviveDatoms(r.txData) };
}

export function openWorker(worker: WorkerEndpoint = defaultWorker(), options: OpenWorkerOptions = {}): ClientApi {
  installErrorTransfer();
  const remote = Comlink.wrap<WorkerApi>(guardedEndpoint(worker));
  const heads = new Map<number, number>();
  const pending = new Set<(e: CairnError) => void>();
  let dead: CairnError | null = null;
  let settleReady: { resolve(): void; reject(e: Error): void } | undefined;
  let readyTimer: ReturnType<typeof setTimeout> | undefined;

  const die = (e: CairnError): void => {
    if (dead) return;
    dead = e;
    if (readyTimer !== undefined) clearTimeout(readyTimer);
    settleReady?.reject(e);
    for (const reject of [...pending]) reject(e);
    pending.clear();
    worker.removeEventListener('message', onHandshake);
    worker.removeEventListener('error', onError);
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisible);
  };

  const ready = new Promise<void>((resolve, reject) => {
    settleReady = { resolve, reject };
  });
  ready.catch(() => {}); // observed through every call; avoid an unhandled rejection here
  let isReady = false;
  function onHandshake(ev: Event): void {
    const m = (ev as MessageEvent).data as unknown;
    if (!isHandshake(m)) return;
    switch (m.type) {
      case 'cairn:ready':
        if (m.protocol !== PROTOCOL_VERSION) {
          const e = new CairnError(
            'worker/protocol',
            `worker speaks protocol ${m.protocol}, this client ${PROTOCOL_VERSION}: build both from the same cairndb version`,
            { worker: m.protocol, client: PROTOCOL_VERSION },
          );
          die(e);
          return;
        }
        isReady = true;
        if (readyTimer !== undefined) clearTimeout(readyTimer);
        settleReady?.resolve();
        if (m.lifeLock !== undefined) watchLifeLock(m.lifeLock, () => die(terminated('it closed itself or crashed')));
        return;
      case 'cairn:failed':
        die(terminated(`it failed to start: ${m.message}`));
        return;
      default: {
        const never: never = m;
        throw new CairnError('worker/protocol', `unknown handshake ${JSON.stringify(never)}`);
      }
    }
  }
  // An error event before the handshake means the script did not load or threw at top level.
  // Later error events are uncaught exceptions inside a living worker: not fatal.
  function onError(ev: Event): void {
    if (isReady) return;
    const msg = (ev as ErrorEvent).message || 'the worker script failed to load';
    die(terminated(`it failed to start: ${msg}`));
  }
  function onVisible(): void {
    if (document.visibilityState === 'visible' && !dead) call(() => remote.resync()).catch(() => {});
  }
  worker.addEventListener('message', onHandshake);
  worker.addEventListener('error', onError);
  (worker as { start?(): void }).start?.();
  readyTimer = setTimeout(() => die(terminated(`no ready handshake within ${options.readyTimeoutMs ?? 30_000} ms`)), options.readyTimeoutMs ?? 30_000);

  // Whoever terminates the worker (us or the app), pending calls must not hang.
  if (typeof worker.terminate === 'function') {
    const terminate = worker.terminate.bind(worker);
    worker.terminate = () => {
      terminate();
      die(terminated('it was terminated'));
    };
  }
  if ((options.resyncOnVisible ?? true) && typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisible);

  // Limits for the calls made now: the client's default, or a withCallOptions view's (read
  // synchronously by call(), which every API function invokes before its first await).
  const defaults = checkCallOptions(options.callTimeoutMs === undefined ? undefined : { timeoutMs: options.callTimeoutMs });
  let active: { limits: CallOptions; abortCode?: ErrorCode } = { limits: defaults };
  const using = <T>(limits: CallOptions, abortCode: ErrorCode | undefined, f: () => T): T => {
    const saved = active;
    active = { limits, ...(abortCode ? { abortCode } : {}) };
    try {
      return f();
    } finally {
      active = saved;
    }
  };

  /** Forward one call once ready; reject with the death reason if the worker goes away. */
  function call<T>(f: () => Promise<T>): Promise<T> {
    if (dead) return Promise.reject(dead);
    const { limits, abortCode } = active;
    return new Promise<T>((resolve, reject) => {
      const fail = (e: CairnError): void => reject(e);
      pending.add(fail);
      const disarm = armCall(
        limits,
        (e) => {
          pending.delete(fail);
          reject(e);
        },
        abortCode,
      );
      ready
        .then(f)
        .then(resolve, (e: unknown) => reject(unsendableAnswer(e) ?? e))
        .finally(() => {
          disarm();
          pending.delete(fail);
        });
    });
  }

  const seen = (conn: number, basisT: number): void => {
    if ((heads.get(conn) ?? -Infinity) < basisT) heads.set(conn, basisT);
  };
  const withView = (db: DbHandle, v: ViewOp): DbHandle => ({ ...db, views: [...db.views, v] });

  /** A live query run by the worker: subscribed there while subscribed here, results pushed back. */
  const live = <T>(conn: ConnHandle, spec: LiveSpec): LiveQuery<T> => {
    let finishedRuns = 0;
    let current: Promise<number> | null = null;
    return new Live<T>({
      start(sink) {
        let active = true;
        const onUpdate = Comlink.proxy((u: LiveUpdate) => {
          if (!active) return;
          if (u.kind === 'value') sink.value(u.value as T);
          else sink.error(fromWireError(u.error));
        });
        const id = call(() => remote.liveStart(conn, spec, onUpdate));
        current = id;
        id.catch((e: unknown) => {
          if (active) sink.error(e);
        });
        return () => {
          active = false;
          current = null;
          id.then((lid) => call(() => remote.liveStop(lid))).then(
            (runs) => void (finishedRuns += runs),
            () => {},
          );
        };
      },
      async runs() {
        const id = current;
        return finishedRuns + (id === null ? 0 : await id.then((lid) => call(() => remote.liveRuns(lid))));
      },
    });
  };

  const api: ClientApi = {
    ready,
    createDatabase: (config) => call(() => remote.createDatabase(config)),
    deleteDatabase: (config) => call(() => remote.deleteDatabase(config)),
    databaseExists: (config) => call(() => remote.databaseExists(config)),
    connect: (config) =>
      call(async () => {
        let id = -1;
        const onHead = Comlink.proxy((basisT: number) => {
          if (id !== -1) seen(id, basisT);
        });
        const { handle, basisT } = await remote.connect(config, onHead);
        id = handle.id;
        seen(id, basisT);
        return handle;
      }),
    release: (conn) =>
      call(async () => {
        await remote.release(conn);
        heads.delete(conn.id);
      }),
    db(conn) {
      const basisT = heads.get(conn.id);
      if (basisT === undefined) throw new CairnError('db/released', `connection ${conn.id} is not open in this client`, { conn: conn.id });
      return { __cairn: 'db', conn: conn.id, basisT, ref: null, views: [] };
    },
    transact: (conn, input) =>
      call(async () => {
        const r = reviveReport(await remote.transact(conn, input));
        seen(conn.id, r.dbAfter.basisT);
        return r;
      }),
    q<T>(query: Parameters<ClientApi['q']>[0], ...inputs: unknown[]): Promise<T> {
      // An AbortSignal cannot cross postMessage: it limits the call here, as query/timeout.
      const { signal, ...rest } = (isQueryMapWithSignal(query) ? query : {}) as { signal?: AbortSignal };
      if (signal === undefined) return call(() => remote.q(query, ...inputs) as Promise<T>);
      const wire = rest as typeof query;
      return using({ ...active.limits, signal }, 'query/timeout', () => call(() => remote.q(wire, ...inputs) as Promise<T>));
    },
    explain: (query, ...inputs) => call(() => remote.explain(query, ...inputs)),
    exportDb: (db, sink, options) =>
      call(async () => {
        const o = checkOptions(options, 'exportDb');
        checkSink(sink);
        // chunks come back one call at a time; a WritableStream is written here, on the page
        const writer = typeof sink === 'function' ? null : sink.getWriter();
        const write = Comlink.proxy(async (chunk: Uint8Array) => {
          if (writer === null) await (sink as (c: Uint8Array) => void | Promise<void>)(chunk);
          else await writer.write(chunk);
        });
        try {
          const r = await remote.exportDb(db, write, ...remoteOptions(o));
          if (writer !== null) await writer.close();
          return r;
        } finally {
          writer?.releaseLock();
        }
      }),
    importDb: (conn, source, options) => call(async () => remote.importDb(conn, sendable(source), ...remoteOptions(checkOptions(options, 'importDb')))),
    pull: <T>(db: DbHandle, pattern: Parameters<ClientApi['pull']>[1], eid: Parameters<ClientApi['pull']>[2]) =>
      call(() => remote.pull(db, pattern, eid) as Promise<T | null>),
    pullMany: <T>(db: DbHandle, pattern: Parameters<ClientApi['pull']>[1], eids: Parameters<ClientApi['pullMany']>[2]) =>
      call(() => remote.pullMany(db, pattern, eids) as Promise<(T | null)[]>),
    datoms: (db, index, ...components) => call(async () => reviveDatoms(await remote.datoms(db, index, ...components))),
    seekDatoms: (db, index, ...components) => call(async () => reviveDatoms(await remote.seekDatoms(db, index, ...components))),
    indexRange: (db, attr, start, end) => call(async () => reviveDatoms(await remote.indexRange(db, attr, start, end))),
    history: (db) => withView(db, { kind: 'history' }),
    asOf: (db, t) => withView(db, { kind: 'asOf', t }),
    since: (db, t) => withView(db, { kind: 'since', t }),
    withDb: (db, input) => call(async () => reviveReport(await remote.withDb(db, input))),
    listen(conn, callback) {
      let active = true;
      const proxied = Comlink.proxy((report: RemoteTxReport) => {
        if (!active) return;
        const r = reviveReport(report);
        seen(conn.id, r.dbAfter.basisT);
        callback(r);
      });
      const id = call(() => remote.listen(conn, proxied));
      id.catch(() => {}); // a failed registration surfaces as "no events"; unlisten stays safe
      return () => {
        if (!active) return;
        active = false;
        id.then((lid) => call(() => remote.unlisten(lid))).catch(() => {});
      };
    },
    liveQuery: <T>(conn: ConnHandle, query: Parameters<ClientApi['q']>[0], ...inputs: unknown[]) => live<T>(conn, { kind: 'query', query, inputs }),
    livePull: <T>(conn: ConnHandle, pattern: Parameters<ClientApi['pull']>[1], eid: Parameters<ClientApi['pull']>[2]) =>
      live<T | null>(conn, { kind: 'pull', pattern, eid }),
    schema: (db) => call(() => remote.schema(db)),
    reverseSchema: (db) => call(() => remote.reverseSchema(db)),
    gcStorage: (conn, removeBefore) => call(() => remote.gcStorage(conn, removeBefore)),
    kw,
    async close() {
      if (dead) return;
      if (isReady) {
        // Let the worker close its store connections (an open IDB connection blocks deletes in
        // other tabs), but never wait long on a worker that may be stuck.
        const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2_000));
        await Promise.race([call(() => remote.shutdown()).catch(() => {}), timeout]);
      }
      if (typeof worker.terminate === 'function') worker.terminate();
      else {
        worker.close?.();
        die(terminated('the client was closed'));
      }
    },
    async storageInfo(conn?: Parameters<ClientApi['storageInfo']>[0]): Promise<StorageInfo> {
      const choice = await call(() => remote.storage());
      const store = conn === undefined ? undefined : await call(() => remote.storeSize(conn));
      const sm: StorageManager | undefined = (globalThis.navigator as Navigator | undefined)?.storage;
      const persisted = sm?.persisted ? await sm.persisted().catch(() => false) : false;
      const est = sm?.estimate ? await sm.estimate().catch(() => null) : null;
      return { ...choice, persisted, estimate: est ? { usage: est.usage ?? 0, quota: est.quota ?? 0 } : null, ...(store ? { store } : {}) };
    },
    workerCounts: () => call(() => remote.counts()),
    syncStatus: (conn) => call(() => remote.syncStatus(conn)),
    onSync(conn, callback) {
      let active = true;
      const proxied = Comlink.proxy((e: RemoteSyncEvent) => {
        if (!active) return;
        callback(e.type === 'rejected' ? { ...e, error: reviveCairnError(e.error as never) } : e);
      });
      const id = call(() => remote.onSync(conn, proxied));
      id.catch(() => {});
      return () => {
        if (!active) return;
        active = false;
        id.then((sid) => call(() => remote.offSync(sid))).catch(() => {});
      };
    },
    withCallOptions(callOptions) {
      const limits = { ...defaults, ...checkCallOptions(callOptions) };
      return new Proxy(api, {
        get(target, key, receiver) {
          const v = Reflect.get(target, key, receiver) as unknown;
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => using(limits, undefined, () => (v as (...a: unknown[]) => unknown).apply(target, args));
        },
      });
    },
    async requestPersistence() {
      const sm: StorageManager | undefined = (globalThis.navigator as Navigator | undefined)?.storage;
      return sm?.persist ? sm.persist().catch(() => false) : false;
    },
  };
  return api;
}
