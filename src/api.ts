// The public functions (API.md), in process. Everything here is thin: it checks arguments,
// resolves the config and delegates to the layer that does the work.

import { asOf as asOfView, DbValue, history as historyView, since as sinceView } from './db/db.js';
import { emptyDb } from './db/parts.js';
import { reverseSchemaEntries, schemaEntries } from './db/schema.js';
import type { Datom, Db, EntityRef, IndexName, TxReport, Value } from './db/types.js';
import type { Config, Connection, EngineApi, GcResult, Listener, PullPattern, Query, QueryMap, TransactInput } from './engine.js';
import { getIndex, registerIndex as registerIndexImpl } from './indices/registry.js';
import type { IndexFactory } from './indices/types.js';
import { pull as pullImpl, pullMany as pullManyImpl, entity as entityImpl } from './pull/index.js';
import { q as qImpl } from './query/index.js';
import type { Backend } from './store/types.js';
import { withDb as withDbImpl } from './tx/index.js';
import { CairnError, fail, show } from './util/errors.js';
import { defaultRegistry } from './store/index.js';
import { Conn } from './conn/connection.js';
import { initialRecords, restore, withNovelty } from './conn/commit.js';
import type { Coordinator } from './conn/coordinator.js';
import { StoreNodeStorage } from './conn/node-storage.js';
import { collectGarbage } from './conn/gc.js';
import { createSyncedStore, openSynced } from './sync/connect.js';
import { SyncedConn, type SyncListener, type SyncStatus } from './sync/synced-conn.js';

export const DEFAULT_BRANCHING_FACTOR = 512;

interface ResolvedConfig {
  readonly store: { readonly backend: string; readonly id: string; readonly [k: string]: unknown };
  readonly schemaFlexibility: 'write' | 'read';
  readonly keepHistory: boolean;
  readonly index: string;
  readonly initialTx?: Config['initialTx'];
  readonly name?: string;
  readonly branchingFactor: number;
  readonly sync?: Config['sync'];
}

function randomId(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `mem-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

function resolveConfig(config: Config | undefined): ResolvedConfig {
  if (config !== undefined && (config === null || typeof config !== 'object')) fail('config/invalid', `config must be an object, got ${show(config)}`);
  const c = config ?? {};
  const store = c.store ?? { backend: 'memory', id: randomId() };
  if (typeof store !== 'object' || typeof store.backend !== 'string' || typeof store.id !== 'string' || store.id === '') {
    fail('config/invalid', `config.store needs a backend name and a non-empty id, got ${show(store)}`, { store: store as unknown as Record<string, unknown> });
  }
  const flex = c.schemaFlexibility ?? 'write';
  if (flex !== 'write' && flex !== 'read') fail('config/invalid', `schemaFlexibility must be 'write' or 'read', got ${show(flex)}`);
  const keepHistory = c.keepHistory ?? true;
  if (typeof keepHistory !== 'boolean') fail('config/invalid', `keepHistory must be a boolean, got ${show(keepHistory)}`);
  const bf = c.branchingFactor ?? DEFAULT_BRANCHING_FACTOR;
  if (!Number.isInteger(bf) || bf < 4) fail('config/invalid', `branchingFactor must be an integer >= 4, got ${show(bf)}`);
  return {
    store, schemaFlexibility: flex, keepHistory, index: c.index ?? 'persistent-set', branchingFactor: bf,
    ...(c.initialTx !== undefined ? { initialTx: c.initialTx } : {}),
    ...(c.name !== undefined ? { name: c.name } : {}),
    ...(c.sync !== undefined ? { sync: c.sync } : {}),
  };
}

function storeKey(c: ResolvedConfig): string {
  return `${c.store.backend}:${c.store.id}${typeof c.store.path === 'string' ? `@${c.store.path}` : ''}`;
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
  const empty = emptyDb({ schemaFlexibility: c.schemaFlexibility, keepHistory: c.keepHistory, index: c.index }, { branchingFactor: c.branchingFactor });
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
      const conn = await connect(c as Config);
      try {
        await transact(conn, c.initialTx);
      } finally {
        await release(conn);
      }
    } catch (e) {
      await deleteDatabase(c as Config).catch(() => undefined); // the store's own failure is the one to report
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
  const key = storeKey(c);
  if (options.shared === false) return handle(c, await openConn(c, key, options));
  const live = open.get(key);
  if (live !== undefined) {
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
    throw new CairnError('db/missing', `database ${show(c.store.id)} does not exist in ${c.store.backend}; create it with createDatabase first`, { backend: c.store.backend, id: c.store.id });
  }
  const opened = await defaultRegistry.open(c.store);
  try {
    const nodes = new StoreNodeStorage(opened.store, opened.codec, options.cacheSize);
    const restored = await restore(opened.store, opened.codec, nodes, getIndex(c.index));
    const factory = getIndex(restored.persisted.commit.config.index);
    const conn = new Conn({
      key, opened, nodes, factory, db: restored.db, persisted: restored.persisted,
      foldAt: restored.persisted.commit.config.branchingFactor,
      ...(options.coordinator ? { coordinator: options.coordinator } : {}),
    });
    if (options.shared !== false) open.set(key, conn);
    return conn;
  } catch (e) {
    await opened.store.close();
    throw e;
  }
}

function handle(c: ResolvedConfig, conn: Conn): ConnectionHandle {
  return { config: c as Config, conn };
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

export async function q(query: Query | QueryMap, ...inputs: unknown[]): Promise<unknown> {
  return qImpl(query as never, ...inputs);
}

export async function pull(d: Db, pattern: PullPattern, eid: EntityRef): Promise<Record<string, unknown> | null> {
  return (await pullImpl(d, pattern as never, eid)) as Record<string, unknown> | null;
}

export async function pullMany(d: Db, pattern: PullPattern, eids: readonly EntityRef[]): Promise<(Record<string, unknown> | null)[]> {
  return (await pullManyImpl(d, pattern as never, eids)) as (Record<string, unknown> | null)[];
}

export function entity(d: Db, eid: EntityRef) {
  return entityImpl(d, eid);
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

export async function schema(d: Db): Promise<Record<string, Record<string, unknown>>> {
  const v = dbOf(d);
  return schemaEntries(v.schema, v.state.raw);
}

export async function reverseSchema(d: Db): Promise<Record<string, string[]>> {
  return reverseSchemaEntries(dbOf(d).schema);
}

export async function gcStorage(conn: Connection, removeBefore?: Date): Promise<GcResult> {
  return collectGarbage(connOf(conn), removeBefore);
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
  createDatabase, deleteDatabase, databaseExists, connect, release, db, transact, q, pull, pullMany,
  datoms, seekDatoms, indexRange, history, asOf, since, withDb, listen, schema, reverseSchema, gcStorage, kw,
} satisfies EngineApi;
