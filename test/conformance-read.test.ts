// Conformance: reads through the public API (memory backend): q (EDN and map form, find specs,
// :keys/:strs, pull in :find, inputs), pull/pullMany options, entity, datoms/seekDatoms/
// indexRange, and the time views (history, asOf by t and by Date, since) seen through q, pull
// and datoms alike. Errors are CairnError with stable codes and messages naming the input.

import { beforeAll, describe, expect, it } from 'vitest';
import {
  asOf,
  datoms,
  db,
  entity,
  history,
  indexRange,
  pull,
  pullMany,
  q,
  seekDatoms,
  since,
  transact,
  withDb,
  type Connection,
  type Db,
} from '../src/index.js';
import { attr, byName, caught, fresh, MANY } from './conformance-helpers.js';

/** Relations have set semantics: compare them order-free. */
function sorted(rel: unknown): unknown[] {
  return [...(rel as unknown[][])].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const SCHEMA = [
  attr('p/email', 'string', { 'db/unique': 'db.unique/identity' }),
  attr('p/name', 'string'),
  attr('p/age', 'long', { 'db/index': true }),
  attr('p/status', 'keyword'),
  attr('p/friend', 'ref', MANY),
  attr('p/address', 'ref', { 'db/isComponent': true }),
  attr('p/nick', 'string', MANY),
  attr('a/city', 'string'),
];
const PEOPLE = [
  { 'db/id': 'ann', 'p/email': 'ann@x', 'p/name': 'Ann', 'p/age': 31, 'p/status': 'st/on', 'p/address': { 'a/city': 'Oslo' }, 'p/friend': ['bob'] },
  { 'db/id': 'bob', 'p/email': 'bob@x', 'p/name': 'Bob', 'p/age': 42, 'p/status': 'st/off', 'p/friend': ['cid'] },
  { 'db/id': 'cid', 'p/email': 'cid@x', 'p/name': 'Cid', 'p/age': 42, 'p/nick': ['c', 'cc'] },
];

describe('q', () => {
  let c: Connection;
  let ann: number, bob: number, cid: number;
  beforeAll(async () => {
    c = await fresh([SCHEMA]);
    const r = await transact(c, PEOPLE);
    [ann, bob, cid] = [r.tempids.ann!, r.tempids.bob!, r.tempids.cid!];
  });

  it('find specs: relation, collection, scalar, tuple', async () => {
    const d = db(c);
    expect(sorted(await q('[:find ?n ?a :where [?e :p/name ?n] [?e :p/age ?a]]', d))).toEqual([
      ['Ann', 31],
      ['Bob', 42],
      ['Cid', 42],
    ]);
    expect([...((await q('[:find [?a ...] :where [_ :p/age ?a]]', d)) as number[])].sort()).toEqual([31, 42]);
    expect(await q('[:find ?n . :where [?e :p/email "bob@x"] [?e :p/name ?n]]', d)).toBe('Bob');
    expect(await q('[:find [?n ?a] :where [?e :p/email "ann@x"] [?e :p/name ?n] [?e :p/age ?a]]', d)).toEqual(['Ann', 31]);
    expect(await q('[:find ?n . :where [?e :p/email "nobody"] [?e :p/name ?n]]', d)).toBeNull();
    expect(await q('[:find [?n ...] :where [?e :p/email "nobody"] [?e :p/name ?n]]', d)).toEqual([]);
  });

  it('relations have set semantics; :with keeps duplicates for aggregates', async () => {
    const d = db(c);
    expect(await q('[:find ?a :where [_ :p/age ?a] [(= ?a 42)]]', d)).toEqual([[42]]);
    expect(await q('[:find (sum ?a) . :where [_ :p/age ?a]]', d)).toBe(73);
    expect(await q('[:find (sum ?a) . :with ?e :where [?e :p/age ?a]]', d)).toBe(115);
    expect(sorted(await q('[:find ?a (count ?e) :where [?e :p/age ?a]]', d))).toEqual([
      [31, 1],
      [42, 2],
    ]);
  });

  it(':keys and :strs return objects', async () => {
    const d = db(c);
    const rows = (await q('[:find ?n ?a :keys name age :where [?e :p/name ?n] [?e :p/age ?a]]', d)) as Record<string, unknown>[];
    expect([...rows].sort((x, y) => String(x.name).localeCompare(String(y.name)))).toEqual([
      { name: 'Ann', age: 31 },
      { name: 'Bob', age: 42 },
      { name: 'Cid', age: 42 },
    ]);
    expect(await q('[:find ?n :strs who :where [?e :p/email "ann@x"] [?e :p/name ?n]]', d)).toEqual([{ who: 'Ann' }]);
    const err = await caught(q('[:find ?n ?a :keys x :where [?e :p/name ?n] [?e :p/age ?a]]', d));
    expect([err.code, err.message]).toEqual(['query/parse', expect.stringContaining(':keys')]);
  });

  it('the map form { query, args, offset, limit }', async () => {
    const d = db(c);
    const all = (await q({ query: '[:find ?n :where [_ :p/name ?n]]', args: [d] })) as unknown[];
    expect(sorted(all)).toEqual([['Ann'], ['Bob'], ['Cid']]);
    const page = (await q({ query: '[:find ?n :where [_ :p/name ?n]]', args: [d], offset: 1, limit: 1 })) as unknown[];
    expect(page).toHaveLength(1);
    expect(all).toContainEqual(page[0]);
    const pages = [0, 1, 2, 3].map((offset) => q({ query: '[:find ?n :where [_ :p/name ?n]]', args: [d], offset, limit: 1 }));
    expect(sorted((await Promise.all(pages)).flat())).toEqual(sorted(all));
    expect(await q({ query: '[:find ?n . :in $ ?m :where [?e :p/email ?m] [?e :p/name ?n]]', args: [d, 'cid@x'] })).toBe('Cid');
  });

  it('inputs: scalar, collection, tuple, relation, lookup ref, keyword (with colon), no db at all', async () => {
    const d = db(c);
    expect(await q('[:find ?n . :in $ ?m :where [?e :p/email ?m] [?e :p/name ?n]]', d, 'bob@x')).toBe('Bob');
    expect(sorted(await q('[:find ?n :in $ [?m ...] :where [?e :p/email ?m] [?e :p/name ?n]]', d, ['bob@x', 'cid@x']))).toEqual([['Bob'], ['Cid']]);
    expect(await q('[:find ?e . :in $ [?n ?a] :where [?e :p/name ?n] [?e :p/age ?a]]', d, ['Bob', 42])).toBe(bob);
    expect(
      sorted(
        await q('[:find ?e :in $ [[?n ?a]] :where [?e :p/name ?n] [?e :p/age ?a]]', d, [
          ['Bob', 42],
          ['Ann', 31],
          ['Ann', 99],
        ]),
      ),
    ).toEqual(sorted([[bob], [ann]]));
    expect(await q('[:find ?n . :in $ ?e :where [?e :p/name ?n]]', d, ['p/email', 'cid@x'])).toBe('Cid');
    expect(await q('[:find ?m . :in $ ?e :where [?e :p/email ?m]]', d, cid)).toBe('cid@x');
    expect(await q('[:find ?n . :in $ ?s :where [?e :p/status ?s] [?e :p/name ?n]]', d, ':st/off')).toBe('Bob');
    expect(await q('[:find ?n . :where [?e :p/status :st/on] [?e :p/name ?n]]', d)).toBe('Ann');
    expect(await q('[:find ?a ?b :in ?a ?b]', 1, 2)).toEqual([[1, 2]]);
    expect(sorted(await q('[:find ?v :in $ ?a :where [?e ?a ?v] [?e :p/email "ann@x"]]', d, ':p/name'))).toEqual([['Ann']]);
  });

  it('attribute and keyword values in results are colon-less and colon-prefixed respectively', async () => {
    const d = db(c);
    expect(sorted(await q('[:find ?a :where [?e ?a "Ann"]]', d))).toEqual([['p/name']]);
    expect(await q('[:find ?s . :where [?e :p/email "ann@x"] [?e :p/status ?s]]', d)).toBe(':st/on');
  });

  it('pull in :find, with a pattern literal or from :in', async () => {
    const d = db(c);
    expect(await q('[:find (pull ?e [:p/name {:p/friend [:p/name]}]) . :where [?e :p/email "ann@x"]]', d)).toEqual({
      'p/name': 'Ann',
      'p/friend': [{ 'p/name': 'Bob' }],
    });
    expect(await q('[:find (pull ?e ?pat) . :in $ ?pat :where [?e :p/email "cid@x"]]', d, '[:p/name :p/nick]')).toEqual({
      'p/name': 'Cid',
      'p/nick': ['c', 'cc'],
    });
    const rows = await q('[:find ?m (pull ?e [:p/age]) :keys m p :where [?e :p/email ?m] [?e :p/name "Bob"]]', d);
    expect(rows).toEqual([{ m: 'bob@x', p: { 'p/age': 42 } }]);
  });

  it('rules, not, or, predicates and functions', async () => {
    const d = db(c);
    const rules = '[[(reach ?a ?b) [?a :p/friend ?b]] [(reach ?a ?b) [?a :p/friend ?x] (reach ?x ?b)]]';
    expect(sorted(await q('[:find ?n :in $ % ?m :where [?a :p/email ?m] (reach ?a ?b) [?b :p/name ?n]]', d, rules, 'ann@x'))).toEqual([['Bob'], ['Cid']]);
    expect(await q('[:find [?n ...] :where [?e :p/name ?n] (not [?e :p/friend _])]', d)).toEqual(['Cid']);
    expect(sorted(await q('[:find ?n :where [?e :p/name ?n] (or [?e :p/age 31] [?e :p/nick "c"])]', d))).toEqual([['Ann'], ['Cid']]);
    expect(await q('[:find ?s . :where [?e :p/email "ann@x"] [?e :p/age ?a] [(> ?a 30)] [(str ?a "y") ?s]]', d)).toBe('31y');
    expect(sorted(await q('[:find ?n ?s :where [?e :p/name ?n] [(get-else $ ?e :p/status :st/none) ?s]]', d))).toEqual([
      ['Ann', ':st/on'],
      ['Bob', ':st/off'],
      ['Cid', ':st/none'],
    ]);
  });

  it('the transaction entity is queryable', async () => {
    const inst = await q('[:find ?i . :where [_ :p/name "Ann" ?tx] [?tx :db/txInstant ?i]]', db(c));
    expect(inst).toBeInstanceOf(Date);
  });

  it('an attribute not in the schema matches nothing', async () => {
    expect(await q('[:find ?v :where [_ :zz/nothing ?v]]', db(c))).toEqual([]);
  });

  const errors: [string, () => Promise<unknown>, string, RegExp][] = [
    ['unterminated query', () => q('[:find ?n :where [?e :p/name ?n]', db(c)), 'query/parse', /EDN parse error/],
    ['unbound find variable', () => q('[:find ?z :where [?e :p/name ?n]]', db(c)), 'query/unbound-variable', /\?z/],
    ['unknown function', () => q('[:find ?x :where [(frobnicate 1) ?x]]', db(c)), 'query/unknown-function', /frobnicate/],
    ['too few inputs', () => q('[:find ?n :in $ ?m :where [?e :p/email ?m] [?e :p/name ?n]]', db(c)), 'query/invalid-input', /2 binding.*1 given/],
    ['too many inputs', () => q('[:find ?n :where [?e :p/name ?n]]', db(c), 5), 'query/invalid-input', /1 binding.*2 given/],
  ];
  for (const [name, run, code, msg] of errors) {
    it(`error: ${name}`, async () => {
      const err = await caught(run());
      expect([err.code, err.message]).toEqual([code, expect.stringMatching(msg)]);
      expect(JSON.parse(JSON.stringify(err.data))).toEqual(err.data);
    });
  }
});

describe('pull, pullMany and entity', () => {
  let c: Connection;
  let ann: number, bob: number, cid: number;
  beforeAll(async () => {
    c = await fresh([SCHEMA]);
    const r = await transact(c, PEOPLE);
    [ann, bob, cid] = [r.tempids.ann!, r.tempids.bob!, r.tempids.cid!];
    await transact(c, [{ 'db/id': cid, 'p/nick': Array.from({ length: 1100 }, (_, i) => `n${i}`) }]);
  });

  it('wildcard: components expand, other refs are { db/id }, keywords keep their colon', async () => {
    const p = await pull(db(c), '[*]', ann);
    expect(p).toEqual({
      'db/id': ann,
      'p/email': 'ann@x',
      'p/name': 'Ann',
      'p/age': 31,
      'p/status': ':st/on',
      'p/address': { 'db/id': expect.any(Number), 'a/city': 'Oslo' },
      'p/friend': [{ 'db/id': bob }],
    });
  });

  it('reverse refs, nested and recursive patterns', async () => {
    const d = db(c);
    expect(await pull(d, '[:p/name {:p/_friend [:p/name]}]', cid)).toEqual({ 'p/name': 'Cid', 'p/_friend': [{ 'p/name': 'Bob' }] });
    expect(await pull(d, '[:p/name {:p/friend ...}]', ann)).toEqual({ 'p/name': 'Ann', 'p/friend': [{ 'p/name': 'Bob', 'p/friend': [{ 'p/name': 'Cid' }] }] });
    expect(await pull(d, '[:p/name {:p/friend 1}]', ann)).toEqual({ 'p/name': 'Ann', 'p/friend': [{ 'p/name': 'Bob' }] });
    const addr = (await pull(d, '[:p/address]', ann))!['p/address'] as { 'db/id': number };
    expect(await pull(d, '[:a/city {:p/_address [:p/name]}]', addr['db/id'])).toEqual({ 'a/city': 'Oslo', 'p/_address': { 'p/name': 'Ann' } });
  });

  it('limit (default 1000, explicit, nil), default and :as', async () => {
    const d = db(c);
    expect(((await pull(d, '[:p/nick]', cid))!['p/nick'] as unknown[]).length).toBe(1000);
    expect(((await pull(d, '[(limit :p/nick nil)]', cid))!['p/nick'] as unknown[]).length).toBe(1102);
    expect(((await pull(d, '[[:p/nick :limit 3]]', cid))!['p/nick'] as unknown[]).length).toBe(3);
    expect(await pull(d, '[[:p/name :as "who"] (default :p/status :st/none)]', cid)).toEqual({ who: 'Cid', 'p/status': ':st/none' });
  });

  it('missing entity or no matching attribute gives null; pullMany keeps input order', async () => {
    const d = db(c);
    expect(await pull(d, '[:a/city]', ann)).toBeNull();
    expect(await pull(d, '[:p/name]', 9999)).toBeNull();
    expect(await pullMany(d, '[:p/name]', [cid, ['p/email', 'ann@x'], 9999, bob])).toEqual([
      { 'p/name': 'Cid' },
      { 'p/name': 'Ann' },
      null,
      { 'p/name': 'Bob' },
    ]);
  });

  it('a JS array pattern is the same as its EDN text', async () => {
    const d = db(c);
    expect(await pull(d, ['p/name', { 'p/friend': ['p/name'] }], ann)).toEqual(await pull(d, '[:p/name {:p/friend [:p/name]}]', ann));
  });

  it('entity: lazy attribute access, refs as entities, reverse navigation', async () => {
    const e = await entity(db(c), ['p/email', 'ann@x']);
    expect(e).not.toBeNull();
    expect(await e!.get('p/name')).toBe('Ann');
    expect(await e!.get(':p/status')).toBe(':st/on');
    const friends = (await e!.get('p/friend')) as { get(a: string): unknown }[];
    expect(await friends[0]!.get('p/name')).toBe('Bob');
    const back = (await (await entity(db(c), bob))!.get('p/_friend')) as { get(a: string): unknown }[];
    expect(await back[0]!.get('p/email')).toBe('ann@x');
    expect(await e!.get('p/nothing')).toBeUndefined();
    expect(await entity(db(c), ['p/email', 'nobody'])).toBeNull();
  });
});

describe('index access', () => {
  let c: Connection;
  beforeAll(async () => {
    c = await fresh([SCHEMA, PEOPLE]);
  });

  it('datoms by index and components, in index order', async () => {
    const d = db(c);
    const avet = await datoms(d, 'avet', 'p/age');
    expect(avet.map((x) => x.v)).toEqual([31, 42, 42]);
    expect((await datoms(d, 'avet', 'p/age', 42)).length).toBe(2);
    const aevt = await datoms(d, 'aevt', 'p/name');
    expect(aevt.map((x) => x.e)).toEqual([...aevt.map((x) => x.e)].sort((a, b) => a - b));
    const eavt = await datoms(d, 'eavt', ['p/email', 'bob@x']);
    expect(
      byName(
        eavt.map((x) => x.a),
        String,
      ),
    ).toEqual([...eavt.map((x) => x.a)].sort());
    for (const x of [...avet, ...aevt, ...eavt]) expect(Object.keys(x.toJSON()).sort()).toEqual(['a', 'added', 'e', 'tx', 'v']);
  });

  it('seekDatoms starts at a position; indexRange is inclusive on both ends', async () => {
    const d = db(c);
    const seek = await seekDatoms(d, 'avet', 'p/age', 32);
    expect(seek.slice(0, 2).map((x) => [x.a, x.v])).toEqual([
      ['p/age', 42],
      ['p/age', 42],
    ]);
    expect((await indexRange(d, 'p/age', 31, 42)).map((x) => x.v)).toEqual([31, 42, 42]);
    expect((await indexRange(d, 'p/age', 32, undefined)).map((x) => x.v)).toEqual([42, 42]);
    expect((await indexRange(d, 'p/email', 'b', 'c')).map((x) => x.v)).toEqual(['bob@x']);
  });

  it('indexRange on an attribute outside AVET is an error naming it', async () => {
    const err = await caught(indexRange(db(c), 'p/name', 'A', 'Z'));
    expect(err.message).toContain('p/name');
  });
});

describe('time views agree across q, pull and datoms', () => {
  let c: Connection;
  let e: number;
  let t1: number, t2: number, t3: number;
  let d1: Date, d2: Date;
  beforeAll(async () => {
    c = await fresh([SCHEMA]);
    const r1 = await transact(c, [{ 'db/id': 'x', 'p/email': 'x@x', 'p/name': 'v1', 'p/nick': ['a'] }]);
    e = r1.tempids.x!;
    t1 = r1.tempids['db/current-tx']!;
    d1 = r1.txMeta['db/txInstant'] as Date;
    const r2 = await transact(c, [{ 'db/id': e, 'p/name': 'v2', 'p/nick': ['b'] }, ['db/retract', e, 'p/nick', 'a']]);
    t2 = r2.tempids['db/current-tx']!;
    d2 = r2.txMeta['db/txInstant'] as Date;
    const r3 = await transact(c, [['db/retract', e, 'p/name', 'v2']]);
    t3 = r3.tempids['db/current-tx']!;
  });

  const nameVia = async (d: Db): Promise<[unknown, unknown, unknown]> => [
    await q('[:find ?n . :in $ ?e :where [?e :p/name ?n]]', d, e),
    (await pull(d, '[:p/name]', e))?.['p/name'] ?? null,
    (await datoms(d, 'eavt', e, 'p/name')).map((x) => x.v)[0] ?? null,
  ];

  it('current, asOf t and asOf Date', async () => {
    const now = db(c);
    expect(await nameVia(now)).toEqual([null, null, null]);
    expect(await nameVia(asOf(now, t1))).toEqual(['v1', 'v1', 'v1']);
    expect(await nameVia(asOf(now, t2))).toEqual(['v2', 'v2', 'v2']);
    expect(await nameVia(asOf(now, d1))).toEqual(['v1', 'v1', 'v1']);
    expect(await nameVia(asOf(now, d2))).toEqual(['v2', 'v2', 'v2']);
    expect(await nameVia(asOf(now, new Date(d1.getTime() - 1)))).toEqual([null, null, null]);
    expect(await q('[:find [?k ...] :in $ ?e :where [?e :p/nick ?k]]', asOf(now, t1), e)).toEqual(['a']);
  });

  it('since t shows only what was asserted after t', async () => {
    const now = db(c);
    expect(await nameVia(since(now, t1))).toEqual([null, null, null]);
    expect(await q('[:find [?k ...] :in $ ?e :where [?e :p/nick ?k]]', since(now, t1), e)).toEqual(['b']);
    expect(await q('[:find [?k ...] :in $ ?e :where [?e :p/nick ?k]]', since(now, t2), e)).toEqual([]);
  });

  it('history shows assertions and retractions with their tx', async () => {
    const h = history(db(c));
    expect(sorted(await q('[:find ?n ?tx ?added :in $ ?e :where [?e :p/name ?n ?tx ?added]]', h, e))).toEqual(
      sorted([
        ['v1', t1, true],
        ['v1', t2, false],
        ['v2', t2, true],
        ['v2', t3, false],
      ]),
    );
    const ds = await datoms(h, 'eavt', e, 'p/name');
    expect(ds.map((x) => [x.v, x.tx, x.added])).toEqual(
      expect.arrayContaining([
        ['v1', t1, true],
        ['v1', t2, false],
        ['v2', t2, true],
        ['v2', t3, false],
      ]),
    );
    expect(ds).toHaveLength(4);
  });

  it('a view cannot be transacted against', async () => {
    const err = await caught(withDb(asOf(db(c), t1), [{ 'p/name': 'x' }]));
    expect(err.message).toContain('asOf');
  });

  it('noHistory attributes leave no trace in history', async () => {
    const c2 = await fresh([
      [attr('s/secret', 'string', { 'db/noHistory': true }), attr('s/id', 'string', { 'db/unique': 'db.unique/identity' })],
      [{ 's/id': 'k', 's/secret': 'one' }],
      [{ 's/id': 'k', 's/secret': 'two' }],
    ]);
    expect((await datoms(history(db(c2)), 'aevt', 's/secret')).map((x) => [x.v, x.added])).toEqual([['two', true]]);
  });
});
