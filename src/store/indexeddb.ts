// The `indexeddb` backend (browser main thread or worker; via `idb`).
//
// Layout: one IDB database per store, named `cairn:v<FORMAT_VERSION>:<id>`, at IDB version 1,
// with two object stores of out-of-line string keys and Uint8Array values: `refs` for keys
// starting `ref:` and `nodes` for everything else (the rule is in ./keys.ts).
//
// Rules this module keeps (docs/architecture.md, "Browser pitfalls"):
// - `globalThis.indexedDB` (or an injected factory), never `window`: it runs in workers.
// - A transaction auto-commits once control returns to the event loop with no request pending,
//   so inside one we await only IDB requests (the CAS read), never anything else.
// - putBatch is ONE readwrite transaction over the stores it touches, the CAS read inside it
//   (pipelined: a mismatch aborts the transaction, rolling the puts back), committed explicitly
//   once everything is queued and checked.
// - Values are stored as exact-length Uint8Arrays (a view would clone its whole buffer).
// - `versionchange` (the database deleted or upgraded elsewhere) closes the handle for good;
//   a connection the browser drops is reopened and the operation retried once.
// - durability 'relaxed' by default (config.store.durability: 'strict' to opt out).

import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
import { CairnError, show } from '../util/errors.js';
import { FORMAT_VERSION } from './codec.js';
import { bytesEqual, checkBatch, checkCas, checkKey, checkKeys, closedError, conflictError, exactCopy, isExact } from './guard.js';
import { isConnectionLost, isQuotaError, mapIdbError, unavailableError } from './idb-errors.js';
import { isRefKey } from './keys.js';
import type { Backend, CasGuard, PutOptions, Store, StoreConfig } from './types.js';

interface Schema extends DBSchema {
  nodes: { key: string; value: Uint8Array };
  refs: { key: string; value: Uint8Array };
}
type Db = IDBPDatabase<Schema>;
type Durability = 'relaxed' | 'strict';

const STORES = ['nodes', 'refs'] as const;
const section = (key: string): 'nodes' | 'refs' => (isRefKey(key) ? 'refs' : 'nodes');

/** IDBTransaction.commit() where the browser has it (it only saves time: auto-commit follows anyway). */
function commitNow(tx: { commit?: () => void }): void {
  try {
    tx.commit?.();
  } catch {
    // not active any more: it auto-commits
  }
}

export function idbName(id: string): string {
  return `cairn:v${FORMAT_VERSION}:${id}`;
}

function durabilityOf(config: StoreConfig): Durability {
  const d = config['durability'] ?? 'relaxed';
  if (d !== 'relaxed' && d !== 'strict') {
    throw new CairnError('config/invalid', `store.durability must be 'relaxed' or 'strict', got ${show(d)}`, { id: config.id });
  }
  return d;
}

/**
 * Open `name`. 'create' opens at version 1 and builds the object stores, failing with
 * db/exists if the database was already there; 'connect' opens whatever version exists and
 * aborts the upgrade (so nothing gets created) if there is none -> db/missing.
 */
function openRaw(factory: IDBFactory, name: string, id: string, mode: 'create' | 'connect'): Promise<Db> {
  return new Promise<Db>((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = mode === 'create' ? factory.open(name, 1) : factory.open(name);
    } catch (e) {
      reject(unavailableError(e, name));
      return;
    }
    let missing = false;
    let created = false;
    request.onupgradeneeded = (ev) => {
      if (ev.oldVersion === 0 && mode === 'connect') {
        missing = true;
        request.transaction!.abort();
        return;
      }
      if (ev.oldVersion === 0) {
        for (const s of STORES) request.result.createObjectStore(s);
        created = true;
      }
    };
    request.onsuccess = () => {
      const raw = request.result;
      const problem =
        mode === 'create' && !created
          ? new CairnError('db/exists', `IndexedDB store ${show(id)} already exists (database ${show(name)})`, { backend: 'indexeddb', id })
          : raw.version !== 1 || !STORES.every((s) => raw.objectStoreNames.contains(s))
            ? new CairnError('store/format-version', `IndexedDB database ${show(name)} has layout version ${raw.version}; this CairnDB reads version 1`, {
                id,
                version: raw.version,
              })
            : undefined;
      if (problem !== undefined) {
        raw.close();
        reject(problem);
        return;
      }
      resolve(wrap(raw) as unknown as Db);
    };
    request.onerror = (ev) => {
      ev.preventDefault();
      const err = request.error;
      if (missing) reject(new CairnError('db/missing', `IndexedDB store ${show(id)} does not exist (database ${show(name)})`, { backend: 'indexeddb', id }));
      else if (err?.name === 'VersionError')
        reject(new CairnError('store/format-version', `IndexedDB database ${show(name)} was written by a newer CairnDB layout`, { id }));
      else reject(unavailableError(err, name));
    };
    // Only an upgrade can be blocked, and we only ever create version 1: nothing to do but wait.
    request.onblocked = () => undefined;
  });
}

