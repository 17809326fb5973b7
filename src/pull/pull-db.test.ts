// Pull and entity over real Db values built with withDb (src/tx), with an EDN tx string.
import { beforeAll, describe, expect, it } from 'vitest';
import { asOf, emptyDb } from '../db/index.js';
import type { Db } from '../db/types.js';
import { withDb } from '../tx/index.js';
import { Entity, entity } from './entity.js';
import { pull, pullMany } from './index.js';

const SCHEMA = `[
  {:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
  {:db/ident :person/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
  {:db/ident :person/status :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}
  {:db/ident :person/tags :db/valueType :db.type/string :db/cardinality :db.cardinality/many}
  {:db/ident :person/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
  {:db/ident :person/address :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/isComponent true}
  {:db/ident :address/city :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
  {:db/ident :person/born :db/valueType :db.type/instant :db/cardinality :db.cardinality/one}
]`;

const DATA = `[
  {:db/id "ada" :person/name "Ada" :person/email "ada@x.org" :person/status :status/active
   :person/tags ["math" "engines"] :person/address {:address/city "London"}
   :person/born #inst "1815-12-10T00:00:00.000Z" :person/friend ["bob"]}
  {:db/id "bob" :person/name "Bob" :person/email "bob@x.org" :person/friend ["ada" "cy"]}
  {:db/id "cy" :person/name "Cy" :person/email "cy@x.org"}
]`;

let db: Db;
let ids: Record<string, number>;

beforeAll(async () => {
  const s = await withDb(emptyDb(), SCHEMA);
  const r = await withDb(s.dbAfter, DATA);
  db = r.dbAfter;
  ids = r.tempids;
});

describe('pull over a real Db', () => {
  it('pulls attributes, keywords, instants, card-many, components and refs', async () => {
    expect(await pull(db, '[*]', ['person/email', 'ada@x.org'])).toEqual({
      'db/id': ids['ada'],
      'person/name': 'Ada',
      'person/email': 'ada@x.org',
      'person/status': ':status/active',
      'person/tags': ['engines', 'math'],
      'person/address': { 'db/id': expect.any(Number), 'address/city': 'London' },
      'person/born': new Date('1815-12-10T00:00:00.000Z'),
      'person/friend': [{ 'db/id': ids['bob'] }],
    });
  });

  it('follows refs both ways with nested patterns and recursion', async () => {
    expect(await pull(db, '[:person/name {:person/friend [:person/name]} {:person/_friend [:person/name]}]', ids['bob']!)).toEqual({
      'person/name': 'Bob',
      'person/friend': [{ 'person/name': 'Ada' }, { 'person/name': 'Cy' }],
      'person/_friend': [{ 'person/name': 'Ada' }],
    });
    expect(await pull(db, ['person/name', { 'person/friend': '...' }], ids['ada']!)).toEqual({
      'person/name': 'Ada',
      // As in Datahike, the root is not on the recursion path: it is expanded once more when
      // reached again, and the cycle is cut at Bob, who was entered through the recursion.
      'person/friend': [
        { 'person/name': 'Bob', 'person/friend': [{ 'person/name': 'Ada', 'person/friend': [{ 'db/id': ids['bob'] }] }, { 'person/name': 'Cy' }] },
      ],
    });
  });

  it('pullMany keeps order; misses are null; idents resolve', async () => {
    expect(await pullMany(db, '[:person/name]', [ids['cy']!, ['person/email', 'ada@x.org'], ids['ada']!, 999999])).toEqual([
      { 'person/name': 'Cy' },
      { 'person/name': 'Ada' },
      { 'person/name': 'Ada' },
      null,
    ]);
    await expect((async () => pullMany(db, '[:person/name]', [['person/email', 'nobody']]))()).rejects.toMatchObject({ code: 'pull/lookup-ref' });
    await expect((async () => pull(db, '[:person/name]', ['person/name', 'Ada']))()).rejects.toMatchObject({ code: 'pull/lookup-ref' });
    expect(() => pullMany(db, '[:person/name]', 13 as never)).toThrow(/pullMany needs an array of entity references, got 13/);
    expect(await pull(db, '[:db/ident :db/cardinality]', 'person/tags')).toEqual({
      'db/ident': ':person/tags',
      'db/cardinality': ':db.cardinality/many',
    });
  });

  it('entity navigates the same data', async () => {
    const ada = (await entity(db, ['person/email', 'ada@x.org']))!;
    expect(await ada.get('person/status')).toBe(':status/active');
    const [bob] = (await ada.get('person/friend')) as Entity[];
    expect(await bob!.get('person/name')).toBe('Bob');
    const fans = (await ada.get('person/_friend')) as Entity[];
    expect(fans.map((f) => f.id)).toEqual([ids['bob']]);
    await ada.touch();
    const address = ada.get('person/address') as Entity;
    expect(address.get('address/city')).toBe('London'); // touched recursively: component loaded
  });

  it('reads the view it is given (asOf)', async () => {
    const before = db;
    const r = await withDb(before, `[[:db/add ${ids['ada']} :person/name "Ada Lovelace"] [:db/retract ${ids['bob']} :person/friend ${ids['cy']}]]`);
    const pattern = '[:person/name {:person/friend [:person/name]}]';
    expect(await pull(r.dbAfter, pattern, ids['bob']!)).toEqual({
      'person/name': 'Bob',
      'person/friend': [{ 'person/name': 'Ada Lovelace' }],
    });
    expect(await pull(asOf(r.dbAfter, before.basisT), pattern, ids['bob']!)).toEqual({
      'person/name': 'Bob',
      'person/friend': [{ 'person/name': 'Ada' }, { 'person/name': 'Cy' }],
    });
  });
});
