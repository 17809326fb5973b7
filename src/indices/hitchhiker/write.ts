// Writes to the hitchhiker tree: the transient, and carrying full buffers down the tree.
//
// An add or remove first checks membership (a path read, which the db layer needs anyway to
// answer "was it there?"), then becomes a message in the root's buffer. Only when that buffer
// would exceed its capacity are all its messages carried one level down: into the children's
// buffers, or applied to the keys of leaf children, recursively wherever a child's buffer
// overflows in turn. So a small write rewrites the root alone, and the nodes below are
// rewritten once per many writes (what makes the tree write-optimised).
//
// Carrying down is functional: it builds new nodes and never edits existing ones, and the root
// is swapped only once everything it needed is loaded. So a failed load leaves the transient
// exactly as it was. Only the root's buffer is edited in place, and only while this transient
// owns the root (copy on first write).

import { all, andThen, type MaybePromise } from '../../util/maybe.js';
import { chunks, lowerBound, TransientGate, type Edit } from '../node-kit.js';
import type { Comparator, NodeStorage, SortedSet, TransientSet } from '../types.js';
import { absorb, applyToKeys, groupByChild } from './buffer.js';
import { Branch, bufferCapacity, entries, Leaf, nodeSize, resolve, resolveAll, type Node, type Ref } from './node.js';
import { has } from './read.js';

/** Tree-shaping parameters every write needs. */
interface Shape<K> {
  readonly cmp: Comparator<K>;
  readonly bf: number;
  readonly storage: NodeStorage<K> | undefined;
}

export class Transient<K> implements TransientSet<K> {
  private root: Ref<K>;
  private count: number;
  private readonly gate = new TransientGate();
  private readonly edit: Edit = this.gate.edit;
  private readonly shape: Shape<K>;
  private readonly freezeAs: (root: Ref<K>, size: number) => SortedSet<K>;

  constructor(root: Ref<K>, size: number, shape: Shape<K>, freezeAs: (root: Ref<K>, size: number) => SortedSet<K>) {
    this.root = root;
    this.count = size;
    this.shape = shape;
    this.freezeAs = freezeAs;
  }

  get size(): number {
    return this.count;
  }

  add(key: K): MaybePromise<boolean> {
    return this.gate.run(() => andThen(has(this.root, key, this.shape.cmp, this.shape.storage), (present) => (present ? false : this.write(key, true))));
  }

  remove(key: K): MaybePromise<boolean> {
    return this.gate.run(() => andThen(has(this.root, key, this.shape.cmp, this.shape.storage), (present) => (present ? this.write(key, false) : false)));
  }

  persistent(): SortedSet<K> {
    this.gate.close();
    return this.freezeAs(this.root, this.count);
  }

  /** Record an effective add or remove of `key` (membership already checked). */
  private write(key: K, add: boolean): MaybePromise<boolean> {
    const { cmp, bf } = this.shape;
    return andThen(resolve(this.root, this.shape.storage), (root) => {
      if (root.kind === 'leaf') {
        const keys = add ? applyToKeys(root.keys, [key], [], cmp) : applyToKeys(root.keys, [], [key], cmp);
        this.setRoot(leafPieces(keys, bf), 1, add);
        return true;
      }
      const mine = root.edit === this.edit ? root : this.own(root);
      // The opposite message for this key, if buffered here, cancels (see node.ts).
      const [same, opposite] = add ? [mine.adds, mine.removes] : [mine.removes, mine.adds];
      const at = lowerBound(opposite, key, cmp);
      if (at < opposite.length && cmp(opposite[at] as K, key) === 0) {
        opposite.splice(at, 1);
      } else if (mine.adds.length + mine.removes.length < bufferCapacity(bf)) {
        same.splice(lowerBound(same, key, cmp), 0, key);
      } else {
        const buffered = absorb(mine, add ? [key] : [], add ? [] : [key], cmp);
        return andThen(carryDown(mine, buffered.adds, buffered.removes, this.shape), (pieces) => {
          this.setRoot(pieces, mine.level + 1, add);
          return true;
        });
      }
      this.root = mine;
      this.count += add ? 1 : -1;
      return true;
    });
  }

  private own(root: Branch<K>): Branch<K> {
    return new Branch(root.level, root.keys, root.children, root.counts, root.adds.slice(), root.removes.slice(), this.edit);
  }

  /** Install the nodes a rewrite of the root produced, growing or shrinking the tree by a level. */
  private setRoot(pieces: Node<K>[], level: number, add: boolean): void {
    this.count += add ? 1 : -1;
    this.root = rootOf(pieces, pieces.map(lastKey), level, this.edit);
  }
}

