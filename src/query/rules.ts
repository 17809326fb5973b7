// Rules. A call to a non-recursive rule is expanded into an or-join of its branches (head
// variables renamed to the caller's arguments, body-local ones to fresh names), so it plans and
// seeks like any or. A call into a recursive component (Tarjan SCCs over the call graph) runs a
// demand-driven semi-naive fixpoint:
//
//   - one table per (rule, which head positions are bound) holds the demanded inputs and the
//     answers found; the caller's bound values seed the entry table's demand (magic sets);
//   - each round evaluates every branch for the demand that is new, against all answers, and
//     for the old demand once per recursive call in the branch, with that call reading only the
//     previous round's new answers (delta) - the semi-naive rule; answers commit at round end;
//   - the fixpoint ends when a round adds neither demand nor answers.

import { fail } from '../util/errors.js';
import type { Arg, Binding, Clause, RuleBranch, Rules, Term } from './ast.js';
import { clauseVars } from './ast.js';
import { addRelation, type Ctx, isEmpty, mergeFor } from './context.js';
import { clauseBinds, evalClauses, sourceOf } from './engine.js';
import { closureShape, evalClosure } from './closure.js';
import { evalLinear, linearShape } from './linear.js';
import type { Env, Fixpoint, RuleInfo, Table } from './env.js';
import { evalOr } from './logic.js';
import { printClause } from './print.js';
import { join, project, type Relation, UNIT } from './relation.js';
import type { Step } from './run.js';
import { type Key, tupleKey, valueKey } from './values.js';

type RuleCall = Extract<Clause, { kind: 'rule' }>;

export const ruleCallVars = (c: RuleCall): string[] => [...new Set(c.args.flatMap((a) => (a.kind === 'var' ? [a.name] : [])))];

function calledRules(clauses: readonly Clause[], out: Set<string>): Set<string> {
  for (const c of clauses) {
    switch (c.kind) {
      case 'rule':
        out.add(c.name);
        break;
      case 'not':
      case 'not-join':
        calledRules(c.clauses, out);
        break;
      case 'or':
      case 'or-join':
        for (const b of c.branches) calledRules(b, out);
        break;
      case 'pattern':
      case 'pred':
      case 'fn':
        break;
      default: {
        const never: never = c;
        return never;
      }
    }
  }
  return out;
}

/** Which rules are recursive, and the strongly connected component each belongs to (Tarjan). */
export function analyzeRules(rules: Rules): RuleInfo {
  const edges = new Map<string, string[]>();
  for (const [name, branches] of rules) {
    const out = new Set<string>();
    for (const b of branches) calledRules(b.body, out);
    edges.set(
      name,
      [...out].filter((n) => rules.has(n)),
    );
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const recursive = new Map<string, ReadonlySet<string>>();
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc = new Set<string>();
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.add(w);
      } while (w !== v);
      if (scc.size > 1 || edges.get(v)!.includes(v)) for (const n of scc) recursive.set(n, scc);
    }
  };
  for (const name of rules.keys()) if (!index.has(name)) visit(name);
  return { recursive };
}

function renameBinding(b: Binding, f: (v: string) => string): Binding {
  switch (b.kind) {
    case 'bind-var':
      return { kind: 'bind-var', name: f(b.name) };
    case 'bind-blank':
      return b;
    case 'bind-tuple':
      return { kind: 'bind-tuple', elems: b.elems.map((e) => renameBinding(e, f)) };
    case 'bind-coll':
      return { kind: 'bind-coll', elem: renameBinding(b.elem, f) };
    default: {
      const never: never = b;
      return never;
    }
  }
}

export function renameClause(c: Clause, f: (v: string) => string): Clause {
  const term = <T extends Term | Arg>(t: T): T => (t.kind === 'var' ? ({ kind: 'var', name: f(t.name) } as T) : t);
  const list = (cs: readonly Clause[]): Clause[] => cs.map((x) => renameClause(x, f));
  switch (c.kind) {
    case 'pattern':
      return { ...c, terms: c.terms.map(term) };
    case 'pred':
      return { ...c, args: c.args.map(term) };
    case 'fn':
      return { ...c, args: c.args.map(term), binding: renameBinding(c.binding, f) };
    case 'rule':
      return { ...c, args: c.args.map(term) };
    case 'not':
      return { ...c, clauses: list(c.clauses) };
    case 'not-join':
      return { ...c, vars: c.vars.map(f), clauses: list(c.clauses) };
    case 'or':
      return { ...c, branches: c.branches.map(list) };
    case 'or-join':
      return { ...c, required: c.required.map(f), vars: c.vars.map(f), branches: c.branches.map(list) };
    default: {
      const never: never = c;
      return never;
    }
  }
}

