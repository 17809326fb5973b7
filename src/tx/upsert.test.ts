import { describe, expect, it } from 'vitest';
import { dbWith, expectError, facts, rows, tx } from './test-util.js';

const BASE = [
  { 'person/name': 'Ann', 'person/email': 'ann@x' },
  { 'person/name': 'Bob', 'person/email': 'bob@x', 'person/ssn': '111' },
];
// after PEOPLE (ids 1..12): Ann 13, Bob 14

describe('upsert through db.unique/identity', () => {
  it('a map without db/id resolves to the existing entity', async () => {
    const r = await tx(await dbWith(undefined, BASE), [{ 'person/email': 'ann@x', 'person/age': 31 }]);
    expect(rows(r.txData)).toEqual([[13, 'person/age', 31, true]]);
  });

  it('numeric and string tempids upsert and are reported', async () => {
    const r = await tx(await dbWith(undefined, BASE), [
      { 'db/id': -1, 'person/email': 'ann@x', 'person/age': 31 },
      ['db/add', 'b', 'person/email', 'bob@x'],
      ['db/add', 'b', 'person/age', 2],
    ]);
    expect(r.tempids).toMatchObject({ '-1': 13, b: 14 });
    expect(r.dbAfter.maxEid).toBe(14);
  });

  it('nested maps upsert too', async () => {
    const r = await tx(await dbWith(undefined, BASE), [{ 'person/name': 'Cy', 'person/friend': [{ 'person/email': 'bob@x', 'person/age': 50 }] }]);
    expect(rows(r.txData)).toEqual([
      [15, 'person/name', 'Cy', true],
      [14, 'person/age', 50, true],
      [15, 'person/friend', 14, true],
    ]);
  });

  it('two maps with the same new identity value are one entity (created earlier in the same tx)', async () => {
    const r = await tx(await dbWith(undefined, BASE), [
      { 'person/email': 'new@x', 'person/name': 'N' },
      { 'person/email': 'new@x', 'person/age': 3 },
    ]);
    expect(await facts(r.dbAfter)).toEqual(
      expect.arrayContaining([
        [15, 'person/age', 3],
        [15, 'person/email', 'new@x'],
        [15, 'person/name', 'N'],
      ]),
    );
    expect(r.dbAfter.maxEid).toBe(15);
  });

  it('an upserting tempid does not consume an id: later tempids keep first-appearance order', async () => {
    const r = await tx(await dbWith(undefined, BASE), [
      { 'db/id': 'x', 'person/email': 'ann@x' },
      { 'db/id': 'y', 'person/name': 'Y' },
    ]);
    expect(r.tempids).toMatchObject({ x: 13, y: 15 });
  });

  it('an identity asserted on an explicit id in the same tx attracts a tempid', async () => {
    const r = await tx(await dbWith(undefined, BASE), [['db/add', 13, 'person/email', 'ann2@x'], { 'db/id': 't', 'person/email': 'ann2@x', 'person/age': 9 }]);
    expect(r.tempids.t).toBe(13);
  });

  // Datahike decides each upsert against the state the tx has reached: an identity value the tx
  // frees before the upserting entity names no one, so that entity is new.
  const freed: [string, unknown[], [number, string, unknown, boolean][]][] = [
    [
      'after retractEntity',
      [['db/retractEntity', 13], { 'person/email': 'ann@x', 'person/name': 'New' }],
      [
        [13, 'person/email', 'ann@x', false],
        [13, 'person/name', 'Ann', false],
        [15, 'person/email', 'ann@x', true],
        [15, 'person/name', 'New', true],
      ],
    ],
    [
      'after a card-one overwrite of the identity',
      [
        { 'db/id': 13, 'person/email': 'ann2@x' },
        { 'person/name': 'New', 'person/email': 'ann@x' },
      ],
      [
        [13, 'person/email', 'ann@x', false],
        [13, 'person/email', 'ann2@x', true],
        [15, 'person/name', 'New', true],
        [15, 'person/email', 'ann@x', true],
      ],
    ],
    [
      'after an explicit retract, tempid used before and after',
      [
        ['db/add', 't', 'person/age', 5],
        ['db/retract', 13, 'person/email', 'ann@x'],
        ['db/add', 't', 'person/email', 'ann@x'],
      ],
      [
        [15, 'person/age', 5, true],
        [13, 'person/email', 'ann@x', false],
        [15, 'person/email', 'ann@x', true],
      ],
    ],
  ];
  for (const [name, data, want] of freed) {
    it(`an identity value freed earlier in the tx does not upsert: ${name}`, async () => {
      const r = await tx(await dbWith(undefined, BASE), data);
      expect(rows(r.txData)).toEqual(want);
      expect(r.dbAfter.maxEid).toBe(15);
    });
  }

  it('an identity value freed only after the upserting entity still upserts', async () => {
    const r = await tx(await dbWith(undefined, BASE), [
      { 'db/id': 't', 'person/email': 'ann@x', 'person/age': 1 },
      ['db/retract', 13, 'person/email', 'ann@x'],
    ]);
    expect(r.tempids.t).toBe(13);
    expect(rows(r.txData)).toEqual([
      [13, 'person/age', 1, true],
      [13, 'person/email', 'ann@x', false],
    ]);
  });

  it('a tempid that frees its own identity value and then upserts elsewhere is pinned there (DataScript)', async () => {
    const r = await tx(await dbWith(undefined, BASE), [
      { 'db/id': 't', 'person/email': 'new@x', 'person/age': 1 },
      { 'db/id': 't', 'person/email': 'ann@x', 'person/age': 2 },
    ]);
    expect(r.tempids.t).toBe(13);
    expect((await facts(r.dbAfter)).filter(([e]) => e === 13)).toEqual([
      [13, 'person/age', 2],
      [13, 'person/email', 'ann@x'],
      [13, 'person/name', 'Ann'],
    ]);
  });

  it('tempids holding a value before another op frees it keep the old owner; those after it get a new entity', async () => {
    const r = await tx(await dbWith(undefined, BASE), [
      ['db/add', 't1', 'person/email', 'ann@x'],
      { 'person/name': 'Y', 'person/email': 'ann@x' },
      { 'db/id': ['person/email', 'ann@x'], 'person/email': 'moved@x' },
      ['db/add', 't2', 'person/email', 'ann@x'],
    ]);
    expect([r.tempids.t1, r.tempids.t2]).toEqual([13, 15]);
    expect(await facts(r.dbAfter)).toEqual(
      expect.arrayContaining([
        [13, 'person/email', 'moved@x'],
        [13, 'person/name', 'Y'],
        [15, 'person/email', 'ann@x'],
      ]),
    );
  });

  it('an identity asserted on a lookup-ref entity attracts a later tempid', async () => {
    const r = await tx(await dbWith(undefined, BASE), [
      { 'db/id': ['person/email', 'ann@x'], 'person/email': 'renamed@x' },
      { 'db/id': 't', 'person/email': 'renamed@x', 'person/age': 3 },
    ]);
    expect(r.tempids.t).toBe(13);
    expect(r.dbAfter.maxEid).toBe(14);
  });

  it('retracting through a lookup ref or ident that names nothing is a no-op', async () => {
    const r = await tx(await dbWith(undefined, BASE), [
      ['db/retractEntity', ['person/email', 'nobody@x']],
      ['db/retract', ['person/email', 'nobody@x'], 'person/name', 'x'],
      ['db.fn/retractAttribute', ':no/such-ident', 'person/name'],
      ['db/retract', ['person/email', 'nobody@x'], 'person/age'],
    ]);
    expect(rows(r.txData)).toEqual([]);
    await expectError(
      tx(await dbWith(undefined, BASE), [['db/retract', 13, 'person/friend', ['person/email', 'nobody@x']]]),
      'transact/lookup-ref',
      /nobody@x/,
    );
  });

  it('an explicit retract-then-assert of the same identity keeps the entity', async () => {
    const r = await tx(await dbWith(undefined, BASE), [
      ['db/retract', 13, 'person/email', 'ann@x'],
      ['db/add', 13, 'person/email', 'ann@x'],
    ]);
    expect(rows(r.txData)).toEqual([
      [13, 'person/email', 'ann@x', false],
      [13, 'person/email', 'ann@x', true],
    ]);
  });

  it('conflicting upsert is an error', async () => {
    const db = await dbWith(undefined, BASE);
    await expectError(
      tx(db, [{ 'db/id': 't', 'person/email': 'ann@x' }, ['db/add', 't', 'person/email', 'bob@x']]),
      'transact/upsert',
      /conflicting upsert: \[person\/email "bob@x"\] resolves to 14, but the same entity already resolved to 13/,
    );
  });

  it("explicit id asserting another entity's identity value violates uniqueness", async () => {
    await expectError(
      tx(await dbWith(undefined, BASE), [{ 'db/id': 14, 'person/email': 'ann@x' }]),
      'transact/unique',
      /person\/email "ann@x" already belongs to entity 13, cannot assert it on entity 14/,
    );
  });

  it('db.unique/value does not upsert: a second entity is a violation', async () => {
    await expectError(
      tx(await dbWith(undefined, BASE), [{ 'person/name': 'Z', 'person/ssn': '111' }]),
      'transact/unique',
      /person\/ssn "111" already belongs to entity 14, cannot assert it on entity 15/,
    );
  });

  it('moving a unique value within one tx is allowed (retract first)', async () => {
    const r = await tx(await dbWith(undefined, BASE), [
      ['db/retract', 14, 'person/ssn', '111'],
      ['db/add', 13, 'person/ssn', '111'],
    ]);
    expect(rows(r.txData)).toEqual([
      [14, 'person/ssn', '111', false],
      [13, 'person/ssn', '111', true],
    ]);
  });
});