/** The root over the pieces a rewrite of the root produced (`seps`: theirs), a level up if several. */
export function rootOf<K>(pieces: Node<K>[], seps: readonly K[], level: number, edit: Edit | null): Node<K> {
  if (pieces.length === 0) return new Leaf<K>([]);
  if (pieces.length > 1) return new Branch(level, seps, pieces, pieces.map(nodeSize), [], [], edit);
  let only = pieces[0] as Node<K>;
  // A root branch left with one in-memory child and nothing buffered hands the root down.
  while (only.kind === 'branch' && only.children.length === 1 && only.adds.length + only.removes.length === 0 && typeof only.children[0] !== 'string') {
    only = only.children[0] as Node<K>;
  }
  return only;
}

/** Upper bound of a node's keys as its parent's separator: exact for leaves and split pieces. */
function lastKey<K>(node: Node<K>): K {
  return node.keys[node.keys.length - 1] as K;
}

/** A leaf's keys as leaves of at most bf keys (none when empty). */
function leafPieces<K>(keys: K[], bf: number): Node<K>[] {
  if (keys.length === 0) return [];
  if (keys.length <= bf) return [new Leaf(keys)];
  return chunks(keys.length, bf).map(([a, b]) => new Leaf(keys.slice(a, b)));
}

/**
 * `branch` with `adds`/`removes` (its whole buffer, already including any new message) carried
 * into its children. Returns the branch's replacement: no node (everything under it is gone),
 * one, or several (it split); each with an empty buffer. With `gone` (sorted keys the set no
 * longer holds), the children on the way to one of them are purged too (purgePaths), and a
 * separator equal to one is replaced by the largest key under it.
 */
export function carryDown<K>(branch: Branch<K>, adds: readonly K[], removes: readonly K[], shape: Shape<K>, gone: readonly K[] = []): MaybePromise<Node<K>[]> {
  const { cmp } = shape;
  const groups = groupByChild(branch.keys, adds, removes, cmp);
  const paths = groupByChild(branch.keys, gone, [], cmp);
  const targets = [...new Set([...groups.keys(), ...paths.keys()])];
  return andThen(
    resolveAll(
      targets.map((i) => branch.children[i] as Ref<K>),
      shape.storage,
    ),
    (nodes) => {
      const rewritten = nodes.map((child, t) => {
        const i = targets[t] as number;
        const g = groups.get(i) ?? { adds: [], removes: [] };
        const path = paths.get(i);
        return path === undefined ? receive(child, g.adds, g.removes, shape) : purgePaths(child, g.adds, g.removes, path.adds, shape);
      });
      return andThen(all(rewritten), (replacements) => {
        const byChild = new Map<number, Node<K>[]>();
        targets.forEach((i, t) => byChild.set(i, replacements[t] as Node<K>[]));
        const list = entryList(branch, byChild);
        return andThen(gone.length === 0 ? undefined : withoutGoneSeparators(list, gone, shape), () => assemble(branch, list, shape.bf));
      });
    },
  );
}

/** A child's replacement after it receives messages from its parent's buffer. */
function receive<K>(child: Node<K>, adds: readonly K[], removes: readonly K[], shape: Shape<K>): MaybePromise<Node<K>[]> {
  const { cmp, bf } = shape;
  if (child.kind === 'leaf') return leafPieces(applyToKeys(child.keys, adds, removes, cmp), bf);
  const buffered = absorb(child, adds, removes, cmp);
  if (buffered.adds.length + buffered.removes.length <= bufferCapacity(bf)) {
    return [new Branch(child.level, child.keys, child.children, child.counts, buffered.adds, buffered.removes, null)];
  }
  return carryDown(child, buffered.adds, buffered.removes, shape);
}

interface Entry<K> {
  ref: Ref<K>;
  sep: K;
  count: number;
  /** Built by this rewrite (in memory), so it may merge with a fresh neighbour. */
  fresh: boolean;
}

/** The branch's children as entries, the rewritten ones replaced by their pieces. */
function entryList<K>(branch: Branch<K>, byChild: Map<number, Node<K>[]>): Entry<K>[] {
  const last = branch.children.length - 1;
  const list: Entry<K>[] = [];
  for (let i = 0; i <= last; i++) {
    const pieces = byChild.get(i);
    if (pieces === undefined) {
      list.push({ ref: branch.children[i] as Ref<K>, sep: branch.keys[i] as K, count: branch.counts[i] as number, fresh: false });
      continue;
    }
    pieces.forEach((p, j) => {
      // The last piece keeps the child's separator: its range ends where the child's did.
      const sep = j < pieces.length - 1 || i === last ? lastKey(p) : (branch.keys[i] as K);
      list.push({ ref: p, sep, count: nodeSize(p), fresh: true });
    });
  }
  return list;
}

