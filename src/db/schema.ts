// The Schema value: built-in system attributes plus the attributes and enum idents declared by
// transacting schema entities.
//
// Representation: the source of truth is a `RawSchema`, one `RawAttr` per entity that carries
// any schema attribute (db/ident, db/valueType, ...), keyed by entity id and holding the
// colon-less form of each property. The `Schema` (src/db/types.ts) is derived from it by
// `buildSchema`, together with DataScript-style derived sets (refs, many, indexed, ...).
// Invariants: a RawSchema is never mutated once a Db holds it (updates copy the map and the
// touched entries); every ident in `identToEid` is unique (db/ident is unique identity);
// system attributes are in `attrs` but are not entities and never appear in `identToEid`.

import { CairnError } from '../util/errors.js';
import type { AttrSchema, Datom, Schema, Value, ValueType } from './types.js';

/** One schema entity's properties, colon-less ('db.type/string', 'db.cardinality/many'). */
export interface RawAttr {
  ident?: string;
  valueType?: string;
  cardinality?: string;
  unique?: string;
  index?: boolean;
  isComponent?: boolean;
  noHistory?: boolean;
  doc?: string;
  tupleAttrs?: readonly string[];
  tupleType?: string;
  tupleTypes?: readonly string[];
}
export type RawSchema = ReadonlyMap<number, Readonly<RawAttr>>;

/** Schema attribute -> RawAttr property. */
export const SCHEMA_PROPS = {
  'db/ident': 'ident',
  'db/valueType': 'valueType',
  'db/cardinality': 'cardinality',
  'db/unique': 'unique',
  'db/index': 'index',
  'db/isComponent': 'isComponent',
  'db/noHistory': 'noHistory',
  'db/doc': 'doc',
  'db/tupleAttrs': 'tupleAttrs',
  'db/tupleType': 'tupleType',
  'db/tupleTypes': 'tupleTypes',
} as const satisfies Record<string, keyof RawAttr>;
export type SchemaAttr = keyof typeof SCHEMA_PROPS;

export function isSchemaAttr(a: string): a is SchemaAttr {
  return Object.prototype.hasOwnProperty.call(SCHEMA_PROPS, a);
}

export const VALUE_TYPES: readonly ValueType[] = [
  'db.type/string',
  'db.type/keyword',
  'db.type/symbol',
  'db.type/boolean',
  'db.type/long',
  'db.type/bigint',
  'db.type/bigdec',
  'db.type/double',
  'db.type/float',
  'db.type/number',
  'db.type/instant',
  'db.type/uuid',
  'db.type/ref',
  'db.type/bytes',
  'db.type/tuple',
  'db.type/valueType',
  'db.type/cardinality',
  'db.type/unique',
];
const VALUE_TYPE_SET: ReadonlySet<string> = new Set(VALUE_TYPES);
export function isValueType(x: string): x is ValueType {
  return VALUE_TYPE_SET.has(x);
}

function sys(ident: string, valueType: ValueType, extra: Partial<AttrSchema> = {}): AttrSchema {
  return { ident, valueType, cardinality: 'one', index: false, isComponent: false, noHistory: false, ...extra };
}

/** Attributes every database knows without declaring them. */
export const SYSTEM_ATTRS: ReadonlyMap<string, AttrSchema> = systemAttrs();

/** The SYSTEM_ATTRS table; free of side effects, so a bundle that never uses it drops it. */
/* @__NO_SIDE_EFFECTS__ */
function systemAttrs(): ReadonlyMap<string, AttrSchema> {
  return new Map(
    [
      sys('db/ident', 'db.type/keyword', { unique: 'identity' }),
      sys('db/valueType', 'db.type/valueType'),
      sys('db/cardinality', 'db.type/cardinality'),
      sys('db/unique', 'db.type/unique'),
      sys('db/index', 'db.type/boolean'),
      sys('db/isComponent', 'db.type/boolean'),
      sys('db/noHistory', 'db.type/boolean'),
      sys('db/doc', 'db.type/string'),
      sys('db/tupleAttrs', 'db.type/tuple', { tupleType: 'db.type/keyword' }),
      sys('db/tupleType', 'db.type/valueType'),
      sys('db/tupleTypes', 'db.type/tuple', { tupleType: 'db.type/valueType' }),
      sys('db/txInstant', 'db.type/instant', { index: true, noHistory: true }),
    ].map((a) => [a.ident, a] as const),
  );
}

