// Built-in predicates and functions usable in `[(f ...)]` clauses (Datahike's `built-ins`
// in `datahike.query`). Each entry declares its arity so a wrong call fails at parse
// time of the clause with 'query/arity', not as a JS TypeError deep in a loop.
//
// Conventions: keyword values are ':ns/name' strings, so `name`/`namespace` split them; an
// attribute argument (`:person/name`) arrives as ':person/name' and is stripped to the Db's
// colon-less form. Functions that read the Db (get-else, get-some, missing?) may return a
// Promise; the engine batches those per clause.

import { CairnError, fail, show } from '../util/errors.js';
import type { MaybePromise } from '../util/maybe.js';
import { allOf as all, andThen as then } from './run.js';
import { entidAs } from '../db/entid.js';
import type { Db, EntityRef } from '../db/types.js';
import { comparable, compareValues, valuesEqual } from './values.js';
import { reFind, reMatches, reReplace, reSeq, reSplit, userRegex } from './regex.js';
import { getOwn } from '../util/objects.js';
import { isBytes, isDate, isMap, isSet } from '../util/brands.js';

export interface BuiltinEnv {
  /** Runs a nested query (`[(q query $ ...) ?res]`). */
  readonly q: (query: unknown, inputs: readonly unknown[]) => Promise<unknown>;
}

export interface Builtin {
  readonly min: number;
  readonly max: number; // Infinity when variadic
  readonly fn: (args: readonly unknown[], env: BuiltinEnv) => MaybePromise<unknown>;
}

const f = (min: number, max: number, fn: Builtin['fn']): Builtin => ({ min, max, fn });
const V = Infinity;

const attrName = (a: unknown): string => {
  if (typeof a !== 'string') fail('query/invalid-input', `Expected an attribute keyword, got ${show(a)}`, { value: a });
  return a.startsWith(':') ? a.slice(1) : a;
};

const asDb = (x: unknown, fn: string): Db => {
  if (x === null || typeof x !== 'object' || typeof (x as Db).search !== 'function') {
    fail('query/invalid-input', `${fn} needs a database as its first argument, got ${show(x)}`, { fn });
  }
  return x as Db;
};

function entityOf(db: Db, e: unknown): MaybePromise<number | null> {
  if (typeof e === 'number') return e;
  return entidAs(db, e as EntityRef, 'query/lookup-ref');
}

function chain(args: readonly unknown[], ok: (a: unknown, b: unknown) => boolean): boolean {
  for (let i = 0; i + 1 < args.length; i++) if (!ok(args[i], args[i + 1])) return false;
  return true;
}
const ordered =
  (test: (c: number) => boolean) =>
  (args: readonly unknown[]): boolean =>
    chain(args, (a, b) => comparable(a, b) && test(compareValues(a, b)));

// Arithmetic stays in numbers unless a bigint is involved, then in bigints (integers only).
function arith(op: (a: number, b: number) => number, bop: (a: bigint, b: bigint) => bigint, unit: number) {
  return (args: readonly unknown[]): unknown => {
    const xs = args.map(num);
    if (xs.length === 0) return unit;
    if (xs.some((x) => typeof x === 'bigint')) {
      const bs = xs.map((x) => (typeof x === 'bigint' ? x : BigInt(x)));
      return bs.length === 1 ? bop(BigInt(unit), bs[0]!) : bs.reduce(bop);
    }
    const ns = xs as number[];
    return ns.length === 1 ? op(unit, ns[0]!) : ns.reduce(op);
  };
}
function num(x: unknown): number | bigint {
  if (typeof x === 'number' || typeof x === 'bigint') return x;
  if (isDate(x)) return x.getTime();
  throw new CairnError('query/execution', `Expected a number, got ${show(x)}`, { value: show(x) });
}
const int = (x: unknown): number => {
  const n = num(x);
  return typeof n === 'bigint' ? Number(n) : n;
};

