// What a live query reads, decided from its parsed form, so a commit re-runs only the queries
// it can affect (docs/architecture.md, decision 14).
//
// Representation: `Deps` is either `all` (re-run on every commit) or, per attribute, either
// 'any' (every datom of the attribute matters) or a list of matchers, one per data pattern, each
// restricting the entity and/or the value to a few constants. An `entities` set matches datoms
// of any attribute on those entities (a wildcard pull of one entity).
//
// Soundness (the invariant everything here keeps): if a commit can change the result, some
// datom of the commit matches the deps. A query's result is a function of the datoms matching
// each of its data patterns, so covering every pattern that reads the live source (in rules,
// `not`, `or`, pull patterns and functions that take the source too) is enough. Whenever a
// constant is resolved through other data (a lookup ref, a keyword value of a ref attribute)
// the match falls back to the attribute, plus the lookup attribute. Commits that touch the schema
// (`db/...` attributes other than `db/txInstant`) re-run everything: idents and value types
// decide how constants resolve. When in doubt: `all`.

import type { Schema, ValueType } from '../db/types.js';
import type { AttrSpec, PullPattern } from '../pull/index.js';
import type { Clause, FindElem, Query, Rules, Term } from '../query/ast.js';
import { findElems } from '../query/ast.js';
import { stripColon } from '../query/source.js';
import { isDate } from '../util/brands.js';

export interface Matcher {
  /** Entity ids the datom's e must be one of; null: any entity. */
  readonly e: readonly number[] | null;
  /** Values the datom's v must equal one of (see `sameDatomValue`); null: any value. */
  readonly v: readonly unknown[] | null;
}

export type Deps =
  | { readonly all: true }
  | {
      readonly all: false;
      readonly attrs: ReadonlyMap<string, 'any' | readonly Matcher[]>;
      readonly entities: ReadonlySet<number>;
    };

export const ALL: Deps = /* @__PURE__ */ Object.freeze({ all: true });

/** Inputs bound to variables: name -> the values it may take (a scalar, or a collection). */
export type Bound = ReadonlyMap<string, readonly unknown[]>;

/** Past this many constants a matcher keeps only the attribute (a big `[?x ...]` input). */
const MAX_CONSTANTS = 256;

/** Attributes whose datoms change how everything else resolves. */
export function touchesSchema(attr: string): boolean {
  return (attr.startsWith('db/') && attr !== 'db/txInstant') || attr.startsWith('db.');
}

class Collector {
  all = false;
  readonly attrs = new Map<string, 'any' | Matcher[]>();
  readonly entities = new Set<number>();

  any(attr: string): void {
    this.attrs.set(attr, 'any');
  }

  match(attr: string, m: Matcher): void {
    if (m.e === null && m.v === null) {
      this.any(attr);
      return;
    }
    const cur = this.attrs.get(attr);
    if (cur === 'any') return;
    if (cur === undefined) this.attrs.set(attr, [m]);
    else cur.push(m);
  }

  deps(): Deps {
    return this.all ? ALL : { all: false, attrs: this.attrs, entities: this.entities };
  }
}

const isLookupRef = (x: unknown): x is readonly [string, unknown] => Array.isArray(x) && x.length === 2 && typeof x[0] === 'string';

/**
 * Can a datom's stored value be compared with this constant as given? Only where the query
 * engine would not convert it first (idents and lookup refs of ref attributes, uuid strings,
 * floats, values of undeclared attributes): there the attribute alone is matched.
 */
function comparable(x: unknown, type: ValueType | undefined): boolean {
  switch (type) {
    case 'db.type/string':
    case 'db.type/keyword':
      return typeof x === 'string';
    case 'db.type/boolean':
      return typeof x === 'boolean';
    case 'db.type/long':
    case 'db.type/bigint':
    case 'db.type/double':
    case 'db.type/number':
      return typeof x === 'number' || typeof x === 'bigint';
    case 'db.type/instant':
      return isDate(x);
    case 'db.type/ref':
      return typeof x === 'number';
    default:
      return false;
  }
}

