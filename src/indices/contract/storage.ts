// The tree over a NodeStorage: flush writes only dirty nodes, restore loads lazily (one node per
// level for a point read, one loadMany per level for a range), versions share structure, the
// MaybePromise shape follows what is loaded, and a failed load changes nothing.

import { describe, expect, it } from 'vitest';
import { isPromise } from '../../util/maybe.js';
import { expectCode, numCmp, range, sync } from './kit.js';
import { seededRandom } from '../../util/random.js';
import { CountingNodeStorage } from '../test-storage.js';
import { flattenRuns, type NodeAddress, type SortedSet, type StoredNode } from '../types.js';
import type { IndexFactory } from '../types.js';

/** Nodes per level of a tree built by fromSorted (n keys, branching factor bf): leaves first. */
function levelSizes(n: number, bf: number): number[] {
  const sizes = [Math.max(1, Math.ceil(n / bf))];
  while ((sizes[sizes.length - 1] as number) > 1) sizes.push(Math.ceil((sizes[sizes.length - 1] as number) / bf));
  return sizes;
}

/** Every key a node the root reaches holds: its keys, separators and buffered messages. */
function reachedKeys(storage: CountingNodeStorage<number>, root: NodeAddress): Set<number> {
  const reached = new Set<number>();
  const walk = (address: NodeAddress): void => {
    const node = storage.nodes.get(address)!;
    const keys = node as unknown as { keys: number[]; adds?: number[]; removes?: number[] };
    for (const k of [...keys.keys, ...(keys.adds ?? []), ...(keys.removes ?? [])]) reached.add(k);
    if (node.kind === 'branch') for (const c of node.children) walk(c);
  };
  walk(root);
  return reached;
}

