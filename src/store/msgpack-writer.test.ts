// The direct writer must be invisible: for every value it takes, the very bytes the codec's
// msgpackr writes (so stores written before and after it are one format), and for every value
// it refuses, the general path.
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { createCodec, PACKR_OPTIONS } from './codec.js';
import { packPlain, packRecord } from './msgpack-writer.js';
import { loneSurrogateAt } from '../util/unicode.js';

const packr = new Packr(PACKR_OPTIONS);
const general = (header: number, v: unknown): Uint8Array => {
  const body = packr.pack(v);
  const out = new Uint8Array(body.length + 1);
  out[0] = header;
  out.set(body, 1);
  return out;
};

/** Byte equality without a deep-equal walk over 100 kB arrays. */
const same = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

const strings = [
  '',
  'a',
  'x'.repeat(31),
  'x'.repeat(32),
  'x'.repeat(255),
  'x'.repeat(256),
  'x'.repeat(65535),
  'x'.repeat(65536),
  'é'.repeat(20), // 20 characters, 40 bytes: the header grows past the estimate
  'é'.repeat(200),
  '€'.repeat(30000), // 90,000 bytes: str32
  '😀 emoji pair',
  'lone \ud800 surrogate',
  'lone low \udc00',
  `${'€'.repeat(100)}\ud83d`,
  ':keyword/name',
];
const numbers = [
  0,
  1,
  31,
  32,
  127,
  128,
  255,
  256,
  65535,
  65536,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32768,
  -32769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  1.5,
  -2.25,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  0x20000001,
];

describe('packPlain', () => {
  it.each([
    ['strings', strings],
    ['numbers', numbers],
    ['booleans and null', [true, false, null]],
    ['array lengths', [Array(15).fill(1), Array(16).fill('a'), Array(65536).fill(2), []]],
    ['nested, like a node', ['l', ['name', 'age'], [1, 0, 'Ivan', 0x20000001, 1, 1, 1, 42, 0x20000001, 1]]],
    ['a branch', ['b', 2, ['a'], [5, 0, 'v', 7, 1], ['n:abc:1', 'n:abc:2'], null]],
  ])('writes the bytes msgpackr writes: %s', (_what, values) => {
    for (const header of [0x21, 0x45]) {
      const v = values as unknown[];
      expect(same(packPlain(header, v), general(header, v))).toBe(true);
      for (const x of v) expect(same(packPlain(header, [x]), general(header, [x])), String(x).slice(0, 40)).toBe(true);
    }
  });

  it.each([
    ['-0', [1, -0]],
    ['a bigint', [1n]],
    ['a Date', [new Date(0)]],
    ['bytes', [new Uint8Array(2)]],
    ['undefined', [undefined]],
    ['an object', [{ a: 1 }]],
    ['not an array', 'x'],
  ])('gives up on %s', (_what, v) => {
    expect(packPlain(0x21, v)).toBeUndefined();
  });

  const dates = [new Date(0), new Date(1000), new Date(1), new Date(Date.UTC(2026, 11, 6, 12, 0, 0, 123)), new Date(2 ** 32 * 1000 + 5)];
  const bytes = [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(255), new Uint8Array(256), new Uint8Array(65536)];

  it('with `leaves`, writes the bytes msgpackr writes for Dates and byte arrays too (a node holding db/txInstant values)', () => {
    for (const x of [...dates, ...bytes]) expect(same(packPlain(0x21, [1, [x, 'a']], true), general(0x21, [1, [x, 'a']])), String(x)).toBe(true);
    const leaf = ['l', ['db/txInstant', 'name'], [0x20000001, 0, dates[3], 0x20000001, 1, 7, 1, 'Ivan', 0x20000001, 1]];
    expect(same(packPlain(0x21, leaf, true), general(0x21, leaf))).toBe(true);
  });

  it('with `leaves`, still gives up on what it does not write as msgpackr does (dates before 1970 or invalid, objects)', () => {
    for (const x of [new Date(-1000), new Date(Number.NaN), { a: 1 }, new Map()]) expect(packPlain(0x21, [x], true), String(x)).toBeUndefined();
  });

  it('through the codec: Dates in a node are a class handler’s when one takes them, written directly otherwise', () => {
    class Stamp extends Date {}
    const leaf = ['l', ['t'], [1, 0, new Date(5000), 2, 1]];
    const plain = createCodec();
    expect(plain.decode(plain.encode(leaf, 'node'), { kind: 'node' })).toEqual(leaf);
    expect(plain.header(plain.encode(leaf, 'node')).tagged).toBe(false);
    const handled = createCodec({ handlers: [{ type: 20, Class: Date, write: (d: Date) => d.toISOString(), read: (s: string) => new Stamp(s) }] });
    const back = handled.decode(handled.encode(leaf, 'node'), { kind: 'node' }) as unknown[][];
    expect(back[2]![2]).toBeInstanceOf(Stamp); // the handler wrote it, and read it back
    expect(handled.header(handled.encode(leaf, 'node')).tagged).toBe(true);
  });

  it('through the codec: plain arrays and the rest decode to what was encoded', () => {
    const codec = createCodec();
    const wellFormed = strings.filter((x) => loneSurrogateAt(x) < 0); // a lone surrogate is written as U+FFFD
    for (const v of [['l', ['a'], [1, 0, 'x', 2, 1]], [1, -0, 'x'], [new Date(5), 'x'], wellFormed, numbers]) {
      expect(codec.decode(codec.encode(v, 'node'), { kind: 'node' })).toEqual(v);
    }
    expect(Object.is((codec.decode(codec.encode([-0])) as number[])[0], -0)).toBe(true);
  });
});

describe('packRecord', () => {
  it('hands out small records as views into a shared slab, each left intact by the ones after it, and large ones exact', () => {
    const values = Array.from({ length: 2_000 }, (_, i) => ({ id: `r${i}`, n: i, pad: 'x'.repeat((i * 37) % 3_000), list: [i, -i - 1, i * 1.5] }));
    const packed = values.map((v) => packRecord(0x22, v)!);
    const views = packed.filter((b) => b.byteLength !== b.buffer.byteLength);
    expect(views.length).toBeGreaterThan(values.length / 2); // most are small enough to share
    expect(new Set(views.map((b) => b.buffer)).size).toBeLessThan(views.length / 2);
    values.forEach((v, i) => expect(same(packed[i], general(0x22, v)), v.id).toBe(true));
    const large = packRecord(0x22, { pad: 'y'.repeat(5_000) })!;
    expect(large.byteOffset === 0 && large.byteLength === large.buffer.byteLength).toBe(true);
    expect(same(large, general(0x22, { pad: 'y'.repeat(5_000) }))).toBe(true);
  });

  it('a node (packPlain) is always an exact-length array: the codec promises it', () => {
    const b = packPlain(0x21, ['l', ['a'], [1, 0, 'x', 2, 1]])!;
    expect(b.byteOffset === 0 && b.byteLength === b.buffer.byteLength).toBe(true);
  });
});
