// Import/export in Datahike's dump format (issue 14): a hand-built Datahike-format fixture
// imports with its entity ids, tx ids and txInstants and exports back byte-identical; a
// database with history round-trips to identical datoms(history(db)); streaming sinks and
// sources, progress, AbortSignal, and the errors of a bad dump.

import { describe, expect, it } from 'vitest';
import { asOf, datoms, db, exportDb, history, importDb, q, transact, type Connection } from '../src/index.js';
import { attr, caught, fresh, MANY } from './conformance-helpers.js';
import { DATAHIKE_DUMP, DUMP_INSTANTS, DUMP_TX } from './fixtures/datahike-dump.js';

async function exportBytes(c: Connection, opts = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await exportDb(
    db(c),
    (chunk) => {
      parts.push(chunk);
    },
    opts,
  );
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const rows = async (c: Connection): Promise<unknown[]> =>
  (await datoms(history(db(c)), 'eavt')).map((d) => [d.e, d.a, d.v instanceof Date ? d.v.toISOString() : d.v, d.tx, d.added]);

describe('the Datahike-format fixture', () => {
  it('imports with its ids, tx ids and txInstants', async () => {
    const c = await fresh();
    const progress: unknown[] = [];
    expect(await importDb(c, DATAHIKE_DUMP, { onProgress: (p) => progress.push(p) })).toEqual({ datoms: 21, total: 21 });
    expect(progress.at(-1)).toEqual({ datoms: 21, total: 21 });
    const d = db(c);
    expect(await q('[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]', d)).toEqual([['Alice', 26]]);
    expect(await q('[:find [?t ...] :where [?e :tags ?t]]', d)).toEqual([':a']);
    expect(await q('[:find ?e . :where [?e :name "Alice"]]', d)).toBe(4);
    expect(await q('[:find [?t ...] :where [?e :tags ?t]]', asOf(d, DUMP_TX.alice))).toEqual([':a', ':b']);
    expect(await q('[:find ?a . :where [?e :age ?a]]', asOf(d, DUMP_TX.untag))).toBe(25);
    const instants = (await q('[:find ?tx ?i :where [?tx :db/txInstant ?i] :order-by ?tx]', d)) as [number, Date][];
    expect(instants.map(([tx, i]) => [tx, i.getTime()])).toEqual(Object.values(DUMP_TX).map((tx, k) => [tx, DUMP_INSTANTS[k]!.getTime()]));
    expect(d.maxTx).toBe(DUMP_TX.birthday);
    await transact(c, [{ name: 'Bob', age: 3 }]); // and it goes on from there
    expect(db(c).maxTx).toBe(DUMP_TX.birthday + 1);
  });

  it('exports back byte-identical', async () => {
    const c = await fresh();
    await importDb(c, DATAHIKE_DUMP);
    expect(Buffer.from(await exportBytes(c)).toString('hex')).toBe(Buffer.from(DATAHIKE_DUMP).toString('hex'));
  });

  it('imports from a stream cut at every byte boundary, and from a Blob', async () => {
    const c = await fresh();
    const stream = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < DATAHIKE_DUMP.length; i += 7) ctl.enqueue(DATAHIKE_DUMP.slice(i, i + 7));
        ctl.close();
      },
    });
    await importDb(c, stream);
    const b = await fresh();
    await importDb(b, new Blob([DATAHIKE_DUMP as BlobPart]));
    expect(await rows(c)).toEqual(await rows(b));
  });
});

