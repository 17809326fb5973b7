// What the persistent set's own bulk path (merge.ts) adds to the contract's results: a run
// appended past the end fills leaves nearly full (one add at a time leaves each split leaf
// half full), so a bulk import writes about half the nodes.

import { describe, expect, it } from 'vitest';
import { CountingNodeStorage } from '../test-storage.js';
import { persistentSet } from './index.js';

const numCmp = (a: number, b: number): number => a - b;

describe('persistent-set addSorted', () => {
  it('packs a run appended past the end into nearly full leaves', () => {
    const bf = 32;
    let merged = persistentSet.fromSorted(
      Array.from({ length: 100 }, (_, i) => i),
      numCmp,
      { branchingFactor: bf },
    );
    let oneByOne = merged;
    for (let r = 1; r <= 10; r++) {
      const run = Array.from({ length: 1000 }, (_, i) => r * 1000 + i);
      merged = merged.addSorted!(run) as typeof merged;
      const t = oneByOne.transient();
      for (const k of run) t.add(k);
      oneByOne = t.persistent();
    }
    const leaves = (set: typeof merged): number => {
      const storage = new CountingNodeStorage<number>();
      set.flush(storage);
      return [...storage.nodes.values()].filter((n) => n.kind === 'leaf').length;
    };
    expect(merged.size).toBe(10_100);
    expect(leaves(merged)).toBeLessThanOrEqual(Math.ceil((10_100 / bf) * 1.1));
    expect(leaves(oneByOne)).toBeGreaterThan(Math.floor((10_100 / bf) * 1.8));
  });
});
