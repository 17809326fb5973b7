// Query parser: EDN values (src/edn) -> the AST in ast.ts. One function per production; the
// grammar (Datomic dialect, as Datahike's datalog-parser accepts it) is written above each.
//
//   query        = [find-spec return-maps? with-clause? inputs? where-clauses?]   (any order of sections)
//                | {:find [...] :keys [...] :with [...] :in [...] :where [...] :order-by [...]}
//   order-by     = ':order-by' (key dir?)+     (see order.ts)
//   find-spec    = ':find' (find-rel | find-coll | find-scalar | find-tuple)
//   find-rel     = find-elem+
//   find-coll    = [find-elem '...']
//   find-scalar  = find-elem '.'
//   find-tuple   = [find-elem+]
//   find-elem    = variable | pull-expr | aggregate
//   pull-expr    = (pull src-var? variable (pattern | variable))
//   aggregate    = (aggregate-fn-name fn-arg+) | (aggregate variable fn-arg+)
//   return-maps  = (':keys' | ':strs' | ':syms') symbol+
//   with-clause  = ':with' variable+
//   inputs       = ':in' (src-var | '%' | binding)+
//   binding      = variable | '_' | [binding+] | [binding '...']      (rel = [[binding+]])
//   where-clauses= ':where' clause+
//   clause       = not-clause | not-join-clause | or-clause | or-join-clause
//                | expression-clause | rule-expr
//   not-clause   = (src-var? not clause+)
//   not-join     = (src-var? not-join [variable+] clause+)
//   or-clause    = (src-var? or (clause | and-clause)+)
//   or-join      = (src-var? or-join rule-vars (clause | and-clause)+)
//   and-clause   = (and clause+)
//   rule-vars    = [variable+ | [variable+] variable*]
//   expression   = data-pattern | pred-expr | fn-expr
//   data-pattern = [src-var? term+]            term = variable | '_' | constant
//   pred-expr    = [(fn-name fn-arg*)]
//   fn-expr      = [(fn-name fn-arg*) binding]
//   fn-arg       = variable | constant | src-var
//   rule-expr    = (src-var? rule-name term+)
//   rules        = [rule-branch+]      rule-branch = [(rule-name rule-vars) clause+]
//
// Errors are 'query/parse' CairnErrors whose message names the offending form and where it is
// (`:where clause 2`); `data.path` carries the same position.

import { readEdn } from '../edn/reader.js';
import { isKeyword, isList, isSymbol, List, Uuid, type EdnValue } from '../edn/types.js';
import { CairnError, fail, isCairnError } from '../util/errors.js';
import type { Arg, Binding, Clause, Const, FindElem, FindSpec, InBinding, Query, ReturnMaps, RuleBranch, Rules, Term } from './ast.js';
import { parseOrderBy } from './order.js';
import { printForm } from './print.js';
import { isMap, isSet } from '../util/brands.js';

function parseError(path: string, message: string, form?: unknown): never {
  const shown = form === undefined ? '' : `: ${printForm(form)}`;
  fail('query/parse', `${message} at ${path}${shown}`, { path, form: form === undefined ? null : printForm(form) });
}

const symName = (x: unknown): string | null => (isSymbol(x) ? x.name : null);
const isVarSym = (x: unknown): boolean => isSymbol(x) && x.name.startsWith('?');
const isSrcSym = (x: unknown): boolean => isSymbol(x) && x.name.startsWith('$');

/** Read EDN text; a syntax error becomes 'query/parse' with the reader's line, column and offset. */
function readText(text: string, what: string): unknown {
  try {
    return readEdn(text);
  } catch (err) {
    if (isCairnError(err, 'edn/parse')) {
      throw new CairnError('query/parse', `Malformed ${what}: ${err.message}`, { ...err.data, path: what }, { cause: err });
    }
    throw err;
  }
}

