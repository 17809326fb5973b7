// A JS Map as an entity used to commit an empty transaction, and '__proto__' keys vanished
// (an assignment o['__proto__'] = v sets the prototype instead of a key). Now: Maps are refused
// with a coded error, '__proto__' is refused as an attribute or ident name (it could not be a
// key of pull results or schema()), and is kept as an ordinary key where it is user data
// (`:keys` names, string tempids). An object whose *prototype* is a Date, Map or Set (what such
// an assignment makes of `{ "__proto__": new Date() }`-shaped input) passes `instanceof` but
// makes the built-in's methods throw a plain TypeError: it is taken for the plain object it is
// (a Uint8Array in the prototype chain likewise).
import { describe, expect, it } from 'vitest';
import { asOf, datoms, db, pull, q, transact, withDb } from '../src/index.js';
import { attr, caught, fresh } from './conformance-helpers.js';

const schema = [attr('p/name', 'string')];

describe('Map entities and __proto__ keys', () => {
  it('refuses a Map given as an entity, as tx-meta or as tx data, and commits nothing', async () => {
    const conn = await fresh([schema]);
    const before = db(conn);
    for (const input of [[new Map([['p/name', 'm']])], { txData: [], txMeta: new Map([['p/name', 'm']]) }]) {
      const e = await caught(transact(conn, input as never));
      expect(e.code).toBe('transact/syntax');
      expect(e.message).toContain('Map');
    }
    expect(db(conn)).toBe(before);
  });

  it('refuses __proto__ as an attribute, in JS maps, EDN maps, list ops and tx-meta', async () => {
    const conn = await fresh([schema], { schemaFlexibility: 'read' });
    const before = await datoms(db(conn), 'eavt');
    const inputs: unknown[] = [
      [JSON.parse('{"__proto__": "v", "p/name": "a"}')],
      '[{:__proto__ "v" :p/name "b"}]',
      [['db/add', -1, '__proto__', 'v']],
      { txData: [{ 'p/name': 'c' }], txMeta: JSON.parse('{"__proto__": "v"}') },
    ];
    for (const input of inputs) expect((await caught(transact(conn, input as never))).code).toBe('transact/syntax');
    expect(await datoms(db(conn), 'eavt')).toEqual(before);
  });

  it('refuses __proto__ as an ident', async () => {
    const conn = await fresh([]);
    const e = await caught(transact(conn, [attr('__proto__', 'string')]));
    expect(e.code).toBe('schema/invalid');
  });

  it('keeps __proto__ as a :keys / :strs column name', async () => {
    const conn = await fresh([schema, [{ 'p/name': 'Ivan' }]]);
    for (const kind of ['keys', 'strs']) {
      const rows = (await q(`[:find ?n ?e :${kind} __proto__ e :where [?e :p/name ?n]]`, db(conn))) as Record<string, unknown>[];
      expect(Object.keys(rows[0]!)).toEqual(['__proto__', 'e']);
      // biome-ignore lint/suspicious/noProto: the own property named __proto__ is what is tested
      expect(rows[0]!['__proto__']).toBe('Ivan');
      expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    }
  });

  it('keeps a __proto__ string tempid in the report', async () => {
    const conn = await fresh([schema]);
    const r = await transact(conn, [['db/add', '__proto__', 'p/name', 'x']]);
    expect(Object.keys(r.tempids)).toContain('__proto__');
    // biome-ignore lint/suspicious/noProto: the own property named __proto__ is what is tested
    expect(typeof r.tempids['__proto__']).toBe('number');
  });

  it('takes an object with a Date, Map, Set or Uint8Array prototype for the plain object it is', async () => {
    const conn = await fresh([[attr('p/name', 'string'), attr('p/born', 'instant'), attr('p/photo', 'bytes')]]);
    const before = await datoms(db(conn), 'eavt');
    const dateLike = Object.create(new Date(0)) as Date;
    const mapLike = Object.create(new Map([['p/name', 'm']])) as Map<string, string>;
    const setLike = Object.create(new Set([1])) as Set<number>;
    const bytesLike = Object.create(new Uint8Array([1, 2])) as Uint8Array;
    // as a value: refused with a coded error, nothing committed
    for (const input of [[{ 'p/name': 'a', 'p/born': dateLike }], [['db/add', -1, 'p/born', dateLike]], [{ 'p/name': setLike }], [{ 'p/photo': bytesLike }]]) {
      expect((await caught(transact(conn, input as never))).code).toMatch(/^(transact|schema)\//);
      expect((await caught(withDb(db(conn), input as never))).code).toMatch(/^(transact|schema)\//);
    }
    expect(await datoms(db(conn), 'eavt')).toEqual(before);
    // as an entity: an object without keys of its own, so what {} gives (the transaction's own datom)
    for (const entity of [{}, dateLike, mapLike, bytesLike])
      expect((await withDb(db(conn), [entity as never])).txData.map((d) => d.a)).toEqual(['db/txInstant']);
    // in a query form, as an input, as a time point and in a pull pattern: coded errors, or an
    // answer, never a TypeError from Date/Map/Set methods
    expect((await caught(q([':find', '?e', ':where', ['?e', 'p/born', dateLike]] as never, db(conn)))).code).toMatch(/^query\//);
    expect(await q('[:find ?e :in $ ?t :where [?e :p/born ?t]]', db(conn), dateLike)).toEqual([]);
    // a collection binding refuses anything whose iteration throws, as these inherited iterators do
    for (const coll of [setLike, mapLike, Object.create(new String('ab')), Object.create(new BigInt64Array(1))]) {
      expect((await caught(q('[:find ?e :in $ [?n ...] :where [?e :p/name ?n]]', db(conn), coll))).code).toBe('query/execution');
      expect((await caught(q('[:find ?e :in $ [?n ?m] :where [?e :p/name ?n]]', db(conn), coll))).code).toBe('query/execution');
    }
    const codeOf = async (f: () => unknown): Promise<string> => (await caught(Promise.resolve().then(f))).code;
    expect(await codeOf(() => asOf(db(conn), dateLike))).toBe(await codeOf(() => asOf(db(conn), {} as never)));
    expect(await codeOf(() => pull(db(conn), mapLike as never, 1))).toBe(await codeOf(() => pull(db(conn), {} as never, 1)));
  });
});
