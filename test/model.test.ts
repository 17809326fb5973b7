// The random model check (./model-check.ts) on every index, with and without history, with
// attribute refs, on the file, LMDB and memory stores. More seeds:
// `CAIRNDB_MODEL_SEEDS=50 npx vitest run --project node test/model.test.ts` (a failure names its
// seed and options; `checkModel(seed, { ...options, trace: true })` replays it step by step).

import { describe, expect, it } from 'vitest';
import { checkModel, type ModelOptions } from './model-check.js';

const SEEDS = Number(process.env.CAIRNDB_MODEL_SEEDS ?? 2);
const CONFIGS = [
  { keepHistory: true, attributeRefs: false },
  { keepHistory: false, attributeRefs: false },
  { keepHistory: true, attributeRefs: true },
] as const;

describe('the stored database against a withDb model', () => {
  for (const backend of ['file', 'lmdb', 'memory'] as const)
    for (const index of ['persistent-set', 'hitchhiker-tree'] as const)
      it(`${backend}, ${index}: ${backend === 'file' ? SEEDS : 1} seeds × history, none, attribute refs`, async () => {
        const failures: string[] = [];
        for (let seed = 1; seed <= (backend === 'file' ? SEEDS : 1); seed++)
          for (const c of CONFIGS) {
            const o: ModelOptions = { backend, index, ...c, steps: 120 };
            const out = await checkModel(seed, o);
            if (out !== null) failures.push(out);
          }
        expect(failures).toEqual([]);
      }, 600_000);
});
