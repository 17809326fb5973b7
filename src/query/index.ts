// The query entry point: `q(query, ...inputs)` or `q({ query, args, offset, limit })`.
//
// Parsed queries are cached by their text (and array/map forms by identity); rules passed as
// text are cached the same way. Execution is synchronous while every index node it reads is
// cached and suspends only on a real read (see run.ts); `q` always returns a Promise.

import type { QueryMap } from '../db/inputs.js';
import { fail, show } from '../util/errors.js';
import type { MaybePromise } from '../util/maybe.js';
import { type Clause, findElems, type InBinding, type Query, type Rules } from './ast.js';
import { aggregateFn, isBuiltInAggregate } from './aggregates.js';
import { builtin, type BuiltinEnv } from './builtins.js';
import type { Ctx } from './context.js';
import { clauseBinds, destructure, evalClauses } from './engine.js';
import type { Env, RuleInfo } from './env.js';
import { findElemVars, findResult, type Paging, resultVars } from './find.js';
import { normalizeInputs } from './inputs.js';
import { type PlanStep, type Trace } from './explain.js';
import { parseOrderBy } from './order.js';
import { parseQueryForm, parseRules } from './parser.js';
import { checkInputShape, checkOrs, checkShape } from './validate.js';
import { printClause } from './print.js';
import { analyzeRules } from './rules.js';
import { type Budget, makeBudget } from './budget.js';
import { run, type Step } from './run.js';
import { makeSource, type Source } from './source.js';
import { isMap } from '../util/brands.js';

export { registerAggregate, type AggregateFn } from './aggregates.js';
export type { Query as ParsedQuery, Rules } from './ast.js';
export { printQuery } from './print.js';
export type { PlanStep } from './explain.js';

const CACHE_LIMIT = 512;
const textCache = new Map<string, Query>();
const formCache = new WeakMap<object, Query>();
const rulesTextCache = new Map<string, Rules>();
const rulesFormCache = new WeakMap<object, Rules>();

function remember<K, V>(m: Map<K, V>, k: K, v: V): V {
  if (m.size >= CACHE_LIMIT) m.delete(m.keys().next().value as K);
  m.set(k, v);
  return v;
}

/** Parse (and validate the shape of) a query; cached by text, or by identity for forms. */
export function parseQuery(query: unknown): Query {
  if (typeof query === 'string') return textCache.get(query) ?? remember(textCache, query, checked(parseQueryForm(query)));
  if (typeof query === 'object' && query !== null) {
    const hit = formCache.get(query);
    if (hit !== undefined) return hit;
    const parsed = checked(parseQueryForm(query));
    formCache.set(query, parsed);
    return parsed;
  }
  return fail('query/parse', `A query must be EDN text, a vector or a map, got ${show(query)}`, { query: show(query) });
}

function rulesOf(value: unknown): Rules {
  if (typeof value === 'string') return rulesTextCache.get(value) ?? remember(rulesTextCache, value, parseRules(value));
  if (typeof value === 'object' && value !== null) {
    const hit = rulesFormCache.get(value);
    if (hit !== undefined) return hit;
    const parsed = parseRules(value);
    rulesFormCache.set(value, parsed);
    return parsed;
  }
  return fail('query/invalid-input', `Rules (%) must be EDN text or a vector of rules, got ${show(value)}`);
}

function inVars(ins: readonly InBinding[]): string[] {
  return ins.flatMap((b) => (b.kind === 'in-bind' ? clauseBinds({ kind: 'fn', fn: 'identity', args: [], binding: b.binding }) : []));
}

/** Static checks: every :find/:with variable is bound somewhere; functions exist with the right arity. */
function checked(q: Query): Query {
  checkShape(q);
  const bindable = new Set([...inVars(q.in), ...q.where.flatMap(clauseBinds)]);
  const wanted = [...findElems(q.find).flatMap(findElemVars), ...q.with];
  const unknown = [...new Set(wanted.filter((v) => !bindable.has(v)))];
  if (unknown.length > 0) fail('query/unbound-variable', `Query for unknown vars: [${unknown.join(' ')}]`, { vars: unknown });
  checkCalls(q.where);
  for (const e of findElems(q.find)) if (e.kind === 'find-agg' && !e.custom) checkAggregate(e.fn, e.args.length - 1);
  return q;
}

// Constant parameters each built-in aggregate takes before its variable: [min, max].
const AGG_PARAMS: Readonly<Record<string, readonly [number, number]>> = {
  min: [0, 1],
  max: [0, 1],
  rand: [0, 1],
  sample: [1, 1],
};

function checkAggregate(name: string, params: number): void {
  if (aggregateFn(name) === undefined) fail('query/unknown-function', `Unknown aggregate function '${name}' in :find`, { fn: name });
  if (isBuiltInAggregate(name)) {
    const [lo, hi] = AGG_PARAMS[name] ?? [0, 0];
    if (params < lo || params > hi) {
      fail('query/arity', `Wrong number of arguments to aggregate '${name}': ${params + 1} given, expected ${lo === hi ? lo + 1 : `${lo + 1} or ${hi + 1}`}`, {
        fn: name,
        given: params + 1,
      });
    }
  }
}

