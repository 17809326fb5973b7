// Cross-tab coordination seam (docs/architecture.md, decision 6) between a Connection (src/conn) and the
// browser. Each tab runs its own worker; all open the same IndexedDB database.
//
// Contract for src/conn (the only caller):
// - `withWriteLock(fn)`: run the critical section "read head -> apply -> commit (CAS on the
//   head)" inside it. Sections of one coordinator (one connection) never overlap. Across tabs
//   and workers they are serialised by a Web Lock while more than one writer is active: from
//   the moment another connection's commit is heard until `contendedMs` after the last one.
//   A writer that has heard of no other lately commits without the Web Lock: taking it costs
//   a round trip to the browser per commit (~0.4 ms, more than the IndexedDB write itself), and
//   it only ever saved rebases — correctness rests on the CAS, which decides between two
//   writers that meet unawares. The loser's connection calls `contended()` before it rebases:
//   the rest of its section holds the lock, and a message makes every other writer take it
//   too, so a writer that keeps losing to a busy one unlocked gets its turn. If
//   the lock cannot be had within `lockTimeoutMs` (a frozen tab keeps its lock,
//   docs/architecture.md "Browser pitfalls"), `fn` runs without it and a stale writer rebases
//   on the CAS conflict as usual. A required section (GC) always takes the lock. Not
//   re-entrant: never call it from inside `fn`.
// - `announce(head)`: after a commit is durable, tell other tabs (posted from a task of its
//   own, so it does not lengthen the commit; the commits of one task go out as one message). Never delivered to the
//   announcing connection itself; delivered to other connections on the same database, in
//   other tabs and in this worker.
// - `onRemoteCommit(cb)`: `cb` runs when another connection announced a commit, and when the
//   page becomes visible again (`resync`, missed messages while frozen) — then with `null`.
//   Conn answers by re-reading the head from the store; if it moved, it installs the new Db and
//   fires its listeners with the report of the commits it had not seen. Returns unsubscribe.
// - `close()`: on release; stops delivery and frees the channel.
//
// One Coordinator per connection (not per database), so two connections in one worker hear
// each other through their separate channels.

import type { Coordinator, HeadAnnouncement, StoreConfig } from '../src/index.js';
import type { WriteLockOptions } from '../src/conn/coordinator.js';
import { CairnError } from '../src/util/errors.js';

// The seam's types are the engine's own (src/conn/coordinator.ts), re-exported for worker code.
export type { Coordinator, HeadAnnouncement };

/** How the worker makes a coordinator for a connection's store. */
export type CoordinatorFactory = (store: StoreConfig) => Coordinator;

export interface BrowserCoordinationOptions {
  /** Give up waiting for the lock after this long and rely on the CAS (default 10 s). */
  readonly lockTimeoutMs?: number;
  /** Take the lock for this long after another connection's commit was heard (default 2 s). */
  readonly contendedMs?: number;
  /** Store backends whose data other tabs share (default: everything but 'memory'). */
  readonly isShared?: (store: StoreConfig) => boolean;
}

interface Wire {
  readonly type: 'cairn:commit' | 'cairn:contended';
  readonly basisT: number;
  readonly head?: string;
}

/** Names derived from the store; exported so tests and tools can observe them. */
export function lockName(store: StoreConfig): string {
  return `cairndb:${store.backend}:${store.id}:write`;
}
export function channelName(store: StoreConfig): string {
  return `cairndb:${store.backend}:${store.id}`;
}

/** A coordinator that does nothing: for stores no other tab can see (memory). */
export function localCoordinator(): Coordinator {
  const subs = new Set<(h: HeadAnnouncement | null) => void>();
  return {
    withWriteLock: (fn) => fn(),
    announce: () => {},
    onRemoteCommit(cb) {
      subs.add(cb);
      return () => subs.delete(cb);
    },
    close: () => subs.clear(),
  };
}

export interface Coordination {
  readonly factory: CoordinatorFactory;
  /** The page became visible: every live coordinator asks its connection to re-read the head. */
  resync(): void;
}

