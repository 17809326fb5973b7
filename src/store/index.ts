// The store layer's surface: what the rest of CairnDB imports (never the backend modules
// directly). Internal to src/; the public barrel is src/index.ts.

export type { Backend, CasGuard, PutOptions, Store, StoreConfig, StoreSize } from './types.js';
export { REF_PREFIX, isRefKey, refKey } from './keys.js';
export { FORMAT_VERSION, StructureKinds, ValueKinds, createCodec } from './codec.js';
export type { AnyCodecHandler, Codec, CodecHandler, StructureHandler, StructureKind, ValueKind } from './codec.js';
export { BackendRegistry } from './registry.js';
export type { OpenedStore } from './registry.js';
export { createStore, defaultRegistry, deleteStore, lazyBackend, openStore, registerBackend, storeExists, withBuiltins } from './builtins.js';
export { createMemoryBackend } from './memory.js';
export { createIndexedDbBackend, idbName } from './indexeddb.js';
export type { IndexedDbBackendOptions } from './indexeddb.js';
export { requestPersistence, storageEstimate } from './persistence.js';
export type { StorageEstimate } from './persistence.js';
// The file and postgresql backends are Node-only: the Node entry (src/node.ts) registers them
// through ./node-backends.ts; import `createFileBackend` from './file.js' where needed.
