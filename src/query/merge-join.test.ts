// Sorted merge joins on the entity (merge-join.ts): mergeByEntity against a plain nested loop
// on hand-built leaves, and queries whose joins take the merge path (rows ascending by entity)
// or the hash path (rows in any other order) against answers computed from the Db's own search,
// over many small leaves (branching factor 8), cardinality-many values that run across leaves,
// empty ranges, refs, and the history, as-of and since views.

import { beforeAll, describe, expect, it } from 'vitest';
import { asOf, history, since } from '../db/db.js';
import { emptyDb } from '../db/parts.js';
import type { Datom, Db } from '../db/types.js';
import type { KeyRuns } from '../indices/types.js';
import { withDb } from '../tx/index.js';
import { seededRandom } from '../util/random.js';
import { q } from './index.js';
import { ascendingIds, mergeByEntity } from './merge-join.js';
import { union } from './relation.js';

const datom = (e: number, v: unknown): Datom => ({ e, a: 'x', v, tx: 1, added: true }) as unknown as Datom;

/** Every (row index, datom) pair with equal entities (and value v when given), the slow way. */
function nested(runs: KeyRuns<Datom>, rows: number[][], v?: unknown): [number, Datom][] {
  const all: Datom[] = [];
  runs.arrays.forEach((a, n) => {
    const from = n === 0 ? runs.start : 0;
    const end = n === runs.arrays.length - 1 ? runs.end : a.length;
    for (let i = from; i < end; i++) all.push(a[i]!);
  });
  const out: [number, Datom][] = [];
  rows.forEach((r, i) => {
    for (const d of all) if (d.e === r[0] && (v === undefined || d.v === v)) out.push([i, d]);
  });
  return out;
}

function merged(runs: KeyRuns<Datom>, rows: number[][], v?: unknown): [number, Datom][] | false {
  const out: [number, Datom][] = [];
  if (!mergeByEntity(runs, rows, 0, v, undefined, 'datom', (i, d) => out.push([i, d as Datom]))) return false;
  // the other two forms hand out the same matches: no datom, or its value
  const rowsOnly: number[] = [];
  const values: unknown[] = [];
  mergeByEntity(runs, rows, 0, v, undefined, 'row', (i, x) => {
    expect(x).toBeUndefined();
    rowsOnly.push(i);
  });
  mergeByEntity(runs, rows, 0, v, undefined, 'value', (_, x) => values.push(x));
  expect(rowsOnly).toEqual(out.map(([i]) => i));
  expect(values).toEqual(out.map(([, d]) => d.v));
  return out;
}

describe('mergeByEntity', () => {
  it('finds the datoms of each row across leaf boundaries, skipping whole leaves', () => {
    const rnd = seededRandom(3);
    for (let round = 0; round < 200; round++) {
      // ascending entities, some with several values, cut into leaves of 1-6 datoms
      const ds: Datom[] = [];
      let e = 1;
      for (let k = 0; k < 40; k++) {
        e += rnd.int(4);
        const n = 1 + (rnd.int(5) === 0 ? rnd.int(9) : 0);
        for (let j = 0; j < n; j++) ds.push(datom(e, rnd.int(3)));
        e++;
      }
      const arrays: Datom[][] = [];
      for (let i = 0; i < ds.length; ) {
        const n = 1 + rnd.int(6);
        arrays.push(ds.slice(i, i + n));
        i += n;
      }
      const start = rnd.int(Math.min(3, arrays[0]!.length));
      const lastLen = arrays[arrays.length - 1]!.length;
      const runs: KeyRuns<Datom> = { arrays, start, end: arrays.length === 1 ? Math.max(start, lastLen - rnd.int(2)) : lastLen - rnd.int(lastLen) };
      // ascending rows (repeats allowed), some entities absent, some past the last datom
      const rows: number[][] = [];
      let x = rnd.int(3);
      while (x < e + 5) {
        rows.push([x]);
        if (rnd.int(6) === 0) rows.push([x]);
        x += 1 + rnd.int(5);
      }
      const v = rnd.int(3) === 0 ? rnd.int(3) : undefined;
      expect(ascendingIds(rows, 0)).toBe(new Set(rows.map((r) => r[0])).size);
      expect(merged(runs, rows, v)).toEqual(nested(runs, rows, v));
    }
  });

  it('answers nothing for empty runs or rows, and refuses leaves out of entity order', () => {
    expect(merged({ arrays: [], start: 0, end: 0 }, [[1], [2]])).toEqual([]);
    expect(merged({ arrays: [[datom(1, 0)]], start: 0, end: 1 }, [])).toEqual([]);
    expect(merged({ arrays: [[datom(1, 0), datom(2, 0)]], start: 1, end: 1 }, [[1], [2]])).toEqual([]);
    expect(merged({ arrays: [[datom(5, 0)], [datom(2, 0)]], start: 0, end: 1 }, [[2], [5]])).toBe(false);
  });

  it('tells rows that can drive a merge from rows that cannot', () => {
    expect(ascendingIds([[1], [1], [4]], 0)).toBe(2);
    expect(ascendingIds([[1], [4], [3]], 0)).toBe(-1);
    expect(ascendingIds([[1], ['a']], 0)).toBe(-1);
    expect(ascendingIds([], 0)).toBe(0);
  });
});

