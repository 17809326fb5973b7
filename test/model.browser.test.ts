// The random model check (./model-check.ts) on IndexedDB in Chromium: two connections of one
// page on one IndexedDB database (which hear each other's commits through the tab coordinator),
// reconnects, GC and purges, against the withDb model.

import { describe, expect, it } from 'vitest';
import { checkModel, MODEL_CONFIGS } from './model-check.js';

describe('IndexedDB against a withDb model', () => {
  for (const index of ['persistent-set', 'hitchhiker-tree'] as const)
    it(`${index}: history, none, attribute refs`, async () => {
      const failures: string[] = [];
      for (const c of MODEL_CONFIGS) {
        const store = { backend: 'indexeddb', id: `model-${index}-${c.keepHistory}-${c.attributeRefs}-${Date.now()}` };
        const out = await checkModel(1, { store, index, ...c, steps: 120 });
        if (out !== null) failures.push(out);
      }
      expect(failures).toEqual([]);
    }, 600_000);
});
