// Clause evaluation and the planner (docs/architecture.md, decision 7).
//
// `evalClauses` runs a clause list against a context. It plans adaptively: at each step it
// evaluates the cheapest clause that is ready (its needed variables are bound), with costs from
// the real sizes of the context so far and the index estimates of each pattern's constants.
// Filters (predicates, not) run as soon as they are ready; patterns go in order of estimated
// rows; or/rule calls wait until a join variable is bound when they can. The order the clauses
// are written in only breaks ties.

import { fail, show } from '../util/errors.js';
import type { MaybePromise } from '../util/maybe.js';
import { type Arg, type Binding, bindingVars, type Clause, clauseVars } from './ast.js';
import { builtin } from './builtins.js';
import { addRelation, boundVars, type Ctx, isEmpty, mergeFor, rowsFor } from './context.js';
import type { Env } from './env.js';
import { beginStep, endStep } from './explain.js';
import { evalNot, evalOr, orVars } from './logic.js';
import { constAttr, estimatePattern, evalPattern, tupleGetter } from './patterns.js';
import { printClause } from './print.js';
import { emptyOf, type Relation } from './relation.js';
import { clauseNeeds, evalRuleCall, ruleCallVars } from './rules.js';
import { allOf as all, isPromise, run, wait, type Step } from './run.js';
import type { Source, Tuple } from './source.js';
import { elementsOf, valuesEqual } from './values.js';

export function sourceOf(env: Env, name: string | null): Source {
  const n = name === null || name === '$' ? env.defaultSrc : name;
  const s = env.sources.get(n);
  if (s === undefined) fail('query/invalid-input', `Unknown source ${n}: pass it through :in`, { source: n });
  return s;
}

/** Variables a clause binds once evaluated. */
export function clauseBinds(c: Clause): string[] {
  switch (c.kind) {
    case 'pattern':
      return clauseVars(c);
    case 'pred':
      return [];
    case 'fn':
      return bindingVars(c.binding);
    case 'rule':
      return ruleCallVars(c);
    case 'not':
    case 'not-join':
      return [];
    case 'or':
      return orVars(c).out;
    case 'or-join':
      return [...c.vars];
    default: {
      const never: never = c;
      return never;
    }
  }
}

const UNREADY = -1;
/** Entities bound at the start up to this many are seeked without estimating their patterns. */
const FEW_ENTITIES = 64;
/** The estimate of a pattern that was not estimated (only patterns with a bound entity). */
const UNKNOWN = Infinity;

/** Planner cost of evaluating `c` now, or UNREADY if some variable it needs is unbound. */
function cost(c: Clause, ctx: Ctx, env: Env, bound: Set<string>, needs: readonly string[], estimate: number): number {
  for (const v of needs) if (!bound.has(v)) return UNREADY;
  switch (c.kind) {
    case 'pred':
    case 'not':
    case 'not-join':
      return 0;
    case 'fn':
      return 1;
    case 'pattern': {
      // Only bound variables that can drive a seek make a pattern cheaper; a value join on an
      // attribute without AVET still scans the whole attribute.
      const isB = (i: number): boolean => {
        const t = c.terms[i];
        return t !== undefined && t.kind === 'var' && bound.has(t.name);
      };
      const src = sourceOf(env, c.src);
      const attr = c.terms[1]?.kind === 'const' ? constAttr(c, src) : undefined;
      if (isB(0)) return 2 + Math.min(estimate, rowsFor(ctx, [(c.terms[0] as { name: string }).name]));
      if (isB(2) && (src.db === null || (attr !== undefined && src.db.schema.indexed.has(attr)))) {
        return 2 + Math.min(estimate, rowsFor(ctx, [(c.terms[2] as { name: string }).name]) * 4);
      }
      return 2 + estimate;
    }
    case 'rule':
    case 'or':
    case 'or-join': {
      if (env.fix !== null && env.fix.deltaAt === c) return 0; // semi-naive delta: small, read first
      const vs = clauseBinds(c).filter((v) => bound.has(v));
      const hasConst = c.kind === 'rule' && c.args.some((a) => a.kind === 'const');
      if (vs.length > 0) return 2 + rowsFor(ctx, vs) * 10;
      return hasConst ? 1e6 : 1e12;
    }
    default: {
      const never: never = c;
      return never;
    }
  }
}