const SCHEMA = [
  { 'db/ident': 'name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'sex', 'db/valueType': 'db.type/keyword', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'nick', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'tag', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/many' },
  { 'db/ident': 'friend', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'city', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/index': true },
];
const NAMES = ['Ivan', 'Oleg', 'Petr'];
const N = 1200;

let db1: Db; // the persons
let db2: Db; // after renames, new ages and more tags
let tx1: number;

/** The values of `attr` of entity `e` in `db`, from the Db's own search. */
async function valuesOf(db: Db, e: number, attr: string): Promise<unknown[]> {
  return (await db.search(e, attr)).map((d) => d.v);
}

const sorted = (rows: unknown): string[] => (rows as unknown[][]).map((r) => JSON.stringify(r)).sort();

/** Rows [e, v] for the entities named `name` and each of their `attr` values. */
async function expectedPairs(db: Db, name: string, attr: string): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (const d of await db.search(undefined, 'name', name)) for (const v of await valuesOf(db, d.e, attr)) out.push([d.e, v]);
  return out;
}

beforeAll(async () => {
  const rnd = seededRandom(5);
  const schema = (await withDb(emptyDb({}, { branchingFactor: 8 }), SCHEMA)).dbAfter;
  const persons = Array.from({ length: N }, (_, i) => ({
    'db/id': `p${i}`,
    name: rnd.pick(NAMES),
    sex: rnd.pick([':male', ':female']),
    ...(rnd.int(4) === 0 ? {} : { age: rnd.int(60) }), // some persons have no age
    tag: Array.from({ length: rnd.int(5) === 0 ? 12 : rnd.int(3) }, (_, k) => `t${k}`), // up to 12 values: across leaves
    city: rnd.pick(['Kyiv', 'Oslo']),
  }));
  const r1 = await withDb(schema, persons);
  db1 = r1.dbAfter;
  tx1 = db1.maxTx;
  const es = (await db1.search(undefined, 'name')).map((d) => d.e);
  const edits: unknown[] = [];
  for (const e of es) {
    if (rnd.int(5) === 0) edits.push(['db/add', e, 'name', rnd.pick(NAMES)]);
    if (rnd.int(5) === 0) edits.push(['db/add', e, 'age', rnd.int(60)]);
    if (rnd.int(9) === 0) edits.push(['db/add', e, 'tag', 'late']);
    edits.push(['db/add', e, 'friend', rnd.pick(es)]);
  }
  db2 = (await withDb(db1, edits as never)).dbAfter;
});

