// Reads of the hitchhiker tree: membership, range scans and counts, merging the buffered
// messages met on the way down with what the leaves hold (see node.ts for why the highest
// message on a key's path decides it).
//
// Like the persistent set, a read runs synchronously while its nodes are in memory or cached,
// and turns into a Promise at the first node it must fetch. A range scan walks level by level
// and resolves each level's overlapping children with one `loadMany`.

import { all, andThen, isPromise, type MaybePromise } from '../../util/maybe.js';
import { lowerBound, upperBound } from '../node-kit.js';
import type { Comparator, NodeStorage } from '../types.js';
import { resolve, resolveAll, route, type Branch, type Node, type Ref } from './node.js';

/** Whether `key` is in the tree: the first buffered message on its path decides, else the leaf. */
export function has<K>(ref: Ref<K>, key: K, cmp: Comparator<K>, storage: NodeStorage<K> | undefined): MaybePromise<boolean> {
  let r = ref;
  for (;;) {
    const n = resolve(r, storage);
    if (isPromise(n)) return n.then((node) => has(node, key, cmp, storage));
    if (n.kind === 'leaf') {
      const i = lowerBound(n.keys, key, cmp);
      return i < n.keys.length && cmp(n.keys[i] as K, key) === 0;
    }
    if (contains(n.adds, key, cmp)) return true;
    if (contains(n.removes, key, cmp)) return false;
    r = n.children[route(n.keys, key, cmp)] as Ref<K>;
  }
}

function contains<K>(keys: readonly K[], key: K, cmp: Comparator<K>): boolean {
  const n = keys.length;
  if (n === 0 || cmp(keys[0] as K, key) > 0 || cmp(keys[n - 1] as K, key) < 0) return false;
  const i = lowerBound(keys, key, cmp);
  return i < keys.length && cmp(keys[i] as K, key) === 0;
}

/** Bounds of a scan; `undefined` = open end. `limit` caps the number of keys (Infinity = none). */
export interface Range<K> {
  readonly from: K | undefined;
  readonly to: K | undefined;
  readonly cmp: Comparator<K>;
  readonly limit: number;
}

/** A buffered message met by a scan; a higher level is newer. */
interface Msg<K> {
  readonly key: K;
  readonly add: boolean;
  readonly level: number;
}

/**
 * The nodes of one level a scan visits, in key order, each with the inclusive upper bound of
 * its keys (undefined: unbounded). Two parallel arrays rather than an object per node.
 */
interface Level<K> {
  readonly refs: Ref<K>[];
  readonly bounds: (K | undefined)[];
}

/** Scan state across levels: messages collected so far and the key past which results are incomplete. */
interface ScanState<K> {
  readonly msgs: Msg<K>[];
  removes: number;
  cut: K | undefined;
  /** Count the first chosen child as holding a key in range (true unless its separator is loose). */
  readonly optimistic: boolean;
}

/** What a limited scan found, and whether it may have stopped short of the limit too early. */
interface Found<K> {
  readonly keys: K[];
  readonly short: boolean;
}

/**
 * Keys within the range, ascending, in one array. A limited scan first assumes the first child it
 * picks holds a key in range (so a point seek reads one node per level); a separator left loose by
 * removals can make that wrong, which shows as a short answer, and the scan then runs again
 * without the assumption.
 */
export function scan<K>(root: Ref<K>, range: Range<K>, treeCmp: Comparator<K>, storage: NodeStorage<K> | undefined): MaybePromise<K[]> {
  if (range.limit <= 0) return [];
  const found = attempt(root, range, treeCmp, storage, range.limit !== Infinity);
  if (isPromise(found)) return found.then((f) => (f.short ? andThen(attempt(root, range, treeCmp, storage, false), keysOf) : f.keys));
  return found.short ? andThen(attempt(root, range, treeCmp, storage, false), keysOf) : found.keys;
}

function keysOf<K>(found: Found<K>): K[] {
  return found.keys;
}

function attempt<K>(root: Ref<K>, range: Range<K>, treeCmp: Comparator<K>, storage: NodeStorage<K> | undefined, optimistic: boolean): MaybePromise<Found<K>> {
  return scanLevel({ refs: [root], bounds: [undefined] }, range, treeCmp, { msgs: [], removes: 0, cut: undefined, optimistic }, storage);
}

function scanLevel<K>(
  level: Level<K>,
  range: Range<K>,
  treeCmp: Comparator<K>,
  state: ScanState<K>,
  storage: NodeStorage<K> | undefined,
): MaybePromise<Found<K>> {
  for (;;) {
    const resolved = resolveAll(level.refs, storage);
    if (isPromise(resolved)) {
      const bounds = level.bounds;
      return resolved.then((nodes) => scanLevel({ refs: nodes, bounds }, range, treeCmp, state, storage));
    }
    if (resolved.length === 0) return { keys: [], short: false };
    if (resolved[0]!.kind === 'leaf') return finish(resolved, range, treeCmp, state);
    level = overlapping(resolved as Branch<K>[], level.bounds, range, treeCmp, state);
  }
}

