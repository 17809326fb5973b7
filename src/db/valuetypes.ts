// Checking and normalising a value against a declared value type (schemaFlexibility 'write').
// Normal forms (docs/api.md): keywords ':ns/name' (a missing colon is added), UUIDs lower-case
// canonical strings, longs numbers when safe and bigints beyond, bigints bigint. Refs are
// resolved by the tx resolve stage, not here. Dates and byte arrays are copied, so the caller
// may go on mutating its own objects. A bad value throws 'schema/type' naming the attribute,
// the value and the expected type; nothing else is ever thrown.

import { CairnError, show } from '../util/errors.js';
import { loneSurrogateAt } from '../util/unicode.js';
import { isValueType } from './schema.js';
import type { AttrSchema, Value, ValueType } from './types.js';
import { isBytes, isDate } from '../util/brands.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TUPLE = 8;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const MIN_SAFE = /* @__PURE__ */ BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = /* @__PURE__ */ BigInt(Number.MAX_SAFE_INTEGER);

/** `v` itself, unless it holds a lone surrogate, which storage could not keep (util/unicode.ts). */
export function storableString(v: string, attr: string): string {
  const at = loneSurrogateAt(v);
  if (at >= 0) {
    throw new CairnError(
      'transact/invalid-string',
      `value ${show(v)} of attribute ${attr} is not well-formed Unicode: a lone UTF-16 surrogate at index ${at} cannot be stored`,
      { attribute: attr, value: show(v), index: at },
    );
  }
  return v;
}

function typeError(attr: string, v: unknown, type: string): never {
  throw new CairnError('schema/type', `value ${show(v)} of attribute ${attr} is not a valid ${type}`, { attribute: attr, value: show(v), valueType: type });
}

export function asKeyword(v: string): string {
  return v.charCodeAt(0) === 58 ? v : `:${v}`;
}

const ENUMS: Partial<Record<ValueType, (name: string) => boolean>> = {
  'db.type/valueType': (n) => isValueType(n),
  'db.type/cardinality': (n) => n === 'db.cardinality/one' || n === 'db.cardinality/many',
  'db.type/unique': (n) => n === 'db.unique/identity' || n === 'db.unique/value',
};

/** A scalar (non-tuple, non-ref) value in normal form for `type`, or a 'schema/type' error. */
export function coerceScalar(type: ValueType, v: unknown, attr: string): Value {
  switch (type) {
    case 'db.type/string':
    case 'db.type/symbol':
      if (typeof v === 'string') return storableString(v, attr);
      return typeError(attr, v, type);
    case 'db.type/keyword':
      if (typeof v === 'string' && v.length > 0 && v !== ':') return asKeyword(storableString(v, attr));
      return typeError(attr, v, type);
    case 'db.type/valueType':
    case 'db.type/cardinality':
    case 'db.type/unique': {
      if (typeof v !== 'string') return typeError(attr, v, type);
      const kw = asKeyword(v);
      if (!ENUMS[type]!(kw.slice(1))) {
        throw new CairnError('schema/invalid', `${show(v)} is not a valid value of ${attr}`, { attribute: attr, value: v });
      }
      return kw;
    }
    case 'db.type/boolean':
      if (typeof v === 'boolean') return v;
      return typeError(attr, v, type);
    case 'db.type/long': {
      // a long is 64-bit (Datahike/JVM): numbers when safe, bigints beyond, nothing past 2^63
      if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
      const big = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
      if (big === undefined || big < LONG_MIN || big > LONG_MAX) return typeError(attr, v, type);
      return big >= MIN_SAFE && big <= MAX_SAFE ? Number(big) : big;
    }
    case 'db.type/bigint':
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
      return typeError(attr, v, type);
    case 'db.type/bigdec':
    case 'db.type/double':
    case 'db.type/float':
      if (typeof v === 'number' && !Number.isNaN(v)) return v;
      return typeError(attr, v, type);
    case 'db.type/number':
      if ((typeof v === 'number' && !Number.isNaN(v)) || typeof v === 'bigint') return v;
      return typeError(attr, v, type);
    case 'db.type/instant':
      // copies: a Date or byte array the caller keeps (and may mutate) must not alias the db
      if (isDate(v) && !Number.isNaN(v.getTime())) return new Date(v.getTime());
      return typeError(attr, v, type);
    case 'db.type/uuid':
      if (typeof v === 'string' && UUID_RE.test(v)) return v.toLowerCase();
      return typeError(attr, v, type);
    case 'db.type/bytes':
      if (isBytes(v)) return v.slice();
      return typeError(attr, v, type);
    case 'db.type/ref':
      if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
      return typeError(attr, v, type);
    case 'db.type/tuple':
      return typeError(attr, v, 'scalar (tuples need db/tupleType or db/tupleTypes)');
    default: {
      const never: never = type;
      return typeError(attr, v, String(never));
    }
  }
}

