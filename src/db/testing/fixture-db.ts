// Test-only oracle Db: the read contract (src/db/types.ts) over a plain datom array, for the
// pull and query tests. Reads are answered by filtering the array (by entity through a map), so
// the answers are obviously right and the tests do not depend on the index code. Datoms are kept
// in EAVT order, as a real database returns them.
// Options: `async: true` makes every read a Promise, as on a cold IndexedDB database (resolved
// on a microtask, not a timer, so a test making 20,000 reads takes the same time on a loaded
// machine); `gate` holds reads until the test releases them, to count round trips. `reads`
// counts search calls, so tests can prove seeks are batched and pushed down.
// A fact is [e, a, v], [e, a, v, tx] or [e, a, v, added].

import { type AttrSchema, Datom, type Db, type EntityRef, type Schema, TX0, type Value } from '../types.js';

export interface FixtureAttr {
  readonly many?: boolean;
  readonly ref?: boolean;
  readonly component?: boolean;
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
  const p = f().finally(() => {
    done = true;
  });
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

const eq = (a: unknown, b: unknown): boolean => a === b || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());

function cmp(a: unknown, b: unknown): number {
  if (typeof a === typeof b) return a! < b! ? -1 : a! > b! ? 1 : 0;
  return typeof a < typeof b ? -1 : 1;
}

export function fixtureDb(
  schemaDef: Readonly<Record<string, FixtureAttr>>,
  facts: readonly (readonly [number, string, Value] | readonly [number, string, Value, number | boolean])[],
  opts: { async?: boolean; gate?: Gate } = {},
): FixtureDb {
  const attrs = new Map<string, AttrSchema>();
  const sets = {
    refs: new Set<string>(),
    many: new Set<string>(),
    components: new Set<string>(),
    uniqueIdentity: new Set<string>(),
    uniqueValue: new Set<string>(),
    indexed: new Set<string>(),
  };
  for (const [ident, a] of Object.entries(schemaDef)) {
    attrs.set(ident, {
      ident,
      valueType: a.ref ? 'db.type/ref' : 'db.type/string',
      cardinality: a.many ? 'many' : 'one',
      ...(a.unique ? { unique: a.unique } : {}),
      index: !!a.index,
      isComponent: !!a.component,
      noHistory: false,
    });
    if (a.ref) sets.refs.add(ident);
    if (a.many) sets.many.add(ident);
    if (a.component) sets.components.add(ident);
    if (a.unique === 'identity') sets.uniqueIdentity.add(ident);
    if (a.unique === 'value') sets.uniqueValue.add(ident);
    if (a.ref || a.unique || a.index) sets.indexed.add(ident);
  }
  const datoms = facts
    .map(([e, a, v, x]) => new Datom(e, a, v, typeof x === 'number' ? x : TX0 + 1, typeof x === 'boolean' ? x : true))
    .sort((x, y) => x.e - y.e || cmp(x.a, y.a) || cmp(x.v, y.v));
  const byE = new Map<number, Datom[]>();
  for (const d of datoms) {
    let list = byE.get(d.e);
    if (list === undefined) byE.set(d.e, (list = []));
    list.push(d);
  }
  const identToEid = new Map<string, number>();
  for (const d of datoms) if (d.a === 'db/ident') identToEid.set(String(d.v).replace(/^:/, ''), d.e);
  const schema: Schema = {
    flexibility: 'write',
    attrs,
    identToEid,
    eidToIdent: new Map([...identToEid].map(([k, v]) => [v, k])),
    noHistory: new Set(),
    tupleAttrsOf: new Map(),
    ...sets,
  };
  const gate = opts.gate;
  const wrap = <T>(x: T): T | Promise<T> =>
    gate !== undefined ? new Promise<T>((resolve) => gate.pending.push(() => resolve(x))) : opts.async ? Promise.resolve().then(() => x) : x;
  const match = (e?: number, a?: string, v?: Value, tx?: number): Datom[] =>
    (e === undefined ? datoms : (byE.get(e) ?? [])).filter(
      (d) => (a === undefined || d.a === a) && (v === undefined || eq(d.v, v)) && (tx === undefined || d.tx === tx),
    );
  const db: FixtureDb = {
    reads: 0,
    all: datoms,
    schema,
    view: { kind: 'current' },
    config: { schemaFlexibility: 'write', keepHistory: true, index: 'fixture', attributeRefs: false },
    maxEid: datoms.reduce((m, d) => Math.max(m, d.e), 0),
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
