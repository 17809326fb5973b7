// Transitive-closure rules, solved by graph traversal instead of the general fixpoint.
//
// The shape recognised (either branch order, any variable names):
//
//   [(r ?a ?b) <edge ?a ?b>]                      edge(x, y) = [x :attr y] or [y :attr x]
//   [(r ?a ?b) <edge ?a ?t> (r ?t ?b)]            right-linear step, or
//   [(r ?a ?b) (r ?a ?t) <edge ?t ?b>]            left-linear step
//
// r(a, b) then means "b is reachable from a in one or more edges". With the first argument
// bound the traversal walks forward from those nodes, with only the second bound it walks
// backward; each level's uncached nodes are fetched in one batch of seeks (one round trip per
// level on a cold database). With neither bound one scan of the attribute builds the graph.
// Every node's neighbours are read once and shared by all start nodes.

import type { Datom } from '../db/types.js';
import type { Clause, RuleBranch, Term } from './ast.js';
import { addRelation, type Ctx, mergeFor } from './context.js';
import type { Env } from './env.js';
import { project, type Relation } from './relation.js';
import { allOf as all, wait, type Step } from './run.js';
import { sourceOf } from './engine.js';
import { type Source, stripColon } from './source.js';
import { valueKey, type Key } from './values.js';

type RuleCall = Extract<Clause, { kind: 'rule' }>;

export interface ClosureShape {
  readonly attr: string;
  /** edge(x, y) is the datom [x attr y] when true, [y attr x] when false. */
  readonly forward: boolean;
}

const varName = (t: Term | undefined): string | null => (t !== undefined && t.kind === 'var' ? t.name : null);

/** The edge a 3-term, default-source pattern with a constant attribute states, as [from, to] variables. */
function edgeOf(p: Clause): { attr: string; from: string; to: string; forward: boolean } | null {
  if (p.kind !== 'pattern' || p.src !== '$' || p.terms.length !== 3) return null;
  const a = p.terms[1]!;
  const x = varName(p.terms[0]);
  const y = varName(p.terms[2]);
  if (a.kind !== 'const' || typeof a.value !== 'string' || x === null || y === null || x === y) return null;
  return { attr: a.keyword ?? stripColon(a.value), from: x, to: y, forward: true };
}

// Rule sets are immutable and cached by text: each rule's branches are recognised once.
const shapes = /* @__PURE__ */ new WeakMap<readonly RuleBranch[], ClosureShape | null>();

/** Recognise a transitive-closure rule; null for anything else. */
export function closureShape(name: string, branches: readonly RuleBranch[]): ClosureShape | null {
  let shape = shapes.get(branches);
  if (shape === undefined) {
    shape = recognise(name, branches);
    shapes.set(branches, shape);
  }
  return shape;
}

function recognise(name: string, branches: readonly RuleBranch[]): ClosureShape | null {
  if (branches.length !== 2) return null;
  for (const [base, step] of [
    [branches[0]!, branches[1]!],
    [branches[1]!, branches[0]!],
  ] as const) {
    if (base.head.length !== 2 || step.head.length !== 2 || base.body.length !== 1 || step.body.length !== 2) continue;
    const e = edgeOf(base.body[0]!);
    const [a, b] = base.head as [string, string];
    if (e === null || a === b) continue;
    let forward: boolean;
    if (e.from === a && e.to === b) forward = true;
    else if (e.from === b && e.to === a) forward = false;
    else continue;
    if (stepMatches(name, step, e.attr, forward)) return { attr: e.attr, forward };
  }
  return null;
}

function stepMatches(name: string, step: RuleBranch, attr: string, forward: boolean): boolean {
  const [h0, h1] = step.head as [string, string];
  if (h0 === h1) return false;
  const call = step.body.find((c) => c.kind === 'rule');
  const pat = step.body.find((c) => c.kind === 'pattern');
  if (call === undefined || pat === undefined || call.kind !== 'rule' || call.name !== name || call.src !== null || call.args.length !== 2) return false;
  const e = edgeOf(pat);
  if (e === null || e.attr !== attr) return false;
  // edge(u, w) as the pattern states it, in the rule's orientation
  const [u, w] = forward ? [e.from, e.to] : [e.to, e.from];
  const r0 = varName(call.args[0]);
  const r1 = varName(call.args[1]);
  if (r0 === null || r1 === null) return false;
  const fresh = (t: string): boolean => t !== h0 && t !== h1;
  const rightLinear = u === h0 && fresh(w) && r0 === w && r1 === h1;
  const leftLinear = r0 === h0 && fresh(r1) && u === r1 && w === h1;
  return rightLinear || leftLinear;
}

/** Neighbours of nodes along edge(x, y) (`along`) or against it; each node's read once. */
class Graph {
  private readonly next = new Map<Key, unknown[]>();
  private readonly src: Source;
  private readonly attr: string;
  private readonly along: boolean;

  constructor(src: Source, attr: string, along: boolean) {
    this.src = src;
    this.attr = attr;
    this.along = along;
  }

