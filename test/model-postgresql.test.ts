// The random model check (./model-check.ts) on the PostgreSQL store: two connections on one
// database of a real server (they hear each other through LISTEN/NOTIFY), both indexes, with
// and without history, with attribute refs.

import { describe, expect, it } from 'vitest';
import { checkModel, MODEL_CONFIGS } from './model-check.js';
import { pgServerUrl } from './pg-server.js';

const url = await pgServerUrl();

describe('PostgreSQL against a withDb model', () => {
  for (const index of ['persistent-set', 'hitchhiker-tree'] as const)
    it(`${index}: history, none, attribute refs, schema on read`, async () => {
      const failures: string[] = [];
      for (const c of MODEL_CONFIGS) {
        const store = { backend: 'postgresql', id: `model-${index}-${c.keepHistory}-${c.attributeRefs}-${process.pid}-${Date.now()}`, connection: url };
        const out = await checkModel(1, { store, index, ...c, steps: 120 });
        if (out !== null) failures.push(out);
      }
      expect(failures).toEqual([]);
    }, 600_000);
});
