// Attribute refs (`attributeRefs: true`, Datahike's `:attribute-refs?`), beyond the suites the
// `node (attribute refs)` project runs a second time in that mode (same scenarios, same answers):
// what is stored really carries attribute entity ids (the index sets, and the nodes read back
// from the store), the fixed system entities, naming an attribute by its id, a rename, restore
// from the transaction tail, import/export, and the errors.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  connect,
  createDatabase,
  datoms,
  db,
  entity,
  exportDb,
  history,
  importDb,
  indexRange,
  pull,
  q,
  release,
  schema,
  seekDatoms,
  transact,
  type Config,
  type Connection,
  type Datom,
} from '../src/index.js';
import type { DbValue } from '../src/db/db.js';
import { SYSTEM_IDENTS, SYSTEM_MAX_EID } from '../src/db/attr-refs.js';
import { attr, caught, MANY } from './conformance-helpers.js';
import { DATAHIKE_DUMP } from './fixtures/datahike-dump.js';

let n = 0;
const config = (extra: Record<string, unknown> = {}): Config =>
  ({ store: { backend: 'memory', id: `attr-refs-${n++}` }, attributeRefs: true, ...extra }) as Config;

const SCHEMA = [
  attr('p/email', 'string', { 'db/unique': 'db.unique/identity' }),
  attr('p/name', 'string'),
  attr('p/age', 'long', { 'db/index': true }),
  attr('p/friend', 'ref', MANY),
];
const PEOPLE = [
  { 'db/id': 'ann', 'p/email': 'ann@x', 'p/name': 'Ann', 'p/age': 31, 'p/friend': ['bob'] },
  { 'db/id': 'bob', 'p/email': 'bob@x', 'p/name': 'Bob', 'p/age': 42 },
];

async function open(cfg: Config, txs: readonly (readonly unknown[])[] = [SCHEMA, PEOPLE], options = {}): Promise<Connection> {
  await createDatabase(cfg);
  const conn = await connect(cfg, options);
  for (const t of txs) await transact(conn, t);
  return conn;
}

/** Every datom of one index set exactly as stored (no translation). */
async function raw(conn: Connection, index: 'eavt' | 'aevt' | 'avet' = 'eavt'): Promise<Datom[]> {
  return (db(conn) as DbValue).state[index].slice(undefined, undefined);
}

const idOf = async (conn: Connection, ident: string): Promise<number> => (await q(`[:find ?e . :where [?e :db/ident :${ident}]]`, db(conn))) as number;

