// Synchronous-unless-needed execution (docs/architecture.md, decision 1). Engine steps are generators that
// `yield` a Promise whenever a read returned one; `run` drives them (util/maybe.ts's `drive`)
// synchronously and only suspends on a real Promise, so a query over cached nodes pays no microtask per clause, and a
// cold one pays one await per batched read (each clause collects its seeks into one `all`).

import { all, andThen, drive, isPromise, type MaybePromise } from '../util/maybe.js';

// The shared MaybePromise helpers, under the names the query modules use.
export { all as allOf, andThen, isPromise };

export type Step<T> = Generator<unknown, T, unknown>;

/** Wait for a MaybePromise inside a step: `const x = yield* wait(db.search(...))`. */
export function* wait<T>(x: MaybePromise<T>): Step<T> {
  if (isPromise(x)) return (yield x) as T;
  return x;
}

/** What `run` needs of a query's time budget (budget.ts): every read is raced against it. */
export interface ReadGuard {
  race<T>(p: Promise<T>): Promise<T>;
}

/** Drive a step to completion; returns a Promise only if some read was asynchronous. */
export function run<T>(step: Step<T>, guard?: ReadGuard | null): MaybePromise<T> {
  return guard ? drive(step, (read) => guard.race(read)) : drive(step);
}
