// Synced databases served by two server processes over one real PostgreSQL database (docs/sync.md
// "Notifications between server processes"): the convergence checks of ./sync.test.ts with devices
// connected to both servers. Each server is a real child process (scripts/sync-server.ts --pg);
// devices are in-process synced connections over memory stores. The servers poll nothing (their
// poll interval is an hour): every commit one of them makes reaches the other through
// LISTEN/NOTIFY, or through the compare-and-set on the head when they race.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { WebSocket as WS } from 'ws';
import { pgServerUrl } from '../../test/pg-server.js';
import { connect, datoms, db, deleteDatabase, listen, pull, q, release, syncStatus, transact, type Connection } from '../index.js';
import { startServer, type ServerProcess } from '../server/test-server.js';

const url = await pgServerUrl();
const table = 'cairndb_sync_servers';
const NEVER_POLL = 3_600_000;

const running = new Set<ServerProcess>();
const made: string[] = [];
afterAll(async () => {
  for (const s of running) await s.stop().catch(() => {});
  for (const id of made) await deleteDatabase(storeConfig(id)).catch(() => {});
});

const storeConfig = (id: string) => ({ store: { backend: 'postgresql', id, connection: url, table } });

/** A server process over the shared PostgreSQL database `name` (on `port` when restarting). */
async function server(name: string, port?: number): Promise<ServerProcess> {
  const s = await startServer({ pg: url, table, dbs: [name], pollMs: NEVER_POLL, ...(port !== undefined ? { port } : {}) });
  running.add(s);
  return s;
}
const stop = async (s: ServerProcess) => {
  await s.stop();
  running.delete(s);
};
const kill = async (s: ServerProcess) => {
  await s.kill();
  running.delete(s);
};

let seq = 0;
/** A fresh database name, and two servers over it. */
async function twoServers(): Promise<{ name: string; a: ServerProcess; b: ServerProcess }> {
  const name = `sync2-${Date.now().toString(36)}-${seq++}`;
  made.push(name);
  // Both at once, as a deployment starts them: one creates the database, the other sees
  // db/exists and opens it (waiting for the creator's first head).
  const [a, b] = await Promise.all([server(name), server(name)]);
  return { name, a, b };
}

function deviceConfig(s: ServerProcess, name: string) {
  return {
    store: { backend: 'memory', id: `pg-device-${seq++}-${Date.now().toString(36)}` },
    sync: { url: s.url, token: 'test-token', db: name, WebSocket: WS as never, minBackoffMs: 50, maxBackoffMs: 300, connectTimeoutMs: 2_000 },
  };
}
const device = (s: ServerProcess, name: string): Promise<Connection> => connect(deviceConfig(s, name), { shared: false });

