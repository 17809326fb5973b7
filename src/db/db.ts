// The database value (`DbValue`, implementing `Db` of ./types) and its time views.
//
// Representation (Datahike's layout): a `DbState` holds
//   - the current indices eavt/aevt/avet: exactly the live datoms (all `added`); avet holds
//     only datoms of indexed attributes (db/index, unique, or ref);
//   - with keepHistory, the temporal indices teavt/taevt/tavet: every assertion that was later
//     retracted (with its original tx) plus its retraction datom (`added` false, the
//     retracting tx). noHistory attributes never reach them. Current and temporal are
//     disjoint (a tx that asserts, retracts and re-asserts one e/a/v keeps only the final
//     assertion: see apply.ts); the merge below still de-duplicates defensively;
//   - the raw schema and the derived Schema, maxEid, maxTx and the last automatic txInstant.
// Views are the same state seen through a filter:
//   - history  = current ∪ temporal, merged in index order (assertions and retractions);
//   - asOf(t)  = for each e/a/v, the events of history with tx <= t: present iff it has more
//                assertions than retractions among them (they alternate; an assert and a
//                retract in one tx cancel), shown as its latest assertion. At t >= maxTx this
//                is exactly the current index (tested);
//   - since(t) = current datoms with tx > t (Datomic/Datahike: added after t, strictly).
//   A Date point is resolved lazily, at read time, to the last tx whose db/txInstant <= date.
// Without keepHistory there are no temporal indices and history/asOf see the current datoms.

import { CairnError, show } from '../util/errors.js';
import { andThen as then, both, type MaybePromise } from '../util/maybe.js';
import { type Comparator, type KeyRuns, runsOf, type SortedSet } from '../indices/types.js';
import { INDEX_COMPARATORS, PREFIX_COMPARATORS } from './compare.js';
import type { RawSchema } from './schema.js';
import { Datom, TX0, type Db, type DbConfig, type DbView, type EntityRef, type IndexName, type Schema, type Value } from './types.js';
import { compareValues } from './values.js';
import { attrId, identDatoms, identOfId, storedBound } from './attr-refs.js';
import { coerceValue } from './valuetypes.js';
import { isDate } from '../util/brands.js';

export interface DbState {
  readonly config: DbConfig;
  readonly raw: RawSchema;
  readonly schema: Schema;
  readonly eavt: SortedSet<Datom>;
  readonly aevt: SortedSet<Datom>;
  readonly avet: SortedSet<Datom>;
  /** Present iff config.keepHistory. */
  readonly temporal: { readonly eavt: SortedSet<Datom>; readonly aevt: SortedSet<Datom>; readonly avet: SortedSet<Datom> } | null;
  readonly maxEid: number;
  readonly maxTx: number;
  /** ms of the last db/txInstant written (0 when none): the next automatic one is later. */
  readonly lastTxInstant: number;
}

type TimePoint = number | Date;
/** A `filter(db, pred)` predicate: keep the datoms it returns true for (Datahike's signature). */
export type DatomPredicate = (db: Db, datom: Datom) => boolean;

interface Filter {
  readonly history: boolean;
  readonly asOf?: TimePoint;
  readonly since?: TimePoint;
  /** filter(db, pred) views, all of which must keep a datom. */
  readonly preds?: readonly DatomPredicate[];
}
const CURRENT: Filter = { history: false };

/** A partial datom used as a range bound: undefined components match anything. */
export function bound(e?: number, a?: string, v?: Value, tx?: number): Datom {
  return new Datom(e as number, a as string, v as Value, tx as number);
}

/** Merge two arrays sorted by cmp, dropping duplicates (cmp === 0). */
function mergeSorted(x: readonly Datom[], y: readonly Datom[], cmp: Comparator<Datom>): Datom[] {
  if (y.length === 0) return x as Datom[];
  if (x.length === 0) return y as Datom[];
  const out: Datom[] = [];
  let i = 0,
    j = 0;
  while (i < x.length && j < y.length) {
    const c = cmp(x[i]!, y[j]!);
    if (c < 0) out.push(x[i++]!);
    else if (c > 0) out.push(y[j++]!);
    else {
      out.push(x[i++]!);
      j++;
    }
  }
  while (i < x.length) out.push(x[i++]!);
  while (j < y.length) out.push(y[j++]!);
  return out;
}

