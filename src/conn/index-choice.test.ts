// The index a database is created with is stored and used on every reconnect: a hitchhiker-tree
// database, written through a store (memory: encoded bytes) with and without the transaction tail, reads the
// same datoms as a persistent-set database given the same transactions, before and after
// reconnecting and after GC, and its stored branches really carry buffers.

import { describe, expect, it } from 'vitest';
import { connect, createDatabase, datoms, db, gcStorage, history, q, release, transact, type Connection } from '../index.js';
import { hitchhikerTree } from '../indices/hitchhiker/index.js';
import { persistentSet } from '../indices/persistent-set/index.js';
import { seededRandom } from '../util/random.js';
import type { ConnectionHandle } from '../api.js';

const schema = [
  { 'db/ident': 'item/sku', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'item/qty', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one', 'db/index': true },
  { 'db/ident': 'item/tag', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/many' },
];

// Transaction times differ between the two databases; everything else must be equal.
const plain = (ds: { e: number; a: string; v: unknown; tx: number; added: boolean }[]) =>
  ds.filter((d) => d.a !== 'db/txInstant').map((d) => [d.e, d.a, d.v, d.tx, d.added]);
const internals = (conn: Connection) => (conn as ConnectionHandle).conn;

/** The same seeded transactions (adds, updates, retractions) into a fresh database. */
async function build(index: string, id: string, tailDatoms?: number): Promise<Connection> {
  const config = { store: { backend: 'memory', id }, index, branchingFactor: 8 };
  await createDatabase(config);
  const conn = await connect(config, tailDatoms === undefined ? {} : { tailDatoms });
  await transact(conn, schema);
  const rnd = seededRandom(99);
  for (let t = 0; t < 80; t++) {
    const tx: unknown[] = [];
    for (let k = 0; k < 3; k++) {
      const sku = `s${rnd.int(150)}`;
      if (rnd.next() < 0.2) tx.push(['db/retractEntity', ['item/sku', sku]]);
      else tx.push({ 'item/sku': sku, 'item/qty': rnd.int(1000), 'item/tag': [`t${rnd.int(5)}`] });
    }
    try {
      await transact(conn, tx as never);
    } catch {
      // retracting an entity that does not exist yet, by lookup ref: skip that transaction
    }
  }
  return conn;
}

async function snapshot(conn: Connection): Promise<unknown[]> {
  const d = db(conn);
  return [
    plain(await datoms(d, 'eavt')),
    plain(await datoms(d, 'aevt')),
    plain(await datoms(d, 'avet')),
    plain(await datoms(history(d), 'eavt')),
    await q('[:find ?s ?q :where [?e :item/sku ?s] [?e :item/qty ?q] [(< ?q 500)]]', d),
  ];
}

describe('choosing the index', () => {
  for (const tailDatoms of [undefined, 0]) {
    it(`a hitchhiker-tree database reads like a persistent-set one, reconnected and after GC (tail ${tailDatoms ?? 'default'})`, async () => {
      const suffix = tailDatoms ?? 'd';
      const ps = await build('persistent-set', `ps-${suffix}`, tailDatoms);
      const hh = await build('hitchhiker-tree', `hh-${suffix}`, tailDatoms);
      expect(internals(ps).factory).toBe(persistentSet);
      expect(internals(hh).factory).toBe(hitchhikerTree);
      const expected = await snapshot(ps);
      expect(await snapshot(hh)).toEqual(expected);

      await release(hh);
      const again = await connect({ store: { backend: 'memory', id: `hh-${suffix}` }, index: 'hitchhiker-tree' });
      expect(internals(again).factory).toBe(hitchhikerTree);
      expect(await snapshot(again)).toEqual(expected);
      await gcStorage(again);
      await release(again);
      const afterGc = await connect({ store: { backend: 'memory', id: `hh-${suffix}` }, index: 'hitchhiker-tree' });
      expect(await snapshot(afterGc)).toEqual(expected);
      await release(afterGc);
      await release(ps);
    }, 120_000);
  }

  it('without a tail, stored hitchhiker branches carry buffered messages', async () => {
    const hh = await build('hitchhiker-tree', 'hh-buffers', 0);
    const c = internals(hh);
    const root = await c.nodes.load(c.persisted.commit.roots.eavt!.address);
    expect(root.kind).toBe('branch');
    expect((root as { adds?: unknown[] }).adds?.length ?? 0).toBeGreaterThan(0);
    await release(hh);
  }, 120_000);

  it('rejects a tailDatoms that is not a non-negative integer', async () => {
    const config = { store: { backend: 'memory', id: 'tail-option' } };
    await createDatabase(config);
    for (const bad of [-1, 1.5, Number.NaN, '8']) {
      await expect(connect(config, { tailDatoms: bad as number })).rejects.toMatchObject({
        code: 'config/invalid',
        message: expect.stringContaining('tailDatoms'),
      });
    }
  });
});
