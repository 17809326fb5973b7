// An index as a persisted base tree plus in-memory novelty (docs/architecture.md, decision 5, the "tail").
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
// `fold` applies the novelty to the base (the only time base paths are rewritten): removals one
// at a time, additions as one sorted run merged leaf by leaf (indices/bulk.ts).

import {
  type Comparator,
  type IndexFactory,
  type IndexMeta,
  type KeyRuns,
  type NodeAddress,
  type NodeStorage,
  runsOf,
  type SortedSet,
  type TransientSet,
} from '../indices/types.js';
import { addSorted } from '../indices/bulk.js';
import { isPromise, type MaybePromise } from '../util/maybe.js';

function lift<T, U>(x: MaybePromise<T>, f: (v: T) => U): MaybePromise<U> {
  return isPromise(x) ? x.then(f) : f(x);
}

const NOVELTY_BRANCHING_FACTOR = 64;

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

  /**
   * `base` with no novelty. The novelty trees are small and rebuilt by every transaction's
   * transient, so they use a small fanout: copying a 512-key leaf per transaction is waste.
   */
  static over<K>(base: SortedSet<K>, factory: IndexFactory, cmp: Comparator<K>, same: Comparator<K>): NoveltySet<K> {
    const branchingFactor = NOVELTY_BRANCHING_FACTOR;
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
    let i = 0,
      j = 0,
      n = 0;
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

  /** The base's own leaves when the range holds no novelty (the usual case), else the merged slice. */
  runs(from: K | undefined, to: K | undefined, cmp?: Comparator<K>): MaybePromise<KeyRuns<K>> {
    const base = this.base;
    const clean = this.noveltySize === 0 || (this.adds.count(from, to, cmp) === 0 && this.removes.count(from, to, cmp) === 0); // in memory: sync
    if (clean && base.runs !== undefined) return base.runs(from, to, cmp);
    return lift(this.slice(from, to, cmp), runsOf);
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
    return new NoveltyTransient(this);
  }

  /** Bulk form of the transient's add: the run goes into `adds` in one merge. */
  addSorted(keys: readonly K[]): MaybePromise<SortedSet<K>> {
    return lift(addSorted(this.adds, keys, this.cmp), (adds) =>
      adds === this.adds ? this : new NoveltySet(this.base, adds, this.removes, this.cmp, this.same, this.factory),
    );
  }

  /** A set with the novelty applied to the base; only the touched base paths become dirty. */
  async fold(): Promise<NoveltySet<K>> {
    if (this.noveltySize === 0) return this;
    let base: SortedSet<K>;
    if (this.base.size === 0 && this.removes.size === 0) {
      // Nothing to merge into: bulk-build the base from the novelty, at the base's own fanout.
      base = this.factory.fromSorted(await this.adds.slice(undefined, undefined), this.cmp, { branchingFactor: this.base.meta().branchingFactor });
    } else {
      const t = this.base.transient();
      for (const r of await this.removes.slice(undefined, undefined)) {
        for (const k of await this.base.slice(r, r, this.same)) await t.remove(k);
      }
      base = await addSorted(t.persistent(), await this.adds.slice(undefined, undefined), this.cmp);
    }
    return NoveltySet.over(base, this.factory, this.cmp, this.same);
  }

  /** The base compacted (SortedSet.compacted), once folded: what a commit that purges writes. */
  async compacted(removed?: readonly K[]): Promise<NoveltySet<K>> {
    if (this.noveltySize !== 0) throw new Error('NoveltySet.compacted: fold first');
    const base = await this.base.compacted?.(removed);
    return base === undefined ? this : NoveltySet.over(base, this.factory, this.cmp, this.same);
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

/**
 * A batch over a NoveltySet. A class rather than an object literal with a getter: V8 gives each
 * such literal its own hidden class, which made every transaction pay for it.
 */
class NoveltyTransient<K> implements TransientSet<K> {
  readonly #from: NoveltySet<K>;
  readonly #adds: TransientSet<K>;
  /** Made on the first removal of a base key: most transactions only add. */
  #removes: TransientSet<K> | undefined;
  #size: number;

  constructor(from: NoveltySet<K>) {
    this.#from = from;
    this.#adds = from.adds.transient();
    this.#size = from.size;
  }

  get size(): number {
    return this.#size;
  }

  add(key: K): MaybePromise<boolean> {
    // Always into `adds`: if an e/a/v-equal base key was removed, `removes` keeps hiding it.
    const added = this.#adds.add(key);
    return isPromise(added) ? added.then((a) => this.#added(a)) : this.#added(added);
  }

  #added(added: boolean): boolean {
    if (added) this.#size++;
    return added;
  }

  remove(key: K): MaybePromise<boolean> {
    const wasAdded = this.#adds.remove(key);
    return isPromise(wasAdded) ? wasAdded.then((w) => this.#removed(key, w)) : this.#removed(key, wasAdded);
  }

  #removed(key: K, wasAdded: boolean): MaybePromise<boolean> {
    if (wasAdded) {
      this.#size--;
      return true;
    }
    // Callers remove only keys they read from this set: record the removal of the base key.
    const recorded = (this.#removes ??= this.#from.removes.transient()).add(key);
    return isPromise(recorded) ? recorded.then((r) => this.#recorded(r)) : this.#recorded(recorded);
  }

  #recorded(recorded: boolean): boolean {
    if (recorded) this.#size--;
    return recorded;
  }

  persistent(): SortedSet<K> {
    const f = this.#from;
    return new NoveltySet(f.base, this.#adds.persistent(), this.#removes === undefined ? f.removes : this.#removes.persistent(), f.cmp, f.same, f.factory);
  }
}