/** Evaluate `clauses` against `ctx`; `exported` are variables the caller reads afterwards. */
export function* evalClauses(clauses: readonly Clause[], env: Env, ctx: Ctx, exported: Iterable<string>): Step<Ctx> {
  const outer = new Set<string>([...exported, ...boundVars(ctx)]);
  const varsOf = clauses.map((c) => clauseVars(c));
  const needs = clauses.map((c, i) => {
    const others = new Set(outer);
    varsOf.forEach((vs, j) => {
      if (j !== i) for (const v of vs) others.add(v);
    });
    return clauseNeeds(c, others, env);
  });
  // Every pattern's estimate is requested at once, so a cold database answers them in one round trip.
  // A pattern whose entity is already bound to a few values (an id from :in, say) needs none:
  // seeking those entities is the plan whatever the attribute holds, and counting the attribute
  // would read index nodes a cold point query has no use for.
  const initiallyBound = boundVars(ctx);
  const seeksEntity = (c: Extract<Clause, { kind: 'pattern' }>): boolean => {
    const e = c.terms[0];
    return e !== undefined && e.kind === 'var' && initiallyBound.has(e.name) && rowsFor(ctx, [e.name]) <= FEW_ENTITIES;
  };
  // A lone clause against nothing bound has no order to choose and no join to size: its
  // estimate would go unused (explain still reports it).
  const ranked = clauses.length > 1 || initiallyBound.size > 0 || env.trace !== undefined;
  const patterns = ranked ? clauses.filter((c): c is Extract<Clause, { kind: 'pattern' }> => c.kind === 'pattern' && !seeksEntity(c)) : [];
  const counts = yield* wait(all(patterns.map((c) => run(estimatePattern(c, sourceOf(env, c.src))))));
  const estimates = new Map<Clause, number>(patterns.map((c, i) => [c, counts[i]!]));
  const unestimated = ranked ? UNKNOWN : 0;
  const remaining = clauses.map((_, i) => i);
  while (remaining.length > 0) {
    if (isEmpty(ctx))
      return emptyRest(
        ctx,
        remaining.map((i) => clauses[i]!),
      );
    const bound = boundVars(ctx);
    let best = -1;
    let bestCost = Infinity;
    for (let k = 0; k < remaining.length; k++) {
      const i = remaining[k]!;
      const c = cost(clauses[i]!, ctx, env, bound, needs[i]!, estimates.get(clauses[i]!) ?? unestimated);
      if (c !== UNREADY && c < bestCost) {
        best = k;
        bestCost = c;
      }
    }
    if (best < 0) throw unready(clauses, remaining, needs, bound);
    const i = remaining.splice(best, 1)[0]!;
    env.budget?.check();
    const estimate = estimates.get(clauses[i]!) ?? unestimated;
    const ci = clauses[i]!;
    const fused = ci.kind === 'pattern' && env.trace === undefined ? fusablePredicates(ci, clauses, remaining, ctx, env, bound) : null;
    if (fused !== null && ci.kind === 'pattern') {
      ctx = yield* evalPattern(ci, sourceOf(env, ci.src), ctx, estimate, fused);
    } else if (env.trace === undefined) {
      ctx = yield* evalClause(clauses[i]!, env, ctx, estimate);
    } else {
      const before = ctx;
      const slot = beginStep(env.trace);
      ctx = yield* evalClause(clauses[i]!, env, ctx, estimate);
      endStep(env.trace, slot, clauses[i]!, env, before, ctx, estimate);
    }
  }
  return ctx;
}

