// The index contract (docs/architecture.md, decision 4). An index is a persistent sorted set of keys (datoms
// for CairnDB) under a comparator. It is an immutable value; a batch of changes goes through a
// transient that is frozen back into a new value sharing every untouched node.
//
// Reads: a read returns its result synchronously when every node it needs is in memory and a
// Promise otherwise (one await per missing node, sibling leaves of a range fetched together).
// Nodes reach storage only through `NodeStorage`, so the same tree runs in memory or lazily
// over a store; `registerIndex` plugs in other implementations under a name.

import type { MaybePromise } from '../util/maybe.js';

export type Comparator<K> = (a: K, b: K) => number;

/** Address of a stored node: the store key it lives under. */
export type NodeAddress = string & { readonly __brand: 'NodeAddress' };

/**
 * Where nodes go and come from. The tree calls `store` for each dirty node during `flush`
 * (children before parents) and `load`/`loadMany` for a node it does not hold in memory.
 * Implementations cache decoded nodes in one LRU shared by all indices.
 *
 * Arrays are shared, not copied, in both directions: `store` receives the tree's own frozen
 * arrays and `load` results are used as they are. Neither side may mutate them afterwards (the
 * tree copies a node before editing it). A tree does not keep the nodes it loads: a restored
 * tree re-asks `load` on each visit, so the storage's cache alone decides what stays decoded.
 */
export interface NodeStorage<K> {
  /** Persist one node's content and return its new address (sync: bytes are queued, not yet written). */
  store(node: StoredNode<K>): NodeAddress;
  load(address: NodeAddress): MaybePromise<StoredNode<K>>;
  loadMany(addresses: readonly NodeAddress[]): MaybePromise<StoredNode<K>[]>;
}

/**
 * Serialisable content of a node: a leaf holds keys, a branch holds child addresses, a key
 * bounding each child (its maximum, for 'persistent-set'), each child's subtree key count
 * (always written by both built-in indices) and, for a write-buffered index, the buffer of
 * pending operations.
 */
export type StoredNode<K> =
  | { readonly kind: 'leaf'; readonly keys: readonly K[] }
  | {
      readonly kind: 'branch';
      readonly level: number;
      readonly keys: readonly K[];
      readonly children: readonly NodeAddress[];
      readonly counts?: readonly number[];
      /** A write-buffered index's pending insertions and removals ('hitchhiker-tree'); sorted. */
      readonly adds?: readonly K[];
      readonly removes?: readonly K[];
    };

/**
 * Range comparators: reads that take `cmp` call it as `cmp(storedKey, bound)`, never the other
 * way round, so a bound may be a partial key whose missing components compare as equal
 * (DataScript style). `cmp` must order keys consistently with the set's comparator.
 */
export interface SortedSet<K> {
  readonly size: number;
  /** Keys k with from <= k <= to under `cmp` (default: the set's comparator); undefined = open. */
  slice(from: K | undefined, to: K | undefined, cmp?: Comparator<K>): MaybePromise<K[]>;
  /** Same keys, descending. */
  rslice(from: K | undefined, to: K | undefined, cmp?: Comparator<K>): MaybePromise<K[]>;
  /**
   * The keys of `slice`, without copying them into one array: the arrays the set already holds
   * (its leaves), of which the range covers `arrays[0]` from `start`, the last one up to `end`
   * (exclusive) and every one between whole. Optional: readers fall back to `slice`.
   * The arrays are the set's own and must not be mutated.
   */
  runs?(from: K | undefined, to: K | undefined, cmp?: Comparator<K>): MaybePromise<KeyRuns<K>>;
  /** Keys >= from to the end of the set (at most `limit`). */
  seek(from: K, limit?: number, cmp?: Comparator<K>): MaybePromise<K[]>;
  /** Number of keys in [from, to] (exact, O(log n) nodes through subtree counts). */
  count(from?: K, to?: K, cmp?: Comparator<K>): MaybePromise<number>;
  has(key: K): MaybePromise<boolean>;
  transient(): TransientSet<K>;
  /**
   * Optional bulk path: a new set with `keys` (sorted and distinct under the set's comparator)
   * added; keys already present are skipped. An implementation without it gets the same result
   * from `addSorted` in bulk.ts, one transient add at a time.
   */
  addSorted?(keys: readonly K[]): MaybePromise<SortedSet<K>>;
  /**
   * Optional, for an index whose nodes can keep a key after it is removed (a buffered removal,
   * a separator): the same keys in nodes that hold none of `removed` (any order; keys the set
   * never held may be among them), or, without `removed`, no removed key at all. A commit that
   * purges calls it with the purged keys before it flushes, so a purged value is in no node the
   * new root reaches; it should then rewrite only what holds them. An index without it must keep
   * no removed key in any node its root reaches (the contract suite checks both).
   */
  compacted?(removed?: readonly K[]): MaybePromise<SortedSet<K>>;
  /** Write every dirty node through `storage`; returns the root address. Clean trees write nothing. */
  flush(storage: NodeStorage<K>): MaybePromise<NodeAddress>;
  /** Check every structural invariant; throws `index/invalid` describing the first violation. */
  checkValid(): MaybePromise<void>;
  /** What `restore` needs besides the root address (kept in the commit record). */
  meta(): IndexMeta;
}

/** A range of keys as a run of arrays (see `SortedSet.runs`); empty when `arrays` is. */
export interface KeyRuns<K> {
  readonly arrays: readonly (readonly K[])[];
  /** Index of the first key in `arrays[0]`. */
  readonly start: number;
  /** One past the last key in the last array. */
  readonly end: number;
}

/** One array as runs. */
export const runsOf = <K>(keys: readonly K[]): KeyRuns<K> => ({ arrays: keys.length === 0 ? [] : [keys], start: 0, end: keys.length });

/** The keys of runs in one new array (tests, and readers that need one array after all). */
export function flattenRuns<K>(r: KeyRuns<K>): K[] {
  const out: K[] = [];
  const last = r.arrays.length - 1;
  for (let n = 0; n <= last; n++) {
    const a = r.arrays[n]!;
    const end = n === last ? r.end : a.length;
    for (let i = n === 0 ? r.start : 0; i < end; i++) out.push(a[i]!);
  }
  return out;
}

/**
 * A mutable batch over a set. Operations may return Promises (an unloaded node on the path);
 * an operation issued while another is pending waits for it, so a failed load leaves the
 * transient unchanged and usable.
 */
export interface TransientSet<K> {
  readonly size: number;
  /** Returns false when the key was already present. */
  add(key: K): MaybePromise<boolean>;
  /** Returns false when the key was absent. */
  remove(key: K): MaybePromise<boolean>;
  /** Freeze into a new persistent value; the transient must not be used afterwards. */
  persistent(): SortedSet<K>;
}

/** An index implementation, as registered with `registerIndex`. */
export interface IndexFactory {
  empty<K>(cmp: Comparator<K>, opts?: { branchingFactor?: number; storage?: NodeStorage<K> }): SortedSet<K>;
  /** Build from keys already sorted and distinct under cmp (bulk import). */
  fromSorted<K>(keys: readonly K[], cmp: Comparator<K>, opts?: { branchingFactor?: number; storage?: NodeStorage<K> }): SortedSet<K>;
  /** A lazily-loaded set whose root is at `address`; `meta` is what `meta()` of the flushed set returned. */
  restore<K>(address: NodeAddress, cmp: Comparator<K>, storage: NodeStorage<K>, meta: IndexMeta): SortedSet<K>;
}

/** Small facts about a flushed tree, kept in the commit record. */
export interface IndexMeta {
  readonly size: number;
  readonly branchingFactor: number;
}
