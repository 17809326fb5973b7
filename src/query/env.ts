// The per-execution environment shared by every clause evaluator: sources by name, rules and
// their recursion analysis, the nested-query hook, and (inside a recursive rule's fixpoint) the
// tables of that fixpoint. Immutable: a nested scope gets a copy with its own default source.

import type { Clause, Rules } from './ast.js';
import type { Budget } from './budget.js';
import type { BuiltinEnv } from './builtins.js';
import type { Trace } from './explain.js';
import type { Source } from './source.js';
import type { Key } from './values.js';

/** One memo table of a semi-naive fixpoint: a rule called with some positions bound. */
export interface Table {
  readonly name: string;
  readonly bound: readonly boolean[]; // which head positions the demand binds
  readonly demandKeys: Set<Key>; // every demanded input (values of the bound positions)...
  readonly demand: unknown[][]; // ...in the order demanded
  processed: number; // demand[0, processed) has been evaluated at least once
  readonly answers: Map<Key, unknown[]>; // full-arity head tuples found so far
  readonly byInput: Map<Key, unknown[][]>; // the same answers grouped by their bound positions
  delta: unknown[][]; // answers added in the previous round
  next: Map<Key, unknown[]>; // answers found this round, committed at its end
}

export interface Fixpoint {
  readonly scc: ReadonlySet<string>;
  readonly tables: Map<string, Table>;
}

export interface RuleInfo {
  /** Rule name -> the names of every rule in its strongly connected component, for recursive rules only. */
  readonly recursive: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface Env {
  readonly sources: ReadonlyMap<string, Source>;
  readonly defaultSrc: string;
  readonly rules: Rules;
  readonly ruleInfo: RuleInfo;
  readonly scalars: ReadonlyMap<string, unknown>; // :in scalars, for function-valued variables
  readonly builtinEnv: BuiltinEnv;
  readonly fresh: { n: number };
  /** Set while evaluating a rule body inside a fixpoint; `deltaAt` reads the callee's delta. */
  readonly fix: { readonly state: Fixpoint; readonly deltaAt: Clause | null } | null;
  /** Rule call -> its expansion into an or-join (non-recursive rules), made once per execution. */
  readonly expansions: WeakMap<Clause, Clause>;
  /** Set by explain(): every evaluated clause is recorded here (explain.ts). */
  readonly trace?: Trace;
  /** The time budget of this execution (map form `timeout` / `signal`), or null. */
  readonly budget?: Budget | null;
}
