// Conformance: docs/api.md's data conventions and value types, end to end through the public API
// (memory backend, plus one file-backend reconnect). Attributes are colon-less on output and
// accept a leading colon on input; keyword values come out as ':ns/name'; every value type
// round-trips through transact -> datoms / pull / q, and through the store codec.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CairnError,
  connect,
  createDatabase,
  datoms,
  db,
  kw,
  pull,
  q,
  release,
  reverseSchema,
  schema,
  transact,
  type Connection,
  type Datom,
} from '../src/index.js';
import { attr as one, byName, caught, eid, fresh } from './conformance-helpers.js';

/** [e, a, v] of the user datoms (no tx entity, no schema) in EAVT order (by name within an entity). */
async function userFacts(c: Connection): Promise<[number, string, unknown][]> {
  const ds = await datoms(db(c), 'eavt');
  const rows = ds.filter((d) => d.e < 536870913 && !d.a.startsWith('db/')).map((d): [number, string, unknown] => [d.e, d.a, d.v]);
  return byName(rows, (r) => `${String(r[0]).padStart(12)} ${r[1]}`);
}

const STATUS = [
  one('person/email', 'string', { 'db/unique': 'db.unique/identity' }),
  one('person/status', 'keyword'),
  one('person/friend', 'ref', { 'db/cardinality': 'db.cardinality/many' }),
];

describe('attributes are colon-less on output, a leading colon is accepted on input', () => {
  const writes: [string, readonly unknown[]][] = [
    ['map keys', [{ ':person/email': 'a@x', ':person/status': 'status/on' }]],
    [
      'list op attribute',
      [
        ['db/add', -1, ':person/email', 'a@x'],
        [':db/add', -1, 'person/status', ':status/on'],
      ],
    ],
    ['schema map keys and enum values', [{ 'person/email': 'a@x', 'person/status': ':status/on' }]],
  ];
  for (const [name, tx] of writes) {
    it(name, async () => {
      const c = await fresh([STATUS]);
      const r = await transact(c, tx);
      for (const d of r.txData) expect(d.a.startsWith(':')).toBe(false);
      expect(await userFacts(c)).toEqual([
        [eid(4), 'person/email', 'a@x'],
        [eid(4), 'person/status', ':status/on'],
      ]);
      expect(await pull(db(c), '[*]', [':person/email', 'a@x'])).toEqual({ 'db/id': eid(4), 'person/email': 'a@x', 'person/status': ':status/on' });
      expect(await pull(db(c), [':person/status', 'db/id'], ['person/email', 'a@x'])).toEqual({ 'db/id': eid(4), 'person/status': ':status/on' });
      expect((await datoms(db(c), 'aevt', ':person/email')).map((d) => d.a)).toEqual(['person/email']);
    });
  }

  it('schema() keys attributes colon-less and prints keyword-valued fields with a colon', async () => {
    const c = await fresh([
      [{ ':db/ident': ':person/email', ':db/valueType': ':db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' }],
    ]);
    expect(await schema(db(c))).toEqual({
      'person/email': {
        'db/ident': ':person/email',
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
        'db/unique': ':db.unique/identity',
      },
    });
    const schemaDatoms = (await datoms(db(c), 'eavt', eid(1))).map((d) => [d.a, d.v]);
    expect(byName(schemaDatoms)).toEqual([
      ['db/cardinality', ':db.cardinality/one'],
      ['db/ident', ':person/email'],
      ['db/unique', ':db.unique/identity'],
      ['db/valueType', ':db.type/string'],
    ]);
  });

  it('reverseSchema groups colon-less attributes under colon-less property names', async () => {
    const c = await fresh([STATUS]);
    const rs = await reverseSchema(db(c));
    expect(rs['db/ident']).toEqual(['person/email', 'person/friend', 'person/status']);
    expect(rs['db.unique/identity']).toEqual(['person/email']);
    expect(rs['db.cardinality/many']).toEqual(['person/friend']);
    expect(rs['db.type/ref']).toEqual(['person/friend']);
  });

  it('EDN text uses the colon form of the same attributes', async () => {
    const c = await fresh([STATUS]);
    await transact(c, '[{:person/email "a@x" :person/status :status/on}]');
    expect(await q('[:find ?s . :where [?e :person/email "a@x"] [?e :person/status ?s]]', db(c))).toBe(':status/on');
    expect(await pull(db(c), '[:person/email :person/status]', eid(4))).toEqual({ 'person/email': 'a@x', 'person/status': ':status/on' });
  });
});

