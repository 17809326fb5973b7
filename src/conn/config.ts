// Config honesty: one spelling of every key, no silently ignored key, no silently replaced value.
//
// `normalizeConfig` accepts CairnDB's keys and Datahike's spellings of the same settings
// (`keep-history?`, `schema-flexibility`, `attribute-refs?`, `initial-tx`, `branching-factor`,
// `:datahike.index/persistent-set`, `:read`/`:write`, keys with a leading colon, store backend
// `:mem`), and rejects any other key with config/invalid. It also reports which settings the
// caller wrote, so `checkStoredConfig` compares only those against what the database was created
// with: a different value is config/mismatch naming both, never the stored one used silently.

import { fail, show } from '../util/errors.js';
import { getOwn } from '../util/objects.js';

/** The keys a config may have, in CairnDB spelling (`gc`: the automatic GC policy, docs/storage.md). */
export const CONFIG_KEYS = [
  'store',
  'schemaFlexibility',
  'keepHistory',
  'index',
  'initialTx',
  'name',
  'branchingFactor',
  'attributeRefs',
  'gc',
  'sync',
] as const;
type Key = (typeof CONFIG_KEYS)[number];

const ALIASES: Readonly<Record<string, Key>> = {
  'schema-flexibility': 'schemaFlexibility',
  'keep-history?': 'keepHistory',
  'keep-history': 'keepHistory',
  'attribute-refs?': 'attributeRefs',
  'attribute-refs': 'attributeRefs',
  'initial-tx': 'initialTx',
  'branching-factor': 'branchingFactor',
};

/** The settings fixed when a database is created, compared on connect. */
export const STORED_KEYS = ['schemaFlexibility', 'keepHistory', 'index', 'attributeRefs'] as const;
export type StoredKey = (typeof STORED_KEYS)[number];
export type StoredConfig = { readonly [K in StoredKey]: unknown };

const stripColon = (s: string): string => (s.charCodeAt(0) === 58 ? s.slice(1) : s);

export interface Normalized {
  readonly config: Readonly<Record<string, unknown>>;
  /** The stored settings the caller gave explicitly. */
  readonly explicit: ReadonlySet<StoredKey>;
}

export function normalizeConfig(config: Readonly<Record<string, unknown>>): Normalized {
  const out: Record<string, unknown> = {};
  for (const [raw, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const bare = stripColon(raw);
    const key = (CONFIG_KEYS as readonly string[]).includes(bare) ? (bare as Key) : getOwn(ALIASES, bare);
    if (key === undefined) {
      fail('config/invalid', `unknown config key ${show(raw)}; expected one of ${CONFIG_KEYS.join(', ')} (or Datahike's ${Object.keys(ALIASES).join(', ')})`, {
        key: raw,
      });
    }
    if (key in out) fail('config/invalid', `config key ${show(raw)} is given twice (as ${key} and an alias)`, { key: raw });
    out[key] = normalizeValue(key, value);
  }
  const explicit = new Set(STORED_KEYS.filter((k) => k in out));
  return { config: out, explicit };
}

function normalizeValue(key: Key, value: unknown): unknown {
  switch (key) {
    case 'schemaFlexibility':
      return typeof value === 'string' ? stripColon(value) : value;
    case 'index': {
      if (typeof value !== 'string') return value;
      const name = stripColon(value);
      return name.startsWith('datahike.index/') ? name.slice('datahike.index/'.length) : name;
    }
    case 'store': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      const s: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) s[stripColon(k)] = v;
      if (typeof s.backend === 'string') s.backend = stripColon(s.backend) === 'mem' ? 'memory' : stripColon(s.backend);
      return s;
    }
    case 'keepHistory':
    case 'attributeRefs':
    case 'initialTx':
    case 'gc':
    case 'sync':
    case 'name':
    case 'branchingFactor':
      return value;
    default: {
      const never: never = key;
      return never;
    }
  }
}

/** Fail with config/mismatch when an explicitly given setting differs from the stored one. */
export function checkStoredConfig(given: StoredConfig, explicit: ReadonlySet<StoredKey>, stored: StoredConfig, store: string): void {
  for (const k of STORED_KEYS) {
    if (!explicit.has(k) || given[k] === stored[k]) continue;
    fail(
      'config/mismatch',
      `database ${store} was created with ${k} ${show(stored[k])}, but connect was given ${show(given[k])}; leave ${k} out to use the stored value`,
      {
        key: k,
        stored: stored[k],
        given: given[k],
      },
    );
  }
}
