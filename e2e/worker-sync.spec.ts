// Synced databases in real Chromium (docs/sync.md): one local sync server process over the file
// backend, several browser contexts — separate storage, so separate devices — each with its own
// worker and IndexedDB replica. "Offline" is the server being down: the devices cannot reach it.
import { expect, test, type Browser, type Page } from '@playwright/test';
// The Node entry: it registers the Node-only backends (the server's file store is read here).
import '../src/node.js';
import { defaultRegistry } from '../src/store/index.js';
import { startServer, tempDir, type ServerProcess } from '../src/server/test-server.js';
import { openClientPage } from './helpers.js';
import type { TestWindow } from './pages/types.js';

const SCHEMA = [
  { 'db/ident': 'task/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'task/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
];

type W = TestWindow & { conn: never; events: { type: string; code?: string; txData?: string }[]; heard: number };

let running: ServerProcess[] = [];
test.afterEach(async () => {
  for (const s of running) await s.stop().catch(() => {});
  running = [];
});
async function server(o: Parameters<typeof startServer>[0] = {}): Promise<ServerProcess> {
  // The test pages' origin must pass the server's Origin allow-list.
  const origin = new URL(test.info().project.use.baseURL ?? 'http://127.0.0.1:5174').origin;
  const s = await startServer({ cors: [origin], ...o });
  running.push(s);
  return s;
}

/** A device: its own browser context (storage), page, worker and synced connection. */
async function device(browser: Browser, url: string, token = 'test-token'): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openClientPage(page);
  await page.evaluate(
    async ({ url, token }) => {
      const w = window as unknown as W;
      w.conn = (await w.cairn.connect({
        store: { backend: 'indexeddb', id: 'tasks-replica' },
        sync: { url, token, db: 'tasks', minBackoffMs: 50, maxBackoffMs: 300 } as never,
      })) as never;
      w.events = [];
      w.heard = 0;
      w.cairn.onSync(w.conn, (e) => void (e.type === 'rejected' && w.events.push({ type: e.type, code: e.error.code, txData: JSON.stringify(e.tx.txData) })));
      w.cairn.listen(w.conn, () => void w.heard++);
    },
    { url, token },
  );
  return page;
}

const status = (p: Page) =>
  p.evaluate(() => {
    const w = window as unknown as W;
    return w.cairn.syncStatus(w.conn);
  });
const transact = (p: Page, tx: unknown) =>
  p.evaluate(async (tx) => {
    const w = window as unknown as W;
    await w.cairn.transact(w.conn, tx as never);
  }, tx);
const datoms = (p: Page) =>
  p.evaluate(async () => {
    const w = window as unknown as W;
    return (await w.cairn.datoms(w.cairn.db(w.conn), 'eavt')).map((d) => [d.e, d.a, d.v, d.tx]);
  });
const query = (p: Page, q: string) =>
  p.evaluate(async (q) => {
    const w = window as unknown as W;
    return w.cairn.q(q, w.cairn.db(w.conn));
  }, q);
async function settled(p: Page, online = true): Promise<void> {
  await expect
    .poll(
      async () => {
        const s = await status(p);
        return s.pending === 0 && s.online === online;
      },
      { timeout: 60_000 },
    )
    .toBe(true);
}
async function sameAs(p: Page, q: Page): Promise<void> {
  await expect.poll(async () => JSON.stringify(await datoms(p)) === JSON.stringify(await datoms(q)), { timeout: 60_000 }).toBe(true);
}

test('a wrong token rejects connect with sync/unauthorized', async ({ browser }) => {
  const s = await server();
  const page = await (await browser.newContext()).newPage();
  await openClientPage(page);
  const code = await page.evaluate(
    async ({ url }) => {
      const w = window as unknown as W;
      try {
        await w.cairn.connect({ store: { backend: 'indexeddb', id: 'tasks-replica' }, sync: { url, token: 'wrong', db: 'tasks' } as never });
        return 'connected';
      } catch (e) {
        return `${(e as { name: string }).name} ${(e as { code: string }).code}`;
      }
    },
    { url: s.url },
  );
  expect(code).toBe('CairnError sync/unauthorized');
});