/** The format version in `name` if it is this id's database from a newer CairnDB. */
function newerFormatOf(name: string, id: string): number | undefined {
  const m = /^cairn:v(\d+):/.exec(name);
  if (m === null || name.slice(m[0].length) !== id) return undefined;
  const v = Number(m[1]);
  return v > FORMAT_VERSION ? v : undefined;
}

/** Fail with store/format-version when a newer CairnDB already keeps this id (a different database name). */
async function refuseNewerFormat(factory: IDBFactory, id: string): Promise<void> {
  if (typeof factory.databases !== 'function') return;
  const names = await factory.databases().catch(() => []);
  for (const d of names) {
    const v = d.name === undefined ? undefined : newerFormatOf(d.name, id);
    if (v !== undefined) {
      throw new CairnError(
        'store/format-version',
        `IndexedDB store ${show(id)} was written by format version ${v} (database ${show(d.name)}); this CairnDB reads up to version ${FORMAT_VERSION}`,
        { id, version: v },
      );
    }
  }
}

class IdbStore implements Store {
  #db: Db | undefined;
  #opening: Promise<Db> | undefined;
  #closed = false;
  #why = '';
  readonly #factory: IDBFactory;
  readonly #id: string;
  readonly #name: string;
  readonly #durability: Durability;
  readonly #handles: Set<IdbStore>;

  constructor(db: Db, factory: IDBFactory, id: string, durability: Durability, handles: Set<IdbStore>) {
    this.#factory = factory;
    this.#id = id;
    this.#name = idbName(id);
    this.#durability = durability;
    this.#handles = handles;
    handles.add(this);
    this.#adopt(db);
  }

  #adopt(db: Db): void {
    this.#db = db;
    // Deleted or upgraded by another connection (maybe another tab): let it proceed.
    db.addEventListener('versionchange', () => {
      db.close();
      this.#shut('the database was deleted or upgraded by another connection');
    });
    // Closed by the browser (storage pressure, Safari losing its IDB server): reopen lazily.
    db.addEventListener('close', () => {
      if (this.#db === db) this.#db = undefined;
    });
  }

