// Stage 2, resolve: every entity reference becomes an entity id.
//
// 1. Upsert. Tempids asserting the same unique-identity value (or composite identity tuple)
//    are one entity (union-find). Each group collects the existing entities its identity
//    values name: in the db (AVET) or claimed by an explicit id in the same tx. One candidate
//    -> the group is that entity; two or more -> 'transact/upsert' (conflicting upsert).
// 2. Allocation. Remaining groups get maxEid + 1, + 2, ... in order of the first appearance
//    of any of their tempids in the tx data (API.md). The tx entity is maxTx + 1.
// 3. Lookup refs and idents (in entity and ref-value positions) resolve against the db, then
//    against identities asserted in this tx (an entity created earlier in the same tx); an
//    unresolvable one is 'transact/lookup-ref'.
// Database reads are MaybePromise and batched per phase, so a warm db resolves synchronously.

import { bound, type DbValue } from '../db/db';
import { PREFIX_COMPARATORS } from '../db/compare';
import type { Schema, Value } from '../db/types';
import { valueKey } from '../db/values';
import { coerceValue } from '../db/valuetypes';
import { CairnError, show } from '../util/errors';
import { andThen as then, type MaybePromise } from '../util/maybe';
import { loop } from '../db/apply';
import type { EntityIn, Normalized, ResolvedOp, Resolved, ValueIn } from './types';

function idKey(a: string, v: Value): string {
  return `${a}\u0000${valueKey(v)}`;
}

/** Entity owning unique value v of attribute a in the db, if any. */
export function lookupUnique(db: DbValue, a: string, v: Value): MaybePromise<number | undefined> {
  const st = db.state;
  if (a === 'db/ident' && typeof v === 'string') return st.schema.identToEid.get(v.charCodeAt(0) === 58 ? v.slice(1) : v);
  if (!st.schema.indexed.has(a)) return undefined; // not unique in the db: no datom can own it yet
  const b = bound(undefined, a, v);
  return then(st.avet.slice(b, b, PREFIX_COMPARATORS.avet), (ds) => ds[0]?.e);
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let r = x;
    for (let p = this.parent.get(r); p !== undefined && p !== r; p = this.parent.get(r)) r = p;
    if (r !== x) this.parent.set(x, r);
    return r;
  }
  union(x: string, y: string): void {
    const rx = this.find(x), ry = this.find(y);
    if (rx !== ry) this.parent.set(ry, rx);
  }
}

interface IdentityKey {
  readonly a: string;
  readonly v: Value;
}