export function isSystemAttr(a: string): boolean {
  return SYSTEM_ATTRS.has(a);
}

/** True when the raw entity declares an attribute (not only an ident, i.e. an enum). */
export function isAttributeEntity(r: Readonly<RawAttr>): boolean {
  return (
    r.valueType !== undefined ||
    r.cardinality !== undefined ||
    r.unique !== undefined ||
    r.index !== undefined ||
    r.isComponent !== undefined ||
    r.noHistory !== undefined ||
    r.tupleAttrs !== undefined ||
    r.tupleType !== undefined ||
    r.tupleTypes !== undefined
  );
}

function toAttrSchema(r: Readonly<RawAttr>, ident: string): AttrSchema {
  const unique = r.unique === 'db.unique/identity' ? 'identity' : r.unique === 'db.unique/value' ? 'value' : undefined;
  const out: { -readonly [K in keyof AttrSchema]: AttrSchema[K] } = {
    ident,
    cardinality: r.cardinality === 'db.cardinality/many' ? 'many' : 'one',
    index: r.index === true,
    isComponent: r.isComponent === true,
    noHistory: r.noHistory === true,
  };
  if (r.valueType !== undefined && isValueType(r.valueType)) out.valueType = r.valueType;
  if (unique !== undefined) out.unique = unique;
  if (r.doc !== undefined) out.doc = r.doc;
  if (r.tupleAttrs !== undefined) out.tupleAttrs = r.tupleAttrs;
  if (r.tupleType !== undefined && isValueType(r.tupleType)) out.tupleType = r.tupleType;
  if (r.tupleTypes !== undefined) out.tupleTypes = r.tupleTypes.filter(isValueType);
  return out;
}

/** Derive the Schema value from the raw schema entities. */
export function buildSchema(flexibility: 'write' | 'read', raw: RawSchema): Schema {
  const attrs = new Map<string, AttrSchema>(SYSTEM_ATTRS);
  const identToEid = new Map<string, number>();
  const eidToIdent = new Map<number, string>();
  for (const [eid, r] of raw) {
    if (r.ident === undefined) continue;
    identToEid.set(r.ident, eid);
    eidToIdent.set(eid, r.ident);
    // an attribute-refs database holds the system attributes as entities too: their built-in schema stays
    if (isAttributeEntity(r) && !SYSTEM_ATTRS.has(r.ident)) attrs.set(r.ident, toAttrSchema(r, r.ident));
  }
  // composite tuples learn their members' types once every attribute is known
  for (const [ident, s] of attrs) {
    if (s.tupleAttrs !== undefined) attrs.set(ident, { ...s, tupleMemberTypes: s.tupleAttrs.map((m) => attrs.get(m)?.valueType) });
  }
  const refs = new Set<string>(),
    many = new Set<string>(),
    components = new Set<string>();
  const uniqueIdentity = new Set<string>(),
    uniqueValue = new Set<string>(),
    indexed = new Set<string>();
  const noHistory = new Set<string>();
  const tupleAttrsOf = new Map<string, string[]>();
  for (const [ident, s] of attrs) {
    if (s.valueType === 'db.type/ref') refs.add(ident);
    if (s.cardinality === 'many') many.add(ident);
    if (s.isComponent) components.add(ident);
    if (s.unique === 'identity') uniqueIdentity.add(ident);
    if (s.unique === 'value') uniqueValue.add(ident);
    if (s.index || s.unique !== undefined || s.valueType === 'db.type/ref') indexed.add(ident);
    if (s.noHistory) noHistory.add(ident);
    if (s.tupleAttrs !== undefined) {
      for (const m of s.tupleAttrs) {
        const list = tupleAttrsOf.get(m);
        if (list === undefined) tupleAttrsOf.set(m, [ident]);
        else list.push(ident);
      }
    }
  }
  return { flexibility, attrs, identToEid, eidToIdent, refs, many, components, uniqueIdentity, uniqueValue, indexed, noHistory, tupleAttrsOf };
}

function stripColon(s: string): string {
  return s.charCodeAt(0) === 58 ? s.slice(1) : s;
}

