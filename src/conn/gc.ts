// Garbage collection of stored records (docs/architecture.md, decision 9): mark everything reachable from the
// head commit and from the commits younger than `removeBefore` (the grace window), then sweep
// every other record, in batches, while holding the write lock so no commit is in flight.
// Branch nodes are read to find their children; leaves are never loaded.

import type { GcResult } from '../db/inputs.js';
import type { NodeAddress } from '../indices/types.js';
import { isPromise } from '../util/maybe.js';
import type { CommitRecord } from './commit.js';
import type { Conn } from './connection.js';

const SWEEP_BATCH = 1000;
const COLLECTED = /^(n|c|s|t):/;

export async function collectGarbage(conn: Conn, removeBefore?: Date): Promise<GcResult> {
  await conn.settled();
  return conn.coordinator.withWriteLock(async () => {
    await conn.reloadIfMoved(); // inside the lock already: refresh() would wait for itself
    const { store, codec } = conn.opened;
    const cutoff = removeBefore?.getTime() ?? Infinity;
    const live = new Set<string>();

    // Commits to keep: the head, then its ancestors while they are inside the grace window.
    const kept: CommitRecord[] = [conn.persisted.commit];
    for (let c = conn.persisted.commit; c.parent !== null; ) {
      const bytes = await store.get(`c:${c.parent}`);
      if (bytes === undefined) break;
      const parent = codec.decode(bytes, { key: `c:${c.parent}`, kind: 'commit' }) as CommitRecord;
      if (parent.time < cutoff) break;
      kept.push(parent);
      c = parent;
    }

    for (const c of kept) {
      live.add(`c:${c.id}`);
      live.add(c.schema);
      for (const t of c.tail.sealed) live.add(t);
      for (const root of Object.values(c.roots)) if (root) await markTree(conn, root.address, live);
    }

    const deletedKeys = (await store.keys()).filter((k) => COLLECTED.test(k) && !live.has(k));
    for (let i = 0; i < deletedKeys.length; i += SWEEP_BATCH) await store.deleteMany(deletedKeys.slice(i, i + SWEEP_BATCH));
    return {
      deletedNodes: deletedKeys.filter((k) => k.startsWith('n:')).length,
      deletedCommits: deletedKeys.filter((k) => k.startsWith('c:')).length,
      deletedKeys,
    };
  });
}

async function markTree(conn: Conn, root: NodeAddress, live: Set<string>): Promise<void> {
  let level: NodeAddress[] = [root];
  while (level.length > 0) {
    for (const a of level) live.add(a);
    const loaded = conn.nodes.loadMany(level);
    const nodes = isPromise(loaded) ? await loaded : loaded;
    const next: NodeAddress[] = [];
    for (const n of nodes) {
      if (n.kind !== 'branch') continue;
      if (n.level <= 1) for (const c of n.children) live.add(c); // leaves: no need to read them
      else next.push(...n.children);
    }
    level = next;
  }
}