/** asOf folding over history datoms in index order (same e/a/v are adjacent). */
function foldAsOf(events: readonly Datom[], t: number): Datom[] {
  const out: Datom[] = [];
  let i = 0;
  while (i < events.length) {
    const first = events[i]!;
    let balance = 0;
    let latest: Datom | null = null;
    let j = i;
    for (; j < events.length; j++) {
      const d = events[j]!;
      if (d.e !== first.e || d.a !== first.a || (d.v !== first.v && compareValues(d.v, first.v) !== 0)) break;
      if (d.tx > t) continue;
      if (d.added) {
        balance++;
        if (latest === null || d.tx >= latest.tx) latest = d;
      } else balance--;
    }
    if (balance > 0 && latest !== null) out.push(latest);
    i = j;
  }
  return out;
}

export class DbValue implements Db {
  /** @internal the indices and counters; views share it. */
  readonly state: DbState;
  readonly view: DbView;
  private readonly filter: Filter;

  constructor(state: DbState, view: DbView = { kind: 'current' }, filter: Filter = CURRENT) {
    this.state = state;
    this.view = view;
    this.filter = filter;
  }

  get schema(): Schema {
    return this.state.schema;
  }
  get config(): DbConfig {
    return this.state.config;
  }
  get maxEid(): number {
    return this.state.maxEid;
  }
  get maxTx(): number {
    return this.state.maxTx;
  }
  get basisT(): number {
    return this.state.maxTx;
  }

  /** @internal a view of the same state. */
  withFilter(view: DbView, filter: Filter): DbValue {
    return new DbValue(this.state, view, filter);
  }
  /** @internal */
  get timeFilter(): Filter {
    return this.filter;
  }

  private resolvePoint(p: TimePoint | undefined): MaybePromise<number | undefined> {
    if (p === undefined || typeof p === 'number') return p;
    const ms = p.getTime();
    // txInstant datoms are indexed (AVET) and never retracted: the last one <= date names t
    const a = this.storedAttr('db/txInstant');
    const r = this.state.avet.slice(bound(undefined, a), bound(undefined, a, p), PREFIX_COMPARATORS.avet);
    return then(r, (ds) => {
      let t = TX0;
      for (const d of ds) if ((d.v as Date).getTime() <= ms && d.e > t) t = d.e;
      return t;
    });
  }

  /** Datoms of index `idx` between the prefix bounds lo..hi (undefined = open), as this view sees them. */
  scan(idx: IndexName, lo: Datom | undefined, hi: Datom | undefined): MaybePromise<Datom[]> {
    const preds = this.filter.preds;
    if (preds === undefined) return this.scanTime(idx, lo, hi);
    // predicates see the database without them (as Datahike's filter passes the unfiltered db)
    const plain = new DbValue(this.state, this.view, { ...this.filter, preds: undefined });
    return then(this.scanTime(idx, lo, hi), (ds) => ds.filter((d) => preds.every((p) => p(plain, d) === true)));
  }

  /** True for a filter(db, pred) view. */
  get filtered(): boolean {
    return this.filter.preds !== undefined;
  }

  /** @internal an attribute as the indices hold it: its entity id with attribute refs, else the ident. */
  storedAttr(a: string): string {
    return this.state.config.attributeRefs ? ((attrId(this.state.schema, a) ?? a) as unknown as string) : a;
  }

  /** @internal datoms read from the index sets themselves, in the ident form the engine uses. */
  identForm(ds: Datom[]): Datom[] {
    return this.state.config.attributeRefs ? identDatoms(this.state.schema, ds) : ds;
  }

  /** @internal an attribute given as an entity id (attribute refs) as its ident; other values unchanged. */
  attrIdent<A extends string | undefined>(a: A): A {
    if (typeof a !== 'number' || !this.state.config.attributeRefs) return a;
    return (identOfId(this.state.schema, a) ?? String(a)) as A;
  }

  /** @internal how many current (and with `temporal`, temporal) datoms lie in the prefix `b`. */
  countPrefix(idx: IndexName, b: Datom | undefined, temporal: boolean): MaybePromise<number> {
    const st = this.state;
    const sb = st.config.attributeRefs ? storedBound(st.schema, b) : b;
    if (sb === null) return 0;
    const prefix = PREFIX_COMPARATORS[idx];
    const cur = st[idx].count(sb, sb, prefix);
    if (!temporal || st.temporal === null) return cur;
    const tmp = st.temporal[idx].count(sb, sb, prefix);
    return then(both(cur, tmp), ([c, t]) => c + t);
  }

  /** With attribute refs, bounds go to the indices as ids and datoms come back as idents. */
  private scanTime(idx: IndexName, lo: Datom | undefined, hi: Datom | undefined): MaybePromise<Datom[]> {
    const st = this.state;
    if (!st.config.attributeRefs) return this.scanStored(idx, lo, hi);
    const slo = storedBound(st.schema, lo);
    const shi = hi === lo ? slo : storedBound(st.schema, hi);
    if (slo === null || shi === null) return [];
    return then(this.scanStored(idx, slo, shi), (ds) => identDatoms(st.schema, ds));
  }