describe('lookup refs and idents', () => {
  it('wherever an entity is accepted', async () => {
    const db = await dbWith(undefined, BASE);
    const r = await tx(db, [
      { 'db/id': ['person/email', 'ann@x'], 'person/age': 1 },
      ['db/add', ['person/email', 'bob@x'], 'person/friend', ['person/email', 'ann@x']],
      { 'person/name': 'C', 'person/friend': [['person/email', 'bob@x']] },
      { 'person/name': 'D', 'person/parent': ['person/email', 'bob@x'] },
    ]);
    expect(rows(r.txData)).toEqual([
      [13, 'person/age', 1, true],
      [14, 'person/friend', 13, true],
      [15, 'person/name', 'C', true],
      [15, 'person/friend', 14, true],
      [16, 'person/name', 'D', true],
      [16, 'person/parent', 14, true],
    ]);
  });

  it('a lookup ref may name an entity created earlier in the same tx', async () => {
    const r = await tx(await dbWith(), [{ 'person/email': 'n@x' }, ['db/add', ['person/email', 'n@x'], 'person/age', 5]]);
    expect(await facts(r.dbAfter)).toEqual([
      [13, 'person/age', 5],
      [13, 'person/email', 'n@x'],
    ]);
  });

  it('unresolvable and non-unique lookup refs are errors', async () => {
    const db = await dbWith(undefined, BASE);
    await expectError(
      tx(db, [['db/add', ['person/email', 'zz@x'], 'person/age', 1]]),
      'transact/lookup-ref',
      /lookup ref \[person\/email "zz@x"\] does not resolve/,
    );
    await expectError(tx(db, [['db/add', ['person/name', 'Ann'], 'person/age', 1]]), 'transact/lookup-ref', /person\/name should be marked as db\/unique/);
  });

  it('enum idents resolve as refs; db/id may be an ident keyword', async () => {
    const db = await dbWith([
      { 'db/ident': 'thing/color', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
      { 'db/ident': 'color/red' },
      { 'db/ident': ':color/blue' },
    ]);
    expect(await db.entid(':color/red')).toBe(2);
    const r = await tx(db, [{ 'thing/color': ':color/red' }, { 'thing/color': 'color/blue' }, { 'db/id': ':color/red', 'db/doc': 'the red one' }]);
    expect(rows(r.txData)).toEqual([
      [4, 'thing/color', 2, true],
      [5, 'thing/color', 3, true],
      [2, 'db/doc', 'the red one', true],
    ]);
    await expectError(tx(db, [{ 'thing/color': ':color/green' }]), 'transact/lookup-ref', /ident :color\/green does not resolve/);
  });

  it('idents declared in the same tx resolve', async () => {
    const db = await dbWith([{ 'db/ident': 'thing/color', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' }]);
    const r = await tx(db, [{ 'db/ident': 'color/red' }, { 'thing/color': ':color/red' }]);
    expect(rows(r.txData)).toEqual([
      [2, 'db/ident', ':color/red', true],
      [3, 'thing/color', 2, true],
    ]);
  });
});
