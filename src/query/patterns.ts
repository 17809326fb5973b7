// Data pattern evaluation: constants resolved to index values, then either one scan with the
// constants (and a hash join with the context), or one seek per distinct binding of the bound
// variables (index nested-loop join, docs/architecture.md, decision 7) when that reads fewer datoms. All the
// seeks of one clause are issued together and awaited once, so a cold query costs one round
// trip per clause.

import type { Datom, Db } from '../db/types.js';
import { type KeyRuns, runsOf } from '../indices/types.js';
import type { MaybePromise } from '../util/maybe.js';
import type { Clause, Term } from './ast.js';
import { addRelation, type Ctx } from './context.js';
import { joinTable, Multi, project, type Relation } from './relation.js';
import { allOf as all, wait, type Step } from './run.js';
import { resolveEntity, type Source, stripColon, type Tuple } from './source.js';
import { type Key, valueKey } from './values.js';
import { entityIds, leafPart } from './leaf-values.js';
import { ascendingIds, mergeByEntity } from './merge-join.js';

type Pattern = Extract<Clause, { kind: 'pattern' }>;

/** Constants of a pattern resolved to what the source stores; null when one names nothing. */
export function* resolveConstants(p: Pattern, src: Source): Step<unknown[] | null> {
  const out: unknown[] = p.terms.map(() => undefined);
  const db = src.db;
  const attr = constAttr(p, src);
  for (let i = 0; i < p.terms.length; i++) {
    const t = p.terms[i]!;
    if (t.kind !== 'const') continue;
    if (db === null) {
      out[i] = t.value;
      continue;
    }
    if (i === 0) {
      const e = yield* wait(resolveEntity(db, t.value));
      if (e === null) return null;
      out[i] = e;
    } else if (i === 1) {
      out[i] = attr;
    } else if (i === 2 && attr !== undefined && db.schema.refs.has(attr) && typeof t.value !== 'number') {
      const e = yield* wait(resolveEntity(db, t.value));
      if (e === null) return null;
      out[i] = e;
    } else {
      out[i] = t.value;
    }
  }
  return out;
}

/** The pattern's attribute when it is a constant (colon-less for a Db). */
export function constAttr(p: Pattern, src: Source): string | undefined {
  const t = p.terms[1];
  if (t === undefined || t.kind !== 'const') return undefined;
  if (src.db === null) return t.value as string;
  if (t.keyword !== undefined) return t.keyword;
  // attribute refs: an attribute may be named by its entity id (a number naming no attribute matches nothing)
  if (typeof t.value === 'number' && src.db.config.attributeRefs) return src.db.schema.eidToIdent.get(t.value) ?? String(t.value);
  return typeof t.value === 'string' ? stripColon(t.value) : (t.value as string);
}

