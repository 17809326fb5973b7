// The postgresql backend against a real server: the contract suite (a URL, and a given pool
// with a schema-qualified table), the public API on it, and what is specific to it.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pgServerUrl } from '../../test/pg-server.js';
import { connect, createDatabase, databaseExists, db, deleteDatabase, q, release, transact } from '../api.js';
import { expectCode, runStoreContract } from './contract.js';
import { createPostgresBackend } from './postgresql.js';

const url = await pgServerUrl();
const backend = createPostgresBackend();
runStoreContract('postgresql', { backend: () => backend, config: (id) => ({ backend: 'postgresql', id, connection: url, table: 'cairndb_contract' }) });

const pool = new pg.Pool({ connectionString: url, max: 2 });
afterAll(() => pool.end());
runStoreContract('postgresql (given pool, schema-qualified table)', {
  backend: () => backend,
  config: (id) => ({ backend: 'postgresql', id, pool, table: 'public.cairndb_contract_pool' }),
});

describe('postgresql through the public API', () => {
  it('a database on a given pool: transact, query, reconnect', async () => {
    const config = { store: { backend: 'postgresql', id: `api-${Date.now().toString(36)}`, pool, table: 'cairndb_api' } };
    await createDatabase(config);
    const conn = await connect(config);
    await transact(conn, [
      { 'db/ident': 'p/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
    ]);
    await transact(conn, [{ 'p/name': 'Ada' }, { 'p/name': 'Grace' }]);
    await release(conn);
    const again = await connect(config);
    expect(((await q('[:find [?n ...] :where [_ :p/name ?n]]', db(again))) as string[]).sort()).toEqual(['Ada', 'Grace']);
    await release(again);
    await deleteDatabase(config);
    expect(await databaseExists(config)).toBe(false);
  });

  it('keeps stores of one id in different tables apart', async () => {
    const id = `same-${Date.now().toString(36)}`;
    const a = await backend.create({ backend: 'postgresql', id, connection: url, table: 'cairndb_a' });
    const b = await backend.create({ backend: 'postgresql', id, connection: url, table: 'cairndb_b' });
    await a.putBatch([['ref:head', new Uint8Array([1])]]);
    expect(await b.get('ref:head')).toBeUndefined();
    await backend.delete({ backend: 'postgresql', id, connection: url, table: 'cairndb_a' });
    await expectCode(a.get('ref:head'), 'store/closed');
    expect(await backend.exists({ backend: 'postgresql', id, connection: url, table: 'cairndb_b' })).toBe(true);
    await backend.delete({ backend: 'postgresql', id, connection: url, table: 'cairndb_b' });
  });

  it('refuses a store written by a newer format', async () => {
    const id = `newer-${Date.now().toString(36)}`;
    const config = { backend: 'postgresql', id, connection: url, table: 'cairndb_contract' };
    await (await backend.create(config)).close();
    await pool.query(`UPDATE cairndb_contract SET value = $3 WHERE store = $1 AND key = $2`, [
      id,
      Buffer.alloc(0),
      Buffer.from('{"format":"cairndb-store","version":99}'),
    ]);
    await expectCode(backend.connect(config), 'store/format-version');
    await backend.delete(config);
  });

  it('store ids and keys with any characters, including U+0000 in keys', async () => {
    const config = { backend: 'postgresql', id: 'ünï ☃ \'"; --', connection: url, table: 'cairndb_contract' };
    const s = await backend.create(config);
    await s.putBatch([
      ['nul\0key', new Uint8Array([1])],
      ['ref:ü', new Uint8Array([2])],
    ]);
    expect((await s.keys()).sort()).toEqual(['nul\0key', 'ref:ü']);
    expect(await s.getMany(['nul\0key', 'nul'])).toEqual([new Uint8Array([1]), undefined]);
    await s.close();
    await backend.delete(config);
    await expectCode(backend.create({ ...config, id: 'a\0b' }), 'config/invalid');
  });
});

describe('postgresql GC fence (deleteManyIf)', () => {
  type Fenced = { deleteManyIf(keys: readonly string[], cas: { key: string; expected: Uint8Array | undefined }): Promise<void> };
  it('deletes only while the guard holds the expected bytes, and nothing otherwise', async () => {
    const config = { backend: 'postgresql', id: `fence-${Date.now().toString(36)}`, connection: url, table: 'cairndb_contract' };
    const s = await backend.create(config);
    const fenced = s as unknown as Fenced;
    const h1 = new Uint8Array([1]);
    await s.putBatch([
      ['a', new Uint8Array([10])],
      ['b', new Uint8Array([11])],
      ['ref:head', h1],
    ]);
    await expectCode(fenced.deleteManyIf(['a'], { key: 'ref:head', expected: new Uint8Array([2]) }), 'store/conflict');
    await expectCode(fenced.deleteManyIf(['a'], { key: 'ref:head', expected: undefined }), 'store/conflict');
    expect(await s.get('a')).toEqual(new Uint8Array([10]));
    await fenced.deleteManyIf(['a', 'never'], { key: 'ref:head', expected: h1 });
    expect((await s.keys()).sort()).toEqual(['b', 'ref:head']);
    // a batch after the sweep puts the swept node again
    await s.putBatch(
      [
        ['a', new Uint8Array([10])],
        ['ref:head', new Uint8Array([2])],
      ],
      { cas: { key: 'ref:head', expected: h1 } },
    );
    expect(await s.get('a')).toEqual(new Uint8Array([10]));
    await s.close();
    await backend.delete(config);
  });
});
