// What a config without `store` means in process: the memory store named by `name` (default
// 'cairndb'), the same rule as the worker's default store, so one store-less config reaches one
// database, and `connect()` with no config reports a name the user can recognise.
import { describe, expect, it } from 'vitest';
import { connect, createDatabase, databaseExists, deleteDatabase, release, type Connection } from './index.js';

describe('a config without store', () => {
  it('connect() with no config names the default database it looked for, not a random id', async () => {
    const e = await connect(undefined as never).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toMatchObject({ code: 'db/missing', data: { backend: 'memory', id: 'cairndb' } });
    expect((e as Error).message).toContain('"cairndb" does not exist in memory');
  });

  it('createDatabase and connect with one store-less config meet the same memory database', async () => {
    const config = { name: 'store-less' };
    await createDatabase(config);
    expect(await databaseExists(config)).toBe(true);
    const conn: Connection = await connect(config);
    expect(conn.config.store).toEqual({ backend: 'memory', id: 'store-less' });
    await release(conn);
    await deleteDatabase(config);
    expect(await databaseExists(config)).toBe(false);
  });
});
