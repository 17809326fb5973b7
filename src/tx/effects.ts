// Stage 3, check: resolved ops -> the datoms to apply, checked for cardinality, uniqueness and
// CAS, in tx order. Each op sees the effects of the ops before it through an overlay:
//   - vals: e -> a -> valueKey -> the live assertion (loaded from EAVT once per e/a, or empty
//     without a read for entities created by this tx), updated by every emitted datom;
//   - owners: unique a+value -> owning entity (0 = freed in this tx), over AVET;
//   - refsIn: ref assertions made in this tx, by target (for retractEntity's incoming refs).
// Rules: re-asserting a live value is a no-op; card-one assertion retracts the old value
// first; retracting what is not there is a no-op; retractEntity retracts every datom of the
// entity and every incoming ref, cascading to component children; composite tuples
// (db/tupleAttrs) are recomputed at the end for every entity whose members changed.

import { bound, type DbValue } from '../db/db.js';
import { loop } from '../util/maybe.js';
import { Datom, TX0, type Schema, type Value } from '../db/types.js';
import { valueKey } from '../db/values.js';
import { CairnError, show } from '../util/errors.js';
import { andThen as then, isPromise, type MaybePromise } from '../util/maybe.js';
import { lookupUnique, UpsertRetry } from './resolve.js';
import type { Effects, ResolvedOp } from './types.js';

type Vals = Map<string, Datom>;

class Overlay {
  readonly datoms: Datom[] = [];
  readonly priors: (Datom | undefined)[] = [];
  private readonly vals = new Map<number, Map<string, Vals>>();
  private readonly whole = new Set<number>();
  private readonly owners = new Map<string, number>();
  private readonly refsIn = new Map<number, [number, string][]>();
  private readonly tupleDirty = new Map<number, Set<string>>();
  /** The op being checked (its index and tempid): who frees a unique value, for upsert retries. */
  at = 0;
  tempid: string | undefined;
  private readonly freedBy = new Map<string, { readonly at: number; readonly tempid: string | undefined }>();
  /** Composite tuple values asserted directly: checked against the maintained value at the end. */
  private readonly tupleClaims: Datom[] = [];
  private readonly db: DbValue;
  private readonly ps: Schema;
  private readonly tx: number;

  constructor(db: DbValue, ps: Schema, tx: number) {
    this.db = db;
    this.ps = ps;
    this.tx = tx;
  }

  /** An entity this tx created (or the tx entity): it has no datoms in the db. */
  private isNew(e: number): boolean {
    const st = this.db.state;
    return e < TX0 ? e > st.maxEid : e > st.maxTx;
  }

  private entityVals(e: number): Map<string, Vals> {
    let em = this.vals.get(e);
    if (em === undefined) this.vals.set(e, (em = new Map()));
    return em;
  }

  load(e: number, a: string): MaybePromise<Vals> {
    const em = this.entityVals(e);
    const m = em.get(a);
    if (m !== undefined) return m;
    if (this.isNew(e) || this.whole.has(e)) {
      const fresh: Vals = new Map();
      em.set(a, fresh);
      return fresh;
    }
    const b = bound(e, a);
    return then(this.db.scan('eavt', b, b), (ds) => {
      let m2 = em.get(a);
      if (m2 === undefined) {
        m2 = new Map();
        for (const d of ds) m2.set(valueKey(d.v), d);
        em.set(a, m2);
      }
      return m2;
    });
  }

  private loadEntity(e: number): MaybePromise<Map<string, Vals>> {
    const em = this.entityVals(e);
    if (this.isNew(e) || this.whole.has(e)) return em;
    const b = bound(e);
    return then(this.db.scan('eavt', b, b), (ds) => {
      const loaded = new Map<string, Vals>();
      for (const d of ds) {
        let m = loaded.get(d.a);
        if (m === undefined) loaded.set(d.a, (m = new Map()));
        m.set(valueKey(d.v), d);
      }
      for (const [a, m] of loaded) if (!em.has(a)) em.set(a, m);
      this.whole.add(e);
      return em;
    });
  }

  isComposite(a: string): boolean {
    return this.ps.tupleAttrsOf.size > 0 && this.ps.attrs.get(a)?.tupleAttrs !== undefined;
  }

  private isUnique(a: string): boolean {
    return this.ps.uniqueIdentity.has(a) || this.ps.uniqueValue.has(a);
  }

  private owner(a: string, v: Value, vk: string): MaybePromise<number | undefined> {
    const o = this.owners.get(`${a}\u0000${vk}`);
    if (o !== undefined) return o === 0 ? undefined : o;
    return lookupUnique(this.db, a, v);
  }

  private markTuples(e: number, a: string): void {
    const cs = this.ps.tupleAttrsOf.get(a);
    if (cs === undefined) return;
    let set = this.tupleDirty.get(e);
    if (set === undefined) this.tupleDirty.set(e, (set = new Set()));
    for (const c of cs) set.add(c);
  }

