// A query's time budget (q map form: `timeout` in ms and/or `signal`, an AbortSignal). Datalog
// evaluation is synchronous between index reads, so the budget cannot preempt it: the engine
// checks it where work repeats — before every clause (rule fixpoint rounds run clauses too),
// every 64 function calls of a clause — and races every index read against it. User regexes
// run on a linear-time engine (regex.ts), so no single call can run away between checks.
// Exceeding the budget, or an aborted signal, fails with 'query/timeout'.

import { fail, show } from '../util/errors.js';

export interface Budget {
  /** Throws 'query/timeout' once the deadline passed or the signal aborted. */
  check(): void;
  /** `p`, or a 'query/timeout' rejection as soon as the budget runs out while waiting for it. */
  race<T>(p: Promise<T>): Promise<T>;
  /** Clear the timer behind `race` (the query ended). */
  dispose(): void;
}

/** Validates the options; null when there is no budget (the common case costs nothing). */
export function makeBudget(timeout: unknown, signal: unknown): Budget | null {
  if (timeout !== undefined && timeout !== null && !(typeof timeout === 'number' && timeout >= 0 && Number.isFinite(timeout))) {
    fail('query/invalid-input', `timeout must be a number of milliseconds >= 0, got ${show(timeout)}`, { timeout: show(timeout) });
  }
  if (signal !== undefined && signal !== null && !isAbortSignal(signal)) {
    fail('query/invalid-input', `signal must be an AbortSignal, got ${show(signal)}`, { signal: show(signal) });
  }
  const ms = typeof timeout === 'number' ? timeout : undefined;
  const sig = (signal ?? undefined) as AbortSignal | undefined;
  if (ms === undefined && sig === undefined) return null;
  const deadline = ms === undefined ? Infinity : Date.now() + ms;
  const check = (): void => {
    if (sig?.aborted) fail('query/timeout', `query aborted by its signal${sig.reason === undefined ? '' : `: ${show(sig.reason)}`}`, { aborted: true });
    if (Date.now() > deadline) fail('query/timeout', `query exceeded its timeout of ${ms} ms`, { timeout: ms ?? null });
  };
  let expired: Promise<never> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const expiry = (): Promise<never> => {
    expired ??= new Promise<never>((_, reject) => {
      const stop = (): void => {
        try {
          check();
          fail('query/timeout', `query exceeded its timeout of ${ms} ms`, { timeout: ms ?? null }); // timer fired a little early
        } catch (e) {
          reject(e);
        }
      };
      if (deadline !== Infinity) timer = setTimeout(stop, Math.max(0, deadline - Date.now()) + 1);
      if (sig !== undefined) {
        onAbort = stop;
        sig.addEventListener('abort', onAbort, { once: true });
      }
    });
    expired.catch(() => {}); // observed through race(); never unhandled on its own
    return expired;
  };
  return {
    check,
    race: <T>(p: Promise<T>): Promise<T> => {
      check();
      return Promise.race([p, expiry()]);
    },
    dispose(): void {
      if (timer !== undefined) clearTimeout(timer);
      if (onAbort !== undefined) sig?.removeEventListener('abort', onAbort);
    },
  };
}

function isAbortSignal(x: unknown): x is AbortSignal {
  return typeof AbortSignal === 'function' && x instanceof AbortSignal;
}
