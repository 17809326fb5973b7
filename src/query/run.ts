// Synchronous-unless-needed execution (DESIGN decision 1). Engine steps are generators that
// `yield` a MaybePromise whenever they need a read; `run` drives them synchronously and only
// suspends on a real Promise, so a query over cached nodes pays no microtask per clause, and a
// cold one pays one await per batched read (each clause collects its seeks into one `all`).

import type { MaybePromise } from '../util/maybe';

// Local copies of the src/util/maybe helpers: that module exports a function named `then`, so
// its namespace is a thenable and Vite's module runner (Vitest) cannot import its values.
// Type-only imports of it are erased and safe.

export function isPromise<T>(x: MaybePromise<T>): x is Promise<T> {
  return x instanceof Promise;
}

/** Apply `f` now if `x` is ready, else after it resolves. */
export function andThen<T, U>(x: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return x instanceof Promise ? x.then(f) : f(x);
}

/** Resolve every element; stays synchronous when none is a Promise. */
export function allOf<T>(xs: readonly MaybePromise<T>[]): MaybePromise<T[]> {
  for (const x of xs) if (x instanceof Promise) return Promise.all(xs);
  return xs as T[];
}

export type Step<T> = Generator<unknown, T, unknown>;

/** Wait for a MaybePromise inside a step: `const x = yield* wait(db.search(...))`. */
export function* wait<T>(x: MaybePromise<T>): Step<T> {
  if (isPromise(x)) return (yield x) as T;
  return x;
}

/** Drive a step to completion; returns a Promise only if some read was asynchronous. */
export function run<T>(step: Step<T>): MaybePromise<T> {
  return advance(step, step.next());
}

function advance<T>(step: Step<T>, first: IteratorResult<unknown, T>): MaybePromise<T> {
  let r = first;
  while (!r.done) {
    const v = r.value;
    if (isPromise(v)) {
      return v.then(
        (x) => advance(step, step.next(x)),
        (err: unknown) => advance(step, step.throw(err)),
      );
    }
    r = step.next(v);
  }
  return r.value;
}
