// The worked example from docs/backends.md: a backend over any Web Storage-like object
// (`localStorage`, `sessionStorage`, or the Map-backed stand-in below). It shows the four things
// a backend must get right: the lifecycle (create/connect/exists/delete with db/exists and
// db/missing), copies of bytes, an atomic putBatch with its compare-and-set (here: roll back on
// failure), and error codes. example-backend.test.ts runs it through the contract suite; the
// docs' examples use it too. Not part of the package.
import { CairnError, show } from '../util/errors.js';
// In-tree backends share the argument checks ('store/invalid' before any write); a backend
// outside the repo does the same checks itself.
import { checkBatch, checkCas, checkKey, checkKeys } from './guard.js';
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

    /** Throws store/conflict unless `cas.key` holds exactly `cas.expected` (undefined: absent). */
    #checkHead(cas: { readonly key: string; readonly expected: Uint8Array | undefined }): void {
      const current = this.#read(cas.key);
      const want = cas.expected;
      const same = current === undefined || want === undefined ? current === want : current.length === want.length && current.every((b, i) => b === want[i]);
      if (!same) throw new CairnError('store/conflict', `compare-and-set failed on ${show(cas.key)}`, { key: cas.key });
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
      if (opts?.cas !== undefined) this.#checkHead(opts.cas);
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
    // GC's fence: synchronous like putBatch, so the check and the deletes cannot interleave with it.
    async deleteManyIf(keys: readonly string[], cas: { key: string; expected: Uint8Array | undefined }) {
      this.#check();
      checkKeys(keys);
      checkCas(cas);
      this.#checkHead(cas);
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
