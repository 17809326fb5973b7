// Sorted merge join on the entity. A Db answers a pattern whose entity is not fixed from AEVT
// (one attribute, entities ascending) or AVET with a fixed value (entities ascending again),
// and a relation built from such scans keeps their order. When the rows to join are sorted by
// entity, each row's datoms are found by galloping (an exponential then a binary search)
// forward from the last match, skipping whole leaves by their last datom: O(k log(n/k)) datoms
// touched for k rows over n datoms, where a hash probe reads all n.

import type { Datom } from '../db/types.js';
import type { KeyRuns } from '../indices/types.js';
import { entityIds, leafPart, valueColumn } from './leaf-values.js';

/** One leaf's part of a scan: datoms `a[from..end)` with their entity ids `ids`, ascending. */
interface Segment {
  readonly a: readonly Datom[];
  readonly ids: Int32Array | Float64Array;
  /** The datoms' values (valueColumn), when the join reads values. */
  readonly vals: readonly unknown[] | null;
  readonly from: number;
  readonly end: number;
  /** Every datom has the value asked for (a value list), or no value was asked for. */
  readonly exact: boolean;
}

/**
 * The number of distinct entity ids in column `col` of `rows` when they come in ascending order
 * (repeats allowed: the rows can drive a merge), else -1. One pass, stopping at the first row
 * out of order.
 */
export function ascendingIds(rows: readonly unknown[][], col: number): number {
  let prev = -Infinity;
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const x = rows[i]![col];
    if (typeof x !== 'number' || !(x >= prev)) return -1;
    if (x !== prev) n++;
    prev = x;
  }
  return n;
}

/**
 * The non-empty leaf segments of `runs`; with `vEq` defined and `attr` the attribute the runs
 * hold, a leaf with value lists (leaf-values.ts) stands as the list of datoms with that value.
 * Null when the leaves are not in entity order.
 */
function segmentsOf(runs: KeyRuns<Datom>, vEq: unknown, attr: string | undefined, withValues: boolean): Segment[] | null {
  const segs: Segment[] = [];
  let prev = -Infinity;
  const push = (a: readonly Datom[], from: number, end: number, exact: boolean): boolean => {
    if (end <= from) return true;
    const ids = entityIds(a);
    if (!(ids[from]! >= prev)) return false;
    prev = ids[end - 1]!;
    segs.push({ a, ids, vals: withValues || !exact ? valueColumn(a) : null, from, end, exact });
    return true;
  };
  for (let n = 0; n < runs.arrays.length; n++) {
    const { a, from, end, listed } = leafPart(runs, n, vEq, attr);
    if (!push(a, from, end, listed || vEq === undefined)) return null;
  }
  return segs;
}

/** What a merge hands to its emit callback for each match: nothing, the datom's value, or the datom. */
export type MergeEmits = 'row' | 'value' | 'datom';

/**
 * For each row `i` of `rows` (ascending by the entity in column `col`), `emit(i, x)` for each
 * datom of `runs` with that entity (and value `vEq` when defined), in row order then datom
 * order; `x` is what `emits` asks for (undefined, the datom's value, the datom). `runs` must be
 * ascending by entity (the Db contract for a search without an entity, src/db/types.ts); leaves
 * out of that order are caught (false returned, nothing emitted). Only the packed columns are
 * read unless `emits` is 'datom'.
 */
export function mergeByEntity(
  runs: KeyRuns<Datom>,
  rows: readonly unknown[][],
  col: number,
  vEq: unknown,
  attr: string | undefined,
  emits: MergeEmits,
  emit: (i: number, x: unknown) => void,
): boolean {
  const segs = segmentsOf(runs, vEq, attr, emits === 'value');
  if (segs === null) return false;
  const nSegs = segs.length;
  if (nSegs === 0) return true;
  let s = 0; // current segment
  let seg = segs[0]!;
  let p = seg.from; // no datom of segment s before p has an entity >= the current row's
  for (let i = 0; i < rows.length; i++) {
    const e = rows[i]![col] as number;
    // skip whole segments whose last entity is below e
    while (seg.ids[seg.end - 1]! < e) {
      if (++s === nSegs) return true;
      seg = segs[s]!;
      p = seg.from;
    }
    const ids = seg.ids;
    if (ids[p]! < e) {
      // gallop: ids[lo] < e <= ids[hi] (ids[end - 1] >= e: the loop above)
      const top = seg.end - 1;
      let lo = p;
      let step = 1;
      let hi = p + 1;
      while (hi < top && ids[hi]! < e) {
        lo = hi;
        step *= 2;
        hi = Math.min(lo + step, top);
      }
      while (hi - lo > 1) {
        const m = (lo + hi) >>> 1;
        if (ids[m]! < e) lo = m;
        else hi = m;
      }
      p = hi;
    }
    // this entity's datoms; they may run on into the next segments (several values)
    let t = s;
    let cur = seg;
    let j = p;
    while (cur.ids[j] === e) {
      if (cur.exact || cur.vals![j] === vEq) emit(i, emits === 'row' ? undefined : emits === 'value' ? cur.vals![j] : cur.a[j]);
      if (++j === cur.end) {
        if (++t === nSegs) break;
        cur = segs[t]!;
        j = cur.from;
      }
    }
  }
  return true;
}
