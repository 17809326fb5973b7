// Sources a data pattern can match: a Db value (anything implementing the Db read contract) or
// a plain JS collection of tuples (`[[1 :name "Ivan"] ...]` in Datahike). Both answer the same
// question, "tuples whose positions equal these values", so patterns need not care which.
//
// A Db source matches positions e a v tx added; the Db picks the index from the bound ones.
// A collection source keeps, per position, a hash index built the first time that position is
// looked up, so a value join against a large collection costs one pass, not one per binding.

import { entidAs } from '../db/entid.js';
import type { Datom, Db, EntityRef, Value } from '../db/types.js';
import { type KeyRuns, runsOf } from '../indices/types.js';
import { fail, show } from '../util/errors.js';
import type { MaybePromise } from '../util/maybe.js';
import { andThen as then } from './run.js';
import { valueKey, valuesEqual, type Key } from './values.js';
import { isSet } from '../util/brands.js';

export type Tuple = Datom | readonly unknown[];

export interface Source {
  readonly name: string;
  readonly db: Db | null;
  /** Tuples equal to `bound` at every defined position (undefined = any). */
  search(bound: readonly unknown[]): MaybePromise<readonly Tuple[]>;
  /** The tuples of `search` as runs of arrays the source already holds (a Db's leaves), not copied. */
  searchRuns(bound: readonly unknown[]): MaybePromise<KeyRuns<Tuple>>;
  /** Cheap guess of how many tuples `search` would return. */
  estimate(bound: readonly unknown[]): MaybePromise<number>;
}

export function isDb(x: unknown): x is Db {
  return typeof x === 'object' && x !== null && typeof (x as Db).search === 'function' && typeof (x as Db).entid === 'function';
}

export function makeSource(name: string, value: unknown): Source {
  if (isDb(value)) return dbSource(name, value);
  if (Array.isArray(value) || isSet(value)) return collSource(name, [...(value as Iterable<unknown>)]);
  return fail('query/invalid-input', `Source ${name} must be a database or a collection of tuples, got ${show(value)}`, { source: name });
}

function dbSource(name: string, db: Db): Source {
  return {
    name,
    db,
    search(bound) {
      const [e, a, v, tx, added] = bound;
      const r = db.search(e as number | undefined, a as string | undefined, v as Value | undefined, tx as number | undefined);
      if (added === undefined) return r;
      return then(r, (ds) => ds.filter((d) => d.added === added));
    },
    searchRuns(bound) {
      const [e, a, v, tx, added] = bound;
      if (added !== undefined || db.searchRuns === undefined) return then(this.search(bound), runsOf);
      return db.searchRuns(e as number | undefined, a as string | undefined, v as Value | undefined, tx as number | undefined);
    },
    estimate(bound) {
      const [e, a, v] = bound;
      return db.estimate(e as number | undefined, a as string | undefined, v as Value | undefined);
    },
  };
}

// The attribute position of a collection's [e a v tx added] tuples: written as elsewhere in JS,
// 'name' and ':name' are the same attribute.
const ATTR = 1;
const keyAt = (pos: number, v: unknown): Key => valueKey(pos === ATTR && typeof v === 'string' ? stripColon(v) : v);
const attrEqual = (x: unknown, y: unknown): boolean => (typeof x === 'string' && typeof y === 'string' ? stripColon(x) === stripColon(y) : valuesEqual(x, y));

function collSource(name: string, rows: readonly unknown[]): Source {
  const tuples = rows.map((r, i) => {
    if (!Array.isArray(r)) fail('query/invalid-input', `Source ${name} must hold tuples (arrays); element ${i} is ${show(r)}`, { source: name });
    return r as readonly unknown[];
  });
  const indexes = new Map<number, Map<Key, (readonly unknown[])[]>>();
  const indexOn = (pos: number): Map<Key, (readonly unknown[])[]> => {
    let m = indexes.get(pos);
    if (m === undefined) {
      m = new Map();
      for (const t of tuples) {
        const k = keyAt(pos, t[pos]);
        const g = m.get(k);
        if (g === undefined) m.set(k, [t]);
        else g.push(t);
      }
      indexes.set(pos, m);
    }
    return m;
  };
  return {
    name,
    db: null,
    search(bound) {
      let first = -1;
      for (let i = 0; i < bound.length; i++)
        if (bound[i] !== undefined) {
          first = i;
          break;
        }
      if (first < 0) return tuples;
      const candidates = indexOn(first).get(keyAt(first, bound[first])) ?? [];
      return candidates.filter((t) => bound.every((b, i) => b === undefined || (i === ATTR ? attrEqual(t[i], b) : valuesEqual(t[i], b))));
    },
    searchRuns(bound) {
      return then(this.search(bound), runsOf);
    },
    estimate(bound) {
      let first = -1;
      for (let i = 0; i < bound.length; i++)
        if (bound[i] !== undefined) {
          first = i;
          break;
        }
      if (first < 0) return tuples.length;
      return indexOn(first).get(keyAt(first, bound[first]))?.length ?? 0;
    },
  };
}

/** An entity position value as an id: numbers pass, lookup refs and idents go through entid. */
export function resolveEntity(db: Db, x: unknown): MaybePromise<number | null> {
  if (typeof x === 'number') return x;
  if (Array.isArray(x) && x.length === 2 && typeof x[0] === 'string') {
    return entidAs(db, [stripColon(x[0]), x[1]] as unknown as EntityRef, 'query/lookup-ref');
  }
  if (typeof x === 'string') return entidAs(db, stripColon(x), 'query/lookup-ref');
  return null;
}

export const stripColon = (s: string): string => (s.charCodeAt(0) === 58 ? s.slice(1) : s);
