// Storage backends side by side (`npm run bench:node backends`), on the 1,000,000-datom people
// set: bulk import; one-person commit latency (median, p95) beside the backend's own floor — a
// raw put of the very bytes that commit wrote, in one transaction of that storage, measured
// right after each commit so both see the same machine load; cold reconnect (a new backend
// instance: new pool/connection, empty caches) + a point query.
//
// PostgreSQL: CAIRNDB_PG_URL, or a throwaway cluster from scripts/pg-cluster.mjs. To add a
// backend (LMDB, say), add an entry to `targets` with its config and its floor.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startCluster, stopCluster } from '../../scripts/pg-cluster.mjs';
import { connect, createDatabase, datoms, db, deleteDatabase, registerBackend, release, transact } from '../../src/index.js';
import { createFileBackend } from '../../src/store/file.js';
import { createPostgresBackend } from '../../src/store/postgresql.js';
import type { Backend, PutOptions, Store } from '../../src/store/types.js';
import { cairnEntity, cairnSchema, people } from '../people.js';

export interface BackendFigures {
  readonly backend: string;
  readonly datoms: number;
  readonly importMs: number;
  readonly importDatomsPerSec: number;
  readonly commits: number;
  readonly commitMedianMs: number;
  readonly commitP95Ms: number;
  readonly floorMedianMs: number;
  readonly floorP95Ms: number;
  readonly commitBytesMedian: number;
  readonly reconnectMs: number;
  readonly pointQueryMs: number;
}

type Entries = (readonly [string, Uint8Array])[];

/** A raw put of `entries` in one transaction of the backend's storage: the latency floor. */
interface Floor {
  put(entries: Entries, round: number): Promise<void>;
  close(): Promise<void>;
}

interface Target {
  readonly name: string;
  readonly backend: () => Backend;
  readonly store: Record<string, unknown>;
  readonly floor: () => Promise<Floor>;
  readonly cleanup: () => Promise<void>;
}

/** Wraps a backend so the bytes of the last putBatch can be replayed by the floor. */
function capturing(inner: Backend, last: { entries: Entries }): Backend {
  const wrap = (s: Store): Store => ({
    get: (k) => s.get(k),
    getMany: (ks) => s.getMany(ks),
    async putBatch(entries, opts?: PutOptions) {
      last.entries = entries.map(([k, v]) => [k, v.slice()] as const);
      return s.putBatch(entries, opts);
    },
    deleteMany: (ks) => s.deleteMany(ks),
    keys: () => s.keys(),
    close: () => s.close(),
    ...(s.watch === undefined ? {} : { watch: (cb: () => void) => s.watch!(cb) }),
  });
  return {
    create: async (c) => wrap(await inner.create(c)),
    connect: async (c) => wrap(await inner.connect(c)),
    exists: (c) => inner.exists(c),
    delete: (c) => inner.delete(c),
  };
}

/** File floor: each value written to its own new file and fsynced, then the directory. */
function fileFloor(root: string): () => Promise<Floor> {
  return async () => ({
    async put(entries, round) {
      const dir = join(root, `floor-${round}`);
      mkdirSync(dir);
      await Promise.all(
        entries.map(async ([, v], i) => {
          const fh = await open(join(dir, String(i)), 'w');
          await fh.writeFile(v);
          await fh.sync();
          await fh.close();
        }),
      );
      const d = await open(dir, 'r');
      await d.sync();
      await d.close();
    },
    close: async () => {},
  });
}

/** PostgreSQL floor: one INSERT of the same keys and bytes (one implicit transaction). */
function pgFloor(url: string): () => Promise<Floor> {
  return async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    await pool.query('DROP TABLE IF EXISTS cairndb_bench_floor');
    await pool.query('CREATE TABLE cairndb_bench_floor (key bytea PRIMARY KEY, value bytea NOT NULL)');
    return {
      async put(entries, round) {
        const keys = entries.map(([k]) => Buffer.from(`${round}:${k}`));
        const values = entries.map(([, v]) => Buffer.from(v));
        await pool.query('INSERT INTO cairndb_bench_floor (key, value) SELECT * FROM unnest($1::bytea[], $2::bytea[])', [keys, values]);
      },
      close: () => pool.end(),
    };
  };
}

const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

