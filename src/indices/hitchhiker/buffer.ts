// Sorted-array operations on message buffers. Every array here is sorted and distinct under the
// tree's comparator; results are new arrays (buffers of frozen nodes are never edited).

import type { Comparator } from '../types.js';

/** Keys of `a` not in `b`. */
export function minus<K>(a: readonly K[], b: readonly K[], cmp: Comparator<K>): K[] {
  if (b.length === 0) return a.slice();
  const out: K[] = [];
  let j = 0;
  for (const k of a) {
    while (j < b.length && cmp(b[j] as K, k) < 0) j++;
    if (j < b.length && cmp(b[j] as K, k) === 0) continue;
    out.push(k);
  }
  return out;
}

/** Keys of `a` and `b` together (the caller guarantees they are disjoint). */
export function union<K>(a: readonly K[], b: readonly K[], cmp: Comparator<K>): K[] {
  if (b.length === 0) return a.slice();
  if (a.length === 0) return b.slice();
  const out = new Array<K>(a.length + b.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length && j < b.length) out[o++] = cmp(a[i] as K, b[j] as K) < 0 ? (a[i++] as K) : (b[j++] as K);
  while (i < a.length) out[o++] = a[i++] as K;
  while (j < b.length) out[o++] = b[j++] as K;
  return out;
}

/**
 * A lower buffer after newer messages arrive from above. A newer message on a key that already
 * has one here is always its opposite (messages are effective), so the two cancel.
 */
export function absorb<K>(
  older: { readonly adds: readonly K[]; readonly removes: readonly K[] },
  adds: readonly K[],
  removes: readonly K[],
  cmp: Comparator<K>,
): { adds: K[]; removes: K[] } {
  return {
    adds: union(minus(older.adds, removes, cmp), minus(adds, older.removes, cmp), cmp),
    removes: union(minus(older.removes, adds, cmp), minus(removes, older.adds, cmp), cmp),
  };
}

/** A leaf's keys with the messages applied. */
export function applyToKeys<K>(keys: readonly K[], adds: readonly K[], removes: readonly K[], cmp: Comparator<K>): K[] {
  return union(minus(keys, removes, cmp), adds, cmp);
}

/** Split sorted messages by the child each routes to: [childIndex, adds, removes] per child hit. */
export function groupByChild<K>(seps: readonly K[], adds: readonly K[], removes: readonly K[], cmp: Comparator<K>): Map<number, { adds: K[]; removes: K[] }> {
  const groups = new Map<number, { adds: K[]; removes: K[] }>();
  const place = (keys: readonly K[], kind: 'adds' | 'removes'): void => {
    let child = 0;
    const last = seps.length - 1;
    for (const k of keys) {
      while (child < last && cmp(seps[child] as K, k) < 0) child++;
      let g = groups.get(child);
      if (g === undefined) groups.set(child, (g = { adds: [], removes: [] }));
      g[kind].push(k);
    }
  };
  place(adds, 'adds');
  place(removes, 'removes');
  return groups;
}
