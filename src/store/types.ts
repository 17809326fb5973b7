// The konserve-style key-value store contract (DESIGN decision 2). A backend is any object
// implementing `Store`; it is registered by name with `registerBackend` and picked by
// `config.store.backend`. The store knows nothing of datoms: keys are strings, values bytes.
//
// Guarantees every backend must give (checked by the shared contract test suite):
// - `get` returns exactly the bytes last stored under the key (an exact-length Uint8Array), or
//   undefined. `getMany` returns one entry per requested key, in request order.
// - `putBatch` is atomic and ordered: after it resolves every entry is durable (per the
//   backend's durability setting) and readable; if it rejects, none is visible. With
//   `opts.cas`, the batch is applied only if the key `cas.key` currently holds bytes equal to
//   `cas.expected` (undefined = must be absent); otherwise it rejects with `store/conflict`
//   and writes nothing.
// - `deleteMany` removes the keys (absent keys are ignored). `keys()` lists every key.
// - After `close()` every call rejects with `store/closed`.
// - Quota exhaustion rejects with `store/quota` and writes nothing.

export interface PutOptions {
  /** Compare-and-set guard on the branch head, checked atomically with the batch. */
  readonly cas?: { readonly key: string; readonly expected: Uint8Array | undefined };
}

export interface Store {
  get(key: string): Promise<Uint8Array | undefined>;
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]>;
  putBatch(entries: readonly (readonly [string, Uint8Array])[], opts?: PutOptions): Promise<void>;
  deleteMany(keys: readonly string[]): Promise<void>;
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

/** Backend options from `config.store`: `backend` and `id` plus backend-specific fields. */
export interface StoreConfig {
  readonly backend: string;
  readonly id: string;
  readonly [option: string]: unknown;
}

/** What `registerBackend(name, backend)` takes. */
export interface Backend {
  /** Create the store; rejects with `db/exists` if it already exists. */
  create(config: StoreConfig): Promise<Store>;
  /** Open an existing store; rejects with `db/missing` if absent. */
  connect(config: StoreConfig): Promise<Store>;
  exists(config: StoreConfig): Promise<boolean>;
  /** Delete the store and every key in it; a no-op if absent. */
  delete(config: StoreConfig): Promise<void>;
  /** Optional serialization handlers the codec uses for this backend (see docs/backends.md). */
  readonly codecHandlers?: unknown;
}
