// Applying resolved datoms to a Db value: the single write path of the database. The tx apply
// stage calls `applyChanges` with the retraction priors it already knows; `applyDatoms` (log
// replay, import) looks them up first. Both produce a new DbValue and never touch the old one.
//
// Per call: one transient per index (current eavt/aevt/avet and, with keepHistory, the three
// temporal ones), each filled by a synchronous loop that only awaits when a tree operation
// actually returned a Promise (an unloaded node). A large batch of only additions (an import,
// a bulk transaction) is instead sorted under the index's order and merged in one pass. Per-attribute facts (indexed? history?) are
// computed once per attribute per call, not per datom.
//
// Semantics of a change list (in order):
//   - an assertion is added to the current indices (avet only for indexed attributes);
//   - a retraction removes its prior (the stored assertion, with its original tx) from the
//     current indices and, with keepHistory and unless the attribute is noHistory, adds the
//     prior and the retraction datom to the temporal indices;
//   - schema datoms update the raw schema, and the Schema is rebuilt once at the end;
//   - maxEid/maxTx/lastTxInstant grow to cover the datoms.

import { loop, andThen as then, type MaybePromise } from '../util/maybe.js';
import { addSorted } from '../indices/bulk.js';
import { sortedDistinct } from '../indices/node-kit.js';
import type { Comparator, SortedSet, TransientSet } from '../indices/types.js';
import { bound, DbValue, type DbState } from './db.js';
import { cmpAEVT, cmpAVET, cmpEAVT } from './compare.js';
import { applySchemaDatoms, buildSchema } from './schema.js';
import { TX0, type Datom, type Db, type Schema } from './types.js';
import { factKey } from './values.js';
import { AttrIds } from './attr-refs.js';
import { isDate } from '../util/brands.js';

interface AttrFacts {
  readonly indexedAdd: boolean; // in avet under the new schema
  readonly indexedRemove: boolean; // in avet under the old or the new schema
  readonly history: boolean;
}

function factsFor(cache: Map<string, AttrFacts>, a: string, before: Schema, after: Schema, keepHistory: boolean): AttrFacts {
  let f = cache.get(a);
  if (f === undefined) {
    const ia = after.indexed.has(a);
    f = { indexedAdd: ia, indexedRemove: ia || before.indexed.has(a), history: keepHistory && !after.noHistory.has(a) && !before.noHistory.has(a) };
    cache.set(a, f);
  }
  return f;
}

type Op = 'add' | 'remove';
/** From this many keys on, a batch of only additions is sorted and merged in one pass (indices/bulk.ts). */
const BULK_MIN = 64;

/** The operations one index receives, precomputed so each index is filled by one tight loop. */
function fill(set: SortedSet<Datom>, ops: readonly Op[], keys: readonly Datom[], cmp: Comparator<Datom>): MaybePromise<SortedSet<Datom>> {
  if (keys.length === 0) return set;
  if (keys.length >= BULK_MIN && !ops.includes('remove')) return addSorted(set, sortedDistinct(keys, cmp), cmp);
  return fillOneByOne(set, ops, keys);
}

/** keys (only additions) in AEVT order, from the same keys in EAVT order: a stable partition by attribute. */
function aevtFromEavt(eavt: readonly Datom[]): Datom[] {
  // Two passes, no growing arrays: each key's attribute number and the count per attribute,
  // then each key straight to its place. Usually few attributes per batch: a linear scan of
  // the ones seen beats a Map lookup per datom; past 16 of them, a Map.
  const n = eavt.length;
  const attrs: string[] = [];
  const counts: number[] = [];
  const of = new Uint32Array(n);
  let byName: Map<string, number> | undefined;
  for (let i = 0; i < n; i++) {
    const a = eavt[i]!.a;
    let g: number;
    if (byName === undefined) {
      g = 0;
      while (g < attrs.length && attrs[g] !== a) g++;
    } else g = byName.get(a) ?? attrs.length;
    if (g === attrs.length) {
      attrs.push(a);
      counts.push(0);
      byName?.set(a, g);
      if (byName === undefined && attrs.length > 16) byName = new Map(attrs.map((x, j) => [x, j]));
    }
    of[i] = g;
    counts[g]!++;
  }
  const order = attrs.map((_, g) => g).sort((x, y) => (attrs[x]! < attrs[y]! ? -1 : attrs[x]! > attrs[y]! ? 1 : 0));
  const at: number[] = new Array(attrs.length);
  let pos = 0;
  for (const g of order) {
    at[g] = pos;
    pos += counts[g]!;
  }
  const out: Datom[] = new Array(n);
  for (let i = 0; i < n; i++) out[at[of[i]!]!++] = eavt[i]!;
  return out;
}