/** Variables of the pattern with the positions they occupy (a repeated one means equality). */
function varPositions(terms: readonly Term[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  terms.forEach((t, i) => {
    if (t.kind !== 'var') return;
    const ps = m.get(t.name);
    if (ps === undefined) m.set(t.name, [i]);
    else ps.push(i);
  });
  return m;
}

type Getter = (t: Tuple) => unknown;
const DATOM_GETTERS: readonly Getter[] = [
  (t) => (t as Datom).e,
  (t) => (t as Datom).a,
  (t) => (t as Datom).v,
  (t) => (t as Datom).tx,
  (t) => (t as Datom).added,
];
const getter = (pos: number, datoms: boolean): Getter => (datoms ? DATOM_GETTERS[pos]! : (t) => (t as readonly unknown[])[pos]);
/** How to read position `pos` of a tuple of this source (a datom, or a collection's array). */
export const tupleGetter = getter;

/** Matching tuples as runs of the source's own arrays (see KeyRuns): one per scan or seek. */
type Runs = readonly KeyRuns<Tuple>[];

/** Row shapes of the usual datom patterns, built by one specialised loop (rowsOfDatoms). */
const DATOM_SHAPES: ReadonlyMap<string, number> = new Map([
  ['0', 0],
  ['2', 1],
  ['0,2', 2],
  ['2,0', 3],
]);

/**
 * Turn matching tuples into a relation over the pattern's variables. `keep`, when given, is a
 * semi-join filter: only tuples whose value at `keep.pos` is in `keep.values` become rows.
 */
function toRelation(
  runs: Runs,
  terms: readonly Term[],
  dedupe: boolean,
  datoms: boolean,
  keep?: { pos: number; values: Set<Key> },
  vEquals?: unknown,
  attrRun?: string,
  test?: ((t: Tuple) => boolean) | null,
): Relation {
  const vp = varPositions(terms);
  const vars = [...vp.keys()];
  const positions = vars.map((v) => vp.get(v)![0]!);
  const repeats = [...vp.values()].filter((ps) => ps.length > 1).map((ps) => ps.map((p) => getter(p, datoms)));
  const rows: unknown[][] = [];
  const shape = datoms && repeats.length === 0 ? DATOM_SHAPES.get(positions.join(',')) : undefined;
  if (shape !== undefined) {
    const keepE = keep !== undefined && keep.pos === 0 ? keep.values : null;
    const semi = keep !== undefined && keep.pos !== 0 ? rowFilter(datoms, keep, undefined, []) : null;
    const other = semi === null ? (test ?? null) : test == null ? semi : (t: Tuple) => semi(t) && test(t);
    for (const r of runs) rowsOfDatoms(r as KeyRuns<Datom>, shape, vEquals, keepE, other, rows, attrRun);
  } else {
    const filter = rowFilter(datoms, keep, vEquals, repeats);
    const pass = filter === null ? (test ?? null) : test == null ? filter : (t: Tuple) => filter(t) && test(t);
    const gets = positions.map((p) => getter(p, datoms));
    for (const r of runs) {
      const last = r.arrays.length - 1;
      for (let n = 0; n <= last; n++) {
        const a = r.arrays[n]!;
        const end = n === last ? r.end : a.length;
        for (let i = n === 0 ? r.start : 0; i < end; i++) {
          const t = a[i]!;
          if (pass === null || pass(t)) rows.push(gets.map((g) => g(t)));
        }
      }
    }
  }
  // Current-view datoms differ in (e, a, v): rows capturing all three (as variables or
  // constants) are distinct without a hash set.
  const whole = terms.length >= 3 && terms.slice(0, 3).every((t) => t.kind !== 'blank');
  const rel: Relation = { vars, rows, distinct: datoms && whole && !dedupe };
  return dedupe ? project(rel, vars) : rel;
}

/**
 * The hot loop of toRelation: rows [e], [v], [e v] or [v e] (`shape` 0-3) of the datoms in `r`
 * that have value `vEquals` (when defined), an entity in `keepE` (when given) and pass `other`.
 * Straight over the leaf arrays, with every test inline, so a scan allocates only its rows.
 * `attrRun`: `r` holds exactly the datoms of this attribute in its arrays (an AEVT attribute
 * scan), so a leaf's value lists (leaf-values.ts) can stand for the leaf.
 */
function rowsOfDatoms(
  r: KeyRuns<Datom>,
  shape: number,
  vEquals: unknown,
  keepE: Set<Key> | null,
  other: ((t: Tuple) => boolean) | null,
  rows: unknown[][],
  attrRun: string | undefined,
): void {
  const byV = vEquals !== undefined;
  for (let n = 0; n < r.arrays.length; n++) {
    const { a: src, from, end, listed } = leafPart(r, n, vEquals, attrRun);
    if (listed && shape === 0 && keepE === null && other === null) {
      // entities only: read them from the list's packed column, no datom object touched
      const ids = entityIds(src);
      for (let i = 0; i < ids.length; i++) rows.push([ids[i]]);
      continue;
    }
    for (let i = from; i < end; i++) {
      const d = src[i]!;
      if (byV && d.v !== vEquals) continue;
      if (keepE !== null && !keepE.has(d.e)) continue;
      if (other !== null && !other(d)) continue;
      rows.push(shape === 0 ? [d.e] : shape === 1 ? [d.v] : shape === 2 ? [d.e, d.v] : [d.v, d.e]);
    }
  }
}

/** The row filter of toRelation: own value equality, semi-join membership, repeated variables. */
function rowFilter(
  datoms: boolean,
  keep: { pos: number; values: Set<Key> } | undefined,
  vEquals: unknown,
  repeats: readonly (readonly Getter[])[],
): ((t: Tuple) => boolean) | null {
  const checks: ((t: Tuple) => boolean)[] = [];
  if (vEquals !== undefined) checks.push((t) => (t as Datom).v === vEquals);
  if (keep !== undefined) {
    const set = keep.values;
    if (datoms && keep.pos === 0) checks.push((t) => set.has((t as Datom).e));
    else {
      const g = getter(keep.pos, datoms);
      checks.push((t) => set.has(valueKey(g(t))));
    }
  }
  for (const gs of repeats) checks.push((t) => gs.every((g) => g(t) === gs[0]!(t)));
  if (checks.length === 0) return null;
  if (checks.length === 1) return checks[0]!;
  if (checks.length === 2) {
    const [a, b] = checks as [(t: Tuple) => boolean, (t: Tuple) => boolean];
    return (t) => a(t) && b(t);
  }
  return (t) => checks.every((c) => c(t));
}

// Seek instead of scanning when distinct bindings * this factor stay under the scan estimate:
// a seek is a tree descent (a node lookup in the cache and two binary searches per level),
// worth about this many datoms of a scan over the leaf arrays (measured: 60-80 in Node).
const SEEK_COST = 64;

/** Positions at which a bound variable can drive an index seek on this source. */
function seekable(pos: number, src: Source, attr: string | undefined, bound: readonly unknown[]): boolean {
  if (src.db === null) return true;
  if (pos === 0) return true;
  if (pos === 2) return bound[0] !== undefined || (attr !== undefined && src.db.schema.indexed.has(attr));
  return false;
}

/**
 * Bound values a Db cannot match as given are normalised in the context first: an entity
 * position holding lookup refs or idents (e.g. from :in) gets their entity ids, an attribute
 * position holding ':ns/name' gets the colon-less name the Db stores, and with attribute refs
 * one holding an attribute's entity id gets its ident (an id naming no attribute matches nothing).
 */
function* normalizeBound(p: Pattern, src: Source, ctx: Ctx): Step<Ctx> {
  const db = src.db;
  if (db === null) return ctx;
  const refs = db.config.attributeRefs;
  const attrOf = (x: unknown): unknown => (typeof x === 'string' ? stripColon(x) : typeof x === 'number' && refs ? db.schema.eidToIdent.get(x) : x);
  for (const pos of [0, 1]) {
    const t = p.terms[pos];
    if (t === undefined || t.kind !== 'var') continue;
    const i = ctx.rels.findIndex((r) => r.vars.includes(t.name));
    if (i < 0) continue;
    const rel = ctx.rels[i]!;
    const col = rel.vars.indexOf(t.name);
    const odd =
      pos === 0
        ? rel.rows.some((r) => typeof r[col] !== 'number')
        : rel.rows.some((r) => (typeof r[col] === 'string' && (r[col] as string).startsWith(':')) || (refs && typeof r[col] === 'number'));
    if (!odd) continue;
    const fixed = pos === 0 ? yield* wait(all(rel.rows.map((r) => resolveEntity(db, r[col])))) : rel.rows.map((r) => attrOf(r[col]));
    const rows: unknown[][] = [];
    rel.rows.forEach((r, j) => {
      if (fixed[j] === null || fixed[j] === undefined) return;
      const copy = r.slice();
      copy[col] = fixed[j];
      rows.push(copy);
    });
    const rels = ctx.rels.slice();
    rels[i] = { vars: rel.vars, rows };
    ctx = { rels };
  }
  return ctx;
}

/** `test`: predicates fused into the pattern (engine.ts), when it binds every variable afresh. */
export function* evalPattern(p: Pattern, src: Source, ctx0: Ctx, estimate: number, test: ((t: Tuple) => boolean) | null = null): Step<Ctx> {
  const ctx = yield* normalizeBound(p, src, ctx0);
  const consts = yield* resolveConstants(p, src);
  const vp = varPositions(p.terms);
  const dedupe = p.terms.some((t) => t.kind === 'blank') || src.db === null || src.db.view.kind === 'history';
  if (consts === null) return addRelation(ctx, { vars: [...vp.keys()], rows: [] });
  const attr = constAttr(p, src);
  const seekVar = chooseSeekVar(p, src, attr, consts, ctx);
  const datoms = src.db !== null;
  const vEq = ownValueFilter(src, attr, consts);
  const scanBound = vEq === undefined ? consts : consts.map((x, i) => (i === 2 ? undefined : x));
  if (seekVar !== null) {
    // Keys come from the one relation holding the seek variable; the other bound variables
    // of the pattern are matched by the hash joins in addRelation.
    const holder = ctx.rels.find((r) => r.vars.includes(seekVar))!;
    const pos = vp.get(seekVar)![0]!;
    const fresh = [...vp.keys()].filter((v) => v !== seekVar);
    if (!dedupe && [...vp.values()].every((ps) => ps.length === 1) && fresh.every((v) => !ctx.rels.some((r) => r.vars.includes(v)))) {
      return yield* probeJoin(p, src, ctx, holder, seekVar, pos, fresh, vp, consts, scanBound, estimate, vEq, attr);
    }
    if (pos === 0 && fresh.length === 0 && datoms && src.db!.view.kind !== 'history' && vp.get(seekVar)!.length === 1) {
      // [?e :attr _]: a semi-join, each holder row kept once if its entity has a datom
      const kept = yield* semiMerge(src, holder, seekVar, scanBound, estimate, vEq, attr);
      if (kept !== null) return { rels: [...ctx.rels.filter((r) => r !== holder), kept] };
    }
    const keys = project(holder, [seekVar]).rows;
    if (keys.length * SEEK_COST < estimate || keys.length <= 1) {
      const searches = keys.map((k) => seekOne(src, consts, pos, k[0]));
      const results = yield* wait(all(searches));
      return addRelation(ctx, toRelation(results, p.terms, dedupe, datoms));
    }
    // Scanning is cheaper than seeking each key; still keep only rows whose key is wanted
    // (a semi-join), so a large scan does not materialise rows the join would drop.
    const runs = yield* wait(src.searchRuns(scanBound));
    const values = new Set<Key>(keys.map((k) => valueKey(k[0])));
    return addRelation(ctx, toRelation([runs], p.terms, dedupe, datoms, { pos, values }, vEq, vEq === undefined ? undefined : attr));
  }
  const runs = yield* wait(src.searchRuns(scanBound));
  return addRelation(ctx, toRelation([runs], p.terms, dedupe, datoms, undefined, vEq, vEq === undefined ? undefined : attr, test));
}

/**
 * The pattern joined straight into the relation holding its one bound variable, when its other
 * variables are new: a hash table of that relation's rows by the variable, probed with each
 * matching datom (from seeks or one scan, as evalPattern decides), emitting the joined rows.
 * The pattern's own rows, the semi-join's key set and the join's second table are never built.
 * Same rows as toRelation + addRelation (current-view datoms are distinct, so no duplicates).
 */
function* probeJoin(
  p: Pattern,
  src: Source,
  ctx: Ctx,
  holder: Relation,
  seekVar: string,
  pos: number,
  fresh: readonly string[],
  vp: ReadonlyMap<string, number[]>,
  consts: readonly unknown[],
  scanBound: readonly unknown[],
  estimate: number,
  vEq: unknown,
  attr: string | undefined,
): Step<Ctx> {
  const col = holder.vars.indexOf(seekVar);
  const rows = holder.rows;
  const freshPos = fresh.map((v) => vp.get(v)![0]!);
  const whole = p.terms.length >= 3 && p.terms.slice(0, 3).every((t) => t.kind !== 'blank');
  const joined = (out: unknown[][]): Ctx => ({
    rels: [...ctx.rels.filter((r) => r !== holder), { vars: [...holder.vars, ...fresh], rows: out, distinct: holder.distinct === true && whole }],
  });
  // Rows ascending by entity meet a Db's scan, ascending by entity too, in a merge (merge-join.ts).
  const keys = pos === 0 && src.db !== null ? ascendingIds(rows, col) : -1;
  if (keys > 1 && keys * SEEK_COST >= estimate) {
    const scan = (yield* wait(src.searchRuns(scanBound))) as KeyRuns<Datom>;
    const out: unknown[][] = [];
    const emits = freshPos.length === 0 ? 'row' : freshPos.length === 1 && freshPos[0] === 2 ? 'value' : 'datom';
    const emit =
      emits === 'row'
        ? (i: number): void => {
            out.push(rows[i]!); // a pure filter: rows are never mutated, so shared
          }
        : emits === 'value'
          ? (i: number, v: unknown): void => {
              const row = rows[i]!.slice();
              row.push(v);
              out.push(row);
            }
          : (i: number, d: unknown): void => {
              out.push(extendWith(rows[i]!, d as Datom, freshPos));
            };
    if (mergeByEntity(scan, rows, col, vEq, attr, emits, emit)) return joined(out);
  }
  // Entity ids key a dense array (row index + 1 per id) rather than a Map when they are
  // distinct and not too sparse; other keys, and repeated ones, key a hash table.
  const dense = pos === 0 ? denseIndex(rows, col) : null;
  const table = dense === null ? joinTable(rows, [col]) : null;
  const size = table === null ? rows.length : table.size;
  let runs: Runs;
  if (size * SEEK_COST < estimate || size <= 1) {
    const searches: MaybePromise<KeyRuns<Tuple>>[] = [];
    if (table === null) for (const r of rows) searches.push(seekOne(src, consts, pos, r[col]));
    else for (const g of table.values()) searches.push(seekOne(src, consts, pos, (g instanceof Multi ? g.rows[0]! : g)[col]));
    runs = yield* wait(all(searches));
    vEq = undefined; // the seeks matched the constant value themselves
  } else runs = [yield* wait(src.searchRuns(scanBound))];
  const out: unknown[][] = [];
  const emit =
    dense !== null
      ? (t: Tuple): void => {
          const e = (t as Datom).e;
          const j = e < dense.length ? dense[e]! : 0;
          if (j > 0) out.push(extendWith(rows[j - 1]!, t, freshPos));
        }
      : (t: Tuple): void => {
          const h = table!.get(pos === 0 ? (t as Datom).e : valueKey(pos === 2 ? (t as Datom).v : DATOM_GETTERS[pos]!(t)));
          if (h === undefined) return;
          if (h instanceof Multi) for (const r of h.rows) out.push(extendWith(r, t, freshPos));
          else out.push(extendWith(h, t, freshPos));
        };
  const byV = vEq !== undefined;
  for (const r of runs as readonly KeyRuns<Datom>[]) {
    for (let n = 0; n < r.arrays.length; n++) {
      const { a: ds, from, end } = leafPart(r, n, vEq, attr);
      for (let i = from; i < end; i++) {
        const d = ds[i]!;
        if (byV && d.v !== vEq) continue;
        emit(d);
      }
    }
  }
  return joined(out);
}

/**
 * The holder's rows whose entity (`seekVar`) has a datom in the scan, each once, by a merge
 * (merge-join.ts); null when the rows are not ascending by entity or seeks are cheaper, for the
 * general path to answer.
 */
function* semiMerge(
  src: Source,
  holder: Relation,
  seekVar: string,
  scanBound: readonly unknown[],
  estimate: number,
  vEq: unknown,
  attr: string | undefined,
): Step<Relation | null> {
  const col = holder.vars.indexOf(seekVar);
  const rows = holder.rows;
  const keys = ascendingIds(rows, col);
  if (keys <= 1 || keys * SEEK_COST < estimate) return null;
  const scan = (yield* wait(src.searchRuns(scanBound))) as KeyRuns<Datom>;
  const out: unknown[][] = [];
  let last = -1;
  const merged = mergeByEntity(scan, rows, col, vEq, attr, 'row', (i) => {
    if (i !== last) out.push(rows[i]!);
    last = i;
  });
  return merged ? { vars: holder.vars, rows: out, distinct: holder.distinct } : null;
}

/** Row index + 1 of each entity id in column `col`, or null when they are not distinct small non-negative integers. */
function denseIndex(rows: readonly unknown[][], col: number): Int32Array | null {
  let max = 0;
  for (const r of rows) {
    const x = r[col];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) return null;
    if (x > max) max = x;
  }
  if (max > 8 * rows.length + 4096 || rows.length >= 2 ** 31 - 1) return null; // too sparse for an array
  const ix = new Int32Array(max + 1);
  for (let i = 0; i < rows.length; i++) {
    const x = rows[i]![col] as number;
    if (ix[x] !== 0) return null; // repeated: the hash table handles several rows per key
    ix[x] = i + 1;
  }
  return ix;
}