async function measure(t: Target, persons: number, commits: number): Promise<BackendFigures> {
  const last = { entries: [] as Entries };
  registerBackend(`bench-${t.name}`, capturing(t.backend(), last));
  const config = { store: { backend: `bench-${t.name}`, id: 'people', ...t.store } };
  await createDatabase(config);
  let conn = await connect(config);
  await transact(conn, cairnSchema);
  const ps = people(persons);
  let start = performance.now();
  for (let i = 0; i < ps.length; i += 20_000) await transact(conn, ps.slice(i, i + 20_000).map(cairnEntity));
  const importMs = performance.now() - start;
  const total = (await datoms(db(conn), 'eavt')).length;

  const floor = await t.floor();
  const commitMs: number[] = [];
  const floorMs: number[] = [];
  const bytes: number[] = [];
  for (let i = 0; i < commits; i++) {
    start = performance.now();
    await transact(conn, [{ name: `new${i}`, 'last-name': 'Novak', sex: ':female', age: i % 90, salary: i }]);
    commitMs.push(performance.now() - start);
    const entries = last.entries;
    bytes.push(entries.reduce((n, [, v]) => n + v.length, 0));
    start = performance.now();
    await floor.put(entries, i);
    floorMs.push(performance.now() - start);
  }
  await floor.close();
  await release(conn);

  // Cold: a fresh backend instance (new pool or handles, nothing cached) and a new connection.
  registerBackend(`bench-${t.name}-cold`, t.backend());
  const cold = { ...config, store: { ...config.store, backend: `bench-${t.name}-cold` } };
  start = performance.now();
  conn = await connect(cold);
  const reconnectMs = performance.now() - start;
  start = performance.now();
  const point = await datoms(db(conn), 'eavt', 7 + Math.floor(persons / 2));
  const pointQueryMs = performance.now() - start;
  if (point.length !== 5) throw new Error(`point query found ${point.length} datoms`);
  await release(conn);
  await deleteDatabase(cold);
  return {
    backend: t.name,
    datoms: total,
    importMs,
    importDatomsPerSec: (persons * 5) / (importMs / 1000),
    commits,
    commitMedianMs: quantile(commitMs, 0.5),
    commitP95Ms: quantile(commitMs, 0.95),
    floorMedianMs: quantile(floorMs, 0.5),
    floorP95Ms: quantile(floorMs, 0.95),
    commitBytesMedian: quantile(bytes, 0.5),
    reconnectMs,
    pointQueryMs,
  };
}

export async function backendBenchmarks(persons = 200_000, commits = 300, only?: readonly string[]): Promise<BackendFigures[]> {
  const root = mkdtempSync(join(tmpdir(), 'cairn-bench-backends-'));
  let cluster: { url: string; dir: string } | undefined;
  const url = process.env['CAIRNDB_PG_URL'] || (cluster = await startCluster()).url;
  const targets: Target[] = [
    {
      name: 'file',
      backend: createFileBackend,
      store: { path: join(root, 'file') },
      floor: fileFloor(mkdtempSync(join(root, 'floor-'))),
      cleanup: async () => {},
    },
    { name: 'postgresql', backend: createPostgresBackend, store: { connection: url, table: 'cairndb_bench' }, floor: pgFloor(url), cleanup: async () => {} },
  ];
  const out: BackendFigures[] = [];
  try {
    for (const t of targets.filter((x) => only === undefined || only.includes(x.name))) {
      out.push(await measure(t, persons, commits));
      await t.cleanup();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    if (cluster !== undefined) stopCluster(cluster.dir);
  }
  return out;
}

export function printBackends(figures: BackendFigures[]): void {
  console.log('\n== storage backends (1M-datom people set) ==');
  for (const f of figures) {
    const ratio = f.commitMedianMs / f.floorMedianMs;
    console.log(
      `${f.backend}: import ${(f.importMs / 1000).toFixed(1)} s (${Math.round(f.importDatomsPerSec).toLocaleString('en')} datoms/s); ` +
        `one-person commit median ${f.commitMedianMs.toFixed(2)} ms, p95 ${f.commitP95Ms.toFixed(2)} ms (${(f.commitBytesMedian / 1024).toFixed(1)} KB) ` +
        `vs raw put of the same bytes median ${f.floorMedianMs.toFixed(2)} ms, p95 ${f.floorP95Ms.toFixed(2)} ms: ${ratio.toFixed(2)}x ${ratio <= 1.5 ? 'met' : 'MISSED'} (<= 1.5x); ` +
        `cold reconnect ${f.reconnectMs.toFixed(1)} ms + point query ${f.pointQueryMs.toFixed(1)} ms`,
    );
  }
}
