// The entity ids a transaction's own data names by number: entity positions, ref values (nested
// maps included), lookup refs on ref attributes, cas values and purge targets. Not what its
// transaction function calls would return: those run again where the data is applied. A synced
// device checks these before it queues a transaction (src/sync), since the ids it made itself
// are provisional until the server confirms them.

import type { DbValue } from '../db/db.js';
import { isCall } from './functions.js';
import { normalize, splitInput } from './normalize.js';
import { projectSchema } from './project.js';
import { splitPurges } from './purge.js';
import type { EntityIn, ValueIn } from './types.js';

/**
 * The numeric entity ids in `input` (each once), read against `db`: the database after the transaction (its
 * schema then knows every attribute the transaction, its function calls included, declared).
 */
export function explicitEntityIds(db: DbValue, input: unknown): number[] {
  const { items, txMeta } = splitInput(input);
  const { purges, rest } = splitPurges(items.filter((x) => !isCall(x)));
  const out = new Set<number>();
  for (const p of purges) if ('e' in p && typeof p.e === 'number') out.add(p.e);
  const schema = projectSchema(db, rest);
  const entity = (e: EntityIn): void => {
    if (e.kind === 'eid') out.add(e.id);
    else if (e.kind === 'lookup' && typeof e.v === 'number' && schema.attrs.get(e.a)?.valueType === 'db.type/ref') out.add(e.v);
  };
  const value = (v: ValueIn | null | undefined): void => {
    if (v?.kind === 'ref') entity(v.ref);
  };
  for (const op of normalize(schema, rest, txMeta, db.schema.identToEid).ops) {
    entity(op.e);
    if (op.op === 'add' || op.op === 'retract') value(op.v);
    else if (op.op === 'cas') {
      value(op.old);
      value(op.v);
    }
  }
  return [...out];
}
