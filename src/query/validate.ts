// Checks DataScript's parser and `in->rel` make that the grammar alone does not: they reject a
// query (or an input) that would otherwise run and quietly return something else.
//
// - a variable in both :find and :with (DataScript: ":find and :with should not use same variables")
// - `or` branches that mention different variables (only `or-join` may; DataScript: "All clauses in
//   'or' must use same set of free vars")
// - an :in tuple binding given a collection with fewer elements than the tuple names

import { fail, show } from '../util/errors.js';
import { type Binding, type Clause, clauseVars, findElems, type Query } from './ast.js';
import { findElemVars } from './find.js';
import { printClause } from './print.js';
import { elementsOf } from './values.js';

export function checkShape(q: Query): void {
  const found = new Set(findElems(q.find).flatMap(findElemVars));
  const both = [...new Set(q.with.filter((v) => found.has(v)))];
  if (both.length > 0) fail('query/parse', `:find and :with should not use the same variables: [${both.join(' ')}]`, { vars: both });
  checkOrs(q.where);
}

/** Every `or` (at any depth) must have branches over one set of variables. */
export function checkOrs(clauses: readonly Clause[]): void {
  for (const c of clauses) {
    switch (c.kind) {
      case 'or': {
        const sets = c.branches.map((b) => [...new Set(b.flatMap((x) => clauseVars(x)))].sort());
        const first = sets[0]!.join(' ');
        if (sets.some((s) => s.join(' ') !== first)) {
          const shown = sets.map((s) => `[${s.join(' ')}]`).join(' ');
          fail('query/parse', `All branches of 'or' must use the same set of variables (use or-join otherwise), had ${shown} in ${printClause(c)}`, {
            clause: printClause(c),
            vars: sets,
          });
        }
        for (const b of c.branches) checkOrs(b);
        break;
      }
      case 'or-join':
        for (const b of c.branches) checkOrs(b);
        break;
      case 'not':
      case 'not-join':
        checkOrs(c.clauses);
        break;
      case 'pattern':
      case 'pred':
      case 'fn':
      case 'rule':
        break;
      default: {
        const never: never = c;
        throw new Error(`unreachable ${String(never)}`);
      }
    }
  }
}

/** An :in value must have at least as many elements as each tuple binding it meets names. */
export function checkInputShape(b: Binding, value: unknown, input: number): void {
  if (value === null || value === undefined) return;
  switch (b.kind) {
    case 'bind-var':
    case 'bind-blank':
      return;
    case 'bind-coll':
      for (const x of elementsOf(value) ?? []) checkInputShape(b.elem, x, input);
      return;
    case 'bind-tuple': {
      const xs = elementsOf(value);
      if (xs === undefined) return;
      if (xs.length < b.elems.length) {
        fail('query/invalid-input', `Not enough elements in ${show(value)} (input ${input}) to bind a tuple of ${b.elems.length}`, {
          input,
          given: xs.length,
          expected: b.elems.length,
        });
      }
      b.elems.forEach((e, i) => checkInputShape(e, xs[i], input));
      return;
    }
    default: {
      const never: never = b;
      throw new Error(`unreachable ${String(never)}`);
    }
  }
}
