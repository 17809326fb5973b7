// The floor of the query benchmark: q1-q4 as hand-written loops over one plain array of the
// same datoms sorted like AVET (attribute, value, entity) — binary search for each attribute or
// attribute+value range, a Set or Map for each join on the entity — which no query engine can
// beat in JS. Reported as CairnDB / floor, beside the same queries on CairnDB with every
// attribute in AVET (the index the floor has; the benchmark schema indexes none of them).

import { createDatabase, connect, db, q, transact, type Db } from '../../src/index.js';
import type { Datom } from '../../src/db/types.js';
import { compareAlternating } from '../harness.js';
import { cairnEntity, cairnSchema, type Person } from '../people.js';
import { WORKLOADS } from './queries.js';

export interface FloorRow {
  readonly workload: string;
  readonly cairnMs: number;
  readonly floorMs: number;
  /** CairnDB / floor (target: <= 3). */
  readonly ratio: number;
  readonly target: number;
  /** Median CPU times per call and their ratio (the verdict: wall time on a loaded machine is mostly waiting). */
  readonly cairnCpuMs: number;
  readonly floorCpuMs: number;
  readonly cpuRatio: number;
}

type Avet = readonly Datom[];

const cmpAV = (d: Datom, a: string, v: unknown): number =>
  d.a < a
    ? -1
    : d.a > a
      ? 1
      : v === undefined
        ? 0
        : (d.v as string | number) < (v as string | number)
          ? -1
          : (d.v as string | number) > (v as string | number)
            ? 1
            : 0;

/** [lo, hi) of the datoms with attribute `a` (and value `v` when given): two binary searches. */
function range(avet: Avet, a: string, v?: unknown): [number, number] {
  let lo = 0,
    hi = avet.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (cmpAV(avet[m]!, a, v) < 0) lo = m + 1;
    else hi = m;
  }
  const start = lo;
  hi = avet.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (cmpAV(avet[m]!, a, v) <= 0) lo = m + 1;
    else hi = m;
  }
  return [start, lo];
}

function entities(avet: Avet, a: string, v: unknown, within?: Set<number>): Set<number> {
  const [lo, hi] = range(avet, a, v);
  const s = new Set<number>();
  for (let i = lo; i < hi; i++) {
    const e = avet[i]!.e;
    if (within === undefined || within.has(e)) s.add(e);
  }
  return s;
}

/** [e, age] of the entities in `of`: one pass over the :age range, a Set probe per datom. */
function ageRows(avet: Avet, of: Set<number>): unknown[][] {
  const [lo, hi] = range(avet, 'age');
  const rows: unknown[][] = [];
  for (let i = lo; i < hi; i++) {
    const d = avet[i]!;
    if (of.has(d.e)) rows.push([d.e, d.v]);
  }
  return rows;
}

const FLOORS: Record<string, (avet: Avet) => unknown[][]> = {
  q1(avet) {
    const [lo, hi] = range(avet, 'name', 'Ivan');
    const rows: unknown[][] = [];
    for (let i = lo; i < hi; i++) rows.push([avet[i]!.e]);
    return rows;
  },
  q2: (avet) => ageRows(avet, entities(avet, 'name', 'Ivan')),
  q3: (avet) => ageRows(avet, entities(avet, 'sex', ':male', entities(avet, 'name', 'Ivan'))),
  q4(avet) {
    const men = entities(avet, 'sex', ':male', entities(avet, 'name', 'Ivan'));
    const last = new Map<number, unknown>();
    const [llo, lhi] = range(avet, 'last-name');
    for (let i = llo; i < lhi; i++) {
      const d = avet[i]!;
      if (men.has(d.e)) last.set(d.e, d.v);
    }
    const [lo, hi] = range(avet, 'age');
    const rows: unknown[][] = [];
    for (let i = lo; i < hi; i++) {
      const d = avet[i]!;
      const l = last.get(d.e);
      if (l !== undefined) rows.push([d.e, l, d.v]);
    }
    return rows;
  },
};

const canon = (rows: unknown): string => JSON.stringify((rows as unknown[][]).map((r) => JSON.stringify(r)).sort());

/** The people with every attribute in AVET (db/index true), for the like-for-like row. */
async function indexedDb(ps: readonly Person[]): Promise<Db> {
  const config = { store: { backend: 'memory', id: `bench-floor-${Math.floor(performance.now() * 1000)}` } };
  await createDatabase(config);
  const conn = await connect(config);
  await transact(
    conn,
    cairnSchema.map((a) => ({ ...a, 'db/index': true })),
  );
  await transact(conn, ps.map(cairnEntity));
  return db(conn);
}

export async function floorBenchmarks(cdb: Db, ps: readonly Person[]): Promise<FloorRow[]> {
  const attrs = new Set(['name', 'last-name', 'sex', 'age', 'salary']);
  const avet = ((await cdb.datoms('eavt')) as Datom[]).filter((d) => attrs.has(d.a)).sort((x, y) => cmpAV(x, y.a, y.v) || x.e - y.e);
  const idb = await indexedDb(ps);
  const rows: FloorRow[] = [];
  for (const name of ['q1', 'q2', 'q3', 'q4']) {
    const w = WORKLOADS.find((x) => x.name === name)!;
    const floor = FLOORS[name]!;
    for (const [label, d] of [
      ['', cdb],
      [', every attribute in AVET', idb],
    ] as const) {
      const mine = await q(w.cairn, d);
      const theirs = floor(avet);
      if (canon(mine) !== canon(theirs)) throw new Error(`${name}: CairnDB and the floor disagree`);
      const c = await compareAlternating(
        `${name}${label} (${theirs.length} rows)`,
        () => q(w.cairn, d),
        () => floor(avet),
        { iterations: 40, warmup: 5 },
      );
      rows.push({
        workload: c.workload,
        cairnMs: c.cairnMs,
        floorMs: c.datascriptMs,
        ratio: c.cairnMs / c.datascriptMs,
        target: 3,
        cairnCpuMs: c.cairnCpuMs!,
        floorCpuMs: c.datascriptCpuMs!,
        cpuRatio: c.cairnCpuMs! / c.datascriptCpuMs!,
      });
    }
  }
  return rows;
}

export function printFloor(rows: readonly FloorRow[]): void {
  console.log('\n== floor (hand-written loops over one AVET-sorted array) ==');
  console.log(
    `${'workload'.padEnd(44)} ${'CairnDB ms'.padStart(11)} ${'floor ms'.padStart(10)} ${'cairn/floor'.padStart(12)} ${'cpu: CairnDB'.padStart(12)} ${'floor'.padStart(8)} ${'ratio'.padStart(7)}  target (cpu)`,
  );
  for (const r of rows) {
    const verdict = `${r.cpuRatio <= r.target ? 'met' : 'MISSED'} (<= ${r.target}x)`;
    console.log(
      `${r.workload.padEnd(44)} ${r.cairnMs.toFixed(3).padStart(11)} ${r.floorMs.toFixed(3).padStart(10)} ${`${r.ratio.toFixed(2)}x`.padStart(12)} ${r.cairnCpuMs.toFixed(3).padStart(12)} ${r.floorCpuMs.toFixed(3).padStart(8)} ${`${r.cpuRatio.toFixed(2)}x`.padStart(7)}  ${verdict}`,
    );
  }
}
