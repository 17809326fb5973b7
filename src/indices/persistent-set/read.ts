// Read operations over a tree root: membership, range scans and rank-based counts.
//
// Every read runs synchronously while the nodes it needs are in memory (or in the storage's
// cache) and turns into a Promise at the first node that must be fetched, continuing from where
// it stopped. A point read fetches at most one node per level. A range scan walks the tree
// level by level: it collects every child of the current level that overlaps the range and
// resolves them with ONE `loadMany`, so a scan over many leaves costs one round trip per level,
// never one per leaf (docs/architecture.md, decision 1).

import { isPromise, type MaybePromise } from '../../util/maybe.js';
import { lowerBound, resolve, resolveAll, upperBound, type Node, type Ref } from './node.js';
import type { Comparator, KeyRuns, NodeStorage } from '../types.js';

/** Whether `key` is in the tree. */
export function has<K>(ref: Ref<K>, key: K, cmp: Comparator<K>, storage: NodeStorage<K> | undefined): MaybePromise<boolean> {
  let r = ref;
  for (;;) {
    const n = resolve(r, storage);
    if (isPromise(n)) return n.then((node) => has(node, key, cmp, storage));
    const keys = n.keys;
    const i = lowerBound(keys, key, cmp);
    if (i === keys.length) return false;
    if (n.kind === 'leaf') return cmp(keys[i] as K, key) === 0;
    r = n.children[i] as Ref<K>;
  }
}

/** Bounds of a scan; `undefined` = open end. `limit` caps the number of keys (Infinity = none). */
export interface Range<K> {
  readonly from: K | undefined;
  readonly to: K | undefined;
  readonly cmp: Comparator<K>;
  readonly limit: number;
}

/** Keys within the range, ascending, in one array. */
export function scan<K>(root: Ref<K>, range: Range<K>, storage: NodeStorage<K> | undefined): MaybePromise<K[]> {
  if (range.limit <= 0) return [];
  return scanLevel([root], range, storage, collectLeaves, []);
}

/** Keys within the range (no limit) as the leaves hold them, not copied (SortedSet.runs). */
export function scanRuns<K>(root: Ref<K>, range: Range<K>, storage: NodeStorage<K> | undefined): MaybePromise<KeyRuns<K>> {
  return scanLevel([root], range, storage, leafRuns, NO_RUNS as KeyRuns<K>);
}

const NO_RUNS: KeyRuns<unknown> = { arrays: [], start: 0, end: 0 };

function scanLevel<K, R>(
  refs: Ref<K>[],
  range: Range<K>,
  storage: NodeStorage<K> | undefined,
  finish: (leaves: Node<K>[], range: Range<K>) => R,
  none: R,
): MaybePromise<R> {
  for (;;) {
    const resolved = resolveAll(refs, storage);
    if (isPromise(resolved)) return resolved.then((nodes) => scanLevel(nodes, range, storage, finish, none));
    const nodes = resolved;
    if (nodes.length === 0) return none;
    if ((nodes[0] as Node<K>).kind === 'leaf') return finish(nodes, range);
    refs = overlappingChildren(nodes, range);
  }
}

/** The range within the leaves: bounds apply in the first and last leaf only. */
function leafRuns<K>(leaves: Node<K>[], range: Range<K>): KeyRuns<K> {
  const { from, to, cmp } = range;
  const last = leaves.length - 1;
  const start = from !== undefined ? lowerBound(leaves[0]!.keys, from, cmp) : 0;
  const lastKeys = leaves[last]!.keys;
  const end = to !== undefined ? upperBound(lastKeys, to, cmp, last === 0 ? start : 0) : lastKeys.length;
  if (last === 0 && end <= start) return NO_RUNS as KeyRuns<K>;
  return { arrays: leaves.map((l) => l.keys), start, end };
}

