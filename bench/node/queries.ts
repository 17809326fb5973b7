// Query issue benchmark: the classic DataScript query workloads on the people dataset, CairnDB
// against DataScript in the same process. Results are counted and checked equal first, so a
// fast wrong answer cannot pass.

import ds from 'datascript';
import { connect, createDatabase, db, pullMany, q, transact, type Db } from '../../src/index.js';
import { cairnEntity, cairnSchema, dsEntity, dsSchema, people, type Person } from '../people.js';
import { compareAlternating as compare, type Comparison } from '../harness.js';
import { seededRandom } from '../../src/util/random.js';

const PERSONS = 20_000;

export { WORKLOADS, type Workload } from '../query-workloads.js';
import { FOLLOWS_RULES_CAIRN, FOLLOWS_RULES_DS, WORKLOADS } from '../query-workloads.js';

/** Canonical form of a relation for comparing engines: sorted rows of JSON. */
function canon(rows: unknown): string[] {
  return (rows as unknown[][]).map((r) => JSON.stringify(r.map((x) => (typeof x === 'string' && x.startsWith(':') ? x.slice(1) : x)))).sort();
}

/** A k-ary tree of `follows` refs `depth` levels deep, as tx data for both engines. */
export function followsTree(k: number, depth: number, base: number): { cairn: unknown[]; ds: unknown[]; pairs: number } {
  const cairn: unknown[] = [],
    dsTx: unknown[] = [];
  let next = base,
    pairs = 0;
  const grow = (id: number, level: number) => {
    if (level === depth) return;
    for (let i = 0; i < k; i++) {
      const child = ++next;
      pairs += level + 1;
      cairn.push(['db/add', -id, 'follows', -child], ['db/add', -child, 'name', `n${child}`]);
      dsTx.push([':db/add', -id, 'follows', -child], [':db/add', -child, 'name', `n${child}`]);
      grow(child, level + 1);
    }
  };
  cairn.push(['db/add', -base, 'name', 'root']);
  dsTx.push([':db/add', -base, 'name', 'root']);
  grow(base, 0);
  return { cairn, ds: dsTx, pairs };
}

export async function cairnDb(tx: readonly unknown[][]): Promise<Db> {
  const config = { store: { backend: 'memory', id: `bench-q-${Math.floor(performance.now() * 1000)}` } };
  await createDatabase(config);
  const conn = await connect(config);
  await transact(conn, cairnSchema);
  for (const t of tx) await transact(conn, t);
  return db(conn);
}

// CairnDB's schema entities take ids 1..6; DataScript gets 6 placeholder entities so that both
// engines give every person the same entity id and results compare directly.
const SCHEMA_IDS = cairnSchema.length;
export function dsEmpty() {
  return ds.db_with(
    ds.empty_db(dsSchema),
    Array.from({ length: SCHEMA_IDS }, (_, i) => ({ ':db/id': -(i + 1), placeholder: i })),
  );
}

const eid = (id: number) => SCHEMA_IDS + id;

/** The people database of the query workloads in both engines (same entity ids). */
export async function peopleDbs(): Promise<{ ps: Person[]; cdb: Db; dsdb: ReturnType<typeof ds.db_with> }> {
  const ps = people(PERSONS);
  const rnd = seededRandom(7);
  const follow = ps.slice(0, 1000).map((p) => ({ from: eid(p.id), to: eid(1 + rnd.int(PERSONS)) }));
  const cdb = await cairnDb([ps.map(cairnEntity), follow.map((f) => ['db/add', f.from, 'follows', f.to])]);
  const dsdb = ds.db_with(
    ds.db_with(dsEmpty(), ps.map(dsEntity)),
    follow.map((f) => [':db/add', f.from, 'follows', f.to]),
  );
  return { ps, cdb, dsdb };
}

export async function queryBenchmarks(): Promise<Comparison[]> {
  const { ps, cdb, dsdb } = await peopleDbs();
  if ((await q('[:find ?e . :where [?e :name]]', cdb)) === undefined) throw new Error('no persons loaded');
  const rows: Comparison[] = [];

  for (const w of WORKLOADS) {
    const mine = await q(w.cairn, cdb, ...(w.inputs ?? []));
    const theirs = ds.q(w.ds, dsdb, ...(w.inputs ?? []));
    const [a, b] = [canon(mine), canon(theirs)];
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${w.name}: CairnDB and DataScript disagree (${a.length} vs ${b.length} rows)`);
    rows.push(
      await compare(
        `${w.name} (${a.length} rows)`,
        () => q(w.cairn, cdb, ...(w.inputs ?? [])),
        () => ds.q(w.ds, dsdb, ...(w.inputs ?? [])),
        { target: w.target, iterations: 30 },
      ),
    );
  }

  for (const [k, depth] of [
    [3, 3],
    [3, 7],
  ] as const) {
    const tree = followsTree(k, depth, 100_000);
    const ctree = await cairnDb([tree.cairn as unknown[][]].map((t) => t as unknown[]));
    const dtree = ds.db_with(dsEmpty(), tree.ds);
    const cq = `[:find ?e1 ?e2 :in $ % :where (follows ?e1 ?e2)]`;
    const mine = (await q(cq, ctree, FOLLOWS_RULES_CAIRN)) as unknown[];
    const theirs = ds.q(cq, dtree, FOLLOWS_RULES_DS) as unknown[];
    if (mine.length !== tree.pairs || theirs.length !== tree.pairs)
      throw new Error(`follows ${k}x${depth}: expected ${tree.pairs} rows, got ${mine.length} / ${theirs.length}`);
    rows.push(
      await compare(
        `recursive rule follows ${k}x${depth} (${tree.pairs} rows)`,
        () => q(cq, ctree, FOLLOWS_RULES_CAIRN),
        () => ds.q(cq, dtree, FOLLOWS_RULES_DS),
        { target: 20, iterations: depth > 5 ? 9 : 30, warmup: depth > 5 ? 1 : 3 },
      ),
    );
  }

  const ids = ps.slice(0, 1000).map((p) => eid(p.id));
  const star = await pullMany(cdb, '[*]', ids);
  if (star.length !== 1000 || star.some((x) => x === null)) throw new Error('pull-many [*]: missing entities');
  rows.push(
    await compare(
      'pull-many 1,000 persons [*]',
      () => pullMany(cdb, '[*]', ids),
      () => ds.pull_many(dsdb, '[*]', ids),
      { target: 3, iterations: 30 },
    ),
  );
  rows.push(
    await compare(
      'pull-many 1,000 nested {follows [...]}',
      () => pullMany(cdb, '[:name :age {:follows [:name :last-name]}]', ids),
      () => ds.pull_many(dsdb, '["name" "age" {"follows" ["name" "last-name"]}]', ids),
      { target: 3, iterations: 30 },
    ),
  );
  return rows;
}
