// Test-only oracle Db: the read contract over a plain datom array, answering every read by a
// linear filter. It is slow and obviously right, so engine tests do not depend on the index
// code. `async: true` makes every read a Promise (a cold IndexedDB database); `reads` counts
// search calls so tests can prove seeks are batched and pushed down.

import { type AttrSchema, Datom, type Db, type EntityRef, type Schema, TX0, type Value } from '../../db/types.js';

export interface FixtureAttr {
  readonly many?: boolean;
  readonly ref?: boolean;
  readonly unique?: 'identity' | 'value';
  readonly index?: boolean;
}

/**
 * Holds every read until the test releases them, so a test can count round trips: each
 * release of everything pending is one trip to storage.
 */
export interface Gate {
  readonly pending: (() => void)[];
}

/** Run `f` against gated reads; returns its result and how many round trips it took. */
export async function roundTrips<T>(gate: Gate, f: () => Promise<T>): Promise<{ result: T; trips: number }> {
  let done = false;
  const p = f().finally(() => { done = true; });
  let trips = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 0));
    if (gate.pending.length > 0) {
      trips++;
      for (const release of gate.pending.splice(0)) release();
    } else if (done) {
      return { result: await p, trips };
    }
  }
}

export interface FixtureDb extends Db {
  reads: number;
  readonly all: readonly Datom[];
}

const eq = (a: unknown, b: unknown): boolean =>
  a === b || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());

export function fixtureDb(
  schemaDef: Readonly<Record<string, FixtureAttr>>,
  facts: readonly (readonly [number, string, Value] | readonly [number, string, Value, number])[],
  opts: { async?: boolean; gate?: Gate } = {},
): FixtureDb {
  const attrs = new Map<string, AttrSchema>();
  const sets = { refs: new Set<string>(), many: new Set<string>(), uniqueIdentity: new Set<string>(), uniqueValue: new Set<string>(), indexed: new Set<string>() };
  for (const [ident, a] of Object.entries(schemaDef)) {
    attrs.set(ident, {
      ident, valueType: a.ref ? 'db.type/ref' : 'db.type/string', cardinality: a.many ? 'many' : 'one',
      ...(a.unique ? { unique: a.unique } : {}), index: !!a.index, isComponent: false, noHistory: false,
    });
    if (a.ref) sets.refs.add(ident);
    if (a.many) sets.many.add(ident);
    if (a.unique === 'identity') sets.uniqueIdentity.add(ident);
    if (a.unique === 'value') sets.uniqueValue.add(ident);
    if (a.ref || a.unique || a.index) sets.indexed.add(ident);
  }
  const datoms = facts.map(([e, a, v, tx]) => new Datom(e, a, v, tx ?? TX0 + 1));
  const identToEid = new Map<string, number>();
  for (const d of datoms) if (d.a === 'db/ident') identToEid.set(String(d.v).replace(/^:/, ''), d.e);
  const schema: Schema = {
    flexibility: 'write', attrs, identToEid, eidToIdent: new Map([...identToEid].map(([k, v]) => [v, k])),
    components: new Set(), noHistory: new Set(), tupleAttrsOf: new Map(), ...sets,
  };
  const gate = opts.gate;
  const wrap = <T>(x: T): T | Promise<T> =>
    gate !== undefined ? new Promise<T>((resolve) => gate.pending.push(() => resolve(x))) : opts.async ? Promise.resolve(x) : x;
  const match = (e?: number, a?: string, v?: Value, tx?: number): Datom[] =>
    datoms.filter((d) => (e === undefined || d.e === e) && (a === undefined || d.a === a) && (v === undefined || eq(d.v, v)) && (tx === undefined || d.tx === tx));
  const db: FixtureDb = {
    reads: 0,
    all: datoms,
    schema,
    view: { kind: 'current' },
    config: { schemaFlexibility: 'write', keepHistory: true, index: 'fixture' },
    maxEid: Math.max(0, ...datoms.map((d) => d.e)),
    maxTx: TX0 + 1,
    basisT: TX0 + 1,
    search(e, a, v, tx) {
      db.reads++;
      return wrap(match(e, a, v, tx));
    },
    datoms: () => wrap([...datoms]),
    seekDatoms: () => wrap([...datoms]),
    indexRange: (attr, start, end) => wrap(match(undefined, attr).filter((d) => (start === undefined || d.v >= start) && (end === undefined || d.v <= end))),
    entid(ref: EntityRef) {
      if (typeof ref === 'number') return wrap(ref);
      if (typeof ref === 'string') return wrap(identToEid.get(ref.replace(/^:/, '')) ?? null);
      const [a, v] = ref;
      return wrap(match(undefined, a.replace(/^:/, ''), v)[0]?.e ?? null);
    },
    estimate: (e, a, v) => wrap(match(e, a, v).length),
  };
  return db;
}
