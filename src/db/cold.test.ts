// The same transactions and reads on a warm db and on the same db restored from node storage
// whose loads are asynchronous (a cold cache): every MaybePromise path must give the same
// answers, and the cold run must actually have waited for storage.
import { describe, expect, it } from 'vitest';
import { getIndex } from '../indices/registry.js';
import { CountingNodeStorage } from '../indices/test-storage.js';
import type { SortedSet } from '../indices/types.js';
import { dbWith, tx } from '../tx/test-util.js';
import { comparatorFor, type StoredIndexName } from './compare.js';
import { asOf, history, since } from './db.js';
import { dbFromParts, dbParts } from './parts.js';
import type { Datom, Db } from './types.js';

const DATA = [
  { 'db/id': 'ann', 'person/name': 'Ann', 'person/email': 'ann@x', 'person/age': 30, 'person/nick': ['a', 'b'], 'person/address': { 'address/city': 'Oslo' } },
  { 'db/id': 'bob', 'person/name': 'Bob', 'person/email': 'bob@x', 'person/ssn': '1', 'person/age': 40, 'person/friend': ['ann'] },
  ...Array.from({ length: 30 }, (_, i) => ({ 'person/name': `p${i}`, 'person/email': `p${i}@x`, 'person/age': i, 'person/friend': ['ann', 'bob'] })),
];

const STEPS: unknown[][] = [
  [
    { 'person/email': 'ann@x', 'person/age': 31 },
    { 'person/email': 'new@x', 'person/friend': [['person/email', 'bob@x']] },
  ],
  [
    ['db/cas', ['person/email', 'bob@x'], 'person/age', 40, 41],
    ['db/retract', ['person/email', 'ann@x'], 'person/nick', 'a'],
  ],
  [['db/retractEntity', ['person/email', 'ann@x']]],
  [['db/add', ['person/email', 'p3@x'], 'person/ssn', '9'], { 'db/id': 'x', 'person/email': 'p4@x', 'person/name': 'P4' }],
];

async function coldCopy(db: Db, storage: CountingNodeStorage<Datom>): Promise<Db> {
  const parts = dbParts(db);
  const factory = getIndex('persistent-set');
  const indexes: Partial<Record<StoredIndexName, SortedSet<Datom>>> = {};
  for (const [name, set] of Object.entries(parts.indexes) as [StoredIndexName, SortedSet<Datom>][]) {
    const address = await set.flush(storage);
    indexes[name] = factory.restore(address, comparatorFor(name), storage, set.meta());
  }
  return dbFromParts({ ...parts, indexes });
}

const plain = (ds: readonly Datom[]): unknown[] => ds.map((d) => [d.e, d.a, d.v instanceof Date ? d.v.getTime() : d.v, d.tx, d.added]);

async function reads(db: Db, t: number): Promise<unknown> {
  return {
    eavt: plain(await db.datoms('eavt')),
    avet: plain(await db.datoms('avet', 'person/age')),
    search: plain(await db.search(undefined, 'person/friend', 14)),
    entid: await db.entid(['person/email', 'p7@x']),
    history: plain(await history(db).datoms('aevt', 'person/age')),
    asOf: plain(await asOf(db, t).datoms('eavt')),
    range: plain(await db.indexRange('person/age', 10, 20)),
  };
}

describe('cold (async) index reads give the same results as warm ones', () => {
  for (const mode of ['async', 'mixed'] as const) {
    it(`mode ${mode}`, async () => {
      let warm = await dbWith(undefined, DATA, {});
      const storage = new CountingNodeStorage<Datom>('sync');
      let cold = await coldCopy(warm, storage);
      storage.mode = mode;
      storage.resetCounts();
      const t0 = warm.maxTx;
      for (const step of STEPS) {
        const w = await tx(warm, step);
        const c = await tx(cold, step);
        expect(plain(c.txData)).toEqual(plain(w.txData));
        expect(c.tempids).toEqual(w.tempids);
        warm = w.dbAfter;
        cold = c.dbAfter;
      }
      expect(await reads(cold, t0)).toEqual(await reads(warm, t0));
      expect(storage.loads + storage.loadManys).toBeGreaterThan(0);
    });
  }
});

describe('a failing store under reads of current and past datoms together', () => {
  it('rejects each read once and leaves no rejection unobserved', async () => {
    let warm = await dbWith(undefined, DATA, {});
    const t0 = warm.maxTx;
    for (const step of STEPS) warm = (await tx(warm, step)).dbAfter;
    const storage = new CountingNodeStorage<Datom>('sync');
    const cold = await coldCopy(warm, storage);
    storage.mode = 'async';
    for (const address of storage.nodes.keys()) storage.failing.add(address);
    const unobserved: unknown[] = [];
    const onUnhandled = (e: unknown) => unobserved.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      // each of these reads the current and the temporal index at once (and the tx instants)
      const reads = [
        () => history(cold).datoms('eavt'),
        () => asOf(cold, t0).datoms('aevt', 'person/age'),
        () => asOf(cold, new Date(8.64e15)).datoms('eavt'),
        () => since(cold, t0).datoms('eavt'),
        () => since(cold, new Date(0)).datoms('eavt'),
        () => history(cold).search(undefined, 'person/friend'),
      ];
      for (const read of reads) await expect(read()).rejects.toMatchObject({ code: 'store/missing-node' });
      await new Promise((r) => setTimeout(r, 20)); // unhandled rejections are reported after a turn
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unobserved).toEqual([]);
  });
});
