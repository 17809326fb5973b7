// Synced databases in process (Node): devices are connections over separate memory stores, the
// server a real process over the file backend (src/server/test-server.ts). The same scenarios
// run in real browsers in e2e/sync.spec.ts.
import { cpSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, WebSocket as WS } from 'ws';
import { SyncSocket } from './socket.js';
import { decodeFrame, encodeMessage, MAX_COMMITS_PER_ANSWER } from './wire.js';
import {
  connect,
  exportDb,
  importDb,
  datoms,
  db,
  gcStorage,
  listen,
  liveQuery,
  onSync,
  pull,
  q,
  release,
  syncStatus,
  transact,
  type Connection,
  type SyncEvent,
} from '../index.js';
import type { Store } from '../store/types.js';
import type { ConnectionHandle } from '../api.js';
import { serverStarter, tempDir } from '../server/test-server.js';
import { seededRandom } from '../util/random.js';

const server = serverStarter(afterAll);

const SCHEMA = [
  { 'db/ident': 'task/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'task/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'task/owner', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
];

let seq = 0;
function deviceConfig(url: string, token = 'test-token') {
  return {
    store: { backend: 'memory', id: `device-${seq++}-${Date.now().toString(36)}` },
    sync: { url, token, db: 'tasks', WebSocket: WS as never, minBackoffMs: 50, maxBackoffMs: 300, connectTimeoutMs: 2_000 },
  };
}
async function device(url: string): Promise<Connection> {
  return connect(deviceConfig(url), { shared: false });
}
const wait = (f: () => unknown | Promise<unknown>, timeout = 60_000) => vi.waitFor(f, { timeout, interval: 50 });
async function settledWith(conn: Connection, serverT?: number): Promise<void> {
  await wait(async () => {
    const s = await syncStatus(conn);
    expect(s.pending).toBe(0);
    expect(s.online).toBe(true);
    if (serverT !== undefined) expect(s.serverT).toBeGreaterThanOrEqual(serverT);
  });
}
/** A WebSocket proxy that passes every frame, the server's through `rewrite`, the device's past `sent`; `to` moves it (and drops its connections). */
async function rewritingProxy(
  url: string,
  rewrite: (m: Record<string, unknown>) => Record<string, unknown> = (m) => m,
  sent: (m: Record<string, unknown>) => void = () => {},
): Promise<{ url: string; to(url: string): void; close(): void }> {
  let upstreamUrl = url;
  const proxy = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => proxy.once('listening', resolve));
  proxy.on('connection', (client) => {
    const upstream = new WS(upstreamUrl);
    const early: Buffer[] = [];
    client.on('message', (d: Buffer) => {
      sent(decodeFrame(new Uint8Array(d)));
      if (upstream.readyState === upstream.OPEN) upstream.send(d);
      else early.push(d);
    });
    upstream.on('open', () => early.splice(0).forEach((d) => upstream.send(d)));
    upstream.on('message', (d: Buffer) => {
      const m = decodeFrame(new Uint8Array(d));
      const out = rewrite(m);
      client.send(out === m ? d : encodeMessage(out as never));
    });
    client.on('close', () => upstream.close());
    upstream.on('close', () => client.close());
    upstream.on('error', () => client.terminate()); // the server is down: so is this connection
    client.on('error', () => upstream.terminate());
  });
  return {
    url: `ws://127.0.0.1:${(proxy.address() as { port: number }).port}/`,
    to(next) {
      upstreamUrl = next;
      for (const c of proxy.clients) c.terminate();
    },
    close: () => proxy.close(),
  };
}
/**
 * A server over files of its own, on one port throughout: `backup()` copies its files (stopped
 * for the copy, then started again), `restore()` stops it and puts the copy back (`start()`
 * serves it again), as an operator restoring a backup does.
 */
