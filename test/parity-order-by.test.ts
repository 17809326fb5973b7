// :order-by (issue 14): in the arg map and in the query itself, ascending/descending per find
// element, several keys, composed with offset/limit into stable pages; bad specs and unknown
// options are errors, never ignored.

import { beforeAll, describe, expect, it } from 'vitest';
import { db, q, transact, type Connection, type Db } from '../src/index.js';
import { attr, caught, fresh } from './conformance-helpers.js';

let c: Connection;
let d: Db;
beforeAll(async () => {
  c = await fresh([[attr('p/name', 'string'), attr('p/age', 'long'), attr('p/team', 'keyword')]]);
  await transact(c, [
    { 'p/name': 'Ann', 'p/age': 30, 'p/team': 't/red' },
    { 'p/name': 'Bob', 'p/age': 25, 'p/team': 't/blue' },
    { 'p/name': 'Cid', 'p/age': 35, 'p/team': 't/red' },
    { 'p/name': 'Dee', 'p/age': 30, 'p/team': 't/blue' },
    { 'p/name': 'Eve', 'p/age': 25, 'p/team': 't/red' },
  ]);
  d = db(c);
});

const REL = '[:find ?n ?a :where [?e :p/name ?n] [?e :p/age ?a]]';

describe(':order-by in the arg map', () => {
  it.each([
    [
      'one variable, ascending by default',
      '?a',
      [
        ['Bob', 25],
        ['Eve', 25],
        ['Ann', 30],
        ['Dee', 30],
        ['Cid', 35],
      ],
    ],
    [
      'descending',
      ['?a', 'desc'],
      [
        ['Cid', 35],
        ['Ann', 30],
        ['Dee', 30],
        ['Bob', 25],
        ['Eve', 25],
      ],
    ],
    [
      'two keys: age desc, name desc',
      ['?a', 'desc', '?n', 'desc'],
      [
        ['Cid', 35],
        ['Dee', 30],
        ['Ann', 30],
        ['Eve', 25],
        ['Bob', 25],
      ],
    ],
    [
      'keyword directions',
      ['?a', ':desc', '?n', ':asc'],
      [
        ['Cid', 35],
        ['Ann', 30],
        ['Dee', 30],
        ['Bob', 25],
        ['Eve', 25],
      ],
    ],
    [
      'a column index',
      [1, 'desc', 0],
      [
        ['Cid', 35],
        ['Ann', 30],
        ['Dee', 30],
        ['Bob', 25],
        ['Eve', 25],
      ],
    ],
    [
      'EDN text',
      '[?n :desc]',
      [
        ['Eve', 25],
        ['Dee', 30],
        ['Cid', 35],
        ['Bob', 25],
        ['Ann', 30],
      ],
    ],
  ] as const)('%s', async (_t, orderBy, expected) => {
    expect(await q({ query: REL, args: [d], orderBy: orderBy as never })).toEqual(expected);
  });

  it('Datahike spelling order-by', async () => {
    expect(await q({ query: REL, args: [d], 'order-by': '?n' } as never)).toEqual([
      ['Ann', 30],
      ['Bob', 25],
      ['Cid', 35],
      ['Dee', 30],
      ['Eve', 25],
    ]);
  });

  it('pages with offset/limit are stable and cover every row once', async () => {
    const pages: unknown[] = [];
    for (let offset = 0; offset < 5; offset += 2) {
      pages.push(...((await q({ query: REL, args: [d], orderBy: ['?a', 'desc'], offset, limit: 2 })) as unknown[]));
    }
    expect(pages).toEqual(await q({ query: REL, args: [d], orderBy: ['?a', 'desc'] }));
    expect(await q({ query: REL, args: [d], orderBy: '?n', offset: 1, limit: 2 })).toEqual([
      ['Bob', 25],
      ['Cid', 35],
    ]);
  });

  it('aggregates by index, collections, :keys', async () => {
    expect(await q({ query: '[:find ?t (count ?e) :where [?e :p/team ?t]]', args: [d], orderBy: [1, 'desc'] })).toEqual([
      [':t/red', 3],
      [':t/blue', 2],
    ]);
    expect(await q({ query: '[:find [?n ...] :where [_ :p/name ?n]]', args: [d], orderBy: ['?n', 'desc'] })).toEqual(['Eve', 'Dee', 'Cid', 'Bob', 'Ann']);
    expect(await q({ query: '[:find ?n ?a :keys name age :where [?e :p/name ?n] [?e :p/age ?a]]', args: [d], orderBy: ['?a', '?n'], limit: 2 })).toEqual([
      { name: 'Bob', age: 25 },
      { name: 'Eve', age: 25 },
    ]);
  });
  it('NaN and invalid Dates (from inputs) sort first, so the order is total and pages still cover every row once', async () => {
    const rel = [3, NaN, 1, 2, NaN, 5, 0.5, NaN, 4, -1].map((v, i) => [i, v]);
    const all = (await q({ query: '[:find ?i ?v :in [[?i ?v]]]', args: [rel], orderBy: ['?v', '?i'] })) as [number, number][];
    expect(all.map(([i]) => i)).toEqual([1, 4, 7, 9, 6, 2, 3, 0, 8, 5]);
    const pages: unknown[] = [];
    for (let offset = 0; offset < rel.length; offset += 3) {
      pages.push(...((await q({ query: '[:find ?i ?v :in [[?i ?v]]]', args: [rel], orderBy: ['?v', '?i'], offset, limit: 3 })) as unknown[]));
    }
    expect(pages).toEqual(all);
    const dates = [new Date(5), new Date(Number.NaN), new Date(1)];
    const sorted = (await q({ query: '[:find [?d ...] :in [?d ...]]', args: [dates], orderBy: '?d' })) as Date[];
    expect(sorted.map((x) => x.getTime())).toEqual([Number.NaN, 1, 5]);
    expect(await q('[:find (min ?v) (max ?v) :in [?v ...]]', [2, NaN, 7])).toEqual([[NaN, 7]]);
  });

  it('NaN compares with nothing: <, >, <= and >= are false for it, as in IEEE 754', async () => {
    for (const op of ['<', '>', '<=', '>=']) {
      expect(await q(`[:find [?v ...] :in [?v ...] :where [(${op} ?v 2)]]`, [NaN, 2])).toEqual(op.includes('=') ? [2] : []);
      expect(await q(`[:find [?d ...] :in [?d ...] ?t :where [(${op} ?d ?t)]]`, [new Date(Number.NaN)], new Date(0))).toEqual([]);
    }
  });
});

