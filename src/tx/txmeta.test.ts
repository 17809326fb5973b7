import { describe, expect, it } from 'vitest';
import { emptyDb } from '../db/parts.js';
import { attr, dbWith, rows } from './test-util.js';
import { withDb } from './index.js';

const T0 = 536870913;

describe('the transaction entity', () => {
  it('db/txInstant is first in txData and strictly increasing: max(now, prev + 1ms)', async () => {
    let db = emptyDb();
    const clock = [1000, 1000, 500, 5000];
    const seen: number[] = [];
    for (const ms of clock) {
      const r = await withDb(db, [], { now: () => new Date(ms) });
      expect(r.txData[0]!.a).toBe('db/txInstant');
      expect(r.txData[0]!.e).toBe(r.tempids['db/current-tx']);
      seen.push((r.txData[0]!.v as Date).getTime());
      expect(r.txMeta['db/txInstant']).toEqual(r.txData[0]!.v);
      db = r.dbAfter;
    }
    expect(seen).toEqual([1000, 1001, 1002, 5000]);
    expect(db.maxTx).toBe(T0 + 3);
  });

  it('tx ids count from 536870913', async () => {
    const r = await withDb(emptyDb(), []);
    expect(r.tempids['db/current-tx']).toBe(T0);
    expect(r.dbAfter.maxTx).toBe(T0);
    expect(r.dbAfter.basisT).toBe(T0);
  });

  it('txMeta attributes are asserted on the tx entity; a user txInstant wins', async () => {
    const db = await dbWith([attr('tx/who', 'string'), attr('p/n', 'string')]);
    const at = new Date('2000-01-01T00:00:00Z');
    const r = await withDb(db, { txData: [{ 'p/n': 'x' }], txMeta: { 'tx/who': 'me', 'db/txInstant': at } });
    const t = r.tempids['db/current-tx']!;
    expect(rows(r.txData)).toEqual([
      [t, 'tx/who', 'me', true],
      [3, 'p/n', 'x', true],
    ]);
    expect(r.txData.filter((d) => d.a === 'db/txInstant').map((d) => d.v)).toEqual([at]);
    expect(r.txMeta).toEqual({ 'tx/who': 'me', 'db/txInstant': at });
  });

  it('without keepHistory, tx-meta and txInstant are not written but still reported', async () => {
    let db = emptyDb({ keepHistory: false });
    db = (await withDb(db, [attr('tx/who', 'string'), attr('p/n', 'string')], { now: () => new Date(3) })).dbAfter;
    const r = await withDb(db, { txData: [{ 'p/n': 'x' }], txMeta: { 'tx/who': 'me' } }, { now: () => new Date(7) });
    expect(r.txData.map((d) => d.a)).toEqual(['p/n']);
    expect(r.txMeta['tx/who']).toBe('me');
    expect((r.txMeta['db/txInstant'] as Date).getTime()).toBe(7);
    const r2 = await withDb(r.dbAfter, [], { now: () => new Date(7) });
    expect((r2.txMeta['db/txInstant'] as Date).getTime()).toBe(8);
    expect(r2.dbAfter.maxTx).toBe(r.dbAfter.maxTx + 1);
  });
});
