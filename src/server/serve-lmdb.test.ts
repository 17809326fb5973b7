// A server on a backend with its own serialization handlers (LMDB: compact index nodes and tail
// segments) sends every record in the plain codec, so devices (which install no handler) read its
// commit records, sealed tail chunks, index nodes and the head's record sent along with `head`.
import { describe, expect, it, vi } from 'vitest';
import { WebSocket as WS } from 'ws';
import { connect, createDatabase, datoms, db, listen, q, release, syncStatus, transact, type Connection } from '../index.js';
import { serve } from './serve.js';
import { tempDir } from './test-server.js';

const SCHEMA = [
  { 'db/ident': 'task/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'task/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
];
const wait = (f: () => unknown | Promise<unknown>) => vi.waitFor(f, { timeout: 60_000, interval: 50 });
const current = async (conn: Connection) => (await datoms(db(conn), 'eavt')).map((d) => [d.e, d.a, d.v, d.tx]);

describe('a sync server over LMDB', { timeout: 120_000 }, () => {
  it('devices replicate and follow its compact records through the plain codec', async () => {
    const config = { store: { backend: 'lmdb', id: 'tasks', path: tempDir('cairn-sync-lmdb-') }, branchingFactor: 8 };
    await createDatabase(config);
    const server = await serve({ databases: { tasks: config }, tokens: { t: {} } });
    let seq = 0;
    const device = () =>
      connect(
        { store: { backend: 'memory', id: `lmdb-device-${seq++}` }, sync: { url: server.url, token: 't', db: 'tasks', WebSocket: WS as never } },
        { shared: false },
      );
    try {
      const a = await device();
      const b = await device();
      const heard: string[] = [];
      listen(b, (r) => {
        for (const d of r.txData) if (d.a === 'task/title') heard.push(d.v as string);
      });
      await transact(a, SCHEMA);
      // Commits one at a time (heads with their record), then bulk ones that fold the trees and seal tail chunks.
      for (let i = 0; i < 5; i++) {
        await transact(a, [{ 'task/id': `one-${i}`, 'task/title': `one ${i}` }]);
        await wait(() => expect(heard).toContain(`one ${i}`));
      }
      for (let i = 0; i < 3; i++)
        await transact(
          a,
          Array.from({ length: 100 }, (_, j) => ({ 'task/id': `bulk-${i}-${j}`, 'task/title': `bulk ${i} ${j}` })),
        );
      await wait(async () => expect((await syncStatus(a)).pending).toBe(0));
      // A third device reads everything from the server's records alone.
      const c = await device();
      for (const d of [a, b, c])
        await wait(async () => {
          const s = await syncStatus(d);
          expect(s.serverT).toBe((await syncStatus(a)).serverT);
          expect(s.replicated).toBe(true);
        });
      expect(await q('[:find (count ?e) . :where [?e :task/id]]', db(c))).toBe(305);
      expect(await current(b)).toEqual(await current(c));
      expect(await current(a)).toEqual(await current(c));
      expect(heard.length).toBe(305);
      for (const d of [a, b, c]) await release(d);
    } finally {
      await server.close();
    }
  });
});