  /** Read the neighbours of every node not read yet, in one batch of seeks. */
  *load(nodes: Iterable<unknown>): Step<void> {
    const missing = [...new Set([...nodes].filter((n) => !this.next.has(valueKey(n))))];
    if (missing.length === 0) return;
    const seeks = missing.map((n) => (this.along ? this.src.search([n, this.attr]) : this.src.search([undefined, this.attr, n])));
    const found = yield* wait(all(seeks));
    missing.forEach((n, i) =>
      this.next.set(
        valueKey(n),
        found[i]!.map((d) => (this.along ? (d as Datom).v : (d as Datom).e)),
      ),
    );
  }

  /** Build the whole graph from a scan of the attribute. */
  fill(datoms: readonly Datom[]): void {
    for (const d of datoms) {
      const from = this.along ? d.e : d.v;
      const k = valueKey(from);
      const g = this.next.get(k);
      if (g === undefined) this.next.set(k, [this.along ? d.v : d.e]);
      else g.push(this.along ? d.v : d.e);
    }
  }

  neighbours(n: unknown): readonly unknown[] {
    return this.next.get(valueKey(n)) ?? [];
  }
}

/** Every (start, reached) pair, reading neighbours a level at a time for all starts together. */
function* reach(g: Graph, starts: readonly unknown[], loadLazily: boolean): Step<[unknown, unknown][]> {
  const out: [unknown, unknown][] = [];
  const seen = starts.map(() => new Set<Key>());
  let frontiers: unknown[][] = starts.map((s) => [s]);
  while (frontiers.some((f) => f.length > 0)) {
    if (loadLazily) yield* g.load(frontiers.flat());
    frontiers = frontiers.map((f, i) => {
      const next: unknown[] = [];
      for (const n of f) {
        for (const m of g.neighbours(n)) {
          const k = valueKey(m);
          if (seen[i]!.has(k)) continue;
          seen[i]!.add(k);
          out.push([starts[i], m]);
          next.push(m);
        }
      }
      return next;
    });
  }
  return out;
}

export function* evalClosure(c: RuleCall, shape: ClosureShape, env: Env, ctx: Ctx): Step<Ctx> {
  const src = sourceOf(env, c.src);
  const attr = src.db === null ? `:${shape.attr}` : shape.attr;
  const [x, y] = c.args as [Term, Term];
  const isBound = (t: Term): boolean => t.kind === 'const' || (t.kind === 'var' && ctx.rels.some((r) => r.vars.includes(t.name)));
  const valuesOf = function* (t: Term): Step<unknown[]> {
    if (t.kind === 'const') return [t.value];
    const { merged } = mergeFor(ctx, [(t as { name: string }).name]);
    return project(merged, [(t as { name: string }).name]).rows.map((r) => r[0]);
  };
  let pairs: [unknown, unknown][];
  if (isBound(x) || !isBound(y)) {
    // r(a, b): walk from a along the rule's direction
    const g = new Graph(src, attr, shape.forward);
    let starts: unknown[];
    if (isBound(x)) {
      starts = yield* valuesOf(x);
    } else {
      const all0 = yield* wait(src.search([undefined, attr]));
      g.fill(all0 as Datom[]);
      starts = [...new Set((all0 as Datom[]).map((d) => (shape.forward ? d.e : d.v)))];
    }
    pairs = yield* reach(g, starts, isBound(x));
  } else {
    const g = new Graph(src, attr, !shape.forward);
    const ends = yield* valuesOf(y);
    pairs = (yield* reach(g, ends, true)).map(([b, a]) => [a, b]);
  }
  return addRelation(ctx, pairsRelation(c, pairs));
}

/** The relation a two-argument rule call binds from (from, to) pairs: constants filter, variables bind. */
export function pairsRelation(c: RuleCall, pairs: readonly [unknown, unknown][]): Relation {
  const [x, y] = c.args as [Term, Term];
  // Two distinct variables (the usual call) bind the pairs as they are: callers build them per execution.
  if (x.kind === 'var' && y.kind === 'var' && x.name !== y.name) return { vars: [x.name, y.name], rows: pairs as readonly unknown[][], distinct: true };
  const keep = (t: Term, v: unknown): boolean => t.kind !== 'const' || valueKey(t.value) === valueKey(v);
  const vars: string[] = [];
  if (x.kind === 'var') vars.push(x.name);
  if (y.kind === 'var' && !vars.includes(y.name)) vars.push(y.name);
  const rows: unknown[][] = [];
  const same = x.kind === 'var' && y.kind === 'var' && x.name === y.name;
  for (const [a, b] of pairs) {
    if (!keep(x, a) || !keep(y, b)) continue;
    if (same) {
      if (valueKey(a) === valueKey(b)) rows.push([a]);
      continue;
    }
    const row: unknown[] = [];
    if (x.kind === 'var') row.push(a);
    if (y.kind === 'var') row.push(b);
    rows.push(row);
  }
  return { vars, rows, distinct: x.kind === 'var' && y.kind === 'var' };
}
