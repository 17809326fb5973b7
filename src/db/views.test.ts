import { describe, expect, it } from 'vitest';
import { attr, dbWith, tx } from '../tx/test-util.js';
import { withDb } from '../tx/index.js';
import { asOf, history, since } from './db.js';
import type { Datom, Db } from './types.js';

const SCHEMA = [
  attr('p/name', 'string'),
  attr('p/tag', 'string', { many: true }),
  attr('p/secret', 'string', { noHistory: true }),
  attr('p/code', 'string', { unique: 'identity' }),
];
const r4 = (ds: Datom[]): [number, string, unknown, number, boolean][] => ds.filter((d) => d.e < 100).map((d) => [d.e, d.a, d.v, d.tx, d.added]);
const user = (ds: Datom[]): Datom[] => ds.filter((d) => d.e < 100 && d.a.startsWith('p/'));

/** A small history: t1 create, t2 rename + tag change, t3 retract entity's tag, t4 assert+retract same value. */
async function story(): Promise<{ dbs: Db[]; ts: number[] }> {
  const clock = { ms: 1_000_000 };
  const now = (): Date => new Date((clock.ms += 1000));
  let db = await dbWith(SCHEMA);
  const dbs: Db[] = [db];
  const ts: number[] = [db.maxTx];
  const steps: unknown[][] = [
    [{ 'db/id': 'a', 'p/name': 'A', 'p/tag': ['x', 'y'], 'p/secret': 's1', 'p/code': 'c' }],
    [
      ['db/add', 5, 'p/name', 'B'],
      ['db/retract', 5, 'p/tag', 'x'],
      ['db/add', 5, 'p/secret', 's2'],
    ],
    [['db/retract', 5, 'p/tag', 'y']],
    [
      ['db/add', 5, 'p/tag', 'z'],
      ['db/retract', 5, 'p/tag', 'z'],
    ],
    [['db/add', 5, 'p/tag', 'x']],
  ];
  for (const s of steps) {
    db = (await withDb(db, s, { now })).dbAfter;
    dbs.push(db);
    ts.push(db.maxTx);
  }
  return { dbs, ts };
}

