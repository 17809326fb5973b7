// What a pushed transaction may not do, whoever `authorize` lets write: touch what the sync
// server itself relies on. `sync/tx` is how a retried push is recognised as already committed,
// so a device that wrote one on its own entity could make another device's transaction look
// committed (and lose it), and one that retracted or purged one could have a retry applied
// twice. `db/txInstant` is the shared history's clock (`asOf` a date, `since`): the server
// stamps it, a device cannot backdate or postdate its transaction.

import { asDbValue } from '../db/db.js';
import type { TxReport } from '../engine.js';
import { purgedBy } from '../tx/index.js';
import { CairnError, show } from '../util/errors.js';

/** Tx metadata attribute holding the client transaction id (docs/sync.md "Idempotency"). */
export const SYNC_TX_ATTR = 'sync/tx';

/**
 * Throws `sync/forbidden` if the transaction of `report`, pushed as client transaction `id`,
 * writes, retracts or purges a `sync/tx` datom other than the one the server adds for it,
 * changes the `sync/tx` attribute itself, purges a `db/txInstant`, or sets its own time.
 */
export function refuseReserved(report: TxReport, id: string): void {
  const before = asDbValue(report.dbBefore);
  const attr = before.state.schema.identToEid.get(SYNC_TX_ATTR);
  const tx = report.dbAfter.maxTx; // this transaction's entity
  const refuse = (what: string): never => {
    throw new CairnError('sync/forbidden', `transaction ${id} ${what}: only the sync server writes it`, { tx: id });
  };
  for (const d of report.txData) {
    if (d.a === SYNC_TX_ATTR && !(d.e === tx && d.added && d.v === id)) refuse(`${d.added ? 'asserts' : 'retracts'} sync/tx ${show(d.v)} on entity ${d.e}`);
    if (attr !== undefined && d.e === attr) refuse('changes the attribute sync/tx');
    if (d.a === 'db/txInstant' && !(d.e === tx && d.added && stampedByServer(d.v, before.state.lastTxInstant)))
      refuse(`${d.added ? 'sets' : 'retracts'} db/txInstant ${show(d.v)} on entity ${d.e}`);
  }
  for (const d of purgedBy(report)) {
    if (d.a === SYNC_TX_ATTR || d.a === 'db/txInstant') refuse(`purges ${d.a} of entity ${d.e}`);
    if (attr !== undefined && d.e === attr) refuse('purges the attribute sync/tx');
  }
}

/** How far the clock may step back between a transaction's stamp and this check (an NTP correction). */
const CLOCK_STEP_MS = 60_000;

/**
 * The automatic instant is the clock, or one millisecond after the last transaction's when the
 * clock is behind it (src/tx): a time after the last one and not after now (read after the
 * transaction's) is what the server could have stamped; a device's own value elsewhere is not.
 */
function stampedByServer(v: unknown, last: number): boolean {
  if (!(v instanceof Date)) return false;
  const t = v.getTime();
  return t === last + 1 || (t > last && t <= Date.now() + CLOCK_STEP_MS);
}