describe('what is stored', () => {
  it('SYSTEM_MAX_EID is the number of system idents', () => {
    expect(SYSTEM_MAX_EID).toBe(SYSTEM_IDENTS.length);
  });

  it('every index holds attribute entity ids, never idents', async () => {
    const conn = await open(config());
    const email = await idOf(conn, 'p/email');
    expect(email).toBe(SYSTEM_MAX_EID + 1); // the first user entity
    for (const index of ['eavt', 'aevt', 'avet'] as const) {
      const ds = await raw(conn, index);
      expect(ds.length).toBeGreaterThan(0);
      for (const d of ds) expect(typeof d.a).toBe('number');
    }
    const stored = (await raw(conn, 'aevt')).filter((d) => d.v === 'ann@x');
    expect(stored.map((d) => d.a)).toEqual([email]);
    // read back through the API: the ident
    expect((await datoms(db(conn), 'aevt', 'p/email')).map((d) => [d.a, d.v])).toEqual([
      ['p/email', 'ann@x'],
      ['p/email', 'bob@x'],
    ]);
    await release(conn);
  });

  it('the nodes written to the store and read back cold hold the ids (also history)', async () => {
    const cfg = config();
    const conn = await open(cfg, [SCHEMA, PEOPLE], { tailDatoms: 0 }); // every commit writes the trees
    await transact(conn, [{ 'p/email': 'ann@x', 'p/name': 'Anna' }]);
    await release(conn);
    const cold = await connect(cfg, { shared: false });
    const st = (db(cold) as DbValue).state;
    const name = await idOf(cold, 'p/name');
    const current = await st.eavt.slice(undefined, undefined);
    const temporal = await st.temporal!.eavt.slice(undefined, undefined);
    expect(current.filter((d) => d.v === 'Anna').map((d) => d.a)).toEqual([name]);
    expect(temporal.filter((d) => d.v === 'Ann').map((d) => [d.a, d.added])).toEqual([
      [name, true],
      [name, false],
    ]);
    expect(await q('[:find ?n ?added :where [_ :p/name ?n _ ?added] [(= ?n "Ann")]]', history(db(cold)))).toEqual(
      expect.arrayContaining([
        ['Ann', true],
        ['Ann', false],
      ]),
    );
    await release(cold);
  });

  it('LMDB (its compact node encoding) stores and reads back the ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-attr-refs-'));
    try {
      const cfg = config({ store: { backend: 'lmdb', id: `attr-refs-lmdb-${n++}`, path: dir } });
      const conn = await open(cfg, [SCHEMA, PEOPLE], { tailDatoms: 0 });
      await release(conn);
      const cold = await connect(cfg, { shared: false });
      const age = await idOf(cold, 'p/age');
      expect((await raw(cold, 'avet')).filter((d) => d.v === 42).map((d) => d.a)).toEqual([age]);
      expect(await q('[:find ?n . :where [?e :p/age 42] [?e :p/name ?n]]', db(cold))).toBe('Bob');
      await release(cold);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a reconnect replays the transaction tail (schema and data in it) with the right ids', async () => {
    const cfg = config();
    const conn = await open(cfg); // the default tail: nothing folded yet
    await release(conn);
    const again = await connect(cfg, { shared: false });
    expect(await q('[:find ?n . :where [?e :p/email "bob@x"] [?e :p/name ?n]]', db(again))).toBe('Bob');
    const email = await idOf(again, 'p/email');
    expect((await raw(again, 'aevt')).filter((d) => d.v === 'bob@x').map((d) => d.a)).toEqual([email]);
    await release(again);
  });
});

