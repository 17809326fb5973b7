// Which entity ids a transaction's own data names by number (what a synced device checks).
import { describe, expect, it } from 'vitest';
import { connect, createDatabase, db, registerTxFunction, withDb, type Db } from '../index.js';
import type { DbValue } from '../db/db.js';
import { explicitEntityIds } from './explicit-ids.js';

const SCHEMA = [
  { 'db/ident': 'p/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'p/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'p/friend', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many', 'db/unique': 'db.unique/value' },
];

let seq = 0;
async function base(): Promise<Db> {
  const config = { store: { backend: 'memory', id: `explicit-ids-${seq++}` }, initialTx: SCHEMA };
  await createDatabase(config);
  return db(await connect(config));
}

describe('explicitEntityIds', () => {
  it.each([
    ['db/id of a map', [{ 'db/id': 5, 'p/name': 'a' }], [5]],
    [
      'list ops',
      [
        ['db/add', 6, 'p/name', 'a'],
        ['db/retract', 7, 'p/name', 'b'],
        ['db/retractEntity', 8],
      ],
      [6, 7, 8],
    ],
    ['ref values, nested maps and card-many', [{ 'p/name': 'x', 'p/friend': [9, { 'db/id': 10, 'p/name': 'y' }] }], [9, 10]],
    [
      'a lookup ref on a ref attribute, not on a long',
      [
        { 'db/id': ['p/friend', 11], 'p/name': 'z' },
        { 'db/id': ['p/n', 12], 'p/name': 'w' },
      ],
      [11],
    ],
    ['cas, both values of a ref', [['db/cas', 13, 'p/friend', 14, 15]], [13, 14, 15]],
    [
      'purge targets',
      [
        ['db.purge/entity', 16],
        ['db/purge', 17, 'p/name', 'a'],
      ],
      [16, 17],
    ],
    ['an EDN string', '[[:db/add 18 :p/name "e"]]', [18]],
    ['tempids, lookup refs by value and tx names', [{ 'db/id': 'x', 'p/friend': ['p/name', 'a'] }, ['db/add', 'datomic.tx', 'p/name', 't']], []],
  ])('%s', async (_name, input, ids) => {
    expect([...explicitEntityIds((await base()) as DbValue, input)].sort((a, b) => a - b)).toEqual(ids);
  });

  it('leaves the arguments of transaction function calls alone, and reads attributes a call declares', async () => {
    registerTxFunction('explicit-ids/declare', () => [{ 'db/ident': 'q/ref', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' }]);
    const input = [['explicit-ids/declare', 20], { 'db/id': 'x', 'q/ref': 21 }];
    const before = await base();
    const r = await withDb(before, [['explicit-ids/declare', 20]]);
    expect(explicitEntityIds(r.dbAfter as DbValue, input)).toEqual([21]);
  });
});