describe('round trip of a database with history', () => {
  it('a fresh database gets identical datoms(history(db))', async () => {
    const src = await fresh([
      [
        attr('p/email', 'string', { 'db/unique': 'db.unique/identity' }),
        attr('p/score', 'double'),
        attr('p/born', 'instant'),
        attr('p/id', 'uuid'),
        attr('p/status', 'keyword'),
        attr('p/friend', 'ref', MANY),
        attr('p/n', 'long'),
        attr('p/ok', 'boolean'),
      ],
    ]);
    await transact(src, [
      {
        'db/id': 'a',
        'p/email': 'a@x',
        'p/score': 2,
        'p/born': new Date('1990-01-02T03:04:05.678Z'),
        'p/id': '11111111-2222-3333-4444-555555555555',
        'p/status': 'st/on',
        'p/ok': true,
        'p/n': 7,
      },
      { 'p/email': 'b@x', 'p/friend': ['a'], 'p/score': 1.5 },
    ]);
    await transact(src, [{ 'p/email': 'a@x', 'p/status': 'st/off', 'p/score': 2.25 }]);
    await transact(src, [['db/retract', ['p/email', 'b@x'], 'p/friend', ['p/email', 'a@x']]]);
    for (let i = 0; i < 30; i++) await transact(src, [{ 'p/email': `bulk${i}@x`, 'p/n': i }]);
    const bytes = await exportBytes(src);
    const dst = await fresh();
    const progress: number[] = [];
    await importDb(dst, bytes, { onProgress: (p) => progress.push(p.datoms) });
    expect(await rows(dst)).toEqual(await rows(src));
    expect(await q('[:find ?s . :where [?e :p/email "a@x"] [?e :p/score ?s]]', db(dst))).toBe(2.25);
    expect(Buffer.from(await exportBytes(dst)).equals(Buffer.from(bytes))).toBe(true);
    expect(progress.at(-1)).toBe((await rows(src)).length);
  });

  it('a fact asserted and retracted in one transaction, or retracted and asserted again, round-trips', async () => {
    const schema = [attr('p/email', 'string', { 'db/unique': 'db.unique/identity' }), attr('p/n', 'long'), attr('p/tag', 'string', MANY)];
    const src = await fresh([schema]);
    const schemaTx = db(src).maxTx;
    await transact(src, [{ 'p/email': 'a@x', 'p/n': 1, 'p/tag': ['x'] }]);
    // the same entity twice in one transaction: 15 replaces 1, then 21 replaces 15 (15 made and undone)
    await transact(src, [
      { 'p/email': 'a@x', 'p/n': 15 },
      { 'p/email': 'a@x', 'p/n': 21 },
    ]);
    await transact(src, [
      ['db/add', ['p/email', 'a@x'], 'p/tag', 'y'],
      ['db/retract', ['p/email', 'a@x'], 'p/tag', 'y'],
    ]); // made and undone
    await transact(src, [
      ['db/retract', ['p/email', 'a@x'], 'p/tag', 'x'],
      ['db/add', ['p/email', 'a@x'], 'p/tag', 'x'],
    ]); // undone and made again
    const bytes = await exportBytes(src);
    const dst = await fresh();
    await importDb(dst, bytes);
    expect(await rows(dst)).toEqual(await rows(src));
    const now = '[:find ?a ?v :where [?e :p/email "a@x"] [?e ?a ?v]]';
    expect(await q(now, db(dst))).toEqual(await q(now, db(src)));
    expect(await q('[:find [?n ...] :where [?e :p/n ?n]]', db(dst))).toEqual([21]);
    expect(await q('[:find [?t ...] :where [?e :p/tag ?t]]', db(dst))).toEqual(['x']);
    expect(Buffer.from(await exportBytes(dst)).equals(Buffer.from(bytes))).toBe(true);
    // a dump from a writer that puts every retraction of a transaction first imports the same
    const retractionsFirst = await fresh([schema]);
    const datomsOf = (await datoms(history(db(src)), 'eavt')).filter((d) => d.tx > schemaTx && d.a !== 'db/txInstant');
    const txs = [...new Set(datomsOf.map((d) => d.tx))].sort((a, b) => a - b);
    for (const t of txs) {
      const ds = datomsOf.filter((d) => d.tx === t).sort((x, y) => Number(x.added) - Number(y.added));
      await transact(retractionsFirst, ds);
    }
    expect(await q(now, db(retractionsFirst))).toEqual(await q(now, db(src)));
  });

  it('bigints of any size, bytes and tuples round-trip (beyond 64 bits as CBOR bignums)', async () => {
    const src = await fresh([
      [attr('v/big', 'bigint', MANY), attr('v/bytes', 'bytes'), attr('v/t', 'tuple', { 'db/tupleTypes': ['db.type/long', 'db.type/string'] })],
    ]);
    const bigs = [2n ** 64n - 1n, 2n ** 64n, -(2n ** 64n), -(2n ** 64n) - 1n, 10n ** 40n, -(2n ** 200n)];
    await transact(src, [{ 'v/big': bigs, 'v/bytes': new Uint8Array([0, 255]), 'v/t': [5, 'a'] }]);
    const bytes = await exportBytes(src);
    const dst = await fresh();
    await importDb(dst, bytes);
    expect(await rows(dst)).toEqual(await rows(src));
    expect(((await q('[:find [?v ...] :where [_ :v/big ?v]]', db(dst))) as bigint[]).sort((a, b) => (a < b ? -1 : 1))).toEqual(
      [...bigs].sort((a, b) => (a < b ? -1 : 1)),
    );
    expect(Buffer.from(await exportBytes(dst)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('export writes to a WritableStream chunk by chunk, with progress', async () => {
    const src = await fresh([[attr('p/n', 'long')]]);
    await transact(
      src,
      Array.from({ length: 2500 }, (_, i) => ({ 'p/n': i })),
    );
    const chunks: Uint8Array[] = [];
    const progress: number[] = [];
    await exportDb(
      db(src),
      new WritableStream({
        write(c) {
          chunks.push(c);
        },
      }),
      { onProgress: (p) => progress.push(p.datoms) },
    );
    expect(chunks.length).toBeGreaterThan(2); // streamed, not one buffer
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    expect(progress.at(-1)).toBe(2500 + 2 + 3); // the data, two txInstants, the attribute's 3 datoms
  });
});

describe('abort and errors', () => {
  it('an aborted export or import stops with migrate/aborted', async () => {
    const c = await fresh();
    await importDb(c, DATAHIKE_DUMP);
    const ac = new AbortController();
    ac.abort();
    expect((await caught(exportDb(db(c), () => undefined, { signal: ac.signal }))).code).toBe('migrate/aborted');
    const d = await fresh();
    expect((await caught(importDb(d, DATAHIKE_DUMP, { signal: ac.signal }))).code).toBe('migrate/aborted');
    expect(db(d).maxTx).toBe(536870912);
  });

  it.each([
    ['a truncated dump', DATAHIKE_DUMP.slice(0, 100), /the dump ends inside record 2/],
    ['not CBOR datoms', new Uint8Array([0x83, 1, 2, 3]), /record 0 is not a datom \[e a v tx added\]/],
    ['a string attribute', new Uint8Array([0x85, 1, 0x61, 0x61, 1, 0x1a, 0x20, 0, 0, 1, 0xf5]), /attribute "a" is not a keyword/],
    ['indefinite-length CBOR', new Uint8Array([0x9f, 0xff]), /not a Datahike dump: indefinite-length/],
  ])('%s is migrate/format', async (_t, bytes, message) => {
    const c = await fresh();
    const e = await caught(importDb(c, bytes));
    expect(e.code).toBe('migrate/format');
    expect(e.message).toMatch(message);
    expect(db(c).maxTx).toBe(536870912);
  });

  it.each([
    [
      'export to a sink that is neither a function nor a WritableStream',
      (c: Connection) => exportDb(db(c), {} as never),
      /exportDb needs a function or a WritableStream to write to, got \{\}/,
    ],
    ['export with null options', (c: Connection) => exportDb(db(c), () => {}, null as never), /exportDb options must be an object, got null/],
    [
      'import with an onProgress that is not a function',
      (c: Connection) => importDb(c, DATAHIKE_DUMP, { onProgress: 5 } as never),
      /importDb onProgress must be a function, got 5/,
    ],
    [
      'import with a signal that is not an AbortSignal',
      (c: Connection) => importDb(c, DATAHIKE_DUMP, { signal: {} } as never),
      /importDb signal must be an AbortSignal/,
    ],
  ])('%s is migrate/invalid, before anything is read or written', async (_t, call, message) => {
    const c = await fresh();
    const e = await caught(call(c));
    expect(e.code).toBe('migrate/invalid');
    expect(e.message).toMatch(message);
    expect(db(c).maxTx).toBe(536870912);
  });

  it.each([
    ['null', null],
    ['a stream of strings', new Blob(['x']).stream().pipeThrough(new TextDecoderStream())],
  ])('a source that is %s is migrate/format', async (_t, source) => {
    const c = await fresh();
    expect((await caught(importDb(c, source as never))).code).toBe('migrate/format');
  });

  it('a dump using an attribute it does not declare is migrate/format on a schema-on-write database, before anything is written', async () => {
    // A schema-on-read database's dump: x/free is used, never declared.
    const source = await fresh([[{ 'x/free': 'v' }]], { schemaFlexibility: 'read' });
    const dump = await exportBytes(source);
    const strict = await fresh();
    const e = await caught(importDb(strict, dump));
    expect(e.code).toBe('migrate/format');
    expect(e.message).toMatch(/the dump has datoms of x\/free but does not declare it/);
    expect(db(strict).maxTx).toBe(536870912);
    const lenient = await fresh([], { schemaFlexibility: 'read' }); // takes it as it is
    await importDb(lenient, dump);
    expect(await q('[:find ?v . :where [_ :x/free ?v]]', db(lenient))).toBe('v');
  });

  it('a database that is not empty is migrate/not-empty', async () => {
    const c = await fresh([[attr('p/n', 'long')]]);
    const e = await caught(importDb(c, DATAHIKE_DUMP));
    expect(e.code).toBe('migrate/not-empty');
  });

  it('datoms as tx data keep their tx when it comes after the database (a replay), else get the new one', async () => {
    const c = await fresh();
    await importDb(c, DATAHIKE_DUMP);
    const { Datom } = await import('../src/index.js');
    const later = DUMP_TX.birthday + 5;
    const r = await transact(c, [new Datom(4, 'age', 30, later), new Datom(4, 'age', 26, later, false)]);
    expect(r.txData.map((d) => [d.v, d.tx, d.added])).toEqual([
      [30, later, true],
      [26, later, false],
    ]);
    expect(db(c).maxTx).toBe(later);
    const old = await transact(c, [new Datom(4, 'age', 31, DUMP_TX.alice)]);
    expect(old.txData.find((d) => d.a === 'age')!.tx).toBe(later + 1);
  });
});
