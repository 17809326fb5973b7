import { describe, expect, it } from 'vitest';
import { runStoreContract } from './contract.js';
import { createMemoryBackend } from './memory.js';

const backend = createMemoryBackend();
runStoreContract('memory', { backend: () => backend, config: (id) => ({ backend: 'memory', id }) });

describe('memory backend', () => {
  it('keeps stores of separate backend instances apart', async () => {
    const a = createMemoryBackend();
    const b = createMemoryBackend();
    await a.create({ backend: 'memory', id: 'same' });
    expect(await a.exists({ backend: 'memory', id: 'same' })).toBe(true);
    expect(await b.exists({ backend: 'memory', id: 'same' })).toBe(false);
  });
});
