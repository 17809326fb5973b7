// Workloads 1-3 (commit latency, group commit, bulk import) and the DataScript snapshot that
// workload 4 loads. Each runs inside one dedicated bench worker (or on the main thread when
// profiled) and measures CairnDB and its floor/peer in the same realm, one after the other.

import ds from 'datascript';
import Dexie from 'dexie';
import { deleteDB } from 'idb';
import { db, deleteDatabase, q, release, transact } from '../../src/index.js';
import { cairnEntity, people } from '../people.js';
import { concatBytes, openFenced, openRaw, rawBatch, rawCasBatch, rawFencedPut, rawPut, rawPutCommit, type Entry } from './raw-idb.js';
import { benchConfig, benchRecorder, cairnChunks, dsDbOf, DURABILITY, eidOf, freshDb, profiled } from './setup.js';
import { summarize, type Summary } from './stats.js';

const now = (): number => performance.now();

export interface CommitFigures {
  readonly cairn: Summary;
  /** One raw put of the commit's bytes (concatenated) in its own readwrite transaction. */
  readonly floorSinglePut: Summary;
  /** The same put with an explicit commit() (the engine's backend commits explicitly). */
  readonly floorSinglePutCommit: Summary;
  /** The commit's exact entries (same keys, same bytes) in one raw readwrite transaction. */
  readonly floorSameBatch: Summary;
  /** The same, after a read of the head inside the transaction: the compare-and-set protocol on bare IDB. */
  readonly floorCasBatch: Summary;
  /**
   * The commit's last record as CairnDB's backend puts a small commit's head: { v, w } over one
   * key, in a store with a unique index on `w`, commit() at once (the protocol's own floor).
   */
  readonly floorFencedOverwrite: Summary;
  /** The commit split where the engine meets its store: before the putBatch call, the call, after it. */
  readonly split: { readonly engine: Summary; readonly store: Summary; readonly after: Summary };
  readonly bytesPerCommit: Summary;
  readonly recordsPerCommit: Summary;
}

/**
 * Workload 1: `n` one-entity transactions, each awaited. After each commit the floors write the
 * bytes that commit wrote, so engine and floor sample the same moments of the disk's life.
 */
export async function commitLatency(n: number, profile: boolean, warmup = 20): Promise<CommitFigures> {
  const rec = benchRecorder();
  const conn = await freshDb('bench-commit');
  const raw = await openRaw('bench-raw-commit');
  const fenced = await openFenced('bench-raw-fenced');
  const ps = people(n + warmup, 11);
  const cairn: number[] = [],
    single: number[] = [],
    singleCommit: number[] = [],
    same: number[] = [],
    cas: number[] = [],
    bytes: number[] = [],
    records: number[] = [],
    overwrite: number[] = [],
    engine: number[] = [],
    store: number[] = [],
    after: number[] = [];
  if (profile) {
    await profiled(true, 'commit', async () => {
      for (const p of ps) await transact(conn, [cairnEntity(p)]);
    });
  }
  for (let i = 0; i < ps.length && !profile; i++) {
    rec.start();
    const t0 = now();
    await transact(conn, [cairnEntity(ps[i]!)]);
    const t1 = now();
    const recording = rec.stop();
    const entries = recording.batches.flat();
    const putTimes = recording.putTimes;
    const blob = concatBytes(entries);
    const t2 = now();
    await rawPut(raw, `c${i}`, blob, DURABILITY);
    const t3 = now();
    await rawBatch(
      raw,
      entries.map(([k, v]) => [`b${i}:${k}`, v] as const),
      DURABILITY,
    );
    const t4 = now();
    await rawCasBatch(raw, 'head', [...entries.map(([k, v]) => [`x${i}:${k}`, v] as const), ['head', entries[entries.length - 1]![1]]], DURABILITY);
    const t5 = now();
    await rawPutCommit(raw, `k${i}`, blob, DURABILITY);
    const t6 = now();
    await rawFencedPut(fenced, 'head', entries[entries.length - 1]![1], 'bench-writer', DURABILITY);
    const t7 = now();
    if (i < warmup) continue;
    cairn.push(t1 - t0);
    single.push(t3 - t2);
    same.push(t4 - t3);
    cas.push(t5 - t4);
    singleCommit.push(t6 - t5);
    overwrite.push(t7 - t6);
    bytes.push(blob.length);
    records.push(entries.length);
    engine.push(putTimes[0]![0] - t0);
    store.push(putTimes.reduce((ms, [a, b]) => ms + (b - a), 0));
    after.push(t1 - putTimes[putTimes.length - 1]![1]);
  }
  await release(conn);
  await deleteDatabase(benchConfig('bench-commit'));
  raw.close();
  await deleteDB('bench-raw-commit');
  fenced.close();
  await deleteDB('bench-raw-fenced');
  return {
    cairn: summarize(cairn),
    floorSinglePut: summarize(single),
    floorSinglePutCommit: summarize(singleCommit),
    floorSameBatch: summarize(same),
    floorCasBatch: summarize(cas),
    floorFencedOverwrite: summarize(overwrite),
    split: { engine: summarize(engine), store: summarize(store), after: summarize(after) },
    bytesPerCommit: summarize(bytes),
    recordsPerCommit: summarize(records),
  };
}

