// Live queries through the worker boundary in Node: the real client and host over a
// MessageChannel, with the REAL in-process engine behind the host (memory store). The same
// path runs in Chromium with a real Worker in worker/live.browser.test.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { connect as connectInProcess, release as releaseInProcess } from '../src/index.js';
import { api as engine, type ConnectionHandle } from '../src/api.js';
import { liveCount } from '../src/live/index.js';
import { CairnError } from '../src/util/errors.js';
import { channelClient, closeChannels, watch } from './testing/channel.js';
import type { ClientApi, ConnHandle } from './protocol.js';

let seq = 0;
const client = (): ClientApi => channelClient(engine);

afterEach(closeChannels);

async function setup(): Promise<{ api: ClientApi; conn: ConnHandle; config: { store: { backend: string; id: string } } }> {
  const api = client();
  const config = { store: { backend: 'memory', id: `live-worker-${seq++}` } };
  await api.createDatabase(config);
  const conn = await api.connect(config);
  const schema: unknown[] = [];
  for (let i = 0; i < 20; i++) schema.push({ 'db/ident': `attr/a${i}`, 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' });
  schema.push({ 'db/ident': 'person/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' });
  await api.transact(conn, schema);
  await api.transact(conn, [{ 'person/name': 'Ada', 'attr/a0': 0 }]);
  return { api, conn, config };
}

/** The in-process connection the worker-side engine shares for this store. */
async function inner(config: { store: { backend: string; id: string } }) {
  const h = (await connectInProcess(config)) as ConnectionHandle;
  return { conn: h.conn, done: () => releaseInProcess(h) };
}

describe('liveQuery through the worker client', () => {
  it('returns the subscribable synchronously and pushes results after commits that change them', async () => {
    const { api, conn } = await setup();
    const live = api.liveQuery<string[]>(conn, '[:find [?n ...] :where [_ :person/name ?n]]');
    expect(live.getSnapshot()).toBeUndefined();
    expect(typeof live.subscribe).toBe('function');
    const w = watch(live);
    await w.until(() => w.values.length === 1);
    expect(w.values[0]).toEqual(['Ada']);
    expect(live.getSnapshot()).toBe(w.values[0]);

    await api.transact(conn, [{ 'attr/a3': 3 }]); // not read: no run in the worker
    expect((await live.stats()).runs).toBe(1);
    await api.transact(conn, [{ 'person/name': 'Ada' }]); // a second Ada: read, but the same answer
    expect((await live.stats()).runs).toBe(2); // so nothing crosses
    await api.transact(conn, [{ 'person/name': 'Bob' }]);
    await w.until(() => w.values.length === 2);
    expect([...w.values[1]!].sort()).toEqual(['Ada', 'Bob']);
    // Results cross in order and runs are sequential: had the unchanged one crossed, it would be here.
    expect(w.values).toHaveLength(2);
    expect(await live.stats()).toEqual({ runs: 3, changes: 2 });
    w.stop();
    await api.close();
  });

  it('supports inputs, the connection as an explicit input, and livePull', async () => {
    const { api, conn } = await setup();
    const byName = api.liveQuery<number>(conn, '[:find ?v . :in $ ?n :where [?e :person/name ?n] [?e :attr/a0 ?v]]', 'Ada');
    const explicit = api.liveQuery<number>(conn, '[:find (count ?e) . :in ?x $ :where [?e :person/name]]', 1, conn);
    const ada = (await api.q<number>('[:find ?e . :where [?e :person/name "Ada"]]', api.db(conn)))!;
    const pulled = api.livePull<{ 'person/name': string }>(conn, '[:person/name]', ada);
    const ws = [watch(byName), watch(explicit), watch(pulled)] as const;
    await Promise.all(ws.map((w) => w.until(() => w.values.length === 1)));
    expect([ws[0].values[0], ws[1].values[0], ws[2].values[0]]).toEqual([0, 1, { 'person/name': 'Ada' }]);
    await api.transact(conn, [
      ['db/add', ada, 'person/name', 'Ada L.'],
      ['db/add', ada, 'attr/a0', 10],
    ]);
    await ws[0].until(() => ws[0].values.length === 2);
    await ws[2].until(() => ws[2].values.length === 2);
    expect(ws[0].values[1]).toBeNull(); // [:find ?v .] with no match: nobody is named Ada now
    expect(ws[2].values[1]).toEqual({ 'person/name': 'Ada L.' });
    expect((await explicit.stats()).runs).toBe(2); // re-ran (person/name), same count: not delivered
    for (const w of ws) w.stop();
    await api.close();
  });

  it('delivers errors as CairnErrors to onError without ending other live queries', async () => {
    const { api, conn } = await setup();
    const bad = api.liveQuery(conn, '[:find ?x :where [?x :person/name]');
    const good = api.liveQuery<number>(conn, '[:find (count ?e) . :where [?e :person/name]]');
    const wb = watch(bad),
      wg = watch(good);
    await wb.until(() => wb.errors.length === 1);
    expect(wb.errors[0]).toBeInstanceOf(CairnError);
    expect(wb.errors[0]).toMatchObject({ code: 'query/parse' });
    await wg.until(() => wg.values.length === 1);
    await api.transact(conn, [{ 'person/name': 'Bob' }]);
    await wg.until(() => wg.values.length === 2);
    expect(wg.values).toEqual([1, 2]);
    wb.stop();
    wg.stop();
    await api.close();
  });

  it('frees the worker side on unsubscribe, on release and on close', async () => {
    const { api, conn, config } = await setup();
    const engineSide = await inner(config);
    const listenersBefore = engineSide.conn.listeners.size;
    const a = watch(api.liveQuery(conn, '[:find ?n :where [_ :person/name ?n]]'));
    const b = watch(api.livePull(conn, '[*]', 1));
    await a.until(() => a.values.length === 1);
    await b.until(() => b.values.length === 1 || b.errors.length === 1);
    expect(await api.workerCounts()).toMatchObject({ liveQueries: 2 });
    expect(liveCount(engineSide.conn)).toBe(2);
    expect(engineSide.conn.listeners.size).toBe(listenersBefore + 1);

    a.stop();
    b.stop();
    while ((await api.workerCounts()).liveQueries > 0) await new Promise((r) => setTimeout(r, 5));
    expect(liveCount(engineSide.conn)).toBe(0);
    expect(engineSide.conn.listeners.size).toBe(listenersBefore);

    // release(conn) frees the live queries still subscribed on it
    const c = watch(api.liveQuery(conn, '[:find ?n :where [_ :person/name ?n]]'));
    await c.until(() => c.values.length === 1);
    expect(liveCount(engineSide.conn)).toBe(1);
    await api.release(conn);
    expect(await api.workerCounts()).toEqual({ connections: 0, listeners: 0, liveQueries: 0 });
    expect(liveCount(engineSide.conn)).toBe(0);
    await c.until(() => c.errors.length === 1); // its subscribers learn why nothing more comes
    expect(c.errors[0]).toMatchObject({ code: 'db/released' });
    c.stop();

    // close() frees everything
    const conn2 = await api.connect(config);
    const d = watch(api.liveQuery(conn2, '[:find ?n :where [_ :person/name ?n]]'));
    await d.until(() => d.values.length === 1);
    expect(liveCount(engineSide.conn)).toBe(1);
    await api.close();
    expect(liveCount(engineSide.conn)).toBe(0);
    expect(d.errors).toEqual([]); // closing the client is not an error of its live queries
    d.stop();
    await engineSide.done();
  });
});
