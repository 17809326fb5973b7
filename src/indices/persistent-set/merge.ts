// Bulk insertion of a sorted run into a tree (bulk import, tail folds): instead of one
// root-to-leaf descent, path copy and splice per key, the run is split among the children by
// their maximum keys, each touched leaf is merged with its share once, and a node that
// outgrows the branching factor is cut into near-equal nodes (as `buildSorted` cuts a level).
// Untouched subtrees keep their references (addresses stay addresses: nothing is loaded that
// the run does not reach); every node on a touched path is new, hence dirty, and unowned.
//
// Sizes only grow, so no node underflows: a node's replacement has at least its old number of
// entries, and a cut yields parts of at least (bf + 1) / 2 >= minSize(bf) each. A run appended
// past the end of a tree (ascending entity ids in EAVT) fills leaves nearly full, where one add
// at a time would leave each split leaf half full.

import { andThen, isPromise, type MaybePromise } from '../../util/maybe.js';
import { checkSortedDistinct, chunks, lowerBound, upperBound } from '../node-kit.js';
import { Branch, Leaf, maxKey, nodeSize, resolve, resolveAll, type Node, type Ref } from './node.js';
import type { Comparator, NodeStorage } from '../types.js';

interface Ctx<K> {
  readonly keys: readonly K[];
  readonly cmp: Comparator<K>;
  readonly bf: number;
  readonly storage: NodeStorage<K> | undefined;
  added: number;
}

/** Merge `keys` (sorted, distinct) into the tree at `root`; keys already present are skipped. */
export function mergeSorted<K>(
  root: Ref<K>,
  keys: readonly K[],
  cmp: Comparator<K>,
  bf: number,
  storage: NodeStorage<K> | undefined,
): MaybePromise<{ root: Ref<K>; added: number }> {
  checkSortedDistinct(keys, cmp);
  if (keys.length === 0) return { root, added: 0 };
  const ctx: Ctx<K> = { keys, cmp, bf, storage, added: 0 };
  return andThen(resolve(root, storage), (node) =>
    andThen(mergeNode(node, 0, keys.length, ctx), (parts) => ({ root: parts === null ? root : stack(parts, bf), added: ctx.added })),
  );
}

/** One root over nodes of one level: levels of near-equal branches until a single node is left. */
function stack<K>(nodes: Node<K>[], bf: number): Node<K> {
  let level = nodes;
  while (level.length > 1) {
    const below = level;
    const height = (below[0] as Node<K>).kind === 'leaf' ? 1 : (below[0] as Branch<K>).level + 1;
    level = chunks(below.length, bf).map(([a, b]) => {
      const children = below.slice(a, b);
      return new Branch(height, children.map(maxKey), children as Ref<K>[], children.map(nodeSize), undefined, null);
    });
  }
  return level[0] as Node<K>;
}

/** The nodes replacing `node` once keys[lo, hi) are merged into it, or null when none was new. */
function mergeNode<K>(node: Node<K>, lo: number, hi: number, ctx: Ctx<K>): MaybePromise<Node<K>[] | null> {
  if (node.kind === 'leaf') return mergeLeaf(node, lo, hi, ctx);
  // Child i takes the keys up to its maximum; the last child also takes every key beyond.
  const last = node.children.length - 1;
  const shares: [number, number, number][] = []; // child index, lo, hi
  let pos = lo;
  for (let i = 0; i <= last && pos < hi; i++) {
    const end = i === last ? hi : upperBound(ctx.keys, node.keys[i] as K, ctx.cmp, pos, hi);
    if (end > pos) shares.push([i, pos, end]);
    pos = end;
  }
  const refs = shares.map(([i]) => node.children[i] as Ref<K>);
  return andThen(resolveAll(refs, ctx.storage), (children) => {
    const replaced: (Node<K>[] | null)[] = new Array(shares.length);
    const step = (s: number): MaybePromise<void> => {
      for (; s < shares.length; s++) {
        const [, a, b] = shares[s]!;
        const r = mergeNode(children[s] as Node<K>, a, b, ctx);
        if (isPromise(r)) {
          const at = s;
          return r.then((parts) => {
            replaced[at] = parts;
            return step(at + 1);
          });
        }
        replaced[s] = r;
      }
      return undefined;
    };
    return andThen(step(0), () => rebuildBranch(node, shares, replaced, ctx.bf));
  });
}

