// explain / queryStats (issue 14): the result plus the plan the planner followed — clauses in
// evaluation order, the index each pattern read, estimated and actual rows.

import { beforeAll, describe, expect, it } from 'vitest';
import { db, explain, q, queryStats, transact, type Connection } from '../src/index.js';
import { attr, caught, fresh, MANY } from './conformance-helpers.js';

let c: Connection;
beforeAll(async () => {
  c = await fresh([[attr('p/email', 'string', { 'db/unique': 'db.unique/identity' }), attr('p/age', 'long'), attr('p/friend', 'ref', MANY)]]);
  const people = Array.from({ length: 50 }, (_, i) => ({ 'db/id': `p${i}`, 'p/email': `${i}@x`, 'p/age': i % 10 }));
  await transact(c, people);
  await transact(c, [
    {
      'p/email': '0@x',
      'p/friend': [
        ['p/email', '1@x'],
        ['p/email', '2@x'],
      ],
    },
  ]);
});

describe('explain', () => {
  it('returns the result and the clauses in the order they ran, selective ones first', async () => {
    const query = '[:find ?a :where [?e :p/age ?a] [?e :p/email "7@x"]]';
    const { result, plan } = await explain(query, db(c));
    expect(result).toEqual(await q(query, db(c)));
    expect(plan.map((s) => [s.clause, s.index, s.depth])).toEqual([
      ['[?e :p/email "7@x"]', 'avet', 0],
      ['[?e :p/age ?a]', 'eavt', 0],
    ]);
    expect(plan[0]).toMatchObject({ order: 0, estimatedRows: 1, actualRows: 1 });
    expect(plan[1]).toMatchObject({ order: 1, actualRows: 1 });
  });

  it('a scan of an attribute reads AEVT; predicates and functions have no index', async () => {
    const { plan } = await explain('[:find ?e :where [?e :p/age ?a] [(> ?a 7)]]', db(c));
    expect(plan.map((s) => [s.clause, s.index, s.estimatedRows, s.actualRows])).toEqual([
      ['[?e :p/age ?a]', 'aevt', 50, 50],
      ['[(> ?a 7)]', null, null, 10],
    ]);
  });

  it('lists clauses nested in or / not / rules with their depth', async () => {
    const { plan } = await queryStats({
      query: '[:find ?f :in $ % :where [?e :p/email "0@x"] (friends ?e ?f) (not [?f :p/age 2])]',
      args: [db(c), '[[(friends ?a ?b) [?a :p/friend ?b]]]'],
    });
    expect(plan.map((s) => [s.order, s.depth, s.clause, s.index, s.actualRows])).toEqual([
      [0, 0, '[?e :p/email "0@x"]', 'avet', 1],
      [1, 0, '(friends ?e ?f)', null, 2],
      [2, 1, '[?e :p/friend ?f]', 'eavt', 2], // the rule body, inlined with the caller's variables
      [3, 0, '(not [?f :p/age 2])', null, 1],
      [4, 1, '[?f :p/age 2]', 'eavt', 1],
    ]);
  });

  it('a collection source reads the collection', async () => {
    const { plan, result } = await explain('[:find ?n :in $ :where [_ :name ?n]]', [[1, 'name', 'A']]);
    expect(result).toEqual([['A']]);
    expect(plan[0]).toMatchObject({ index: 'collection', actualRows: 1 });
  });

  it('errors are the query errors', async () => {
    expect((await caught(explain('[:find ?x :where [?e :p/age]]', db(c)))).code).toBe('query/unbound-variable');
  });
});