// Built-in predicates that are pure, synchronous and total (they answer false rather than throw).
const FUSABLE: ReadonlySet<string> = new Set(['=', '==', 'not=', '!=', '<', '>', '<=', '>=']);

/**
 * Comparison predicates over a pattern's own variables (and constants, and one-row :in
 * scalars), when the pattern binds all its variables afresh: they are tested on each datom
 * during the scan (removed from `remaining`), so rows they reject are never built. The pattern's
 * relation joins nothing, so the predicate sees exactly the rows it would see after it.
 */
function fusablePredicates(
  p: Extract<Clause, { kind: 'pattern' }>,
  clauses: readonly Clause[],
  remaining: number[],
  ctx: Ctx,
  env: Env,
  bound: Set<string>,
): ((t: Tuple) => boolean) | null {
  const pv = varPositionsOf(p);
  if (pv.size === 0 || [...pv.keys()].some((v) => bound.has(v))) return null;
  const scalars = new Map<string, unknown>();
  for (const r of ctx.rels) if (r.rows.length === 1) r.vars.forEach((v, i) => scalars.set(v, r.rows[0]![i]));
  const datoms = sourceOf(env, p.src).db !== null;
  const tests: ((t: Tuple) => boolean)[] = [];
  for (let k = remaining.length - 1; k >= 0; k--) {
    const c = clauses[remaining[k]!]!;
    if (c.kind !== 'pred' || !FUSABLE.has(c.fn) || c.args.some((a) => a.kind === 'src')) continue;
    if (!c.args.some((a) => a.kind === 'var' && pv.has(a.name))) continue;
    if (!c.args.every((a) => a.kind !== 'var' || pv.has(a.name) || scalars.has(a.name))) continue;
    const b = builtin(c.fn)!;
    const getters = c.args.map((a): ((t: Tuple) => unknown) => {
      if (a.kind === 'var' && pv.has(a.name)) return tupleGetter(pv.get(a.name)!, datoms);
      const x = a.kind === 'var' ? scalars.get(a.name) : (a as { value: unknown }).value;
      return () => x;
    });
    tests.push((t) => {
      const v = b.fn(
        getters.map((g) => g(t)),
        env.builtinEnv,
      );
      return v !== null && v !== undefined && v !== false;
    });
    remaining.splice(k, 1);
  }
  if (tests.length === 0) return null;
  return tests.length === 1 ? tests[0]! : (t) => tests.every((f) => f(t));
}

/** First position of each variable of a pattern. */
function varPositionsOf(p: Extract<Clause, { kind: 'pattern' }>): Map<string, number> {
  const m = new Map<string, number>();
  p.terms.forEach((t, i) => {
    if (t.kind === 'var' && !m.has(t.name)) m.set(t.name, i);
  });
  return m;
}

/** Once the context is empty nothing can match: record the remaining clauses' variables as empty columns. */
function emptyRest(ctx: Ctx, rest: readonly Clause[]): Ctx {
  const bound = boundVars(ctx);
  const vars = [...new Set(rest.flatMap(clauseBinds))].filter((v) => !bound.has(v));
  return vars.length === 0 ? ctx : { rels: [...ctx.rels, emptyOf(vars)] };
}

function unready(clauses: readonly Clause[], remaining: readonly number[], needs: readonly (readonly string[])[], bound: Set<string>): Error {
  const i = remaining[0]!;
  const c = clauses[i]!;
  const missing = needs[i]!.filter((v) => !bound.has(v));
  const bindable = new Set(remaining.flatMap((j) => clauseBinds(clauses[j]!)));
  const never = missing.filter((v) => !bindable.has(v));
  const text = printClause(c);
  if ((c.kind === 'pred' || c.kind === 'fn') && never.length > 0) {
    return fail('query/unbound-variable', `Unbound variable ${never.join(', ')} in ${text}`, { vars: never, clause: text });
  }
  return fail('query/insufficient-binding', `Insufficient bindings: ${missing.join(', ')} not bound in ${text}`, { vars: missing, clause: text });
}

