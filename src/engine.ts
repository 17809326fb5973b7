// The engine API, defined once as a type (STYLE habit 14). `src/api.ts` implements it in
// process; `worker/` implements the same names over Comlink (minus `entity`), where Connection
// and Db are small serialisable handles. A type test keeps the two from drifting.

import type { Datom, Db, EntityRef, IndexName, TxReport, Value } from './db/types.js';
import type { StoreConfig } from './store/types.js';

export type { Datom, Db, EntityRef, IndexName, TxReport, Value };

/** Tx data as JS values (API.md "Tx data") or as an EDN string. */
export type TxData = string | readonly unknown[];

export interface Config {
  readonly store?: StoreConfig;
  readonly schemaFlexibility?: 'write' | 'read';
  readonly keepHistory?: boolean;
  readonly index?: string;
  readonly initialTx?: TxData;
  readonly name?: string;
  /** Branching factor of new index trees (default 512). */
  readonly branchingFactor?: number;
}

export type TransactInput = TxData | { readonly txData: TxData; readonly txMeta?: Readonly<Record<string, unknown>> };

/** Query: EDN text or parsed map form; `q({ query, args, offset, limit })` is the map call. */
export type Query = string | Readonly<Record<string, unknown>> | readonly unknown[];
export interface QueryMap {
  readonly query: Query;
  readonly args?: readonly unknown[];
  readonly offset?: number;
  readonly limit?: number;
  /** Time budget in ms: past it the query rejects with 'query/timeout'. */
  readonly timeout?: number;
  /** Aborting it rejects the query with 'query/timeout' (in-process; see the worker client). */
  readonly signal?: AbortSignal;
}

/** Pull pattern: EDN text or JS array (API.md). */
export type PullPattern = string | readonly unknown[];

export interface Connection {
  readonly config: Config;
}

export type Listener = (report: TxReport) => void;

export interface GcResult {
  readonly deletedNodes: number;
  readonly deletedCommits: number;
  readonly deletedKeys: readonly string[];
}

/** The in-process engine API (package `cairndb`). */
export interface EngineApi<C = Connection, D = Db> {
  createDatabase(config?: Config): Promise<void>;
  deleteDatabase(config: Config): Promise<void>;
  databaseExists(config: Config): Promise<boolean>;
  connect(config: Config): Promise<C>;
  release(conn: C): Promise<void>;
  db(conn: C): D;
  transact(conn: C, input: TransactInput): Promise<TxReport>;
  q(query: Query | QueryMap, ...inputs: unknown[]): Promise<unknown>;
  pull(db: D, pattern: PullPattern, eid: EntityRef): Promise<Record<string, unknown> | null>;
  pullMany(db: D, pattern: PullPattern, eids: readonly EntityRef[]): Promise<(Record<string, unknown> | null)[]>;
  datoms(db: D, index: IndexName, ...components: unknown[]): Promise<Datom[]>;
  seekDatoms(db: D, index: IndexName, ...components: unknown[]): Promise<Datom[]>;
  indexRange(db: D, attr: string, start?: Value, end?: Value): Promise<Datom[]>;
  history(db: D): D;
  asOf(db: D, t: number | Date): D;
  since(db: D, t: number | Date): D;
  withDb(db: D, txData: TransactInput): Promise<TxReport>;
  listen(conn: C, callback: Listener): () => void;
  schema(db: D): Promise<Record<string, Record<string, unknown>>>;
  reverseSchema(db: D): Promise<Record<string, string[]>>;
  gcStorage(conn: C, removeBefore?: Date): Promise<GcResult>;
  kw(name: string): string;
}
