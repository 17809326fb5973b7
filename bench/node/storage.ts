// Storage issue benchmark, on a 1,000,000-datom database in the file backend: bulk import time,
// cold reconnect + point query (time and records read), and bytes written per one-entity
// transaction amortised over 1,000 transactions, folds included (target: under 16 KB).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createDatabase, datoms, db, q, registerBackend, release, transact } from '../../src/index.js';
import { createFileBackend } from '../../src/store/file.js';
import { countingBackend, newCounts } from '../../src/conn/counting-backend.js';
import { isRefKey } from '../../src/store/keys.js';
import type { Store } from '../../src/store/types.js';
import { wrapBackend } from '../../src/store/wrap-backend.js';
import { fileFloorMs } from './file-floor.js';
import { cairnEntity, cairnSchema, people } from '../people.js';

export interface StorageFigures {
  readonly datoms: number;
  readonly importMs: number;
  readonly importDatomsPerSec: number;
  /** The files the import created (every record but the refs), the time its putBatch calls took, and the time to write those files raw (./file-floor.ts). */
  readonly importFiles: number;
  readonly importStoreMs: number;
  readonly importFloorMs: number;
  readonly reconnectMs: number;
  readonly reconnectRecordsRead: number;
  readonly pointQueryMs: number;
  readonly pointQueryRecordsRead: number;
  readonly q4ColdMs: number;
  readonly q4RecordsRead: number;
  readonly bytesPerTx: number;
  readonly recordsPerTx: number;
  readonly storeBytes: number;
}

export async function storageBenchmark(persons = 200_000): Promise<StorageFigures> {
  const counts = newCounts();
  // The import's records, batch by batch, for the file-per-node floor, and the time the store took.
  let batches: Uint8Array[][] | undefined;
  let storeMs = 0;
  const collecting = (s: Store): Store =>
    new Proxy(s, {
      get(target, p) {
        if (p === 'putBatch')
          return (entries: readonly (readonly [string, Uint8Array])[], opts?: Parameters<Store['putBatch']>[1]) => {
            batches?.push(entries.filter(([k]) => !isRefKey(k)).map(([, v]) => v.slice()));
            const t0 = performance.now();
            return target.putBatch(entries, opts).finally(() => (storeMs += performance.now() - t0));
          };
        const v = Reflect.get(target, p) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  registerBackend('counting-file', countingBackend(wrapBackend(createFileBackend(), collecting), counts));
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
  const config = { store: { backend: 'counting-file', id: 'people', path: dir } };
  try {
    await createDatabase(config);
    let conn = await connect(config);
    await transact(conn, cairnSchema);
    const ps = people(persons);
    const chunk = 20_000;
    batches = [];
    storeMs = 0;
    let t = performance.now();
    for (let i = 0; i < ps.length; i += chunk) await transact(conn, ps.slice(i, i + chunk).map(cairnEntity));
    const importMs = performance.now() - t;
    const importStoreMs = storeMs;
    const importBatches = batches;
    batches = undefined;
    const importFiles = importBatches.reduce((n, b) => n + b.length, 0);
    const importFloorMs = await fileFloorMs(importBatches);
    const total = (await datoms(db(conn), 'eavt')).length;

    // Write amplification: 1,000 one-entity transactions, folds included.
    const before = { bytes: counts.bytesWritten, records: counts.recordsWritten };
    for (let i = 0; i < 1000; i++) await transact(conn, [{ name: `new${i}`, 'last-name': 'Novak', sex: ':female', age: i % 90, salary: i }]);
    const bytesPerTx = (counts.bytesWritten - before.bytes) / 1000;
    const recordsPerTx = (counts.recordsWritten - before.records) / 1000;
    const storeBytes = counts.bytesWritten;
    await release(conn);

    // Cold reconnect and a point query in a fresh connection (empty node cache).
    counts.recordsRead = 0;
    t = performance.now();
    conn = await connect(config);
    const reconnectMs = performance.now() - t;
    const reconnectRecordsRead = counts.recordsRead;
    const target = 7 + Math.floor(persons / 2);
    counts.recordsRead = 0;
    t = performance.now();
    const point = await datoms(db(conn), 'eavt', target);
    const pointQueryMs = performance.now() - t;
    const pointQueryRecordsRead = counts.recordsRead;
    if (point.length !== 5) throw new Error(`point query found ${point.length} datoms`);
    counts.recordsRead = 0;
    t = performance.now();
    await q('[:find ?e ?l ?a :where [?e :name "Ivan"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]', db(conn));
    const q4ColdMs = performance.now() - t;
    const q4RecordsRead = counts.recordsRead;
    await release(conn);
    return {
      datoms: total,
      importMs,
      importDatomsPerSec: (persons * 5) / (importMs / 1000),
      importFiles,
      importStoreMs,
      importFloorMs,
      reconnectMs,
      reconnectRecordsRead,
      pointQueryMs,
      pointQueryRecordsRead,
      q4ColdMs,
      q4RecordsRead,
      bytesPerTx,
      recordsPerTx,
      storeBytes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printStorage(f: StorageFigures): void {
  console.log('\n== storage (file backend) ==');
  console.log(`database: ${f.datoms.toLocaleString('en')} datoms`);
  console.log(`bulk import: ${f.importMs.toFixed(0)} ms (${Math.round(f.importDatomsPerSec).toLocaleString('en')} datoms/s)`);
  console.log(
    `  in the store: ${f.importStoreMs.toFixed(0)} ms; its ${f.importFiles.toLocaleString('en')} files written raw (the file-per-node floor): ${f.importFloorMs.toFixed(0)} ms, store / floor ${(f.importStoreMs / f.importFloorMs).toFixed(2)}x`,
  );
  console.log(`cold reconnect: ${f.reconnectMs.toFixed(1)} ms, ${f.reconnectRecordsRead} records read`);
  console.log(`cold point query (one entity, EAVT): ${f.pointQueryMs.toFixed(2)} ms, ${f.pointQueryRecordsRead} records read`);
  console.log(`then q4: ${f.q4ColdMs.toFixed(1)} ms, ${f.q4RecordsRead} records read`);
  console.log(
    `one-entity transaction, amortised over 1,000 (folds included): ${(f.bytesPerTx / 1024).toFixed(2)} KB, ${f.recordsPerTx.toFixed(2)} records ${f.bytesPerTx < 16 * 1024 ? 'met' : 'MISSED'} (< 16 KB)`,
  );
}