export interface GroupFigures {
  readonly txs: number;
  readonly cairnMs: number;
  readonly commits: number;
  /** The engine's commit batches replayed raw, one transaction each, one after the other. */
  readonly floorSameBatchesMs: number;
  /** `txs` single-put transactions issued at once (IndexedDB queues them itself). */
  readonly floorConcurrentPutsMs: number;
}

/** Workload 2: `n` transactions issued without awaiting each other. */
export async function groupCommit(n: number, profile: boolean): Promise<GroupFigures> {
  const rec = benchRecorder();
  const conn = await freshDb('bench-group');
  const raw = await openRaw('bench-raw-group');
  // A short warm-up so JIT and the IDB connection are as warm as in workload 1.
  for (const p of people(20, 99)) await transact(conn, [cairnEntity(p)]);
  const txs = people(n, 12).map((p) => [cairnEntity(p)]);
  rec.start();
  const t0 = now();
  await profiled(profile, 'group', () => Promise.all(txs.map((tx) => transact(conn, tx))));
  const t1 = now();
  const batches = rec.stop().batches;
  const t2 = now();
  for (const [i, b] of batches.entries())
    await rawBatch(
      raw,
      b.map(([k, v]) => [`g${i}:${k}`, v] as const),
      DURABILITY,
    );
  const t3 = now();
  // The same number of transactions' bytes, as independent single-put transactions in flight at once.
  const all = concatBytes(batches.flat());
  const perTx = all.slice(0, Math.max(1, Math.round(all.length / n)));
  const t4 = now();
  await Promise.all(txs.map((_, i) => rawPut(raw, `p${i}`, perTx, DURABILITY)));
  const t5 = now();
  await release(conn);
  await deleteDatabase(benchConfig('bench-group'));
  raw.close();
  await deleteDB('bench-raw-group');
  return { txs: n, cairnMs: t1 - t0, commits: batches.length, floorSameBatchesMs: t3 - t2, floorConcurrentPutsMs: t5 - t4 };
}

export interface ImportFigures {
  readonly persons: number;
  readonly datoms: number;
  readonly txs: number;
  readonly cairnMs: number;
  readonly records: number;
  readonly bytes: number;
  /** Of cairnMs, the time inside the store's putBatch calls (the rest is the engine's). */
  readonly storeMs: number;
  /** Every record the engine wrote (same keys, same bytes) in one raw readwrite transaction. */
  readonly rawMs: number;
  /** Dexie `bulkPut` of the same persons (one object each, primary key `id`, index on `name`). */
  readonly dexieMs: number;
}

/**
 * Workload 3: import `persons` (5 datoms each) in transactions of `chunk` persons, awaited in
 * turn. With `keep`, the CairnDB database stays for the cold-start workload.
 */
export async function bulkImport(persons: number, chunk: number, keep: boolean, profile: boolean): Promise<ImportFigures> {
  const rec = benchRecorder();
  const id = `bench-import-${persons}`;
  const conn = await freshDb(id);
  const ps = people(persons);
  const chunks = cairnChunks(ps, chunk);
  rec.start();
  const t0 = now();
  await profiled(profile, 'import', async () => {
    for (const c of chunks) await transact(conn, c);
  });
  const t1 = now();
  const recording = rec.stop();
  const entries: Entry[] = recording.batches.flat();
  const storeMs = recording.putTimes.reduce((ms, [a, b]) => ms + (b - a), 0);
  // A fast wrong import must not pass: the last person must be there under its expected id.
  const last = ps[ps.length - 1]!;
  const age = await q('[:find ?a . :in $ ?e :where [?e :age ?a]]', db(conn), eidOf(last));
  if (age !== last.age) throw new Error(`import ${persons}: person ${eidOf(last)} has age ${String(age)}, expected ${last.age}`);
  await release(conn);
  if (!keep) await deleteDatabase(benchConfig(id));

  const raw = await openRaw('bench-raw-import');
  const t2 = now();
  await rawBatch(raw, entries, DURABILITY);
  const t3 = now();
  raw.close();
  await deleteDB('bench-raw-import');
  const bytes = entries.reduce((s, [, v]) => s + v.length, 0);
  const records = entries.length;
  entries.length = 0; // let the copies go before Dexie runs

  const dexie = new Dexie('bench-dexie-import');
  dexie.version(1).stores({ people: 'id, name' });
  await dexie.open();
  const t4 = now();
  await dexie.table('people').bulkPut(ps as unknown as object[]);
  const t5 = now();
  dexie.close();
  await Dexie.delete('bench-dexie-import');
  return { persons, datoms: persons * 5, txs: chunks.length, cairnMs: t1 - t0, records, bytes, storeMs, rawMs: t3 - t2, dexieMs: t5 - t4 };
}

export const SNAPSHOT_DB = 'bench-ds-snapshot';

/** How apps persist DataScript today: `serializable` -> JSON string -> one IndexedDB record. */
export async function prepareDsSnapshot(persons: number): Promise<{ bytes: number; buildMs: number }> {
  const t0 = now();
  const json = JSON.stringify(ds.serializable(dsDbOf(people(persons))));
  const raw = await openRaw(SNAPSHOT_DB);
  await rawPut(raw, 'snapshot', json, DURABILITY);
  raw.close();
  return { bytes: json.length, buildMs: now() - t0 };
}
