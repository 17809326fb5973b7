import { describe, expect, it, vi } from 'vitest';
import {
  connect,
  createDatabase,
  databaseExists,
  datoms,
  db,
  deleteDatabase,
  gcStorage,
  history,
  listen,
  q,
  release,
  registerBackend,
  transact,
  withDb,
  asOf,
  type Connection,
} from '../index.js';
import type { ConnectionHandle } from '../api.js';
import { createMemoryBackend } from '../store/memory.js';
import { countingBackend, newCounts } from './counting-backend.js';
import { decodeSegment, HEAD_KEY, readCommitBytes, TAIL_CHUNK, type CommitRecord } from './commit.js';
import { FORMAT_VERSION, READ_VERSION } from '../store/codec.js';
import { CairnError } from '../util/errors.js';
import type { Backend } from '../store/types.js';
import type { Coordinator } from './coordinator.js';

const counts = newCounts();
registerBackend('counting', countingBackend(createMemoryBackend(), counts));

const schema = [
  { 'db/ident': 'person/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/email', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'person/age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
];

let seq = 0;
function config(backend = 'counting', branchingFactor = 8) {
  return { store: { backend, id: `conn-test-${seq++}` }, branchingFactor };
}

async function withPeople(cfg: ReturnType<typeof config>, n: number, perTx = 1): Promise<Connection> {
  await createDatabase(cfg);
  const conn = await connect(cfg);
  await transact(conn, schema);
  for (let i = 0; i < n; i += perTx) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + perTx); j++) batch.push({ 'person/name': `p${j}`, 'person/email': `p${j}@x.org`, 'person/age': j % 90 });
    await transact(conn, batch);
  }
  return conn;
}

const internals = (conn: Connection) => (conn as ConnectionHandle).conn;
const plain = (ds: { e: number; a: string; v: unknown; tx: number; added: boolean }[]) => ds.map((d) => [d.e, d.a, d.v, d.tx, d.added]);

describe('lifecycle', () => {
  it('creates, refuses to create twice, connects, deletes every key', async () => {
    const cfg = config();
    expect(await databaseExists(cfg)).toBe(false);
    await expect(connect(cfg)).rejects.toMatchObject({ code: 'db/missing' });
    await createDatabase(cfg);
    expect(await databaseExists(cfg)).toBe(true);
    await expect(createDatabase(cfg)).rejects.toMatchObject({ code: 'db/exists' });
    const conn = await connect(cfg);
    await transact(conn, schema);
    await release(conn);
    await deleteDatabase(cfg);
    expect(await databaseExists(cfg)).toBe(false);
  });

  it('rejects use of a released connection with db/released', async () => {
    const cfg = config();
    await createDatabase(cfg);
    const conn = await connect(cfg);
    await release(conn);
    expect(() => db(conn)).toThrow(CairnError);
    await expect(transact(conn, schema)).rejects.toMatchObject({ code: 'db/released' });
  });
});

