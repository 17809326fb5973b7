// Shared fixtures of the conformance suites: a fresh memory database per test, schema
// shorthands, and catching the CairnError a call must fail with.
import { connect, createDatabase, transact, type Connection } from '../src/index.js';
import { SYSTEM_MAX_EID } from '../src/db/attr-refs.js';

let dbCount = 0;

/**
 * True in the `node (attribute refs)` Vitest project, which runs these suites a second time over
 * databases created with `attributeRefs: true`: the same scenarios must give the same answers.
 */
export const ATTRIBUTE_REFS = process.env.CAIRNDB_TEST_ATTRIBUTE_REFS === '1';

/**
 * Entity id `n` of a scenario written for a database without attribute refs: with them, the
 * system schema holds ids 1..SYSTEM_MAX_EID and user entities start after it (as in Datahike).
 */
export const eid = (n: number): number => (ATTRIBUTE_REFS ? n + SYSTEM_MAX_EID : n);

/**
 * One entity's datoms in EAVT order are ordered by attribute name, or with attribute refs by
 * attribute entity id (as in Datahike): there, the suites compare them by name.
 */
export function byName<T>(xs: readonly T[], name: (x: T) => string = (x) => String((x as readonly unknown[])[0])): T[] {
  return ATTRIBUTE_REFS ? [...xs].sort((x, y) => (name(x) < name(y) ? -1 : name(x) > name(y) ? 1 : 0)) : [...xs];
}

/** A new memory database (unique id per call) with `txs` transacted in order. */
export async function fresh(txs: readonly (readonly unknown[])[] = [], extra: Record<string, unknown> = {}): Promise<Connection> {
  const mode = ATTRIBUTE_REFS && extra.schemaFlexibility !== 'read' && extra['schema-flexibility'] === undefined ? { attributeRefs: true } : {};
  const config = { store: { backend: 'memory', id: `conformance-${dbCount++}` }, ...mode, ...extra };
  await createDatabase(config);
  const conn = await connect(config);
  for (const t of txs) await transact(conn, t);
  return conn;
}

/** A card-one attribute definition, with extra schema keys in `more`. */
export const attr = (ident: string, type: string, more: Record<string, unknown> = {}): Record<string, unknown> => ({
  'db/ident': ident,
  'db/valueType': `db.type/${type}`,
  'db/cardinality': 'db.cardinality/one',
  ...more,
});

export { caught } from './caught.js';

export const MANY = { 'db/cardinality': 'db.cardinality/many' };
