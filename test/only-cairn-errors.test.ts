// The root causes the fuzzer found (issue: 633 of 30,000 fuzzed inputs threw plain
// TypeError/RangeError), one test each: every one must now be a CairnError with a code.
import { describe, expect, it } from 'vitest';
import { asOf, datoms, db, entity, gcStorage, indexRange, pull, q, seekDatoms, transact, type Db } from '../src/index.js';
import { printEdn } from '../src/edn/printer.js';
import { attr, caught, fresh } from './conformance-helpers.js';

const schema = [attr('p/name', 'string', { 'db/unique': 'db.unique/identity' }), attr('p/age', 'long', { 'db/index': true })];

describe('bad arguments fail with a CairnError, not a TypeError', () => {
  it('indexRange with a non-string attribute', async () => {
    const conn = await fresh([schema]);
    for (const a of [undefined, null, {}, Symbol('a'), ['p/age']]) {
      expect((await caught(indexRange(db(conn), a as string))).code).toBe('schema/unknown-attribute');
    }
  });

  it('datoms and seekDatoms with a symbol or null-prototype attribute', async () => {
    const conn = await fresh([schema]);
    expect((await caught(datoms(db(conn), 'aevt', Symbol('a') as unknown as string))).code).toBe('schema/unknown-attribute');
    expect((await caught(seekDatoms(db(conn), 'aevt', Object.create(null)))).code).toBe('schema/unknown-attribute');
  });

  it('gcStorage with something other than a valid Date', async () => {
    const conn = await fresh([schema]);
    for (const d of ['2020-01-01', 0, {}, new Date(NaN)]) {
      expect((await caught(gcStorage(conn, d as Date))).code).toBe('config/invalid');
    }
  });

  it('tx data that is a sparse array is not taken for a replay of datoms', async () => {
    const conn = await fresh([schema]);
    // every() skips holes, so [,] once passed as "all datoms" and the replay read undefined.tx
    // biome-ignore lint/suspicious/noSparseArray: the hole is the input under test
    const report = await transact(conn, [, ,] as never); // holes are skipped like undefined: an empty transaction
    expect(report.txData.map((d) => d.a)).toEqual(['db/txInstant']);
  });

  it('a lookup ref whose value is a null-prototype object', async () => {
    const conn = await fresh([schema, [{ 'p/name': 'Ivan' }]]);
    const lookup = ['p/name', Object.create(null)] as const;
    // the value cannot match a string: no entity, and no TypeError while looking (pull is
    // entid-strict like Datahike, so a lookup ref that finds nothing is pull/lookup-ref)
    expect((await caught(pull(db(conn), '[*]', lookup as never))).code).toBe('pull/lookup-ref');
    expect(await entity(db(conn), lookup as never)).toBeNull();
  });

  it('an entity reference that is a symbol or a null-prototype object', async () => {
    const conn = await fresh([schema]);
    expect((await caught(datoms(db(conn), 'eavt', Symbol('e')))).code).toBe('entity/invalid');
    expect((await caught(datoms(db(conn), 'eavt', Object.create(null)))).code).toBe('entity/invalid');
  });

  it('asOf with a symbol or a null-prototype object', async () => {
    const conn = await fresh([schema]);
    for (const t of [Symbol('t'), Object.create(null)]) {
      expect(() => asOf(db(conn), t as never)).toThrowError(expect.objectContaining({ code: 'config/invalid' }));
    }
  });

  it('pull, pullMany and entity on something that is not a database value', async () => {
    for (const d of [{}, null, Object.create(null)]) {
      expect((await caught(pull(d as Db, '[*]', 1))).code).toBe('config/invalid');
      expect(() => entity(d as Db, 1)).toThrowError(expect.objectContaining({ code: 'config/invalid' }));
    }
  });

  it('the query printer on invalid Dates, cycles, deep nesting and null-prototype forms', async () => {
    const conn = await fresh([schema]);
    const loop: unknown[] = [];
    loop.push(loop);
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    // each is an illegal :where clause, so the parser prints it into its error message
    for (const bad of [new Date(NaN), loop, deep, Object.create(null)]) {
      const e = await caught(q({ query: [':find', '?e', ':where', [bad]] as never }, db(conn)));
      expect(['query/parse', 'query/invalid-input']).toContain(e.code); // deep: too deep to key the cache
    }
  });

  it('a query input nested deeper than any value can be', async () => {
    const conn = await fresh([schema]);
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    const e = await caught(q('[:find ?x :in $ ?x :where [(identity ?x) ?y]]', db(conn), deep));
    expect(e.code).toBe('query/invalid-input');
  });

  it('a pull pattern given as JS data nested past any sane depth, or cyclic', async () => {
    const conn = await fresh([schema]);
    let deep: unknown = ['p/name'];
    for (let i = 0; i < 50_000; i++) deep = [{ 'p/name': deep }];
    const loop: unknown[] = ['p/name'];
    loop.push({ 'p/name': loop });
    for (const pattern of [deep, loop]) expect((await caught(pull(db(conn), pattern as never, 1))).code).toBe('pull/parse');
  });

  it('the EDN printer on cyclic and very deep values', () => {
    const loop: unknown[] = [];
    loop.push(loop);
    expect(() => printEdn(loop as never)).toThrowError(expect.objectContaining({ code: 'edn/print' }));
  });
});
