// GC against writers it does not know (issue 17 item 1): another connection commits while GC
// runs, at the two moments that used to lose its commit — between the mark and the key listing,
// and between the listing and the sweep. The hooks make the interleaving deterministic.
import { describe, expect, it } from 'vitest';
import { connect, createDatabase, datoms, db, gcStorage, registerBackend, release, transact, type Connection } from '../index.js';
import { createMemoryBackend } from '../store/memory.js';
import type { Backend, Store } from '../store/types.js';
import { wrapBackend } from '../store/wrap-backend.js';
import { CairnError } from '../util/errors.js';
import type { Coordinator } from './coordinator.js';
import type { ConnectionHandle } from '../api.js';
import { carriedCommits, HEAD_KEY, readCommitBytes, type CommitRecord } from './commit.js';
import type { NodeAddress } from '../indices/types.js';

type Hook = () => Promise<void>;
const hooks: { keys?: Hook; del?: Hook } = {};

/** Memory stores whose keys()/delete calls first run (and clear) a one-shot hook. */
function hookedBackend(inner: Backend, withFence: boolean): Backend {
  const fire = async (name: 'keys' | 'del') => {
    const h = hooks[name];
    delete hooks[name];
    if (h) await h();
  };
  const wrap = (s: Store): Store => ({
    get: (k) => s.get(k),
    getMany: (k) => s.getMany(k),
    putBatch: (e, o) => s.putBatch(e, o),
    async deleteMany(keys) {
      await fire('del');
      return s.deleteMany(keys);
    },
    ...(withFence
      ? {
          async deleteManyIf(keys: readonly string[], cas: { key: string; expected: Uint8Array | undefined }) {
            await fire('del');
            return s.deleteManyIf!(keys, cas);
          },
        }
      : {}),
    async keys() {
      await fire('keys');
      return s.keys();
    },
    close: () => s.close(),
  });
  return wrapBackend(inner, wrap);
}

registerBackend('gc-hooked', hookedBackend(createMemoryBackend(), true));

/**
 * A store whose head reads return `stale.head` (an older head) until a node read comes back
 * missing: what a GC sees when the head moves and another GC sweeps while it marks.
 */
const stale: { head?: Uint8Array } = {};
registerBackend(
  'gc-stale-head',
  wrapBackend(createMemoryBackend(), (s) => ({
    get: async (k) => (k === HEAD_KEY && stale.head !== undefined ? stale.head : s.get(k)),
    async getMany(keys) {
      const got = await s.getMany(keys);
      if (got.includes(undefined)) delete stale.head;
      return got;
    },
    putBatch: (e, o) => s.putBatch(e, o),
    deleteMany: (k) => s.deleteMany(k),
    deleteManyIf: (k, cas) => s.deleteManyIf!(k, cas),
    keys: () => s.keys(),
    close: () => s.close(),
  })),
);
registerBackend('gc-unfenced', hookedBackend(createMemoryBackend(), false));

const schema = [{ 'db/ident': 'item/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' }];
let seq = 0;
const cfgOf = (backend: string) => ({ store: { backend, id: `gc-test-${seq++}` }, branchingFactor: 8 });

/** A transaction big enough to fold the tail into the trees (so it writes index nodes). */
const items = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ 'item/n': from + i }));

async function numbers(conn: Connection): Promise<number[]> {
  return (await datoms(db(conn), 'aevt', 'item/n')).map((d) => d.v as number).sort((a, b) => a - b);
}

async function setup(backend = 'gc-hooked') {
  const cfg = cfgOf(backend);
  await createDatabase(cfg);
  const gcConn = await connect(cfg, { shared: false });
  const writer = await connect(cfg, { shared: false });
  await transact(writer, schema);
  for (let i = 0; i < 5; i++) await transact(writer, items(i * 20, 20));
  return { cfg, gcConn, writer };
}

async function freshRead(cfg: ReturnType<typeof cfgOf>): Promise<number[]> {
  const again = await connect(cfg, { shared: false });
  try {
    return await numbers(again);
  } finally {
    await release(again);
  }
}

