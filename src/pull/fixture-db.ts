// Test-only: a tiny Db over a datom array, implementing just the read contract pull and entity
// use (search, entid, schema). `async: true` makes every read a Promise, to exercise the paths a
// cold IndexedDB-backed database takes; `reads` counts search calls.

import { type AttrSchema, Datom, type Db, type EntityRef, type Schema, TX0, type Value } from '../db/types.js';

export interface FixtureAttr {
  readonly many?: boolean;
  readonly ref?: boolean;
  readonly component?: boolean;
  readonly unique?: 'identity' | 'value';
}

export interface FixtureDb extends Db {
  reads: number;
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === typeof b) return a! < b! ? -1 : a! > b! ? 1 : 0;
  return typeof a < typeof b ? -1 : 1;
}

export function fixtureDb(
  schemaDef: Readonly<Record<string, FixtureAttr>>,
  facts: readonly (readonly [number, string, Value] | readonly [number, string, Value, boolean])[],
  opts: { async?: boolean } = {},
): FixtureDb {
  const attrs = new Map<string, AttrSchema>();
  const refs = new Set<string>(), many = new Set<string>(), components = new Set<string>();
  const uniqueIdentity = new Set<string>(), uniqueValue = new Set<string>();
  for (const [ident, a] of Object.entries(schemaDef)) {
    attrs.set(ident, {
      ident, valueType: a.ref ? 'db.type/ref' : 'db.type/string', cardinality: a.many ? 'many' : 'one',
      ...(a.unique ? { unique: a.unique } : {}), index: false, isComponent: !!a.component, noHistory: false,
    });
    if (a.ref) refs.add(ident);
    if (a.many) many.add(ident);
    if (a.component) components.add(ident);
    if (a.unique === 'identity') uniqueIdentity.add(ident);
    if (a.unique === 'value') uniqueValue.add(ident);
  }
  const schema: Schema = {
    flexibility: 'write', attrs, identToEid: new Map(), eidToIdent: new Map(), refs, many, components,
    uniqueIdentity, uniqueValue, indexed: new Set([...refs, ...uniqueIdentity, ...uniqueValue]),
    noHistory: new Set(), tupleAttrsOf: new Map(),
  };
  const datoms = facts
    .map(([e, a, v, added]) => new Datom(e, a, v, TX0 + 1, added ?? true))
    .sort((x, y) => x.e - y.e || cmp(x.a, y.a) || cmp(x.v, y.v));
  const byE = new Map<number, Datom[]>();
  for (const d of datoms) {
    let list = byE.get(d.e);
    if (list === undefined) byE.set(d.e, (list = []));
    list.push(d);
  }
  // A microtask, not a timer: still a real Promise on every read, but no clock in it, so a test
  // making 20,000 reads takes the same time on a loaded machine as on an idle one.
  const answer = <T>(x: T): T | Promise<T> => (opts.async ? Promise.resolve().then(() => x) : x);
  const unsupported = (): never => {
    throw new Error('not in the fixture');
  };
  const db: FixtureDb = {
    reads: 0,
    schema,
    view: { kind: 'current' },
    config: { schemaFlexibility: 'write', keepHistory: true, index: 'fixture' },
    maxEid: datoms.reduce((m, d) => Math.max(m, d.e), 0),
    maxTx: TX0 + 1,
    basisT: TX0 + 1,
    search(e?: number, a?: string, v?: Value) {
      db.reads++;
      const pool = e === undefined ? datoms : byE.get(e) ?? [];
      return answer(pool.filter((d) => (a === undefined || d.a === a) && (v === undefined || d.v === v)));
    },
    entid(ref: EntityRef) {
      if (typeof ref === 'number') return answer(ref);
      if (typeof ref === 'string') {
        const name = ref.startsWith(':') ? ref : `:${ref}`;
        return answer(datoms.find((d) => d.a === 'db/ident' && d.v === name)?.e ?? null);
      }
      const [a, v] = ref;
      return answer(datoms.find((d) => d.a === a && d.v === v)?.e ?? null);
    },
    datoms: unsupported,
    seekDatoms: unsupported,
    indexRange: unsupported,
    estimate: unsupported,
  };
  return db;
}
