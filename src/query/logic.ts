// not / not-join / or / or-join. Each evaluates its body against only the part of the context
// it joins on (the distinct values of its bound join variables), so bound values reach the
// body's index seeks, then combines the result with the context: an anti-join for `not`, a
// union of the branches joined back for `or`.

import { fail } from '../util/errors.js';
import { type Clause, clauseVars } from './ast.js';
import { addRelation, boundVars, type Ctx, isEmpty, mergeFor } from './context.js';
import { evalClauses } from './engine.js';
import type { Env } from './env.js';
import { printClause } from './print.js';
import { antiJoin, join, project, type Relation, union } from './relation.js';
import type { Step } from './run.js';

type Not = Extract<Clause, { kind: 'not' | 'not-join' }>;
type Or = Extract<Clause, { kind: 'or' | 'or-join' }>;

const withSrc = (env: Env, src: string | null): Env => (src === null ? env : { ...env, defaultSrc: src });

export function* evalNot(c: Not, env: Env, ctx: Ctx): Step<Ctx> {
  const bound = boundVars(ctx);
  const bodyVars = c.kind === 'not-join' ? c.vars : [...new Set(c.clauses.flatMap((x) => clauseVars(x)))];
  const joinVars = bodyVars.filter((v) => bound.has(v));
  if (c.kind === 'not-join' && joinVars.length < c.vars.length) {
    const missing = c.vars.filter((v) => !bound.has(v));
    fail('query/insufficient-binding', `Insufficient bindings: ${missing.join(', ')} not bound in ${printClause(c)}`, {
      vars: missing,
      clause: printClause(c),
    });
  }
  if (c.kind === 'not' && joinVars.length === 0 && bodyVars.length > 0) {
    // as DataScript: a `not` sharing no variable with what is bound would only ever be a gate
    // on the whole query, which is almost always a misspelt variable
    fail('query/insufficient-binding', `Insufficient bindings: none of ${bodyVars.join(', ')} is bound in ${printClause(c)}`, {
      vars: bodyVars,
      clause: printClause(c),
    });
  }
  const { merged, rest } = mergeFor(ctx, joinVars);
  const input = project(merged, joinVars);
  const inner = yield* evalClauses(c.clauses, withSrc(env, c.src), { rels: [input] }, joinVars);
  if (isEmpty(inner)) return ctx;
  const { merged: found } = mergeFor(inner, joinVars);
  const hits = joinVars.length === 0 ? found : project(found, joinVars);
  if (joinVars.length === 0) {
    // Nothing shared: the body is a gate that either empties the whole context or leaves it.
    return hits.rows.length > 0 ? { rels: [...ctx.rels, { vars: [], rows: [] }] } : ctx;
  }
  return { rels: [...rest, antiJoin(merged, hits)] };
}

/** Input and output variables of an or: `or-join` lists them; `or` uses every branch's variables. */
export function orVars(c: Or): { all: string[]; out: string[] } {
  if (c.kind === 'or-join') return { all: [...c.vars], out: [...c.vars] };
  const sets = c.branches.map((b) => new Set(b.flatMap((x) => clauseVars(x))));
  const everywhere = [...sets[0]!].filter((v) => sets.every((s) => s.has(v)));
  const anywhere = [...new Set(sets.flatMap((s) => [...s]))];
  return { all: anywhere, out: everywhere };
}

export function* evalOr(c: Or, env: Env, ctx: Ctx): Step<Ctx> {
  const bound = boundVars(ctx);
  const { all: vars, out } = orVars(c);
  const inVars = vars.filter((v) => bound.has(v));
  const outVars = [...new Set([...inVars, ...out])];
  if (c.kind === 'or-join') {
    const missing = c.required.filter((v) => !bound.has(v));
    if (missing.length > 0) {
      fail('query/insufficient-binding', `Insufficient bindings: ${missing.join(', ')} not bound in ${printClause(c)}`, {
        vars: missing,
        clause: printClause(c),
      });
    }
  }
  const { merged, rest } = mergeFor(ctx, inVars);
  const input = project(merged, inVars);
  const benv = withSrc(env, c.src);
  const results: Relation[] = [];
  for (const branch of c.branches) {
    const res = yield* evalClauses(branch, benv, { rels: [input] }, outVars);
    const have = boundVars(res);
    const missing = outVars.filter((v) => !have.has(v));
    if (missing.length > 0) {
      fail('query/insufficient-binding', `Insufficient bindings: ${missing.join(', ')} not bound by a branch of ${printClause(c)}`, {
        vars: missing,
        clause: printClause(c),
      });
    }
    if (res.rels.some((r) => r.rows.length === 0)) continue;
    results.push(project(mergeFor(res, outVars).merged, outVars));
  }
  const u = union(outVars, results);
  if (inVars.length === 0) return addRelation(ctx, u);
  return { rels: [...rest, join(merged, u)] };
}