/** Constants the value position may take; null when only the attribute can be matched. */
function valueConsts(xs: readonly unknown[], attr: string, schema: Schema, out: Collector): unknown[] | null {
  if (xs.length > MAX_CONSTANTS) return null;
  const type = schema.attrs.get(attr)?.valueType;
  let exact = true;
  for (const x of xs) {
    if (isLookupRef(x)) out.any(stripColon(x[0]));
    if (!comparable(x, type)) exact = false;
  }
  return exact ? [...xs] : null;
}

/** Constants the entity position may take; null when only the attribute can be matched. */
function entityConsts(xs: readonly unknown[], out: Collector): number[] | null {
  if (xs.length > MAX_CONSTANTS) return null;
  let exact = true;
  for (const x of xs) {
    if (isLookupRef(x)) out.any(stripColon(x[0]));
    if (typeof x !== 'number') exact = false;
  }
  return exact ? (xs as number[]) : null;
}

function termValues(t: Term | undefined, bound: Bound | null): readonly unknown[] | null {
  if (t === undefined) return null;
  if (t.kind === 'const') return [t.value];
  if (t.kind === 'var') return bound?.get(t.name) ?? null;
  return null;
}

/** A pull pattern's reads; `eid` (a top-level entity id) narrows its own attributes to it. */
export function pullDeps(p: PullPattern, schema: Schema, out: Collector, eid: number | null): void {
  if (p.wildcard) {
    // `*` reads every attribute of the entity, and whole components below it.
    if (eid === null || schema.components.size > 0) {
      out.all = true;
      return;
    }
    out.entities.add(eid);
  }
  let recurse = false;
  const spec = (s: AttrSpec, reverse: boolean): void => {
    out.match(s.attr, eid === null ? { e: null, v: null } : reverse ? { e: null, v: [eid] } : { e: [eid], v: null });
    if (s.sub?.kind === 'pattern') pullDeps(s.sub.pattern, schema, out, null);
    else if (s.sub?.kind === 'recurse') recurse = true;
    else if (!reverse && schema.components.has(s.attr)) out.all = true; // a component is pulled whole
  };
  for (const s of p.attrs) spec(s, false);
  for (const s of p.reverse) spec(s, true);
  // Recursion applies this same pattern to the entities it reaches.
  if (recurse && eid !== null) pullDeps(p, schema, out, null);
}

export interface QueryDepsInput {
  readonly query: Query;
  /** Source names bound to the live connection's current value. */
  readonly live: ReadonlySet<string>;
  readonly bound: Bound;
  readonly rules: Rules;
  readonly schema: Schema;
  /** Compile a pull pattern found in :find (the constant or its bound input). */
  readonly compilePull: (pattern: unknown) => PullPattern;
}

