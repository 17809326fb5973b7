// Stage 1, normalize: tx data (JS values or an EDN string) -> NormOp[] against the projected
// schema. Entity maps are exploded (nested maps become child entities, reverse keys
// 'ns/_attr' become forward assertions from the value, arrays become several values for
// card-many attributes); list ops are parsed by name, colon optional; values are checked and
// put in normal form (valuetypes.ts); ref values become entity references for the resolver.
// Tempids are recorded in order of first appearance: a map's own entity counts where the map
// begins, before anything nested in it.
//
// How a string in an entity position is read: 'db/current-tx' (and Datomic's spellings) is the
// tx entity; ':ns/name' or a known ident is an ident (a lookup ref on db/ident); any other
// string is a tempid. Negative numbers are tempids; positive integers are entity ids.

import { isSchemaAttr } from '../db/schema.js';
import { Datom, type AttrSchema, type Schema } from '../db/types.js';
import { coerceValue } from '../db/valuetypes.js';
import { readEdn, ednToJs } from '../edn/index.js';
import { CairnError, show } from '../util/errors.js';
import { getOwn, setOwn } from '../util/objects.js';
import { loneSurrogateAt } from '../util/unicode.js';
import { TX_ENTITY_NAMES, type EntityIn, type NormOp, type Normalized, type ValueIn } from './types.js';
import { isBytes, isDate, isMap, isSet } from '../util/brands.js';

export function strip(s: string): string {
  return s.charCodeAt(0) === 58 ? s.slice(1) : s;
}

export function isPlainMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !isDate(x) && !isBytes(x) && !(x instanceof Datom) && !isSet(x) && !isMap(x);
}

/** A JS Map has no own keys: read as an entity map it would silently assert nothing. */
function notAMap(x: unknown, where: string): void {
  if (isMap(x)) {
    throw new CairnError('transact/syntax', `${where} is a Map ${show(x)}; give a plain object (Object.fromEntries(map))`, { item: show(x) });
  }
}

/**
 * An attribute name must survive as a key: '__proto__' is not an ordinary key of the plain
 * objects pull, schema() and reports return, and a lone surrogate would not survive storage.
 */
function checkAttrKey(a: string, context: unknown): void {
  if (a === '__proto__') {
    throw new CairnError('transact/syntax', `${show(a)} cannot be an attribute name (it is not an ordinary key of a JS object), in ${show(context)}`, {
      attribute: a,
    });
  }
  const at = loneSurrogateAt(a);
  if (at >= 0) {
    throw new CairnError(
      'transact/invalid-string',
      `attribute name ${show(a)} is not well-formed Unicode: a lone UTF-16 surrogate at index ${at} cannot be stored`,
      { attribute: show(a), index: at },
    );
  }
}

/** Split the transact input into tx data items and tx-meta. EDN strings are read here. */
export function splitInput(input: unknown): { items: readonly unknown[]; txMeta: Record<string, unknown> } {
  let x = input;
  if (typeof x === 'string') x = ednToJs(readEdn(x), 'tx');
  if (Array.isArray(x)) return { items: x, txMeta: {} };
  if (isPlainMap(x) && 'txData' in x) {
    let data = x.txData;
    if (typeof data === 'string') data = ednToJs(readEdn(data), 'tx');
    if (!Array.isArray(data)) throw new CairnError('transact/syntax', `txData must be an array or an EDN string, got ${show(data)}`);
    const meta = x.txMeta ?? {};
    notAMap(meta, 'txMeta');
    if (!isPlainMap(meta)) throw new CairnError('transact/syntax', `txMeta must be an object, got ${show(meta)}`);
    const txMeta: Record<string, unknown> = {};
    for (const k of Object.keys(meta)) setOwn(txMeta, strip(k), meta[k]);
    return { items: data, txMeta };
  }
  throw new CairnError('transact/syntax', `tx data must be an array, an EDN string or { txData, txMeta }, got ${show(input)}`);
}

const LIST_OPS = {
  'db/add': 'add',
  'db/retract': 'retract',
  'db/retractEntity': 'retractEntity',
  'db.fn/retractEntity': 'retractEntity',
  'db.fn/retractAttribute': 'retractAttribute',
  'db/cas': 'cas',
  'db.fn/cas': 'cas',
} as const;
type ListOp = (typeof LIST_OPS)[keyof typeof LIST_OPS];

function checkArity(item: readonly unknown[], name: string, min: number, max: number): void {
  if (item.length < min || item.length > max) throw new CairnError('transact/syntax', `wrong number of arguments to ${name} in ${show(item)}`, { op: name });
}

