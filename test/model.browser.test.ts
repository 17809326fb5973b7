// The random model check (./model-check.ts) on IndexedDB in Chromium: two connections of one
// page on one IndexedDB database (they hear each other's commits through the tab coordinator),
// and two workers with one connection each — two tabs' worth, coordinated by Web Locks and
// BroadcastChannel — reached through their clients; with reconnects, GC and purges, against
// the withDb model.

import { describe, expect, it } from 'vitest';
import { openWorker } from '../worker/client.js';
import { checkModel, MODEL_CONFIGS, type ModelClient } from './model-check.js';

const worker = (): ModelClient => openWorker(new Worker(new URL('./model-worker.ts', import.meta.url), { type: 'module' })) as unknown as ModelClient;

describe('IndexedDB against a withDb model', () => {
  for (const through of ['page', 'workers'] as const)
    for (const index of ['persistent-set', 'hitchhiker-tree'] as const)
      it(`${index}, connections in ${through === 'page' ? 'the page' : 'two workers'}: history, none, attribute refs, schema on read`, async () => {
        const failures: string[] = [];
        for (const c of MODEL_CONFIGS) {
          const store = { backend: 'indexeddb', id: `model-${through}-${index}-${c.keepHistory}-${c.attributeRefs}-${Date.now()}` };
          const clients = through === 'workers' ? ([worker(), worker()] as const) : undefined;
          try {
            const out = await checkModel(1, { store, index, ...c, steps: 120, ...(clients ? { clients } : {}) });
            if (out !== null) failures.push(out);
          } finally {
            for (const k of clients ?? []) (k as unknown as { close(): void }).close();
          }
        }
        expect(failures).toEqual([]);
      }, 600_000);
});