describe('keyword values', () => {
  it('under a keyword attribute the colon is optional on input and always present on output', async () => {
    const c = await fresh([STATUS]);
    await transact(c, [
      { 'person/email': 'a@x', 'person/status': 'status/on' },
      { 'person/email': 'b@x', 'person/status': ':status/on' },
    ]);
    const ds = await datoms(db(c), 'aevt', 'person/status');
    expect(ds.map((d) => d.v)).toEqual([':status/on', ':status/on']);
    expect(await q('[:find [?m ...] :where [?e :person/status :status/on] [?e :person/email ?m]]', db(c))).toEqual(expect.arrayContaining(['a@x', 'b@x']));
    expect(await q('[:find [?m ...] :in $ ?s :where [?e :person/status ?s] [?e :person/email ?m]]', db(c), ':status/on')).toHaveLength(2);
  });

  it("kw() marks a keyword where the schema cannot tell (schemaFlexibility 'read')", async () => {
    expect(kw('status/on')).toBe(':status/on');
    expect(kw(':status/on')).toBe(':status/on');
    const c = await fresh([], { schemaFlexibility: 'read' });
    await transact(c, [{ 'x/kw': kw('status/on'), 'x/str': 'status/on' }]);
    expect(await pull(db(c), '[*]', 1)).toEqual({ 'db/id': 1, 'x/kw': ':status/on', 'x/str': 'status/on' });
    expect(await q('[:find ?e . :where [?e :x/kw :status/on]]', db(c))).toBe(1);
    expect(await q('[:find ?e . :where [?e :x/str "status/on"]]', db(c))).toBe(1);
  });

  it('kw() rejects an empty name', () => {
    expect(() => kw('')).toThrow(CairnError);
  });
});

// attribute, type, value written, value read back (null: same as written)
const TYPES: [string, string, unknown, unknown][] = [
  ['v/string', 'string', 'héllo ✓ "quoted"', null],
  ['v/long', 'long', -(2 ** 53 - 1), null],
  ['v/longbig', 'long', 2n ** 60n, null],
  ['v/longbignum', 'long', 2 ** 60, 2n ** 60n],
  ['v/double', 'double', -0.5, null],
  ['v/float', 'float', 1.25, null],
  ['v/bigint', 'bigint', -(10n ** 30n), null],
  ['v/bigintsmall', 'bigint', 5, 5n],
  ['v/boolean', 'boolean', false, null],
  ['v/instant', 'instant', new Date(Date.UTC(2020, 1, 29, 12, 0, 0, 7)), null],
  ['v/uuid', 'uuid', '550E8400-E29B-41D4-A716-446655440000', '550e8400-e29b-41d4-a716-446655440000'],
  ['v/bytes', 'bytes', new Uint8Array([0, 255, 7]), null],
  ['v/keyword', 'keyword', 'k/w', ':k/w'],
  ['v/number', 'number', 3.5, null],
];
const TUPLE_SCHEMA = [
  one('v/het', 'tuple', { 'db/tupleTypes': ['db.type/string', 'db.type/long', 'db.type/keyword'] }),
  one('v/hom', 'tuple', { 'db/tupleType': 'db.type/double' }),
];
const TUPLES: [string, unknown, unknown][] = [
  ['v/het', ['s', 3, 'k/w'], ['s', 3, ':k/w']],
  ['v/hom', [1.5, 2.5, -1], [1.5, 2.5, -1]],
];
const VALUE_SCHEMA = [one('v/id', 'string', { 'db/unique': 'db.unique/identity' }), ...TYPES.map(([a, t]) => one(a, t)), ...TUPLE_SCHEMA, one('v/ref', 'ref')];
function entityOf(id: string): Record<string, unknown> {
  const m: Record<string, unknown> = { 'v/id': id };
  for (const [a, , v] of TYPES) m[a] = v;
  for (const [a, v] of TUPLES) m[a] = v;
  return m;
}
function expected(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [a, , v, back] of TYPES) out.set(a, back ?? v);
  for (const [a, , back] of TUPLES) out.set(a, back);
  return out;
}

