// Aggregates for `:find` (Datahike's `built-in-aggregates`) and the
// registry of custom ones. An aggregate receives the column of values for one group (duplicates
// kept: the caller projects onto the find + :with variables first, with set semantics) and any
// constant arguments before the variable, e.g. `(min 3 ?x)` -> fn([3], values).
//
// The registry is per process, keyed by name; registering twice replaces (last one wins), so a
// hot-reloaded module does not throw. Built-in names cannot be shadowed by accident: a custom
// aggregate only wins over a built-in when registered under that exact name on purpose.

import { fail, show } from '../util/errors.js';
import { compareValues, valueKey, type Key } from './values.js';

export type AggregateFn = (values: unknown[], ...params: unknown[]) => unknown;

const toNumber = (v: unknown): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return fail('query/execution', `Aggregate expected a number, got ${show(v)}`, { value: show(v) });
};

function sum(xs: unknown[]): number | bigint {
  if (xs.some((x) => typeof x === 'bigint') && xs.every((x) => typeof x === 'bigint' || Number.isInteger(x))) {
    return xs.reduce<bigint>((a, x) => a + BigInt(x as number | bigint), 0n);
  }
  let s = 0;
  for (const x of xs) s += toNumber(x);
  return s;
}

function avg(xs: unknown[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) s += toNumber(x);
  return s / xs.length;
}

function variance(xs: unknown[]): number | null {
  const m = avg(xs);
  if (m === null) return null;
  let s = 0;
  for (const x of xs) s += (toNumber(x) - m) ** 2;
  return s / xs.length;
}

function median(xs: unknown[]): unknown {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort(compareValues);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid];
  return (toNumber(sorted[mid - 1]) + toNumber(sorted[mid])) / 2;
}

function distinctValues(xs: unknown[]): unknown[] {
  const seen = new Set<Key>();
  const out: unknown[] = [];
  for (const x of xs) {
    const k = valueKey(x);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(x);
    }
  }
  return out;
}

const nArg = (n: unknown, name: string): number => {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) fail('query/invalid-input', `(${name} n ?x) needs a non-negative integer n, got ${show(n)}`);
  return n;
};

function minMax(sign: 1 | -1, name: string): AggregateFn {
  return (xs, ...params) => {
    if (params.length === 0) {
      if (xs.length === 0) return null;
      let best = xs[0];
      for (const x of xs) if (sign * compareValues(x, best) < 0) best = x;
      return best;
    }
    const n = nArg(params[0], name);
    // duplicates count, and the n values come back in ascending order, as in DataScript and Datahike
    const sorted = [...xs].sort(compareValues);
    return sign === 1 ? sorted.slice(0, n) : sorted.slice(Math.max(0, sorted.length - n));
  };
}

function shuffle<T>(xs: T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const BUILT_IN: ReadonlyMap<string, AggregateFn> = new Map<string, AggregateFn>([
  ['count', (xs) => xs.length],
  ['count-distinct', (xs) => distinctValues(xs).length],
  ['sum', sum],
  ['avg', avg],
  ['median', median],
  ['variance', variance],
  [
    'stddev',
    (xs) => {
      const v = variance(xs);
      return v === null ? null : Math.sqrt(v);
    },
  ],
  ['min', minMax(1, 'min')],
  ['max', minMax(-1, 'max')],
  ['distinct', (xs) => distinctValues(xs)],
  [
    'rand',
    (xs, ...params) => {
      if (params.length === 0) return xs.length === 0 ? null : xs[Math.floor(Math.random() * xs.length)];
      const n = nArg(params[0], 'rand');
      return Array.from({ length: xs.length === 0 ? 0 : n }, () => xs[Math.floor(Math.random() * xs.length)]);
    },
  ],
  ['sample', (xs, ...params) => shuffle(distinctValues(xs)).slice(0, nArg(params[0], 'sample'))],
]);

const custom = new Map<string, AggregateFn>();

/** Register a custom aggregate, callable in `:find` as `(name ?x)` or `(name const... ?x)`. */
export function registerAggregate(name: string, fn: AggregateFn): void {
  if (typeof name !== 'string' || name.length === 0 || typeof fn !== 'function') {
    fail('query/invalid-input', `registerAggregate needs a name and a function, got ${show(name)}`, { name: show(name) });
  }
  custom.set(name, fn);
}

/** A built-in aggregate not overridden by a registration (its arity is checked at parse time). */
export const isBuiltInAggregate = (name: string): boolean => BUILT_IN.has(name) && !custom.has(name);

/** Custom registrations win, so an application can deliberately override a built-in. */
export function aggregateFn(name: string): AggregateFn | undefined {
  return custom.get(name) ?? BUILT_IN.get(name);
}