/** An EDN constant as the JS value a datom would hold (keywords -> ':ns/name'). */
export function ednToValue(x: unknown): unknown {
  if (isKeyword(x)) return `:${x.name}`;
  if (x instanceof Uuid) return x.value;
  if (isList(x)) return x.items.map(ednToValue);
  if (Array.isArray(x)) return x.map(ednToValue);
  if (isSet(x)) return new Set([...x].map(ednToValue));
  if (isMap(x)) return new Map([...x].map(([k, v]) => [ednToValue(k), ednToValue(v)]));
  return x;
}

export function constant(x: unknown): Const {
  return isKeyword(x) ? { kind: 'const', value: `:${x.name}`, keyword: x.name } : { kind: 'const', value: ednToValue(x) };
}

/** The top level: EDN text, a vector or map form, or a JS object { find, in, where, ... }. */
export function parseQueryForm(input: unknown): Query {
  let form: unknown = input;
  if (typeof input === 'string') form = readText(input, 'query');
  if (Array.isArray(form)) return parseSections(splitVector(form));
  if (isMap(form)) {
    const sections = new Map<string, unknown[]>();
    for (const [k, v] of form) {
      if (!isKeyword(k)) parseError('query map', 'Query map keys must be keywords', k);
      sections.set(k.name, Array.isArray(v) ? [...v] : [v]);
    }
    return parseSections(sections);
  }
  if (typeof form === 'object' && form !== null && !isList(form)) {
    const sections = new Map<string, unknown[]>();
    for (const [k, v] of Object.entries(form)) {
      sections.set(k.replace(/^:/, ''), Array.isArray(v) ? [...v] : [v]);
    }
    return parseSections(sections);
  }
  return parseError('query', 'A query must be a vector or a map', form);
}

function splitVector(form: readonly unknown[]): Map<string, unknown[]> {
  const sections = new Map<string, unknown[]>();
  let current: unknown[] | null = null;
  form.forEach((x, i) => {
    if (isKeyword(x) && current !== null && current === sections.get('order-by') && (x.name === 'asc' || x.name === 'desc')) {
      current.push(x); // a direction inside :order-by, not a new section
    } else if (isKeyword(x)) {
      if (sections.has(x.name)) parseError(`query element ${i}`, `Duplicate section :${x.name}`);
      current = [];
      sections.set(x.name, current);
    } else if (current === null) {
      parseError(`query element ${i}`, 'A query must start with a keyword such as :find', x);
    } else {
      current.push(x);
    }
  });
  return sections;
}

const KNOWN_SECTIONS = new Set(['find', 'keys', 'strs', 'syms', 'with', 'in', 'where', 'order-by']);

function parseSections(sections: Map<string, unknown[]>): Query {
  for (const name of sections.keys()) {
    if (!KNOWN_SECTIONS.has(name)) parseError(`:${name}`, `Unknown query section :${name}`);
  }
  const find = sections.get('find');
  if (find === undefined || find.length === 0) parseError(':find', 'Query has no :find elements');
  const spec = parseFindSpec(find);
  let returnMaps: ReturnMaps | null = null;
  for (const kind of ['keys', 'strs', 'syms'] as const) {
    const names = sections.get(kind);
    if (names === undefined) continue;
    if (returnMaps !== null) parseError(`:${kind}`, 'Only one of :keys, :strs, :syms is allowed');
    returnMaps = { kind, names: names.map((n, i) => symName(n) ?? parseError(`:${kind} element ${i}`, 'Expected a symbol', n)) };
    const width = spec.kind === 'rel' || spec.kind === 'tuple' ? spec.elems.length : 1;
    if (returnMaps.names.length !== width || spec.kind === 'scalar' || spec.kind === 'coll') {
      parseError(`:${kind}`, `:${kind} needs one name per :find element (${width}) of a relation or tuple find`, names);
    }
  }
  const withVars = (sections.get('with') ?? []).map((v, i) => (isVarSym(v) ? symName(v)! : parseError(`:with element ${i}`, 'Expected a variable', v)));
  const ins = sections.has('in') ? sections.get('in')!.map((x, i) => parseIn(x, `:in element ${i}`)) : [{ kind: 'in-src', name: '$' } as const];
  const where = (sections.get('where') ?? []).map((c, i) => parseClause(c, `:where clause ${i}`, false));
  const order = sections.get('order-by');
  if (order === undefined) return { find: spec, returnMaps, with: withVars, in: ins, where };
  const orderBy = parseOrderBy(order.length === 1 && Array.isArray(order[0]) ? order[0] : order, spec, 'query/parse');
  return { find: spec, returnMaps, with: withVars, in: ins, where, orderBy };
}

