// The worker client in real Chromium, against the real engine in a module worker: every call
// goes through openWorker() and Comlink. One page per test.
import { expect, test } from '@playwright/test';
import { openClientPage, PERSON_SCHEMA, uniqueId } from './helpers.js';
import type { TestWindow } from './pages/types.js';

test('create / connect / transact / q / pull / datoms / history views / listen', async ({ page }, info) => {
  await openClientPage(page);
  const id = uniqueId('api', info.testId);
  const out = await page.evaluate(
    async ({ id, schema }) => {
      const { cairn } = window as unknown as TestWindow;
      const config = { store: { backend: 'indexeddb', id } };
      await cairn.createDatabase(config);
      const exists = await cairn.databaseExists(config);
      const conn = await cairn.connect(config);
      const heard: { basisT: number; datoms: number }[] = [];
      const unlisten = cairn.listen(conn, (r) => heard.push({ basisT: r.dbAfter.basisT, datoms: r.txData.filter((d) => d.e !== d.tx).length }));
      await cairn.transact(conn, schema);
      const r1 = await cairn.transact(conn, [
        { 'db/id': 'ada', 'person/name': 'Ada', 'person/age': 36 },
        { 'db/id': 'bob', 'person/name': 'Bob', 'person/age': 40 },
      ]);
      const ada = r1.tempids['ada']!;
      const t1 = r1.dbAfter.basisT;
      const r2 = await cairn.transact(conn, [['db/add', ada, 'person/age', 37]]);
      const db = cairn.db(conn);
      const names = await cairn.q('[:find ?n :where [?e :person/name ?n]]', db);
      const mapForm = await cairn.q({ query: '[:find ?n . :in $ ?a :where [?e :person/age ?a] [?e :person/name ?n]]', args: [db, 40] });
      const pulled = await cairn.pull(db, '[:person/name :person/age]', ada);
      const byLookup = await cairn.pull(db, ['person/age'], ['person/name', 'Bob']);
      const many = await cairn.pullMany(db, '[:person/name]', [ada, ['person/name', 'Bob']]);
      const eavt = await cairn.datoms(db, 'eavt', ada);
      const range = await cairn.indexRange(db, 'person/name', 'A', 'B');
      const ageAsOf = await cairn.q('[:find ?a . :in $ ?e :where [?e :person/age ?a]]', cairn.asOf(db, t1), ada);
      const ageHistory = await cairn.q('[:find ?a ?added :in $ ?e :where [?e :person/age ?a _ ?added]]', cairn.history(db), ada);
      const since = await cairn.q('[:find ?a :in $ ?e :where [?e :person/age ?a]]', cairn.since(db, t1), ada);
      const spec = await cairn.withDb(db, [['db/add', ada, 'person/age', 99]]);
      const specAge = await cairn.q('[:find ?a . :in $ ?e :where [?e :person/age ?a]]', spec.dbAfter, ada);
      const stillAge = await cairn.q('[:find ?a . :in $ ?e :where [?e :person/age ?a]]', cairn.db(conn), ada);
      const schema2 = await cairn.schema(db);
      await cairn.databaseExists(config); // one more round trip: every listener message has arrived
      unlisten();
      await cairn.transact(conn, [['db/add', ada, 'person/age', 38]]);
      await cairn.databaseExists(config);
      const datomIsInstance = eavt[0]?.constructor.name;
      await cairn.release(conn);
      await cairn.deleteDatabase(config);
      return {
        exists,
        ada,
        t1,
        t2: r2.dbAfter.basisT,
        heard,
        names,
        mapForm,
        pulled,
        byLookup,
        many,
        eavt: eavt.map((d) => [d.e, d.a, d.v, d.tx === r2.dbAfter.basisT || d.tx === t1, d.added]),
        range: range.map((d) => d.v),
        ageAsOf,
        ageHistory,
        since,
        specAge,
        stillAge,
        schemaHasName: 'person/name' in schema2,
        datomIsInstance,
        existsAfterDelete: await cairn.databaseExists(config),
      };
    },
    { id, schema: PERSON_SCHEMA },
  );

  expect(out.exists).toBe(true);
  expect(out.t1).toBeGreaterThanOrEqual(536870913);
  expect(out.names).toEqual(expect.arrayContaining([['Ada'], ['Bob']]));
  expect(out.names).toHaveLength(2);
  expect(out.mapForm).toBe('Bob');
  expect(out.pulled).toEqual({ 'person/name': 'Ada', 'person/age': 37 });
  expect(out.byLookup).toEqual({ 'person/age': 40 });
  expect(out.many).toEqual([{ 'person/name': 'Ada' }, { 'person/name': 'Bob' }]);
  expect(out.eavt).toEqual([
    [out.ada, 'person/age', 37, true, true],
    [out.ada, 'person/name', 'Ada', true, true],
  ]);
  expect(out.datomIsInstance).toBe('Datom');
  expect(out.range).toEqual(['Ada']);
  expect(out.ageAsOf).toBe(36);
  expect(out.ageHistory).toEqual(
    expect.arrayContaining([
      [36, true],
      [36, false],
      [37, true],
    ]),
  );
  expect(out.ageHistory).toHaveLength(3);
  expect(out.since).toEqual([[37]]);
  expect(out.specAge).toBe(99);
  expect(out.stillAge).toBe(37);
  expect(out.schemaHasName).toBe(true);
  // three transactions while listening, none after unlisten
  expect(out.heard.map((h) => h.basisT)).toEqual([out.t1 - 1, out.t1, out.t2]);
  expect(out.heard[1]!.datoms).toBe(4);
  expect(out.existsAfterDelete).toBe(false);
});

