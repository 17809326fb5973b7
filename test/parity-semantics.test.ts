// Datahike/DataScript parity of query, pull and tx semantics (issue 14, "semantics that differ"),
// through the public API on a memory database. Each table row is one behaviour, error rows give
// the CairnError code and a piece of its message; the database must be unchanged after a failure.

import { beforeAll, describe, expect, it } from 'vitest';
import { datoms, db, pull, pullMany, q, transact, type Connection, type Db } from '../src/index.js';
import { attr, caught, fresh, MANY } from './conformance-helpers.js';

const SCHEMA = [
  attr('p/email', 'string', { 'db/unique': 'db.unique/identity' }),
  attr('p/name', 'string'),
  attr('p/age', 'long'),
  attr('p/friend', 'ref', MANY),
];

const sorted = (rel: unknown): unknown[] => [...(rel as unknown[])].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

let c: Connection;
let d: Db;
let ids: Record<string, number>;
beforeAll(async () => {
  c = await fresh([SCHEMA]);
  const r = await transact(c, [
    { 'db/id': 'ann', 'p/email': 'ann@x', 'p/name': 'Ann', 'p/age': 30 },
    { 'db/id': 'bob', 'p/email': 'bob@x', 'p/name': 'Bob', 'p/age': 30, 'p/friend': ['ann'] },
    { 'db/id': 'cid', 'p/email': 'cid@x', 'p/name': 'Cid', 'p/age': 40, 'p/friend': ['ann', 'bob'] },
  ]);
  ids = r.tempids as Record<string, number>;
  d = db(c);
});

type Row = readonly [title: string, query: string, inputs: () => unknown[], expected: unknown];

describe(':with returns a bag', () => {
  const rows: Row[] = [
    ['plain variable keeps duplicates', '[:find ?a :with ?e :where [?e :p/age ?a]]', () => [], [[30], [30], [40]]],
    [
      'two find variables',
      '[:find ?a ?n :with ?e :where [?e :p/age ?a] [?e :p/name ?n]]',
      () => [],
      [
        [30, 'Ann'],
        [30, 'Bob'],
        [40, 'Cid'],
      ],
    ],
    ['(min n ?x) counts duplicates', '[:find (min 2 ?a) . :with ?e :where [?e :p/age ?a]]', () => [], [30, 30]],
    ['(max n ?x) counts duplicates, ascending', '[:find (max 2 ?a) . :with ?e :where [?e :p/age ?a]]', () => [], [30, 40]],
    ['(distinct ?x) is still a set', '[:find (distinct ?a) . :with ?e :where [?e :p/age ?a]]', () => [], [30, 40]],
    ['(count ?x) over the bag', '[:find (count ?a) . :with ?e :where [?e :p/age ?a]]', () => [], 3],
    ['without :with: a set', '[:find ?a :where [?e :p/age ?a]]', () => [], [[30], [40]]],
  ];
  it.each(rows)('%s', async (_t, query, inputs, expected) => {
    const r = await q(query, d, ...inputs());
    expect(Array.isArray(expected) && Array.isArray(r) && !(r as unknown[]).some((x) => !Array.isArray(x)) ? sorted(r) : r).toEqual(
      Array.isArray(expected) && (expected as unknown[]).every(Array.isArray) ? sorted(expected) : expected,
    );
  });
});

