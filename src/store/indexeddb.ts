// The `indexeddb` backend (browser main thread or worker; via `idb`).
//
// Layout: one IDB database per store, named `cairn:v<FORMAT_VERSION>:<id>`, with two object
// stores of out-of-line string keys and Uint8Array values: `refs` for keys starting `ref:` and
// `nodes` for everything else (the rule is in ./keys.ts). Databases created since layout 2 (IDB
// version 2) also fence writers: see "Fenced puts" below; version 1 databases open as before
// and always read the head in a compare-and-set.
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
//
// Fenced puts (layout 2). A compare-and-set costs a round trip: the transaction cannot commit
// before the head's value has travelled back to this realm and been compared. A handle skips it
// when it extends a head it wrote itself, and lets the database refuse the write instead:
// - each handle holds a writer token, and a Web Lock named after it for as long as it uses it;
// - a guarded head it writes is stored as { v: bytes, w: token }, and `refs` has a unique index
//   on `w`;
// - every compare-and-set that replaces a head carrying another token stores a fence
//   { w: that token } in the same transaction;
// - a handle whose last write was the head `cas.expected` names puts the batch without reading
//   (one request per record, commit() at once). If anyone replaced that head since, they fenced
//   its token: the put violates the unique index and IndexedDB aborts the whole transaction
//   itself, before any result reaches us. The handle then drops the token and retries with a
//   real compare-and-set (which reports the conflict).
// A fence is kept while its token's lock is held: a frozen tab keeps its locks, so it cannot
// thaw into a blind write over another tab's commits; once the lock is gone the token is dead
// for good and the fence is swept. Without Web Locks (or on a layout 1 database) every guarded
// put reads the head. docs/PERFORMANCE.md (analysis 1) has the figures.

import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
import { CairnError, show } from '../util/errors.js';
import { FORMAT_VERSION } from './codec.js';
import { bytesEqual, checkBatch, checkCas, checkKey, checkKeys, closedError, conflictError, exactCopy, isExact } from './guard.js';
import { isConnectionLost, isQuotaError, mapIdbError, unavailableError } from './idb-errors.js';
import { isRefKey } from './keys.js';
import type { Backend, CasGuard, PutOptions, Store, StoreConfig } from './types.js';

/** A guarded head as layout 2 stores it: its bytes and the token of the handle that wrote it. */
interface MarkedHead {
  readonly v: Uint8Array;
  readonly w: string;
}
/** A fence: the token of a handle whose head was replaced by another's compare-and-set. */
interface Fence {
  readonly w: string;
}

interface Schema extends DBSchema {
  nodes: { key: string; value: Uint8Array };
  refs: { key: string; value: Uint8Array | MarkedHead | Fence; indexes: { writer: string } };
}
type Db = IDBPDatabase<Schema>;
type Durability = 'relaxed' | 'strict';

const STORES = ['nodes', 'refs'] as const;
const section = (key: string): 'nodes' | 'refs' => (isRefKey(key) ? 'refs' : 'nodes');
/** The IDB version new databases are created at (1: no writer index; still read). */
const LAYOUT = 2;
// Fences live in `refs` under keys no ref key can take (those start with `ref:`).
const FENCE_PREFIX = '\u0000fence:';
const WRITER_LOCK = 'cairn:idb-writer:';

interface LockManagerLike {
  request(name: string, callback: () => Promise<void> | undefined): Promise<unknown>;
  query(): Promise<{ held?: { name?: string }[] }>;
}
const lockManager = (): LockManagerLike | undefined => {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return typeof locks?.request === 'function' && typeof locks.query === 'function' ? locks : undefined;
};

/** A writer token and whether its Web Lock is held (only then may a head carry it). */
interface Writer {
  readonly token: string;
  held: boolean;
  release: () => void;
  /** Settles once the lock is granted, or could not be. */
  readonly ready: Promise<void>;
}

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
 * Open `name`. 'create' opens at version LAYOUT and builds the object stores, failing with
 * db/exists if the database was already there; 'connect' opens whatever version exists and
 * aborts the upgrade (so nothing gets created) if there is none -> db/missing.
 */
