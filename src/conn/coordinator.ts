// The seam through which a connection shares its database with other tabs or workers
// (docs/architecture.md, decision 6). The browser implementation (Web Locks + BroadcastChannel) lives in
// worker/coordination.ts; in Node and for memory stores the local one below is used.
//
// - withWriteLock(fn, opts?): run "read head -> apply -> commit (CAS)" inside it; not
//   re-entrant. Correctness rests on the CAS either way: the lock only avoids wasted rebases,
//   so a coordinator may run `fn` unlocked when waiting times out — unless `opts.required`
//   (GC): then it rejects with `store/busy` instead.
// - announce(head): after a durable commit, tell the other connections.
// - onRemoteCommit(cb): another connection committed (or the page became visible: null);
//   the connection re-reads the head and fires its listeners. Returns unsubscribe.
// - close(): on release.

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
  announce(head: HeadAnnouncement): void;
  onRemoteCommit(cb: (head: HeadAnnouncement | null) => void): () => void;
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
