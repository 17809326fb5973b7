// The parsed form of a Datalog query. The parser (parser.ts, grammar beside it) builds these
// tagged unions from EDN values; the engine never looks at EDN again.
//
// Representation: variables are their symbol text ('?x'); sources are '$' or '$name'; constants
// hold the JS value a datom would hold (keyword constants become ':ns/name' strings, EDN vectors
// become arrays) plus, for keywords, the colon-less name so a pattern can use it as an attribute.

export type Var = { readonly kind: 'var'; readonly name: string };
export type Const = { readonly kind: 'const'; readonly value: unknown; readonly keyword?: string };
export type Blank = { readonly kind: 'blank' };
/** A source symbol passed as a function argument (`get-else $ ...`). */
export type SrcArg = { readonly kind: 'src'; readonly name: string };

/** A position in a data pattern or rule call. */
export type Term = Var | Const | Blank;
/** A function or predicate argument. */
export type Arg = Var | Const | SrcArg;

/** How a function result or an `:in` value is destructured. */
export type Binding =
  | { readonly kind: 'bind-var'; readonly name: string }
  | { readonly kind: 'bind-blank' }
  | { readonly kind: 'bind-tuple'; readonly elems: readonly Binding[] }
  | { readonly kind: 'bind-coll'; readonly elem: Binding };

export type Clause =
  | { readonly kind: 'pattern'; readonly src: string; readonly terms: readonly Term[] }
  | { readonly kind: 'pred'; readonly fn: string; readonly args: readonly Arg[] }
  | { readonly kind: 'fn'; readonly fn: string; readonly args: readonly Arg[]; readonly binding: Binding }
  | { readonly kind: 'rule'; readonly src: string | null; readonly name: string; readonly args: readonly Term[] }
  | { readonly kind: 'not'; readonly src: string | null; readonly clauses: readonly Clause[] }
  | { readonly kind: 'not-join'; readonly src: string | null; readonly vars: readonly string[]; readonly clauses: readonly Clause[] }
  | { readonly kind: 'or'; readonly src: string | null; readonly branches: readonly (readonly Clause[])[] }
  | {
      readonly kind: 'or-join';
      readonly src: string | null;
      readonly required: readonly string[];
      readonly vars: readonly string[];
      readonly branches: readonly (readonly Clause[])[];
    };

/** One branch of a rule: `[(name ?a [?req] ?b) clause...]`. */
export interface RuleBranch {
  readonly name: string;
  readonly required: readonly string[];
  readonly vars: readonly string[]; // every head variable, required ones first, in head order
  readonly head: readonly string[]; // head variables in call order
  readonly body: readonly Clause[];
}
export type Rules = ReadonlyMap<string, readonly RuleBranch[]>;

export type FindElem =
  | { readonly kind: 'find-var'; readonly name: string }
  | { readonly kind: 'find-agg'; readonly fn: string; readonly custom: boolean; readonly args: readonly (Var | Const)[] }
  | { readonly kind: 'find-pull'; readonly src: string; readonly name: string; readonly pattern: Var | Const };

export type FindSpec =
  | { readonly kind: 'rel'; readonly elems: readonly FindElem[] }
  | { readonly kind: 'scalar'; readonly elem: FindElem }
  | { readonly kind: 'coll'; readonly elem: FindElem }
  | { readonly kind: 'tuple'; readonly elems: readonly FindElem[] };

export type InBinding =
  | { readonly kind: 'in-src'; readonly name: string }
  | { readonly kind: 'in-rules' }
  | { readonly kind: 'in-bind'; readonly binding: Binding };

export type ReturnMaps = { readonly kind: 'keys' | 'strs' | 'syms'; readonly names: readonly string[] };

/** One :order-by key: a :find element by position, ascending unless desc. */
export interface OrderKey {
  readonly column: number;
  readonly desc: boolean;
}

export interface Query {
  readonly find: FindSpec;
  readonly returnMaps: ReturnMaps | null;
  readonly with: readonly string[];
  readonly in: readonly InBinding[];
  readonly where: readonly Clause[];
  /** :order-by written in the query (order.ts); absent when it has none. */
  readonly orderBy?: readonly OrderKey[];
}

export const findElems = (spec: FindSpec): readonly FindElem[] => (spec.kind === 'rel' || spec.kind === 'tuple' ? spec.elems : [spec.elem]);

export function bindingVars(b: Binding, out: string[] = []): string[] {
  switch (b.kind) {
    case 'bind-var':
      out.push(b.name);
      break;
    case 'bind-blank':
      break;
    case 'bind-tuple':
      for (const e of b.elems) bindingVars(e, out);
      break;
    case 'bind-coll':
      bindingVars(b.elem, out);
      break;
    default: {
      const never: never = b;
      throw new Error(`unreachable ${String(never)}`);
    }
  }
  return out;
}

/** Every variable a clause mentions (in order, may repeat), including inside nested clauses. */
export function clauseVars(c: Clause, out: string[] = []): string[] {
  const term = (t: Term | Arg): void => {
    if (t.kind === 'var') out.push(t.name);
  };
  switch (c.kind) {
    case 'pattern':
      c.terms.forEach(term);
      break;
    case 'pred':
      c.args.forEach(term);
      break;
    case 'fn':
      c.args.forEach(term);
      bindingVars(c.binding, out);
      break;
    case 'rule':
      c.args.forEach(term);
      break;
    case 'not':
      for (const x of c.clauses) clauseVars(x, out);
      break;
    case 'not-join':
      out.push(...c.vars);
      break;
    case 'or':
      for (const b of c.branches) for (const x of b) clauseVars(x, out);
      break;
    case 'or-join':
      out.push(...c.vars);
      break;
    default: {
      const never: never = c;
      throw new Error(`unreachable ${String(never)}`);
    }
  }
  return out;
}
