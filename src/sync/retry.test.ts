// What the server could not judge is not a refusal: a push answered with the server's store
// unavailable, or with the server's own failure (an authorize that threw), leaves the
// transaction in the device's outbox, and it commits once the server can take it. In process:
// a real server on 127.0.0.1 over a store that fails on demand, and a device over a real socket.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as WS } from 'ws';
import { connect, createDatabase, onSync, q, db, registerBackend, release, syncStatus, transact, type Connection, type SyncEvent } from '../node.js';
import { serve, type ServeOptions, type SyncServer } from '../server/index.js';
import { createMemoryBackend } from '../store/memory.js';
import type { Backend, Store } from '../store/types.js';
import { wrapBackend } from '../store/wrap-backend.js';
import { CairnError } from '../util/errors.js';

/** A memory backend whose writes fail with `failure()` whenever it returns an error. */
const failingWrites = (failure: () => Error | null): Backend =>
  wrapBackend(
    createMemoryBackend(),
    (s): Store => ({
      get: (k) => s.get(k),
      getMany: (keys) => s.getMany(keys),
      putBatch: (entries, opts) => {
        const e = failure();
        return e === null ? s.putBatch(entries, opts) : Promise.reject(e);
      },
      deleteMany: (k) => s.deleteMany(k),
      deleteManyIf: (k, cas) => s.deleteManyIf!(k, cas),
      keys: () => s.keys(),
      close: () => s.close(),
    }),
  );

let down = false; // the server's store refuses writes while true
registerBackend(
  'retry-test-flaky',
  failingWrites(() => (down ? new CairnError('store/unavailable', 'the database server is down') : null)),
);
let deviceDown = false; // a device's own store fails writes with a plain Error while true
registerBackend(
  'retry-test-device-flaky',
  failingWrites(() => (deviceDown ? new Error('device disk on fire') : null)),
);

let seq = 0;
const devices: Connection[] = [];
const servers: SyncServer[] = [];
afterEach(async () => {
  for (const d of devices.splice(0)) await release(d);
  for (const s of servers.splice(0)) await s.close();
});
const SCHEMA = [{ 'db/ident': 'task/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' }];
const wait = (f: () => unknown) => vi.waitFor(f, { timeout: 30_000, interval: 25 });

async function setup(
  options: Partial<ServeOptions> = {},
  syncOptions: Record<string, unknown> = {},
): Promise<{ server: SyncServer; device: Connection; events: SyncEvent[]; ids: () => Promise<string[]>; sync: (id: string, backend?: string) => object }> {
  const config = { store: { backend: 'retry-test-flaky', id: `retry-${seq++}` } };
  await createDatabase(config);
  const server = await serve({ config, tokens: { t: 'p' }, ...options });
  const sync = (id: string, backend = 'memory') => ({
    store: { backend, id },
    sync: { url: server.url, token: 't', db: config.store.id, WebSocket: WS as never, ...syncOptions },
  });
  const device = await connect(sync(`retry-device-${seq++}`), { shared: false });
  devices.push(device);
  servers.push(server);
  const events: SyncEvent[] = [];
  onSync(device, (e) => events.push(e));
  await transact(device, SCHEMA);
  await wait(async () => expect((await syncStatus(device)).pending).toBe(0));
  // What the server holds, as a fresh device sees it.
  const ids = async () => {
    const fresh = await connect(sync(`retry-fresh-${seq++}`), { shared: false });
    try {
      return ((await q('[:find [?v ...] :where [_ :task/id ?v]]', db(fresh))) as string[]).sort();
    } finally {
      await release(fresh);
    }
  };
  return { server, device, events, ids, sync };
}

describe('pushes the server could not judge', { timeout: 120_000 }, () => {
  it("stay in the outbox while the server's store is down, and commit once it is back", async () => {
    const { device, events, ids } = await setup();
    down = true;
    try {
      await transact(device, [{ 'task/id': 'precious' }]);
      await wait(async () => expect((await syncStatus(device)).lastError?.code).toBe('store/unavailable'));
      expect((await syncStatus(device)).pending).toBe(1);
      expect(await q('[:find [?v ...] :where [_ :task/id ?v]]', db(device))).toEqual(['precious']); // still in the view
    } finally {
      down = false;
    }
    await wait(async () => expect((await syncStatus(device)).pending).toBe(0));
    expect(events.filter((e) => e.type === 'rejected')).toEqual([]);
    expect(await ids()).toEqual(['precious']);
  });

  it('an authorize that throws is the server failing (sync/server-error, its text kept on the server), not a refusal', async () => {
    let broken = false;
    const errors: unknown[] = [];
    const { device, events, ids } = await setup({
      authorize: (_p, action) => {
        if (action === 'transact' && broken) throw new Error('policy service unreachable: token hunter2');
        return true;
      },
      onError: (e) => errors.push(e),
    });
    broken = true;
    await transact(device, [{ 'task/id': 'kept' }]);
    await wait(async () => expect((await syncStatus(device)).lastError?.code).toBe('sync/server-error'));
    expect((await syncStatus(device)).lastError?.message).not.toContain('hunter2');
    expect((await syncStatus(device)).pending).toBe(1);
    expect(String(errors[0])).toContain('policy service unreachable');
    broken = false;
    await wait(async () => expect((await syncStatus(device)).pending).toBe(0));
    expect(events.filter((e) => e.type === 'rejected')).toEqual([]);
    expect(await ids()).toEqual(['kept']);
  });

  it('a catch-up that fails on the device itself is sync/device-error, not sync/offline, and a later head catches up', async () => {
    const { device: writer, sync } = await setup();
    const reader = await connect(sync(`retry-reader-${seq++}`, 'retry-test-device-flaky'), { shared: false });
    devices.push(reader);
    await wait(async () => expect((await syncStatus(reader)).online).toBe(true));
    deviceDown = true;
    try {
      await transact(writer, [{ 'task/id': 'first' }]);
      await wait(async () => expect((await syncStatus(reader)).lastError?.code).toBe('sync/device-error'));
      const status = await syncStatus(reader);
      expect(status.lastError?.message).toContain('device disk on fire');
      expect(status.online).toBe(true);
    } finally {
      deviceDown = false;
    }
    await transact(writer, [{ 'task/id': 'second' }]);
    await wait(async () => expect(await q('[:find [?v ...] :where [_ :task/id ?v]]', db(reader))).toEqual(expect.arrayContaining(['first', 'second'])));
  });

  it("wait config.sync's backoff (minBackoffMs..maxBackoffMs) before the next push, as reconnects do", async () => {
    let broken = false;
    let attempts = 0;
    const { device } = await setup(
      {
        authorize: (_p, action) => {
          if (action !== 'transact' || !broken) return true;
          attempts++;
          throw new Error('policy service unreachable');
        },
        onError: () => {},
      },
      { minBackoffMs: 60_000, maxBackoffMs: 60_000 },
    );
    broken = true;
    await transact(device, [{ 'task/id': 'waits' }]);
    await wait(async () => expect((await syncStatus(device)).lastError?.code).toBe('sync/server-error'));
    // The next attempt is 30-60 s away: none in the next second and a half, however fast the machine.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(attempts).toBe(1);
    expect((await syncStatus(device)).pending).toBe(1);
  });
});