function fillOneByOne(set: SortedSet<Datom>, ops: readonly Op[], keys: readonly Datom[]): MaybePromise<SortedSet<Datom>> {
  const t: TransientSet<Datom> = set.transient();
  const done = loop(keys.length, (i) => (ops[i] === 'add' ? t.add(keys[i]!) : t.remove(keys[i]!)));
  return then(done, () => t.persistent());
}

/** Past this many runs of ascending entity ids, sortedEavt leaves the batch to a full sort. */
const EAVT_RUNS_MAX = 8;

/**
 * sortedDistinct under EAVT, without a full sort for the usual bulk shape: entity ids ascending
 * in a few runs (new entities in id order, after the tx entity's datoms), each entity's datoms
 * in the order of its map's keys. Each entity's datoms are sorted alone (a handful, by
 * insertion), then the runs are merged: about two comparisons a datom instead of log2(n).
 */
function sortedEavt(keys: readonly Datom[]): Datom[] {
  const starts = [0];
  for (let i = 1; i < keys.length; i++) {
    if (keys[i]!.e < keys[i - 1]!.e) {
      if (starts.length === EAVT_RUNS_MAX) return sortedDistinct(keys, cmpEAVT);
      starts.push(i);
    }
  }
  const out = keys.slice();
  for (let a = 0, b = 1; a < out.length; a = b++) {
    while (b < out.length && out[b]!.e === out[a]!.e) b++;
    if (b - a > 16) {
      // Many datoms of one entity (a card-many attribute): not by insertion.
      const group = out.slice(a, b).sort(cmpEAVT);
      for (let i = 0; i < group.length; i++) out[a + i] = group[i]!;
      continue;
    }
    for (let i = a + 1; i < b; i++) {
      const d = out[i]!;
      let j = i;
      for (; j > a && cmpEAVT(out[j - 1]!, d) > 0; j--) out[j] = out[j - 1]!;
      out[j] = d;
    }
  }
  let runs: Datom[][] = starts.map((s, r) => out.slice(s, starts[r + 1] ?? out.length));
  while (runs.length > 1) {
    const next: Datom[][] = [];
    for (let r = 0; r < runs.length; r += 2) next.push(r + 1 < runs.length ? mergeTwo(runs[r]!, runs[r + 1]!) : runs[r]!);
    runs = next;
  }
  return sortedDistinct(runs[0]!, cmpEAVT); // now in order: a linear check (duplicates, if any, dropped)
}

function mergeTwo(x: readonly Datom[], y: readonly Datom[]): Datom[] {
  const out: Datom[] = new Array(x.length + y.length);
  let i = 0,
    j = 0,
    k = 0;
  while (i < x.length && j < y.length) out[k++] = cmpEAVT(x[i]!, y[j]!) <= 0 ? x[i++]! : y[j++]!;
  while (i < x.length) out[k++] = x[i++]!;
  while (j < y.length) out[k++] = y[j++]!;
  return out;
}

/**
 * Apply a change list. `priors[i]` must be the stored assertion that retraction `datoms[i]`
 * removes (undefined for assertions). Assertions must not be present already. `txInfo` is the
 * transaction being applied (the tx stage passes it; raw replay derives it from the datoms).
 */
