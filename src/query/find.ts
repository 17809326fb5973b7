// Turning the final context into the result the :find spec asks for: set semantics over the
// find + :with variables (a bag once :with variables are dropped), aggregates grouped by the other find elements, pull expressions run
// through src/pull (one pullMany per pull element), :keys/:strs/:syms maps, offset/limit.

import { pullMany } from '../pull/index.js';
import { fail, show } from '../util/errors.js';
import { setOwn } from '../util/objects.js';
import type { MaybePromise } from '../util/maybe.js';
import { type FindElem, findElems, type Query } from './ast.js';
import { aggregateFn } from './aggregates.js';
import { type OrderKey, orderTuples } from './order.js';
import { type Ctx, isEmpty, mergeFor } from './context.js';
import type { Env } from './env.js';
import { groupBy, project } from './relation.js';
import { wait, type Step } from './run.js';

/** Variables a find element reads. */
export function findElemVars(e: FindElem): string[] {
  switch (e.kind) {
    case 'find-var':
      return [e.name];
    case 'find-agg':
      return e.args.flatMap((a) => (a.kind === 'var' ? [a.name] : [])).concat(e.custom ? [e.fn] : []);
    case 'find-pull':
      return e.pattern.kind === 'var' ? [e.name, e.pattern.name] : [e.name];
    default: {
      const never: never = e;
      return never;
    }
  }
}

// A parsed query is immutable (and cached by its text): its result variables are worked out once.
const resultVarsOf = /* @__PURE__ */ new WeakMap<Query, readonly string[]>();

/** The :find and :with variables of `q`, each once, in order: the columns its result is built from. */
export function resultVars(q: Query): readonly string[] {
  let vars = resultVarsOf.get(q);
  if (vars === undefined) {
    vars = [...new Set([...findElems(q.find).flatMap(findElemVars), ...q.with])];
    resultVarsOf.set(q, vars);
  }
  return vars;
}

export interface Paging {
  readonly offset?: number;
  readonly limit?: number;
  /** :order-by keys, applied before offset/limit (order.ts). */
  readonly order?: readonly OrderKey[];
}

export function* findResult(q: Query, ctx: Ctx, env: Env, paging: Paging): Step<unknown> {
  const elems = findElems(q.find);
  const vars = resultVars(q);
  const { merged } = mergeFor(ctx, vars);
  const aggs = elems.some((e) => e.kind === 'find-agg');
  // Grouping reads columns by name: a distinct relation over exactly these variables needs no
  // reordered copy of its rows.
  const asIs = aggs && merged.distinct === true && merged.vars.length === vars.length && vars.every((v) => merged.vars.includes(v));
  const rel = isEmpty(ctx) ? { vars, rows: [] as unknown[][] } : asIs ? merged : project(merged, vars);
  const col = (v: string): number => rel.vars.indexOf(v);
  let tuples: unknown[][];
  if (!aggs && elems.length === vars.length && elems.every((e, i) => e.kind === 'find-var' && e.name === vars[i])) {
    tuples = rel.rows as unknown[][]; // rows are built per execution: safe to hand out as they are
  } else if (!aggs) {
    tuples = rel.rows.map((row) => elems.map((e) => (e.kind === 'find-agg' ? null : row[col(e.name)])));
    // :with keeps the bag: rows are distinct over find + with variables, duplicates stay once
    // the with variables are projected away (as DataScript and Datahike return them)
    if (elems.length < vars.length && q.with.length === 0) {
      const names = elems.map((_, i) => String(i));
      tuples = project({ vars: names, rows: tuples }, names).rows.map((r) => [...r]);
    }
  } else {
    const keyCols = elems.flatMap((e) => (e.kind === 'find-agg' ? [] : findElemVars(e).map(col)));
    const groups = keyCols.length === 0 ? (rel.rows.length === 0 ? new Map() : new Map([[0, rel.rows]])) : groupBy(rel.rows, keyCols);
    tuples = [];
    for (const rows of groups.values()) {
      tuples.push(elems.map((e) => (e.kind === 'find-agg' ? aggregate(e, rows, col, env) : rows[0]![col(e.name)])));
    }
  }
  if (paging.order !== undefined) orderTuples(tuples, paging.order);
  tuples = page(tuples, paging);
  yield* pulls(elems, tuples, env);
  return shape(q, tuples);
}

function page(tuples: unknown[][], p: Paging): unknown[][] {
  const offset = p.offset ?? 0;
  const end = p.limit === undefined || p.limit < 0 ? undefined : offset + p.limit;
  return offset === 0 && end === undefined ? tuples : tuples.slice(offset, end);
}

function aggregate(e: Extract<FindElem, { kind: 'find-agg' }>, rows: readonly unknown[][], col: (v: string) => number, env: Env): unknown {
  const last = e.args[e.args.length - 1]!;
  const values = rows.map((r) => r[col((last as { name: string }).name)]);
  const params = e.args.slice(0, -1).map((a) => (a.kind === 'const' ? a.value : rows[0]?.[col(a.name)]));
  if (e.custom) {
    const f = env.scalars.get(e.fn) ?? (rows[0] === undefined ? undefined : rows[0][col(e.fn)]);
    if (typeof f !== 'function') fail('query/unknown-function', `(aggregate ${e.fn} ...) needs a function passed through :in, got ${show(f)}`, { fn: e.fn });
    return (f as (...xs: unknown[]) => unknown)(values, ...params);
  }
  const f = aggregateFn(e.fn);
  if (f === undefined) fail('query/unknown-function', `Unknown aggregate function '${e.fn}' in :find`, { fn: e.fn });
  return f(values, ...params);
}

/** Replace each pull element's entity id with the pulled map (one pullMany per element). */
function* pulls(elems: readonly FindElem[], tuples: unknown[][], env: Env): Step<void> {
  for (let i = 0; i < elems.length; i++) {
    const e = elems[i]!;
    if (e.kind !== 'find-pull') continue;
    const src = env.sources.get(e.src === '$' ? env.defaultSrc : e.src);
    if (src === undefined || src.db === null) fail('query/invalid-input', `pull in :find needs a database source ${e.src}`, { source: e.src });
    const pattern = e.pattern.kind === 'const' ? e.pattern.value : env.scalars.get(e.pattern.name);
    if (pattern === undefined)
      fail('query/unbound-variable', `Pull pattern variable ${e.pattern.kind === 'var' ? e.pattern.name : ''} is not bound through :in`, {});
    const ids = tuples.map((t) => t[i] as number);
    const results: MaybePromise<unknown[]> = pullMany(src.db, pattern, ids);
    const pulled = yield* wait(results);
    tuples.forEach((t, j) => {
      t[i] = pulled[j];
    });
  }
}

function shape(q: Query, tuples: unknown[][]): unknown {
  const rm = q.returnMaps;
  const asMap = (t: unknown[]): unknown => {
    if (rm === null) return t;
    const o: Record<string, unknown> = {};
    rm.names.forEach((n, i) => setOwn(o, rm.kind === 'keys' ? n.replace(/^:/, '') : n, t[i]));
    return o;
  };
  switch (q.find.kind) {
    case 'rel':
      return rm === null ? tuples : tuples.map(asMap);
    case 'coll':
      return tuples.map((t) => t[0]);
    case 'scalar':
      return tuples.length === 0 ? null : tuples[0]![0];
    case 'tuple':
      return tuples.length === 0 ? null : asMap(tuples[0]!);
    default: {
      const never: never = q.find;
      return never;
    }
  }
}