const SCHEMA = [
  { 'db/ident': 'task/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'task/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'task/owner', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
];

const wait = (f: () => unknown | Promise<unknown>, timeout = 90_000) => vi.waitFor(f, { timeout, interval: 50 });
async function settledWith(conn: Connection): Promise<void> {
  await wait(async () => {
    const s = await syncStatus(conn);
    expect(s.pending).toBe(0);
    expect(s.online).toBe(true);
  });
}
const current = async (conn: Connection) => (await datoms(db(conn), 'eavt')).map((d) => [d.e, d.a, d.v, d.tx]);
const titles = async (conn: Connection) => ((await q('[:find [?t ...] :where [_ :task/title ?t]]', db(conn))) as string[]).sort();

/** The server db itself: a plain connection to the shared PostgreSQL store, at its head now. */
async function serverDatoms(name: string) {
  const conn = await connect(storeConfig(name), { shared: false });
  try {
    return await current(conn);
  } finally {
    await release(conn);
  }
}
/** Every device, once settled, shows exactly the server db. */
async function allEqualServer(name: string, devices: readonly Connection[]): Promise<void> {
  for (const d of devices) await settledWith(d);
  await wait(async () => {
    const server = await serverDatoms(name);
    for (const d of devices) expect(await current(d)).toEqual(server);
  });
}

describe('two sync servers over one PostgreSQL database', { timeout: 300_000 }, () => {
  it('a device on server A hears a commit pushed through server B (LISTEN/NOTIFY, no polling)', async () => {
    const { name, a, b } = await twoServers();
    const onA = await device(a, name);
    const onB = await device(b, name);
    await transact(onB, SCHEMA);
    await settledWith(onB);
    await wait(async () => expect((await syncStatus(onA)).serverT).toBe((await syncStatus(onB)).serverT));
    const heard: unknown[] = [];
    listen(onA, (r) => {
      for (const d of r.txData) if (d.a === 'task/title') heard.push(d.v);
    });
    for (let i = 0; i < 5; i++) {
      await transact(onB, [{ 'task/id': `b${i}`, 'task/title': `through B ${i}` }]);
      await settledWith(onB);
      // Server A commits nothing itself: only a notification can move its head.
      await wait(() => expect(heard).toContain(`through B ${i}`));
    }
    expect(heard).toEqual([0, 1, 2, 3, 4].map((i) => `through B ${i}`));
    await allEqualServer(name, [onA, onB]);
    await release(onA);
    await release(onB);
  });

  it('devices on both servers write offline, reconnect, and converge in the server order; tempids and lookup refs survive', async () => {
    const { name, a, b } = await twoServers();
    const onA = await device(a, name);
    const onB = await device(b, name);
    await transact(onA, SCHEMA);
    await transact(onA, [{ 'person/id': 'ann' }]);
    await settledWith(onA);
    await wait(async () => expect((await syncStatus(onB)).serverT).toBe((await syncStatus(onA)).serverT));
    const ports = [a.port, b.port] as const;
    await Promise.all([stop(a), stop(b)]);
    await wait(async () => expect((await syncStatus(onA)).online || (await syncStatus(onB)).online).toBe(false));
    // Both offline: local writes apply at once (provisional ids), and wait in the outboxes.
    const ra = await transact(onA, [{ 'db/id': 'new', 'task/id': 'ta', 'task/title': 'from a', 'task/owner': ['person/id', 'ann'] }]);
    expect(ra.tempids.new).toBeGreaterThan(0);
    await transact(onB, [{ 'db/id': -1, 'task/id': 'tb', 'task/title': 'from b' }, ['db/add', -1, 'task/owner', ['person/id', 'ann']]]);
    await transact(onA, [['db/add', ['task/id', 'ta'], 'task/title', 'from a, edited']]);
    await transact(onB, [['db/add', ['task/id', 'tb'], 'task/title', 'from b, edited']]);
    expect(await titles(onA)).toEqual(['from a, edited']);
    expect(await titles(onB)).toEqual(['from b, edited']);
    await Promise.all([server(name, ports[0]), server(name, ports[1])]);
    await allEqualServer(name, [onA, onB]);
    expect(await titles(onA)).toEqual(['from a, edited', 'from b, edited']);
    for (const [conn, id] of [
      [onA, 'tb'],
      [onB, 'ta'],
    ] as const) {
      const owner = (await pull(db(conn), '[{:task/owner [:person/id]}]', ['task/id', id])) as { 'task/owner': { 'person/id': string } };
      expect(owner['task/owner']['person/id']).toBe('ann');
    }
    // The server order: each device's edit comes after its own create, every tx once.
    const order = (await q('[:find ?id ?tx :where [?tx :sync/tx ?id]]', db(onA))) as [string, number][];
    expect(order.length).toBe(6);
    expect(new Set(order.map(([, tx]) => tx)).size).toBe(6);
    await release(onA);
    await release(onB);
  });

  it('devices on both servers × 100 concurrent transactions: every one once, every replica equals the server db', async () => {
    const { name, a, b } = await twoServers();
    const devices = [await device(a, name), await device(b, name), await device(a, name), await device(b, name)];
    await transact(devices[0]!, SCHEMA);
    await settledWith(devices[0]!);
    const schemaT = (await syncStatus(devices[0]!)).serverT;
    await Promise.all(devices.map((d) => wait(async () => expect((await syncStatus(d)).serverT).toBeGreaterThanOrEqual(schemaT))));
    await Promise.all(
      devices.map((d, i) => Promise.all(Array.from({ length: 100 }, (_, j) => transact(d, [{ 'task/id': `d${i}-${j}`, 'task/title': `t ${i} ${j}` }])))),
    );
    await allEqualServer(name, devices);
    const fresh = [await device(a, name), await device(b, name)];
    await allEqualServer(name, [...devices, ...fresh]);
    for (const f of fresh) {
      const ids = (await q('[:find ?id ?tx :where [?e :task/id ?id ?tx]]', db(f))) as [string, number][];
      expect(ids.length).toBe(400);
      expect(await q('[:find (count ?tx) . :where [?tx :sync/tx _]]', db(f))).toBe(401); // the schema and 400 tasks, each once
    }
    for (const d of [...devices, ...fresh]) await release(d);
  });

  it('server A killed mid-push and restarted while B keeps serving: nothing duplicated, nothing lost', async () => {
    const { name, a, b } = await twoServers();
    const onA = await device(a, name);
    const onB = await device(b, name);
    await transact(onA, SCHEMA);
    await settledWith(onA);
    await wait(async () => expect((await syncStatus(onB)).serverT).toBe((await syncStatus(onA)).serverT));
    const writesA = Array.from({ length: 200 }, (_, j) => transact(onA, [{ 'task/id': `ka${j}`, 'task/title': `ka ${j}` }]));
    const writesB = Array.from({ length: 100 }, (_, j) => transact(onB, [{ 'task/id': `kb${j}`, 'task/title': `kb ${j}` }]));
    await writesA[0];
    const port = a.port;
    await kill(a); // some of A's pushes answered, some in flight, some not sent; B goes on
    await Promise.all([...writesA, ...writesB]);
    await settledWith(onB);
    await server(name, port);
    await allEqualServer(name, [onA, onB]);
    const fresh = await device(b, name);
    await allEqualServer(name, [onA, onB, fresh]);
    expect(await q('[:find (count ?e) . :where [?e :task/id]]', db(fresh))).toBe(300);
    expect(await q('[:find (count ?tx) . :where [?tx :sync/tx]]', db(fresh))).toBe(301);
    for (const d of [onA, onB, fresh]) await release(d);
  });
});
