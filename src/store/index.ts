// The store layer's surface: what the rest of CairnDB imports (never the backend modules
// directly). Internal to src/; the public barrel is src/index.ts.

export type { Backend, PutOptions, Store, StoreConfig } from './types';
export { REF_PREFIX, isRefKey, refKey } from './keys';
export { FORMAT_VERSION, ValueKinds, createCodec } from './codec';
export type { Codec, CodecHandler, ValueKind } from './codec';
export { BackendRegistry } from './registry';
export type { OpenedStore } from './registry';
export { createStore, defaultRegistry, deleteStore, lazyBackend, openStore, registerBackend, storeExists, withBuiltins } from './builtins';
export { createMemoryBackend } from './memory';
export { createIndexedDbBackend, idbName } from './indexeddb';
export type { IndexedDbBackendOptions } from './indexeddb';
export { requestPersistence, storageEstimate } from './persistence';
export type { StorageEstimate } from './persistence';
// The file backend is Node-only: import `createFileBackend` from './file' where needed; the
// default registry loads it lazily under the name 'file'.
