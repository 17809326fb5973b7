// Stage 2, resolve: every entity reference becomes an entity id.
//
// 1. Upsert. Tempids asserting the same unique-identity value (or composite identity tuple)
//    are one entity (union-find). Each group collects the existing entities its identity
//    values name: in the db (AVET) or claimed by an explicit id in the same tx. One candidate
//    -> the group is that entity; two or more -> 'transact/upsert' (conflicting upsert).
// 2. Allocation. Remaining groups get maxEid + 1, + 2, ... in order of the first appearance
//    of any of their tempids in the tx data (docs/api.md). The tx entity is maxTx + 1.
// 3. Lookup refs and idents (in entity and ref-value positions) resolve against the db, then
//    against identities asserted in this tx (an entity created earlier in the same tx); an
//    unresolvable one is 'transact/lookup-ref', except as the entity of a retraction, which
//    then retracts nothing (Datahike and DataScript: retracting what is not there is a no-op).
// Upserts are decided against the db before the tx. Datahike decides each against the state
// reached so far, so an identity value the tx frees (retractEntity, retract, a card-one
// overwrite) names no one for the ops after that point. The check stage detects it on the ops
// marked `via` (an upserted tempid asserting the identity that resolved it) when another
// tempid or entity freed the value first, and the tx is resolved again with a cut at the
// freeing op: from there on the value is a fresh key, owned by nothing in the db and not
// joined with the tempids that held it before (DataScript's retry, in batch form).
// Database reads are MaybePromise and batched per phase, so a warm db resolves synchronously.

import { bound, type DbValue } from '../db/db.js';
import { TX0, type Schema, type Value } from '../db/types.js';
import { valueKey } from '../db/values.js';
import { coerceValue } from '../db/valuetypes.js';
import { CairnError, show } from '../util/errors.js';
import { setOwn } from '../util/objects.js';
import { andThen as then, isPromise, loop, type MaybePromise } from '../util/maybe.js';
import type { EntityIn, Normalized, ResolvedOp, Resolved, ValueIn } from './types.js';

function idKey(a: string, v: Value): string {
  return `${a}\u0000${valueKey(v)}`;
}

/** Entity owning unique value v of attribute a in the db, if any. */
export function lookupUnique(db: DbValue, a: string, v: Value): MaybePromise<number | undefined> {
  const st = db.state;
  if (a === 'db/ident' && typeof v === 'string') return st.schema.identToEid.get(v.charCodeAt(0) === 58 ? v.slice(1) : v);
  if (!st.schema.indexed.has(a)) return undefined; // not unique in the db: no datom can own it yet
  const b = bound(undefined, a, v);
  return then(db.scan('avet', b, b), (ds) => ds[0]?.e);
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
    const rx = this.find(x),
      ry = this.find(y);
    if (rx !== ry) this.parent.set(ry, rx);
  }
}

interface IdentityKey {
  readonly a: string;
  readonly v: Value;
}

function concrete(v: ValueIn): Value | undefined {
  return v.kind === 'value' ? v.v : v.ref.kind === 'eid' ? v.ref.id : undefined;
}

/** One resolution run; methods rather than closures keep the per-tx cost flat. */
class Resolver {
  private readonly uf = new UnionFind();
  private readonly used = new Set<string>();
  private readonly keyInfo = new Map<string, IdentityKey>();
  private readonly keyOwner = new Map<string, string>(); // identity key -> a tempid holding it
  private readonly claims = new Map<string, number>(); // identity key -> explicit id asserting it
  private readonly dbOwner = new Map<string, number>();
  private readonly groupEid = new Map<string, number>();
  /** group root -> identity keys through which it upserted to an existing entity */
  private readonly upsertVia = new Map<string, Set<string>>();
  private readonly lookupKeys = new Map<string, IdentityKey>();
  private readonly keyOfRef = new Map<EntityIn, string>();
  private readonly lookupEid = new Map<string, number>();
  /** lookup keys used where they must resolve (asserted entities, ref values) */
  private readonly strictKeys = new Set<string>();
  private readonly tempEid = new Map<string, number>(); // every used tempid, once allocated
  private ownerKeys: string[] = [];
  private lookupList: string[] = [];
  private next = 0;
  private lastIn: EntityIn | undefined;
  private lastEid = 0;
  private readonly db: DbValue;
  private readonly ps: Schema;
  private readonly norm: Normalized;
  private readonly txId: number;
  private readonly cuts: Cuts;
  /** identity values asserted on lookup-ref entities, resolved as claims after the owners */
  private readonly lookupClaims: { readonly ref: EntityIn & { kind: 'lookup' }; readonly k: string }[] = [];
  /** identity keys of a later segment (after a cut): no db owner */
  private readonly fresh = new Set<string>();