test('two devices write offline, reconnect, and converge in the server order; a rejected transaction is reported and removed', async ({ browser }) => {
  const path = tempDir();
  let s = await server({ path });
  const a = await device(browser, s.url);
  const b = await device(browser, s.url);
  await transact(a, SCHEMA);
  await transact(a, [{ 'task/id': 't0', 'task/title': 'old' }]);
  await settled(a);
  await expect.poll(() => query(b, '[:find [?t ...] :where [_ :task/title ?t]]'), { timeout: 60_000 }).toEqual(['old']);
  const port = s.port;
  await s.stop();
  await expect.poll(async () => (await status(a)).online && (await status(b)).online, { timeout: 60_000 }).toBe(false);
  await transact(a, [{ 'db/id': 'n', 'task/id': 'ta', 'task/title': 'from a' }]);
  await transact(a, [['db/cas', ['task/id', 't0'], 'task/title', 'old', 'by a']]);
  await transact(b, [{ 'task/id': 'tb', 'task/title': 'from b' }]);
  await transact(b, [['db/cas', ['task/id', 't0'], 'task/title', 'old', 'by b']]);
  expect((await status(b)).pending).toBe(2);
  s = await server({ path, port });
  await settled(a);
  await settled(b);
  await sameAs(a, b);
  const titles = ((await query(a, '[:find [?t ...] :where [_ :task/title ?t]]')) as string[]).sort();
  const winner = titles.includes('by a') ? 'a' : 'b';
  expect(titles).toEqual(['by ' + winner, 'from a', 'from b']);
  const loser = winner === 'a' ? b : a;
  const events = await loser.evaluate(() => (window as unknown as W).events);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ type: 'rejected', code: 'transact/cas' });
  expect(events[0]!.txData).toContain(winner === 'a' ? 'by b' : 'by a');
  expect((await status(loser)).lastError?.code).toBe('transact/cas');
});

test('three devices × 100 concurrent transactions: the server has 300, each once, and every replica equals it', async ({ browser }) => {
  const s = await server();
  const devices = [await device(browser, s.url), await device(browser, s.url), await device(browser, s.url)];
  await transact(devices[0]!, SCHEMA);
  await settled(devices[0]!);
  for (const d of devices)
    await expect.poll(async () => (await query(d, '[:find ?e . :where [?e :db/ident :task/id]]')) !== null, { timeout: 60_000 }).toBe(true);
  await Promise.all(
    devices.map((d, i) =>
      d.evaluate(async (i) => {
        const w = window as unknown as W;
        await Promise.all(Array.from({ length: 100 }, (_, j) => w.cairn.transact(w.conn, [{ 'task/id': `d${i}-${j}`, 'task/title': `t ${i} ${j}` }])));
      }, i),
    ),
  );
  for (const d of devices) await settled(d);
  const fresh = await device(browser, s.url);
  await settled(fresh);
  expect(await query(fresh, '[:find (count ?e) . :where [?e :task/id]]')).toBe(300);
  expect(await query(fresh, '[:find (count ?tx) . :where [?tx :sync/tx]]')).toBe(301);
  for (const d of devices) await sameAs(d, fresh);
});

test('the server killed mid-push and restarted: nothing duplicated, nothing lost', async ({ browser }) => {
  const path = tempDir();
  let s = await server({ path });
  const a = await device(browser, s.url);
  await transact(a, SCHEMA);
  await settled(a);
  await a.evaluate(() => {
    const w = window as unknown as W;
    for (let j = 0; j < 200; j++) void w.cairn.transact(w.conn, [{ 'task/id': `k${j}`, 'task/title': `k ${j}` }]);
  });
  await expect.poll(async () => (await status(a)).pending, { timeout: 60_000 }).toBeLessThan(200);
  const port = s.port;
  await s.kill();
  s = await server({ path, port });
  await settled(a);
  const fresh = await device(browser, s.url);
  await settled(fresh);
  expect(await query(fresh, '[:find (count ?e) . :where [?e :task/id]]')).toBe(200);
  expect(await query(fresh, '[:find (count ?tx) . :where [?tx :sync/tx]]')).toBe(201);
  await sameAs(a, fresh);
});

