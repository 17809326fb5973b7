// The data model's surface for the other layers (conn, api, query, pull). Not the public
// barrel (that is src/index.ts); internal modules may import from here or from the files.

export { DbValue, history, asOf, since, asDbValue, isDbValue, bound, type DbState } from './db.js';
export { applyDatoms, applyChanges } from './apply.js';
export { emptyDb, dbParts, dbFromParts, dbConfig, type DbParts } from './parts.js';
export { cmpEAVT, cmpAEVT, cmpAVET, prefixEAVT, prefixAEVT, prefixAVET, comparatorFor, INDEX_COMPARATORS, type StoredIndexName } from './compare.js';
export { compareValues, valuesEqual, valueKey } from './values.js';
export { schemaOf, reverseSchemaOf } from './introspect.js';
export { schemaToJson, schemaFromJson, buildSchema, SYSTEM_ATTRS, type RawAttr, type RawSchema, type SchemaJson } from './schema.js';
export { coerceValue } from './valuetypes.js';
export * from './types.js';