describe('joins on the entity, merged or hashed', () => {
  it('q2-q4 shapes: each clause after the first joins rows ascending by entity', async () => {
    for (const db of [db1, db2]) {
      for (let round = 0; round < 3; round++) {
        // the first rounds read leaves without value lists, later ones with
        for (const name of NAMES) {
          expect(sorted(await q(`[:find ?e ?a :where [?e :name "${name}"] [?e :age ?a]]`, db))).toEqual(sorted(await expectedPairs(db, name, 'age')));
          expect(sorted(await q(`[:find ?e ?a :where [?e :age ?a] [?e :name "${name}"]]`, db))).toEqual(sorted(await expectedPairs(db, name, 'age')));
          const want: unknown[][] = [];
          for (const [e, a] of await expectedPairs(db, name, 'age')) {
            const [sex] = await valuesOf(db, e as number, 'sex');
            if (sex === ':male') for (const t of await valuesOf(db, e as number, 'tag')) want.push([e, a, t]);
          }
          const got = await q(`[:find ?e ?a ?t :where [?e :name "${name}"] [?e :age ?a] [?e :sex :male] [?e :tag ?t]]`, db);
          expect(sorted(got)).toEqual(sorted(want));
        }
      }
    }
  });

  it('cardinality-many values running across leaves, and a constant value among them', async () => {
    expect(sorted(await q('[:find ?e ?t :where [?e :name "Ivan"] [?e :tag ?t]]', db2))).toEqual(sorted(await expectedPairs(db2, 'Ivan', 'tag')));
    const late = (await expectedPairs(db2, 'Oleg', 'tag')).filter(([, t]) => t === 'late' || t === 't11').map(([e, t]) => [e, t]);
    const got = [
      ...((await q('[:find ?e :where [?e :name "Oleg"] [?e :tag "late"]]', db2)) as unknown[][]).map(([e]) => [e, 'late']),
      ...((await q('[:find ?e :where [?e :name "Oleg"] [?e :tag "t11"]]', db2)) as unknown[][]).map(([e]) => [e, 't11']),
    ];
    expect(sorted(got)).toEqual(sorted(late));
  });

  it('a pattern with blanks keeps each bound row once (a semi-join), merged or hashed', async () => {
    const ivans = (await db2.search(undefined, 'name', 'Ivan')).map((d) => d.e);
    const having = async (attr: string, v?: string): Promise<number[]> => {
      const out: number[] = [];
      for (const e of ivans) if ((await db2.search(e, attr, v)).length > 0) out.push(e);
      return out.sort((a, b) => a - b);
    };
    const ids = (rows: unknown): number[] => (rows as number[][]).map((r) => r[0]!).sort((a, b) => a - b);
    for (let round = 0; round < 2; round++) {
      expect(ids(await q('[:find ?e :where [?e :name "Ivan"] [?e :tag _]]', db2))).toEqual(await having('tag'));
      expect(ids(await q('[:find ?e :where [?e :name "Ivan"] [?e :age _]]', db2))).toEqual(await having('age'));
      expect(ids(await q('[:find ?e :where [?e :name "Ivan"] [?e :tag "t3" _]]', db2))).toEqual(await having('tag', 't3'));
      // after a join that binds ?a too: each Ivan with an age and a tag, once
      const tagged = new Set(await having('tag'));
      const want = (await having('age')).filter((e) => tagged.has(e));
      expect(ids(await q('[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a] [?e :tag _]]', db2))).toEqual(want);
    }
    const shuffled = ivans.slice().reverse();
    expect(ids(await q('[:find ?e :in $ [?e ...] :where [?e :tag _]]', db2, shuffled))).toEqual(await having('tag'));
  });

  it('empty ranges: an attribute nobody has, a value nobody has', async () => {
    expect(await q('[:find ?e ?n :where [?e :name "Ivan"] [?e :nick ?n]]', db2)).toEqual([]);
    expect(await q('[:find ?e :where [?e :name "Ivan"] [?e :tag "none"]]', db2)).toEqual([]);
    expect(await q('[:find ?e :where [?e :name "Nobody"] [?e :age ?a]]', db2)).toEqual([]);
  });

  it('entities from :in in ascending order (merged) and shuffled (hashed) give the same rows', async () => {
    const rnd = seededRandom(9);
    const ids = (await db2.search(undefined, 'sex', ':female')).map((d) => d.e);
    const shuffled = ids.slice();
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rnd.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const want: unknown[][] = [];
    for (const e of ids) for (const a of await valuesOf(db2, e, 'age')) want.push([e, a]);
    for (const input of [ids, shuffled, [...ids, ...ids.slice(0, 50)].sort((a, b) => a - b)]) {
      expect(sorted(await q('[:find ?e ?a :in $ [?e ...] :where [?e :age ?a]]', db2, input))).toEqual(sorted(want));
    }
  });

  it('an entity bound to ref values (the friend of each Ivan)', async () => {
    const want: unknown[][] = [];
    for (const d of await db2.search(undefined, 'name', 'Ivan')) {
      const [f] = await valuesOf(db2, d.e, 'friend');
      for (const a of await valuesOf(db2, f as number, 'age')) want.push([d.e, f, a]);
    }
    expect(sorted(await q('[:find ?e ?f ?a :where [?e :name "Ivan"] [?e :friend ?f] [?f :age ?a]]', db2))).toEqual(sorted(want));
  });

  it('not: the rows whose entity has no datom of the negated pattern', async () => {
    const want: unknown[][] = [];
    for (const d of await db2.search(undefined, 'name', 'Ivan')) if ((await valuesOf(db2, d.e, 'sex'))[0] !== ':male') want.push([d.e]);
    for (let round = 0; round < 3; round++) expect(sorted(await q('[:find ?e :where [?e :name "Ivan"] (not [?e :sex :male])]', db2))).toEqual(sorted(want));
  });

  it('an AVET range (indexed value) drives the merge as well', async () => {
    const want: unknown[][] = [];
    for (const d of await db2.search(undefined, 'city', 'Oslo')) for (const a of await valuesOf(db2, d.e, 'age')) want.push([d.e, a]);
    expect(sorted(await q('[:find ?e ?a :where [?e :city "Oslo"] [?e :age ?a]]', db2))).toEqual(sorted(want));
  });

  it('a database with attribute refs (datoms renamed per read) answers as the plain one', async () => {
    const refs = (await withDb(emptyDb({ attributeRefs: true }, { branchingFactor: 8 }), SCHEMA)).dbAfter;
    const plain = (await withDb(emptyDb({}, { branchingFactor: 8 }), SCHEMA)).dbAfter;
    const rnd = seededRandom(13);
    const persons = Array.from({ length: 300 }, () => ({ name: rnd.pick(NAMES), sex: rnd.pick([':male', ':female']), age: rnd.int(60), tag: ['a', 'b'] }));
    const [r, p] = [(await withDb(refs, persons)).dbAfter, (await withDb(plain, persons)).dbAfter];
    const byName = async (d: Db): Promise<string[]> => {
      const rows = (await q('[:find ?n ?a ?t :where [?e :name "Ivan"] [?e :sex :male] [?e :age ?a] [?e :tag ?t] [?e :name ?n]]', d)) as unknown[][];
      return sorted(rows);
    };
    const [gotRefs, gotPlain] = [await byName(r), await byName(p)];
    expect(gotRefs.length).toBeGreaterThan(0);
    expect(gotRefs).toEqual(gotPlain);
  });

  it('as-of, since and history views answer from their own datoms', async () => {
    const old = asOf(db2, tx1);
    expect(sorted(await q('[:find ?e ?a :where [?e :name "Oleg"] [?e :age ?a]]', old))).toEqual(sorted(await expectedPairs(db1, 'Oleg', 'age')));
    // since tx1: only the later edits' datoms (renames, new ages, late tags)
    const late = since(db2, tx1);
    expect(sorted(await q('[:find ?e ?a :where [?e :name "Petr"] [?e :age ?a]]', late))).toEqual(sorted(await expectedPairs(late, 'Petr', 'age')));
    expect(((await q('[:find ?e ?a :where [?e :name ?n] [?e :age ?a]]', late)) as unknown[]).length).toBeGreaterThan(0);
    // history: every age ever asserted or retracted for the persons ever named Ivan
    const h = history(db2);
    const want = new Set<string>();
    for (const d of await h.search(undefined, 'name', 'Ivan')) for (const a of await h.search(d.e, 'age')) want.add(JSON.stringify([d.e, a.v, a.added]));
    const got = (await q('[:find ?e ?a ?added :where [?e :name "Ivan"] [?e :age ?a _ ?added]]', h)) as unknown[][];
    expect(got.map((r) => JSON.stringify(r)).sort()).toEqual([...want].sort());
  });
});