async function checkValues(c: Connection): Promise<void> {
  const want = expected();
  const p = await pull(db(c), '[*]', ['v/id', 'x']);
  expect(p).not.toBeNull();
  for (const [a, v] of want) expect([a, p![a]]).toEqual([a, v]);
  expect(p!['v/instant']).toBeInstanceOf(Date);
  expect(p!['v/bytes']).toBeInstanceOf(Uint8Array);
  expect(typeof p!['v/bigint']).toBe('bigint');
  const e = p!['db/id'] as number;
  const ds = await datoms(db(c), 'eavt', e);
  for (const [a, v] of want) expect([a, ds.find((d: Datom) => d.a === a)?.v]).toEqual([a, v]);
  // each value finds its entity again when bound as a query input
  for (const [a, v] of want) {
    expect([a, await q(`[:find ?e . :in $ ?v :where [?e :${a} ?v]]`, db(c), v)]).toEqual([a, e]);
  }
  const y = await pull(db(c), '[:v/id {:v/ref [:v/id]}]', ['v/id', 'y']);
  expect(y).toEqual({ 'v/id': 'y', 'v/ref': { 'v/id': 'x' } });
}

describe('every value type round-trips through transact -> pull / datoms / q', () => {
  it('memory backend', async () => {
    const c = await fresh([VALUE_SCHEMA, [entityOf('x'), { 'v/id': 'y', 'v/ref': ['v/id', 'x'] }]]);
    await checkValues(c);
  });

  const dir = mkdtempSync(join(tmpdir(), 'cairn-conformance-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('file backend, after release and reconnect (values survive the codec)', async () => {
    const config = { store: { backend: 'file', id: 'values', path: dir } };
    await createDatabase(config);
    const c1 = await connect(config);
    await transact(c1, VALUE_SCHEMA);
    await transact(c1, [entityOf('x'), { 'v/id': 'y', 'v/ref': ['v/id', 'x'] }]);
    await release(c1);
    const c2 = await connect(config);
    await checkValues(c2);
    await release(c2);
  });
});

