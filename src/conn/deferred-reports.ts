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
      txData: report.txData,
      tempids: report.tempids,
      txMeta: report.txMeta,
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
