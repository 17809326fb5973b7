// A group commit applies consecutive transactions of new entities only in one bulk step
// (connection.ts, tx/index.ts simpleChanges). What every caller sees must be what applying them
// one by one gives: reports (txData, tempids, Db values before and after), the database, and
// what a fresh connection reads back.

import { describe, expect, it } from 'vitest';
import { connect, createDatabase, datoms, db, deleteDatabase, release, transact, withDb } from '../api.js';
import type { Db, TxReport } from '../db/types.js';

const schema = [
  { 'db/ident': 'name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'tags', 'db/valueType': 'db.type/keyword', 'db/cardinality': 'db.cardinality/many' },
  { 'db/ident': 'email', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
];

const rows = async (d: Db): Promise<unknown[][]> => (await datoms(d, 'eavt')).map((x) => [x.e, x.a, x.v instanceof Date ? 'instant' : x.v, x.tx, x.added]);

describe('a group commit of new-entity transactions', () => {
  it.each([true, false])('reports and stores what applying them one by one gives, mixed with other transactions (keepHistory %s)', async (keepHistory) => {
    const config = { store: { backend: 'memory', id: `group-run-${keepHistory}-${Date.now()}` }, keepHistory };
    await createDatabase(config);
    const conn = await connect(config);
    try {
      await transact(conn, schema);
      await transact(conn, [{ email: 'a@x', name: 'A', age: 1 }]);
      const start = db(conn);
      // simple runs (tempids as numbers and strings, card-many values) broken by an upsert, a
      // retraction and a failing transaction, which must fail alone
      const txs: unknown[][] = Array.from({ length: 60 }, (_, i) => {
        if (i % 17 === 5) return [{ email: 'a@x', age: 100 + i }];
        if (i % 23 === 11) return [['db/retract', ['email', 'a@x'], 'name', 'A']];
        if (i === 30) return [{ name: 'bad', age: 'not a number' }];
        return [{ 'db/id': -1, name: `p${i}`, age: i }, { 'db/id': `t${i}`, tags: [':x', ':y', ':x'] }, { name: `q${i}` }];
      });
      const settled = await Promise.allSettled(txs.map((t) => transact(conn, t as never)));
      expect(settled[30]!.status).toBe('rejected');
      const reports = settled.filter((s): s is PromiseFulfilledResult<TxReport> => s.status === 'fulfilled').map((s) => s.value);
      expect(reports).toHaveLength(59);
      // the same transactions, one withDb after the other, from the same start
      let d = start;
      const expected: { before: unknown[][]; after: unknown[][]; tempids: [string, number][]; txData: unknown[][] }[] = [];
      for (let i = 0; i < txs.length; i++) {
        if (i === 30) continue;
        const r = await withDb(d, txs[i] as never);
        const noInstant = (xs: unknown[][]) => xs.map((x) => (x[2] instanceof Date ? [...x.slice(0, 2), 'instant', ...x.slice(3)] : x));
        expected.push({
          before: await rows(d),
          after: await rows(r.dbAfter),
          tempids: Object.entries(r.tempids),
          txData: noInstant(r.txData.map((x) => [x.e, x.a, x.v, x.tx, x.added])),
        });
        d = r.dbAfter;
      }
      // read backwards first (each rebuild starts over), then forwards
      for (const i of [...reports.keys()].reverse().concat([...reports.keys()])) {
        const r = reports[i]!;
        expect(Object.entries(r.tempids)).toEqual(expected[i]!.tempids);
        expect(r.txData.map((x) => [x.e, x.a, x.v instanceof Date ? 'instant' : x.v, x.tx, x.added])).toEqual(expected[i]!.txData);
        expect(await rows(r.dbAfter)).toEqual(expected[i]!.after);
        expect(await rows(r.dbBefore)).toEqual(expected[i]!.before);
        // a report is plain-looking data: its five fields are own and enumerable, so a spread keeps them
        expect(Object.keys(r).sort()).toEqual(['dbAfter', 'dbBefore', 'tempids', 'txData', 'txMeta']);
        const copy = { ...r };
        expect(copy.dbAfter).toBe(r.dbAfter);
        expect(Object.entries(copy.tempids)).toEqual(expected[i]!.tempids);
      }
      expect(await rows(db(conn))).toEqual(await rows(d));
      const instants = (await datoms(db(conn), 'aevt', 'db/txInstant')).map((x) => (x.v as Date).getTime());
      expect(instants).toEqual([...instants].sort((a, b) => a - b));
      expect(new Set(instants).size).toBe(instants.length);
      expect(instants.length > 0).toBe(keepHistory);
      // and a fresh connection reads the same database back
      const again = await connect(config, { shared: false });
      expect(await rows(db(again))).toEqual(await rows(d));
      await release(again);
    } finally {
      await release(conn);
      await deleteDatabase(config);
    }
  });
});