test('a CairnError arrives as a CairnError with its code, message and data', async ({ page }, info) => {
  await openClientPage(page);
  const id = uniqueId('err', info.testId);
  const errors = await page.evaluate(
    async ({ id, schema }) => {
      const { cairn, CairnError } = window as unknown as TestWindow;
      const config = { store: { backend: 'indexeddb', id } };
      const capture = async (f: () => Promise<unknown>) => {
        try {
          await f();
          return { thrown: false };
        } catch (e) {
          const c = e as InstanceType<typeof CairnError>;
          return { thrown: true, isCairnError: e instanceof CairnError, name: c.name, code: c.code, message: c.message, data: c.data };
        }
      };
      const missing = await capture(() => cairn.connect(config));
      await cairn.createDatabase(config);
      const exists = await capture(() => cairn.createDatabase(config));
      const conn = await cairn.connect(config);
      await cairn.transact(conn, schema);
      await cairn.transact(conn, [{ 'person/name': 'Ada' }]);
      const unknownAttr = await capture(() => cairn.transact(conn, [{ 'person/nmae': 'typo' }]));
      const parse = await capture(() => cairn.q('[:find ?e :where [?e :person/name', cairn.db(conn)));
      // the failed calls changed nothing
      const count = await cairn.q('[:find (count ?e) . :where [?e :person/name]]', cairn.db(conn));
      await cairn.release(conn);
      await cairn.deleteDatabase(config);
      return { missing, exists, unknownAttr, parse, count };
    },
    { id, schema: PERSON_SCHEMA },
  );

  expect(errors.missing).toMatchObject({ thrown: true, isCairnError: true, name: 'CairnError', code: 'db/missing' });
  expect(errors.missing.message).toContain(id);
  expect(errors.exists).toMatchObject({ thrown: true, isCairnError: true, code: 'db/exists' });
  expect(errors.unknownAttr).toMatchObject({ thrown: true, isCairnError: true, code: 'schema/unknown-attribute' });
  expect(errors.unknownAttr.message).toContain('person/nmae');
  expect(typeof errors.unknownAttr.data).toBe('object');
  expect(errors.parse).toMatchObject({ thrown: true, isCairnError: true });
  expect(errors.parse.code).toMatch(/^(query|edn)\/parse$/);
  expect(errors.count).toBe(1);
});

test('reload the page and the IndexedDB data is still there', async ({ page }, info) => {
  await openClientPage(page);
  const id = uniqueId('reload', info.testId);
  await page.evaluate(
    async ({ id, schema }) => {
      const { cairn } = window as unknown as TestWindow;
      const config = { store: { backend: 'indexeddb', id } };
      await cairn.createDatabase(config);
      const conn = await cairn.connect(config);
      await cairn.transact(conn, schema);
      await cairn.transact(conn, [
        { 'person/name': 'Ada', 'person/age': 36 },
        { 'person/name': 'Bob', 'person/age': 40 },
      ]);
    },
    { id, schema: PERSON_SCHEMA },
  );
  await page.reload();
  await openClientPage(page);
  const after = await page.evaluate(
    async ({ id }) => {
      const { cairn } = window as unknown as TestWindow;
      const config = { store: { backend: 'indexeddb', id } };
      const conn = await cairn.connect(config);
      const rows = await cairn.q('[:find ?n ?a :where [?e :person/name ?n] [?e :person/age ?a]]', cairn.db(conn));
      await cairn.release(conn);
      await cairn.deleteDatabase(config);
      return rows;
    },
    { id },
  );
  expect(after).toEqual(
    expect.arrayContaining([
      ['Ada', 36],
      ['Bob', 40],
    ]),
  );
  expect(after).toHaveLength(2);
});

