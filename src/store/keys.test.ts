// The key helpers a backend author gets from the kit take hostile input like every public
// function: a predicate answers false, a constructor fails with a coded error.
import { describe, expect, it } from 'vitest';
import { CairnError } from '../util/errors.js';
import { isRefKey, refKey } from './keys.js';

describe('isRefKey and refKey', () => {
  it('route by the ref: prefix', () => {
    expect(refKey('head/db')).toBe('ref:head/db');
    expect(isRefKey(refKey('x'))).toBe(true);
    expect(isRefKey('n:abc')).toBe(false);
  });

  it.each([null, undefined, 5, {}, [], Symbol('s')])('isRefKey(%s) is false, refKey(%s) is store/invalid', (v) => {
    expect(isRefKey(v as never)).toBe(false);
    expect(() => refKey(v as never)).toThrow(CairnError);
    try {
      refKey(v as never);
    } catch (e) {
      expect((e as CairnError).code).toBe('store/invalid');
    }
  });

  it('an empty ref name is store/invalid', () => {
    expect(() => refKey('')).toThrow(/a ref name must be a non-empty string/);
  });
});
