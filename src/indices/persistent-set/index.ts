// 'persistent-set': the default index, a persistent B+-tree sorted set (docs/architecture.md, decision 4).
//
// A `PersistentSet` value is a root reference (an in-memory node or only an address), the key
// count, the branching factor, the comparator and the storage it loads unloaded nodes from. The
// value never changes: edits go through `transient()`, which path-copies, and `persistent()`
// yields a new value sharing every untouched node with this one. Node layout and the laziness
// rules are described in node.ts; reads in read.ts; edits in transient.ts; writes in flush.ts.
//
// Size accounting: branches keep subtree counts, so `size` is exact and `count(from, to)`
// costs two root-to-leaf paths, which the query planner uses for estimates.

import { andThen, isPromise, type MaybePromise } from '../../util/maybe.js';
import { buildSorted } from './build.js';
import { TreeSet } from '../node-kit.js';
import { checkTree } from './check.js';
import { flushRef } from './flush.js';
import { mergeSorted } from './merge.js';
import { checkBranchingFactor, DEFAULT_BRANCHING_FACTOR, Leaf, type Ref } from './node.js';
import { has, rank, scan, scanRuns } from './read.js';
import { Transient } from './transient.js';
import type { Comparator, IndexFactory, IndexMeta, KeyRuns, NodeAddress, NodeStorage, SortedSet, TransientSet } from '../types.js';

export class PersistentSet<K> extends TreeSet<K, Ref<K>> implements SortedSet<K> {
  slice(from: K | undefined, to: K | undefined, cmp: Comparator<K> = this.cmp): MaybePromise<K[]> {
    return scan(this.root, { from, to, cmp, limit: Infinity }, this.storage);
  }

  runs(from: K | undefined, to: K | undefined, cmp: Comparator<K> = this.cmp): MaybePromise<KeyRuns<K>> {
    return scanRuns(this.root, { from, to, cmp, limit: Infinity }, this.storage);
  }

  seek(from: K, limit = Infinity, cmp: Comparator<K> = this.cmp): MaybePromise<K[]> {
    return scan(this.root, { from, to: undefined, cmp, limit }, this.storage);
  }

  count(from?: K, to?: K, cmp: Comparator<K> = this.cmp): MaybePromise<number> {
    const below = from === undefined ? 0 : rank(this.root, this.size, from, false, cmp, this.storage);
    const upTo = to === undefined ? this.size : rank(this.root, this.size, to, true, cmp, this.storage);
    const diff = (a: number, b: number): number => Math.max(0, b - a);
    if (isPromise(below) || isPromise(upTo)) return Promise.all([below, upTo]).then(([a, b]) => diff(a, b));
    return diff(below, upTo);
  }

  has(key: K): MaybePromise<boolean> {
    return has(this.root, key, this.cmp, this.storage);
  }

  transient(): TransientSet<K> {
    return new Transient(this.root, this.size, this.cmp, this.branchingFactor, this.storage, (root, size) =>
      root === this.root ? this : new PersistentSet(root, size, this.cmp, this.branchingFactor, this.storage),
    );
  }

  addSorted(keys: readonly K[]): MaybePromise<SortedSet<K>> {
    const merged = mergeSorted(this.root, keys, this.cmp, this.branchingFactor, this.storage);
    return andThen(merged, ({ root, added }) =>
      added === 0 ? this : new PersistentSet(root, this.size + added, this.cmp, this.branchingFactor, this.storage),
    );
  }

  flush(storage: NodeStorage<K>): MaybePromise<NodeAddress> {
    return flushRef(this.root, storage);
  }

  checkValid(): MaybePromise<void> {
    return checkTree(this.root, this.size, this.cmp, this.branchingFactor, this.storage);
  }
}

type Opts<K> = { branchingFactor?: number; storage?: NodeStorage<K> } | undefined;

export const persistentSet: IndexFactory = {
  empty<K>(cmp: Comparator<K>, opts?: Opts<K>): SortedSet<K> {
    const bf = checkBranchingFactor(opts?.branchingFactor ?? DEFAULT_BRANCHING_FACTOR);
    return new PersistentSet<K>(new Leaf<K>([], undefined, null), 0, cmp, bf, opts?.storage);
  },

  fromSorted<K>(keys: readonly K[], cmp: Comparator<K>, opts?: Opts<K>): SortedSet<K> {
    const bf = checkBranchingFactor(opts?.branchingFactor ?? DEFAULT_BRANCHING_FACTOR);
    return new PersistentSet(buildSorted(keys, cmp, bf), keys.length, cmp, bf, opts?.storage);
  },

  restore<K>(address: NodeAddress, cmp: Comparator<K>, storage: NodeStorage<K>, meta: IndexMeta): SortedSet<K> {
    const bf = checkBranchingFactor(meta.branchingFactor);
    return new PersistentSet<K>(address, meta.size, cmp, bf, storage);
  },
};
