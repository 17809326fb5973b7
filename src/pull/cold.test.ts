// Pull and entity over a database reopened from its store: index nodes are not in memory, so
// the first reads are Promises (lazy loading); the same pull afterwards is served synchronously.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createDatabase, db, deleteDatabase, release, transact } from '../api.js';
import type { Config } from '../engine.js';
import { isPromise } from '../util/maybe.js';
import { Entity, entity } from './entity.js';
import { pull, pullMany } from './index.js';

const N = 300;
const config: Config = { store: { backend: 'memory', id: 'pull-cold-test' }, branchingFactor: 8 };

beforeAll(async () => {
  await createDatabase(config);
  const conn = await connect(config);
  await transact(
    conn,
    `[
    {:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
    {:db/ident :person/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
    {:db/ident :person/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]`,
  );
  const people = Array.from({ length: N }, (_, i) => ({
    'db/id': `p${i}`,
    'person/name': `Person ${i}`,
    'person/email': `p${i}@x.org`,
    'person/friend': [`p${(i + 1) % N}`, `p${(i * 7) % N}`],
  }));
  await transact(conn, people);
  await release(conn);
});

afterAll(async () => {
  await deleteDatabase(config);
});

describe('pull over lazily loaded index nodes', () => {
  it('goes async on a cold cache, then serves the same pull synchronously', async () => {
    const conn = await connect(config, { shared: false });
    try {
      const d = db(conn);
      const pattern = '[:person/name {:person/friend [:person/email]}]';
      const cold = pull(d, pattern, ['person/email', 'p42@x.org']);
      expect(isPromise(cold)).toBe(true);
      const expected = {
        'person/name': 'Person 42',
        'person/friend': [{ 'person/email': 'p43@x.org' }, { 'person/email': 'p294@x.org' }],
      };
      expect(await cold).toEqual(expected);
      const warm = pull(d, pattern, ['person/email', 'p42@x.org']);
      expect(isPromise(warm)).toBe(false);
      expect(warm).toEqual(expected);
    } finally {
      await release(conn);
    }
  });

  it('pullMany over every person matches pull one by one', async () => {
    const conn = await connect(config, { shared: false });
    try {
      const d = db(conn);
      const refs = Array.from({ length: N }, (_, i) => ['person/email', `p${(i * 37) % N}@x.org`] as const);
      const many = await pullMany(d, '[:person/name {:person/friend [:person/name]}]', refs);
      expect(many).toHaveLength(N);
      for (let i = 0; i < N; i += 29) {
        expect(many[i]).toEqual(await pull(d, '[:person/name {:person/friend [:person/name]}]', refs[i]!));
        expect((many[i] as { 'person/name': string })['person/name']).toBe(`Person ${(i * 37) % N}`);
      }
    } finally {
      await release(conn);
    }
  });

  it('entity reads are awaitable when cold', async () => {
    const conn = await connect(config, { shared: false });
    try {
      const e = (await entity(db(conn), ['person/email', 'p7@x.org']))!;
      const friends = (await e.get('person/friend')) as Entity[];
      expect(await Promise.all(friends.map((f) => f.get('person/name')))).toEqual(['Person 8', 'Person 49']);
      const fans = (await e.get('person/_friend')) as Entity[];
      expect(await Promise.all(fans.map((f) => f.get('person/email')))).toEqual(['p1@x.org', 'p6@x.org']);
    } finally {
      await release(conn);
    }
  });
});
