// An in-memory NodeStorage for tests: nodes are deep-copied on store (as an encode/decode round
// trip would), every call is counted, loads can be made asynchronous (a cold cache) and
// individual addresses can be made to fail (a broken store).

import { CairnError } from '../util/errors.js';
import type { MaybePromise } from '../util/maybe.js';
import type { NodeAddress, NodeStorage, StoredNode } from './types.js';

export class CountingNodeStorage<K> implements NodeStorage<K> {
  readonly nodes = new Map<NodeAddress, StoredNode<K>>();
  /** 'sync' answers like a warm cache, 'async' like a store read, 'mixed' every third call async. */
  mode: 'sync' | 'async' | 'mixed';
  readonly failing = new Set<NodeAddress>();
  stores = 0;
  loads = 0;
  loadManys = 0;
  /** Nodes delivered by load and loadMany together. */
  nodesLoaded = 0;
  private next = 0;

  private calls = 0;

  constructor(mode: 'sync' | 'async' | 'mixed' = 'sync') {
    this.mode = mode;
  }

  resetCounts(): void {
    this.stores = 0;
    this.loads = 0;
    this.loadManys = 0;
    this.nodesLoaded = 0;
  }

  store(node: StoredNode<K>): NodeAddress {
    this.stores++;
    const address = `n${++this.next}` as NodeAddress;
    this.nodes.set(address, structuredClone(node));
    return address;
  }

  load(address: NodeAddress): MaybePromise<StoredNode<K>> {
    this.loads++;
    return this.answer(() => this.get(address));
  }

  loadMany(addresses: readonly NodeAddress[]): MaybePromise<StoredNode<K>[]> {
    this.loadManys++;
    return this.answer(() => addresses.map((a) => this.get(a)));
  }

  private get(address: NodeAddress): StoredNode<K> {
    const node = this.nodes.get(address);
    if (node === undefined || this.failing.has(address)) {
      throw new CairnError('store/missing-node', `no node at ${address}`, { address });
    }
    this.nodesLoaded++;
    return node;
  }

  private answer<T>(f: () => T): MaybePromise<T> {
    if (this.mode === 'sync' || (this.mode === 'mixed' && ++this.calls % 3 !== 0)) return f();
    return Promise.resolve().then(f);
  }
}