  #shut(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#why = why;
    this.#db?.close();
    this.#db = undefined;
    this.#handles.delete(this);
  }

  #closedError(): CairnError {
    const e = closedError('indexeddb', this.#id);
    return this.#why === '' ? e : new CairnError('store/closed', `${e.message}: ${this.#why}`, e.data);
  }

  async #connection(): Promise<Db> {
    if (this.#closed) throw this.#closedError();
    if (this.#db !== undefined) return this.#db;
    this.#opening ??= openRaw(this.#factory, this.#name, this.#id, 'connect').then(
      (db) => {
        this.#opening = undefined;
        if (this.#closed) {
          db.close();
          throw this.#closedError();
        }
        this.#adopt(db);
        return db;
      },
      (e: unknown) => {
        this.#opening = undefined;
        if (e instanceof CairnError && e.code === 'db/missing') this.#shut('the database was deleted');
        throw this.#closed ? this.#closedError() : e;
      },
    );
    return this.#opening;
  }

  /** Run `op`; on a dropped connection reopen and retry once; map DOM errors to store errors. */
  async #run<T>(what: string, key: string | undefined, op: (db: Db) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const db = await this.#connection();
      try {
        return await op(db);
      } catch (e) {
        if (e instanceof CairnError) throw e;
        if (this.#closed) throw this.#closedError();
        if (attempt === 0 && isConnectionLost(e)) {
          if (this.#db === db) this.#db = undefined;
          db.close();
          continue;
        }
        // Firefox can leave the connection read-only after a quota failure: start afresh.
        if (isQuotaError(e) && this.#db === db) {
          this.#db = undefined;
          db.close();
        }
        throw mapIdbError(e, what, key);
      }
    }
  }

  #value(v: unknown, key: string): Uint8Array | undefined {
    if (v === undefined) return undefined;
    if (!(v instanceof Uint8Array)) {
      throw new CairnError('store/corrupt', `IndexedDB value under key ${show(key)} is not a Uint8Array (${show(v)})`, { key });
    }
    return isExact(v) ? v : exactCopy(v);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key);
    return this.#run(`reading ${show(key)}`, key, async (db) => this.#value(await db.get(section(key), key), key));
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    checkKeys(keys);
    if (keys.length === 0) {
      await this.#connection();
      return [];
    }
    return this.#run(`reading ${keys.length} keys`, undefined, async (db) => {
      const tx = db.transaction(STORES, 'readonly');
      const values = await Promise.all([...keys.map((k) => tx.objectStore(section(k)).get(k)), tx.done]);
      return keys.map((k, i) => this.#value(values[i], k));
    });
  }

  async putBatch(entries: readonly (readonly [string, Uint8Array])[], opts?: PutOptions): Promise<void> {
    checkBatch(entries, opts);
    // Exact-length values (IDB clones a view's whole buffer); a copy also frees the caller's array.
    const rows = entries.map(([k, v]) => [k, isExact(v) ? v : exactCopy(v)] as const);
    const cas = opts?.cas;
    // Only the object stores the batch touches: a small commit (the head alone) opens `refs`
    // only. Writers and GC still serialise, since each of their transactions includes `refs`.
    const touched = STORES.filter((s) => rows.some(([k]) => section(k) === s) || (cas !== undefined && section(cas.key) === s));
    const scope = touched.length === 0 ? [...STORES] : touched;
    await this.#run(`writing a batch of ${entries.length} entries`, cas?.key, async (db) => {
      const tx = db.transaction(scope, 'readwrite', { durability: this.#durability });
      const done = tx.done;
      const puts: Promise<unknown>[] = [];
      try {
        // The CAS read is pipelined with the puts rather than awaited before them: all requests
        // are queued at once and run in order, and if the head does not match, the get's
        // success handler (the transaction is still active there) aborts the transaction,
        // which rolls every put back. This saves a round trip per commit.
        const head = cas === undefined ? undefined : tx.objectStore(section(cas.key)).get(cas.key);
        head?.catch(() => undefined); // awaited below unless a put fails first
        for (const [k, v] of rows) puts.push(tx.objectStore(section(k)).put(v, k));
        if (cas !== undefined && head !== undefined) {
          puts.forEach((p) => p.catch(() => undefined)); // rejected by the abort on a conflict
          const current = await head;
          if (!bytesEqual(current as Uint8Array | undefined, cas.expected)) throw conflictError(cas.key);
        }
        // Everything is queued (and the head checked): commit as soon as the puts are done, rather
        // than once their results have travelled back to this realm, a round trip per commit.
        commitNow(tx);
        await Promise.all([...puts, done]);
      } catch (e) {
        // Abort whatever this transaction queued, so nothing of the batch lands.
        for (const p of [...puts, done]) p.catch(() => undefined);
        try {
          tx.abort();
        } catch {
          // already finished or aborted
        }
        throw e;
      }
    });
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    checkKeys(keys);
    await this.#run(`deleting ${keys.length} keys`, undefined, async (db) => {
      const tx = db.transaction(STORES, 'readwrite', { durability: this.#durability });
      await Promise.all([...keys.map((k) => tx.objectStore(section(k)).delete(k)), tx.done]);
    });
  }

  /** GC's fence: the head read and the deletes in one readwrite transaction (aborted on a mismatch). */
  async deleteManyIf(keys: readonly string[], cas: CasGuard): Promise<void> {
    checkKeys(keys);
    checkCas(cas);
    await this.#run(`deleting ${keys.length} keys`, cas.key, async (db) => {
      const tx = db.transaction(STORES, 'readwrite', { durability: this.#durability });
      const done = tx.done;
      const dels: Promise<unknown>[] = [];
      try {
        // Pipelined as in putBatch: a mismatching head aborts the transaction, undoing the deletes.
        const head = tx.objectStore(section(cas.key)).get(cas.key);
        head.catch(() => undefined);
        for (const k of keys) dels.push(tx.objectStore(section(k)).delete(k));
        dels.forEach((p) => p.catch(() => undefined));
        if (!bytesEqual((await head) as Uint8Array | undefined, cas.expected)) throw conflictError(cas.key);
        await Promise.all([...dels, done]);
      } catch (e) {
        for (const p of [...dels, done]) p.catch(() => undefined);
        try {
          tx.abort();
        } catch {
          // already finished or aborted
        }
        throw e;
      }
    });
  }

  async keys(): Promise<string[]> {
    return this.#run('listing keys', undefined, async (db) => {
      const tx = db.transaction(STORES, 'readonly');
      const [nodes, refs] = await Promise.all([tx.objectStore('nodes').getAllKeys(), tx.objectStore('refs').getAllKeys(), tx.done]);
      return [...refs, ...nodes];
    });
  }

  async close(): Promise<void> {
    this.#shut('');
  }
}

