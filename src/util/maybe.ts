// Reads of cached index nodes are synchronous; a cache miss returns a Promise (docs/architecture.md, decision 1).
// `MaybePromise` is that shape; `then` chains without paying a microtask when the value is ready.

export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(x: MaybePromise<T>): x is Promise<T> {
  return x instanceof Promise;
}

/**
 * Apply `f` now if `x` is ready, else after it resolves. Deliberately not named `then`: a module
 * exporting `then` has a thenable namespace, which `import()` and Vitest's module runner try to
 * resolve, breaking every importer.
 */
export function andThen<T, U>(x: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(x) ? x.then(f) : f(x);
}

/** Resolve every element; stays synchronous when none is a Promise. */
export function all<T>(xs: readonly MaybePromise<T>[]): MaybePromise<T[]> {
  for (const x of xs) if (isPromise(x)) return Promise.all(xs);
  return xs as T[];
}