describe('the parser rejects what DataScript rejects', () => {
  const rows: readonly [string, string, unknown[], string, RegExp][] = [
    [
      'a variable in :find and :with',
      '[:find ?a :with ?a :where [?e :p/age ?a]]',
      [],
      'query/parse',
      /:find and :with should not use the same variables: \[\?a\]/,
    ],
    [
      'or branches over different variables',
      '[:find ?e :where [?e :p/age] (or [?e :p/age 30] [?x :p/age 40])]',
      [],
      'query/parse',
      /same set of variables.*\[\?e\] \[\?x\]/,
    ],
    ['or inside not', '[:find ?e :where [?e :p/age] (not (or [?e :p/age 30] [?e :p/name ?n]))]', [], 'query/parse', /same set of variables/],
    ['not with nothing bound', '[:find ?e :where [?e :p/age] (not [?x :p/name "Ann"])]', [], 'query/insufficient-binding', /none of \?x is bound/],
    [
      'tuple input too short',
      '[:find ?a ?b :in $ [?a ?b] :where [?e :p/age ?a]]',
      [[30]],
      'query/invalid-input',
      /Not enough elements in \[30\] \(input 1\) to bind a tuple of 2/,
    ],
    [
      'relation input row too short',
      '[:find ?a ?b :in $ [[?a ?b]] :where [?e :p/age ?a]]',
      [[[30, 1], [40]]],
      'query/invalid-input',
      /Not enough elements in \[40\]/,
    ],
  ];
  it.each(rows)('%s', async (_t, query, inputs, code, message) => {
    const e = await caught(q(query, d, ...inputs));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
  it('what they accept still runs', async () => {
    expect(sorted(await q('[:find ?e :where [?e :p/age] (or-join [?e] [?e :p/age 30] (and [?e :p/friend ?x] [?x :p/age 30]))]', d))).toEqual(
      sorted([[ids.ann], [ids.bob], [ids.cid]]),
    );
    expect(await q('[:find ?a ?b :in [?a ?b]]', [1, 2, 3])).toEqual([[1, 2]]); // longer tuples bind their first elements
    expect(sorted(await q('[:find ?e :where [?e :p/age] (not [?e :p/friend ?x] [?x :p/age 40])]', d))).toEqual(sorted([[ids.ann], [ids.bob], [ids.cid]]));
  });
});

describe('collections of tuples as data sources', () => {
  const facts = [
    [1, 'p/name', 'Ann'],
    [1, ':p/age', 30],
    [2, 'p/name', 'Bob'],
    [2, 'p/age', 31],
  ];
  const five = [
    [1, 'p/name', 'Ann', 100, true],
    [1, 'p/name', 'Annie', 101, false],
    [2, ':p/name', 'Bob', 100, true],
  ];
  const rows: Row[] = [
    [
      'colon-less and keyword attributes match a keyword pattern',
      '[:find ?n ?a :in $ :where [?e :p/name ?n] [?e :p/age ?a]]',
      () => [facts],
      [
        ['Ann', 30],
        ['Bob', 31],
      ],
    ],
    ['attribute as a variable', '[:find ?a :in $ :where [1 ?a _]]', () => [facts], [['p/name'], [':p/age']]],
    ['[e a v tx added] tuples: added position', '[:find ?n :in $ :where [?e :p/name ?n _ true]]', () => [five], [['Ann'], ['Bob']]],
    ['[e a v tx added] tuples: tx position', '[:find ?n :in $ :where [?e :p/name ?n 101]]', () => [five], [['Annie']]],
    [
      'joined with a database',
      '[:find ?email :in $db $c :where [$c ?e :p/name ?n] [$db ?p :p/name ?n] [$db ?p :p/email ?email]]',
      () => [d, facts],
      [['ann@x'], ['bob@x']],
    ],
  ];
  it.each(rows)('%s', async (_t, query, inputs, expected) => {
    expect(sorted(await q(query, ...inputs()))).toEqual(sorted(expected));
  });
  it('a source that is not a collection of tuples is an error', async () => {
    const e = await caught(q('[:find ?e :in $ :where [?e :p/name]]', [1, 2]));
    expect(e.code).toBe('query/invalid-input');
    expect(e.message).toMatch(/Source \$ must hold tuples/);
  });
});

describe('functions: missing? with a reverse attribute, nested q with query data', () => {
  it.each([
    ['missing? :p/_friend: nobody points here', '[:find ?n :where [?e :p/name ?n] [(missing? $ ?e :p/_friend)]]', [['Cid']]],
    ['missing? :p/friend: points nowhere', '[:find ?n :where [?e :p/name ?n] [(missing? $ ?e :p/friend)]]', [['Ann']]],
    ['nested q with a literal query', '[:find ?c . :where [(q [:find (count ?e) . :where [?e :p/age 30]] $) ?c]]', 2],
    ['nested q with a literal map query', '[:find ?c . :where [(q {:find [(max ?a) .] :where [[_ :p/age ?a]]} $) ?c]]', 40],
    ['nested q with inputs', '[:find ?c . :where [(q [:find ?n . :in $ ?a :where [?e :p/age ?a] [?e :p/name ?n]] $ 40) ?c]]', 'Cid'],
  ] as const)('%s', async (_t, query, expected) => {
    const r = await q(query, d);
    expect(Array.isArray(r) ? sorted(r) : r).toEqual(expected);
  });
  it('nested q with a query passed as text', async () => {
    expect(await q('[:find ?c . :in $ ?qq :where [(q ?qq $) ?c]]', d, '[:find (count ?e) . :where [?e :p/name]]')).toBe(3);
  });
});

describe('null binds nothing (docs/api.md: where DataScript binds it, here the row is dropped)', () => {
  it.each([
    ['a scalar input', '[:find ?x :in ?x]', [null], []],
    ['an element of a collection input', '[:find ?x :in [?x ...]]', [[1, null, 2]], [[1], [2]]],
    [
      'a slot of a relation input',
      '[:find ?x ?y :in [[?x ?y]]]',
      [
        [
          [1, null],
          [2, 3],
        ],
      ],
      [[2, 3]],
    ],
    ['a function result', '[:find ?y :in [?x ...] :where [(identity ?x) ?y]]', [[1, null]], [[1]]],
    ['an element of a function result', '[:find ?x :where [(ground [1 nil 2]) [?x ...]]]', [], [[1], [2]]],
  ])('%s', async (_t, query, inputs, rows) => {
    expect(sorted(await q(query, ...inputs))).toEqual(rows);
  });
});

describe('pull', () => {
  it.each([
    ['a ref whose sub-pattern matches nothing is left out', ['p/name', { 'p/friend': ['p/nothing'] }], 'cid', { 'p/name': 'Cid' }],
    ['matching targets are kept', ['p/name', { 'p/friend': ['p/age'] }], 'cid', { 'p/name': 'Cid', 'p/friend': [{ 'p/age': 30 }, { 'p/age': 30 }] }],
    ['a reverse ref matching nothing is left out', ['p/name', { 'p/_friend': ['p/nothing'] }], 'ann', { 'p/name': 'Ann' }],
  ] as const)('%s', async (_t, pattern, who, expected) => {
    expect(await pull(d, pattern as never, ids[who]!)).toEqual(expected);
  });
  it.each([
    [
      'pull: lookup ref that finds nothing',
      () => pull(d, ['p/name'], ['p/email', 'nobody@x']),
      'pull/lookup-ref',
      /Nothing found for lookup ref \[p\/email "nobody@x"\]/,
    ],
    ['pullMany: lookup ref that finds nothing', () => pullMany(d, ['p/name'], [ids.ann!, ['p/email', 'nobody@x']]), 'pull/lookup-ref', /Nothing found/],
    ['pull: lookup ref on a non-unique attribute', () => pull(d, ['p/name'], ['p/name', 'Ann']), 'pull/lookup-ref', /p\/name should be marked as db\/unique/],
    [
      'q: lookup ref on a non-unique attribute',
      () => q('[:find ?n :in $ ?e :where [?e :p/name ?n]]', d, ['p/name', 'Ann']),
      'query/lookup-ref',
      /p\/name should be marked as db\/unique/,
    ],
    ['q: lookup ref in a pattern', () => q('[:find ?n :where [[:p/name "Ann"] :p/name ?n]]', d), 'query/lookup-ref', /should be marked as db\/unique/],
  ] as const)('%s', async (_t, call, code, message) => {
    const e = await caught((async () => call())());
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
  it('a missing entity id still pulls as null; a resolving lookup ref pulls', async () => {
    expect(await pull(d, ['p/name'], 999_999)).toBeNull();
    expect(await pull(d, ['p/name'], ['p/email', 'bob@x'])).toEqual({ 'p/name': 'Bob' });
  });
});

describe('db/cas on a tempid fails the transaction', () => {
  it.each([
    ['a string tempid', [['db/cas', 'new', 'p/age', null, 1]]],
    ['a negative tempid', [['db/cas', -1, 'p/age', null, 1]]],
    ['a tempid also used by an entity map', [{ 'db/id': 'x', 'p/name': 'X' }, ['db/cas', 'x', 'p/age', null, 1]]],
    ['db.fn/cas spelling', [['db.fn/cas', 'new', 'p/age', null, 1]]],
  ] as const)('%s', async (_t, tx) => {
    const before = await datoms(db(c), 'eavt');
    const e = await caught(transact(c, tx as never));
    expect(e.code).toBe('transact/cas');
    expect(e.message).toMatch(/db\/cas needs an existing entity, got the tempid/);
    expect(await datoms(db(c), 'eavt')).toEqual(before);
  });
  it('on an existing entity it still works', async () => {
    const r = await transact(c, [['db/cas', ['p/email', 'ann@x'], 'p/age', 30, 31]]);
    expect(r.txData.some((x) => x.a === 'p/age' && x.v === 31)).toBe(true);
    await transact(c, [['db/cas', ['p/email', 'ann@x'], 'p/age', 31, 30]]);
  });
});
