// `withDb`: a transaction as a pure function of a Db value (Datahike's `with`). Nothing is
// stored; src/conn adds queueing, persistence and listeners. The stages run in order —
// project schema, normalize, resolve, check (effects; it may send resolve round again, see
// resolve.ts on upserts), apply, validate schema — and any
// error aborts before a Db value escapes, so a failed transaction changes nothing.

import type { TransactInput } from '../db/inputs.js';
import { applyChanges, rawChanges } from '../db/apply.js';
import { asDbValue, type DbValue } from '../db/db.js';
import { refuseSystemChanges } from '../db/attr-refs.js';
import { Datom, type Db, TX0, type TxReport } from '../db/types.js';
import { CairnError } from '../util/errors.js';
import { andThen as then, isPromise, type MaybePromise } from '../util/maybe.js';
import { computeEffects } from './effects.js';
import { expandTxFunctions } from './functions.js';
import { applyPurges, eventKey, splitPurges } from './purge.js';
import { normalize, splitInput } from './normalize.js';
import { projectSchema } from './project.js';
import { resolve, UpsertRetry, type Cuts } from './resolve.js';
import { checkSchema } from './schemacheck.js';
import { setTempids, simpleTx, type SimpleTx } from './simple.js';
import type { Effects, NormOp, Resolved } from './types.js';
import { isDate } from '../util/brands.js';

export interface WithDbOptions {
  /** Clock for the automatic db/txInstant (default: the system clock). */
  readonly now?: () => Date;
}

/** Tx data array, EDN string, or { txData, txMeta } (docs/api.md): the API's TransactInput. */
export type TxInput = TransactInput;

function userTxInstant(ops: readonly NormOp[]): Date | undefined {
  for (const op of ops) {
    if (op.op === 'add' && op.e.kind === 'tx' && op.a === 'db/txInstant' && op.v.kind === 'value' && isDate(op.v.v)) return op.v.v;
  }
  return undefined;
}

/**
 * The transaction, synchronous when every index node it reads is loaded. `withDb` is the
 * Promise-returning public form; the connection may call this one to skip a microtask.
 */
export function transactDb(db: Db, input: TxInput, opts: WithDbOptions = {}): MaybePromise<TxReport> {
  const before = asDbValue(db);
  if (before.view.kind !== 'current') {
    throw new CairnError('config/invalid', `cannot transact against a ${before.view.kind} view of the database`, { view: before.view.kind });
  }
  if (before.filtered) throw new CairnError('config/invalid', 'cannot transact against a filtered view of the database', { view: 'filter' });
  const { items: written, txMeta } = splitInput(input);
  // transaction functions run first: what they return is tx data like the rest
  const dbAfter = (prefix: readonly unknown[]): MaybePromise<Db> =>
    prefix.length === 0 ? before : then(transactItems(db, before, prefix, {}, opts), (r) => r.dbAfter);
  return then(expandTxFunctions(dbAfter, written), (items) => {
    const { purges, rest } = splitPurges(items);
    if (isReplay(before, items)) return transactDatoms(db, before, items as Datom[]);
    if (purges.length === 0) return transactItems(db, before, items, txMeta, opts);
    // the rest of the transaction first, then the purge over its result
    return then(transactItems(db, before, rest, txMeta, opts), async (report) => {
      const { db: purged, purged: removed } = await applyPurges(report.dbAfter as DbValue, purges);
      // What the rest of the transaction asserted or retracted and the purge then removed (a
      // retraction of the purged value, say) leaves the report too: it holds no purged value.
      const gone = new Set(removed.map(eventKey));
      const priors = priorsOf(report);
      const kept = report.txData.flatMap((d, i) => (gone.has(eventKey(d)) ? [] : [i]));
      const out: TxReport = { ...report, dbAfter: purged, txData: kept.map((i) => report.txData[i]!) };
      priorsByReport.set(
        out,
        kept.map((i) => priors[i]),
      );
      purgedByReport.set(out, removed);
      return out;
    });
  });
}

