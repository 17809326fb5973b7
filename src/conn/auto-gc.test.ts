// Automatic GC (config.gc) and storeSize: the store stops growing without bound, nothing
// committed is lost, bad policies are refused, and a backend that cannot be swept safely is
// left alone.
import { describe, expect, it } from 'vitest';
import { connect, createDatabase, datoms, db, registerBackend, release, storeSize, transact, type Connection } from '../index.js';
import { createMemoryBackend } from '../store/memory.js';
import type { Backend, Store } from '../store/types.js';
import type { autoGc } from './auto-gc.js';
import type { ConnectionHandle } from '../api.js';

const schema = [{ 'db/ident': 'item/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' }];
let seq = 0;
const cfgOf = (extra: Record<string, unknown> = {}, backend = 'memory') => ({ store: { backend, id: `auto-gc-${seq++}` }, branchingFactor: 8, ...extra });
const observer = (conn: Connection) => (conn as ConnectionHandle).conn.observer as ReturnType<typeof autoGc>;

async function fill(conn: Connection, commits: number): Promise<void> {
  await transact(conn, schema);
  for (let i = 0; i < commits; i++)
    await transact(
      conn,
      Array.from({ length: 10 }, (_, j) => ({ 'item/n': i * 10 + j })),
    );
}

describe('automatic GC', () => {
  it('is off by default; with a policy it keeps the store small and loses nothing', async () => {
    const plain = cfgOf();
    const auto = cfgOf({ gc: { everyCommits: 5, graceMs: 0 } });
    const sizes: number[] = [];
    for (const cfg of [plain, auto]) {
      await createDatabase(cfg);
      const conn = await connect(cfg);
      await fill(conn, 60);
      await observer(conn)?.idle();
      sizes.push((await storeSize(conn)).keys);
      expect((await datoms(db(conn), 'aevt', 'item/n')).length).toBe(600);
      if (cfg === auto) {
        expect(observer(conn).runs).toBeGreaterThan(0);
        expect(observer(conn).lastError).toBeUndefined();
      } else {
        expect(observer(conn)).toBeNull();
      }
      await release(conn);
      const again = await connect(cfg, { shared: false });
      expect((await datoms(db(again), 'aevt', 'item/n')).length).toBe(600);
      await release(again);
    }
    expect(sizes[1]).toBeLessThan(sizes[0]! / 2);
  });

  it('its resolved config is a valid config again (initialTx, connect(conn.config))', async () => {
    const cfg = cfgOf({ gc: { everyBytes: 50_000 }, initialTx: schema });
    await createDatabase(cfg);
    const conn = await connect(cfg);
    expect(conn.config.gc).toEqual({ everyBytes: 50_000, graceMs: 600_000 });
    const again = await connect(conn.config, { shared: false });
    expect(again.config.gc).toEqual(conn.config.gc);
    await release(again);
    await release(conn);
  });

  it('triggers on bytes written too', async () => {
    const cfg = cfgOf({ gc: { everyBytes: 20_000, graceMs: 0 } });
    await createDatabase(cfg);
    const conn = await connect(cfg);
    await fill(conn, 60);
    await observer(conn).idle();
    expect(observer(conn).runs).toBeGreaterThan(0);
    await release(conn);
  });

  it('refuses a bad policy with config/invalid', async () => {
    for (const gc of [5, null, [], { everyCommits: 0 }, { everyBytes: -1 }, { graceMs: 'soon' }, { everyCommits: 1.5 }, { every: 3 }]) {
      await expect(createDatabase(cfgOf({ gc }))).rejects.toMatchObject({ code: 'config/invalid' });
    }
  });

  it('turns itself off on a backend without deleteManyIf, reporting store/unsupported once; commits go on', async () => {
    const inner = createMemoryBackend();
    const strip = (s: Store): Store => ({
      get: (k) => s.get(k),
      getMany: (k) => s.getMany(k),
      putBatch: (e, o) => s.putBatch(e, o),
      deleteMany: (k) => s.deleteMany(k),
      keys: () => s.keys(),
      close: () => s.close(),
    });
    const unfenced: Backend = {
      create: async (c) => strip(await inner.create(c)),
      connect: async (c) => strip(await inner.connect(c)),
      exists: (c) => inner.exists(c),
      delete: (c) => inner.delete(c),
    };
    registerBackend('auto-gc-unfenced', unfenced);
    const cfg = cfgOf({ gc: { everyCommits: 2, graceMs: 0 } }, 'auto-gc-unfenced');
    await createDatabase(cfg);
    const conn = await connect(cfg);
    const reported: unknown[] = [];
    const g = globalThis as { reportError?: (e: unknown) => void };
    const before = g.reportError;
    g.reportError = (e) => reported.push(e);
    try {
      await fill(conn, 20);
      await observer(conn).idle();
    } finally {
      g.reportError = before;
    }
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ code: 'store/unsupported' });
    expect((await datoms(db(conn), 'aevt', 'item/n')).length).toBe(200);
    await release(conn);
  });
});

describe('storeSize', () => {
  it('counts keys and bytes, and shrinks after GC', async () => {
    const cfg = cfgOf();
    await createDatabase(cfg);
    const conn = await connect(cfg);
    const empty = await storeSize(conn);
    await fill(conn, 30);
    const full = await storeSize(conn);
    expect(full.keys).toBeGreaterThan(empty.keys);
    expect(full.bytes).toBeGreaterThan(empty.bytes);
    const { gcStorage } = await import('../index.js');
    await gcStorage(conn);
    const after = await storeSize(conn);
    expect(after.keys).toBeLessThan(full.keys);
    expect(after.bytes).toBeLessThan(full.bytes);
    await release(conn);
  });
});