export function applyChanges(
  db: DbValue,
  datoms: readonly Datom[],
  priors: readonly (Datom | undefined)[],
  txInfo?: { readonly tx: number; readonly instant: number },
): MaybePromise<DbValue> {
  const st = db.state;
  const raw = applySchemaDatoms(st.raw, datoms);
  const schema = raw === st.raw ? st.schema : buildSchema(st.config.schemaFlexibility, raw);
  const keepHistory = st.config.keepHistory && st.temporal !== null;
  const facts = new Map<string, AttrFacts>();

  const curOps: Op[] = [],
    curKeys: Datom[] = [];
  const avetOps: Op[] = [],
    avetKeys: Datom[] = [];
  const tKeys: (Datom | null)[] = [],
    tavetKeys: (Datom | null)[] = [];
  // An assertion and retraction of one e/a/v in this same tx, by tx e|a|v -> their positions in
  // tKeys/tavetKeys. If the tx then asserts the value again, the pair is dropped: history
  // could not order three events of one tx (two would share a key), and the net is no change.
  // Keyed by tx too: a replay applies many transactions at once, and a later one asserting the
  // value again is a new event, not the third of that pair's.
  let sameTx: Map<string, [number, number]> | undefined;
  // Facts retracted here that an earlier tx asserted, by tx e|a|v (see the retraction below):
  // made only when a same-tx pair first needs it, so the usual retraction builds no key.
  let retracted: Set<string> | undefined;
  let maxEid = st.maxEid,
    maxTx = st.maxTx,
    lastTxInstant = st.lastTxInstant;
  // a transaction counts even when it writes no datom (keepHistory false, or nothing changed)
  if (txInfo !== undefined) {
    maxTx = Math.max(maxTx, txInfo.tx);
    lastTxInstant = Math.max(lastTxInstant, txInfo.instant);
  }

  // with attribute refs the sets receive datoms whose attribute is its entity id (attr-refs.ts)
  const ids = st.config.attributeRefs ? new AttrIds(st.schema) : null;
  const put = (x: Datom): Datom => (ids === null ? x : ids.stored(x));

  for (let i = 0; i < datoms.length; i++) {
    const d = datoms[i]!;
    ids?.note(d);
    const f = factsFor(facts, d.a, st.schema, schema, keepHistory);
    if (d.tx > maxTx) maxTx = d.tx;
    if (d.added) {
      if (sameTx !== undefined) {
        const k = `${d.tx} ${factKey(d)}`;
        const pos = sameTx.get(k);
        if (pos !== undefined) {
          sameTx.delete(k);
          tKeys[pos[0]] = tKeys[pos[0] + 1] = null;
          if (pos[1] >= 0) tavetKeys[pos[1]] = tavetKeys[pos[1] + 1] = null;
        }
      }
      const k = put(d);
      curOps.push('add');
      curKeys.push(k);
      if (f.indexedAdd) {
        avetOps.push('add');
        avetKeys.push(k);
      }
      if (d.e > maxEid && d.e < TX0) maxEid = d.e;
      if (d.a === 'db/txInstant' && isDate(d.v) && d.v.getTime() > lastTxInstant) lastTxInstant = d.v.getTime();
    } else {
      const p = priors[i];
      if (p === undefined) continue;
      const prior = put(p);
      curOps.push('remove');
      curKeys.push(prior);
      if (f.indexedRemove) {
        avetOps.push('remove');
        avetKeys.push(prior);
      }
      if (f.history) {
        if (prior.tx === d.tx) {
          const fact = `${d.tx} ${factKey(d)}`;
          retracted ??= retractedEarlier(datoms, priors, i);
          // Asserted and retracted again after this tx retracted it: history keeps that one
          // retraction (the pair would be a third and fourth event of the fact in one tx).
          if (retracted.has(fact)) continue;
          (sameTx ??= new Map()).set(fact, [tKeys.length, f.indexedRemove ? tavetKeys.length : -1]);
        } else retracted?.add(`${d.tx} ${factKey(d)}`);
        const r = put(d);
        tKeys.push(prior, r);
        if (f.indexedRemove) tavetKeys.push(prior, r);
      }
    }
  }

  const tK: Datom[] = sameTx === undefined ? (tKeys as Datom[]) : tKeys.filter((x): x is Datom => x !== null);
  const tavetK: Datom[] = sameTx === undefined ? (tavetKeys as Datom[]) : tavetKeys.filter((x): x is Datom => x !== null);
  const tAdds: Op[] = tK.map(() => 'add');
  const tavetAdds: Op[] = tavetK.map(() => 'add');
  // A bulk of additions is sorted once for EAVT; AEVT order follows from it without comparisons.
  const bulk = curKeys.length >= BULK_MIN && !curOps.includes('remove');
  const eavtKeys = bulk ? sortedEavt(curKeys) : curKeys;
  const eavt = fill(st.eavt, curOps, eavtKeys, cmpEAVT);
  return then(eavt, (eavt) =>
    then(fill(st.aevt, curOps, bulk ? aevtFromEavt(eavtKeys) : curKeys, cmpAEVT), (aevt) =>
      then(fill(st.avet, avetOps, avetKeys, cmpAVET), (avet) => {
        const temporal = st.temporal;
        const tR: MaybePromise<DbState['temporal']> =
          temporal === null
            ? null
            : then(fill(temporal.eavt, tAdds, tK, cmpEAVT), (te) =>
                then(fill(temporal.aevt, tAdds, tK, cmpAEVT), (ta) =>
                  then(fill(temporal.avet, tavetAdds, tavetK, cmpAVET), (tv) => ({ eavt: te, aevt: ta, avet: tv })),
                ),
              );
        return then(
          tR,
          (temporalAfter) =>
            new DbValue({
              config: st.config,
              raw,
              schema,
              eavt,
              aevt,
              avet,
              temporal: temporalAfter,
              maxEid,
              maxTx,
              lastTxInstant,
            }),
        );
      }),
    ),
  );
}