/** The RawAttr property a schema datom's value becomes (keyword values lose their colon). */
export function rawValue(a: SchemaAttr, v: Value): RawAttr[keyof RawAttr] {
  switch (a) {
    case 'db/ident':
    case 'db/valueType':
    case 'db/cardinality':
    case 'db/unique':
    case 'db/tupleType':
      return stripColon(String(v));
    case 'db/index':
    case 'db/isComponent':
    case 'db/noHistory':
      return v === true;
    case 'db/doc':
      return String(v);
    case 'db/tupleAttrs':
    case 'db/tupleTypes':
      return Array.isArray(v) ? (v as readonly Value[]).map((x) => stripColon(String(x))) : [];
    default: {
      const never: never = a;
      throw new CairnError('schema/invalid', `unknown schema attribute ${String(never)}`);
    }
  }
}

/**
 * Apply schema datoms to a copy-on-write raw schema. `raw` is copied on the first change;
 * returns the same map when nothing changed. Entities left with no property are dropped.
 */
export function applySchemaDatoms(raw: RawSchema, datoms: readonly Datom[]): RawSchema {
  let out: Map<number, Readonly<RawAttr>> | null = null;
  for (const d of datoms) {
    if (!isSchemaAttr(d.a)) continue;
    if (out === null) out = new Map(raw);
    const prop = SCHEMA_PROPS[d.a];
    const entry: RawAttr = { ...(out.get(d.e) ?? {}) };
    if (d.added) (entry as Record<string, unknown>)[prop] = rawValue(d.a, d.v);
    else delete entry[prop];
    if (Object.keys(entry).length === 0) out.delete(d.e);
    else out.set(d.e, entry);
  }
  return out ?? raw;
}

// JSON-safe form for the commit record: [eid, RawAttr][] (every RawAttr field is JSON already).
export type SchemaJson = readonly (readonly [number, Readonly<RawAttr>])[];

export function schemaToJson(raw: RawSchema): SchemaJson {
  return [...raw].map(([e, r]) => [e, { ...r }] as const);
}

export function schemaFromJson(json: SchemaJson): RawSchema {
  if (!Array.isArray(json)) throw new CairnError('schema/invalid', 'stored schema is not an array of [eid, attr] pairs');
  return new Map(json.map(([e, r]) => [e, { ...r }] as const));
}

/** Datahike's `schema`: ident -> attribute map, keyword values with their colon. */
export function schemaEntries(schema: Schema, raw: RawSchema): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [, r] of raw) {
    if (r.ident === undefined || !schema.attrs.has(r.ident) || isSystemAttr(r.ident)) continue;
    const m: Record<string, unknown> = { 'db/ident': `:${r.ident}` };
    if (r.valueType !== undefined) m['db/valueType'] = `:${r.valueType}`;
    if (r.cardinality !== undefined) m['db/cardinality'] = `:${r.cardinality}`;
    if (r.unique !== undefined) m['db/unique'] = `:${r.unique}`;
    if (r.index !== undefined) m['db/index'] = r.index;
    if (r.isComponent !== undefined) m['db/isComponent'] = r.isComponent;
    if (r.noHistory !== undefined) m['db/noHistory'] = r.noHistory;
    if (r.doc !== undefined) m['db/doc'] = r.doc;
    if (r.tupleAttrs !== undefined) m['db/tupleAttrs'] = r.tupleAttrs.map((x) => `:${x}`);
    if (r.tupleType !== undefined) m['db/tupleType'] = `:${r.tupleType}`;
    if (r.tupleTypes !== undefined) m['db/tupleTypes'] = r.tupleTypes.map((x) => `:${x}`);
    out[r.ident] = m;
  }
  return out;
}

/** Datahike's `reverse-schema`: property -> sorted user attribute idents having it. */
export function reverseSchemaEntries(schema: Schema): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const put = (k: string, ident: string): void => {
    (out[k] ??= []).push(ident);
  };
  for (const [ident, s] of schema.attrs) {
    if (isSystemAttr(ident)) continue;
    put('db/ident', ident);
    if (s.unique !== undefined) put('db/unique', ident);
    if (s.unique === 'identity') put('db.unique/identity', ident);
    if (s.unique === 'value') put('db.unique/value', ident);
    if (s.cardinality === 'many') put('db.cardinality/many', ident);
    if (s.valueType === 'db.type/ref') put('db.type/ref', ident);
    if (s.valueType === 'db.type/tuple') put('db.type/tuple', ident);
    if (schema.indexed.has(ident)) put('db/index', ident);
    if (s.isComponent) put('db/isComponent', ident);
    if (s.noHistory) put('db/noHistory', ident);
    if (s.tupleAttrs !== undefined) put('db/tupleAttrs', ident);
  }
  for (const k of Object.keys(out)) out[k]!.sort();
  return out;
}
