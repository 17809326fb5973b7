// B+-tree nodes of the persistent sorted set, and the helpers every tree operation shares.
//
// Representation:
// - A `Leaf` holds its keys, sorted and distinct under the tree's comparator.
// - A `Branch` holds, per child, a reference (`Ref`), the child's maximum key (`keys[i]`) and the
//   number of keys in the child's subtree (`counts[i]`). `level` is 1 for a branch over leaves,
//   one more per level above; leaves are level 0, and every leaf sits at the same depth.
// - A `Ref` is either an in-memory node or only the address of a stored node. The tree keeps a
//   loaded child inside its parent only when the child was built here (new or edited, and thus
//   dirty until flushed). A child read from storage is never written into its parent: the
//   decoded node lives in the `NodeStorage` LRU, shared by every index and version, so a
//   restored tree holds no more than the caller's cache allows (docs/architecture.md, decision 4).
// - `address` is set once, when the node is flushed (or when it was loaded); a node without an
//   address is dirty. The address is the only field that changes after a node is frozen.
// - `edit` is the owner token of the transient that created the node: that transient, while
//   alive, may mutate the node in place; everyone else copies it first (path copying).
//
// Size bounds (checked by `checkValid`): every non-root node has between `minSize(bf)` and `bf`
// entries; a root leaf may have 0..bf keys, a root branch 2..bf children.

import { show } from '../../util/errors.js';
import type { MaybePromise } from '../../util/maybe.js';
import { corruptNode, resolveRef, resolveRefs, type Edit } from '../node-kit.js';
import type { NodeAddress, NodeStorage, StoredNode } from '../types.js';

export { checkBranchingFactor, lowerBound, upperBound, type Edit } from '../node-kit.js';

export class Leaf<K> {
  readonly kind = 'leaf';
  keys: K[];
  address: NodeAddress | undefined;
  edit: Edit | null;
  constructor(keys: K[], address: NodeAddress | undefined, edit: Edit | null) {
    this.keys = keys;
    this.address = address;
    this.edit = edit;
  }
}

export class Branch<K> {
  readonly kind = 'branch';
  level: number;
  keys: K[];
  children: Ref<K>[];
  counts: number[];
  address: NodeAddress | undefined;
  edit: Edit | null;
  constructor(level: number, keys: K[], children: Ref<K>[], counts: number[], address: NodeAddress | undefined, edit: Edit | null) {
    this.level = level;
    this.keys = keys;
    this.children = children;
    this.counts = counts;
    this.address = address;
    this.edit = edit;
  }
}

export type Node<K> = Leaf<K> | Branch<K>;
export type Ref<K> = Node<K> | NodeAddress;

export const DEFAULT_BRANCHING_FACTOR = 512;

/** Fewest entries a non-root node may hold: what splitting a full node (bf + 1) leaves in each half. */
export function minSize(bf: number): number {
  return (bf + 1) >> 1;
}

/** Number of keys in the subtree. O(1) for leaves, O(entries) for branches. */
export function nodeSize<K>(node: Node<K>): number {
  if (node.kind === 'leaf') return node.keys.length;
  let n = 0;
  const counts = node.counts;
  for (let i = 0; i < counts.length; i++) n += counts[i] as number;
  return n;
}

/** Largest key of a non-empty node: a leaf's last key or a branch's last child maximum. */
export function maxKey<K>(node: Node<K>): K {
  return node.keys[node.keys.length - 1] as K;
}

/** Decode a stored node into a (clean, unowned) tree node; arrays are shared, never copied. */
export function fromStored<K>(stored: StoredNode<K>, address: NodeAddress): Node<K> {
  const s = stored as { kind?: unknown; keys?: unknown; children?: unknown; counts?: unknown; level?: unknown };
  if (s === null || typeof s !== 'object') corruptNode(address, 'not an object');
  switch (s.kind) {
    case 'leaf':
      if (!Array.isArray(s.keys)) corruptNode(address, 'leaf without keys');
      return new Leaf(s.keys as K[], address, null);
    case 'branch': {
      const { keys, children, counts, level } = s;
      if (!Array.isArray(keys) || !Array.isArray(children) || !Array.isArray(counts)) {
        corruptNode(address, 'branch needs keys, children and counts');
      }
      if (keys.length !== children.length || counts.length !== children.length || typeof level !== 'number' || level < 1) {
        corruptNode(address, 'branch arrays differ in length or level is invalid');
      }
      return new Branch(level, keys as K[], children as Ref<K>[], counts as number[], address, null);
    }
    default:
      return corruptNode(address, `unknown node kind ${show(s.kind)}`);
  }
}

/** The node behind a ref, loading it when only the address is known. */
export function resolve<K>(ref: Ref<K>, storage: NodeStorage<K> | undefined): MaybePromise<Node<K>> {
  return resolveRef<K, Node<K>>(ref, storage, fromStored);
}

/**
 * The nodes behind many refs with at most one `loadMany` for all the unloaded ones (a range
 * scan's sibling leaves). Returns the input array itself when every ref is already a node.
 */
export function resolveAll<K>(refs: Ref<K>[], storage: NodeStorage<K> | undefined): MaybePromise<Node<K>[]> {
  return resolveRefs<K, Node<K>>(refs, storage, fromStored);
}
