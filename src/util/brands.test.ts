import { describe, expect, it } from 'vitest';
import { isBytes, isDate, isMap, isSet } from './brands.js';

describe('brand checks', () => {
  it('know the real built-ins, invalid Dates and subclasses included', () => {
    class Stamp extends Date {}
    class Registry extends Map<string, number> {}
    expect([new Date(), new Date(Number.NaN), new Stamp(0)].map(isDate)).toEqual([true, true, true]);
    expect([new Map(), new Registry()].map(isMap)).toEqual([true, true]);
    expect(isSet(new Set([1]))).toBe(true);
    expect([new Uint8Array(2), Buffer.from('x')].map(isBytes)).toEqual([true, true]);
  });

  it('refuse objects that only inherit from one (instanceof says yes, the methods throw)', () => {
    const lookalikes = [Object.create(new Date(0)), Object.create(Date.prototype)];
    for (const x of lookalikes) {
      expect(x instanceof Date).toBe(true);
      expect(() => (x as Date).getTime()).toThrow(TypeError);
      expect(isDate(x)).toBe(false);
    }
    expect(isMap(Object.create(new Map([[1, 2]])))).toBe(false);
    expect(isMap(Object.create(Map.prototype))).toBe(false);
    expect(isSet(Object.create(new Set([1])))).toBe(false);
    expect(isBytes(Object.create(new Uint8Array([1])))).toBe(false);
    expect(() => (Object.create(new Uint8Array([1])) as Uint8Array).slice()).toThrow(TypeError);
  });

  it('say no to everything else', () => {
    for (const x of [null, undefined, 0, 'x', {}, [], new Set(), Date.now()]) expect(isDate(x)).toBe(false);
    for (const x of [null, {}, [], new Set(), new WeakMap()]) expect(isMap(x)).toBe(false);
    for (const x of [null, {}, [], new Map(), new WeakSet()]) expect(isSet(x)).toBe(false);
    for (const x of [null, {}, [1], new Uint16Array(1), new ArrayBuffer(1)]) expect(isBytes(x)).toBe(false);
  });
});