function checkNoTempid(e: EntityIn, item: readonly unknown[], name: string): EntityIn {
  if (e.kind === 'tempid')
    throw new CairnError('transact/tempid', `tempid ${show(item[1])} can only be used in db/add, not in ${name}`, { op: name, tempid: show(item[1]) });
  return e;
}

const MAX_NESTING = 1000;

interface KeyPlan {
  readonly a: string;
  readonly reverse: boolean;
  readonly s: AttrSchema | undefined;
}

class Normalizer {
  readonly ops: NormOp[] = [];
  readonly tempidOrder: string[] = [];
  private readonly seen = new Set<string>();
  private autoCount = 0;
  private depth = 0;
  private readonly plans = new Map<string, KeyPlan | null>();
  private readonly schema: Schema;

  /** Idents of the db before this tx: a tx renaming one still names the entity by its old ident. */
  private readonly dbIdents: ReadonlyMap<string, number>;

  constructor(schema: Schema, dbIdents: ReadonlyMap<string, number>) {
    this.schema = schema;
    this.dbIdents = dbIdents;
  }

  private noteTempid(e: EntityIn): void {
    if (e.kind === 'tempid' && !this.seen.has(e.key)) {
      this.seen.add(e.key);
      this.tempidOrder.push(e.key);
    }
  }

  /** The schema of attribute `a`, or undefined under schema-on-read; unknown under 'write' throws. */
  attr(a: string, context: unknown): AttrSchema | undefined {
    const s = this.schema.attrs.get(a);
    if (s === undefined && this.schema.flexibility === 'write') {
      throw new CairnError('schema/unknown-attribute', `attribute ${a} is not defined in the current schema (in ${show(context)})`, { attribute: a });
    }
    return s;
  }

  attrName(x: unknown, context: unknown): string {
    if (typeof x !== 'string' || x.length === 0 || x === ':') {
      throw new CairnError('transact/syntax', `bad attribute ${show(x)} in ${show(context)}`, { attribute: show(x) });
    }
    const a = strip(x);
    checkAttrKey(a, context);
    if (a === 'db/id') throw new CairnError('transact/syntax', `db/id cannot be used as an attribute in ${show(context)}`);
    return a;
  }

  /** An entity position. */
  entity(x: unknown, context: unknown): EntityIn {
    if (typeof x === 'number') {
      if (!Number.isInteger(x) || x === 0) throw new CairnError('transact/entity-id', `bad entity id ${show(x)} in ${show(context)}`, { entity: show(x) });
      return x < 0 ? { kind: 'tempid', key: String(x), auto: false } : { kind: 'eid', id: x };
    }
    if (typeof x === 'string') {
      if (TX_ENTITY_NAMES.has(x)) return { kind: 'tx' };
      if (x.charCodeAt(0) === 58) return { kind: 'lookup', a: 'db/ident', v: x };
      if (x.includes('/') && (this.schema.identToEid.has(x) || this.dbIdents.has(x))) return { kind: 'lookup', a: 'db/ident', v: `:${x}` };
      if (x.length === 0) throw new CairnError('transact/tempid', 'empty string is not a tempid');
      return { kind: 'tempid', key: x, auto: false };
    }
    if (Array.isArray(x) && x.length === 2 && typeof x[0] === 'string') {
      return { kind: 'lookup', a: strip(x[0]), v: x[1] };
    }
    throw new CairnError('transact/syntax', `bad entity reference ${show(x)} in ${show(context)}`, { entity: show(x) });
  }

  /** A ref attribute's value: entity reference or (in maps) a nested entity map. */
  refValue(x: unknown, a: string, context: unknown): ValueIn {
    if (isPlainMap(x)) return { kind: 'ref', ref: this.explode(x) };
    if (x === null || x === undefined)
      throw new CairnError('transact/nil-value', `cannot store nil as the value of ${a} (in ${show(context)})`, { attribute: a });
    const ref = this.entity(x, context);
    if (ref.kind === 'eid' && ref.id <= 0) throw new CairnError('transact/entity-id', `bad entity id ${show(x)} for ${a}`);
    this.noteTempid(ref);
    return { kind: 'ref', ref };
  }

  value(s: AttrSchema | undefined, a: string, x: unknown, context: unknown): ValueIn {
    if (s !== undefined && s.valueType === 'db.type/ref') return this.refValue(x, a, context);
    if (isPlainMap(x)) throw new CairnError('schema/type', `a nested map is only allowed as the value of a ref attribute, not of ${a}`, { attribute: a });
    return { kind: 'value', v: coerceValue(s, x, a) };
  }

