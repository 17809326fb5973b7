// The public functions (docs/api.md), in process. Everything here is thin: it checks arguments,
// resolves the config and delegates to the layer that does the work.

import { asOf as asOfView, DbValue, type DatomPredicate, filter as filterView, history as historyView, since as sinceView } from './db/db.js';
import { emptyDb } from './db/parts.js';
import { reverseSchemaEntries, schemaEntries } from './db/schema.js';
import type { Datom, Db, EntityRef, IndexName, TxReport, Value } from './db/types.js';
import type { Config, Connection, EngineApi, GcResult, Listener, PullPattern, Query, QueryMap, TransactInput } from './engine.js';
import { getIndex, registerIndex as registerIndexImpl } from './indices/registry.js';
import type { IndexFactory } from './indices/types.js';
import { pull as pullImpl, pullMany as pullManyImpl, entity as entityImpl } from './pull/index.js';
import { explain as explainImpl, type PlanStep, q as qImpl } from './query/index.js';
import type { Backend, StoreSize } from './store/types.js';
import { withDb as withDbImpl } from './tx/index.js';
import { CairnError, fail, show } from './util/errors.js';
import { defaultRegistry } from './store/builtins.js';
import { Conn } from './conn/connection.js';
import { initialRecords, restoreCreated, withNovelty } from './conn/commit.js';
import type { Coordinator } from './conn/coordinator.js';
import { StoreNodeStorage } from './conn/node-storage.js';
import { collectGarbage } from './conn/gc.js';
import { measureStore } from './conn/size.js';
import { autoGc, checkGcPolicy, type GcPolicy } from './conn/auto-gc.js';
import { DEFAULT_BRANCHING_FACTOR } from './indices/persistent-set/node.js';
import { checkStoredConfig, normalizeConfig, type StoredKey } from './conn/config.js';
import { exportDb as exportImpl, importDb as importImpl, type MigrateOptions, type Progress, type Sink, type Source } from './conn/migrate.js';
import { liveQueryOf, livePullOf } from './live/index.js';
import type { LiveQuery } from './live/subscribable.js';
import { createSyncedStore, openSynced } from './sync/connect.js';
import { SyncedConn, type SyncListener, type SyncStatus } from './sync/synced-conn.js';
import { isDate } from './util/brands.js';

/** The store id of a config without `store` and without `name`. */
const DEFAULT_STORE_ID = 'cairndb';

interface ResolvedConfig {
  readonly store: { readonly backend: string; readonly id: string; readonly [k: string]: unknown };
  readonly schemaFlexibility: 'write' | 'read';
  readonly keepHistory: boolean;
  readonly index: string;
  readonly initialTx?: Config['initialTx'];
  readonly name?: string;
  readonly branchingFactor: number;
  readonly gc?: GcPolicy;
  readonly attributeRefs: boolean;
  /** The stored settings the caller wrote (compared with the database's on connect). */
  readonly explicit: ReadonlySet<StoredKey>;
  readonly sync?: Config['sync'];
}

