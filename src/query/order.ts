// :order-by, as Datahike's query map has it: sort the rows of a relation (or collection) find
// before :offset/:limit cut a page, so pages are stable.
//
//   order-by  = key | [key dir? key dir? ...]      key = find variable | column index (0-based)
//   dir       = :asc | :desc                       (default :asc)
//
// Written in the query (`:order-by ?a :desc` in a vector, `{:order-by [?a :desc]}` in a map) or in
// the arg map (`q({ query, args, orderBy: ['?a', 'desc', '?n'] })`, JS spellings: '?a', 1, 'desc'
// or ':desc', or EDN text '[?a :desc]'). Keys name find elements: a variable by name, any element
// (an aggregate, say) by its index. Rows equal on every key keep a fixed order (whole-row
// comparison), so the same query pages the same way every time.

import { readEdn } from '../edn/reader.js';
import { isKeyword, isSymbol } from '../edn/types.js';
import { type ErrorCode, fail, show } from '../util/errors.js';
import { findElems, type FindSpec, type OrderKey } from './ast.js';

export type { OrderKey };
import { compareValues } from './values.js';

/** An element of an order-by spec as JS: symbols and keywords become their names. */
function plain(x: unknown): unknown {
  if (isSymbol(x)) return x.name;
  if (isKeyword(x)) return `:${x.name}`;
  return x;
}

const direction = (x: unknown): 'asc' | 'desc' | null => {
  if (typeof x !== 'string') return null;
  const d = x.startsWith(':') ? x.slice(1) : x;
  return d === 'asc' || d === 'desc' ? d : null;
};

/**
 * Resolve a spec against the :find spec. `spec` is what the user wrote (EDN form items, JS
 * values, or EDN text); `code` is the error code to fail with (query/parse in the query itself,
 * query/invalid-input in the arg map).
 */
export function parseOrderBy(spec: unknown, find: FindSpec, code: ErrorCode): OrderKey[] {
  let items: unknown[];
  if (typeof spec === 'string' && spec.trimStart().startsWith('[')) {
    try {
      items = (readEdn(spec) as unknown[]).map(plain);
    } catch (e) {
      return fail(code, `:order-by is not valid EDN: ${show(spec)} (${(e as Error).message})`, { orderBy: spec });
    }
  } else {
    items = (Array.isArray(spec) ? spec : [spec]).map(plain);
  }
  if (find.kind !== 'rel' && find.kind !== 'coll')
    fail(code, `:order-by needs a relation or collection :find, not a ${find.kind} find`, { orderBy: show(spec) });
  if (items.length === 0) fail(code, ':order-by needs at least one key', { orderBy: show(spec) });
  const elems = findElems(find);
  const names = elems.map((e) => (e.kind === 'find-var' ? e.name : null));
  const keys: OrderKey[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (direction(item) !== null) fail(code, `:order-by ${show(item)} has no key before it in ${show(spec)}`, { orderBy: show(spec) });
    let column: number;
    if (typeof item === 'number') {
      if (!Number.isInteger(item) || item < 0 || item >= elems.length) {
        fail(code, `:order-by column index ${show(item)} is out of bounds: :find has ${elems.length} element(s)`, { index: item, find: elems.length });
      }
      column = item;
    } else if (typeof item === 'string' && item.startsWith('?')) {
      column = names.indexOf(item);
      if (column < 0) fail(code, `:order-by variable ${item} is not a :find variable (${names.filter((n) => n !== null).join(' ') || 'none'})`, { var: item });
    } else {
      return fail(code, `:order-by key must be a :find variable or a column index, got ${show(item)}`, { orderBy: show(spec) });
    }
    const dir = direction(items[i + 1]);
    if (dir !== null) i++;
    keys.push({ column, desc: dir === 'desc' });
  }
  return keys;
}

/** Sort tuples (find-element order) by the keys; ties broken by the whole row. */
export function orderTuples(tuples: unknown[][], keys: readonly OrderKey[]): unknown[][] {
  return tuples.sort((a, b) => {
    for (const k of keys) {
      const c = compareValues(a[k.column], b[k.column]);
      if (c !== 0) return k.desc ? -c : c;
    }
    for (let i = 0; i < a.length; i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return 0;
  });
}
