// Purge (Datahike's GDPR path): datoms removed from the current AND the history indices, as if
// they had never been written, so that once the connection writes the trees without them
// (a purge commit always folds, see src/conn) and GC drops the old commits and nodes, no stored
// record holds them.
//
//   [:db/purge e a v]                 every datom of e/a/v: the current one and all past ones
//   [:db.purge/attribute e a]         every datom of e/a
//   [:db.purge/entity e]              every datom of e
//   [:db.history.purge/before date]   every retracted assertion (and its retraction) whose
//                                     retraction happened before `date`; current datoms stay
//
// Purge ops run after the rest of their transaction; they are not datoms themselves, so the
// report's txData holds only the other datoms (and db/txInstant). Entities are ids, lookup refs
// or idents that exist (purge is never about a tempid).

import { bound, type DbState, DbValue } from '../db/db.js';
import { INDEX_COMPARATORS, PREFIX_COMPARATORS } from '../db/compare.js';
import { Datom, type EntityRef, type Value } from '../db/types.js';
import type { SortedSet } from '../indices/types.js';
import { CairnError, show } from '../util/errors.js';
import { getOwn } from '../util/objects.js';
import { isDate } from '../util/brands.js';
import { isSchemaAttr } from '../db/schema.js';
import { applyChanges } from '../db/apply.js';
import { factKey, valuesEqual } from '../db/values.js';

export type PurgeOp =
  | { readonly op: 'datom'; readonly e: unknown; readonly a: string; readonly v: unknown }
  | { readonly op: 'attribute'; readonly e: unknown; readonly a: string }
  | { readonly op: 'entity'; readonly e: unknown }
  | { readonly op: 'before'; readonly date: Date };

const bare = (s: string): string => (s.charCodeAt(0) === 58 ? s.slice(1) : s);
const ARITY: Readonly<Record<string, number>> = { 'db/purge': 4, 'db.purge/attribute': 3, 'db.purge/entity': 2, 'db.history.purge/before': 2 };

/** Take the purge ops out of tx items (the rest stays in order). */
export function splitPurges(items: readonly unknown[]): { purges: PurgeOp[]; rest: unknown[] } {
  const purges: PurgeOp[] = [];
  const rest: unknown[] = [];
  for (const item of items) {
    if (!Array.isArray(item)) {
      rest.push(item); // an entity map (a bulk import: every item), never a purge
      continue;
    }
    const name = typeof item[0] === 'string' ? bare(item[0]) : '';
    const arity = getOwn(ARITY, name);
    if (arity === undefined) {
      rest.push(item);
      continue;
    }
    const it = item as unknown[];
    if (it.length !== arity) throw new CairnError('transact/syntax', `wrong number of arguments to ${name} in ${show(item)}`, { op: name });
    const attr = (x: unknown): string => {
      if (typeof x !== 'string' || bare(x) === '')
        throw new CairnError('transact/syntax', `${name} needs an attribute, got ${show(x)} in ${show(item)}`, { op: name });
      return bare(x);
    };
    switch (name) {
      case 'db/purge':
        purges.push({ op: 'datom', e: it[1], a: attr(it[2]), v: it[3] });
        break;
      case 'db.purge/attribute':
        purges.push({ op: 'attribute', e: it[1], a: attr(it[2]) });
        break;
      case 'db.purge/entity':
        purges.push({ op: 'entity', e: it[1] });
        break;
      default: {
        const d = it[1];
        if (!isDate(d) || Number.isNaN(d.getTime())) throw new CairnError('transact/syntax', `${name} needs a Date, got ${show(d)}`, { op: name });
        purges.push({ op: 'before', date: d });
      }
    }
  }
  return { purges, rest };
}

async function entityOf(db: DbValue, e: unknown): Promise<number> {
  const id = typeof e === 'number' || typeof e === 'string' || Array.isArray(e) ? await db.entid(e as EntityRef) : null;
  if (id === null || (typeof e === 'number' && (await db.search(e)).length === 0 && (await history(db).search(e)).length === 0)) {
    throw new CairnError('transact/entity-id', `purge needs an existing entity, got ${show(e)}`, { entity: show(e) });
  }
  return id;
}

const history = (db: DbValue): DbValue => db.withFilter({ kind: 'history' }, { history: true });

