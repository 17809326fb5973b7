// How big a connection's store is: the backend's own `size()` where it has one (the file
// backend counts every file on disk), else the keys and the bytes of their values, read in
// batches (every backend can answer that, at the cost of reading the store once).

import type { Store, StoreSize } from '../store/types.js';

const READ_BATCH = 256;

export async function measureStore(store: Store): Promise<StoreSize> {
  if (typeof store.size === 'function') return store.size();
  const keys = await store.keys();
  let bytes = 0;
  for (let i = 0; i < keys.length; i += READ_BATCH) {
    const chunk = keys.slice(i, i + READ_BATCH);
    for (const v of await store.getMany(chunk)) bytes += v?.length ?? 0;
  }
  return { keys: keys.length, bytes };
}
