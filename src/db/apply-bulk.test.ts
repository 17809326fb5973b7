// The bulk path of applyChanges (a large batch of only additions, sorted once and merged into
// each index; apply.ts) against what the indices must hold: every index equals the datoms
// sorted under its own order, the trees pass their invariant checks, and the result is the
// same as the same data transacted in small transactions (one add at a time).

import { describe, expect, it } from 'vitest';
import { dbWith, tx } from '../tx/test-util.js';
import { cmpAEVT, cmpAVET, cmpEAVT } from './compare.js';
import { asDbValue, history } from './db.js';
import type { Datom, Db } from './types.js';

const people = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    'db/id': `p${from + i}`,
    'person/name': `name ${(from + i) % 17}`,
    'person/age': (from + i) % 90, // indexed: goes to AVET too
    'person/nick': [`n${i % 3}`, `m${i % 5}`],
    'person/email': `p${from + i}@x`,
  }));

async function indexes(db: Db): Promise<Record<string, Datom[]>> {
  const st = asDbValue(db).state;
  for (const s of [st.eavt, st.aevt, st.avet]) await s.checkValid();
  return { eavt: await st.eavt.slice(undefined, undefined), aevt: await st.aevt.slice(undefined, undefined), avet: await st.avet.slice(undefined, undefined) };
}

const eav = (ds: readonly Datom[]) => ds.map((d) => [d.e, d.a, d.v, d.added]);

describe('applying a large batch of additions', () => {
  it('fills every index in its own order, valid, and equal to small transactions of the same data', async () => {
    let bulk = await dbWith();
    let small = await dbWith();
    // Two bulk transactions: the second merges into trees that already hold the first.
    for (const from of [0, 300]) {
      const data = people(from, 300);
      bulk = (await tx(bulk, data)).dbAfter;
      for (let i = 0; i < data.length; i += 5) small = (await tx(small, data.slice(i, i + 5))).dbAfter;
    }
    const b = await indexes(bulk);
    const s = await indexes(small);
    const all = b.eavt!;
    expect(all.length).toBeGreaterThan(3000);
    expect(b.aevt).toEqual(all.slice().sort(cmpAEVT));
    expect(all).toEqual(all.slice().sort(cmpEAVT));
    const indexed = all.filter((d) => asDbValue(bulk).schema.indexed.has(d.a));
    expect(b.avet).toEqual(indexed.sort(cmpAVET));
    // Small transactions give the same facts (tx ids differ: 120 transactions against 2).
    const userFacts = (ds: readonly Datom[]) => eav(ds.filter((d) => d.e < 0x20000000));
    expect(userFacts(b.eavt!)).toEqual(userFacts(s.eavt!));
    expect(userFacts(b.aevt!)).toEqual(userFacts(s.aevt!));
    expect(userFacts(b.avet!)).toEqual(userFacts(s.avet!));
  });

  it('a large batch with retractions takes the one-at-a-time path and keeps history right', async () => {
    let db = (await tx(await dbWith(), people(0, 100))).dbAfter;
    // Overwrite every age (card one: a retraction and an assertion each) in one large tx.
    const ids = (await asDbValue(db).datoms('aevt', 'person/email')).map((d) => d.e);
    const report = await tx(
      db,
      ids.map((e) => ({ 'db/id': e, 'person/age': 200 })),
    );
    db = report.dbAfter;
    expect(report.txData.filter((d) => !d.added)).toHaveLength(100);
    const st = asDbValue(db).state;
    await st.avet.checkValid();
    const ages = await asDbValue(db).datoms('aevt', 'person/age');
    expect(ages.every((d) => d.v === 200)).toBe(true);
    const past = await (history(db) as typeof db).datoms('aevt', 'person/age');
    expect(past.filter((d) => !d.added)).toHaveLength(100);
  });
});

describe('a large batch over many attributes', () => {
  it('orders AEVT right past the attribute count where grouping switches to a map', async () => {
    const attrs = Array.from({ length: 40 }, (_, i) => `x/a${(i * 7) % 40}`);
    const schema = attrs.map((a) => ({ 'db/ident': a, 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' }));
    const data = Array.from({ length: 30 }, (_, e) => Object.fromEntries(attrs.map((a, i) => [a, e * i])));
    const db = (await tx(await dbWith(schema), data)).dbAfter;
    const b = await indexes(db);
    expect(b.eavt!.length).toBeGreaterThan(1200);
    expect(b.aevt).toEqual(b.eavt!.slice().sort(cmpAEVT));
  });
});

describe('the EAVT order of a large batch', () => {
  // Entity ids in a few ascending runs are sorted run by run and merged; too many runs, or an
  // entity with many datoms, take other paths: each must give the same index.
  const many = Array.from({ length: 40 }, (_, i) => `v${(i * 13) % 40}`);
  const cases: [string, (ids: number[]) => number[]][] = [
    ['ascending ids', (ids) => ids],
    ['three ascending runs', (ids) => [...ids.slice(60), ...ids.slice(0, 30), ...ids.slice(30, 60)]],
    ['descending ids (more runs than are merged)', (ids) => ids.slice().reverse()],
  ];
  it.each(cases)('%s', async (_name, order) => {
    const created = await tx(await dbWith(), people(0, 90));
    const ids = [...new Set((await asDbValue(created.dbAfter).datoms('aevt', 'person/email')).map((d) => d.e))].sort((a, b) => a - b);
    // Keys in an order that is not EAVT within each entity; the first entity also gets 40 nicks.
    const ops = order(ids).flatMap((e, i) => [
      ['db/add', e, 'person/email', `new${e}@x`],
      ['db/add', e, 'person/name', `renamed ${i % 7}`],
      ...(e === ids[0] ? many.map((v) => ['db/add', e, 'person/nick', v]) : []),
    ]);
    const report = await tx(created.dbAfter, ops);
    expect(report.txData.filter((d) => !d.added).length).toBeGreaterThan(0); // card one: retractions
    const withNicks = await tx(
      created.dbAfter,
      order(ids).flatMap((e) => [['db/add', e, 'person/nick', `z${e}`], ...(e === ids[0] ? many.map((v) => ['db/add', e, 'person/nick', v]) : [])]),
    );
    expect(withNicks.txData.every((d) => d.added)).toBe(true); // only additions: the bulk path
    for (const db of [report.dbAfter, withNicks.dbAfter]) {
      const b = await indexes(db);
      expect(b.eavt).toEqual(b.eavt!.slice().sort(cmpEAVT));
      expect(b.aevt).toEqual(b.eavt!.slice().sort(cmpAEVT));
    }
    const nicks = await asDbValue(withNicks.dbAfter).datoms('eavt', ids[0], 'person/nick');
    expect(nicks.map((d) => d.v).sort()).toEqual([...new Set([...many, `z${ids[0]}`, 'n0', 'm0'])].sort());
  });
});