export function queryDeps(input: QueryDepsInput): Deps {
  const out = new Collector();
  const { live, rules, schema } = input;
  const expanded = new Set<string>();
  const resolve = (name: string | null, dflt: string): string => (name === null || name === '$' ? dflt : name);
  const only = (bound: Bound | null, vars: readonly string[]): Bound | null => (bound === null ? null : new Map([...bound].filter(([k]) => vars.includes(k))));

  const walk = (clauses: readonly Clause[], dflt: string, bound: Bound | null): void => {
    for (const c of clauses) {
      if (out.all) return;
      switch (c.kind) {
        case 'pattern': {
          if (!live.has(resolve(c.src, dflt))) break;
          const a = c.terms[1];
          if (a === undefined || a.kind !== 'const' || (a.keyword === undefined && typeof a.value !== 'string')) {
            out.all = true;
            break;
          }
          const attr = a.keyword ?? stripColon(a.value as string);
          const es = termValues(c.terms[0], bound);
          const vs = termValues(c.terms[2], bound);
          out.match(attr, { e: es === null ? null : entityConsts(es, out), v: vs === null ? null : valueConsts(vs, attr, schema, out) });
          break;
        }
        case 'pred':
        case 'fn': {
          const reads = c.args.some((x) => x.kind === 'src' && live.has(resolve(x.name, dflt)));
          if (!reads) break;
          if (c.fn !== 'get-else' && c.fn !== 'get-some' && c.fn !== 'missing?') {
            out.all = true;
            break;
          }
          // (fn $ entity attr...): the attributes are the arguments after the entity.
          const [, e, ...rest] = c.args;
          if (e?.kind === 'const' && isLookupRef(e.value)) out.any(stripColon(e.value[0]));
          const attrs = c.fn === 'get-else' ? rest.slice(0, 1) : rest;
          for (const x of attrs) {
            if (x.kind === 'const' && typeof x.value === 'string') out.any(stripColon(x.value));
            else out.all = true;
          }
          break;
        }
        case 'rule': {
          const src = c.src === null ? dflt : c.src;
          const key = `${c.name}\u0000${src}`;
          if (expanded.has(key)) break;
          expanded.add(key);
          for (const br of rules.get(c.name) ?? []) walk(br.body, src, null);
          break;
        }
        case 'not':
          walk(c.clauses, c.src ?? dflt, bound);
          break;
        case 'not-join':
          walk(c.clauses, c.src ?? dflt, only(bound, c.vars));
          break;
        case 'or':
          for (const b of c.branches) walk(b, c.src ?? dflt, bound);
          break;
        case 'or-join':
          for (const b of c.branches) walk(b, c.src ?? dflt, only(bound, c.vars));
          break;
        default: {
          const never: never = c;
          throw new Error(`unreachable clause ${String(never)}`);
        }
      }
    }
  };

  walk(input.query.where, '$', input.bound);
  for (const el of findElems(input.query.find)) findDeps(el);
  return out.deps();

  function findDeps(el: FindElem): void {
    if (el.kind !== 'find-pull' || out.all || !live.has(resolve(el.src, '$'))) return;
    const values = el.pattern.kind === 'const' ? [el.pattern.value] : input.bound.get(el.pattern.name);
    if (values === undefined || values.length !== 1) {
      out.all = true;
      return;
    }
    pullDeps(input.compilePull(values[0]), schema, out, null);
  }
}

export function newCollector(): Collector {
  return new Collector();
}
export type { Collector };

/** Exact numeric equality of a number and a bigint (a long may be either). */
function sameNumber(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === typeof b) return a === b;
  const [n, big] = (typeof a === 'number' ? [a, b] : [b, a]) as [number, bigint];
  return Number.isInteger(n) && BigInt(n) === big;
}

/** Datom value equality for matchers: numbers and bigints by value, keywords with or without ':'. */
function sameDatomValue(stored: unknown, c: unknown): boolean {
  if (stored === c) return true;
  const ts = typeof stored,
    tc = typeof c;
  if ((ts === 'number' || ts === 'bigint') && (tc === 'number' || tc === 'bigint')) return sameNumber(stored as number | bigint, c as number | bigint);
  if (ts === 'string' && tc === 'string') return stripColon(stored as string) === stripColon(c as string);
  if (isDate(stored) && isDate(c)) return stored.getTime() === c.getTime();
  return false;
}

/** Can a datom (a, e, v) change a result with these deps? */
export function datomMatches(deps: Deps, a: string, e: number, v: unknown): boolean {
  if (deps.all) return true;
  if (deps.entities.has(e)) return true;
  const m = deps.attrs.get(a);
  if (m === undefined) return false;
  if (m === 'any') return true;
  for (const x of m) {
    if (x.e !== null && !x.e.includes(e)) continue;
    if (x.v !== null && !x.v.some((c) => sameDatomValue(v, c))) continue;
    return true;
  }
  return false;
}