/** Only datoms from after the database's last tx. A loop, not `every`, which skips the holes of a sparse array. */
function isReplay(before: DbValue, items: readonly unknown[]): boolean {
  if (items.length === 0) return false;
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    if (!(x instanceof Datom && x.tx > before.maxTx && x.tx > TX0)) return false;
  }
  return true;
}

/**
 * Tx data made only of datoms whose tx ids come after the database's (a replay: import,
 * load-entities) keeps their e, tx and added, as in Datahike: applied raw, without tempid,
 * upsert or schema-change logic. Other datoms in tx data are asserted or retracted in the new
 * transaction (normalize.ts).
 */
function transactDatoms(db: Db, before: DbValue, datoms: readonly Datom[]): MaybePromise<TxReport> {
  let maxTx = 0;
  for (const d of datoms) if (d.tx > maxTx) maxTx = d.tx;
  return then(rawChanges(before, datoms), (r) =>
    then(applyChanges(before, r.datoms, r.priors), (after): TxReport => {
      const report: TxReport = { dbBefore: db, dbAfter: after, txData: r.datoms, tempids: { 'db/current-tx': maxTx }, txMeta: {} };
      priorsByReport.set(report, r.priors);
      return report;
    }),
  );
}

// Reports of transactions that purged datoms, with the datoms: the connection folds their commit
// (so the trees it writes no longer hold them) and keeps their values out of the commit record;
// a sync server checks none of them is its own (src/server/reserved.ts).
const purgedByReport = new WeakMap<TxReport, readonly Datom[]>();
const NOTHING: readonly Datom[] = [];

/** The datoms the transaction of `report` purged, each once (none for most). */
export function purgedBy(report: TxReport): readonly Datom[] {
  return purgedByReport.get(report) ?? NOTHING;
}

function transactItems(db: Db, before: DbValue, items: readonly unknown[], txMeta: Record<string, unknown>, opts: WithDbOptions): MaybePromise<TxReport> {
  const st = before.state;
  const ps = projectSchema(before, items);
  const keepHistory = st.config.keepHistory;
  // without history, tx-meta is validated and reported but not written (Datahike)
  if (!keepHistory) normalize(ps, [], txMeta);
  const tx = st.maxTx + 1;
  // Entity maps of new entities with plain values skip the general stages (simple.ts); the
  // tx entity's own datoms (txInstant, tx-meta) still go through them.
  const simple = simpleTx(ps, items, tx, st.maxEid);
  if (simple !== undefined && isEmpty(txMeta)) return transactSimple(db, before, simple, tx, opts);
  const norm = normalize(ps, simple === undefined ? items : [], keepHistory ? txMeta : {}, st.schema.identToEid);
  const given = userTxInstant(norm.ops);
  const now = (opts.now ?? (() => new Date()))().getTime();
  const instant = given ?? new Date(Math.max(now, st.lastTxInstant + 1));
  const ops: NormOp[] =
    given === undefined && keepHistory ? [{ op: 'add', e: { kind: 'tx' }, a: 'db/txInstant', v: { kind: 'value', v: instant } }, ...norm.ops] : [...norm.ops];
  const reportMeta = { ...txMeta, 'db/txInstant': instant };
  const normalized = { ...norm, ops };
  const check = (cuts: Cuts): MaybePromise<{ resolved: Resolved; fx: Effects }> =>
    then(resolve(before, ps, normalized, tx, cuts), (resolved) =>
      onRetry(
        () => then(computeEffects(before, ps, resolved.ops, tx, resolved.tempidOf), (fx) => ({ resolved, fx })),
        (retry) => {
          // each retry adds a new cut, and there are finitely many: the guard keeps the loop finite
          const known = cuts.get(retry.key) ?? [];
          if (known.includes(retry.at)) throw new CairnError('transact/upsert', `upsert resolution did not settle at op ${retry.at}`);
          return check(new Map(cuts).set(retry.key, [...known, retry.at]));
        },
      ),
    );
  return then(check(new Map()), ({ resolved, fx: general }) => {
    const fx = simple === undefined ? general : withSimple(general, resolved.tempids, simple);
    if (st.config.attributeRefs) refuseSystemChanges(fx.datoms);
    return then(applyChanges(before, fx.datoms, fx.priors, { tx, instant: instant.getTime() }), (after) =>
      then(checkSchema(before, after), (): TxReport => {
        const report: TxReport = { dbBefore: db, dbAfter: after, txData: fx.datoms, tempids: resolved.tempids, txMeta: reportMeta };
        priorsByReport.set(report, fx.priors);
        return report;
      }),
    );
  });
}

