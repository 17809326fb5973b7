// How IndexedDB failures become store errors (docs/architecture.md, decision 10), kept apart from the backend
// so the mapping is unit-tested in Node with simulated DOMExceptions.
//
// - QuotaExceededError -> store/quota. Near its limit Chrome sometimes aborts the transaction
//   with a bare AbortError instead (as matrix-js-sdk's storage
//   layer observed), so an AbortError we did not cause ourselves is
//   reported as store/quota too; IDB transactions are atomic, so either way nothing of the
//   batch was written.
// - "The database connection is closing" / "Connection to Indexed Database server lost"
//   (browsers force-close connections on tab suspension and storage pressure; Safari drops
//   them: InstantDB #2541, Jazz #3530 fixed it the same way) -> reopen and retry once.
// - everything else -> store/io naming the operation and key.

import { CairnError, show } from '../util/errors.js';

function nameOf(e: unknown): string | undefined {
  return e !== null && typeof e === 'object' && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : undefined;
}

function messageOf(e: unknown): string {
  return e !== null && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message : String(e);
}

/** True for the errors after which reopening the database and retrying once is worthwhile. */
export function isConnectionLost(e: unknown): boolean {
  const name = nameOf(e);
  const msg = messageOf(e);
  if (name === 'InvalidStateError' && /clos/i.test(msg)) return true;
  return (name === 'UnknownError' || name === 'InvalidStateError' || name === 'AbortError') && /connection.*(lost|clos)/i.test(msg);
}

export function isQuotaError(e: unknown): boolean {
  const name = nameOf(e);
  return name === 'QuotaExceededError' || (name === 'AbortError' && !isConnectionLost(e));
}

/** The store error for an IndexedDB failure while doing `what` (on `key`, when one). */
export function mapIdbError(e: unknown, what: string, key?: string): CairnError {
  if (e instanceof CairnError) return e;
  const name = nameOf(e) ?? 'Error';
  const data = { key: key ?? null, domError: name, what };
  const on = key === undefined ? '' : ` (key ${show(key)})`;
  if (isQuotaError(e)) {
    return new CairnError(
      'store/quota',
      `IndexedDB quota exhausted while ${what}${on}; nothing of the operation was written (${name}: ${messageOf(e)})`,
      data,
      { cause: e },
    );
  }
  return new CairnError('store/io', `IndexedDB failed while ${what}${on}: ${name}: ${messageOf(e)}`, data, { cause: e });
}

/** The error for IndexedDB missing or refusing to open at all (private modes, disabled storage). */
export function unavailableError(e: unknown, name: string): CairnError {
  return new CairnError(
    'store/unavailable',
    `IndexedDB is not available for ${show(name)}: ${e === undefined ? 'globalThis.indexedDB is undefined' : `${nameOf(e) ?? 'Error'}: ${messageOf(e)}`}`,
    { name, domError: nameOf(e) ?? null },
    { cause: e },
  );
}