function checkCalls(clauses: readonly Clause[]): void {
  for (const c of clauses) {
    switch (c.kind) {
      case 'pred':
      case 'fn': {
        if (c.fn.startsWith('?')) break;
        const b = builtin(c.fn);
        if (b === undefined) fail('query/unknown-function', `Unknown function '${c.fn}' in ${printClause(c)}`, { fn: c.fn });
        if (c.args.length < b.min || c.args.length > b.max) {
          const expected = b.min === b.max ? `${b.min}` : b.max === Infinity ? `at least ${b.min}` : `${b.min} to ${b.max}`;
          fail('query/arity', `Wrong number of arguments to '${c.fn}': expected ${expected}, got ${c.args.length} in ${printClause(c)}`, {
            fn: c.fn,
            given: c.args.length,
          });
        }
        break;
      }
      case 'not':
      case 'not-join':
        checkCalls(c.clauses);
        break;
      case 'or':
      case 'or-join':
        for (const b of c.branches) checkCalls(b);
        break;
      case 'pattern':
      case 'rule':
        break;
      default: {
        const never: never = c;
        return never;
      }
    }
  }
}

function checkRuleCalls(clauses: readonly Clause[], rules: Rules): void {
  for (const c of clauses) {
    if (c.kind === 'rule') {
      const branches = rules.get(c.name);
      if (branches === undefined) fail('query/rule', `Unknown rule '${c.name}' in ${printClause(c)}`, { rule: c.name });
      if (branches[0]!.head.length !== c.args.length) {
        fail('query/arity', `Rule '${c.name}' takes ${branches[0]!.head.length} arguments, called with ${c.args.length} in ${printClause(c)}`, {
          rule: c.name,
        });
      }
    } else if (c.kind === 'not' || c.kind === 'not-join') checkRuleCalls(c.clauses, rules);
    else if (c.kind === 'or' || c.kind === 'or-join') for (const b of c.branches) checkRuleCalls(b, rules);
  }
}

export type { QueryMap };

// Keys the map form understands ('order-by' is Datahike's spelling of orderBy). `timeout` and
// `signal` belong to the query time budget; any other key is an error, never ignored.
const QUERY_MAP_KEYS = new Set(['query', 'args', 'offset', 'limit', 'orderBy', 'order-by', 'timeout', 'signal']);

export const isQueryMap = (x: unknown): x is QueryMap => typeof x === 'object' && x !== null && !Array.isArray(x) && !isMap(x) && 'query' in x;

/** Run a query: EDN text / parsed form plus inputs, or the map form { query, args, offset, limit }. */
export async function q(query: unknown, ...inputs: unknown[]): Promise<unknown> {
  const budget = isQueryMap(query) ? makeBudget(query.timeout, query.signal) : null;
  try {
    return await qWithin(budget, query, inputs, undefined);
  } finally {
    budget?.dispose();
  }
}

/**
 * `q` without the final Promise wrap: a plain value when no read had to wait (benchmarks,
 * internals). No time budget: `timeout`/`signal` need the timer that the async `q` clears.
 */
export function qMaybe(query: unknown, ...inputs: unknown[]): MaybePromise<unknown> {
  return qWithin(null, query, inputs, undefined);
}

function qWithin(budget: Budget | null, query: unknown, inputs: readonly unknown[], trace: Trace | undefined): MaybePromise<unknown> {
  if (isQueryMap(query)) {
    if (inputs.length > 0) fail('query/invalid-input', 'The map form q({ query, args }) takes its inputs in args');
    const unknownKey = Object.keys(query).find((k) => !QUERY_MAP_KEYS.has(k));
    if (unknownKey !== undefined) {
      fail('query/invalid-input', `Unknown option ${show(unknownKey)} in q({ query, args, ... }); expected one of ${[...QUERY_MAP_KEYS].join(', ')}`, {
        option: unknownKey,
      });
    }
    if (query.args !== undefined && !Array.isArray(query.args))
      fail('query/invalid-input', `args must be an array of inputs, got ${show(query.args)}`, { args: show(query.args) });
    for (const key of ['offset', 'limit'] as const) {
      const n = query[key];
      if (n !== undefined && n !== null && !(Number.isSafeInteger(n) && n >= 0)) {
        fail('query/invalid-input', `${key} must be a non-negative integer, got ${show(n)}`, { [key]: show(n) });
      }
    }
    const parsed = parseQuery(query.query);
    const spec = query.orderBy ?? (query as { 'order-by'?: unknown })['order-by'];
    if (spec !== undefined && spec !== null && parsed.orderBy !== undefined) {
      fail('query/invalid-input', 'order-by is given both in the query and in q({ orderBy }): give it once', {});
    }
    const order = spec === undefined || spec === null ? parsed.orderBy : parseOrderBy(spec, parsed.find, 'query/invalid-input');
    return execute(
      parsed,
      query.args ?? [],
      { offset: query.offset ?? undefined, limit: query.limit ?? undefined, ...(order ? { order } : {}) },
      budget,
      trace,
    );
  }
  const parsed = parseQuery(query);
  return execute(parsed, inputs, parsed.orderBy ? { order: parsed.orderBy } : {}, null, trace);
}

