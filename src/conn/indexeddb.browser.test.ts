// Durable persistence through the public API on IndexedDB, in real Chromium: write, release,
// reconnect (a fresh connection reads everything back from IndexedDB), query, history.
import { describe, expect, it } from 'vitest';
import { asOf, connect, createDatabase, databaseExists, datoms, db, deleteDatabase, gcStorage, history, q, release, transact } from '../index.js';

const schema = [
  { 'db/ident': 'note/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'note/body', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'note/at', 'db/valueType': 'db.type/instant', 'db/cardinality': 'db.cardinality/one' },
];

describe('indexeddb persistence through the API', () => {
  it('reconnects to the same results, history and asOf; GC keeps them; delete removes the database', async () => {
    const config = { store: { backend: 'indexeddb', id: `notes-${Date.now()}` }, branchingFactor: 16 };
    await createDatabase(config);
    let conn = await connect(config);
    await transact(conn, schema);
    const ts: number[] = [];
    for (let i = 0; i < 80; i++) {
      const r = await transact(conn, [{ 'note/title': `n${i % 25}`, 'note/body': `body ${i}`, 'note/at': new Date(Date.UTC(2026, 0, 1 + i)) }]);
      ts.push(r.dbAfter.basisT);
    }
    const query = '[:find ?t ?b ?at :where [?e :note/title ?t] [?e :note/body ?b] [?e :note/at ?at]]';
    const snapshot = async () => ({
      current: await q(query, db(conn)),
      asOf: await q(query, asOf(db(conn), ts[30]!)),
      history: (await datoms(history(db(conn)), 'aevt', 'note/body')).map((d) => [d.e, d.v, d.tx, d.added]),
    });
    const before = await snapshot();
    expect((before.current as unknown[]).length).toBe(25);
    await release(conn);

    conn = await connect(config);
    const after = await snapshot();
    expect(after).toEqual(before);
    const gc = await gcStorage(conn);
    expect(gc.deletedCommits).toBeGreaterThan(0);
    await release(conn);
    conn = await connect(config);
    expect(await snapshot()).toEqual(before);
    await release(conn);

    await deleteDatabase(config);
    expect(await databaseExists(config)).toBe(false);
  });

  it('GC in one connection beside another writing in a loop, no lock between them: nothing committed is lost', async () => {
    // Two private connections stand for two tabs whose writer gave up on the Web Lock: only
    // the GC fence (deleteManyIf in one IndexedDB transaction) keeps the writer's commits.
    const config = { store: { backend: 'indexeddb', id: `gc-race-${Date.now()}` }, branchingFactor: 8 };
    await createDatabase(config);
    const writer = await connect(config, { shared: false });
    const collector = await connect(config, { shared: false });
    await transact(writer, schema);
    let writing = true;
    const writes = (async () => {
      for (let i = 0; i < 40; i++) {
        await transact(
          writer,
          Array.from({ length: 6 }, (_, j) => ({ 'note/title': `w${i}-${j}`, 'note/body': 'b' })),
        );
      }
      writing = false;
    })();
    let gcs = 0;
    while (writing) {
      await gcStorage(collector);
      gcs++;
    }
    await writes;
    expect(gcs).toBeGreaterThan(0);
    await release(writer);
    await release(collector);
    const again = await connect(config, { shared: false });
    expect((await datoms(db(again), 'aevt', 'note/title')).length).toBe(240);
    await release(again);
    await deleteDatabase(config);
  });
});
