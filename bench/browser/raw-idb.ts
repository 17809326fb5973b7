// The platform floors the engine is measured against: raw IndexedDB writes through `idb`, with
// nothing of CairnDB in the path, and a backend wrapper that records exactly what the engine
// wrote (keys and encoded bytes) so a floor can write the same bytes.
//
// A raw database holds one object store `kv` of out-of-line string keys and Uint8Array (or
// string) values, the same shape as CairnDB's own `nodes` store.

import { openDB, type IDBPDatabase } from 'idb';
import type { Backend, PutOptions, Store, StoreConfig } from '../../src/index.js';

export type Durability = 'relaxed' | 'strict';
export type Entry = readonly [string, Uint8Array];
export type RawDb = IDBPDatabase;

export async function openRaw(name: string): Promise<RawDb> {
  return openDB(name, 1, { upgrade: (db) => void db.createObjectStore('kv') });
}

/** One put in its own readwrite transaction, awaited until the transaction completes. */
export async function rawPut(db: RawDb, key: string, value: Uint8Array | string, durability: Durability): Promise<void> {
  const tx = db.transaction('kv', 'readwrite', { durability });
  void tx.store.put(value, key);
  await tx.done;
}

/** The same with an explicit `commit()` once the put is queued (what CairnDB's backend does). */
export async function rawPutCommit(db: RawDb, key: string, value: Uint8Array | string, durability: Durability): Promise<void> {
  const tx = db.transaction('kv', 'readwrite', { durability });
  void tx.store.put(value, key);
  tx.commit();
  await tx.done;
}

/**
 * A database laid out as CairnDB's `refs` store is for fenced puts: a unique index on the
 * writer token `w` of the value (src/store/indexeddb.ts, "Fenced puts").
 */
export async function openFenced(name: string): Promise<RawDb> {
  return openDB(name, 1, { upgrade: (db) => void db.createObjectStore('refs').createIndex('writer', 'w', { unique: true }) });
}

/** The head's put as CairnDB's backend sends it on a small commit: { v, w } over one key, commit() at once. */
export async function rawFencedPut(db: RawDb, key: string, value: Uint8Array, token: string, durability: Durability): Promise<void> {
  const tx = db.transaction('refs', 'readwrite', { durability });
  void tx.store.put({ v: value, w: token }, key);
  tx.commit();
  await tx.done;
}

/** Many puts in one readwrite transaction. */
export async function rawBatch(db: RawDb, entries: readonly Entry[], durability: Durability): Promise<void> {
  const tx = db.transaction('kv', 'readwrite', { durability });
  for (const [k, v] of entries) void tx.store.put(v, k);
  await tx.done;
}

/**
 * CairnDB's commit protocol on bare IDB: inside one readwrite transaction, read `casKey`
 * (the head, compare-and-set), and only once it is back put the entries.
 */
export async function rawCasBatch(db: RawDb, casKey: string, entries: readonly Entry[], durability: Durability): Promise<void> {
  const tx = db.transaction('kv', 'readwrite', { durability });
  await tx.store.get(casKey);
  for (const [k, v] of entries) void tx.store.put(v, k);
  await tx.done;
}

export function concatBytes(entries: readonly Entry[]): Uint8Array {
  const out = new Uint8Array(entries.reduce((n, [, v]) => n + v.length, 0));
  let at = 0;
  for (const [, v] of entries) {
    out.set(v, at);
    at += v.length;
  }
  return out;
}

/** What the recording wrapper saw: every batch written while recording, every key read. */
export interface Recording {
  batches: Entry[][];
  /** When each putBatch call began and when it settled (performance.now()), in order. */
  putTimes: [number, number][];
  keysRead: string[];
  readCalls: number;
}

export interface Recorder {
  readonly backend: Backend;
  /** Start a fresh recording; `stop` returns it. Reads are always counted into the current one. */
  start(): void;
  stop(): Recording;
  current(): Recording;
}

const fresh = (): Recording => ({ batches: [], putTimes: [], keysRead: [], readCalls: 0 });

export function recorder(inner: Backend): Recorder {
  let rec = fresh();
  let recording = false;
  const wrap = (s: Store): Store => ({
    async get(key) {
      rec.keysRead.push(key);
      rec.readCalls++;
      return s.get(key);
    },
    async getMany(keys) {
      rec.keysRead.push(...keys);
      rec.readCalls++;
      return s.getMany(keys);
    },
    async putBatch(entries, opts?: PutOptions) {
      const start = performance.now();
      await s.putBatch(entries, opts);
      const end = performance.now();
      // Copy after the write: the backend already copied what it stored, and the caller may reuse arrays.
      if (recording) {
        rec.batches.push(entries.map(([k, v]) => [k, v.slice()] as const));
        rec.putTimes.push([start, end]);
      }
    },
    deleteMany: (keys) => s.deleteMany(keys),
    keys: () => s.keys(),
    close: () => s.close(),
  });
  return {
    backend: {
      create: async (c: StoreConfig) => wrap(await inner.create(c)),
      connect: async (c: StoreConfig) => wrap(await inner.connect(c)),
      exists: (c: StoreConfig) => inner.exists(c),
      delete: (c: StoreConfig) => inner.delete(c),
    },
    start() {
      rec = fresh();
      recording = true;
    },
    stop() {
      recording = false;
      return rec;
    },
    current: () => rec,
  };
}