  private scanStored(idx: IndexName, lo: Datom | undefined, hi: Datom | undefined): MaybePromise<Datom[]> {
    const f = this.filter;
    const st = this.state;
    const prefix = PREFIX_COMPARATORS[idx];
    const current = this.isUniqueLookup(idx, lo, hi) ? this.seekOne(lo!) : st[idx].slice(lo, hi, prefix);
    if (!f.history && f.asOf === undefined) {
      if (f.since === undefined) return current;
      return then(both(this.resolvePoint(f.since), current), ([since, ds]) => ds.filter((d) => d.tx > since!));
    }
    const temporal = st.temporal === null ? [] : st.temporal[idx].slice(lo, hi, prefix);
    const cmp = INDEX_COMPARATORS[idx];
    return then(both(current, temporal), ([cur, tmp]) => {
      const merged = mergeSorted(cur, tmp, cmp);
      return then(both(this.resolvePoint(f.asOf), this.resolvePoint(f.since)), ([asOf, since]) => {
        let ds = merged;
        if (f.history) {
          if (asOf !== undefined) ds = ds.filter((d) => d.tx <= asOf);
        } else if (asOf !== undefined) {
          ds = foldAsOf(ds, asOf);
        }
        if (since !== undefined) ds = ds.filter((d) => d.tx > since);
        return ds;
      });
    });
  }

  /**
   * A lookup of one value of a unique attribute in AVET holds at most one current datom: seek
   * it with limit 1, so a cold lookup reads one path even when the match ends a leaf (a range
   * scan would read the next leaf to be sure it holds no more).
   */
  private isUniqueLookup(idx: IndexName, lo: Datom | undefined, hi: Datom | undefined): boolean {
    if (idx !== 'avet' || lo === undefined || lo !== hi || lo.e !== undefined || lo.v === undefined || lo.a === undefined) return false;
    const s = this.state.schema;
    const a = typeof lo.a === 'number' ? (identOfId(s, lo.a) ?? '') : lo.a; // a stored id (attribute refs)
    return s.uniqueIdentity.has(a) || s.uniqueValue.has(a);
  }

  private seekOne(b: Datom): MaybePromise<Datom[]> {
    return then(this.state.avet.seek(b, 1, PREFIX_COMPARATORS.avet), (ds) => ds.filter((d) => PREFIX_COMPARATORS.avet(d, b) === 0));
  }

  search(e?: number, a?: string, v?: Value, tx?: number): MaybePromise<Datom[]> {
    a = this.attrIdent(a);
    let r: MaybePromise<Datom[]>;
    let filterV = false;
    if (e !== undefined) {
      const b = bound(e, a, a === undefined ? undefined : v);
      r = this.scan('eavt', b, b);
      filterV = a === undefined && v !== undefined;
    } else if (a !== undefined && v !== undefined && this.state.schema.indexed.has(a)) {
      const b = bound(undefined, a, v);
      r = this.scan('avet', b, b);
    } else if (a !== undefined) {
      const b = bound(undefined, a);
      r = this.scan('aevt', b, b);
      filterV = v !== undefined;
    } else {
      r = this.scan('eavt', undefined, undefined);
      filterV = v !== undefined;
    }
    if (!filterV && tx === undefined) return r;
    const vb = filterV ? bound(undefined, undefined, v) : undefined;
    return then(r, (ds) => ds.filter((d) => (vb === undefined || PREFIX_COMPARATORS.avet(d, vb) === 0) && (tx === undefined || d.tx === tx)));
  }

  searchRuns(e?: number, a?: string, v?: Value, tx?: number): MaybePromise<KeyRuns<Datom>> {
    const f = this.filter;
    const plain = !this.state.config.attributeRefs && (f === CURRENT || (!f.history && f.asOf === undefined && f.since === undefined && f.preds === undefined));
    // The current view reads one index range as the leaves hold it; everything else (time views,
    // filters, a value filtered in EAVT/AEVT, a tx, leaves holding attribute ids) is search's array.
    if (plain && tx === undefined && (e !== undefined ? a !== undefined || v === undefined : a !== undefined)) {
      let idx: IndexName;
      let b: Datom | undefined;
      if (e !== undefined) {
        idx = 'eavt';
        b = bound(e, a, v);
      } else if (v !== undefined && this.state.schema.indexed.has(a!)) {
        idx = 'avet';
        b = bound(undefined, a, v);
      } else if (v === undefined) {
        idx = 'aevt';
        b = bound(undefined, a);
      } else return then(this.search(e, a, v, tx), runsOf);
      const set = this.state[idx];
      if (set.runs !== undefined && !this.isUniqueLookup(idx, b, b)) return set.runs(b, b, PREFIX_COMPARATORS[idx]);
    }
    return then(this.search(e, a, v, tx), runsOf);
  }

