// Two processes starting at once: one creates the database, the other sees `db/exists` and
// connects while the creator has made the store but not yet written its first head. The connect
// must wait for that head, not fail with `db/missing`. A gate on the first head write makes the
// interleaving deterministic.
import { describe, expect, it } from 'vitest';
import { connect, createDatabase, databaseExists, db, q, registerBackend, release } from '../index.js';
import { createMemoryBackend } from '../store/memory.js';
import type { Backend, Store } from '../store/types.js';
import { wrapBackend } from '../store/wrap-backend.js';
import { caught } from '../../test/caught.js';

let openGate: () => void = () => {};
let gate: Promise<void> | undefined;

/** Memory stores whose putBatch waits for the gate while one is set. */
function gatedBackend(inner: Backend): Backend {
  const wrap = (s: Store): Store => ({
    get: (k) => s.get(k),
    getMany: (k) => s.getMany(k),
    async putBatch(e, o) {
      if (gate !== undefined) await gate;
      return s.putBatch(e, o);
    },
    deleteMany: (k) => s.deleteMany(k),
    keys: () => s.keys(),
    close: () => s.close(),
  });
  return wrapBackend(inner, wrap);
}
registerBackend('gated-memory', gatedBackend(createMemoryBackend()));

const until = async (f: () => Promise<boolean>) => {
  while (!(await f())) await new Promise((r) => setTimeout(r, 1));
};

describe('connect while another caller is creating the database', () => {
  it('waits for the first head instead of failing with db/missing', async () => {
    const config = {
      store: { backend: 'gated-memory', id: 'race-1' },
      initialTx: [{ 'db/ident': 'x/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' }],
    };
    gate = new Promise<void>((r) => {
      openGate = r;
    });
    const creating = createDatabase(config);
    await until(() => databaseExists(config)); // the store exists, its head not yet
    expect((await caught(createDatabase(config))).code).toBe('db/exists');
    const connecting = connect({ store: config.store }, { shared: false });
    await new Promise((r) => setTimeout(r, 20)); // the connect reads the missing head at least once
    gate = undefined;
    openGate();
    await creating;
    const conn = await connecting;
    try {
      expect(await q('[:find ?e . :where [?e :db/ident :x/n]]', db(conn))).toBeTypeOf('number');
    } finally {
      await release(conn);
    }
  });

  it('still fails with db/missing when no head ever comes', async () => {
    const config = { store: { backend: 'gated-memory', id: 'race-2' } };
    gate = new Promise<void>(() => {}); // the creator never writes its head
    void createDatabase(config);
    await until(() => databaseExists(config));
    const e = await caught(connect(config, { shared: false }));
    gate = undefined;
    expect(e.code).toBe('db/missing');
  });
});
