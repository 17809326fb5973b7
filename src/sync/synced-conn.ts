// A connection to a synced database (docs/sync.md): a replica of the server's db plus the
// device's outbox replayed on top.
//
// State (all changed only inside `#locked`, one step at a time):
// - `#server`: the last server db fully fetched, and its commit (what `persisted` reports);
// - `#outbox`: the device's transactions the server has not confirmed, durable, oldest first;
// - `#view`: `#server.db` with the outbox replayed — what `db(conn)` returns. Its basisT only
//   grows (a rebase may otherwise lower it), because handles name committed values by basisT.
// Remote commits reach listeners through `fireListeners`, the connection's normal path.

import { Datom, TX0, type TxReport } from '../db/types.js';
import { DbValue } from '../db/db.js';
import { factKey } from '../db/values.js';
import { withDb } from '../tx/index.js';
import { explicitEntityIds } from '../tx/explicit-ids.js';
import type { TransactInput } from '../db/inputs.js';
import { Conn, type CommitCheck, type ConnectionParts } from '../conn/connection.js';
import { collectGarbage } from '../conn/gc.js';
import { decodeSegment, HEAD_KEY, replayTail, restore, type CommitRecord, type Persisted, type TailEntry } from '../conn/commit.js';
import { CairnError, isCairnError } from '../util/errors.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import type { ReplicaStore } from './replica-store.js';
import { replicateTrees } from './replicate.js';
import { HandedOutIds } from './handed-out.js';
import type { SyncSocket } from './socket.js';
import { fromWireError, MAX_COMMITS_PER_ANSWER, type HeadInfo, type PushResult, type PushTx } from './wire.js';

/** The tx metadata attribute the server records client transaction ids under. */
export const SYNC_TX = 'sync/tx';
const PUSH_BATCH = 500;
/** Pushes a device has unanswered at once (the server applies them in arrival order). */
const MAX_PUSHES_IN_FLIGHT = 4;
/** Local transactions applied (and written to the outbox) per step of a burst. */
const APPLY_CHUNK = 100;
const TX_REFUSALS = new Set(['sync/forbidden', 'sync/too-large', 'sync/invalid']);

/**
 * Whether the server judged a transaction and refused it as it is (it will not commit however
 * often it is pushed): the device drops it and reports it. Any other error — the server's store
 * unavailable, the server's own failure (`sync/server-error`), a code this device does not know —
 * says nothing about the transaction: it stays in the outbox and is pushed again later.
 */
function isRefusal(code: string): boolean {
  return TX_REFUSALS.has(code) || /^(transact|schema|edn|query|pull|entity)\//.test(code);
}

/** After pending I/O callbacks (a received answer, a socket write) had their turn. */
const macrotask = (): Promise<void> => new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

export interface SyncStatus {
  readonly online: boolean;
  /** Transactions in the outbox (not yet confirmed by the server). */
  readonly pending: number;
  /** basisT and commit of the last server db this device fetched. */
  readonly serverT: number;
  readonly serverCommit: string;
  readonly lastError: { readonly code: string; readonly message: string } | null;
  /** True once every index node of the current server db is in the local store. */
  readonly replicated: boolean;
  /** Records fetched from the server by this connection, and their bytes. */
  readonly fetched: { readonly records: number; readonly bytes: number; readonly nodes: number };
}

export type SyncEvent =
  | { readonly type: 'status'; readonly status: SyncStatus }
  | { readonly type: 'rejected'; readonly error: CairnError; readonly tx: PushTx };

export type SyncListener = (event: SyncEvent) => void;

export interface SyncedParts extends ConnectionParts {
  readonly replica: ReplicaStore;
  readonly outbox: Outbox;
  readonly socket: SyncSocket;
  /** Releases the replica's one-tab lock (connect.ts). */
  readonly unlock: () => void;
}

