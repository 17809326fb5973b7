// Nodes of the hitchhiker tree: a B+-tree whose branches carry a buffer of pending operations.
//
// Representation:
// - A `Leaf` holds its keys, sorted and distinct.
// - A `Branch` holds, per child, a reference (`Ref`: an in-memory node or a stored node's
//   address), a separator `keys[i]` and the child's subtree size `counts[i]`, plus its buffer:
//   `adds` and `removes`, two sorted, disjoint arrays of keys whose insertion or removal has not
//   yet been carried down to the leaves. `level` is 1 over leaves, one more per level above.
// - Routing: child i holds the keys k with keys[i-1] < k <= keys[i]; the last child holds every
//   key above keys[n-2], whatever keys[n-1] says (only the last child of a node can receive keys
//   beyond the separator its node was given, so its own separator is never trusted).
// - Messages are effective: an add names a key absent from everything below the buffer, a
//   remove one present there. Hence the state of a key is decided by the highest message on its
//   path, and a message meeting an older one for the same key in a lower buffer cancels with it.
// - `counts[i]` is the number of keys in child i's subtree as seen through the child's own
//   buffer (not this node's); a branch's size is sum(counts) + adds.length - removes.length.
// - Nodes are immutable once built, except that a live transient owning the root (`edit`) may
//   edit the root's buffer in place, and `address` is set once when the node is flushed or
//   loaded. A node without an address is dirty.
//
// Size bounds (checked by checkValid): a node holds 1..bf entries (the root leaf 0..bf, the root
// branch 2..bf children), a buffer at most `bf` messages. There is no minimum fill: removals
// never force a rebalance; adjacent children that fit in one node merge whenever a buffer flush
// rewrites both.

import { show } from '../../util/errors.js';
import type { MaybePromise } from '../../util/maybe.js';
import { corruptNode, resolveRef, resolveRefs, type Edit } from '../node-kit.js';
import type { NodeAddress, NodeStorage, StoredNode } from '../types.js';

export class Leaf<K> {
  readonly kind = 'leaf';
  readonly keys: readonly K[];
  address: NodeAddress | undefined;
  constructor(keys: readonly K[], address?: NodeAddress) {
    this.keys = keys;
    this.address = address;
  }
}

export class Branch<K> {
  readonly kind = 'branch';
  readonly level: number;
  readonly keys: readonly K[];
  readonly children: readonly Ref<K>[];
  readonly counts: readonly number[];
  adds: K[];
  removes: K[];
  /** The transient that may edit this node's buffer in place (only ever the root's). */
  edit: Edit | null;
  address: NodeAddress | undefined;
  constructor(
    level: number,
    keys: readonly K[],
    children: readonly Ref<K>[],
    counts: readonly number[],
    adds: K[],
    removes: K[],
    edit: Edit | null,
    address?: NodeAddress,
  ) {
    this.level = level;
    this.keys = keys;
    this.children = children;
    this.counts = counts;
    this.adds = adds;
    this.removes = removes;
    this.edit = edit;
    this.address = address;
  }
}

export type Node<K> = Leaf<K> | Branch<K>;
export type Ref<K> = Node<K> | NodeAddress;

/** Most messages a branch buffers before carrying them down. */
export function bufferCapacity(bf: number): number {
  return bf;
}

/** Keys in the subtree, through the node's own buffer. */
export function nodeSize<K>(node: Node<K>): number {
  if (node.kind === 'leaf') return node.keys.length;
  let n = node.adds.length - node.removes.length;
  for (const c of node.counts) n += c;
  return n;
}

/** Entries of a node: keys of a leaf, children of a branch. */
export function entries<K>(node: Node<K>): number {
  return node.kind === 'leaf' ? node.keys.length : node.children.length;
}

/** Child index whose range holds `key` (the last child takes everything above). */
export function route<K>(keys: readonly K[], key: K, cmp: (a: K, b: K) => number): number {
  let lo = 0;
  let hi = keys.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(keys[mid] as K, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const NO_MESSAGES: never[] = /* @__PURE__ */ Object.freeze([]) as never[];

export function fromStored<K>(stored: StoredNode<K>, address: NodeAddress): Node<K> {
  const s = stored as Partial<{ kind: unknown; keys: unknown; children: unknown; counts: unknown; level: unknown; adds: unknown; removes: unknown }>;
  if (s === null || typeof s !== 'object') corruptNode(address, 'not an object');
  if (s.kind === 'leaf') {
    if (!Array.isArray(s.keys)) corruptNode(address, 'leaf without keys');
    return new Leaf(s.keys as K[], address);
  }
  if (s.kind !== 'branch') corruptNode(address, `unknown node kind ${show(s.kind)}`);
  const { keys, children, counts, level } = s;
  // A stored branch without a buffer shares one frozen empty array: nodes loaded from storage
  // are never edited in place (a transient copies the root before editing its buffer).
  const adds = s.adds ?? NO_MESSAGES;
  const removes = s.removes ?? NO_MESSAGES;
  if (!Array.isArray(keys) || !Array.isArray(children) || !Array.isArray(counts) || !Array.isArray(adds) || !Array.isArray(removes)) {
    corruptNode(address, 'branch needs keys, children, counts and buffer arrays');
  }
  if (keys.length !== children.length || counts.length !== children.length || typeof level !== 'number' || level < 1) {
    corruptNode(address, 'branch arrays differ in length or level is invalid');
  }
  return new Branch(level, keys as K[], children as Ref<K>[], counts as number[], adds as K[], removes as K[], null, address);
}

export function resolve<K>(ref: Ref<K>, storage: NodeStorage<K> | undefined): MaybePromise<Node<K>> {
  return resolveRef<K, Node<K>>(ref, storage, fromStored);
}

export function resolveAll<K>(refs: readonly Ref<K>[], storage: NodeStorage<K> | undefined): MaybePromise<Node<K>[]> {
  return resolveRefs<K, Node<K>>(refs, storage, fromStored);
}
