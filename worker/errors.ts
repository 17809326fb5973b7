// Error transfer across the worker boundary (docs/architecture.md: decision 8, convention 7).
//
// Comlink's built-in 'throw' handler keeps only message/name/stack of an Error (comlink #385,
// #514), so a CairnError would arrive as a plain Error without `code` or `data`. We replace
// that handler with one that keeps Comlink's own `canHandle` (it recognises Comlink's private
// "thrown" marker, which we cannot name) and adds a CairnError case; every other thrown value
// goes through the original handler unchanged. Both sides must install it: the worker to
// serialise, the client to rebuild a real CairnError instance.

import * as Comlink from 'comlink';
import { CairnError, ErrorCodes, type ErrorCode, type ErrorData } from '../src/util/errors.js';

interface WireCairnError {
  readonly cairn: true;
  readonly code: string;
  readonly message: string;
  readonly data: ErrorData;
  readonly stack?: string;
}

interface ThrownSerialized {
  readonly isError: boolean;
  readonly value: unknown;
}

type ThrowHandler = Comlink.TransferHandler<{ value: unknown }, ThrownSerialized>;

const INSTALLED = Symbol.for('cairndb.errorTransfer');

function isWireCairnError(x: unknown): x is WireCairnError {
  return typeof x === 'object' && x !== null && (x as { cairn?: unknown }).cairn === true;
}

/** Any error as plain data, for errors passed as values (live query updates) rather than thrown. */
export type WireError = WireCairnError | { readonly cairn: false; readonly name: string; readonly message: string };

export function toWireError(e: unknown): WireError {
  if (e instanceof CairnError) return { cairn: true, code: e.code, message: e.message, data: e.data, stack: e.stack };
  if (e instanceof Error) return { cairn: false, name: e.name, message: e.message };
  return { cairn: false, name: 'Error', message: String(e) };
}

export function fromWireError(w: WireError): Error {
  if (isWireCairnError(w)) return reviveCairnError(w);
  const err = new Error(w.message);
  err.name = w.name;
  return err;
}

/** Rebuild a CairnError from its wire form; an unknown code becomes 'worker/protocol'. */
export function reviveCairnError(w: WireCairnError): CairnError {
  const known = (ErrorCodes as readonly string[]).includes(w.code);
  const err = known
    ? new CairnError(w.code as ErrorCode, w.message, w.data)
    : new CairnError('worker/protocol', `unknown error code ${JSON.stringify(w.code)}: ${w.message}`, { code: w.code, data: w.data });
  if (w.stack) {
    // Keep the worker-side stack: it is where the failure actually happened.
    Object.defineProperty(err, 'stack', { value: w.stack, configurable: true, writable: true });
  }
  return err;
}

/** Install the CairnError-aware 'throw' handler. Idempotent; call on both sides. */
export function installErrorTransfer(): void {
  const original = Comlink.transferHandlers.get('throw') as ThrowHandler | undefined;
  if (!original) throw new CairnError('worker/protocol', 'Comlink has no "throw" transfer handler to extend');
  if ((original as unknown as Record<symbol, unknown>)[INSTALLED]) return;
  const handler: ThrowHandler & { [INSTALLED]: true } = {
    [INSTALLED]: true,
    canHandle: original.canHandle,
    serialize(thrown) {
      const value = thrown.value;
      if (value instanceof CairnError) {
        const wire: WireCairnError = { cairn: true, code: value.code, message: value.message, data: value.data, stack: value.stack };
        return [{ isError: true, value: wire }, []];
      }
      return original.serialize(thrown);
    },
    deserialize(serialized) {
      if (serialized.isError && isWireCairnError(serialized.value)) throw reviveCairnError(serialized.value);
      return original.deserialize(serialized);
    },
  };
  Comlink.transferHandlers.set('throw', handler);
}
