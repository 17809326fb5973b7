// The default backend registry with the built-in backends: `memory` everywhere, `indexeddb`
// where the platform has IndexedDB (browser, worker), `file` in Node. The file backend is
// imported only when first used, so browser bundles never load `node:fs`.

import { BackendRegistry } from '../store/registry';
import { createMemoryBackend } from '../store/memory';
import { createIndexedDbBackend } from '../store/indexeddb';
import type { Backend, StoreConfig } from '../store/types';

export const defaultRegistry = new BackendRegistry();
defaultRegistry.register('memory', createMemoryBackend());
defaultRegistry.register('indexeddb', createIndexedDbBackend());

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** The file backend, loaded on first use (Node only). */
function lazyFileBackend(): Backend {
  let real: Promise<Backend> | null = null;
  const get = () => (real ??= import('../store/file').then((m) => m.createFileBackend()));
  return {
    create: async (c: StoreConfig) => (await get()).create(c),
    connect: async (c: StoreConfig) => (await get()).connect(c),
    exists: async (c: StoreConfig) => (await get()).exists(c),
    delete: async (c: StoreConfig) => (await get()).delete(c),
  };
}
if (isNode) defaultRegistry.register('file', lazyFileBackend());
