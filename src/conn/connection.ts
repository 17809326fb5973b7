// The connection: the only mutable thing (docs/architecture.md, convention 4). It holds the current Db, applies
// transactions one at a time in submission order, groups those queued while a commit is in
// flight into the next commit, writes each commit as one atomic batch with a compare-and-set
// on the head, and calls listeners with every committed report.
//
// A failed commit leaves the connection on its previous Db. A CAS conflict means another
// writer (tab) moved the head: the connection reloads it, tells its listeners, and re-applies
// its queued transactions on top (rebase), never overwriting.

import { Datom, type TxReport } from '../db/types.js';
import type { DbValue } from '../db/db.js';
import type { IndexFactory } from '../indices/types.js';
import type { OpenedStore } from '../store/registry.js';
import { isCairnError, CairnError } from '../util/errors.js';
import { priorsOf, purgedBy, simpleChanges, transactDb, type TxClock } from '../tx/index.js';
import { applyChanges } from '../db/apply.js';
import { isPromise } from '../util/maybe.js';
import type { TransactInput } from '../db/inputs.js';
import {
  carriedCommits,
  commitRecords,
  decodeSegment,
  HEAD_KEY,
  readHead,
  restore,
  type CommitOut,
  type CommitRecord,
  type CommitTx,
  type Persisted,
  type TailEntry,
} from './commit.js';
import { localCoordinator, type Coordinator } from './coordinator.js';
import { DeferredReports } from './deferred-reports.js';
import type { StoreNodeStorage } from './node-storage.js';

export type Listener = (report: TxReport) => void;

/** Told about every durable commit (the automatic GC, ./auto-gc.ts). */
export interface CommitObserver {
  committed(bytesWritten: number): void;
  /** Settles once nothing it started in the background is running. */
  idle(): Promise<void>;
}

/** Runs on each transaction's report before it commits (and again on every rebase); throwing refuses it. */
export type CommitCheck = (report: TxReport) => void | Promise<void>;

interface Pending {
  readonly input: TransactInput;
  readonly check?: CommitCheck | undefined;
  readonly resolve: (r: TxReport) => void;
  readonly reject: (e: unknown) => void;
}

export interface ConnectionParts {
  readonly key: string;
  readonly opened: OpenedStore;
  readonly nodes: StoreNodeStorage;
  readonly factory: IndexFactory;
  readonly db: DbValue;
  readonly persisted: Persisted;
  readonly coordinator?: Coordinator;
  readonly foldAt: number;
}

const MAX_REBASES = 50;
/** Another writer's commits a reload reports one by one; beyond them, one report that itemises nothing. */
const MAX_MISSED_COMMITS = 1000;

export class Conn {
  readonly key: string;
  readonly opened: OpenedStore;
  readonly nodes: StoreNodeStorage;
  readonly factory: IndexFactory;
  readonly foldAt: number;
  readonly listeners = new Set<Listener>();
  readonly coordinator: Coordinator;
  refCount = 1;
  released = false;
  observer: CommitObserver | null = null;
  #db: DbValue;
  #persisted: Persisted;
  #queue: Pending[] = [];
  #draining: Promise<void> | null = null;
  #refreshing: Promise<void> | null = null;
  #refreshAgain: Promise<void> | null = null;
  readonly #unsubscribe: () => void;
  readonly #unwatch: () => void;

  constructor(parts: ConnectionParts) {
    this.key = parts.key;
    this.opened = parts.opened;
    this.nodes = parts.nodes;
    this.factory = parts.factory;
    this.foldAt = parts.foldAt;
    this.#db = parts.db;
    this.#persisted = parts.persisted;
    this.coordinator = parts.coordinator ?? localCoordinator();
    this.#unsubscribe = this.coordinator.onRemoteCommit(() => void this.refresh().catch(() => {}), this.opened.store);
    // A store that hears other writers itself (PostgreSQL LISTEN/NOTIFY) reloads us the same way.
    this.#unwatch = this.opened.store.watch?.(() => void this.refresh().catch(() => {})) ?? (() => {});
  }

  get db(): DbValue {
    return this.#db;
  }

  get persisted(): Persisted {
    return this.#persisted;
  }

