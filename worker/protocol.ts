// The worker boundary, as types (DESIGN decision 8, STYLE habit 14).
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

import type {
  Config, Connection, Datom, EngineApi, Listener, TxReport,
} from '../src/engine.js';
import type { CallOptions } from './call-guard.js';

/** Bumped whenever a message shape changes; checked by the ready handshake. */
export const PROTOCOL_VERSION = 1;

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

export function isDbHandle(x: unknown): x is DbHandle {
  return typeof x === 'object' && x !== null && (x as { __cairn?: unknown }).__cairn === 'db';
}
export function isConnHandle(x: unknown): x is ConnHandle {
  return typeof x === 'object' && x !== null && (x as { __cairn?: unknown }).__cairn === 'conn';
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
export type LocalName = 'db' | 'history' | 'asOf' | 'since' | 'kw' | 'listen';

/** What the storage default resolved to in the worker (API.md "Config"). */
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
}

/**
 * The surface the worker exposes over Comlink: every async engine function with the same
 * arguments (handles in place of Connection/Db), plus what the client needs to keep its local
 * functions synchronous.
 */
export type WorkerApi = Omit<RemoteEngineApi, LocalName | 'connect'> & {
  /** Connect and report the current basisT; `onHead` (a Comlink proxy) hears every new head. */
  connect(config: Config, onHead?: (basisT: number) => void): Promise<{ handle: ConnHandle; basisT: number }>;
  /** Register a listener (a Comlink proxy); returns its id for `unlisten`. */
  listen(conn: ConnHandle, callback: RemoteListener): Promise<number>;
  /** Remove the listener and release its proxy. Unknown ids are ignored. */
  unlisten(listenerId: number): Promise<void>;
  /** The page became visible again: every connection re-reads its head (DESIGN 6). */
  resync(): Promise<void>;
  storage(): Promise<StorageChoice>;
  /** Release every connection (before the client terminates the worker). */
  shutdown(): Promise<void>;
};

/** What `openWorker` returns: the engine API (minus `entity`) plus client lifecycle. */
export type ClientApi = RemoteEngineApi & {
  /** Resolves once the worker finished its handshake; rejects if it failed to start. */
  readonly ready: Promise<void>;
  /** Release every connection, terminate the worker, reject pending calls ('worker/terminated'). */
  close(): Promise<void>;
  storageInfo(): Promise<StorageInfo>;
  /** `navigator.storage.persist()`; false where the browser does not offer it. */
  requestPersistence(): Promise<boolean>;
  /**
   * The same client with limits on every call made through it: `{ timeoutMs }` rejects with
   * 'worker/timeout' when the worker does not answer in time, `{ signal }` when it aborts.
   */
  withCallOptions(options: CallOptions): ClientApi;
};
