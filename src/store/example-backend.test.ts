// The worked example from docs/backends.md (example-backend.ts), run through the same contract
// suite as the built-in backends.
import { describe, expect, it } from 'vitest';
import { expectCode, runStoreContract } from './contract.js';
import { createWebStorageBackend, MapStorage } from './example-backend.js';
import { BackendRegistry } from './registry.js';

// ---- the tests ------------------------------------------------------------------------------

const shared = createWebStorageBackend(new MapStorage());
runStoreContract('example web-storage backend', { backend: () => shared, config: (id) => ({ backend: 'webstorage', id }) });

describe('example backend', () => {
  it('registers and is used by name from the config', async () => {
    const registry = new BackendRegistry();
    registry.register('webstorage', createWebStorageBackend(new MapStorage()));
    const { store, codec } = await registry.create({ backend: 'webstorage', id: 'app' });
    await store.putBatch([['ref:head', codec.encode({ commit: 1 }, 'ref')]]);
    const again = await registry.open({ backend: 'webstorage', id: 'app' });
    expect(again.codec.decode((await again.store.get('ref:head'))!, { kind: 'ref' })).toEqual({ commit: 1 });
  });

  it('maps a full storage to store/quota and keeps the last good state', async () => {
    const backend = createWebStorageBackend(new MapStorage(2_000));
    const s = await backend.create({ backend: 'webstorage', id: 'q' });
    await s.putBatch([
      ['ref:head', new Uint8Array([1])],
      ['small', new Uint8Array(10)],
    ]);
    const before = (await s.keys()).sort();
    await expectCode(
      s.putBatch([
        ['ok', new Uint8Array(100)],
        ['huge', new Uint8Array(5_000)],
        ['ref:head', new Uint8Array([2])],
      ]),
      'store/quota',
    );
    expect((await s.keys()).sort()).toEqual(before);
    expect(await s.get('ref:head')).toEqual(new Uint8Array([1]));
  });
});