function resolveConfig(config: Config | undefined): ResolvedConfig {
  if (config !== undefined && (config === null || typeof config !== 'object')) fail('config/invalid', `config must be an object, got ${show(config)}`);
  const { config: normalized, explicit } = normalizeConfig((config ?? {}) as Record<string, unknown>);
  const c = normalized as Config;
  // No store: the memory store named by config.name (or 'cairndb'), as the worker does with its
  // default store, so createDatabase and connect with one store-less config meet the same database.
  const store = c.store ?? { backend: 'memory', id: c.name ?? DEFAULT_STORE_ID };
  if (typeof store !== 'object' || typeof store.backend !== 'string' || typeof store.id !== 'string' || store.id === '') {
    fail('config/invalid', `config.store needs a backend name and a non-empty id, got ${show(store)}`, { store: store as unknown as Record<string, unknown> });
  }
  const flex = c.schemaFlexibility ?? 'write';
  if (flex !== 'write' && flex !== 'read') fail('config/invalid', `schemaFlexibility must be 'write' or 'read', got ${show(flex)}`);
  const keepHistory = c.keepHistory ?? true;
  if (typeof keepHistory !== 'boolean') fail('config/invalid', `keepHistory must be a boolean, got ${show(keepHistory)}`);
  const bf = c.branchingFactor ?? DEFAULT_BRANCHING_FACTOR;
  if (!Number.isInteger(bf) || bf < 4) fail('config/invalid', `branchingFactor must be an integer >= 4, got ${show(bf)}`);
  const attributeRefs = c.attributeRefs ?? false;
  if (typeof attributeRefs !== 'boolean') fail('config/invalid', `attributeRefs must be a boolean, got ${show(attributeRefs)}`);
  if (attributeRefs && flex === 'read') fail('config/invalid', "attributeRefs true cannot be combined with schemaFlexibility 'read' (as in Datahike)");
  return {
    store,
    schemaFlexibility: flex,
    keepHistory,
    index: c.index ?? 'persistent-set',
    branchingFactor: bf,
    attributeRefs,
    explicit,
    ...(c.initialTx !== undefined ? { initialTx: c.initialTx } : {}),
    ...(c.name !== undefined ? { name: c.name } : {}),
    ...(c.gc !== undefined && c.gc !== false ? { gc: checkGcPolicy(c.gc)! } : {}),
    ...(c.sync !== undefined ? { sync: c.sync } : {}),
  };
}

function storeKey(c: ResolvedConfig): string {
  return `${c.store.backend}:${c.store.id}${typeof c.store.path === 'string' ? `@${c.store.path}` : ''}${serverOf(c.store)}`;
}

/** Where a server-backed store lives (postgresql `connection` URL and `table`), for storeKey. */
function serverOf(store: ResolvedConfig['store']): string {
  const { connection, table } = store as { connection?: unknown; table?: unknown };
  return `${typeof connection === 'string' ? `@${connection}` : ''}${typeof table === 'string' ? `#${table}` : ''}`;
}

// Open connections by store, shared by every `connect` of the same database in this process.
const open = new Map<string, Conn>();
const connecting = new Map<string, Promise<Conn>>();

export interface ConnectOptions {
  /** Cross-tab coordination (the worker passes Web Locks + BroadcastChannel). */
  readonly coordinator?: Coordinator;
  /** Decoded index nodes kept in memory (default 4096). */
  readonly cacheSize?: number;
  /**
   * false: a private connection with its own view of the head, as another tab would have
   * (default true: every connect of one database in this process shares one connection).
   */
  readonly shared?: boolean;
  /**
   * Most datoms the transaction tail holds before it is folded into the index trees (default:
   * the branching factor). 0 writes the trees on every commit, as Datahike does.
   */
  readonly tailDatoms?: number;
}

/** A connection as users see it: the config, plus the internals the API functions use. */
export type ConnectionHandle = Connection & { readonly conn: Conn };

function connOf(conn: Connection): Conn {
  const c = (conn as Partial<ConnectionHandle>)?.conn;
  if (!(c instanceof Conn)) fail('config/invalid', `expected a connection from connect(), got ${show(conn)}`);
  if (c.released) throw new CairnError('db/released', `connection to ${c.key} was released`, { store: c.key });
  return c;
}

function dbOf(db: Db): DbValue {
  if (!(db instanceof DbValue)) fail('config/invalid', `expected a database value from db(conn), got ${show(db)}`);
  return db;
}

export async function createDatabase(config?: Config): Promise<void> {
  const c = resolveConfig(config);
  if (c.sync !== undefined) return createSynced(c);
  if (open.has(storeKey(c)) || (await defaultRegistry.exists(c.store))) {
    throw new CairnError('db/exists', `database ${show(c.store.id)} already exists in ${c.store.backend}`, { backend: c.store.backend, id: c.store.id });
  }
  const factory = getIndex(c.index);
  const empty = emptyDb(
    { schemaFlexibility: c.schemaFlexibility, keepHistory: c.keepHistory, index: c.index, attributeRefs: c.attributeRefs },
    { branchingFactor: c.branchingFactor },
  );
  // a bad initialTx fails here, before anything is stored: a failed create leaves no database
  if (c.initialTx !== undefined) await withDbImpl(empty, c.initialTx);
  const opened = await defaultRegistry.create(c.store);
  try {
    const nodes = new StoreNodeStorage(opened.store, opened.codec);
    const db = withNovelty(empty as DbValue, factory);
    const { entries } = initialRecords(db, nodes, opened.codec, c.branchingFactor, c.index);
    await opened.store.putBatch(entries, { cas: { key: entries[entries.length - 1]![0], expected: undefined } });
  } finally {
    await opened.store.close();
  }
  if (c.initialTx !== undefined) {
    try {
      const conn = await connect(asConfig(c));
      try {
        await transact(conn, c.initialTx);
      } finally {
        await release(conn);
      }
    } catch (e) {
      await deleteDatabase(asConfig(c)).catch(() => undefined); // the store's own failure is the one to report
      throw e;
    }
  }
}

