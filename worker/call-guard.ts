// Per-call limits on the client side of the worker boundary. A call into a worker busy with a
// long job cannot be interrupted (the worker has one thread), but the page need not wait: past
// `timeoutMs` the call rejects with 'worker/timeout' and the app can recover (show an error,
// retry, or close the client). The worker's late answer is then dropped. A `signal` does the
// same when it aborts; the q map form's own `signal` uses it, rejecting with 'query/timeout'.

import { CairnError, fail, show, type ErrorCode } from '../src/util/errors.js';

export interface CallOptions {
  /** Reject with 'worker/timeout' if the worker has not answered within this many ms. */
  readonly timeoutMs?: number;
  /** Reject when it aborts (with 'worker/timeout', or 'query/timeout' for a q map's signal). */
  readonly signal?: AbortSignal;
}

export function checkCallOptions(o: unknown): CallOptions {
  if (o === undefined) return {};
  if (typeof o !== 'object' || o === null) fail('config/invalid', `call options must be an object like { timeoutMs: 5000 }, got ${show(o)}`);
  const { timeoutMs, signal } = o as CallOptions;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0 && Number.isFinite(timeoutMs))) {
    fail('config/invalid', `timeoutMs must be a number of milliseconds >= 0, got ${show(timeoutMs)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) fail('config/invalid', `signal must be an AbortSignal, got ${show(signal)}`);
  return { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(signal !== undefined ? { signal } : {}) };
}

/**
 * Arm the limits of one call: `reject` is called at most once when one trips. Returns the
 * disarm function, to call when the call settles.
 */
export function armCall(o: CallOptions, reject: (e: CairnError) => void, abortCode: ErrorCode = 'worker/timeout'): () => void {
  const { timeoutMs, signal } = o;
  const onAbort = (): void =>
    reject(new CairnError(abortCode, `the call was aborted${signal?.reason === undefined ? '' : `: ${show(signal.reason)}`}`, { aborted: true }));
  if (signal?.aborted) {
    onAbort();
    return () => {};
  }
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          reject(
            new CairnError('worker/timeout', `the worker did not answer within ${timeoutMs} ms (it may be busy; the call may still complete there)`, {
              timeoutMs,
            }),
          );
        }, timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
}