describe('persistence', () => {
  it('reconnects to the same datoms and history across many commits and folds', async () => {
    const cfg = config();
    const conn = await withPeople(cfg, 120, 3);
    await transact(conn, [['db/retract', ['person/email', 'p5@x.org'], 'person/age', 5]]);
    await transact(conn, [{ 'person/email': 'p6@x.org', 'person/age': 66 }]);
    const before = plain(await datoms(db(conn), 'eavt'));
    const histBefore = plain(await datoms(history(db(conn)), 'eavt'));
    expect(histBefore.some((d) => d[4] === false)).toBe(true);
    await release(conn);

    const again = await connect(cfg);
    expect(plain(await datoms(db(again), 'eavt'))).toEqual(before);
    expect(plain(await datoms(history(db(again)), 'eavt'))).toEqual(histBefore);
    await release(again);
  });

  it('reconnecting reads O(1) records and no index node', async () => {
    const cfg = config();
    const conn = await withPeople(cfg, 300, 1);
    await release(conn);
    counts.recordsRead = 0;
    counts.keysRead = [];
    const again = await connect(cfg);
    const maxChunks = Math.ceil(internals(again).foldAt / TAIL_CHUNK);
    expect(counts.recordsRead).toBeLessThanOrEqual(3 + maxChunks);
    expect(counts.keysRead.filter((k) => k.startsWith('n:'))).toEqual([]);
    await release(again);
  });

  it('cacheSize bounds the decoded nodes a connection keeps, however much a sweep reads', async () => {
    const cfg = config();
    const conn = await withPeople(cfg, 600, 50);
    await release(conn);
    const small = await connect(cfg, { cacheSize: 8, shared: false });
    const nodes = internals(small).nodes;
    let seen = 0;
    for (const a of ['person/name', 'person/email', 'person/age']) {
      seen += (await datoms(db(small), 'aevt', a)).length;
      expect(nodes.cachedCount).toBeLessThanOrEqual(8);
    }
    expect(seen).toBe(1800);
    expect(nodes.stats.reads).toBeGreaterThan(8 * 3); // it read far more than it kept
    // and answers stay right after eviction: the same sweep again re-reads what it dropped
    expect((await datoms(db(small), 'aevt', 'person/age')).length).toBe(600);
    expect(nodes.cachedCount).toBeLessThanOrEqual(8);
    await release(small);
  });

  it('a cold point query reads at most one node per level of the index it touches', async () => {
    const cfg = config();
    const conn = await withPeople(cfg, 2000, 50);
    await release(conn);
    const again = await connect(cfg);
    const c = internals(again);
    const root = c.persisted.commit.roots.eavt!;
    const rootNode = await c.nodes.load(root.address);
    const levels = (rootNode.kind === 'branch' ? rootNode.level : 0) + 1;
    expect(levels).toBeGreaterThanOrEqual(3);
    const readsBefore = c.nodes.stats.reads;
    const eid = (await datoms(db(again), 'avet', 'person/email', 'p1234@x.org'))[0]!.e;
    const avetReads = c.nodes.stats.reads - readsBefore;
    const mid = c.nodes.stats.reads;
    const found = await datoms(db(again), 'eavt', eid);
    expect(found.map((d) => d.a).sort()).toEqual(['person/age', 'person/email', 'person/name']);
    // An entity's datoms are a range: they may straddle two adjacent leaves, whose paths share
    // the root (cached already). So at most two nodes per level below the root.
    expect(c.nodes.stats.reads - mid).toBeLessThanOrEqual(2 * (levels - 1));
    // A unique-value lookup is a true point query: one node per level.
    const avetRoot = await c.nodes.load(c.persisted.commit.roots.avet!.address);
    expect(avetReads).toBeGreaterThan(0);
    expect(avetReads).toBeLessThanOrEqual((avetRoot.kind === 'branch' ? avetRoot.level : 0) + 1);
    // Every unique lookup, cold, reads one path: check many, each in a fresh connection.
    await release(again);
    for (const n of [0, 17, 999, 1234, 1999]) {
      const fresh = await connect(cfg);
      const fc = internals(fresh);
      const r0 = fc.nodes.stats.reads;
      expect((await datoms(db(fresh), 'avet', 'person/email', `p${n}@x.org`)).length).toBe(1);
      expect(fc.nodes.stats.reads - r0).toBeLessThanOrEqual((avetRoot.kind === 'branch' ? avetRoot.level : 0) + 1);
      await release(fresh);
    }
    // The same through q with the id bound by :in: the planner estimates nothing it will not
    // use, so the query reads only the entity's path (at most two leaves' paths, as above).
    const cold = await connect(cfg);
    const cc = internals(cold);
    const q0 = cc.nodes.stats.reads;
    expect(await q('[:find ?n ?a :in $ ?e :where [?e :person/name ?n] [?e :person/age ?a]]', db(cold), eid)).toHaveLength(1);
    expect(cc.nodes.stats.reads - q0).toBeLessThanOrEqual(1 + 2 * (levels - 1));
    await release(cold);
  });

  it('a one-entity transaction that neither folds nor seals writes one record, the head; a seal or fold writes out what the head carried', async () => {
    const cfg = { ...config('counting', 512) };
    const conn = await withPeople(cfg, 10, 1);
    const ids: string[] = [];
    let small = 0;
    let seals = 0;
    for (let i = 0; i < 3 * TAIL_CHUNK; i++) {
      await transact(conn, [{ 'person/name': `q${i}`, 'person/email': `q${i}@x.org` }]);
      ids.push(internals(conn).persisted.commit.id);
      const keys = counts.lastBatchKeys;
      expect(keys.at(-1)).toBe(HEAD_KEY);
      if (keys.length === 1) {
        small++;
        expect(internals(conn).persisted.carried).toBeDefined();
      } else {
        // A seal (or a fold): the chunk (or nodes), every commit the head carried since the
        // last one, this commit, the head.
        seals++;
        expect(keys.some((k) => k.startsWith('t:') || k.startsWith('n:'))).toBe(true);
        const written = keys.filter((k) => k.startsWith('c:'));
        expect(written.at(-1)).toBe(`c:${ids.at(-1)}`);
        expect(written.length).toBeGreaterThan(1);
        expect(internals(conn).persisted.carried).toBeUndefined();
      }
    }
    expect(seals).toBeGreaterThanOrEqual(2);
    expect(small).toBeGreaterThan(seals * 5);
    // Every commit is readable as a c: record, stored or carried, with its parent chain intact.
    const { store, codec } = internals(conn).opened;
    for (let i = 0; i < ids.length; i++) {
      const bytes = await readCommitBytes(store, codec, ids[i]!);
      const c = codec.decode(bytes!, { kind: 'commit' }) as CommitRecord;
      expect(c.id).toBe(ids[i]);
      if (i > 0) expect(c.parent).toBe(ids[i - 1]);
      expect(c.reports).toHaveLength(1);
      expect(decodeSegment(codec, c.reports![0]!.segment!).some((t) => t[2] === `q${i}`)).toBe(true);
    }
    // A head that carries commits is a newer value format than a reader of version 1 knows.
    expect(codec.header((await store.get(HEAD_KEY))!).version).toBe(internals(conn).persisted.carried ? READ_VERSION : FORMAT_VERSION);
    const before = plain(await datoms(db(conn), 'eavt'));
    await release(conn);
    const again = await connect(cfg);
    expect(plain(await datoms(db(again), 'eavt'))).toEqual(before);
    await release(again);
  });

  it('another connection hears every small commit the head carried, in order, with its datoms', async () => {
    const cfg = { ...config('counting', 512) };
    const a = await withPeople(cfg, 3, 1);
    const b = await connect(cfg);
    const heard: unknown[] = [];
    listen(b, (r) => heard.push(r.txData.filter((d) => d.a === 'person/name').map((d) => d.v)));
    for (let i = 0; i < 5; i++) await transact(a, [{ 'person/name': `h${i}`, 'person/email': `h${i}@x.org` }]);
    await internals(b).refresh();
    expect(heard).toEqual([['h0'], ['h1'], ['h2'], ['h3'], ['h4']]);
    expect(await q('[:find ?n :where [?e :person/name ?n]]', db(b))).toHaveLength(8);
    await release(a);
    await release(b);
  });

  it('keeps the commit record of a bulk import small (no per-entity tempids or datoms in it)', async () => {
    const cfg = config('counting', 64);
    await createDatabase(cfg);
    const conn = await connect(cfg);
    await transact(conn, schema);
    const entities = Array.from({ length: 5000 }, (_, i) => ({
      'db/id': -(i + 1),
      'person/name': `b${i}`,
      'person/email': `b${i}@x.org`,
      'person/age': i % 90,
    }));
    const report = await transact(conn, entities);
    expect(Object.keys(report.tempids).length).toBe(5001); // the caller still gets every tempid
    const commit = internals(conn).persisted.commit;
    expect(commit.reports).toHaveLength(1);
    expect(commit.reports![0]!.segment).toBeNull();
    expect(Object.keys(commit.reports![0]!.tempids)).toEqual(['db/current-tx']);
    const commitKey = counts.lastBatchKeys.find((k) => k.startsWith('c:'))!;
    const bytes = await internals(conn).opened.store.get(commitKey);
    expect(bytes!.length).toBeLessThan(4096);
    await release(conn);
  });

  it('folds the tail into the trees once it outgrows a node', async () => {
    const cfg = config('counting', 8);
    const conn = await withPeople(cfg, 5, 1);
    let folded = false;
    for (let i = 0; i < 10 && !folded; i++) {
      await transact(conn, [{ 'person/name': `f${i}`, 'person/email': `f${i}@x.org` }]);
      folded = counts.lastBatchKeys.some((k) => k.startsWith('n:'));
    }
    expect(folded).toBe(true);
    expect(internals(conn).persisted.commit.tail.count).toBe(0);
    await release(conn);
  });
});