function isEmpty(o: Record<string, unknown>): boolean {
  for (const _ in o) return false;
  return true;
}

/**
 * A transaction the simple path covers whole, without tx-meta: the general stages would only
 * add the tx entity's db/txInstant (with history), so its datom is written here directly and
 * resolve and check do not run. Datoms, tempids and their order are those of the general path
 * followed by the simple one (transactItems, withSimple); the differential tests hold them equal.
 */
function transactSimple(db: Db, before: DbValue, simple: SimpleTx, tx: number, opts: WithDbOptions): MaybePromise<TxReport> {
  const st = before.state;
  const instant = stampSimple(before.config.keepHistory, simple, tx, (opts.now ?? (() => new Date()))().getTime(), st.lastTxInstant);
  const datoms = simple.datoms;
  const priors = new Array<undefined>(datoms.length).fill(undefined);
  if (st.config.attributeRefs) refuseSystemChanges(datoms);
  return then(applyChanges(before, datoms, priors, { tx, instant: instant.getTime() }), (after) =>
    then(checkSchema(before, after), (): TxReport => {
      const report = lazyReport(db, after, tx, simple, instant);
      priorsByReport.set(report, priors);
      return report;
    }),
  );
}

/** The time of a simple transaction; with history, its db/txInstant datom leads its datoms. */
function stampSimple(keepHistory: boolean, simple: SimpleTx, tx: number, now: number, lastTxInstant: number): Date {
  const instant = new Date(Math.max(now, lastTxInstant + 1));
  if (keepHistory) simple.datoms.unshift(new Datom(tx, 'db/txInstant', instant, tx, true));
  return instant;
}

/** The report's tempids of a simple transaction. */
function tempidsOf(tx: number, simple: SimpleTx): Record<string, number> {
  // Dictionary mode from the start, as resolve.ts's tempids: their keys differ from tx to tx.
  const tempids: Record<string, number> = { '\u0000': 0, 'db/current-tx': tx };
  delete tempids['\u0000'];
  setTempids(tempids, simple);
  return tempids;
}

/** The counters a transaction starts from: the database's, or where the run before it left them. */
export interface TxClock {
  readonly maxEid: number;
  readonly maxTx: number;
  readonly lastTxInstant: number;
}

/**
 * A transaction as the change list it writes (all assertions), with what it reports. Shaped as
 * the commit's record of a transaction (conn/commit.ts, CommitTx) so a group commit keeps this
 * one object per transaction; its tempids are made on the first call (a group commit of
 * thousands may never read them).
 */
export class SimpleChanges {
  readonly tx: number;
  readonly datoms: Datom[];
  readonly priors: readonly (Datom | undefined)[] = NO_PRIORS;
  readonly txMeta: Record<string, unknown>;
  /** The counters after it. */
  readonly clock: TxClock;
  readonly #simple: SimpleTx;
  #tempids: Record<string, number> | undefined;

  constructor(tx: number, simple: SimpleTx, instant: Date) {
    this.tx = tx;
    this.datoms = simple.datoms;
    this.txMeta = { 'db/txInstant': instant };
    this.clock = { maxEid: simple.maxEid, maxTx: tx, lastTxInstant: instant.getTime() };
    this.#simple = simple;
  }

