// The transient (mutable batch) over a persistent sorted set.
//
// Ownership: every node this transient creates or copies carries its `Edit` token. The first
// time an operation touches a node it does not own it copies it (path copying); afterwards it
// mutates the copy in place, so a batch of n adds copies each touched node once instead of
// once per add. `persistent()` kills the token, freezing every owned node for good.
//
// Each operation runs in two phases. The locate phase only reads: it walks from the root to
// the leaf (and, for a removal that will underflow, loads the siblings it will borrow from or
// merge with), recording the path in reusable arrays; it is the only phase that may wait for
// storage. The mutate phase is synchronous and cannot fail, so a failed load or a throwing
// comparator leaves the transient exactly as it was. Operations issued while one is waiting
// are chained behind it, since they share the path arrays.

import { isPromise, type MaybePromise } from '../../util/maybe.js';
import { Branch, Leaf, lowerBound, maxKey, minSize, nodeSize, resolve, type Edit, type Node, type Ref } from './node.js';
import { TransientGate } from '../node-kit.js';
import type { Comparator, NodeStorage, SortedSet, TransientSet } from '../types.js';

export class Transient<K> implements TransientSet<K> {
  private root: Ref<K>;
  private count: number;
  private readonly gate = new TransientGate();
  private readonly edit: Edit = this.gate.edit;
  // Scratch state of the current operation: path[0] is the root, path[depth] the leaf, and
  // path[l].children[idx[l]] === path[l + 1] (before copying). sibs[l] is the loaded sibling
  // of path[l] that the removal will borrow from or merge with.
  private readonly path: Node<K>[] = [];
  private readonly idx: number[] = [];
  private readonly sibs: (Node<K> | undefined)[] = [];
  private depth = 0;

  private readonly cmp: Comparator<K>;
  private readonly bf: number;
  private readonly storage: NodeStorage<K> | undefined;
  private readonly freezeAs: (root: Ref<K>, size: number) => SortedSet<K>;

  constructor(
    root: Ref<K>,
    size: number,
    cmp: Comparator<K>,
    bf: number,
    storage: NodeStorage<K> | undefined,
    freezeAs: (root: Ref<K>, size: number) => SortedSet<K>,
  ) {
    this.root = root;
    this.count = size;
    this.cmp = cmp;
    this.bf = bf;
    this.storage = storage;
    this.freezeAs = freezeAs;
  }

  get size(): number {
    return this.count;
  }

  add(key: K): MaybePromise<boolean> {
    // The common case without a closure: nothing in flight and every node on the path loaded.
    if (this.gate.idle) {
      const located = this.locate(key);
      if (!isPromise(located)) return this.insert(key);
      return this.gate.run(() => located.then(() => this.insert(key)));
    }
    return this.gate.run(() => {
      const located = this.locate(key);
      return isPromise(located) ? located.then(() => this.insert(key)) : this.insert(key);
    });
  }

  remove(key: K): MaybePromise<boolean> {
    return this.gate.run(() => {
      const located = this.locate(key);
      return isPromise(located) ? located.then(() => this.prepareRemove(key)) : this.prepareRemove(key);
    });
  }

  persistent(): SortedSet<K> {
    this.gate.close();
    this.path.length = 0;
    this.sibs.length = 0;
    return this.freezeAs(this.root, this.count);
  }

  /** Fill path/idx from the root to the leaf where `key` belongs. */
  private locate(key: K): MaybePromise<void> {
    return this.descend(this.root, 0, key);
  }

  private descend(ref: Ref<K>, level: number, key: K): MaybePromise<void> {
    let r = ref;
    let l = level;
    for (;;) {
      const n = resolve(r, this.storage);
      if (isPromise(n)) {
        const at = l;
        return n.then((node) => this.descend(node, at, key));
      }
      this.path[l] = n;
      if (n.kind === 'leaf') {
        this.depth = l;
        return;
      }
      let i = lowerBound(n.keys, key, this.cmp);
      if (i === n.keys.length) i--; // beyond every key: it belongs at the end of the last child
      this.idx[l] = i;
      r = n.children[i] as Ref<K>;
      l++;
    }
  }

  /** Copy the located path into nodes this transient owns, relinking each copy in its parent. */
  private ownPath(): void {
    const path = this.path;
    let parent = this.own(path[0] as Node<K>);
    path[0] = parent;
    this.root = parent;
    for (let l = 1; l <= this.depth; l++) {
      const child = this.own(path[l] as Node<K>);
      (parent as Branch<K>).children[this.idx[l - 1] as number] = child;
      path[l] = child;
      parent = child;
    }
  }

  private own<N extends Node<K>>(node: N): N {
    if (node.edit === this.edit) return node;
    if (node.kind === 'leaf') return new Leaf(node.keys.slice(), undefined, this.edit) as N;
    return new Branch(node.level, node.keys.slice(), node.children.slice(), node.counts.slice(), undefined, this.edit) as N;
  }

