// Structural equality of query and pull results, so a re-run that finds the same answer is not
// delivered. Results are plain data (docs/api.md "Data conventions"): arrays, plain objects, strings,
// numbers, bigints, booleans, null, Dates, Uint8Arrays.

import { isBytes, isDate } from '../util/brands.js';
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (isDate(a)) return isDate(b) && a.getTime() === b.getTime();
  if (isBytes(a)) {
    if (!isBytes(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  // Only plain objects are compared by content; anything else (a connection, a Map) by identity.
  const proto = Object.getPrototypeOf(a);
  if (proto !== Object.getPrototypeOf(b) || (proto !== Object.prototype && proto !== null)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