  transact(input: TransactInput, check?: CommitCheck): Promise<TxReport> {
    this.#checkOpen();
    return new Promise<TxReport>((resolve, reject) => {
      this.#queue.push({ input, check, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Wait for every queued transaction to settle. */
  async settled(): Promise<void> {
    while (this.#draining !== null) await this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      // Yield once so transactions submitted in the same tick join this commit.
      await Promise.resolve();
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        await this.coordinator
          .withWriteLock(() => this.#commitBatch(batch))
          .catch((e: unknown) => {
            for (const p of batch) p.reject(e); // settled ones ignore this
          });
      }
    } finally {
      // Cleared in the same step that saw the queue empty, so the next transact starts a drain.
      this.#draining = null;
    }
  }

  async #commitBatch(batch: Pending[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      // No read of the head first: the CAS in putBatch detects another writer (another tab),
      // and only then do we pay for a reload. Remote commits usually arrive before that anyway,
      // through the coordinator's announcements.
      if (attempt > 0) {
        await this.coordinator.contended?.(); // from now on, writers take turns
        await this.#reload();
      }
      let db = this.#db;
      const ok: { p: Pending; report: TxReport }[] = [];
      const txs: CommitTx[] = [];
      const reports = new DeferredReports(db);
      const purged: Datom[] = []; // by the batch's purges
      let stale = false;
      // Consecutive transactions of new entities only (tx/index.ts, simpleChanges) are applied
      // together, in one bulk step, when the next one is not of that kind or the batch ends.
      let run: Datom[] | null = null;
      let clock: TxClock | null = null;
      const applyRun = async (): Promise<void> => {
        if (run === null || clock === null) return;
        const applied = applyChanges(db, run, NO_PRIORS, { tx: clock.maxTx, instant: clock.lastTxInstant });
        db = isPromise(applied) ? await applied : applied;
        reports.reached(db);
        run = null;
      };
      for (const p of batch) {
        if (batch.length > 1 && p.check === undefined && purged.length === 0 && reports.open) {
          clock ??= { maxEid: db.maxEid, maxTx: db.maxTx, lastTxInstant: db.state.lastTxInstant };
          const c = simpleChanges(db, clock, p.input);
          if (c !== undefined) {
            run ??= [];
            for (const d of c.datoms) run.push(d);
            clock = c.clock;
            txs.push(c); // the commit's record of it, as it is
            ok.push({ p, report: reports.addChanges(c, jsonMeta(c.txMeta)) }); // the caller gets its own tx-meta
            continue;
          }
        }
        await applyRun();
        clock = null;
        try {
          // transactDb, not withDb: a transaction that reads no unloaded node costs no microtask
          const r = transactDb(db, p.input);
          const report = isPromise(r) ? await r : r;
          if (p.check !== undefined) await p.check(report);
          const priors = priorsOf(report);
          const removed = purgedBy(report);
          for (const d of removed) purged.push(d);
          db = report.dbAfter as DbValue;
          txs.push({ datoms: report.txData, priors, tx: db.maxTx, tempids: () => report.tempids, txMeta: jsonMeta(report.txMeta) });
          // alone in its batch, a report keeps its own Db values: nothing is applied on top of it
          ok.push({ p, report: batch.length === 1 ? report : reports.add(report, priors, removed.length > 0) });
        } catch (e) {
          // Judged on this connection's Db, which may be behind the head: another tab or process
          // committed the schema it uses, the entity a lookup ref names, the value a cas expects,
          // or GC collected what only the older Db reached. Judged again on the head, if it moved.
          if (attempt < MAX_REBASES && (await this.#headMoved())) {
            stale = true;
            break;
          }
          p.reject(e);
          batch = batch.filter((q) => q !== p);
        }
      }
      if (stale) continue; // rebase: reload the head and re-apply the whole batch
      await applyRun();
      if (ok.length === 0) return;
      let result: CommitOut;
      try {
        const r = commitRecords(this.#persisted, { db, txs, ...(purged.length > 0 ? { purged } : {}) }, this.nodes, this.opened.codec, this.foldAt);
        result = isPromise(r) ? await r : r;
        await this.opened.store.putBatch(result.entries, { cas: { key: HEAD_KEY, expected: this.#persisted.headBytes } });
      } catch (e) {
        this.nodes.dropPending();
        if ((isCairnError(e, 'store/conflict') || (await this.#collectedUnderUs(e))) && attempt < MAX_REBASES) {
          batch = ok.map(({ p }) => p);
          continue; // rebase: reload the head and re-apply
        }
        for (const { p } of ok) p.reject(e);
        return;
      }
      this.#db = result.db;
      this.#persisted = result.persisted;
      this.coordinator.announce({ basisT: result.db.basisT, head: result.persisted.commit.id });
      if (this.observer !== null) {
        let bytes = 0;
        for (const [, v] of result.entries) bytes += v.length;
        this.observer.committed(bytes);
      }
      for (const { p, report } of ok) {
        p.resolve(report);
        this.#fire(report);
      }
      return;
    }
  }

  /**
   * True when `e` is a node missing because this connection's Db is behind the head and GC
   * (in another connection or process) collected what only that older Db reached: a rebase on
   * the current head fixes it. A node missing while we are on the head is real damage.
   */
  async #collectedUnderUs(e: unknown): Promise<boolean> {
    return isCairnError(e, 'store/missing-node') && (await this.#headMoved());
  }

  /** Whether another writer moved the head past this connection's Db (an unreadable head: no). */
  async #headMoved(): Promise<boolean> {
    const head = await readHead(this.opened.store).catch(() => undefined);
    return head !== undefined && !sameBytes(head, this.#persisted.headBytes);
  }

  /**
   * Re-read the head; if another writer moved it, install its Db and tell the listeners.
   * A call while a re-read is in flight gets one more re-read after it: the one in flight may
   * have read the head before the commit this call was told about (a lost wake-up otherwise).
   */
  refresh(): Promise<void> {
    if (this.released) return Promise.resolve();
    if (this.#refreshing === null) {
      this.#refreshing = this.coordinator.withWriteLock(() => this.reloadIfMoved()).finally(() => (this.#refreshing = null));
      return this.#refreshing;
    }
    this.#refreshAgain ??= this.#refreshing
      .catch(() => {})
      .then(() => {
        this.#refreshAgain = null;
        return this.refresh();
      });
    return this.#refreshAgain;
  }

  /** `refresh` for callers that already hold the write lock (it is not re-entrant). */
  async reloadIfMoved(): Promise<void> {
    const head = await readHead(this.opened.store);
    if (head !== undefined && !sameBytes(head, this.#persisted.headBytes)) await this.#reload();
  }

  async #reload(): Promise<void> {
    const before = this.#db;
    const known = this.#persisted.commit.id;
    const { db, persisted } = await this.#restoreHead();
    const { commits: missed, whole } = await this.#commitsSince(persisted, known);
    this.#db = db;
    this.#persisted = persisted;
    // Not every commit since ours could be read (more than the walk's bound, or collected): what
    // the unread ones changed is not itemised, which an empty txData says (listeners read again).
    if (!whole) this.#fire({ dbBefore: before, dbAfter: db, txData: [], tempids: {}, txMeta: {} });
    for (const c of missed) {
      for (const r of c.reports ?? []) {
        const txData = r.segment === null ? [] : decodeSegment(this.opened.codec, r.segment).map(fromEntry);
        this.#fire({ dbBefore: before, dbAfter: db, txData, tempids: r.tempids, txMeta: r.txMeta });
      }
    }
  }

  /** restore(), again if GC collected the head it read while it was moving on (bounded). */
  async #restoreHead(): ReturnType<typeof restore> {
    for (let i = 0; ; i++) {
      try {
        return await restore(this.opened.store, this.opened.codec, this.nodes, this.factory);
      } catch (e) {
        if (i >= MAX_REBASES || !isCairnError(e, 'store/missing-node')) throw e;
      }
    }
  }

  /**
   * Commits after `known` up to the head, oldest first (bounded walk of the parent chain; the
   * head's carried ones first); `whole` when the walk reached `known`.
   */
  async #commitsSince(head: Persisted, known: string): Promise<{ commits: CommitRecord[]; whole: boolean }> {
    const carried = new Map(carriedCommits(this.opened.codec, head.carried).map((c) => [c.id, c]));
    const out: CommitRecord[] = [];
    let c: CommitRecord | undefined = head.commit;
    for (let i = 0; c !== undefined && c.id !== known && i < MAX_MISSED_COMMITS; i++) {
      out.push(c);
      if (c.parent === null || c.parent === known) break;
      c = carried.get(c.parent);
      if (c === undefined) {
        const bytes = await this.opened.store.get(`c:${out.at(-1)!.parent}`);
        c = bytes === undefined ? undefined : (this.opened.codec.decode(bytes, { kind: 'commit' }) as CommitRecord);
      }
    }
    return { commits: out.reverse(), whole: c?.id === known || out[0]?.parent === known };
  }

  /** Tell every listener about a report (a synced connection delivers remote commits through it). */
  fireListeners(report: TxReport): void {
    this.#fire(report);
  }

  #fire(report: TxReport): void {
    for (const l of [...this.listeners]) {
      try {
        l(report);
      } catch (e) {
        // A listener's failure must not break the connection, the other listeners or (in Node)
        // the process: report it the way the platform reports an uncaught error, without one.
        reportListenerError(e);
      }
    }
  }

  #checkOpen(): void {
    if (this.released) throw new CairnError('db/released', `connection to ${this.key} was released`, { store: this.key });
  }

  async close(): Promise<void> {
    await this.settled();
    this.released = true;
    await this.observer?.idle();
    this.#unsubscribe();
    this.#unwatch();
    this.coordinator.close();
    this.listeners.clear();
    await this.opened.store.close();
  }
}

const NO_PRIORS: readonly (Datom | undefined)[] = [];

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function fromEntry(t: TailEntry): Datom {
  return new Datom(t[0], t[1], t[2], t[3], t[4] === 1);
}

function jsonMeta(meta: Record<string, unknown>): Record<string, unknown> {
  return { ...meta };
}

function reportListenerError(e: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (typeof report === 'function') report(e);
  else console.error('CairnDB: a listen() callback threw', e);
}