export interface IndexedDbBackendOptions {
  /** The IDBFactory to use; default `globalThis.indexedDB` read at call time. */
  readonly factory?: () => IDBFactory | undefined;
}

/** An `indexeddb` backend. Open handles are tracked so `delete` closes them first. */
export function createIndexedDbBackend(options: IndexedDbBackendOptions = {}): Backend {
  const handles = new Map<string, Set<IdbStore>>();
  const handlesOf = (name: string): Set<IdbStore> => {
    let set = handles.get(name);
    if (set === undefined) handles.set(name, (set = new Set()));
    return set;
  };
  const factoryFor = (name: string): IDBFactory => {
    const f = options.factory !== undefined ? options.factory() : (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (f === undefined || f === null) throw unavailableError(undefined, name);
    return f;
  };

  return {
    async create(config) {
      const durability = durabilityOf(config);
      const name = idbName(config.id);
      const factory = factoryFor(name);
      await refuseNewerFormat(factory, config.id);
      const db = await openRaw(factory, name, config.id, 'create');
      return new IdbStore(db, factory, config.id, durability, handlesOf(name));
    },
    async connect(config) {
      const durability = durabilityOf(config);
      const name = idbName(config.id);
      const factory = factoryFor(name);
      try {
        const db = await openRaw(factory, name, config.id, 'connect');
        return new IdbStore(db, factory, config.id, durability, handlesOf(name));
      } catch (e) {
        if (e instanceof CairnError && e.code === 'db/missing') await refuseNewerFormat(factory, config.id);
        throw e;
      }
    },
    async exists(config) {
      const name = idbName(config.id);
      const factory = factoryFor(name);
      if (typeof factory.databases === 'function') {
        try {
          // A store written by a newer format exists too, even if this version cannot read it.
          return (await factory.databases()).some((d) => d.name === name || (d.name !== undefined && newerFormatOf(d.name, config.id) !== undefined));
        } catch {
          // fall through to probing
        }
      }
      try {
        (await openRaw(factory, name, config.id, 'connect')).close();
        return true;
      } catch (e) {
        if (e instanceof CairnError && e.code === 'db/missing') return false;
        throw e;
      }
    },
    async delete(config) {
      const name = idbName(config.id);
      const factory = factoryFor(name);
      for (const h of [...(handles.get(name) ?? [])]) await h.close();
      handles.delete(name);
      await new Promise<void>((resolve, reject) => {
        const request = factory.deleteDatabase(name);
        request.onsuccess = () => resolve();
        request.onerror = (ev) => {
          ev.preventDefault();
          reject(mapIdbError(request.error, `deleting database ${show(name)}`));
        };
        // Other tabs' connections get `versionchange` and close; the delete proceeds then.
        request.onblocked = () => undefined;
      });
    },
  };
}
