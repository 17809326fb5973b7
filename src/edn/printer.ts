// EDN printer: the inverse of the reader for every value in ./types.ts, so that
// readEdn(printEdn(v)) equals v. Output is one line, maps as `{:a 1, :b 2}`.
//
// Numbers keep their JS type across the round trip: a safe integer prints as `42`, a double
// that the reader would otherwise take for an integer prints with a fraction (`-0.0`,
// `9007199254740994.0`), bigints print with `N`, non-finite values as ##NaN / ##Inf / ##-Inf.

import { CairnError, show } from '../util/errors.js';
import { type EdnValue, Keyword, List, Sym, Tagged, Uuid } from './types.js';
import { isDate, isMap, isSet } from '../util/brands.js';

/** Print an EDN value as text. Throws CairnError 'edn/print' for values EDN cannot represent. */
export function printEdn(value: EdnValue): string {
  depth = 0;
  return print(value as unknown);
}

// Half as deep as the reader reads (a printed level costs three stack frames): deeper or cyclic
// values fail with 'edn/print', not a stack overflow. Printing is synchronous, so one counter
// for the nesting in progress is enough.
const MAX_PRINT_NESTING = 1000;
let depth = 0;

function print(v: unknown): string {
  if (v === null) return 'nil';
  if (typeof v === 'object') {
    if (depth >= MAX_PRINT_NESTING) throw new CairnError('edn/print', `cannot print a value nested more than ${MAX_PRINT_NESTING} deep (a cyclic value?)`, {});
    depth++;
    try {
      return printObject(v);
    } finally {
      depth--;
    }
  }
  switch (typeof v) {
    case 'string':
      return printString(v);
    case 'number':
      return printNumber(v);
    case 'bigint':
      return `${v}N`;
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      throw new CairnError('edn/print', `cannot print ${typeof v} ${show(v)} as EDN`, { type: typeof v });
  }
}

function printObject(v: object): string {
  if (v instanceof Keyword) return `:${v.name}`;
  if (v instanceof Sym) return v.name;
  if (Array.isArray(v)) return printSeq('[', v, ']');
  if (isMap(v)) {
    let out = '{';
    let first = true;
    for (const [k, x] of v) {
      out += (first ? '' : ', ') + print(k) + ' ' + print(x);
      first = false;
    }
    return out + '}';
  }
  if (v instanceof List) return printSeq('(', v.items, ')');
  if (isSet(v)) return printSeq('#{', [...v], '}');
  if (isDate(v)) {
    if (Number.isNaN(v.getTime())) throw new CairnError('edn/print', 'cannot print an invalid Date as #inst', {});
    return `#inst "${v.toISOString()}"`;
  }
  if (v instanceof Uuid) return `#uuid "${v.value}"`;
  if (v instanceof Tagged) return `#${v.tag.name} ${print(v.value)}`;
  throw new CairnError('edn/print', `cannot print ${v.constructor?.name ?? 'object'} ${show(v)} as EDN`, { type: v.constructor?.name ?? 'object' });
}

function printSeq(open: string, items: readonly unknown[], close: string): string {
  let out = open;
  for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ' ') + print(items[i]);
  return out + close;
}

function printNumber(n: number): string {
  if (Number.isNaN(n)) return '##NaN';
  if (n === Infinity) return '##Inf';
  if (n === -Infinity) return '##-Inf';
  if (Object.is(n, -0)) return '-0.0';
  const s = String(n);
  // An integral double outside the safe range would read back as a bigint: give it a fraction.
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && !s.includes('e')) return `${s}.0`;
  return s;
}

function printString(s: string): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 34 && c !== 92) continue;
    out += s.slice(runStart, i) + escapeChar(c);
    runStart = i + 1;
  }
  return out + s.slice(runStart) + '"';
}

function escapeChar(c: number): string {
  switch (c) {
    case 34:
      return '\\"';
    case 92:
      return '\\\\';
    case 10:
      return '\\n';
    case 9:
      return '\\t';
    case 13:
      return '\\r';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    default:
      return `\\u${c.toString(16).padStart(4, '0')}`;
  }
}
