// Pull: `pull(db, pattern, eid)` and `pullMany(db, pattern, eids)` (Datahike `pull`, `pull-many`).
//
// Both return the result directly when every index node they touch is cached, else a Promise
// (MaybePromise, docs/architecture.md, decision 1); `await` works on either. The public API (src/api.ts)
// always hands users a Promise.
//
// Patterns: EDN text ('[:person/name {:person/friend [:person/name]}]'), an EDN value, or JS
// data (['person/name', { 'person/friend': ['person/name'] }]); see ./pattern.ts for the full
// grammar. Parsed patterns are cached by text (and by identity for arrays).
// Entity references: an entity id, a lookup ref ['person/email', 'a@b.c'], or an ident.

import { entidAs } from '../db/entid.js';
import type { Datom, Db, EntityRef } from '../db/types.js';
import { CairnError, show } from '../util/errors.js';
import { type MaybePromise, all, andThen as then } from '../util/maybe.js';
import { type Reads, drive } from '../util/maybe.js';
import { type PullResult, needsSlice, newCtx, pullEntity } from './exec.js';
import { compilePattern } from './pattern.js';

export { compilePattern, DEFAULT_LIMIT, WILDCARD } from './pattern.js';
export type { AttrSpec, PullPattern, SubPattern } from './pattern.js';
export type { PullResult } from './exec.js';
export { entity, Entity, touch } from './entity.js';

/** Resolve an entity reference to an id, or null when it names nothing. */
export function resolveEid(db: Db, eid: EntityRef): MaybePromise<number | null> {
  if (typeof eid === 'number') {
    if (!Number.isSafeInteger(eid) || eid < 0) {
      throw new CairnError('pull/invalid', `invalid entity id ${show(eid)}`, { eid: show(eid) });
    }
    return eid;
  }
  if (typeof eid === 'string') return entidAs(db, eid, 'pull/lookup-ref');
  if (Array.isArray(eid) && eid.length === 2 && typeof eid[0] === 'string') {
    // as Datahike (entid-strict): a lookup ref that finds nothing is an error, not an empty pull
    return then(entidAs(db, eid, 'pull/lookup-ref'), (e) => {
      if (e === null)
        throw new CairnError('pull/lookup-ref', `Nothing found for lookup ref [${eid[0]} ${show(eid[1])}]`, { lookupRef: [String(eid[0]), show(eid[1])] });
      return e;
    });
  }
  throw new CairnError('pull/invalid', `invalid entity reference ${show(eid)} (expected an id, a lookup ref [attr, value] or an ident)`, { eid: show(eid) });
}

/** Pull one entity; null when it does not exist or the pattern matched nothing. */
export function pull(db: Db, pattern: unknown, eid: EntityRef): MaybePromise<PullResult | null> {
  const p = compilePattern(pattern);
  return then(resolveEid(db, eid), (e) => (e === null ? null : drive(pullEntity(newCtx(db), e, p, undefined, true))));
}

/**
 * Pull many entities with one pattern, results in input order (null where `pull` gives null).
 * The pattern is compiled once; each entity's EAVT slice is requested up front, so a cold pull
 * waits for all of them together instead of one after another.
 */
export function pullMany(db: Db, pattern: unknown, eids: readonly EntityRef[]): MaybePromise<(PullResult | null)[]> {
  const p = compilePattern(pattern);
  if (!Array.isArray(eids)) throw new CairnError('pull/invalid', `pullMany needs an array of entity references, got ${show(eids)}`, { eids: show(eids) });
  return then(resolveAll(db, eids), (ids) => {
    if (!needsSlice(p)) return drive(pullAll(db, p, ids, null));
    const slices: MaybePromise<Datom[]>[] = ids.map((e) => (e === null ? [] : db.search(e)));
    return then(all(slices), (ready) => drive(pullAll(db, p, ids, ready)));
  });
}

function resolveAll(db: Db, eids: readonly EntityRef[]): MaybePromise<(number | null)[]> {
  let numeric = true;
  for (const e of eids) {
    if (typeof e !== 'number' || !Number.isSafeInteger(e) || e < 0) {
      numeric = false;
      break;
    }
  }
  if (numeric) return eids as number[];
  return all(eids.map((e) => resolveEid(db, e)));
}

function* pullAll(
  db: Db,
  p: ReturnType<typeof compilePattern>,
  ids: readonly (number | null)[],
  slices: readonly Datom[][] | null,
): Reads<(PullResult | null)[]> {
  const ctx = newCtx(db);
  const out: (PullResult | null)[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const e = ids[i]!;
    out[i] = e === null ? null : ((yield pullEntity(ctx, e, p, slices === null ? undefined : slices[i], true)) as PullResult | null);
  }
  return out;
}