test('a device away for 1,000 remote commits catches up reading only the new nodes', async ({ browser }) => {
  test.setTimeout(600_000);
  const path = tempDir();
  const s = await server({ path });
  const a = await device(browser, s.url);
  await transact(a, SCHEMA);
  for (let i = 0; i < 10; i++)
    await transact(
      a,
      Array.from({ length: 500 }, (_, j) => ({ 'task/id': `bulk-${i}-${j}`, 'task/title': `bulk ${i} ${j}` })),
    );
  await settled(a);
  const b = await device(browser, s.url);
  await expect.poll(async () => (await status(b)).replicated, { timeout: 120_000 }).toBe(true);
  const before = await status(b);
  // B goes away (its worker and connection close; its IndexedDB replica stays).
  await b.evaluate(async () => {
    const w = window as unknown as W;
    await w.cairn.release(w.conn);
  });
  const serverStore = await defaultRegistry.open({ backend: 'file', id: 'tasks', path });
  const nodesBefore = new Set((await serverStore.store.keys()).filter((k) => k.startsWith('n:')));
  // 1,000 remote commits by A, each pushed and committed on its own.
  await a.evaluate(async () => {
    const w = window as unknown as W;
    for (let i = 0; i < 1000; i++) {
      await w.cairn.transact(w.conn, [{ 'task/id': `r${i}`, 'task/title': `remote ${i}` }]);
      for (;;) {
        const st = await w.cairn.syncStatus(w.conn);
        if (st.pending === 0) break;
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  });
  const serverT = (await status(a)).serverT;
  const newNodes = (await serverStore.store.keys()).filter((k) => k.startsWith('n:') && !nodesBefore.has(k)).length;
  await serverStore.store.close();
  await b.evaluate(
    async ({ url }) => {
      const w = window as unknown as W;
      w.conn = (await w.cairn.connect({
        store: { backend: 'indexeddb', id: 'tasks-replica' },
        sync: { url, token: 'test-token', db: 'tasks' } as never,
      })) as never;
      w.heard = 0;
      w.cairn.listen(w.conn, () => void w.heard++);
    },
    { url: s.url },
  );
  await expect
    .poll(
      async () => {
        const st = await status(b);
        return st.serverT === serverT && st.replicated;
      },
      { timeout: 120_000 },
    )
    .toBe(true);
  const after = await status(b);
  expect(await query(b, '[:find (count ?e) . :where [?e :task/id]]')).toBe(6000);
  expect(after.fetched.nodes).toBeGreaterThan(0);
  expect(after.fetched.nodes).toBeLessThanOrEqual(newNodes); // only nodes written while it was away
  expect(after.fetched.nodes).toBeLessThan(before.fetched.nodes); // not the database again
});

test('a second tab of the same browser gets sync/busy instead of racing on the replica', async ({ browser }) => {
  const s = await server();
  const first = await device(browser, s.url);
  const second = await first.context().newPage();
  await openClientPage(second);
  const code = await second.evaluate(
    async ({ url }) => {
      const w = window as unknown as W;
      try {
        await w.cairn.connect({ store: { backend: 'indexeddb', id: 'tasks-replica' }, sync: { url, token: 'test-token', db: 'tasks' } as never });
        return 'connected';
      } catch (e) {
        return (e as { code: string }).code;
      }
    },
    { url: s.url },
  );
  expect(code).toBe('sync/busy');
  // Once the first tab lets go, the second may open it.
  await first.evaluate(async () => {
    const w = window as unknown as W;
    await w.cairn.release(w.conn);
  });
  const again = await second.evaluate(
    async ({ url }) => {
      const w = window as unknown as W;
      const conn = await w.cairn.connect({ store: { backend: 'indexeddb', id: 'tasks-replica' }, sync: { url, token: 'test-token', db: 'tasks' } as never });
      return (await w.cairn.syncStatus(conn)).serverCommit.length > 0;
    },
    { url: s.url },
  );
  expect(again).toBe(true);
});
