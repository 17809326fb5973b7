// The worker boundary, as types (docs/architecture.md: decision 8, convention 9).
//
// Everything here is DERIVED from `EngineApi` (src/engine.ts) so the in-process API, the
// worker-side surface and the main-thread client cannot drift: add a function to EngineApi and
// both `WorkerApi` (implemented by worker/host.ts) and `ClientApi` (implemented by
// worker/client.ts) stop compiling until they handle it.
//
// Representation across postMessage (structured clone):
// - A Connection crosses as a `ConnHandle` { __cairn: 'conn', id, config }: `id` names the
//   worker-side connection; `config` is the config as resolved by the worker (store filled in).
// - A Db crosses as a `DbHandle` { __cairn: 'db', conn, basisT, ref, views }:
//     * committed values (db(conn), tx reports, listener reports) have ref = null and are found
//       again by (conn, basisT) — history is linear, so basisT names one committed value;
//     * speculative values (withDb) have a worker-assigned `ref`, since their basisT may equal
//       a later real commit's;
//     * `views` are history/asOf/since applied in order on top of that base value, which is
//       why history/asOf/since stay synchronous in the client.
//   The worker keeps a bounded window of recent values; a handle older than the window fails
//   with 'worker/protocol' instead of silently answering from another value.
// - Datoms cross as plain { e, a, v, tx, added } and are revived as `Datom` in the client.
// - Errors cross through the transfer handler of worker/errors.ts (code, message, data intact).
// - `listen` callbacks and the per-connection head watcher cross as `Comlink.proxy` functions.

import type { Config, Connection, Datom, EngineApi, EntityRef, Listener, TxReport } from '../src/engine.js';
import type { StoreSize } from '../src/store/types.js';
import type { Progress, Source } from '../src/conn/migrate.js';
import type { WireError } from './errors.js';
import type { SyncEvent, SyncStatus } from '../src/sync/synced-conn.js';
import type { CallOptions } from './call-guard.js';

/** Bumped whenever a message shape changes; checked by the ready handshake. */
export const PROTOCOL_VERSION = 2; // 2: live queries (liveStart, liveStop, liveRuns, counts)

/** Posted by the worker on its endpoint once `expose` has run (Comlink #665: no call before). */
export interface ReadyMessage {
  readonly type: 'cairn:ready';
  readonly protocol: number;
  /** Web Lock the worker holds while it lives (liveness.ts); absent where there are no locks. */
  readonly lifeLock?: string;
}
/** Posted instead of ReadyMessage when the worker could not start. */
export interface FailedMessage {
  readonly type: 'cairn:failed';
  readonly message: string;
}
export type HandshakeMessage = ReadyMessage | FailedMessage;

export function isHandshake(x: unknown): x is HandshakeMessage {
  if (typeof x !== 'object' || x === null) return false;
  const t = (x as { type?: unknown }).type;
  return t === 'cairn:ready' || t === 'cairn:failed';
}

export interface ConnHandle extends Connection {
  readonly __cairn: 'conn';
  readonly id: number;
  readonly config: Config;
}

export type ViewOp =
  | { readonly kind: 'history' }
  | { readonly kind: 'asOf'; readonly t: number | Date }
  | { readonly kind: 'since'; readonly t: number | Date };

export interface DbHandle {
  readonly __cairn: 'db';
  readonly conn: number;
  readonly basisT: number;
  readonly ref: number | null;
  readonly views: readonly ViewOp[];
}

export function isConnHandle(x: unknown): x is ConnHandle {
  return typeof x === 'object' && x !== null && (x as { __cairn?: unknown }).__cairn === 'conn';
}

export function isDbHandle(x: unknown): x is DbHandle {
  return typeof x === 'object' && x !== null && (x as { __cairn?: unknown }).__cairn === 'db';
}

/** A TxReport whose Db values are handles. */
export interface RemoteTxReport extends Omit<TxReport, 'dbBefore' | 'dbAfter'> {
  readonly dbBefore: DbHandle;
  readonly dbAfter: DbHandle;
  readonly txData: Datom[];
}
export type RemoteListener = (report: RemoteTxReport) => void;

/** Replace in-process-only types by their wire forms. */
type Wire<T> = T extends TxReport ? RemoteTxReport : T extends Promise<infer U> ? Promise<Wire<U>> : T;
type WireArgs<A extends readonly unknown[]> = { [I in keyof A]: A[I] extends Listener ? RemoteListener : A[I] };
type WireFn<F> = F extends (...args: infer A) => infer R ? (...args: WireArgs<A>) => Wire<R> : never;

/** The engine API as the main thread sees it: handles for Connection and Db, same names. */
export type RemoteEngineApi = { [K in keyof EngineApi]: WireFn<EngineApi<ConnHandle, DbHandle>[K]> };

/** Functions the client computes locally (sync in the API); they never cross the boundary. */
export type LocalName = 'db' | 'history' | 'asOf' | 'since' | 'kw' | 'listen' | 'liveQuery' | 'livePull';

/** What a client live query asks the worker to run; a ConnHandle among inputs stands for its current value. */
export type LiveSpec =
  | { readonly kind: 'query'; readonly query: unknown; readonly inputs: readonly unknown[] }
  | { readonly kind: 'pull'; readonly pattern: unknown; readonly eid: EntityRef };

/** What the worker sends a client live query: only results that changed, or an error. */
export type LiveUpdate = { readonly kind: 'value'; readonly value: unknown } | { readonly kind: 'error'; readonly error: WireError };