describe('gcStorage beside a writer on another connection', () => {
  it('keeps a commit that lands between the mark and the key listing', async () => {
    const { cfg, gcConn, writer } = await setup();
    hooks.keys = async () => void (await transact(writer, items(1000, 20)));
    const r = await gcStorage(gcConn);
    expect(hooks.keys).toBeUndefined(); // the hook ran
    expect(r.deletedKeys.length).toBeGreaterThan(0); // old commits are still collected
    expect(await freshRead(cfg)).toEqual([...Array.from({ length: 100 }, (_, i) => i), ...Array.from({ length: 20 }, (_, i) => 1000 + i)]);
    await release(writer);
    await release(gcConn);
  });

  it('keeps a commit that lands between the key listing and the sweep (the sweep re-marks)', async () => {
    const { cfg, gcConn, writer } = await setup();
    hooks.del = async () => void (await transact(writer, items(2000, 20)));
    await gcStorage(gcConn);
    expect(hooks.del).toBeUndefined();
    const got = await freshRead(cfg);
    expect(got.length).toBe(120);
    expect(got.slice(-20)).toEqual(Array.from({ length: 20 }, (_, i) => 2000 + i));
    // and the writer keeps committing on top of what GC left
    await transact(writer, items(3000, 20));
    expect((await freshRead(cfg)).length).toBe(140);
    await release(writer);
    await release(gcConn);
  });

  it('keeps what a head carrying small commits reaches, and a small commit landing mid-GC', async () => {
    const { cfg, gcConn, writer } = await setup();
    await transact(writer, items(4000, 1)); // small: the head carries it
    const w = (writer as ConnectionHandle).conn;
    expect(w.persisted.carried).toBeDefined();
    hooks.keys = async () => void (await transact(writer, items(4001, 1)));
    await gcStorage(gcConn, new Date(0));
    expect(hooks.keys).toBeUndefined();
    expect(w.persisted.carried?.earlier.length).toBeGreaterThanOrEqual(1);
    expect(await freshRead(cfg)).toEqual([...Array.from({ length: 100 }, (_, i) => i), 4000, 4001]);
    // Every commit the head carries still reads as a record, with its parent chain.
    const { store, codec } = w.opened;
    for (const c of carriedCommits(codec, w.persisted.carried)) {
      const bytes = await readCommitBytes(store, codec, c.id);
      expect((codec.decode(bytes!, { kind: 'commit' }) as { parent: string | null }).parent).toBe(c.parent);
    }
    // GC again with nothing moving: nothing the head reaches goes, the next commits still land.
    await gcStorage(gcConn);
    for (let i = 0; i < 6; i++) await transact(writer, items(5000 + i, 1)); // through a fold
    expect((await freshRead(cfg)).length).toBe(108);
    await release(writer);
    await release(gcConn);
  });

  it('a mark cut short by a missing node leaves no subtree half-marked for the next head', async () => {
    const { cfg, gcConn, writer } = await setup('gc-stale-head');
    const w = (writer as ConnectionHandle).conn;
    const { store } = w.opened;
    /** Addresses per level below the root of the eavt tree a commit names (loaded by `w`, not `gcConn`). */
    const levels = async (commitId: string): Promise<NodeAddress[][]> => {
      const c = w.opened.codec.decode((await readCommitBytes(store, w.opened.codec, commitId))!, { kind: 'commit' }) as CommitRecord;
      const out: NodeAddress[][] = [];
      for (let level = [c.roots.eavt!.address]; level.length > 0; ) {
        out.push(level);
        const nodes = await Promise.all(level.map((a) => w.nodes.load(a)));
        level = nodes.flatMap((n) => (n.kind === 'branch' ? [...n.children] : []));
      }
      return out;
    };
    const oldHead = (await store.get(HEAD_KEY))!;
    const before = await levels(w.persisted.commit.id);
    await transact(writer, items(100, 20)); // folds: a new path to the right, the left subtrees shared
    const after = await levels(w.persisted.commit.id);
    expect(before.length).toBeGreaterThanOrEqual(3);
    // Under the root: one child only the old head reaches, one both heads share.
    const gone = before[1]!.find((a) => !after[1]!.includes(a))!;
    const shared = before[1]!.find((a) => after[1]!.includes(a))!;
    expect(gone && shared).toBeTruthy();
    const eavt = (await datoms(db(writer), 'eavt')).length;
    // Another GC swept what only the old head reached; this GC still reads the old head first.
    await store.deleteMany([gone]);
    stale.head = oldHead;
    await gcStorage(gcConn);
    expect(stale.head).toBeUndefined(); // the mark did hit the missing node
    // The shared subtree's leaves were marked on the second pass, so they are all still there.
    const again = await connect(cfg, { shared: false });
    expect((await datoms(db(again), 'eavt')).length).toBe(eavt);
    await release(again);
    expect(await freshRead(cfg)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    await release(writer);
    await release(gcConn);
  });

  it('collects everything unreachable once the writers are quiet', async () => {
    const { cfg, gcConn, writer } = await setup();
    await gcStorage(gcConn);
    expect((await gcStorage(gcConn)).deletedKeys).toEqual([]);
    expect((await freshRead(cfg)).length).toBe(100);
    await release(writer);
    await release(gcConn);
  });

  it('a writer whose Db GC collected under it (behind the head) rebases instead of failing', async () => {
    const { cfg, gcConn, writer } = await setup();
    const behind = await connect(cfg, { shared: false }); // nothing cached: reads nodes on demand
    await transact(writer, items(500, 20)); // folds: new trees
    await gcStorage(gcConn); // the trees `behind` still points at are gone
    // An upsert looks the value up in the old trees first.
    const r = await transact(behind, [{ 'item/n': 5 }, { 'item/n': 7000 }]);
    expect(r.txData.filter((d) => d.a === 'item/n').map((d) => d.v)).toEqual([7000]);
    expect((await freshRead(cfg)).length).toBe(121);
    for (const c of [behind, writer, gcConn]) await release(c);
  });

  it('asks the coordinator for a required lock: GC never runs without it', async () => {
    const cfg = cfgOf('gc-hooked');
    await createDatabase(cfg);
    const asked: unknown[] = [];
    const coordinator: Coordinator = {
      withWriteLock: (fn, opts) => {
        asked.push(opts);
        if (opts?.required) return Promise.reject(new CairnError('store/busy', 'held elsewhere'));
        return fn();
      },
      announce: () => {},
      onRemoteCommit: () => () => {},
      close: () => {},
    };
    const conn = await connect(cfg, { shared: false, coordinator });
    await transact(conn, schema);
    await expect(gcStorage(conn)).rejects.toMatchObject({ code: 'store/busy' });
    expect(asked.at(-1)).toEqual({ required: true });
    expect(asked.slice(0, -1).every((o) => o === undefined)).toBe(true); // commits may fall back
    await release(conn);
  });

  it('refuses with store/unsupported on a backend without deleteManyIf, deleting nothing', async () => {
    const { cfg, gcConn, writer } = await setup('gc-unfenced');
    const before = await numbers(writer);
    await expect(gcStorage(gcConn)).rejects.toMatchObject({ code: 'store/unsupported' });
    expect(await freshRead(cfg)).toEqual(before);
    await release(writer);
    await release(gcConn);
  });
});
