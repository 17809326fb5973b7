// Differential test against DataScript: seeded random datasets (refs and card-many included)
// and seeded random queries (joins, constants, predicates, functions, not, or, a recursive
// rule, aggregates, :with bags, collection sources, pull in :find), clauses in random order to exercise the planner. CairnDB runs on a real
// Db built with withDb; both engines must return the same set. A failure prints its seed.

import ds from 'datascript';
import { describe, expect, it } from 'vitest';
import { emptyDb } from '../db/parts.js';
import type { Db } from '../db/types.js';
import { withDb } from '../tx/index.js';
import { type Random, seededRandom } from '../util/random.js';
import { q } from './index.js';

const ATTRS = [
  { 'db/ident': 'name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/index': true },
  { 'db/ident': 'age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'tag', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/many' },
  { 'db/ident': 'friend', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
  { 'db/ident': 'parent', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
];
const DS_SCHEMA = {
  tag: { ':db/cardinality': ':db.cardinality/many' },
  friend: { ':db/valueType': ':db.type/ref', ':db/cardinality': ':db.cardinality/many' },
  parent: { ':db/valueType': ':db.type/ref' },
};
const NAMES = ['Ann', 'Bob', 'Cid', 'Dee', 'Eve'];
const TAGS = ['x', 'y', 'z'];

interface Dataset {
  cairn: Db;
  ds: unknown;
  ids: number[];
}

async function dataset(rnd: Random): Promise<Dataset> {
  const n = 6 + rnd.int(20);
  let cairn = (await withDb(emptyDb(), ATTRS)).dbAfter;
  // DataScript gets placeholders for the schema entities so both engines number people alike.
  let d = ds.db_with(
    ds.empty_db(DS_SCHEMA),
    ATTRS.map((_, i) => ({ ':db/id': -(i + 1), placeholder: i })),
  );
  const people = Array.from({ length: n }, (_, i) => {
    const p: Record<string, unknown> = { name: rnd.pick(NAMES), age: rnd.int(8) };
    if (rnd.int(3) > 0) p.tag = Array.from(new Set(Array.from({ length: 1 + rnd.int(2) }, () => rnd.pick(TAGS))));
    return { i, p };
  });
  cairn = (
    await withDb(
      cairn,
      people.map(({ i, p }) => ({ 'db/id': -(i + 1), ...p })),
    )
  ).dbAfter;
  d = ds.db_with(
    d,
    people.map(({ i, p }) => ({ ':db/id': -(i + 1), ...p })),
  );
  const ids = people.map(({ i }) => ATTRS.length + i + 1);
  const refs: [string, number, string, number][] = [];
  for (const e of ids) {
    for (let k = rnd.int(3); k > 0; k--) refs.push(['add', e, 'friend', rnd.pick(ids)]);
    if (rnd.int(2) === 0) refs.push(['add', e, 'parent', rnd.pick(ids)]);
  }
  const seen = new Set<string>();
  const uniq = refs.filter((r) => (r[2] === 'parent' ? !seen.has(`${r[1]}p`) && seen.add(`${r[1]}p`) : true));
  if (uniq.length > 0) {
    cairn = (
      await withDb(
        cairn,
        uniq.map(([, e, a, v]) => ['db/add', e, a, v]),
      )
    ).dbAfter;
    d = ds.db_with(
      d,
      uniq.map(([, e, a, v]) => [':db/add', e, a, v]),
    );
  }
  return { cairn, ds: d, ids };
}

/** A query in both dialects: CairnDB attributes are keywords, DataScript's JS ones strings. */
interface Gen {
  find: string;
  findD?: string;
  clauses: ((dialect: 'c' | 'd') => string)[];
  rules?: boolean;
  inputs?: unknown[];
  in?: string;
}

const a =
  (name: string) =>
  (dialect: 'c' | 'd'): string =>
    dialect === 'c' ? `:${name}` : `"${name}"`;
const pat =
  (e: string, attr: string, v: string) =>
  (dl: 'c' | 'd'): string =>
    `[${e} ${a(attr)(dl)} ${v}]`;
const raw = (text: string) => (): string => text;
const str = (s: string): string => JSON.stringify(s);

const RULES = {
  c: '[[(reach ?a ?b) [?a :friend ?b]] [(reach ?a ?b) [?a :friend ?x] (reach ?x ?b)] [(anc ?a ?d) [?d :parent ?a]] [(anc ?a ?d) [?d :parent ?x] (anc ?a ?x)] [(up ?a ?b) [?a :friend ?b] [?b :age ?x] [(> ?x 2)]] [(up ?a ?b) [?a :friend ?t] [?t :age ?y] [(> ?y 2)] (up ?t ?b)]]',
  d: '[[(reach ?a ?b) [?a "friend" ?b]] [(reach ?a ?b) [?a "friend" ?x] (reach ?x ?b)] [(anc ?a ?d) [?d "parent" ?a]] [(anc ?a ?d) [?d "parent" ?x] (anc ?a ?x)] [(up ?a ?b) [?a "friend" ?b] [?b "age" ?x] [(> ?x 2)]] [(up ?a ?b) [?a "friend" ?t] [?t "age" ?y] [(> ?y 2)] (up ?t ?b)]]',
};

function randomQuery(rnd: Random, ids: readonly number[]): Gen {
  const name = (): string => str(rnd.pick(NAMES));
  const age = () => String(rnd.int(8));
  const op = () => rnd.pick(['<', '>', '<=', '>=', 'not=', '=']);
  // Constants are drawn once per query, outside the clause closures, so both dialects agree.
  const n1 = name();
  const a1 = age();
  const a2 = age();
  const o1 = op();
  const o2 = op();
  const t1 = str(rnd.pick(TAGS));
  const start = rnd.pick(ids);
  const names = [rnd.pick(NAMES), rnd.pick(NAMES)];
  const bonus = ids.filter(() => rnd.int(2) === 0).map((e) => [e, 'age', rnd.int(8)]);
  const templates: (() => Gen)[] = [
    () => ({ find: '?e', clauses: [pat('?e', 'name', n1)] }),
    () => ({ find: '?e ?v', clauses: [pat('?e', 'name', n1), pat('?e', 'age', '?v')] }),
    () => ({ find: '?e ?t', clauses: [pat('?e', 'tag', '?t'), pat('?e', 'age', a1)] }),
    () => ({ find: '?n', clauses: [pat('?e', 'friend', '?f'), pat('?f', 'name', '?n'), pat('?e', 'age', a1)] }),
    () => ({ find: '?e1 ?e2', clauses: [pat('?e1', 'age', '?x'), pat('?e2', 'age', '?x'), pat('?e1', 'name', n1), raw('[(< ?e1 ?e2)]')] }),
    () => ({ find: '?e ?x', clauses: [pat('?e', 'age', '?x'), raw(`[(${o1} ?x ${a1})]`)] }),
    () => ({ find: '?e ?y', clauses: [pat('?e', 'age', '?x'), raw(`[(+ ?x ${a1}) ?y]`), raw(`[(${o2} ?y 6)]`)] }),
    () => ({ find: '?e', clauses: [pat('?e', 'name', '_'), (dl) => `(not ${pat('?e', 'friend', '?f')(dl)} ${pat('?f', 'age', a1)(dl)})`] }),
    () => ({ find: '?e', clauses: [pat('?e', 'age', '?x'), (dl) => `(not-join [?e] ${pat('?e', 'tag', t1)(dl)})`] }),
    () => ({ find: '?e', clauses: [(dl) => `(or ${pat('?e', 'name', n1)(dl)} ${pat('?e', 'age', a1)(dl)})`] }),
    () => ({
      find: '?e ?n',
      clauses: [
        pat('?e', 'name', '?n'),
        (dl) => `(or-join [?e] (and ${pat('?e', 'friend', '?f')(dl)} ${pat('?f', 'name', n1)(dl)}) ${pat('?e', 'tag', t1)(dl)})`,
      ],
    }),
    () => ({ find: '?b', rules: true, clauses: [raw(`(reach ${start} ?b)`)] }),
    () => ({ find: '?a ?b', rules: true, clauses: [raw('(reach ?a ?b)')] }),
    () => ({ find: '?b', rules: true, clauses: [raw(`(up ${start} ?b)`)] }),
    () => ({ find: '?a', rules: true, clauses: [raw(`(up ?a ${start})`)] }),
    () => ({ find: '?a ?b', rules: true, clauses: [pat('?a', 'name', n1), raw('(up ?a ?b)')] }),
    () => ({ find: '?a ?n', rules: true, clauses: [raw('(anc ?a ?d)'), pat('?d', 'name', '?n'), pat('?a', 'age', a1)] }),
    () => ({ find: '?a ?n', rules: true, clauses: [pat('?a', 'name', n1), raw('(reach ?a ?b)'), pat('?b', 'name', '?n'), raw(`[(not= ?n "${names[0]}")]`)] }),
    () => ({ find: '?n (count ?e)', clauses: [pat('?e', 'name', '?n')] }),
    () => ({ find: '(sum ?x) (min ?x) (max ?x) (count-distinct ?x) (count ?x)', clauses: [pat('?e', 'age', '?x')], in: ':with ?e' }),
    () => ({ find: '?t (count ?e) (max ?x) (sum ?x)', clauses: [pat('?e', 'tag', '?t'), pat('?e', 'age', '?x')] }),
    () => ({ find: '?e ?v', in: ':in $ [?n ...]', inputs: [names], clauses: [pat('?e', 'name', '?n'), pat('?e', 'age', '?v')] }),
    () => ({ find: '?e ?s', clauses: [pat('?e', 'name', '?n'), raw('[(str ?n "-") ?s]'), raw('[(count ?s) ?c]'), raw(`[(> ?c ${Number(a2) % 5})]`)] }),
    () => ({ find: '?e ?f', clauses: [pat('?e', 'friend', '?f'), pat('?f', 'friend', '?e'), raw('[(< ?e ?f)]')] }),
    () => ({ find: '?p ?c', clauses: [pat('?c', 'parent', '?p'), pat('?p', 'age', '?x'), pat('?c', 'age', '?y'), raw('[(> ?x ?y)]')] }),
    // :with keeps the bag
    () => ({ find: '?x', in: ':with ?e', clauses: [pat('?e', 'age', '?x')] }),
    () => ({ find: '?t ?x', in: ':with ?e', clauses: [pat('?e', 'tag', '?t'), pat('?e', 'age', '?x'), raw(`[(${o1} ?x ${a1})]`)] }),
    () => ({ find: '?n', in: ':with ?f', clauses: [pat('?e', 'friend', '?f'), pat('?e', 'name', '?n')] }),
    () => ({ find: '(min 2 ?x) (max 3 ?x) (count ?x)', in: ':with ?e', clauses: [pat('?e', 'age', '?x')] }),
    () => ({ find: '?n (min 2 ?x) (count ?x)', in: ':with ?e', clauses: [pat('?e', 'name', '?n'), pat('?e', 'age', '?x')] }),
    // a collection of tuples as a second source ([e a v], attribute written colon-less)
    () => ({
      find: '?e ?b',
      in: ':in $ $c',
      inputs: [bonus],
      clauses: [pat('?e', 'name', n1), (dl) => `[$c ?e ${a('age')(dl)} ?b]`],
    }),
    () => ({
      find: '?n ?b',
      in: ':in $ $c',
      inputs: [bonus],
      clauses: [(dl) => `[$c ?e ${a('age')(dl)} ?b]`, pat('?e', 'name', '?n'), pat('?e', 'age', '?x'), raw(`[(${o2} ?b ?x)]`)],
    }),
    () => ({ find: '?e ?v', in: ':in $ $c', inputs: [bonus], clauses: [(dl) => `[$c ?e ${a('age')(dl)} ?v]`, raw(`[(${o1} ?v ${a1})]`)] }),
    // pull in :find, nested through refs
    () => ({
      find: '?e (pull ?e [:name {:friend [:name :age]} {:parent [:name {:parent [:age]}]}])',
      findD: '?e (pull ?e ["name" {"friend" ["name" "age"]} {"parent" ["name" {"parent" ["age"]}]}])',
      clauses: [pat('?e', 'age', a1)],
    }),
    () => ({
      find: '?e (pull ?e [:name {:_friend [:name]} {:friend [:nothing]}])',
      findD: '?e (pull ?e ["name" {"_friend" ["name"]} {"friend" ["nothing"]}])',
      clauses: [pat('?e', 'name', n1)],
    }),
  ];
  return rnd.pick(templates)();
}

// CairnDB gets the clauses shuffled (its planner must not care); DataScript evaluates them as
// written, so it gets the template's order, which binds variables before they are used.
function render(g: Gen, dl: 'c' | 'd', rnd: Random | null): string {
  const written = g.clauses.map((c) => c(dl));
  const clauses = rnd === null ? written : rnd.shuffle(written);
  const extra = g.in ?? '';
  const ins = g.rules ? ':in $ %' : extra.startsWith(':in') ? extra : '';
  const withPart = extra.startsWith(':with') ? extra : '';
  return `[:find ${dl === 'd' && g.findD !== undefined ? g.findD : g.find} ${withPart} ${ins} :where ${clauses.join(' ')}]`;
}

// JSON with object keys sorted (key order is not part of a pull result), rows order-free
const json = (x: unknown): string =>
  JSON.stringify(x, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([p], [r]) => (p < r ? -1 : p > r ? 1 : 0))) : v,
  );
const canon = (x: unknown): string => (Array.isArray(x) ? JSON.stringify(x.map((r) => json(r)).sort()) : json(x));

describe('differential: CairnDB vs DataScript', () => {
  for (let seed = 1; seed <= 20; seed++) {
    it(`dataset seed ${seed}`, async () => {
      const rnd = seededRandom(seed);
      const data = await dataset(rnd);
      for (let k = 0; k < 30; k++) {
        const g = randomQuery(rnd, data.ids);
        const order = seededRandom(seed * 1000 + k);
        const cq = render(g, 'c', order);
        const dq = render(g, 'd', null);
        const extra = g.rules ? [RULES] : (g.inputs ?? []);
        const mine = await q(cq, data.cairn, ...(g.rules ? [RULES.c] : extra));
        const theirs = ds.q(dq, data.ds, ...(g.rules ? [RULES.d] : extra));
        expect(canon(mine), `seed ${seed} query ${k}: ${cq}`).toBe(canon(theirs));
      }
    });
  }
});