// find-spec = find-rel | find-coll | find-scalar | find-tuple
function parseFindSpec(items: readonly unknown[]): FindSpec {
  const last = items[items.length - 1];
  if (items.length === 2 && symName(last) === '.') return { kind: 'scalar', elem: parseFindElem(items[0], ':find element 0') };
  if (items.length === 1 && Array.isArray(items[0])) {
    const v = items[0] as readonly unknown[];
    if (v.length === 2 && symName(v[1]) === '...') return { kind: 'coll', elem: parseFindElem(v[0], ':find element 0') };
    if (v.length === 0) parseError(':find', 'Empty tuple find spec', v);
    return { kind: 'tuple', elems: v.map((x, i) => parseFindElem(x, `:find tuple element ${i}`)) };
  }
  return { kind: 'rel', elems: items.map((x, i) => parseFindElem(x, `:find element ${i}`)) };
}

// find-elem = variable | (pull src-var? variable pattern) | (agg-name fn-arg+) | (aggregate ?fn fn-arg+)
function parseFindElem(x: unknown, path: string): FindElem {
  if (isVarSym(x)) return { kind: 'find-var', name: symName(x)! };
  if (isList(x) && x.items.length >= 2 && isSymbol(x.items[0])) {
    const head = symName(x.items[0])!;
    const rest = x.items.slice(1);
    if (head === 'pull') {
      const src = isSrcSym(rest[0]) ? symName(rest.shift())! : '$';
      if (rest.length !== 2 || !isVarSym(rest[0])) parseError(path, 'Expected (pull src-var? ?e pattern)', x);
      // The pattern: a literal, or a variable bound by :in — `?pat`, or a plain symbol as Datomic writes it (`pattern`).
      const pattern = isPatternSym(rest[1]) ? ({ kind: 'var', name: symName(rest[1])! } as const) : ({ kind: 'const', value: rest[1] } as const);
      return { kind: 'find-pull', src, name: symName(rest[0])!, pattern };
    }
    const custom = head === 'aggregate';
    if (custom && !isVarSym(rest[0])) parseError(path, 'Expected (aggregate ?fn args...)', x);
    const fn = custom ? symName(rest.shift())! : head;
    const args = rest.map((a) => (isVarSym(a) ? ({ kind: 'var', name: symName(a)! } as const) : constant(a)));
    if (args.length === 0 || args[args.length - 1]!.kind !== 'var') parseError(path, 'An aggregate needs a variable as its last argument', x);
    return { kind: 'find-agg', fn, custom, args };
  }
  return parseError(path, 'Expected a variable, pull expression or aggregate in :find', x);
}

// inputs = (src-var | '%' | pattern-name | binding)+      pattern-name = plain symbol (a pull pattern)
function parseIn(x: unknown, path: string): InBinding {
  if (isSrcSym(x)) return { kind: 'in-src', name: symName(x)! };
  if (symName(x) === '%') return { kind: 'in-rules' };
  if (isPatternSym(x) && !isVarSym(x)) return { kind: 'in-bind', binding: { kind: 'bind-var', name: symName(x)! } };
  return { kind: 'in-bind', binding: parseBinding(x, path) };
}

/** A symbol that can name a pull pattern input: ?var, or a plain symbol other than _ . ... % and $src. */
function isPatternSym(x: unknown): boolean {
  if (isVarSym(x)) return true;
  const name = symName(x);
  return name !== null && name !== '_' && name !== '...' && name !== '%' && !isSrcSym(x);
}

