// The invariant checker behind `SortedSet.checkValid` (used by tests and debug builds).
//
// Walks the whole tree in key order (loading nodes as needed, one at a time) and throws
// `index/invalid` at the first violation of: keys strictly ascending across the whole tree,
// node sizes within bounds (root excepted), branch arrays of equal length, each branch key
// equal to its child's maximum, each count equal to its child's subtree size, levels
// decreasing by one per step so that every leaf sits at the same depth, and the set's size
// equal to the number of keys.

import { CairnError, show } from '../../util/errors.js';
import { isPromise, type MaybePromise } from '../../util/maybe.js';
import { minSize, resolve, type Node, type Ref } from './node.js';
import type { Comparator, NodeStorage } from '../types.js';

interface Walk<K> {
  readonly cmp: Comparator<K>;
  readonly bf: number;
  readonly storage: NodeStorage<K> | undefined;
  seen: number;
  prev: { key: K } | undefined;
}

export function checkTree<K>(root: Ref<K>, size: number, cmp: Comparator<K>, bf: number, storage: NodeStorage<K> | undefined): MaybePromise<void> {
  const walk: Walk<K> = { cmp, bf, storage, seen: 0, prev: undefined };
  const done = (n: number): void => {
    if (n !== size || walk.seen !== size) invalid(`set size is ${size} but the tree holds ${walk.seen} keys`, {});
  };
  const r = checkRef(root, walk, true, undefined);
  return isPromise(r) ? r.then(done) : done(r);
}

/** Check the subtree; returns its key count. `level` is the level its parent expects. */
function checkRef<K>(ref: Ref<K>, walk: Walk<K>, isRoot: boolean, level: number | undefined): MaybePromise<number> {
  const n = resolve(ref, walk.storage);
  return isPromise(n) ? n.then((node) => checkNode(node, walk, isRoot, level)) : checkNode(n, walk, isRoot, level);
}

function checkNode<K>(node: Node<K>, walk: Walk<K>, isRoot: boolean, level: number | undefined): MaybePromise<number> {
  const { cmp, bf } = walk;
  const where = { address: node.address ?? null, level: node.kind === 'leaf' ? 0 : node.level };
  const len = node.keys.length;
  const min = isRoot ? (node.kind === 'leaf' ? 0 : 2) : minSize(bf);
  if (len < min || len > bf) invalid(`${node.kind} has ${len} entries, outside ${min}..${bf}`, where);
  const nodeLevel = node.kind === 'leaf' ? 0 : node.level;
  if (level !== undefined && nodeLevel !== level) invalid(`node at level ${nodeLevel} where level ${level} was expected (leaves at different depths)`, where);
  if (node.kind === 'leaf') {
    for (let i = 0; i < len; i++) {
      const key = node.keys[i] as K;
      if (walk.prev !== undefined && cmp(walk.prev.key, key) >= 0) {
        invalid(`keys out of order or duplicated: ${show(walk.prev.key)} then ${show(key)}`, where);
      }
      walk.prev = { key };
    }
    walk.seen += len;
    return len;
  }
  if (node.children.length !== len || node.counts.length !== len) invalid('branch keys, children and counts differ in length', where);
  let total = 0;
  const step = (i: number): MaybePromise<number> => {
    for (; i < len; i++) {
      const sub = checkRef(node.children[i] as Ref<K>, walk, false, nodeLevel - 1);
      const after = (count: number): void => {
        if (count !== node.counts[i]) invalid(`child ${i} holds ${count} keys but its count says ${node.counts[i]}`, where);
        const last = walk.prev?.key;
        if (last === undefined || cmp(node.keys[i] as K, last) !== 0) {
          invalid(`branch key ${i} is ${show(node.keys[i])} but the child's maximum is ${show(last)}`, where);
        }
        total += count;
      };
      if (isPromise(sub)) {
        const at = i;
        return sub.then((c) => {
          after(c);
          return step(at + 1);
        });
      }
      after(sub);
    }
    return total;
  };
  return step(0);
}

function invalid(message: string, data: Record<string, string | number | null>): never {
  throw new CairnError('index/invalid', `invalid index: ${message}`, data);
}
