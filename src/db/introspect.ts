// Schema introspection for the API (`schema`, `reverse-schema`), over a Db value.

import { asDbValue } from './db.js';
import { reverseSchemaEntries, schemaEntries } from './schema.js';
import type { Db } from './types.js';

/** ident -> { 'db/ident': ':ident', 'db/valueType': ':db.type/…', … } for user attributes. */
export function schemaOf(db: Db): Record<string, Record<string, unknown>> {
  const st = asDbValue(db).state;
  return schemaEntries(st.schema, st.raw);
}

/** property ('db/unique', 'db.type/ref', 'db.cardinality/many', …) -> sorted attribute idents. */
export function reverseSchemaOf(db: Db): Record<string, string[]> {
  return reverseSchemaEntries(asDbValue(db).state.schema);
}