  /** Turn user components (index order) into a prefix bound, resolving entity refs and idents. */
  private componentsBound(index: IndexName, components: readonly unknown[]): MaybePromise<Datom | null> {
    const order = index === 'eavt' ? ['e', 'a', 'v', 'tx'] : index === 'aevt' ? ['a', 'e', 'v', 'tx'] : ['a', 'v', 'e', 'tx'];
    const got: { e?: unknown; a?: string; v?: unknown; tx?: number } = {};
    for (let i = 0; i < order.length && i < components.length; i++) {
      const c = components[i];
      if (c === undefined || c === null) break; // a prefix stops at the first missing component
      const k = order[i]!;
      if (k === 'a') got.a = this.attrIdent(attrName(c, 'datoms', this.state.config.attributeRefs));
      else if (k === 'tx') got.tx = c as number;
      else (got as Record<string, unknown>)[k] = c;
    }
    const eR: MaybePromise<number | null | undefined> = got.e === undefined ? undefined : this.entid(got.e as EntityRef);
    const vR = got.v === undefined ? undefined : this.componentValue(got.a, got.v);
    return then(eR, (e) =>
      then(vR, (v) => {
        if (e === null || v === null) return null;
        return bound(e, got.a, v, got.tx);
      }),
    );
  }

  /** A value component: refs may be given as lookup refs or idents; keywords without colon. */
  private componentValue(a: string | undefined, v: unknown): MaybePromise<Value | null> {
    const s = a === undefined ? undefined : this.state.schema.attrs.get(a);
    if (s?.valueType === 'db.type/ref' && (typeof v === 'string' || Array.isArray(v))) return this.entid(v as EntityRef);
    if (s === undefined) return v as Value;
    try {
      return coerceValue(s, v, s.ident);
    } catch {
      return v as Value;
    }
  }

  datoms(index: IndexName, ...components: unknown[]): MaybePromise<Datom[]> {
    if (index === 'avet') this.requireAvet(components[0], 'datoms');
    return then(this.componentsBound(index, components), (b) => (b === null ? [] : this.scan(index, b, b)));
  }

  seekDatoms(index: IndexName, ...components: unknown[]): MaybePromise<Datom[]> {
    if (index === 'avet') this.requireAvet(components[0], 'seekDatoms');
    return then(this.componentsBound(index, components), (b) => (b === null ? [] : this.scan(index, b, undefined)));
  }

  indexRange(attr: string, start?: Value, end?: Value): MaybePromise<Datom[]> {
    const a = this.requireAvet(attrName(attr, 'indexRange', this.state.config.attributeRefs), 'indexRange')!; // a missing attribute is an error here, not a full scan
    const s = this.state.schema.attrs.get(a);
    const norm = (v: Value | undefined): Value | undefined => {
      if (v === undefined || v === null || s === undefined) return v;
      try {
        return coerceValue(s, v, a);
      } catch {
        return v;
      }
    };
    return this.scan('avet', bound(undefined, a, norm(start)), bound(undefined, a, norm(end)));
  }

  /**
   * AVET holds only attributes with db/index or db/unique, so an AVET read naming any other
   * attribute could only ever be empty: datoms, seekDatoms and indexRange all reject it alike,
   * rather than answer [] for what is almost always a missing schema flag.
   */
  private requireAvet(attr: unknown, fn: string): string | undefined {
    if (attr === undefined || attr === null) return undefined;
    const a = this.attrIdent(attrName(attr, fn, this.state.config.attributeRefs));
    if (!this.state.schema.indexed.has(a)) {
      throw new CairnError('schema/invalid', `attribute ${a} is not in AVET: declare it with db/index true (or unique) to use ${fn}`, { attribute: a });
    }
    return a;
  }

