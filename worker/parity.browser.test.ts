// Datahike parity through the real worker in Chromium (issue 14): the semantics that used to
// differ, :order-by, transaction functions registered in the worker, and explain, each called
// through openWorker() and Comlink against IndexedDB.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorker } from './client.js';
import type { ClientApi, ConnHandle } from './protocol.js';

let cairn: ClientApi;
let conn: ConnHandle;
const config = { store: { backend: 'indexeddb', id: `parity-${Date.now().toString(36)}` } };

beforeAll(async () => {
  cairn = openWorker();
  await cairn.createDatabase(config);
  conn = await cairn.connect(config);
  await cairn.transact(conn, [
    { 'db/ident': 'p/email', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
    { 'db/ident': 'p/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
    { 'db/ident': 'p/age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
    { 'db/ident': 'p/friend', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
  ]);
  await cairn.transact(conn, [
    { 'db/id': 'ann', 'p/email': 'ann@x', 'p/name': 'Ann', 'p/age': 30 },
    { 'db/id': 'bob', 'p/email': 'bob@x', 'p/name': 'Bob', 'p/age': 30, 'p/friend': ['ann'] },
    { 'db/id': 'cid', 'p/email': 'cid@x', 'p/name': 'Cid', 'p/age': 40, 'p/friend': ['ann', 'bob'] },
  ]);
});

afterAll(async () => {
  await cairn.release(conn);
  await cairn.deleteDatabase(config);
  await cairn.close();
});

const sorted = (x: unknown): unknown[] => [...(x as unknown[])].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('semantics that differed, through the worker', () => {
  it.each([
    [':with keeps the bag', '[:find ?a :with ?e :where [?e :p/age ?a]]', [], [[30], [30], [40]]],
    ['(min n) over the bag', '[:find (min 2 ?a) . :with ?e :where [?e :p/age ?a]]', [], [30, 30]],
    [
      'collection source',
      '[:find ?n :in $ :where [?e :p/name ?n]]',
      [
        [
          [1, 'p/name', 'X'],
          [2, ':p/name', 'Y'],
        ],
      ],
      [['X'], ['Y']],
    ],
    ['missing? reverse', '[:find ?n :where [?e :p/name ?n] [(missing? $ ?e :p/_friend)]]', [], [['Cid']]],
    ['nested q data', '[:find ?c . :where [(q [:find (count ?e) . :where [?e :p/age 30]] $) ?c]]', [], 2],
  ] as const)('%s', async (_t, query, inputs, expected) => {
    const args = inputs.length > 0 ? inputs : [cairn.db(conn)];
    const r = await cairn.q(query, ...args);
    expect(Array.isArray(r) && Array.isArray(expected) && Array.isArray(expected[0]) ? sorted(r) : r).toEqual(expected);
  });

  it.each([
    ['find/with overlap', () => cairn.q('[:find ?a :with ?a :where [?e :p/age ?a]]', cairn.db(conn)), 'query/parse'],
    ['or branches differ', () => cairn.q('[:find ?e :where [?e :p/age] (or [?e :p/age 30] [?x :p/age 40])]', cairn.db(conn)), 'query/parse'],
    ['not unbound', () => cairn.q('[:find ?e :where [?e :p/age] (not [?x :p/name "A"])]', cairn.db(conn)), 'query/insufficient-binding'],
    ['tuple too short', () => cairn.q('[:find ?a ?b :in [?a ?b]]', [1]), 'query/invalid-input'],
    ['pull missing lookup ref', () => cairn.pull(cairn.db(conn), ['p/name'], ['p/email', 'nobody']), 'pull/lookup-ref'],
    ['q non-unique lookup ref', () => cairn.q('[:find ?n :in $ ?e :where [?e :p/name ?n]]', cairn.db(conn), ['p/name', 'Ann']), 'query/lookup-ref'],
    ['cas on a tempid', () => cairn.transact(conn, [['db/cas', 'new', 'p/age', null, 1]]), 'transact/cas'],
  ] as const)('%s fails with %s', async (_t, call, code) => {
    await expect(call()).rejects.toMatchObject({ name: 'CairnError', code });
  });

  it('pull leaves out a ref whose sub-pattern matches nothing', async () => {
    expect(await cairn.pull(cairn.db(conn), ['p/name', { 'p/friend': ['p/nothing'] }], ['p/email', 'cid@x'])).toEqual({ 'p/name': 'Cid' });
  });
});

describe(':order-by through the worker', () => {
  const REL = '[:find ?n ?a :where [?e :p/name ?n] [?e :p/age ?a]]';
  it('sorts in the arg map and in the query, before offset/limit', async () => {
    const d = cairn.db(conn);
    expect(await cairn.q({ query: REL, args: [d], orderBy: ['?a', 'desc', '?n'] })).toEqual([
      ['Cid', 40],
      ['Ann', 30],
      ['Bob', 30],
    ]);
    expect(await cairn.q({ query: REL, args: [d], orderBy: ['?a', 'desc', '?n'], offset: 1, limit: 1 })).toEqual([['Ann', 30]]);
    expect(await cairn.q('[:find ?n ?a :where [?e :p/name ?n] [?e :p/age ?a] :order-by ?n :desc]', d)).toEqual([
      ['Cid', 40],
      ['Bob', 30],
      ['Ann', 30],
    ]);
  });
  it('a bad key or option fails', async () => {
    await expect(cairn.q({ query: REL, args: [cairn.db(conn)], orderBy: '?x' })).rejects.toMatchObject({ code: 'query/invalid-input' });
    await expect(cairn.q({ query: REL, args: [cairn.db(conn)], sortBy: '?n' } as never)).rejects.toMatchObject({ code: 'query/invalid-input' });
  });
});

describe('explain through the worker', () => {
  it('returns the result and the plan, for both forms of q', async () => {
    const d = cairn.db(conn);
    const { result, plan } = await cairn.explain('[:find ?n . :where [?e :p/name ?n] [?e :p/email "bob@x"]]', d);
    expect(result).toBe('Bob');
    expect(plan.map((s) => [s.clause, s.index, s.actualRows])).toEqual([
      ['[?e :p/email "bob@x"]', 'avet', 1],
      ['[?e :p/name ?n]', 'eavt', 1],
    ]);
    const viaMap = await cairn.explain({ query: '[:find ?n :where [_ :p/name ?n]]', args: [d], orderBy: '?n', limit: 1 });
    expect(viaMap.result).toEqual([['Ann']]);
    expect(viaMap.plan[0]).toMatchObject({ index: 'aevt', actualRows: 3 });
  });
});

describe('import and export through the worker', () => {
  it('exports to a sink on the page and imports a Blob into a fresh IndexedDB database, with progress and abort', async () => {
    const chunks: Uint8Array[] = [];
    const progress: number[] = [];
    const out = await cairn.exportDb(
      cairn.db(conn),
      (c) => {
        chunks.push(c);
      },
      { onProgress: (p) => progress.push(p.datoms) },
    );
    expect(out.datoms).toBeGreaterThan(10);
    expect(progress.at(-1)).toBe(out.datoms);
    const target = { store: { backend: 'indexeddb', id: `${config.store.id}-copy` } };
    await cairn.createDatabase(target);
    const copy = await cairn.connect(target);
    try {
      const ac = new AbortController();
      ac.abort();
      await expect(cairn.importDb(copy, new Blob(chunks as BlobPart[]), { signal: ac.signal })).rejects.toMatchObject({ code: 'migrate/aborted' });
      const seen: number[] = [];
      const r = await cairn.importDb(copy, new Blob(chunks as BlobPart[]), { onProgress: (p) => seen.push(p.datoms) });
      expect(r.datoms).toBe(out.datoms);
      expect(seen.at(-1)).toBe(out.datoms);
      const rows = async (d: ReturnType<typeof cairn.db>) => (await cairn.datoms(cairn.history(d), 'eavt')).map((x) => [x.e, x.a, String(x.v), x.tx, x.added]);
      expect(await rows(cairn.db(copy))).toEqual(await rows(cairn.db(conn)));
      // and a WritableStream sink on the page
      const streamed: Uint8Array[] = [];
      await cairn.exportDb(
        cairn.db(copy),
        new WritableStream({
          write(c) {
            streamed.push(c);
          },
        }),
      );
      expect(streamed.reduce((n, c) => n + c.length, 0)).toBe(chunks.reduce((n, c) => n + c.length, 0));
    } finally {
      await cairn.release(copy);
      await cairn.deleteDatabase(target);
    }
  });
});
