// Pull patterns: the grammar, its parser, and the compiled form the executor walks.
//
// Grammar (Datomic pull syntax, as Datahike's datalog-parser accepts it):
//   pattern         := [spec*] | #{spec*}
//   spec            := attr-name | wildcard | attr-expr | map-spec
//   attr-name       := :ns/name | :ns/_name (reverse) | :db/id
//   wildcard        := * | :* | "*"
//   attr-expr       := [attr-name option+] | (attr-name option+)
//                    | (limit attr-name n-or-nil) | (default attr-name value)   ; legacy forms
//   option          := :as any | :limit (pos-int | nil) | :default any
//   map-spec        := {(attr-name | attr-expr) (pattern | recursion)+}
//   recursion       := ... | pos-int
//
// The same grammar is accepted from JS data (docs/api.md: attributes colon-less everywhere):
//   ['person/name', '*', 'db/id', 'person/_friend',
//    ['person/tags', 'limit', 10, 'as', 'tags'],            // option names with or without ':'
//    { 'person/friend': ['person/name'] },                  // map-spec as a plain object
//    { 'person/friend': '...' }, { 'person/friend': 2 },    // recursion
//    new Map([[['person/friend', 'limit', 2], ['person/name']]])]  // map-spec with an attr-expr key
// EDN values (from readEdn, or a `(pull ?e [...])` inside a query) and JS data may be mixed.
//
// Compiled form (invariants): every attribute is colon-less; a reverse spec stores the forward
// attribute in `attr` and the written name ('person/_friend') as its default `key`; `limit` is
// a positive integer or null (unlimited), 1000 unless given; a compiled pattern is immutable.

import { ednToJs } from '../edn/convert.js';
import { printEdn } from '../edn/printer.js';
import { readEdn } from '../edn/reader.js';
import { type EdnValue, Keyword, List, Sym } from '../edn/types.js';
import { CairnError, show } from '../util/errors.js';
import { isMap, isSet } from '../util/brands.js';

export const DEFAULT_LIMIT = 1000;

/** What a ref attribute's values are pulled with. */
export type SubPattern = { readonly kind: 'pattern'; readonly pattern: PullPattern } | { readonly kind: 'recurse'; readonly depth: number | null }; // null = unbounded (`...`)

export interface AttrSpec {
  /** Forward attribute, colon-less ('person/friend' also for the reverse 'person/_friend'). */
  readonly attr: string;
  readonly reverse: boolean;
  /** The result key: the `:as` alias, else the attribute as written ('person/_friend'). */
  readonly key: string;
  readonly limit: number | null;
  readonly hasDefault: boolean;
  readonly default: unknown;
  readonly sub: SubPattern | null;
}

export interface PullPattern {
  readonly wildcard: boolean;
  /** Result keys under which the entity id is reported (`:db/id`, possibly aliased). */
  readonly idKeys: readonly string[];
  /** Forward attribute specs in written order (a later spec for the same key wins). */
  readonly attrs: readonly AttrSpec[];
  readonly reverse: readonly AttrSpec[];
  /** Forward attributes named explicitly: the wildcard leaves these to their specs. */
  readonly explicit: ReadonlySet<string>;
}

/** `[*]`: what component expansion pulls. */
export const WILDCARD: PullPattern = /* @__PURE__ */ Object.freeze({
  wildcard: true,
  idKeys: ['db/id'],
  attrs: [],
  reverse: [],
  explicit: new Set<string>(),
});

// ---------------------------------------------------------------------------------------------
// Parsing

function describe(x: unknown): string {
  try {
    return printEdn(x as EdnValue);
  } catch {
    return show(x);
  }
}

