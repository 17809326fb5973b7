// Purge (issue 14): db/purge, db.purge/attribute, db.purge/entity, db.history.purge/before remove
// datoms from the current and history indices; after purge + GC the value is in no stored record
// of a file store (every file under the store's directory is searched for its bytes).

import { readdirSync, readFileSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  asOf,
  connect,
  createDatabase,
  datoms,
  db,
  gcStorage,
  history,
  pull,
  q,
  registerBackend,
  release,
  transact,
  withDb,
  type Config,
  type Connection,
} from '../src/index.js';
import { countingBackend, newCounts } from '../src/conn/counting-backend.js';
import { createMemoryBackend } from '../src/store/memory.js';
import { purgedBy } from '../src/tx/index.js';
import { attr, caught, fresh, MANY } from './conformance-helpers.js';

const SCHEMA = [
  attr('u/email', 'string', { 'db/unique': 'db.unique/identity' }),
  attr('u/ssn', 'string'),
  attr('u/tag', 'string', MANY),
  attr('u/friend', 'ref', MANY),
];
const dir = mkdtempSync(join(tmpdir(), 'cairn-purge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function filesUnder(d: string): string[] {
  return readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? filesUnder(join(d, f)) : [join(d, f)]));
}
const stored = (needle: string): string[] => filesUnder(dir).filter((f) => readFileSync(f).includes(Buffer.from(needle)));

const all = async (c: Connection): Promise<unknown> => q('[:find ?e ?a ?v ?added :where [?e ?a ?v _ ?added]]', history(db(c)));
const values = async (c: Connection, a: string): Promise<unknown[]> =>
  ((await q(`[:find [?v ...] :where [_ :${a} ?v _ _]]`, history(db(c)))) as unknown[]).sort();

