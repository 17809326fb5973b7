// Inputs bound through :in are normalised by the role the query gives them (docs/api.md: colon
// optional for keywords, longs as bigint, uuid case, lookup refs and idents for entities).
import { describe, expect, it } from 'vitest';
import { emptyDb } from '../db/parts.js';
import { withDb } from '../tx/index.js';
import type { Db } from '../db/types.js';
import { q } from './index.js';

const UUID = '123e4567-e89b-12d3-a456-426614174000';

async function fixture(): Promise<{ db: Db; a: number; b: number }> {
  const schema = await withDb(emptyDb({}), [
    { 'db/ident': 'p/status', 'db/valueType': 'db.type/keyword', 'db/cardinality': 'db.cardinality/one' },
    { 'db/ident': 'p/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
    { 'db/ident': 'p/big', 'db/valueType': 'db.type/bigint', 'db/cardinality': 'db.cardinality/one' },
    { 'db/ident': 'p/id', 'db/valueType': 'db.type/uuid', 'db/cardinality': 'db.cardinality/one' },
    { 'db/ident': 'p/email', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
    { 'db/ident': 'p/best', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
    { 'db/ident': 'color/red' },
    { 'db/ident': 'p/color', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
  ]);
  const r = await withDb(schema.dbAfter, [
    { 'db/id': 'a', 'p/email': 'a', 'p/status': 'st/on', 'p/n': 5, 'p/big': 7n, 'p/id': UUID, 'p/color': 'color/red' },
    { 'db/id': 'b', 'p/email': 'b', 'p/best': 'a', 'p/status': 'st/off' },
  ]);
  return { db: r.dbAfter, a: r.tempids['a']!, b: r.tempids['b']! };
}

describe('inputs are normalised by their role in the query', () => {
  const cases: [string, string, unknown, (f: { a: number; b: number }) => unknown][] = [
    ['keyword without its colon', '[:find ?e . :in $ ?v :where [?e :p/status ?v]]', 'st/on', (f) => f.a],
    ['keyword with its colon', '[:find ?e . :in $ ?v :where [?e :p/status ?v]]', ':st/on', (f) => f.a],
    ['a bigint for a long attribute', '[:find ?e . :in $ ?v :where [?e :p/n ?v]]', 5n, (f) => f.a],
    ['a number for a bigint attribute', '[:find ?e . :in $ ?v :where [?e :p/big ?v]]', 7, (f) => f.a],
    ['an upper-case uuid', '[:find ?e . :in $ ?v :where [?e :p/id ?v]]', UUID.toUpperCase(), (f) => f.a],
    ['a lookup ref in a ref value position', '[:find ?e . :in $ ?v :where [?e :p/best ?v]]', ['p/email', 'a'], (f) => f.b],
    ['an ident in a ref value position', '[:find ?e . :in $ ?v :where [?e :p/color ?v]]', 'color/red', (f) => f.a],
    ['a lookup ref in the entity position', '[:find ?s . :in $ ?e :where [?e :p/status ?s]]', ['p/email', 'b'], () => ':st/off'],
    ['a lookup ref naming nothing matches nothing', '[:find ?s . :in $ ?e :where [?e :p/status ?s]]', ['p/email', 'zzz'], () => null],
    ['a value of the wrong type matches nothing', '[:find ?e . :in $ ?v :where [?e :p/n ?v]]', 'five', () => null],
  ];
  it.each(cases)('%s', async (_name, query, input, expected) => {
    const f = await fixture();
    expect(await q(query, f.db, input)).toEqual(expected(f));
  });

  it('normalises collection and relation bindings too', async () => {
    const f = await fixture();
    expect(await q('[:find [?e ...] :in $ [?v ...] :where [?e :p/status ?v]]', f.db, ['st/on', 'st/off'])).toEqual(expect.arrayContaining([f.a, f.b]));
    expect(await q('[:find ?e ?n :in $ [[?e ?n]] :where [?e :p/n ?n]]', f.db, [[['p/email', 'a'], 5n]])).toEqual([[f.a, 5]]);
  });

  it('leaves a variable alone when the query gives it two different roles', async () => {
    const f = await fixture();
    // ?v is a keyword for :p/status and a long for :p/n: no normalisation, so only exact values match.
    expect(await q('[:find ?e :in $ ?v :where [?e :p/status ?v] [?e :p/n ?v]]', f.db, 'st/on')).toEqual([]);
  });
});

describe('pull patterns from :in', () => {
  it.each([
    ['a plain symbol, as Datomic writes it', '[:find (pull ?e pattern) . :in $ pattern ?email :where [?e :p/email ?email]]'],
    ['a ?variable', '[:find (pull ?e ?pattern) . :in $ ?pattern ?email :where [?e :p/email ?email]]'],
  ])('%s', async (_name, query) => {
    const f = await fixture();
    expect(await q(query, f.db, ['p/email', 'p/status'], 'a')).toEqual({ 'p/email': 'a', 'p/status': ':st/on' });
  });

  it('still takes a literal pattern', async () => {
    const f = await fixture();
    expect(await q('[:find (pull ?e [:p/email]) . :where [?e :p/email "b"]]', f.db)).toEqual({ 'p/email': 'b' });
  });
});

describe('the map form checks its paging', () => {
  it.each([
    ['offset', { offset: 'x' }, 'offset must be a non-negative integer, got "x"'],
    ['limit', { limit: -1 }, 'limit must be a non-negative integer, got -1'],
    ['limit', { limit: 1.5 }, 'limit must be a non-negative integer, got 1.5'],
    ['args', { args: 'nope' }, 'args must be an array of inputs, got "nope"'],
  ])('%s', async (_key, extra, message) => {
    const f = await fixture();
    await expect(q({ query: '[:find ?e :where [?e :p/email]]', args: [f.db], ...extra } as never)).rejects.toMatchObject({
      code: 'query/invalid-input',
      message,
    });
  });

  it('pages through a sorted relation with offset and limit', async () => {
    const f = await fixture();
    const all = (await q({ query: '[:find ?e :where [?e :p/email]]', args: [f.db] })) as unknown[];
    expect(all).toHaveLength(2);
    expect(await q({ query: '[:find ?e :where [?e :p/email]]', args: [f.db], offset: 1, limit: 5 })).toHaveLength(1);
    expect(await q({ query: '[:find ?e :where [?e :p/email]]', args: [f.db], limit: 0 })).toHaveLength(0);
  });
});
