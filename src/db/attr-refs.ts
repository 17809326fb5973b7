// Attribute refs (config `attributeRefs: true`, Datahike's `:attribute-refs?`): the attribute of
// every stored datom is the entity id of the attribute's schema entity, not its ident.
//
// Representation: the engine above the index layer (tx, query, pull, entity, reports, the tail
// of the transaction log) always sees datoms whose `a` is the ident string. Only the index sets
// of an attribute-refs database hold datoms whose `a` is a number, the attribute's entity id;
// `DbValue` (db.ts) turns bounds into that form before reading and results back after, and
// `applyChanges` (apply.ts) turns what it writes. Numbers and strings never meet in one index,
// so the comparators (compare.ts, which order `a` with `<`) need no change; an index then orders
// attributes by id, as Datahike's does.
//
// System entities: as in Datahike, every attribute-refs database starts with the system schema as
// datoms at tx TX0, entity ids 1..54 fixed (Datahike's `system-schema`, so ids agree with a
// Datahike attribute-refs database), and user entity ids start at 55. They cannot be changed.
// Unlike Datahike, the values of the keyword-valued schema attributes (db/valueType,
// db/cardinality, db/unique) stay keywords rather than refs to the enum entities, so queries and
// pulls answer the same with and without attribute refs.

import { CairnError, show } from '../util/errors.js';
import { SYSTEM_ATTRS } from './schema.js';
import { Datom, TX0, type Schema } from './types.js';

/** Datahike's system entity ids (datahike.constants/system-schema); the ids are stable on disk. */
export const SYSTEM_IDENTS: readonly string[] = [
  'db/ident',
  'db/valueType',
  'db/cardinality',
  'db/doc',
  'db/index',
  'db/unique',
  'db/noHistory',
  'db.install/attribute',
  'db/txInstant',
  'db.cardinality/many',
  'db.cardinality/one',
  'db.part/sys',
  'db.part/tx',
  'db.part/user',
  'db.type/bigdec',
  'db.type/bigint',
  'db.type/boolean',
  'db.type/double',
  'db.type/cardinality',
  'db.type/float',
  'db.type/number',
  'db.type/instant',
  'db.type/keyword',
  'db.type/long',
  'db.type/ref',
  'db.type/string',
  'db.type/symbol',
  'db.type/unique',
  'db.type/uuid',
  'db.type/valueType',
  'db.type.install/attribute',
  'db.unique/identity',
  'db.unique/value',
  'db/isComponent',
  'db/tupleType',
  'db/tupleTypes',
  'db/tupleAttrs',
  'db.type/tuple',
  'db.valid/from',
  'db.valid/to',
  'db.secondary/type',
  'db.secondary/attrs',
  'db.secondary/config',
  'db.secondary/status',
  'db.secondary/building-since-tx',
  'db.secondary/only',
  'dh.ref/db',
  'dh.ref/attr',
  'dh.ref/value',
  'dh.ref/temporal',
  'dh.ref/type',
  'db.type/store-ref',
  'db/maxLength',
  'db.attr/preds',
];

/**
 * The highest system entity id; user entities of an attribute-refs database start after it.
 * A literal, not `SYSTEM_IDENTS.length`: a top-level property read would give the module a side
 * effect for bundlers (package.json sideEffects); a test keeps the two equal.
 */
export const SYSTEM_MAX_EID = 54;

/** Entity id of a system ident (1-based, in Datahike's order). */
export function systemEid(ident: string): number | undefined {
  const i = SYSTEM_IDENTS.indexOf(ident);
  return i < 0 ? undefined : i + 1;
}

export function isSystemEntity(e: number): boolean {
  return e >= 1 && e <= SYSTEM_MAX_EID;
}

/**
 * The datoms an attribute-refs database starts with (ident form, tx TX0): every system entity's
 * db/ident and each system attribute CairnDB knows with its properties, as Datahike's
 * `ref-datoms`. Datahike also gives the TX0 entity a db/txInstant at the epoch; CairnDB does not,
 * so transaction listings (`[?tx :db/txInstant]`) answer the same with and without attribute refs.
 */