/** What the worker holds for clients (tests check that nothing is left behind). */
export interface WorkerCounts {
  readonly connections: number;
  readonly listeners: number;
  readonly liveQueries: number;
}

/** Reads whose result type the caller names (`q<T>`): generic, so not derived through Wire. */
type TypedReads = Pick<EngineApi<ConnHandle, DbHandle>, 'q' | 'pull' | 'pullMany' | 'liveQuery' | 'livePull'>;

/** What the storage default resolved to in the worker (docs/api.md "Data conventions"). */
export interface StorageChoice {
  /** Backend used when a config has no `store`: 'indexeddb' where it opens, else 'memory'. */
  readonly backend: 'indexeddb' | 'memory';
  /** Why the fallback happened, for the app to show; null when IndexedDB works. */
  readonly warning: string | null;
}

/** Client-side storage report: the worker's choice plus the main thread's StorageManager. */
export interface StorageInfo extends StorageChoice {
  readonly persisted: boolean;
  readonly estimate: { readonly usage: number; readonly quota: number } | null;
  /** With `storageInfo(conn)`: the size of that connection's store. */
  readonly store?: StoreSize;
}

/**
 * The surface the worker exposes over Comlink: every async engine function with the same
 * arguments (handles in place of Connection/Db), plus what the client needs to keep its local
 * functions synchronous.
 */
export type WorkerApi = Omit<RemoteEngineApi, LocalName | 'connect' | 'exportDb' | 'importDb'> & {
  /**
   * exportDb/importDb take their callbacks as top-level arguments: Comlink proxies a function
   * only there. `aborted` stands for the page's AbortSignal, which cannot be cloned.
   */
  exportDb(db: DbHandle, sink: (chunk: Uint8Array) => Promise<void>, onProgress?: (p: Progress) => void, aborted?: () => boolean): Promise<Progress>;
  importDb(conn: ConnHandle, source: Source, onProgress?: (p: Progress) => void, aborted?: () => boolean): Promise<Progress>;
  /** Connect and report the current basisT; `onHead` (a Comlink proxy) hears every new head. */
  connect(config: Config, onHead?: (basisT: number) => void): Promise<{ handle: ConnHandle; basisT: number }>;
  /** Register a listener (a Comlink proxy); returns its id for `unlisten`. */
  listen(conn: ConnHandle, callback: RemoteListener): Promise<number>;
  /** Remove the listener and release its proxy. Unknown ids are ignored. */
  unlisten(listenerId: number): Promise<void>;
  /** The page became visible again: every connection re-reads its head (docs/architecture.md, decision 6). */
  resync(): Promise<void>;
  storage(): Promise<StorageChoice>;
  /** `storeSize(conn)` of the engine, for `storageInfo(conn)`. */
  storeSize(conn: ConnHandle): Promise<StoreSize>;
  /** Release every connection (before the client terminates the worker). */
  shutdown(): Promise<void>;
  /** Start a live query; `onUpdate` (a Comlink proxy) hears its results; returns its id. */
  liveStart(conn: ConnHandle, spec: LiveSpec, onUpdate: (update: LiveUpdate) => void): Promise<number>;
  /** Stop it and release its proxy; returns how many times it ran. Unknown ids return 0. */
  liveStop(liveId: number): Promise<number>;
  /** How many times it ran so far. */
  liveRuns(liveId: number): Promise<number>;
  counts(): Promise<WorkerCounts>;
  /** A synced connection's status (docs/sync.md). */
  syncStatus(conn: ConnHandle): Promise<SyncStatus>;
  /** Hear a synced connection's events (a Comlink proxy); returns its id for `offSync`. */
  onSync(conn: ConnHandle, callback: (event: RemoteSyncEvent) => void): Promise<number>;
  offSync(id: number): Promise<void>;
};

/** A sync event as it crosses: the rejection's error as plain data (revived in the client). */
export type RemoteSyncEvent =
  | Extract<SyncEvent, { type: 'status' }>
  | (Omit<Extract<SyncEvent, { type: 'rejected' }>, 'error'> & {
      readonly error: { readonly cairn: true; readonly code: string; readonly message: string; readonly data: Record<string, unknown> };
    });
export type { SyncEvent, SyncStatus };

/** What `openWorker` returns: the engine API (minus `entity`) plus client lifecycle. */
export type ClientApi = Omit<RemoteEngineApi, keyof TypedReads> &
  TypedReads & {
    /** Resolves once the worker finished its handshake; rejects if it failed to start. */
    readonly ready: Promise<void>;
    /** Release every connection, terminate the worker, reject pending calls ('worker/terminated'). */
    close(): Promise<void>;
    /** The storage in use; given a connection, also the size of its store (`store`). */
    storageInfo(conn?: ConnHandle): Promise<StorageInfo>;
    /** `navigator.storage.persist()`; false where the browser does not offer it. */
    requestPersistence(): Promise<boolean>;
    /** Connections, listeners and live queries the worker holds for this client (for tests). */
    workerCounts(): Promise<WorkerCounts>;
    /** A synced connection's status: online, pending, serverT, lastError (docs/sync.md). */
    syncStatus(conn: ConnHandle): Promise<SyncStatus>;
    /** Hear status changes and rejected transactions of a synced connection; returns unsubscribe. */
    onSync(conn: ConnHandle, callback: (event: SyncEvent) => void): () => void;
    /**
     * The same client with limits on every call made through it: `{ timeoutMs }` rejects with
     * 'worker/timeout' when the worker does not answer in time, `{ signal }` when it aborts.
     */
    withCallOptions(options: CallOptions): ClientApi;
  };
