// Prints EDN forms (for error messages) and parsed queries back to EDN text. The parse -> print
// round trip test proves the grammar in parser.ts: print(parse(text)) parses to the same AST.

import { isKeyword, isList, isSymbol, Tagged, Uuid } from '../edn/types.js';
import { isoOrInvalid, show } from '../util/errors.js';
import type { Arg, Binding, Clause, FindElem, FindSpec, InBinding, Query, RuleBranch, Term } from './ast.js';
import { isBytes, isDate, isMap, isSet } from '../util/brands.js';

// Forms come from user input (a query given as JS data, a bad constant): the printer must not
// throw while an error about them is being reported, so it bounds depth and detects cycles.
const PRINT_DEPTH = 64;

/** EDN text of a reader value (or of a JS constant the parser produced). */
export function printForm(x: unknown): string {
  return printAt(x, PRINT_DEPTH, new Set());
}

function printAt(x: unknown, depth: number, seen: Set<object>): string {
  if (x === null || x === undefined) return 'nil';
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'bigint') return `${x}N`;
  if (typeof x === 'number') return Number.isNaN(x) ? '##NaN' : x === Infinity ? '##Inf' : x === -Infinity ? '##-Inf' : String(x);
  if (typeof x === 'boolean') return String(x);
  if (typeof x !== 'object') return show(x); // symbols, functions
  if (isKeyword(x)) return `:${x.name}`;
  if (isSymbol(x)) return x.name;
  if (isDate(x)) return `#inst ${JSON.stringify(isoOrInvalid(x))}`;
  if (x instanceof Uuid) return `#uuid ${JSON.stringify(x.value)}`;
  if (isBytes(x)) return `#bytes[${x.length}]`;
  if (seen.has(x)) return '#cycle';
  if (depth <= 0) return '…';
  seen.add(x);
  const inner = (y: unknown): string => printAt(y, depth - 1, seen);
  let out: string;
  if (isList(x)) out = `(${x.items.map(inner).join(' ')})`;
  else if (Array.isArray(x))
    out = `[${Array.from(x, inner).join(' ')}]`; // from: holes print as nil
  else if (x instanceof Tagged) out = `#${x.tag.name} ${inner(x.value)}`;
  else if (isMap(x)) out = `{${[...x].map(([k, v]) => `${inner(k)} ${inner(v)}`).join(', ')}}`;
  else if (isSet(x)) out = `#{${[...x].map(inner).join(' ')}}`;
  else out = show(x);
  seen.delete(x);
  return out;
}

