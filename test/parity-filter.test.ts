// filter(db, pred) views (issue 14): q, pull, datoms and entity see only the datoms the predicate
// keeps; filters compose with each other and with asOf/history; a filtered value is read-only.

import { beforeAll, describe, expect, it } from 'vitest';
import { asOf, datoms, db, entity, filter, history, pull, q, transact, withDb, type Connection, type Datom, type Db } from '../src/index.js';
import { attr, byName, caught, fresh, MANY } from './conformance-helpers.js';

let c: Connection;
let ids: Record<string, number>;
let t1: number;
beforeAll(async () => {
  c = await fresh([
    [attr('p/name', 'string'), attr('p/secret', 'string'), attr('p/friend', 'ref', MANY), attr('p/email', 'string', { 'db/unique': 'db.unique/identity' })],
  ]);
  const r = await transact(c, [
    { 'db/id': 'ann', 'p/name': 'Ann', 'p/email': 'ann@x', 'p/secret': 's1' },
    { 'db/id': 'bob', 'p/name': 'Bob', 'p/email': 'bob@x', 'p/secret': 's2', 'p/friend': ['ann'] },
  ]);
  ids = r.tempids as Record<string, number>;
  t1 = r.dbAfter.maxTx;
  await transact(c, [['db/add', ids.ann!, 'p/name', 'Anna'], { 'p/name': 'Cid', 'p/email': 'cid@x' }]);
});

const noSecrets = (_db: Db, d: Datom): boolean => d.a !== 'p/secret';
const notBob = (_db: Db, d: Datom): boolean => d.e !== ids.bob;

describe('filter', () => {
  it('q, pull, datoms and entity honour the predicate', async () => {
    const f = filter(db(c), noSecrets);
    expect(await q('[:find ?s :where [_ :p/secret ?s]]', f)).toEqual([]);
    expect(((await q('[:find ?s :where [_ :p/secret ?s]]', db(c))) as unknown[]).length).toBe(2);
    expect(await pull(f, '[*]', ids.bob!)).toEqual({ 'db/id': ids.bob, 'p/name': 'Bob', 'p/email': 'bob@x', 'p/friend': [{ 'db/id': ids.ann }] });
    expect(
      byName(
        (await datoms(f, 'eavt', ids.ann!)).map((d) => d.a),
        String,
      ),
    ).toEqual(['p/email', 'p/name']);
    expect(await datoms(f, 'aevt', 'p/secret')).toEqual([]);
    const ent = await entity(f, ids.ann!);
    expect(await ent!.get('p/secret')).toBeUndefined();
    expect(await ent!.get('p/name')).toBe('Anna');
  });

  it('the predicate gets the unfiltered database and each datom', async () => {
    const seen = new Set<string>();
    const f = filter(db(c), (d, datom) => {
      seen.add(typeof d.search);
      return datom.a === 'p/name';
    });
    expect(await q('[:find ?n :where [?e :p/name ?n] :order-by ?n]', f)).toEqual([['Anna'], ['Bob'], ['Cid']]);
    expect(seen).toEqual(new Set(['function']));
  });

  it('composes with another filter, asOf and history', async () => {
    const both = filter(filter(db(c), noSecrets), notBob);
    expect(await q('[:find ?n :where [?e :p/name ?n] :order-by ?n]', both)).toEqual([['Anna'], ['Cid']]);
    expect(await q('[:find ?s . :where [_ :p/secret ?s]]', both)).toBeNull();
    expect(await q('[:find ?n :where [?e :p/name ?n] :order-by ?n]', asOf(filter(db(c), notBob), t1))).toEqual([['Ann']]);
    expect(await q('[:find ?n :where [?e :p/name ?n] :order-by ?n]', filter(asOf(db(c), t1), notBob))).toEqual([['Ann']]);
    const h = await q('[:find ?n ?added :in $ ?e :where [?e :p/name ?n _ ?added] :order-by ?n ?added]', history(filter(db(c), noSecrets)), ids.ann!);
    expect(h).toEqual([
      ['Ann', false],
      ['Ann', true],
      ['Anna', true],
    ]);
  });

  it('lookup refs resolve through the filter', async () => {
    expect(await pull(filter(db(c), notBob), ['p/name'], ['p/email', 'ann@x'])).toEqual({ 'p/name': 'Anna' });
    expect((await caught(pull(filter(db(c), notBob), ['p/name'], ['p/email', 'bob@x']))).code).toBe('pull/lookup-ref');
  });

  it.each([
    ['a filtered value cannot be transacted against', () => withDb(filter(db(c), noSecrets), [{ 'p/name': 'X' }]), /filtered view/],
    ['the predicate must be a function', async () => filter(db(c), 'x' as never), /predicate function/],
  ] as const)('%s', async (_t, call, message) => {
    const e = await caught((async () => call())());
    expect(e.code).toBe('config/invalid');
    expect(e.message).toMatch(message);
  });
});