export async function deleteDatabase(config: Config): Promise<void> {
  const c = resolveConfig(config);
  const live = open.get(storeKey(c));
  if (live !== undefined) {
    open.delete(storeKey(c));
    await live.close();
  }
  await defaultRegistry.delete(c.store);
}

export async function databaseExists(config: Config): Promise<boolean> {
  const c = resolveConfig(config);
  return open.has(storeKey(c)) || defaultRegistry.exists(c.store);
}

export async function connect(config: Config, options: ConnectOptions = {}): Promise<Connection> {
  const c = resolveConfig(config);
  const tail = options.tailDatoms;
  if (tail !== undefined && !(Number.isSafeInteger(tail) && tail >= 0)) {
    throw new CairnError('config/invalid', `tailDatoms must be a non-negative integer, got ${show(tail)}`, { tailDatoms: show(tail) });
  }
  const key = storeKey(c);
  if (options.shared === false) return handle(c, await openConn(c, key, options));
  const live = open.get(key);
  if (live !== undefined) {
    checkAgainst(c, live);
    live.refCount++;
    return handle(c, live);
  }
  let pending = connecting.get(key);
  if (pending === undefined) {
    pending = openConn(c, key, options).finally(() => connecting.delete(key));
    connecting.set(key, pending);
    const conn = await pending;
    return handle(c, conn);
  }
  const conn = await pending;
  checkAgainst(c, conn);
  conn.refCount++;
  return handle(c, conn);
}

async function openConn(c: ResolvedConfig, key: string, options: ConnectOptions): Promise<Conn> {
  if (c.sync !== undefined) {
    options.coordinator?.close(); // the server orders a synced database's writes, not the tabs
    const conn = await openSynced(c, key, defaultRegistry, getIndex, options.cacheSize);
    if (options.shared !== false) open.set(key, conn);
    return conn;
  }
  if (!(await defaultRegistry.exists(c.store))) {
    throw new CairnError('db/missing', `database ${show(c.store.id)} does not exist in ${c.store.backend}; create it with createDatabase first`, {
      backend: c.store.backend,
      id: c.store.id,
    });
  }
  const opened = await defaultRegistry.open(c.store);
  try {
    const nodes = new StoreNodeStorage(opened.store, opened.codec, options.cacheSize);
    const restored = await restoreCreated(opened.store, opened.codec, nodes, getIndex(c.index));
    const stored = restored.persisted.commit.config;
    checkStoredConfig(c, c.explicit, { ...stored, attributeRefs: stored.attributeRefs === true }, show(c.store.id));
    const factory = getIndex(restored.persisted.commit.config.index);
    const conn = new Conn({
      key,
      opened,
      nodes,
      factory,
      db: restored.db,
      persisted: restored.persisted,
      foldAt: options.tailDatoms ?? restored.persisted.commit.config.branchingFactor,
      ...(options.coordinator ? { coordinator: options.coordinator } : {}),
    });
    if (c.gc !== undefined) conn.observer = autoGc(conn, c.gc);
    if (options.shared !== false) open.set(key, conn);
    return conn;
  } catch (e) {
    await opened.store.close();
    throw e;
  }
}

/** An already open connection: the settings given must match the database's too. */
function checkAgainst(c: ResolvedConfig, conn: Conn): void {
  checkStoredConfig(c, c.explicit, conn.db.config, show(c.store.id));
}

/** A resolved config as a plain Config again (every setting explicit). */
function asConfig(c: ResolvedConfig): Config {
  const { explicit: _explicit, ...config } = c;
  return config as Config;
}

