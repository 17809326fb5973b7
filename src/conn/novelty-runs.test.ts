// NoveltySet.runs: the base's leaves when a range holds no novelty, the merged keys otherwise;
// always the keys slice returns.

import { describe, expect, it } from 'vitest';
import { persistentSet } from '../indices/persistent-set/index.js';
import { flattenRuns } from '../indices/types.js';
import { isPromise, type MaybePromise } from '../util/maybe.js';
import { seededRandom } from '../util/random.js';
import { NoveltySet } from './novelty.js';

const cmp = (a: number, b: number): number => a - b;
function sync<T>(x: MaybePromise<T>): T {
  if (isPromise(x)) throw new Error('expected a synchronous result');
  return x;
}

describe('NoveltySet.runs', () => {
  it('matches slice for random ranges, with and without novelty in them', () => {
    const rnd = seededRandom(3);
    const base = persistentSet.fromSorted(
      Array.from({ length: 3000 }, (_, i) => i * 2),
      cmp,
      { branchingFactor: 32 },
    );
    let set = NoveltySet.over(base, persistentSet, cmp, cmp);
    const t = set.transient();
    for (let i = 0; i < 40; i++) sync(t.add(4000 + rnd.int(200) * 2 + 1)); // odd keys: new
    for (let i = 0; i < 40; i++) sync(t.remove(5000 + rnd.int(200) * 2)); // even keys of the base
    set = t.persistent() as NoveltySet<number>;
    expect(set.noveltySize).toBeGreaterThan(0);
    for (let r = 0; r < 300; r++) {
      const from = rnd.int(7000) - 100;
      const to = from + rnd.int(3000);
      expect(flattenRuns(sync(set.runs(from, to)))).toEqual(sync(set.slice(from, to)));
    }
    // a range below the novelty is the base's own leaves, not a copy
    const clean = sync(set.runs(0, 999));
    expect(clean.arrays.length).toBeGreaterThan(1);
    expect(flattenRuns(clean)).toEqual(Array.from({ length: 500 }, (_, i) => i * 2));
  });
});
