// Reading `config.store` for the `postgresql` backend: where to connect (`connection`, a URL
// or a `pg` client config, or `pool`, an existing `pg.Pool`), which table (`table`, default
// `cairndb_store`, optionally schema-qualified) and the store id. Bad options fail with
// `config/invalid` naming the option; nothing is connected here.

import { fail, show } from '../util/errors.js';
import type { StoreConfig } from './types.js';

export const DEFAULT_TABLE = 'cairndb_store';

// Lower-case unquoted identifiers only: no quoting surprises, and the name reads the same in
// psql. Each part is still double-quoted in SQL.
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** What the backend needs to reach the store's rows. */
export interface PgSettings {
  readonly id: string;
  /** The table as written in config (for messages and the notification payload). */
  readonly table: string;
  /** The table as SQL, each part quoted: `"public"."cairndb_store"`. */
  readonly sqlTable: string;
  /** Either a connection to open (string or pg config object) or an existing pool. */
  readonly connection: string | Readonly<Record<string, unknown>> | undefined;
  readonly pool: PoolLike | undefined;
}

/** The part of `pg.Pool` the backend uses (checked by shape, so any compatible pool works). */
export interface PoolLike {
  connect(): Promise<unknown>;
  query(...args: never[]): Promise<unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

export function pgSettings(config: StoreConfig): PgSettings {
  const id = config.id;
  if (typeof id !== 'string' || id === '') fail('config/invalid', `store.id must be a non-empty string, got ${show(id)}`);
  if (id.includes('\0')) fail('config/invalid', `store.id ${show(id)} cannot contain U+0000 (PostgreSQL text cannot hold it)`, { id });

  const table = config['table'] ?? DEFAULT_TABLE;
  if (typeof table !== 'string') fail('config/invalid', `store.table must be a string, got ${show(table)}`, { id });
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) {
    fail(
      'config/invalid',
      `store.table ${show(table)} must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters), optionally schema-qualified`,
      { id, table },
    );
  }

  const connection = config['connection'];
  const pool = config['pool'];
  if ((connection === undefined) === (pool === undefined)) {
    fail(
      'config/invalid',
      `the postgresql backend needs exactly one of store.connection (a URL or a pg config object) or store.pool (a pg.Pool), got ${connection === undefined ? 'neither' : 'both'}`,
      { id },
    );
  }
  if (connection !== undefined && !(typeof connection === 'string' && connection !== '') && !isPlainObject(connection)) {
    fail('config/invalid', `store.connection must be a postgres:// URL or a pg client config object, got ${show(connection)}`, { id });
  }
  if (pool !== undefined) {
    const p = pool as Partial<Record<'connect' | 'query', unknown>> | null;
    if (p === null || typeof p !== 'object' || typeof p.connect !== 'function' || typeof p.query !== 'function') {
      fail('config/invalid', `store.pool must be a pg.Pool (an object with connect() and query()), got ${show(pool)}`, { id });
    }
  }
  return {
    id,
    table,
    sqlTable: parts.map((p) => `"${p}"`).join('.'),
    connection: connection as PgSettings['connection'],
    pool: pool as PoolLike | undefined,
  };
}
