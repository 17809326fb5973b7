// The random model check (./model-check.ts) on every index, with and without history, with
// attribute refs and schema on read, on the file, LMDB and memory stores (IndexedDB:
// model.browser.test.ts, PostgreSQL: model-postgresql.test.ts). More seeds:
// `CAIRNDB_MODEL_SEEDS=50 npx vitest run --project node test/model.test.ts` (a failure names its
// seed and options; `checkModel(seed, { ...options, trace: true })` replays it step by step).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModel, MODEL_CONFIGS } from './model-check.js';

const SEEDS = Number(process.env.CAIRNDB_MODEL_SEEDS ?? 2);

describe('the stored database against a withDb model', () => {
  for (const backend of ['file', 'lmdb', 'memory'] as const)
    for (const index of ['persistent-set', 'hitchhiker-tree'] as const) {
      const seeds = backend === 'file' ? SEEDS : 1;
      it(`${backend}, ${index}: ${seeds} seeds × history, none, attribute refs, schema on read`, async () => {
        const failures: string[] = [];
        for (let seed = 1; seed <= seeds; seed++)
          for (const c of MODEL_CONFIGS) {
            const dir = mkdtempSync(join(tmpdir(), 'cairn-model-'));
            const id = `model-${seed}-${index}-${c.keepHistory}-${c.attributeRefs}`;
            const store = backend === 'memory' ? { backend, id } : { backend, id, path: dir, ...(backend === 'file' ? { durability: 'relaxed' } : {}) };
            try {
              const out = await checkModel(seed, { store, index, ...c, steps: 120 });
              if (out !== null) failures.push(out);
            } finally {
              rmSync(dir, { recursive: true, force: true });
            }
          }
        expect(failures).toEqual([]);
      }, 600_000);
    }
});
