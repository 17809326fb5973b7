// Live queries in process: what re-runs (counted), what is delivered, errors, and cleanup.
//
// Re-runs are counted deterministically: a stale live query starts its run inside the commit's
// listener call, so its run counter is up to date once `transact` resolves.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORT_DATOMS_MAX } from '../conn/commit.js';
import { connect, createDatabase, liveQuery, livePull, registerBackend, release, transact, type Connection, type LiveQuery } from '../node.js';
import { createMemoryBackend } from '../store/memory.js';
import type { Store } from '../store/types.js';
import { wrapBackend } from '../store/wrap-backend.js';
import type { ConnectionHandle } from '../api.js';
import { liveCount } from './index.js';

let seq = 0;
const ATTRS = 40;

/** A database with many attributes a0..a39 (longs) plus people, one entity per attribute. */
async function manyAttrs(): Promise<Connection> {
  const cfg = { store: { backend: 'memory', id: `live-${seq++}` } };
  await createDatabase(cfg);
  const conn = await connect(cfg);
  const schema: Record<string, unknown>[] = [];
  for (let i = 0; i < ATTRS; i++) schema.push({ 'db/ident': `attr/a${i}`, 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' });
  schema.push(
    { 'db/ident': 'person/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
    { 'db/ident': 'person/email', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
    { 'db/ident': 'person/age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
    { 'db/ident': 'person/friend', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
  );
  await transact(conn, schema);
  const data: Record<string, unknown>[] = [];
  for (let i = 0; i < ATTRS; i++) data.push({ [`attr/a${i}`]: i });
  await transact(conn, data);
  await transact(conn, [
    { 'db/id': 'ada', 'person/name': 'Ada', 'person/email': 'ada@x.org', 'person/age': 36 },
    { 'db/id': 'bob', 'person/name': 'Bob', 'person/email': 'bob@x.org', 'person/age': 40, 'person/friend': 'ada' },
  ]);
  return conn;
}

/** Every value the live query delivers, and a way to wait for one that satisfies `until`. */
function watch<T>(live: LiveQuery<T>): { values: T[]; errors: unknown[]; next(until?: (v: T) => boolean): Promise<T>; stop(): void } {
  const values: T[] = [];
  const errors: unknown[] = [];
  let waiters: (() => void)[] = [];
  const wake = (): void => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const stop = live.subscribe(
    (v) => {
      values.push(v);
      wake();
    },
    (e) => {
      errors.push(e);
      wake();
    },
  );
  let seen = 0;
  return {
    values,
    errors,
    stop,
    async next(until = () => true) {
      for (;;) {
        while (seen < values.length) {
          const v = values[seen++]!;
          if (until(v)) return v;
        }
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

const runs = async (l: LiveQuery<unknown>): Promise<number> => (await l.stats()).runs;
const eidOf = async (conn: Connection, email: string): Promise<number> => {
  const l = liveQuery<number>(conn, '[:find ?e . :in $ ?m :where [?e :person/email ?m]]', email);
  const w = watch(l);
  const e = await w.next();
  w.stop();
  return e;
};

describe('liveQuery: invalidation by what the query reads', () => {
  it('re-runs only the live queries whose attribute a commit touches (40 attributes)', async () => {
    const conn = await manyAttrs();
    const lives = Array.from({ length: ATTRS }, (_, i) => liveQuery<number>(conn, `[:find ?v . :where [_ :attr/a${i} ?v]]`));
    const ws = lives.map((l) => watch(l));
    expect(await Promise.all(ws.map((w) => w.next()))).toEqual(Array.from({ length: ATTRS }, (_, i) => i));
    expect(await Promise.all(lives.map(runs))).toEqual(lives.map(() => 1));

    await transact(conn, [{ 'attr/a7': 700 }]);
    const after = await Promise.all(lives.map(runs));
    expect(after.filter((n) => n > 1)).toEqual([2]);
    expect(after[7]).toBe(2);
    // the first result stays: a new entity with a7 = 700 joins; the scalar answer is one of them
    await transact(conn, [{ 'person/name': 'Unrelated' }]);
    expect(await Promise.all(lives.map(runs))).toEqual(after);
    for (const w of ws) w.stop();
  });

  it('narrows to the entity when the pattern binds it (constant or input)', async () => {
    const conn = await manyAttrs();
    const ada = await eidOf(conn, 'ada@x.org');
    const byInput = liveQuery<number>(conn, '[:find ?a . :in $ ?e :where [?e :person/age ?a]]', ada);
    const byConst = liveQuery<number>(conn, `[:find ?a . :where [${ada} :person/age ?a]]`);
    const wi = watch(byInput),
      wc = watch(byConst);
    expect([await wi.next(), await wc.next()]).toEqual([36, 36]);

    await transact(conn, [['db/add', ['person/email', 'bob@x.org'], 'person/age', 41]]);
    expect([await runs(byInput), await runs(byConst)]).toEqual([1, 1]);

    await transact(conn, [['db/add', ada, 'person/age', 37]]);
    expect([await runs(byInput), await runs(byConst)]).toEqual([2, 2]);
    expect([await wi.next((v) => v === 37), await wc.next((v) => v === 37)]).toEqual([37, 37]);
    wi.stop();
    wc.stop();
  });

  it('narrows to the value when the pattern binds it (constant or collection input)', async () => {
    const conn = await manyAttrs();
    const named = liveQuery<number[]>(conn, '[:find [?e ...] :where [?e :person/name "Carol"]]');
    const among = liveQuery<string[]>(conn, '[:find [?m ...] :in $ [?n ...] :where [?e :person/name ?n] [?e :person/email ?m]]', ['Carol', 'Dan']);
    const wn = watch(named),
      wa = watch(among);
    expect(await wn.next()).toEqual([]);
    expect(await wa.next()).toEqual([]);

    await transact(conn, [{ 'person/name': 'Eve' }]); // person/name, another value
    expect([await runs(named), await runs(among)]).toEqual([1, 1]);

    await transact(conn, [{ 'person/name': 'Carol', 'person/email': 'carol@x.org' }]);
    expect([await runs(named), await runs(among)]).toEqual([2, 2]);
    expect(await wn.next((v) => v.length === 1)).toHaveLength(1);
    expect(await wa.next((v) => v.length === 1)).toEqual(['carol@x.org']);
    // an email change of someone else: person/email is read by `among` at attribute level
    await transact(conn, [['db/add', ['person/email', 'bob@x.org'], 'person/email', 'bob@y.org']]);
    expect([await runs(named), await runs(among)]).toEqual([2, 3]);
    wn.stop();
    wa.stop();
  });

  it('re-runs a query it cannot bound (variable attribute) on every commit, and everything on schema changes', async () => {
    const conn = await manyAttrs();
    const ada = await eidOf(conn, 'ada@x.org');
    const anyAttr = liveQuery(conn, `[:find ?a :where [${ada} ?a _]]`);
    const one = liveQuery(conn, '[:find ?v . :where [_ :attr/a1 ?v]]');
    const w1 = watch(anyAttr),
      w2 = watch(one);
    await w1.next();
    await w2.next();
    await transact(conn, [{ 'attr/a2': 5 }]);
    expect([await runs(anyAttr), await runs(one)]).toEqual([2, 1]);
    await transact(conn, [{ 'db/ident': 'attr/new', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }]);
    expect([await runs(anyAttr), await runs(one)]).toEqual([3, 2]);
    w1.stop();
    w2.stop();
  });

  it('follows rules, not/or and pull patterns in :find', async () => {
    const conn = await manyAttrs();
    const rules = '[[(friend ?a ?b) [?a :person/friend ?b]] [(friend ?a ?b) [?b :person/friend ?a]]]';
    const viaRule = liveQuery<string[]>(conn, '[:find [?n ...] :in $ % :where [?x :person/name "Ada"] (friend ?x ?y) [?y :person/name ?n]]', rules);
    const viaNot = liveQuery<string[]>(conn, '[:find [?n ...] :where [?e :person/name ?n] (not [?e :person/age 40])]');
    const viaPull = liveQuery<unknown[]>(conn, '[:find [(pull ?e [:person/name {:person/friend [:person/email]}]) ...] :where [?e :attr/a3]]');
    const ws = [watch(viaRule), watch(viaNot), watch(viaPull)];
    expect(await ws[0]!.next()).toEqual(['Bob']);
    expect(((await ws[1]!.next()) as string[]).sort()).toEqual(['Ada']);
    await ws[2]!.next();

    await transact(conn, [{ 'attr/a9': 1 }]); // none of them reads attr/a9
    expect(await Promise.all([runs(viaRule), runs(viaNot), runs(viaPull)])).toEqual([1, 1, 1]);
    await transact(conn, [['db/add', ['person/email', 'bob@x.org'], 'person/age', 41]]); // read inside not
    expect(await Promise.all([runs(viaRule), runs(viaNot), runs(viaPull)])).toEqual([1, 2, 1]);
    expect(((await ws[1]!.next((v) => (v as string[]).length === 2)) as string[]).sort()).toEqual(['Ada', 'Bob']);
    await transact(conn, [['db/add', ['person/email', 'ada@x.org'], 'person/email', 'ada@y.org']]); // read by the pull's sub-pattern
    expect(await Promise.all([runs(viaRule), runs(viaNot), runs(viaPull)])).toEqual([1, 2, 2]);
    await transact(conn, [{ 'person/name': 'Cy', 'person/friend': ['person/email', 'ada@y.org'] }]); // read inside the rule
    expect(await runs(viaRule)).toBe(2);
    expect(((await ws[0]!.next((v) => (v as string[]).length === 2)) as string[]).sort()).toEqual(['Bob', 'Cy']);
    for (const w of ws) w.stop();
  });
});

describe('liveQuery: changes a report does not itemise', () => {
  it('re-runs the live queries a purge in this connection touches (purged values are not in txData)', async () => {
    const conn = await manyAttrs();
    const ada = await eidOf(conn, 'ada@x.org');
    const names = liveQuery<string[]>(conn, '[:find [?n ...] :where [_ :person/name ?n]]');
    const other = liveQuery<number>(conn, '[:find ?v . :where [_ :attr/a3 ?v]]');
    const wn = watch(names),
      wo = watch(other);
    expect((await wn.next()).sort()).toEqual(['Ada', 'Bob']);
    await wo.next();
    await transact(conn, [['db.purge/entity', ada]]);
    expect(await wn.next((v) => v.length === 1)).toEqual(['Bob']);
    expect([await runs(names), await runs(other)]).toEqual([2, 1]);
    wn.stop();
    wo.stop();
  });

  it("re-runs every live query for another connection's purge or import over REPORT_DATOMS_MAX datoms (reports with empty txData)", async () => {
    const cfg = { store: { backend: 'file', id: 'live-unitemised', path: mkdtempSync(join(tmpdir(), 'cairn-live-')) } };
    await createDatabase(cfg);
    const writer = await connect(cfg, { shared: false });
    const reader = await connect(cfg, { shared: false });
    try {
      await transact(writer, [{ 'db/ident': 'p/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }]);
      const ada = (await transact(writer, [{ 'db/id': 'ada', 'p/name': 'Ada' }])).tempids.ada!;
      await (reader as ConnectionHandle).conn.refresh();
      const count = liveQuery<number | null>(reader, '[:find (count ?n) . :where [_ :p/name ?n]]');
      const w = watch(count);
      expect(await w.next((v) => v === 1)).toBe(1);
      const imported = await transact(
        writer,
        Array.from({ length: REPORT_DATOMS_MAX + 1 }, (_, i) => ({ 'p/name': `n${i}` })),
      );
      expect(imported.txData.length).toBeGreaterThan(REPORT_DATOMS_MAX); // this connection's own report is whole
      await (reader as ConnectionHandle).conn.refresh();
      expect(await w.next((v) => v !== 1)).toBe(REPORT_DATOMS_MAX + 2);
      await transact(writer, [['db.purge/entity', ada]]);
      await (reader as ConnectionHandle).conn.refresh();
      expect(await w.next((v) => v !== REPORT_DATOMS_MAX + 2)).toBe(REPORT_DATOMS_MAX + 1);
      w.stop();
    } finally {
      await release(writer);
      await release(reader);
    }
  });

  it('re-runs every live query when another connection committed more than a reload reports one by one', async () => {
    const cfg = { store: { backend: 'memory', id: `live-many-${seq++}` } };
    await createDatabase(cfg);
    const writer = await connect(cfg, { shared: false });
    const reader = await connect(cfg, { shared: false });
    try {
      await transact(writer, [
        { 'db/ident': 'p/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
        { 'db/ident': 'p/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
      ]);
      await (reader as ConnectionHandle).conn.refresh();
      const names = liveQuery<string[]>(reader, '[:find [?n ...] :where [_ :p/name ?n]]');
      const w = watch(names);
      expect(await w.next()).toEqual([]);
      // The name comes first; the 1,000 commits after it touch another attribute only.
      await transact(writer, [{ 'p/name': 'first of many' }]);
      for (let i = 0; i < 1000; i++) await transact(writer, [{ 'p/n': i }]);
      await (reader as ConnectionHandle).conn.refresh();
      expect(await w.next((v) => v.length > 0)).toEqual(['first of many']);
      w.stop();
    } finally {
      await release(writer);
      await release(reader);
    }
  });
});

describe('liveQuery: delivery', () => {
  it('has no snapshot before the first result, then the same object until the result changes', async () => {
    const conn = await manyAttrs();
    const live = liveQuery<string[]>(conn, '[:find [?n ...] :where [?e :person/name ?n] [?e :person/age ?a] [(> ?a 30)]]');
    expect(live.getSnapshot()).toBeUndefined();
    expect(live.getState()).toEqual({ value: undefined, error: undefined, loading: true });
    const w = watch(live);
    const first = await w.next();
    expect(first.sort()).toEqual(['Ada', 'Bob']);
    expect(live.getSnapshot()).toBe(first);

    // re-runs (person/age is read) but the answer is the same: nothing delivered, same snapshot
    await transact(conn, [['db/add', ['person/email', 'ada@x.org'], 'person/age', 50]]);
    expect(await runs(live)).toBe(2);
    expect((await live.stats()).changes).toBe(1);
    await transact(conn, [{ 'person/name': 'Zed', 'person/age': 31 }]);
    const second = await w.next();
    expect(second.sort()).toEqual(['Ada', 'Bob', 'Zed']);
    expect(w.values).toHaveLength(2);
    expect(live.getSnapshot()).toBe(second);
    expect(live.getState()).toMatchObject({ value: second, loading: false, error: undefined });
    w.stop();
  });

  it('gives a late subscriber the current result at once (Svelte store contract)', async () => {
    const conn = await manyAttrs();
    const live = liveQuery<number>(conn, '[:find ?v . :where [_ :attr/a0 ?v]]');
    const w = watch(live);
    await w.next();
    const got: number[] = [];
    const stop = live.subscribe((v) => got.push(v));
    expect(got).toEqual([0]);
    stop();
    w.stop();
  });

  it('speaks the Observable interop: [Symbol.observable] / @@observable, observers, unsubscribe()', async () => {
    const conn = await manyAttrs();
    const live = liveQuery<number>(conn, '[:find ?v . :where [_ :attr/a1 ?v]]');
    const key = (Symbol as { observable?: symbol }).observable;
    if (key !== undefined) expect((live as unknown as Record<symbol, () => unknown>)[key]!()).toBe(live);
    expect(live['@@observable']()).toBe(live);
    const seen: number[] = [];
    let resolve!: () => void;
    const got = new Promise<void>((r) => (resolve = r));
    const sub = live['@@observable']().subscribe({
      next: (v) => {
        seen.push(v);
        resolve();
      },
    });
    await got;
    expect(seen).toEqual([1]);
    sub.unsubscribe();
    expect(liveCount((conn as ConnectionHandle).conn)).toBe(0);
  });

  it('passes the connection value where the connection is given as an input, and supports the map form', async () => {
    const conn = await manyAttrs();
    const people = [
      ['Ada', 'admin'],
      ['Bob', 'guest'],
    ];
    const joined = liveQuery<[string, string][]>(conn, '[:find ?n ?role :in $roles $ :where [$roles ?n ?role] [$ ?e :person/name ?n]]', people, conn);
    const paged = liveQuery<string[]>(conn, {
      query: '[:find ?n :in $ ?min :where [?e :person/name ?n] [?e :person/age ?a] [(>= ?a ?min)]]',
      args: [conn, 0],
      limit: 1,
    });
    const wj = watch(joined),
      wp = watch(paged);
    expect((await wj.next()).sort()).toEqual([
      ['Ada', 'admin'],
      ['Bob', 'guest'],
    ]);
    expect(await wp.next()).toHaveLength(1);
    wj.stop();
    wp.stop();
  });
});

describe('liveQuery: errors and cleanup', () => {
  it('reports errors to onError without ending the subscription or other live queries', async () => {
    const conn = await manyAttrs();
    const bad = liveQuery(conn, '[:find ?x :where [?x :person/name]'); // unbalanced
    const failing = liveQuery(conn, '[:find ?x . :where [?e :person/age ?a] [(get-else $ ?e :person/friend "none") ?x]]'); // card-many
    const good = liveQuery<number>(conn, '[:find (count ?e) . :where [?e :person/name]]');
    const wb = watch(bad),
      wf = watch(failing),
      wg = watch(good);
    expect(await wg.next()).toBe(2);
    while (wb.errors.length === 0 || wf.errors.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(wb.errors[0]).toMatchObject({ code: 'query/parse' });
    expect(wf.errors[0]).toMatchObject({ code: 'query/execution' });
    expect(bad.getState()).toMatchObject({ loading: false, value: undefined });
    expect((bad.getState().error as { code: string }).code).toBe('query/parse');

    await transact(conn, [{ 'person/name': 'New', 'person/age': 3 }]);
    expect(await wg.next((v) => v === 3)).toBe(3);
    expect(await runs(failing)).toBe(2); // still subscribed: it re-ran and failed again
    while (wf.errors.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(await runs(bad)).toBe(0); // never got past parsing; it reads nothing that could fix it
    for (const w of [wb, wf, wg]) w.stop();
  });

  it('after release: a new subscribe reports db/released, and liveQuery itself throws it', async () => {
    const conn = await manyAttrs();
    const live = liveQuery(conn, '[:find ?v . :where [_ :attr/a0 ?v]]');
    await release(conn);
    const w = watch(live);
    while (w.errors.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(w.errors[0]).toMatchObject({ code: 'db/released' });
    w.stop();
    expect(() => liveQuery(conn, '[:find ?v . :where [_ :attr/a0 ?v]]')).toThrow(expect.objectContaining({ code: 'db/released' }));
  });

  it('a run in flight when the connection is released delivers nothing (not the closed store its reads meet)', async () => {
    // a memory store whose reads wait at a gate the test opens: the run is surely in flight
    let open = (): void => {};
    let gate: Promise<void> | null = null;
    const held = <T>(read: () => Promise<T>): Promise<T> => (gate === null ? read() : gate.then(read));
    const gated = (st: Store): Store =>
      new Proxy(st, {
        get(target, key) {
          if (key === 'get') return (k: string) => held(() => target.get(k));
          if (key === 'getMany') return (ks: readonly string[]) => held(() => target.getMany(ks));
          const v: unknown = Reflect.get(target, key);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    registerBackend('gated-reads', wrapBackend(createMemoryBackend(), gated));
    const cfg = { store: { backend: 'gated-reads', id: `released-${seq++}` } };
    await createDatabase(cfg);
    const writer = await connect(cfg, { tailDatoms: 0 });
    await transact(writer, [{ 'db/ident': 'p/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' }]);
    await transact(
      writer,
      Array.from({ length: 200 }, (_, i) => ({ 'p/n': i })),
    );
    await release(writer);
    const conn = await connect(cfg, { cacheSize: 1 }); // its query reads index nodes from the store
    gate = new Promise((resolve) => (open = resolve));
    const w = watch(liveQuery<number>(conn, '[:find (count ?e) . :where [?e :p/n]]'));
    await new Promise((r) => setTimeout(r, 10)); // the first run waits at the gate
    expect(w.values).toEqual([]);
    await release(conn);
    open(); // its reads go on, to a closed store
    await new Promise((r) => setTimeout(r, 50));
    expect(w.errors).toEqual([]);
    expect(w.values).toEqual([]);
    w.stop();
  });

  it('rejects a subscribe without a callback or observer', async () => {
    const conn = await manyAttrs();
    const live = liveQuery(conn, '[:find ?v . :where [_ :attr/a0 ?v]]');
    expect(() => live.subscribe(42 as never)).toThrow(expect.objectContaining({ code: 'config/invalid' }));
    expect(() => live.subscribe(() => {}, 'oops' as never)).toThrow(expect.objectContaining({ code: 'config/invalid' }));
    expect(liveCount((conn as ConnectionHandle).conn)).toBe(0);
  });

  it('frees the connection listener when the last subscriber leaves, and restarts on a new one', async () => {
    const conn = await manyAttrs();
    const inner = (conn as ConnectionHandle).conn;
    const baseline = inner.listeners.size;
    const live = liveQuery<number>(conn, '[:find ?v . :where [_ :attr/a4 ?v]]');
    const a = watch(live),
      b = watch(live);
    await a.next();
    expect(liveCount(inner)).toBe(1);
    expect(inner.listeners.size).toBe(baseline + 1);
    a.stop();
    expect(liveCount(inner)).toBe(1);
    b.stop();
    expect(liveCount(inner)).toBe(0);
    expect(inner.listeners.size).toBe(baseline);
    await transact(conn, [['db/add', await eidOf(conn, 'ada@x.org'), 'attr/a4', 4]]);
    expect(await runs(live)).toBe(1);

    const c = watch(live);
    expect(await c.next()).toBe(4); // the new subscriber gets a result even though it equals the last
    expect(await runs(live)).toBe(2);
    c.stop();
    expect(inner.listeners.size).toBe(baseline);
  });
});

describe('livePull', () => {
  it('re-runs for its entity only, and follows nested and reverse attributes', async () => {
    const conn = await manyAttrs();
    const ada = await eidOf(conn, 'ada@x.org');
    const live = livePull<{ 'person/name': string; 'person/_friend'?: { 'person/name': string }[] }>(
      conn,
      '[:person/name {:person/_friend [:person/name]}]',
      ada,
    );
    const w = watch(live);
    expect(await w.next()).toEqual({ 'person/name': 'Ada', 'person/_friend': [{ 'person/name': 'Bob' }] });

    await transact(conn, [['db/add', ['person/email', 'bob@x.org'], 'person/age', 99]]); // not read
    await transact(conn, [{ 'person/name': 'Someone' }]); // person/name of another entity: read by the sub-pattern
    expect(await runs(live)).toBe(2);
    await transact(conn, [['db/add', ada, 'person/name', 'Ada L.']]);
    expect(await w.next((v) => v?.['person/name'] === 'Ada L.')).toMatchObject({ 'person/name': 'Ada L.' });

    const star = livePull(conn, '[*]', ada);
    const ws = watch(star);
    await ws.next();
    await transact(conn, [['db/add', ['person/email', 'bob@x.org'], 'person/age', 98]]);
    expect(await runs(star)).toBe(1);
    await transact(conn, [['db/add', ada, 'attr/a5', 55]]);
    expect(await runs(star)).toBe(2);
    expect(await ws.next((v) => v?.['attr/a5'] === 55)).toMatchObject({ 'attr/a5': 55 });
    w.stop();
    ws.stop();
  });
});
