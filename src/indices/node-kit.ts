// What every tree implementation in this folder shares: binary search over sorted keys, the
// branching-factor check, chunking a run into near-equal nodes, and the lazy resolution of a
// child reference (an in-memory node, or only the address of a stored one) through NodeStorage.

import { CairnError, show } from '../util/errors.js';
import { isPromise, type MaybePromise } from '../util/maybe.js';
import type { Comparator, IndexMeta, NodeAddress, NodeStorage, StoredNode } from './types.js';

/** Owner token of one transient; `alive` turns false when the transient is frozen. */
export interface Edit {
  alive: boolean;
}

/**
 * The lifecycle every transient shares: its owner token, operations run one at a time (at once
 * when none is in flight, else after it, since they share the transient's state), and the end
 * (`close`, refused while an operation is in flight; every later use throws `index/invalid`).
 */
export class TransientGate {
  readonly edit: Edit = { alive: true };
  #pending: Promise<unknown> | undefined;

  run<T>(op: () => MaybePromise<T>): MaybePromise<T> {
    this.#assertAlive();
    const result =
      this.#pending === undefined
        ? op()
        : this.#pending.then(() => {
            this.#assertAlive();
            return op();
          });
    if (isPromise(result)) {
      const settled: Promise<unknown> = result.then(ignore, ignore);
      this.#pending = settled;
      const clear = (): void => {
        if (this.#pending === settled) this.#pending = undefined;
      };
      // Registered on `result` before the caller's own callbacks, so the caller resumes with
      // the transient idle and can continue synchronously.
      result.then(clear, clear);
    }
    return result;
  }

  /** Alive with no operation in flight: an operation may run at once, without `run`. */
  get idle(): boolean {
    return this.edit.alive && this.#pending === undefined;
  }

  close(): void {
    this.#assertAlive();
    if (this.#pending !== undefined) {
      throw new CairnError('index/invalid', 'transient still has an operation in flight; await it before persistent()', {});
    }
    this.edit.alive = false;
  }

  #assertAlive(): void {
    if (!this.edit.alive) throw new CairnError('index/invalid', 'transient used after persistent()', {});
  }
}

function ignore(): void {}