/**
 * Collect each node's messages in range and choose its children that may hold keys in range,
 * in order. With a limit, stop once the chosen children surely hold enough keys even if every
 * remove message met so far deletes one of them, and remember the bound of the last chosen
 * child: keys beyond it were not visited.
 */
function overlapping<K>(nodes: Branch<K>[], nodeBounds: (K | undefined)[], range: Range<K>, treeCmp: Comparator<K>, state: ScanState<K>): Level<K> {
  const { from, to, cmp, limit } = range;
  const refs: Ref<K>[] = [];
  const bounds: (K | undefined)[] = [];
  const out = { refs, bounds };
  let atLeast = 0;
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    collect(node.adds, true, node.level, range, state);
    collect(node.removes, false, node.level, range, state);
    const keys = node.keys;
    const last = keys.length - 1;
    const nodeBound = nodeBounds[n];
    // Children before the first whose separator reaches `from` hold nothing in range (binary
    // search over the trusted separators: every one but the last).
    const first = from === undefined ? 0 : lowerBound(keys, from, cmp, 0, last);
    for (let i = first; i <= last; i++) {
      if (to !== undefined && i > 0 && cmp(keys[i - 1] as K, to) > 0) break; // wholly above it
      const bound = i < last ? (keys[i] as K) : nodeBound;
      refs.push(node.children[i] as Ref<K>);
      bounds.push(bound);
      if (refs.length > 1) atLeast += node.counts[i] as number;
      else if (state.optimistic) atLeast += 1;
      if (limit !== Infinity && atLeast >= limit + state.removes) {
        if (bound !== undefined && (state.cut === undefined || treeCmp(bound, state.cut) < 0)) state.cut = bound;
        return out;
      }
    }
  }
  return out;
}

/**
 * Add a buffer's messages in range to the state. Most buffers hold nothing in a narrow range:
 * a range wholly past either end of the buffer costs one comparison, else one binary search.
 */
function collect<K>(keys: readonly K[], add: boolean, level: number, range: Range<K>, state: ScanState<K>): void {
  const n = keys.length;
  if (n === 0) return;
  const { from, to, cmp } = range;
  if ((to !== undefined && cmp(keys[0] as K, to) > 0) || (from !== undefined && cmp(keys[n - 1] as K, from) < 0)) return;
  const start = from === undefined ? 0 : lowerBound(keys, from, cmp);
  if (start === n || (to !== undefined && cmp(keys[start] as K, to) > 0)) return;
  const end = to === undefined ? n : upperBound(keys, to, cmp, start + 1);
  for (let i = start; i < end; i++) state.msgs.push({ key: keys[i] as K, add, level });
  if (!add) state.removes += end - start;
}

/**
 * The leaves' keys in range merged with the deciding message of each buffered key, in one pass
 * into one array allocated once: runs of leaf keys between two messages are copied without
 * comparing them, each message finding its place by a binary search. Keys past the cut (not
 * visited) and past the limit are never copied.
 */
function finish<K>(leaves: Node<K>[], range: Range<K>, treeCmp: Comparator<K>, state: ScanState<K>): Found<K> {
  const { from, to, cmp, limit } = range;
  const cut = state.cut;
  const msgs = state.msgs.length === 0 ? state.msgs : deciding(state.msgs, treeCmp, cut);
  // Bounds apply in the first and last leaf only (and the cut, in whichever leaves pass it).
  const last = leaves.length - 1;
  const start = from !== undefined ? lowerBound(leaves[0]!.keys, from, cmp) : 0;
  const lastKeys = leaves[last]!.keys;
  const end = to !== undefined ? upperBound(lastKeys, to, cmp, last === 0 ? start : 0) : lastKeys.length;
  let adds = 0;
  for (const m of msgs) if (m.add) adds++;
  let total = last === 0 ? end - start : leaves[0]!.keys.length - start + end;
  for (let n = 1; n < last; n++) total += leaves[n]!.keys.length;
  const cap = Math.min(limit, Math.max(0, total) + adds);
  const out = new Array<K>(cap);
  let o = 0;
  let m = 0;
  for (let n = 0; n <= last && o < cap; n++) {
    const keys = leaves[n]!.keys;
    let s = n === 0 ? start : 0;
    let e = n === last ? end : keys.length;
    if (cut !== undefined && e > s && treeCmp(keys[e - 1] as K, cut) > 0) e = upperBound(keys, cut, treeCmp, s, e);
    while (s < e && o < cap) {
      // Leaf keys up to the next message (or the leaf's end), then the message itself.
      const at = m < msgs.length ? gallop(keys, msgs[m]!.key, treeCmp, s, e) : e;
      const stop = Math.min(at, s + (cap - o));
      for (let i = s; i < stop; i++) out[o++] = keys[i] as K;
      s = at;
      if (at === e || o === cap) break;
      const msg = msgs[m++]!;
      if (msg.add) out[o++] = msg.key;
      if (treeCmp(keys[s] as K, msg.key) === 0) s++;
    }
  }
  // Messages above every leaf key in range (added past the last leaf's keys).
  for (; m < msgs.length && o < cap; m++) if (msgs[m]!.add) out[o++] = msgs[m]!.key;
  out.length = o;
  return { keys: out, short: cut !== undefined && state.optimistic && o < limit };
}

