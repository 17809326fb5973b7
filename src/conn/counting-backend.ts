// A backend wrapper that counts what the engine reads and writes: the tests that prove laziness
// (records read on reconnect and on a cold query) and write amplification use it.

import type { Backend, CasGuard, PutOptions, Store } from '../store/types.js';
import { wrapBackend } from '../store/wrap-backend.js';

export interface IoCounts {
  recordsRead: number;
  readCalls: number;
  recordsWritten: number;
  bytesWritten: number;
  /** Index nodes (`n:` keys) among the records written, and their bytes. */
  nodesWritten: number;
  nodeBytesWritten: number;
  batches: number;
  lastBatchKeys: string[];
  keysRead: string[];
}

export function newCounts(): IoCounts {
  return {
    recordsRead: 0,
    readCalls: 0,
    recordsWritten: 0,
    bytesWritten: 0,
    nodesWritten: 0,
    nodeBytesWritten: 0,
    batches: 0,
    lastBatchKeys: [],
    keysRead: [],
  };
}

export function countingBackend(inner: Backend, counts: IoCounts): Backend {
  const wrap = (s: Store): Store => ({
    async get(key) {
      counts.recordsRead++;
      counts.readCalls++;
      counts.keysRead.push(key);
      return s.get(key);
    },
    async getMany(keys) {
      counts.recordsRead += keys.length;
      counts.readCalls++;
      counts.keysRead.push(...keys);
      return s.getMany(keys);
    },
    async putBatch(entries, opts?: PutOptions) {
      await s.putBatch(entries, opts);
      counts.batches++;
      counts.recordsWritten += entries.length;
      counts.lastBatchKeys = entries.map(([k]) => k);
      for (const [k, v] of entries) {
        counts.bytesWritten += v.length;
        if (k.startsWith('n:')) {
          counts.nodesWritten++;
          counts.nodeBytesWritten += v.length;
        }
      }
    },
    deleteMany: (keys) => s.deleteMany(keys),
    ...(s.deleteManyIf ? { deleteManyIf: (keys: readonly string[], cas: CasGuard) => s.deleteManyIf!(keys, cas) } : {}),
    keys: () => s.keys(),
    close: () => s.close(),
  });
  return wrapBackend(inner, wrap);
}