export function* evalClause(c: Clause, env: Env, ctx: Ctx, estimate: number): Step<Ctx> {
  switch (c.kind) {
    case 'pattern':
      return yield* evalPattern(c, sourceOf(env, c.src), ctx, estimate);
    case 'pred':
      return yield* evalCall(c, null, env, ctx);
    case 'fn':
      return yield* evalCall(c, c.binding, env, ctx);
    case 'rule':
      return yield* evalRuleCall(c, env, ctx);
    case 'not':
    case 'not-join':
      return yield* evalNot(c, env, ctx);
    case 'or':
    case 'or-join':
      return yield* evalOr(c, env, ctx);
    default: {
      const never: never = c;
      return never;
    }
  }
}

/** The function a call clause names: a built-in, or a function passed in through :in. */
function resolveFn(c: Extract<Clause, { kind: 'pred' | 'fn' }>, env: Env): (args: readonly unknown[]) => MaybePromise<unknown> {
  if (c.fn.startsWith('?')) {
    const f = env.scalars.get(c.fn);
    if (typeof f !== 'function') fail('query/unknown-function', `Variable ${c.fn} does not hold a function (${show(f)}) in ${printClause(c)}`, { fn: c.fn });
    return (args) => (f as (...xs: unknown[]) => unknown)(...args);
  }
  const b = builtin(c.fn);
  if (b === undefined) fail('query/unknown-function', `Unknown function '${c.fn}' in ${printClause(c)}`, { fn: c.fn });
  return (args) => b.fn(args, env.builtinEnv);
}

function argValue(a: Arg, row: readonly unknown[], cols: ReadonlyMap<string, number>, env: Env): unknown {
  switch (a.kind) {
    case 'var':
      return row[cols.get(a.name)!];
    case 'const':
      return a.value;
    case 'src': {
      const s = sourceOf(env, a.name);
      return s.db ?? s;
    }
    default: {
      const never: never = a;
      return never;
    }
  }
}

