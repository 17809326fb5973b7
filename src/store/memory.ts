// The `memory` backend: each store is a Map from key to bytes, kept per backend instance
// (so a test's own registry never sees the default registry's stores).
//
// Representation: `stores` maps config.id -> { data, handles }. `data` holds private copies
// of the bytes (copied on the way in and on the way out, so nobody can alias stored bytes);
// `handles` are the open Store objects, closed when the store is deleted.
// Invariants: every value in `data` is an exact-length Uint8Array nobody else references.
// Atomicity is free: each operation runs synchronously between two awaits.

import { CairnError, show } from '../util/errors.js';
import { bytesEqual, checkBatch, checkCas, checkKey, checkKeys, closedError, conflictError, exactCopy } from './guard.js';
import type { Backend, CasGuard, PutOptions, Store, StoreConfig, StoreSize } from './types.js';

interface MemoryState {
  readonly data: Map<string, Uint8Array>;
  readonly handles: Set<MemoryStore>;
}

class MemoryStore implements Store {
  #closed = false;
  readonly #state: MemoryState;
  readonly #id: string;

  constructor(state: MemoryState, id: string) {
    this.#state = state;
    this.#id = id;
    state.handles.add(this);
  }

  #open(): Map<string, Uint8Array> {
    if (this.#closed) throw closedError('memory', this.#id);
    return this.#state.data;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const data = this.#open();
    checkKey(key);
    const v = data.get(key);
    return v === undefined ? undefined : exactCopy(v);
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const data = this.#open();
    checkKeys(keys);
    return keys.map((k) => {
      const v = data.get(k);
      return v === undefined ? undefined : exactCopy(v);
    });
  }

  async putBatch(entries: readonly (readonly [string, Uint8Array])[], opts?: PutOptions): Promise<void> {
    const data = this.#open();
    checkBatch(entries, opts);
    if (opts?.cas !== undefined && !bytesEqual(data.get(opts.cas.key), opts.cas.expected)) {
      throw conflictError(opts.cas.key);
    }
    for (const [k, v] of entries) data.set(k, exactCopy(v));
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const data = this.#open();
    checkKeys(keys);
    for (const k of keys) data.delete(k);
  }

  async deleteManyIf(keys: readonly string[], cas: CasGuard): Promise<void> {
    const data = this.#open();
    checkKeys(keys);
    checkCas(cas);
    if (!bytesEqual(data.get(cas.key), cas.expected)) throw conflictError(cas.key);
    for (const k of keys) data.delete(k);
  }

  async keys(): Promise<string[]> {
    return [...this.#open().keys()];
  }

  async size(): Promise<StoreSize> {
    let bytes = 0;
    for (const [k, v] of this.#open()) bytes += k.length * 2 + v.length;
    return { keys: this.#state.data.size, bytes };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#state.handles.delete(this);
  }
}

/** A fresh, empty memory backend (the default registry holds one). */
export function createMemoryBackend(): Backend {
  const stores = new Map<string, MemoryState>();
  return {
    async create(config: StoreConfig): Promise<Store> {
      if (stores.has(config.id)) {
        throw new CairnError('db/exists', `memory store ${show(config.id)} already exists`, { backend: 'memory', id: config.id });
      }
      const state: MemoryState = { data: new Map(), handles: new Set() };
      stores.set(config.id, state);
      return new MemoryStore(state, config.id);
    },
    async connect(config: StoreConfig): Promise<Store> {
      const state = stores.get(config.id);
      if (state === undefined) {
        throw new CairnError('db/missing', `memory store ${show(config.id)} does not exist`, { backend: 'memory', id: config.id });
      }
      return new MemoryStore(state, config.id);
    },
    async exists(config: StoreConfig): Promise<boolean> {
      return stores.has(config.id);
    },
    async delete(config: StoreConfig): Promise<void> {
      const state = stores.get(config.id);
      if (state === undefined) return;
      stores.delete(config.id);
      for (const h of [...state.handles]) await h.close();
      state.data.clear();
    },
  };
}