/** A holder row extended with a datom's values at `positions`. */
function extendWith(row: unknown[], d: Tuple, positions: readonly number[]): unknown[] {
  if (positions.length === 0) return row; // a pure filter: rows are never mutated, so shared
  const out = row.slice();
  for (const q of positions) out.push(q === 2 ? (d as Datom).v : DATOM_GETTERS[q]!(d));
  return out;
}

const PLAIN_TYPES: ReadonlySet<string> = new Set(['db.type/string', 'db.type/keyword', 'db.type/boolean', 'db.type/long', 'db.type/double', 'db.type/number']);

/**
 * A constant value to filter with `===` ourselves while scanning the attribute, when the Db
 * could only filter its AEVT scan with the general value comparator (no AVET for it). Only for
 * values whose stored form is exactly the constant (strings, keywords with their colon,
 * booleans, numbers of numeric attributes).
 */
function ownValueFilter(src: Source, attr: string | undefined, consts: readonly unknown[]): unknown {
  const db = src.db;
  const v = consts[2];
  if (db === null || attr === undefined || v === undefined || consts[0] !== undefined || consts[3] !== undefined) return undefined;
  if (db.schema.indexed.has(attr)) return undefined;
  const type = db.schema.attrs.get(attr)?.valueType;
  if (type === undefined || !PLAIN_TYPES.has(type)) return undefined;
  if (typeof v === 'string') return type === 'db.type/string' || (type === 'db.type/keyword' && v.startsWith(':')) ? v : undefined;
  if (typeof v === 'boolean') return type === 'db.type/boolean' ? v : undefined;
  if (typeof v === 'number') return type !== 'db.type/string' && type !== 'db.type/keyword' && type !== 'db.type/boolean' && Number.isFinite(v) ? v : undefined;
  return undefined;
}

