// What the persistent set guarantees beyond the index contract (run in contract.test.ts): an
// edit rewrites exactly its root-to-leaf path, and checkValid catches every corruption of the
// B+-tree layout (exact maxima, minimum fill, a root branch with at least two children).

import { describe, expect, it } from 'vitest';
import { expectCode, numCmp, range, sync } from '../contract/kit.js';
import { CountingNodeStorage } from '../test-storage.js';
import type { NodeAddress, SortedSet, StoredNode } from '../types.js';
import { persistentSet } from './index.js';

describe('persistent-set path copying', () => {
  it('an edit under one full leaf rewrites exactly one root-to-leaf path, however many keys it touches', () => {
    const storage = new CountingNodeStorage<number>();
    const set = persistentSet.fromSorted(range(2000), numCmp, { branchingFactor: 8 });
    sync(set.flush(storage));
    const height = 4; // 2000 keys at bf 8: 250 leaves, 32 and 4 branches, a root
    const t = set.transient();
    expect(sync(t.remove(777))).toBe(true);
    const v2 = t.persistent();
    storage.resetCounts();
    sync(v2.flush(storage));
    expect(storage.stores).toBe(height);
    const t3 = v2.transient();
    for (const k of [100, 101, 102]) expect(sync(t3.remove(k))).toBe(true);
    storage.resetCounts();
    sync(t3.persistent().flush(storage));
    expect(storage.stores).toBe(height);
  });
});

describe('persistent-set checkValid', () => {
  function restoreFrom(nodes: Record<string, StoredNode<number>>, root: string, size: number): SortedSet<number> {
    const storage = new CountingNodeStorage<number>('sync');
    for (const [a, node] of Object.entries(nodes)) storage.nodes.set(a as NodeAddress, node);
    return persistentSet.restore(root as NodeAddress, numCmp, storage, { size, branchingFactor: 4 });
  }
  const leafA: StoredNode<number> = { kind: 'leaf', keys: [1, 2, 3] };
  const leafB: StoredNode<number> = { kind: 'leaf', keys: [5, 6] };

  const corrupt: { name: string; nodes: Record<string, StoredNode<number>>; size: number }[] = [
    {
      name: 'wrong subtree count',
      nodes: { a: leafA, b: leafB, r: { kind: 'branch', level: 1, keys: [3, 6], children: ['a', 'b'] as NodeAddress[], counts: [3, 3] } },
      size: 6,
    },
    {
      name: 'wrong max key',
      nodes: { a: leafA, b: leafB, r: { kind: 'branch', level: 1, keys: [4, 6], children: ['a', 'b'] as NodeAddress[], counts: [3, 2] } },
      size: 5,
    },
    {
      name: 'keys out of order',
      nodes: {
        a: { kind: 'leaf', keys: [1, 3, 2] },
        b: leafB,
        r: { kind: 'branch', level: 1, keys: [2, 6], children: ['a', 'b'] as NodeAddress[], counts: [3, 2] },
      },
      size: 5,
    },
    {
      name: 'overlapping children',
      nodes: {
        a: leafA,
        b: { kind: 'leaf', keys: [3, 6] },
        r: { kind: 'branch', level: 1, keys: [3, 6], children: ['a', 'b'] as NodeAddress[], counts: [3, 2] },
      },
      size: 5,
    },
    {
      name: 'underfull non-root leaf',
      nodes: { a: leafA, b: { kind: 'leaf', keys: [6] }, r: { kind: 'branch', level: 1, keys: [3, 6], children: ['a', 'b'] as NodeAddress[], counts: [3, 1] } },
      size: 4,
    },
    {
      name: 'root branch with one child',
      nodes: { a: leafA, r: { kind: 'branch', level: 1, keys: [3], children: ['a'] as NodeAddress[], counts: [3] } },
      size: 3,
    },
    {
      name: 'wrong level',
      nodes: { a: leafA, b: leafB, r: { kind: 'branch', level: 2, keys: [3, 6], children: ['a', 'b'] as NodeAddress[], counts: [3, 2] } },
      size: 5,
    },
    {
      name: 'size differs from meta',
      nodes: { a: leafA, b: leafB, r: { kind: 'branch', level: 1, keys: [3, 6], children: ['a', 'b'] as NodeAddress[], counts: [3, 2] } },
      size: 9,
    },
  ];
  for (const c of corrupt) {
    it(`reports index/invalid: ${c.name}`, async () => {
      await expectCode(() => restoreFrom(c.nodes, 'r', c.size).checkValid(), 'index/invalid');
    });
  }

  it('accepts the well-formed version of the same tree', () => {
    const nodes = {
      a: leafA,
      b: leafB,
      r: { kind: 'branch', level: 1, keys: [3, 6], children: ['a', 'b'] as NodeAddress[], counts: [3, 2] } as StoredNode<number>,
    };
    sync(restoreFrom(nodes, 'r', 5).checkValid());
  });
});