describe('tuples', () => {
  const SCHEMA = [
    one('a/street', 'string'),
    one('a/city', 'string'),
    one('a/zip', 'long'),
    one('a/key', 'tuple', { 'db/tupleAttrs': ['a/street', 'a/city'], 'db/unique': 'db.unique/identity' }),
    ...TUPLE_SCHEMA,
  ];

  it('a composite tuple is kept in sync with its members and retracted when all are gone', async () => {
    const c = await fresh([SCHEMA]);
    const r1 = await transact(c, [{ 'db/id': 'a', 'a/street': 'Main 1' }]);
    const e = r1.tempids.a!;
    expect(r1.txData.slice(1).map((d) => [d.e, d.a, d.v, d.added])).toEqual([
      [e, 'a/street', 'Main 1', true],
      [e, 'a/key', ['Main 1', null], true],
    ]);
    const r2 = await transact(c, [['db/add', e, 'a/city', 'Oslo']]);
    expect(r2.txData.slice(1).map((d) => [d.a, d.v, d.added])).toEqual([
      ['a/city', 'Oslo', true],
      ['a/key', ['Main 1', null], false],
      ['a/key', ['Main 1', 'Oslo'], true],
    ]);
    await transact(c, [
      ['db/retract', e, 'a/street', 'Main 1'],
      ['db/retract', e, 'a/city', 'Oslo'],
    ]);
    expect(await userFacts(c)).toEqual([]);
  });

  it('a composite identity works as a lookup ref and upserts (by members or by the tuple itself)', async () => {
    const c = await fresh([SCHEMA]);
    const e = (await transact(c, [{ 'db/id': 'a', 'a/street': 'Main 1', 'a/city': 'Oslo' }])).tempids.a!;
    expect(await pull(db(c), '[:a/street]', ['a/key', ['Main 1', 'Oslo']])).toEqual({ 'a/street': 'Main 1' });
    await transact(c, [['db/add', ['a/key', ['Main 1', 'Oslo']], 'a/zip', 150]]);
    const byMembers = await transact(c, [{ 'db/id': 'm', 'a/street': 'Main 1', 'a/city': 'Oslo', 'a/zip': 151 }]);
    expect(byMembers.tempids.m).toBe(e);
    const byTuple = await transact(c, [{ 'db/id': 't', 'a/key': ['Main 1', 'Oslo'], 'a/zip': 152 }]);
    expect(byTuple.tempids.t).toBe(e);
    expect(await userFacts(c)).toEqual([
      [e, 'a/city', 'Oslo'],
      [e, 'a/key', ['Main 1', 'Oslo']],
      [e, 'a/street', 'Main 1'],
      [e, 'a/zip', 152],
    ]);
    expect(await q('[:find ?z . :where [?e :a/key ["Main 1" "Oslo"]] [?e :a/zip ?z]]', db(c))).toBe(152);
  });

  it('composite slots follow the member types on input: keyword colon optional, uuid any case', async () => {
    const c = await fresh([
      [
        one('k/kind', 'keyword'),
        one('k/id', 'uuid'),
        one('k/key', 'tuple', { 'db/tupleAttrs': ['k/kind', 'k/id'], 'db/unique': 'db.unique/identity' }),
        one('k/n', 'long'),
      ],
    ]);
    const U = '550E8400-E29B-41D4-A716-446655440000';
    const e = (await transact(c, [{ 'db/id': 'x', 'k/kind': 'a/b', 'k/id': U }])).tempids.x!;
    expect(await pull(db(c), '[:k/key]', e)).toEqual({ 'k/key': [':a/b', U.toLowerCase()] });
    for (const ref of [
      ['k/key', ['a/b', U]],
      ['k/key', [':a/b', U.toLowerCase()]],
    ] as const) {
      expect(await pull(db(c), '[:db/id]', ref)).toEqual({ 'db/id': e });
    }
    await transact(c, [['db/add', ['k/key', ['a/b', U]], 'k/n', 1]]);
    expect((await transact(c, [{ 'db/id': 'u', 'k/key': ['a/b', U], 'k/n': 2 }])).tempids.u).toBe(e);
  });

  const bad: [string, readonly unknown[], string, RegExp][] = [
    [
      'composite written with another value',
      [{ 'a/street': 'S', 'a/city': 'C', 'a/key': ['S', 'X'] }],
      'transact/tuple',
      /can't modify tuple attrs directly: a\/key/,
    ],
    ['composite alone', [{ 'a/key': ['S', 'C'] }], 'transact/tuple', /can't modify tuple attrs directly: a\/key/],
    ['heterogeneous slot of the wrong type', [{ 'v/het': ['s', 'x', 'k/w'] }], 'schema/type', /"x" of attribute v\/het/],
    ['heterogeneous wrong arity', [{ 'v/het': ['s', 3] }], 'transact/tuple', /v\/het/],
    ['homogeneous slot of the wrong type', [{ 'v/hom': [1, 'x'] }], 'schema/type', /"x" of attribute v\/hom/],
    ['homogeneous with more than 8 elements', [{ 'v/hom': [1, 2, 3, 4, 5, 6, 7, 8, 9] }], 'transact/tuple', /more than 8/],
  ];
  for (const [name, tx, code, msg] of bad) {
    it(`rejects ${name}, changing nothing`, async () => {
      const c = await fresh([SCHEMA, [{ 'a/street': 'Main 1', 'a/city': 'Oslo' }]]);
      const before = await datoms(db(c), 'eavt');
      const err = await caught(transact(c, tx));
      expect([err.code, err.message]).toEqual([code, expect.stringMatching(msg)]);
      expect(await datoms(db(c), 'eavt')).toEqual(before);
    });
  }
});

describe('values of the wrong type are rejected with the value and attribute named', () => {
  const cases: [string, unknown, RegExp][] = [
    ['v/long', 1.5, /1\.5 of attribute v\/long/],
    ['v/long', '1', /"1" of attribute v\/long/],
    ['v/uuid', 'not-a-uuid', /"not-a-uuid" of attribute v\/uuid/],
    ['v/boolean', 'true', /"true" of attribute v\/boolean/],
    ['v/instant', '2020-01-01', /"2020-01-01" of attribute v\/instant/],
    ['v/string', 5, /5 of attribute v\/string/],
    ['v/bytes', [1, 2], /of attribute v\/bytes/],
    ['v/ref', true, /true/],
    ['v/ref', 1.5, /1\.5/],
  ];
  for (const [a, v, msg] of cases) {
    it(`${a} <- ${JSON.stringify(v)}`, async () => {
      const c = await fresh([VALUE_SCHEMA]);
      const before = await datoms(db(c), 'eavt');
      const err = await caught(transact(c, [{ 'v/id': 'x', [a]: v }]));
      expect(err.message).toMatch(msg);
      expect(err.code).toMatch(/^(schema|transact)\//);
      expect(JSON.parse(JSON.stringify(err.data))).toEqual(err.data);
      expect(await datoms(db(c), 'eavt')).toEqual(before);
    });
  }
});

describe('nested arrays under schema-on-read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-nested-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const nested = (levels: number, inner: unknown = 1): unknown => {
    let v = inner;
    for (let i = 0; i < levels; i++) v = [v];
    return v;
  };

  it('256 levels are stored, retracted, survive a reconnect and are found by value; 257 are refused, changing nothing', async () => {
    const config = { store: { backend: 'file', id: 'nested', path: dir }, schemaFlexibility: 'read' as const };
    await createDatabase(config);
    const c1 = await connect(config);
    await transact(c1, [
      { 'db/id': -1, 'n/id': 'deep', 'n/v': nested(256) },
      { 'db/id': -2, 'n/id': 'other', 'n/v': nested(256, 2) },
    ]);
    const before = await datoms(db(c1), 'eavt');
    for (const levels of [257, 20_000]) {
      const err = await caught(transact(c1, [{ 'n/id': 'too-deep', 'n/v': nested(levels) }]));
      expect(err.code).toBe('schema/type');
      expect(err.message).toMatch(/nested more than 256 deep/);
    }
    expect(await datoms(db(c1), 'eavt')).toEqual(before);
    await release(c1);
    const c2 = await connect(config);
    const e = await q('[:find ?e . :in $ ?v :where [?e :n/v ?v]]', db(c2), nested(256));
    expect(await q('[:find ?id . :in $ ?e :where [?e :n/id ?id]]', db(c2), e)).toBe('deep');
    await transact(c2, [['db/retract', e, 'n/v', nested(256)]]);
    expect(await q('[:find ?v . :in $ ?e :where [?e :n/v ?v]]', db(c2), e)).toBe(null);
    await release(c2);
  });
});

