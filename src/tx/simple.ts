// The fast path for the commonest bulk shape: tx data made only of entity maps that each create
// one new entity (no id, a negative id or a tempid string, every tempid used once) with plain
// values of declared attributes that are neither unique, refs, tuples nor schema attributes.
// For such data the general stages have nothing to decide — no upsert, lookup, existing value,
// owner or incoming ref — so the datoms follow directly: entity ids in order of the maps, the
// maps' keys and values in order, repeated values of a card-many attribute once. Anything else
// (or anything that would raise an error) returns undefined and the general stages run, so
// results and errors are theirs in every case; this only skips the per-op objects, maps and
// lookups they allocate (docs/PERFORMANCE.md, bulk import).

import { isSchemaAttr } from '../db/schema.js';
import { Datom, TX0, type AttrSchema, type Schema, type Value } from '../db/types.js';
import { valueKey } from '../db/values.js';
import { coerceValue } from '../db/valuetypes.js';
import { loneSurrogateAt } from '../util/unicode.js';
import { isPlainMap } from './normalize.js';
import { TX_ENTITY_NAMES } from './types.js';

export interface SimpleTx {
  /** The assertions, in tx data order. */
  readonly datoms: Datom[];
  /** Tempid -> entity id of the maps that named one, in order. */
  readonly tempids: [string, number][];
  readonly maxEid: number;
}

/** Tempid key of a map's db/id, '' for none, or undefined when the id is not a plain tempid. */
function tempidKey(m: Record<string, unknown>): string | undefined {
  const id = 'db/id' in m ? m['db/id'] : m[':db/id'];
  if (id === undefined || id === null) return '';
  if (typeof id === 'number') return Number.isInteger(id) && id < 0 ? String(id) : undefined;
  // ':x' and known idents are lookups, 'x/y' may be one: leave them to the general path.
  if (typeof id !== 'string' || id.length === 0 || id.charCodeAt(0) === 58 || id.charCodeAt(0) === 0 || id.includes('/') || TX_ENTITY_NAMES.has(id))
    return undefined;
  return id;
}

/** The schema of a map key when it is a plain attribute this path handles, else undefined. */
function simpleAttr(schema: Schema, a: string): AttrSchema | undefined {
  const s = schema.attrs.get(a);
  if (s === undefined || s.unique !== undefined || s.valueType === 'db.type/ref' || s.valueType === 'db.type/tuple' || s.valueType === undefined)
    return undefined;
  if (isSchemaAttr(a) || a.startsWith('db') || a.includes('/_') || schema.tupleAttrsOf.has(a) || a === '__proto__' || loneSurrogateAt(a) >= 0) return undefined;
  return s;
}

/**
 * The datoms of `items` for transaction `tx` on a db whose largest entity id is `maxEid`, or
 * undefined when the data is not of the simple shape (see the header).
 */
export function simpleTx(schema: Schema, items: readonly unknown[], tx: number, maxEid: number): SimpleTx | undefined {
  if (schema.flexibility !== 'write' || items.length === 0) return undefined;
  const attrs = new Map<string, AttrSchema | null>(); // map key -> its schema, null: not simple
  const seen = new Set<string>();
  const datoms: Datom[] = [];
  const tempids: [string, number][] = [];
  let e = maxEid;
  try {
    for (let i = 0; i < items.length; i++) {
      const m = items[i];
      if (!isPlainMap(m)) return undefined;
      const key = tempidKey(m);
      if (key === undefined) return undefined;
      if (++e >= TX0) return undefined; // the general path reports the exhausted id space
      if (key !== '') {
        if (seen.has(key)) return undefined; // one entity in two maps: the general path merges them
        seen.add(key);
        tempids.push([key, e]);
      }
      const start = datoms.length;
      for (const k in m) {
        if (!Object.hasOwn(m, k) || k === 'db/id' || k === ':db/id') continue;
        // ':a' beside 'a' would be one attribute twice: the general path orders those.
        if (k.charCodeAt(0) === 58) return undefined;
        let s = attrs.get(k);
        if (s === undefined) attrs.set(k, (s = simpleAttr(schema, k) ?? null));
        if (s === null) return undefined;
        const a = k;
        const x = m[k];
        if (x === null || x === undefined || isPlainMap(x)) return undefined;
        if (x instanceof Set || (Array.isArray(x) && s.cardinality === 'many')) {
          if (s.cardinality !== 'many') return undefined;
          const vks = new Set<string>();
          for (const xi of x as Iterable<unknown>) {
            if (xi === null || xi === undefined || isPlainMap(xi)) return undefined;
            const v: Value = coerceValue(s, xi, a);
            const vk = valueKey(v);
            if (vks.has(vk)) continue; // re-asserting a value of this tx is a no-op
            vks.add(vk);
            datoms.push(new Datom(e, a, v, tx, true));
          }
        } else {
          datoms.push(new Datom(e, a, coerceValue(s, x, a), tx, true));
        }
      }
      // A map asserting nothing allocates no entity in the general path.
      if (datoms.length === start) return undefined;
    }
  } catch {
    return undefined; // the general path raises the error, in its own order
  }
  return { datoms, tempids, maxEid: e };
}
