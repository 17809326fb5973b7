// A bulk import keeps the worker responsive: through the real worker over IndexedDB, a query is
// asked and answered while importDb is in flight. The progress handler returns the query's
// Promise, and the import waits for it before its next batch, so the answer is deterministic:
// the database as of the batches committed so far (whole transactions), not empty, not complete.
// Were the worker busy until the import ended, the import would wait forever and the test fail.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorker } from './client.js';
import type { ClientApi, ConnHandle } from './protocol.js';

const PERSONS_PER_TX = 1000;
const TXS = 15;

let cairn: ClientApi;
let source: ConnHandle;
const id = `import-${Date.now().toString(36)}`;
const config = { store: { backend: 'indexeddb', id } };
const target = { store: { backend: 'indexeddb', id: `${id}-copy` } };

beforeAll(async () => {
  cairn = openWorker();
  await cairn.createDatabase(config);
  source = await cairn.connect(config);
  await cairn.transact(source, [
    { 'db/ident': 'p/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
    { 'db/ident': 'p/age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  ]);
  for (let t = 0; t < TXS; t++) {
    await cairn.transact(
      source,
      Array.from({ length: PERSONS_PER_TX }, (_, i) => ({ 'p/name': `person ${t}-${i}`, 'p/age': i % 90 })),
    );
  }
});

afterAll(async () => {
  await cairn.release(source);
  await cairn.deleteDatabase(config);
  await cairn.close();
});

describe('importDb through the worker', () => {
  it('answers a query mid-import, and reports progress after every batch', async () => {
    const chunks: Uint8Array[] = [];
    await cairn.exportDb(cairn.db(source), (c) => {
      chunks.push(c);
    });
    await cairn.createDatabase(target);
    const copy = await cairn.connect(target);
    try {
      const progress: number[] = [];
      const midImport: number[] = [];
      const done = await cairn.importDb(copy, new Blob(chunks as BlobPart[]), {
        onProgress: async (p) => {
          progress.push(p.datoms);
          if (progress.length === 2) {
            midImport.push((await cairn.q('[:find (count ?e) . :where [?e :p/name]]', cairn.db(copy))) as number);
          }
        },
      });
      const total = PERSONS_PER_TX * TXS;
      // Several batches, each reported, the last with every datom.
      expect(progress.length).toBeGreaterThan(2);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.at(-1)).toBe(done.datoms);
      // The query ran between batches: some whole transactions of persons, not all of them.
      expect(midImport).toHaveLength(1);
      const seen = midImport[0]!;
      expect(seen).toBeGreaterThan(0);
      expect(seen).toBeLessThan(total);
      expect(seen % PERSONS_PER_TX).toBe(0);
      expect(await cairn.q('[:find (count ?e) . :where [?e :p/name]]', cairn.db(copy))).toBe(total);
    } finally {
      await cairn.release(copy);
      await cairn.deleteDatabase(target);
    }
  });
});
