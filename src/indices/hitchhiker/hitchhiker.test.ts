// What the hitchhiker tree adds to the index contract (contract.test.ts): small writes rewrite
// only the root, buffers really hold messages and carry them down when full, and checkValid
// catches every corruption of the buffered layout.

import { describe, expect, it } from 'vitest';
import { expectCode, numCmp, range, sync } from '../contract/kit.js';
import { seededRandom } from '../../util/random.js';
import { CountingNodeStorage } from '../test-storage.js';
import type { NodeAddress, SortedSet, StoredNode } from '../types.js';
import { hitchhikerTree } from './index.js';

type Branch = Extract<StoredNode<number>, { kind: 'branch' }>;
const buffered = (storage: CountingNodeStorage<number>): number =>
  [...storage.nodes.values()].reduce((n, node) => n + (node.kind === 'branch' ? (node.adds?.length ?? 0) + (node.removes?.length ?? 0) : 0), 0);

describe('hitchhiker-tree writes', () => {
  it('a small write rewrites the root alone until the root buffer fills', () => {
    const bf = 16;
    const storage = new CountingNodeStorage<number>();
    let set: SortedSet<number> = hitchhikerTree.fromSorted(range(20_000, 2), numCmp, { branchingFactor: bf });
    sync(set.flush(storage));
    // bf messages fit in the root buffer: each of the first bf writes stores exactly one node.
    for (let i = 0; i < bf; i++) {
      const t = set.transient();
      expect(sync(t.add(2 * i * 97 + 1))).toBe(true);
      set = t.persistent();
      storage.resetCounts();
      sync(set.flush(storage));
      expect(storage.stores).toBe(1);
    }
    // The next one carries the buffer down: more nodes, and the messages now sit lower.
    const t = set.transient();
    expect(sync(t.remove(4))).toBe(true);
    set = t.persistent();
    storage.resetCounts();
    const root = sync(set.flush(storage));
    expect(storage.stores).toBeGreaterThan(1);
    const top = storage.nodes.get(root) as Branch;
    expect((top.adds?.length ?? 0) + (top.removes?.length ?? 0)).toBe(0);
    sync(set.checkValid());
    expect(sync(set.count())).toBe(20_000 + bf - 1);
  });

  it('writes far fewer node bytes than it would rewriting paths, and reads see every buffered message', async () => {
    const rnd = seededRandom(5);
    const storage = new CountingNodeStorage<number>();
    let set: SortedSet<number> = hitchhikerTree.fromSorted(range(50_000, 2), numCmp, { branchingFactor: 32 });
    sync(set.flush(storage));
    const oracle = new Set(range(50_000, 2));
    let stores = 0;
    for (let tx = 0; tx < 400; tx++) {
      const t = set.transient();
      for (let op = 0; op < 3; op++) {
        const k = rnd.int(100_000);
        if (rnd.next() < 0.6) {
          expect(sync(t.add(k))).toBe(!oracle.has(k));
          oracle.add(k);
        } else {
          expect(sync(t.remove(k))).toBe(oracle.has(k));
          oracle.delete(k);
        }
      }
      set = t.persistent();
      storage.resetCounts();
      sync(set.flush(storage));
      stores += storage.stores;
    }
    // A path-copying tree of height 4 would store 4 nodes per transaction (1,600 in all).
    expect(stores).toBeLessThan(800);
    expect(buffered(storage)).toBeGreaterThan(0);
    sync(set.checkValid());
    const keys = [...oracle].sort(numCmp);
    expect(sync(set.slice(undefined, undefined))).toEqual(keys);
    expect(sync(set.count(1000, 60_000))).toBe(keys.filter((k) => k >= 1000 && k <= 60_000).length);
  });
});

