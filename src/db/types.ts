// The read contract between the database value and its consumers (query, pull, entity, api).
// `src/db` implements it; `src/query` and `src/pull` program against it and nothing else.
//
// Conventions (docs/api.md): attributes are colon-less strings ('person/name'); keyword VALUES are
// strings with a leading colon (':status/active'); entity ids are numbers; tx ids start at
// 536870913. Reads return a value when every index node they need is cached, else a Promise
// (docs/architecture.md, decision 1); callers use `andThen`/`all` from src/util/maybe.ts or `await`.

import type { MaybePromise } from '../util/maybe.js';
import type { KeyRuns } from '../indices/types.js';

/**
 * Every value a datom can hold. Keywords are ':ns/name' strings; refs are entity-id numbers.
 * A tuple slot may be null (a composite tuple's missing member).
 */
export type Value = string | number | bigint | boolean | Date | Uint8Array | readonly (Value | null)[];

export type IndexName = 'eavt' | 'aevt' | 'avet';

/** An entity reference as users write it: id, lookup ref ['person/email', 'a@b.c'], or ident keyword. */
export type EntityRef = number | readonly [string, Value] | string;

export const TX0 = 0x20000000; // first tx id is TX0 + 1 = 536870913, as in Datahike/DataScript
export const E0 = 0; // first user entity id is E0 + 1

export type ValueType =
  | 'db.type/string'
  | 'db.type/keyword'
  | 'db.type/symbol'
  | 'db.type/boolean'
  | 'db.type/long'
  | 'db.type/bigint'
  | 'db.type/bigdec'
  | 'db.type/double'
  | 'db.type/float'
  | 'db.type/number'
  | 'db.type/instant'
  | 'db.type/uuid'
  | 'db.type/ref'
  | 'db.type/bytes'
  | 'db.type/tuple'
  | 'db.type/valueType'
  | 'db.type/cardinality'
  | 'db.type/unique';

/** One attribute's schema, normalised (keyword-valued fields without the colon). */
export interface AttrSchema {
  readonly ident: string;
  readonly valueType?: ValueType; // absent only under schemaFlexibility 'read'
  readonly cardinality: 'one' | 'many';
  readonly unique?: 'identity' | 'value';
  readonly index: boolean; // db/index
  readonly isComponent: boolean;
  readonly noHistory: boolean;
  readonly doc?: string;
  readonly tupleAttrs?: readonly string[]; // composite tuple, maintained automatically
  /** Composite tuple: each member attribute's value type (derived), to normalise slot values. */
  readonly tupleMemberTypes?: readonly (ValueType | undefined)[];
  readonly tupleType?: ValueType; // homogeneous tuple
  readonly tupleTypes?: readonly ValueType[]; // heterogeneous tuple
}

export interface Schema {
  readonly flexibility: 'write' | 'read';
  /** Declared attributes by colon-less ident. */
  readonly attrs: ReadonlyMap<string, AttrSchema>;
  /** Ident -> entity id of its schema (or enum) entity, and back. */
  readonly identToEid: ReadonlyMap<string, number>;
  readonly eidToIdent: ReadonlyMap<number, string>;
  /** Derived sets, DataScript's rschema: which attributes have each property. */
  readonly refs: ReadonlySet<string>;
  readonly many: ReadonlySet<string>;
  readonly components: ReadonlySet<string>;
  readonly uniqueIdentity: ReadonlySet<string>;
  readonly uniqueValue: ReadonlySet<string>;
  /** Attributes whose datoms are in AVET: db/index, unique, or ref. */
  readonly indexed: ReadonlySet<string>;
  readonly noHistory: ReadonlySet<string>;
  /** member attribute -> composite tuple attributes that include it */
  readonly tupleAttrsOf: ReadonlyMap<string, readonly string[]>;
}

/** Which slice of time a Db value shows. */
export type DbView =
  | { readonly kind: 'current' }
  | { readonly kind: 'history' }
  | { readonly kind: 'asOf'; readonly t: number | Date }
  | { readonly kind: 'since'; readonly t: number | Date };

export interface DbConfig {
  readonly schemaFlexibility: 'write' | 'read';
  readonly keepHistory: boolean;
  readonly index: string;
  /** Datoms store attributes as the entity ids of their schema entities (src/db/attr-refs.ts). */
  readonly attributeRefs: boolean;
}

/**
 * An immutable database value. Every method is pure; views (history/asOf/since) are Db values
 * too and filter what the same methods return.
 */
export interface Db {
  readonly schema: Schema;
  readonly view: DbView;
  readonly config: DbConfig;
  readonly maxEid: number;
  readonly maxTx: number;
  /** The t of the last transaction in this value (= maxTx). */
  readonly basisT: number;

  /**
   * Datoms matching a pattern; `undefined` components are wildcards. The Db picks the index
   * (AVET only for indexed attributes, else AEVT/EAVT plus a filter). `a` must be colon-less.
   * In the history view both assertions and retractions are returned (`added` false for the latter).
   */
  search(e?: number, a?: string, v?: Value, tx?: number): MaybePromise<Datom[]>;
  /**
   * The datoms of `search` as runs of the index's own leaf arrays, not copied into one array
   * (the query engine's scans). Optional: callers fall back to `search`. Without `e`, both
   * answer in ascending entity order (AEVT, AVET with a fixed value, EAVT): the query engine's
   * merge joins rely on it (and check it leaf by leaf).
   */
  searchRuns?(e?: number, a?: string, v?: Value, tx?: number): MaybePromise<KeyRuns<Datom>>;

  /** Index access in index order, components given in that index's order (`datoms` in Datahike). */
  datoms(index: IndexName, ...components: unknown[]): MaybePromise<Datom[]>;
  /** Datoms from the given position to the end of the index (`seek-datoms`). */
  seekDatoms(index: IndexName, ...components: unknown[]): MaybePromise<Datom[]>;
  /** Datoms of attr with start <= v <= end, in AVET order (`index-range`); bounds may be undefined. */
  indexRange(attr: string, start?: Value, end?: Value): MaybePromise<Datom[]>;

  /** Resolve an entity reference to its id, or null when it names nothing (lookup ref / ident). */
  entid(ref: EntityRef): MaybePromise<number | null>;
  /** Approximate number of datoms the pattern would return, cheap (used by the query planner). */
  estimate(e?: number, a?: string, v?: Value): MaybePromise<number>;
}

/**
 * A datom. `a` is colon-less; `added` is false only for retractions (history view, tx reports).
 * Instances are frozen-by-convention: never mutate one that is in an index.
 */
export class Datom {
  readonly e: number;
  readonly a: string;
  readonly v: Value;
  readonly tx: number;
  readonly added: boolean;

  constructor(e: number, a: string, v: Value, tx: number, added = true) {
    this.e = e;
    this.a = a;
    this.v = v;
    this.tx = tx;
    this.added = added;
  }

  toJSON(): { e: number; a: string; v: Value; tx: number; added: boolean } {
    return { e: this.e, a: this.a, v: this.v, tx: this.tx, added: this.added };
  }
}

export interface TxReport {
  readonly dbBefore: Db;
  readonly dbAfter: Db;
  readonly txData: Datom[];
  readonly tempids: Record<string, number>;
  readonly txMeta: Record<string, unknown>;
}
