// Workloads 4 and 5: cold start of a persisted database in a fresh worker (CairnDB reading
// lazily beside DataScript loading a snapshot), and warm queries in the worker against
// DataScript in the same worker.

import ds from 'datascript';
import { connect, datoms, db, deleteDatabase, pullMany, q, release, transact, type Db } from '../../src/index.js';
import { compare, compareAlternating, type Comparison } from '../harness.js';
import { WORKLOADS } from '../query-workloads.js';
import { people } from '../people.js';
import { openDB } from 'idb';
import { idbName } from '../../src/store/indexeddb.js';
import { isRefKey } from '../../src/store/keys.js';
import { openRaw } from './raw-idb.js';
import { benchConfig, benchRecorder, cairnChunks, canon, dsDbOf, eidOf, freshDb, POINT, profiled, Q4, QUERIES } from './setup.js';
import { SNAPSHOT_DB } from './write-workloads.js';

const now = (): number => performance.now();

export interface ColdFigures {
  /** connect (head, commit, schema, tail replay) + the point query. */
  readonly pointMs: number;
  readonly connectMs: number;
  readonly q4Ms: number;
  readonly q4Rows: number;
  readonly pointReads: ReadFigures;
  readonly q4Reads: ReadFigures;
}

export interface ReadFigures {
  /** The keys read, in order (kept only for the point query: a handful). */
  readonly keys?: readonly string[];
  readonly records: number;
  readonly calls: number;
  readonly nodes: number;
  readonly byPrefix: Record<string, number>;
}

function reads(keys: readonly string[], calls: number): ReadFigures {
  const byPrefix: Record<string, number> = {};
  for (const k of keys) {
    const p = k.slice(0, k.indexOf(':') + 1) || k;
    byPrefix[p] = (byPrefix[p] ?? 0) + 1;
  }
  return { records: keys.length, calls, nodes: byPrefix['n:'] ?? 0, byPrefix };
}

/** Person whose attributes the point query asks for: one in the middle of the import. */
export const pointPerson = (persons: number) => people(persons)[Math.floor(persons / 2)]!;

/**
 * How the point query is asked: 'in' binds the entity id through `:in` (how apps write it),
 * 'literal' writes the id into the query text, 'datoms' reads `datoms(db, 'eavt', e)`.
 */
export type PointForm = 'in' | 'literal' | 'datoms';

async function pointQuery(form: PointForm, d: Db, e: number): Promise<unknown[][]> {
  switch (form) {
    case 'in':
      return (await q(POINT.cairn, d, e)) as unknown[][];
    case 'literal':
      return (await q(`[:find ?n ?a :where [${e} :name ?n] [${e} :age ?a]]`, d)) as unknown[][];
    case 'datoms': {
      const ds = await datoms(d, 'eavt', e);
      return [[ds.find((x) => x.a === 'name')?.v, ds.find((x) => x.a === 'age')?.v]];
    }
    default: {
      const never: never = form;
      throw new Error(`unknown point form ${String(never)}`);
    }
  }
}

/** Workload 4, CairnDB side: connect to the kept import and answer the point query, then q4. */
export async function coldStartCairn(persons: number, profile: boolean, form: PointForm = 'in'): Promise<ColdFigures> {
  const rec = benchRecorder();
  const p = pointPerson(persons);
  rec.start();
  const t0 = now();
  let connected = t0;
  const { conn, point } = await profiled(profile, 'cold-point', async () => {
    const c = await connect(benchConfig(`bench-import-${persons}`));
    connected = now();
    return { conn: c, point: await pointQuery(form, db(c), eidOf(p)) };
  });
  const t1 = now();
  const pointRec = rec.stop();
  if (canon(point) !== canon([[p.name, p.age]])) throw new Error(`cold point query answered ${JSON.stringify(point)}`);
  rec.start();
  const t2 = now();
  const rows = (await profiled(profile, 'cold-q4', () => q(Q4.cairn, db(conn)))) as unknown[];
  const t3 = now();
  const q4Rec = rec.stop();
  await release(conn);
  return {
    pointMs: t1 - t0,
    connectMs: connected - t0,
    q4Ms: t3 - t2,
    q4Rows: rows.length,
    pointReads: { ...reads(pointRec.keysRead, pointRec.readCalls), keys: pointRec.keysRead },
    q4Reads: reads(q4Rec.keysRead, q4Rec.readCalls),
  };
}