describe('hitchhiker-tree checkValid', () => {
  function restoreFrom(nodes: Record<string, StoredNode<number>>, size: number): SortedSet<number> {
    const storage = new CountingNodeStorage<number>('sync');
    for (const [a, node] of Object.entries(nodes)) storage.nodes.set(a as NodeAddress, node);
    return hitchhikerTree.restore('r' as NodeAddress, numCmp, storage, { size, branchingFactor: 4 });
  }
  const a: StoredNode<number> = { kind: 'leaf', keys: [1, 2, 3] };
  const b: StoredNode<number> = { kind: 'leaf', keys: [5, 6] };
  const root = (extra: Partial<Branch>): StoredNode<number> => ({
    kind: 'branch',
    level: 1,
    keys: [3, 6],
    children: ['a', 'b'] as NodeAddress[],
    counts: [3, 2],
    ...extra,
  });

  const corrupt: { name: string; root: StoredNode<number>; size: number }[] = [
    { name: 'an add of a key already below', root: root({ adds: [2] }), size: 6 },
    { name: 'a remove of a key absent below', root: root({ removes: [4] }), size: 4 },
    { name: 'a key both added and removed', root: root({ adds: [4], removes: [4] }), size: 5 },
    { name: 'buffered adds out of order', root: root({ adds: [7, 4] }), size: 7 },
    { name: 'more messages than the buffer holds', root: root({ adds: [0, 4, 7, 8, 9] }), size: 10 },
    { name: 'a wrong count', root: root({ counts: [3, 3] }), size: 6 },
    { name: 'a key beyond its separator', root: root({ keys: [2, 6] }), size: 5 },
    { name: 'size differs from the buffered view', root: root({ adds: [4] }), size: 5 },
  ];
  for (const c of corrupt) {
    it(`reports index/invalid: ${c.name}`, async () => {
      await expectCode(() => restoreFrom({ a, b, r: c.root }, c.size).checkValid(), 'index/invalid');
    });
  }

  it('accepts a well-formed buffered tree, and reads merge its buffer', () => {
    const set = restoreFrom({ a, b, r: root({ adds: [0, 4], removes: [2, 6] }) }, 5);
    sync(set.checkValid());
    expect(sync(set.slice(undefined, undefined))).toEqual([0, 1, 3, 4, 5]);
    expect(sync(set.rslice(2, 5))).toEqual([5, 4, 3]);
    expect(sync(set.seek(2, 3))).toEqual([3, 4, 5]);
    expect(sync(set.count(1, 5))).toBe(4);
    expect(sync(set.has(6))).toBe(false);
    expect(sync(set.has(4))).toBe(true);
  });

  it('reads merge messages from two levels: the higher decides, between leaves, past the last leaf, under a limit', () => {
    // The root adds 2 over x's remove of 2 (the leaf still holds it), adds 7 between x and y and
    // 11 past every leaf key, and removes 9; x adds 4 between its leaves.
    const x: StoredNode<number> = { kind: 'branch', level: 1, keys: [3, 6], children: ['a', 'b'] as NodeAddress[], counts: [3, 2], adds: [4], removes: [2] };
    const y: StoredNode<number> = { kind: 'branch', level: 1, keys: [9], children: ['c'] as NodeAddress[], counts: [2], adds: [10] };
    const top: StoredNode<number> = {
      kind: 'branch',
      level: 2,
      keys: [6, 10],
      children: ['x', 'y'] as NodeAddress[],
      counts: [5, 3],
      adds: [2, 7, 11],
      removes: [9],
    };
    const expected = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11];
    const set = restoreFrom({ a, b, c: { kind: 'leaf', keys: [8, 9] }, x, y, r: top }, expected.length);
    sync(set.checkValid());
    for (let from = 0; from <= 12; from++) {
      for (let to = from - 1; to <= 12; to++) {
        const inRange = expected.filter((k) => k >= from && k <= to);
        expect(sync(set.slice(from, to))).toEqual(inRange);
        expect(sync(set.count(from, to))).toBe(inRange.length);
      }
      const rest = expected.filter((k) => k >= from);
      expect(sync(set.slice(from, undefined))).toEqual(rest);
      expect(sync(set.slice(undefined, from))).toEqual(expected.filter((k) => k <= from));
      for (let limit = 1; limit <= 12; limit++) expect(sync(set.seek(from, limit))).toEqual(rest.slice(0, limit));
      expect(sync(set.has(from))).toBe(expected.includes(from));
    }
  });
});
