import { describe, expect, it } from 'vitest';
import { isCairnError } from '../util/errors.js';
import { persistentSet } from './persistent-set/index.js';
import { DEFAULT_INDEX, getIndex, indexNames, registerIndex } from './registry.js';
import type { IndexFactory } from './types.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isCairnError(e) ? e.code : String(e);
  }
  return undefined;
}

describe('index registry', () => {
  it("has 'persistent-set' by default", () => {
    expect(DEFAULT_INDEX).toBe('persistent-set');
    expect(getIndex('persistent-set')).toBe(persistentSet);
    expect(indexNames()).toContain('persistent-set');
  });

  it('names the unknown index in the error', () => {
    expect(codeOf(() => getIndex('b-epsilon'))).toBe('index/unknown');
    expect(() => getIndex('b-epsilon')).toThrow(/b-epsilon.*registered: persistent-set, hitchhiker-tree/);
  });

  it('registers another implementation under a name', () => {
    const wrapped: IndexFactory = {
      empty: (cmp, opts) => persistentSet.empty(cmp, { ...opts, branchingFactor: 4 }),
      fromSorted: (keys, cmp, opts) => persistentSet.fromSorted(keys, cmp, { ...opts, branchingFactor: 4 }),
      restore: (address, cmp, storage, meta) => persistentSet.restore(address, cmp, storage, meta),
    };
    registerIndex('small-set', wrapped);
    expect(getIndex('small-set')).toBe(wrapped);
    expect(
      getIndex('small-set')
        .empty((a: number, b: number) => a - b)
        .meta().branchingFactor,
    ).toBe(4);
  });

  it('rejects a malformed registration without changing the registry', () => {
    const before = indexNames();
    expect(codeOf(() => registerIndex('', persistentSet))).toBe('config/invalid');
    expect(codeOf(() => registerIndex('broken', { empty: () => null } as unknown as IndexFactory))).toBe('config/invalid');
    expect(indexNames()).toEqual(before);
  });
});