describe('transactions through the connection', () => {
  it('applies concurrent transactions in submission order, grouped into fewer commits', async () => {
    const cfg = config('counting', 64);
    await createDatabase(cfg);
    const conn = await connect(cfg);
    await transact(conn, schema);
    const batchesBefore = counts.batches;
    const reports = await Promise.all(Array.from({ length: 100 }, (_, i) => transact(conn, [{ 'person/email': 'same@x.org', 'person/age': i }])));
    expect(counts.batches - batchesBefore).toBeLessThan(100);
    const txs = reports.map((r) => r.dbAfter.basisT);
    expect(txs).toEqual([...txs].sort((a, b) => a - b));
    const age = await datoms(db(conn), 'avet', 'person/email', 'same@x.org');
    const e = age[0]!.e;
    expect((await datoms(db(conn), 'eavt', e, 'person/age')).map((d) => d.v)).toEqual([99]);
    await release(conn);
  });

  it("a group commit's reports carry each transaction's own Db values, read in any order", async () => {
    const cfg = config('counting', 64);
    await createDatabase(cfg);
    const conn = await connect(cfg);
    await transact(conn, schema);
    const start = db(conn);
    const txs = Array.from({ length: 40 }, (_, i) => [
      { 'person/email': `g${i % 7}@x.org`, 'person/name': `g${i}`, 'person/age': i },
      ...(i % 5 === 4 ? [['db/retract', ['person/email', `g${(i + 1) % 7}@x.org`], 'person/age', i - 3]] : []),
    ]);
    const reports = await Promise.all(txs.map((t) => transact(conn, t as never)));
    // What every report must show: the database as of its transaction, and as of the one before.
    const final = db(conn);
    const asOfT = async (t: number) => plain(await datoms(asOf(final, t), 'eavt'));
    const ts = reports.map((r) => r.dbAfter.basisT);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    const expected: { before: unknown; after: unknown; t: number }[] = [];
    for (let i = 0; i < ts.length; i++)
      expected.push({ before: i === 0 ? plain(await datoms(start, 'eavt')) : await asOfT(ts[i - 1]!), after: await asOfT(ts[i]!), t: ts[i]! });
    // and the same transactions applied in memory give the same datoms but for the tx instants.
    let d = start;
    for (const t of txs) d = (await withDb(d, t as never)).dbAfter;
    const noInstants = (xs: unknown[][]) => xs.filter((x) => x[1] !== 'db/txInstant');
    expect(noInstants(plain(await datoms(d, 'eavt')))).toEqual(noInstants(plain(await datoms(final, 'eavt'))));
    // Backwards first (each rebuild starts over), then forwards.
    for (const i of [...reports.keys()].reverse().concat([...reports.keys()])) {
      const r = reports[i]!;
      expect(plain(await datoms(r.dbAfter, 'eavt'))).toEqual(expected[i]!.after);
      expect(plain(await datoms(r.dbBefore, 'eavt'))).toEqual(expected[i]!.before);
      expect(r.dbAfter.basisT).toBe(expected[i]!.t);
    }
    expect(plain(await datoms(reports.at(-1)!.dbAfter, 'eavt'))).toEqual(plain(await datoms(db(conn), 'eavt')));
    expect(plain(await datoms(history(reports[10]!.dbAfter), 'eavt'))).toEqual(
      plain(await datoms(history(final), 'eavt')).filter((x) => (x[3] as number) <= reports[10]!.dbAfter.basisT),
    );
    await release(conn);
  });

  it('a throwing listener breaks neither the commit nor the other listeners', async () => {
    const cfg = config();
    await createDatabase(cfg);
    const conn = await connect(cfg);
    const errors: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args[1]));
    const heard: number[] = [];
    listen(conn, () => {
      throw new Error('listener bug');
    });
    listen(conn, (r) => heard.push(r.dbAfter.basisT));
    const r = await transact(conn, schema);
    spy.mockRestore();
    expect(heard).toEqual([r.dbAfter.basisT]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['listener bug']);
    expect((await datoms(db(conn), 'aevt', 'db/ident')).length).toBe(3);
    await release(conn);
  });

  it('calls listeners with every committed report', async () => {
    const cfg = config();
    await createDatabase(cfg);
    const conn = await connect(cfg);
    const seen: number[] = [];
    const unlisten = listen(conn, (r) => seen.push(r.dbAfter.basisT));
    const r1 = await transact(conn, schema);
    unlisten();
    await transact(conn, [{ 'person/name': 'x' }]);
    expect(seen).toEqual([r1.dbAfter.basisT]);
    await release(conn);
  });

  it('a failed commit leaves the connection on its previous value and loses nothing', async () => {
    const failing = createMemoryBackend();
    let failNext = false;
    const backend: Backend = {
      ...failing,
      async connect(c) {
        const s = await failing.connect(c);
        return {
          ...s,
          get: (k) => s.get(k),
          getMany: (k) => s.getMany(k),
          keys: () => s.keys(),
          deleteMany: (k) => s.deleteMany(k),
          close: () => s.close(),
          async putBatch(entries, opts) {
            if (failNext) {
              failNext = false;
              throw new CairnError('store/quota', 'quota exceeded (test)');
            }
            return s.putBatch(entries, opts);
          },
        };
      },
      create: (c) => failing.create(c),
      exists: (c) => failing.exists(c),
      delete: (c) => failing.delete(c),
    };
    registerBackend('failing', backend);
    const cfg = { store: { backend: 'failing', id: 'f1' }, branchingFactor: 8 };
    await createDatabase(cfg);
    const conn = await connect(cfg);
    await transact(conn, schema);
    await transact(conn, [{ 'person/name': 'kept' }]);
    const before = plain(await datoms(db(conn), 'eavt'));
    failNext = true;
    await expect(transact(conn, [{ 'person/name': 'lost' }])).rejects.toMatchObject({ code: 'store/quota' });
    expect(plain(await datoms(db(conn), 'eavt'))).toEqual(before);
    await transact(conn, [{ 'person/name': 'after' }]);
    await release(conn);
    const again = await connect(cfg);
    const names = (await datoms(db(again), 'aevt', 'person/name')).map((d) => d.v);
    expect(names.sort()).toEqual(['after', 'kept']);
    await release(again);
  });

  it('a stale writer rebases on the compare-and-set conflict instead of overwriting', async () => {
    const cfg = config('memory', 8);
    await createDatabase(cfg);
    const a = await connect(cfg, { shared: false });
    await transact(a, schema);
    // b's coordinator hears of the lost compare-and-set before b rebases (so it can take turns)
    let contended = 0;
    const coordinator: Coordinator = {
      withWriteLock: (fn) => fn(),
      contended: async () => void contended++,
      announce: () => {},
      onRemoteCommit: () => () => {},
      close: () => {},
    };
    const b = await connect(cfg, { shared: false, coordinator });
    const heard: number[] = [];
    listen(b, (r) => heard.push(r.txData.length));
    await transact(a, [{ 'person/email': 'a@x.org', 'person/name': 'from a' }]);
    expect(contended).toBe(0);
    await transact(b, [{ 'person/email': 'b@x.org', 'person/name': 'from b' }]);
    expect(contended).toBe(1);
    const names = (await datoms(db(b), 'aevt', 'person/name')).map((d) => d.v).sort();
    expect(names).toEqual(['from a', 'from b']);
    expect(heard.length).toBe(2); // a's commit (learned on rebase), then b's own
    await release(a);
    await release(b);
  });

  it('history keeps a value made and undone in one transaction across a reconnect that replays a later re-assertion', async () => {
    const cfg = config('memory', 8);
    await createDatabase(cfg);
    const conn = await connect(cfg);
    await transact(conn, schema);
    // 15 is replaced by 21 within one transaction (asserted and retracted there), then comes back
    await transact(conn, [
      { 'person/email': 'a@x.org', 'person/age': 15 },
      { 'person/email': 'a@x.org', 'person/age': 21 },
    ]);
    await transact(conn, [{ 'person/email': 'a@x.org', 'person/age': 15 }]);
    const ages = async (c: Connection) => plain(await datoms(history(db(c)), 'aevt', 'person/age'));
    const before = await ages(conn);
    expect(before.filter(([, , v]) => v === 15)).toHaveLength(3);
    await release(conn);
    const again = await connect(cfg); // restores both transactions from the tail, in one replay
    expect(await ages(again)).toEqual(before);
    await release(again);
  });

  it("a stale writer judges a transaction on the head: another writer's schema, entity and value count", async () => {
    const cfg = config('memory', 8);
    await createDatabase(cfg);
    const a = await connect(cfg, { shared: false });
    // b hears of nobody's commits: only the store can tell it that its Db is behind
    const quiet: Coordinator = { withWriteLock: (fn) => fn(), announce: () => {}, onRemoteCommit: () => () => {}, close: () => {} };
    const b = await connect(cfg, { shared: false, coordinator: quiet });
    await transact(a, schema); // b has not seen the schema
    const r = await transact(b, [{ 'person/email': 'x@x.org', 'person/name': 'from b', 'person/age': 1 }]);
    expect(r.txData.filter((d) => d.a === 'person/name').map((d) => d.v)).toEqual(['from b']);
    await transact(a, [{ 'person/email': 'y@x.org', 'person/name': 'made by a' }, ['db/cas', ['person/email', 'x@x.org'], 'person/age', 1, 2]]);
    // b's Db has neither y@x.org nor age 2: a lookup ref and a cas that hold on the head
    await transact(b, [['db/cas', ['person/email', 'x@x.org'], 'person/age', 2, 3], { 'db/id': ['person/email', 'y@x.org'], 'person/age': 40 }]);
    expect(await q('[:find ?e ?a :where [?e :person/email ?m] [?e :person/age ?a]]', db(b))).toHaveLength(2);
    expect(await q('[:find ?a . :where [?e :person/email "x@x.org"] [?e :person/age ?a]]', db(b))).toBe(3);
    // what fails on the head too is still refused, and changes nothing
    const before = plain(await datoms(db(b), 'eavt'));
    await transact(a, [{ 'person/email': 'z@x.org' }]);
    await expect(transact(b, [['db/cas', ['person/email', 'x@x.org'], 'person/age', 2, 9]])).rejects.toMatchObject({ code: 'transact/cas' });
    const after = plain(await datoms(db(b), 'eavt'));
    expect(after.length).toBe(before.length + 2); // b moved to the head (z@x.org and its tx), nothing of the cas
    expect(await q('[:find ?a . :where [?e :person/email "x@x.org"] [?e :person/age ?a]]', db(b))).toBe(3);
    await release(a);
    await release(b);
  });
});

