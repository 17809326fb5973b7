// The in-memory representation of EDN values. Every consumer (query parser, tx-string reader,
// pull patterns) builds on these shapes, so they are fixed here and change only additively.
//
//   EDN                    JS
//   nil                    null
//   true / false           boolean
//   42, -7                 number (safe integers)
//   42N, 9007199254740993  bigint (N suffix, or an integer beyond Number.MAX_SAFE_INTEGER)
//   1.5, 1e3, 2.5M         number (M bigdecimals are read as the nearest double; documented loss)
//   ##NaN ##Inf ##-Inf     NaN, Infinity, -Infinity
//   "str", \c \newline     string (characters are read as one-character strings)
//   :ns/name               Keyword (interned: keyword('a/b') === keyword('a/b'))
//   ns/name, ?x, ...       Sym     (interned, same shape as Keyword)
//   (a b)                  List    (a class wrapping an array, to tell it from a vector)
//   [a b]                  Array   (a plain JS array)
//   {k v}                  Map     (a JS Map; keys compare by identity/SameValueZero, which is
//                                   exact for nil, booleans, numbers, strings, and the interned
//                                   Keyword/Sym; composite keys are kept as distinct objects)
//   #{a b}                 Set     (a JS Set, same key semantics as Map)
//   #inst "..."            Date
//   #uuid "..."            Uuid    (wraps the canonical lower-case string; ednToJs unwraps it,
//                                   since docs/api.md makes UUID values canonical strings in JS)
//   #tag value             a registered tag reader's result, else Tagged when the reader is
//                          asked to keep unknown tags, else an 'edn/parse' error
//
// Invariants: Keyword/Sym instances are unique per full name, so `===` is equality; `name`
// never starts with ':'; `ns` is null for unqualified names ('/' alone is the symbol `/`).

import { isMap, isSet } from '../util/brands.js';

/** Any value the reader produces and the printer accepts. */
export type EdnValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Keyword
  | Sym
  | List
  | readonly EdnValue[]
  | ReadonlyMap<EdnValue, EdnValue>
  | ReadonlySet<EdnValue>
  | Date
  | Uuid
  | Tagged;

/** Split 'ns/name' into its parts; '/' alone and names without '/' have no namespace. */
function splitName(name: string): { ns: string | null; local: string } {
  const i = name.indexOf('/');
  if (i <= 0 || name === '/') return { ns: null, local: name };
  return { ns: name.slice(0, i), local: name.slice(i + 1) };
}

const keywords = new Map<string, Keyword>();
const symbols = new Map<string, Sym>();

/** The one instance per name in `table`, made by `make` the first time the name is asked for. */
function intern<T>(table: Map<string, T>, name: string, make: (name: string) => T): T {
  let x = table.get(name);
  if (x === undefined) {
    x = make(name);
    table.set(name, x);
  }
  return x;
}

/** What keywords and symbols share: the full name and its namespace and local parts. */
abstract class Named {
  /** Full name (for keywords without the colon): 'person/name', or 'name' when unqualified. */
  readonly name: string;
  readonly ns: string | null;
  readonly local: string;
  protected constructor(name: string) {
    this.name = name;
    const parts = splitName(name);
    this.ns = parts.ns;
    this.local = parts.local;
  }
}

/** An EDN keyword. Construct only through `keyword()`, which interns. */
export class Keyword extends Named {
  /** @internal used by `keyword()` only */
  static intern(name: string): Keyword {
    return intern(keywords, name, (n) => new Keyword(n));
  }
  override toString(): string {
    return `:${this.name}`;
  }
  toJSON(): string {
    return `:${this.name}`;
  }
}

/** An EDN symbol (`?x`, `pull`, `clojure.string/blank?`). Construct only through `symbol()`. */
export class Sym extends Named {
  /** @internal used by `symbol()` only */
  static intern(name: string): Sym {
    return intern(symbols, name, (n) => new Sym(n));
  }
  override toString(): string {
    return this.name;
  }
  toJSON(): string {
    return this.name;
  }
}

/** The interned keyword for 'ns/name' (a leading ':' is accepted and dropped). */
export function keyword(name: string): Keyword {
  return Keyword.intern(name.charCodeAt(0) === 58 /* : */ ? name.slice(1) : name);
}

/** The interned symbol for 'ns/name'. */
export function symbol(name: string): Sym {
  return Sym.intern(name);
}

/** An EDN list `( ... )`. */
export class List {
  readonly items: readonly EdnValue[];
  constructor(items: readonly EdnValue[]) {
    this.items = items;
  }
  get length(): number {
    return this.items.length;
  }
}

/** A `#uuid` value; `value` is the canonical lower-case 8-4-4-4-12 string. */
export class Uuid {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
  toJSON(): string {
    return this.value;
  }
}

/** A tagged literal whose tag had no reader (only produced with `unknownTags: 'keep'`). */
export class Tagged {
  readonly tag: Sym;
  readonly value: EdnValue;
  constructor(tag: Sym, value: EdnValue) {
    this.tag = tag;
    this.value = value;
  }
}

/** Turns the value after `#tag` into the tag's JS value; throw a CairnError to reject it. */
export type TagReader = (value: EdnValue) => EdnValue;

export interface ReadOptions {
  /** Extra tag readers by tag name ('myapp/point'); they override the built-in inst/uuid. */
  readonly tags?: Readonly<Record<string, TagReader>>;
  /** What to do with a tag that has no reader: 'error' (default) or 'keep' as `Tagged`. */
  readonly unknownTags?: 'error' | 'keep';
}

export function isKeyword(x: unknown): x is Keyword {
  return x instanceof Keyword;
}
export function isSymbol(x: unknown): x is Sym {
  return x instanceof Sym;
}
export function isList(x: unknown): x is List {
  return x instanceof List;
}
export function isVector(x: unknown): x is readonly EdnValue[] {
  return Array.isArray(x);
}
export function isEdnMap(x: unknown): x is ReadonlyMap<EdnValue, EdnValue> {
  return isMap(x);
}
export function isEdnSet(x: unknown): x is ReadonlySet<EdnValue> {
  return isSet(x);
}