describe(':order-by in the query', () => {
  it.each([
    ['vector form', '[:find ?n ?a :where [?e :p/name ?n] [?e :p/age ?a] :order-by ?a :desc ?n]'],
    ['vector form, keys in a vector', '[:find ?n ?a :where [?e :p/name ?n] [?e :p/age ?a] :order-by [?a :desc ?n :asc]]'],
    ['map form', '{:find [?n ?a] :where [[?e :p/name ?n] [?e :p/age ?a]] :order-by [?a :desc ?n]}'],
  ])('%s', async (_t, query) => {
    expect(await q(query, d)).toEqual([
      ['Cid', 35],
      ['Ann', 30],
      ['Dee', 30],
      ['Bob', 25],
      ['Eve', 25],
    ]);
    expect(await q({ query, args: [d], offset: 1, limit: 2 })).toEqual([
      ['Ann', 30],
      ['Dee', 30],
    ]);
  });
});

describe('errors', () => {
  it.each([
    [
      'unknown variable',
      () => q({ query: REL, args: [d], orderBy: '?x' }),
      'query/invalid-input',
      /:order-by variable \?x is not a :find variable \(\?n \?a\)/,
    ],
    ['index out of bounds', () => q({ query: REL, args: [d], orderBy: [2] }), 'query/invalid-input', /column index 2 is out of bounds: :find has 2/],
    ['direction first', () => q({ query: REL, args: [d], orderBy: ['desc', '?a'] }), 'query/invalid-input', /has no key before it/],
    ['not a key', () => q({ query: REL, args: [d], orderBy: ['name'] }), 'query/invalid-input', /must be a :find variable or a column index, got "name"/],
    ['empty', () => q({ query: REL, args: [d], orderBy: [] }), 'query/invalid-input', /at least one key/],
    ['scalar find', () => q({ query: '[:find ?n . :where [_ :p/name ?n]]', args: [d], orderBy: '?n' }), 'query/invalid-input', /relation or collection :find/],
    ['in both places', () => q({ query: `${REL.slice(0, -1)} :order-by ?n]`, args: [d], orderBy: '?a' }), 'query/invalid-input', /given both/],
    ['bad spec in the query', () => q('[:find ?n :where [_ :p/name ?n] :order-by ?zz]', d), 'query/parse', /:order-by variable \?zz/],
    ['unknown query section', () => q('[:find ?n :where [_ :p/name ?n] :sort-by ?n]', d), 'query/parse', /Unknown query section :sort-by/],
    ['unknown arg-map option', () => q({ query: REL, args: [d], sortBy: '?n' } as never), 'query/invalid-input', /Unknown option "sortBy"/],
  ] as const)('%s', async (_t, call, code, message) => {
    const e = await caught((async () => call())());
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
});