function openRaw(factory: IDBFactory, name: string, id: string, mode: 'create' | 'connect'): Promise<Db> {
  return new Promise<Db>((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = mode === 'create' ? factory.open(name, LAYOUT) : factory.open(name);
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
        request.transaction!.objectStore('refs').createIndex('writer', 'w', { unique: true });
        created = true;
      }
    };
    request.onsuccess = () => {
      const raw = request.result;
      const problem =
        mode === 'create' && !created
          ? new CairnError('db/exists', `IndexedDB store ${show(id)} already exists (database ${show(name)})`, { backend: 'indexeddb', id })
          : !readable(raw)
            ? new CairnError(
                'store/format-version',
                `IndexedDB database ${show(name)} has layout version ${raw.version}; this CairnDB reads versions 1 and ${LAYOUT}`,
                {
                  id,
                  version: raw.version,
                },
              )
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
    // Only an upgrade can be blocked, and we only ever create a database: nothing to do but wait.
    request.onblocked = () => undefined;
  });
}

/** A layout this code reads: version 1 or LAYOUT (whose writer index a handle checks before it relies on it). */
function readable(raw: IDBDatabase): boolean {
  return (raw.version === 1 || raw.version === LAYOUT) && STORES.every((s) => raw.objectStoreNames.contains(s));
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
  /** This handle's writer token (layout 2 with Web Locks only). */
  #writer: Writer | undefined;
  /** Whether `refs` has the writer index (seen in the first guarded put); fenced puts need it. */
  #indexed: boolean | undefined;
  /** The guarded head this handle wrote last, with the token it carries: what a fenced put extends. */
  #mine: { readonly key: string; readonly head: Uint8Array; readonly token: string } | undefined;

  constructor(db: Db, factory: IDBFactory, id: string, durability: Durability, handles: Set<IdbStore>) {
    this.#factory = factory;
    this.#id = id;
    this.#name = idbName(id);
    this.#durability = durability;
    this.#handles = handles;
    handles.add(this);
    this.#adopt(db);
    if (db.version >= LAYOUT) this.#claimWriter();
  }

  /** A fresh writer token, usable once its Web Lock is granted (at once: nobody else knows the name). */
  #claimWriter(): void {
    const locks = lockManager();
    if (locks === undefined || typeof crypto?.randomUUID !== 'function') return;
    const token = crypto.randomUUID();
    let granted = (): void => {};
    const writer: Writer = { token, held: false, release: () => {}, ready: new Promise<void>((r) => (granted = r)) };
    this.#writer = writer;
    locks
      .request(WRITER_LOCK + token, () => {
        granted();
        if (this.#writer !== writer) return undefined; // dropped or closed before the grant
        writer.held = true;
        return new Promise<void>((release) => (writer.release = release));
      })
      .catch(() => granted()); // no lock (an opaque origin): this handle always reads the head
  }

  /** Give the token up for good (its head was replaced, or the handle closes): its fence may go. */
  #dropWriter(): void {
    const writer = this.#writer;
    this.#writer = undefined;
    this.#mine = undefined;
    if (writer !== undefined) {
      writer.held = false;
      writer.release();
    }
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
    this.#dropWriter();
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

  #value(stored: unknown, key: string): Uint8Array | undefined {
    const v = unmarked(stored);
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
    const what = `writing a batch of ${entries.length} entries`;
    const writesHead = cas !== undefined && rows.some(([k]) => k === cas.key);
    const mine = this.#mine;
    const writer = this.#writer;
    if (
      cas !== undefined &&
      writesHead &&
      mine !== undefined &&
      writer?.held === true &&
      writer.token === mine.token &&
      mine.key === cas.key &&
      bytesEqual(mine.head, cas.expected)
    ) {
      const outcome = await this.#run(what, cas.key, (db) => this.#putFenced(db, scope, rows, cas.key, writer));
      if (outcome === 'written') {
        this.#remember(entries, rows, cas.key, writer.token);
        return;
      }
      if (outcome === 'fenced') {
        this.#dropWriter(); // someone replaced our head and fenced the token: read the head instead
        this.#claimWriter();
      }
    }
    let fenced = false;
    for (let attempt = 0; ; attempt++) {
      if (cas !== undefined) await this.#writer?.ready; // granted at once: nobody else knows the name
      const token = this.#writer?.held === true ? this.#writer.token : undefined;
      try {
        await this.#run(what, cas?.key, (db) => this.#putChecked(db, scope, rows, cas, token, () => (fenced = true)));
      } catch (e) {
        // Our token was fenced after our last head (another handle replaced it): the head put
        // broke the writer index and nothing was written. Again under a fresh token.
        if (attempt > 0 || token === undefined || !(e instanceof CairnError) || e.data?.['domError'] !== 'ConstraintError') throw e;
        this.#dropWriter();
        this.#claimWriter();
        continue;
      }
      if (cas !== undefined && writesHead && token !== undefined && this.#indexed === true) this.#remember(entries, rows, cas.key, token);
      else this.#mine = undefined;
      break;
    }
    if (fenced) void this.#sweepFences().catch(() => undefined);
  }

  /** What this handle wrote under `key`: a copy of its own (`rows` already holds one for a view). */
  #remember(entries: readonly (readonly [string, Uint8Array])[], rows: readonly (readonly [string, Uint8Array])[], key: string, token: string): void {
    let at = -1;
    for (let i = 0; i < rows.length; i++) if (rows[i]![0] === key) at = i;
    const head = rows[at]![1];
    this.#mine = { key, head: head === entries[at]![1] ? exactCopy(head) : head, token };
  }

  /**
   * The batch without a read, its head (`key`) carrying the writer's token: 'written' once
   * committed; 'fenced' when IndexedDB refused it for the writer index (the token is fenced,
   * nothing was written); 'not-sent' when the token stopped being held before the transaction
   * began (its fence may be swept from then on, so it must never go out blind).
   */
  async #putFenced(
    db: Db,
    scope: readonly ('nodes' | 'refs')[],
    rows: readonly (readonly [string, Uint8Array])[],
    key: string,
    writer: Writer,
  ): Promise<'written' | 'fenced' | 'not-sent'> {
    // Checked in the same synchronous step that queues the puts.
    if (this.#writer !== writer || !writer.held) return 'not-sent';
    const tx = db.transaction(scope, 'readwrite', { durability: this.#durability });
    const requests: Promise<unknown>[] = [];
    for (const [k, v] of rows) requests.push(tx.objectStore(section(k)).put(k === key ? { v, w: writer.token } : v, k));
    commitNow(tx);
    try {
      await Promise.all([...requests, tx.done]);
      return 'written';
    } catch (e) {
      abandon(tx, [...requests, tx.done]);
      if (nameOf(e) === 'ConstraintError' || nameOf(tx.error) === 'ConstraintError') return 'fenced';
      throw e;
    }
  }

  /**
   * The batch after the compare-and-set read, pipelined: all requests are queued at once and
   * run in order, and if the head does not match, the get's success handler (the transaction
   * is still active there) aborts the transaction, which rolls every put back — a round trip
   * saved against reading first. A head that carried another writer's token gets that token
   * fenced in the same transaction (`onFence` is told).
   */
  async #putChecked(
    db: Db,
    scope: readonly ('nodes' | 'refs')[],
    rows: readonly (readonly [string, Uint8Array])[],
    cas: CasGuard | undefined,
    token: string | undefined,
    onFence: () => void,
  ): Promise<void> {
    const tx = db.transaction(scope, 'readwrite', { durability: this.#durability });
    const done = tx.done;
    const puts: Promise<unknown>[] = [];
    if (scope.includes('refs')) this.#indexed ??= tx.objectStore('refs').indexNames.contains('writer');
    try {
      const head = cas === undefined ? undefined : tx.objectStore(section(cas.key)).get(cas.key);
      head?.catch(() => undefined); // awaited below unless a put fails first
      const marked = cas !== undefined && token !== undefined ? cas.key : undefined;
      for (const [k, v] of rows) puts.push(tx.objectStore(section(k)).put(k === marked ? { v, w: token! } : v, k));
      if (cas !== undefined && head !== undefined) {
        puts.forEach((p) => p.catch(() => undefined)); // rejected by the abort on a conflict
        const current = await head;
        if (!bytesEqual(unmarked(current) as Uint8Array | undefined, cas.expected)) throw conflictError(cas.key);
        const previous = writerOf(current);
        if (previous !== undefined && previous !== token && rows.some(([k]) => k === cas.key)) {
          puts.push(tx.objectStore('refs').put({ w: previous }, FENCE_PREFIX + previous));
          onFence();
        }
      }
      // Everything is queued (and the head checked): commit as soon as the puts are done, rather
      // than once their results have travelled back to this realm, a round trip per commit.
      commitNow(tx);
      await Promise.all([...puts, done]);
    } catch (e) {
      abandon(tx, [...puts, done]); // nothing of the batch lands
      throw e;
    }
  }

  /**
   * Delete the fences of tokens no live handle holds. Their keys are read first and the held
   * locks listed after: a token in a fence was in a head before, so its lock was taken before
   * the read, and a lock not held then is never held again.
   */
  async #sweepFences(): Promise<void> {
    const locks = lockManager();
    if (locks === undefined) return;
    const range = IDBKeyRange.bound(FENCE_PREFIX, `${FENCE_PREFIX}\uffff`);
    const keys = await this.#run('listing fences', undefined, (db) => db.getAllKeys('refs', range));
    if (keys.length === 0) return;
    const held = new Set(((await locks.query()).held ?? []).map((l) => l.name));
    const dead = keys.filter((k) => !held.has(WRITER_LOCK + k.slice(FENCE_PREFIX.length)));
    if (dead.length === 0) return;
    await this.#run('deleting fences', undefined, async (db) => {
      const tx = db.transaction('refs', 'readwrite', { durability: this.#durability });
      await Promise.all([...dead.map((k) => tx.objectStore('refs').delete(k)), tx.done]);
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
        if (!bytesEqual(unmarked(await head) as Uint8Array | undefined, cas.expected)) throw conflictError(cas.key);
        await Promise.all([...dels, done]);
      } catch (e) {
        abandon(tx, [...dels, done]);
        throw e;
      }
    });
  }

  async keys(): Promise<string[]> {
    return this.#run('listing keys', undefined, async (db) => {
      const tx = db.transaction(STORES, 'readonly');
      const [nodes, refs] = await Promise.all([tx.objectStore('nodes').getAllKeys(), tx.objectStore('refs').getAllKeys(), tx.done]);
      return [...refs.filter((k) => !k.startsWith(FENCE_PREFIX)), ...nodes];
    });
  }

  async close(): Promise<void> {
    this.#shut('');
  }
}

/** Abort `tx` (if it still can be) and silence the rejections of its requests. */
function abandon(tx: { abort(): void }, requests: readonly Promise<unknown>[]): void {
  for (const p of requests) p.catch(() => undefined);
  try {
    tx.abort();
  } catch {
    // already finished or aborted
  }
}

/** A stored ref's bytes: a marked head's `v`, anything else as it is. */
function unmarked(stored: unknown): unknown {
  return typeof stored === 'object' && stored !== null && !(stored instanceof Uint8Array) && 'w' in stored && 'v' in stored ? stored.v : stored;
}

/** The writer token a stored head carries, if any. */
function writerOf(stored: unknown): string | undefined {
  return typeof stored === 'object' && stored !== null && 'w' in stored && typeof stored.w === 'string' && 'v' in stored ? stored.w : undefined;
}

function nameOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string' ? e.name : undefined;
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