  private retractDatom(e: number, a: string, old: Datom, m: Vals): void {
    const vk = valueKey(old.v);
    m.delete(vk);
    this.datoms.push(new Datom(e, a, old.v, this.tx, false));
    this.priors.push(old);
    if (this.isUnique(a)) {
      this.owners.set(`${a}\u0000${vk}`, 0);
      this.freedBy.set(`${a}\u0000${vk}`, { at: this.at, tempid: this.tempid });
    }
    this.markTuples(e, a);
  }

  /** A direct assertion of composite tuple `a`: no write of its own; flushTuples verifies it equals the maintained value. */
  claimTuple(e: number, a: string, v: Value): void {
    this.tupleClaims.push(new Datom(e, a, v, this.tx, true));
    let set = this.tupleDirty.get(e);
    if (set === undefined) this.tupleDirty.set(e, (set = new Set()));
    set.add(a);
  }

  assert(e: number, a: string, v: Value): MaybePromise<void> {
    const m = this.load(e, a);
    return isPromise(m) ? m.then((vals) => this.assertIn(e, a, v, vals)) : this.assertIn(e, a, v, m);
  }

  /**
   * The identity assertion of an upserted tempid. If another tempid or entity freed the value
   * earlier in this tx, the upsert named no one at this point: resolve again with a cut there.
   * (The tempid freeing its own value and taking it back is DataScript's pinned-tempid case.)
   */
  assertUpserted(e: number, a: string, v: Value, via: string): MaybePromise<void> {
    return then(this.load(e, a), (m) => {
      const freed = m.has(valueKey(v)) || this.owners.get(via) !== 0 ? undefined : this.freedBy.get(via);
      if (freed !== undefined && (freed.tempid === undefined || freed.tempid !== this.tempid)) throw new UpsertRetry(via, freed.at);
      return this.assertIn(e, a, v, m);
    });
  }

  private assertIn(e: number, a: string, v: Value, m: Vals): MaybePromise<void> {
    const vk = valueKey(v);
    if (m.has(vk)) return; // re-asserting a live value is a no-op
    if (!this.isUnique(a)) return this.write(e, a, v, vk, m);
    const o = this.owner(a, v, vk);
    return isPromise(o) ? o.then((x) => this.checkOwner(e, a, v, vk, m, x)) : this.checkOwner(e, a, v, vk, m, o);
  }

  private checkOwner(e: number, a: string, v: Value, vk: string, m: Vals, o: number | undefined): void {
    if (o !== undefined && o !== e) {
      throw new CairnError('transact/unique', `unique constraint violated: ${a} ${show(v)} already belongs to entity ${o}, cannot assert it on entity ${e}`, {
        attribute: a,
        value: show(v),
        entity: e,
        owner: o,
      });
    }
    this.write(e, a, v, vk, m);
  }

  private write(e: number, a: string, v: Value, vk: string, m: Vals): void {
    if (m.size > 0 && !this.ps.many.has(a)) for (const old of [...m.values()]) this.retractDatom(e, a, old, m);
    const d = new Datom(e, a, v, this.tx, true);
    m.set(vk, d);
    this.datoms.push(d);
    this.priors.push(undefined);
    if (this.isUnique(a)) this.owners.set(`${a}\u0000${vk}`, e);
    if (typeof v === 'number' && this.ps.refs.has(a)) {
      const list = this.refsIn.get(v);
      if (list === undefined) this.refsIn.set(v, [[e, a]]);
      else list.push([e, a]);
    }
    if (this.ps.tupleAttrsOf.size > 0) this.markTuples(e, a);
  }

  retract(e: number, a: string, v: Value | undefined): MaybePromise<void> {
    return then(this.load(e, a), (m) => {
      if (v === undefined) {
        for (const old of [...m.values()]) this.retractDatom(e, a, old, m);
        return;
      }
      const old = m.get(valueKey(v));
      if (old !== undefined) this.retractDatom(e, a, old, m);
    });
  }

  retractAttribute(e: number, a: string, visited: Set<number>): MaybePromise<void> {
    return then(this.load(e, a), (m) => {
      const children = this.ps.components.has(a) ? [...m.values()].map((d) => d.v as number) : [];
      for (const old of [...m.values()]) this.retractDatom(e, a, old, m);
      return loop(children.length, (i) => this.retractEntity(children[i]!, visited));
    });
  }

  /** Entities and ref attributes pointing at e: AVET per ref attribute, plus this tx's refs. */
  private incoming(e: number): MaybePromise<[number, string][]> {
    const out: [number, string][] = [...(this.refsIn.get(e) ?? [])];
    if (this.isNew(e)) return out;
    const st = this.db.state;
    const refs = [...st.schema.refs];
    return then(
      loop(refs.length, (i) => {
        const b = bound(undefined, refs[i]!, e);
        return then(this.db.scan('avet', b, b), (ds) => {
          for (const d of ds) out.push([d.e, d.a]);
        });
      }),
      () => out,
    );
  }