function parseError(message: string, element: unknown): never {
  throw new CairnError('pull/parse', `${message}: ${describe(element)}`, { element: describe(element) });
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** A name written as a keyword or a string, colon-less; null when `x` is neither. */
function nameOf(x: unknown): string | null {
  if (x instanceof Keyword) return x.name;
  if (typeof x === 'string') return x.charCodeAt(0) === 58 /* : */ ? x.slice(1) : x;
  return null;
}

function isWildcard(x: unknown): boolean {
  return (x instanceof Sym && x.name === '*') || nameOf(x) === '*';
}

function isRecursionMarker(x: unknown): boolean {
  return (x instanceof Sym && x.name === '...') || x === '...';
}

/** Mutable spec under construction. */
interface Draft {
  name: string; // as written, colon-less: 'person/_friend', 'db/id'
  key: string | null;
  limit: number | null;
  hasDefault: boolean;
  default: unknown;
}

function attrName(x: unknown, where: unknown): string {
  const name = nameOf(x);
  if (name === null || name.length === 0 || name === '*') parseError('expected an attribute name', where);
  return name;
}

/** The result key for an `:as` value: keywords and strings colon-less/as-is, else its EDN text. */
function aliasKey(x: unknown): string {
  if (x instanceof Keyword || x instanceof Sym) return x.name;
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'bigint' || typeof x === 'boolean') return String(x);
  return describe(x);
}

function limitValue(x: unknown, where: unknown): number | null {
  if (x === null) return null;
  const n = typeof x === 'bigint' ? Number(x) : x;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    parseError('limit must be a positive integer or nil', where);
  }
  return n;
}

/** Parse one option name/value pair into the draft. */
function applyOption(d: Draft, opt: unknown, value: unknown, where: unknown): void {
  const name = nameOf(opt);
  switch (name) {
    case 'as':
      d.key = aliasKey(value);
      return;
    case 'limit':
      d.limit = limitValue(value, where);
      return;
    case 'default':
      d.hasDefault = true;
      d.default = toJsValue(value);
      return;
    default:
      parseError(`unknown pull option ${describe(opt)} (expected :as, :limit or :default)`, where);
  }
}

/** EDN values inside patterns become JS data (keywords ':ns/name'); JS data passes through. */
function toJsValue(x: unknown): unknown {
  if (x instanceof Keyword || x instanceof Sym || x instanceof List || isMap(x) || isSet(x) || Array.isArray(x)) {
    return ednToJs(x as EdnValue, 'value');
  }
  return x;
}

function draft(name: string): Draft {
  return { name, key: null, limit: DEFAULT_LIMIT, hasDefault: false, default: undefined };
}

/** `[:attr :opt v ...]`, `(:attr :opt v ...)`, `(limit :attr n)`, `(default :attr v)`. */
function parseAttrExpr(items: readonly unknown[], where: unknown): Draft {
  const head = items[0];
  if (head instanceof Sym && (head.name === 'limit' || head.name === 'default')) {
    if (items.length !== 3) parseError(`(${head.name} attr value) takes exactly two arguments`, where);
    const d = draft(attrName(items[1], where));
    applyOption(d, head.name, items[2], where);
    return d;
  }
  const d = draft(attrName(head, where));
  if (items.length < 3 || items.length % 2 === 0) parseError('expected an attribute followed by option/value pairs', where);
  for (let i = 1; i < items.length; i += 2) applyOption(d, items[i], items[i + 1], where);
  return d;
}

function finish(d: Draft, sub: SubPattern | null): AttrSpec {
  const slash = d.name.indexOf('/');
  const local = slash === -1 ? d.name : d.name.slice(slash + 1);
  const reverse = local.charCodeAt(0) === 95 /* _ */;
  const attr = reverse ? (slash === -1 ? local.slice(1) : `${d.name.slice(0, slash)}/${local.slice(1)}`) : d.name;
  return {
    attr,
    reverse,
    key: d.key ?? d.name,
    limit: d.limit,
    hasDefault: d.hasDefault,
    default: d.default,
    sub,
  };
}

class Builder {
  wildcard = false;
  readonly idKeys: string[] = [];
  readonly attrs: AttrSpec[] = [];
  readonly reverse: AttrSpec[] = [];

  add(spec: AttrSpec): void {
    if (spec.attr === 'db/id' && !spec.reverse) {
      if (spec.sub !== null) parseError('db/id cannot take a sub-pattern', spec.key);
      this.idKeys.push(spec.key);
    } else {
      (spec.reverse ? this.reverse : this.attrs).push(spec);
    }
  }

