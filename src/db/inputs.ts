// What users hand to the public API, as types: configs, transaction input, queries, pull
// patterns, and the small result shapes. Defined once, low in the layers, so every layer that
// accepts them (tx, query, pull, conn) and the API type (src/engine.ts) share these names
// instead of redefining them or importing upward.

import type { StoreConfig } from '../store/types.js';
import type { TxReport } from './types.js';

/** Tx data as JS values (docs/api.md "Transactions") or as an EDN string. */
export type TxData = string | readonly unknown[];

/** What `transact` and `withDb` take: tx data, or tx data with tx metadata. */
export type TransactInput = TxData | { readonly txData: TxData; readonly txMeta?: Readonly<Record<string, unknown>> };

export interface Config {
  readonly store?: StoreConfig;
  readonly schemaFlexibility?: 'write' | 'read';
  readonly keepHistory?: boolean;
  readonly index?: string;
  readonly initialTx?: TxData;
  readonly name?: string;
  /** Branching factor of new index trees (default 512). */
  readonly branchingFactor?: number;
  /** Automatic GC in the background (off by default; docs/storage.md "Automatic GC"). */
  readonly gc?: { readonly everyCommits?: number; readonly everyBytes?: number; readonly graceMs?: number } | false;
  /** Datahike's attribute-refs? (attributes stored as entity ids); only false is supported yet. */
  readonly attributeRefs?: boolean;
  /** Sync with a CairnDB server (docs/sync.md): `{ url, token | getToken, db? }`. */
  readonly sync?: SyncConfig;
}

/** `config.sync`: the server a device replicates (checked by src/sync/connect.ts). */
export interface SyncConfig {
  /** The server's WebSocket URL (ws: or wss:). */
  readonly url: string;
  readonly token?: string;
  /** Called at each (re)connect; in process only (functions do not cross to the worker). */
  readonly getToken?: () => string | null | Promise<string | null>;
  /** The server-side database name (default: the store id). */
  readonly db?: string;
  /**
   * How long `connect` waits for the server (default 5 s): a device with a replica opens offline
   * after it, one without fails with sync/unreachable (it retries failed attempts until then).
   */
  readonly connectTimeoutMs?: number;
  readonly heartbeatMs?: number;
  readonly deadAfterMs?: number;
  /** Reconnect backoff bounds (default 250 ms doubling to 10 s, with jitter). */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A WebSocket class where there is no global one (Node 20: `ws`). In process only. */
  readonly WebSocket?: new (
    url: string,
  ) => WebSocket;
}

/** Query: EDN text or parsed map form; `q({ query, args, offset, limit })` is the map call. */
export type Query = string | Readonly<Record<string, unknown>> | readonly unknown[];
export interface QueryMap {
  readonly query: Query;
  readonly args?: readonly unknown[];
  readonly offset?: number;
  readonly limit?: number;
  /** Sort rows before offset/limit: '?a', ['?a', 'desc', '?b'], [1, 'desc'] or EDN '[?a :desc]'. */
  readonly orderBy?: string | number | readonly (string | number)[];
  /** Time budget in ms; past it the query fails with 'query/timeout' (src/query/budget.ts). */
  readonly timeout?: number;
  /** Aborting it fails the query with 'query/timeout'. */
  readonly signal?: AbortSignal;
}

/** Pull pattern as users write it: EDN text or a JS array (compiled by src/pull/pattern.ts). */
export type PullPattern = string | readonly unknown[];

export type Listener = (report: TxReport) => void;

export interface GcResult {
  readonly deletedNodes: number;
  readonly deletedCommits: number;
  readonly deletedKeys: readonly string[];
}
