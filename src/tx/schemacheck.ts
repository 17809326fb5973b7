// Schema validation on the RESULTING state of a transaction (Datahike #883/#931, reference
// §3.10): every schema entity the tx touched must be a sound definition, and a change to an
// attribute must be one Datahike allows given the attribute's data in the result:
//   always:        db/doc, db/noHistory, db/isComponent (refs only)
//   if unused:     valueType or tuple definition change (no current or history datoms),
//                  ident rename, removal (the "drop table" tx retracting data and schema is
//                  fine), adding db/unique or db/index (no backfill)
//   conditional:   one -> many unless unique; many -> one if no entity holds two values;
//                  db/unique only on cardinality one
//   never:         disabling db/index
// Errors: 'schema/invalid' for an unsound definition, 'schema/change' for a refused change.

import { bound, type DbValue } from '../db/db.js';
import { loop } from '../util/maybe.js';
import { isAttributeEntity, type RawAttr } from '../db/schema.js';
import { CairnError } from '../util/errors.js';
import { andThen as then, type MaybePromise } from '../util/maybe.js';

function invalid(msg: string, ident: string | undefined): never {
  throw new CairnError('schema/invalid', msg, { attribute: ident ?? null });
}
function refuse(msg: string, ident: string): never {
  throw new CairnError('schema/change', msg, { attribute: ident });
}

