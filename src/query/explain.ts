// Query introspection: `explain(query, ...inputs)` runs the query with a trace and returns its
// result with the plan the adaptive planner (engine.ts) actually followed: each clause in the
// order it was evaluated, the index a pattern read, the planner's estimate and the rows the
// clause left. Clauses inside rules, or, not are listed too, with their nesting depth.

import type { Clause } from './ast.js';
import { clauseVars } from './ast.js';
import { boundVars, type Ctx, isEmpty } from './context.js';
import type { Env } from './env.js';
import { printClause } from './print.js';

export interface PlanStep {
  /** The clause as EDN text. */
  readonly clause: string;
  /** Evaluation order across the whole query (0-based). */
  readonly order: number;
  /** 0 for :where clauses, deeper inside rule bodies, or, not. */
  readonly depth: number;
  /** The index a data pattern read ('eavt' | 'aevt' | 'avet' | 'collection'); null for other clauses. */
  readonly index: 'eavt' | 'aevt' | 'avet' | 'collection' | null;
  /** The planner's estimate of the pattern's rows (null where it has none). */
  readonly estimatedRows: number | null;
  /** Rows of the relation holding the clause's variables once it ran (0 once nothing matches). */
  readonly actualRows: number;
}

export interface Trace {
  readonly steps: PlanStep[];
  depth: number;
}

/** The index a pattern reads given what is bound when it runs (mirrors Db.search's choice). */
function indexOf(c: Extract<Clause, { kind: 'pattern' }>, env: Env, bound: ReadonlySet<string>): PlanStep['index'] {
  const src = env.sources.get(c.src === '$' ? env.defaultSrc : c.src);
  if (src === undefined || src.db === null) return 'collection';
  const known = (i: number): boolean => {
    const t = c.terms[i];
    return t !== undefined && (t.kind === 'const' || (t.kind === 'var' && bound.has(t.name)));
  };
  if (known(0)) return 'eavt';
  const a = c.terms[1];
  if (a !== undefined && a.kind === 'const') {
    const name = typeof a.keyword === 'string' ? a.keyword : String(a.value).replace(/^:/, '');
    return known(2) && src.db.schema.indexed.has(name) ? 'avet' : 'aevt';
  }
  return 'eavt';
}

/** Reserve the next step (so a clause is listed before the clauses nested in it). */
export function beginStep(trace: Trace): number {
  trace.steps.push(null as unknown as PlanStep);
  trace.depth++;
  return trace.steps.length - 1;
}

/** Fill the step reserved by beginStep once its clause ran. */
export function endStep(trace: Trace, slot: number, c: Clause, env: Env, before: Ctx, after: Ctx, estimate: number): void {
  trace.depth--;
  const vars = clauseVars(c);
  let rows = 0;
  if (!isEmpty(after)) {
    rows = 1;
    for (const r of after.rels) if (r.vars.some((v) => vars.includes(v))) rows = Math.max(rows, r.rows.length);
  }
  trace.steps[slot] = {
    clause: printClause(c),
    order: slot,
    depth: trace.depth,
    index: c.kind === 'pattern' ? indexOf(c, env, boundVars(before)) : null,
    estimatedRows: Number.isFinite(estimate) ? estimate : null,
    actualRows: rows,
  };
}
