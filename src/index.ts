// The package entry (`cairndb`): the only barrel, and exactly the surface docs/api.md documents
// (internals such as the engine object or the connection class stay out). Nothing inside src/
// imports it.

export {
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
  entity,
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
  registerBackend,
  registerIndex,
  kw,
  filter,
  explain,
  queryStats,
  exportDb,
  importDb,
} from './api.js';
export type { DatomPredicate } from './db/db.js';
export type { MigrateOptions, Progress, Sink, Source } from './conn/migrate.js';
export type { ConnectOptions } from './api.js';
export { storeSize } from './api.js';
export type { StoreSize } from './store/types.js';
export { liveQuery, livePull } from './api.js';
export type { LiveQuery, LiveObserver, LiveState, LiveStats, Unsubscribe } from './live/subscribable.js';
export { syncStatus, onSync } from './api.js';
export type { SyncStatus, SyncEvent, SyncListener } from './sync/synced-conn.js';
export type { SyncConfig } from './db/inputs.js';
export type {
  Config,
  Connection,
  EngineApi,
  GcResult,
  Listener,
  PullPattern,
  Query,
  QueryMap,
  TransactInput,
  TxData,
} from './engine.js';
export { Datom, TX0 } from './db/types.js';
export type { Db, DbView, EntityRef, IndexName, Schema, AttrSchema, TxReport, Value, ValueType } from './db/types.js';
export { CairnError, isCairnError, ErrorCodes } from './util/errors.js';
export type { ErrorCode, ErrorData } from './util/errors.js';
export { registerAggregate, type PlanStep } from './query/index.js';
export { registerTxFunction, type TxFunction } from './tx/functions.js';
export type { Backend, BackendName, Store, StoreConfig, PutOptions } from './store/types.js';
// for backend authors: codec handlers, key kinds and the argument checks every backend makes
export type { CodecHandler } from './store/codec.js';
export { isRefKey, refKey } from './store/keys.js';
export { checkBatch, checkKey, checkKeys } from './store/guard.js';
export type { StructureHandler, StructureKind } from './store/codec.js';
export type { Coordinator, HeadAnnouncement } from './conn/coordinator.js';
export type { IndexFactory, SortedSet, TransientSet, NodeStorage, StoredNode, NodeAddress, Comparator } from './indices/types.js';
