// The reports of one group commit, holding their Db values only on demand.
//
// A group commit applies its transactions one after the other, and each report carries the Db
// before and after it. Kept as they are, a batch of 20,000 transactions keeps 20,000 Db values,
// each with its own path copies of the novelty trees, alive until the commit lands: the GC then
// spends more time than the transactions. Here each report, once the next transaction has been
// applied on top of it, gives its Db values up: they are rebuilt when read, by applying the
// batch's change lists again (each transaction's datoms and priors, which its report holds
// anyway) from its first Db (readers go in order, so each rebuild replays from the one before
// it). A batch with a purge keeps its Db values from there on (a purge is not a change list).

import type { DbValue } from '../db/db.js';
import { DbValue as Db } from '../db/db.js';
import { applyChanges } from '../db/apply.js';
import type { Datom, TxReport } from '../db/types.js';
import { fail } from '../util/errors.js';
import { isPromise } from '../util/maybe.js';

interface Step {
  readonly datoms: readonly Datom[];
  readonly priors: readonly (Datom | undefined)[];
  readonly maxEid: number;
  readonly maxTx: number;
  readonly lastTxInstant: number;
}

const NO_PRIORS: readonly (Datom | undefined)[] = [];

export class DeferredReports {
  readonly #base: DbValue;
  readonly #steps: Step[] = [];
  #open = true;
  /** The last Db built (or applied), as a starting point for the next rebuild. */
  #memo: { index: number; db: DbValue };

  constructor(base: DbValue) {
    this.#base = base;
    this.#memo = { index: -1, db: base };
  }

  /** False once a purge joined the batch: reports from there on keep their Db values. */
  get open(): boolean {
    return this.#open;
  }

  /** The report to keep for `report` (applied on top of the previous one; priors: priorsOf(report)). */
  add(report: TxReport, priors: readonly (Datom | undefined)[], purged: boolean): TxReport {
    if (!this.#open || purged) {
      this.#open = false;
      return report;
    }
    const after = report.dbAfter as DbValue;
    const i = this.#steps.length;
    this.#steps.push({ datoms: report.txData, priors, maxEid: after.maxEid, maxTx: after.maxTx, lastTxInstant: after.state.lastTxInstant });
    this.#memo = { index: i, db: after };
    return this.#report(i, report.txData, () => report.tempids, report.txMeta);
  }

  /**
   * The report of a transaction of assertions only that was not applied on its own: the batch
   * applies a run of them in one step, then tells the Db it reached (`reached`). Only while open.
   */
  addChanges(
    txData: readonly Datom[],
    tempids: () => Record<string, number>,
    txMeta: Record<string, unknown>,
    clock: Omit<Step, 'datoms' | 'priors'>,
  ): TxReport {
    const i = this.#steps.length;
    this.#steps.push({ datoms: txData, priors: NO_PRIORS, maxEid: clock.maxEid, maxTx: clock.maxTx, lastTxInstant: clock.lastTxInstant });
    return this.#report(i, txData, tempids, txMeta);
  }

  /** The Db after every transaction added so far (applied together). */
  reached(db: DbValue): void {
    this.#memo = { index: this.#steps.length - 1, db };
  }

  #report(i: number, txData: readonly Datom[], tempids: () => Record<string, number>, txMeta: Record<string, unknown>): TxReport {
    const dbAt = (j: number): DbValue => this.#dbAt(j);
    let before: DbValue | undefined;
    let afterDb: DbValue | undefined;
    return {
      get dbBefore() {
        return (before ??= dbAt(i - 1));
      },
      get dbAfter() {
        return (afterDb ??= dbAt(i));
      },
      txData: txData as Datom[],
      get tempids() {
        return tempids();
      },
      txMeta,
    };
  }

  #dbAt(index: number): DbValue {
    if (index < 0) return this.#base;
    const memo = this.#memo;
    if (memo.index === index) return memo.db;
    let db = memo.index < index ? memo.db : this.#base;
    for (let j = memo.index < index ? memo.index + 1 : 0; j <= index; j++) {
      const s = this.#steps[j]!;
      // the transaction's own change list again: the novelty is in memory, so no read waits
      const replayed = applyChanges(db, s.datoms, s.priors);
      if (isPromise(replayed)) fail('store/corrupt', 'rebuilding a report needed an index read');
      db = new Db({ ...replayed.state, maxEid: s.maxEid, maxTx: s.maxTx, lastTxInstant: s.lastTxInstant });
    }
    this.#memo = { index, db };
    return db;
  }
}