/**
 * First i in [lo, hi) with keys[i] >= key, or hi: probes lo, lo+2, lo+5, ... before a binary
 * search, so a message close after the previous one (buffers dense in the range) costs a few
 * comparisons rather than a search over the whole leaf.
 */
function gallop<K>(keys: readonly K[], key: K, cmp: Comparator<K>, lo: number, hi: number): number {
  let below = lo; // every key before `below` is < key
  let probe = lo;
  for (let step = 1; probe < hi && cmp(keys[probe] as K, key) < 0; step *= 2) {
    below = probe + 1;
    probe = below + step;
  }
  return lowerBound(keys, key, cmp, below, Math.min(probe, hi));
}

/** The messages sorted by key, only the deciding (highest) one per key, none past the cut. */
function deciding<K>(msgs: Msg<K>[], treeCmp: Comparator<K>, cut: K | undefined): Msg<K>[] {
  msgs.sort((a, b) => treeCmp(a.key, b.key) || b.level - a.level);
  let o = 0;
  for (let i = 0; i < msgs.length; i++) {
    const msg = msgs[i]!;
    if (cut !== undefined && treeCmp(msg.key, cut) > 0) break;
    if (o > 0 && treeCmp(msgs[o - 1]!.key, msg.key) === 0) continue;
    msgs[o++] = msg;
  }
  msgs.length = o;
  return msgs;
}

/** Number of keys in [from, to] under cmp: subtree counts for children wholly inside, two paths down. */
export function count<K>(root: Ref<K>, from: K | undefined, to: K | undefined, cmp: Comparator<K>, storage: NodeStorage<K> | undefined): MaybePromise<number> {
  return countRef(root, from, to, cmp, storage, undefined, undefined);
}

function countRef<K>(
  ref: Ref<K>,
  from: K | undefined,
  to: K | undefined,
  cmp: Comparator<K>,
  storage: NodeStorage<K> | undefined,
  lower: K | undefined,
  upper: K | undefined,
): MaybePromise<number> {
  return andThen(resolve(ref, storage), (node) => {
    if (node.kind === 'leaf') {
      const start = from === undefined ? 0 : lowerBound(node.keys, from, cmp);
      const end = to === undefined ? node.keys.length : upperBound(node.keys, to, cmp, start);
      return Math.max(0, end - start);
    }
    let total = inRange(node.adds, from, to, cmp) - inRange(node.removes, from, to, cmp);
    const partial: MaybePromise<number>[] = [];
    const keys = node.keys;
    const last = keys.length - 1;
    const first = from === undefined ? 0 : lowerBound(keys, from, cmp, 0, last);
    for (let i = first; i <= last; i++) {
      const lo = i > 0 ? (keys[i - 1] as K) : lower; // keys in child i are > lo
      const hi = i < last ? (keys[i] as K) : upper; // and <= hi
      if (from !== undefined && hi !== undefined && cmp(hi, from) < 0) continue;
      if (to !== undefined && lo !== undefined && cmp(lo, to) > 0) break;
      const fromInside = from === undefined || (lo !== undefined && cmp(lo, from) >= 0);
      const toInside = to === undefined || (hi !== undefined && cmp(hi, to) <= 0);
      if (fromInside && toInside) total += node.counts[i] as number;
      else partial.push(countRef(node.children[i] as Ref<K>, from, to, cmp, storage, lo, hi));
    }
    return andThen(all(partial), (counts) => counts.reduce((a, b) => a + b, total));
  });
}

function inRange<K>(keys: readonly K[], from: K | undefined, to: K | undefined, cmp: Comparator<K>): number {
  const start = from === undefined ? 0 : lowerBound(keys, from, cmp);
  const end = to === undefined ? keys.length : upperBound(keys, to, cmp, start);
  return Math.max(0, end - start);
}