  constructor(db: DbValue, ps: Schema, norm: Normalized, txId: number, cuts: Cuts) {
    this.db = db;
    this.ps = ps;
    this.norm = norm;
    this.txId = txId;
    this.cuts = cuts;
  }

  /** The identity key of [a v] as asserted by op i: past a cut, a key of its own. */
  private keyAt(k: string, i: number): string {
    const cs = this.cuts.size === 0 ? undefined : this.cuts.get(k);
    if (cs === undefined) return k;
    let seg = 0;
    for (const c of cs) if (i > c) seg++;
    return seg === 0 ? k : `${k}\u0001${seg}`;
  }

  run(): MaybePromise<Resolved> {
    this.collect();
    this.ownerKeys = [...this.keyOwner.keys()];
    if (this.ownerKeys.length === 0) return this.afterOwners();
    const claims = this.lookupClaims;
    return then(
      loop(this.ownerKeys.length, (i) => this.lookupOwner(i)),
      () =>
        claims.length === 0
          ? this.afterOwners()
          : then(
              loop(claims.length, (i) => this.lookupClaim(claims[i]!)),
              () => this.afterOwners(),
            ),
    );
  }

  /**
   * An identity asserted on a lookup-ref entity ({db/id [email a], email b}) claims the value for
   * that entity, like one asserted on an explicit id: a tempid upserting through it joins it.
   */
  private lookupClaim(c: { readonly ref: EntityIn & { kind: 'lookup' }; readonly k: string }): MaybePromise<void> {
    const s = this.ps.attrs.get(c.ref.a);
    if (s === undefined || s.unique === undefined) return undefined; // reported by the lookup stage
    let v: Value;
    try {
      v = s.valueType === 'db.type/ref' && typeof c.ref.v === 'number' ? c.ref.v : coerceValue(s, c.ref.v, c.ref.a);
    } catch {
      return undefined; // idem
    }
    return then(lookupUnique(this.db, c.ref.a, v), (e) => {
      if (e !== undefined && !this.claims.has(c.k)) this.claims.set(c.k, e);
    });
  }

  private noteUse(e: EntityIn): void {
    if (e.kind === 'tempid') this.used.add(e.key);
  }

  private addKey(k: string, a: string, v: Value, tempid: string): void {
    this.keyInfo.set(k, { a, v });
    const prev = this.keyOwner.get(k);
    if (prev === undefined) this.keyOwner.set(k, tempid);
    else this.uf.union(prev, tempid);
  }

