// The background full fetch of a synced replica: make every index node reachable from the
// server db's roots local, so the whole database works offline. Level by level from the roots;
// branch nodes are decoded to find their children, leaves are only fetched. `complete` holds the
// nodes whose whole subtree is known to be local (in this session): nodes are immutable, so a
// later walk from new roots stops at them and fetches only what commits since have written.

import type { Datom } from '../db/types.js';
import type { NodeAddress, NodeStorage } from '../indices/types.js';
import { isPromise } from '../util/maybe.js';
import type { ReplicaStore } from './replica-store.js';

const FETCH_BATCH = 256;

export async function replicateTrees(
  nodes: NodeStorage<Datom>,
  replica: ReplicaStore,
  roots: readonly NodeAddress[],
  complete: Set<string>,
  stopped: () => boolean,
): Promise<void> {
  const parents: NodeAddress[] = []; // marked complete only once the whole walk succeeded
  let level = roots.filter((a) => !complete.has(a));
  while (level.length > 0 && !stopped()) {
    const next: NodeAddress[] = [];
    for (let i = 0; i < level.length; i += FETCH_BATCH) {
      const loaded = nodes.loadMany(level.slice(i, i + FETCH_BATCH));
      const batch = isPromise(loaded) ? await loaded : loaded;
      const leaves: NodeAddress[] = [];
      for (const n of batch) {
        if (n.kind !== 'branch') continue;
        for (const c of n.children) if (!complete.has(c)) (n.level <= 1 ? leaves : next).push(c);
      }
      for (let j = 0; j < leaves.length; j += FETCH_BATCH) {
        const part = leaves.slice(j, j + FETCH_BATCH);
        await replica.ensure(part);
        for (const a of part) complete.add(a);
      }
    }
    parents.push(...level);
    level = next;
  }
  if (!stopped()) for (const a of parents) complete.add(a);
}
