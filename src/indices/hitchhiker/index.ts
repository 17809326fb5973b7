// 'hitchhiker-tree': a write-optimised persistent sorted set (Datahike's second index).
//
// A B+-tree whose branches buffer pending insertions and removals (node.ts): a write lands in
// the root's buffer, and buffers are carried down a level only when full (write.ts), so a small
// durable transaction rewrites the root of each index instead of a whole root-to-leaf path.
// Reads merge the messages met on the way down with the leaves (read.ts), so answers are exactly
// the persistent set's. Values are immutable, edits go through `transient()`, flushes write only
// dirty nodes, and stored nodes load lazily through NodeStorage, as for the persistent set.

import { andThen, type MaybePromise } from '../../util/maybe.js';
import { checkBranchingFactor, checkSortedDistinct, chunks, sortedDistinct, TreeSet } from '../node-kit.js';
import type { Comparator, IndexFactory, IndexMeta, NodeAddress, NodeStorage, SortedSet, TransientSet } from '../types.js';
import { checkTree } from './check.js';
import { Branch, Leaf, nodeSize, resolve, type Node, type Ref } from './node.js';
import { count, has, scan } from './read.js';
import { purgePaths, rootOf, Transient } from './write.js';

export const DEFAULT_HITCHHIKER_BRANCHING_FACTOR = 512;

export class HitchhikerSet<K> extends TreeSet<K, Ref<K>> implements SortedSet<K> {
  slice(from: K | undefined, to: K | undefined, cmp: Comparator<K> = this.cmp): MaybePromise<K[]> {
    return scan(this.root, { from, to, cmp, limit: Infinity }, this.cmp, this.storage);
  }

  seek(from: K, limit = Infinity, cmp: Comparator<K> = this.cmp): MaybePromise<K[]> {
    return scan(this.root, { from, to: undefined, cmp, limit }, this.cmp, this.storage);
  }

  count(from?: K, to?: K, cmp: Comparator<K> = this.cmp): MaybePromise<number> {
    if (from === undefined && to === undefined) return this.size;
    return count(this.root, from, to, cmp, this.storage);
  }

  has(key: K): MaybePromise<boolean> {
    return has(this.root, key, this.cmp, this.storage);
  }

  transient(): TransientSet<K> {
    const shape = { cmp: this.cmp, bf: this.branchingFactor, storage: this.storage };
    return new Transient(this.root, this.size, shape, (root, size) =>
      root === this.root ? this : new HitchhikerSet(root, size, this.cmp, this.branchingFactor, this.storage),
    );
  }

  /**
   * The same keys with no removed key left in a node: a removal buffered in a branch holds the
   * removed key, as a separator may. Given the keys removed, only the paths to them are rewritten
   * (their buffers carried down to the leaves, such separators replaced); without, the whole tree
   * is built afresh (O(size)).
   */
  compacted(removed?: readonly K[]): MaybePromise<SortedSet<K>> {
    const { cmp, branchingFactor: bf, storage } = this;
    if (removed === undefined) {
      return andThen(this.slice(undefined, undefined), (keys) => new HitchhikerSet(buildSorted(keys, cmp, bf), keys.length, cmp, bf, storage));
    }
    const gone = sortedDistinct(removed, cmp);
    if (gone.length === 0) return this;
    const shape = { cmp, bf, storage };
    return andThen(resolve(this.root, storage), (root) => {
      if (root.kind === 'leaf') return this; // a root leaf holds only its keys
      // each piece's last key is no purged one: a leaf's is present, a branch's an entry fixed below
      return andThen(purgePaths(root, [], [], gone, shape), (pieces) => {
        const top = rootOf(
          pieces,
          pieces.map((p) => p.keys[p.keys.length - 1] as K),
          root.level + 1,
          null,
        );
        return new HitchhikerSet<K>(top, this.size, cmp, bf, storage);
      });
    });
  }

  flush(storage: NodeStorage<K>): MaybePromise<NodeAddress> {
    return flushRef(this.root, storage);
  }

  checkValid(): MaybePromise<void> {
    return checkTree(this.root, this.size, this.cmp, this.branchingFactor, this.storage);
  }
}

/** Store every dirty node, children first; buffers go with their branch. */
function flushRef<K>(ref: Ref<K>, storage: NodeStorage<K>): NodeAddress {
  if (typeof ref === 'string') return ref;
  if (ref.address !== undefined) return ref.address;
  const node = ref;
  if (node.kind === 'leaf') {
    node.address = storage.store({ kind: 'leaf', keys: node.keys });
  } else {
    const children = node.children.map((c) => flushRef(c, storage));
    const buffer = node.adds.length + node.removes.length > 0 ? { adds: node.adds, removes: node.removes } : {};
    node.address = storage.store({ kind: 'branch', level: node.level, keys: node.keys, children, counts: node.counts, ...buffer });
  }
  return node.address;
}

/** Leaves packed as full as allowed, levels built bottom-up, buffers empty. */
function buildSorted<K>(keys: readonly K[], cmp: Comparator<K>, bf: number): Node<K> {
  checkSortedDistinct(keys, cmp);
  let level: Node<K>[] = chunks(keys.length, bf).map(([a, b]) => new Leaf(keys.slice(a, b)));
  if (level.length === 0) return new Leaf<K>([]);
  for (let height = 1; level.length > 1; height++) {
    const below = level;
    level = chunks(below.length, bf).map(([a, b]) => {
      const children = below.slice(a, b);
      return new Branch(
        height,
        children.map((c) => c.keys[c.keys.length - 1] as K),
        children,
        children.map(nodeSize),
        [],
        [],
        null,
      );
    });
  }
  return level[0] as Node<K>;
}

type Opts<K> = { branchingFactor?: number; storage?: NodeStorage<K> } | undefined;

export const hitchhikerTree: IndexFactory = {
  empty<K>(cmp: Comparator<K>, opts?: Opts<K>): SortedSet<K> {
    const bf = checkBranchingFactor(opts?.branchingFactor ?? DEFAULT_HITCHHIKER_BRANCHING_FACTOR);
    return new HitchhikerSet<K>(new Leaf<K>([]), 0, cmp, bf, opts?.storage);
  },

  fromSorted<K>(keys: readonly K[], cmp: Comparator<K>, opts?: Opts<K>): SortedSet<K> {
    const bf = checkBranchingFactor(opts?.branchingFactor ?? DEFAULT_HITCHHIKER_BRANCHING_FACTOR);
    return new HitchhikerSet(buildSorted(keys, cmp, bf), keys.length, cmp, bf, opts?.storage);
  },

  restore<K>(address: NodeAddress, cmp: Comparator<K>, storage: NodeStorage<K>, meta: IndexMeta): SortedSet<K> {
    return new HitchhikerSet<K>(address, meta.size, cmp, checkBranchingFactor(meta.branchingFactor), storage);
  },
};
