// The total order of datom values across types, value equality, and a string key per value.
//
// Representation (docs/api.md "Data conventions"): string (also keywords ':ns/name', UUIDs, symbols),
// number, bigint, boolean, Date, Uint8Array, arrays (tuples, whose slots may be null).
// Invariants of the order:
//   - values of different kinds are ranked, never merged (Datahike #955):
//       null < boolean < number|bigint < string < Date < Uint8Array < array, and after them
//       anything else a read may be given (an object, a Map), equal to no stored value;
//   - numbers and bigints share one numeric rank and compare by mathematical value, so 1 and 1n
//     are the same value (the tx layer normalises safe-integer longs to numbers anyway);
//   - strings compare by UTF-16 code units (what `<` does), arrays and bytes element-wise, with
//     a shorter prefix first (Datahike #965: arrays compare by content everywhere);
//   - `compareValues(a, b) === 0` iff `valueKey(a) === valueKey(b)`: the key is what the
//     transaction overlay uses to find a value in a Map.

import type { Value } from './types.js';
import { isBytes, isDate } from '../util/brands.js';

/** A value or a tuple slot that is empty. */
export type Slot = Value | null | undefined;

/** The kind's place in the order: 0 empty (null, undefined), 1-6 the value kinds, 7 anything else. */
export function valueRank(v: unknown): number {
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    case 'object':
      if (v === null) return 0;
      if (isDate(v)) return 4;
      if (isBytes(v)) return 5;
      return Array.isArray(v) ? 6 : 7; // 7: not a value (an object, a Map …): equal to no stored value
    case 'undefined':
      return 0; // sorts with null
    default:
      return 7; // a symbol, a function: not a value either
  }
}

/** Compare a number with a bigint by mathematical value (NaN sorts first among numbers). */
function cmpNumberBigint(n: number, b: bigint): number {
  if (Number.isNaN(n) || n === -Infinity) return -1;
  if (n === Infinity) return 1;
  const floor = Math.floor(n);
  const fb = BigInt(floor);
  if (fb < b) return -1;
  if (fb > b) return 1;
  return n > floor ? 1 : 0;
}

function cmpNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  // at least one NaN: NaN first, two NaNs equal
  const an = Number.isNaN(a),
    bn = Number.isNaN(b);
  return an === bn ? 0 : an ? -1 : 1;
}

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
}

function cmpArrays(a: readonly Slot[], b: readonly Slot[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** The total order of values (see the module comment). Returns -1, 0 or 1. */
export function compareValues(a: Slot, b: Slot): number {
  const ta = typeof a;
  if (ta === typeof b) {
    // hot paths first: same primitive kind
    if (ta === 'string' || ta === 'bigint') return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    if (ta === 'number') return cmpNumbers(a as number, b as number);
    if (ta === 'boolean') return a === b ? 0 : a ? 1 : -1;
  }
  const ra = valueRank(a),
    rb = valueRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 2:
      return ta === 'number' ? cmpNumberBigint(a as number, b as bigint) : -cmpNumberBigint(b as number, a as bigint);
    case 4:
      return cmpNumbers((a as Date).getTime(), (b as Date).getTime());
    case 5:
      return cmpBytes(a as Uint8Array, b as Uint8Array);
    case 6:
      return cmpArrays(a as readonly Slot[], b as readonly Slot[]);
    default:
      return 0; // rank 7 (two non-values, which no index holds); the others returned above
  }
}

export function valuesEqual(a: Slot, b: Slot): boolean {
  return a === b || compareValues(a, b) === 0;
}

/** A string that identifies a fact, entity, attribute and value, whatever its tx (valueKey's equality). */
export function factKey(d: { readonly e: number; readonly a: string; readonly v: Slot }): string {
  return `${d.e}|${d.a}|${valueKey(d.v)}`;
}

/**
 * A string that identifies the value up to `compareValues` equality. Numbers and bigints that
 * are mathematically equal get the same key (an integral number prints like the bigint).
 */
export function valueKey(v: Slot): string {
  switch (typeof v) {
    case 'string':
      return 's' + v;
    case 'number':
      return Number.isSafeInteger(v) ? 'n' + String(v + 0) : Number.isInteger(v) ? 'n' + BigInt(v).toString() : 'n' + String(v);
    case 'bigint':
      return 'n' + v.toString();
    case 'boolean':
      return v ? 'b1' : 'b0';
    case 'object':
      if (v === null) return 'z';
      if (isDate(v)) return 'd' + String(v.getTime());
      if (isBytes(v)) return 'y' + Array.prototype.join.call(v, ',');
      return Array.isArray(v) ? arrayKey(v) : 'o'; // 'o': not a value, as compareValues ranks it
    default:
      return 'z';
  }
}

/** An array's key: each element's key behind its length, so nesting adds a few characters a level, not an escaping pass. */
function arrayKey(v: readonly Slot[]): string {
  let s = 'a';
  for (const x of v) {
    const k = valueKey(x);
    s += `${k.length}:${k}`;
  }
  return s;
}
