// Live queries in real Chromium through real module Workers over IndexedDB. Two clients, each
// with its own worker, stand for two tabs: commits reach the other worker through Web Locks +
// BroadcastChannel, and its live queries re-run from there.

import { afterAll, describe, expect, it } from 'vitest';
import { openWorker, type ClientApi, type ConnHandle } from './client.js';
import { watch } from './testing/channel.js';

const clients: ClientApi[] = [];
function client(): ClientApi {
  const c = openWorker(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }), { resyncOnVisible: false });
  clients.push(c);
  return c;
}
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

const ATTRS = 30;
let seq = 0;
const config = () => ({ store: { backend: 'indexeddb', id: `live-browser-${Date.now().toString(36)}-${seq++}` } });

async function create(api: ClientApi, cfg: ReturnType<typeof config>): Promise<ConnHandle> {
  await api.createDatabase(cfg);
  const conn = await api.connect(cfg);
  const schema: unknown[] = [];
  for (let i = 0; i < ATTRS; i++) schema.push({ 'db/ident': `attr/a${i}`, 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' });
  schema.push({ 'db/ident': 'todo/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' });
  await api.transact(conn, schema);
  const data: Record<string, unknown>[] = [];
  for (let i = 0; i < ATTRS; i++) data.push({ [`attr/a${i}`]: i });
  await api.transact(conn, data);
  return conn;
}

describe('live queries through the worker (Chromium, IndexedDB)', () => {
  it('re-runs only the live queries a commit touches, counted in the worker (30 attributes)', async () => {
    const api = client();
    const conn = await create(api, config());
    const lives = Array.from({ length: ATTRS }, (_, i) => api.liveQuery<number>(conn, `[:find (sum ?v) . :where [_ :attr/a${i} ?v]]`));
    const ws = lives.map((l) => watch(l));
    await Promise.all(ws.map((w) => w.until(() => w.values.length === 1)));
    expect(ws.map((w) => w.values[0])).toEqual(Array.from({ length: ATTRS }, (_, i) => i));

    await api.transact(conn, [{ 'attr/a11': 100 }]);
    const runs = await Promise.all(lives.map(async (l) => (await l.stats()).runs));
    expect(runs.map((n, i) => [i, n]).filter(([, n]) => n! > 1)).toEqual([[11, 2]]);
    await ws[11]!.until(() => ws[11]!.values.length === 2);
    expect(ws[11]!.values[1]).toBe(111);
    expect(ws.filter((w) => w.values.length > 1)).toHaveLength(1);
    for (const w of ws) w.stop();
  });

  it('sees commits from another tab (a second worker on the same database)', async () => {
    const cfg = config();
    const a = client(),
      b = client();
    const connA = await create(a, cfg);
    const connB = await b.connect(cfg);
    const inB = b.liveQuery<string[]>(connB, '[:find [?t ...] :where [_ :todo/title ?t]]');
    const w = watch(inB);
    await w.until(() => w.values.length === 1);
    expect(w.values[0]).toEqual([]);
    await a.transact(connA, [{ 'todo/title': 'from tab A' }]);
    await w.until(() => w.values.length === 2);
    expect(w.values[1]).toEqual(['from tab A']);
    // a commit in A that B's query does not read makes no run in B's worker
    await a.transact(connA, [{ 'attr/a1': 7 }]);
    await a.transact(connA, [{ 'todo/title': 'second' }]);
    await w.until(() => w.values.length === 3);
    expect([...w.values[2]!].sort()).toEqual(['from tab A', 'second']);
    expect(await inB.stats()).toEqual({ runs: 3, changes: 3 });
    w.stop();
  });

  it('unsubscribe, release and close free the worker side; errors stay with their query', async () => {
    const api = client();
    const conn = await create(api, config());
    const bad = watch(api.liveQuery(conn, '[:find ?x :where [?x :todo/title]')); // parse error
    const good = watch(api.liveQuery<number>(conn, '[:find (count ?e) . :where [?e :todo/title]]'));
    const pulled = watch(api.livePull(conn, '[:todo/title]', 1));
    await bad.until(() => bad.errors.length === 1);
    expect(bad.errors[0]).toMatchObject({ name: 'CairnError', code: 'query/parse' });
    await good.until(() => good.values.length === 1);
    await api.transact(conn, [{ 'todo/title': 'x' }]);
    await good.until(() => good.values.length === 2);
    expect(good.values).toEqual([null, 1]);
    expect(await api.workerCounts()).toMatchObject({ liveQueries: 3 });

    bad.stop();
    good.stop();
    while ((await api.workerCounts()).liveQueries > 1) await new Promise((r) => setTimeout(r, 10));
    expect(await api.workerCounts()).toEqual({ connections: 1, listeners: 0, liveQueries: 1 });
    await api.release(conn);
    expect(await api.workerCounts()).toEqual({ connections: 0, listeners: 0, liveQueries: 0 });
    pulled.stop();

    const conn2 = await api.connect({ store: conn.config.store! });
    const again = watch(api.liveQuery(conn2, '[:find ?t :where [_ :todo/title ?t]]'));
    await again.until(() => again.values.length === 1);
    expect(await api.workerCounts()).toEqual({ connections: 1, listeners: 0, liveQueries: 1 });
    await api.close();
    again.stop();
  });
});