function rebuildBranch<K>(node: Branch<K>, shares: readonly [number, number, number][], replaced: readonly (Node<K>[] | null)[], bf: number): Node<K>[] | null {
  if (replaced.every((r) => r === null)) return null;
  const keys: K[] = [];
  const children: Ref<K>[] = [];
  const counts: number[] = [];
  let s = 0;
  for (let i = 0; i < node.children.length; i++) {
    const parts = s < shares.length && shares[s]![0] === i ? replaced[s++] : null;
    if (parts === null || parts === undefined) {
      keys.push(node.keys[i] as K);
      children.push(node.children[i] as Ref<K>);
      counts.push(node.counts[i] as number);
    } else {
      for (const p of parts) {
        keys.push(maxKey(p));
        children.push(p);
        counts.push(nodeSize(p));
      }
    }
  }
  if (children.length <= bf) return [new Branch(node.level, keys, children, counts, undefined, null)];
  return chunks(children.length, bf).map(([a, b]) => new Branch(node.level, keys.slice(a, b), children.slice(a, b), counts.slice(a, b), undefined, null));
}

function mergeLeaf<K>(leaf: Leaf<K>, lo: number, hi: number, ctx: Ctx<K>): Node<K>[] | null {
  const { keys: run, cmp } = ctx;
  const old = leaf.keys;
  if (old.length === 0 || cmp(old[old.length - 1] as K, run[lo] as K) < 0) {
    // The whole share goes after the leaf's keys (appending, or an empty tree): no comparisons,
    // and each new leaf is filled straight from the two arrays (no concatenation first).
    ctx.added += hi - lo;
    const n = old.length + hi - lo;
    if (n <= ctx.bf) return [new Leaf(old.concat(run.slice(lo, hi)), undefined, null)];
    return chunks(n, ctx.bf).map(([a, b]) => {
      const keys: K[] = new Array(b - a);
      for (let i = a; i < b; i++) keys[i - a] = (i < old.length ? old[i] : run[lo + i - old.length]) as K;
      return new Leaf(keys, undefined, null);
    });
  }
  const out = mergeRuns(old, run, lo, hi, cmp);
  const added = out.length - old.length;
  if (added === 0) return null;
  ctx.added += added;
  if (out.length <= ctx.bf) return [new Leaf(out, undefined, null)];
  return chunks(out.length, ctx.bf).map(([a, b]) => new Leaf(out.slice(a, b), undefined, null));
}

/**
 * old and run[lo, hi) merged in order; a key of the run equal to one of old is dropped. The run
 * is usually much longer than the leaf, so each old key finds its place in the run by binary
 * search and the run keys before it are copied without comparisons.
 */
function mergeRuns<K>(old: readonly K[], run: readonly K[], lo: number, hi: number, cmp: Comparator<K>): K[] {
  const out: K[] = new Array(old.length + hi - lo); // trimmed below when keys were present
  let n = 0;
  let j = lo;
  for (let i = 0; i < old.length; i++) {
    const k = old[i] as K;
    const p = j < hi ? lowerBound(run, k, cmp, j, hi) : hi;
    for (; j < p; j++) out[n++] = run[j] as K;
    if (j < hi && cmp(run[j] as K, k) === 0) j++; // already present: the stored key stays
    out[n++] = k;
  }
  for (; j < hi; j++) out[n++] = run[j] as K;
  out.length = n;
  return out;
}
