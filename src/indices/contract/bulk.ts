// Adding sorted runs (`addSorted` in bulk.ts: the index's own bulk path, or the transient
// fallback for an index without one) against a sorted-array oracle, in memory and over
// storage: the result, its invariants, the untouched old version, and what gets written.

import { describe, expect, it } from 'vitest';
import { isCairnError } from '../../util/errors.js';
import { isPromise, type MaybePromise } from '../../util/maybe.js';
import { seededRandom, type Random } from '../../util/random.js';
import { addSorted } from '../bulk.js';
import { CountingNodeStorage } from '../test-storage.js';
import type { IndexFactory, SortedSet } from '../types.js';

const numCmp = (a: number, b: number): number => a - b;

function sync<T>(x: MaybePromise<T>): T {
  if (isPromise(x)) throw new Error('expected a synchronous result from an in-memory tree');
  return x;
}

/** A sorted distinct run of up to `max` keys in [lo, hi). */
function run(rnd: Random, lo: number, hi: number, max: number): number[] {
  const n = rnd.int(max + 1);
  const keys = new Set<number>();
  for (let i = 0; i < n; i++) keys.add(lo + rnd.int(hi - lo));
  return [...keys].sort(numCmp);
}

function union(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort(numCmp);
}

export function bulkSuite(name: string, factory: IndexFactory): void {
  describe(`${name}: adding sorted runs`, () => {
    for (const bf of [4, 5, 32, 512]) {
      it(`agrees with the oracle after random runs at branching factor ${bf}`, () => {
        const rnd = seededRandom(bf * 31 + 5);
        let set: SortedSet<number> = factory.empty(numCmp, { branchingFactor: bf });
        let oracle: number[] = [];
        const versions: { set: SortedSet<number>; keys: number[] }[] = [];
        for (let b = 0; b < 40; b++) {
          // Runs inside the key space (overlapping present keys), past its end, or into one spot.
          const shape = b % 4;
          const top = oracle.length === 0 ? 0 : (oracle[oracle.length - 1] as number);
          const keys =
            shape === 0
              ? run(rnd, 0, 20 * bf, 4 * bf)
              : shape === 1
                ? run(rnd, top + 1, top + 1 + 30 * bf, 10 * bf)
                : shape === 2
                  ? run(rnd, 500, 520, 20)
                  : [];
          const next = sync(addSorted(set, keys, numCmp));
          oracle = union(oracle, keys);
          sync(next.checkValid());
          expect(next.size).toBe(oracle.length);
          expect(sync(next.slice(undefined, undefined))).toEqual(oracle);
          expect(sync(next.count(100, 200))).toBe(oracle.filter((k) => k >= 100 && k <= 200).length);
          versions.push({ set, keys: sync(set.slice(undefined, undefined)) });
          set = next;
        }
        // Older versions are untouched, and the set still takes single edits afterwards.
        for (const v of versions) expect(sync(v.set.slice(undefined, undefined))).toEqual(v.keys);
        const t = set.transient();
        expect(sync(t.add(-1))).toBe(true);
        expect(sync(t.remove(oracle[0] as number))).toBe(true);
        const after = t.persistent();
        sync(after.checkValid());
        expect(sync(after.slice(undefined, undefined))).toEqual([-1, ...oracle.slice(1)]);
      });
    }

    it('a run of only present keys, or an empty run, returns an equal set', () => {
      const keys = Array.from({ length: 1000 }, (_, i) => i * 2);
      const set = factory.fromSorted(keys, numCmp, { branchingFactor: 8 });
      for (const r of [[], [0, 2, 998, 1998]]) {
        const same = sync(addSorted(set, r, numCmp));
        expect(same.size).toBe(1000);
        expect(sync(same.slice(undefined, undefined))).toEqual(keys);
      }
    });

    it('over unloaded nodes: loads what the run reaches, writes only the touched paths', async () => {
      const storage = new CountingNodeStorage<number>('sync');
      const base = Array.from({ length: 20_000 }, (_, i) => i * 4);
      const v1 = factory.fromSorted(base, numCmp, { branchingFactor: 16 });
      const root = sync(v1.flush(storage));
      const total = storage.stores;
      for (const mode of ['async', 'mixed'] as const) {
        storage.mode = mode;
        const r1 = factory.restore(root, numCmp, storage, v1.meta());
        const keys = [1, 2, 3, 40_001, 40_002, 79_997, 80_001, 80_005];
        const v2 = await addSorted(r1, keys, numCmp);
        const expected = union(base, keys);
        expect(v2.size).toBe(expected.length);
        expect(await v2.slice(undefined, undefined)).toEqual(expected);
        await v2.checkValid();
        storage.resetCounts();
        const root2 = await v2.flush(storage);
        expect(storage.stores).toBeGreaterThan(0);
        expect(storage.stores).toBeLessThan(total / 10); // untouched subtrees are shared
        storage.mode = 'sync';
        const r2 = factory.restore(root2, numCmp, storage, v2.meta());
        expect(await r2.slice(undefined, undefined)).toEqual(expected);
        expect(await r1.slice(undefined, undefined)).toEqual(base);
      }
    });

    it('rejects an unsorted or duplicate run with index/invalid and changes nothing', () => {
      const set = factory.fromSorted([1, 5, 9], numCmp, { branchingFactor: 4 });
      for (const bad of [
        [3, 2],
        [2, 2],
      ]) {
        let code: unknown;
        try {
          sync(addSorted(set, bad, numCmp));
        } catch (e) {
          code = isCairnError(e) ? e.code : e;
        }
        expect(code).toBe('index/invalid');
        expect(sync(set.slice(undefined, undefined))).toEqual([1, 5, 9]);
      }
    });
  });
}