interface QueuedTx {
  readonly input: TransactInput;
  readonly check: CommitCheck | undefined;
  readonly resolve: (r: TxReport) => void;
  readonly reject: (e: unknown) => void;
}

let txCounter = 0;
const devicePrefix = /* @__PURE__ */ (() => {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(36).padStart(2, '0')).join('');
})();

export class SyncedConn extends Conn {
  readonly replica: ReplicaStore;
  readonly #outbox: Outbox;
  readonly #socket: SyncSocket;
  readonly #unlock: () => void;
  readonly #syncListeners = new Set<SyncListener>();
  #server: { db: DbValue; persisted: Persisted };
  #view: DbValue;
  #lock: Promise<unknown> = Promise.resolve();
  #queued: QueuedTx[] = []; // local transactions waiting for the next #applyQueued
  #nextChunk: Promise<void> | null = null; // #applyQueued of the rest of a burst, after I/O ran
  #target: HeadInfo | null = null;
  #catching = false;
  #pushes = 0; // pushes sent and not answered yet
  #sending = new Set<string>(); // the outbox entries they carry
  #pushSize = PUSH_BATCH; // 1 after a push was refused as a whole: find the culprit
  #undone: Datom[] = []; // datoms the last replays took out of the view, for the next report
  #viewHasAll = true; // every outbox entry applied in the view (none failed at the last replay)
  #fetching: Promise<void> | null = null;
  #fetchAgain = false;
  #replicated = false;
  #online = false;
  #lastError: CairnError | null = null;
  #failures = 0; // pushes in a row the server could not judge
  #socketHead: HeadInfo | null = null; // the newest head the current connection announced
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #sweepWanted = false; // caught up on a purge (or on a history that lost ours): older records hold what is gone
  #sweeping: Promise<void> | null = null;
  readonly #complete = new Set<string>(); // nodes whose whole subtree is local
  readonly #handedOut = new HandedOutIds();

  constructor(parts: SyncedParts) {
    super(parts);
    this.replica = parts.replica;
    this.#outbox = parts.outbox;
    this.#socket = parts.socket;
    this.#unlock = parts.unlock;
    this.#server = { db: parts.db, persisted: parts.persisted };
    this.#view = parts.db;
  }

