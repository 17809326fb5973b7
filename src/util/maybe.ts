// Sync-if-possible execution: reads of cached index nodes are synchronous, a cache miss returns
// a Promise (docs/architecture.md, decision 1). `MaybePromise` is that shape, and every helper
// here stays synchronous for as long as nothing it meets is a Promise, so warm reads pay no
// microtask:
//   - `andThen` / `both` / `all`: chain one value / two / collect many;
//   - `loop`: run a body over 0..n-1 in order;
//   - `drive`: run read logic written as a generator (query steps, pull procedures).
// This is the only module that implements these; the layers import it.

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

/**
 * Both values, for reads started together: a Promise.all when either is a Promise, so the
 * rejection of one is never left unobserved when the other fails first (chaining `b` inside a
 * continuation of `a` would leave `b`'s rejection unhandled, which crashes a Node process).
 */
export function both<A, B>(a: MaybePromise<A>, b: MaybePromise<B>): MaybePromise<[A, B]> {
  return isPromise(a) || isPromise(b) ? Promise.all([a, b]) : [a, b];
}

/** Resolve every element; stays synchronous when none is a Promise. */
export function all<T>(xs: readonly MaybePromise<T>[]): MaybePromise<T[]> {
  for (const x of xs) if (isPromise(x)) return Promise.all(xs);
  return xs as T[];
}

/** Run body(0..n-1) in order, synchronously until a step returns a Promise. */
export function loop(n: number, body: (i: number) => MaybePromise<unknown>, start = 0): MaybePromise<void> {
  for (let i = start; i < n; i++) {
    const r = body(i);
    if (isPromise(r)) return r.then(() => loop(n, body, i + 1));
  }
  return undefined;
}

/**
 * Read logic as a generator. What it yields decides what happens:
 *   - a Promise (only when a read returned one): awaited, its value (or error) sent back;
 *   - another generator: called, its return value (or error) sent back — `yield sub()` instead
 *     of `yield* sub()`, so deep recursion (pulls 1500+ levels deep) runs on an explicit stack
 *     and never grows the native one;
 *   - anything else: sent straight back.
 */
export type Reads<T> = Generator<unknown, T, unknown>;

const isGenerator = (x: unknown): x is Reads<unknown> =>
  typeof x === 'object' && x !== null && typeof (x as Reads<unknown>).next === 'function' && typeof (x as Reads<unknown>).throw === 'function';

/** Where the trampoline stands: the stack, and what to feed (or throw into) its top. */
interface Machine {
  readonly stack: Reads<unknown>[];
  input: unknown;
  failed: boolean;
}

const DONE = Symbol('done');

/**
 * Run `root` to completion; returns a Promise only if some read was asynchronous. `race`, when
 * given, wraps every awaited read (a query's time budget rejects a read that outlives it).
 */
export function drive<T>(root: Reads<T>, race?: (read: Promise<unknown>) => Promise<unknown>): MaybePromise<T> {
  const m: Machine = { stack: [root], input: undefined, failed: false };
  const r = step(m);
  if (r === DONE) return m.input as T;
  return finishAsync<T>(m, r, race);
}

/** Step until the stack is empty (DONE, result in m.input) or a read yields a Promise. */
function step(m: Machine): typeof DONE | Promise<unknown> {
  const stack = m.stack;
  for (;;) {
    const top = stack[stack.length - 1]!;
    let next: IteratorResult<unknown, unknown>;
    try {
      next = m.failed ? top.throw(m.input) : top.next(m.input);
    } catch (err) {
      // The procedure did not handle the error: unwind it into its caller.
      stack.pop();
      if (stack.length === 0) throw err;
      m.input = err;
      m.failed = true;
      continue;
    }
    m.failed = false;
    if (next.done) {
      stack.pop();
      m.input = next.value;
      if (stack.length === 0) return DONE;
    } else if (next.value instanceof Promise) {
      return next.value;
    } else if (isGenerator(next.value)) {
      stack.push(next.value);
      m.input = undefined;
    } else {
      m.input = next.value;
    }
  }
}

async function finishAsync<T>(m: Machine, first: Promise<unknown>, race?: (read: Promise<unknown>) => Promise<unknown>): Promise<T> {
  let pending = first;
  for (;;) {
    try {
      m.input = await (race === undefined ? pending : race(pending));
      m.failed = false;
    } catch (err) {
      // A failed read is thrown into the procedure at its `yield`.
      m.input = err;
      m.failed = true;
    }
    const r = step(m);
    if (r === DONE) return m.input as T;
    pending = r;
  }
}
