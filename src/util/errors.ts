// One error class for everything CairnDB throws on purpose. The `code` is stable and
// namespaced ('transact/unique'); `data` is JSON-safe so the error crosses the worker boundary.

import { isBytes, isDate, isMap, isSet } from './brands.js';
/** Every stable error code. Add new ones here, grouped by namespace. */
export const ErrorCodes = [
  // config and lifecycle
  'config/invalid',
  'config/mismatch',
  'db/exists',
  'db/missing',
  'db/released',
  // EDN
  'edn/parse',
  'edn/print',
  // schema
  'schema/unknown-attribute',
  'schema/invalid',
  'schema/change',
  'schema/type',
  // transactions
  'transact/syntax',
  'transact/unique',
  'transact/upsert',
  'transact/cas',
  'transact/tempid',
  'transact/lookup-ref',
  'transact/entity-id',
  'transact/tuple',
  'transact/nil-value',
  'transact/fn',
  'transact/invalid-string',
  // query and pull
  'query/parse',
  'query/unbound-variable',
  'query/insufficient-binding',
  'query/unknown-function',
  'query/arity',
  'query/invalid-input',
  'query/rule',
  'query/execution',
  'query/lookup-ref',
  'query/timeout',
  'pull/parse',
  'pull/invalid',
  'pull/lookup-ref',
  'entity/invalid',
  // index and storage
  'index/invalid',
  'index/unknown',
  'store/unknown-backend',
  'store/missing-node',
  'store/corrupt',
  'store/format-version',
  'store/encoding',
  'store/quota',
  'store/conflict',
  'store/unavailable',
  'store/io',
  'store/closed',
  'store/invalid',
  'store/unsupported',
  'store/busy',
  // import/export (Datahike's dump format)
  'migrate/format',
  'migrate/aborted',
  'migrate/not-empty',
  'migrate/invalid',
  'migrate/unsupported',
  // worker
  'worker/terminated',
  'worker/protocol',
  // sync (docs/sync.md)
  'sync/unauthorized',
  'sync/forbidden',
  'sync/unknown-db',
  'sync/protocol',
  'sync/invalid',
  'sync/too-large',
  'sync/offline',
  'sync/unreachable',
  'sync/busy',
  'sync/server-error',
  'sync/device-error',
  'worker/timeout',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/** JSON-safe payload describing the failure. */
export type ErrorData = { readonly [key: string]: JsonValue };
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export class CairnError extends Error {
  override readonly name = 'CairnError';
  readonly code: ErrorCode;
  readonly data: ErrorData;

  constructor(code: ErrorCode, message: string, data: ErrorData = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.data = data;
  }

  /** Plain object form, used to carry the error across postMessage. */
  toJSON(): { name: 'CairnError'; code: ErrorCode; message: string; data: ErrorData } {
    return { name: 'CairnError', code: this.code, message: this.message, data: this.data };
  }
}

/**
 * By brand, not only by class: a second copy of this module (a CJS and an ESM load, a lazily
 * imported chunk, two package copies) makes `instanceof` fail, and the connection's conflict
 * handling must still recognise a store/conflict thrown by a backend from the other copy.
 */
export function isCairnError(x: unknown, code?: ErrorCode): x is CairnError {
  const branded = x instanceof CairnError || (x instanceof Error && x.name === 'CairnError' && typeof (x as { code?: unknown }).code === 'string');
  return branded && (code === undefined || (x as CairnError).code === code);
}

// show() and jsonSafe() run on whatever a caller passed, while an error is being reported: they
// must never throw (a TypeError from the error path would hide the real error). So they walk
// values themselves — bounded in depth and size, with cycle detection — instead of trusting
// JSON.stringify/String, which throw on cycles, deep nesting, symbols, null-prototype objects
// and invalid Dates.

const SHOW_DEPTH = 6;
const SAFE_DEPTH = 12;
const SAFE_ITEMS = 200;
const FULL = Symbol('full');

/** ISO text of a Date, or 'Invalid Date' (toISOString throws a RangeError on those). */
export function isoOrInvalid(d: Date): string {
  const t = d.getTime();
  return Number.isNaN(t) ? 'Invalid Date' : d.toISOString();
}

function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return `${value}N`;
    case 'number':
      return String(value); // JSON would print NaN and Infinity as null
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return value.toString();
    case 'function':
      return `#function ${JSON.stringify(value.name)}`;
    default:
      if (value === null) return 'null';
      if (isDate(value)) return `#inst "${isoOrInvalid(value)}"`;
      if (isBytes(value)) return `#bytes[${value.length}]`;
      return undefined;
  }
}