/**
 * Children of this level's nodes that may hold keys in the range, in order. In the first node
 * the range starts at the first child whose max >= from; in the last it ends at the first child
 * whose max > to (it may still hold keys <= to). With a limit, children stop once their keys
 * surely suffice: the first child holds at least one key in range, every later one all of its
 * subtree count (they lie strictly inside the range, except the last, after which we stop anyway).
 */
function overlappingChildren<K>(nodes: Node<K>[], range: Range<K>): Ref<K>[] {
  const { from, to, cmp, limit } = range;
  const out: Ref<K>[] = [];
  let atLeast = 0;
  const last = nodes.length - 1;
  for (let n = 0; n <= last; n++) {
    const node = nodes[n] as Node<K>;
    if (node.kind !== 'branch') continue; // unreachable: all leaves sit at one depth
    const keys = node.keys;
    const lo = n === 0 && from !== undefined ? lowerBound(keys, from, cmp) : 0;
    const hi = n === last && to !== undefined ? Math.min(upperBound(keys, to, cmp, lo), keys.length - 1) : keys.length - 1;
    for (let i = lo; i <= hi; i++) {
      out.push(node.children[i] as Ref<K>);
      atLeast += out.length === 1 ? 1 : (node.counts[i] as number);
      if (atLeast >= limit) return out;
    }
  }
  return out;
}

function collectLeaves<K>(leaves: Node<K>[], range: Range<K>): K[] {
  const { from, to, cmp, limit } = range;
  const last = leaves.length - 1;
  // Bounds apply only in the first and last leaf; everything between is taken whole, so the
  // exact result size is known before copying and the array is allocated once.
  const first = leaves[0]!.keys;
  const start = from !== undefined ? lowerBound(first, from, cmp) : 0;
  const lastKeys = leaves[last]!.keys;
  const end = to !== undefined ? upperBound(lastKeys, to, cmp, last === 0 ? start : 0) : lastKeys.length;
  let total = last === 0 ? end - start : first.length - start + end;
  for (let n = 1; n < last; n++) total += leaves[n]!.keys.length;
  if (total > limit) total = limit;
  if (total <= 0) return [];
  const out = new Array<K>(total);
  let o = 0;
  for (let n = 0; n <= last && o < total; n++) {
    const keys = leaves[n]!.keys;
    const s = n === 0 ? start : 0;
    const e = Math.min(n === last ? end : keys.length, s + (total - o));
    for (let i = s; i < e; i++) out[o++] = keys[i] as K;
  }
  return out;
}

/**
 * Number of keys k with cmp(k, bound) < 0 (`inclusive` false) or <= 0 (`inclusive` true):
 * one path down, adding the subtree counts of every child wholly before the bound. `size` is
 * the subtree's key count, so each level sums whichever side of the chosen child is shorter.
 */
export function rank<K>(
  ref: Ref<K>,
  size: number,
  bound: K,
  inclusive: boolean,
  cmp: Comparator<K>,
  storage: NodeStorage<K> | undefined,
  acc = 0,
): MaybePromise<number> {
  let r = ref;
  let total = acc;
  let subtree = size;
  for (;;) {
    const n = resolve(r, storage);
    if (isPromise(n)) {
      const [sofar, sz] = [total, subtree];
      return n.then((node) => rank(node, sz, bound, inclusive, cmp, storage, sofar));
    }
    const keys = n.keys;
    const i = inclusive ? upperBound(keys, bound, cmp) : lowerBound(keys, bound, cmp);
    if (n.kind === 'leaf') return total + i;
    if (i === keys.length) return total + subtree;
    const counts = n.counts;
    let before = 0;
    if (2 * i <= keys.length) {
      for (let j = 0; j < i; j++) before += counts[j] as number;
    } else {
      before = subtree;
      for (let j = i; j < keys.length; j++) before -= counts[j] as number;
    }
    total += before;
    subtree = counts[i] as number;
    r = n.children[i] as Ref<K>;
  }
}
