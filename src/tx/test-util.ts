// Helpers shared by the tx and db tests (not a test file itself).
import { expect } from 'vitest';
import { emptyDb } from '../db/parts.js';
import type { Datom, Db, DbConfig, TxReport } from '../db/types.js';
import { isCairnError, type ErrorCode } from '../util/errors.js';
import { withDb, type TxInput } from './index.js';

export const FIXED_NOW = new Date('2024-01-01T00:00:00.000Z');
export const now = (): Date => FIXED_NOW;

/** attribute map shorthand: attr('person/name', 'string', { unique: 'identity' }) */
export function attr(ident: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    'db/ident': ident,
    'db/valueType': `db.type/${type}`,
    'db/cardinality': extra.many === true ? 'db.cardinality/many' : 'db.cardinality/one',
  };
  for (const [k, v] of Object.entries(extra)) {
    if (k === 'many') continue;
    out[k === 'unique' ? 'db/unique' : `db/${k}`] = k === 'unique' ? `db.unique/${String(v)}` : v;
  }
  return out;
}

export const PEOPLE = [
  attr('person/name', 'string'),
  attr('person/email', 'string', { unique: 'identity' }),
  attr('person/ssn', 'string', { unique: 'value' }),
  attr('person/age', 'long', { index: true }),
  attr('person/friend', 'ref', { many: true }),
  attr('person/parent', 'ref'),
  attr('person/nick', 'string', { many: true }),
  attr('person/address', 'ref', { isComponent: true }),
  attr('person/pets', 'ref', { many: true, isComponent: true }),
  attr('address/city', 'string'),
  attr('pet/name', 'string'),
  attr('person/status', 'keyword'),
];

export async function tx(db: Db, input: TxInput): Promise<TxReport> {
  return withDb(db, input, { now });
}

/** A fresh db with `schema` transacted (and then `data`, if any). */
export async function dbWith(schema: readonly unknown[] = PEOPLE, data?: readonly unknown[], config: Partial<DbConfig> = {}): Promise<Db> {
  let db = emptyDb(config, { branchingFactor: 8 });
  if (schema.length > 0) db = (await tx(db, schema)).dbAfter;
  if (data !== undefined) db = (await tx(db, data)).dbAfter;
  return db;
}

export type Row = [number, string, unknown, boolean];
/** [e, a, v, added] of each datom, dropping db/txInstant (its value is the clock). */
export function rows(ds: readonly Datom[]): Row[] {
  return ds.filter((d) => d.a !== 'db/txInstant').map((d) => [d.e, d.a, d.v, d.added]);
}

/** Every current user datom (entity ids below the tx range) as [e, a, v]. */
export async function facts(db: Db): Promise<[number, string, unknown][]> {
  const ds = await db.datoms('eavt');
  return ds.filter((d) => d.e < 0x20000000 && !d.a.startsWith('db/')).map((d) => [d.e, d.a, d.v]);
}

export async function expectError(p: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeDefined();
  if (!isCairnError(err)) throw err;
  expect(err.code).toBe(code);
  expect(err.message).toMatch(message);
}