/** Web Locks + BroadcastChannel coordinators, degrading to local where either is missing. */
export function browserCoordination(opts: BrowserCoordinationOptions = {}): Coordination {
  // Coordinators made and not yet closed, so `resync` can reach them.
  const live = new Set<{ resync(): void }>();
  const timeout = opts.lockTimeoutMs ?? 10_000;
  const contendedMs = opts.contendedMs ?? 2_000;
  const isShared = opts.isShared ?? ((s: StoreConfig) => s.backend !== 'memory');
  const factory: CoordinatorFactory = (store) => {
    if (!isShared(store)) return localCoordinator();
    const locks: LockManager | undefined = (globalThis.navigator as Navigator | undefined)?.locks;
    const subs = new Set<(h: HeadAnnouncement | null) => void>();
    /** When another connection's commit was last heard (-Infinity: never). */
    let heardAt = Number.NEGATIVE_INFINITY;
    const deliver = (h: HeadAnnouncement | null): void => {
      if (h !== null) heardAt = performance.now();
      for (const cb of [...subs]) cb(h);
    };
    // This connection's sections, one at a time, whether or not they take the Web Lock; the one
    // running without it, if any, so `contended` can take the lock for the rest of it.
    let tail: Promise<unknown> = Promise.resolve();
    let unlocked: { done: boolean; taking?: Promise<void>; release?: () => void } | null = null;
    const inTurn = <T>(f: () => Promise<T>): Promise<T> => {
      const run = tail.then(f, f);
      tail = run.catch(() => undefined);
      return run;
    };
    // Opened on first use: a connection shared by several connects keeps the first one's
    // coordinator, and the unused ones must not hold a channel open.
    let channel: BroadcastChannel | null = null;
    let closed = false;
    const self = { resync: () => deliver(null) };
    const open = (): BroadcastChannel | null => {
      if (channel || closed || typeof BroadcastChannel !== 'function') return channel;
      channel = new BroadcastChannel(channelName(store));
      channel.addEventListener('message', (ev: MessageEvent) => {
        const m = ev.data as Partial<Wire> | null;
        if (m?.type === 'cairn:contended') heardAt = performance.now();
        if (m?.type !== 'cairn:commit' || typeof m.basisT !== 'number') return;
        deliver(m.head === undefined ? { basisT: m.basisT } : { basisT: m.basisT, head: m.head });
      });
      live.add(self);
      return channel;
    };
    let pending: Wire | null = null;
    const flush = (): void => {
      const m = pending;
      pending = null;
      if (m !== null) open()?.postMessage(m);
    };
    /** The section under the Web Lock (waiting at most `timeout`, then without it unless required). */
    const locked = async <T>(locks: LockManager, fn: () => Promise<T>, lockOpts?: WriteLockOptions): Promise<T> => {
      let granted = false;
      const signal = AbortSignal.timeout(timeout);
      try {
        return await locks.request(lockName(store), { mode: 'exclusive', signal }, () => {
          granted = true;
          return fn();
        });
      } catch (e) {
        // Only a lock-wait timeout falls through; errors from fn propagate unchanged.
        if (granted || !signal.aborted) throw e;
      }
      // GC must never run unlocked (issue 17): a frozen tab holding the lock makes it fail.
      if (lockOpts?.required)
        throw new CairnError('store/busy', `the write lock of ${store.backend} store ${JSON.stringify(store.id)} was not granted within ${timeout} ms`, {
          backend: store.backend,
          id: store.id,
        });
      return fn();
    };
    return {
      withWriteLock<T>(fn: () => Promise<T>, lockOpts?: WriteLockOptions): Promise<T> {
        open(); // to hear the other writers
        return inTurn(async () => {
          if (locks && (lockOpts?.required || performance.now() - heardAt <= contendedMs)) return locked(locks, fn, lockOpts);
          const section: NonNullable<typeof unlocked> = { done: false };
          unlocked = section;
          try {
            return await fn();
          } finally {
            section.done = true;
            unlocked = null;
            section.release?.();
          }
        });
      },
      contended() {
        heardAt = performance.now();
        open()?.postMessage({ type: 'cairn:contended' } satisfies Partial<Wire>);
        const section = unlocked;
        if (!locks || section === null) return Promise.resolve();
        section.taking ??= new Promise<void>((taken) => {
          locks
            .request(lockName(store), { mode: 'exclusive', signal: AbortSignal.timeout(timeout) }, () => {
              taken();
              if (section.done) return undefined; // the section ended while we waited
              return new Promise<void>((release) => (section.release = release));
            })
            .catch(() => taken()); // not granted in time: go on without it (the CAS still guards)
        });
        return section.taking;
      },
      announce(head) {
        // Posted from a task of its own: the committer's promise settles first, and the post
        // (~0.1 ms of the worker's time) overlaps its next commit's wait for IndexedDB instead
        // of lengthening this one. Commits announced within one task go out as one message,
        // the latest head: a listener re-reads the head and finds every commit since its own.
        const first = pending === null;
        pending = head.head === undefined ? { type: 'cairn:commit', basisT: head.basisT } : { type: 'cairn:commit', basisT: head.basisT, head: head.head };
        if (first) setTimeout(flush, 0);
      },
      onRemoteCommit(cb) {
        open();
        subs.add(cb);
        return () => subs.delete(cb);
      },
      close() {
        flush(); // a commit made before the close still reaches the other tabs
        closed = true;
        subs.clear();
        live.delete(self);
        channel?.close();
        channel = null;
      },
    };
  };
  return {
    factory,
    resync: () => {
      for (const c of live) c.resync();
    },
  };
}