function* evalCall(c: Extract<Clause, { kind: 'pred' | 'fn' }>, binding: Binding | null, env: Env, ctx: Ctx): Step<Ctx> {
  const fn = resolveFn(c, env);
  const inVars = c.args.flatMap((a) => (a.kind === 'var' ? [a.name] : []));
  const outVars = binding === null ? [] : [...new Set(bindingVars(binding))];
  const bound = boundVars(ctx);
  // Variables held by one-row relations (:in scalars, mostly) are read as constants, so the
  // call does not multiply its input with them.
  const scalars = new Map<string, unknown>();
  for (const r of ctx.rels) if (r.rows.length === 1) r.vars.forEach((v, i) => scalars.set(v, r.rows[0]![i]));
  const needed = [...inVars, ...outVars.filter((v) => bound.has(v))].filter((v) => !scalars.has(v));
  const { merged, rest } = mergeFor(ctx, needed);
  const cols = new Map(merged.vars.map((v, i) => [v, i]));
  const budget = env.budget;
  // Each argument once as a column to read or a value to pass (a constant, a scalar, a source).
  const argCols = c.args.map((a) => (a.kind === 'var' && cols.has(a.name) ? cols.get(a.name)! : -1));
  const argFixed = c.args.map((a) => (a.kind === 'var' ? (cols.has(a.name) ? undefined : scalars.get(a.name)) : argValue(a, [], cols, env)));
  const call = (row: readonly unknown[], i: number): MaybePromise<unknown> => {
    if (budget && (i & 63) === 0) budget.check();
    const args = new Array<unknown>(argCols.length);
    for (let k = 0; k < argCols.length; k++) args[k] = argCols[k]! >= 0 ? row[argCols[k]!] : argFixed[k];
    try {
      return fn(args);
    } catch (err) {
      if (err instanceof Error && err.name === 'CairnError') throw err;
      return fail('query/execution', `${printClause(c)} threw: ${err instanceof Error ? err.message : String(err)}`, { clause: printClause(c) });
    }
  };
  const truthy = (v: unknown): boolean => v !== null && v !== undefined && v !== false;
  if (binding === null) {
    // A predicate keeps rows as it goes; only answers that are Promises wait, all together.
    const rows: unknown[][] = [];
    let pending: { at: number; row: unknown[]; answer: Promise<unknown> }[] | null = null;
    const mrows = merged.rows;
    for (let i = 0; i < mrows.length; i++) {
      const row = mrows[i]!;
      const v = call(row, i);
      if (isPromise(v)) (pending ??= []).push({ at: rows.length, row, answer: v });
      else if (truthy(v)) rows.push(row);
    }
    if (pending !== null) {
      const answers = yield* wait(all(pending.map((x) => x.answer)));
      // put the rows whose answer waited back where they stood among the others
      const merged2: unknown[][] = [];
      let j = 0;
      pending.forEach((x, k) => {
        while (j < x.at) merged2.push(rows[j++]!);
        if (truthy(answers[k])) merged2.push(x.row);
      });
      while (j < rows.length) merged2.push(rows[j++]!);
      return { rels: [...rest, { vars: merged.vars, rows: merged2, distinct: merged.distinct }] };
    }
    return { rels: [...rest, { vars: merged.vars, rows, distinct: merged.distinct }] };
  }
  const values = yield* wait(all(merged.rows.map(call)));
  const newVars = outVars.filter((v) => !cols.has(v) && !scalars.has(v));
  const vars = [...merged.vars, ...newVars];
  const rows: unknown[][] = [];
  merged.rows.forEach((row, i) => {
    for (const b of destructure(binding, values[i])) {
      let ok = true;
      const out = row.slice();
      for (const v of outVars) {
        const x = b.get(v);
        const at = cols.get(v);
        if (at !== undefined) {
          if (!valuesEqual(row[at], x)) ok = false;
        } else if (scalars.has(v)) {
          if (!valuesEqual(scalars.get(v), x)) ok = false;
        } else out.push(x);
      }
      if (ok) rows.push(out);
    }
  });
  const rel: Relation = { vars, rows, distinct: merged.distinct === true && !hasColl(binding) };
  return addRelation({ rels: rest }, rel);
}

/** All ways `value` fills `binding` (each a var -> value map); nil results bind nothing. */
function destructure(b: Binding, value: unknown): Map<string, unknown>[] {
  if (value === null || value === undefined) return [];
  switch (b.kind) {
    case 'bind-var':
      return [new Map([[b.name, value]])];
    case 'bind-blank':
      return [new Map()];
    case 'bind-coll': {
      const xs = elementsOf(value);
      if (xs === undefined) fail('query/execution', `Cannot bind ${show(value)} to collection binding`, { value: show(value) });
      return xs.flatMap((x) => destructure(b.elem, x));
    }
    case 'bind-tuple': {
      const xs = elementsOf(value);
      if (xs === undefined) fail('query/execution', `Cannot bind ${show(value)} to tuple binding`, { value: show(value) });
      let acc: Map<string, unknown>[] = [new Map()];
      b.elems.forEach((e, i) => {
        if (i >= xs.length) {
          acc = [];
          return;
        }
        const parts = destructure(e, xs[i]);
        acc = acc.flatMap((m) =>
          parts.flatMap((p) => {
            const merged = new Map(m);
            for (const [k, v] of p) {
              if (merged.has(k) && !valuesEqual(merged.get(k), v)) return [];
              merged.set(k, v);
            }
            return [merged];
          }),
        );
      });
      return acc;
    }
    default: {
      const never: never = b;
      return never;
    }
  }
}

const hasColl = (b: Binding): boolean => b.kind === 'bind-coll' || (b.kind === 'bind-tuple' && b.elems.some(hasColl));

export { destructure };
