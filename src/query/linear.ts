// Linear recursive rules with one end bound, solved by walking a derived edge relation.
//
// The shape recognised (a rule alone in its recursive component, two branches):
//
//   [(r ?a ?b) E1...]                 E1: clauses over ?a ?b (and locals), no call to r
//   [(r ?a ?b) E2... (r ?t ?b)]       right-linear: E2 over ?a ?t, ?b appears only in the call
//   [(r ?a ?b) (r ?a ?t) E2...]       left-linear:  E2 over ?t ?b, ?a appears only in the call
//
// Right-linear r = E2* then E1; left-linear r = E1 then E2*. With the first argument bound the
// walk goes forward from it, with only the second bound it goes backward; each step evaluates
// E1 or E2 once for the whole frontier (the engine seeks with the frontier bound), so the work
// is proportional to the pairs reached, not to every intermediate node's full answer set as in
// the demand-driven fixpoint. With neither end bound E1 is evaluated once and the walk starts
// from every node an answer can end at (right-linear) or begin with (left-linear).

import type { Clause, RuleBranch } from './ast.js';
import { clauseVars } from './ast.js';
import { pairsRelation } from './closure.js';
import { addRelation, type Ctx, isEmpty, mergeFor } from './context.js';
import { evalClauses } from './engine.js';
import type { Env } from './env.js';
import { project, type Relation } from './relation.js';
import type { Step } from './run.js';
import { valueKey, type Key } from './values.js';

type RuleCall = Extract<Clause, { kind: 'rule' }>;

/** An edge relation: clauses to evaluate, and the variables of its two ends. */
interface Edge {
  readonly clauses: readonly Clause[];
  readonly from: string;
  readonly to: string;
}

export interface LinearShape {
  readonly base: Edge; // E1 over (a, b)
  readonly step: Edge; // E2, from the caller's end towards the recursive call's
  readonly right: boolean; // right-linear (E2* then E1) or left-linear (E1 then E2*)
}

const varOf = (c: RuleCall, i: number): string | null => {
  const t = c.args[i];
  return t !== undefined && t.kind === 'var' ? t.name : null;
};

function callsRule(clauses: readonly Clause[], name: string): boolean {
  return clauses.some((c) => {
    switch (c.kind) {
      case 'rule':
        return c.name === name;
      case 'not':
      case 'not-join':
        return callsRule(c.clauses, name);
      case 'or':
      case 'or-join':
        return c.branches.some((b) => callsRule(b, name));
      default:
        return false;
    }
  });
}

export function linearShape(name: string, branches: readonly RuleBranch[]): LinearShape | null {
  if (branches.length !== 2) return null;
  for (const [base, step] of [
    [branches[0]!, branches[1]!],
    [branches[1]!, branches[0]!],
  ] as const) {
    const [a, b] = base.head as [string, string];
    const [h0, h1] = step.head as [string, string];
    if (base.head.length !== 2 || step.head.length !== 2 || a === b || h0 === h1) continue;
    if (callsRule(base.body, name)) continue;
    const calls = step.body.filter((c): c is RuleCall => c.kind === 'rule' && c.name === name);
    if (calls.length !== 1) continue;
    const call = calls[0]!;
    const rest = step.body.filter((c) => c !== call);
    if (call.src !== null || call.args.length !== 2 || rest.length === 0 || callsRule(rest, name)) continue;
    const restVars = new Set(rest.flatMap((c) => clauseVars(c)));
    const r0 = varOf(call, 0);
    const r1 = varOf(call, 1);
    if (r0 === null || r1 === null || r0 === r1) continue;
    const baseEdge = { clauses: base.body, from: a, to: b };
    if (r1 === h1 && r0 !== h0 && !restVars.has(h1) && restVars.has(h0) && restVars.has(r0)) {
      return { base: baseEdge, step: { clauses: rest, from: h0, to: r0 }, right: true };
    }
    if (r0 === h0 && r1 !== h1 && !restVars.has(h0) && restVars.has(h1) && restVars.has(r1)) {
      return { base: baseEdge, step: { clauses: rest, from: r1, to: h1 }, right: false };
    }
  }
  return null;
}

/** (from, to) pairs of an edge for the given nodes at one end (`forward`: nodes are `from`). */
function* edgePairs(e: Edge, nodes: readonly unknown[], forward: boolean, env: Env): Step<[unknown, unknown][]> {
  if (nodes.length === 0) return [];
  const at = forward ? e.from : e.to;
  const input: Relation = { vars: [at], rows: nodes.map((n) => [n]), distinct: true };
  const res = yield* evalClauses(e.clauses, env, { rels: [input] }, [e.from, e.to]);
  if (isEmpty(res)) return [];
  const rel = project(mergeFor(res, [e.from, e.to]).merged, [e.from, e.to]);
  return rel.rows.map((r) => [r[0], r[1]]);
}

/**
 * Nodes reachable from each start by zero or more edges, walking all starts a level at a
 * time; each node's neighbours are computed once.
 */