test('terminating the worker mid-call rejects the call with worker/terminated', async ({ page }, info) => {
  await openClientPage(page);
  const id = uniqueId('term', info.testId);
  const out = await page.evaluate(
    async ({ id }) => {
      const { cairn, cairnWorker } = window as unknown as TestWindow;
      const config = { store: { backend: 'memory', id } };
      await cairn.createDatabase(config);
      const conn = await cairn.connect(config);
      await cairn.transact(conn, [{ 'db/ident': 'item/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' }]);
      // A large import keeps the worker busy; terminate it while the call is in flight.
      const big = Array.from({ length: 50_000 }, (_, i) => ({ 'item/n': i }));
      const started = performance.now();
      const inflight = cairn.transact(conn, big).then(
        () => ({ settled: 'resolved' as const }),
        (e: { code?: string; message?: string }) => ({ settled: 'rejected' as const, code: e.code, message: e.message }),
      );
      await new Promise((r) => setTimeout(r, 50)); // long enough for the call to reach the worker
      cairnWorker!.terminate();
      const result = await inflight;
      const waitedMs = performance.now() - started;
      const later = await cairn.q('[:find ?e :where [?e :item/n]]', cairn.db(conn)).then(
        () => 'resolved',
        (e: { code?: string }) => e.code,
      );
      return { result, later, waitedMs };
    },
    { id },
  );
  expect(out.result).toMatchObject({ settled: 'rejected', code: 'worker/terminated' });
  expect(out.later).toBe('worker/terminated');
});

test('close() rejects calls still pending and later calls', async ({ page }, info) => {
  await openClientPage(page);
  const id = uniqueId('close', info.testId);
  const out = await page.evaluate(
    async ({ id }) => {
      const { cairn } = window as unknown as TestWindow;
      const config = { store: { backend: 'memory', id } };
      await cairn.createDatabase(config);
      const conn = await cairn.connect(config);
      await cairn.transact(conn, [{ 'db/ident': 'item/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' }]);
      const big = Array.from({ length: 50_000 }, (_, i) => ({ 'item/n': i }));
      const inflight = cairn.transact(conn, big).then(
        () => 'resolved',
        (e: { code?: string }) => e.code,
      );
      await cairn.close();
      const later = await cairn.databaseExists(config).then(
        () => 'resolved',
        (e: { code?: string }) => e.code,
      );
      return { inflight: await inflight, later };
    },
    { id },
  );
  // close() waits briefly for the worker to release its stores, so the import may have finished
  expect(['resolved', 'worker/terminated']).toContain(out.inflight);
  expect(out.later).toBe('worker/terminated');
});

test("openWorker() with no argument starts the client's default worker", async ({ page }, info) => {
  await openClientPage(page, 'default');
  const id = uniqueId('default', info.testId);
  const names = await page.evaluate(
    async ({ id, schema }) => {
      const { cairn } = window as unknown as TestWindow;
      const config = { store: { backend: 'memory', id } };
      await cairn.createDatabase(config);
      const conn = await cairn.connect(config);
      await cairn.transact(conn, schema);
      await cairn.transact(conn, [{ 'person/name': 'Ada' }]);
      return cairn.q('[:find [?n ...] :where [_ :person/name ?n]]', cairn.db(conn));
    },
    { id, schema: PERSON_SCHEMA },
  );
  expect(names).toEqual(['Ada']);
});

