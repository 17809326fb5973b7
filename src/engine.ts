// The engine API, defined once as a type (docs/architecture.md, convention 9). `src/api.ts` implements it in
// process; `worker/` implements the same names over Comlink (minus `entity`), where Connection
// and Db are small serialisable handles. A type test keeps the two from drifting.

import type { Datom, Db, EntityRef, IndexName, TxReport, Value } from './db/types.js';
import type { Config, GcResult, Listener, PullPattern, Query, QueryMap, TransactInput } from './db/inputs.js';
import type { MigrateOptions, Progress, Sink, Source } from './conn/migrate.js';
import type { PlanStep } from './query/explain.js';

export type { Datom, Db, EntityRef, IndexName, PlanStep, TxReport, Value };
export type { Config, GcResult, Listener, PullPattern, Query, QueryMap, TransactInput, TxData } from './db/inputs.js';
import type { LiveQuery } from './live/subscribable.js';
export type { LiveQuery };

export interface Connection {
  readonly config: Config;
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
  q<T = unknown>(query: Query | QueryMap, ...inputs: unknown[]): Promise<T>;
  /** Datahike-format dump of every datom to `sink` (src/conn/migrate.ts). */
  exportDb(db: D, sink: Sink, options?: MigrateOptions): Promise<Progress>;
  /** Replay a Datahike-format dump into an empty database. */
  importDb(conn: C, source: Source, options?: MigrateOptions): Promise<Progress>;
  /** q plus the plan it followed (src/query/explain.ts). */
  explain(query: Query | QueryMap, ...inputs: unknown[]): Promise<{ result: unknown; plan: PlanStep[] }>;
  pull<T = Record<string, unknown>>(db: D, pattern: PullPattern, eid: EntityRef): Promise<T | null>;
  pullMany<T = Record<string, unknown>>(db: D, pattern: PullPattern, eids: readonly EntityRef[]): Promise<(T | null)[]>;
  datoms(db: D, index: IndexName, ...components: unknown[]): Promise<Datom[]>;
  seekDatoms(db: D, index: IndexName, ...components: unknown[]): Promise<Datom[]>;
  indexRange(db: D, attr: string, start?: Value, end?: Value): Promise<Datom[]>;
  history(db: D): D;
  asOf(db: D, t: number | Date): D;
  since(db: D, t: number | Date): D;
  withDb(db: D, txData: TransactInput): Promise<TxReport>;
  listen(conn: C, callback: Listener): () => void;
  /** A query that keeps itself up to date (docs/api.md "Live queries"); returns synchronously. */
  liveQuery<T = unknown>(conn: C, query: Query | QueryMap, ...inputs: unknown[]): LiveQuery<T>;
  /** A pull that keeps itself up to date. */
  livePull<T = Record<string, unknown>>(conn: C, pattern: PullPattern, eid: EntityRef): LiveQuery<T | null>;
  schema(db: D): Promise<Record<string, Record<string, unknown>>>;
  reverseSchema(db: D): Promise<Record<string, string[]>>;
  gcStorage(conn: C, removeBefore?: Date): Promise<GcResult>;
  kw(name: string): string;
}
