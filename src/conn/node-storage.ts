// NodeStorage over a konserve-style Store: the seam through which index trees write and
// lazily read their nodes (docs/architecture.md, decisions 1 and 4).
//
// - `store(node)` is synchronous: it names the node, encodes it and queues the bytes; the
//   connection takes the queue with `takePending()` and writes it in the commit's one batch.
// - Decoded nodes live in one LRU shared by every index of the connection; a cache hit costs
//   nothing, a miss costs one `get` (or one `getMany` for a whole range of siblings).
// - Concurrent loads of the same address share one request.
// Addresses are `n:<random session prefix>:<counter>`: unique across tabs and restarts without
// coordination, and short.

import type { NodeAddress, NodeStorage, StoredNode } from '../indices/types.js';
import type { Datom } from '../db/types.js';
import type { Codec } from '../store/codec.js';
import type { Store } from '../store/types.js';
import { LRU } from '../util/lru.js';
import { fail } from '../util/errors.js';
import { decodeNode, encodeNode } from './node-codec.js';

export const NODE_PREFIX = 'n:';

export interface NodeStats {
  reads: number; // store records read for nodes
  writes: number; // nodes queued for writing
}

function sessionPrefix(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return NODE_PREFIX + Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('') + ':';
}

export class StoreNodeStorage implements NodeStorage<Datom> {
  readonly stats: NodeStats = { reads: 0, writes: 0 };
  readonly #store: Store;
  readonly #codec: Codec;
  readonly #cache: LRU<string, StoredNode<Datom>>;
  readonly #inflight = new Map<string, Promise<StoredNode<Datom>>>();
  readonly #prefix = sessionPrefix();
  #counter = 0;
  #pending: [string, Uint8Array][] = [];

  constructor(store: Store, codec: Codec, cacheSize = 4096) {
    this.#store = store;
    this.#codec = codec;
    this.#cache = new LRU(cacheSize);
  }

  /** Decoded nodes held now (at most the cache size). */
  get cachedCount(): number {
    return this.#cache.size;
  }

  store(node: StoredNode<Datom>): NodeAddress {
    const address = (this.#prefix + (this.#counter++).toString(36)) as NodeAddress;
    this.#pending.push([address, encodeNode(this.#codec, node)]);
    this.#cache.set(address, node);
    this.stats.writes++;
    return address;
  }

  /** The encoded nodes queued since the last call, for the commit batch. */
  takePending(): [string, Uint8Array][] {
    const out = this.#pending;
    this.#pending = [];
    return out;
  }

  /** Forget queued nodes of a commit that failed (their addresses are never referenced). */
  dropPending(): void {
    for (const [k] of this.#pending) this.#cache.delete(k);
    this.#pending = [];
  }

  load(address: NodeAddress): StoredNode<Datom> | Promise<StoredNode<Datom>> {
    const hit = this.#cache.get(address);
    if (hit !== undefined) return hit;
    let p = this.#inflight.get(address);
    if (p === undefined) {
      p = this.#store.get(address).then((bytes) => this.#decode(address, bytes));
      this.#track(address, p);
    }
    return p;
  }

  loadMany(addresses: readonly NodeAddress[]): StoredNode<Datom>[] | Promise<StoredNode<Datom>[]> {
    const out: (StoredNode<Datom> | Promise<StoredNode<Datom>>)[] = new Array(addresses.length);
    const missing: NodeAddress[] = [];
    addresses.forEach((a, i) => {
      const hit = this.#cache.get(a) ?? this.#inflight.get(a);
      if (hit !== undefined) out[i] = hit;
      else missing.push(a);
    });
    if (missing.length === 0 && !out.some((x) => x instanceof Promise)) return out as StoredNode<Datom>[];
    if (missing.length > 0) {
      const batch = this.#store.getMany(missing);
      missing.forEach((a, j) => {
        const p = batch.then((all) => this.#decode(a, all[j]));
        this.#track(a, p);
      });
      addresses.forEach((a, i) => {
        if (out[i] === undefined) out[i] = this.#inflight.get(a)!;
      });
    }
    return Promise.all(out);
  }

  #track(address: string, p: Promise<StoredNode<Datom>>): void {
    this.#inflight.set(address, p);
    const done = () => this.#inflight.delete(address);
    p.then(done, done);
  }

  #decode(address: string, bytes: Uint8Array | undefined): StoredNode<Datom> {
    this.stats.reads++;
    if (bytes === undefined) fail('store/missing-node', `index node ${address} is missing from the store`, { key: address });
    const node = decodeNode(this.#codec, bytes, address);
    this.#cache.set(address, node);
    return node;
  }
}
