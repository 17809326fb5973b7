// The simple path (simple.ts) against the general stages on the same data: a trailing null
// element (skipped by the general stages) keeps the simple path out, so every case runs both
// ways and must give the same report (txData, tempids and their order), the same database and
// the same error.

import { describe, expect, it } from 'vitest';
import { isCairnError } from '../util/errors.js';
import { attr, dbWith, PEOPLE, rows, tx } from './test-util.js';
import { simpleTx } from './simple.js';
import { asDbValue } from '../db/db.js';
import type { Db, TxReport } from '../db/types.js';

const SCHEMA = [
  ...PEOPLE,
  attr('thing/when', 'instant'),
  attr('thing/score', 'double'),
  attr('thing/ok', 'boolean'),
  attr('thing/tags', 'keyword', { many: true }),
  attr('thing/big', 'bigint'),
];

async function both(db: Db, data: unknown[], txMeta?: Record<string, unknown>): Promise<[TxReport | string, TxReport | string]> {
  const run = async (d: unknown[]): Promise<TxReport | string> => {
    try {
      return await tx(db, txMeta === undefined ? d : { txData: d, txMeta });
    } catch (e) {
      return isCairnError(e) ? `${e.code}: ${e.message}` : String(e);
    }
  };
  return [await run(data), await run([...data, null])];
}

async function expectSame(db: Db, data: unknown[], txMeta?: Record<string, unknown>): Promise<void> {
  const [fast, general] = await both(db, data, txMeta);
  if (typeof fast === 'string' || typeof general === 'string') {
    expect(fast).toEqual(general);
    return;
  }
  expect(rows(fast.txData)).toEqual(rows(general.txData));
  expect(Object.entries(fast.tempids)).toEqual(Object.entries(general.tempids));
  expect(fast.txMeta).toEqual(general.txMeta);
  expect(await fast.dbAfter.datoms('eavt')).toEqual(await general.dbAfter.datoms('eavt'));
  expect(await fast.dbAfter.datoms('avet')).toEqual(await general.dbAfter.datoms('avet'));
  expect(asDbValue(fast.dbAfter).maxEid).toBe(asDbValue(general.dbAfter).maxEid);
}

describe('the simple path for new entity maps', () => {
  it('takes new entities with plain values, and gives what the general stages give', async () => {
    const db = await dbWith(SCHEMA);
    const data = [
      { 'db/id': -1, 'person/name': 'Ann', 'person/age': 30, 'person/nick': ['a', 'b', 'a'] },
      { 'person/name': 'Bob', 'thing/tags': new Set([':x', 'y', ':y']), 'thing/score': 1.5 },
      { 'db/id': 'c', 'person/name': 'Cy', 'thing/when': new Date(5), 'thing/ok': false, 'thing/big': 12n },
      { ':db/id': 'd', 'person/age': 7, 'person/nick': [], 'person/status': ':status/active' },
    ];
    expect(simpleTx(asDbValue(db).schema, data, 1, 100)).toBeDefined();
    await expectSame(db, data);
    await expectSame(db, data, { 'thing/ok': true });
  });

  it('leaves every other shape to the general stages, with the same result', async () => {
    const db = await dbWith(SCHEMA, [{ 'db/id': 'e', 'person/name': 'Eve', 'person/email': 'eve@x' }]);
    const cases: unknown[][] = [
      [
        { 'db/id': 'a', 'person/name': 'A' },
        { 'db/id': 'a', 'person/age': 3 },
      ], // one tempid in two maps
      [{ 'person/email': 'eve@x', 'person/age': 50 }], // upsert through a unique identity
      [{ 'person/name': 'F', 'person/friend': ['e'] }], // a ref
      [{ 'person/name': 'G', 'person/address': { 'address/city': 'Rome' } }], // nested component map
      [{ 'db/id': 13, 'person/age': 1 }], // an existing entity
      [{ 'person/name': 'H', ':person/name': 'H2' }], // one attribute twice
      [{ 'db/id': 'x' }], // asserts nothing
      [{ 'person/name': 'I', 'person/age': 'old' }], // type error
      [{ 'person/name': null }], // nil
      [{ 'person/nope': 1 }], // unknown attribute
      [{ 'person/name': 'J' }, ['db/add', -5, 'person/age', 3]], // a list op
      [{ 'db/id': 'db/current-tx', 'thing/ok': true }], // the tx entity
      [{ 'person/_friend': 'e', 'person/name': 'K' }], // a reverse key
      [{ 'person/name': ['L', 'M'] }], // several values for a card-one attribute
    ];
    for (const data of cases) {
      expect(simpleTx(asDbValue(db).schema, data, 1, 100)).toBeUndefined();
      await expectSame(db, data);
    }
  });

  it('tells numeric tempids apart in any order, and leaves a repeated one to the general stages', async () => {
    const db = await dbWith(SCHEMA);
    const maps = (ids: unknown[]) => ids.map((id, i) => ({ 'db/id': id, 'person/age': i }));
    const simple: unknown[][] = [
      [-1, -2, -3, -4], // the usual run
      [-4, -3, -2, -1], // ascending
      [-1, -5, -2, -4, -3], // turning: distinct all the same
      [-1, 'a', -2, 'b'], // numbers beside names
    ];
    for (const ids of simple) {
      expect(simpleTx(asDbValue(db).schema, maps(ids), 1, 100)).toBeDefined();
      await expectSame(db, maps(ids));
    }
    const general: unknown[][] = [
      [-1, -2, -1], // repeated after the run turned
      [-3, -2, -1, -2, -3],
      [-1, -2, -2], // repeated at once
      [-1, '-1'], // one tempid spelled two ways
      ['a', 'b', 'a'],
    ];
    for (const ids of general) {
      expect(simpleTx(asDbValue(db).schema, maps(ids), 1, 100)).toBeUndefined();
      await expectSame(db, maps(ids));
    }
  });
});