  entid(ref: EntityRef): MaybePromise<number | null> {
    if (typeof ref === 'number') return Number.isInteger(ref) && ref > 0 ? ref : null;
    if (typeof ref === 'string') {
      const ident = ref.charCodeAt(0) === 58 ? ref.slice(1) : ref;
      return this.state.schema.identToEid.get(ident) ?? null;
    }
    if (Array.isArray(ref) && ref.length === 2 && typeof ref[0] === 'string') {
      const a = ref[0].charCodeAt(0) === 58 ? ref[0].slice(1) : ref[0];
      const sc = this.state.schema;
      if (!sc.uniqueIdentity.has(a) && !sc.uniqueValue.has(a)) {
        throw new CairnError('transact/lookup-ref', `lookup ref attribute ${a} should be marked as db/unique`, { lookupRef: [a, show(ref[1])] });
      }
      return then(this.componentValue(a, ref[1]), (v) => {
        if (v === null) return null;
        return then(this.search(undefined, a, v), (ds) => (ds.length === 0 ? null : ds[0]!.e));
      });
    }
    throw new CairnError('entity/invalid', `not an entity reference: ${show(ref)}`, { ref: show(ref) });
  }

  estimate(e?: number, a?: string, v?: Value): MaybePromise<number> {
    a = this.attrIdent(a);
    let idx: IndexName;
    let b: Datom | undefined;
    if (e !== undefined) {
      idx = 'eavt';
      b = bound(e, a, a === undefined ? undefined : v);
    } else if (a !== undefined && v !== undefined && this.state.schema.indexed.has(a)) {
      idx = 'avet';
      b = bound(undefined, a, v);
    } else if (a !== undefined) {
      idx = 'aevt';
      b = bound(undefined, a);
    } else {
      idx = 'eavt';
      b = undefined;
    }
    return this.countPrefix(idx, b, this.filter.history || this.filter.asOf !== undefined);
  }
}

/**
 * An attribute given by a caller, colon dropped. A number is an attribute's entity id with
 * attribute refs (kept, for attrIdent); without, it is accepted as before and matches nothing.
 */
function attrName(c: unknown, fn: string, refs = false): string {
  if (typeof c === 'string') return c.charCodeAt(0) === 58 ? c.slice(1) : c;
  if (typeof c === 'number') return refs ? (c as unknown as string) : String(c);
  throw new CairnError('schema/unknown-attribute', `${fn}: an attribute must be a string like 'person/name', got ${show(c)}`, { attribute: show(c) });
}

export function isDbValue(db: Db): db is DbValue {
  return db instanceof DbValue;
}

export function asDbValue(db: Db): DbValue {
  if (!(db instanceof DbValue)) throw new CairnError('config/invalid', 'not a CairnDB database value');
  return db;
}

/** Current datoms plus retractions and past assertions (`history`). */
/** Time views read the temporal indices, which exist only with keepHistory (as in Datahike). */
function temporal(db: Db, fn: string): DbValue {
  const d = asDbValue(db);
  if (!d.state.config.keepHistory) {
    throw new CairnError('config/invalid', `${fn} needs the history this database does not keep (it was created with keepHistory: false)`, { view: fn });
  }
  return d;
}

/**
 * The database seen through `pred(db, datom)` (Datahike's `filter`): q, pull, datoms and entity
 * see only the datoms it keeps. Composes with history/asOf/since and with other filters (all
 * must keep a datom). A filtered value cannot be transacted against.
 */
export function filter(db: Db, pred: DatomPredicate): Db {
  if (typeof pred !== 'function') throw new CairnError('config/invalid', `filter needs a predicate function (db, datom) => boolean, got ${typeof pred}`);
  const d = asDbValue(db);
  const f = d.timeFilter;
  return d.withFilter(d.view, { ...f, preds: [...(f.preds ?? []), pred] });
}

export function history(db: Db): Db {
  const d = temporal(db, 'history');
  return d.withFilter({ kind: 'history' }, { ...d.timeFilter, history: true });
}

function checkPoint(t: number | Date, fn: string): void {
  if (isDate(t)) {
    if (Number.isNaN(t.getTime())) throw new CairnError('config/invalid', `${fn}: invalid Date`);
    return;
  }
  if (typeof t !== 'number' || !Number.isInteger(t))
    throw new CairnError('config/invalid', `${fn}: expected a tx id or a Date, got ${show(t)}`, { t: show(t) });
}

/** The database as of tx `t` (inclusive) or the last tx at or before a Date (`as-of`). */
export function asOf(db: Db, t: number | Date): Db {
  checkPoint(t, 'asOf');
  const d = temporal(db, 'asOf');
  return d.withFilter({ kind: 'asOf', t }, { ...d.timeFilter, asOf: t });
}

/** Only datoms added after tx `t` / the Date, strictly (`since`). */
export function since(db: Db, t: number | Date): Db {
  checkPoint(t, 'since');
  const d = temporal(db, 'since');
  return d.withFilter({ kind: 'since', t }, { ...d.timeFilter, since: t });
}