  private insert(key: K): boolean {
    const cmp = this.cmp;
    const leaf = this.path[this.depth] as Leaf<K>;
    const pos = lowerBound(leaf.keys, key, cmp);
    if (pos < leaf.keys.length && cmp(leaf.keys[pos] as K, key) === 0) return false;
    this.ownPath();
    const path = this.path;
    const keys = (path[this.depth] as Leaf<K>).keys;
    if (pos === keys.length) keys.push(key);
    else keys.splice(pos, 0, key);
    this.count++;

    let split = this.splitIfFull(path[this.depth] as Node<K>);
    for (let l = this.depth - 1; l >= 0; l--) {
      const parent = path[l] as Branch<K>;
      const i = this.idx[l] as number;
      const child = path[l + 1] as Node<K>;
      parent.keys[i] = maxKey(child);
      if (split === undefined) {
        (parent.counts[i] as number)++;
      } else {
        parent.counts[i] = nodeSize(child);
        parent.keys.splice(i + 1, 0, maxKey(split));
        parent.children.splice(i + 1, 0, split);
        parent.counts.splice(i + 1, 0, nodeSize(split));
      }
      split = split === undefined ? undefined : this.splitIfFull(parent);
    }
    if (split !== undefined) {
      const left = path[0] as Node<K>;
      const level = left.kind === 'leaf' ? 1 : left.level + 1;
      this.root = new Branch(level, [maxKey(left), maxKey(split)], [left, split], [nodeSize(left), nodeSize(split)], undefined, this.edit);
    }
    return true;
  }

  /** Split an overfull owned node in place; returns the new right half, or undefined. */
  private splitIfFull(node: Node<K>): Node<K> | undefined {
    if (node.keys.length <= this.bf) return undefined;
    const mid = minSize(this.bf);
    if (node.kind === 'leaf') return new Leaf(node.keys.splice(mid), undefined, this.edit);
    return new Branch(node.level, node.keys.splice(mid), node.children.splice(mid), node.counts.splice(mid), undefined, this.edit);
  }

  /**
   * Locate phase, part two: if the key is present, load the siblings the removal will need,
   * walking up while each node would underflow and merge (a borrow stops the cascade).
   */
  private prepareRemove(key: K): MaybePromise<boolean> {
    const leaf = this.path[this.depth] as Leaf<K>;
    const pos = lowerBound(leaf.keys, key, this.cmp);
    if (pos === leaf.keys.length || this.cmp(leaf.keys[pos] as K, key) !== 0) return false;
    this.sibs.length = 0;
    const loaded = this.loadSiblings(this.depth);
    return isPromise(loaded) ? loaded.then(() => this.delete(pos)) : this.delete(pos);
  }

  private loadSiblings(level: number): MaybePromise<void> {
    const min = minSize(this.bf);
    for (let l = level; l >= 1; l--) {
      const node = this.path[l] as Node<K>;
      if (node.keys.length - 1 >= min) return;
      const parent = this.path[l - 1] as Branch<K>;
      const i = this.idx[l - 1] as number;
      const sib = resolve(parent.children[i > 0 ? i - 1 : i + 1] as Ref<K>, this.storage);
      if (isPromise(sib)) {
        return sib.then((s) => {
          this.sibs[l] = s;
          return s.keys.length > min ? undefined : this.loadSiblings(l - 1);
        });
      }
      this.sibs[l] = sib;
      if (sib.keys.length > min) return; // borrow: the parent keeps its number of children
    }
  }

  private delete(pos: number): boolean {
    this.ownPath();
    const path = this.path;
    (path[this.depth] as Leaf<K>).keys.splice(pos, 1);
    this.count--;
    const min = minSize(this.bf);
    for (let l = this.depth; l >= 1; l--) {
      const parent = path[l - 1] as Branch<K>;
      const i = this.idx[l - 1] as number;
      const node = path[l] as Node<K>;
      (parent.counts[i] as number)--;
      if (node.keys.length >= min) {
        parent.keys[i] = maxKey(node);
        continue;
      }
      const j = i > 0 ? i - 1 : i + 1;
      const sib = this.own(this.sibs[l] as Node<K>);
      parent.children[j] = sib;
      const [left, right, li] = j < i ? [sib, node, j] : [node, sib, i];
      if (sib.keys.length > min) borrow(left, right, j < i);
      else merge(left, right);
      parent.keys[li] = maxKey(left);
      parent.counts[li] = nodeSize(left);
      if (right.keys.length === 0) {
        parent.keys.splice(li + 1, 1);
        parent.children.splice(li + 1, 1);
        parent.counts.splice(li + 1, 1);
      } else {
        parent.keys[li + 1] = maxKey(right);
        parent.counts[li + 1] = nodeSize(right);
      }
    }
    // A root branch left with one child hands the root down to it.
    let root = this.root as Node<K>;
    while (root.kind === 'branch' && root.children.length === 1) {
      const only = root.children[0] as Ref<K>;
      if (typeof only === 'string') {
        this.root = only;
        return true;
      }
      root = only;
    }
    this.root = root;
    return true;
  }
}

/** Move one entry across the boundary between adjacent owned siblings: leftward or rightward. */
function borrow<K>(left: Node<K>, right: Node<K>, fromLeft: boolean): void {
  if (fromLeft) {
    right.keys.unshift(left.keys.pop() as K);
    if (left.kind === 'branch' && right.kind === 'branch') {
      right.children.unshift(left.children.pop() as Ref<K>);
      right.counts.unshift(left.counts.pop() as number);
    }
  } else {
    left.keys.push(right.keys.shift() as K);
    if (left.kind === 'branch' && right.kind === 'branch') {
      left.children.push(right.children.shift() as Ref<K>);
      left.counts.push(right.counts.shift() as number);
    }
  }
}

/** Move every entry of `right` to the end of `left`, leaving `right` empty. */
function merge<K>(left: Node<K>, right: Node<K>): void {
  for (const k of right.keys) left.keys.push(k);
  right.keys.length = 0;
  if (left.kind === 'branch' && right.kind === 'branch') {
    for (const c of right.children) left.children.push(c);
    for (const c of right.counts) left.counts.push(c);
    right.children.length = 0;
    right.counts.length = 0;
  }
}
