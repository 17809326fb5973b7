// Value identity and order for the query engine. Hash joins, distinct tuples and grouping key
// values with `valueKey`; comparisons (`<`, min/max, sorting) use `compareValues`.
//
// valueKey: primitives key as themselves (numbers, strings, booleans, bigints, null), so the
// common case builds no strings. Composite values (Date, Uint8Array, arrays, sets) key as a
// string starting with U+0000, a character no real string value starts with in practice; two
// values with equal keys are equal under `valuesEqual`.

import { fail, show } from '../util/errors.js';
import { isBytes, isDate, isMap, isSet } from '../util/brands.js';
import { compareValues as compareDbValues, type Slot, valueRank } from '../db/values.js';

export type Key = string | number | boolean | bigint | null | undefined;

/**
 * The elements a collection or tuple binding (`[?x ...]`, `[?a ?b]`) takes apart: those of an
 * array, a Set or another iterable, never a Map's; undefined for anything else, and for an
 * iterable whose iteration throws — such as an object that only inherits a built-in's iterator
 * (util/brands.ts), whose iteration is a TypeError.
 */
export function elementsOf(x: unknown): readonly unknown[] | undefined {
  if (Array.isArray(x)) return x;
  if (typeof x !== 'object' || x === null || !(Symbol.iterator in x) || isMap(x)) return undefined;
  try {
    return [...(x as Iterable<unknown>)];
  } catch {
    return undefined;
  }
}

export function valueKey(v: unknown): Key {
  switch (typeof v) {
    case 'number':
      return v <= MAX_SAFE && v >= -MAX_SAFE ? v : bigKey(v);
    case 'bigint':
      return v <= MAX_SAFE_N && v >= -MAX_SAFE_N ? Number(v) : v;
    case 'string':
    case 'boolean':
    case 'undefined':
      return v;
    default:
      if (v === null) return null;
      return `\u0000${compositeKey(v)}`;
  }
}

// A number and a bigint of the same value are one value (as in the indexes, and as `=` says):
// they key alike — as the number within the safe integers, as the bigint beyond them.
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_N = 9_007_199_254_740_991n; // a literal: a call here would be a side effect to bundlers
const bigKey = (v: number): number | bigint => (Number.isInteger(v) ? BigInt(v) : v);

/** A number's or bigint's part of a string key: the same for the same value. */
function numberKey(v: number | bigint): string {
  const k = valueKey(v);
  return typeof k === 'bigint' ? `N${k}` : `#${k as number}`;
}

// Deeper than any real value (tuples are flat, relations two levels): bounds the recursion so a
// pathological input fails with a coded error instead of a stack overflow.
const KEY_DEPTH = 256;

function compositeKey(v: unknown, depth = KEY_DEPTH): string {
  if (v === null || v === undefined) return 'n';
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return numberKey(v);
    case 'string':
      return `s${v.length}:${v}`;
    case 'boolean':
      return v ? 'T' : 'F';
    default:
      break;
  }
  if (isDate(v)) return `D${v.getTime()}`;
  if (isBytes(v)) return `B${Array.from(v).join(',')}`;
  if (depth <= 0) fail('query/invalid-input', `a query value is nested more than ${KEY_DEPTH} levels deep: ${show(v)}`);
  const key = (x: unknown): string => compositeKey(x, depth - 1);
  if (Array.isArray(v)) return `[${Array.from(v, key).join(',')}]`;
  if (isSet(v)) return `S{${[...v].map(key).sort().join(',')}}`;
  if (isMap(v))
    return `M{${[...v]
      .map(([k, x]) => `${key(k)}:${key(x)}`)
      .sort()
      .join(',')}}`;
  if (typeof v === 'object') {
    return `O{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${key((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return `?${show(v)}`;
}

const PAIR = 2 ** 26;

/**
 * Key of two values that are both small non-negative integers (entity ids, mostly; bigints of
 * such values too, as their keys are numbers) as one number, a * 2^26 + b: exact below 2^52,
 * and it allocates no string. Else undefined.
 */
export function pairKey(a: unknown, b: unknown): number | undefined {
  const x = typeof a === 'bigint' ? valueKey(a) : a;
  const y = typeof b === 'bigint' ? valueKey(b) : b;
  return typeof x === 'number' && typeof y === 'number' && x >= 0 && y >= 0 && x < PAIR && y < PAIR && Number.isInteger(x) && Number.isInteger(y)
    ? x * PAIR + y
    : undefined;
}

/**
 * Key of several values together (a tuple of join columns). Keys of tuples of one width are
 * compared with each other only; a width-2 key is a number (pairKey) or a string, never both
 * for the same tuple.
 */
export function tupleKey(values: readonly unknown[]): Key {
  return rowKey(values, positions(values.length));
}

// [0, 1, …, n - 1], one array per width: a tuple is a row whose columns are all of it.
const allPositions: number[][] = [];
const positions = (n: number): readonly number[] => (allPositions[n] ??= Array.from({ length: n }, (_, i) => i));

/** The key of a row's values in `cols` (a join's or a grouping's key), as tupleKey keys them. */
export function rowKey(row: readonly unknown[], cols: readonly number[]): Key {
  if (cols.length === 1) return valueKey(row[cols[0]!]);
  if (cols.length === 2) {
    const k = pairKey(row[cols[0]!], row[cols[1]!]);
    if (k !== undefined) return k;
  }
  let s = '';
  for (const c of cols) s += `${partKey(row[c])}|`;
  return s;
}

// A safe number's part is written in place (the common case allocates one string per key).
const partKey = (v: unknown): string => (typeof v === 'number' && v <= MAX_SAFE && v >= -MAX_SAFE ? `#${v}` : compositeKey(v));

export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'bigint') return Number.isInteger(a) && BigInt(a) === b;
  if (typeof a === 'bigint' && typeof b === 'number') return valuesEqual(b, a);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return valueKey(a) === valueKey(b);
}

/**
 * Total order over values, for sorting (`:order-by`, min/max, median): database values in the
 * index's order (db/values.ts: numbers and bigints by value with NaN first, invalid Dates first),
 * except that arrays compare by length first, as Clojure's `compare` does; anything else after
 * them, by its key.
 */
export function compareValues(a: unknown, b: unknown): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 6: {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return x.length - y.length;
      for (let i = 0; i < x.length; i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return 0;
    }
    case 7: {
      const x = String(valueKey(a));
      const y = String(valueKey(b));
      return x < y ? -1 : x > y ? 1 : 0;
    }
    default:
      return compareDbValues(a as Slot, b as Slot);
  }
}

/** Values two comparison operands can meaningfully be ordered by (same rank). */
export function comparable(a: unknown, b: unknown): boolean {
  const r = valueRank(a);
  return r === valueRank(b) && r !== 0 && !unordered(a) && !unordered(b);
}

/** NaN and an invalid Date sort first but compare with nothing: `<`, `>`, `<=`, `>=` are false, as in IEEE 754. */
function unordered(v: unknown): boolean {
  return typeof v === 'number' ? Number.isNaN(v) : isDate(v) && Number.isNaN(v.getTime());
}