  build(): PullPattern {
    const explicit = new Set<string>();
    for (const a of this.attrs) explicit.add(a.attr);
    // The wildcard reports the entity id too (Datahike: [*] includes :db/id), unless a db/id
    // spec says how (`[* [:db/id :as "id"]]`), as an explicit spec overrides any attribute.
    if (this.wildcard && this.idKeys.length === 0) this.idKeys.push('db/id');
    return Object.freeze({
      wildcard: this.wildcard,
      idKeys: this.idKeys,
      attrs: this.attrs,
      reverse: this.reverse,
      explicit,
    });
  }
}

function parseSub(value: unknown, where: unknown): SubPattern {
  if (isRecursionMarker(value)) return { kind: 'recurse', depth: null };
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) parseError('recursion depth must be a positive integer or ...', where);
    return { kind: 'recurse', depth: n };
  }
  return { kind: 'pattern', pattern: parsePatternValue(value) };
}

function parseMapSpec(entries: Iterable<readonly [unknown, unknown]>, b: Builder, where: unknown): void {
  for (const [k, v] of entries) {
    let d: Draft;
    if (Array.isArray(k)) d = parseAttrExpr(k, k);
    else if (k instanceof List) d = parseAttrExpr(k.items, k);
    else d = draft(attrName(k, where));
    b.add(finish(d, parseSub(v, where)));
  }
}

function parseSpec(x: unknown, b: Builder): void {
  if (isWildcard(x)) {
    b.wildcard = true;
    return;
  }
  if (x instanceof Keyword || typeof x === 'string') {
    b.add(finish(draft(attrName(x, x)), null));
    return;
  }
  if (Array.isArray(x)) {
    b.add(finish(parseAttrExpr(x, x), null));
    return;
  }
  if (x instanceof List) {
    b.add(finish(parseAttrExpr(x.items, x), null));
    return;
  }
  if (isMap(x)) {
    parseMapSpec(x.entries(), b, x);
    return;
  }
  if (isPlainObject(x)) {
    parseMapSpec(Object.entries(x), b, x);
    return;
  }
  parseError('invalid pull pattern element', x);
}

// Far deeper than any real pattern (a level costs four stack frames): a deeper or cyclic
// pattern fails with 'pull/parse' instead of overflowing the stack. Parsing is synchronous, so
// one counter for the nesting in progress is enough.
const MAX_PATTERN_NESTING = 500;
let nesting = 0;

/** A pattern given as data: a vector/array or a set of specs. */
function parsePatternValue(x: unknown): PullPattern {
  let items: Iterable<unknown>;
  if (Array.isArray(x)) items = x;
  else if (isSet(x)) items = x;
  else return parseError('a pull pattern must be a vector of attribute specs', x);
  if (nesting >= MAX_PATTERN_NESTING) parseError(`pull pattern nested more than ${MAX_PATTERN_NESTING} deep (a cyclic pattern?)`, x);
  nesting++;
  try {
    const b = new Builder();
    for (const spec of items) parseSpec(spec, b);
    return b.build();
  } finally {
    nesting--;
  }
}

// ---------------------------------------------------------------------------------------------
// Caching: text patterns by their text (bounded, oldest dropped first), data patterns by identity
// (treat a pattern array as immutable once it has been used).

const MAX_TEXT_ENTRIES = 1000;
const byText = new Map<string, PullPattern>();
const byObject = new WeakMap<object, PullPattern>();

/**
 * Compile a pull pattern: EDN text, an EDN value, or JS data (see the grammar above).
 * Throws CairnError 'pull/parse' naming the offending element.
 */
export function compilePattern(pattern: unknown): PullPattern {
  if (typeof pattern === 'string') {
    let p = byText.get(pattern);
    if (p === undefined) {
      let value: EdnValue;
      try {
        value = readEdn(pattern);
      } catch (err) {
        throw new CairnError('pull/parse', `invalid pull pattern ${show(pattern)}: ${(err as Error).message}`, { pattern }, { cause: err });
      }
      p = parsePatternValue(value);
      if (byText.size >= MAX_TEXT_ENTRIES) byText.delete(byText.keys().next().value!);
      byText.set(pattern, p);
    }
    return p;
  }
  if (typeof pattern === 'object' && pattern !== null) {
    let p = byObject.get(pattern);
    if (p === undefined) {
      p = parsePatternValue(pattern);
      byObject.set(pattern, p);
    }
    return p;
  }
  return parseError('a pull pattern must be EDN text or an array', pattern);
}