/** A tuple value checked against db/tupleType or db/tupleTypes; slots may be null. */
export function coerceTuple(s: AttrSchema, v: unknown): Value {
  if (!Array.isArray(v)) return typeError(s.ident, v, 'tuple (array)');
  if (s.tupleTypes !== undefined) {
    if (v.length !== s.tupleTypes.length) {
      throw new CairnError('transact/tuple', `tuple ${show(v)} of attribute ${s.ident} must have ${s.tupleTypes.length} elements`, {
        attribute: s.ident,
        value: show(v),
      });
    }
    return Array.from(v, (x, i) => (x === null || x === undefined ? null : coerceScalar(s.tupleTypes![i]!, x, s.ident))) as Value;
  }
  if (v.length > MAX_TUPLE) {
    throw new CairnError('transact/tuple', `tuple ${show(v)} of attribute ${s.ident} has more than ${MAX_TUPLE} elements`, {
      attribute: s.ident,
      value: show(v),
    });
  }
  if (s.tupleType !== undefined) {
    const t = s.tupleType;
    return Array.from(v, (x) => (x === null || x === undefined ? null : coerceScalar(t, x, s.ident))) as Value;
  }
  // composite (db/tupleAttrs): values are computed by the tx layer; one given as input (a lookup
  // ref, an upsert) gets each slot in its member's normal form (keyword colon, uuid case, ...)
  const members = s.tupleMemberTypes;
  if (members !== undefined && v.length !== members.length) {
    throw new CairnError('transact/tuple', `tuple ${show(v)} of attribute ${s.ident} must have ${members.length} elements`, {
      attribute: s.ident,
      value: show(v),
    });
  }
  return Array.from(v, (x, i) => {
    if (x === null || x === undefined) return null;
    const t = members?.[i];
    return t === undefined || t === 'db.type/ref' || t === 'db.type/tuple' ? storable(x, s.ident) : coerceScalar(t, x, s.ident);
  }) as Value;
}

/** Arrays nest at most this deep in a stored value: as deep as a query can key a value (query/values.ts). */
const MAX_VALUE_NESTING = 256;

/**
 * A value of no declared type, as the db keeps it (docs/api.md, "Data conventions"): a string,
 * number (not NaN), bigint, boolean, valid Date, Uint8Array or an array of those (holes and
 * undefined slots become null, as storage reads them back); Dates, bytes and arrays copied so
 * the caller cannot change what the db holds. Anything else — objects, Maps, Sets, functions,
 * symbols — has no place in the indexes' order and is refused.
 */
function storable(v: unknown, attr: string, depth = 0): unknown {
  switch (typeof v) {
    case 'string':
      return storableString(v, attr);
    case 'number':
      return Number.isNaN(v) ? typeError(attr, v, 'value (NaN is not storable)') : v;
    case 'bigint':
    case 'boolean':
      return v;
    default:
      break;
  }
  if (isDate(v)) return Number.isNaN(v.getTime()) ? typeError(attr, v, 'value (an invalid Date is not storable)') : new Date(v.getTime());
  if (isBytes(v)) return v.slice();
  if (!Array.isArray(v)) return typeError(attr, v, 'value (a string, number, bigint, boolean, Date, Uint8Array or array of them)');
  if (depth >= MAX_VALUE_NESTING) typeError(attr, v, `value (arrays nested more than ${MAX_VALUE_NESTING} deep)`);
  return Array.from(v, (x) => (x === undefined || x === null ? null : storable(x, attr, depth + 1)));
}

/**
 * Normalise `v` for attribute `s` (undefined = undeclared, only under schema-on-read, where any
 * non-nil value is accepted as given). Refs are left to the resolver.
 */
export function coerceValue(s: AttrSchema | undefined, v: unknown, attr: string): Value {
  if (v === null || v === undefined) {
    throw new CairnError('transact/nil-value', `cannot store nil as the value of ${attr}`, { attribute: attr });
  }
  if (s === undefined || s.valueType === undefined) {
    return storable(v, attr) as Value;
  }
  if (s.valueType === 'db.type/tuple') return coerceTuple(s, v);
  return coerceScalar(s.valueType, v, attr);
}