  /**
   * Composite tuples are maintained from their members. An assertion may still name one (how a
   * map upserts through a composite identity, as in DataScript): the check stage accepts it only
   * when it equals the maintained value. A cas on one is always a direct modification.
   */
  checkCasTarget(s: AttrSchema | undefined, a: string): void {
    if (s?.tupleAttrs !== undefined) {
      throw new CairnError('transact/tuple', `can't modify tuple attrs directly: ${a} is maintained from ${s.tupleAttrs.join(', ')}`, { attribute: a });
    }
  }

  /**
   * Does a map value `x` for attribute `s` stand for several values? Only for a card-many
   * attribute: a Set given to a card-one attribute is one value of the wrong type (as in
   * Datahike), not several of which the last would silently win.
   */
  private isMulti(s: AttrSchema | undefined, x: unknown): x is readonly unknown[] {
    if (s === undefined || s.cardinality !== 'many') return false;
    if (isSet(x)) return true;
    if (!Array.isArray(x)) return false;
    if (s.valueType === 'db.type/tuple') return x.length === 0 || Array.isArray(x[0]);
    if (s.valueType === 'db.type/ref') return !this.isLookupRef(x);
    return true;
  }

  private isLookupRef(x: readonly unknown[]): boolean {
    if (x.length !== 2 || typeof x[0] !== 'string') return false;
    const a = strip(x[0]);
    return this.schema.uniqueIdentity.has(a) || this.schema.uniqueValue.has(a);
  }

  /**
   * What a map key means, computed once per distinct key string per tx (maps of one tx mostly
   * share their keys): null for keys without meaning here, else the attribute, whether it is a
   * reverse key, and its schema (already checked: declared under 'write').
   */
  private plan(key: string, context: unknown): KeyPlan | null {
    let p = this.plans.get(key);
    if (p !== undefined) return p;
    const k = strip(key);
    if (k.length === 0) throw new CairnError('transact/syntax', `bad attribute ${show(key)} in ${show(context)}`, { attribute: key });
    // db.install/_attribute: Datomic compatibility in schema maps, no meaning here
    checkAttrKey(k, context);
    if (k === 'db/id' || k === 'db.install/_attribute') p = null;
    else {
      const slash = k.indexOf('/');
      if (slash >= 0 && k.charCodeAt(slash + 1) === 95 /* _ */) {
        p = { a: `${k.slice(0, slash + 1)}${k.slice(slash + 2)}`, reverse: true, s: undefined };
      } else {
        p = { a: k, reverse: false, s: this.attr(k, context) };
      }
    }
    this.plans.set(key, p);
    return p;
  }

  /** Explode an entity map; returns its entity. */
  explode(m: Record<string, unknown>): EntityIn {
    const idRaw = 'db/id' in m ? m['db/id'] : m[':db/id'];
    const e: EntityIn = idRaw === undefined || idRaw === null ? { kind: 'tempid', key: `\u0000auto${this.autoCount++}`, auto: true } : this.entity(idRaw, m);
    if (e.kind === 'eid' && e.id <= 0) throw new CairnError('transact/entity-id', `bad db/id ${show(idRaw)}`);
    this.noteTempid(e);
    // A cyclic JS object would nest forever; no sane tx data nests this deep. (No finally
    // needed: a throw abandons the whole Normalizer.)
    if (++this.depth > MAX_NESTING) {
      throw new CairnError('transact/syntax', `entity maps nested more than ${MAX_NESTING} deep (a cyclic object?) at ${show(m)}`);
    }
    for (const key of Object.keys(m)) {
      const plan = this.plan(key, m);
      if (plan === null) continue;
      const x = m[key];
      if (plan.reverse) {
        this.reverse(e, plan.a, x, m);
        continue;
      }
      const k = plan.a,
        s = plan.s;
      if (x === null || x === undefined) {
        throw new CairnError('transact/nil-value', `cannot store nil as the value of ${k} (in ${show(m)})`, { attribute: k });
      }
      if (this.isMulti(s, x)) {
        for (const xi of x) this.ops.push({ op: 'add', e, a: k, v: this.value(s, k, xi, m) });
      } else {
        this.ops.push({ op: 'add', e, a: k, v: this.value(s, k, x, m) });
      }
    }
    this.depth--;
    return e;
  }