function execute(query: Query, inputs: readonly unknown[], paging: Paging, budget: Budget | null, trace?: Trace): MaybePromise<unknown> {
  budget?.check();
  return run(executeStep(query, inputs, paging, budget, trace), budget);
}

/**
 * Run a query (either form of `q`, with its time budget) and return its result with the plan it
 * followed: clauses in evaluation order with the index read and estimated/actual rows (explain.ts).
 */
export async function explain(query: unknown, ...inputs: unknown[]): Promise<{ result: unknown; plan: PlanStep[] }> {
  const trace: Trace = { steps: [], depth: 0 };
  const budget = isQueryMap(query) ? makeBudget(query.timeout, query.signal) : null;
  try {
    const result = await qWithin(budget, query, inputs, trace);
    return { result, plan: trace.steps.filter((s) => s !== null) };
  } finally {
    budget?.dispose();
  }
}

// Rules are immutable once parsed (and cached by text): their checks and analysis run once per rule set.
const ruleInfos = /* @__PURE__ */ new WeakMap<Rules, RuleInfo>();
const NO_RULES: Rules = /* @__PURE__ */ new Map();

function ruleInfoOf(rules: Rules): RuleInfo {
  let info = ruleInfos.get(rules);
  if (info === undefined) {
    for (const branches of rules.values())
      for (const br of branches) {
        checkCalls(br.body);
        checkOrs(br.body);
        checkRuleCalls(br.body, rules);
      }
    info = analyzeRules(rules);
    ruleInfos.set(rules, info);
  }
  return info;
}

// Nested queries (the `q` function inside a query) need no state of the outer execution.
const BUILTIN_ENV: BuiltinEnv = { q: (inner, args) => q(inner, ...args) };
// The rule set each parsed query's rule calls were last checked against (rule sets are cached by text).
const checkedWith = /* @__PURE__ */ new WeakMap<Query, Rules>();

function* executeStep(query: Query, inputs: readonly unknown[], paging: Paging, budget: Budget | null, trace?: Trace): Step<unknown> {
  const implicitDb = query.in.length === 1 && query.in[0]!.kind === 'in-src' && inputs.length === 0;
  if (!implicitDb && inputs.length !== query.in.length) {
    fail('query/invalid-input', `Wrong number of inputs: :in has ${query.in.length} binding(s), ${inputs.length} given`, {
      expected: query.in.length,
      given: inputs.length,
    });
  }
  const sources = new Map<string, Source>();
  const scalars = new Map<string, unknown>();
  let rules: Rules = NO_RULES;
  let ctx: Ctx = { rels: [] };
  query.in.forEach((b, i) => {
    if (implicitDb) return;
    const value = inputs[i];
    switch (b.kind) {
      case 'in-src':
        sources.set(b.name, makeSource(b.name, value));
        break;
      case 'in-rules':
        rules = rulesOf(value);
        break;
      case 'in-bind': {
        const binding = b.binding;
        if (binding.kind === 'bind-var') scalars.set(binding.name, value);
        if (binding.kind === 'bind-blank') break;
        const vars = [...new Set(clauseBinds({ kind: 'fn', fn: 'identity', args: [], binding }))];
        if (binding.kind !== 'bind-var' && (value === null || value === undefined || typeof value !== 'object')) {
          fail('query/invalid-input', `Cannot bind input ${i} (${show(value)}) to a collection or tuple binding`, { input: i });
        }
        checkInputShape(binding, value, i);
        const rows = destructure(binding, value).map((m) => vars.map((v) => m.get(v)));
        ctx = { rels: [...ctx.rels.filter((r) => !r.vars.some((v) => vars.includes(v))), { vars, rows }] };
        break;
      }
      default: {
        const never: never = b;
        return never;
      }
    }
  });
  ctx = yield* normalizeInputs(query.where, sources, ctx);
  if (checkedWith.get(query) !== rules) {
    checkRuleCalls(query.where, rules);
    checkedWith.set(query, rules);
  }
  const env: Env = {
    sources,
    defaultSrc: '$',
    rules,
    ruleInfo: ruleInfoOf(rules),
    scalars,
    builtinEnv: BUILTIN_ENV,
    fresh: { n: 0 },
    fix: null,
    expansions: new WeakMap(),
    ...(trace ? { trace } : {}),
    budget,
  };
  const result = yield* evalClauses(query.where, env, ctx, resultVars(query));
  return yield* findResult(query, result, env, paging);
}