function handle(c: ResolvedConfig, conn: Conn): ConnectionHandle {
  return { config: asConfig(c), conn };
}

export async function release(conn: Connection): Promise<void> {
  const c = (conn as Partial<ConnectionHandle>)?.conn;
  if (!(c instanceof Conn) || c.released) return;
  if (--c.refCount > 0) return;
  if (open.get(c.key) === c) open.delete(c.key);
  await c.close();
}

export function db(conn: Connection): Db {
  return connOf(conn).db;
}

export function transact(conn: Connection, input: TransactInput): Promise<TxReport> {
  try {
    return connOf(conn).transact(input);
  } catch (e) {
    return Promise.reject(e);
  }
}

export async function q<T = unknown>(query: Query | QueryMap, ...inputs: unknown[]): Promise<T> {
  return qImpl(query, ...inputs) as Promise<T>;
}

/** Run a query and return its result with the plan it followed (clause order, index, rows). */
export async function explain(query: Query | QueryMap, ...inputs: unknown[]): Promise<{ result: unknown; plan: PlanStep[] }> {
  return explainImpl(query, ...inputs);
}

/** Datahike's name for the same introspection: an alias of explain. */
export const queryStats = explain;

export async function pull<T = Record<string, unknown>>(d: Db, pattern: PullPattern, eid: EntityRef): Promise<T | null> {
  return (await pullImpl(dbOf(d), pattern, eid)) as T | null;
}

export async function pullMany<T = Record<string, unknown>>(d: Db, pattern: PullPattern, eids: readonly EntityRef[]): Promise<(T | null)[]> {
  return (await pullManyImpl(dbOf(d), pattern, eids)) as (T | null)[];
}

export function entity(d: Db, eid: EntityRef) {
  return entityImpl(dbOf(d), eid);
}

const INDEXES: readonly IndexName[] = ['eavt', 'aevt', 'avet'];
function checkIndex(index: IndexName): void {
  if (!INDEXES.includes(index)) fail('index/unknown', `unknown index ${show(index)}; expected one of eavt, aevt, avet`, { index });
}

export async function datoms(d: Db, index: IndexName, ...components: unknown[]): Promise<Datom[]> {
  checkIndex(index);
  return dbOf(d).datoms(index, ...components);
}

export async function seekDatoms(d: Db, index: IndexName, ...components: unknown[]): Promise<Datom[]> {
  checkIndex(index);
  return dbOf(d).seekDatoms(index, ...components);
}

export async function indexRange(d: Db, attr: string, start?: Value, end?: Value): Promise<Datom[]> {
  return dbOf(d).indexRange(attr, start, end);
}

export function filter(d: Db, pred: DatomPredicate): Db {
  return filterView(dbOf(d), pred);
}

export function history(d: Db): Db {
  return historyView(dbOf(d));
}

export function asOf(d: Db, t: number | Date): Db {
  return asOfView(dbOf(d), t);
}

export function since(d: Db, t: number | Date): Db {
  return sinceView(dbOf(d), t);
}

export async function withDb(d: Db, input: TransactInput): Promise<TxReport> {
  return withDbImpl(dbOf(d), input);
}

export function listen(conn: Connection, callback: Listener): () => void {
  if (typeof callback !== 'function') fail('config/invalid', `listen needs a callback function, got ${show(callback)}`);
  const c = connOf(conn);
  c.listeners.add(callback);
  return () => void c.listeners.delete(callback);
}

/** A query that re-runs when a commit can change its result; the connection's value is its `$`. */
export function liveQuery<T = unknown>(conn: Connection, query: Query | QueryMap, ...inputs: unknown[]): LiveQuery<T> {
  const c = connOf(conn);
  return liveQueryOf<T>(c, query, inputs, (x) => (x as Partial<ConnectionHandle> | null)?.conn === c);
}

/** A pull that re-runs when a commit can change its result. */
export function livePull<T = Record<string, unknown>>(conn: Connection, pattern: PullPattern, eid: EntityRef): LiveQuery<T | null> {
  return livePullOf<T | null>(connOf(conn), pattern, eid);
}

export async function schema(d: Db): Promise<Record<string, Record<string, unknown>>> {
  const v = dbOf(d);
  return schemaEntries(v.schema, v.state.raw);
}

