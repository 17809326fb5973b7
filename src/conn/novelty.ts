// An index as a persisted base tree plus in-memory novelty (DESIGN decision 5, the "tail").
//
// Representation: `base` is the tree as of the last fold (lazily loaded from the store);
// `adds` holds keys added since, `removes` keys retracted since. `removes` is ordered by `same`,
// a comparator that ignores what can differ between a stored key and the retraction that
// removes it (tx and added): a current index holds at most one datom per e/a/v, so a removal
// can be replayed from the transaction log without reading the base to learn the original tx.
//
// Invariants: every key in `removes` hides exactly one base key; `adds` and the visible base
// keys are disjoint; size = base.size + adds.size - removes.size.
// Reads merge the three; with no novelty they are the base's own reads (no overhead).
// `fold` applies the novelty to the base (the only time base paths are rewritten).

import type { Comparator, IndexFactory, IndexMeta, NodeAddress, NodeStorage, SortedSet, TransientSet } from '../index/types';
import { isPromise, type MaybePromise } from '../util/maybe';

function lift<T, U>(x: MaybePromise<T>, f: (v: T) => U): MaybePromise<U> {
  return isPromise(x) ? x.then(f) : f(x);
}

export class NoveltySet<K> implements SortedSet<K> {
  readonly base: SortedSet<K>;
  readonly adds: SortedSet<K>;
  readonly removes: SortedSet<K>;
  readonly cmp: Comparator<K>;
  readonly same: Comparator<K>;
  readonly factory: IndexFactory;

  constructor(base: SortedSet<K>, adds: SortedSet<K>, removes: SortedSet<K>, cmp: Comparator<K>, same: Comparator<K>, factory: IndexFactory) {
    this.base = base;
    this.adds = adds;
    this.removes = removes;
    this.cmp = cmp;
    this.same = same;
    this.factory = factory;
  }

  /** `base` with no novelty; the novelty trees use the base's branching factor. */
  static over<K>(base: SortedSet<K>, factory: IndexFactory, cmp: Comparator<K>, same: Comparator<K>): NoveltySet<K> {
    const branchingFactor = base.meta().branchingFactor;
    return new NoveltySet(base, factory.empty(cmp, { branchingFactor }), factory.empty(same, { branchingFactor }), cmp, same, factory);
  }

  get size(): number {
    return this.base.size + this.adds.size - this.removes.size;
  }

  get noveltySize(): number {
    return this.adds.size + this.removes.size;
  }

  #merge(base: K[], removes: K[], adds: K[], descending: boolean): K[] {
    const sign = descending ? -1 : 1;
    let kept = base;
    if (removes.length > 0) {
      kept = [];
      let j = 0;
      for (const k of base) {
        while (j < removes.length && sign * this.same(removes[j]!, k) < 0) j++;
        if (j < removes.length && this.same(removes[j]!, k) === 0) continue;
        kept.push(k);
      }
    }
    if (adds.length === 0) return kept;
    const out: K[] = new Array(kept.length + adds.length);
    let i = 0, j = 0, n = 0;
    while (i < kept.length && j < adds.length) {
      out[n++] = sign * this.cmp(kept[i]!, adds[j]!) <= 0 ? kept[i++]! : adds[j++]!;
    }
    while (i < kept.length) out[n++] = kept[i++]!;
    while (j < adds.length) out[n++] = adds[j++]!;
    return out;
  }

  #read(get: (s: SortedSet<K>) => MaybePromise<K[]>, descending: boolean): MaybePromise<K[]> {
    const b = get(this.base);
    if (this.adds.size === 0 && this.removes.size === 0) return b;
    const r = this.removes.size === 0 ? [] : get(this.removes);
    const a = this.adds.size === 0 ? [] : get(this.adds);
    return lift(b, (base) => this.#merge(base, r as K[], a as K[], descending));
  }

  slice(from: K | undefined, to: K | undefined, cmp?: Comparator<K>): MaybePromise<K[]> {
    return this.#read((s) => s.slice(from, to, cmp), false);
  }

  rslice(from: K | undefined, to: K | undefined, cmp?: Comparator<K>): MaybePromise<K[]> {
    return this.#read((s) => s.rslice(from, to, cmp), true);
  }

  seek(from: K, limit?: number, cmp?: Comparator<K>): MaybePromise<K[]> {
    const extra = limit === undefined ? undefined : limit + this.removes.size;
    const merged = this.#read((s) => s.seek(from, s === this.base ? extra : limit, cmp), false);
    return limit === undefined ? merged : lift(merged, (ks) => (ks.length > limit ? ks.slice(0, limit) : ks));
  }

  count(from?: K, to?: K, cmp?: Comparator<K>): MaybePromise<number> {
    const b = this.base.count(from, to, cmp);
    if (this.noveltySize === 0) return b;
    const a = this.adds.count(from, to, cmp) as number; // in memory: synchronous
    const r = this.removes.count(from, to, cmp) as number;
    return lift(b, (n) => n + a - r);
  }

  has(key: K): MaybePromise<boolean> {
    if (this.adds.has(key) === true) return true;
    if (this.removes.has(key) === true) return false;
    return this.base.has(key);
  }

  transient(): TransientSet<K> {
    const adds = this.adds.transient();
    const removes = this.removes.transient();
    const { base, cmp, same, factory } = this;
    let size = this.size;
    return {
      get size() {
        return size;
      },
      add(key) {
        // Always into `adds`: if an e/a/v-equal base key was removed, `removes` keeps hiding it.
        return lift(adds.add(key), (added) => (added && size++, added));
      },
      remove(key) {
        const wasAdded = adds.remove(key);
        const next = (was: boolean): MaybePromise<boolean> => {
          if (was) return (size--, true);
          // Callers remove only keys they read from this set: record the removal of the base key.
          return lift(removes.add(key), (recorded) => (recorded && size--, recorded));
        };
        return isPromise(wasAdded) ? wasAdded.then(next) : next(wasAdded);
      },
      persistent: () => new NoveltySet(base, adds.persistent(), removes.persistent(), cmp, same, factory),
    };
  }

  /** A set with the novelty applied to the base; only the touched base paths become dirty. */
  async fold(): Promise<NoveltySet<K>> {
    if (this.noveltySize === 0) return this;
    let base: SortedSet<K>;
    if (this.base.size === 0 && this.removes.size === 0) {
      base = this.adds; // nothing to merge into: the novelty tree becomes the base
    } else {
      const t = this.base.transient();
      for (const r of await this.removes.slice(undefined, undefined)) {
        for (const k of await this.base.slice(r, r, this.same)) await t.remove(k);
      }
      for (const k of await this.adds.slice(undefined, undefined)) await t.add(k);
      base = t.persistent();
    }
    return NoveltySet.over(base, this.factory, this.cmp, this.same);
  }

  flush(storage: NodeStorage<K>): MaybePromise<NodeAddress> {
    if (this.noveltySize !== 0) throw new Error('NoveltySet.flush: fold first');
    return this.base.flush(storage);
  }

  checkValid(): MaybePromise<void> {
    return this.base.checkValid();
  }

  meta(): IndexMeta {
    return this.base.meta();
  }
}
