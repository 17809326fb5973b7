// Relations: the engine's intermediate results (docs/architecture.md, decision 7).
//
// Representation: `vars` names the columns (distinct variable names); `rows` are arrays of the
// same length, row[i] the value of vars[i]. Rows may repeat (a bag) until a projection removes
// duplicates; `distinct: true` records that they do not (pattern results, joins of sets,
// projections), so a projection onto every column can skip its hash set. Joins are hash joins
// on the shared columns, building the table on the smaller side. Relations are never mutated
// after construction, so sharing rows between them is safe.

import { fail } from '../util/errors.js';
import { rowKey, tupleKey, type Key } from './values.js';

export interface Relation {
  readonly vars: readonly string[];
  readonly rows: readonly unknown[][];
  /** True when the rows are known to be pairwise different. */
  readonly distinct?: boolean;
}

export const UNIT: Relation = { vars: [], rows: [[]], distinct: true };
export const emptyOf = (vars: readonly string[]): Relation => ({ vars, rows: [], distinct: true });

export function columnsOf(r: Relation, vars: readonly string[]): number[] {
  return vars.map((v) => {
    const i = r.vars.indexOf(v);
    if (i < 0) fail('query/unbound-variable', `Variable ${v} is not bound here (columns: ${r.vars.join(' ') || 'none'})`, { var: v });
    return i;
  });
}

/** Group rows by their values in `cols`. */
export function groupBy(rows: readonly unknown[][], cols: readonly number[]): Map<Key, unknown[][]> {
  const m = new Map<Key, unknown[][]>();
  for (const row of rows) {
    const k = rowKey(row, cols);
    const g = m.get(k);
    if (g === undefined) m.set(k, [row]);
    else g.push(row);
  }
  return m;
}

/** Several rows under one key of a join table (a single row is stored bare). */
export class Multi {
  readonly rows: unknown[][];
  constructor(rows: unknown[][]) {
    this.rows = rows;
  }
}

/** Rows by their values in `cols` (a hash join's table). */
export function joinTable(rows: readonly unknown[][], cols: readonly number[]): Map<Key, unknown[] | Multi> {
  const m = new Map<Key, unknown[] | Multi>();
  for (const row of rows) {
    const k = rowKey(row, cols);
    const g = m.get(k);
    if (g === undefined) m.set(k, row);
    else if (g instanceof Multi) g.rows.push(row);
    else m.set(k, new Multi([g, row]));
  }
  return m;
}

/** Natural join on the shared variables (a product when none are shared). */
export function join(a: Relation, b: Relation): Relation {
  const shared = a.vars.filter((v) => b.vars.includes(v));
  const extra = b.vars.filter((v) => !a.vars.includes(v));
  const extraCols = columnsOf(b, extra);
  const vars = [...a.vars, ...extra];
  const out: unknown[][] = [];
  const distinct = a.distinct === true && b.distinct === true;
  if (a.rows.length === 0 || b.rows.length === 0) return { vars, rows: out, distinct: true };
  if (shared.length === 0) {
    for (const x of a.rows) for (const y of b.rows) out.push(extend(x, y, extraCols));
    return { vars, rows: out, distinct };
  }
  const aCols = columnsOf(a, shared);
  const bCols = columnsOf(b, shared);
  if (b.rows.length <= a.rows.length) {
    const table = joinTable(b.rows, bCols);
    for (const x of a.rows) {
      const ys = table.get(rowKey(x, aCols));
      if (ys === undefined) continue;
      if (ys instanceof Multi) for (const y of ys.rows) out.push(extend(x, y, extraCols));
      else out.push(extend(x, ys, extraCols));
    }
  } else {
    const table = joinTable(a.rows, aCols);
    for (const y of b.rows) {
      const xs = table.get(rowKey(y, bCols));
      if (xs === undefined) continue;
      if (xs instanceof Multi) for (const x of xs.rows) out.push(extend(x, y, extraCols));
      else out.push(extend(xs, y, extraCols));
    }
  }
  return { vars, rows: out, distinct };
}

