import { describe, expect, it } from 'vitest';
import { cmpAEVT, cmpAVET, cmpEAVT, prefixAEVT, prefixAVET, prefixEAVT } from './compare.js';
import { bound } from './db.js';
import { Datom } from './types.js';

const d = (e: number, a: string, v: string | number, tx: number, added = true): Datom => new Datom(e, a, v, tx, added);

describe('total comparators', () => {
  const rows: [string, (x: Datom, y: Datom) => number, Datom[]][] = [
    ['EAVT: e, a, v, tx, added', cmpEAVT, [d(1, 'b', 9, 1), d(2, 'a', 1, 5), d(2, 'a', 2, 1), d(2, 'b', 0, 1), d(2, 'b', 0, 2), d(2, 'b', 0, 2, false)]],
    ['AEVT: a, e, v, tx', cmpAEVT, [d(9, 'a', 9, 1), d(1, 'b', 5, 1), d(2, 'b', 1, 1), d(2, 'b', 1, 3), d(2, 'c', 0, 1)]],
    ['AVET: a, v, e, tx', cmpAVET, [d(9, 'a', 1, 1), d(1, 'b', 1, 1), d(2, 'b', 1, 1), d(1, 'b', 2, 1), d(1, 'b', 'x', 1)]],
  ];
  for (const [name, cmp, asc] of rows)
    it(name, () => {
      for (let i = 0; i < asc.length; i++) {
        expect(cmp(asc[i]!, asc[i]!)).toBe(0);
        for (let j = i + 1; j < asc.length; j++) {
          expect(cmp(asc[i]!, asc[j]!)).toBeLessThan(0);
          expect(cmp(asc[j]!, asc[i]!)).toBeGreaterThan(0);
        }
      }
    });
  it('an assertion sorts before its retraction in the same tx', () => {
    expect(cmpEAVT(d(1, 'a', 1, 7, true), d(1, 'a', 1, 7, false))).toBeLessThan(0);
  });
});

describe('prefix comparators treat missing bound components as wildcards', () => {
  const x = d(5, 'p/n', 'v', 100);
  const rows: [string, (k: Datom, b: Datom) => number, Datom, number][] = [
    ['EAVT e only', prefixEAVT, bound(5), 0],
    ['EAVT e+a', prefixEAVT, bound(5, 'p/n'), 0],
    ['EAVT e+a+v', prefixEAVT, bound(5, 'p/n', 'v'), 0],
    ['EAVT e+a+v mismatch', prefixEAVT, bound(5, 'p/n', 'w'), -1],
    ['EAVT smaller e', prefixEAVT, bound(4), 1],
    ['AEVT a only', prefixAEVT, bound(undefined, 'p/n'), 0],
    ['AEVT a+e', prefixAEVT, bound(6, 'p/n'), -1],
    ['AVET a+v', prefixAVET, bound(undefined, 'p/n', 'v'), 0],
    ['AVET a+v bigger', prefixAVET, bound(undefined, 'p/n', 'u'), 1],
    ['no components', prefixAVET, bound(), 0],
  ];
  for (const [name, cmp, b, want] of rows)
    it(name, () => {
      expect(Math.sign(cmp(x, b))).toBe(want);
    });
});
