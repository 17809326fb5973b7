// Every connection reads back the same value: the live connection and one that reopens the
// store (the codec encodes strings as UTF-8 and arrays without holes). Lone UTF-16 surrogates
// cannot survive UTF-8, so they are refused at transact time; sparse tuple slots are null from
// the start, as storage reads them back.
import { describe, expect, it } from 'vitest';
import { connect, datoms, db, release, transact, type Connection } from '../src/index.js';
import { attr, caught, fresh } from './conformance-helpers.js';

async function reopened<T>(conn: Connection, read: (c: Connection) => Promise<T>): Promise<[T, T]> {
  const other = await connect(conn.config, { shared: false });
  try {
    return [await read(conn), await read(other)];
  } finally {
    await release(other);
  }
}

const schema = [
  attr('s/text', 'string'),
  attr('s/kw', 'keyword'),
  attr('s/pair', 'tuple', { 'db/tupleTypes': ['db.type/string', 'db.type/long'] }),
  attr('s/longs', 'tuple', { 'db/tupleType': 'db.type/long' }),
];

describe('values read back the same after reopening', () => {
  it('refuses strings with lone surrogates: values, keywords, tuple slots, idents, attribute names, EDN', async () => {
    for (const schemaFlexibility of ['write', 'read']) {
      const conn = await fresh([schema], { schemaFlexibility });
      const before = db(conn);
      const emojiHalf = '😀'.slice(0, 1); // '\ud83d'
      const inputs: unknown[] = [
        [{ 's/text': `x${emojiHalf}y` }],
        [{ 's/text': '\udc00' }],
        [{ 's/kw': `k/${emojiHalf}` }],
        [{ 's/pair': [emojiHalf, 1] }],
        [attr(`s/${emojiHalf}`, 'string')],
        '[{:s/text "a\\ud800"}]',
        ...(schemaFlexibility === 'read' ? [[['db/add', -1, `r/${emojiHalf}`, 'v']], [{ 'r/any': ['ok', emojiHalf] }]] : []),
      ];
      for (const input of inputs) {
        const e = await caught(transact(conn, input as never));
        expect(e.code).toBe('transact/invalid-string');
        expect(e.message).toContain('lone UTF-16 surrogate');
      }
      expect(db(conn)).toBe(before);
      // whole surrogate pairs are ordinary text
      await transact(conn, [{ 's/text': 'x😀y' }]);
      const [live, back] = await reopened(conn, async (c) => (await datoms(db(c), 'aevt', 's/text')).map((d) => d.v));
      expect(back).toEqual(live);
      expect(live).toEqual(['x😀y']);
    }
  });

  it('stores sparse tuple slots as null on the live connection too', async () => {
    for (const schemaFlexibility of ['write', 'read']) {
      const conn = await fresh([schema], { schemaFlexibility });
      // biome-ignore lint/suspicious/noSparseArray: holes in arrays are the input under test
      const r = await transact(conn, [{ 's/pair': [, 2], 's/longs': [1, , 3] }, ...(schemaFlexibility === 'read' ? [{ 'r/arr': [, 'a'] }] : [])]);
      const values = r.txData.filter((d) => d.a !== 'db/txInstant').map((d) => d.v);
      for (const v of values) expect(Object.keys(v as unknown[])).toHaveLength((v as unknown[]).length); // no holes
      const [live, back] = await reopened(conn, async (c) => (await datoms(db(c), 'eavt')).map((d) => [d.a, d.v]));
      expect(back).toEqual(live);
      expect(live).toContainEqual(['s/pair', [null, 2]]);
      expect(live).toContainEqual(['s/longs', [1, null, 3]]);
    }
  });
});
