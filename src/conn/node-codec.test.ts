// A leaf written straight from its datoms (encodeLeaf) gives exactly the bytes of its positional
// form through the codec, for every kind of value a datom holds (a transaction refuses strings
// with a lone surrogate, which UTF-8 cannot hold), and reads back as the same leaf.
import { describe, expect, it } from 'vitest';
import { Datom, type Value } from '../db/types.js';
import type { StoredNode } from '../indices/types.js';
import { createCodec, type Codec } from '../store/codec.js';
import { decodeNode, encodeLeaf, encodeNode, nodeToData } from './node-codec.js';

const values: Value[] = [
  0,
  1,
  127,
  128,
  255,
  256,
  65_535,
  65_536,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32_768,
  -32_769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  1.5,
  -0.25,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'a',
  'x'.repeat(40),
  'y'.repeat(300),
  'z'.repeat(70_000),
  'é€😀',
  true,
  false,
  new Date(1_700_000_000_000),
  new Date(1_700_000_000_123),
  new Uint8Array([1, 2, 3]),
  ['tuple', 1, null] as unknown as Value,
];

const NAMES = ['p/name', 'p/age', ':db/txInstant', 'a'.repeat(20)];
/** With attribute refs the trees hold attribute ids instead of names. */
const IDS = [10, 11, 300, 70_000] as unknown as string[];

function leaf(vs: readonly Value[], attrs: readonly string[] = NAMES): StoredNode<Datom> {
  return { kind: 'leaf', keys: vs.map((v, i) => new Datom(i * 997, attrs[i % attrs.length]!, v, 536_870_912 + i, i % 3 !== 0)) };
}

/** `direct`: whether the leaf is written from its datoms, or (undefined) goes the long way. */
function expectSameBytes(codec: Codec, node: StoredNode<Datom>, direct = true): void {
  expect(encodeLeaf(codec, node.keys) !== undefined).toBe(direct);
  const mine = encodeNode(codec, node);
  expect(Array.from(mine)).toEqual(Array.from(codec.encode(nodeToData(node), 'node')));
  expect(decodeNode(codec, mine, 'n:test')).toEqual(node);
}

describe('encodeNode: a leaf written from its datoms', () => {
  it('gives the bytes of its positional form, for every kind of value', () => {
    const codec = createCodec();
    expectSameBytes(codec, leaf(values));
    for (const v of values) expectSameBytes(codec, leaf([v, v, v]));
    expectSameBytes(codec, leaf(values, IDS));
    expectSameBytes(codec, leaf([]));
    expectSameBytes(codec, leaf(Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? `s${i}` : i * 31))));
  });

  it('leaves what the writer does not take to the codec: -0, bigints, early Dates, class handlers for Dates', () => {
    expectSameBytes(createCodec(), leaf([1, -0, 2]), false);
    expectSameBytes(createCodec(), leaf([1n as unknown as Value, 'x']), false);
    expectSameBytes(createCodec(), leaf([new Date(-5), 'x']), false); // before 1970: msgpackr's own form
    const dates = createCodec({ handlers: [{ type: 40, Class: Date, write: (d: Date) => d.toISOString(), read: (s: string) => new Date(s) }] });
    expectSameBytes(dates, leaf([new Date(1000), 'x']), false);
    expectSameBytes(dates, leaf([1, 'x'])); // no Date in it: written directly all the same
  });
});

describe('packPlainWith (through Codec.encodePlainWith)', () => {
  it('gives up on a string or number of the wrong type instead of writing other bytes', () => {
    const codec = createCodec();
    expect(codec.encodePlainWith('node', (w) => w.str(7 as unknown as string))).toBeUndefined();
    expect(codec.encodePlainWith('node', (w) => w.num('7' as unknown as number))).toBeUndefined();
    const ok = codec.encodePlainWith('node', (w) => {
      w.array(2);
      w.str('a');
      w.num(7);
    });
    expect(Array.from(ok!)).toEqual(Array.from(codec.encode(['a', 7], 'node')));
  });
});