describe('gcStorage', () => {
  it('runs safely beside concurrent transactions: nothing they wrote is collected', async () => {
    const cfg = config('counting', 8);
    const conn = await withPeople(cfg, 40, 2);
    const writes = Array.from({ length: 60 }, (_, i) => transact(conn, [{ 'person/name': `c${i}`, 'person/email': `c${i}@x.org` }]));
    const gcs = [gcStorage(conn), gcStorage(conn)];
    await Promise.all([...writes, ...gcs]);
    const before = plain(await datoms(db(conn), 'eavt'));
    await release(conn);
    const again = await connect(cfg);
    expect(plain(await datoms(db(again), 'eavt'))).toEqual(before);
    expect((await datoms(db(again), 'aevt', 'person/email')).length).toBe(100);
    await release(again);
  });

  it('deletes only unreachable records; the database still reads the same', async () => {
    const cfg = config('counting', 8);
    const conn = await withPeople(cfg, 200, 2);
    const before = plain(await datoms(db(conn), 'eavt'));
    const hist = plain(await datoms(history(db(conn)), 'eavt'));
    const result = await gcStorage(conn);
    expect(result.deletedNodes).toBeGreaterThan(0);
    expect(result.deletedCommits).toBeGreaterThan(0);
    expect((await gcStorage(conn)).deletedKeys).toEqual([]);
    await release(conn);
    const again = await connect(cfg);
    expect(plain(await datoms(db(again), 'eavt'))).toEqual(before);
    expect(plain(await datoms(history(db(again)), 'eavt'))).toEqual(hist);
    await release(again);
  });
});
