// The typed outputs of the transaction stages (docs/architecture.md, convention 5):
//   normalize -> NormOp[]      entities may still be tempids, lookup refs, idents or the tx;
//                              values are checked and in normal form, except refs (RefIn)
//   resolve   -> ResolvedOp[]  every entity and ref is an entity id (a number): a later stage
//                              cannot see an unresolved tempid
//   check     -> Effects       the datoms to apply, each retraction with the stored assertion
//                              it removes, computed against the db plus this tx's overlay
//   apply     -> Db            applyChanges (src/db/apply.ts), the one write path

import type { Datom, Value } from '../db/types.js';

/** An entity as written in tx data, before resolution. */
export type EntityIn =
  | { readonly kind: 'eid'; readonly id: number }
  | { readonly kind: 'tempid'; readonly key: string; readonly auto: boolean }
  | { readonly kind: 'lookup'; readonly a: string; readonly v: unknown }
  | { readonly kind: 'tx' };

/** A value after normalisation: a checked value, or an entity reference for a ref attribute. */
export type ValueIn = { readonly kind: 'value'; readonly v: Value } | { readonly kind: 'ref'; readonly ref: EntityIn };

/** The five operations, over entities `E` and values `V`; `Add` is extra fields of an add. */
type Op<E, V, Add = unknown> =
  | ({ readonly op: 'add'; readonly e: E; readonly a: string; readonly v: V } & Add)
  | { readonly op: 'retract'; readonly e: E; readonly a: string; readonly v: V | undefined }
  | { readonly op: 'retractEntity'; readonly e: E }
  | { readonly op: 'retractAttribute'; readonly e: E; readonly a: string }
  | { readonly op: 'cas'; readonly e: E; readonly a: string; readonly old: V | null; readonly v: V };

export type NormOp = Op<EntityIn, ValueIn>;

export interface Normalized {
  readonly ops: readonly NormOp[];
  /** Tempid keys in order of first appearance in the tx data (entity ids are given in this order). */
  readonly tempidOrder: readonly string[];
  /** tx-meta as given (attributes colon-less), for the report. */
  readonly txMeta: Record<string, unknown>;
}

// via (on an add): set when e is a tempid upserted to an existing entity through this very
// identity value (its key); the check stage asks for a re-resolution if the tx freed it earlier
export type ResolvedOp = Op<number, Value, { readonly via?: string }>;

export interface Resolved {
  readonly ops: readonly ResolvedOp[];
  /** User tempid -> entity id, plus 'db/current-tx'. */
  readonly tempids: Record<string, number>;
  /** Entity ids allocated by this tx (the new maxEid is at least the largest). */
  readonly maxEid: number;
  /** The tempid each op was written with, present only when some tempid upserted. */
  readonly tempidOf?: readonly (string | undefined)[];
}

export interface Effects {
  readonly datoms: Datom[];
  /** priors[i]: the stored assertion retraction datoms[i] removes (undefined for assertions). */
  readonly priors: (Datom | undefined)[];
}

/** The spellings of the transaction entity in e and ref-value positions. */
export const TX_ENTITY_NAMES: ReadonlySet<string> = new Set(['db/current-tx', ':db/current-tx', 'datomic.tx', 'datahike.tx']);