  tempids(): Record<string, number> {
    return (this.#tempids ??= tempidsOf(this.tx, this.#simple));
  }
}

const NO_PRIORS: readonly (Datom | undefined)[] = [];

/**
 * Tx data (an array) that transactSimple would take, as its change list, without applying it:
 * for a group commit, which applies a run of such transactions in one bulk step. `at`: the
 * counters of the database the transactions before it in the run leave. Undefined for any other
 * transaction (transactDb then runs it, and raises its errors).
 */
export function simpleChanges(before: DbValue, at: TxClock, input: TxInput): SimpleChanges | undefined {
  if (!Array.isArray(input) || before.view.kind !== 'current' || before.filtered) return undefined;
  const st = before.state;
  if (st.config.attributeRefs) return undefined;
  const tx = at.maxTx + 1;
  const simple = simpleTx(st.schema, input, tx, at.maxEid);
  if (simple === undefined) return undefined;
  const instant = stampSimple(st.config.keepHistory, simple, tx, Date.now(), at.lastTxInstant);
  return new SimpleChanges(tx, simple, instant);
}

/** The general stages' effects followed by the simple path's assertions; their tempids join the report's. */
function withSimple(fx: Effects, tempids: Record<string, number>, simple: SimpleTx): Effects {
  setTempids(tempids, simple);
  const priors = fx.priors.concat(new Array<undefined>(simple.datoms.length).fill(undefined));
  return { datoms: fx.datoms.concat(simple.datoms), priors };
}

// The stored assertion each retraction of a report removed, kept beside the report (not in
// it: reports are public, plain data) for the connection's transaction log.
const priorsByReport = new WeakMap<TxReport, readonly (Datom | undefined)[]>();

/** priors[i]: the assertion that retraction report.txData[i] removed (undefined for assertions). */
export function priorsOf(report: TxReport): readonly (Datom | undefined)[] {
  const priors = priorsByReport.get(report);
  if (priors === undefined) throw new CairnError('transact/syntax', 'priorsOf: not a report made by this transaction pipeline');
  return priors;
}

/** Run `f`; if it throws or rejects with an UpsertRetry, answer with `retry(it)` instead. */
function onRetry<T>(f: () => MaybePromise<T>, retry: (r: UpsertRetry) => MaybePromise<T>): MaybePromise<T> {
  let r: MaybePromise<T>;
  try {
    r = f();
  } catch (e) {
    if (e instanceof UpsertRetry) return retry(e);
    throw e;
  }
  return isPromise(r) ? r.catch((e: unknown) => (e instanceof UpsertRetry ? retry(e) : Promise.reject(e))) : r;
}

/** Speculative transaction: the report of applying `input` to `db`; nothing is stored. */
export function withDb(db: Db, input: TxInput, opts: WithDbOptions = {}): Promise<TxReport> {
  try {
    return Promise.resolve(transactDb(db, input, opts));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * A simple transaction's report, its tempids made when first read (an import of 100,000 entities
 * would spend ~0.1 s on an object of 100,000 keys nobody may look at). Built out here, not inline
 * in transactSimple: an inline getter's closure kept that whole scope (the change lists, the priors
 * the report's WeakMap entry holds, both Dbs) reachable from the report, and awaited one-person
 * commits spent ~40 % more CPU, nearly all of it in the scavenger.
 */
function lazyReport(db: Db, after: Db, tx: number, simple: SimpleTx, instant: Date): TxReport {
  let tempids: Record<string, number> | undefined;
  return {
    dbBefore: db,
    dbAfter: after,
    txData: simple.datoms,
    get tempids() {
      tempids ??= tempidsOf(tx, simple);
      return tempids;
    },
    txMeta: { 'db/txInstant': instant },
  };
}