/** The datoms (current and past) the ops select. */
async function selected(db: DbValue, ops: readonly PurgeOp[]): Promise<Datom[]> {
  const out: Datom[] = [];
  const h = history(db);
  for (const op of ops) {
    switch (op.op) {
      case 'datom': {
        const e = await entityOf(db, op.e);
        const s = db.schema.attrs.get(op.a);
        const v = s?.valueType === 'db.type/ref' && typeof op.v !== 'number' ? await db.entid(op.v as EntityRef) : op.v;
        out.push(...(await h.search(e, op.a, v as Value)));
        break;
      }
      case 'attribute':
        out.push(...(await h.search(await entityOf(db, op.e), op.a)));
        break;
      case 'entity':
        out.push(...(await h.search(await entityOf(db, op.e))));
        break;
      case 'before':
        out.push(...(await retractedBefore(db, op.date)));
        break;
      default: {
        const never: never = op;
        throw new Error(`unreachable ${String(never)}`);
      }
    }
  }
  return out;
}

/** History pairs (assertion, retraction) whose retraction's tx happened before `date`. */
async function retractedBefore(db: DbValue, date: Date): Promise<Datom[]> {
  const st = db.state;
  if (st.temporal === null) return [];
  const instants = new Map<number, number>();
  const ti = bound(undefined, 'db/txInstant');
  for (const d of await db.scan('avet', ti, ti)) {
    instants.set(d.e, (d.v as Date).getTime());
  }
  const all = db.identForm(await st.temporal.eavt.slice(undefined, undefined));
  const out: Datom[] = [];
  // in EAVT order the events of one e/a/v are adjacent and by tx: assertion, retraction, ...
  for (let i = 0; i + 1 < all.length; i++) {
    const a = all[i]!,
      r = all[i + 1]!;
    if (
      a.added &&
      !r.added &&
      a.e === r.e &&
      a.a === r.a &&
      PREFIX_COMPARATORS.avet(a, bound(undefined, a.a, r.v)) === 0 &&
      (instants.get(r.tx) ?? Infinity) < date.getTime()
    ) {
      out.push(a, r);
      i++;
    }
  }
  return out;
}

/** One history event: a fact, its tx and whether it was asserted or retracted. */
export const eventKey = (d: Datom): string => `${factKey(d)}|${d.tx}|${d.added}`;

/** Remove each key from the set if it is there (exact match by the index's comparator). */
async function without(set: SortedSet<Datom>, keys: readonly Datom[], cmp: (x: Datom, y: Datom) => number): Promise<SortedSet<Datom>> {
  const t = set.transient();
  let n = 0;
  for (const k of keys) {
    const found = await set.slice(k, k, cmp);
    for (const f of found)
      if (f.added === k.added && f.tx === k.tx) {
        await t.remove(f);
        n++;
      }
  }
  return n === 0 ? set : t.persistent();
}

/**
 * A purge may not take a current schema datom: the schema would still define what the indexes no
 * longer say (a query for the attribute's ident finds nothing; an export leaves it out, and a
 * database imported from it holds the attribute's datoms without knowing the attribute). A
 * schema is removed by retracting it once no datom uses the attribute,
 * which checks that; its past versions (history only) may be purged.
 */
async function refuseCurrentSchema(db: DbValue, found: readonly Datom[]): Promise<void> {
  for (const d of found) {
    if (!d.added || !isSchemaAttr(d.a)) continue;
    if (!(await db.search(d.e, d.a, d.v)).some((c) => c.tx === d.tx)) continue;
    const ident = (await db.search(d.e, 'db/ident'))[0]?.v;
    throw new CairnError(
      'schema/change',
      `purge cannot remove ${d.a} of ${ident === undefined ? `entity ${d.e}` : bare(String(ident))}, part of the current schema: retract the attribute's schema instead once no datom uses it`,
      { entity: d.e, attribute: d.a },
    );
  }
}

/** `db` with the datoms the purge ops select removed from every index; and how many. */
export async function applyPurges(db: DbValue, ops: readonly PurgeOp[]): Promise<{ db: DbValue; purged: readonly Datom[] }> {
  const picked = await selected(db, ops);
  if (picked.length === 0) return { db, purged: [] };
  await refuseCurrentSchema(db, picked);
  const { holding, touched } = await compositesHolding(db, picked);
  const found = holding.length === 0 ? picked : [...picked, ...holding];
  const st = db.state;
  // the sets hold attribute ids with attribute refs (src/db/attr-refs.ts)
  const keys = st.config.attributeRefs ? found.map((k) => new Datom(k.e, db.storedAttr(k.a), k.v, k.tx, k.added)) : found;
  const cur = keys.filter((k) => k.added);
  const next: DbState = {
    ...st,
    eavt: await without(st.eavt, cur, INDEX_COMPARATORS.eavt),
    aevt: await without(st.aevt, cur, INDEX_COMPARATORS.aevt),
    avet: await without(st.avet, cur, INDEX_COMPARATORS.avet),
    temporal:
      st.temporal === null
        ? null
        : {
            eavt: await without(st.temporal.eavt, keys, INDEX_COMPARATORS.teavt),
            aevt: await without(st.temporal.aevt, keys, INDEX_COMPARATORS.taevt),
            avet: await without(st.temporal.avet, keys, INDEX_COMPARATORS.tavet),
          },
  };
  // each removed datom once (two ops may select the same one), as the report names it (idents)
  const once = new Map(found.map((k) => [eventKey(k), k]));
  return { db: await recomputeComposites(new DbValue(next), touched), purged: [...once.values()] };
}