test('without IndexedDB: memory fallback with a readable warning; explicit indexeddb fails with store/', async ({ page }) => {
  await openClientPage(page, 'no-idb');
  const out = await page.evaluate(
    async ({ schema }) => {
      const { cairn, CairnError } = window as unknown as TestWindow;
      const info = await cairn.storageInfo();
      await cairn.createDatabase({ name: 'fallback' });
      const conn = await cairn.connect({ name: 'fallback' });
      await cairn.transact(conn, schema);
      await cairn.transact(conn, [{ 'person/name': 'Ada' }]);
      const names = await cairn.q('[:find [?n ...] :where [_ :person/name ?n]]', cairn.db(conn));
      let explicit: { isCairnError: boolean; code: string; message: string } | null = null;
      try {
        await cairn.createDatabase({ store: { backend: 'indexeddb', id: 'wanted-idb' } });
      } catch (e) {
        const c = e as InstanceType<typeof CairnError>;
        explicit = { isCairnError: e instanceof CairnError, code: c.code, message: c.message };
      }
      return { info, store: conn.config.store, names, explicit };
    },
    { schema: PERSON_SCHEMA },
  );
  expect(out.info.backend).toBe('memory');
  expect(out.info.warning).toContain('IndexedDB is unavailable');
  expect(out.store).toEqual({ backend: 'memory', id: 'fallback' });
  expect(out.names).toEqual(['Ada']);
  expect(out.explicit?.isCairnError).toBe(true);
  expect(out.explicit?.code).toMatch(/^store\//);
  expect(out.explicit?.message).toContain('indexeddb');
});

test('with IndexedDB: a store-less config persists in IndexedDB; storageInfo and requestPersistence answer', async ({ page }) => {
  await openClientPage(page);
  const out = await page.evaluate(async () => {
    const { cairn } = window as unknown as TestWindow;
    const info = await cairn.storageInfo();
    const name = `default-${Date.now().toString(36)}`;
    await cairn.createDatabase({ name });
    const conn = await cairn.connect({ name });
    const store = conn.config.store;
    await cairn.release(conn);
    await cairn.deleteDatabase({ name });
    const persisted = await cairn.requestPersistence();
    return { info, store, name, persistedType: typeof persisted };
  });
  expect(out.info).toMatchObject({ backend: 'indexeddb', warning: null });
  expect(typeof out.info.persisted).toBe('boolean');
  expect(out.info.estimate?.quota).toBeGreaterThan(0);
  expect(out.store).toEqual({ backend: 'indexeddb', id: out.name });
  expect(out.persistedType).toBe('boolean');
});

test('gcStorage through the worker (under the Web Lock) beside concurrent writes keeps every datom', async ({ page }, info) => {
  await openClientPage(page);
  const id = uniqueId('gc', info.testId);
  const out = await page.evaluate(
    async ({ id, schema }) => {
      const { cairn } = window as unknown as TestWindow;
      const config = { store: { backend: 'indexeddb', id }, branchingFactor: 8 };
      await cairn.createDatabase(config);
      const conn = await cairn.connect(config);
      await cairn.transact(conn, schema);
      for (let i = 0; i < 30; i++) await cairn.transact(conn, [{ 'person/name': `p${i}`, 'person/age': i }]);
      const writes = Array.from({ length: 30 }, (_, i) => cairn.transact(conn, [{ 'person/name': `q${i}`, 'person/age': i }]));
      const gc = await cairn.gcStorage(conn);
      await Promise.all(writes);
      for (let i = 0; i < 5; i++) await cairn.transact(conn, [{ 'person/name': `q${i}`, 'person/age': 100 + i }]); // upserts: old commits become garbage
      const sizeBefore = (await cairn.storageInfo(conn)).store!;
      await cairn.gcStorage(conn);
      const sizeAfter = (await cairn.storageInfo(conn)).store!;
      const count = await cairn.q('[:find (count ?e) . :where [?e :person/name]]', cairn.db(conn));
      await cairn.release(conn);
      const again = await cairn.connect(config);
      const countAgain = await cairn.q('[:find (count ?e) . :where [?e :person/name]]', cairn.db(again));
      await cairn.release(again);
      await cairn.deleteDatabase(config);
      return { deletedCommits: gc.deletedCommits, count, countAgain, sizeBefore, sizeAfter };
    },
    { id, schema: PERSON_SCHEMA },
  );
  expect(out.deletedCommits).toBeGreaterThan(0);
  // storageInfo(conn).store measures the IndexedDB store; the second GC shrank it.
  expect(out.sizeAfter.keys).toBeLessThan(out.sizeBefore.keys);
  expect(out.sizeAfter.bytes).toBeLessThan(out.sizeBefore.bytes);
  expect(out.sizeAfter.keys).toBeGreaterThan(0);
  expect(out.count).toBe(60);
  expect(out.countAgain).toBe(60);
});
