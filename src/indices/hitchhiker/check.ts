// The invariant checker behind `checkValid`. Walks the whole tree (loading nodes one at a time)
// and throws `index/invalid` at the first violation of: leaf keys ascending; every key and
// buffered message inside the range its separators give it; separators ascending; node sizes
// and buffer sizes within bounds; buffers sorted and disjoint; messages effective (an add names
// a key absent below it, a remove one present below); counts equal to the children's sizes;
// every leaf at the same depth; the set's size equal to the keys it holds.

import { CairnError, show } from '../../util/errors.js';
import { andThen, type MaybePromise } from '../../util/maybe.js';
import type { Comparator, NodeStorage } from '../types.js';
import { applyToKeys, minus } from './buffer.js';
import { bufferCapacity, resolve, type Node, type Ref } from './node.js';

interface Walk<K> {
  readonly cmp: Comparator<K>;
  readonly bf: number;
  readonly storage: NodeStorage<K> | undefined;
}

export function checkTree<K>(root: Ref<K>, size: number, cmp: Comparator<K>, bf: number, storage: NodeStorage<K> | undefined): MaybePromise<void> {
  return andThen(checkRef(root, { cmp, bf, storage }, true, undefined, undefined, undefined), (keys) => {
    if (keys.length !== size) invalid(`set size is ${size} but the tree holds ${keys.length} keys`, {});
  });
}

/** Check a subtree whose keys must lie in (lower, upper]; returns its keys as its buffers leave them. */
function checkRef<K>(ref: Ref<K>, walk: Walk<K>, isRoot: boolean, level: number | undefined, lower: K | undefined, upper: K | undefined): MaybePromise<K[]> {
  return andThen(resolve(ref, walk.storage), (node) => checkNode(node, walk, isRoot, level, lower, upper));
}

function checkNode<K>(node: Node<K>, walk: Walk<K>, isRoot: boolean, level: number | undefined, lower: K | undefined, upper: K | undefined): MaybePromise<K[]> {
  const { cmp, bf } = walk;
  const nodeLevel = node.kind === 'leaf' ? 0 : node.level;
  const where = { address: node.address ?? null, level: nodeLevel };
  if (level !== undefined && nodeLevel !== level) invalid(`node at level ${nodeLevel} where level ${level} was expected (leaves at different depths)`, where);
  const inside = (k: K, what: string): void => {
    if ((lower !== undefined && cmp(k, lower) <= 0) || (upper !== undefined && cmp(k, upper) > 0)) {
      invalid(`${what} ${show(k)} lies outside its node's range (${show(lower)}, ${show(upper)}]`, where);
    }
  };
  const ascending = (keys: readonly K[], what: string): void => {
    for (let i = 1; i < keys.length; i++) {
      if (cmp(keys[i - 1] as K, keys[i] as K) >= 0) invalid(`${what} out of order or duplicated: ${show(keys[i - 1])} then ${show(keys[i])}`, where);
    }
  };
  if (node.kind === 'leaf') {
    const len = node.keys.length;
    if (len < (isRoot ? 0 : 1) || len > bf) invalid(`leaf has ${len} keys, outside ${isRoot ? 0 : 1}..${bf}`, where);
    ascending(node.keys, 'keys');
    for (const k of node.keys) inside(k, 'key');
    return node.keys.slice();
  }
  const n = node.children.length;
  if (n < 1 || n > bf) invalid(`branch has ${n} children, outside 1..${bf}`, where);
  if (node.keys.length !== n || node.counts.length !== n) invalid('branch keys, children and counts differ in length', where);
  if (node.adds.length + node.removes.length > bufferCapacity(bf))
    invalid(`buffer holds ${node.adds.length + node.removes.length} messages, over ${bufferCapacity(bf)}`, where);
  ascending(node.keys.slice(0, -1), 'separators');
  ascending(node.adds, 'buffered adds');
  ascending(node.removes, 'buffered removes');
  for (const k of node.adds) inside(k, 'buffered add');
  for (const k of node.removes) inside(k, 'buffered remove');
  const below: K[] = [];
  const step = (i: number): MaybePromise<K[]> => {
    if (i === n) return finish();
    const lo = i > 0 ? (node.keys[i - 1] as K) : lower;
    const hi = i < n - 1 ? (node.keys[i] as K) : upper;
    return andThen(checkRef(node.children[i] as Ref<K>, walk, false, nodeLevel - 1, lo, hi), (keys) => {
      if (keys.length !== node.counts[i]) invalid(`child ${i} holds ${keys.length} keys but its count says ${node.counts[i]}`, where);
      for (const k of keys) below.push(k);
      return step(i + 1);
    });
  };
  const finish = (): K[] => {
    if (minus(node.adds, below, cmp).length !== node.adds.length) invalid('a buffered add names a key already present below it', where);
    if (minus(node.removes, below, cmp).length !== 0) invalid('a buffered remove names a key absent below it', where);
    return applyToKeys(below, node.adds, node.removes, cmp);
  };
  return step(0);
}

function invalid(message: string, data: Record<string, string | number | null>): never {
  throw new CairnError('index/invalid', `invalid index: ${message}`, data);
}