function extend(x: readonly unknown[], y: readonly unknown[], cols: readonly number[]): unknown[] {
  const row = x.slice();
  for (const c of cols) row.push(y[c]);
  return row;
}

/** Rows of `a` with no partner in `b` on b's columns (all of which `a` must have). */
export function antiJoin(a: Relation, b: Relation): Relation {
  if (b.rows.length === 0) return a;
  if (b.vars.length === 0) return emptyOf(a.vars);
  const aCols = columnsOf(a, b.vars);
  const keys = new Set<Key>();
  for (const y of b.rows) keys.add(tupleKey(y)); // b's rows are all of b's columns
  return { vars: a.vars, rows: a.rows.filter((x) => !keys.has(rowKey(x, aCols))), distinct: a.distinct };
}

/** The distinct rows of `r` restricted to `vars` (in that order). */
export function project(r: Relation, vars: readonly string[]): Relation {
  const cols = columnsOf(r, vars);
  if (r.distinct === true && vars.length === r.vars.length) {
    // Every column kept: the rows stay distinct, only their order of columns changes.
    if (cols.every((c, i) => c === i)) return r;
    return { vars, rows: r.rows.map((row) => cols.map((c) => row[c])), distinct: true };
  }
  const seen = new Set<Key>();
  const rows: unknown[][] = [];
  for (const row of r.rows) {
    const k = rowKey(row, cols);
    if (seen.has(k)) continue;
    seen.add(k);
    rows.push(cols.map((c) => row[c]));
  }
  return { vars, rows, distinct: true };
}

/** Union of relations over the same variables (columns matched by name), distinct. */
export function union(vars: readonly string[], rels: readonly Relation[]): Relation {
  if (rels.length === 1 && rels[0]!.distinct === true && columnsOf(rels[0]!, vars).every((c, i) => c === i)) return rels[0]!;
  if (vars.length === 1) {
    const merged = mergeAscending(rels.map((r) => ({ rows: r.rows, col: columnsOf(r, vars)[0]! })));
    if (merged !== null) return { vars, rows: merged, distinct: true };
  }
  const seen = new Set<Key>();
  const rows: unknown[][] = [];
  const all = vars.map((_, i) => i);
  for (const r of rels) {
    const cols = columnsOf(r, vars);
    for (const row of r.rows) {
      const t = cols.map((c) => row[c]);
      const k = rowKey(t, all);
      if (seen.has(k)) continue;
      seen.add(k);
      rows.push(t);
    }
  }
  return { vars, rows, distinct: true };
}

/**
 * One-column rows of several lists, each ascending by a number in its column `col` (an `or`
 * of patterns over entities: AEVT/AVET order), merged into one ascending distinct list without
 * a hash set; rows whose column is their only value are shared, not copied. Null when a list
 * is not ascending numbers.
 */
function mergeAscending(lists: readonly { rows: readonly unknown[][]; col: number }[]): unknown[][] | null {
  for (const { rows, col } of lists) {
    let prev = -Infinity;
    for (const r of rows) {
      const x = r[col];
      if (typeof x !== 'number' || !(x >= prev)) return null;
      prev = x;
    }
  }
  let acc: unknown[][] = [];
  for (const { rows, col } of lists) {
    const out: unknown[][] = [];
    let i = 0;
    let j = 0;
    let last = Number.NaN;
    const push = (x: number, row: unknown[] | null): void => {
      if (x === last) return;
      last = x;
      out.push(row ?? [x]);
    };
    while (i < acc.length || j < rows.length) {
      if (j === rows.length || (i < acc.length && (acc[i]![0] as number) <= (rows[j]![col] as number))) push(acc[i]![0] as number, acc[i++]!);
      else {
        const b = rows[j]![col] as number;
        const r = rows[j++]!;
        push(b, r.length === 1 ? r : null);
      }
    }
    acc = out;
  }
  return acc;
}