describe('a lookup ref or query value that is not a value finds nothing', () => {
  it('an object or a Map does not match a stored array', async () => {
    const c = await fresh([[{ 'db/ident': 'k/id', 'db/unique': 'db.unique/identity' }]], { schemaFlexibility: 'read' });
    await transact(c, [{ 'k/id': [1, 2], 'k/n': 'a' }]);
    for (const v of [{ a: 1 }, new Map([[1, 2]])]) {
      expect((await caught(pull(db(c), '[*]', ['k/id', v] as never))).code).toBe('pull/lookup-ref');
      expect(await q('[:find ?n . :in $ ?e :where [?e :k/n ?n]]', db(c), ['k/id', v])).toBe(null);
      expect(await q('[:find ?e . :in $ ?v :where [?e :k/id ?v]]', db(c), v)).toBe(null);
    }
    expect(await q('[:find ?n . :in $ ?e :where [?e :k/n ?n]]', db(c), ['k/id', [1, 2]])).toBe('a');
  });
});

describe('a number and a bigint of the same value are one value in queries, as in the indexes', () => {
  it('joins, =, distinct and the result set agree', async () => {
    const c = await fresh([[one('n/long', 'long'), one('n/big', 'bigint'), one('n/tag', 'string')]]);
    await transact(c, [
      { 'db/id': -1, 'n/long': 5, 'n/tag': 'a' },
      { 'db/id': -2, 'n/big': 5n, 'n/tag': 'a' },
      { 'db/id': -3, 'n/big': 2n ** 70n, 'n/tag': 'b' },
      { 'db/id': -4, 'n/long': 2 ** 60, 'n/tag': 'b' },
      { 'db/id': -5, 'n/big': 2n ** 60n, 'n/tag': 'b' },
    ]);
    const d = db(c);
    const byJoin = await q('[:find ?l ?b :where [?l :n/long ?v] [?b :n/big ?v]]', d);
    const byEq = await q('[:find ?l ?b :where [?l :n/long ?v] [?b :n/big ?w] [(= ?v ?w)]]', d);
    expect(byJoin).toHaveLength(2); // 5 with 5n, 2^60 with 2^60n (beyond the safe integers)
    expect(new Set((byJoin as number[][]).map(String))).toEqual(new Set((byEq as number[][]).map(String)));
    // two join columns (a pair key) and three (a string key)
    expect(await q('[:find ?l ?b :where [?l :n/long ?v] [?l :n/tag ?t] [?b :n/big ?v] [?b :n/tag ?t]]', d)).toHaveLength(2);
    expect(await q('[:find ?l ?b :in $ [[?v ?t ?x]] :where [?l :n/long ?v] [?l :n/tag ?t] [?b :n/big ?v] [?b :n/tag ?t]]', d, [[5n, 'a', 1]])).toHaveLength(1);
    expect(await q('[:find (count-distinct ?v) . :where (or [_ :n/long ?v] [_ :n/big ?v])]', d)).toBe(3);
    expect(await q('[:find ?v :where (or [_ :n/long ?v] [_ :n/big ?v])]', d)).toHaveLength(3);
    expect(await q('[:find [?x ...] :in [?x ...] ?y :where [(= ?x ?y)]]', [1.5, Number.NaN, 1], 1n)).toEqual([1]);
  });
});