/**
 * Workload 4, the platform's floor: in a fresh worker, open CairnDB's IndexedDB database with
 * bare `idb` and read `keys` (what the engine read for the point query) one after another.
 */
export async function coldStartRaw(persons: number, keys: readonly string[]): Promise<{ ms: number; openMs: number }> {
  const t0 = now();
  const raw = await openDB(idbName(`bench-import-${persons}`));
  const t1 = now();
  for (const k of keys) {
    const v: unknown = await raw.get(isRefKey(k) ? 'refs' : 'nodes', k);
    if (v === undefined) throw new Error(`cold raw: no record ${k}`);
  }
  const t2 = now();
  raw.close();
  return { ms: t2 - t0, openMs: t1 - t0 };
}

/** Workload 4, DataScript side: read the snapshot record, parse, rebuild, answer the same queries. */
export async function coldStartDs(
  persons: number,
): Promise<{ pointMs: number; q4Ms: number; q4Rows: number; readMs: number; parseMs: number; rebuildMs: number }> {
  const p = pointPerson(persons);
  const t0 = now();
  const raw = await openRaw(SNAPSHOT_DB);
  const json = (await raw.get('kv', 'snapshot')) as string;
  const tRead = now();
  const data = JSON.parse(json) as unknown;
  const tParse = now();
  const d = ds.from_serializable(data);
  const tBuilt = now();
  const point = ds.q(POINT.ds, d, eidOf(p)) as unknown[][];
  const t1 = now();
  raw.close();
  if (canon(point) !== canon([[p.name, p.age]])) throw new Error(`DataScript point query answered ${JSON.stringify(point)}`);
  const t2 = now();
  const rows = ds.q(Q4.ds, d) as unknown[];
  const t3 = now();
  return { pointMs: t1 - t0, q4Ms: t3 - t2, q4Rows: rows.length, readMs: tRead - t0, parseMs: tParse - tRead, rebuildMs: tBuilt - tParse };
}

/** Workload 5: q1-q4 and pull-many on an IndexedDB-backed database, DataScript beside it. */
export async function workerQueries(persons: number, iterations: number): Promise<Comparison[]> {
  const ps = people(persons);
  const conn = await freshDb('bench-queries');
  for (const c of cairnChunks(ps, 20_000)) await transact(conn, c);
  const cdb = db(conn);
  const dsdb = dsDbOf(ps);
  const rows: Comparison[] = [];
  for (const w of WORKLOADS) {
    const inputs = w.inputs ?? [];
    const [a, b] = [canon(await q(w.cairn, cdb, ...inputs)), canon(ds.q(w.ds, dsdb, ...inputs))];
    if (a !== b) throw new Error(`${w.name}: CairnDB and DataScript disagree`);
    const n = (JSON.parse(a) as unknown[]).length;
    rows.push(
      await compareAlternating(
        `${w.name} (${n} rows)`,
        () => q(w.cairn, cdb, ...inputs),
        () => ds.q(w.ds, dsdb, ...inputs),
        { target: w.target, iterations },
      ),
    );
  }
  const ids = ps.slice(0, 1000).map(eidOf);
  const star = await pullMany(cdb, '[*]', ids);
  if (star.length !== 1000 || star.some((x) => x === null)) throw new Error('pull-many [*]: missing entities');
  rows.push(
    await compare(
      'pull-many 1,000 persons [*]',
      () => pullMany(cdb, '[*]', ids),
      () => ds.pull_many(dsdb, '[*]', ids),
      { target: 3, iterations },
    ),
  );
  await release(conn);
  await deleteDatabase(benchConfig('bench-queries'));
  return rows;
}

/** For --profile: load the query dataset, then run one named query `iterations` times as a console profile. */
export async function profileQuery(persons: number, name: string, iterations: number): Promise<{ ms: number }> {
  const spec = QUERIES.find((w) => w.name === name);
  if (spec === undefined) throw new Error(`no query named ${name}`);
  const conn = await freshDb('bench-query-profile');
  for (const c of cairnChunks(people(persons), 20_000)) await transact(conn, c);
  const cdb = db(conn);
  for (let i = 0; i < 5; i++) await q(spec.cairn, cdb);
  const t0 = now();
  await profiled(true, `query-${name}`, async () => {
    for (let i = 0; i < iterations; i++) await q(spec.cairn, cdb);
  });
  const ms = (now() - t0) / iterations;
  await release(conn);
  await deleteDatabase(benchConfig('bench-query-profile'));
  return { ms };
}
