// The `lmdb` backend (Node): one LMDB environment per store, on the `lmdb` package.
//
//   <path>/<encoded id>.lmdb/data.mdb, lock.mdb    the environment (file-names.ts encoding)
//   sub-database `nodes`   write-once keys (tree nodes, commits, tail chunks, schema)
//   sub-database `refs`    `ref:` keys (heads), rewritten in place
//   sub-database `meta`    store metadata: `format` = {"format":"cairndb-store","version":N},
//                          written last on create. Room for more per-store bookkeeping
//                          (e.g. per-key write times for a GC fence) without touching keys.
//   <dir>/gate, gate-lock  an empty environment whose writer lock is the open gate (below)
//
// The open gate. The LMDB that lmdb-js ships resets the shared "last transaction" counter to
// what an opening process read a moment earlier (upstream LMDB fixed this as ITS#9496): a
// commit by another process inside that moment is silently overwritten by the next writer,
// although it was acknowledged; opening or closing while another process did the same also
// crashed or failed now and then. So opening and closing the environment and every write
// transaction hold the writer lock of a second, empty environment beside it, the gate. That
// lock is LMDB's robust mutex too, so a killed holder frees it.
//
// Invariants: a putBatch is one synchronous LMDB write transaction, run on the calling thread
// inside the gate's: the compare-and-set read of the head and every write happen inside it, so
// the check and the writes are one atomic step across threads and processes (LMDB's writer
// lock is a robust mutex in lock.mdb). LMDB is
// copy-on-write with two meta pages, so a process killed mid-commit leaves the previous
// transaction — the last good head and every node it reaches — and nothing of the batch.
// Keys are stored as their UTF-8 bytes (guard.ts refuses lone surrogates, so this is exact);
// LMDB limits a key to MAX_KEY_BYTES.
//
// Reads use `getBinaryFast`, which hands out a view of lmdb-js's reusable read buffer (or of
// the memory map) without copying; the contract wants a fresh exact-length array the caller
// owns, so each value is copied exactly once, before the next read can overwrite the view.
//
// `durability: 'strict'` (default) resolves a batch once it is fsynced; 'relaxed' syncs the data
// pages but not the meta page (LMDB's noMetaSync): safe against a killed process, and a power
// loss may undo the last transactions but never breaks the store. (lmdb-js's overlappingSync
// rewrites meta pages after the commit, outside the writer lock and the gate: not used.)

import { existsSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { open as openEnv, type Database, type RootDatabase, type RootDatabaseOptionsWithPath } from 'lmdb';
import { CairnError, fail, show } from '../util/errors.js';
import { checkMarker, markerText, parseMarker, storeLayout, type Layout, type Marker } from './file-names.js';
import { bytesEqual, checkBatch, checkKey, checkKeys, closedError, conflictError } from './guard.js';
import { isRefKey } from './keys.js';
import type { Backend, PutOptions, Store, StoreConfig } from './types.js';

/** LMDB's largest key with the default page size (lmdb-js builds with 1978). */
export const MAX_KEY_BYTES = 1978;
const FORMAT_KEY = /* @__PURE__ */ Buffer.from('format');

// The suffix keeps an lmdb store apart from a file store of the same id under the same path.
function layoutOf(config: StoreConfig): Layout {
  return storeLayout(config, 'lmdb', '.lmdb');
}

/** An open environment and its sub-databases, shared by every handle of one backend on it. */
interface Env {
  readonly root: RootDatabase;
  /** The open gate: its writer lock is held while opening `root` and around every write to it. */
  readonly gate: RootDatabase;
  readonly nodes: Database<Uint8Array, Buffer>;
  readonly refs: Database<Uint8Array, Buffer>;
  readonly meta: Database<Uint8Array, Buffer>;
  readonly handles: Set<LmdbStore>;
}

function keyBytes(key: string): Buffer {
  const b = Buffer.from(key, 'utf8');
  if (b.length > MAX_KEY_BYTES) {
    fail('store/invalid', `store key ${show(key.slice(0, 40) + '…')} is ${b.length} bytes; LMDB keys hold at most ${MAX_KEY_BYTES}`, {
      key: key.slice(0, 200),
    });
  }
  return b;
}

/** Map an lmdb-js / OS error to a store error naming what was being done. */
function ioError(e: unknown, what: string, key?: string): CairnError {
  if (e instanceof CairnError) return e;
  const message = (e as Error)?.message ?? String(e);
  const data = { key: key ?? null, errno: (e as NodeJS.ErrnoException)?.code ?? null };
  if (/ENOSPC|EDQUOT|MDB_MAP_FULL|No space left/i.test(message) || data.errno === 'ENOSPC' || data.errno === 'EDQUOT') {
    return new CairnError('store/quota', `no space left while ${what}`, data, { cause: e });
  }
  return new CairnError('store/io', `lmdb store I/O failed while ${what}: ${message}`, data, { cause: e });
}

/**
 * Run `work` holding the open gate: inside a transaction of the gate environment that writes
 * nothing and stays open until `work` has settled.
 */
async function holdingGate<T>(gate: RootDatabase, work: () => Promise<T>): Promise<T> {
  let done: Promise<T> | undefined;
  await gate.childTransaction(() => {
    done = work();
    return done.then(
      () => undefined,
      () => undefined,
    );
  });
  return done!;
}

/**
 * One write transaction of the store's environment, holding the gate. Synchronous: the gate has
 * to be held until the commit is done, and lmdb-js's asynchronous transactions would cost two
 * thread hand-offs more per commit (a commit took about twice as long that way). The price is
 * that the event loop waits for the commit, its fsync included.
 */
async function write<T>(env: Env, work: () => T): Promise<T> {
  try {
    return env.gate.transactionSync(() => env.root.transactionSync(work));
  } finally {
    // The next read must see at least what this transaction saw (also when it failed its
    // compare-and-set): lmdb-js would keep the read snapshot of this event-loop turn otherwise.
    env.root.resetReadTxn();
  }
}

/**
 * The gate environment of the store in `dir`, opened once per process and kept open: lmdb-js
 * fails now and then to open an environment that it closed a moment before while other
 * processes use it ("No transaction to renew"). A gate costs two file descriptors and a small
 * map; `delete` closes it with its store. If the gate file was replaced (another process
 * deleted the store and made it again), the one kept open excludes nobody any more: the new
 * file is opened instead. (lmdb-js shares environments by the file's inode, not its path, so
 * this opens a new one; the old stays open for handles still on the deleted store.)
 */
const gates = new Map<string, { readonly env: RootDatabase; readonly ino: number }>();
function gateOf(dir: string): RootDatabase {
  const path = resolve(dir, 'gate');
  const kept = gates.get(dir);
  if (kept !== undefined && statSync(path, { throwIfNoEntry: false })?.ino === kept.ino) return kept.env;
  // It holds no data: nothing to sync, nothing to lose.
  const env = openEnv({ path, noSubdir: true, maxDbs: 1, noSync: true, overlappingSync: false });
  gates.set(dir, { env, ino: statSync(path).ino });
  return env;
}

async function closeGate(dir: string): Promise<void> {
  const gate = gates.get(dir);
  gates.delete(dir);
  await gate?.env.close();
}

/** A fresh exact-length copy of a value lmdb-js lent us (valid only until the next read). */
function own(view: Buffer | undefined): Uint8Array | undefined {
  if (view === undefined) return undefined;
  // `length` is the value's length; the view itself may span lmdb-js's whole read buffer.
  return new Uint8Array(new Uint8Array(view.buffer, view.byteOffset, view.length));
}

class LmdbStore implements Store {
  #closed = false;
  readonly #env: Env;
  readonly #l: Layout;
  readonly #release: (s: LmdbStore) => Promise<void>;

  constructor(env: Env, layout: Layout, release: (s: LmdbStore) => Promise<void>) {
    this.#env = env;
    this.#l = layout;
    this.#release = release;
    env.handles.add(this);
  }

  #check(): void {
    if (this.#closed) throw closedError('lmdb', this.#l.id);
  }

  #read(key: string): Uint8Array | undefined {
    const kb = keyBytes(key);
    return own((isRefKey(key) ? this.#env.refs : this.#env.nodes).getBinaryFast(kb));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#check();
    checkKey(key);
    try {
      return this.#read(key);
    } catch (e) {
      throw ioError(e, `reading ${show(key)}`, key);
    }
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.#check();
    checkKeys(keys);
    try {
      // Synchronous reads in one turn share lmdb-js's read transaction: one snapshot.
      return keys.map((k) => this.#read(k));
    } catch (e) {
      throw ioError(e, `reading ${keys.length} keys`);
    }
  }

  async putBatch(entries: readonly (readonly [string, Uint8Array])[], opts?: PutOptions): Promise<void> {
    this.#check();
    checkBatch(entries, opts);
    const cas = opts?.cas;
    // Key sizes are checked before the transaction, so nothing can fail half-way for them. The
    // transaction runs later, when lmdb-js starts it: copy the values now, so the caller may
    // reuse its arrays as soon as the call returns.
    const writes = entries.map(([k, v]) => [isRefKey(k), keyBytes(k), v.slice()] as const);
    const casKey = cas === undefined ? undefined : keyBytes(cas.key);
    const { nodes, refs } = this.#env;
    try {
      await write(this.#env, () => {
        if (cas !== undefined) {
          const current = (isRefKey(cas.key) ? refs : nodes).getBinaryFast(casKey!);
          if (!bytesEqual(current, cas.expected)) throw conflictError(cas.key);
        }
        // putSync inside a transaction writes into it (lmdb-js copies the view's range).
        for (const [ref, k, v] of writes) (ref ? refs : nodes).putSync(k, v);
      });
    } catch (e) {
      throw ioError(e, `writing a batch of ${entries.length} entries`);
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    this.#check();
    checkKeys(keys);
    const bytes = keys.map((k) => [isRefKey(k), keyBytes(k)] as const);
    const { nodes, refs } = this.#env;
    try {
      await write(this.#env, () => {
        for (const [ref, k] of bytes) (ref ? refs : nodes).removeSync(k);
      });
    } catch (e) {
      throw ioError(e, `deleting ${keys.length} keys`);
    }
  }

  /**
   * GC's fence (the optional `deleteManyIf` of the store contract, on branches that have it):
   * delete `keys` only if `cas.key` still holds `cas.expected`, in one write transaction, so it
   * never interleaves with a putBatch guarded by the same key.
   */
  async deleteManyIf(keys: readonly string[], cas: { readonly key: string; readonly expected: Uint8Array | undefined }): Promise<void> {
    this.#check();
    checkKeys(keys);
    checkBatch([], { cas });
    const bytes = keys.map((k) => [isRefKey(k), keyBytes(k)] as const);
    const casKey = keyBytes(cas.key);
    const expected = cas.expected?.slice();
    const { nodes, refs } = this.#env;
    try {
      await write(this.#env, () => {
        if (!bytesEqual((isRefKey(cas.key) ? refs : nodes).getBinaryFast(casKey), expected)) throw conflictError(cas.key);
        for (const [ref, k] of bytes) (ref ? refs : nodes).removeSync(k);
      });
    } catch (e) {
      throw ioError(e, `deleting ${keys.length} keys`);
    }
  }

  async keys(): Promise<string[]> {
    this.#check();
    try {
      const out: string[] = [];
      for (const db of [this.#env.refs, this.#env.nodes]) {
        for (const k of db.getKeys()) out.push((k as Buffer).toString('utf8'));
      }
      return out;
    } catch (e) {
      throw ioError(e, 'listing keys');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#release(this);
  }
}

function openSubDbs(root: RootDatabase): Omit<Env, 'handles' | 'gate'> {
  const sub = (name: string) => root.openDB<Buffer, Buffer>(name, { encoding: 'binary', keyEncoding: 'binary' });
  return { root, nodes: sub('nodes'), refs: sub('refs'), meta: sub('meta') };
}

export interface LmdbBackendOptions {
  /** How to open an environment (default: lmdb's `open`); tests wrap it to stop a writer mid-commit. */
  readonly openEnv?: (options: RootDatabaseOptionsWithPath) => RootDatabase;
}

/**
 * An `lmdb` backend. Environments are opened once per directory and shared by the handles of
 * this backend instance; the last handle to close closes the environment.
 */
export function createLmdbBackend(options: LmdbBackendOptions = {}): Backend {
  const envs = new Map<string, Env>();
  const openWith = options.openEnv ?? openEnv;

  function envOf(l: Layout): Env {
    let env = envs.get(l.dir);
    if (env === undefined) {
      const gate = gateOf(l.dir);
      // Held synchronously: the wait is for another process's write at most, and opening is rare.
      env = gate.transactionSync(() => {
        const root = openWith({ path: l.dir, maxDbs: 8, overlappingSync: false, noMetaSync: !l.strict, noSubdir: false });
        return { ...openSubDbs(root), gate, handles: new Set<LmdbStore>() };
      });
      envs.set(l.dir, env);
    }
    return env;
  }

  async function closeEnv(dir: string): Promise<void> {
    const env = envs.get(dir);
    if (env === undefined) return;
    envs.delete(dir);
    await holdingGate(env.gate, () => env.root.close());
  }

  const releaser =
    (dir: string) =>
    async (s: LmdbStore): Promise<void> => {
      const env = envs.get(dir);
      if (env === undefined) return;
      env.handles.delete(s);
      if (env.handles.size === 0) await closeEnv(dir);
    };

  function readMarker(env: Env, l: Layout): Marker | undefined {
    const bytes = env.meta.getBinary(FORMAT_KEY);
    return bytes === undefined ? undefined : parseMarker(bytes.toString('utf8'), l, `lmdb store ${show(l.id)} at ${show(l.dir)}`);
  }

  /** Whether a marked store is at `l` (opens the environment only if its file is there). */
  async function markerAt(l: Layout): Promise<Marker | undefined> {
    if (!envs.has(l.dir) && !existsSync(resolve(l.dir, 'data.mdb'))) return undefined;
    const env = envOf(l);
    try {
      return readMarker(env, l);
    } finally {
      if (env.handles.size === 0) await closeEnv(l.dir);
    }
  }

  return {
    async create(config) {
      const l = layoutOf(config);
      try {
        await mkdir(l.dir, { recursive: true });
        const env = envOf(l);
        const made = await write(env, () => {
          if (readMarker(env, l) !== undefined) return false;
          // No marker: nothing is there, or a create/delete was cut short. Start empty.
          for (const db of [env.nodes, env.refs, env.meta]) for (const k of [...db.getKeys()]) db.removeSync(k as Buffer);
          env.meta.putSync(FORMAT_KEY, Buffer.from(markerText()));
          return true;
        });
        if (!made) {
          if (env.handles.size === 0) await closeEnv(l.dir);
          throw new CairnError('db/exists', `lmdb store ${show(config.id)} already exists at ${show(l.dir)}`, { backend: 'lmdb', id: config.id });
        }
        return new LmdbStore(env, l, releaser(l.dir));
      } catch (e) {
        throw ioError(e, `creating store ${show(config.id)}`);
      }
    },
    async connect(config) {
      const l = layoutOf(config);
      let marker: Marker | undefined;
      try {
        marker = await markerAt(l);
      } catch (e) {
        throw ioError(e, `opening store ${show(config.id)}`);
      }
      checkMarker(marker, l, 'lmdb');
      return new LmdbStore(envOf(l), l, releaser(l.dir));
    },
    async exists(config) {
      const l = layoutOf(config);
      try {
        return (await markerAt(l)) !== undefined;
      } catch (e) {
        throw ioError(e, `checking store ${show(config.id)}`);
      }
    },
    async delete(config) {
      const l = layoutOf(config);
      const env = envs.get(l.dir);
      if (env !== undefined) for (const h of [...env.handles]) await h.close();
      await closeEnv(l.dir);
      await closeGate(l.dir);
      try {
        // The data file first, so a delete interrupted half-way reads as "no store".
        await rm(resolve(l.dir, 'data.mdb'), { force: true });
        await rm(l.dir, { recursive: true, force: true });
      } catch (e) {
        throw ioError(e, `deleting store ${show(config.id)}`);
      }
    },
  };
}
