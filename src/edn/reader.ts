// EDN reader: a hand-written recursive-descent scanner over char codes (no regex per token),
// producing the representation fixed in ./types.ts.
//
// Grammar (one function per production below):
//   value    := ws* ( list | vector | map | string | char | keyword | dispatch | number | symbol )
//   ws       := space | tab | newline | return | formfeed | ',' | ';' comment-to-eol
//   list     := '(' value* ')'            vector := '[' value* ']'
//   map      := '{' (value value)* '}'    (duplicate keys are an error)
//   dispatch := '#{' value* '}'  (set)  | '#_' value (discarded) | '##' (Inf | -Inf | NaN)
//             | '#' symbol value (tagged literal: inst, uuid, or a registered reader)
//   string   := '"' (char | '\' [tnrbf"\\] | '\u' hex4)* '"'
//   char     := '\' (newline | space | tab | return | backspace | formfeed | uXXXX | any-char)
//   keyword  := ':' token        number := [+-]? digits ( 'N' | frac? exp? 'M'? )
//   symbol   := token (nil, true, false are the literal values)
// A token runs until whitespace or one of ( ) [ ] { } " ; and is then classified.

import { CairnError } from '../util/errors.js';
import { type EdnValue, type ReadOptions, type TagReader, List, Tagged, Uuid, keyword, symbol } from './types.js';
import { getOwn } from '../util/objects.js';

// Char codes used by the scanner: one packed table (the formatter would give each its own line).
// biome-ignore format: a table of char codes
const TAB = 9, LF = 10, FF = 12, CR = 13, SPACE = 32, BANG = 33, QUOTE = 34, HASH = 35, LPAREN = 40, RPAREN = 41, PLUS = 43, COMMA = 44;
// biome-ignore format: a table of char codes
const MINUS = 45, DOT = 46, D0 = 48, D9 = 57, COLON = 58, SEMI = 59, LBRACK = 91, BACKSLASH = 92, RBRACK = 93, UNDERSCORE = 95, LBRACE = 123, RBRACE = 125;

/** Nesting deeper than this is rejected with a parse error instead of a stack overflow. */
const MAX_DEPTH = 2000;

/** Whitespace for EDN: commas count as whitespace. */
function isWs(c: number): boolean {
  return c === SPACE || c === COMMA || c === LF || c === CR || c === TAB || c === FF;
}

/** Characters that end a token. */
function isDelim(c: number): boolean {
  return isWs(c) || c === LPAREN || c === RPAREN || c === LBRACK || c === RBRACK || c === LBRACE || c === RBRACE || c === QUOTE || c === SEMI;
}

function isDigit(c: number): boolean {
  return c >= D0 && c <= D9;
}

const NAMED_CHARS: Readonly<Record<string, string>> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  return: '\r',
  backspace: '\b',
  formfeed: '\f',
};

const UUID_CHARS = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// RFC 3339 with EDN's permitted truncations: 2020, 2020-01, 2020-01-02, 2020-01-02T03:04,
// seconds and fractions optional; no offset means UTC.
const INST = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?)?([Zz]|[+-]\d{2}:\d{2})?$/;

function readInst(value: EdnValue): Date {
  if (typeof value !== 'string') throw new Error(`#inst expects a string, got ${String(value)}`);
  const m = INST.exec(value);
  if (m === null) throw new Error(`invalid #inst timestamp "${value}"`);
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '', off = 'Z'] = m;
  const ms = (frac + '000').slice(0, 3);
  const zone = off === 'z' ? 'Z' : off;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${zone}`);
  // Date silently rolls over out-of-range fields only in some engines; reject NaN everywhere.
  if (Number.isNaN(date.getTime()) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    throw new Error(`invalid #inst timestamp "${value}"`);
  }
  return date;
}

function readUuid(value: EdnValue): Uuid {
  if (typeof value !== 'string' || !UUID_CHARS.test(value)) {
    throw new Error(`invalid #uuid ${typeof value === 'string' ? `"${value}"` : String(value)}`);
  }
  return new Uuid(value.toLowerCase());
}

const BUILTIN_TAGS: Readonly<Record<string, TagReader>> = { inst: readInst, uuid: readUuid };