async function restorableServer(): Promise<{
  readonly url: string;
  backup(): Promise<void>;
  restore(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}> {
  const path = tempDir();
  let s = await server({ path });
  const port = s.port;
  let copy: string | null = null;
  return {
    url: s.url,
    async backup() {
      await s.stop();
      copy = tempDir();
      cpSync(path, copy, { recursive: true });
      s = await server({ path, port });
    },
    async restore() {
      await s.stop();
      rmSync(path, { recursive: true, force: true });
      cpSync(copy!, path, { recursive: true });
    },
    async start() {
      s = await server({ path, port });
    },
    stop: () => s.stop(),
  };
}
/** `n` commits on the server at `url`, one transaction per push, each awaited; the last one's t. */
async function commitsOneByOne(url: string, n: number, entity: (i: number) => Record<string, unknown>): Promise<number> {
  const pusher = new SyncSocket(
    { url, db: 'tasks', getToken: () => 'test-token', WebSocket: WS as never },
    { welcome: () => {}, head: () => {}, state: () => {} },
  );
  pusher.start();
  await wait(() => expect(pusher.online).toBe(true));
  const run = seq++; // transaction ids unique across calls
  let lastT = 0;
  for (let i = 0; i < n; i++) {
    const m = await pusher.request({ type: 'push', txs: [{ id: `one-by-one-${run}-${i}`, txData: [entity(i)] }] });
    if (m.type !== 'pushed' || !('t' in m.results[0]!)) throw new Error(JSON.stringify(m));
    lastT = m.results[0].t;
  }
  pusher.close();
  return lastT;
}
/** Keys of the device's local records whose bytes contain `needle`. */
async function localRecordsHolding(conn: Connection, needle: string): Promise<string[]> {
  const local = ((conn as ConnectionHandle).conn as unknown as { replica: { local: Store } }).replica.local;
  const keys = await local.keys();
  const values = await local.getMany(keys);
  return keys.filter((_, i) => values[i] !== undefined && Buffer.from(values[i]!).includes(needle));
}
const current = async (conn: Connection) => (await datoms(db(conn), 'eavt')).map((d) => [d.e, d.a, d.v, d.tx]);
/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
const titles = async (conn: Connection) => ((await q('[:find [?t ...] :where [_ :task/title ?t]]', db(conn))) as string[]).sort();

describe('synced databases', { timeout: 180_000 }, () => {
  it('a wrong token rejects connect with sync/unauthorized; no server and no replica: sync/unreachable', async () => {
    const s = await server();
    await expect(connect(deviceConfig(s.url, 'wrong'), { shared: false })).rejects.toMatchObject({ code: 'sync/unauthorized' });
    await expect(connect(deviceConfig('ws://127.0.0.1:9/'), { shared: false })).rejects.toMatchObject({ code: 'sync/unreachable' });
  });

  it('a first connect waits through failed attempts for a server that is starting, within connectTimeoutMs', async () => {
    const path = tempDir();
    const first = await server({ path });
    const port = first.port;
    await first.stop(); // nothing listens on the port now
    const url = `ws://127.0.0.1:${port}/`;
    const patient = deviceConfig(url);
    // A bound far above a server process's start-up on a loaded machine.
    const connecting = connect({ ...patient, sync: { ...patient.sync, connectTimeoutMs: 120_000 } }, { shared: false });
    const s = await server({ path, port }); // up while the device retries
    const a = await connecting;
    await transact(a, SCHEMA);
    await settledWith(a);
    await release(a);
    await s.stop();
    // Nothing listening for the whole timeout: sync/unreachable, naming the last failure.
    const hasty = deviceConfig(url);
    await expect(connect({ ...hasty, sync: { ...hasty.sync, connectTimeoutMs: 500 } }, { shared: false })).rejects.toMatchObject({ code: 'sync/unreachable' });
  });

  it("a first connect whose connection drops while it fetches the server's head reconnects and finishes", async () => {
    const s = await server();
    const a = await device(s.url);
    await transact(a, SCHEMA);
    await transact(a, [{ 'task/id': 't1', 'task/title': 'there' }]);
    await settledWith(a);
    let drops = 0;
    const proxy: Awaited<ReturnType<typeof rewritingProxy>> = await rewritingProxy(s.url, undefined, (m) => {
      if (m.type === 'get' && drops === 0) {
        drops++;
        setTimeout(() => proxy.to(s.url)); // drop every connection through it; the next one passes
      }
    });
    const cfg = deviceConfig(proxy.url);
    const b = await connect({ ...cfg, sync: { ...cfg.sync, connectTimeoutMs: 120_000 } }, { shared: false });
    expect(drops).toBe(1);
    await settledWith(b);
    expect(await titles(b)).toEqual(['there']);
    await release(a);
    await release(b);
    proxy.close();
  });

  it('two devices write offline, reconnect, and converge in the server order; tempids and lookup refs survive', async () => {
    const path = tempDir();
    let s = await server({ path });
    const a = await device(s.url);
    const b = await device(s.url);
    await transact(a, SCHEMA);
    await transact(a, [{ 'person/id': 'ann' }]);
    await settledWith(a);
    await wait(async () => expect((await syncStatus(b)).serverT).toBe((await syncStatus(a)).serverT));
    const port = s.port;
    await s.stop();
    await wait(async () => expect((await syncStatus(a)).online).toBe(false));
    // Offline: local writes apply at once, with provisional ids, tempids and lookup refs.
    const ra = await transact(a, [{ 'db/id': 'new', 'task/id': 'ta', 'task/title': 'from a', 'task/owner': ['person/id', 'ann'] }]);
    expect(ra.tempids.new).toBeGreaterThan(0);
    await transact(b, [{ 'db/id': -1, 'task/id': 'tb', 'task/title': 'from b' }, ['db/add', -1, 'task/owner', ['person/id', 'ann']]]);
    await transact(a, [['db/add', ['task/id', 'ta'], 'task/title', 'from a, edited']]);
    expect(await titles(a)).toEqual(['from a, edited']);
    expect((await syncStatus(a)).pending).toBe(2);
    s = await server({ path, port });
    await settledWith(a);
    await settledWith(b);
    await wait(async () => expect(await current(a)).toEqual(await current(b)));
    expect(await titles(a)).toEqual(['from a, edited', 'from b']);
    const owner = (await pull(db(b), '[{:task/owner [:person/id]}]', ['task/id', 'ta'])) as { 'task/owner': { 'person/id': string } };
    expect(owner['task/owner']['person/id']).toBe('ann');
    // A device that never saw any of it reads the same datoms from the server.
    const c = await device(s.url);
    await settledWith(c);
    await wait(async () => expect(await current(c)).toEqual(await current(a)));
    for (const d of [a, b, c]) await release(d);
  });

  it('a transaction the server rejects is reported and removed; nothing else is lost', async () => {
    const path = tempDir();
    let s = await server({ path });
    const a = await device(s.url);
    const bConfig = deviceConfig(s.url);
    let b = await connect(bConfig, { shared: false });
    await transact(a, SCHEMA);
    await transact(a, [{ 'task/id': 't1', 'task/title': 'old' }]);
    await settledWith(a);
    await wait(async () => expect(await titles(b)).toEqual(['old']));
    const port = s.port;
    await s.stop();
    await wait(async () => expect((await syncStatus(b)).online).toBe(false));
    await transact(a, [['db/cas', ['task/id', 't1'], 'task/title', 'old', 'by a']]);
    await transact(b, [['db/cas', ['task/id', 't1'], 'task/title', 'old', 'by b']]);
    await transact(b, [{ 'task/id': 't2', 'task/title': 'kept' }]);
    // B closes with its two writes in the (durable) outbox; A reaches the server first.
    await release(b);
    s = await server({ path, port });
    await settledWith(a);
    b = await connect(bConfig, { shared: false });
    expect((await syncStatus(b)).pending).toBe(2);
    const events: SyncEvent[] = [];
    onSync(b, (e) => events.push(e));
    const heard: [string, unknown, boolean][] = [];
    listen(b, (r) => {
      for (const d of r.txData) heard.push([d.a, d.v, d.added]);
    });
    await wait(() => expect(events.some((e) => e.type === 'rejected')).toBe(true));
    await settledWith(b);
    const rejected = events.filter((e) => e.type === 'rejected') as Extract<SyncEvent, { type: 'rejected' }>[];
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.error.code).toBe('transact/cas');
    expect(JSON.stringify(rejected[0]!.tx.txData)).toContain('by b');
    await wait(async () => expect(await titles(b)).toEqual(['by a', 'kept']));
    await wait(async () => expect(await titles(a)).toEqual(['by a', 'kept']));
    expect((await syncStatus(b)).lastError?.code).toBe('transact/cas');
    expect(heard).toContainEqual(['task/title', 'by a', true]); // the remote commit, through the listeners
    expect(heard).toContainEqual(['task/title', 'by b', false]); // the rejected local write, undone
    await release(a);
    await release(b);
  });

  it("a device's own transaction reaches its listeners twice: applied locally, then confirmed by the server with sync/tx", async () => {
    const s = await server();
    const a = await device(s.url);
    await transact(a, SCHEMA);
    await settledWith(a);
    const heard: { titles: unknown[]; syncTx: unknown; tempids: Record<string, number> }[] = [];
    listen(a, (r) => {
      const titles = r.txData.filter((d) => d.a === 'task/title').map((d) => d.v);
      if (titles.length > 0) heard.push({ titles, syncTx: r.txMeta['sync/tx'], tempids: r.tempids });
    });
    const local = await transact(a, [{ 'db/id': 'x', 'task/id': 'own', 'task/title': 'mine' }]);
    await settledWith(a);
    await wait(() => expect(heard).toHaveLength(2));
    expect(heard[0]!.titles).toEqual(['mine']);
    expect(heard[0]!.syncTx).toBeUndefined(); // the local apply
    expect(heard[1]!.titles).toEqual(['mine']);
    expect(typeof heard[1]!.syncTx).toBe('string'); // the server's report names the client transaction
    expect(heard[1]!.tempids['x']).toBe(await q('[:find ?e . :where [?e :task/id "own"]]', db(a)));
    expect(local.tempids['x']).toBeTypeOf('number');
    await release(a);
  });

  it('what a local transaction takes, a synced one takes: Sets for card-many values, Dates, bytes, bigints', async () => {
    const s = await server();
    const a = await device(s.url);
    const b = await device(s.url);
    const more = [
      { 'db/ident': 'task/tags', 'db/valueType': 'db.type/keyword', 'db/cardinality': 'db.cardinality/many' },
      { 'db/ident': 'task/due', 'db/valueType': 'db.type/instant', 'db/cardinality': 'db.cardinality/one' },
      { 'db/ident': 'task/blob', 'db/valueType': 'db.type/bytes', 'db/cardinality': 'db.cardinality/one' },
      { 'db/ident': 'task/big', 'db/valueType': 'db.type/bigint', 'db/cardinality': 'db.cardinality/one' },
    ];
    await transact(a, [...SCHEMA, ...more]);
    const entity = {
      'task/id': 'set',
      'task/tags': new Set(['t/a', 't/b']),
      'task/due': new Date(7),
      'task/blob': new Uint8Array([1, 2]),
      'task/big': 2n ** 70n,
    };
    await transact(a, [entity]);
    await settledWith(a);
    const pulled = (conn: Connection) => pull(db(conn), '[:task/tags :task/due :task/blob :task/big]', ['task/id', 'set']);
    const expected = { 'task/tags': [':t/a', ':t/b'], 'task/due': new Date(7), 'task/blob': new Uint8Array([1, 2]), 'task/big': 2n ** 70n };
    expect(await pulled(a)).toEqual(expected);
    await wait(async () => expect(await pulled(b)).toEqual(expected));
    await release(a);
    await release(b);
  });

  it.each([1, 2])(
    'random conflicting writes on three devices while the server stops and crashes (seed %i): every replica converges, each transaction lands once or is reported',
    async (seed) => {
      const r = seededRandom(seed);
      const path = tempDir();
      let s: Awaited<ReturnType<typeof server>> | null = await server({ path });
      const port = s.port;
      const devices = [await device(s.url), await device(s.url), await device(s.url)];
      let rejected = 0;
      for (const d of devices) onSync(d, (e) => void (e.type === 'rejected' && rejected++));
      const RANDOM_SCHEMA = [
        ...SCHEMA,
        { 'db/ident': 'task/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
        { 'db/ident': 'task/dep', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
        { 'db/ident': 'task/email', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/value' },
      ];
      const outcomes: Promise<boolean>[] = [transact(devices[0]!, RANDOM_SCHEMA).then(() => true)];
      await settledWith(devices[0]!);
      const schemaT = (await syncStatus(devices[0]!)).serverT;
      for (const d of devices) await settledWith(d, schemaT);
      const id = () => r.pick(['a', 'b', 'c', 'd']);
      for (let step = 0; step < 50; step++) {
        const k = r.int(10);
        if (k === 9) {
          // the server stops or crashes, or comes back on the same store and port
          if (s !== null && r.next() < 0.6) {
            await (r.next() < 0.5 ? s.stop() : s.kill());
            s = null;
          } else if (s === null) s = await server({ path, port });
          continue;
        }
        const tx = [
          () => [{ 'task/id': id(), 'task/n': r.int(100) }], // upserts by identity
          () => [['db/retractEntity', ['task/id', id()]]],
          () => [{ 'task/id': id(), 'task/dep': [['task/id', id()]] }], // a lookup ref that may not resolve
          () => [{ 'task/id': id(), 'task/email': `m${r.int(2)}` }], // unique values that collide
          () => [['db/cas', ['task/id', id()], 'task/n', r.int(100), r.int(100)]],
        ][k % 5]!();
        // Applied locally or refused locally (a coded error), never thrown at us otherwise.
        const local = transact(r.pick(devices), tx as never).then(
          () => true,
          (e: unknown) => (expect((e as { code?: string }).code).toMatch(/^transact\//), false),
        );
        outcomes.push(local);
        if (r.next() < 0.3) await local;
      }
      const applied = (await Promise.all(outcomes)).filter(Boolean).length;
      if (s === null) s = await server({ path, port });
      for (const d of devices) await settledWith(d);
      const fresh = await device(s.url);
      await settledWith(fresh);
      for (const d of devices) await wait(async () => expect(await current(d)).toEqual(await current(fresh)));
      const committed = (await q('[:find (count ?tx) . :where [?tx :sync/tx _]]', db(fresh))) as number;
      expect(committed + rejected).toBe(applied); // each applied transaction committed once, or rejected and reported
      for (const d of [...devices, fresh]) await release(d);
    },
  );

  it('three devices × 100 concurrent transactions: the server has 300, each once, and every replica equals it', async () => {
    const s = await server();
    const devices = [await device(s.url), await device(s.url), await device(s.url)];
    await transact(devices[0]!, SCHEMA);
    await settledWith(devices[0]!);
    await Promise.all(devices.map((d) => wait(async () => expect((await syncStatus(d)).serverT).toBe((await syncStatus(devices[0]!)).serverT))));
    await Promise.all(
      devices.map((d, i) => Promise.all(Array.from({ length: 100 }, (_, j) => transact(d, [{ 'task/id': `d${i}-${j}`, 'task/title': `t ${i} ${j}` }])))),
    );
    for (const d of devices) await settledWith(d);
    const fresh = await device(s.url);
    await settledWith(fresh);
    const ids = (await q('[:find ?id ?tx :where [?e :task/id ?id ?tx]]', db(fresh))) as [string, number][];
    expect(ids.length).toBe(300);
    const synced = (await q('[:find (count ?tx) . :where [?tx :sync/tx _]]', db(fresh))) as number;
    expect(synced).toBe(301); // the schema and 300 tasks, each committed once
    for (const d of devices) await wait(async () => expect(await current(d)).toEqual(await current(fresh)));
    for (const d of [...devices, fresh]) await release(d);
  });

  it('the server killed mid-push and restarted: nothing duplicated, nothing lost', async () => {
    const path = tempDir();
    let s = await server({ path });
    const a = await device(s.url);
    await transact(a, SCHEMA);
    await settledWith(a);
    const writes = Array.from({ length: 200 }, (_, j) => transact(a, [{ 'task/id': `k${j}`, 'task/title': `k ${j}` }]));
    await writes[0];
    const port = s.port;
    await s.kill(); // some pushes answered, some in flight, some not sent
    await Promise.all(writes);
    s = await server({ path, port });
    await settledWith(a);
    const fresh = await device(s.url);
    await settledWith(fresh);
    expect(await q('[:find (count ?e) . :where [?e :task/id]]', db(fresh))).toBe(200);
    expect(await q('[:find (count ?tx) . :where [?tx :sync/tx]]', db(fresh))).toBe(201);
    await wait(async () => expect(await current(a)).toEqual(await current(fresh)));
    await release(a);
    await release(fresh);
  });
});

describe('limits', { timeout: 180_000 }, () => {
  it('a transaction over the server limit is refused with sync/too-large and removed; the rest syncs', async () => {
    const s = await server();
    const a = await device(s.url);
    await transact(a, SCHEMA);
    const events: SyncEvent[] = [];
    onSync(a, (e) => events.push(e));
    await transact(a, [{ 'task/id': 'huge', 'task/title': 'x'.repeat(1_100_000) }]);
    await transact(a, [{ 'task/id': 'small', 'task/title': 'fits' }]);
    await settledWith(a);
    const rejected = events.filter((e) => e.type === 'rejected') as Extract<SyncEvent, { type: 'rejected' }>[];
    expect(rejected.map((e) => e.error.code)).toEqual(['sync/too-large']);
    await wait(async () => expect(await titles(a)).toEqual(['fits']));
    await release(a);
  });
});

describe('liveness', { timeout: 180_000 }, () => {
  it('a garbled answer from the server is a protocol error: the device reconnects and pushes again, and reports nothing refused', async () => {
    const s = await server();
    // A proxy in front of the server that garbles the first answer to a push of the task.
    let garbled = 0;
    let pushedTask = false; // garble only the task's push, not the schema's
    const proxy = await rewritingProxy(s.url, (m) => {
      if (m.type !== 'pushed' || !pushedTask || garbled > 0) return m;
      garbled++;
      const [first] = m.results as { id: string }[];
      return { type: 'pushed', id: m.id, results: [{ id: first!.id, error: 'garbled' }] };
    });
    const a = await connect(deviceConfig(proxy.url), { shared: false });
    const events: SyncEvent[] = [];
    onSync(a, (e) => events.push(e));
    await transact(a, SCHEMA);
    await settledWith(a);
    pushedTask = true;
    await transact(a, [{ 'task/id': 'g1', 'task/title': 'through garble' }]);
    await settledWith(a);
    expect(garbled).toBe(1);
    expect(events.filter((e) => e.type === 'rejected')).toEqual([]);
    const fresh = await device(s.url);
    await settledWith(fresh);
    expect(await titles(fresh)).toEqual(['through garble']);
    await release(a);
    await release(fresh);
    proxy.close();
  });

  it('an answer with fewer records than keys asked is a protocol error, never records paired with the wrong keys', async () => {
    const s = await server();
    const a = await device(s.url);
    await transact(a, SCHEMA);
    // Enough small commits that the head names a sealed tail chunk beside its schema.
    for (let i = 0; i < 20; i++) await transact(a, [{ 'task/id': `r${i}`, 'task/title': `${i}` }]);
    await settledWith(a);
    let cut = 0;
    const proxy = await rewritingProxy(s.url, (m) => {
      const values = m.type === 'records' ? (m.values as unknown[]) : [];
      if (values.length < 2) return m;
      cut++;
      return { ...m, values: values.slice(1) };
    });
    // A first connect asks for its head's schema and sealed chunks together: the first answer
    // loses its first record, so the others would have come back under the wrong keys.
    await expect(connect(deviceConfig(proxy.url), { shared: false })).rejects.toMatchObject({ code: 'sync/protocol' });
    expect(cut).toBeGreaterThan(0);
    await release(a);
    proxy.close();
  });

  it('a server restored from a backup: the device follows its history, keeps its pending writes, and its listeners hear the difference', async () => {
    const s = await restorableServer();
    const a = await device(s.url);
    await transact(a, SCHEMA);
    await transact(a, [{ 'task/id': 'before-backup', 'task/title': 'kept' }]);
    await settledWith(a);
    await s.backup();
    for (let i = 0; i < 5; i++) await transact(a, [{ 'task/id': `after-backup-${i}`, 'task/title': 'lost with the restore' }]);
    await settledWith(a);
    await s.restore();
    const heard: [unknown, boolean][] = [];
    listen(a, (r) => {
      for (const d of r.txData) if (d.a === 'task/title') heard.push([d.v, d.added]);
    });
    // Written while the restored server is still down: pending, so it must survive the switch.
    await transact(a, [{ 'task/id': 'pending', 'task/title': 'written offline' }]);
    await s.start();
    await settledWith(a);
    const fresh = await device(s.url);
    await settledWith(fresh);
    await wait(async () => expect(await titles(a)).toEqual(['kept', 'written offline']));
    expect(await titles(fresh)).toEqual(['kept', 'written offline']);
    expect(await current(a)).toEqual(await current(fresh));
    expect(heard.filter(([v, added]) => v === 'lost with the restore' && !added)).toHaveLength(5);
    await release(a);
    await release(fresh);
  });

  it('a server restored from a backup older than tree nodes the device never fetched: listeners hear a report that itemises nothing, live queries re-run', async () => {
    const s = await restorableServer();
    const a = await connect(deviceConfig(s.url), { shared: false, cacheSize: 1 });
    await transact(a, SCHEMA);
    await transact(a, [{ 'task/id': 'before-backup', 'task/title': 'kept' }]);
    await settledWith(a);
    await s.backup();
    // Enough to fold the tail into new index nodes, which the restored server will not have.
    await transact(
      a,
      Array.from({ length: 400 }, (_, i) => ({ 'task/id': `after-backup-${i}`, 'task/title': 'lost with the restore' })),
    );
    await settledWith(a);
    await wait(async () => expect((await syncStatus(a)).replicated).toBe(true));
    const count = liveQuery<number>(a, '[:find (count ?e) . :where [?e :task/title]]');
    const counts: number[] = [];
    const stop = count.subscribe((n) => counts.push(n));
    await wait(() => expect(counts.at(-1)).toBe(401));
    await s.restore();
    // As if the background fetch had not reached them yet (cacheSize 1: no decoded copy either).
    const local = ((a as ConnectionHandle).conn as unknown as { replica: { local: Store } }).replica.local;
    const nodes = (await local.keys()).filter((k) => k.startsWith('n:'));
    expect(nodes.length).toBeGreaterThan(0);
    await local.deleteMany(nodes);
    const heard: number[] = [];
    listen(a, (r) => heard.push(r.txData.length));
    await s.start();
    await wait(() => expect(counts.at(-1)).toBe(1));
    expect(heard).toEqual([0]);
    expect(await titles(a)).toEqual(['kept']);
    expect((await syncStatus(a)).lastError).toBeNull();
    stop();
    await release(a);
  });

  it("a purge on the server leaves no copy of the purged values in any device's replica", async () => {
    const s = await server();
    const a = await device(s.url);
    const b = await device(s.url);
    await transact(a, SCHEMA);
    await transact(a, [{ 'task/id': 'secret', 'task/title': 'SECRET-TITLE-xyz' }]);
    // Enough after it to fold the tail into tree nodes that hold the title, and seal chunks.
    await transact(
      a,
      Array.from({ length: 300 }, (_, i) => ({ 'task/id': `t${i}`, 'task/title': 'other' })),
    );
    await settledWith(a);
    await wait(async () => expect(await titles(b)).toContain('SECRET-TITLE-xyz'));
    await wait(async () => expect((await syncStatus(b)).replicated).toBe(true));
    const holding = (conn: Connection) => localRecordsHolding(conn, 'SECRET-TITLE-xyz');
    expect(await holding(b)).not.toEqual([]);
    const eid = (await q('[:find ?e . :where [?e :task/id "secret"]]', db(a))) as number;
    await transact(a, [['db.purge/entity', eid]]);
    await settledWith(a);
    await wait(async () => expect(await titles(b)).not.toContain('SECRET-TITLE-xyz'));
    // Each replica sweeps itself after catching up on the purge, as gcStorage would.
    await wait(async () => expect(await holding(a)).toEqual([]));
    await wait(async () => expect(await holding(b)).toEqual([]));
    expect(await q('[:find (count ?e) . :where [?e :task/title]]', db(b))).toBe(300);
    expect(await current(b)).toEqual(await current(a));
    // gcStorage works on a device too: it sweeps the replica (it was store/unsupported).
    expect((await gcStorage(b)).deletedKeys).toEqual(expect.any(Array));
    expect(await current(b)).toEqual(await current(a));
    await release(a);
    await release(b);
  });

  it.each([false, true])('a server with sweepAfterPurge %s keeps (false) or drops (true) the purged values in its own store', async (sweepAfterPurge) => {
    const s = await server({ sweepAfterPurge });
    const a = await device(s.url);
    const secret = `SECRET-SERVER-${sweepAfterPurge}`;
    const onServer = (): string[] => filesUnder(s.path).filter((f) => readFileSync(f).includes(Buffer.from(secret)));
    await transact(a, SCHEMA);
    await transact(a, [{ 'task/id': 'secret', 'task/title': secret }]);
    await transact(
      a,
      Array.from({ length: 300 }, (_, i) => ({ 'task/id': `t${i}`, 'task/title': 'other' })),
    );
    await settledWith(a);
    expect(onServer()).not.toEqual([]);
    const eid = (await q('[:find ?e . :where [?e :task/id "secret"]]', db(a))) as number;
    await transact(a, [['db.purge/entity', eid]]);
    await settledWith(a);
    if (sweepAfterPurge) await wait(() => expect(onServer()).toEqual([]));
    else expect(onServer()).not.toEqual([]); // the old records hold it until the operator's gcStorage
    // the server still serves the database, its data whole: a fresh device sees it
    const b = await device(s.url);
    await wait(async () => expect(await q('[:find (count ?e) . :where [?e :task/title]]', db(b))).toBe(300));
    expect(await titles(b)).toEqual(['other']);
    await release(a);
    await release(b);
  });

  it('a device that swept after a purge, then follows the server restored from before it, has the whole restored db offline', async () => {
    const s = await restorableServer();
    const a = await connect(deviceConfig(s.url), { shared: false, cacheSize: 1 }); // reads reach the store
    await transact(a, SCHEMA);
    await transact(
      a,
      Array.from({ length: 300 }, (_, i) => ({ 'task/id': `t${i}`, 'task/title': `title ${i}` })),
    );
    await settledWith(a);
    await wait(async () => expect((await syncStatus(a)).replicated).toBe(true));
    await s.backup();
    await settledWith(a);
    const eid = (await q('[:find ?e . :where [?e :task/id "t299"]]', db(a))) as number;
    await transact(a, [['db.purge/entity', eid]]);
    await settledWith(a);
    await wait(async () => expect(await titles(a)).not.toContain('title 299'));
    await wait(async () => expect((await syncStatus(a)).replicated).toBe(true));
    await wait(async () => expect(await localRecordsHolding(a, 'title 299')).toEqual([])); // swept
    await s.restore();
    await s.start();
    await wait(async () => expect(await titles(a)).toContain('title 299'));
    await wait(async () => expect((await syncStatus(a)).replicated).toBe(true));
    await s.stop(); // offline: every datom of the restored db must be local
    expect(await q('[:find (count ?e) . :where [?e :task/title]]', db(a))).toBe(300);
    expect((await datoms(db(a), 'aevt')).length).toBeGreaterThan(600);
    await release(a);
  });

  it("a transaction naming an entity by an id this device made, before the server confirms it, is refused: it would hit another device's entity", async () => {
    const s = await server();
    const proxy = await rewritingProxy(s.url);
    const a = await device(proxy.url);
    const b = await device(s.url);
    await transact(a, SCHEMA);
    await settledWith(a);
    await settledWith(b);
    proxy.to('ws://127.0.0.1:9/'); // a is offline
    await wait(async () => expect((await syncStatus(a)).online).toBe(false));
    const created = await transact(a, [{ 'db/id': 'x', 'task/id': 'from-a', 'task/title': 'a1' }]);
    const provisional = created.tempids.x!;
    // b, online, creates an entity: the server gives it the id a gave its own.
    expect((await transact(b, [{ 'db/id': 'y', 'task/id': 'from-b', 'task/title': 'b1' }])).tempids.y).toBe(provisional);
    await settledWith(b);
    for (const tx of [
      [{ 'db/id': provisional, 'task/title': 'a2' }],
      [['db/add', provisional, 'task/title', 'a2']],
      `[[:db/retractEntity ${provisional}]]`,
      [['db.purge/entity', provisional]],
      [{ 'task/id': 'other', 'task/owner': provisional }],
    ]) {
      await expect(transact(a, tx as never)).rejects.toMatchObject({
        code: 'transact/entity-id',
        message: expect.stringContaining(`entity ${provisional} is an id this device gave the entity that transaction`),
      });
    }
    await transact(a, [{ 'db/id': ['task/id', 'from-a'], 'task/title': 'a2' }]); // by identity: fine
    expect((await syncStatus(a)).pending).toBe(2);
    proxy.to(s.url);
    await settledWith(a);
    await settledWith(b);
    const all = async (c: Connection) => ((await q('[:find ?id ?t :where [?e :task/id ?id] [?e :task/title ?t]]', db(c))) as string[][]).sort();
    expect(await all(b)).toEqual([
      ['from-a', 'a2'],
      ['from-b', 'b1'],
    ]);
    expect(await all(a)).toEqual(await all(b));
    // Confirmed, the ids in a's view are the server's: numbers read from it work again; the one
    // a's report handed out is still refused, since it now names b's entity.
    const eid = (await q('[:find ?e . :where [?e :task/id "from-a"]]', db(a))) as number;
    expect(eid).not.toBe(provisional);
    await expect(transact(a, [{ 'db/id': provisional, 'task/title': 'stale id' }])).rejects.toMatchObject({
      code: 'transact/entity-id',
      message: expect.stringContaining(`the sync server numbered it ${eid}`),
    });
    await transact(a, [{ 'db/id': eid, 'task/title': 'a3' }]);
    await settledWith(a);
    await wait(async () => expect(await all(b)).toContainEqual(['from-a', 'a3']));
    await release(a);
    await release(b);
    proxy.close();
  });

  it('importDb into a synced replica is refused before anything is read (migrate/unsupported); exportDb works', async () => {
    const s = await server();
    const a = await device(s.url);
    await transact(a, SCHEMA);
    await transact(a, [{ 'task/id': 'kept', 'task/title': 'kept' }]);
    await settledWith(a);
    const chunks: Uint8Array[] = [];
    await exportDb(db(a), (c: Uint8Array) => void chunks.push(c));
    let read = false;
    const source = (async function* () {
      read = true;
      yield Buffer.concat(chunks);
    })();
    await expect(importDb(a, source)).rejects.toMatchObject({ code: 'migrate/unsupported' });
    expect(read).toBe(false);
    expect((await syncStatus(a)).pending).toBe(0);
    expect(await titles(a)).toEqual(['kept']);
    await release(a);
  });

  it('a device moved to a server process that has not seen its latest commits yet waits for them: nothing undone', async () => {
    const path = tempDir();
    const s1 = await server({ path });
    const lagging = await server({ path, pollMs: 600_000 }); // hears of s1's commits only when it commits itself
    const proxy = await rewritingProxy(s1.url);
    const a = await connect(deviceConfig(proxy.url), { shared: false });
    await transact(a, SCHEMA);
    for (let i = 0; i < 3; i++) await transact(a, [{ 'task/id': `t${i}`, 'task/title': `title ${i}` }]);
    await settledWith(a);
    const undone: unknown[] = [];
    listen(a, (r) => {
      for (const d of r.txData) if (!d.added && d.a === 'task/title') undone.push(d.v);
    });
    proxy.to(lagging.url); // its welcome announces an older head than the device has
    await wait(async () => expect((await syncStatus(a)).online).toBe(true));
    await transact(a, [{ 'task/id': 't3', 'task/title': 'title 3' }]);
    await settledWith(a);
    await wait(async () => expect(await titles(a)).toEqual(['title 0', 'title 1', 'title 2', 'title 3']));
    expect(undone).toEqual([]);
    const fresh = await device(s1.url);
    await settledWith(fresh);
    await wait(async () => expect(await current(a)).toEqual(await current(fresh)));
    await release(a);
    await release(fresh);
    proxy.close();
  });

  it('a frozen server (socket open, no answers) is detected by the heartbeat; the device reconnects and pushes when it thaws', async () => {
    const s = await server();
    const cfg = deviceConfig(s.url);
    const a = await connect({ ...cfg, sync: { ...cfg.sync, heartbeatMs: 200, deadAfterMs: 1_000 } }, { shared: false });
    await transact(a, SCHEMA);
    await settledWith(a);
    s.signal('SIGSTOP');
    await wait(async () => expect((await syncStatus(a)).online).toBe(false));
    expect((await syncStatus(a)).lastError?.code).toBe('sync/offline');
    await transact(a, [{ 'task/id': 'while-frozen', 'task/title': 'queued' }]);
    expect((await syncStatus(a)).pending).toBe(1);
    s.signal('SIGCONT');
    await settledWith(a);
    const fresh = await device(s.url);
    await settledWith(fresh);
    expect(await titles(fresh)).toEqual(['queued']);
    await release(a);
    await release(fresh);
  });
});

describe('catch-up', () => {
  it('a device back after a restore and 1,001 new commits asks for its own head once, not for the whole history', async () => {
    const s = await restorableServer();
    let walks = 0; // the device's requests for commit chains
    const proxy = await rewritingProxy(s.url, undefined, (m) => void (m.type === 'commits' && walks++));
    const cfg = deviceConfig(proxy.url);
    let a = await connect(cfg, { shared: false });
    await transact(a, SCHEMA);
    await settledWith(a);
    await s.backup();
    await transact(a, [{ 'task/id': 'gone', 'task/title': 'lost with the restore' }]);
    await settledWith(a);
    await release(a);
    await s.restore();
    await s.start();
    const lastT = await commitsOneByOne(s.url, MAX_COMMITS_PER_ANSWER + 1, (i) => ({ 'task/id': `n${i}`, 'task/title': 'new' }));
    walks = 0;
    a = await connect(cfg, { shared: false });
    await wait(async () => expect((await syncStatus(a)).serverT).toBe(lastT));
    expect(await titles(a)).toEqual(['new']);
    expect(walks).toBe(1); // 1,000 commits back, then it asked for its head commit, which the server lacks
    await release(a);
    proxy.close();
  }, 300_000);

  it('a device offline for 1,000 remote commits fetches only nodes written since, never one it has', async () => {
    const { defaultRegistry } = await import('../store/index.js');
    const path = tempDir();
    const s = await server({ path });
    const cfg = deviceConfig(s.url);
    const a = await device(s.url);
    await transact(a, SCHEMA);
    for (let i = 0; i < 10; i++)
      await transact(
        a,
        Array.from({ length: 500 }, (_, j) => ({ 'task/id': `bulk-${i}-${j}`, 'task/title': `bulk ${i} ${j}` })),
      );
    await settledWith(a);
    // Device B replicates everything, then goes away.
    let b = await connect(cfg, { shared: false });
    await wait(async () => {
      const st = await syncStatus(b);
      expect(st.serverT).toBe((await syncStatus(a)).serverT);
      expect(st.replicated).toBe(true);
    });
    await release(b);
    const serverStore = await defaultRegistry.open({ backend: 'file', id: 'tasks', path });
    const nodesBefore = new Set((await serverStore.store.keys()).filter((k) => k.startsWith('n:')));
    // 1,000 remote commits: one transaction per push, each awaited, so each is its own commit.
    const lastT = await commitsOneByOne(s.url, 1000, (i) => ({ 'task/id': `r${i}`, 'task/title': `remote ${i}` }));
    const newNodes = new Set((await serverStore.store.keys()).filter((k) => k.startsWith('n:') && !nodesBefore.has(k)));
    await serverStore.store.close();
    // B comes back: it hears every remote commit and fetches only new nodes.
    b = await connect(cfg, { shared: false });
    let heard = 0;
    listen(b, () => heard++);
    await wait(async () => {
      const st = await syncStatus(b);
      expect(st.serverT).toBe(lastT);
      expect(st.replicated).toBe(true);
    });
    expect(heard).toBe(1000);
    expect(await q('[:find (count ?e) . :where [?e :task/id]]', db(b))).toBe(6000);
    const fetched = [...(b as unknown as { conn: { replica: { stats: { nodeKeys: Set<string> } } } }).conn.replica.stats.nodeKeys];
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.filter((k) => !newNodes.has(k))).toEqual([]);
    expect(fetched.length).toBeLessThanOrEqual(newNodes.size);
    expect(fetched.length).toBeLessThan(nodesBefore.size);
    await release(a);
    await release(b);
  }, 300_000);
});