function branchesOf(c: RuleCall, env: Env): readonly RuleBranch[] {
  const branches = env.rules.get(c.name);
  if (branches === undefined) fail('query/rule', `Unknown rule '${c.name}' in ${printClause(c)}`, { rule: c.name });
  const arity = branches[0]!.head.length;
  if (arity !== c.args.length) {
    fail('query/arity', `Rule '${c.name}' takes ${arity} arguments, called with ${c.args.length} in ${printClause(c)}`, {
      rule: c.name,
      arity,
      given: c.args.length,
    });
  }
  return branches;
}

/** A non-recursive rule call as an or-join over the caller's variables. */
export function expandRule(c: RuleCall, env: Env): Extract<Clause, { kind: 'or-join' }> {
  const cached = env.expansions.get(c);
  if (cached !== undefined) return cached as Extract<Clause, { kind: 'or-join' }>;
  const required = new Set<string>();
  const branches = branchesOf(c, env).map((b) => {
    const n = env.fresh.n++;
    const map = new Map<string, string>();
    const prefix: Clause[] = [];
    b.head.forEach((h, i) => {
      const a = c.args[i]!;
      if (a.kind === 'var') {
        const prev = map.get(h);
        if (prev !== undefined && prev !== a.name) prefix.push({ kind: 'pred', fn: '=', args: [{ kind: 'var', name: prev }, a] });
        else map.set(h, a.name);
        if (b.required.includes(h)) required.add(a.name);
      } else {
        const fresh = `${h}__${n}_${i}`;
        map.set(h, fresh);
        if (a.kind === 'const') prefix.push({ kind: 'fn', fn: 'ground', args: [a], binding: { kind: 'bind-var', name: fresh } });
      }
    });
    return [...prefix, ...b.body.map((x) => renameClause(x, (v) => map.get(v) ?? `${v}__${n}`))];
  });
  const out = { kind: 'or-join', src: c.src, required: [...required], vars: ruleCallVars(c), branches } as const;
  env.expansions.set(c, out);
  return out;
}

/** Variables a clause needs bound before it can run (`others`: variables visible around it). */
export function clauseNeeds(c: Clause, others: ReadonlySet<string>, env: Env): string[] {
  switch (c.kind) {
    case 'pattern':
      return [];
    case 'pred':
    case 'fn':
      return c.args.flatMap((a) => (a.kind === 'var' ? [a.name] : []));
    case 'not':
      return [...new Set(c.clauses.flatMap((x) => clauseVars(x)))].filter((v) => others.has(v));
    case 'not-join':
      return [...c.vars];
    case 'or':
    case 'or-join': {
      const visible = new Set(c.kind === 'or-join' ? c.vars : c.branches.flatMap((b) => b.flatMap((x) => clauseVars(x))));
      const needs = new Set<string>(c.kind === 'or-join' ? c.required : []);
      for (const b of c.branches) for (const v of listNeeds(b, new Set([...others, ...visible]), env)) if (visible.has(v)) needs.add(v);
      return [...needs];
    }
    case 'rule': {
      if (!env.rules.has(c.name)) return [];
      if (env.ruleInfo.recursive.has(c.name)) {
        const b = branchesOf(c, env)[0]!;
        return b.head.flatMap((h, i) => (b.required.includes(h) && c.args[i]!.kind === 'var' ? [(c.args[i] as { name: string }).name] : []));
      }
      return clauseNeeds(expandRule(c, env), others, env);
    }
    default: {
      const never: never = c;
      return never;
    }
  }
}

function listNeeds(clauses: readonly Clause[], others: ReadonlySet<string>, env: Env): string[] {
  const all = new Set([...others, ...clauses.flatMap((c) => clauseVars(c))]);
  const binds = new Set(clauses.flatMap(clauseBinds));
  return [...new Set(clauses.flatMap((c) => clauseNeeds(c, all, env)))].filter((v) => !binds.has(v));
}

export function* evalRuleCall(c: RuleCall, env: Env, ctx: Ctx): Step<Ctx> {
  const scc = env.ruleInfo.recursive.get(c.name);
  if (scc === undefined) return yield* evalOr(expandRule(c, env), env, ctx);
  const branches = branchesOf(c, env);
  const callEnv = c.src === null ? env : { ...env, defaultSrc: c.src };
  if (env.fix !== null && env.fix.state.scc.has(c.name)) return lookup(c, callEnv, ctx);
  const shape = scc.size === 1 && sourceOf(callEnv, null).db !== null ? closureShape(c.name, branches) : null;
  if (shape !== null) return yield* evalClosure(c, shape, callEnv, ctx);
  const linear = scc.size === 1 ? linearShape(c.name, branches) : null;
  if (linear !== null) return yield* evalLinear(c, linear, callEnv, ctx);
  return yield* fixpoint(c, scc, callEnv, ctx);
}

