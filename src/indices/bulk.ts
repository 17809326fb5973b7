// Adding a sorted run to any index: through the implementation's own bulk path when it has one
// (`SortedSet.addSorted`, e.g. the persistent set's leaf-by-leaf merge), else one transient add
// at a time — the same result either way, so callers need not know which index they hold.

import { checkSortedDistinct } from './node-kit.js';
import { andThen, loop, type MaybePromise } from '../util/maybe.js';
import type { SortedSet } from './types.js';

/** `set` with `keys` (sorted and distinct under the set's comparator) added; present keys are skipped. */
export function addSorted<K>(set: SortedSet<K>, keys: readonly K[], cmp: (a: K, b: K) => number): MaybePromise<SortedSet<K>> {
  if (keys.length === 0) return set;
  if (set.addSorted !== undefined) return set.addSorted(keys);
  checkSortedDistinct(keys, cmp);
  const t = set.transient();
  return andThen(
    loop(keys.length, (i) => t.add(keys[i] as K)),
    () => t.persistent(),
  );
}
