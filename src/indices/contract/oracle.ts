// The B+-tree against a dumb oracle (a sorted array), with seeded randomness, at fanouts 4, 32
// and 512: every add/remove result, every read, and the structural invariants after each batch.

import { describe, expect, it } from 'vitest';
import { numCmp, sync } from './kit.js';
import { seededRandom, type Random } from '../../util/random.js';
import { flattenRuns, type SortedSet } from '../types.js';
import type { IndexFactory } from '../types.js';

/** Index of the first element >= key. */
function lb(xs: readonly number[], key: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function oracleAdd(xs: number[], key: number): boolean {
  const i = lb(xs, key);
  if (xs[i] === key) return false;
  xs.splice(i, 0, key);
  return true;
}

function oracleRemove(xs: number[], key: number): boolean {
  const i = lb(xs, key);
  if (xs[i] !== key) return false;
  xs.splice(i, 1);
  return true;
}

function bound(rnd: Random, keyspace: number): number | undefined {
  return rnd.int(8) === 0 ? undefined : rnd.int(keyspace + 20) - 10;
}

/** Random reads of every kind compared with the oracle. */
function checkReads(set: SortedSet<number>, oracle: readonly number[], rnd: Random, keyspace: number, rounds: number): void {
  expect(set.size).toBe(oracle.length);
  for (let r = 0; r < rounds; r++) {
    const from = bound(rnd, keyspace);
    const to = bound(rnd, keyspace);
    const expected = oracle.filter((k) => (from === undefined || k >= from) && (to === undefined || k <= to));
    expect(sync(set.slice(from, to))).toEqual(expected);
    if (set.runs !== undefined) expect(flattenRuns(sync(set.runs(from, to)))).toEqual(expected);
    expect(sync(set.rslice(from, to))).toEqual(expected.slice().reverse());
    expect(sync(set.count(from, to))).toBe(expected.length);
    const start = rnd.int(keyspace);
    const limit = rnd.int(3) === 0 ? undefined : rnd.int(2 * keyspace > 600 ? 600 : 2 * keyspace) + 1;
    const rest = oracle.slice(lb(oracle, start));
    expect(sync(set.seek(start, limit))).toEqual(limit === undefined ? rest : rest.slice(0, limit));
    const probe = rnd.int(keyspace);
    expect(sync(set.has(probe))).toBe(oracle[lb(oracle, probe)] === probe);
  }
}

const fanouts = [
  { bf: 4, keyspace: 3000 },
  { bf: 32, keyspace: 6000 },
  { bf: 512, keyspace: 40000 },
] as const;

/** The set against a sorted-array oracle under seeded random edits and reads. */
export function oracleSuite(name: string, factory: IndexFactory): void {
  describe(`${name} against a sorted-array oracle`, () => {
    for (const { bf, keyspace } of fanouts) {
      it(`agrees after 12,000 random adds and removes at branching factor ${bf}`, () => {
        const rnd = seededRandom(bf * 7919 + 1);
        let set = factory.empty(numCmp, { branchingFactor: bf });
        const oracle: number[] = [];
        const snapshots: { set: SortedSet<number>; keys: number[] }[] = [];
        const batches = 120;
        for (let b = 0; b < batches; b++) {
          // Grow for the first 60% of batches, then shrink, so merges and root collapses happen.
          const addBias = b < batches * 0.6 ? 0.75 : 0.3;
          const oneTransientPerOp = b % 3 === 0;
          let t = set.transient();
          for (let op = 0; op < 100; op++) {
            const key = rnd.int(keyspace);
            const adding = rnd.next() < addBias;
            const expected = adding ? oracleAdd(oracle, key) : oracleRemove(oracle, key);
            expect(sync(adding ? t.add(key) : t.remove(key))).toBe(expected);
            expect(t.size).toBe(oracle.length);
            if (oneTransientPerOp) {
              set = t.persistent();
              t = set.transient();
            }
          }
          set = t.persistent();
          sync(set.checkValid());
          checkReads(set, oracle, rnd, keyspace, 4);
          if (b % 10 === 0) snapshots.push({ set, keys: oracle.slice() });
        }
        // Older versions are untouched by every later edit (structural sharing, no mutation).
        for (const snap of snapshots) {
          sync(snap.set.checkValid());
          expect(sync(snap.set.slice(undefined, undefined))).toEqual(snap.keys);
        }
      });
    }

    it('handles a deep bulk-built tree at branching factor 512', () => {
      const rnd = seededRandom(42);
      const oracle = Array.from({ length: 300_000 }, (_, i) => i * 2);
      let set = factory.fromSorted(oracle, numCmp);
      sync(set.checkValid());
      const t = set.transient();
      for (let op = 0; op < 3000; op++) {
        const key = rnd.int(600_000);
        const adding = rnd.next() < 0.5;
        const expected = adding ? oracleAdd(oracle, key) : oracleRemove(oracle, key);
        expect(sync(adding ? t.add(key) : t.remove(key))).toBe(expected);
      }
      set = t.persistent();
      sync(set.checkValid());
      checkReads(set, oracle, rnd, 600_000, 3);
    });

    it('fromSorted builds valid trees of every small size', () => {
      for (const bf of [4, 5, 32]) {
        for (let n = 0; n <= 200; n++) {
          const keys = Array.from({ length: n }, (_, i) => i);
          const set = factory.fromSorted(keys, numCmp, { branchingFactor: bf });
          sync(set.checkValid());
          expect(set.size).toBe(n);
          expect(sync(set.slice(undefined, undefined))).toEqual(keys);
        }
      }
    });

    it('removing every key in random order empties the tree through valid states', () => {
      const rnd = seededRandom(7);
      const keys = Array.from({ length: 2000 }, (_, i) => i);
      let set = factory.fromSorted(keys, numCmp, { branchingFactor: 4 });
      const order = rnd.shuffle(keys.slice());
      for (let i = 0; i < order.length; i++) {
        const t = set.transient();
        expect(sync(t.remove(order[i] as number))).toBe(true);
        expect(sync(t.remove(order[i] as number))).toBe(false);
        set = t.persistent();
        if (i % 97 === 0) sync(set.checkValid());
      }
      sync(set.checkValid());
      expect(set.size).toBe(0);
      expect(sync(set.slice(undefined, undefined))).toEqual([]);
      expect(sync(set.count())).toBe(0);
    });
  });

  describe(`${name}: range comparators with wildcard bounds`, () => {
    type Pair = readonly [number, number | undefined];
    const full = (a: Pair, b: Pair): number => a[0] - b[0] || (a[1] as number) - (b[1] as number);
    // A missing second component matches anything, as DataScript's partial datom bounds do.
    const partial = (a: Pair, b: Pair): number => a[0] - b[0] || (a[1] === undefined || b[1] === undefined ? 0 : a[1] - b[1]);
    const keys: Pair[] = [];
    for (let a = 0; a < 50; a++) for (let b = 0; b < 7; b++) keys.push([a, b * 3]);
    const set = factory.fromSorted(keys, full, { branchingFactor: 4 });

    const cases: { name: string; from: Pair | undefined; to: Pair | undefined; expect: (k: Pair) => boolean }[] = [
      { name: 'one prefix', from: [7, undefined], to: [7, undefined], expect: (k) => k[0] === 7 },
      { name: 'prefix range', from: [10, undefined], to: [12, undefined], expect: (k) => k[0] >= 10 && k[0] <= 12 },
      { name: 'full lower, prefix upper', from: [3, 4], to: [5, undefined], expect: (k) => full(k, [3, 4]) >= 0 && k[0] <= 5 },
      { name: 'open start', from: undefined, to: [2, undefined], expect: (k) => k[0] <= 2 },
      { name: 'absent prefix', from: [99, undefined], to: [99, undefined], expect: () => false },
    ];
    for (const c of cases) {
      it(`slice, rslice and count: ${c.name}`, () => {
        const expected = keys.filter(c.expect);
        expect(sync(set.slice(c.from, c.to, partial))).toEqual(expected);
        if (set.runs !== undefined) expect(flattenRuns(sync(set.runs(c.from, c.to, partial)))).toEqual(expected);
        expect(sync(set.rslice(c.from, c.to, partial))).toEqual(expected.slice().reverse());
        expect(sync(set.count(c.from, c.to, partial))).toBe(expected.length);
      });
    }

    it('seek with a partial bound and a limit', () => {
      expect(sync(set.seek([20, undefined], 9, partial))).toEqual(keys.filter((k) => k[0] >= 20).slice(0, 9));
    });
  });
}
