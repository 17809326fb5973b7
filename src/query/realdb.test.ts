// Queries against real databases built with withDb (src/tx): the parts where the Db's own
// behaviour matters - lookup refs and idents, keyword values, history and as-of views, the
// transaction position, plus custom aggregates registered by name.

import { beforeAll, describe, expect, it } from 'vitest';
import { asOf, history } from '../db/db.js';
import { emptyDb } from '../db/parts.js';
import type { Db } from '../db/types.js';
import { withDb } from '../tx/index.js';
import { q, registerAggregate } from './index.js';

const SCHEMA = [
  { 'db/ident': 'person/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/email', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'person/status', 'db/valueType': 'db.type/keyword', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/friend', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
  { 'db/ident': 'person/role', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'role/admin' },
  { 'db/ident': 'role/user' },
];

let db1: Db; // after the first transaction
let db2: Db; // after Petr's rename
let ids: Record<string, number>;

beforeAll(async () => {
  const schema = (await withDb(emptyDb(), SCHEMA)).dbAfter;
  const r1 = await withDb(schema, [
    {
      'db/id': 'ivan',
      'person/name': 'Ivan',
      'person/email': 'ivan@x',
      'person/status': ':status/active',
      'person/age': 30,
      'person/role': 'role/admin',
      'person/friend': ['petr'],
    },
    { 'db/id': 'petr', 'person/name': 'Petr', 'person/email': 'petr@x', 'person/status': ':status/away', 'person/age': 40, 'person/role': 'role/user' },
  ]);
  db1 = r1.dbAfter;
  ids = { ivan: r1.tempids.ivan!, petr: r1.tempids.petr! };
  db2 = (await withDb(db1, [['db/add', ['person/email', 'petr@x'], 'person/name', 'Pyotr']])).dbAfter;
});

describe('real Db', () => {
  it('lookup refs as constants and from :in, scalar and collection', async () => {
    expect(await q('[:find ?n . :where [[:person/email "ivan@x"] :person/name ?n]]', db2)).toBe('Ivan');
    expect(await q('[:find ?n . :in $ ?e :where [?e :person/name ?n]]', db2, ['person/email', 'petr@x'])).toBe('Pyotr');
    expect(await q('[:find [?n ...] :in $ [?e ...] :where [?e :person/name ?n]]', db2, [['person/email', 'petr@x'], ids.ivan])).toEqual(
      expect.arrayContaining(['Pyotr', 'Ivan']),
    );
    expect(await q('[:find ?f . :where [?e :person/friend [:person/email "petr@x"]] [?e :person/name ?f]]', db2)).toBe('Ivan');
  });

  it('keyword values and idents of ref values', async () => {
    expect(await q('[:find ?n . :where [?e :person/status :status/active] [?e :person/name ?n]]', db2)).toBe('Ivan');
    expect(await q('[:find ?s . :where [?e :person/name "Ivan"] [?e :person/status ?s]]', db2)).toBe(':status/active');
    expect(await q('[:find ?n . :where [?e :person/role :role/user] [?e :person/name ?n]]', db2)).toBe('Pyotr');
    expect(await q('[:find ?i . :where [?e :person/name "Ivan"] [?e :person/role ?r] [?r :db/ident ?i]]', db2)).toBe(':role/admin');
  });

  it('attribute variables, also bound through :in with or without the colon', async () => {
    expect(await q('[:find ?v . :in $ ?a :where [?e ?a ?v] [?e :person/name "Ivan"]]', db2, ':person/age')).toBe(30);
    expect(await q('[:find ?v . :in $ ?a :where [?e ?a ?v] [?e :person/name "Ivan"]]', db2, 'person/age')).toBe(30);
    expect(await q('[:find [?a ...] :where [?e :person/name "Ivan"] [?e ?a _]]', db2)).toEqual(
      expect.arrayContaining(['person/name', 'person/email', 'person/friend']),
    );
  });

  it('history, as-of and the transaction position', async () => {
    const h = history(db2);
    const names = (await q('[:find ?n ?added :where [?e :person/email "petr@x"] [?e :person/name ?n ?tx ?added]]', h)) as unknown[][];
    expect(names.sort()).toEqual([
      ['Petr', false],
      ['Petr', true],
      ['Pyotr', true],
    ]);
    const t1 = (await q('[:find ?tx . :where [?e :person/name "Ivan" ?tx]]', db2)) as number;
    expect(await q('[:find ?n . :in $ ?e :where [?e :person/name ?n]]', asOf(db2, t1), ids.petr)).toBe('Petr');
    expect(await q('[:find (count ?tx) . :where [_ :person/name _ ?tx]]', h)).toBe(2);
  });

  it('get-else, missing? and get-some read the Db', async () => {
    const rows = (await q('[:find ?n ?f :where [?e :person/name ?n] [(get-else $ ?e :person/age 0) ?f]]', db2)) as unknown[][];
    expect(rows.sort()).toEqual([
      ['Ivan', 30],
      ['Pyotr', 40],
    ]);
    expect(await q('[:find ?n . :where [?e :person/name ?n] [(missing? $ ?e :person/friend)]]', db2)).toBe('Pyotr');
    expect(await q('[:find ?v . :in $ ?e :where [(get-some $ ?e :person/nick :person/name) ?v]]', db2, ids.ivan)).toEqual(['person/name', 'Ivan']);
  });

  it('custom aggregates registered by name', async () => {
    registerAggregate('test/oldest-name', (xs) => [...xs].sort().reverse()[0]);
    registerAggregate('test/spread', (xs, k) => (Math.max(...(xs as number[])) - Math.min(...(xs as number[]))) * (k as number));
    expect(await q('[:find (test/oldest-name ?n) . :where [_ :person/name ?n]]', db2)).toBe('Pyotr');
    expect(await q('[:find (test/spread 2 ?a) . :where [_ :person/age ?a]]', db2)).toBe(20);
  });

  it('random and sample aggregates return members of the group', async () => {
    const s = (await q('[:find (sample 5 ?n) . :where [_ :person/name ?n]]', db2)) as string[];
    expect([...s].sort()).toEqual(['Ivan', 'Pyotr']);
    expect(['Ivan', 'Pyotr']).toContain(await q('[:find (rand ?n) . :where [_ :person/name ?n]]', db2));
    expect(await q('[:find (rand 3 ?n) . :where [_ :person/name ?n]]', db2)).toHaveLength(3);
  });
});
