// The query engine in real Chromium: no Node APIs, and the cold (all-async) read path works
// with the browser's Promise scheduling.

import { describe, expect, it } from 'vitest';
import { emptyDb } from '../db/parts.js';
import { withDb } from '../tx/index.js';
import { q } from './index.js';
import { fixtureDb } from '../db/testing/fixture-db.js';

describe('query in the browser', () => {
  it('joins, rules and aggregates over a real Db', async () => {
    const schema = [
      { 'db/ident': 'name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
      { 'db/ident': 'follows', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
    ];
    let db = (await withDb(emptyDb(), schema)).dbAfter;
    const r = await withDb(db, [
      { 'db/id': 'a', name: 'A', follows: ['b'] },
      { 'db/id': 'b', name: 'B', follows: ['c'] },
      { 'db/id': 'c', name: 'C' },
    ]);
    db = r.dbAfter;
    const rules = '[[(f ?x ?y) [?x :follows ?y]] [(f ?x ?y) [?x :follows ?t] (f ?t ?y)]]';
    const names = await q('[:find [?n ...] :in $ % ?s :where (f ?s ?y) [?y :name ?n]]', db, rules, r.tempids.a);
    expect([...(names as string[])].sort()).toEqual(['B', 'C']);
    expect(await q('[:find (count ?e) . :where [?e :name _]]', db)).toBe(3);
  });

  it('cold reads', async () => {
    const db = fixtureDb(
      { name: {}, age: {} },
      [
        [1, 'name', 'A'],
        [1, 'age', 3],
        [2, 'name', 'B'],
        [2, 'age', 5],
      ],
      { async: true },
    );
    expect(await q('[:find ?n . :where [?e :age ?a] [(> ?a 4)] [?e :name ?n]]', db)).toBe('B');
  });
});
