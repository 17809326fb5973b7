// The package entry (`cairndb`): the only barrel (STYLE habit 13). Nothing inside src/ imports it.

export {
  createDatabase, deleteDatabase, databaseExists, connect, release, db, transact, q, pull, pullMany, entity,
  datoms, seekDatoms, indexRange, history, asOf, since, withDb, listen, schema, reverseSchema, gcStorage,
  registerBackend, registerIndex, kw, api, DEFAULT_BRANCHING_FACTOR,
} from './api.js';
export type { ConnectOptions, ConnectionHandle } from './api.js';
export { syncStatus, onSync } from './api.js';
export type { SyncStatus, SyncEvent, SyncListener } from './sync/synced-conn.js';
export type { SyncConfig } from './sync/connect.js';
export type {
  Config, Connection, EngineApi, GcResult, Listener, PullPattern, Query, QueryMap, TransactInput, TxData,
} from './engine.js';
export { Datom, TX0 } from './db/types.js';
export type { Db, DbView, EntityRef, IndexName, Schema, AttrSchema, TxReport, Value, ValueType } from './db/types.js';
export { CairnError, isCairnError, ErrorCodes } from './util/errors.js';
export type { ErrorCode, ErrorData } from './util/errors.js';
export { registerAggregate } from './query/index.js';
export type { Backend, Store, StoreConfig, PutOptions } from './store/types.js';
export type { Coordinator, HeadAnnouncement } from './conn/coordinator.js';
export type { IndexFactory, SortedSet, TransientSet, NodeStorage, StoredNode, NodeAddress, Comparator } from './indices/types.js';
