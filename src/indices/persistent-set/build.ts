// Bulk construction of a tree from keys already sorted and distinct (bulk import, tail folds).
//
// Leaves are packed as full as the size bounds allow and levels are built bottom-up: n entries
// at a level become ceil(n / bf) nodes whose sizes differ by at most one. With at least two
// nodes every size is >= (bf + 1) / 2 >= minSize(bf), so the result passes `checkValid` without
// any rebalancing pass.

import { CairnError, show } from '../../util/errors.js';
import { Branch, Leaf, maxKey, nodeSize, type Node } from './node.js';
import type { Comparator } from '../types.js';

export function buildSorted<K>(keys: readonly K[], cmp: Comparator<K>, bf: number): Node<K> {
  for (let i = 1; i < keys.length; i++) {
    if (cmp(keys[i - 1] as K, keys[i] as K) >= 0) {
      throw new CairnError('index/invalid', `fromSorted: keys must be sorted and distinct, but key ${i} (${show(keys[i])}) is not greater than key ${i - 1} (${show(keys[i - 1])})`, { index: i });
    }
  }
  let level: Node<K>[] = chunks(keys.length, bf).map(([a, b]) => new Leaf(keys.slice(a, b), undefined, null));
  if (level.length === 0) return new Leaf<K>([], undefined, null);
  let height = 0;
  while (level.length > 1) {
    height++;
    const below = level;
    level = chunks(below.length, bf).map(([a, b]) => {
      const children = below.slice(a, b);
      return new Branch(height, children.map(maxKey), children, children.map(nodeSize), undefined, null);
    });
  }
  return level[0] as Node<K>;
}

/** Split n items into ceil(n / bf) consecutive [start, end) runs of near-equal size. */
function chunks(n: number, bf: number): [number, number][] {
  const parts = Math.ceil(n / bf);
  const out: [number, number][] = [];
  const base = Math.floor(n / parts);
  const extra = n % parts;
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const end = start + base + (p < extra ? 1 : 0);
    out.push([start, end]);
    start = end;
  }
  return out;
}
