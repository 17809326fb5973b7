// A backend whose stores are another backend's, each passed through `wrap` as it is opened: how
// the tests count, hook or hold back a store's calls (src/conn/counting-backend.ts, gc.test.ts,
// create-race.test.ts) without a backend of their own.

import type { Backend, Store, StoreConfig } from './types.js';

export function wrapBackend(inner: Backend, wrap: (s: Store) => Store): Backend {
  return {
    create: async (c: StoreConfig) => wrap(await inner.create(c)),
    connect: async (c: StoreConfig) => wrap(await inner.connect(c)),
    exists: (c: StoreConfig) => inner.exists(c),
    delete: (c: StoreConfig) => inner.delete(c),
  };
}