/** First index i in [lo, hi) with cmp(keys[i], key) >= 0, or hi. */
export function lowerBound<K>(keys: readonly K[], key: K, cmp: Comparator<K>, lo = 0, hi = keys.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(keys[mid] as K, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in [lo, hi) with cmp(keys[i], key) > 0, or hi. */
export function upperBound<K>(keys: readonly K[], key: K, cmp: Comparator<K>, lo = 0, hi = keys.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(keys[mid] as K, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function checkBranchingFactor(bf: unknown): number {
  if (typeof bf !== 'number' || !Number.isInteger(bf) || bf < 4 || bf > 65536) {
    throw new CairnError('config/invalid', `branching factor must be an integer in 4..65536, got ${show(bf)}`, {
      branchingFactor: typeof bf === 'number' ? bf : String(bf),
    });
  }
  return bf;
}

/** The keys sorted under cmp without duplicates (the same array when they already are). */
export function sortedDistinct<K>(keys: readonly K[], cmp: Comparator<K>): K[] {
  let ordered = true;
  for (let i = 1; i < keys.length; i++) {
    if (cmp(keys[i - 1] as K, keys[i] as K) >= 0) {
      ordered = false;
      break;
    }
  }
  if (ordered) return keys as K[];
  const sorted = keys.slice().sort(cmp);
  let n = 1;
  for (let i = 1; i < sorted.length; i++) if (cmp(sorted[n - 1] as K, sorted[i] as K) !== 0) sorted[n++] = sorted[i] as K;
  sorted.length = n;
  return sorted;
}

/** Throws `index/invalid` unless the keys are strictly ascending under cmp (fromSorted input). */
export function checkSortedDistinct<K>(keys: readonly K[], cmp: Comparator<K>): void {
  for (let i = 1; i < keys.length; i++) {
    if (cmp(keys[i - 1] as K, keys[i] as K) >= 0) {
      throw new CairnError(
        'index/invalid',
        `fromSorted: keys must be sorted and distinct, but key ${i} (${show(keys[i])}) is not greater than key ${i - 1} (${show(keys[i - 1])})`,
        { index: i },
      );
    }
  }
}

/** Split n items into ceil(n / bf) consecutive [start, end) runs of near-equal size. */
export function chunks(n: number, bf: number): [number, number][] {
  const parts = Math.ceil(n / bf);
  const out: [number, number][] = [];
  const base = Math.floor(n / parts);
  const extra = n % parts;
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const end = start + base + (p < extra ? 1 : 0);
    out.push([start, end]);
    start = end;
  }
  return out;
}

export function corruptNode(address: NodeAddress, why: string): never {
  throw new CairnError('store/corrupt', `index node ${show(address)} is malformed: ${why}`, { address });
}

function noStorage(address: NodeAddress): never {
  throw new CairnError('index/invalid', `index node ${show(address)} is not loaded and the set has no storage`, { address });
}

/** Turns stored content into an implementation's node (validating it). */
export type Decode<K, N> = (stored: StoredNode<K>, address: NodeAddress) => N;

/** The node behind a ref, loading it when only the address is known. */
export function resolveRef<K, N>(ref: N | NodeAddress, storage: NodeStorage<K> | undefined, decode: Decode<K, N>): MaybePromise<N> {
  if (typeof ref !== 'string') return ref;
  const address = ref as NodeAddress;
  if (storage === undefined) return noStorage(address);
  const loaded = storage.load(address);
  return isPromise(loaded) ? loaded.then((s) => decode(s, address)) : decode(loaded, address);
}

/**
 * The nodes behind many refs with at most one `loadMany` for all the unloaded ones (a range
 * scan's sibling leaves). Returns the input array itself when every ref is already a node.
 */
export function resolveRefs<K, N>(refs: readonly (N | NodeAddress)[], storage: NodeStorage<K> | undefined, decode: Decode<K, N>): MaybePromise<N[]> {
  let missing: NodeAddress[] | undefined;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i];
    if (typeof r === 'string') (missing ??= []).push(r as NodeAddress);
  }
  if (missing === undefined) return refs as N[];
  if (storage === undefined) return noStorage(missing[0] as NodeAddress);
  const addresses = missing;
  const fill = (stored: StoredNode<K>[]): N[] => {
    if (stored.length !== addresses.length) {
      throw new CairnError('store/corrupt', `loadMany returned ${stored.length} nodes for ${addresses.length} addresses`, {});
    }
    const out = new Array<N>(refs.length);
    let m = 0;
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i] as N | NodeAddress;
      out[i] = typeof r === 'string' ? decode(stored[m] as StoredNode<K>, addresses[m++] as NodeAddress) : r;
    }
    return out;
  };
  const loaded = storage.loadMany(addresses);
  return isPromise(loaded) ? loaded.then(fill) : fill(loaded);
}

/**
 * What the set values of both trees share: an immutable root reference `R` (a node or only its
 * address), the key count, comparator, branching factor and the storage unloaded nodes load
 * from; `rslice` from `slice`, and `meta`.
 */
export abstract class TreeSet<K, R> {
  readonly size: number;
  readonly branchingFactor: number;
  protected readonly root: R;
  protected readonly cmp: Comparator<K>;
  protected readonly storage: NodeStorage<K> | undefined;

  constructor(root: R, size: number, cmp: Comparator<K>, branchingFactor: number, storage: NodeStorage<K> | undefined) {
    this.root = root;
    this.size = size;
    this.cmp = cmp;
    this.branchingFactor = branchingFactor;
    this.storage = storage;
  }

  abstract slice(from: K | undefined, to: K | undefined, cmp?: Comparator<K>): MaybePromise<K[]>;

  rslice(from: K | undefined, to: K | undefined, cmp: Comparator<K> = this.cmp): MaybePromise<K[]> {
    const keys = this.slice(from, to, cmp);
    return isPromise(keys) ? keys.then((ks) => ks.reverse()) : keys.reverse();
  }

  meta(): IndexMeta {
    return { size: this.size, branchingFactor: this.branchingFactor };
  }
}
