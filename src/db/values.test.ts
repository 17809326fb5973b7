import { describe, expect, it } from 'vitest';
import { compareValues, valueKey, valuesEqual, type Slot } from './values.js';

// Each row lists values in strictly ascending order.
const ascending: [string, Slot[]][] = [
  ['kinds are ranked', [null, false, true, -5, 0, 2.5, 'a', new Date(0), new Uint8Array([1]), [1]]],
  ['numbers', [-Infinity, -1e300, -1, -0.5, 0, 1e-9, 1, 2 ** 53, Infinity]],
  ['numbers and bigints mix by value', [-(2n ** 70n), -1, 0n, 0.5, 1n, 1.5, 2 ** 60 + 4096, 2n ** 61n]],
  ['strings by code unit', ['', 'A', 'B', 'a', 'aa', 'ab', 'b', '\u00e9', '\ud83d\ude00']],
  ['keywords sort as strings', [':a/b', ':a/c', ':b/a']],
  ['dates', [new Date(-1000), new Date(0), new Date(1700000000000)]],
  ['bytes element-wise, prefix first', [new Uint8Array([]), new Uint8Array([0]), new Uint8Array([0, 0]), new Uint8Array([1]), new Uint8Array([255])]],
  ['arrays element-wise, null slots first', [[], [null], [null, 1], [0], [0, 'a'], [1], ['a'], [[1]]]],
  ['booleans', [false, true]],
];

describe('compareValues', () => {
  it.each(ascending)('%s', (_name, values) => {
    for (let i = 0; i < values.length; i++) {
      expect(compareValues(values[i], values[i])).toBe(0);
      for (let j = i + 1; j < values.length; j++) {
        expect(compareValues(values[i], values[j]), `${String(values[i])} < ${String(values[j])}`).toBe(-1);
        expect(compareValues(values[j], values[i])).toBe(1);
      }
    }
  });

  const equal: [string, Slot, Slot][] = [
    ['1 and 1n', 1, 1n],
    ['0 and -0', 0, -0],
    ['2^60 number and bigint', 2 ** 60, 2n ** 60n],
    ['dates by time', new Date(5), new Date(5)],
    ['bytes by content', new Uint8Array([1, 2]), new Uint8Array([1, 2])],
    ['arrays by content', [1, 'x', new Date(3)], [1n, 'x', new Date(3)]],
    ['NaN equals NaN', NaN, NaN],
  ];
  it.each(equal)('equal: %s (and same valueKey)', (_n, a, b) => {
    expect(compareValues(a, b)).toBe(0);
    expect(valuesEqual(a, b)).toBe(true);
    expect(valueKey(a)).toBe(valueKey(b));
  });

  it('valueKey separates values that compare differently', () => {
    const vs: Slot[] = [null, false, true, 0, 1, 1.5, '1', 'n1', ':a', new Date(1), new Uint8Array([1]), [1], ['1'], [[1]], 2n ** 80n];
    const keys = vs.map(valueKey);
    expect(new Set(keys).size).toBe(vs.length);
  });

  it('a read given something that is not a value (an object, a Map) finds it equal to no stored value', () => {
    const stored: Slot[] = [null, true, 0, 'a', new Date(0), new Uint8Array([1]), [], [1, 2], [[1]]];
    for (const other of [{ a: 1 }, new Map([[1, 2]]), new Set([1]), [{ a: 1 }]] as unknown as Slot[]) {
      for (const v of stored) {
        expect(compareValues(other, v), `${String(other)} against ${String(v)}`).not.toBe(0);
        expect(Math.sign(compareValues(other, v))).toBe(-Math.sign(compareValues(v, other)));
        expect(valueKey(other)).not.toBe(valueKey(v));
      }
    }
  });

  it('is a total order on a seeded random mix (antisymmetric, transitive by sort)', () => {
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const gen = (depth: number): Slot => {
      const k = Math.floor(rnd() * 8);
      switch (k) {
        case 0:
          return rnd() < 0.5;
        case 1:
          return Math.floor(rnd() * 20) - 10;
        case 2:
          return BigInt(Math.floor(rnd() * 20) - 10);
        case 3:
          return String.fromCharCode(97 + Math.floor(rnd() * 3));
        case 4:
          return new Date(Math.floor(rnd() * 5));
        case 5:
          return new Uint8Array([Math.floor(rnd() * 3)]);
        case 6:
          return depth > 1 ? null : ([gen(depth + 1), gen(depth + 1)] as Slot);
        default:
          return rnd() * 10 - 5;
      }
    };
    const xs = Array.from({ length: 300 }, () => gen(0));
    const sorted = [...xs].sort(compareValues);
    for (let i = 1; i < sorted.length; i++) expect(compareValues(sorted[i - 1], sorted[i])).toBeLessThanOrEqual(0);
    for (let i = 0; i < 60; i++) for (let j = 0; j < 60; j++) expect(compareValues(xs[i], xs[j]) + compareValues(xs[j], xs[i])).toBe(0);
  });
});
