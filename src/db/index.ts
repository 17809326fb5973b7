// The data model's surface for the other layers (conn, api, query, pull). Not the public
// barrel (that is src/index.ts); internal modules may import from here or from the files.

export { DbValue, history, asOf, since, asDbValue, isDbValue, bound, type DbState } from './db';
export { applyDatoms, applyChanges } from './apply';
export { emptyDb, dbParts, dbFromParts, dbConfig, type DbParts } from './parts';
export { cmpEAVT, cmpAEVT, cmpAVET, prefixEAVT, prefixAEVT, prefixAVET, comparatorFor, INDEX_COMPARATORS, type StoredIndexName } from './compare';
export { compareValues, valuesEqual, valueKey } from './values';
export { schemaOf, reverseSchemaOf } from './introspect';
export { schemaToJson, schemaFromJson, buildSchema, SYSTEM_ATTRS, type RawAttr, type RawSchema, type SchemaJson } from './schema';
export { coerceValue } from './valuetypes';
export * from './types';
