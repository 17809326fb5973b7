// Data pattern evaluation: constants resolved to index values, then either one scan with the
// constants (and a hash join with the context), or one seek per distinct binding of the bound
// variables (index nested-loop join, DESIGN decision 7) when that reads fewer datoms. All the
// seeks of one clause are issued together and awaited once, so a cold query costs one round
// trip per clause.

import type { Db } from '../db/types';
import type { Clause, Term } from './ast';
import { addRelation, type Ctx, mergeFor } from './context';
import { join, project, type Relation } from './relation';
import { allOf as all, wait, type Step } from './run';
import { field, resolveEntity, type Source, stripColon, type Tuple } from './source';

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

/** Turn matching tuples into a relation over the pattern's variables. */
function toRelation(tuples: readonly Tuple[], terms: readonly Term[], dedupe: boolean): Relation {
  const vp = varPositions(terms);
  const vars = [...vp.keys()];
  const firstPos = vars.map((v) => vp.get(v)![0]!);
  const repeats = [...vp.values()].filter((ps) => ps.length > 1);
  const rows: unknown[][] = [];
  for (const t of tuples) {
    let ok = true;
    for (const ps of repeats) {
      const x = field(t, ps[0]!);
      for (let j = 1; j < ps.length; j++) if (field(t, ps[j]!) !== x) ok = false;
    }
    if (!ok) continue;
    const row = new Array<unknown>(firstPos.length);
    for (let j = 0; j < firstPos.length; j++) row[j] = field(t, firstPos[j]!);
    rows.push(row);
  }
  const rel = { vars, rows };
  return dedupe ? project(rel, vars) : rel;
}

// Seek instead of scanning when distinct bindings * this factor stay under the scan estimate:
// a seek is a tree descent, worth about this many scanned datoms.
const SEEK_COST = 8;

/** Positions at which a bound variable can drive an index seek on this source. */
function seekable(pos: number, src: Source, attr: string | undefined, bound: readonly unknown[]): boolean {
  if (src.db === null) return true;
  if (pos === 0) return true;
  if (pos === 2) return bound[0] !== undefined || (attr !== undefined && src.db.schema.indexed.has(attr));
  return false;
}

export function* evalPattern(p: Pattern, src: Source, ctx: Ctx, estimate: number): Step<Ctx> {
  const consts = yield* resolveConstants(p, src);
  const vp = varPositions(p.terms);
  const dedupe = p.terms.some((t) => t.kind === 'blank') || src.db === null || src.db.view.kind === 'history';
  if (consts === null) return addRelation(ctx, { vars: [...vp.keys()], rows: [] });
  const attr = constAttr(p, src);
  const boundHere = [...vp.keys()].filter((v) => ctx.rels.some((r) => r.vars.includes(v)));
  const seekVars = boundHere.filter((v) => vp.get(v)!.some((pos) => seekable(pos, src, attr, consts)));
  if (seekVars.length > 0) {
    const { merged, rest } = mergeFor(ctx, boundHere);
    const keys = project(merged, seekVars).rows;
    if (keys.length * SEEK_COST < estimate || keys.length <= 1) {
      const searches = keys.map((k) => seekOne(src, consts, seekVars.map((v) => vp.get(v)![0]!), k));
      const results = yield* wait(all(searches));
      const tuples: Tuple[] = [];
      for (const r of results) for (const t of r) tuples.push(t);
      const rel = toRelation(tuples, p.terms, dedupe);
      return { rels: [...rest, join(merged, rel)] };
    }
  }
  const tuples = yield* wait(src.search(consts));
  return addRelation(ctx, toRelation(tuples, p.terms, dedupe));
}

function seekOne(src: Source, consts: readonly unknown[], positions: readonly number[], key: readonly unknown[]) {
  const bound = consts.slice();
  const db: Db | null = src.db;
  for (let j = 0; j < positions.length; j++) {
    const pos = positions[j]!;
    let v = key[j];
    if (db !== null && pos === 1 && typeof v === 'string') v = stripColon(v);
    if (db !== null && pos === 0 && typeof v !== 'number') return [] as Tuple[]; // not an entity id: nothing matches
    bound[pos] = v;
  }
  return src.search(bound);
}

/** Scan estimate for the planner: how many tuples the pattern's constants select. */
export function* estimatePattern(p: Pattern, src: Source): Step<number> {
  const consts = yield* resolveConstants(p, src);
  if (consts === null) return 0;
  return yield* wait(src.estimate(consts));
}