/** Entries as the branch's replacement: merged where small, split where too many, buffers empty. */
function assemble<K>(branch: Branch<K>, list: Entry<K>[], bf: number): Node<K>[] {
  mergeSmall(list, bf);
  if (list.length === 0) return [];
  return chunks(list.length, bf).map(([a, b]) => {
    const part = list.slice(a, b);
    return new Branch(
      branch.level,
      part.map((e) => e.sep),
      part.map((e) => e.ref),
      part.map((e) => e.count),
      [],
      [],
      null,
    );
  });
}

/** Merge adjacent fresh children when one is under half full and both fit in one node. */
function mergeSmall<K>(list: Entry<K>[], bf: number): void {
  const half = bf >> 1;
  for (let i = 0; i + 1 < list.length; ) {
    const a = list[i]!;
    const b = list[i + 1]!;
    const merged = a.fresh && b.fresh ? mergeNodes(a.ref as Node<K>, b.ref as Node<K>, a.sep, bf, half) : undefined;
    if (merged === undefined) {
      i++;
      continue;
    }
    list.splice(i, 2, { ref: merged, sep: b.sep, count: a.count + b.count, fresh: true });
  }
}

function mergeNodes<K>(a: Node<K>, b: Node<K>, aSep: K, bf: number, half: number): Node<K> | undefined {
  if (entries(a) >= half && entries(b) >= half) return undefined;
  if (entries(a) + entries(b) > bf) return undefined;
  if (a.kind === 'leaf' && b.kind === 'leaf') return new Leaf([...a.keys, ...b.keys]);
  if (a.kind !== 'branch' || b.kind !== 'branch') return undefined;
  if (a.adds.length + a.removes.length + b.adds.length + b.removes.length > bufferCapacity(bf)) return undefined;
  // a's last child stops being last: it gets the bound a had in the parent.
  const keys = [...a.keys.slice(0, -1), aSep, ...b.keys];
  return new Branch(a.level, keys, [...a.children, ...b.children], [...a.counts, ...b.counts], [...a.adds, ...b.adds], [...a.removes, ...b.removes], null);
}

/**
 * `node` after it receives `adds`/`removes` from above, with no trace left of the keys of `gone`
 * (sorted; keys the set no longer holds) in the pieces it returns: every buffer on the way to
 * one of them is carried down to the leaves, and a separator equal to one is replaced by the
 * largest key under it. What a purge compacts (HitchhikerSet.compacted): only those paths are
 * rewritten, and the children their buffers reach, as a carry-down would.
 */
export function purgePaths<K>(node: Node<K>, adds: readonly K[], removes: readonly K[], gone: readonly K[], shape: Shape<K>): MaybePromise<Node<K>[]> {
  const { cmp, bf } = shape;
  if (node.kind === 'leaf') return leafPieces(applyToKeys(node.keys, adds, removes, cmp), bf);
  const buffered = absorb(node, adds, removes, cmp);
  return carryDown(node, buffered.adds, buffered.removes, shape, gone);
}

/** Replace each entry's separator that is one of `gone` by the largest key under the entry. */
function withoutGoneSeparators<K>(list: { ref: Ref<K>; sep: K }[], gone: readonly K[], shape: Shape<K>): MaybePromise<void> {
  const { cmp } = shape;
  const isGone = (k: K): boolean => {
    const at = lowerBound(gone, k, cmp);
    return at < gone.length && cmp(gone[at] as K, k) === 0;
  };
  const fixes = list.filter((e) => isGone(e.sep)).map((e) => andThen(largestKey(e.ref, shape), (k) => void (e.sep = k)));
  return andThen(all(fixes), () => undefined);
}

/** The largest key a subtree holds, its buffered additions included (a non-empty subtree). */
function largestKey<K>(ref: Ref<K>, shape: Shape<K>): MaybePromise<K> {
  return andThen(resolve(ref, shape.storage), (node): MaybePromise<K> => {
    if (node.kind === 'leaf') return node.keys[node.keys.length - 1] as K;
    const added = node.adds[node.adds.length - 1];
    return andThen(largestKey(node.children[node.children.length - 1] as Ref<K>, shape), (below) =>
      added !== undefined && shape.cmp(added, below) > 0 ? added : below,
    );
  });
}