  /** Tempid uses, identity keys held by tempids, identity claims of explicit ids. */
  private collect(): void {
    const ps = this.ps;
    let compositeVals: Map<string, Map<string, Value>> | undefined;
    const ops = this.norm.ops;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      this.noteUse(op.e);
      if ((op.op === 'add' || op.op === 'cas') && op.v.kind === 'ref') this.noteUse(op.v.ref);
      if (op.op !== 'add') continue;
      const identity = ps.uniqueIdentity.has(op.a);
      const member = op.e.kind === 'tempid' && ps.tupleAttrsOf.has(op.a);
      if (!identity && !member) continue;
      const v = concrete(op.v);
      if (v === undefined) continue;
      if (member && op.e.kind === 'tempid') {
        compositeVals ??= new Map();
        let m = compositeVals.get(op.e.key);
        if (m === undefined) compositeVals.set(op.e.key, (m = new Map()));
        m.set(op.a, v);
      }
      if (!identity) continue;
      const base = idKey(op.a, v);
      const k = this.keyAt(base, i);
      if (k !== base) this.fresh.add(k);
      if (op.e.kind === 'tempid') this.addKey(k, op.a, v, op.e.key);
      else if (op.e.kind === 'lookup') {
        this.keyInfo.set(k, { a: op.a, v });
        this.lookupClaims.push({ ref: op.e, k });
      } else if (op.e.kind === 'eid') {
        this.keyInfo.set(k, { a: op.a, v });
        const prev = this.claims.get(k);
        if (prev !== undefined && prev !== op.e.id) {
          throw new CairnError('transact/unique', `entities ${prev} and ${op.e.id} both assert unique ${op.a} ${show(v)}`, { attribute: op.a, value: show(v) });
        }
        this.claims.set(k, op.e.id);
      }
    }
    if (compositeVals === undefined) return;
    // composite identity tuples asserted member by member
    for (const [tempid, vals] of compositeVals) {
      for (const c of ps.uniqueIdentity) {
        const members = ps.attrs.get(c)?.tupleAttrs;
        if (members === undefined || !members.every((m) => vals.has(m))) continue;
        const tuple = members.map((m) => vals.get(m)!) as Value;
        this.addKey(idKey(c, tuple), c, tuple, tempid);
      }
    }
  }

  private lookupOwner(i: number): MaybePromise<void> {
    const k = this.ownerKeys[i]!;
    if (this.fresh.has(k)) return undefined;
    const info = this.keyInfo.get(k)!;
    const e = lookupUnique(this.db, info.a, info.v);
    if (isPromise(e))
      return e.then((x) => {
        if (x !== undefined) this.dbOwner.set(k, x);
      });
    if (e !== undefined) this.dbOwner.set(k, e);
  }

  private afterOwners(): MaybePromise<Resolved> {
    if (this.ownerKeys.length === 0) {
      // no identity values held by tempids: no upsert and no unions, every tempid is new
      let next = this.db.state.maxEid;
      for (const t of this.norm.tempidOrder) if (this.used.has(t)) this.tempEid.set(t, ++next);
      this.next = next;
      this.checkAllocated();
      return this.lookups();
    }
    // groups -> existing entity (upsert) or conflict
    const groupVia = new Map<string, string>();
    for (const k of this.ownerKeys) {
      const root = this.uf.find(this.keyOwner.get(k)!);
      const owner = this.dbOwner.get(k);
      const target = owner ?? this.claims.get(k);
      if (target === undefined) continue;
      if (owner !== undefined) {
        const via = this.upsertVia.get(root);
        if (via === undefined) this.upsertVia.set(root, new Set([k]));
        else via.add(k);
      }
      const prev = this.groupEid.get(root);
      const info = this.keyInfo.get(k)!;
      if (prev !== undefined && prev !== target) {
        throw new CairnError(
          'transact/upsert',
          `conflicting upsert: [${info.a} ${show(info.v)}] resolves to ${target}, but the same entity already resolved to ${prev} via ${groupVia.get(root)}`,
          { attribute: info.a, value: show(info.v), entities: [prev, target] },
        );
      }
      this.groupEid.set(root, target);
      groupVia.set(root, `[${info.a} ${show(info.v)}]`);
    }
    // allocation in order of first appearance
    let next = this.db.state.maxEid;
    for (const t of this.norm.tempidOrder) {
      if (!this.used.has(t)) continue;
      const root = this.uf.find(t);
      if (!this.groupEid.has(root)) this.groupEid.set(root, ++next);
    }
    this.next = next;
    this.checkAllocated();
    for (const t of this.used) this.tempEid.set(t, this.groupEid.get(this.uf.find(t))!);
    return this.lookups();
  }

  /** Lookup refs and idents in entity and ref-value positions. */
  private lookups(): MaybePromise<Resolved> {
    for (const op of this.norm.ops) {
      // the entity of a retraction may name nothing: retracting what is not there is a no-op
      this.visit(op.e, op.op === 'add' || op.op === 'cas');
      if ((op.op === 'add' || op.op === 'retract' || op.op === 'cas') && op.v?.kind === 'ref') this.visit(op.v.ref, true);
      if (op.op === 'cas' && op.old?.kind === 'ref') this.visit(op.old.ref, true);
    }
    if (this.lookupKeys.size === 0) return this.finish();
    this.lookupList = [...this.lookupKeys.keys()];
    return then(
      loop(this.lookupList.length, (i) => this.lookupRef(i)),
      () => this.finish(),
    );
  }

  private tempidEid(key: string): number {
    return this.tempEid.get(key) ?? this.groupEid.get(this.uf.find(key))!;
  }

  private visit(e: EntityIn, strict: boolean): void {
    if (e.kind !== 'lookup') return;
    const s = this.ps.attrs.get(e.a);
    if (s === undefined || s.unique === undefined) {
      throw new CairnError('transact/lookup-ref', `lookup ref attribute ${e.a} should be marked as db/unique (in [${e.a} ${show(e.v)}])`, {
        attribute: e.a,
        value: show(e.v),
      });
    }
    const v = s.valueType === 'db.type/ref' && typeof e.v === 'number' ? e.v : coerceValue(s, e.v, e.a);
    const k = idKey(e.a, v);
    this.lookupKeys.set(k, { a: e.a, v });
    this.keyOfRef.set(e, k);
    if (strict) this.strictKeys.add(k);
  }

  private lookupRef(i: number): MaybePromise<void> {
    const k = this.lookupList[i]!;
    const info = this.lookupKeys.get(k)!;
    return then(lookupUnique(this.db, info.a, info.v), (e) => {
      if (e !== undefined) {
        this.lookupEid.set(k, e);
        return;
      }
      const owner = this.keyOwner.get(k);
      if (owner !== undefined) {
        this.lookupEid.set(k, this.tempidEid(owner));
        return;
      }
      const claim = this.claims.get(k);
      if (claim !== undefined) {
        this.lookupEid.set(k, claim);
        return;
      }
      if (!this.strictKeys.has(k)) {
        this.lookupEid.set(k, NOTHING);
        return;
      }
      const what = info.a === 'db/ident' ? `ident ${String(info.v)}` : `lookup ref [${info.a} ${show(info.v)}]`;
      throw new CairnError('transact/lookup-ref', `${what} does not resolve to an entity`, { attribute: info.a, value: show(info.v) });
    });
  }

  private eid(e: EntityIn): number {
    // the ops of one entity map share their EntityIn object: remember the last answer
    if (e === this.lastIn) return this.lastEid;
    const id = this.eidOf(e);
    this.lastIn = e;
    this.lastEid = id;
    return id;
  }

  private eidOf(e: EntityIn): number {
    switch (e.kind) {
      case 'eid':
        return this.checkedEid(e.id);
      case 'tempid':
        return this.tempidEid(e.key);
      case 'tx':
        return this.txId;
      case 'lookup':
        return this.lookupEid.get(this.keyOfRef.get(e)!)!;
      default: {
        const never: never = e;
        throw new CairnError('transact/syntax', `bad entity ${show(never)}`);
      }
    }
  }

  /**
   * An explicit entity id: user entities live below TX0, tx entities from TX0 + 1 to this tx.
   * An id past this tx names no entity that can exist, and writing to it would make later
   * allocations collide with it.
   */
  private checkedEid(id: number): number {
    if (id >= TX0 && id !== this.txId && (id === TX0 || id > this.db.state.maxTx)) {
      throw new CairnError(
        'transact/entity-id',
        `entity id ${id} is out of range: user entities are below ${TX0}, transaction entities ${TX0 + 1}..${this.txId}`,
        { entity: id },
      );
    }
    return id;
  }

  /** New entity ids must stay below the tx range. */
  private checkAllocated(): void {
    if (this.next >= TX0) {
      throw new CairnError('transact/entity-id', `entity id space exhausted: new entity id ${this.next} would reach the transaction range (${TX0})`, {
        entity: this.next,
      });
    }
  }

  private val(v: ValueIn): Value {
    return v.kind === 'value' ? v.v : this.eid(v.ref);
  }

  /** The identity key of [a v] when tempid's group upserted through it, else undefined. */
  private viaKey(tempid: string, a: string, v: Value, i: number): string | undefined {
    if (!this.ps.uniqueIdentity.has(a)) return undefined;
    const k = idKey(a, v);
    return this.upsertVia.get(this.uf.find(tempid))?.has(this.keyAt(k, i)) === true ? k : undefined;
  }

  private finish(): Resolved {
    const src = this.norm.ops;
    const ops: ResolvedOp[] = new Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const op = src[i]!;
      switch (op.op) {
        case 'add': {
          const v = this.val(op.v);
          const via = this.upsertVia.size > 0 && op.e.kind === 'tempid' ? this.viaKey(op.e.key, op.a, v, i) : undefined;
          ops[i] = via === undefined ? { op: 'add', e: this.eid(op.e), a: op.a, v } : { op: 'add', e: this.eid(op.e), a: op.a, v, via };
          break;
        }
        case 'retract':
          ops[i] = { op: 'retract', e: this.eid(op.e), a: op.a, v: op.v === undefined ? undefined : this.val(op.v) };
          break;
        case 'retractEntity':
          ops[i] = { op: 'retractEntity', e: this.eid(op.e) };
          break;
        case 'retractAttribute':
          ops[i] = { op: 'retractAttribute', e: this.eid(op.e), a: op.a };
          break;
        case 'cas':
          ops[i] = { op: 'cas', e: this.eid(op.e), a: op.a, old: op.old === null ? null : this.val(op.old), v: this.val(op.v) };
          break;
        default: {
          const never: never = op;
          throw new CairnError('transact/syntax', `bad op ${show(never)}`);
        }
      }
    }
    // Start the report object in V8's dictionary mode (delete a non-last property): tempid keys
    // differ from tx to tx, and adding them to a fresh literal makes a hidden class per key.
    const tempids: Record<string, number> = { '\u0000': 0, 'db/current-tx': this.txId };
    delete tempids['\u0000'];
    for (const t of this.norm.tempidOrder) {
      if (this.used.has(t) && t.charCodeAt(0) !== 0) setOwn(tempids, t, this.tempidEid(t));
    }
    // which tempid each op is about, for the check stage's upsert retry (only when one upserted)
    const tempidOf = this.upsertVia.size === 0 ? undefined : src.map((op) => (op.e.kind === 'tempid' ? op.e.key : undefined));
    return { ops, tempids, maxEid: this.next, ...(tempidOf === undefined ? {} : { tempidOf }) };
  }
}

/** Identity key -> indices of the ops that freed it in this tx (see the header). */
export type Cuts = ReadonlyMap<string, readonly number[]>;

export function resolve(db: DbValue, ps: Schema, norm: Normalized, txId: number, cuts: Cuts = NO_CUTS): MaybePromise<Resolved> {
  return new Resolver(db, ps, norm, txId, cuts).run();
}
const NO_CUTS: Cuts = new Map();
/** The id an unresolved lookup ref of a retraction stands for: no entity has it, so it retracts nothing. */
const NOTHING = 0;

/** Thrown by the check stage: identity `key`, freed by op `at`, names no one after that op. */
export class UpsertRetry extends Error {
  readonly key: string;
  readonly at: number;
  constructor(key: string, at: number) {
    super('upsert retry');
    this.key = key;
    this.at = at;
  }
}
