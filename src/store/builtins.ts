// The default registry: `memory` and `indexeddb` built in, user backends added with
// `registerBackend`. The Node-only backends (`file`, `postgresql`) are not mentioned here at
// all — not even as a dynamic import, which a browser bundler would still follow: the Node
// entry (src/node.ts) registers them from ./node-backends.ts.

import type { AnyCodecHandler } from './codec.js';
import { createIndexedDbBackend } from './indexeddb.js';
import { createMemoryBackend } from './memory.js';
import { BackendRegistry, type OpenedStore } from './registry.js';
import type { Backend, StoreConfig } from './types.js';

/**
 * A backend whose implementation is imported when first called. Its codec handlers must be
 * given here: the registry builds the codec at registration, before anything is loaded.
 */
export function lazyBackend(load: () => Promise<Backend>, codecHandlers?: readonly AnyCodecHandler[]): Backend {
  let loaded: Promise<Backend> | undefined;
  const get = (): Promise<Backend> => (loaded ??= load());
  return {
    ...(codecHandlers === undefined ? {} : { codecHandlers }),
    create: async (c) => (await get()).create(c),
    connect: async (c) => (await get()).connect(c),
    exists: async (c) => (await get()).exists(c),
    delete: async (c) => (await get()).delete(c),
  };
}

/** Register the built-in backends on `registry` (fresh instances, so state is per registry). */
export function withBuiltins(registry: BackendRegistry): BackendRegistry {
  registry.register('memory', createMemoryBackend());
  registry.register('indexeddb', createIndexedDbBackend());
  return registry;
}

/** The registry the connection and the public `registerBackend` use. */
export const defaultRegistry: BackendRegistry = /* @__PURE__ */ withBuiltins(/* @__PURE__ */ new BackendRegistry());

/** Plug in a konserve-style backend under `name` (the public API function). */
export function registerBackend(name: string, backend: Backend, registry: BackendRegistry = defaultRegistry): void {
  registry.register(name, backend);
}

/** Create the store `config` names; 'db/exists' if it exists, 'store/unknown-backend' for an unknown backend. */
export function createStore(config: StoreConfig, registry: BackendRegistry = defaultRegistry): Promise<OpenedStore> {
  return registry.create(config);
}

/** Open the existing store `config` names; 'db/missing' if absent. */
export function openStore(config: StoreConfig, registry: BackendRegistry = defaultRegistry): Promise<OpenedStore> {
  return registry.open(config);
}

export function storeExists(config: StoreConfig, registry: BackendRegistry = defaultRegistry): Promise<boolean> {
  return registry.exists(config);
}

/** Delete the store and every key in it (a no-op if absent). */
export function deleteStore(config: StoreConfig, registry: BackendRegistry = defaultRegistry): Promise<void> {
  return registry.delete(config);
}