  /**
   * Retract e and, depth first, its component children. A work stack rather than recursion: a
   * component chain thousands deep must not overflow the call stack.
   */
  retractEntity(root: number, visited: Set<number> = new Set()): MaybePromise<void> {
    const stack = [root];
    const run = (): MaybePromise<void> => {
      while (stack.length > 0) {
        const e = stack.pop()!;
        if (visited.has(e)) continue;
        visited.add(e);
        const r = this.retractOne(e, stack);
        if (isPromise(r)) return r.then(run);
      }
      return undefined;
    };
    return run();
  }

  /** Retract e's datoms and incoming refs; push its component children (first child on top). */
  private retractOne(e: number, stack: number[]): MaybePromise<void> {
    return then(this.loadEntity(e), (em) => {
      const children: number[] = [];
      for (const [a, m] of em) {
        for (const old of [...m.values()]) {
          if (this.ps.components.has(a) && typeof old.v === 'number') children.push(old.v);
          this.retractDatom(e, a, old, m);
        }
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
      return then(this.incoming(e), (pairs) =>
        loop(pairs.length, (i) => {
          const [src, a] = pairs[i]!;
          return then(this.load(src, a), (m) => {
            const old = m.get(valueKey(e));
            if (old !== undefined) this.retractDatom(src, a, old, m);
          });
        }),
      );
    });
  }

  cas(e: number, a: string, old: Value | null, v: Value): MaybePromise<void> {
    return then(this.load(e, a), (m) => {
      const ok = old === null ? m.size === 0 : m.has(valueKey(old));
      if (!ok) {
        const found = [...m.values()].map((d) => d.v);
        const expected = old === null ? 'no value' : show(old);
        throw new CairnError(
          'transact/cas',
          `CAS failed on entity ${e} attribute ${a}: expected ${expected}, found ${found.length === 0 ? 'no value' : show(this.ps.many.has(a) ? found : found[0])}`,
          { entity: e, attribute: a, expected: old === null ? null : show(old), found: found.map((x) => show(x)) },
        );
      }
      return this.assert(e, a, v);
    });
  }

  /** Recompute composite tuples of every entity whose member attributes changed. */
  flushTuples(): MaybePromise<void> {
    const work: [number, string][] = [];
    for (const [e, cs] of this.tupleDirty) for (const c of cs) work.push([e, c]);
    this.tupleDirty.clear();
    return then(
      loop(work.length, (i) => {
        const [e, c] = work[i]!;
        const members = this.ps.attrs.get(c)?.tupleAttrs ?? [];
        const values: (Value | null)[] = new Array(members.length).fill(null);
        return then(
          loop(members.length, (j) =>
            then(this.load(e, members[j]!), (m) => {
              const first = m.values().next();
              values[j] = first.done ? null : first.value.v;
            }),
          ),
          () => {
            if (values.every((x) => x === null)) return this.retract(e, c, undefined);
            return this.assert(e, c, values as Value);
          },
        );
      }),
      () => this.checkTupleClaims(),
    );
  }

  private checkTupleClaims(): MaybePromise<void> {
    return loop(this.tupleClaims.length, (i) => {
      const { e, a, v } = this.tupleClaims[i]!;
      return then(this.load(e, a), (m) => {
        if (m.has(valueKey(v))) return;
        const members = this.ps.attrs.get(a)?.tupleAttrs ?? [];
        throw new CairnError(
          'transact/tuple',
          `can't modify tuple attrs directly: ${a} ${show(v)} on entity ${e} differs from the value maintained from ${members.join(', ')}`,
          { attribute: a, entity: e, value: show(v) },
        );
      });
    });
  }
}

export function computeEffects(
  db: DbValue,
  ps: Schema,
  ops: readonly ResolvedOp[],
  tx: number,
  tempidOf?: readonly (string | undefined)[],
): MaybePromise<Effects> {
  const o = new Overlay(db, ps, tx);
  const each = (i: number): MaybePromise<void> => {
    o.at = i;
    o.tempid = tempidOf?.[i];
    return step(o, ops[i]!);
  };
  return then(loop(ops.length, each), () => {
    o.at = ops.length;
    o.tempid = undefined;
    return then(o.flushTuples(), () => ({ datoms: o.datoms, priors: o.priors }));
  });
}

function step(o: Overlay, op: ResolvedOp): MaybePromise<void> {
  switch (op.op) {
    case 'add':
      if (op.via !== undefined) return o.assertUpserted(op.e, op.a, op.v, op.via);
      return o.isComposite(op.a) ? o.claimTuple(op.e, op.a, op.v) : o.assert(op.e, op.a, op.v);
    case 'retract':
      return o.retract(op.e, op.a, op.v);
    case 'retractEntity':
      return o.retractEntity(op.e);
    case 'retractAttribute':
      return o.retractAttribute(op.e, op.a, new Set());
    case 'cas':
      return o.cas(op.e, op.a, op.old, op.v);
    default: {
      const never: never = op;
      throw new CairnError('transact/syntax', `bad op ${show(never)}`);
    }
  }
}
