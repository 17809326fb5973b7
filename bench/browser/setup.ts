// What every browser workload shares: the recording IndexedDB backend registered under
// BENCH_BACKEND (once per realm), store configs, the people dataset for both engines, and the
// query texts (the same q1-q4 and pull-many spellings as bench/node/queries.ts).

import ds from 'datascript';
import { connect, createDatabase, registerBackend, transact, type Config, type Connection } from '../../src/index.js';
import { createIndexedDbBackend } from '../../src/store/indexeddb.js';
import { cairnEntity, cairnSchema, dsEntity, dsSchema, type Person } from '../people.js';
import { browserCoordination } from '../../worker/coordination.js';
import { recorder, type Recorder } from './raw-idb.js';

export const BENCH_BACKEND = 'bench-idb';

let shared: Recorder | undefined;
/** The recorder wrapping the real IndexedDB backend, registered once in this realm. */
export function benchRecorder(): Recorder {
  if (shared === undefined) {
    shared = recorder(createIndexedDbBackend());
    registerBackend(BENCH_BACKEND, shared.backend);
  }
  return shared;
}

/** Engine default durability ('relaxed'); every floor uses the same. */
export const DURABILITY = 'relaxed' as const;

export function benchConfig(id: string): Config {
  return { store: { backend: BENCH_BACKEND, id } };
}

/** A fresh IndexedDB-backed database with the people schema (its entities take ids 1..6). */
export async function freshDb(id: string): Promise<Connection> {
  benchRecorder();
  const config = benchConfig(id);
  await createDatabase(config);
  // the coordination the product's worker gives a connection (Web Locks, BroadcastChannel)
  const conn = await connect(config, { coordinator: browserCoordination().factory({ backend: BENCH_BACKEND, id }) });
  await transact(conn, cairnSchema);
  return conn;
}

// CairnDB gives persons ids SCHEMA_IDS + person.id when they are transacted in order after the
// schema; DataScript gets placeholder entities so it gives every person the same id.
export const SCHEMA_IDS = cairnSchema.length;
export const eidOf = (p: Person): number => SCHEMA_IDS + p.id;

export function dsEmpty() {
  return ds.db_with(
    ds.empty_db(dsSchema),
    Array.from({ length: SCHEMA_IDS }, (_, i) => ({ ':db/id': -(i + 1), placeholder: i })),
  );
}

/** DataScript database of `ps`, transacted in chunks (as an app would import them). */
export function dsDbOf(ps: readonly Person[], chunk = 20_000) {
  let d = dsEmpty();
  for (let i = 0; i < ps.length; i += chunk) d = ds.db_with(d, ps.slice(i, i + chunk).map(dsEntity));
  return d;
}

export function cairnChunks(ps: readonly Person[], chunk: number): Record<string, unknown>[][] {
  const out: Record<string, unknown>[][] = [];
  for (let i = 0; i < ps.length; i += chunk) out.push(ps.slice(i, i + chunk).map(cairnEntity));
  return out;
}

export interface QuerySpec {
  readonly name: string;
  readonly cairn: string;
  readonly ds: string;
}

export const QUERIES: readonly QuerySpec[] = [
  { name: 'q1', cairn: '[:find ?e :where [?e :name "Ivan"]]', ds: '[:find ?e :where [?e "name" "Ivan"]]' },
  { name: 'q2', cairn: '[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a]]', ds: '[:find ?e ?a :where [?e "name" "Ivan"] [?e "age" ?a]]' },
  {
    name: 'q3',
    cairn: '[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a] [?e :sex :male]]',
    ds: '[:find ?e ?a :where [?e "name" "Ivan"] [?e "age" ?a] [?e "sex" ":male"]]',
  },
  {
    name: 'q4',
    cairn: '[:find ?e ?l ?a :where [?e :name "Ivan"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]',
    ds: '[:find ?e ?l ?a :where [?e "name" "Ivan"] [?e "last-name" ?l] [?e "age" ?a] [?e "sex" ":male"]]',
  },
];
export const Q4 = QUERIES[3] as QuerySpec;

/** The cold-start point query: one entity's attributes by id. */
export const POINT = {
  cairn: '[:find ?n ?a :in $ ?e :where [?e :name ?n] [?e :age ?a]]',
  ds: '[:find ?n ?a :in $ ?e :where [?e "name" ?n] [?e "age" ?a]]',
};

/** Canonical form of a relation for comparing engines: sorted rows of JSON, keywords bare. */
export function canon(rows: unknown): string {
  return JSON.stringify((rows as unknown[][]).map((r) => JSON.stringify(r.map((x) => (typeof x === 'string' && x.startsWith(':') ? x.slice(1) : x)))).sort());
}

/**
 * Run `f` as one console profile named `label` when `on`: with Chrome's Profiler domain enabled
 * over CDP (the runner's --profile), the profile of exactly this section comes back as a
 * Profiler.consoleProfileFinished event; otherwise nothing is recorded.
 */
export async function profiled<T>(on: boolean, label: string, f: () => Promise<T>): Promise<T> {
  if (!on) return f();
  console.profile(label);
  try {
    return await f();
  } finally {
    console.profileEnd(label);
  }
}