function sameList(x: readonly string[] | undefined, y: readonly string[] | undefined): boolean {
  if (x === undefined || y === undefined) return x === y;
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Static soundness of one schema entity in the result. */
function checkDefinition(after: DbValue, eid: number, r: Readonly<RawAttr>, isNewIdent: boolean): void {
  const ident = r.ident;
  if (ident !== undefined && isNewIdent) {
    const ns = ident.includes('/') ? ident.slice(0, ident.indexOf('/')) : '';
    if (ns === 'db' || ns.startsWith('db.')) invalid(`ident ${ident} uses the reserved db namespace`, ident);
    // it would be the key of schema() and pull results, where '__proto__' is no ordinary key
    if (ident === '__proto__') invalid('__proto__ cannot be an ident (it is not an ordinary key of a JS object)', ident);
  }
  if (!isAttributeEntity(r)) return; // enum ident or doc-only entity
  if (ident === undefined) invalid(`schema entity ${eid} has attribute properties but no db/ident`, undefined);
  const write = after.state.config.schemaFlexibility === 'write';
  if (write && (r.valueType === undefined || r.cardinality === undefined)) {
    invalid(`incomplete schema for ${ident}: db/valueType and db/cardinality are required`, ident);
  }
  if (r.isComponent === true && r.valueType !== 'db.type/ref') invalid(`db/isComponent on ${ident} requires db.type/ref`, ident);
  const isTuple = r.valueType === 'db.type/tuple';
  const tupleDefs = [r.tupleAttrs, r.tupleType, r.tupleTypes].filter((x) => x !== undefined).length;
  if (isTuple && tupleDefs !== 1) invalid(`tuple attribute ${ident} needs exactly one of db/tupleAttrs, db/tupleType, db/tupleTypes`, ident);
  if (!isTuple && tupleDefs > 0 && r.valueType !== undefined) invalid(`${ident} has a tuple definition but is not db.type/tuple`, ident);
  if (r.tupleTypes !== undefined && (r.tupleTypes.length < 2 || r.tupleTypes.length > 8)) invalid(`db/tupleTypes of ${ident} must list 2 to 8 types`, ident);
  if (r.tupleType === 'db.type/tuple' || r.tupleTypes?.includes('db.type/tuple')) invalid(`tuples of ${ident} cannot nest tuples`, ident);
  if (r.tupleAttrs !== undefined) {
    if (r.tupleAttrs.length < 2 || r.tupleAttrs.length > 8) invalid(`db/tupleAttrs of ${ident} must list 2 to 8 attributes`, ident);
    for (const m of r.tupleAttrs) {
      const s = after.state.schema.attrs.get(m);
      if (s === undefined) invalid(`db/tupleAttrs of ${ident} names undeclared attribute ${m}`, ident);
      if (s.cardinality === 'many') invalid(`db/tupleAttrs of ${ident} cannot include card-many attribute ${m}`, ident);
      if (s.valueType === 'db.type/tuple') invalid(`db/tupleAttrs of ${ident} cannot include tuple attribute ${m}`, ident);
    }
  }
}

/** Count of current datoms of attribute a; with `history`, temporal ones too. */
function usage(db: DbValue, a: string, history: boolean): MaybePromise<number> {
  return db.countPrefix('aevt', bound(undefined, a), history);
}

/** Does some entity hold two values of a (blocks many -> one)? */
function hasMultiValues(db: DbValue, a: string): MaybePromise<boolean> {
  const b = bound(undefined, a);
  return then(db.scan('aevt', b, b), (ds) => {
    for (let i = 1; i < ds.length; i++) if (ds[i]!.e === ds[i - 1]!.e) return true;
    return false;
  });
}

function checkChange(before: DbValue, after: DbValue, eid: number): MaybePromise<void> {
  const oldR = before.state.raw.get(eid);
  const newR = after.state.raw.get(eid);
  const oldIdent = oldR?.ident;
  if (newR !== undefined) checkDefinition(after, eid, newR, newR.ident !== undefined && newR.ident !== oldIdent);
  if (oldR === undefined || !isAttributeEntity(oldR) || oldIdent === undefined) {
    // a new attribute over data written under schema-on-read must not need an AVET backfill
    const ident = newR?.ident;
    if (ident === undefined || newR === undefined || !isAttributeEntity(newR) || !after.state.schema.indexed.has(ident)) return;
    return then(usage(before, ident, false), (n) => {
      if (n > 0) refuse(`cannot declare ${ident} as indexed/unique/ref: it already has ${n} datoms`, ident);
    });
  }
  const ident = oldIdent;
  const removed = newR === undefined || !isAttributeEntity(newR);
  // attribute refs: the datoms hold the attribute's id, so they are counted by it (its ident may be
  // what this tx changes) and a rename carries them along (allowed, as in Datahike)
  const refs = after.state.config.attributeRefs;
  const count = (history: boolean): MaybePromise<number> =>
    refs ? after.countPrefix('aevt', bound(undefined, eid as unknown as string), history) : usage(after, ident, history);
  return then(count(false), (used) =>
    then(count(true), (ever) => {
      if (removed || (newR.ident !== ident && !refs)) {
        if (used > 0) refuse(`cannot ${removed ? 'remove the schema of' : 'rename'} ${ident}: it still has ${used} datoms`, ident);
        if (removed) return;
      }
      if (oldR.valueType !== newR.valueType && ever > 0)
        refuse(`cannot change db/valueType of ${ident} from ${oldR.valueType} to ${newR.valueType}: the attribute has data`, ident);
      if ((oldR.tupleType !== newR.tupleType || !sameList(oldR.tupleAttrs, newR.tupleAttrs) || !sameList(oldR.tupleTypes, newR.tupleTypes)) && ever > 0) {
        refuse(`cannot change the tuple definition of ${ident}: the attribute has data`, ident);
      }
      if (oldR.index === true && newR.index !== true) refuse(`disabling db/index on ${ident} is not allowed`, ident);
      const card = newR.cardinality ?? 'db.cardinality/one';
      if (newR.unique !== undefined && card === 'db.cardinality/many' && (oldR.unique === undefined || oldR.cardinality !== 'db.cardinality/many')) {
        refuse(`${ident} cannot be unique and cardinality many`, ident);
      }
      if (oldR.unique === undefined && newR.unique !== undefined && used > 0)
        refuse(`cannot make ${ident} unique: it already has data (no index backfill)`, ident);
      if (oldR.index !== true && newR.index === true && used > 0 && !before.state.schema.indexed.has(ident)) {
        refuse(`cannot enable db/index on ${ident}: it already has data (no index backfill)`, ident);
      }
      if (oldR.unique !== undefined && newR.unique === undefined && used > 0 && !after.state.schema.indexed.has(ident)) {
        refuse(`cannot drop db/unique from ${ident} while it has data, unless it stays indexed (db/index true)`, ident);
      }
      if (oldR.cardinality === 'db.cardinality/many' && card === 'db.cardinality/one' && used > 1) {
        return then(hasMultiValues(after, ident), (multi) => {
          if (multi) refuse(`cannot change ${ident} to cardinality one: an entity holds several values`, ident);
        });
      }
      return undefined;
    }),
  );
}

/** Validate every schema entity whose raw definition differs between before and after. */
export function checkSchema(before: DbValue, after: DbValue): MaybePromise<void> {
  const b = before.state.raw,
    a = after.state.raw;
  if (a === b) return;
  const touched: number[] = [];
  for (const [eid, r] of a) if (b.get(eid) !== r) touched.push(eid);
  for (const eid of b.keys()) if (!a.has(eid)) touched.push(eid);
  return loop(touched.length, (i) => checkChange(before, after, touched[i]!));
}
