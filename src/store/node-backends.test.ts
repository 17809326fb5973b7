import { describe, expect, it } from 'vitest';
import { expectCode } from './contract.js';
import { load, NODE_BACKENDS, withNodeBackends } from './node-backends.js';
import { BackendRegistry } from './registry.js';
import type { Backend } from './types.js';

describe('Node-only backends', () => {
  it('registers file and postgresql on a registry, each loading on first use', () => {
    const r = withNodeBackends(new BackendRegistry());
    expect(r.names().sort()).toEqual(NODE_BACKENDS.map(([n]) => n).sort());
    expect(r.names()).toEqual(expect.arrayContaining(['file', 'postgresql']));
  });

  it('a missing driver package is config/invalid saying what to install', async () => {
    const driver = 'cairndb-no-such-driver';
    const backend = load('imaginary', driver, async () => (await import(/* @vite-ignore */ driver)) as Backend);
    await expectCode(backend.exists({ backend: 'imaginary', id: 'x' }), 'config/invalid');
    await backend.exists({ backend: 'imaginary', id: 'x' }).catch((e: Error) => expect(e.message).toContain(`npm install ${driver}`));
  });
});