  private reverse(e: EntityIn, a: string, x: unknown, context: unknown): void {
    const s = this.attr(a, context);
    if (s !== undefined && s.valueType !== 'db.type/ref') {
      throw new CairnError('schema/type', `reverse attribute ${a.replace('/', '/_')} needs ${a} to be a ref`, { attribute: a });
    }
    const sources = Array.isArray(x) && !this.isLookupRef(x) ? x : [x];
    for (const src of sources) {
      const from = isPlainMap(src) ? this.explode(src) : this.entity(src, context);
      this.noteTempid(from);
      this.ops.push({ op: 'add', e: from, a, v: { kind: 'ref', ref: e } });
    }
  }

  list(item: readonly unknown[]): void {
    const name = typeof item[0] === 'string' ? strip(item[0]) : '';
    const op = getOwn<ListOp>(LIST_OPS, name);
    if (op === undefined) throw new CairnError('transact/syntax', `unknown operation ${show(item[0])} in ${show(item)}`, { op: show(item[0]) });
    switch (op) {
      case 'add': {
        checkArity(item, name, 4, 4);
        const e = this.entity(item[1], item);
        this.noteTempid(e);
        const a = this.attrName(item[2], item);
        const s = this.attr(a, item);
        this.ops.push({ op: 'add', e, a, v: this.value(s, a, item[3], item) });
        return;
      }
      case 'retract': {
        checkArity(item, name, 3, 4);
        const e = checkNoTempid(this.entity(item[1], item), item, name);
        const a = this.attrName(item[2], item);
        const s = this.attr(a, item);
        this.ops.push({ op: 'retract', e, a, v: item.length === 4 ? this.value(s, a, item[3], item) : undefined });
        return;
      }
      case 'retractEntity':
        checkArity(item, name, 2, 2);
        this.ops.push({ op: 'retractEntity', e: checkNoTempid(this.entity(item[1], item), item, name) });
        return;
      case 'retractAttribute': {
        checkArity(item, name, 3, 3);
        const e = checkNoTempid(this.entity(item[1], item), item, name);
        const a = this.attrName(item[2], item);
        this.attr(a, item);
        this.ops.push({ op: 'retractAttribute', e, a });
        return;
      }
      case 'cas': {
        checkArity(item, name, 5, 5);
        const e = this.entity(item[1], item);
        if (e.kind === 'tempid') {
          // as Datahike (entid-strict): compare-and-set needs an entity that exists already
          throw new CairnError('transact/cas', `db/cas needs an existing entity, got the tempid ${show(item[1])} in ${show(item)}`, { entity: show(item[1]) });
        }
        this.noteTempid(e);
        const a = this.attrName(item[2], item);
        const s = this.attr(a, item);
        this.checkCasTarget(s, a);
        const old = item[3] === null || item[3] === undefined ? null : this.value(s, a, item[3], item);
        this.ops.push({ op: 'cas', e, a, old, v: this.value(s, a, item[4], item) });
        return;
      }
      default: {
        const never: never = op;
        throw new CairnError('transact/syntax', `unhandled op ${String(never)}`);
      }
    }
  }

  item(item: unknown): void {
    if (item === null || item === undefined) return; // nil elements are skipped (Datahike)
    if (item instanceof Datom) {
      this.list(item.added ? ['db/add', item.e, item.a, item.v] : ['db/retract', item.e, item.a, item.v]);
    } else if (Array.isArray(item)) {
      this.list(item);
    } else if (isPlainMap(item)) {
      this.explode(item);
    } else {
      notAMap(item, 'a tx data element');
      throw new CairnError('transact/syntax', `bad tx data element ${show(item)}: expected an entity map or a list op`, { item: show(item) });
    }
  }
}

/**
 * Normalize tx data. `txMeta` entries and `extra` ops (the automatic txInstant) are asserted on
 * the tx entity and come first, as in Datahike.
 */
export function normalize(
  schema: Schema,
  items: readonly unknown[],
  txMeta: Record<string, unknown>,
  dbIdents: ReadonlyMap<string, number> = schema.identToEid,
): Normalized {
  const n = new Normalizer(schema, dbIdents);
  for (const k of Object.keys(txMeta)) {
    n.attrName(k, txMeta);
    const s = n.attr(k, txMeta);
    if (isSchemaAttr(k)) throw new CairnError('transact/syntax', `tx-meta cannot assert schema attribute ${k}`, { attribute: k });
    n.ops.push({ op: 'add', e: { kind: 'tx' }, a: k, v: n.value(s, k, txMeta[k], txMeta) });
  }
  for (const item of items) n.item(item);
  return { ops: n.ops, tempidOrder: n.tempidOrder, txMeta };
}