  /** Start from the replica: replay the outbox (before the first read), then follow the server. */
  async start(): Promise<void> {
    await this.#locked(async () => {
      this.#view = await this.#replay(this.#server.db, null);
    });
  }

  override get db(): DbValue {
    return this.#view;
  }

  override get persisted(): Persisted {
    return this.#server.persisted;
  }

  // --- socket events (wired by connect.ts) ---

  onWelcome(head: HeadInfo): void {
    this.#socketHead = head;
    // Older than what we follow: another server process that lags, or a server whose history
    // no longer holds ours (restored from a backup): #checkBehind tells them apart.
    if (this.#target !== null && head.t < this.#target.t) void this.#checkBehind();
    this.#onHead(head);
    this.#pushLoop();
  }

  onHead(head: HeadInfo): void {
    if (this.#socketHead === null || head.t >= this.#socketHead.t) this.#socketHead = head;
    this.#onHead(head);
  }

  onState(online: boolean, error: CairnError | null): void {
    this.#online = online;
    if (error !== null) this.#lastError = error;
    else if (online) this.#lastError = null;
    this.#emitStatus();
  }

  // --- the app's side ---

  override transact(input: TransactInput, check?: CommitCheck): Promise<TxReport> {
    if (this.released) return Promise.reject(new CairnError('db/released', `connection to ${this.key} was released`, { store: this.key }));
    return new Promise<TxReport>((resolve, reject) => {
      this.#queued.push({ input, check, resolve, reject });
      // The first of a burst schedules the step that applies all those queued meanwhile.
      if (this.#queued.length === 1) void this.#locked(() => this.#applyQueued());
    });
  }

  /**
   * Apply queued transactions to the view one after another (each its own report), then write
   * their outbox entries in one batch: a burst of local writes costs one outbox write per
   * APPLY_CHUNK (the outbox's id list is rewritten once, not once per transaction). Between
   * chunks the event loop runs, so each chunk is pushed while the next is applied: the server
   * commits one while the device works on the next.
   */
  async #applyQueued(): Promise<void> {
    const batch = this.#queued.splice(0, APPLY_CHUNK);
    if (this.#queued.length > 0) this.#nextChunk = macrotask().then(() => this.#locked(() => this.#applyQueued()).catch(() => {}));
    else this.#nextChunk = null;
    let view = this.#view;
    const done: { p: QueuedTx; report: TxReport; entry: PushTx; bytes: Uint8Array }[] = [];
    for (const p of batch) {
      try {
        const report = await withDb(view, p.input);
        this.#refuseProvisional(report.dbAfter as DbValue, p.input);
        if (p.check !== undefined) await p.check(report);
        const entry: PushTx = { id: `${devicePrefix}-${(txCounter++).toString(36)}`, ...splitInput(p.input) };
        done.push({ p, report, entry, bytes: this.#outbox.encode(entry) }); // a value the codec cannot carry fails here
        view = report.dbAfter as DbValue;
      } catch (e) {
        p.reject(e);
      }
    }
    if (done.length === 0) return;
    try {
      await this.#outbox.add(done.map(({ report, entry, bytes }) => ({ entry, bytes, datoms: report.txData })));
    } catch (e) {
      for (const { p } of done) p.reject(e);
      return;
    }
    this.#view = view;
    for (const { report, entry } of done) this.#handedOut.handOut(entry.id, report.tempids, (id) => this.#provisional(id));
    for (const { p, report } of done) {
      p.resolve(report);
      this.fireListeners(report);
    }
    this.#emitStatus();
    this.#pushLoop();
  }

  override refresh(): Promise<void> {
    return Promise.resolve(); // the server tells us about new heads
  }

  override async reloadIfMoved(): Promise<void> {}

  override async settled(): Promise<void> {
    for (let seen: Promise<unknown> | null = null; seen !== this.#lock || this.#nextChunk !== null; ) {
      seen = this.#lock;
      await seen;
      await this.#nextChunk;
    }
  }

  status(): SyncStatus {
    return {
      online: this.#online,
      pending: this.#outbox.size,
      serverT: this.#server.db.basisT,
      serverCommit: this.#server.persisted.commit.id,
      lastError: this.#lastError === null ? null : { code: this.#lastError.code, message: this.#lastError.message },
      replicated: this.#replicated,
      fetched: { records: this.replica.stats.records, bytes: this.replica.stats.bytes, nodes: this.replica.stats.nodeKeys.size },
    };
  }

  onSync(listener: SyncListener): () => void {
    this.#syncListeners.add(listener);
    return () => void this.#syncListeners.delete(listener);
  }

  override async close(): Promise<void> {
    this.#socket.close();
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    await this.settled();
    await this.#fetching?.catch(() => {});
    await this.#sweeping;
    this.#syncListeners.clear();
    try {
      await super.close();
    } finally {
      this.#unlock();
    }
  }

  // --- internals ---

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  #emit(e: SyncEvent): void {
    for (const l of [...this.#syncListeners]) {
      try {
        l(e);
      } catch (err) {
        console.error('CairnDB: an onSync callback threw', err);
      }
    }
  }

  #emitStatus(): void {
    if (this.#syncListeners.size > 0) this.#emit({ type: 'status', status: this.status() });
  }

  #takeUndone(): Datom[] {
    const out = this.#undone;
    this.#undone = [];
    return out;
  }

  /** The outbox replayed on `server`; a transaction that no longer applies stays pending (the server judges it). */
  async #replay(server: DbValue, previous: DbValue | null): Promise<DbValue> {
    let db = server;
    let complete = true;
    for (const e of this.#outbox.entries) {
      try {
        const r = await withDb(db, inputOf(e));
        e.datoms = r.txData; // its effect on this view, undone in the report if it is rejected
        db = r.dbAfter as DbValue;
      } catch {
        // Not applicable on the newer server db; it stays in the outbox until the server answers.
        // What it did to the previous view is gone from this one: listeners hear it undone.
        for (const d of e.datoms ?? []) this.#undone.push(new Datom(d.e, d.a, d.v, d.tx, !d.added));
        e.datoms = undefined;
        complete = false;
      }
    }
    this.#viewHasAll = complete;
    const min = previous === null ? 0 : previous.basisT + 1;
    return db.basisT >= min ? db : new DbValue({ ...db.state, maxTx: min });
  }

  /**
   * The server announced a head older than ours. If it can still give us our head's commit, it
   * is a process that has not seen the newer commits yet (they follow). If it cannot, its
   * history lost ours: follow its head, which the catch-up then finds diverged.
   */
  async #checkBehind(): Promise<void> {
    try {
      if ((await this.#serverHas(this.#server.persisted.commit.id)) || this.released || this.#socketHead === null) return;
      this.#target = this.#socketHead;
      void this.#catchUpLoop();
    } catch {
      // Offline again: the next welcome asks again.
    }
  }

  /** Whether the server can give us commit `id`. */
  async #serverHas(id: string): Promise<boolean> {
    const m = await this.#socket.request({ type: 'get', keys: [`c:${id}`] });
    return m.type !== 'records' || m.values[0] !== null;
  }

  #onHead(head: HeadInfo): void {
    if (this.#target === null || head.t >= this.#target.t) this.#target = head;
    // While a push is in flight its answer follows soon: catch up once after it, not per head.
    if (this.#pushes === 0) void this.#catchUpLoop();
  }

  async #catchUpLoop(): Promise<void> {
    if (this.#catching) return;
    this.#catching = true;
    try {
      while (!this.released && this.#target !== null && this.#target.commit !== this.#server.persisted.commit.id) {
        const target = this.#target;
        await this.#locked(() => this.#catchUp(target));
      }
    } catch (e) {
      // Not a CairnError: this device failed on its side (its store, or a bug), not the network.
      if (!this.released) this.#lastError = isCairnError(e) ? e : new CairnError('sync/device-error', `catching up failed on this device: ${String(e)}`);
      this.#emitStatus();
    } finally {
      this.#catching = false;
    }
    if (this.released) return;
    this.#pushLoop();
    void this.#fetchAll();
    this.#sweepIfWanted();
  }

  /**
   * After the server purged datoms, sweep the replica as gcStorage does: the records of the views
   * before the purge (commits, tail chunks, nodes) hold the purged values, and a purge means
   * they are gone from every device too. The same after following a restored server: the old
   * history's records are unreachable. On failure (offline while marking), again after the next
   * catch-up.
   */
  #sweepIfWanted(): void {
    if (!this.#sweepWanted || this.#sweeping !== null || this.released) return;
    this.#sweepWanted = false;
    this.#sweeping = collectGarbage(this).then(
      () => {
        this.#sweeping = null;
      },
      () => {
        this.#sweepWanted = true;
        this.#sweeping = null;
      },
    );
  }

  /** Fetch the server's head `target`, drop what it confirms from the outbox, rebase, tell the listeners. */
  async #catchUp(target: HeadInfo): Promise<void> {
    const known = this.#server.persisted.commit.id;
    if (target.commit === known) return;
    const { codec } = this.opened;
    // The new commits, newest first (their reports are what listeners hear, and name our txs).
    const chain: { record: CommitRecord; bytes: Uint8Array }[] = [];
    const sent = target.record === undefined ? undefined : (codec.decode(target.record, { kind: 'commit' }) as CommitRecord);
    if (sent !== undefined && sent.id === target.commit && sent.parent === known) {
      chain.push({ record: sent, bytes: target.record! });
      this.replica.received([[`c:${sent.id}`, target.record!]]);
    }
    for (let from: string | null = chain.length > 0 ? null : target.commit; from !== null; ) {
      const m = await this.#socket.request({ type: 'commits', from, to: known });
      if (m.type !== 'records') throw new CairnError('sync/protocol', `expected records, got ${m.type}`);
      this.replica.received(m.values.flatMap((v) => (v === null ? [] : [['c:', v] as const])));
      for (const v of m.values) if (v !== null) chain.push({ record: codec.decode(v, { kind: 'commit' }) as CommitRecord, bytes: v });
      const last = chain.at(-1)?.record;
      from = m.values.length < MAX_COMMITS_PER_ANSWER || last === undefined || last.parent === known ? null : last.parent;
      // A long way back: first make sure the server still has our head, rather than walk its
      // whole history to find it does not (a restore; handled as diverged below).
      if (from !== null && chain.length === m.values.length && !(await this.#serverHas(known))) from = null;
    }
    const head = chain[0];
    if (head === undefined || head.record.id !== target.commit) throw new CairnError('sync/protocol', `the server did not return commit ${target.commit}`);
    // The chain back from the server's head never met ours: the server's history no longer holds
    // it (restored from a backup, recreated, or collected). Acks given in the old history say
    // nothing of the new one: every pending transaction is pushed again (the server answers
    // those it has as duplicates), and listeners hear the whole difference between the views.
    const diverged = chain.at(-1)!.record.parent !== known;
    if (diverged || chain.some((c) => c.record.purged === true)) this.#sweepWanted = true;
    if (diverged) {
      for (const e of this.#outbox.entries) e.acked = undefined;
      // The new history may reach nodes of old trees that a sweep since removed from here.
      this.#complete.clear();
    }
    // The records the head needs that the server sent along with it (protocol 2) are local now.
    const named = new Set([head.record.schema, ...head.record.tail.sealed]);
    const along = head.record.id === target.commit ? (target.records ?? []).filter(([k]) => named.has(k)) : [];
    this.replica.received(along);
    await this.replica.local.putBatch([[`c:${head.record.id}`, head.bytes], ...along]);
    await this.replica.ensure([...named]);
    const headBytes = codec.encode({ commit: head.record.id }, 'ref');
    // Confirmed: named by a new commit's reports, or acknowledged in a tx the server db now has.
    const confirmed = new Set<string>();
    const serverTempids = new Map<string, Record<string, number>>();
    for (const c of chain) {
      for (const r of c.record.reports ?? []) {
        if (typeof r.txMeta[SYNC_TX] !== 'string') continue;
        confirmed.add(r.txMeta[SYNC_TX]);
        serverTempids.set(r.txMeta[SYNC_TX], r.tempids);
      }
    }
    for (const e of this.#outbox.entries) if (e.acked !== undefined && e.acked <= target.t) confirmed.add(e.id);
    for (const id of confirmed) this.#handedOut.confirm(id, serverTempids.get(id));

    // The new commits are exactly the oldest outbox entries, in order: the view already shows
    // them on the old server db, so while entries remain it needs no replay (its provisional
    // tx ids differ, its data does not); the last confirmation rebases onto the server db.
    const applied = [...chain].reverse().flatMap((c) => (c.record.reports ?? []).map((r) => r.txMeta[SYNC_TX]));
    const ownPrefix = !diverged && applied.length === confirmed.size && applied.every((id, i) => this.#outbox.entries[i]?.id === id);

    await this.#outbox.remove(confirmed, [[HEAD_KEY, headBytes]]);
    const advanced = await this.#advance(
      chain.map((c) => c.record),
      headBytes,
    );
    this.#server = advanced ?? (await restore(this.replica, codec, this.nodes, this.factory));
    if (advanced === null) this.#replicated = false; // new trees: the background fetch has work
    const before = this.#view;
    if (!ownPrefix || !this.#viewHasAll || this.#outbox.size === 0) this.#view = await this.#replay(this.#server.db, before);
    if (diverged) {
      // The old view's nodes this device never fetched went with the server's history: then the
      // report cannot itemise the change, and says so with empty txData (listeners read again).
      const txData = await changesBetween(before, this.#view).catch(() => []);
      this.fireListeners({ dbBefore: before, dbAfter: this.#view, txData, tempids: {}, txMeta: {} });
      this.#undone = [];
      this.#emitStatus();
      return;
    }
    let fired = 0;
    for (const c of chain.reverse()) {
      for (const r of c.record.reports ?? []) {
        const txData = r.segment === null ? [] : decodeSegment(codec, r.segment).map((t) => new Datom(t[0], t[1], t[2], t[3], t[4] === 1));
        this.fireListeners({ dbBefore: before, dbAfter: this.#view, txData, tempids: r.tempids, txMeta: r.txMeta });
        fired++;
      }
    }
    if (fired === 0 || this.#undone.length > 0)
      this.fireListeners({ dbBefore: before, dbAfter: this.#view, txData: this.#takeUndone(), tempids: {}, txMeta: {} });
    this.#emitStatus();
  }

  /**
   * The server db at the newest of `chain` (newest first) by replaying the new commits' datoms
   * onto the current one — when none of them folded the trees (same roots, same schema record)
   * and each report carries its datoms; else null, and the caller restores from the records.
   */
  async #advance(chain: readonly CommitRecord[], headBytes: Uint8Array): Promise<{ db: DbValue; persisted: Persisted } | null> {
    const prev = this.#server.persisted;
    const head = chain[0]!;
    const sameTrees = (c: CommitRecord) => c.schema === prev.commit.schema && JSON.stringify(c.roots) === JSON.stringify(prev.commit.roots);
    if (chain.at(-1)!.parent !== prev.commit.id || !chain.every(sameTrees)) return null;
    const entries: TailEntry[] = [];
    for (const c of [...chain].reverse()) {
      for (const r of c.reports ?? []) {
        if (r.segment === null) return null;
        for (const t of decodeSegment(this.opened.codec, r.segment)) entries.push(t);
      }
    }
    const replayed = replayTail(this.#server.db, entries);
    const db = new DbValue({ ...replayed.state, maxEid: head.maxEid, maxTx: head.maxTx, lastTxInstant: head.lastTxInstant });
    return { db, persisted: { commit: head, headBytes, foldedRaw: prev.foldedRaw, encodings: prev.encodings } };
  }

  /**
   * Push the outbox, oldest first, with up to MAX_PUSHES_IN_FLIGHT pushes unanswered: the server
   * applies one socket's pushes in arrival order, so a burst goes out chunk by chunk while the
   * server commits the earlier ones. Called whenever there may be something to send.
   */
  #pushLoop(): void {
    while (this.#socket.online && !this.released && this.#retryTimer === null && this.#pushes < MAX_PUSHES_IN_FLIGHT) {
      const batch = this.#nextBatch(Math.min(this.#pushSize, this.#socket.limits?.maxTxsPerPush ?? PUSH_BATCH));
      if (batch.length === 0) {
        if (this.#pushes === 0) this.#pushSize = PUSH_BATCH; // all sent and answered: back to full pushes
        return;
      }
      for (const { entry } of batch) this.#sending.add(entry.id);
      this.#pushes++;
      void this.#push(batch).then((more) => {
        this.#pushes--;
        for (const { entry } of batch) this.#sending.delete(entry.id);
        if (more) this.#pushLoop();
      });
    }
  }

  /** One push and what its answer says: acks recorded, rejections reported. False: stop pushing for now. */
  async #push(batch: readonly { entry: OutboxEntry; bytes: number }[]): Promise<boolean> {
    const first = batch[0]!;
    if (first.bytes > (this.#socket.limits?.maxTxBytes ?? Infinity)) {
      // The server would refuse it (or drop the socket): refuse it here, with the same code.
      const limit = this.#socket.limits!.maxTxBytes;
      const error = new CairnError('sync/too-large', `transaction ${first.entry.id} is ${first.bytes} bytes; the server's limit is ${limit}`, {
        tx: first.entry.id,
        bytes: first.bytes,
        limit,
      });
      await this.#locked(() => this.#settle([{ entry: first.entry, error }]));
      return true;
    }
    let results: readonly PushResult[];
    try {
      const m = await this.#socket.request({ type: 'push', txs: batch.map(({ entry }) => pushed(entry)) });
      if (m.type !== 'pushed') throw new CairnError('sync/protocol', `expected pushed, got ${m.type}`);
      results = m.results;
    } catch (e) {
      // Offline: everything unanswered is pushed again after the next welcome (ids make it idempotent).
      if (!isCairnError(e) || e.code === 'sync/offline' || e.code === 'sync/protocol') return false;
      // The server could not judge the push (its store is down, say): all of it again, later.
      if (!isRefusal(e.code)) return this.#retryLater(e);
      // The push was refused as a whole (too large, malformed): find the culprit one by one.
      if (batch.length > 1) {
        this.#pushSize = 1;
        return true;
      }
      results = [{ id: first.entry.id, error: { code: e.code, message: e.message, data: e.data } }];
    }
    const rejected: { entry: OutboxEntry; error: CairnError }[] = [];
    let failed: CairnError | null = null; // the last error that judged nothing: its entries stay
    for (const r of results) {
      const entry = this.#outbox.entries.find((e) => e.id === r.id);
      if (entry === undefined) continue;
      if (!('error' in r)) entry.acked = r.t;
      else {
        const error = fromWireError(r.error);
        if (isRefusal(error.code)) rejected.push({ entry, error });
        else failed = error;
      }
    }
    await this.#locked(() => this.#settle(rejected));
    void this.#catchUpLoop();
    if (failed !== null) return this.#retryLater(failed);
    this.#failures = 0;
    return true;
  }

  /** Whether `id` lies past the server db this device knows: made here, by a transaction not confirmed yet. */
  #provisional(id: number): boolean {
    const { maxEid, maxTx } = this.#server.db.state;
    return id < TX0 ? id > maxEid : id > maxTx;
  }

  /**
   * A transaction naming by number an entity this device created would reach the wrong entity on
   * the server (see handed-out.ts): refused before it is queued. `after`: the db after it.
   */
  #refuseProvisional(after: DbValue, input: TransactInput): void {
    for (const id of explicitEntityIds(after, input)) {
      const why =
        this.#handedOut.problem(id) ?? (this.#provisional(id) ? `entity ${id} lies past the sync server's entities as this device knows them` : undefined);
      if (why === undefined) continue;
      throw new CairnError(
        'transact/entity-id',
        `${why}; name it by a lookup ref on a db.unique/identity attribute (or by tempid in the transaction that creates it)`,
        {
          entity: id,
        },
      );
    }
  }

  /** Stop pushing, and start again after the sync backoff (config.sync's, as for reconnects), longer with each failure in a row. */
  #retryLater(error: CairnError): false {
    this.#lastError = error;
    this.#emitStatus();
    if (this.#retryTimer === null && !this.released) {
      this.#retryTimer = setTimeout(
        () => {
          this.#retryTimer = null;
          this.#pushLoop();
        },
        this.#socket.backoffMs(this.#failures++),
      );
    }
    return false;
  }

  /** The oldest unacknowledged entries, at most `max` and within the server's message size. */
  #nextBatch(max: number): { entry: OutboxEntry; bytes: number }[] {
    const budget = (this.#socket.limits?.maxMessageBytes ?? Infinity) * 0.9;
    const out: { entry: OutboxEntry; bytes: number }[] = [];
    let total = 0;
    for (const entry of this.#outbox.entries) {
      if (entry.acked !== undefined || this.#sending.has(entry.id)) continue;
      const bytes = entry.size ?? this.#outbox.encode(pushed(entry)).length;
      if (out.length >= max || (out.length > 0 && total + bytes > budget)) break;
      out.push({ entry, bytes });
      total += bytes;
    }
    return out;
  }

  /** Drop rejected entries, and acknowledged ones the server db already has; rebase if any left. */
  async #settle(rejected: readonly { entry: OutboxEntry; error: CairnError }[]): Promise<void> {
    const gone = new Set(rejected.map((r) => r.entry.id));
    for (const id of gone) this.#handedOut.reject(id);
    for (const e of this.#outbox.entries) if (e.acked !== undefined && e.acked <= this.#server.db.basisT) gone.add(e.id);
    if (gone.size === 0) return;
    await this.#outbox.remove(gone);
    const before = this.#view;
    this.#view = await this.#replay(this.#server.db, before);
    // What the rejected transactions had done locally, undone: live readers see what changed.
    const undone = rejected.flatMap((r) => (r.entry.datoms ?? []).map((d) => new Datom(d.e, d.a, d.v, d.tx, !d.added)));
    this.fireListeners({ dbBefore: before, dbAfter: this.#view, txData: [...undone, ...this.#takeUndone()], tempids: {}, txMeta: {} });
    for (const r of rejected) {
      this.#lastError = r.error;
      this.#emit({ type: 'rejected', error: r.error, tx: pushed(r.entry) });
    }
    this.#emitStatus();
  }

  /** Make every index node of the current server db local, skipping subtrees already complete. */
  #fetchAll(): Promise<void> {
    if (this.#fetching !== null) {
      this.#fetchAgain = true;
      return this.#fetching;
    }
    this.#fetching = (async () => {
      try {
        do {
          this.#fetchAgain = false;
          const roots = Object.values(this.#server.persisted.commit.roots).map((r) => r!.address);
          await replicateTrees(this.nodes, this.replica, roots, this.#complete, () => this.released);
          if (!this.#fetchAgain) {
            this.#replicated = true;
            this.#emitStatus();
          }
        } while (this.#fetchAgain && !this.released);
      } catch {
        // Offline or closed: the next head or reconnect starts over (what is local stays local).
      } finally {
        this.#fetching = null;
      }
    })();
    return this.#fetching;
  }
}

function splitInput(input: TransactInput): { txData: PushTx['txData']; txMeta?: Record<string, unknown> } {
  if (typeof input === 'string' || Array.isArray(input)) return { txData: input as PushTx['txData'] };
  const m = input as { txData: PushTx['txData']; txMeta?: Record<string, unknown> };
  return { txData: m.txData, ...(m.txMeta !== undefined ? { txMeta: { ...m.txMeta } } : {}) };
}

/** What turns the current datoms of `a` into those of `b`: retractions of what `b` lacks, then assertions of what `a` lacks. */
async function changesBetween(a: DbValue, b: DbValue): Promise<Datom[]> {
  const [before, after] = await Promise.all([a.datoms('eavt'), b.datoms('eavt')]);
  const kept = new Set(after.map(factKey));
  const had = new Set(before.map(factKey));
  return [...before.filter((d) => !kept.has(factKey(d))).map((d) => new Datom(d.e, d.a, d.v, b.basisT, false)), ...after.filter((d) => !had.has(factKey(d)))];
}

/** An outbox entry as it is pushed (and reported): without what the device keeps in memory. */
function pushed(e: OutboxEntry): PushTx {
  return { id: e.id, txData: e.txData, ...(e.txMeta !== undefined ? { txMeta: e.txMeta } : {}) };
}

function inputOf(e: PushTx): TransactInput {
  return e.txMeta === undefined ? e.txData : { txData: e.txData, txMeta: e.txMeta };
}