/** Which argument positions are bound (constants or bound variables), and the demand rows. */
function demandOf(c: RuleCall, ctx: Ctx): { mask: boolean[]; rows: unknown[][]; merged: Relation; rest: Relation[] } {
  const boundArgVars = ruleCallVars(c).filter((v) => ctx.rels.some((r) => r.vars.includes(v)));
  const mask = c.args.map((a) => a.kind === 'const' || (a.kind === 'var' && boundArgVars.includes(a.name)));
  const { merged, rest } = mergeFor(ctx, boundArgVars);
  const proj = project(merged, boundArgVars);
  // For each bound position: a column of the projection, or a constant.
  const parts = c.args.flatMap((a, i) =>
    !mask[i] ? [] : a.kind === 'const' ? [{ col: -1, value: a.value }] : [{ col: boundArgVars.indexOf((a as { name: string }).name), value: null }],
  );
  const rows = proj.rows.map((r) => {
    const out = new Array<unknown>(parts.length);
    for (let j = 0; j < parts.length; j++) {
      const p = parts[j]!;
      out[j] = p.col < 0 ? p.value : r[p.col];
    }
    return out;
  });
  return { mask, rows, merged, rest };
}

const inputKey = (t: Table, answer: readonly unknown[]): Key => {
  if (t.bound.length === 2) {
    if (t.bound[0] && !t.bound[1]) return valueKey(answer[0]);
    if (!t.bound[0] && t.bound[1]) return valueKey(answer[1]);
  }
  const vals: unknown[] = [];
  for (let i = 0; i < t.bound.length; i++) if (t.bound[i]) vals.push(answer[i]);
  return tupleKey(vals);
};

function tableFor(state: Fixpoint, name: string, mask: readonly boolean[]): Table {
  const key = `${name}/${mask.map((b) => (b ? 'b' : 'f')).join('')}`;
  let t = state.tables.get(key);
  if (t === undefined) {
    t = { name, bound: mask, demandKeys: new Set(), demand: [], processed: 0, answers: new Map(), byInput: new Map(), delta: [], next: new Map() };
    state.tables.set(key, t);
  }
  return t;
}

function addDemand(t: Table, rows: readonly unknown[][]): void {
  for (const r of rows) {
    const k = tupleKey(r);
    if (!t.demandKeys.has(k)) {
      t.demandKeys.add(k);
      t.demand.push(r);
    }
  }
}

/** Answer tuples as a relation over the call's variables (constants filter, blanks drop). */
function answersRelation(c: RuleCall, answers: Iterable<readonly unknown[]>, distinct = false): Relation {
  const vars = ruleCallVars(c);
  // position -> column, or -1 for a constant to check, or -2 to ignore (blank)
  const cols = c.args.map((a) => (a.kind === 'var' ? vars.indexOf(a.name) : a.kind === 'const' ? -1 : -2));
  const constKeys = c.args.map((a) => (a.kind === 'const' ? valueKey(a.value) : undefined));
  const simple = cols.every((x, i) => x === i) && cols.length === vars.length;
  const rows: unknown[][] = [];
  for (const ans of answers) {
    if (simple) {
      rows.push(ans as unknown[]);
      continue;
    }
    const row = new Array<unknown>(vars.length);
    const set = new Array<boolean>(vars.length).fill(false);
    let ok = true;
    for (let i = 0; i < cols.length && ok; i++) {
      const j = cols[i]!;
      if (j === -1) ok = valueKey(ans[i]) === constKeys[i];
      else if (j >= 0) {
        if (set[j] && valueKey(row[j]) !== valueKey(ans[i])) ok = false;
        row[j] = ans[i];
        set[j] = true;
      }
    }
    if (ok) rows.push(row);
  }
  return { vars, rows, distinct: distinct && simple };
}

/**
 * A call into the component being solved. In full mode it registers its demand and reads the
 * answers recorded for it; in delta mode (semi-naive) it reads only the previous round's new
 * answers of every table of that rule, needing no demand: full-mode calls registered it.
 */
function lookup(c: RuleCall, env: Env, ctx: Ctx): Ctx {
  const fix = env.fix!;
  if (fix.deltaAt === c) {
    const rows: unknown[][] = [];
    for (const t of fix.state.tables.values()) if (t.name === c.name) for (const r of t.delta) rows.push(r);
    return addRelation(ctx, answersRelation(c, rows));
  }
  const { mask, rows, merged, rest } = demandOf(c, ctx);
  // A table of this rule with nothing bound computes every answer anyway: read it instead of
  // demanding a narrower one (plain semi-naive evaluation for an unrestricted call).
  const free = fix.state.tables.get(`${c.name}/${mask.map(() => 'f').join('')}`);
  if (free !== undefined) return { rels: [...rest, join(merged, answersRelation(c, free.answers.values()))] };
  const t = tableFor(fix.state, c.name, mask);
  addDemand(t, rows);
  const found: unknown[][] = [];
  for (const r of rows) {
    const g = t.byInput.get(tupleKey(r));
    if (g !== undefined) for (const a of g) found.push(a);
  }
  return { rels: [...rest, join(merged, answersRelation(c, found))] };
}

