// Which store a config without `store` gets in the browser worker (docs/api.md "Data conventions"):
// IndexedDB where it can actually be opened, else memory with a warning the app can read.
// "Can be opened" is probed by opening a real database once: `indexedDB` may exist and still
// fail (Firefox private mode, blocked storage, a sandboxed iframe).

import { CairnError } from '../src/util/errors.js';
import type { Config } from '../src/engine.js';
import type { StorageChoice } from './protocol.js';

/** Name of the throwaway database the probe opens (and deletes). */
export const PROBE_DB = 'cairndb-probe';

/** Resolves to null when IndexedDB opens, else to the reason it does not. */
export function probeIndexedDb(idb: IDBFactory | undefined = (globalThis as { indexedDB?: IDBFactory }).indexedDB): Promise<string | null> {
  if (!idb) return Promise.resolve('indexedDB is not available in this context');
  return new Promise((resolve) => {
    let req: IDBOpenDBRequest;
    try {
      req = idb.open(PROBE_DB, 1);
    } catch (e) {
      resolve(`indexedDB.open threw: ${describe(e)}`);
      return;
    }
    req.onsuccess = () => {
      req.result.close();
      try {
        idb.deleteDatabase(PROBE_DB);
      } catch {
        // Leaving an empty probe database behind is harmless.
      }
      resolve(null);
    };
    req.onerror = () => resolve(`indexedDB.open failed: ${describe(req.error)}`);
    req.onblocked = () => resolve(null); // another tab holds it open: IndexedDB works
  });
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** The default store choice from a probe result. */
export function storageChoice(idbProblem: string | null): StorageChoice {
  return idbProblem === null
    ? { backend: 'indexeddb', warning: null }
    : { backend: 'memory', warning: `IndexedDB is unavailable (${idbProblem}); CairnDB uses the in-memory store and data will be lost when the page closes` };
}

/**
 * Fill in `store` for a config without one, and refuse 'indexeddb' where it cannot open.
 * The default id is the config's name (or 'cairndb'), so createDatabase / connect with the same
 * store-less config reach the same persistent database across reloads.
 */
export function resolveStore(config: Config, choice: StorageChoice, idbProblem: string | null): Config {
  if (config.store === undefined) {
    return { ...config, store: { backend: choice.backend, id: config.name ?? 'cairndb' } };
  }
  if (config.store.backend === 'indexeddb' && idbProblem !== null) {
    throw new CairnError(
      'store/unavailable',
      `store.backend 'indexeddb' (id ${JSON.stringify(config.store.id)}) cannot be used: ${idbProblem}; omit store to fall back to memory`,
      { backend: 'indexeddb', id: config.store.id, reason: idbProblem },
    );
  }
  return config;
}
