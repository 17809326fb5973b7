// The schema a transaction's data is read against: the db's schema plus the schema entities
// this same tx declares (Datahike accepts schema and data in one tx). It is a projection used
// only to interpret and type-check tx data; the authoritative schema of the result is derived
// by the apply stage from the datoms actually written and validated afterwards (schemacheck).
// Entities not yet in the db get placeholder negative ids here, never visible outside.

import type { DbValue } from '../db/db.js';
import { buildSchema, isSchemaAttr, rawValue, SCHEMA_PROPS, type RawAttr } from '../db/schema.js';
import type { Schema, Value } from '../db/types.js';
import { isBytes, isDate } from '../util/brands.js';

function strip(s: string): string {
  return s.charCodeAt(0) === 58 ? s.slice(1) : s;
}

function isPlainMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !isDate(x) && !isBytes(x);
}

function declaresSchema(item: unknown): boolean {
  if (isPlainMap(item)) {
    for (const k in item) if (isSchemaAttr(strip(k))) return true;
    return false;
  }
  return (
    Array.isArray(item) &&
    item.length === 4 &&
    typeof item[0] === 'string' &&
    strip(item[0]) === 'db/add' &&
    typeof item[2] === 'string' &&
    isSchemaAttr(strip(item[2]))
  );
}

export function projectSchema(db: DbValue, items: readonly unknown[]): Schema {
  const st = db.state;
  if (!items.some(declaresSchema)) return st.schema; // the common case: data only
  let entries: Map<number, RawAttr> | null = null;
  const byKey = new Map<string, number>(); // tempid / new ident -> placeholder id
  let next = -1;
  const target = (id: unknown, ident: unknown): number => {
    if (typeof id === 'number' && id > 0) return id;
    if (typeof id === 'string' || typeof id === 'number') {
      const s = String(id);
      const known = st.schema.identToEid.get(strip(s));
      if (known !== undefined) return known;
      const k = `id:${s}`;
      if (!byKey.has(k)) byKey.set(k, next--);
      return byKey.get(k)!;
    }
    if (typeof ident === 'string') {
      const known = st.schema.identToEid.get(strip(ident));
      if (known !== undefined) return known;
      const k = `ident:${strip(ident)}`;
      if (!byKey.has(k)) byKey.set(k, next--);
      return byKey.get(k)!;
    }
    return next--;
  };
  const merge = (eid: number, a: string, v: unknown): void => {
    if (!isSchemaAttr(a) || v === null || v === undefined) return;
    entries ??= new Map([...st.raw].map(([e, r]) => [e, { ...r }]));
    const entry = entries.get(eid) ?? {};
    try {
      (entry as Record<string, unknown>)[SCHEMA_PROPS[a]] = rawValue(a, v as Value);
    } catch {
      return; // a malformed value is reported by normalize with a proper error
    }
    entries.set(eid, entry);
  };
  for (const item of items) {
    if (!declaresSchema(item)) continue;
    if (isPlainMap(item)) {
      const eid = target(item['db/id'] ?? item[':db/id'], item['db/ident'] ?? item[':db/ident']);
      for (const k in item) merge(eid, strip(k), item[k]);
    } else {
      const [, e, a, v] = item as [string, unknown, string, unknown]; // a [:db/add e a v] of a schema attribute
      merge(target(e, undefined), strip(a), v);
    }
  }
  if (entries === null) return st.schema;
  return buildSchema(st.config.schemaFlexibility, entries);
}