function* closure(e: Edge, starts: readonly unknown[], forward: boolean, env: Env): Step<Map<Key, unknown[]>> {
  const next = new Map<Key, unknown[]>();
  const reached = new Map<Key, unknown[]>();
  const seen = new Map<Key, Set<Key>>();
  let frontier = new Map<Key, unknown[]>(); // start -> nodes to expand
  for (const s of starts) {
    const k = valueKey(s);
    if (reached.has(k)) continue;
    reached.set(k, [s]);
    seen.set(k, new Set([k]));
    frontier.set(k, [s]);
  }
  while (frontier.size > 0) {
    const todo = new Map<Key, unknown>();
    for (const ns of frontier.values())
      for (const n of ns) {
        const k = valueKey(n);
        if (!next.has(k)) todo.set(k, n);
      }
    for (const [from, to] of yield* edgePairs(e, [...todo.values()], forward, env)) {
      const [src, dst] = forward ? [from, to] : [to, from];
      const k = valueKey(src);
      const g = next.get(k);
      if (g === undefined) next.set(k, [dst]);
      else g.push(dst);
    }
    for (const k of todo.keys()) if (!next.has(k)) next.set(k, []);
    const following = new Map<Key, unknown[]>();
    for (const [sk, ns] of frontier) {
      const out: unknown[] = [];
      for (const n of ns) {
        for (const m of next.get(valueKey(n))!) {
          const mk = valueKey(m);
          if (seen.get(sk)!.has(mk)) continue;
          seen.get(sk)!.add(mk);
          reached.get(sk)!.push(m);
          out.push(m);
        }
      }
      if (out.length > 0) following.set(sk, out);
    }
    frontier = following;
  }
  return reached;
}

/** Apply one edge to every node of each start's set: start -> nodes one edge away. */
function* hop(e: Edge, sets: Map<Key, unknown[]>, forward: boolean, env: Env): Step<Map<Key, unknown[]>> {
  const all = new Map<Key, unknown>();
  for (const ns of sets.values()) for (const n of ns) all.set(valueKey(n), n);
  const adj = new Map<Key, unknown[]>();
  for (const [from, to] of yield* edgePairs(e, [...all.values()], forward, env)) {
    const [src, dst] = forward ? [from, to] : [to, from];
    const k = valueKey(src);
    const g = adj.get(k);
    if (g === undefined) adj.set(k, [dst]);
    else g.push(dst);
  }
  const out = new Map<Key, unknown[]>();
  for (const [sk, ns] of sets) {
    const found = new Map<Key, unknown>();
    for (const n of ns) for (const m of adj.get(valueKey(n)) ?? []) found.set(valueKey(m), m);
    out.set(sk, [...found.values()]);
  }
  return out;
}

/** Evaluate a call of a linear rule by walking from whichever end is bound (or could be). */
export function* evalLinear(c: RuleCall, shape: LinearShape, env: Env, ctx: Ctx): Step<Ctx> {
  const [x, y] = c.args as [RuleCall['args'][0], RuleCall['args'][1]];
  const isBound = (i: 0 | 1): boolean => {
    const t = c.args[i]!;
    return t.kind === 'const' || (t.kind === 'var' && ctx.rels.some((r) => r.vars.includes(t.name)));
  };
  let forward: boolean;
  let starts: unknown[];
  if (isBound(0) || isBound(1)) {
    forward = isBound(0);
    const end = forward ? x : y;
    starts =
      end.kind === 'const'
        ? [end.value]
        : project(mergeFor(ctx, [(end as { name: string }).name]).merged, [(end as { name: string }).name]).rows.map((r) => r[0]);
  } else {
    // Neither end bound: every answer ends with an E1 edge (right-linear) or starts with one
    // (left-linear), so walk from all of E1's targets backward, or from its sources forward.
    forward = !shape.right;
    const res = yield* evalClauses(shape.base.clauses, env, { rels: [] }, [shape.base.from, shape.base.to]);
    const ends = isEmpty(res) ? [] : project(mergeFor(res, [shape.base.from, shape.base.to]).merged, [forward ? shape.base.from : shape.base.to]).rows;
    starts = ends.map((r) => r[0]);
  }
  // Walking forward: right-linear is E2* then E1, left-linear E1 then E2*; backward reverses.
  const closureFirst = shape.right === forward;
  let sets: Map<Key, unknown[]>;
  if (closureFirst) {
    const reached = yield* closure(shape.step, starts, forward, env);
    sets = yield* hop(shape.base, reached, forward, env);
  } else {
    const first = yield* hop(shape.base, new Map(starts.map((s) => [valueKey(s), [s]])), forward, env);
    const all = [...new Map([...first.values()].flat().map((n) => [valueKey(n), n])).values()];
    const reached = yield* closure(shape.step, all, forward, env);
    sets = new Map();
    for (const [sk, ns] of first) {
      const found = new Map<Key, unknown>();
      for (const n of ns) for (const m of reached.get(valueKey(n)) ?? []) found.set(valueKey(m), m);
      sets.set(sk, [...found.values()]);
    }
  }
  const byKey = new Map(starts.map((s) => [valueKey(s), s]));
  const pairs: [unknown, unknown][] = [];
  for (const [sk, ns] of sets) for (const n of ns) pairs.push(forward ? [byKey.get(sk), n] : [n, byKey.get(sk)]);
  return addRelation(ctx, pairsRelation(c, pairs));
}