describe('system entities', () => {
  it('have Datahike ids from the start; user entities begin after them', async () => {
    const conn = await open(config(), []);
    const d = db(conn);
    expect(d.maxEid).toBe(SYSTEM_MAX_EID);
    for (const [ident, id] of [
      ['db/ident', 1],
      ['db/valueType', 2],
      ['db/cardinality', 3],
      ['db/txInstant', 9],
      ['db.type/string', 26],
      ['db.unique/identity', 32],
      ['db/isComponent', 34],
      ['db/tupleAttrs', 37],
    ] as const) {
      expect(await idOf(conn, ident)).toBe(id);
    }
    expect(await pull(d, '[:db/ident :db/valueType :db/unique]', 1)).toEqual({
      'db/ident': ':db/ident',
      'db/valueType': ':db.type/keyword',
      'db/unique': ':db.unique/identity',
    });
    expect(await schema(d)).toEqual({}); // system attributes are not user schema
    const r = await transact(conn, [{ 'db/id': 'x', 'db/ident': 'p/x', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' }]);
    expect(r.tempids.x).toBe(SYSTEM_MAX_EID + 1);
    await release(conn);
  });

  it('cannot be changed; the database stays as it was', async () => {
    const conn = await open(config());
    const before = db(conn);
    for (const tx of [
      [['db/add', 1, 'db/doc', 'mine']],
      [['db/retract', 26, 'db/ident', ':db.type/string']],
      [{ 'db/ident': 'db/txInstant', 'db/doc': 'upserted onto a system entity' }],
      [['db/retractEntity', 9]],
    ]) {
      const e = await caught(transact(conn, tx));
      expect(e.code).toBe('schema/change');
      expect(e.message).toMatch(/system entity \d+ \(.+\) cannot be changed/);
      expect(db(conn)).toBe(before);
    }
    await release(conn);
  });
});

describe('naming an attribute by its entity id', () => {
  it('in q, datoms, seekDatoms and indexRange; results carry the ident', async () => {
    const conn = await open(config());
    const d = db(conn);
    const name = await idOf(conn, 'p/name');
    const age = await idOf(conn, 'p/age');
    expect(((await q(`[:find ?n :where [?e ${name} ?n]]`, d)) as string[][]).sort()).toEqual([['Ann'], ['Bob']]);
    expect(await q('[:find ?n . :in $ ?a :where [?e ?a ?n] [?e :p/email "bob@x"]]', d, 'p/name')).toBe('Bob');
    expect(await q('[:find ?n . :in $ ?a :where [?e ?a ?n] [?e :p/email "bob@x"]]', d, name)).toBe('Bob'); // an id bound from :in
    expect(await q('[:find ?n . :in $ ?a :where [?e ?a ?n]]', d, 99999)).toBeNull();
    expect((await datoms(d, 'aevt', name)).map((x) => [x.a, x.v])).toEqual([
      ['p/name', 'Ann'],
      ['p/name', 'Bob'],
    ]);
    expect((await datoms(d, 'avet', age, 42)).map((x) => x.a)).toEqual(['p/age']);
    expect((await seekDatoms(d, 'avet', age, 40)).slice(0, 1).map((x) => x.v)).toEqual([42]);
    expect((await indexRange(d, age as unknown as string, 30, 35)).map((x) => x.v)).toEqual([31]);
    expect(await q('[:find ?n . :where [?e 99999 ?n]]', d)).toBeNull(); // names no attribute: matches nothing
    await release(conn);
  });

  it('an id that is not an attribute in AVET is the usual error', async () => {
    const conn = await open(config());
    const name = await idOf(conn, 'p/name');
    const e = await caught(datoms(db(conn), 'avet', name));
    expect([e.code, e.message]).toEqual(['schema/invalid', expect.stringContaining('p/name')]);
    await release(conn);
  });
});

describe('renaming an attribute', () => {
  it('keeps its datoms (they hold its id): the new name reads them, the old one names nothing', async () => {
    const conn = await open(config());
    const id = await idOf(conn, 'p/name');
    await transact(conn, [['db/add', id, 'db/ident', ':p/full-name']]);
    const d = db(conn);
    expect(((await q('[:find ?n :where [_ :p/full-name ?n]]', d)) as string[][]).sort()).toEqual([['Ann'], ['Bob']]);
    expect(await q('[:find ?n . :where [_ :p/name ?n]]', d)).toBeNull();
    expect(await pull(d, '[:p/full-name]', ['p/email', 'ann@x'])).toEqual({ 'p/full-name': 'Ann' });
    const ann = await entity(d, ['p/email', 'ann@x']);
    expect(await ann!.get('p/full-name')).toBe('Ann');
    await release(conn);
  });
});

async function dump(conn: Connection): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await exportDb(db(conn), (c) => {
    parts.push(c);
  });
  return new Uint8Array(Buffer.concat(parts));
}
/** The user datoms of the history, order-free (one entity's attributes are in id order with attribute refs, by name without). */
const rows = async (conn: Connection): Promise<string[]> =>
  (await datoms(history(db(conn)), 'eavt'))
    .filter((d) => d.tx > 536870912)
    .map((d) => JSON.stringify([d.e, d.a, d.v, d.tx, d.added]))
    .sort();

describe('import and export', () => {
  it('an export has no system datoms and imports into a database with or without attribute refs', async () => {
    const src = await open(config());
    await transact(src, [{ 'p/email': 'ann@x', 'p/age': 32 }]);
    const bytes = await dump(src);
    for (const attributeRefs of [true, false]) {
      const dst = await open(config({ attributeRefs }), []);
      await importDb(dst, bytes);
      expect(await rows(dst)).toEqual(await rows(src));
      expect(Buffer.from(await dump(dst)).equals(Buffer.from(bytes))).toBe(true);
      expect(await q('[:find ?a . :where [?e :p/email "ann@x"] [?e :p/age ?a]]', db(dst))).toBe(32);
      await release(dst);
    }
    await release(src);
  });

  it('a dump using the system ids (any database without attribute refs) is refused, changing nothing', async () => {
    const dst = await open(config(), []);
    const before = db(dst);
    const e = await caught(importDb(dst, DATAHIKE_DUMP));
    expect(e.code).toBe('migrate/format');
    expect(e.message).toMatch(/reserves for its system schema/);
    expect(db(dst)).toBe(before);
    await release(dst);
  });
});
