// Transaction functions through the worker in Chromium: registered in the worker script, called
// from JS tx data and EDN text; a throwing function fails the transaction with its message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorker } from './client.js';
import type { ClientApi, ConnHandle } from './protocol.js';

let cairn: ClientApi;
let conn: ConnHandle;
const config = { store: { backend: 'indexeddb', id: `txfn-${Date.now().toString(36)}` } };

beforeAll(async () => {
  cairn = openWorker(new Worker(new URL('./testing/txfn-worker.ts', import.meta.url), { type: 'module' }));
  await cairn.createDatabase(config);
  conn = await cairn.connect(config);
  await cairn.transact(conn, [
    { 'db/ident': 'counter/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
    { 'db/ident': 'counter/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  ]);
  await cairn.transact(conn, [{ 'counter/id': 'hits', 'counter/n': 0 }]);
});

afterAll(async () => {
  await cairn.release(conn);
  await cairn.deleteDatabase(config);
  await cairn.close();
});

const value = async (): Promise<unknown> => cairn.q('[:find ?n . :where [?e :counter/id "hits"] [?e :counter/n ?n]]', cairn.db(conn));

describe('transaction functions in the worker', () => {
  it('runs a registered function from JS tx data and from EDN text', async () => {
    await cairn.transact(conn, [['counter/inc', 'hits', 2]]);
    // the second call sees the first one's effect (it runs on the db after the data before it)
    await cairn.transact(conn, '[[:counter/inc "hits" 3] [:db.fn/call "counter/inc" "hits" 10]]');
    expect(await value()).toBe(15);
  });

  it('a throwing function fails the transaction with its message; nothing changes', async () => {
    await expect(cairn.transact(conn, [['counter/inc', 'misses', 1]])).rejects.toMatchObject({
      name: 'CairnError',
      code: 'transact/fn',
      message: expect.stringContaining('no counter misses'),
    });
    expect(await value()).toBe(15);
  });

  it('a function value cannot cross to the worker: register it in the worker script instead', async () => {
    await expect(cairn.transact(conn, [['db.fn/call', () => [], 1]])).rejects.toMatchObject({ code: 'worker/protocol' });
  });
});
