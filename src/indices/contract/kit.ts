// Scaffolding the index tests share (the contract suites here and each implementation's own
// tests): a number comparator, key ranges, unwrapping a synchronous MaybePromise, and waiting
// for a coded failure.

import { expect } from 'vitest';
import { isCairnError } from '../../util/errors.js';
import { isPromise, type MaybePromise } from '../../util/maybe.js';

export const numCmp = (a: number, b: number): number => a - b;

/** 0, step, 2·step, … (n keys). */
export const range = (n: number, step = 1): number[] => Array.from({ length: n }, (_, i) => i * step);

/** The value of a result that must be synchronous (everything it needs is in memory). */
export function sync<T>(x: MaybePromise<T>): T {
  if (isPromise(x)) throw new Error('expected a synchronous result');
  return x;
}

/** Expect `p` (a result, or a call making one) to fail with the CairnError code `code`. */
export async function expectCode(p: MaybePromise<unknown> | (() => MaybePromise<unknown>), code: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(isCairnError(e) ? e.code : e).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}