function str(x: unknown): string {
  if (x === null || x === undefined) return '';
  if (isDate(x)) return x.toISOString();
  if (Array.isArray(x)) return `[${x.map(prStr).join(' ')}]`;
  return String(x);
}
function prStr(x: unknown): string {
  if (typeof x === 'string') return x.startsWith(':') ? x : JSON.stringify(x);
  if (x === null || x === undefined) return 'nil';
  if (typeof x === 'bigint') return `${x}N`;
  return str(x);
}

/** re-pattern: a RegExp (it may be returned to the caller), checked by the engine that will run it. */
function rePattern(x: unknown): RegExp {
  userRegex(x, 're-pattern');
  if (x instanceof RegExp) return x;
  try {
    return new RegExp(x as string);
  } catch (e) {
    return fail('query/execution', `re-pattern: ${show(x)} is a pattern JS cannot represent as a RegExp: ${e instanceof Error ? e.message : show(e)}`);
  }
}

function count(x: unknown): number {
  if (x === null || x === undefined) return 0;
  if (typeof x === 'string' || Array.isArray(x)) return x.length;
  if (isSet(x) || isMap(x)) return x.size;
  if (isBytes(x)) return x.length;
  if (typeof x === 'object') return Object.keys(x).length;
  return fail('query/execution', `count not supported on ${show(x)}`);
}

function range(args: readonly unknown[]): number[] {
  const [start, end, step] = args.length === 1 ? [0, int(args[0]), 1] : [int(args[0]), int(args[1]), args.length > 2 ? int(args[2]) : 1];
  if (step === 0) fail('query/execution', 'range step must not be 0');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
  return out;
}

function kwParts(x: unknown): { ns: string | null; name: string } {
  const s = typeof x === 'string' ? (x.startsWith(':') ? x.slice(1) : x) : fail('query/execution', `Expected a keyword or string, got ${show(x)}`);
  const i = s.indexOf('/');
  return i > 0 ? { ns: s.slice(0, i), name: s.slice(i + 1) } : { ns: null, name: s };
}

const string = (x: unknown, fn: string): string => (typeof x === 'string' ? x : fail('query/execution', `${fn} expects a string, got ${show(x)}`));

const truthy = (x: unknown): boolean => x !== null && x !== undefined && x !== false;

function typeName(x: unknown): string {
  if (x === null || x === undefined) return 'nil';
  if (isDate(x)) return 'date';
  if (Array.isArray(x)) return 'vector';
  if (isBytes(x)) return 'bytes';
  if (typeof x === 'string' && x.startsWith(':')) return 'keyword';
  return typeof x;
}

function getElse(args: readonly unknown[]): MaybePromise<unknown> {
  const [src, e, attr, dflt] = args;
  const db = asDb(src, 'get-else');
  if (dflt === null || dflt === undefined) fail('query/execution', 'get-else: nil default value is not supported', {});
  const a = attrName(attr);
  if (db.schema.many.has(a)) fail('query/execution', `get-else: cardinality-many attribute ${a} is not supported`, { attr: a });
  return then(entityOf(db, e), (eid) => (eid === null ? dflt : then(db.search(eid, a), (ds) => (ds.length > 0 ? ds[0]!.v : dflt))));
}

function getSome(args: readonly unknown[]): MaybePromise<unknown> {
  const [src, e, ...attrs] = args;
  const db = asDb(src, 'get-some');
  return then(entityOf(db, e), (eid) => {
    if (eid === null) return null;
    const names = attrs.map(attrName);
    return then(all(names.map((a) => db.search(eid, a))), (found) => {
      for (let i = 0; i < names.length; i++) if (found[i]!.length > 0) return [names[i], found[i]![0]!.v];
      return null;
    });
  });
}

