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
import { setOwn } from '../util/objects.js';
import { isPlainMap } from './normalize.js';
import { TX_ENTITY_NAMES } from './types.js';
import { isSet } from '../util/brands.js';

export interface SimpleTx {
  /** The assertions, in tx data order. */
  readonly datoms: Datom[];
  /** The tempids of the maps that named one, each followed by its entity id, in order (flat: no pair arrays). */
  readonly tempids: (string | number)[];
  readonly maxEid: number;
}

/** Set the tempids of `simple` in a report's `tempids` (numeric ones as their strings). */
export function setTempids(tempids: Record<string, number>, simple: SimpleTx): void {
  const pairs = simple.tempids;
  for (let i = 0; i < pairs.length; i += 2) setOwn(tempids, String(pairs[i]), pairs[i + 1] as number);
}

/** A map's db/id when it is a plain tempid (a negative integer or a name), null for none, undefined otherwise. */
function tempidOf(m: Record<string, unknown>): string | number | null | undefined {
  const id = 'db/id' in m ? m['db/id'] : m[':db/id'];
  if (id === undefined || id === null) return null;
  if (typeof id === 'number') return Number.isInteger(id) && id < 0 ? id : undefined;
  // ':x' and known idents are lookups, 'x/y' may be one, "-1" may be the tempid -1 spelled as a
  // string: leave them to the general path.
  if (typeof id !== 'string' || id.length === 0) return undefined;
  const c = id.charCodeAt(0);
  if (c === 58 || c === 0 || c === 45 || id.includes('/') || TX_ENTITY_NAMES.has(id)) return undefined;
  return id;
}

/**
 * Whether each tempid is new in this tx. Numeric ones usually run -1, -2, -3, …: while they go
 * strictly one way no two can be equal, so no set (hashing each) is kept until they turn.
 */
class TempidsSeen {
  readonly #names = new Set<string>();
  #nums: Set<number> | undefined;
  readonly #order: number[] = [];
  #dir = 0;

  fresh(id: string | number): boolean {
    if (typeof id === 'string') {
      if (this.#names.has(id)) return false;
      this.#names.add(id);
      return true;
    }
    if (this.#nums === undefined) {
      const last = this.#order.at(-1);
      const d = last === undefined ? 0 : Math.sign(id - last);
      if (last === undefined || (d !== 0 && (this.#dir === 0 || d === this.#dir))) {
        this.#dir = d;
        this.#order.push(id);
        return true;
      }
      this.#nums = new Set(this.#order);
    }
    if (this.#nums.has(id)) return false;
    this.#nums.add(id);
    this.#order.push(id);
    return true;
  }
}

// Which map keys are plain attributes this path takes, per schema (a Schema never changes once
// built): a Map per transaction was about a sixth of what a one-person transaction allocated here.
const attrsBySchema = /* @__PURE__ */ new WeakMap<Schema, Map<string, AttrSchema | null>>();

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
  let attrs = attrsBySchema.get(schema); // map key -> its schema, null: not simple
  if (attrs === undefined) attrsBySchema.set(schema, (attrs = new Map()));
  // one map cannot name a tempid twice: no bookkeeping for a transaction of one entity
  const seen = items.length > 1 ? new TempidsSeen() : undefined;
  const datoms: Datom[] = [];
  const tempids: (string | number)[] = [];
  let e = maxEid;
  try {
    for (let i = 0; i < items.length; i++) {
      const m = items[i];
      if (!isPlainMap(m)) return undefined;
      const id = tempidOf(m);
      if (id === undefined) return undefined;
      if (++e >= TX0) return undefined; // the general path reports the exhausted id space
      if (id !== null) {
        if (seen !== undefined && !seen.fresh(id)) return undefined; // one entity in two maps: the general path merges them
        tempids.push(id, e);
      }
      const start = datoms.length;
      for (const k in m) {
        if (!Object.hasOwn(m, k) || k === 'db/id' || k === ':db/id') continue;
        // ':a' beside 'a' would be one attribute twice: the general path orders those.
        if (k.charCodeAt(0) === 58) return undefined;
        let s = attrs.get(k);
        if (s === undefined) {
          s = simpleAttr(schema, k) ?? null;
          if (schema.attrs.has(k)) attrs.set(k, s); // bounded by the schema, whatever keys come
        }
        if (s === null) return undefined;
        const a = k;
        const x = m[k];
        if (x === null || x === undefined || isPlainMap(x)) return undefined;
        if (isSet(x) || (Array.isArray(x) && s.cardinality === 'many')) {
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