/**
 * The composite tuple datoms (db/tupleAttrs), current and past, that hold a purged member value
 * at its place: a purged value must not live on inside a tuple. A tuple version holding the
 * value stays only when a member assertion the purge keeps was current when it was asserted (the
 * same value asserted again later, after a history purge of the earlier one); every other version
 * goes, even one no recorded member assertion explains (a member without history). Also which
 * (entity, composite) pairs lost one, to recompute.
 */
async function compositesHolding(db: DbValue, purged: readonly Datom[]): Promise<{ holding: Datom[]; touched: Map<string, readonly [number, string]> }> {
  const holding: Datom[] = [];
  const touched = new Map<string, readonly [number, string]>();
  const { schema } = db;
  if (schema.tupleAttrsOf.size === 0) return { holding, touched };
  const h = history(db);
  const gone = new Set(purged.map(eventKey));
  const facts = new Map<string, Datom>();
  for (const d of purged) if (d.added && schema.tupleAttrsOf.has(d.a)) facts.set(factKey(d), d);
  for (const d of facts.values()) {
    // when an assertion of this fact that stays was current: [from, until)
    const kept = spans(await h.search(d.e, d.a, d.v)).filter(([a]) => !gone.has(eventKey(a)));
    const explained = (tx: number): boolean => kept.some(([a, r]) => a.tx <= tx && tx < (r?.tx ?? Infinity));
    for (const c of schema.tupleAttrsOf.get(d.a)!) {
      const at = schema.attrs.get(c)?.tupleAttrs?.indexOf(d.a) ?? -1;
      for (const [t, end] of spans(await h.search(d.e, c))) {
        if (at < 0 || !Array.isArray(t.v) || !valuesEqual(t.v[at] as Value, d.v) || explained(t.tx)) continue;
        holding.push(t);
        if (end !== undefined) holding.push(end);
        touched.set(`${d.e}|${c}`, [d.e, c]);
      }
    }
  }
  return { holding, touched };
}

/**
 * Each assertion among one e/a's history events with the retraction that ended it, if any. By tx,
 * a retraction before an assertion of the same tx (a value replaced by itself), unless nothing
 * earlier is open: then the two are one tx's assertion and retraction.
 */
function spans(events: readonly Datom[]): [Datom, Datom | undefined][] {
  const out: [Datom, Datom | undefined][] = [];
  const orphans: Datom[] = [];
  for (const d of [...events].sort((x, y) => x.tx - y.tx || Number(x.added) - Number(y.added))) {
    if (d.added) {
      const i = orphans.findIndex((r) => r.tx === d.tx && valuesEqual(r.v, d.v));
      out.push([d, i < 0 ? undefined : orphans.splice(i, 1)[0]]);
    } else {
      const open = out.findLast(([a, r]) => r === undefined && valuesEqual(a.v, d.v));
      if (open === undefined) orphans.push(d);
      else open[1] = d;
    }
  }
  return out;
}

/**
 * Each touched composite as the members left make it, asserted in the purge's transaction
 * where none is current any more (a tuple of [null, 2] after its first member was purged);
 * none when every member is gone.
 */
async function recomputeComposites(db: DbValue, touched: ReadonlyMap<string, readonly [number, string]>): Promise<DbValue> {
  const add: Datom[] = [];
  const tx = db.maxTx;
  for (const [e, c] of touched.values()) {
    if ((await db.search(e, c)).length > 0) continue;
    const members = db.schema.attrs.get(c)?.tupleAttrs ?? [];
    const values: (Value | null)[] = [];
    for (const m of members) values.push((await db.search(e, m))[0]?.v ?? null);
    if (values.every((v) => v === null)) continue;
    // As a retraction of the member would: a unique composite may not take another entity's value.
    const other = db.schema.attrs.get(c)?.unique !== undefined ? (await db.search(undefined, c, values as Value))[0] : undefined;
    if (other !== undefined) {
      throw new CairnError('transact/unique', `purge would make ${c} of entity ${e} ${show(values)}, which entity ${other.e} already has`, {
        attribute: c,
        entity: e,
        other: other.e,
      });
    }
    add.push(new Datom(e, c, values as Value, tx, true));
  }
  if (add.length === 0) return db;
  return applyChanges(
    db,
    add,
    add.map(() => undefined),
    { tx, instant: db.state.lastTxInstant },
  );
}
