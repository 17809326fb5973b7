// Running read logic written once for both cached and uncached index nodes.
//
// Db reads return a value when every node they need is cached and a Promise otherwise
// (docs/architecture.md, decision 1). Pull code is written as generators that yield two kinds of step:
//   - a Promise, only when a read returned one:
//       const ds = db.search(e); const datoms = isPromise(ds) ? yield ds : ds;
//   - another generator, to call it and receive its result:  const r = yield pullEntity(...)
// `drive` runs the generators on an explicit stack (a trampoline), so nesting depth (deep
// recursive pulls, 1500+ levels) never grows the native call stack, and it steps synchronously
// for as long as nothing yields a Promise: a warm pull returns its result directly, with no
// microtask, and switches to awaiting only at the first miss.

import type { MaybePromise } from '../util/maybe.js';

/** A step a read procedure yields: a Promise to await, or a sub-procedure to call. */
export type Step = Promise<unknown> | Reads<unknown>;

/** A read procedure: yields Steps, returns T. */
export type Reads<T> = Generator<Step, T, unknown>;

/** Where the trampoline stands: the stack, and what to feed (or throw into) its top. */
interface Machine {
  readonly stack: Reads<unknown>[];
  input: unknown;
  failed: boolean;
}

const DONE = Symbol('done');

export function drive<T>(root: Reads<T>): MaybePromise<T> {
  const m: Machine = { stack: [root], input: undefined, failed: false };
  const r = run(m);
  if (r === DONE) return m.input as T;
  return finishAsync<T>(m, r);
}

/** Step until the stack is empty (DONE, result in m.input) or a read yields a Promise. */
function run(m: Machine): typeof DONE | Promise<unknown> {
  const stack = m.stack;
  for (;;) {
    const top = stack[stack.length - 1]!;
    let step: IteratorResult<Step, unknown>;
    try {
      step = m.failed ? top.throw(m.input) : top.next(m.input);
    } catch (err) {
      // The procedure did not handle the error: unwind it into its caller.
      stack.pop();
      if (stack.length === 0) throw err;
      m.input = err;
      m.failed = true;
      continue;
    }
    m.failed = false;
    if (step.done) {
      stack.pop();
      m.input = step.value;
      if (stack.length === 0) return DONE;
    } else if (step.value instanceof Promise) {
      return step.value;
    } else {
      stack.push(step.value);
      m.input = undefined;
    }
  }
}

async function finishAsync<T>(m: Machine, first: Promise<unknown>): Promise<T> {
  let pending = first;
  for (;;) {
    try {
      m.input = await pending;
      m.failed = false;
    } catch (err) {
      // A failed read is thrown into the procedure at its `yield`.
      m.input = err;
      m.failed = true;
    }
    const r = run(m);
    if (r === DONE) return m.input as T;
    pending = r;
  }
}
