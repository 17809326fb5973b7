// The konserve-style key-value store contract (docs/architecture.md, decision 2). A backend is any object
// implementing `Backend`; it is registered by name (`BackendRegistry.register`, the public
// `registerBackend`) and picked by `config.store.backend`. The store knows nothing of datoms:
// keys are strings, values are bytes (produced by the codec in ./codec.ts).
//
// Guarantees every backend must give (checked by the shared contract suite, ./contract.ts):
// - `get` returns exactly the bytes last stored under the key, as a fresh exact-length
//   Uint8Array (byteOffset 0, spanning its whole buffer, not aliased with anything the store
//   or another caller holds), or undefined. `getMany` returns one entry per requested key, in
//   request order (duplicates and missing keys included).
// - `putBatch` is atomic and ordered: after it resolves every entry is durable (per the
//   backend's durability setting) and readable; if it rejects, none is visible. Entries apply
//   in order, so a key given twice ends with its last value. With `opts.cas`, the batch is
//   applied only if `cas.key` currently holds bytes equal to `cas.expected` (undefined = must
//   be absent); the check and the writes are one atomic step, otherwise it rejects with
//   `store/conflict` and writes nothing. The store copies the bytes it is given: the caller
//   may reuse its arrays as soon as the call returns.
// - Keys are routed by ./keys.ts: `ref:` keys are small and mutable; every other key is a
//   node, written once — putting an existing node key again must carry the same bytes, and a
//   backend may skip that write. Callers put the mutable head last and guard it with `cas`.
// - `deleteMany` removes the keys (absent keys are ignored). `keys()` lists every key, refs
//   and nodes, in no particular order.
// - Bad arguments (a non-string key, a value that is not a Uint8Array) reject with
//   `store/invalid` before anything is written.
// - Optional `deleteManyIf(keys, cas)` (GC's fence, see docs/storage.md "Garbage collection"):
//   deletes the keys only if `cas.key` holds `cas.expected`, else rejects with
//   `store/conflict` and deletes nothing. It is serialisable with every `putBatch` guarded by
//   the same key: the two never interleave, so a batch that lands first makes the delete fail,
//   and a batch that lands after it sees the deleted keys as absent (a node key it re-puts is
//   written again, never skipped as "already there"). A backend without it cannot be swept
//   safely while other writers run: `gcStorage` then refuses with `store/unsupported`.
// - After `close()` every call rejects with `store/closed`; closing twice is harmless.
// - Quota exhaustion rejects with `store/quota` and writes nothing; a backend that cannot
//   reach its storage at all rejects with `store/unavailable`; other I/O failures `store/io`.

import type { AnyCodecHandler } from './codec.js';

/** A compare-and-set guard: `key` must currently hold bytes equal to `expected` (undefined = absent). */
export interface CasGuard {
  readonly key: string;
  readonly expected: Uint8Array | undefined;
}

export interface PutOptions {
  /** Compare-and-set guard on the branch head, checked atomically with the batch. */
  readonly cas?: CasGuard;
}

export interface Store {
  get(key: string): Promise<Uint8Array | undefined>;
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]>;
  putBatch(entries: readonly (readonly [string, Uint8Array])[], opts?: PutOptions): Promise<void>;
  deleteMany(keys: readonly string[]): Promise<void>;
  /**
   * Optional (needed by `gcStorage`): `deleteMany` guarded by `cas`, one atomic step that
   * never interleaves with a `putBatch` guarded by the same key. Rejects with
   * `store/conflict` (deleting nothing) when `cas.key` no longer holds `cas.expected`.
   */
  deleteManyIf?(keys: readonly string[], cas: CasGuard): Promise<void>;
  keys(): Promise<string[]>;
  /** Optional: how big the store is (bytes: what it occupies, at least the sum of its values). */
  size?(): Promise<StoreSize>;
  close(): Promise<void>;
  /**
   * Optional: call `onChange` whenever another handle — in this process or another — may have
   * moved a ref (e.g. PostgreSQL LISTEN/NOTIFY). Connections use it to hear remote commits.
   * Returns unsubscribe. A backend without it is only re-read on a CAS conflict or reconnect.
   */
  watch?(onChange: () => void): () => void;
}

/** What `Store.size()` reports (and `storeSize(conn)` / the client's `storageInfo(conn)`). */
export interface StoreSize {
  readonly keys: number;
  readonly bytes: number;
}

/**
 * Backend options from `config.store`: `backend` and `id` plus backend-specific fields
 * (`path` for `file`; `durability: 'relaxed' | 'strict'` for `indexeddb` and `file`).
 */
/**
 * The backends CairnDB ships, for editor completion; any name given to `registerBackend` is
 * accepted too (`string & {}` keeps the literals from collapsing into plain `string`).
 */
export type BackendName = 'memory' | 'indexeddb' | 'file' | (string & {});

export interface StoreConfig {
  readonly backend: BackendName;
  readonly id: string;
  readonly [option: string]: unknown;
}

/** What `registerBackend(name, backend)` takes. Every method may be called many times. */
export interface Backend {
  /** Create the store; rejects with `db/exists` if it already exists. */
  create(config: StoreConfig): Promise<Store>;
  /** Open an existing store; rejects with `db/missing` if absent. */
  connect(config: StoreConfig): Promise<Store>;
  exists(config: StoreConfig): Promise<boolean>;
  /** Delete the store and every key in it; a no-op if absent. Open handles become closed. */
  delete(config: StoreConfig): Promise<void>;
  /**
   * Optional serialization handlers the codec for this backend's stores installs: class
   * handlers (like msgpackr's `addExtension`, but per codec instance) and structure handlers
   * for CairnDB's own index nodes, commit records and tail segments. See docs/backends.md.
   */
  readonly codecHandlers?: readonly AnyCodecHandler[];
}
