// `db.entid` for a reader that is not a transaction: a lookup ref on a non-unique attribute is
// reported with the caller's own code (query/lookup-ref, pull/lookup-ref), so an error says where
// it happened rather than naming the transaction layer.

import type { Db, EntityRef } from './types.js';
import { CairnError, type ErrorCode, isCairnError } from '../util/errors.js';
import type { MaybePromise } from '../util/maybe.js';

export function entidAs(db: Db, ref: EntityRef, code: ErrorCode): MaybePromise<number | null> {
  try {
    return db.entid(ref);
  } catch (e) {
    if (isCairnError(e, 'transact/lookup-ref')) throw new CairnError(code, e.message, e.data, { cause: e });
    throw e;
  }
}
