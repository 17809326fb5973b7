// Value lists per index leaf, for patterns with a constant value on an attribute without AVET
// (`[?e :name "Ivan"]` with `:name` not indexed). Such a pattern scans the attribute's AEVT
// range and keeps the datoms whose value matches; this module lets the scan read, per leaf, only
// the datoms with that value.
//
// A leaf's key array is immutable once a persistent set hands it out (the tree copies a node
// before editing it), so what is derived from it stays true for as long as the array lives: the
// lists are kept in a WeakMap keyed by the array, and go when the node cache lets the leaf go.
// A leaf gets its lists the second time a constant-value scan reads it; arrays seen once (the
// merged copies a range with novelty reads, a view's filtered result) never pay for them.

import type { Datom } from '../db/types.js';
import type { KeyRuns } from '../indices/types.js';

/** The datoms of one attribute in a leaf, grouped by value (Map keys: SameValueZero, like `===` for the values used). */
type ValueLists = Map<unknown, Datom[]>;

const lists = new WeakMap<readonly Datom[], Map<string, ValueLists> | true>();

/** The leaf's datoms of `attr` grouped by value, or undefined the first time the leaf is asked. */
export function leafValueLists(leaf: readonly Datom[], attr: string): ValueLists | undefined {
  const got = lists.get(leaf);
  if (got === undefined) {
    lists.set(leaf, true);
    return undefined;
  }
  let byAttr = got === true ? undefined : got;
  if (byAttr === undefined) {
    byAttr = new Map();
    lists.set(leaf, byAttr);
  }
  let m = byAttr.get(attr);
  if (m === undefined) {
    m = new Map();
    for (const d of leaf) {
      if (d.a !== attr) continue;
      const l = m.get(d.v);
      if (l === undefined) m.set(d.v, [d]);
      else l.push(d);
    }
    byAttr.set(attr, m);
  }
  return m;
}

const NONE: readonly Datom[] = [];

/** A leaf's part of a scan: datoms `a[from..end)`; `listed` when `a` is the leaf's list of the value asked for. */
export interface LeafPart {
  readonly a: readonly Datom[];
  readonly from: number;
  readonly end: number;
  readonly listed: boolean;
}

/**
 * Leaf `n` of `runs`: its datoms within the scan's bounds, or, with a value `vEq` on attribute
 * `attr` and the leaf grouped by value (leafValueLists), only its datoms with that value (every
 * one of them has it: `listed`).
 */
export function leafPart(runs: KeyRuns<Datom>, n: number, vEq: unknown, attr: string | undefined): LeafPart {
  const a = runs.arrays[n]!;
  if (vEq !== undefined && attr !== undefined) {
    const lists = leafValueLists(a, attr);
    if (lists !== undefined) {
      const l = lists.get(vEq) ?? NONE;
      return { a: l, from: 0, end: l.length, listed: true };
    }
  }
  return { a, from: n === 0 ? runs.start : 0, end: n === runs.arrays.length - 1 ? runs.end : a.length, listed: false };
}

const ids = new WeakMap<readonly Datom[], Int32Array | Float64Array>();
const values = new WeakMap<readonly Datom[], unknown[]>();

/**
 * The entity ids of an immutable datom array (a leaf, or one of its value lists) as one packed
 * column, cached like the value lists (32-bit when every id fits): a merge join
 * (merge-join.ts) searches this column instead of one scattered datom object per probe.
 */
export function entityIds(datoms: readonly Datom[]): Int32Array | Float64Array {
  let col = ids.get(datoms);
  if (col === undefined) {
    let small = true;
    for (let i = 0; i < datoms.length && small; i++) small = datoms[i]!.e <= 0x7fffffff;
    col = small ? new Int32Array(datoms.length) : new Float64Array(datoms.length);
    for (let i = 0; i < datoms.length; i++) col[i] = datoms[i]!.e;
    ids.set(datoms, col);
  }
  return col;
}

/** The values of an immutable datom array as one array (cached like entityIds): a join reads a matched datom's value without touching the datom. */
export function valueColumn(datoms: readonly Datom[]): unknown[] {
  let col = values.get(datoms);
  if (col === undefined) {
    col = new Array<unknown>(datoms.length);
    for (let i = 0; i < datoms.length; i++) col[i] = datoms[i]!.v;
    values.set(datoms, col);
  }
  return col;
}
