// Shared fixtures of the conformance suites: a fresh memory database per test, schema
// shorthands, and catching the CairnError a call must fail with.
import { CairnError, connect, createDatabase, transact, type Connection } from '../src/index.js';

let dbCount = 0;

/** A new memory database (unique id per call) with `txs` transacted in order. */
export async function fresh(txs: readonly (readonly unknown[])[] = [], extra: Record<string, unknown> = {}): Promise<Connection> {
  const config = { store: { backend: 'memory', id: `conformance-${dbCount++}` }, ...extra };
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

export const MANY = { 'db/cardinality': 'db.cardinality/many' };

/** The CairnError `p` rejects with (fails the test if it resolves or throws something else). */
export async function caught(p: Promise<unknown>): Promise<CairnError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CairnError) return e;
    throw e;
  }
  throw new Error('expected a CairnError');
}
