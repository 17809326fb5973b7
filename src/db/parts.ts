// Creating a Db value and taking one apart for persistence (src/conn): `emptyDb`, `dbParts`,
// `dbFromParts`. The parts are the config, the raw schema as JSON-safe data, the six index sets
// by name ('eavt','aevt','avet' and, with keepHistory, 'teavt','taevt','tavet'), maxEid, maxTx
// and lastTxInstant. Restoring the sets themselves (factory.restore with `comparatorFor(name)`)
// is the caller's job, since only it knows the node storage.

import { CairnError } from '../util/errors.js';
import type { IndexFactory, SortedSet } from '../indices/types.js';
import { getIndex } from '../indices/registry.js';
import { INDEX_COMPARATORS, type StoredIndexName } from './compare.js';
import { DbValue, asDbValue } from './db.js';
import { applyChanges } from './apply.js';
import { systemDatoms } from './attr-refs.js';
import { isPromise } from '../util/maybe.js';
import { buildSchema, schemaFromJson, schemaToJson, type SchemaJson } from './schema.js';
import { E0, TX0, type Datom, type Db, type DbConfig } from './types.js';

export interface DbParts {
  readonly config: DbConfig;
  readonly schema: SchemaJson;
  readonly indexes: Readonly<Partial<Record<StoredIndexName, SortedSet<Datom>>>>;
  readonly maxEid: number;
  readonly maxTx: number;
  readonly lastTxInstant: number;
}

/** A config with defaults filled in (schemaFlexibility 'write', keepHistory true, 'persistent-set'). */
export function dbConfig(c: Partial<DbConfig> = {}): DbConfig {
  const schemaFlexibility = c.schemaFlexibility ?? 'write';
  if (schemaFlexibility !== 'write' && schemaFlexibility !== 'read') {
    throw new CairnError('config/invalid', `schemaFlexibility must be 'write' or 'read', got ${String(schemaFlexibility)}`, {
      schemaFlexibility: String(schemaFlexibility),
    });
  }
  const attributeRefs = c.attributeRefs ?? false;
  if (attributeRefs && schemaFlexibility === 'read') {
    throw new CairnError('config/invalid', "attributeRefs true cannot be combined with schemaFlexibility 'read' (every attribute needs a schema entity)", {
      attributeRefs,
      schemaFlexibility,
    });
  }
  return { schemaFlexibility, keepHistory: c.keepHistory ?? true, index: c.index ?? 'persistent-set', attributeRefs };
}

export function emptyDb(config: Partial<DbConfig> = {}, opts: { branchingFactor?: number; factory?: IndexFactory } = {}): Db {
  const cfg = dbConfig(config);
  const factory = opts.factory ?? getIndex(cfg.index);
  const o = opts.branchingFactor === undefined ? {} : { branchingFactor: opts.branchingFactor };
  const mk = (n: StoredIndexName): SortedSet<Datom> => factory.empty(INDEX_COMPARATORS[n], o);
  const raw = new Map();
  const db = new DbValue({
    config: cfg,
    raw,
    schema: buildSchema(cfg.schemaFlexibility, raw),
    eavt: mk('eavt'),
    aevt: mk('aevt'),
    avet: mk('avet'),
    temporal: cfg.keepHistory ? { eavt: mk('teavt'), aevt: mk('taevt'), avet: mk('tavet') } : null,
    maxEid: E0,
    maxTx: TX0,
    lastTxInstant: 0,
  });
  if (!cfg.attributeRefs) return db;
  // the system schema as datoms (src/db/attr-refs.ts); empty in-memory sets never need a read
  const seeded = applyChanges(db, systemDatoms(), []);
  if (isPromise(seeded)) throw new CairnError('store/io', 'seeding the system schema needed an index read');
  return seeded;
}

export function dbParts(db: Db): DbParts {
  const st = asDbValue(db).state;
  const indexes: Partial<Record<StoredIndexName, SortedSet<Datom>>> = { eavt: st.eavt, aevt: st.aevt, avet: st.avet };
  if (st.temporal !== null) {
    indexes.teavt = st.temporal.eavt;
    indexes.taevt = st.temporal.aevt;
    indexes.tavet = st.temporal.avet;
  }
  return { config: st.config, schema: schemaToJson(st.raw), indexes, maxEid: st.maxEid, maxTx: st.maxTx, lastTxInstant: st.lastTxInstant };
}

export function dbFromParts(parts: DbParts): Db {
  const cfg = dbConfig(parts.config);
  const need = (n: StoredIndexName): SortedSet<Datom> => {
    const s = parts.indexes[n];
    if (s === undefined) throw new CairnError('store/corrupt', `database parts lack the ${n} index`, { index: n });
    return s;
  };
  const raw = schemaFromJson(parts.schema);
  return new DbValue({
    config: cfg,
    raw,
    schema: buildSchema(cfg.schemaFlexibility, raw),
    eavt: need('eavt'),
    aevt: need('aevt'),
    avet: need('avet'),
    temporal: cfg.keepHistory ? { eavt: need('teavt'), aevt: need('taevt'), avet: need('tavet') } : null,
    maxEid: parts.maxEid,
    maxTx: parts.maxTx,
    lastTxInstant: parts.lastTxInstant,
  });
}