// binding = variable | '_' | [binding '...'] | [binding+]
export function parseBinding(x: unknown, path: string): Binding {
  if (isVarSym(x)) return { kind: 'bind-var', name: symName(x)! };
  if (symName(x) === '_') return { kind: 'bind-blank' };
  if (Array.isArray(x) && x.length > 0) {
    if (x.length === 2 && symName(x[1]) === '...') return { kind: 'bind-coll', elem: parseBinding(x[0], path) };
    if (x.length === 1 && Array.isArray(x[0])) return { kind: 'bind-coll', elem: parseBinding(x[0], path) };
    return { kind: 'bind-tuple', elems: x.map((e) => parseBinding(e, path)) };
  }
  return parseError(path, 'Expected a binding (?x, _, [?a ?b], [?x ...] or [[?a ?b]])', x);
}

function parseTerm(x: unknown, path: string): Term {
  if (isVarSym(x)) return { kind: 'var', name: symName(x)! };
  if (symName(x) === '_') return { kind: 'blank' };
  if (isSymbol(x)) parseError(path, `Unexpected symbol ${symName(x)} (variables start with ?)`, x);
  if (isList(x)) parseError(path, 'Unexpected list in a pattern', x);
  return constant(x);
}

function parseArg(x: unknown, path: string): Arg {
  if (isSrcSym(x)) return { kind: 'src', name: symName(x)! };
  if (isVarSym(x)) return { kind: 'var', name: symName(x)! };
  if (isSymbol(x)) parseError(path, `Unexpected symbol ${symName(x)} as a function argument`, x);
  return constant(x);
}

// clause = not | not-join | or | or-join | data-pattern | pred-expr | fn-expr | rule-expr
export function parseClause(x: unknown, path: string, inOr: boolean): Clause {
  if (Array.isArray(x)) return parseExpression(x, path);
  if (isList(x)) return parseListClause(x, path, inOr);
  return parseError(path, 'Expected a clause (a vector or a list)', x);
}

function parseExpression(x: readonly unknown[], path: string): Clause {
  if (x.length === 0) parseError(path, 'Empty clause', x);
  const first = x[0];
  if (isList(first)) {
    const [fnSym, ...rest] = first.items;
    if (!isSymbol(fnSym)) parseError(path, 'A function call must start with a symbol', x);
    // A nested query written in place, [(q [:find ...] $) ?r], stays EDN data for `q` to parse.
    const args = rest.map((a, i) =>
      fnSym.name === 'q' && i === 0 && (Array.isArray(a) || isMap(a)) ? ({ kind: 'const', value: a } as const) : parseArg(a, path),
    );
    if (x.length === 1) return { kind: 'pred', fn: fnSym.name, args };
    if (x.length === 2) return { kind: 'fn', fn: fnSym.name, args, binding: parseBinding(x[1], path) };
    return parseError(path, 'A function clause is [(f args...)] or [(f args...) binding]', x);
  }
  const src = isSrcSym(first) ? symName(first)! : '$';
  const terms = (src === '$' && !isSrcSym(first) ? x : x.slice(1)).map((t) => parseTerm(t, path));
  if (terms.length === 0 || terms.length > 5) parseError(path, 'A data pattern has 1 to 5 elements after the source', x);
  return { kind: 'pattern', src, terms };
}

