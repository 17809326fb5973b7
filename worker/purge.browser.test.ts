// Purge through the worker in Chromium, over IndexedDB: after purge + GC the value is in no
// record of the database's IndexedDB (every record of every object store is searched).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idbName } from '../src/store/indexeddb.js';
import { openWorker } from './client.js';
import type { ClientApi, ConnHandle } from './protocol.js';

let cairn: ClientApi;
let conn: ConnHandle;
const id = `purge-${Date.now().toString(36)}`;
const config = { store: { backend: 'indexeddb', id }, branchingFactor: 8 };

/** Records of the store's IndexedDB database whose bytes contain `needle`. */
async function recordsHolding(needle: string): Promise<string[]> {
  const want = new TextEncoder().encode(needle);
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(idbName(id));
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const hits: string[] = [];
  for (const name of [...db.objectStoreNames]) {
    const { keys, vals } = await new Promise<{ keys: IDBValidKey[]; vals: unknown[] }>((resolve, reject) => {
      const tx = db.transaction(name, 'readonly');
      const s = tx.objectStore(name);
      const k = s.getAllKeys();
      const v = s.getAll();
      tx.oncomplete = () => resolve({ keys: k.result, vals: v.result });
      tx.onerror = () => reject(tx.error);
    });
    vals.forEach((val, i) => {
      const bytes = val instanceof Uint8Array ? val : val instanceof ArrayBuffer ? new Uint8Array(val) : new TextEncoder().encode(JSON.stringify(val));
      outer: for (let j = 0; j + want.length <= bytes.length; j++) {
        for (let k = 0; k < want.length; k++) if (bytes[j + k] !== want[k]) continue outer;
        hits.push(`${name}/${String(keys[i])}`);
        break;
      }
    });
  }
  db.close();
  return hits;
}

beforeAll(async () => {
  cairn = openWorker();
  await cairn.createDatabase(config);
  conn = await cairn.connect(config);
  await cairn.transact(conn, [
    { 'db/ident': 'u/email', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
    { 'db/ident': 'u/ssn', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  ]);
});

afterAll(async () => {
  await cairn.release(conn);
  await cairn.deleteDatabase(config);
  await cairn.close();
});

describe('purge through the worker, IndexedDB', () => {
  it('purge + GC leaves the value in no IndexedDB record', async () => {
    for (let i = 0; i < 10; i++) await cairn.transact(conn, [{ 'u/email': `p${i}@x`, 'u/ssn': `ordinary-${i}` }]);
    await cairn.transact(conn, [{ 'u/email': 'ann@x', 'u/ssn': 'SECRET-idb-0001' }]);
    for (let i = 10; i < 20; i++) await cairn.transact(conn, [{ 'u/email': `p${i}@x`, 'u/ssn': `ordinary-${i}` }]);
    await cairn.transact(conn, [{ 'u/email': 'ann@x', 'u/ssn': 'SECRET-idb-0002' }]);
    expect((await recordsHolding('SECRET-idb-0001')).length).toBeGreaterThan(0);
    expect((await recordsHolding('SECRET-idb-0002')).length).toBeGreaterThan(0);

    await cairn.transact(conn, [['db.purge/attribute', ['u/email', 'ann@x'], 'u/ssn']]);
    await cairn.gcStorage(conn);
    expect(await recordsHolding('SECRET-idb-0001')).toEqual([]);
    expect(await recordsHolding('SECRET-idb-0002')).toEqual([]);
    expect((await recordsHolding('ordinary-7')).length).toBeGreaterThan(0);

    const d = cairn.db(conn);
    expect(await cairn.q('[:find (count ?s) . :where [_ :u/ssn ?s]]', d)).toBe(20);
    expect(await cairn.q('[:find ?s . :where [?e :u/email "ann@x"] [?e :u/ssn ?s _ _]]', cairn.history(d))).toBeNull();
  });

  it('a bad purge fails with its code', async () => {
    await expect(cairn.transact(conn, [['db.purge/entity', 999_999]])).rejects.toMatchObject({ code: 'transact/entity-id' });
  });
});
