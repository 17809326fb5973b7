// Sync over every kind of server database: attribute refs, the hitchhiker tree, both, and
// schema-on-read. Two devices write in turn over real sockets to an in-process server; they
// converge, a live query on one follows the other's writes, and a purge reaches both views.
import { expect, it, vi } from 'vitest';
import { WebSocket as WS } from 'ws';
import { connect, createDatabase, db, liveQuery, q, release, syncStatus, transact, type Connection } from '../node.js';
import { serve } from '../server/index.js';

const wait = (f: () => unknown) => vi.waitFor(f, { timeout: 60_000, interval: 25 });
const SCHEMA = [
  { 'db/ident': 'task/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'task/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'task/owner', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
];

let seq = 0;
it.each([
  ['attribute refs', { attributeRefs: true }, SCHEMA],
  ['the hitchhiker tree', { index: 'hitchhiker-tree' }, SCHEMA],
  ['attribute refs over the hitchhiker tree', { attributeRefs: true, index: 'hitchhiker-tree' }, SCHEMA],
  ['schema-on-read (task/title undeclared)', { schemaFlexibility: 'read' as const }, [SCHEMA[0]!, SCHEMA[2]!]],
])('devices sync a database with %s', { timeout: 120_000 }, async (_name, options, schema) => {
  const config = { store: { backend: 'memory', id: `configs-server-${seq++}` }, ...options };
  await createDatabase(config);
  const server = await serve({ config, tokens: { t: 'p' } });
  const device = (): Promise<Connection> =>
    connect(
      { store: { backend: 'memory', id: `configs-device-${seq++}` }, sync: { url: server.url, token: 't', db: config.store.id, WebSocket: WS as never } },
      { shared: false },
    );
  const a = await device();
  const b = await device();
  let stop = (): void => {};
  try {
    await transact(a, schema);
    await wait(async () => expect((await syncStatus(a)).pending).toBe(0));
    await wait(async () => expect((await syncStatus(b)).serverT).toBe((await syncStatus(a)).serverT)); // b has the schema
    const counts: unknown[] = [];
    stop = liveQuery<number>(b, '[:find (count ?e) . :where [?e :task/title]]').subscribe((n) => counts.push(n));
    // Enough to fold the tails into tree nodes a few times; each device in turn, the owner
    // upserted by its identity (a nested map), so neither needs the other's writes first.
    for (let i = 0; i < 300; i++) {
      await transact(i % 2 ? a : b, [{ 'task/id': `t${i}`, 'task/title': `title ${i}`, 'task/owner': { 'task/id': 'owner', 'task/title': 'the owner' } }]);
    }
    const rows = async (c: Connection) => (await q('[:find ?id ?o :where [?e :task/id ?id] [?e :task/owner ?w] [?w :task/id ?o]]', db(c))) as unknown[];
    await wait(async () => expect((await syncStatus(a)).pending + (await syncStatus(b)).pending).toBe(0));
    await wait(async () => expect((await syncStatus(a)).serverT).toBe((await syncStatus(b)).serverT));
    expect(await rows(a)).toHaveLength(300);
    expect((await rows(b)).sort()).toEqual((await rows(a)).sort());
    await wait(() => expect(counts.at(-1)).toBe(301));
    await transact(a, [['db.purge/entity', ['task/id', 't7']]]);
    await wait(() => expect(counts.at(-1)).toBe(300));
    await wait(async () => expect(await rows(b)).toHaveLength(299));
  } finally {
    stop();
    await release(a);
    await release(b);
    await server.close();
  }
});

it('a server refuses a database without history (client transaction ids are tx metadata)', async () => {
  const config = { store: { backend: 'memory', id: `configs-server-${seq++}` }, keepHistory: false };
  await createDatabase(config);
  await expect(serve({ config, tokens: { t: 'p' } })).rejects.toMatchObject({ code: 'config/invalid', message: expect.stringContaining('keepHistory: false') });
});