/** A constant as the parser stores it: keyword strings ':a/b' print as keywords again. */
function printConst(value: unknown, keyword?: string): string {
  if (keyword !== undefined) return `:${keyword}`;
  if (typeof value === 'string' && /^:[^\s:"]/.test(value)) return value;
  if (Array.isArray(value)) return `[${value.map((v) => printConst(v)).join(' ')}]`;
  return printForm(value);
}

function printTerm(t: Term | Arg): string {
  switch (t.kind) {
    case 'var':
      return t.name;
    case 'blank':
      return '_';
    case 'src':
      return t.name;
    case 'const':
      return printConst(t.value, t.keyword);
    default: {
      const never: never = t;
      return String(never);
    }
  }
}

export function printBinding(b: Binding): string {
  switch (b.kind) {
    case 'bind-var':
      return b.name;
    case 'bind-blank':
      return '_';
    case 'bind-tuple':
      return `[${b.elems.map(printBinding).join(' ')}]`;
    case 'bind-coll':
      return `[${printBinding(b.elem)} ...]`;
    default: {
      const never: never = b;
      return String(never);
    }
  }
}

const srcPrefix = (src: string | null): string => (src === null ? '' : `${src} `);

export function printClause(c: Clause): string {
  const body = (cs: readonly Clause[]): string => cs.map(printClause).join(' ');
  const branch = (cs: readonly Clause[]): string => (cs.length === 1 ? printClause(cs[0]!) : `(and ${body(cs)})`);
  switch (c.kind) {
    case 'pattern':
      return `[${c.src === '$' ? '' : `${c.src} `}${c.terms.map(printTerm).join(' ')}]`;
    case 'pred':
      return `[(${[c.fn, ...c.args.map(printTerm)].join(' ')})]`;
    case 'fn':
      return `[(${[c.fn, ...c.args.map(printTerm)].join(' ')}) ${printBinding(c.binding)}]`;
    case 'rule':
      return `(${srcPrefix(c.src)}${[c.name, ...c.args.map(printTerm)].join(' ')})`;
    case 'not':
      return `(${srcPrefix(c.src)}not ${body(c.clauses)})`;
    case 'not-join':
      return `(${srcPrefix(c.src)}not-join [${c.vars.join(' ')}] ${body(c.clauses)})`;
    case 'or':
      return `(${srcPrefix(c.src)}or ${c.branches.map(branch).join(' ')})`;
    case 'or-join': {
      const req = c.required.length > 0 ? `[${c.required.join(' ')}] ` : '';
      const rest = c.vars.filter((v) => !c.required.includes(v));
      return `(${srcPrefix(c.src)}or-join [${req}${rest.join(' ')}] ${c.branches.map(branch).join(' ')})`;
    }
    default: {
      const never: never = c;
      return String(never);
    }
  }
}

function printFindElem(e: FindElem): string {
  switch (e.kind) {
    case 'find-var':
      return e.name;
    case 'find-agg':
      return `(${e.custom ? `aggregate ${e.fn}` : e.fn} ${e.args.map(printTerm).join(' ')})`;
    case 'find-pull': {
      const pattern = e.pattern.kind === 'var' ? e.pattern.name : printForm(e.pattern.value);
      return `(pull ${e.src === '$' ? '' : `${e.src} `}${e.name} ${pattern})`;
    }
    default: {
      const never: never = e;
      return String(never);
    }
  }
}

function printFind(f: FindSpec): string {
  switch (f.kind) {
    case 'rel':
      return f.elems.map(printFindElem).join(' ');
    case 'scalar':
      return `${printFindElem(f.elem)} .`;
    case 'coll':
      return `[${printFindElem(f.elem)} ...]`;
    case 'tuple':
      return `[${f.elems.map(printFindElem).join(' ')}]`;
    default: {
      const never: never = f;
      return String(never);
    }
  }
}

function printIn(b: InBinding): string {
  switch (b.kind) {
    case 'in-src':
      return b.name;
    case 'in-rules':
      return '%';
    case 'in-bind':
      return printBinding(b.binding);
    default: {
      const never: never = b;
      return String(never);
    }
  }
}

export function printQuery(q: Query): string {
  const parts = [':find', printFind(q.find)];
  if (q.returnMaps !== null) parts.push(`:${q.returnMaps.kind}`, q.returnMaps.names.join(' '));
  if (q.with.length > 0) parts.push(':with', q.with.join(' '));
  if (q.in.length > 0) parts.push(':in', q.in.map(printIn).join(' '));
  if (q.where.length > 0) parts.push(':where', q.where.map(printClause).join(' '));
  if (q.orderBy !== undefined) parts.push(':order-by', `[${q.orderBy.map((k) => `${k.column} ${k.desc ? ':desc' : ':asc'}`).join(' ')}]`);
  return `[${parts.join(' ')}]`;
}

export function printRules(branches: readonly RuleBranch[]): string {
  return `[${branches
    .map((r) => {
      const req = r.required.length > 0 ? `[${r.required.join(' ')}] ` : '';
      const rest = r.head.filter((v) => !r.required.includes(v));
      return `[(${r.name} ${req}${rest.join(' ')}) ${r.body.map(printClause).join(' ')}]`;
    })
    .join(' ')}]`;
}