/** Line and column (both 1-based) of an offset. Only computed when reporting an error. */
function lineCol(src: string, offset: number): { line: number; column: number } {
  let line = 1,
    start = 0;
  for (let i = 0; i < offset && i < src.length; i++) {
    if (src.charCodeAt(i) === LF) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

class Reader {
  private pos = 0;
  private depth = 0;
  private readonly src: string;
  private readonly len: number;
  private readonly tags: Readonly<Record<string, TagReader>>;
  private readonly keepUnknown: boolean;

  constructor(src: string, opts: ReadOptions) {
    this.src = src;
    this.len = src.length;
    this.tags = opts.tags === undefined ? BUILTIN_TAGS : { ...BUILTIN_TAGS, ...opts.tags };
    this.keepUnknown = opts.unknownTags === 'keep';
  }

  fail(message: string, offset = this.pos): never {
    const { line, column } = lineCol(this.src, offset);
    const near = this.src.slice(Math.max(0, offset - 20), offset + 20);
    throw new CairnError('edn/parse', `EDN parse error at line ${line}, column ${column} (offset ${offset}): ${message}`, { line, column, offset, near });
  }

  /** Skip whitespace and comments; return the next char code or -1 at the end. */
  skipWs(): number {
    const src = this.src;
    let p = this.pos;
    while (p < this.len) {
      const c = src.charCodeAt(p);
      if (isWs(c)) p++;
      else if (c === SEMI) {
        while (p < this.len && src.charCodeAt(p) !== LF) p++;
      } else {
        this.pos = p;
        return c;
      }
    }
    this.pos = p;
    return -1;
  }

  /** Read every top-level value until the end of input. */
  readAll(): EdnValue[] {
    const out: EdnValue[] = [];
    for (;;) {
      const c = this.skipWs();
      if (c === -1) return out;
      const v = this.readOrDiscard(c);
      if (v !== DISCARDED) out.push(v);
    }
  }

  /** Read exactly one value; anything but whitespace, comments or `#_ x` after it is an error. */
  readOne(): EdnValue {
    const v = this.readValue();
    for (;;) {
      const c = this.skipWs();
      if (c === -1) return v;
      if (c !== HASH || this.src.charCodeAt(this.pos + 1) !== UNDERSCORE) {
        this.fail('unexpected content after the value');
      }
      this.readOrDiscard(c);
    }
  }

  /** A value, or DISCARDED when the form was `#_ x` (which callers skip). */
  readOrDiscard(c: number): EdnValue | typeof DISCARDED {
    if (c === HASH && this.src.charCodeAt(this.pos + 1) === UNDERSCORE) {
      this.pos += 2;
      this.readValue();
      return DISCARDED;
    }
    return this.readValueAt(c);
  }

  /** The next value (skipping whitespace and discards). */
  readValue(): EdnValue {
    for (;;) {
      const c = this.skipWs();
      if (c === -1) this.fail('unexpected end of input, expected a value');
      const v = this.readOrDiscard(c);
      if (v !== DISCARDED) return v;
    }
  }

  readValueAt(c: number): EdnValue {
    switch (c) {
      case LPAREN:
        return new List(this.readSeq(RPAREN, ')'));
      case LBRACK:
        return this.readSeq(RBRACK, ']');
      case LBRACE:
        return this.readMap();
      case QUOTE:
        return this.readString();
      case BACKSLASH:
        return this.readChar();
      case COLON:
        return this.readKeyword();
      case HASH:
        return this.readDispatch();
      case RPAREN:
      case RBRACK:
      case RBRACE:
        return this.fail(`unmatched closing '${String.fromCharCode(c)}'`);
      default:
        return this.readAtom();
    }
  }

  /** Values up to the closing char; used for lists, vectors and sets. */
  readSeq(close: number, closeStr: string): EdnValue[] {
    const start = this.pos;
    this.pos++;
    if (++this.depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const out: EdnValue[] = [];
    for (;;) {
      const c = this.skipWs();
      if (c === close) {
        this.pos++;
        this.depth--;
        return out;
      }
      if (c === -1) {
        // Report where the input ended (where the closing char is missing); name where it opened.
        const opened = lineCol(this.src, start);
        this.fail(
          `unterminated collection, expected '${closeStr}' before the end of input (opened with '${this.src[start]}' at line ${opened.line}, column ${opened.column})`,
        );
      }
      const v = this.readOrDiscard(c);
      if (v !== DISCARDED) out.push(v);
    }
  }

  readMap(): Map<EdnValue, EdnValue> {
    const start = this.pos;
    const items = this.readSeq(RBRACE, '}');
    if (items.length % 2 !== 0) this.fail('map literal must contain an even number of forms', start);
    const m = new Map<EdnValue, EdnValue>();
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i]!;
      if (m.has(k)) this.fail(`duplicate map key ${String(k)}`, start);
      m.set(k, items[i + 1]!);
    }
    return m;
  }

  readString(): string {
    const src = this.src;
    const start = this.pos;
    let p = start + 1;
    // Fast path: no escapes, one slice.
    while (p < this.len) {
      const c = src.charCodeAt(p);
      if (c === QUOTE) {
        this.pos = p + 1;
        return src.slice(start + 1, p);
      }
      if (c === BACKSLASH) break;
      p++;
    }
    let out = src.slice(start + 1, p);
    while (p < this.len) {
      const c = src.charCodeAt(p);
      if (c === QUOTE) {
        this.pos = p + 1;
        return out;
      }
      if (c !== BACKSLASH) {
        const runStart = p;
        while (p < this.len && src.charCodeAt(p) !== QUOTE && src.charCodeAt(p) !== BACKSLASH) p++;
        out += src.slice(runStart, p);
        continue;
      }
      const e = src.charCodeAt(p + 1);
      switch (e) {
        case 116 /* t */:
          out += '\t';
          p += 2;
          break;
        case 110 /* n */:
          out += '\n';
          p += 2;
          break;
        case 114 /* r */:
          out += '\r';
          p += 2;
          break;
        case 98 /* b */:
          out += '\b';
          p += 2;
          break;
        case 102 /* f */:
          out += '\f';
          p += 2;
          break;
        case QUOTE:
          out += '"';
          p += 2;
          break;
        case BACKSLASH:
          out += '\\';
          p += 2;
          break;
        case 117 /* u */:
          {
            const hex = src.slice(p + 2, p + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(`invalid unicode escape "\\u${hex}"`, p);
            out += String.fromCharCode(parseInt(hex, 16));
            p += 6;
            break;
          }
        default:
          if (p + 1 >= this.len) this.fail('unterminated string', start);
          this.fail(`unsupported escape "\\${src[p + 1]}" in string`, p);
      }
    }
    return this.fail('unterminated string', start);
  }

  /** The token starting at `from`: everything up to a delimiter. */
  token(from: number): string {
    const src = this.src;
    let p = from;
    while (p < this.len && !isDelim(src.charCodeAt(p))) p++;
    this.pos = p;
    return src.slice(from, p);
  }

  readChar(): string {
    const start = this.pos;
    if (start + 1 >= this.len) this.fail('unexpected end of input after \\');
    // The first char is always part of the character (so `\(` and `\ ` work), the rest is a token.
    const first = this.src.charCodeAt(start + 1);
    const name = isDelim(first) ? ((this.pos = start + 2), this.src[start + 1]!) : this.token(start + 1);
    if (name.length === 1) return name;
    const named = getOwn(NAMED_CHARS, name);
    if (named !== undefined) return named;
    if (name.length === 5 && name[0] === 'u' && /^u[0-9a-fA-F]{4}$/.test(name)) {
      return String.fromCharCode(parseInt(name.slice(1), 16));
    }
    return this.fail(`invalid character literal "\\${name}"`, start);
  }

  readKeyword(): EdnValue {
    const start = this.pos;
    const name = this.token(start + 1);
    if (name.length === 0) this.fail('keyword without a name', start);
    if (name.charCodeAt(0) === COLON) this.fail(`auto-resolved keyword "::${name.slice(1)}" is not EDN`, start);
    this.checkName(name, start, 'keyword');
    return keyword(name);
  }

  /** Reject names with an empty namespace or local part ('a/', '/a'); '/' alone is allowed. */
  checkName(name: string, start: number, what: string): void {
    const slash = name.indexOf('/');
    if (slash !== -1 && name !== '/' && (slash === 0 || slash === name.length - 1)) {
      this.fail(`invalid ${what} "${name}"`, start);
    }
  }

  readDispatch(): EdnValue {
    const start = this.pos;
    const c = this.src.charCodeAt(start + 1);
    if (c === LBRACE) {
      this.pos++;
      const items = this.readSeq(RBRACE, '}');
      const s = new Set<EdnValue>();
      for (const x of items) {
        if (s.has(x)) this.fail(`duplicate set element ${String(x)}`, start);
        s.add(x);
      }
      return s;
    }
    if (c === HASH) {
      const name = this.token(start + 2);
      switch (name) {
        case 'Inf':
          return Infinity;
        case '-Inf':
          return -Infinity;
        case 'NaN':
          return NaN;
        default:
          return this.fail(`unknown symbolic value "##${name}"`, start);
      }
    }
    if (Number.isNaN(c) || isDelim(c) || isDigit(c) || c === COLON || c === BANG) {
      return this.fail(`invalid dispatch "#${Number.isNaN(c) ? '' : String.fromCharCode(c)}"`, start);
    }
    const tag = this.token(start + 1);
    this.checkName(tag, start, 'tag');
    const value = this.readValue();
    const reader = this.tags[tag];
    if (reader === undefined) {
      if (this.keepUnknown) return new Tagged(symbol(tag), value);
      return this.fail(`no reader for tag #${tag}`, start);
    }
    try {
      return reader(value);
    } catch (err) {
      if (err instanceof CairnError) throw err;
      return this.fail(err instanceof Error ? err.message : String(err), start);
    }
  }

  /** Numbers, nil/true/false, and symbols. */
  readAtom(): EdnValue {
    const start = this.pos;
    const c = this.src.charCodeAt(start);
    const c1 = this.src.charCodeAt(start + 1);
    if (isDigit(c) || ((c === PLUS || c === MINUS) && isDigit(c1))) return this.readNumber(start);
    const name = this.token(start);
    switch (name) {
      case 'nil':
        return null;
      case 'true':
        return true;
      case 'false':
        return false;
    }
    if (name.length === 0) return this.fail(`unexpected character '${this.src[start]}'`, start);
    if (c === DOT && isDigit(c1)) this.fail(`invalid number "${name}"`, start);
    this.checkName(name, start, 'symbol');
    return symbol(name);
  }

  readNumber(start: number): number | bigint {
    const src = this.src;
    const end = (this.token(start), this.pos);
    let p = start;
    const neg = src.charCodeAt(p) === MINUS;
    if (neg || src.charCodeAt(p) === PLUS) p++;
    const digitsStart = p;
    let n = 0;
    while (p < end && isDigit(src.charCodeAt(p))) {
      n = n * 10 + (src.charCodeAt(p) - D0);
      p++;
    }
    const digitsEnd = p;
    if (digitsEnd - digitsStart > 1 && src.charCodeAt(digitsStart) === D0) {
      this.fail(`invalid number "${src.slice(start, end)}" (leading zero)`, start);
    }
    if (p === end) {
      // Plain integer: exact as a double while it has at most 15 digits.
      if (digitsEnd - digitsStart <= 15) return neg ? 0 - n : n; // 0 - 0 is +0: '-0' reads as 0
      const big = BigInt(src.slice(start, end));
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    if (p === end - 1 && src.charCodeAt(p) === 78 /* N */) return BigInt(src.slice(start, p));
    // Float: digits ('.' digits*)? ([eE] [+-]? digits)? 'M'?
    if (src.charCodeAt(p) === DOT) {
      p++;
      while (p < end && isDigit(src.charCodeAt(p))) p++;
    }
    const e = src.charCodeAt(p);
    if (e === 101 || e === 69 /* e E */) {
      p++;
      if (src.charCodeAt(p) === PLUS || src.charCodeAt(p) === MINUS) p++;
      const expStart = p;
      while (p < end && isDigit(src.charCodeAt(p))) p++;
      if (p === expStart) this.fail(`invalid number "${src.slice(start, end)}"`, start);
    }
    const numEnd = p;
    if (p === end - 1 && src.charCodeAt(p) === 77 /* M */) p++;
    if (p !== end) this.fail(`invalid number "${src.slice(start, end)}"`, start);
    return Number(src.slice(start, numEnd));
  }
}

const DISCARDED: unique symbol = Symbol('discarded');

/** Read exactly one EDN value from `text`. Throws CairnError 'edn/parse' with line/column. */
export function readEdn(text: string, opts: ReadOptions = {}): EdnValue {
  return new Reader(text, opts).readOne();
}

/** Read every top-level EDN value in `text` (an empty text gives []). */
export function readEdnAll(text: string, opts: ReadOptions = {}): EdnValue[] {
  return new Reader(text, opts).readAll();
}
