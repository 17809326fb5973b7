// The package entry for backend and index authors' tests (`cairndb/testing`): the store contract
// suite every built-in backend passes and the index contract suite every built-in index passes,
// so a backend or an index in another repository runs the same tests.
// It registers Vitest tests (`describe`/`it`), so import it from a Vitest test file; vitest
// must be installed. See docs/backends.md, "Test it with the contract suite".

export { expectCode, runStoreContract } from './store/contract.js';
export type { ContractTarget } from './store/contract.js';
export { seededBytes } from './store/contract-data.js';
export { runIndexContract } from './indices/contract.js';
export type { IndexFactory, IndexMeta, NodeAddress, NodeStorage, SortedSet, StoredNode, TransientSet } from './indices/types.js';
export type { Backend, PutOptions, Store, StoreConfig } from './store/types.js';
export type { CodecHandler } from './store/codec.js';