export function systemDatoms(): Datom[] {
  // every ident first, so each property datom's attribute already has its id when it is stored
  const out: Datom[] = SYSTEM_IDENTS.map((ident, i) => new Datom(i + 1, 'db/ident', `:${ident}`, TX0));
  SYSTEM_IDENTS.forEach((ident, i) => {
    const e = i + 1;
    const s = SYSTEM_ATTRS.get(ident);
    if (s === undefined) return;
    if (s.valueType !== undefined) out.push(new Datom(e, 'db/valueType', `:${s.valueType}`, TX0));
    out.push(new Datom(e, 'db/cardinality', `:db.cardinality/${s.cardinality}`, TX0));
    if (s.unique !== undefined) out.push(new Datom(e, 'db/unique', `:db.unique/${s.unique}`, TX0));
    if (s.index) out.push(new Datom(e, 'db/index', true, TX0));
    if (s.noHistory) out.push(new Datom(e, 'db/noHistory', true, TX0));
  });
  return out;
}

/** A datom with another attribute (the stored id, or back the ident). */
function withAttr(d: Datom, a: string | number): Datom {
  // in an attribute-refs index `a` holds a number: the one place the string type is bent
  return new Datom(d.e, a as string, d.v, d.tx, d.added);
}

/**
 * The stored id of an attribute given as ident or id (an id is taken as is: only attribute ids
 * occur in the sets, so one naming no attribute matches nothing); undefined for an unknown ident.
 */
export function attrId(schema: Schema, a: string | number | undefined): number | undefined {
  if (typeof a === 'number') return a;
  if (a === undefined) return undefined;
  return schema.identToEid.get(a);
}

/** The ident of an attribute given by its entity id (a number given to datoms or a query). */
export function identOfId(schema: Schema, id: number): string | undefined {
  return schema.eidToIdent.get(id);
}

/**
 * A range bound in stored form: undefined stays undefined (open), null when its attribute names
 * nothing stored (the range is empty).
 */
export function storedBound(schema: Schema, b: Datom | undefined): Datom | undefined | null {
  if (b === undefined || b.a === undefined) return b;
  const id = attrId(schema, b.a);
  return id === undefined ? null : withAttr(b, id);
}

// Per schema value, ident by entity id as a dense array: the read path's lookup, once per datom.
const identArrays = new WeakMap<Schema, string[]>();
function identArray(schema: Schema): string[] {
  let a = identArrays.get(schema);
  if (a === undefined) {
    a = [];
    for (const [id, ident] of schema.eidToIdent) if (id < TX0) a[id] = ident;
    identArrays.set(schema, a);
  }
  return a;
}

/** Stored datoms back in ident form. */
export function identDatoms(schema: Schema, ds: readonly Datom[]): Datom[] {
  const names = identArray(schema);
  const out: Datom[] = new Array(ds.length);
  for (let i = 0; i < ds.length; i++) {
    const d = ds[i]!;
    const id = d.a as unknown as number;
    // an id whose entity lost its db/ident still names the attribute: show the id, as Datahike
    out[i] = new Datom(d.e, names[id] ?? String(id), d.v, d.tx, d.added);
  }
  return out;
}

/**
 * Ident -> id while a change list is applied in order: starts from the schema before it and
 * follows the db/ident datoms of the list itself, so a transaction (or a replayed tail) that
 * declares an attribute and then uses it, or renames one, stores the right id.
 */
export class AttrIds {
  private readonly schema: Schema;
  private overlay: Map<string, number | null> | null = null;

  constructor(schema: Schema) {
    this.schema = schema;
  }

  /** Learn from a db/ident datom (call before `stored` of the same datom). */
  note(d: Datom): void {
    if (d.a !== 'db/ident' || typeof d.v !== 'string') return;
    const ident = d.v.charCodeAt(0) === 58 ? d.v.slice(1) : d.v;
    (this.overlay ??= new Map()).set(ident, d.added ? d.e : null);
  }

  stored(d: Datom): Datom {
    const o = this.overlay?.get(d.a);
    const id = o === undefined ? this.schema.identToEid.get(d.a) : o;
    if (id === undefined || id === null) {
      throw new CairnError('schema/unknown-attribute', `attribute ${show(d.a)} has no schema entity to store it by (attributeRefs)`, { attribute: d.a });
    }
    return withAttr(d, id);
  }
}

/** System entities cannot be changed (Datahike: "System schema entity cannot be changed"). */
export function refuseSystemChanges(datoms: readonly Datom[]): void {
  for (const d of datoms) {
    if (isSystemEntity(d.e)) {
      throw new CairnError(
        'schema/change',
        `system entity ${d.e} (${SYSTEM_IDENTS[d.e - 1]}) cannot be changed: ${d.added ? 'asserting' : 'retracting'} ${d.a}`,
        {
          entity: d.e,
          attribute: d.a,
        },
      );
    }
  }
}