/** Keys (tx e|a|v) of the retractions before `end` in a change list whose assertion an earlier tx made. */
function retractedEarlier(datoms: readonly Datom[], priors: readonly (Datom | undefined)[], end: number): Set<string> {
  const out = new Set<string>();
  for (let j = 0; j < end; j++) {
    const d = datoms[j]!;
    const p = priors[j];
    if (!d.added && p !== undefined && p.tx !== d.tx) out.add(`${d.tx} ${factKey(d)}`);
  }
  return out;
}

/**
 * Apply already-resolved datoms raw (log replay, import): assertions already present and
 * retractions of absent datoms are skipped; no cardinality or uniqueness logic runs.
 */
export function applyDatoms(db: Db, datoms: readonly Datom[]): MaybePromise<Db> {
  return then(rawChanges(db, datoms), (r) => applyChanges(db as DbValue, r.datoms, r.priors));
}

/**
 * The change list applyDatoms applies: the datoms that change something, with their priors. A
 * retraction of a fact that is absent pairs with an assertion of it later in the list in the same
 * transaction: the fact was asserted and retracted within that transaction (a value replaced
 * there), written retraction first by an exporter that orders each transaction's retractions
 * before its assertions.
 */
export function rawChanges(db: Db, datoms: readonly Datom[]): MaybePromise<{ datoms: Datom[]; priors: (Datom | undefined)[] }> {
  const base = db as DbValue;
  const batch = new Map<string, Datom>(); // e|a|v -> assertion made earlier in this batch
  const removed = new Set<string>(); // keys of base datoms retracted earlier in this batch
  const unmatched = new Map<string, Datom>(); // e|a|v -> a retraction of an absent fact, in this batch
  const outD: Datom[] = [];
  const outP: (Datom | undefined)[] = [];
  const step = (i: number): MaybePromise<void> => {
    const d = datoms[i]!;
    const key = factKey(d);
    const local = batch.get(key);
    if (local !== undefined) {
      if (!d.added) {
        batch.delete(key);
        outD.push(d);
        outP.push(local);
      }
      return;
    }
    if (removed.has(key)) {
      if (d.added) {
        removed.delete(key);
        batch.set(key, d);
        outD.push(d);
        outP.push(undefined);
      }
      return;
    }
    const b = bound(d.e, d.a, d.v);
    return then(base.scan('eavt', b, b), (found) => {
      const prior = found[0];
      if (d.added) {
        if (prior === undefined) {
          outD.push(d);
          outP.push(undefined);
          const retraction = unmatched.get(key);
          if (retraction !== undefined && retraction.tx === d.tx) {
            unmatched.delete(key);
            outD.push(retraction);
            outP.push(d);
          } else batch.set(key, d);
        }
      } else if (prior !== undefined) {
        removed.add(key);
        outD.push(d);
        outP.push(prior);
      } else unmatched.set(key, d);
    });
  };
  return then(loop(datoms.length, step), () => ({ datoms: outD, priors: outP }));
}
