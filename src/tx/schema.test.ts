import { describe, expect, it } from 'vitest';
import { reverseSchemaOf, schemaOf } from '../db/introspect.js';
import { emptyDb } from '../db/parts.js';
import { attr, dbWith, expectError, facts, rows, tx } from './test-util.js';

const UUID = '6BA7B810-9DAD-11D1-80B4-00C04FD430C8';

describe('value types (schemaFlexibility write)', () => {
  // [type, accepted input, stored value, rejected input]
  const table: [string, unknown, unknown, unknown][] = [
    ['string', 'x', 'x', 1],
    ['keyword', 'status/active', ':status/active', 3],
    ['keyword', ':status/active', ':status/active', true],
    ['symbol', 'foo', 'foo', 1],
    ['boolean', false, false, 'false'],
    ['long', 42, 42, 1.5],
    ['long', 2n ** 60n, 2n ** 60n, 'x'],
    ['long', 7n, 7, NaN],
    ['long', -(2n ** 63n), -(2n ** 63n), 2n ** 63n],
    ['long', 2n ** 63n - 1n, 2n ** 63n - 1n, -(2n ** 63n) - 1n],
    ['long', 2 ** 62, 2n ** 62n, 2 ** 64],
    ['bigint', 5, 5n, 1.5],
    ['double', 1.5, 1.5, '1.5'],
    ['float', 2, 2, NaN],
    ['bigdec', 2.25, 2.25, 'x'],
    ['number', 3n, 3n, '3'],
    ['instant', new Date(5), new Date(5), 5],
    ['uuid', UUID, UUID.toLowerCase(), 'not-a-uuid'],
    ['bytes', new Uint8Array([1]), new Uint8Array([1]), [1]],
  ];
  for (const [type, input, stored, bad] of table) {
    it(`${type}: accepts ${String(input)}, rejects ${String(bad)}`, async () => {
      const db = await dbWith([attr('x/v', type)]);
      const r = await tx(db, [{ 'x/v': input }]);
      expect(rows(r.txData)).toEqual([[2, 'x/v', stored, true]]);
      await expectError(tx(db, [{ 'x/v': bad }]), 'schema/type', new RegExp(`attribute x/v is not a valid db\\.type/${type}`));
    });
  }

  it('nil values are rejected', async () => {
    const db = await dbWith([attr('x/v', 'string')]);
    await expectError(tx(db, [{ 'x/v': null }]), 'transact/nil-value', /cannot store nil as the value of x\/v/);
    await expectError(tx(db, [['db/add', -1, 'x/v', undefined]]), 'transact/nil-value', /x\/v/);
  });

  it('undeclared attributes are rejected under write, accepted under read', async () => {
    await expectError(tx(await dbWith([]), [{ 'foo/bar': 1 }]), 'schema/unknown-attribute', /attribute foo\/bar is not defined in the current schema/);
    const r = await tx(await dbWith([], undefined, { schemaFlexibility: 'read' }), [{ 'foo/bar': 1, 'foo/baz': [1, 'x'] }]);
    expect(await facts(r.dbAfter)).toEqual([
      [1, 'foo/bar', 1],
      [1, 'foo/baz', [1, 'x']],
    ]);
  });

  it('schema-on-read takes any value of the data conventions for an undeclared attribute, and refuses what has no place in the index order', async () => {
    const db = await dbWith([], undefined, { schemaFlexibility: 'read' });
    const at = new Date(5);
    const bytes = new Uint8Array([1, 2]);
    const r = await tx(db, [{ 'u/v': ['s', 1.5, -0, 2n ** 70n, true, at, bytes, [null, undefined, [1]]] }]);
    const stored = ((await facts(r.dbAfter)) as [number, string, unknown[]][])[0]![2];
    expect(stored).toEqual(['s', 1.5, -0, 2n ** 70n, true, new Date(5), new Uint8Array([1, 2]), [null, null, [1]]]);
    expect(stored[5]).not.toBe(at); // copies: the caller's Date and bytes stay theirs
    expect(stored[6]).not.toBe(bytes);
    for (const bad of [
      new Map([[1, 2]]),
      () => 1,
      Symbol('s'),
      [{ a: 1 }],
      [new Set([1])],
      new Date(Number.NaN),
      [new Date(Number.NaN)],
      [Number.NaN],
      [[Number.NaN]],
    ]) {
      await expectError(tx(db, [['db/add', -1, 'u/v', bad]]), 'schema/type', /of attribute u\/v is not a valid value/);
    }
  });

  it('a Set is several values only for a card-many attribute; for a card-one one it is a value of the wrong type', async () => {
    const db = await dbWith([attr('x/one', 'long'), attr('x/many', 'long', { many: true })]);
    await expectError(tx(db, [{ 'x/one': new Set([1, 2]) }]), 'schema/type', /value #Set\{1,2\} of attribute x\/one is not a valid db.type\/long/);
    const r = await tx(db, [{ 'db/id': -1, 'x/many': new Set([1, 2]) }]);
    expect((await facts(r.dbAfter)).map(([, a, v]) => [a, v])).toEqual([
      ['x/many', 1],
      ['x/many', 2],
    ]);
  });

  it('schema-on-read still honours partial declarations (card-many, unique, ref)', async () => {
    const db = await dbWith(
      [
        { 'db/ident': 'p/tags', 'db/cardinality': 'db.cardinality/many' },
        { 'db/ident': 'p/id', 'db/unique': 'db.unique/identity' },
      ],
      undefined,
      { schemaFlexibility: 'read' },
    );
    const r = await tx(db, [
      { 'p/id': 1, 'p/tags': ['a', 'b'] },
      { 'p/id': 1, 'p/tags': 'c' },
    ]);
    expect(await facts(r.dbAfter)).toEqual([
      [3, 'p/id', 1],
      [3, 'p/tags', 'a'],
      [3, 'p/tags', 'b'],
      [3, 'p/tags', 'c'],
    ]);
  });
});

describe('schema declaration', () => {
  it('schema entities are ordinary entities; values with or without colon', async () => {
    const db = await dbWith([
      { 'db/ident': 'a/one', 'db/valueType': ':db.type/string', 'db/cardinality': ':db.cardinality/one', 'db/doc': 'first' },
      { 'db/ident': ':a/two', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many', 'db/isComponent': true },
    ]);
    expect(await db.entid(':a/one')).toBe(1);
    expect(schemaOf(db)).toEqual({
      'a/one': { 'db/ident': ':a/one', 'db/valueType': ':db.type/string', 'db/cardinality': ':db.cardinality/one', 'db/doc': 'first' },
      'a/two': { 'db/ident': ':a/two', 'db/valueType': ':db.type/ref', 'db/cardinality': ':db.cardinality/many', 'db/isComponent': true },
    });
    expect(reverseSchemaOf(db)).toEqual({
      'db/ident': ['a/one', 'a/two'],
      'db.cardinality/many': ['a/two'],
      'db.type/ref': ['a/two'],
      'db/index': ['a/two'],
      'db/isComponent': ['a/two'],
    });
  });

  it("Datomic's db.install/_attribute key is accepted and ignored", async () => {
    const db = await dbWith([{ ...attr('a/x', 'long'), 'db.install/_attribute': 'db.part/db' }]);
    expect(db.schema.attrs.get('a/x')?.valueType).toBe('db.type/long');
  });

  it('schema and data in one tx', async () => {
    const r = await tx(await dbWith([]), [attr('n/x', 'long', { many: true }), { 'n/x': [1, 2] }]);
    expect(await facts(r.dbAfter)).toEqual([
      [2, 'n/x', 1],
      [2, 'n/x', 2],
    ]);
  });

  it('re-installing the same schema is a no-op', async () => {
    const db = await dbWith();
    const r = await tx(db, [attr('person/name', 'string'), attr('person/age', 'long', { index: true })]);
    expect(rows(r.txData)).toEqual([]);
  });

  const invalid: [string, unknown[], RegExp][] = [
    ['missing cardinality', [{ 'db/ident': 'x/a', 'db/valueType': 'db.type/string' }], /incomplete schema for x\/a/],
    ['missing valueType', [{ 'db/ident': 'x/a', 'db/cardinality': 'db.cardinality/one' }], /incomplete schema for x\/a/],
    [
      'unknown valueType',
      [{ 'db/ident': 'x/a', 'db/valueType': 'db.type/nope', 'db/cardinality': 'db.cardinality/one' }],
      /"db.type\/nope" is not a valid value of db\/valueType/,
    ],
    ['isComponent on a non-ref', [attr('x/a', 'string', { isComponent: true })], /db\/isComponent on x\/a requires db.type\/ref/],
    ['reserved namespace', [attr('db/mine', 'string')], /ident db\/mine uses the reserved db namespace/],
    ['tuple without definition', [attr('x/t', 'tuple')], /needs exactly one of db\/tupleAttrs/],
    ['tupleAttrs naming an unknown attribute', [attr('x/t', 'tuple', { tupleAttrs: ['x/nope', 'x/no2'] })], /names undeclared attribute x\/nope/],
  ];
  for (const [name, data, msg] of invalid) {
    it(`rejects ${name}`, async () => {
      await expectError(tx(await dbWith([]), data), 'schema/invalid', msg);
    });
  }
});

describe('schema changes (checked on the resulting state)', () => {
  const data = [
    { 'person/name': 'A', 'person/nick': ['x', 'y'], 'person/email': 'a@x' },
    { 'person/name': 'B', 'person/nick': 'z' },
  ];
  const rowsTable: [string, unknown[], 'ok' | RegExp][] = [
    ['doc change', [{ 'db/ident': 'person/name', 'db/doc': 'Name' }], 'ok'],
    ['noHistory change', [{ 'db/ident': 'person/name', 'db/noHistory': true }], 'ok'],
    ['one -> many', [{ 'db/ident': 'person/name', 'db/cardinality': 'db.cardinality/many' }], 'ok'],
    [
      'one -> many on a unique attribute',
      [{ 'db/ident': 'person/email', 'db/cardinality': 'db.cardinality/many' }],
      /person\/email cannot be unique and cardinality many/,
    ],
    [
      'many -> one with several values',
      [{ 'db/ident': 'person/nick', 'db/cardinality': 'db.cardinality/one' }],
      /cannot change person\/nick to cardinality one/,
    ],
    ['valueType change on used attribute', [{ 'db/ident': 'person/name', 'db/valueType': 'db.type/long' }], /cannot change db\/valueType of person\/name/],
    ['valueType change on unused attribute', [{ 'db/ident': 'person/ssn', 'db/valueType': 'db.type/long' }], 'ok'],
    ['adding unique to a used attribute', [{ 'db/ident': 'person/name', 'db/unique': 'db.unique/value' }], /cannot make person\/name unique/],
    ['enabling index on a used attribute', [{ 'db/ident': 'person/name', 'db/index': true }], /cannot enable db\/index on person\/name/],
    ['enabling index on an unused attribute', [{ 'db/ident': 'pet/name', 'db/index': true }], 'ok'],
    ['disabling index', [{ 'db/ident': 'person/age', 'db/index': false }], /disabling db\/index on person\/age/],
    ['removing a used attribute', [['db/retractEntity', ':person/name']], /cannot remove the schema of person\/name: it still has 2 datoms/],
    ['removing an unused attribute', [['db/retractEntity', ':pet/name']], 'ok'],
    [
      'drop table: data and schema in one tx',
      [
        ['db/retract', 13, 'person/name'],
        ['db/retract', 14, 'person/name'],
        ['db/retractEntity', ':person/name'],
      ],
      'ok',
    ],
    ['renaming a used ident', [['db/add', ':person/name', 'db/ident', 'person/fullName']], /cannot rename person\/name/],
    ['renaming an unused ident', [['db/add', ':pet/name', 'db/ident', 'pet/title']], 'ok'],
    // the entity named by its old, colon-less ident (not a tempid for a new enum entity)
    ['renaming a used ident, map form', [{ 'db/id': 'person/name', 'db/ident': 'person/fullName' }], /cannot rename person\/name/],
    ['renaming a used ident, colon-less list form', [['db/add', 'person/name', 'db/ident', 'person/fullName']], /cannot rename person\/name/],
  ];
  for (const [name, change, want] of rowsTable) {
    it(name, async () => {
      const db = await dbWith(undefined, data);
      const p = tx(db, change);
      if (want === 'ok') await expect(p).resolves.toBeDefined();
      else await expectError(p, 'schema/change', want);
    });
  }

  it('a rename by colon-less ident in a map moves the ident of that entity', async () => {
    const db = await dbWith(undefined, data);
    const eid = db.schema.identToEid.get('pet/name');
    const r = await tx(db, [{ 'db/id': 'pet/name', 'db/ident': 'pet/title' }]);
    expect(r.dbAfter.schema.identToEid.get('pet/title')).toBe(eid);
    expect(r.dbAfter.schema.attrs.has('pet/name')).toBe(false);
    expect(r.dbAfter.maxEid).toBe(db.maxEid);
  });

  it('a rename moves the ident; the old name is gone', async () => {
    const db = await dbWith(undefined, data);
    const r = await tx(db, [['db/add', ':pet/name', 'db/ident', 'pet/title']]);
    expect(r.dbAfter.schema.attrs.has('pet/title')).toBe(true);
    expect(r.dbAfter.schema.attrs.has('pet/name')).toBe(false);
  });
});

describe('the db owns its values', () => {
  it('mutating a Date, byte array or tuple after transacting it changes nothing stored (write and read schemas)', async () => {
    const when = new Date(1000),
      bytes = new Uint8Array([1, 2]),
      pair = [new Date(5), 'x'];
    const db = await dbWith(
      [attr('o/at', 'instant', { index: true }), attr('o/b', 'bytes'), attr('o/t', 'tuple', { tupleTypes: ['db.type/instant', 'db.type/string'] })],
      [{ 'o/at': when, 'o/b': bytes, 'o/t': pair }],
    );
    const loose = (await tx(emptyDb({ schemaFlexibility: 'read' }), [{ 'x/at': when, 'x/b': bytes, 'x/t': pair }])).dbAfter;
    when.setTime(9999);
    bytes[0] = 7;
    (pair[0] as Date).setTime(9999);
    expect(await facts(db)).toEqual([
      [4, 'o/at', new Date(1000)],
      [4, 'o/b', new Uint8Array([1, 2])],
      [4, 'o/t', [new Date(5), 'x']],
    ]);
    expect((await loose.datoms('eavt', 1)).map((d) => d.v)).toEqual([new Date(1000), new Uint8Array([1, 2]), [new Date(5), 'x']]);
  });
});

describe('tuples', () => {
  const schema = [
    attr('t/a', 'long'),
    attr('t/b', 'string'),
    attr('t/ab', 'tuple', { tupleAttrs: ['t/a', 't/b'], unique: 'identity' }),
    attr('t/homo', 'tuple', { tupleType: 'db.type/long' }),
    attr('t/het', 'tuple', { tupleTypes: ['db.type/string', 'db.type/long'] }),
  ];
  it('composite tuples are maintained automatically', async () => {
    const db = await dbWith(schema);
    const r1 = await tx(db, [{ 'db/id': 'e', 't/a': 1 }]);
    expect(rows(r1.txData)).toEqual([
      [6, 't/a', 1, true],
      [6, 't/ab', [1, null], true],
    ]);
    const r2 = await tx(r1.dbAfter, [['db/add', 6, 't/b', 'x']]);
    expect(rows(r2.txData)).toEqual([
      [6, 't/b', 'x', true],
      [6, 't/ab', [1, null], false],
      [6, 't/ab', [1, 'x'], true],
    ]);
    const r3 = await tx(r2.dbAfter, [
      ['db/retract', 6, 't/a', 1],
      ['db/retract', 6, 't/b', 'x'],
    ]);
    expect(await facts(r3.dbAfter)).toEqual([]);
  });

  it('writing a composite directly is rejected', async () => {
    await expectError(tx(await dbWith(schema), [{ 't/ab': [1, 'x'] }]), 'transact/tuple', /can't modify tuple attrs directly: t\/ab/);
  });

  it('composite identity upserts and resolves lookup refs', async () => {
    const db = await dbWith(schema, [{ 't/a': 1, 't/b': 'x' }]);
    const r = await tx(db, [{ 't/a': 1, 't/b': 'x', 't/homo': [5] }]);
    expect(rows(r.txData)).toEqual([[6, 't/homo', [5], true]]);
    expect(await r.dbAfter.entid(['t/ab', [1, 'x']])).toBe(6);
  });

  it('a map naming its composite identity upserts when the tuple equals the maintained value (DataScript)', async () => {
    const db = await dbWith(schema, [{ 't/a': 1, 't/b': 'x' }]);
    const r = await tx(db, [{ 'db/id': 'k', 't/ab': [1, 'x'], 't/homo': [7] }]);
    expect(r.tempids.k).toBe(6);
    expect(rows(r.txData)).toEqual([[6, 't/homo', [7], true]]);
    const r2 = await tx(db, [{ 't/a': 2, 't/b': 'y', 't/ab': [2, 'y'] }]);
    expect(rows(r2.txData)).toEqual([
      [7, 't/a', 2, true],
      [7, 't/b', 'y', true],
      [7, 't/ab', [2, 'y'], true],
    ]);
  });

  it("a composite given as input has each slot in its member's normal form (keyword colon, uuid case, long)", async () => {
    const kschema = [
      attr('k/kind', 'keyword'),
      attr('k/id', 'uuid'),
      attr('k/n', 'long'),
      attr('k/key', 'tuple', { tupleAttrs: ['k/kind', 'k/id', 'k/n'], unique: 'identity' }),
    ];
    const db = await dbWith(kschema, [{ 'k/kind': 'a/b', 'k/id': UUID, 'k/n': 1 }]);
    expect(await db.entid(['k/key', ['a/b', UUID, 1n]])).toBe(5);
    const r = await tx(db, [['db/add', ['k/key', ['a/b', UUID, 1]], 'k/n', 2]]);
    expect(rows(r.txData).slice(0, 2)).toEqual([
      [5, 'k/n', 1, false],
      [5, 'k/n', 2, true],
    ]);
    const up = await tx(db, [{ 'db/id': 'u', 'k/key': [':a/b', UUID.toLowerCase(), 1] }]);
    expect(up.tempids.u).toBe(5);
    await expectError(tx(db, [['db/add', ['k/key', ['a/b', UUID]], 'k/n', 2]]), 'transact/tuple', /must have 3 elements/);
  });

  it('a composite asserted with a value other than the maintained one is rejected', async () => {
    const db = await dbWith(schema, [{ 't/a': 1, 't/b': 'x' }]);
    await expectError(tx(db, [['db/add', 6, 't/ab', [1, 'y']]]), 'transact/tuple', /can't modify tuple attrs directly: t\/ab \[1,"y"\] on entity 6/);
    await expectError(tx(db, [{ 'db/id': 6, 't/a': 2, 't/ab': [1, 'x'] }]), 'transact/tuple', /t\/ab \[1,"x"\] on entity 6 differs/);
    await expectError(tx(db, [['db/cas', 6, 't/ab', [1, 'x'], [2, 'x']]]), 'transact/tuple', /can't modify tuple attrs directly: t\/ab is maintained/);
  });

  const bad: [string, unknown, string, RegExp][] = [
    ['homogeneous wrong type', ['x'], 't/homo', /value "x" of attribute t\/homo is not a valid db.type\/long/],
    ['homogeneous more than 8', [1, 2, 3, 4, 5, 6, 7, 8, 9], 't/homo', /has more than 8 elements/],
    ['heterogeneous wrong arity', ['a'], 't/het', /must have 2 elements/],
    ['heterogeneous wrong slot type', [1, 1], 't/het', /value 1 of attribute t\/het is not a valid db.type\/string/],
  ];
  for (const [name, v, a, msg] of bad) {
    it(`rejects ${name}`, async () => {
      const p = tx(await dbWith(schema), [{ [a]: v }]);
      await expectError(p, msg.source.includes('elements') ? 'transact/tuple' : 'schema/type', msg);
    });
  }
  it('accepts valid tuples with nil slots', async () => {
    const r = await tx(await dbWith(schema), [{ 't/homo': [1, null, 3], 't/het': ['a', 2] }]);
    expect(await facts(r.dbAfter)).toEqual([
      [6, 't/het', ['a', 2]],
      [6, 't/homo', [1, null, 3]],
    ]);
  });
});
