// Garbage collection of stored records (docs/architecture.md, decisions 9 and 11): mark everything reachable
// from the head commit and from its ancestors younger than `removeBefore` (the grace window),
// then sweep every other record, in batches.
//
// Safe against writers GC does not know (other processes, other connections, a tab that gave up
// waiting for the lock): every sweep batch is `deleteManyIf` guarded by the head bytes the mark
// started from, which the store serialises with the writers' head-guarded batches. A commit
// that lands first makes the batch fail; GC then marks what the new head reaches (incrementally:
// nodes are immutable, so a marked subtree is marked whole) and sweeps the rest. A commit that
// lands after the batch writes every node it needs again. Records written after the key
// listing are never in it. So no record a head can reach when it is swept is ever deleted.
// Branch nodes are read to find their children; leaves are never loaded.

import type { GcResult } from '../db/inputs.js';
import type { NodeAddress } from '../indices/types.js';
import { bytesEqual } from '../store/guard.js';
import type { Store } from '../store/types.js';
import { CairnError, isCairnError } from '../util/errors.js';
import { isPromise } from '../util/maybe.js';
import { carriedCommits, HEAD_KEY, headCarried, type CommitRecord } from './commit.js';
import type { Conn } from './connection.js';

const SWEEP_BATCH = 1000;
const COLLECTED = /^(n|c|s|t):/;
/** Head moves GC follows before giving up (a writer committing faster than GC can sweep). */
const MAX_REMARKS = 100;

/** The fenced delete GC needs, or a coded refusal naming what the backend lacks. */
function fencedDelete(conn: Conn): NonNullable<Store['deleteManyIf']> {
  const { store, config } = conn.opened;
  if (typeof store.deleteManyIf !== 'function') {
    throw new CairnError(
      'store/unsupported',
      `backend ${JSON.stringify(config.backend)} has no deleteManyIf, so gcStorage cannot delete safely while other writers run (docs/backends.md)`,
      { backend: config.backend },
    );
  }
  return store.deleteManyIf.bind(store);
}

export async function collectGarbage(conn: Conn, removeBefore?: Date): Promise<GcResult> {
  fencedDelete(conn);
  await conn.settled();
  return sweepStorage(conn, removeBefore);
}

/** collectGarbage without waiting for queued transactions first (the background GC's form). */
export async function sweepStorage(conn: Conn, removeBefore?: Date): Promise<GcResult> {
  const deleteIf = fencedDelete(conn);
  return conn.coordinator.withWriteLock(
    async () => {
      await conn.reloadIfMoved(); // inside the lock already: refresh() would wait for itself
      const marker = new Marker(conn, removeBefore?.getTime() ?? Infinity);
      let remarks = 0;
      // Another GC may sweep what an older head reached while this one marks it: follow the head.
      const mark = async (): Promise<Uint8Array | undefined> => {
        for (;;) {
          const before = await conn.opened.store.get(HEAD_KEY);
          try {
            return await marker.markHead();
          } catch (e) {
            if (!isCairnError(e, 'store/missing-node') || ++remarks > MAX_REMARKS) throw e;
            if (bytesEqual(before, await conn.opened.store.get(HEAD_KEY))) throw e; // really missing
          }
        }
      };
      let head = await mark();
      const garbage = (await conn.opened.store.keys()).filter((k) => COLLECTED.test(k) && !marker.live.has(k));
      const deletedKeys: string[] = [];
      // At least one sweep call, even with nothing to delete: backends clean up there too (the
      // file backend removes the temp files of killed writers).
      for (let i = 0; i === 0 || i < garbage.length; ) {
        const batch = garbage.slice(i, i + SWEEP_BATCH).filter((k) => !marker.live.has(k));
        try {
          if (head === undefined) break; // no head: nothing can be proven garbage
          await deleteIf(batch, { key: HEAD_KEY, expected: head });
        } catch (e) {
          if (!isCairnError(e, 'store/conflict') || ++remarks > MAX_REMARKS) throw e;
          head = await mark(); // a writer committed: keep what its head reaches
          continue;
        }
        deletedKeys.push(...batch);
        i += SWEEP_BATCH;
      }
      return {
        deletedNodes: deletedKeys.filter((k) => k.startsWith('n:')).length,
        deletedCommits: deletedKeys.filter((k) => k.startsWith('c:')).length,
        deletedKeys,
      };
    },
    { required: true },
  );
}

/** The live set, grown head by head. */
class Marker {
  /** Records reached by heads marked to the end: a marked subtree here is marked whole. */
  readonly live = new Set<string>();
  /** Marks of the head being marked now; they join `live` once it is marked to the end. */
  #pass = new Set<string>();
  readonly #conn: Conn;
  readonly #cutoff: number;

  constructor(conn: Conn, cutoff: number) {
    this.#conn = conn;
    this.#cutoff = cutoff;
  }

  /**
   * Read the head and mark what it (and its ancestors in the grace window) reach; returns its
   * bytes. The marks join `live` only once the whole head is marked: a pass cut short by a
   * missing node would otherwise leave subtrees marked whose children were never reached, and
   * the next pass would skip them.
   */
  async markHead(): Promise<Uint8Array | undefined> {
    const { store, codec } = this.#conn.opened;
    const headBytes = await store.get(HEAD_KEY);
    if (headBytes === undefined) return undefined;
    this.#pass = new Set();
    const { commit: id, carried } = headCarried(codec, headBytes);
    // The commits the head carries (no c: records of their own; they share the head's trees)...
    const inHead = carriedCommits(codec, carried);
    for (const c of inHead) await this.#markCommit(c);
    // ...then the head's stored commit or, past the carried ones, their stored parent, then its
    // ancestors while they are inside the grace window, stopping at a commit marked by an
    // earlier pass (its ancestors were handled then).
    const from = inHead.length === 0 ? id : inHead[0]!.parent;
    for (let key: string | null = from === null ? null : `c:${from}`, first = inHead.length === 0; key !== null && !this.#marked(key); first = false) {
      const bytes = await store.get(key);
      if (bytes === undefined) {
        if (first) throw new CairnError('store/missing-node', `record ${key} is missing from the store`, { key });
        break;
      }
      const c = codec.decode(bytes, { key, kind: 'commit' }) as CommitRecord;
      if (!first && c.time < this.#cutoff) break;
      await this.#markCommit(c);
      key = c.parent === null ? null : `c:${c.parent}`;
    }
    for (const k of this.#pass) this.live.add(k);
    return headBytes;
  }

  #marked(k: string): boolean {
    return this.live.has(k) || this.#pass.has(k);
  }

  async #markCommit(c: CommitRecord): Promise<void> {
    this.#pass.add(`c:${c.id}`);
    this.#pass.add(c.schema);
    for (const t of c.tail.sealed) this.#pass.add(t);
    for (const root of Object.values(c.roots)) if (root) await this.#markTree(root.address);
  }

  async #markTree(root: NodeAddress): Promise<void> {
    let level: NodeAddress[] = this.#marked(root) ? [] : [root];
    while (level.length > 0) {
      for (const a of level) this.#pass.add(a);
      const loaded = this.#conn.nodes.loadMany(level);
      const nodes = isPromise(loaded) ? await loaded : loaded;
      const next: NodeAddress[] = [];
      for (const n of nodes) {
        if (n.kind !== 'branch') continue;
        if (n.level <= 1)
          for (const c of n.children) this.#pass.add(c); // leaves: no need to read them
        else for (const c of n.children) if (!this.#marked(c)) next.push(c);
      }
      level = next;
    }
  }
}
