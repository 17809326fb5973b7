// The seam through which a connection shares its database with other tabs or workers
// (docs/architecture.md, decision 6). The browser implementation (Web Locks + BroadcastChannel) lives in
// worker/coordination.ts; in Node and for memory stores the local one below is used.
//
// - withWriteLock(fn, opts?): run "read head -> apply -> commit (CAS)" inside it; not
//   re-entrant. Correctness rests on the CAS either way: the lock only avoids wasted rebases,
//   so a coordinator may run `fn` unlocked when waiting times out — unless `opts.required`
//   (GC): then it rejects with `store/busy` instead.
// - contended?(): the section's CAS lost to another writer; see the interface.
// - announce(head): after a durable commit, tell the other connections.
// - onRemoteCommit(cb, store?): another connection committed (or the page became visible:
//   null); the connection re-reads the head and fires its listeners. Returns unsubscribe.
//   `store` is the connection's store, so a coordinator can tell whether the store hears other
//   writers itself (`Store.watch`, which the connection subscribes to on its own).
// - close(): on release.

import type { Store } from '../store/types.js';

export interface HeadAnnouncement {
  readonly basisT: number;
  readonly head?: string;
}

export interface WriteLockOptions {
  /** Never run `fn` without the lock: reject with `store/busy` when waiting for it times out. */
  readonly required?: boolean;
}

export interface Coordinator {
  withWriteLock<T>(fn: () => Promise<T>, opts?: WriteLockOptions): Promise<T>;
  /**
   * Optional: called inside a section whose compare-and-set lost to another writer, before it
   * rebases. A coordinator that let the section run without its cross-writer lock takes it now
   * for the rest of the section, and has the other writers take it too, so a writer that keeps
   * losing to a busy one gets its turn. Resolves when the retry may go.
   */
  contended?(): Promise<void>;
  announce(head: HeadAnnouncement): void;
  onRemoteCommit(cb: (head: HeadAnnouncement | null) => void, store?: Pick<Store, 'watch'>): () => void;
  close(): void;
}

/**
 * For a connection no other tab shares (Node, memory): the write lock is an in-process mutex,
 * so commits, head reloads and GC of this connection never interleave.
 */
export function localCoordinator(): Coordinator {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    withWriteLock<T>(fn: () => Promise<T>): Promise<T> {
      const run = tail.then(fn, fn);
      tail = run.catch(() => undefined);
      return run;
    },
    announce: () => {},
    onRemoteCommit: () => () => {},
    close: () => {},
  };
}

/**
 * For a process sharing its store with other processes that cannot signal it (two servers over
 * one file store, or any shared store): an in-process write lock, and a poll of the head every
 * `intervalMs` standing in for announcements.
 */
export function pollingCoordinator(intervalMs: number): Coordinator {
  const local = localCoordinator();
  const timers = new Set<ReturnType<typeof setInterval>>();
  return {
    withWriteLock: local.withWriteLock,
    announce: () => {},
    onRemoteCommit(cb) {
      const timer = setInterval(() => cb(null), intervalMs);
      (timer as { unref?: () => void }).unref?.();
      timers.add(timer);
      return () => {
        clearInterval(timer);
        timers.delete(timer);
      };
    },
    close() {
      for (const t of timers) clearInterval(t);
      timers.clear();
    },
  };
}

/**
 * For a process sharing its store with other processes (several sync servers over one store):
 * an in-process write lock, and whatever hears their commits soonest. A store with `watch`
 * (PostgreSQL: LISTEN/NOTIFY, delivered once the other commit is durable) already wakes the
 * connection by itself, within a notification's latency and at no cost while nothing changes,
 * so this adds no timer; any other store (file, LMDB) is polled every `pollMs`.
 */
export function sharedStoreCoordinator(pollMs: number): Coordinator {
  const polling = pollingCoordinator(pollMs);
  return {
    withWriteLock: polling.withWriteLock,
    announce: () => {},
    onRemoteCommit: (cb, store) => (typeof store?.watch === 'function' ? () => {} : polling.onRemoteCommit(cb)),
    close: polling.close,
  };
}
