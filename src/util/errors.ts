// One error class for everything CairnDB throws on purpose. The `code` is stable and
// namespaced ('transact/unique'); `data` is JSON-safe so the error crosses the worker boundary.

/** Every stable error code. Add new ones here, grouped by namespace. */
export const ErrorCodes = [
  // config and lifecycle
  'config/invalid',
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
  // query and pull
  'query/parse',
  'query/unbound-variable',
  'query/insufficient-binding',
  'query/unknown-function',
  'query/arity',
  'query/invalid-input',
  'query/rule',
  'query/execution',
  'pull/parse',
  'pull/invalid',
  'entity/invalid',
  // index and storage
  'index/invalid',
  'index/unknown',
  'store/unknown-backend',
  'store/missing-node',
  'store/corrupt',
  'store/format-version',
  'store/quota',
  'store/conflict',
  'store/unavailable',
  'store/io',
  'store/closed',
  'store/invalid',
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
  const branded = x instanceof CairnError ||
    (x instanceof Error && x.name === 'CairnError' && typeof (x as { code?: unknown }).code === 'string');
  return branded && (code === undefined || (x as CairnError).code === code);
}

/** Render any value briefly for an error message (never throws, never huge). */
export function show(value: unknown, max = 120): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value)
      : typeof value === 'bigint' ? `${value}N`
      : typeof value === 'number' ? String(value) // JSON would print NaN and Infinity as null
      : value instanceof Date ? `#inst "${value.toISOString()}"`
      : value instanceof Uint8Array ? `#bytes[${value.length}]`
      : value === undefined ? 'undefined'
      : JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}N` : v)) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Convert an arbitrary value into JSON-safe error data. */
export function jsonSafe(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return `${value}N`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `#bytes[${value.length}]`;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v);
    return out;
  }
  return String(value);
}

export function fail(code: ErrorCode, message: string, data: Record<string, unknown> = {}): never {
  throw new CairnError(code, message, jsonSafe(data) as ErrorData);
}
