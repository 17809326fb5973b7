// EDN values -> the plain JS data conventions of docs/api.md ("Data conventions"):
//   - attributes (map keys, the attribute of a list op, the attribute of a lookup ref) become
//     colon-less strings: :person/name -> 'person/name';
//   - keyword VALUES become ':ns/name' strings; symbols become their name;
//   - vectors, lists and sets become arrays; maps become plain objects; #uuid becomes its
//     canonical string; Date, bigint, numbers, strings, booleans and nil (null) pass through.
// Keyword values that sit where a lookup-ref attribute or ident may appear keep their colon
// (e.g. a ref value [:person/email "a"] -> [':person/email', 'a']): the tx layer accepts a
// leading colon on attributes and drops it (docs/api.md), and only it knows the schema.

import { CairnError } from '../util/errors.js';
import { setOwn } from '../util/objects.js';
import { printEdn } from './printer.js';
import { type EdnValue, Keyword, List, Sym, Tagged, Uuid } from './types.js';
import { isDate, isMap, isSet } from '../util/brands.js';

/**
 * - 'value': generic conversion (query inputs, tx-meta, pull :default values).
 * - 'attr':  the value names an attribute: a keyword (or ':'-prefixed string) loses its colon.
 * - 'tx':    a whole tx-data form: a vector/list of entity maps and list ops, or the map
 *            {:tx-data [...] :tx-meta {...}} which becomes { txData, txMeta }.
 */
export type EdnToJsMode = 'value' | 'attr' | 'tx';

export function ednToJs(value: EdnValue, mode: EdnToJsMode = 'value'): unknown {
  switch (mode) {
    case 'value':
      return toJs(value);
    case 'attr':
      return toAttr(value);
    case 'tx':
      return toTx(value);
    default: {
      const never: never = mode;
      throw new CairnError('edn/parse', `unknown ednToJs mode ${String(never)}`);
    }
  }
}

/** A map key or attribute position: keywords and symbols colon-less, other keys as EDN text. */
function keyName(k: EdnValue): string {
  if (k instanceof Keyword || k instanceof Sym) return k.name;
  if (typeof k === 'string') return k;
  return printEdn(k);
}

function toAttr(v: EdnValue): unknown {
  if (v instanceof Keyword) return v.name;
  if (typeof v === 'string' && v.charCodeAt(0) === 58 /* : */) return v.slice(1);
  return toJs(v);
}

function toJs(v: EdnValue): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Keyword) return `:${v.name}`;
  if (Array.isArray(v)) return v.map(toJs);
  if (isMap(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) setOwn(out, keyName(k), toJs(x));
    return out;
  }
  if (v instanceof List) return v.items.map(toJs);
  if (isSet(v)) return [...v].map(toJs);
  if (v instanceof Sym) return v.name;
  if (v instanceof Uuid) return v.value;
  if (isDate(v) || v instanceof Tagged) return v;
  return v;
}

const TX_DATA = 'tx-data';
const TX_META = 'tx-meta';

function toTx(v: EdnValue): unknown {
  if (isMap(v)) {
    let txData: unknown = undefined;
    let txMeta: unknown = undefined;
    for (const [k, x] of v) {
      const name = keyName(k);
      if (name === TX_DATA) txData = toTxData(x);
      else if (name === TX_META) txMeta = toJs(x);
      else throw new CairnError('transact/syntax', `unexpected key ${printEdn(k)} in tx map (expected :tx-data, :tx-meta)`, { key: name });
    }
    if (txData === undefined) throw new CairnError('transact/syntax', 'tx map without :tx-data', {});
    return txMeta === undefined ? { txData } : { txData, txMeta };
  }
  return toTxData(v);
}

function toTxData(v: EdnValue): unknown[] {
  const items = Array.isArray(v) ? v : v instanceof List ? v.items : null;
  if (items === null) {
    throw new CairnError('transact/syntax', `tx data must be a vector or list, got ${printEdn(v)}`, {});
  }
  return items.map(toTxItem);
}

/** One tx-data element: entity maps convert as values; list ops get attribute positions. */
function toTxItem(item: EdnValue): unknown {
  const op = Array.isArray(item) ? item : item instanceof List ? item.items : null;
  if (op === null) return toJs(item);
  const out: unknown[] = new Array(op.length);
  for (let i = 0; i < op.length; i++) {
    const x = op[i]!;
    out[i] = i === 0 || i === 2 ? toAttr(x) : i === 1 ? toEntityRef(x) : toJs(x);
  }
  return out;
}

/** An entity position: a lookup ref's attribute loses its colon, anything else is a value. */
function toEntityRef(x: EdnValue): unknown {
  if (Array.isArray(x) && x.length === 2 && x[0] instanceof Keyword) return [x[0].name, toJs(x[1]!)];
  return toJs(x);
}
