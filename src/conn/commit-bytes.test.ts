import { describe, expect, it } from 'vitest';
import { createCodec, type CodecHandler } from '../store/codec.js';
import { roundTripCases } from '../store/codec-cases.js';
import { defaultRegistry } from '../store/builtins.js';
import { connect, createDatabase, deleteDatabase, release, transact } from '../api.js';
import { encodeFast, encodeRecord } from './commit-bytes.js';
import { carriedCommits, type Persisted } from './commit.js';
import type { Conn } from './connection.js';

const codec = createCodec();

function same(x: unknown, kind: 'value' | 'ref' | 'commit' | 'meta' = 'value', version?: number): void {
  const fast = encodeFast(codec, x, kind, version);
  expect(fast).toBeDefined();
  expect([...fast!]).toEqual([...codec.encode(x, kind, version)]);
}

describe('hand-written commit records', () => {
  it('are the bytes the codec writes, for every value of the subset', () => {
    const strings = [
      '',
      'a',
      'x'.repeat(31),
      'x'.repeat(32),
      'é'.repeat(20),
      'x'.repeat(255),
      'x'.repeat(256),
      '☃'.repeat(100),
      'y'.repeat(70_000),
      '\ud800 lone',
      '𝄞',
    ];
    for (const s of strings) same(s);
    const numbers = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, 1.5];
    for (const n of [...numbers, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, 5e-324, Date.now()]) same(n);
    for (const d of [new Date(0), new Date(1000), new Date(1), new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 123)), new Date(2 ** 34 * 1000 - 1)]) same(d);
    for (const n of [0, 1, 255, 256, 65535, 65536]) same(new Uint8Array(n).map((_, i) => i));
    same([true, false, null, [], {}, [[1]]]);
    same(Array.from({ length: 70_000 }, (_, i) => i));
    same(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])));
    same({ 2: 'b', 1: 'a', z: 'z', 'with/slash': { nested: [new Date(5), 'x'] } }, 'meta');
  });

  it('copy the bytes of the shared parts they were told about, written once', () => {
    const shared = { a: [1, 'x'], b: { c: new Date(5) } };
    const rec = { id: 'x', s: shared, t: [shared.a], u: { d: shared.b } };
    for (let i = 0; i < 3; i++)
      expect([...encodeRecord(codec, { ...rec, i }, 'commit', 1, [shared, shared.a, shared.b])]).toEqual([...codec.encode({ ...rec, i }, 'commit')]);
  });

  it('leave everything outside the subset to the codec', () => {
    const outside = [
      -0,
      5n,
      undefined,
      new Map(),
      new Set([1]),
      new Date(NaN),
      new Date(-1e13),
      JSON.parse('{"__proto__": 1}'),
      { '\u0000~': 1 },
      new Uint16Array(2),
    ];
    for (const x of outside) {
      expect(encodeFast(codec, x, 'value')).toBeUndefined();
      expect(encodeFast(codec, { deep: [x] }, 'value')).toBeUndefined();
      expect(codec.decode(encodeRecord(codec, { deep: [x] }, 'value'))).toEqual(codec.decode(codec.encode({ deep: [x] })));
    }
    // every round-trip case of the codec: byte-equal when written here, else the codec's bytes
    for (const [, x] of roundTripCases()) expect([...encodeRecord(codec, x, 'value')]).toEqual([...codec.encode(x)]);
  });

  it('are never written for a codec whose handlers write Dates or bytes their own way', () => {
    const dates: CodecHandler<Date> = { type: 20, Class: Date, write: (d) => d.getTime(), read: (t: number) => new Date(t) };
    const withDates = createCodec({ handlers: [dates] });
    expect(encodeFast(withDates, { t: 1 }, 'value')).toBeUndefined();
    const x = { at: new Date(7) };
    expect(withDates.decode(encodeRecord(withDates, x, 'meta'))).toEqual(x);
  });

  it('are what a database of small commits stores: heads, commit records and carried commits', async () => {
    const config = { store: { backend: 'memory', id: `commit-bytes-${Date.now()}` } };
    await createDatabase(config);
    const handle = await connect(config);
    const memory = defaultRegistry.codec('memory');
    try {
      await transact(handle, [
        { 'db/ident': 'name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
        { 'db/ident': 'who', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
        { 'db/ident': 'n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
      ]);
      const conn = (handle as unknown as { conn: Conn }).conn;
      let sealed = 0;
      for (let i = 0; i < 40; i++) {
        const before = conn.persisted.carried;
        await transact(handle, {
          txData: [{ 'db/id': `t${i}`, name: `n${i} é` }, { name: 'a' }, { name: 'b' }],
          txMeta: i % 3 === 0 ? { who: 'me', n: i } : {},
        });
        const p = conn.persisted as Persisted;
        if (before !== undefined && p.carried === undefined) {
          // a seal wrote the carried commits out, from the bytes kept in memory: the records
          // rebuilt from the head alone (as after a restore) are the same bytes
          sealed++;
          for (const c of carriedCommits(memory, { record: before.record, earlier: before.earlier })) {
            expect([...((await conn.opened.store.get(`c:${c.id}`)) ?? [])]).toEqual([...memory.encode(c, 'commit')]);
          }
        }
        expect([...p.headBytes]).toEqual([...memory.encode(memory.decode(p.headBytes), 'ref', p.carried === undefined ? 1 : 2)]);
        for (const c of carriedCommits(memory, p.carried)) expect(encodeFast(memory, c, 'commit')).toBeDefined();
        if (p.carried !== undefined) {
          expect([...p.carried.record]).toEqual([...memory.encode(memory.decode(p.carried.record), 'commit')]);
          for (const e of p.carried.earlier) expect([...e]).toEqual([...memory.encode(memory.decode(e), 'meta')]);
        }
      }
      expect(sealed).toBeGreaterThan(2);
    } finally {
      await release(handle);
      await deleteDatabase(config);
    }
  });
});