function parseListClause(x: List, path: string, inOr: boolean): Clause {
  const items = [...x.items];
  const src = isSrcSym(items[0]) ? symName(items.shift())! : null;
  const head = symName(items[0]);
  if (head === null) return parseError(path, 'A list clause must start with a symbol', x);
  const rest = items.slice(1);
  const body = (cs: readonly unknown[], what: string): Clause[] => {
    if (cs.length === 0) parseError(path, `${what} needs at least one clause`, x);
    return cs.map((c, i) => parseClause(c, `${path} > ${what} clause ${i}`, false));
  };
  const branches = (cs: readonly unknown[], what: string): Clause[][] => {
    if (cs.length === 0) parseError(path, `${what} needs at least one branch`, x);
    return cs.map((c, i) => {
      if (isList(c) && symName(c.items[0]) === 'and') return body(c.items.slice(1), `${what} branch ${i} and`);
      return [parseClause(c, `${path} > ${what} branch ${i}`, true)];
    });
  };
  switch (head) {
    case 'not':
      return { kind: 'not', src, clauses: body(rest, 'not') };
    case 'not-join': {
      const vars = parseRuleVars(rest[0], path);
      return { kind: 'not-join', src, vars: vars.all, clauses: body(rest.slice(1), 'not-join') };
    }
    case 'or':
      return { kind: 'or', src, branches: branches(rest, 'or') };
    case 'or-join': {
      const vars = parseRuleVars(rest[0], path);
      return { kind: 'or-join', src, required: vars.required, vars: vars.all, branches: branches(rest.slice(1), 'or-join') };
    }
    case 'and':
      return parseError(path, inOr ? 'and must wrap clauses of an or branch' : '(and ...) is only allowed inside or / or-join', x);
    default: {
      if (head.startsWith('?')) parseError(path, 'A rule name cannot be a variable', x);
      if (rest.length === 0) parseError(path, `Rule call (${head}) needs at least one argument`, x);
      return { kind: 'rule', src, name: head, args: rest.map((t) => parseTerm(t, path)) };
    }
  }
}

// rule-vars = [variable+ | [variable+] variable*]
function parseRuleVars(x: unknown, path: string): { required: string[]; all: string[] } {
  if (!Array.isArray(x) || x.length === 0) return parseError(path, 'Expected a vector of variables', x);
  const required: string[] = [];
  const all: string[] = [];
  x.forEach((v, i) => {
    if (i === 0 && Array.isArray(v)) {
      for (const r of v) {
        if (!isVarSym(r)) parseError(path, 'Expected a variable', r);
        required.push(symName(r)!);
        all.push(symName(r)!);
      }
    } else if (isVarSym(v)) {
      all.push(symName(v)!);
    } else {
      parseError(path, 'Expected a variable', v);
    }
  });
  return { required, all };
}

// rules = [[(rule-name rule-vars...) clause+]+]
export function parseRules(input: unknown): Rules {
  const form = typeof input === 'string' ? readText(input, 'rules') : input;
  if (!Array.isArray(form)) return parseError('rules', 'Rules must be a vector of rule branches', form);
  const out = new Map<string, RuleBranch[]>();
  form.forEach((branch: unknown, i) => {
    const path = `rule ${i}`;
    if (!Array.isArray(branch) || branch.length < 2 || !isList(branch[0])) {
      parseError(path, 'A rule is [(name ?args...) clause+]', branch);
    }
    const headForm = (branch[0] as List).items;
    const name = symName(headForm[0]);
    if (name === null || name.startsWith('?') || name.startsWith('$')) parseError(path, 'A rule head starts with its name', branch[0]);
    const required: string[] = [];
    const head: string[] = [];
    headForm.slice(1).forEach((v, j) => {
      if (j === 0 && Array.isArray(v)) {
        for (const r of v) {
          if (!isVarSym(r)) parseError(path, 'Rule head arguments must be variables', r);
          required.push(symName(r)!);
          head.push(symName(r)!);
        }
      } else if (isVarSym(v)) {
        head.push(symName(v)!);
      } else {
        parseError(path, 'Rule head arguments must be variables', v);
      }
    });
    if (head.length === 0) parseError(path, `Rule ${name} has no arguments`, branch[0]);
    const body = (branch as unknown[]).slice(1).map((c, j) => parseClause(c, `${path} (${name}) clause ${j}`, false));
    const prev = out.get(name!);
    if (prev !== undefined && prev[0]!.head.length !== head.length) {
      parseError(path, `Rule ${name} branches have different arities (${prev[0]!.head.length} and ${head.length})`, branch[0]);
    }
    const entry: RuleBranch = { name: name!, required, vars: head, head, body };
    if (prev === undefined) out.set(name!, [entry]);
    else prev.push(entry);
  });
  return out;
}

export type { EdnValue };