/** 'ns/_attr' -> 'ns/attr' (a reverse reference), else null. */
function reverseOf(a: string): string | null {
  const slash = a.indexOf('/');
  const local = slash === -1 ? a : a.slice(slash + 1);
  if (local.charCodeAt(0) !== 95 /* _ */ || local.length < 2) return null;
  return slash === -1 ? local.slice(1) : `${a.slice(0, slash)}/${local.slice(1)}`;
}

function missing(args: readonly unknown[]): MaybePromise<boolean> {
  const [src, e, attr] = args;
  const db = asDb(src, 'missing?');
  const a = attrName(attr);
  const forward = reverseOf(a);
  if (forward !== null && !db.schema.attrs.has(a)) {
    // :ns/_attr asks whether no entity points here through :ns/attr (DataScript accepts it too)
    return then(entityOf(db, e), (eid) => (eid === null ? true : then(db.search(undefined, forward, eid), (ds) => ds.length === 0)));
  }
  return then(entityOf(db, e), (eid) => (eid === null ? true : then(db.search(eid, a), (ds) => ds.length === 0)));
}

const strFns: Record<string, Builtin> = {
  'blank?': f(1, 1, ([s]) => s === null || s === undefined || string(s, 'blank?').trim() === ''),
  'includes?': f(2, 2, ([s, t]) => string(s, 'includes?').includes(string(t, 'includes?'))),
  'starts-with?': f(2, 2, ([s, t]) => string(s, 'starts-with?').startsWith(string(t, 'starts-with?'))),
  'ends-with?': f(2, 2, ([s, t]) => string(s, 'ends-with?').endsWith(string(t, 'ends-with?'))),
  'lower-case': f(1, 1, ([s]) => string(s, 'lower-case').toLowerCase()),
  'upper-case': f(1, 1, ([s]) => string(s, 'upper-case').toUpperCase()),
  capitalize: f(1, 1, ([s]) => {
    const x = string(s, 'capitalize');
    return x.slice(0, 1).toUpperCase() + x.slice(1).toLowerCase();
  }),
  trim: f(1, 1, ([s]) => string(s, 'trim').trim()),
  triml: f(1, 1, ([s]) => string(s, 'triml').trimStart()),
  trimr: f(1, 1, ([s]) => string(s, 'trimr').trimEnd()),
  reverse: f(1, 1, ([s]) => [...string(s, 'reverse')].reverse().join('')),
  join: f(1, 2, (a) => (a.length === 1 ? (a[0] as unknown[]).map(str).join('') : (a[1] as unknown[]).map(str).join(str(a[0])))),
  split: f(2, 2, ([s, re]) => (typeof re === 'string' ? string(s, 'split').split(re) : reSplit(userRegex(re, 'split'), string(s, 'split')))),
  replace: f(3, 3, ([s, m, r]) =>
    m instanceof RegExp
      ? reReplace(userRegex(m, 'replace'), string(s, 'replace'), string(r, 'replace'))
      : string(s, 'replace').replaceAll(string(m, 'replace'), () => string(r, 'replace')),
  ),
  'index-of': f(2, 2, ([s, t]) => {
    const i = string(s, 'index-of').indexOf(string(t, 'index-of'));
    return i < 0 ? null : i;
  }),
};