export async function reverseSchema(d: Db): Promise<Record<string, string[]>> {
  return reverseSchemaEntries(dbOf(d).schema);
}

export async function gcStorage(conn: Connection, removeBefore?: Date): Promise<GcResult> {
  if (removeBefore !== undefined && !(isDate(removeBefore) && !Number.isNaN(removeBefore.getTime()))) {
    fail('config/invalid', `gcStorage: removeBefore must be a valid Date, got ${show(removeBefore)}`);
  }
  return collectGarbage(connOf(conn), removeBefore);
}

/** How big the connection's store is: `{ keys, bytes }` (in the browser client: `storageInfo(conn)`). */
export async function storeSize(conn: Connection): Promise<StoreSize> {
  return measureStore(connOf(conn).opened.store);
}

/** Write every datom (history included) in Datahike's dump format to `sink` (src/conn/migrate.ts). */
export async function exportDb(d: Db, sink: Sink, options?: MigrateOptions): Promise<Progress> {
  return exportImpl(dbOf(d), sink, options);
}

/** Replay a Datahike-format dump into an empty database, keeping its ids and tx ids. */
export async function importDb(conn: Connection, source: Source, options?: MigrateOptions): Promise<Progress> {
  const c = connOf(conn);
  // A dump keeps its entity and transaction ids; on a synced database the server gives them.
  if (c instanceof SyncedConn) {
    fail('migrate/unsupported', `importDb cannot load a dump into ${c.key}, a synced replica: import it into the server's database, and the devices sync it`, {
      store: c.key,
    });
  }
  return importImpl(c, source, options);
}

export function registerBackend(name: string, backend: Backend): void {
  defaultRegistry.register(name, backend);
}

export function registerIndex(name: string, index: IndexFactory): void {
  registerIndexImpl(name, index);
}

/** Mark a keyword value where the schema cannot tell: kw('status/active') -> ':status/active'. */
export function kw(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name === ':') fail('config/invalid', `kw needs a keyword name like 'status/active', got ${show(name)}`);
  return name.charCodeAt(0) === 58 ? name : `:${name}`;
}

/** A synced database (docs/sync.md): create its local store; initialTx goes through the outbox. */
async function createSynced(c: ResolvedConfig): Promise<void> {
  if (open.has(storeKey(c)) || (await defaultRegistry.exists(c.store))) {
    throw new CairnError('db/exists', `database ${show(c.store.id)} already exists in ${c.store.backend}`, { backend: c.store.backend, id: c.store.id });
  }
  await createSyncedStore(c, defaultRegistry);
  if (c.initialTx === undefined) return;
  try {
    const conn = await connect(c as Config);
    try {
      await transact(conn, c.initialTx);
    } finally {
      await release(conn);
    }
  } catch (e) {
    await deleteDatabase(c as Config).catch(() => undefined);
    throw e;
  }
}

function syncedOf(conn: Connection): SyncedConn {
  const c = connOf(conn);
  if (!(c instanceof SyncedConn)) fail('config/invalid', `connection to ${c.key} is not synced (its config has no sync)`, { store: c.key });
  return c;
}

/** Online/offline, pending transactions, last server tx, last error (docs/sync.md). */
export async function syncStatus(conn: Connection): Promise<SyncStatus> {
  return syncedOf(conn).status();
}

/** Hear sync status changes and rejected transactions; returns the function that stops it. */
export function onSync(conn: Connection, callback: SyncListener): () => void {
  if (typeof callback !== 'function') fail('config/invalid', `onSync needs a callback function, got ${show(callback)}`);
  return syncedOf(conn).onSync(callback);
}

/** The API as one object; the type test checks it against EngineApi. */
export const api = {
  createDatabase,
  deleteDatabase,
  databaseExists,
  connect,
  release,
  db,
  transact,
  q,
  pull,
  pullMany,
  datoms,
  seekDatoms,
  indexRange,
  history,
  asOf,
  since,
  withDb,
  listen,
  schema,
  reverseSchema,
  gcStorage,
  kw,
  explain,
  exportDb,
  importDb,
  liveQuery,
  livePull,
} satisfies EngineApi;