/** Flush, lazy restore, structural sharing and transients over unloaded nodes. */
export function storageSuite(name: string, factory: IndexFactory): void {
  describe(`${name}: flush`, () => {
    it('stores every node of a new tree once, children before parents, and nothing for a clean tree', () => {
      const storage = new CountingNodeStorage<number>();
      const set = factory.fromSorted(range(1000), numCmp, { branchingFactor: 8 });
      const nodes = levelSizes(1000, 8).reduce((a, b) => a + b, 0);
      const root = sync(set.flush(storage));
      expect(storage.stores).toBe(nodes);
      // Children first: the root is the last node stored, and every address a branch names exists.
      expect(root).toBe(`n${nodes}`);
      for (const node of storage.nodes.values()) {
        if (node.kind === 'branch') for (const c of node.children) expect(storage.nodes.has(c)).toBe(true);
      }
      storage.resetCounts();
      expect(sync(set.flush(storage))).toBe(root);
      expect(storage.stores).toBe(0);
    });

    it.each([
      ['compacted()', (s: SortedSet<number>) => s.compacted?.()],
      ['compacted(removed)', (s: SortedSet<number>, removed: number[]) => s.compacted?.([...removed].reverse())],
    ] as const)(
      'a purge leaves no trace: after removals (and %s, where the index has it) no node the tree reaches holds a removed key',
      async (_how, compact) => {
        const storage = new CountingNodeStorage<number>();
        const removed = [7, 8, 15, 16, 100, 101, 500, 511, 512, 999]; // separators among them
        let set = factory.fromSorted(range(1000), numCmp, { branchingFactor: 8 });
        set = factory.restore(sync(set.flush(storage)), numCmp, storage, set.meta()); // stored, as a database's base tree is
        const t = set.transient();
        for (const k of removed) expect(await t.remove(k)).toBe(true);
        let after = t.persistent();
        after = (await compact(after, removed)) ?? after;
        const root = await after.flush(storage);
        const reached = reachedKeys(storage, root);
        expect(removed.filter((k) => reached.has(k))).toEqual([]);
        expect(await after.slice(undefined, undefined)).toEqual(range(1000).filter((k) => !removed.includes(k)));
        await after.checkValid();
      },
    );

    it('compacted(removed) rewrites only the paths to the removed keys, and leaves no trace of them among random writes', async () => {
      const r = seededRandom(11);
      const bf = 8;
      for (let round = 0; round < 20; round++) {
        const storage = new CountingNodeStorage<number>();
        let set = factory.fromSorted(range(3000), numCmp, { branchingFactor: bf });
        set = factory.restore(sync(set.flush(storage)), numCmp, storage, set.meta());
        // random writes first, so buffers (where the index has them) hold messages of all kinds
        const t = set.transient();
        const present = new Set(range(3000));
        for (let i = 0; i < 400; i++) {
          const k = r.int(3600);
          if (present.has(k) ? await t.remove(k) : await t.add(k)) present.has(k) ? present.delete(k) : present.add(k);
        }
        set = t.persistent();
        set = factory.restore(await set.flush(storage), numCmp, storage, set.meta());
        const removed = [...present].filter(() => r.next() < 0.002);
        const t2 = set.transient();
        for (const k of removed) expect(await t2.remove(k)).toBe(true);
        let after = t2.persistent();
        after = (await after.compacted?.([...removed, 5_000_000])) ?? after; // a key never held is allowed
        storage.resetCounts();
        const root = await after.flush(storage);
        // each removed key's path, and what its buffers reach: a bounded number of nodes, not the tree
        const height = levelSizes(3000, bf).length + 1;
        expect(storage.stores).toBeLessThanOrEqual(Math.max(1, removed.length) * height * bf);
        const reached = reachedKeys(storage, root);
        expect(removed.filter((k) => reached.has(k))).toEqual([]);
        for (const k of removed) present.delete(k);
        expect(await after.slice(undefined, undefined)).toEqual([...present].sort((a, b) => a - b));
        await after.checkValid();
      }
    });

    it('stores an empty tree as one empty leaf', () => {
      const storage = new CountingNodeStorage<number>();
      const address = sync(factory.empty(numCmp).flush(storage));
      expect(storage.nodes.get(address)).toEqual({ kind: 'leaf', keys: [] });
    });

    it('after a transient edit only the touched path is dirty', () => {
      const storage = new CountingNodeStorage<number>();
      const bf = 8;
      const set = factory.fromSorted(range(2000), numCmp, { branchingFactor: bf });
      sync(set.flush(storage));
      const height = levelSizes(2000, bf).length; // nodes on a root-to-leaf path
      // One removal rewrites at most one root-to-leaf path.
      const t = set.transient();
      expect(sync(t.remove(777))).toBe(true);
      const v2 = t.persistent();
      storage.resetCounts();
      sync(v2.flush(storage));
      expect(storage.stores).toBeGreaterThan(0);
      expect(storage.stores).toBeLessThanOrEqual(height);
      // Many edits under one leaf in one batch still copy that path only once.
      const t3 = v2.transient();
      for (const k of [100, 101, 102]) expect(sync(t3.remove(k))).toBe(true);
      storage.resetCounts();
      sync(t3.persistent().flush(storage));
      expect(storage.stores).toBeGreaterThan(0);
      expect(storage.stores).toBeLessThanOrEqual(height);
    });

    it('a no-op transient returns the same value and writes nothing', () => {
      const storage = new CountingNodeStorage<number>();
      const set = factory.fromSorted(range(100), numCmp, { branchingFactor: 4 });
      sync(set.flush(storage));
      const t = set.transient();
      expect(sync(t.add(5))).toBe(false);
      expect(sync(t.remove(1000))).toBe(false);
      const same = t.persistent();
      expect(same).toBe(set);
      storage.resetCounts();
      sync(same.flush(storage));
      expect(storage.stores).toBe(0);
    });
  });

  describe(`${name}: restore`, () => {
    const bf = 16;
    const n = 20_000;
    const keys = range(n, 3);
    const height = levelSizes(n, bf).length;

    function stored(mode: 'sync' | 'async'): { storage: CountingNodeStorage<number>; restored: SortedSet<number>; root: NodeAddress } {
      const storage = new CountingNodeStorage<number>();
      const set = factory.fromSorted(keys, numCmp, { branchingFactor: bf });
      const root = sync(set.flush(storage));
      storage.mode = mode;
      storage.resetCounts();
      return { storage, root, restored: factory.restore(root, numCmp, storage, set.meta()) };
    }

    it('keeps size and branching factor from meta without loading anything', () => {
      const { storage, restored } = stored('async');
      expect(restored.size).toBe(n);
      expect(restored.meta()).toEqual({ size: n, branchingFactor: bf });
      expect(storage.loads + storage.loadManys).toBe(0);
    });

    it('a point lookup loads at most one node per level', async () => {
      const { storage, restored } = stored('async');
      expect(height).toBeGreaterThanOrEqual(3);
      const rnd = seededRandom(3);
      for (let i = 0; i < 20; i++) {
        const k = rnd.int(3 * n);
        storage.resetCounts();
        const r = restored.has(k);
        expect(isPromise(r)).toBe(true);
        expect(await r).toBe(k % 3 === 0);
        expect(storage.nodesLoaded).toBeLessThanOrEqual(height);
        expect(storage.loadManys).toBe(0);
      }
    });

    it('a range scan issues one loadMany per level, not one load per leaf', async () => {
      const { storage, restored } = stored('async');
      const from = 3000;
      const to = 45_000; // about 14,000 keys, hundreds of leaves
      const r = restored.slice(from, to);
      expect(isPromise(r)).toBe(true);
      expect(await r).toEqual(keys.filter((k) => k >= from && k <= to));
      expect(storage.loads).toBe(0);
      expect(storage.loadManys).toBe(height);
      expect(storage.nodesLoaded).toBeLessThan(levelSizes(n, bf)[0] as number); // not the whole index
    });

    it('runs of a range read what slice reads, and hand out the leaves uncopied', async () => {
      const { storage, restored } = stored('async');
      if (restored.runs === undefined) return; // optional in the contract
      const r = restored.runs(3000, 45_000);
      expect(isPromise(r)).toBe(true);
      const runs = await r;
      expect(flattenRuns(runs)).toEqual(keys.filter((k) => k >= 3000 && k <= 45_000));
      expect(runs.arrays.length).toBeGreaterThan(1);
      expect(storage.loadManys).toBe(height);
      expect(flattenRuns(await restored.runs(-5, -1))).toEqual([]); // before the first key: empty
    });

    it('seek with a limit loads only the leaves it needs', async () => {
      const { storage, restored } = stored('async');
      expect(await restored.seek(301, 20)).toEqual(keys.filter((k) => k >= 301).slice(0, 20));
      expect(storage.loadManys).toBe(height);
      expect(storage.nodesLoaded).toBeLessThanOrEqual(2 * height);
    });

    it('count uses subtree counts: at most one path per bound', async () => {
      const { storage, restored } = stored('async');
      expect(await restored.count(100, 50_000)).toBe(keys.filter((k) => k >= 100 && k <= 50_000).length);
      expect(storage.nodesLoaded).toBeLessThanOrEqual(2 * height);
      storage.resetCounts();
      expect(await restored.count()).toBe(n);
      expect(storage.nodesLoaded).toBe(0);
    });

    it('reads are synchronous when storage answers synchronously (a warm cache)', () => {
      const { restored } = stored('sync');
      expect(sync(restored.has(300))).toBe(true);
      expect(sync(restored.slice(0, 30))).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
      expect(sync(restored.rslice(0, 9))).toEqual([9, 6, 3, 0]);
      expect(sync(restored.count(0, 30))).toBe(11);
      sync(restored.checkValid());
    });

    it('an in-memory tree answers every read synchronously', () => {
      const set = factory.fromSorted(keys, numCmp, { branchingFactor: bf });
      for (const r of [set.has(3), set.slice(0, 100), set.rslice(0, 100), set.seek(10, 5), set.count(5, 50), set.checkValid()]) {
        expect(isPromise(r)).toBe(false);
      }
    });

    it('checkValid walks a restored tree asynchronously', async () => {
      const { restored } = stored('async');
      const r = restored.checkValid();
      expect(isPromise(r)).toBe(true);
      await r;
    });
  });

  describe(`${name}: versions over storage`, () => {
    it('share structure: a new version writes only its paths and the old one reads the same', async () => {
      const storage = new CountingNodeStorage<number>('sync');
      const bf = 8;
      const v1 = factory.fromSorted(range(5000, 2), numCmp, { branchingFactor: bf });
      const root1 = sync(v1.flush(storage));
      storage.mode = 'async';
      const r1 = factory.restore(root1, numCmp, storage, v1.meta());

      const t = r1.transient();
      const rnd = seededRandom(11);
      const oracle = new Set(range(5000, 2));
      for (let i = 0; i < 300; i++) {
        const k = rnd.int(10_000);
        const adding = rnd.next() < 0.5;
        const r = adding ? t.add(k) : t.remove(k);
        expect(await r).toBe(adding ? !oracle.has(k) : oracle.has(k));
        if (adding) oracle.add(k);
        else oracle.delete(k);
      }
      const v2 = t.persistent();
      storage.resetCounts();
      const root2 = sync(v2.flush(storage));
      const total = levelSizes(5000, bf).reduce((a, b) => a + b, 0);
      expect(storage.stores).toBeGreaterThan(0);
      expect(storage.stores).toBeLessThan(total); // untouched subtrees are shared, not rewritten
      const expected2 = [...oracle].sort(numCmp);
      expect(await v2.slice(undefined, undefined)).toEqual(expected2);
      await v2.checkValid();

      const r2 = factory.restore(root2, numCmp, storage, v2.meta());
      expect(await r2.slice(undefined, undefined)).toEqual(expected2);
      await r2.checkValid();
      // The old version, in memory and restored, is untouched.
      expect(sync(v1.slice(undefined, undefined))).toEqual(range(5000, 2));
      expect(await r1.slice(undefined, undefined)).toEqual(range(5000, 2));
      await r1.checkValid();
    });

    it('a restored tree does not keep the nodes it read', async () => {
      const storage = new CountingNodeStorage<number>('sync');
      const set = factory.fromSorted(range(1000), numCmp, { branchingFactor: 4 });
      const restored = factory.restore(sync(set.flush(storage)), numCmp, storage, set.meta());
      storage.mode = 'async';
      await restored.slice(undefined, undefined);
      storage.resetCounts();
      await restored.has(500);
      expect(storage.nodesLoaded).toBeGreaterThan(0); // loaded again: the cache is the storage's job
    });
  });

  describe(`${name}: transients over unloaded nodes`, () => {
    function setup(): { storage: CountingNodeStorage<number>; restored: SortedSet<number> } {
      const storage = new CountingNodeStorage<number>('sync');
      const set = factory.fromSorted(range(500, 2), numCmp, { branchingFactor: 4 });
      const root = sync(set.flush(storage));
      storage.mode = 'async';
      return { storage, restored: factory.restore(root, numCmp, storage, set.meta()) };
    }

    it('queues operations issued without awaiting and applies them in order', async () => {
      const { restored } = setup();
      const t = restored.transient();
      const results = [t.add(1), t.add(1), t.remove(2), t.remove(2), t.add(3), t.remove(998)];
      expect(results.every(isPromise)).toBe(true);
      expect(await Promise.all(results)).toEqual([true, false, true, false, true, true]);
      const v = t.persistent();
      expect(v.size).toBe(500 + 2 - 2);
      await v.checkValid();
      expect(await v.slice(0, 6)).toEqual([0, 1, 3, 4, 6]);
    });

    it('a failed load rejects the operation and leaves the transient unchanged', async () => {
      const { storage, restored } = setup();
      // Make the leaf holding 600 (and its siblings) unreachable.
      const leafOf600 = [...storage.nodes.entries()].find(([, n]) => n.kind === 'leaf' && (n.keys as number[]).includes(600));
      expect(leafOf600).toBeDefined();
      storage.failing.add((leafOf600 as [NodeAddress, StoredNode<number>])[0]);
      const t = restored.transient();
      expect(await t.add(1)).toBe(true);
      await expectCode(t.add(601), 'store/missing-node');
      await expectCode(t.remove(600), 'store/missing-node');
      expect(t.size).toBe(501);
      storage.failing.clear();
      expect(await t.add(601)).toBe(true);
      const v = t.persistent();
      await v.checkValid();
      expect(await v.slice(598, 602)).toEqual([598, 600, 601, 602]);
    });

    it('removals that borrow and merge across unloaded siblings match the oracle', async () => {
      const rnd = seededRandom(23);
      const storage = new CountingNodeStorage<number>('sync');
      let set: SortedSet<number> = factory.fromSorted(range(400), numCmp, { branchingFactor: 4 });
      const oracle = new Set(range(400));
      const order = rnd.shuffle(range(400)).slice(0, 360);
      for (let i = 0; i < order.length; i += 12) {
        // Flush and restore before each batch, so every sibling a removal needs is unloaded.
        storage.mode = 'sync';
        const root = sync(set.flush(storage));
        storage.mode = 'async';
        const t = factory.restore(root, numCmp, storage, set.meta()).transient();
        storage.resetCounts();
        for (const k of order.slice(i, i + 12)) {
          expect(await t.remove(k)).toBe(true);
          oracle.delete(k);
        }
        set = t.persistent();
        await set.checkValid();
        expect(await set.slice(undefined, undefined)).toEqual([...oracle].sort(numCmp));
      }
      expect(set.size).toBe(40);
    });

    it('persistent() refuses while an operation is in flight, and the transient dies after it', async () => {
      const { restored } = setup();
      const t = restored.transient();
      const pending = t.add(7);
      await expectCode(() => t.persistent(), 'index/invalid');
      await pending;
      t.persistent();
      await expectCode(() => t.add(9), 'index/invalid');
    });
  });

  describe(`${name}: invalid input`, () => {
    function restoreFrom(nodes: Record<string, StoredNode<number>>, root: string, size: number): SortedSet<number> {
      const storage = new CountingNodeStorage<number>('sync');
      for (const [a, node] of Object.entries(nodes)) storage.nodes.set(a as NodeAddress, node);
      return factory.restore(root as NodeAddress, numCmp, storage, { size, branchingFactor: 4 });
    }
    it('a malformed stored node is store/corrupt', async () => {
      const bad = { r: { kind: 'twig', keys: [] } as unknown as StoredNode<number> };
      await expectCode(() => restoreFrom(bad, 'r', 0).has(1), 'store/corrupt');
    });

    it('fromSorted rejects unsorted or duplicate keys, naming the position', async () => {
      await expectCode(() => factory.fromSorted([1, 2, 2, 3], numCmp), 'index/invalid');
      expect(() => factory.fromSorted([1, 3, 2], numCmp)).toThrow(/key 2 \(2\)/);
    });

    it('rejects branching factors outside 4..65536', async () => {
      for (const bad of [0, 3, 2.5, 100_000, Number.NaN]) {
        await expectCode(() => factory.empty(numCmp, { branchingFactor: bad }), 'config/invalid');
      }
      expect(factory.empty(numCmp).meta().branchingFactor).toBe(512);
    });
  });
}
