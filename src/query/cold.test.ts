// Cold databases: every read is a Promise. A query must batch its reads per clause (one round
// trip for the estimates, one per pattern however many seeks it makes), and pull in :find must
// fetch its entities together.

import { describe, expect, it } from 'vitest';
import { q } from './index.js';
import { fixtureDb, type Gate, roundTrips } from '../db/testing/fixture-db.js';

const schema = { name: { index: true }, age: {}, friend: { ref: true, many: true }, email: { unique: 'identity' as const } };
const facts = [
  [1, 'name', 'Ivan'],
  [1, 'age', 15],
  [1, 'friend', 2],
  [1, 'friend', 3],
  [1, 'email', 'i@x'],
  [2, 'name', 'Petr'],
  [2, 'age', 37],
  [2, 'friend', 3],
  [3, 'name', 'Oleg'],
  [3, 'age', 37],
] as const;

describe('cold reads', () => {
  it('one round trip for the estimates and one per pattern, seeks batched', async () => {
    const gate: Gate = { pending: [] };
    const db = fixtureDb(schema, facts, { gate });
    const { result, trips } = await roundTrips(gate, () => q('[:find ?n ?a :where [?e :name "Ivan"] [?e :friend ?f] [?f :age ?a] [?f :name ?n]]', db));
    expect(result).toEqual(
      expect.arrayContaining([
        ['Petr', 37],
        ['Oleg', 37],
      ]),
    );
    expect((result as unknown[]).length).toBe(2);
    expect(trips).toBe(1 + 4);
  });

  it('the same query on a warm database gives the same answer synchronously read', async () => {
    const db = fixtureDb(schema, facts);
    const text = '[:find ?n ?a :where [?e :name "Ivan"] [?e :friend ?f] [?f :age ?a] [?f :name ?n]]';
    expect(await q(text, db)).toEqual(await q(text, fixtureDb(schema, facts, { async: true })));
  });

  it('pushes bound values into seeks instead of scanning', async () => {
    const db = fixtureDb(schema, [...facts, ...Array.from({ length: 200 }, (_, i) => [100 + i, 'age', i] as const)]);
    db.reads = 0;
    await q('[:find ?a :where [?e :name "Ivan"] [?e :age ?a]]', db);
    expect(db.reads).toBe(2); // one AVET lookup of the name, one EAVT seek of Ivan's age
  });

  it('pull in :find, pattern literal and from :in, one batch per pull element', async () => {
    const gate: Gate = { pending: [] };
    const db = fixtureDb(schema, facts, { gate });
    const { result } = await roundTrips(gate, () => q('[:find (pull ?e [:name {:friend [:name]}]) (pull ?e ?p) :in $ ?p :where [?e :age 37]]', db, '[:age]'));
    const rows = (result as Record<string, unknown>[][]).sort((x, y) => String(x[0]!.name).localeCompare(String(y[0]!.name)));
    expect(rows).toEqual([
      [{ name: 'Oleg' }, { age: 37 }],
      [{ name: 'Petr', friend: [{ name: 'Oleg' }] }, { age: 37 }],
    ]);
  });

  it('pull with a lookup-ref entity and scalar find spec', async () => {
    const db = fixtureDb(schema, facts, { async: true });
    expect(await q('[:find (pull ?e [:age]) . :in $ ?e]', db, 1)).toEqual({ age: 15 });
    expect(await q('[:find (pull ?f [:name]) . :where [[:email "i@x"] :friend ?f] [?f :age 37] [?f :name "Petr"]]', db)).toEqual({ name: 'Petr' });
  });
});