export function resolve(db: DbValue, ps: Schema, norm: Normalized, txId: number): MaybePromise<Resolved> {
  const uf = new UnionFind();
  const used = new Set<string>();
  const keyInfo = new Map<string, IdentityKey>();
  const keyOwner = new Map<string, string>(); // identity key -> a tempid holding it
  const claims = new Map<string, number>(); // identity key -> explicit entity id asserting it
  const compositeVals = new Map<string, Map<string, Value>>(); // tempid -> member attr -> value

  const noteUse = (e: EntityIn): void => {
    if (e.kind === 'tempid') used.add(e.key);
  };
  const concrete = (v: ValueIn): Value | undefined =>
    v.kind === 'value' ? v.v : v.ref.kind === 'eid' ? v.ref.id : undefined;

  for (const op of norm.ops) {
    noteUse(op.e);
    if ((op.op === 'add' || op.op === 'cas') && op.v.kind === 'ref') noteUse(op.v.ref);
    if (op.op !== 'add') continue;
    const v = concrete(op.v);
    if (v === undefined) continue;
    if (op.e.kind === 'tempid' && ps.tupleAttrsOf.has(op.a)) {
      let m = compositeVals.get(op.e.key);
      if (m === undefined) compositeVals.set(op.e.key, (m = new Map()));
      m.set(op.a, v);
    }
    if (!ps.uniqueIdentity.has(op.a)) continue;
    const k = idKey(op.a, v);
    keyInfo.set(k, { a: op.a, v });
    if (op.e.kind === 'tempid') {
      const prev = keyOwner.get(k);
      if (prev === undefined) keyOwner.set(k, op.e.key);
      else uf.union(prev, op.e.key);
    } else if (op.e.kind === 'eid') {
      const prev = claims.get(k);
      if (prev !== undefined && prev !== op.e.id) {
        throw new CairnError('transact/unique', `entities ${prev} and ${op.e.id} both assert unique ${op.a} ${show(v)}`, { attribute: op.a, value: show(v) });
      }
      claims.set(k, op.e.id);
    }
  }
  // composite identity tuples asserted member by member
  for (const [tempid, vals] of compositeVals) {
    for (const c of ps.uniqueIdentity) {
      const members = ps.attrs.get(c)?.tupleAttrs;
      if (members === undefined || !members.every((m) => vals.has(m))) continue;
      const tuple = members.map((m) => vals.get(m)!) as Value;
      const k = idKey(c, tuple);
      keyInfo.set(k, { a: c, v: tuple });
      const prev = keyOwner.get(k);
      if (prev === undefined) keyOwner.set(k, tempid);
      else uf.union(prev, tempid);
    }
  }

  // Phase 1: db owners of every identity key held by a tempid.
  const ownerKeys = [...keyOwner.keys()];
  const dbOwner = new Map<string, number>();
  const lookups = loop(ownerKeys.length, (i) => {
    const k = ownerKeys[i]!;
    const info = keyInfo.get(k)!;
    return then(lookupUnique(db, info.a, info.v), (e) => { if (e !== undefined) dbOwner.set(k, e); });
  });

  return then(lookups, () => {
    // Phase 2: groups -> existing entity (upsert) or conflict.
    const groupEid = new Map<string, number>();
    const groupVia = new Map<string, string>();
    for (const k of ownerKeys) {
      const root = uf.find(keyOwner.get(k)!);
      const target = dbOwner.get(k) ?? claims.get(k);
      if (target === undefined) continue;
      const prev = groupEid.get(root);
      if (prev !== undefined && prev !== target) {
        const info = keyInfo.get(k)!;
        throw new CairnError('transact/upsert',
          `conflicting upsert: [${info.a} ${show(info.v)}] resolves to ${target}, but the same entity already resolved to ${prev} via ${groupVia.get(root)}`,
          { attribute: info.a, value: show(info.v), entities: [prev, target] });
      }
      groupEid.set(root, target);
      const info = keyInfo.get(k)!;
      groupVia.set(root, `[${info.a} ${show(info.v)}]`);
    }
    // Phase 3: allocation in order of first appearance.
    let next = db.state.maxEid;
    for (const t of norm.tempidOrder) {
      if (!used.has(t)) continue;
      const root = uf.find(t);
      if (!groupEid.has(root)) groupEid.set(root, ++next);
    }
    const tempidEid = (key: string): number => groupEid.get(uf.find(key))!;

    // Phase 4: lookup refs and idents.
    const lookupKeys = new Map<string, IdentityKey>();
    const lookupOf = (e: EntityIn): string | null => {
      if (e.kind !== 'lookup') return null;
      const s = ps.attrs.get(e.a);
      if (s === undefined || (s.unique === undefined)) {
        throw new CairnError('transact/lookup-ref', `lookup ref attribute ${e.a} should be marked as db/unique (in [${e.a} ${show(e.v)}])`, { attribute: e.a, value: show(e.v) });
      }
      const v = s.valueType === 'db.type/ref' && typeof e.v === 'number' ? e.v : coerceValue(s, e.v, e.a);
      const k = idKey(e.a, v);
      lookupKeys.set(k, { a: e.a, v });
      return k;
    };
    const keyOfRef = new Map<EntityIn, string>();
    const visit = (e: EntityIn): void => {
      const k = lookupOf(e);
      if (k !== null) keyOfRef.set(e, k);
    };
    for (const op of norm.ops) {
      visit(op.e);
      if ((op.op === 'add' || op.op === 'retract' || op.op === 'cas') && op.v?.kind === 'ref') visit(op.v.ref);
      if (op.op === 'cas' && op.old?.kind === 'ref') visit(op.old.ref);
    }
    const lkeys = [...lookupKeys.keys()];
    const lookupEid = new Map<string, number>();
    const lookupsDone = loop(lkeys.length, (i) => {
      const k = lkeys[i]!;
      const info = lookupKeys.get(k)!;
      return then(lookupUnique(db, info.a, info.v), (e) => {
        if (e !== undefined) { lookupEid.set(k, e); return; }
        const owner = keyOwner.get(k);
        if (owner !== undefined) { lookupEid.set(k, tempidEid(owner)); return; }
        const claim = claims.get(k);
        if (claim !== undefined) { lookupEid.set(k, claim); return; }
        const what = info.a === 'db/ident' ? `ident ${String(info.v)}` : `lookup ref [${info.a} ${show(info.v)}]`;
        throw new CairnError('transact/lookup-ref', `${what} does not resolve to an entity`, { attribute: info.a, value: show(info.v) });
      });
    });

    return then(lookupsDone, () => {
      const eid = (e: EntityIn): number => {
        switch (e.kind) {
          case 'eid': return e.id;
          case 'tempid': return tempidEid(e.key);
          case 'tx': return txId;
          case 'lookup': return lookupEid.get(keyOfRef.get(e)!)!;
          default: {
            const never: never = e;
            throw new CairnError('transact/syntax', `bad entity ${show(never)}`);
          }
        }
      };
      const val = (v: ValueIn): Value => (v.kind === 'value' ? v.v : eid(v.ref));
      const ops: ResolvedOp[] = norm.ops.map((op): ResolvedOp => {
        switch (op.op) {
          case 'add': return { op: 'add', e: eid(op.e), a: op.a, v: val(op.v) };
          case 'retract': return { op: 'retract', e: eid(op.e), a: op.a, v: op.v === undefined ? undefined : val(op.v) };
          case 'retractEntity': return { op: 'retractEntity', e: eid(op.e) };
          case 'retractAttribute': return { op: 'retractAttribute', e: eid(op.e), a: op.a };
          case 'cas': return { op: 'cas', e: eid(op.e), a: op.a, old: op.old === null ? null : val(op.old), v: val(op.v) };
          default: {
            const never: never = op;
            throw new CairnError('transact/syntax', `bad op ${show(never)}`);
          }
        }
      });
      const tempids: Record<string, number> = {};
      for (const t of norm.tempidOrder) {
        if (used.has(t) && t.charCodeAt(0) !== 0) tempids[t] = tempidEid(t);
      }
      tempids['db/current-tx'] = txId;
      return { ops, tempids, maxEid: next };
    });
  });
}