describe('purge ops (memory)', () => {
  async function setup(): Promise<{ c: Connection; ann: number; bob: number; t1: number }> {
    const c = await fresh([SCHEMA]);
    const r = await transact(c, [
      { 'db/id': 'ann', 'u/email': 'ann@x', 'u/ssn': 'ssn-ann-1', 'u/tag': ['a', 'b'] },
      { 'db/id': 'bob', 'u/email': 'bob@x', 'u/ssn': 'ssn-bob', 'u/friend': ['ann'] },
    ]);
    const { ann, bob } = r.tempids as Record<string, number>;
    await transact(c, [['db/add', ann!, 'u/ssn', 'ssn-ann-2']]); // ssn-ann-1 is now history
    return { c, ann: ann!, bob: bob!, t1: r.dbAfter.maxTx };
  }

  it('db/purge removes one value, current and past', async () => {
    const { c, ann } = await setup();
    await transact(c, [['db/purge', ann, 'u/ssn', 'ssn-ann-1']]);
    expect(await values(c, 'u/ssn')).toEqual(['ssn-ann-2', 'ssn-bob']);
    await transact(c, [['db/purge', ['u/email', 'ann@x'], ':u/ssn', 'ssn-ann-2']]);
    expect(await values(c, 'u/ssn')).toEqual(['ssn-bob']);
    expect(await pull(db(c), ['u/ssn', 'u/email'], ann)).toEqual({ 'u/email': 'ann@x' });
  });

  it('db.purge/attribute removes every value of one attribute of one entity', async () => {
    const { c, ann, t1 } = await setup();
    await transact(c, [['db.purge/attribute', ann, 'u/ssn']]);
    expect(await values(c, 'u/ssn')).toEqual(['ssn-bob']);
    expect(await q('[:find ?s . :in $ ?e :where [?e :u/ssn ?s]]', asOf(db(c), t1), ann)).toBeNull();
    expect(await values(c, 'u/tag')).toEqual(['a', 'b']);
  });

  it('db.purge/entity removes every datom of the entity', async () => {
    const { c, ann } = await setup();
    await transact(c, [['db.purge/entity', ann]]);
    expect(await datoms(history(db(c)), 'eavt', ann)).toEqual([]);
    expect(await values(c, 'u/email')).toEqual(['bob@x']);
  });

  it('db.history.purge/before removes retracted history only', async () => {
    const { c } = await setup();
    const cut = new Date(Date.now() + 60_000);
    await transact(c, [['db.history.purge/before', cut]]);
    expect(await values(c, 'u/ssn')).toEqual(['ssn-ann-2', 'ssn-bob']);
    expect(((await all(c)) as unknown[][]).some((r) => r[3] === false)).toBe(false);
  });

  it('runs after the rest of its transaction; the report holds no purged value', async () => {
    const { c, ann } = await setup();
    const r = await transact(c, [{ 'u/email': 'cid@x', 'u/ssn': 'ssn-cid' }, ['db/purge', ann, 'u/ssn', 'ssn-ann-2']]);
    expect(r.txData.map((d) => d.v)).not.toContain('ssn-ann-2');
    expect(await values(c, 'u/ssn')).toEqual(['ssn-ann-1', 'ssn-bob', 'ssn-cid']);
  });

  it('a value retracted and purged in one transaction is in neither the report nor the database', async () => {
    const { c, ann } = await setup();
    const r = await transact(c, [
      ['db/retract', ann, 'u/ssn', 'ssn-ann-2'],
      ['db/purge', ann, 'u/ssn', 'ssn-ann-2'],
    ]);
    expect(r.txData.map((d) => d.a)).toEqual(['db/txInstant']);
    expect(await values(c, 'u/ssn')).toEqual(['ssn-ann-1', 'ssn-bob']);
  });

  it('names each purged datom once, two values of one attribute asserted together among them', async () => {
    const { c, ann } = await setup();
    const r = await transact(c, [['db.purge/attribute', ann, 'u/tag']]);
    expect(
      purgedBy(r)
        .map((d) => [d.a, d.v])
        .sort(),
    ).toEqual([
      ['u/tag', 'a'],
      ['u/tag', 'b'],
    ]);
  });

  it.each([
    ['an unknown entity', [['db.purge/entity', 999_999]], 'transact/entity-id', /purge needs an existing entity, got 999999/],
    ['a tempid', [['db/purge', 'new', 'u/ssn', 'x']], 'transact/entity-id', /purge needs an existing entity/],
    ['wrong arity', [['db.purge/attribute', 1]], 'transact/syntax', /wrong number of arguments to db.purge\/attribute/],
    ['not a Date', [['db.history.purge/before', 'yesterday']], 'transact/syntax', /needs a Date/],
    // The schema would still define what the indexes no longer say: retract a schema instead.
    ['a schema entity', [['db.purge/entity', ['db/ident', 'u/ssn']]], 'schema/change', /purge cannot remove db\/\w+ of u\/ssn, part of the current schema/],
    ['a schema datom', [['db.purge/attribute', ['db/ident', 'u/ssn'], 'db/cardinality']], 'schema/change', /db\/cardinality of u\/ssn/],
  ] as const)('%s fails and changes nothing', async (_t, tx, code, message) => {
    const { c } = await setup();
    const before = await all(c);
    const e = await caught(transact(c, tx as never));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(await all(c)).toEqual(before);
  });

  it("purges an attribute's past schema (history only), keeping the current one", async () => {
    const { c } = await setup();
    await transact(c, [{ 'db/ident': 'u/ssn', 'db/doc': 'social security number, old doc' }]);
    await transact(c, [{ 'db/ident': 'u/ssn', 'db/doc': 'social security number' }]);
    await transact(c, [['db.history.purge/before', new Date(Date.now() + 60_000)]]);
    expect(await values(c, 'db/doc')).toEqual(['social security number']);
    expect(await q('[:find ?d . :where [?e :db/ident :u/ssn] [?e :db/doc ?d]]', db(c))).toBe('social security number');
  });

  describe('composite tuples (db/tupleAttrs)', () => {
    const TUPLE = [
      { 'db/ident': 'k/a', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
      { 'db/ident': 'k/b', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
      {
        'db/ident': 'k/ab',
        'db/valueType': 'db.type/tuple',
        'db/tupleAttrs': ['k/a', 'k/b'],
        'db/cardinality': 'db.cardinality/one',
        'db/unique': 'db.unique/value',
      },
    ];
    const ofE = async (c: Connection, e: number) => (await q('[:find ?a ?v ?added :in $ ?e :where [?e ?a ?v _ ?added]]', history(db(c)), e)) as unknown[][];

    it('a purged member leaves no tuple holding it, current or past; the current tuple is what the other members make', async () => {
      const c = await fresh([TUPLE]);
      const e = (await transact(c, [{ 'db/id': 'x', 'k/a': 'SECRET-k', 'k/b': 1 }])).tempids.x!;
      await transact(c, [['db/add', e, 'k/b', 2]]); // ['SECRET-k', 1] is history now
      await transact(c, [['db.purge/attribute', e, 'k/a']]);
      expect(JSON.stringify(await ofE(c, e))).not.toContain('SECRET-k');
      expect(await q('[:find ?t . :in $ ?e :where [?e :k/ab ?t]]', db(c), e)).toEqual([null, 2]);
      await transact(c, [['db.purge/attribute', e, 'k/b']]); // no member left: no tuple
      expect(await ofE(c, e)).toEqual([]);
    });

    it('a history purge keeps the current tuple when its member value was asserted again later', async () => {
      const c = await fresh([TUPLE]);
      const e = (await transact(c, [{ 'db/id': 'x', 'k/a': 'v', 'k/b': 1 }])).tempids.x!;
      await transact(c, [['db/add', e, 'k/a', 'w']]); // ['v', 1] is history
      const again = (await transact(c, [['db/add', e, 'k/a', 'v']])).dbAfter.maxTx; // and current again
      await transact(c, [['db.history.purge/before', new Date(Date.now() + 86_400_000)]]);
      // the tuple asserted with the later 'v' is untouched: same value, same tx, no past left
      expect(await q('[:find ?t ?tx :in $ ?e :where [?e :k/ab ?t ?tx]]', db(c), e)).toEqual([[['v', 1], again]]);
      expect((await ofE(c, e)).sort()).toEqual([
        ['k/a', 'v', true],
        ['k/ab', ['v', 1], true],
        ['k/b', 1, true],
      ]);
    });

    it('a purged member without history leaves no tuple version holding it, the earlier ones too', async () => {
      const c = await fresh([TUPLE.map((a) => (a['db/ident'] === 'k/a' ? { ...a, 'db/noHistory': true } : a))]);
      const e = (await transact(c, [{ 'db/id': 'x', 'k/a': 'SECRET-k', 'k/b': 1 }])).tempids.x!;
      await transact(c, [['db/add', e, 'k/a', 'other']]); // k/a keeps no past; the tuple's history does
      await transact(c, [['db/add', e, 'k/a', 'SECRET-k']]);
      await transact(c, [['db/purge', e, 'k/a', 'SECRET-k']]);
      expect(JSON.stringify(await ofE(c, e))).not.toContain('SECRET-k');
      expect(await q('[:find ?t . :in $ ?e :where [?e :k/ab ?t]]', db(c), e)).toEqual([null, 1]);
    });

    it('a purge that would give a unique composite another entity’s value fails and changes nothing', async () => {
      const c = await fresh([TUPLE]);
      await transact(c, [{ 'k/b': 2 }]); // [null, 2]
      const e = (await transact(c, [{ 'db/id': 'x', 'k/a': 'a', 'k/b': 2 }])).tempids.x!;
      const before = await all(c);
      const err = await caught(transact(c, [['db.purge/attribute', e, 'k/a']]));
      expect(err.code).toBe('transact/unique');
      expect(err.message).toMatch(/purge would make k\/ab of entity \d+ \[null,2\]/);
      expect(await all(c)).toEqual(before);
    });
  });

  it('withDb purges speculatively', async () => {
    const { c, ann } = await setup();
    const r = await withDb(db(c), [['db.purge/entity', ann]]);
    expect(await datoms(r.dbAfter, 'eavt', ann)).toEqual([]);
    expect((await datoms(db(c), 'eavt', ann)).length).toBeGreaterThan(0);
  });
});

// The hitchhiker tree buffers removals in its branches (a removal message holds the datom): a
// commit that purges compacts each tree, so the same holds for it.
describe.each(['persistent-set', 'hitchhiker-tree'])('purge + GC on a file store (%s)', (index) => {
  it('leaves the value in no stored record, and the database still works after a restart', async () => {
    const config: Config = { store: { backend: 'file', id: `purge-gdpr-${index}`, path: dir }, branchingFactor: 8, index };
    await createDatabase(config);
    let c = await connect(config);
    await transact(c, SCHEMA);
    // enough data for several folds, so the secret sits in index nodes, the tail and history
    for (let i = 0; i < 12; i++) await transact(c, [{ 'u/email': `p${i}@x`, 'u/ssn': `ordinary-${i}` }]);
    await transact(c, [{ 'u/email': 'ann@x', 'u/ssn': 'SECRET-ann-0001' }]);
    for (let i = 12; i < 20; i++) await transact(c, [{ 'u/email': `p${i}@x`, 'u/ssn': `ordinary-${i}` }]);
    await transact(c, [{ 'u/email': 'ann@x', 'u/ssn': 'SECRET-ann-0002' }]); // the first is history now
    await transact(c, [{ 'u/email': 'ann@x', 'u/tag': ['x'] }]); // and the second in the tail
    expect(stored('SECRET-ann-0001').length).toBeGreaterThan(0);
    expect(stored('SECRET-ann-0002').length).toBeGreaterThan(0);

    await transact(c, [['db.purge/attribute', ['u/email', 'ann@x'], 'u/ssn']]);
    const gc = await gcStorage(c);
    expect(gc.deletedNodes).toBeGreaterThan(0);
    expect(stored('SECRET-ann-0001')).toEqual([]);
    expect(stored('SECRET-ann-0002')).toEqual([]);
    expect(stored('ordinary-3').length).toBeGreaterThan(0); // the rest is still there

    await release(c);
    c = await connect(config);
    expect(await q('[:find (count ?s) . :where [_ :u/ssn ?s]]', db(c))).toBe(20);
    expect(await q('[:find ?s :where [_ :u/ssn ?s _ _] [(clojure.string/starts-with? ?s "SECRET")]]', history(db(c)))).toEqual([]);
    expect(await q('[:find [?t ...] :where [?e :u/email "ann@x"] [?e :u/tag ?t]]', db(c))).toEqual(['x']);
    await transact(c, [{ 'u/email': 'ann@x', 'u/ssn': 'new' }]);
    await release(c);
  });
});

// A purge compacts each tree over the purged datoms only: on the hitchhiker tree, whose buffers
// and separators can hold them, the commit rewrites the paths to them, not the whole index.
describe('a purge on the hitchhiker tree', () => {
  const counts = newCounts();
  registerBackend('purge-counted', countingBackend(createMemoryBackend(), counts));

  it('rewrites the paths to the purged datoms, not the indexes', async () => {
    const config: Config = { store: { backend: 'purge-counted', id: 'purge-paths' }, index: 'hitchhiker-tree', branchingFactor: 8 };
    await createDatabase(config);
    const c = await connect(config);
    await transact(c, SCHEMA);
    await transact(
      c,
      Array.from({ length: 3_000 }, (_, i) => ({ 'u/email': `p${i}@x`, 'u/ssn': `ordinary-${i}` })),
    );
    for (let i = 0; i < 40; i++) await transact(c, [{ 'u/email': `p${i}@x`, 'u/tag': ['t'] }]); // buffers hold messages
    const stored = counts.nodesWritten;
    await transact(c, [['db.purge/entity', ['u/email', 'p1500@x']]]);
    const written = counts.nodesWritten - stored;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(stored / 10);
    expect(await q('[:find ?a ?v :where [?e :u/email "p1500@x" _ _] [?e ?a ?v _ _]]', history(db(c)))).toEqual([]);
    expect(await q('[:find (count ?e) . :where [?e :u/email]]', db(c))).toBe(2_999);
    await release(c);
  });
});