describe('union of ascending one-column relations (or over entities)', () => {
  it('merges them distinct and ascending, as the hash set would, and falls back for other rows', () => {
    const rel = (rows: unknown[][], vars = ['?x']) => ({ vars, rows });
    const setOf = (rows: readonly unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
    const a = rel([[1], [3], [3], [7], [Infinity]]);
    const b = rel(
      [
        [9, 2],
        [9, 3],
        [9, 8],
        [9, Infinity],
      ],
      ['?y', '?x'],
    );
    const u = union(['?x'], [a, b]);
    expect(u.rows).toEqual([[1], [2], [3], [7], [8], [Infinity]]);
    expect(union(['?x'], [b, a]).rows).toEqual(u.rows);
    const mixed = union(['?x'], [a, rel([['s'], [3]])]);
    expect(setOf(mixed.rows)).toEqual(setOf([[1], [3], [7], [Infinity], ['s']]));
    const unsorted = union(['?x'], [rel([[5], [2]]), rel([[2], [1]])]);
    expect(setOf(unsorted.rows)).toEqual(setOf([[5], [2], [1]]));
    expect(union(['?x'], []).rows).toEqual([]);
  });

  it('answers or queries over one attribute as the Db search does', async () => {
    const want = new Set<number>();
    for (const n of ['Ivan', 'Oleg']) for (const d of await db2.search(undefined, 'name', n)) want.add(d.e);
    for (let round = 0; round < 3; round++) {
      const got = (await q('[:find ?e :where (or [?e :name "Ivan"] [?e :name "Oleg"])]', db2)) as number[][];
      expect(got.map((r) => r[0]).sort((x, y) => x! - y!)).toEqual([...want].sort((x, y) => x - y));
      expect(new Set(got.map((r) => r[0])).size).toBe(got.length);
    }
  });
});
