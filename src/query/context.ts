// The evaluation context: what the clauses evaluated so far know.
//
// Representation: a list of relations over pairwise disjoint variable sets (DataScript's
// approach). Clauses that share no variables stay in separate relations, so a Cartesian
// product is built only when a later clause (or the :find) needs columns from both. The
// context is empty (no solutions) iff some relation has no rows; `isEmpty` short-cuts on it.

import { type Relation, join, UNIT } from './relation.js';

export interface Ctx {
  readonly rels: readonly Relation[];
}

export function boundVars(ctx: Ctx): Set<string> {
  const s = new Set<string>();
  for (const r of ctx.rels) for (const v of r.vars) s.add(v);
  return s;
}

export const isBound = (ctx: Ctx, v: string): boolean => ctx.rels.some((r) => r.vars.includes(v));

export const isEmpty = (ctx: Ctx): boolean => ctx.rels.some((r) => r.rows.length === 0);

/**
 * Join every relation that has one of `vars` into one (`merged`), leaving the others in `rest`.
 * With no such relation `merged` is the unit relation (one empty row).
 */
export function mergeFor(ctx: Ctx, vars: Iterable<string>): { merged: Relation; rest: Relation[] } {
  const want = new Set(vars);
  const hit: Relation[] = [];
  const rest: Relation[] = [];
  for (const r of ctx.rels) (r.vars.some((v) => want.has(v)) ? hit : rest).push(r);
  if (hit.length === 0) return { merged: UNIT, rest };
  // Join smaller relations first so intermediate products stay small.
  hit.sort((a, b) => a.rows.length - b.rows.length);
  let merged = hit[0]!;
  for (let i = 1; i < hit.length; i++) merged = join(merged, hit[i]!);
  return { merged, rest };
}

/**
 * Add `rel` to the context, hash-joining it with every relation it shares a variable with, one
 * at a time (smallest first), so two such relations are never multiplied with each other.
 */
export function addRelation(ctx: Ctx, rel: Relation): Ctx {
  const hit: Relation[] = [];
  const rest: Relation[] = [];
  for (const r of ctx.rels) (r.vars.some((v) => rel.vars.includes(v)) ? hit : rest).push(r);
  hit.sort((a, b) => a.rows.length - b.rows.length);
  let joined = rel;
  for (const h of hit) joined = join(h, joined);
  if (joined.vars.length === 0) {
    // A relation without columns is a yes/no gate: no rows empties the context.
    return joined.rows.length === 0 ? { rels: [...rest, joined] } : { rels: rest };
  }
  return { rels: [...rest, joined] };
}

/** Size of the relation holding `v` (1 when unbound): the planner's measure of fan-in. */
export function rowsFor(ctx: Ctx, vars: readonly string[]): number {
  let n = 1;
  for (const r of ctx.rels) if (r.vars.some((v) => vars.includes(v))) n = Math.max(n, r.rows.length);
  return n;
}