const core: Record<string, Builtin> = {
  '=': f(1, V, (a) => chain(a, valuesEqual)),
  // Loose equality on purpose: numerically equal number and bigint (1 and 1n) are ==.
  '==': f(1, V, (a) => chain(a, (x, y) => num(x) == num(y))),
  'not=': f(1, V, (a) => !chain(a, valuesEqual)),
  '!=': f(1, V, (a) => !chain(a, valuesEqual)),
  '<': f(
    1,
    V,
    ordered((c) => c < 0),
  ),
  '>': f(
    1,
    V,
    ordered((c) => c > 0),
  ),
  '<=': f(
    1,
    V,
    ordered((c) => c <= 0),
  ),
  '>=': f(
    1,
    V,
    ordered((c) => c >= 0),
  ),
  'before?': f(
    2,
    2,
    ordered((c) => c < 0),
  ),
  'after?': f(
    2,
    2,
    ordered((c) => c > 0),
  ),
  '+': f(
    0,
    V,
    arith(
      (a, b) => a + b,
      (a, b) => a + b,
      0,
    ),
  ),
  '*': f(
    0,
    V,
    arith(
      (a, b) => a * b,
      (a, b) => a * b,
      1,
    ),
  ),
  '-': f(
    1,
    V,
    arith(
      (a, b) => a - b,
      (a, b) => a - b,
      0,
    ),
  ),
  '/': f(
    1,
    V,
    arith(
      (a, b) => a / b,
      (a, b) => a / b,
      1,
    ),
  ),
  quot: f(2, 2, ([a, b]) => {
    const x = num(a);
    const y = num(b);
    return typeof x === 'bigint' || typeof y === 'bigint' ? BigInt(x) / BigInt(y) : Math.trunc(x / y);
  }),
  rem: f(2, 2, ([a, b]) => {
    const x = num(a);
    const y = num(b);
    return typeof x === 'bigint' || typeof y === 'bigint' ? BigInt(x) % BigInt(y) : x % y;
  }),
  mod: f(2, 2, ([a, b]) => {
    const x = num(a);
    const y = num(b);
    if (typeof x === 'bigint' || typeof y === 'bigint') {
      const r = BigInt(x) % BigInt(y);
      return r !== 0n && r < 0n !== BigInt(y) < 0n ? r + BigInt(y) : r;
    }
    const r = x % y;
    return r !== 0 && r < 0 !== y < 0 ? r + y : r;
  }),
  inc: f(1, 1, ([a]) => {
    const x = num(a);
    return typeof x === 'bigint' ? x + 1n : x + 1;
  }),
  dec: f(1, 1, ([a]) => {
    const x = num(a);
    return typeof x === 'bigint' ? x - 1n : x - 1;
  }),
  max: f(1, V, (a) => a.reduce((x, y) => (compareValues(y, x) > 0 ? y : x))),
  min: f(1, V, (a) => a.reduce((x, y) => (compareValues(y, x) < 0 ? y : x))),
  'zero?': f(1, 1, ([a]) => num(a) == 0),
  'pos?': f(1, 1, ([a]) => num(a) > 0),
  'neg?': f(1, 1, ([a]) => num(a) < 0),
  'even?': f(1, 1, ([a]) => {
    const x = num(a);
    return typeof x === 'bigint' ? x % 2n === 0n : x % 2 === 0;
  }),
  'odd?': f(1, 1, ([a]) => {
    const x = num(a);
    return typeof x === 'bigint' ? x % 2n !== 0n : Math.abs(x % 2) === 1;
  }),
  compare: f(2, 2, ([a, b]) => Math.sign(compareValues(a, b))),
  rand: f(0, 1, (a) => Math.random() * (a.length > 0 ? int(a[0]) : 1)),
  'rand-int': f(1, 1, ([a]) => Math.floor(Math.random() * int(a))),
  'true?': f(1, 1, ([a]) => a === true),
  'false?': f(1, 1, ([a]) => a === false),
  'nil?': f(1, 1, ([a]) => a === null || a === undefined),
  'some?': f(1, 1, ([a]) => a !== null && a !== undefined),
  not: f(1, 1, ([a]) => !truthy(a)),
  and: f(0, V, (a) => {
    let r: unknown = true;
    for (const x of a) {
      r = x;
      if (!truthy(x)) return x;
    }
    return r;
  }),
  or: f(0, V, (a) => {
    for (const x of a) if (truthy(x)) return x;
    return a.length > 0 ? a[a.length - 1] : null;
  }),
  complement: f(
    1,
    1,
    ([g]) =>
      (...xs: unknown[]) =>
        !truthy((g as (...y: unknown[]) => unknown)(...xs)),
  ),
  'identical?': f(2, 2, ([a, b]) => a === b),
  identity: f(1, 1, ([a]) => a),
  ground: f(1, 1, ([a]) => a),
  meta: f(1, 1, () => null),
  name: f(1, 1, ([a]) => kwParts(a).name),
  namespace: f(1, 1, ([a]) => kwParts(a).ns),
  type: f(1, 1, ([a]) => typeName(a)),
  vector: f(0, V, (a) => [...a]),
  list: f(0, V, (a) => [...a]),
  tuple: f(0, V, (a) => [...a]),
  untuple: f(1, 1, ([a]) => a),
  set: f(1, 1, ([a]) => new Set(a as Iterable<unknown>)),
  'hash-map': f(0, V, (a) => {
    const m = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < a.length; i += 2) m.set(a[i], a[i + 1]);
    return m;
  }),
  'array-map': f(0, V, (a) => {
    const m = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < a.length; i += 2) m.set(a[i], a[i + 1]);
    return m;
  }),
  count: f(1, 1, ([a]) => count(a)),
  range: f(1, 3, range),
  'not-empty': f(1, 1, ([a]) => (count(a) === 0 ? null : a)),
  'empty?': f(1, 1, ([a]) => count(a) === 0),
  'contains?': f(2, 2, ([c, k]) =>
    isSet(c) || isMap(c)
      ? c.has(k)
      : Array.isArray(c)
        ? typeof k === 'number' && k >= 0 && k < c.length
        : typeof c === 'object' && c !== null
          ? Object.hasOwn(c, String(k))
          : false,
  ),
  get: f(2, 3, ([c, k, d]) => {
    const v = isMap(c)
      ? c.get(k)
      : Array.isArray(c)
        ? c[k as number]
        : typeof c === 'object' && c !== null
          ? getOwn(c as Record<string, unknown>, String(k))
          : undefined;
    return v === undefined ? (d ?? null) : v;
  }),
  str: f(0, V, (a) => a.map(str).join('')),
  'pr-str': f(0, V, (a) => a.map(prStr).join(' ')),
  'print-str': f(0, V, (a) => a.map(str).join(' ')),
  'println-str': f(0, V, (a) => `${a.map(str).join(' ')}\n`),
  'prn-str': f(0, V, (a) => `${a.map(prStr).join(' ')}\n`),
  subs: f(2, 3, ([s, start, end]) => string(s, 'subs').slice(int(start), end === undefined ? undefined : int(end))),
  're-pattern': f(1, 1, ([s]) => rePattern(s)),
  're-find': f(2, 2, ([re, s]) => reFind(userRegex(re, 're-find'), string(s, 're-find'))),
  're-matches': f(2, 2, ([re, s]) => reMatches(userRegex(re, 're-matches'), string(s, 're-matches'))),
  're-seq': f(2, 2, ([re, s]) => reSeq(userRegex(re, 're-seq'), string(s, 're-seq'))),
  '-differ?': f(0, V, (a) => {
    const h = a.length / 2;
    return a.slice(0, h).some((x, i) => !valuesEqual(x, a[h + i]));
  }),
  'get-else': f(4, 4, getElse),
  'get-some': f(3, V, getSome),
  'missing?': f(3, 3, missing),
  q: f(1, V, ([query, ...inputs], env) => env.q(query, inputs)),
};

// Built at first evaluation but marked pure, so a bundle that never queries drops the table.
const builtins = /* @__PURE__ */ (() => {
  const table = new Map<string, Builtin>(Object.entries(core));
  for (const [k, v] of Object.entries(strFns)) {
    table.set(`clojure.string/${k}`, v);
    table.set(`str/${k}`, v);
  }
  return table;
})();

/** The built-in named `name`, or undefined. */
export function builtin(name: string): Builtin | undefined {
  return builtins.get(name);
}
