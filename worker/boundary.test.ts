// The worker boundary in Node: the real client and host talking through Comlink over a
// MessageChannel, with a TEST DOUBLE of the engine (fake-engine.test-double.ts). The same
// client is proven against the real engine in Chromium by e2e/worker*.spec.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { CairnError } from '../src/util/errors.js';
import { Datom } from '../src/db/types.js';
import { openWorker } from './client.js';
import { fakeEngine, type FakeEngine } from './fake-engine.test-double.js';
import { serveEngine, failStart } from './serve.js';
import type { HostOptions } from './host.js';
import type { ClientApi } from './protocol.js';
import { channel, channelClient, closeChannels, rejection } from './testing/channel.js';

const mem = { store: { backend: 'memory', id: 'm1' } } as const;
function setup(hostOpts: HostOptions = {}): { api: ClientApi; engine: FakeEngine } {
  const engine = fakeEngine();
  return { api: channelClient(engine, {}, hostOpts), engine };
}

afterEach(closeChannels);

describe('worker boundary (fake engine over a MessageChannel)', () => {
  it('forwards create/connect/transact/pull/datoms and revives datoms', async () => {
    const { api } = setup();
    await api.createDatabase(mem);
    expect(await api.databaseExists(mem)).toBe(true);
    const conn = await api.connect(mem);
    expect(conn).toMatchObject({ __cairn: 'conn', config: mem });
    const r = await api.transact(conn, [['db/add', 1, 'person/name', 'Ada']]);
    expect(r.dbAfter).toMatchObject({ __cairn: 'db', basisT: 536870913, ref: null });
    expect(r.txData[0]).toBeInstanceOf(Datom);
    expect(r.txData.map((d) => d.toJSON())).toEqual([{ e: 1, a: 'person/name', v: 'Ada', tx: 536870913, added: true }]);
    const db = api.db(conn);
    expect(db.basisT).toBe(536870913);
    expect(await api.pull(db, '[*]', 1)).toEqual({ 'db/id': 1, pattern: '[*]', 'person/name': 'Ada' });
    const ds = await api.datoms(db, 'eavt', 1);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toBeInstanceOf(Datom);
    expect(await api.schema(db)).toEqual({ 'person/name': { 'db/valueType': ':db.type/string' } });
  });

  it('keeps db handles immutable: an old db(conn) still names the old value', async () => {
    const { api } = setup();
    await api.createDatabase(mem);
    const conn = await api.connect(mem);
    const before = api.db(conn);
    await api.transact(conn, [['db/add', 1, 'a', 'x']]);
    const after = api.db(conn);
    expect(await api.datoms(before, 'eavt')).toEqual([]);
    expect(await api.datoms(after, 'eavt')).toHaveLength(1);
  });

  it.each([
    ['history', (api: ClientApi, db: ReturnType<ClientApi['db']>) => api.history(db), ['history']],
    ['asOf', (api: ClientApi, db: ReturnType<ClientApi['db']>) => api.asOf(db, 536870913), ['asOf:536870913']],
    ['since a Date', (api: ClientApi, db: ReturnType<ClientApi['db']>) => api.since(db, new Date('2020-01-01T00:00:00Z')), ['since:2020-01-01T00:00:00.000Z']],
    ['nested', (api: ClientApi, db: ReturnType<ClientApi['db']>) => api.asOf(api.history(db), 7), ['history', 'asOf:7']],
  ])('resolves %s views in the worker, in order', async (_name, make, chain) => {
    const { api } = setup();
    await api.createDatabase(mem);
    const conn = await api.connect(mem);
    const view = make(api, api.db(conn));
    expect(await api.q('[:find ?e]', view, 42)).toEqual({ query: '[:find ?e]', inputs: [{ basisT: 536870912, views: chain, speculative: false }, 42] });
    // map form: handles inside args are resolved too
    expect(await api.q({ query: '[:find ?e]', args: [view] })).toEqual({
      query: '[:find ?e]',
      inputs: [{ basisT: 536870912, views: chain, speculative: false }],
      map: true,
    });
  });

  it('carries a CairnError across with code, message and data intact', async () => {
    const { api } = setup();
    await api.createDatabase(mem);
    const e1 = await rejection(api.createDatabase(mem));
    expect(e1).toBeInstanceOf(CairnError);
    expect(e1).toMatchObject({ code: 'db/exists', message: 'database memory:m1 exists', data: { store: 'memory:m1' } });
    const conn = await api.connect(mem);
    const e2 = await rejection(api.transact(conn, [['db/bogus', 1]]));
    expect(e2).toBeInstanceOf(CairnError);
    expect(e2).toMatchObject({ code: 'transact/syntax', data: { op: '["db/bogus",1]' } });
    expect((e2 as Error).stack).toContain('fake-engine');
    // the failed call left the connection usable
    const r = await api.transact(conn, [['db/add', 2, 'a', 'y']]);
    expect(r.txData).toHaveLength(1);
  });

  it('an argument that cannot be cloned fails with worker/protocol, and the client stays usable', async () => {
    const { api } = setup();
    const e = await rejection(api.q('[:find ?e :in $ ?f]', () => 1));
    expect(e).toBeInstanceOf(CairnError);
    expect(e).toMatchObject({ code: 'worker/protocol', message: expect.stringContaining('cannot be sent to the worker') });
    expect(await api.databaseExists(mem)).toBe(false);
  });

  it('speculative withDb values get their own handle; the base is untouched', async () => {
    const { api } = setup({ speculativeWindow: 1 });
    await api.createDatabase(mem);
    const conn = await api.connect(mem);
    const base = api.db(conn);
    const w1 = await api.withDb(base, [['db/add', 5, 'a', 'w1']]);
    expect(w1.dbAfter.ref).not.toBeNull();
    expect(await api.datoms(w1.dbAfter, 'eavt')).toHaveLength(1);
    expect(await api.datoms(base, 'eavt')).toHaveLength(0);
    // window of 1: a second withDb evicts the first, which then fails loudly, never silently
    await api.withDb(base, [['db/add', 6, 'a', 'w2']]);
    expect(await rejection(api.datoms(w1.dbAfter, 'eavt'))).toMatchObject({ code: 'worker/protocol' });
  });

  it('listen delivers reports until unlisten, and releases the proxy', async () => {
    const { api } = setup();
    await api.createDatabase(mem);
    const conn = await api.connect(mem);
    const got: number[] = [];
    let resolveFirst!: () => void;
    const first = new Promise<void>((r) => (resolveFirst = r));
    const unlisten = api.listen(conn, (r) => {
      expect(r.txData[0]).toBeInstanceOf(Datom);
      got.push(r.dbAfter.basisT);
      resolveFirst();
    });
    await api.databaseExists(mem); // registration is a call: after this round trip it is in place
    await api.transact(conn, [['db/add', 1, 'a', 'x']]);
    await first;
    expect(got).toEqual([536870913]);
    // the listener's report also advanced the local head
    expect(api.db(conn).basisT).toBe(536870913);
    unlisten();
    await api.databaseExists(mem);
    await api.transact(conn, [['db/add', 1, 'a', 'y']]);
    await api.databaseExists(mem);
    expect(got).toEqual([536870913]);
  });

  it('a released connection fails with db/released, in the worker and locally', async () => {
    const { api, engine } = setup();
    await api.createDatabase(mem);
    const conn = await api.connect(mem);
    const db = api.db(conn);
    await api.release(conn);
    expect(engine.released).toHaveLength(1);
    expect(await rejection(api.transact(conn, [['db/add', 1, 'a', 'x']]))).toMatchObject({ code: 'db/released' });
    expect(await rejection(api.datoms(db, 'eavt'))).toMatchObject({ code: 'db/released' });
    expect(() => api.db(conn)).toThrow(CairnError);
  });

  it('terminating the worker rejects every pending call with worker/terminated', async () => {
    const { api, engine } = setup();
    await api.createDatabase(mem);
    const conn = await api.connect(mem);
    engine.hangNextTransact(); // never released: the call stays in flight
    const inflight = api.transact(conn, [['db/add', 1, 'a', 'x']]);
    await api.databaseExists(mem); // the transact has reached the worker
    await api.close();
    const e = await rejection(inflight);
    expect(e).toBeInstanceOf(CairnError);
    expect(e).toMatchObject({ code: 'worker/terminated' });
    expect(await rejection(api.databaseExists(mem))).toMatchObject({ code: 'worker/terminated' });
  });

  it('calls made before the handshake wait for it; a failed start rejects them', async () => {
    const { client, server } = channel();
    const api = openWorker(client, { resyncOnVisible: false });
    const early = api.databaseExists(mem); // nothing is listening yet
    serveEngine(fakeEngine(), server, { probeIndexedDb: async () => 'none' });
    expect(await early).toBe(false);

    const other = channel();
    const broken = openWorker(other.client, { resyncOnVisible: false });
    const call = broken.databaseExists(mem);
    failStart(other.server, new TypeError('engine did not load'));
    expect(await rejection(call)).toMatchObject({ code: 'worker/terminated', message: expect.stringContaining('engine did not load') });
  });

  it('a worker that never answers the handshake times out with worker/terminated', async () => {
    const { client } = channel();
    const api = openWorker(client, { resyncOnVisible: false, readyTimeoutMs: 50 });
    expect(await rejection(api.ready)).toMatchObject({ code: 'worker/terminated' });
  });

  it('defaults the store: memory with a warning when IndexedDB cannot open; explicit indexeddb fails', async () => {
    const { api } = setup({ probeIndexedDb: async () => 'SecurityError: denied' });
    expect(await api.storageInfo()).toMatchObject({ backend: 'memory', warning: expect.stringContaining('SecurityError: denied') });
    await api.createDatabase({ name: 'notes' });
    const conn = await api.connect({ name: 'notes' });
    expect(conn.config.store).toEqual({ backend: 'memory', id: 'notes' });
    const e = await rejection(api.createDatabase({ store: { backend: 'indexeddb', id: 'x' } }));
    expect(e).toBeInstanceOf(CairnError);
    expect(e).toMatchObject({ code: 'store/unavailable', data: { backend: 'indexeddb', id: 'x' } });
  });

  it('defaults the store to indexeddb when the probe succeeds', async () => {
    const { api } = setup({ probeIndexedDb: async () => null });
    expect(await api.storageInfo()).toMatchObject({ backend: 'indexeddb', warning: null });
    await api.createDatabase({});
    const conn = await api.connect({});
    expect(conn.config.store).toEqual({ backend: 'indexeddb', id: 'cairndb' });
  });

  it('hands each connect a coordinator; the connection closes it on release', async () => {
    const events: string[] = [];
    const { api } = setup({
      coordinatorFor: (store) => {
        events.push(`made ${store.id}`);
        return { withWriteLock: (fn) => fn(), announce: () => {}, onRemoteCommit: () => () => {}, close: () => events.push(`closed ${store.id}`) };
      },
    });
    await api.createDatabase(mem);
    const c1 = await api.connect(mem);
    await api.connect(mem);
    expect(events).toEqual(['made m1', 'made m1']);
    await api.release(c1);
    expect(events).toEqual(['made m1', 'made m1', 'closed m1']);
  });
});
