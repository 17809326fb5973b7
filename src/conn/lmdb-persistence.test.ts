// The lmdb backend through the public API, with its compact node and tail encodings: a database
// written, released and reopened answers the same; its nodes and segments are stored by the
// compact handlers; a backend that cannot read them refuses the database with store/encoding;
// and a backend's commit handler sees every commit record (the hook is real for all three kinds).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, createDatabase, datoms, db, deleteDatabase, q, registerBackend, release, transact } from '../index.js';
import { createCodec, type StructureHandler } from '../store/codec.js';
import { createLmdbBackend } from '../store/lmdb.js';
import { createMemoryBackend } from '../store/memory.js';
import { expectCode } from '../store/contract.js';
import { compactNodeHandler, compactTailHandler } from './compact-nodes.js';
import { lmdbBackend } from './lmdb-backend.js';
import type { CommitRecord } from './commit.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-lmdb-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }), 60_000);

registerBackend('lmdb', lmdbBackend());
// The same environment on disk, through a backend with only the default encoding.
registerBackend('lmdb-default', createLmdbBackend());

const schema = [
  { 'db/ident': 'item/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'item/count', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'item/tags', 'db/valueType': 'db.type/keyword', 'db/cardinality': 'db.cardinality/many' },
];
const query = '[:find ?n ?c :where [?e :item/name ?n] [?e :item/count ?c]]';
const cfg = (backend: string, id: string) => ({ store: { backend, id, path: dir }, branchingFactor: 16 });

async function fill(config: ReturnType<typeof cfg>, n: number, from = 0): Promise<void> {
  const conn = await connect(config);
  for (let i = from; i < from + n; i++) await transact(conn, [{ 'item/name': `item${i % 25}`, 'item/count': i, 'item/tags': [`:tag/t${i % 3}`] }]);
  await release(conn);
}

/** The raw stored values of a database, through a plain lmdb store handle. */
async function rawValues(id: string): Promise<Map<string, Uint8Array>> {
  const store = await createLmdbBackend().connect({ backend: 'lmdb', id, path: dir });
  const keys = await store.keys();
  const values = await store.getMany(keys);
  await store.close();
  return new Map(keys.map((k, i) => [k, values[i]!]));
}

describe('lmdb backend with compact encodings', () => {
  it('reopens to the same answers; nodes and tail segments are stored compactly', async () => {
    const config = cfg('lmdb', 'inventory');
    await createDatabase(config);
    let conn = await connect(config);
    await transact(conn, schema);
    await release(conn);
    await fill(config, 120);
    conn = await connect(config);
    const before = { rows: await q(query, db(conn)), eavt: (await datoms(db(conn), 'eavt')).map((d) => [d.e, d.a, d.v, d.tx, d.added]) };
    expect((before.rows as unknown[]).length).toBe(25);
    await release(conn);
    conn = await connect(config);
    expect(await q(query, db(conn))).toEqual(before.rows);
    expect((await datoms(db(conn), 'eavt')).map((d) => [d.e, d.a, d.v, d.tx, d.added])).toEqual(before.eavt);
    await release(conn);

    const codec = createCodec({ handlers: [compactNodeHandler, compactTailHandler] });
    const values = await rawValues('inventory');
    const nodes = [...values].filter(([k]) => k.startsWith('n:'));
    expect(nodes.length).toBeGreaterThan(3);
    for (const [k, v] of nodes) expect(codec.header(v, k).handler).toBe(compactNodeHandler.type);
    const head = codec.decode(values.get('ref:head/main')!, { kind: 'ref' }) as { commit: string; encodings: string[] };
    expect(head.encodings.sort()).toEqual([compactNodeHandler.name, compactTailHandler.name].sort());
    // The head carries its commit while the commit is small (src/conn/commit.ts).
    const commit = codec.decode((head as { record?: Uint8Array }).record ?? values.get(`c:${head.commit}`)!, { kind: 'commit' }) as CommitRecord;
    for (const seg of commit.tail.open) expect(codec.header(seg).handler).toBe(compactTailHandler.type);
  });

  it('a backend without the compact handlers refuses the database with store/encoding', async () => {
    await expectCode(connect(cfg('lmdb-default', 'inventory')), 'store/encoding');
    try {
      await connect(cfg('lmdb-default', 'inventory'));
    } catch (e) {
      expect((e as Error).message).toContain(compactNodeHandler.name);
    }
    // and the database is untouched: it still opens where it was written
    const conn = await connect(cfg('lmdb', 'inventory'));
    expect(((await q(query, db(conn))) as unknown[]).length).toBe(25);
    await release(conn);
  });

  it('a database written with the default encoding opens under the compact one, which then owns it', async () => {
    const plain = cfg('lmdb-default', 'upgraded');
    await createDatabase(plain);
    const conn = await connect(plain);
    await transact(conn, schema);
    await release(conn);
    await fill(plain, 30);
    await fill(cfg('lmdb', 'upgraded'), 30, 30); // reads default values, writes compact ones
    const again = await connect(cfg('lmdb', 'upgraded'));
    expect(((await q(query, db(again))) as unknown[]).length).toBe(25);
    expect((await datoms(db(again), 'aevt', 'item/count')).length).toBe(25);
    await release(again);
    await expectCode(connect(plain), 'store/encoding');
    await deleteDatabase(cfg('lmdb', 'upgraded'));
  });
});

describe('structure handlers on any backend', () => {
  it("a backend's commit handler encodes and decodes every commit record", async () => {
    const inner = createCodec();
    const seen = { write: 0, read: 0 };
    const commits: StructureHandler<CommitRecord> = {
      type: 50,
      kind: 'commit',
      name: 'test/wrapped-commit@1',
      write: (c) => {
        seen.write++;
        return inner.encode(c, 'commit');
      },
      read: (bytes) => {
        seen.read++;
        return inner.decode(bytes, { kind: 'commit' }) as CommitRecord;
      },
    };
    registerBackend('memory-commits', { ...createMemoryBackend(), codecHandlers: [commits] });
    const config = { store: { backend: 'memory-commits', id: 'c' } };
    await createDatabase(config);
    expect(seen.write).toBe(1);
    const conn = await connect(config, { shared: false });
    expect(seen.read).toBe(1);
    await transact(conn, schema);
    await transact(conn, [{ 'item/name': 'a', 'item/count': 1 }]);
    expect(seen.write).toBe(3);
    await release(conn);
    const again = await connect(config, { shared: false });
    expect(seen.read).toBe(2);
    expect(await q(query, db(again))).toEqual([['a', 1]]);
    await release(again);
  });
});