/** The bound variable whose values drive index seeks: the entity if bound, else a seekable value. */
function chooseSeekVar(p: Pattern, src: Source, attr: string | undefined, consts: readonly unknown[], ctx: Ctx): string | null {
  const isBound = (t: Term | undefined): t is Extract<Term, { kind: 'var' }> =>
    t !== undefined && t.kind === 'var' && ctx.rels.some((r) => r.vars.includes(t.name));
  const order = src.db === null ? p.terms.map((_, i) => i) : [0, 2];
  for (const pos of order) {
    const t = p.terms[pos];
    if (isBound(t) && seekable(pos, src, attr, consts)) return t.name;
  }
  return null;
}

const NOTHING: KeyRuns<Tuple> = /* @__PURE__ */ runsOf([]);

function seekOne(src: Source, consts: readonly unknown[], pos: number, value: unknown): MaybePromise<KeyRuns<Tuple>> {
  const bound = consts.slice();
  const db: Db | null = src.db;
  if (db !== null && pos === 0 && typeof value !== 'number') return NOTHING; // not an entity id: nothing matches
  bound[pos] = value;
  return src.searchRuns(bound);
}

/** Scan estimate for the planner: how many tuples the pattern's constants select. */
export function* estimatePattern(p: Pattern, src: Source): Step<number> {
  const consts = yield* resolveConstants(p, src);
  if (consts === null) return 0;
  const n = yield* wait(src.estimate(consts));
  // The Db can count a constant value only in AVET; for other attributes its estimate is the
  // whole attribute, so assume a constant value selects a tenth of it.
  const attr = constAttr(p, src);
  if (src.db !== null && consts[2] !== undefined && consts[0] === undefined && attr !== undefined && !src.db.schema.indexed.has(attr)) return Math.ceil(n / 10);
  return n;
}
