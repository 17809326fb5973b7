// Bulk construction of a tree from keys already sorted and distinct (bulk import, tail folds).
//
// Leaves are packed as full as the size bounds allow and levels are built bottom-up: n entries
// at a level become ceil(n / bf) nodes whose sizes differ by at most one. With at least two
// nodes every size is >= (bf + 1) / 2 >= minSize(bf), so the result passes `checkValid` without
// any rebalancing pass.

import { checkSortedDistinct, chunks } from '../node-kit.js';
import { Branch, Leaf, maxKey, nodeSize, type Node } from './node.js';
import type { Comparator } from '../types.js';

export function buildSorted<K>(keys: readonly K[], cmp: Comparator<K>, bf: number): Node<K> {
  checkSortedDistinct(keys, cmp);
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