function recursiveCalls(clauses: readonly Clause[], scc: ReadonlySet<string>, out: Clause[]): Clause[] {
  for (const c of clauses) {
    if (c.kind === 'rule' && scc.has(c.name)) out.push(c);
    else if (c.kind === 'or' || c.kind === 'or-join') for (const b of c.branches) recursiveCalls(b, scc, out);
  }
  return out;
}

function* evalBranch(b: RuleBranch, t: Table, demand: readonly unknown[][], env: Env, state: Fixpoint, deltaAt: Clause | null): Step<unknown[][]> {
  const boundHeads = b.head.filter((_, i) => t.bound[i]);
  const inVars = [...new Set(boundHeads)];
  const slot = boundHeads.map((h) => inVars.indexOf(h));
  const rows: unknown[][] = [];
  for (const d of demand) {
    const row = new Array<unknown>(inVars.length);
    let ok = true;
    for (let j = 0; j < slot.length; j++) {
      const k = slot[j]!;
      if (row[k] !== undefined && valueKey(row[k]) !== valueKey(d[j])) ok = false;
      row[k] = d[j];
    }
    if (ok) rows.push(row);
  }
  const benv: Env = { ...env, fix: { state, deltaAt } };
  const res = yield* evalClauses(b.body, benv, { rels: [{ vars: inVars, rows }] }, b.head);
  if (isEmpty(res)) return [];
  const heads = [...new Set(b.head)];
  const { merged } = mergeFor(res, heads);
  const missing = heads.filter((h) => !merged.vars.includes(h));
  if (missing.length > 0) {
    fail('query/insufficient-binding', `Insufficient bindings: rule '${b.name}' does not bind ${missing.join(', ')}`, { rule: b.name, vars: missing });
  }
  // No hash set here: the fixpoint's answer table removes duplicates as it records them.
  const cols = b.head.map((h) => merged.vars.indexOf(h));
  return merged.rows.map((r) => cols.map((c) => r[c]));
}

function* fixpoint(c: RuleCall, scc: ReadonlySet<string>, env: Env, ctx: Ctx): Step<Ctx> {
  const state: Fixpoint = { scc, tables: new Map() };
  const { mask, rows, merged, rest } = demandOf(c, ctx);
  const entry = tableFor(state, c.name, mask);
  addDemand(entry, rows);
  const recCalls = new Map<RuleBranch, Clause[]>();
  for (const name of scc) for (const b of env.rules.get(name)!) recCalls.set(b, recursiveCalls(b.body, scc, []));
  for (;;) {
    const tables = [...state.tables.values()];
    const anyDelta = tables.some((t) => t.delta.length > 0);
    const work = tables.map((t) => ({ t, old: t.demand.slice(0, t.processed), fresh: t.demand.slice(t.processed) }));
    for (const t of tables) t.processed = t.demand.length;
    for (const { t, old, fresh } of work) {
      const branches = env.rules.get(t.name)!;
      const add = (found: unknown[][]): void => {
        for (const r of found) {
          const k = tupleKey(r);
          if (!t.answers.has(k)) t.next.set(k, r);
        }
      };
      if (fresh.length > 0) for (const b of branches) add(yield* evalBranch(b, t, fresh, env, state, null));
      if (!anyDelta || old.length === 0) continue;
      for (const b of branches) for (const call of recCalls.get(b)!) add(yield* evalBranch(b, t, old, env, state, call));
    }
    let changed = false;
    for (const t of state.tables.values()) {
      t.delta = [];
      for (const [k, r] of t.next) {
        if (t.answers.has(k)) continue;
        t.answers.set(k, r);
        t.delta.push(r);
        if (!t.bound.includes(true)) continue; // nothing bound: lookups read `answers` whole
        const ik = inputKey(t, r);
        const g = t.byInput.get(ik);
        if (g === undefined) t.byInput.set(ik, [r]);
        else g.push(r);
      }
      t.next = new Map();
      if (t.delta.length > 0 || t.processed < t.demand.length) changed = true;
    }
    if (!changed) break;
  }
  const answers = answersRelation(c, entry.answers.values(), true);
  return merged === UNIT ? addRelation({ rels: rest }, answers) : { rels: [...rest, join(merged, answers)] };
}
