// The package entry (`cairndb`): the only barrel (STYLE habit 13). Nothing inside src/ imports it.

export {
  createDatabase, deleteDatabase, databaseExists, connect, release, db, transact, q, pull, pullMany, entity,
  datoms, seekDatoms, indexRange, history, asOf, since, withDb, listen, schema, reverseSchema, gcStorage,
  registerBackend, registerIndex, kw, api, DEFAULT_BRANCHING_FACTOR,
} from './api';
export type { ConnectOptions, ConnectionHandle } from './api';
export type {
  Config, Connection, EngineApi, GcResult, Listener, PullPattern, Query, QueryMap, TransactInput, TxData,
} from './engine';
export { Datom, TX0 } from './db/types';
export type { Db, DbView, EntityRef, IndexName, Schema, AttrSchema, TxReport, Value, ValueType } from './db/types';
export { CairnError, isCairnError, ErrorCodes } from './util/errors';
export type { ErrorCode, ErrorData } from './util/errors';
export { registerAggregate } from './query';
export type { Backend, Store, StoreConfig, PutOptions } from './store/types';
export type { Coordinator, HeadAnnouncement } from './conn/coordinator';
export type { IndexFactory, SortedSet, TransientSet, NodeStorage, StoredNode, NodeAddress, Comparator } from './index/types';
