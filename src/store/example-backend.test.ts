// A second example backend for docs/backends.md (beside its worked Map example): a backend over any Web Storage-like object
// (`localStorage`, `sessionStorage`, or the Map-backed stand-in below), run through the same
// contract suite as the built-in backends. It shows the four things a backend must get right:
// the lifecycle (create/connect/exists/delete with db/exists and db/missing), copies of bytes,
// an atomic putBatch with its compare-and-set (here: roll back on failure), and error codes.
import { describe, expect, it } from 'vitest';
import { CairnError, show } from '../util/errors.js';
import { expectCode, runStoreContract } from './contract.js';
// In-tree backends share the argument checks ('store/invalid' before any write); a backend
// outside the repo does the same checks itself.
import { checkBatch, checkKey, checkKeys } from './guard.js';
import { BackendRegistry } from './registry.js';
import type { Backend, PutOptions, Store, StoreConfig } from './types.js';

// ---- the example backend -------------------------------------------------------------------

/** The part of the Web Storage interface the backend needs. */
export interface WebStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

// Web Storage holds strings only: bytes travel as base64.
const toBase64 = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromBase64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export function createWebStorageBackend(storage: WebStorage): Backend {
  // Layout: `cairn:<id>` marks that the store exists; `cairn:<id>:<key>` holds a value.
  const marker = (c: StoreConfig) => `cairn:${c.id}`;
  const prefix = (id: string) => `cairn:${id}:`;
  const open = new Map<string, Set<WebStorageStore>>();

  class WebStorageStore implements Store {
    closed = false;
    readonly id: string;
    constructor(id: string) {
      this.id = id;
    }

    #check(): void {
      if (this.closed) throw new CairnError('store/closed', `store ${show(this.id)} is closed`, { id: this.id });
    }
    #read(key: string): Uint8Array | undefined {
      checkKey(key);
      const s = storage.getItem(prefix(this.id) + key);
      return s === null ? undefined : fromBase64(s); // a fresh exact-length array every time
    }

    async get(key: string) {
      this.#check();
      return this.#read(key);
    }
    async getMany(keys: readonly string[]) {
      this.#check();
      return keys.map((k) => this.#read(k));
    }
    async putBatch(entries: readonly (readonly [string, Uint8Array])[], opts?: PutOptions) {
      this.#check();
      // Validate everything before touching storage: bad input must not leave half a batch.
      checkBatch(entries, opts);
      // Everything below is synchronous, so no other call can interleave: the CAS check and
      // the writes form one atomic step.
      if (opts?.cas !== undefined) {
        const current = this.#read(opts.cas.key);
        const want = opts.cas.expected;
        const same = current === undefined || want === undefined ? current === want
          : current.length === want.length && current.every((b, i) => b === want[i]);
        if (!same) throw new CairnError('store/conflict', `compare-and-set failed on ${show(opts.cas.key)}`, { key: opts.cas.key });
      }
      const undo: [string, string | null][] = [];
      try {
        for (const [k, v] of entries) {
          const full = prefix(this.id) + k;
          undo.push([full, storage.getItem(full)]);
          storage.setItem(full, toBase64(v)); // encodes a copy: the caller may reuse `v`
        }
      } catch (e) {
        // Roll back so a failed batch leaves nothing behind (undo in reverse order).
        for (const [full, old] of undo.reverse()) {
          if (old === null) storage.removeItem(full);
          else storage.setItem(full, old);
        }
        const quota = (e as { name?: string }).name === 'QuotaExceededError';
        throw new CairnError(quota ? 'store/quota' : 'store/io', `writing a batch of ${entries.length} failed: ${String(e)}`, {}, { cause: e });
      }
    }
    async deleteMany(keys: readonly string[]) {
      this.#check();
      checkKeys(keys);
      for (const k of keys) storage.removeItem(prefix(this.id) + k);
    }
    async keys() {
      this.#check();
      const p = prefix(this.id);
      const out: string[] = [];
      for (let i = 0; i < storage.length; i++) {
        const k = storage.key(i);
        if (k !== null && k.startsWith(p)) out.push(k.slice(p.length));
      }
      return out;
    }
    async close() {
      this.closed = true;
      open.get(this.id)?.delete(this);
    }
  }

  const handle = (id: string): Store => {
    const s = new WebStorageStore(id);
    if (!open.has(id)) open.set(id, new Set());
    open.get(id)!.add(s);
    return s;
  };

  return {
    async create(c) {
      if (storage.getItem(marker(c)) !== null) throw new CairnError('db/exists', `store ${show(c.id)} already exists`, { id: c.id });
      storage.setItem(marker(c), '1');
      return handle(c.id);
    },
    async connect(c) {
      if (storage.getItem(marker(c)) === null) throw new CairnError('db/missing', `store ${show(c.id)} does not exist`, { id: c.id });
      return handle(c.id);
    },
    async exists(c) {
      return storage.getItem(marker(c)) !== null;
    },
    async delete(c) {
      for (const s of [...(open.get(c.id) ?? [])]) await s.close();
      const p = prefix(c.id);
      const doomed: string[] = [];
      for (let i = 0; i < storage.length; i++) {
        const k = storage.key(i);
        if (k !== null && k.startsWith(p)) doomed.push(k);
      }
      for (const k of doomed) storage.removeItem(k);
      storage.removeItem(marker(c));
    },
  };
}

// ---- a Map-backed Web Storage with an optional quota (characters), for Node ----------------

export class MapStorage implements WebStorage {
  readonly #items = new Map<string, string>();
  readonly quota: number;
  constructor(quota = Infinity) {
    this.quota = quota;
  }
  get length() {
    return this.#items.size;
  }
  key(i: number) {
    return [...this.#items.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.#items.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    let used = 0;
    for (const [key, val] of this.#items) if (key !== k) used += key.length + val.length;
    if (used + k.length + v.length > this.quota) throw new DOMException('quota exceeded', 'QuotaExceededError');
    this.#items.set(k, v);
  }
  removeItem(k: string) {
    this.#items.delete(k);
  }
}

// ---- the tests ------------------------------------------------------------------------------

const shared = createWebStorageBackend(new MapStorage());
runStoreContract('example web-storage backend', { backend: () => shared, config: (id) => ({ backend: 'webstorage', id }) });

describe('example backend', () => {
  it('registers and is used by name from the config', async () => {
    const registry = new BackendRegistry();
    registry.register('webstorage', createWebStorageBackend(new MapStorage()));
    const { store, codec } = await registry.create({ backend: 'webstorage', id: 'app' });
    await store.putBatch([['ref:head', codec.encode({ commit: 1 }, 'ref')]]);
    const again = await registry.open({ backend: 'webstorage', id: 'app' });
    expect(again.codec.decode((await again.store.get('ref:head'))!, { kind: 'ref' })).toEqual({ commit: 1 });
  });

  it('maps a full storage to store/quota and keeps the last good state', async () => {
    const backend = createWebStorageBackend(new MapStorage(2_000));
    const s = await backend.create({ backend: 'webstorage', id: 'q' });
    await s.putBatch([['ref:head', new Uint8Array([1])], ['small', new Uint8Array(10)]]);
    const before = (await s.keys()).sort();
    await expectCode(s.putBatch([['ok', new Uint8Array(100)], ['huge', new Uint8Array(5_000)], ['ref:head', new Uint8Array([2])]]), 'store/quota');
    expect((await s.keys()).sort()).toEqual(before);
    expect(await s.get('ref:head')).toEqual(new Uint8Array([1]));
  });
});