describe('history / asOf / since', () => {
  it('history holds assertions and retractions; noHistory values are dropped', async () => {
    const { dbs, ts } = await story();
    const h = history(dbs[5]!);
    expect(h.view).toEqual({ kind: 'history' });
    const [t1, t2, t3, t4, t5] = ts.slice(1) as [number, number, number, number, number];
    expect(r4(user(await h.datoms('eavt', 5)))).toEqual([
      [5, 'p/code', 'c', t1, true],
      [5, 'p/name', 'A', t1, true],
      [5, 'p/name', 'A', t2, false],
      [5, 'p/name', 'B', t2, true],
      [5, 'p/secret', 's2', t2, true],
      [5, 'p/tag', 'x', t1, true],
      [5, 'p/tag', 'x', t2, false],
      [5, 'p/tag', 'x', t5, true],
      [5, 'p/tag', 'y', t1, true],
      [5, 'p/tag', 'y', t3, false],
      [5, 'p/tag', 'z', t4, true],
      [5, 'p/tag', 'z', t4, false],
    ]);
    expect(history(h)).toBeDefined();
  });

  it('asOf at each t equals the db value produced by that tx (every index)', async () => {
    const { dbs, ts } = await story();
    const latest = dbs[5]!;
    for (let i = 1; i < dbs.length; i++) {
      for (const idx of ['eavt', 'aevt', 'avet'] as const) {
        const want = user(await dbs[i]!.datoms(idx)).filter((d) => d.a !== 'p/secret');
        const got = user(await asOf(latest, ts[i]!).datoms(idx)).filter((d) => d.a !== 'p/secret');
        expect(r4(got), `asOf t${i} ${idx}`).toEqual(r4(want));
      }
    }
    // at the latest t, asOf agrees with the current index exactly
    expect(await asOf(latest, latest.maxTx).datoms('eavt')).toEqual(await latest.datoms('eavt'));
  });

  it('a value asserted and retracted in one tx is absent as of that tx', async () => {
    const { dbs, ts } = await story();
    const tags = (await asOf(dbs[5]!, ts[4]!).datoms('eavt', 5, 'p/tag')).map((d) => d.v);
    expect(tags).toEqual([]);
  });

  it('asOf a Date uses db/txInstant (inclusive)', async () => {
    const { dbs } = await story();
    const latest = dbs[5]!;
    const instants = (await latest.datoms('aevt', 'db/txInstant')).map((d) => [d.e, d.v as Date] as const);
    const [tx2, at2] = instants[2]!;
    const v = asOf(latest, at2);
    expect(v.view).toEqual({ kind: 'asOf', t: at2 });
    expect(r4(user(await v.datoms('eavt', 5)))).toEqual(r4(user(await asOf(latest, tx2).datoms('eavt', 5))));
    expect(r4(user(await asOf(latest, new Date(at2.getTime() - 1)).datoms('eavt', 5)))).toEqual(r4(user(await asOf(latest, tx2 - 1).datoms('eavt', 5))));
  });

  it('since shows current datoms added strictly after t', async () => {
    const { dbs, ts } = await story();
    const s = since(dbs[5]!, ts[2]!);
    expect(r4(user(await s.datoms('eavt')))).toEqual([[5, 'p/tag', 'x', ts[5]!, true]]);
    expect(await s.search(5, 'p/name')).toEqual([]);
  });

  it('views answer search, entid and estimate too', async () => {
    const { dbs, ts } = await story();
    const old = asOf(dbs[5]!, ts[1]!);
    expect((await old.search(5, 'p/name')).map((d) => d.v)).toEqual(['A']);
    expect((await old.search(undefined, 'p/tag', 'y')).map((d) => d.e)).toEqual([5]);
    expect(await old.entid(['p/code', 'c'])).toBe(5);
    expect((await history(dbs[5]!).search(5, 'p/name')).length).toBe(3);
    expect(await history(dbs[5]!).estimate(5, 'p/name')).toBe(3);
  });

  it('retract and re-assert of the same value in one tx', async () => {
    const db = await dbWith(SCHEMA);
    const r = await tx(db, [['db/add', -1, 'p/tag', 'q']]);
    const t1 = r.dbAfter.maxTx;
    const r2 = await tx(r.dbAfter, [
      ['db/retract', 5, 'p/tag', 'q'],
      ['db/add', 5, 'p/tag', 'q'],
    ]);
    const t2 = r2.dbAfter.maxTx;
    expect((await r2.dbAfter.datoms('eavt', 5, 'p/tag')).map((d) => [d.v, d.tx])).toEqual([['q', t2]]);
    expect((await asOf(r2.dbAfter, t2).datoms('eavt', 5, 'p/tag')).map((d) => [d.v, d.tx])).toEqual([['q', t2]]);
    expect((await asOf(r2.dbAfter, t1).datoms('eavt', 5, 'p/tag')).map((d) => [d.v, d.tx])).toEqual([['q', t1]]);
    // index order within one e/a/v: by tx, then the assertion before the retraction
    expect((await history(r2.dbAfter).datoms('eavt', 5, 'p/tag')).map((d) => [d.tx, d.added])).toEqual([
      [t1, true],
      [t2, true],
      [t2, false],
    ]);
  });

  it('assert, retract and re-assert of one value in one tx: present as of that tx', async () => {
    const db = await dbWith(SCHEMA);
    const r = await tx(
      db,
      [
        ['db/add', -1, 'p/name', 'n'],
        ['db/add', -1, 'p/tag', 'q'],
        ['db/retract', 5, 'p/tag', 'q'],
      ].slice(0, 2),
    );
    const r2 = await tx(r.dbAfter, [
      ['db/add', 5, 'p/tag', 'w'],
      ['db/retract', 5, 'p/tag', 'w'],
      ['db/add', 5, 'p/tag', 'w'],
    ]);
    const t = r2.dbAfter.maxTx;
    expect((await asOf(r2.dbAfter, t).datoms('eavt', 5, 'p/tag')).map((d) => d.v)).toEqual(['q', 'w']);
    expect((await history(r2.dbAfter).datoms('eavt', 5, 'p/tag')).map((d) => [d.v, d.added])).toEqual([
      ['q', true],
      ['w', true],
    ]);
  });

  it('retract, re-assert and retract again of a present value in one tx: one retraction in history', async () => {
    const db = await dbWith(SCHEMA);
    const r = await tx(db, [{ 'p/code': 'k', 'p/name': 'old' }]);
    const t1 = r.dbAfter.maxTx;
    // the entity twice in one tx: 'old' replaced by 'new', then 'old' again, then 'other'
    const r2 = await tx(r.dbAfter, [
      { 'p/code': 'k', 'p/name': 'new' },
      { 'p/code': 'k', 'p/name': 'old' },
      { 'p/code': 'k', 'p/name': 'other' },
    ]);
    const t2 = r2.dbAfter.maxTx;
    const names = async (d: Db) => (await d.datoms('eavt', 5, 'p/name')).map((x) => [x.v, x.tx, x.added]);
    expect(await names(r2.dbAfter)).toEqual([['other', t2, true]]);
    // 'old' was asserted at t1 and retracted at t2: nothing else of it in history
    expect((await names(history(r2.dbAfter))).filter(([v]) => v === 'old')).toEqual([
      ['old', t1, true],
      ['old', t2, false],
    ]);
    expect(await names(asOf(r2.dbAfter, t1))).toEqual([['old', t1, true]]);
    // so a purge of history retracted before now leaves no trace of 'old' and keeps 'other'
    const r3 = await tx(r2.dbAfter, [['db.history.purge/before', new Date(8.64e15)]]);
    expect(await names(history(r3.dbAfter))).toEqual([['other', t2, true]]);
  });

  it('bad time points are rejected', () => {
    expect(() => asOf(history as unknown as Db, 1.5)).toThrow(/expected a tx id or a Date/);
  });

  it('time views of a database without history are errors, not silently empty (Datahike)', async () => {
    const db = await dbWith(SCHEMA, [{ 'p/name': 'A' }], { keepHistory: false });
    for (const [name, view] of [
      ['history', () => history(db)],
      ['asOf', () => asOf(db, new Date())],
      ['since', () => since(db, db.maxTx)],
    ] as const) {
      expect(view, name).toThrow(new RegExp(`${name} needs the history this database does not keep`));
    }
  });
});