describe('the database owns what it stores', () => {
  it('a Date reused and mutated across transactions keeps each stored value and the index order', async () => {
    const c = await fresh([[one('e/n', 'long', { 'db/unique': 'db.unique/identity' }), one('e/at', 'instant', { 'db/index': true }), one('e/b', 'bytes')]]);
    const d = new Date(Date.UTC(2024, 0, 1));
    const b = new Uint8Array([0]);
    for (let n = 0; n < 5; n++) {
      await transact(c, [{ 'e/n': n, 'e/at': d, 'e/b': b }]);
      d.setUTCDate(d.getUTCDate() + 1);
      b[0] = n + 1;
    }
    const rows = (await q('[:find ?n ?at ?b :where [?e :e/n ?n] [?e :e/at ?at] [?e :e/b ?b]]', db(c))) as [number, Date, Uint8Array][];
    expect([...rows].sort((x, y) => x[0] - y[0]).map(([n, at, by]) => [n, at.toISOString().slice(0, 10), by[0]])).toEqual([
      [0, '2024-01-01', 0],
      [1, '2024-01-02', 1],
      [2, '2024-01-03', 2],
      [3, '2024-01-04', 3],
      [4, '2024-01-05', 4],
    ]);
    const avet = await datoms(db(c), 'avet', 'e/at');
    expect(avet.map((x) => (x.v as Date).getTime())).toEqual([...avet.map((x) => (x.v as Date).getTime())].sort((x, y) => x - y));
  });
});
