// Attribute refs through the real worker over IndexedDB in Chromium: the same scenario with and
// without `attributeRefs` gives the same answers (q, pull, datoms, history, a reconnect that
// reads the stored nodes back); with them an attribute can be named by its entity id, the system
// entities have their fixed ids, and a reconnect that disagrees is config/mismatch.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorker } from './client.js';
import type { ClientApi } from './protocol.js';

let cairn: ClientApi;
beforeAll(() => {
  cairn = openWorker();
});
afterAll(async () => {
  await cairn.close();
});

const SCHEMA = [
  { 'db/ident': 'p/email', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'p/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'p/age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one', 'db/index': true },
  { 'db/ident': 'p/friend', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
];
const sorted = (x: unknown): unknown[] => [...(x as unknown[])].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The scenario's answers, with entity ids left out (they differ: system entities come first with attribute refs). */
async function scenario(attributeRefs: boolean): Promise<unknown> {
  // a small branching factor: the tail folds into the trees every few datoms, so the reconnect reads stored nodes
  const config = { store: { backend: 'indexeddb', id: `attr-refs-${attributeRefs}-${Date.now().toString(36)}` }, attributeRefs, branchingFactor: 8 };
  await cairn.createDatabase(config);
  let conn = await cairn.connect(config);
  await cairn.transact(conn, SCHEMA);
  await cairn.transact(conn, [
    { 'db/id': 'ann', 'p/email': 'ann@x', 'p/name': 'Ann', 'p/age': 30 },
    { 'db/id': 'bob', 'p/email': 'bob@x', 'p/name': 'Bob', 'p/age': 41, 'p/friend': ['ann'] },
  ]);
  await cairn.transact(conn, [{ 'p/email': 'ann@x', 'p/name': 'Anna' }, ['db/retract', ['p/email', 'bob@x'], 'p/age', 41]]);
  await cairn.release(conn);
  conn = await cairn.connect(config); // read back from IndexedDB
  const d = cairn.db(conn);
  const out = {
    names: sorted(await cairn.q('[:find ?n ?a :where [?e :p/name ?n] [(get-else $ ?e :p/age 0) ?a]]', d)),
    friends: await cairn.q('[:find ?fn . :where [?e :p/email "bob@x"] [?e :p/friend ?f] [?f :p/name ?fn]]', d),
    pull: await cairn.pull(d, '[:p/name {:p/friend [:p/email]}]', ['p/email', 'bob@x']),
    aevt: (await cairn.datoms(d, 'aevt', 'p/name')).map((x) => [x.a, x.v]),
    avet: (await cairn.datoms(d, 'avet', 'p/age')).map((x) => [x.a, x.v]),
    history: sorted(await cairn.q('[:find ?v ?added :where [_ :p/name ?v _ ?added]]', cairn.history(d))),
    attrsOfAnn: sorted((await cairn.datoms(d, 'eavt', ['p/email', 'ann@x'])).map((x) => x.a)),
  };
  if (attributeRefs) {
    expect(await cairn.q('[:find ?e . :where [?e :db/ident :db/txInstant]]', d)).toBe(9);
    const nameId = (await cairn.q('[:find ?e . :where [?e :db/ident :p/name]]', d)) as number;
    expect(nameId).toBeGreaterThan(54);
    expect((await cairn.datoms(d, 'aevt', nameId)).map((x) => x.v)).toEqual(['Anna', 'Bob']);
    expect(sorted(await cairn.q(`[:find ?n :where [_ ${nameId} ?n]]`, d))).toEqual([['Anna'], ['Bob']]);
    const e = await cairn.connect({ ...config, attributeRefs: false }).then(
      () => null,
      (err: { code?: string; message?: string }) => err,
    );
    expect(e?.code).toBe('config/mismatch');
    expect(e?.message).toMatch(/created with attributeRefs true, but connect was given false/);
  }
  await cairn.release(conn);
  await cairn.deleteDatabase(config);
  return out;
}

describe('attribute refs through the worker', () => {
  it('the same scenario gives the same answers with and without them', async () => {
    const plain = await scenario(false);
    const refs = await scenario(true);
    expect(refs).toEqual(plain);
    expect(plain).toMatchObject({ friends: 'Anna', pull: { 'p/name': 'Bob', 'p/friend': [{ 'p/email': 'ann@x' }] } });
  });
});