function renderInto(value: unknown, depth: number, seen: Set<object>, put: (t: string) => void): void {
  const scalar = scalarText(value);
  const obj = value as object;
  const leaf = scalar ?? (seen.has(obj) ? '#cycle' : depth <= 0 ? (Array.isArray(obj) ? '[…]' : '{…}') : undefined);
  if (leaf !== undefined) {
    put(leaf);
    return;
  }
  seen.add(obj);
  if (Array.isArray(obj)) {
    put('[');
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) put(',');
      renderInto(i in obj ? obj[i] : null, depth - 1, seen, put); // holes print as JSON does
    }
    put(']');
  } else if (isMap(obj) || isSet(obj)) {
    put(isMap(obj) ? '#Map{' : '#Set{');
    let first = true;
    for (const item of isMap(obj) ? obj.entries() : obj.values()) {
      if (!first) put(',');
      first = false;
      if (isMap(obj)) {
        const [k, v] = item as [unknown, unknown];
        renderInto(k, depth - 1, seen, put);
        put(' ');
        renderInto(v, depth - 1, seen, put);
      } else renderInto(item, depth - 1, seen, put);
    }
    put('}');
  } else if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    renderInto((obj as { toJSON(): unknown }).toJSON(), depth - 1, seen, put);
  } else {
    put('{');
    let first = true;
    for (const k of Object.keys(obj)) {
      const v = (obj as Record<string, unknown>)[k];
      if (v === undefined || typeof v === 'function') continue; // as JSON does
      if (!first) put(',');
      first = false;
      put(`${JSON.stringify(k)}:`);
      renderInto(v, depth - 1, seen, put);
    }
    put('}');
  }
  seen.delete(obj);
}

/** Render any value briefly for an error message (never throws, never huge). */
export function show(value: unknown, max = 120): string {
  let s = '';
  const put = (t: string): void => {
    s += t;
    if (s.length > max) throw FULL;
  };
  try {
    renderInto(value, SHOW_DEPTH, new Set(), put);
  } catch (e) {
    // FULL: long enough. Anything else (a getter or proxy trap that throws): show what we have.
    if (e !== FULL) s += '…';
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function safeInto(value: unknown, depth: number, seen: Set<object>): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value !== 'object' || isDate(value) || isBytes(value)) {
    return isDate(value) ? isoOrInvalid(value) : show(value);
  }
  if (seen.has(value)) return '#cycle';
  if (depth <= 0 || isMap(value) || isSet(value)) return show(value);
  seen.add(value);
  let out: JsonValue;
  if (Array.isArray(value)) {
    const items: JsonValue[] = [];
    for (let i = 0; i < Math.min(value.length, SAFE_ITEMS); i++) items.push(safeInto(value[i], depth - 1, seen));
    if (value.length > SAFE_ITEMS) items.push(`… ${value.length - SAFE_ITEMS} more`);
    out = items;
  } else {
    const o: Record<string, JsonValue> = {};
    for (const k of Object.keys(value).slice(0, SAFE_ITEMS)) {
      // defineProperty: a '__proto__' key must stay a key, not replace the prototype
      Object.defineProperty(o, k, {
        value: safeInto((value as Record<string, unknown>)[k], depth - 1, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    out = o;
  }
  seen.delete(value);
  return out;
}

/** Convert an arbitrary value into JSON-safe error data (never throws). */
export function jsonSafe(value: unknown): JsonValue {
  try {
    return safeInto(value, SAFE_DEPTH, new Set());
  } catch {
    return show(value); // a getter or proxy trap threw while we walked it
  }
}

export function fail(code: ErrorCode, message: string, data: Record<string, unknown> = {}): never {
  throw new CairnError(code, message, jsonSafe(data) as ErrorData);
}
