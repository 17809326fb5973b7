import { describe, expect, it } from 'vitest';
import { Datom } from '../db/types.js';
import { dbWith, expectError, facts, rows, tx } from './test-util.js';

// Entities 13.. after the PEOPLE schema: 13 Ann, 14 Ann's address, 15/16 pets, 17 Bob.
const BASE = [
  {
    'db/id': 'ann',
    'person/name': 'Ann',
    'person/email': 'ann@x',
    'person/age': 30,
    'person/nick': ['a', 'annie'],
    'person/address': { 'address/city': 'Oslo' },
    'person/pets': [{ 'pet/name': 'Rex' }, { 'pet/name': 'Tom' }],
  },
  { 'db/id': 'bob', 'person/name': 'Bob', 'person/email': 'bob@x', 'person/friend': 'ann', 'person/parent': 'ann' },
];

describe('list ops', () => {
  it('setup allocates as expected', async () => {
    const db = await dbWith(undefined, BASE);
    expect(await db.entid(['person/email', 'bob@x'])).toBe(17);
    expect((await facts(db)).filter((f) => f[0] === 13).length).toBe(8);
  });

  const table: [string, unknown[], [number, string, unknown, boolean][]][] = [
    [
      'db/add a new value',
      [['db/add', 13, 'person/age', 31]],
      [
        [13, 'person/age', 30, false],
        [13, 'person/age', 31, true],
      ],
    ],
    ['db/add re-asserting a present value is a no-op', [['db/add', 13, 'person/age', 30]], []],
    ['db/add card-many adds without retracting', [['db/add', 13, 'person/nick', 'zz']], [[13, 'person/nick', 'zz', true]]],
    ['db/add card-many re-assert no-op', [['db/add', 13, 'person/nick', 'a']], []],
    ['db/retract with value', [['db/retract', 13, 'person/nick', 'a']], [[13, 'person/nick', 'a', false]]],
    ['db/retract of an absent value is a no-op', [['db/retract', 13, 'person/nick', 'nope']], []],
    [
      'db/retract without value retracts all',
      [['db/retract', 13, 'person/nick']],
      [
        [13, 'person/nick', 'a', false],
        [13, 'person/nick', 'annie', false],
      ],
    ],
    ['db/retract by lookup ref', [['db/retract', ['person/email', 'ann@x'], 'person/age', 30]], [[13, 'person/age', 30, false]]],
    [
      'db.fn/retractAttribute on a plain attribute',
      [['db.fn/retractAttribute', 13, 'person/nick']],
      [
        [13, 'person/nick', 'a', false],
        [13, 'person/nick', 'annie', false],
      ],
    ],
    [
      'db.fn/retractAttribute on a component cascades',
      [['db.fn/retractAttribute', 13, 'person/address']],
      [
        [13, 'person/address', 14, false],
        [14, 'address/city', 'Oslo', false],
      ],
    ],
    ['plain db/retract of a component ref does not cascade', [['db/retract', 13, 'person/address', 14]], [[13, 'person/address', 14, false]]],
    [
      'db/cas matching',
      [['db/cas', 13, 'person/age', 30, 40]],
      [
        [13, 'person/age', 30, false],
        [13, 'person/age', 40, true],
      ],
    ],
    [
      'db.fn/cas matching',
      [['db.fn/cas', 13, 'person/age', 30, 40]],
      [
        [13, 'person/age', 30, false],
        [13, 'person/age', 40, true],
      ],
    ],
    ['db/cas "must be absent" on a missing attribute', [['db/cas', 17, 'person/age', null, 5]], [[17, 'person/age', 5, true]]],
    ['db/cas card-many checks membership', [['db/cas', 13, 'person/nick', 'annie', 'ann2']], [[13, 'person/nick', 'ann2', true]]],
    [
      'assert then retract in one tx keeps both',
      [
        ['db/add', 13, 'person/age', 99],
        ['db/retract', 13, 'person/age', 99],
      ],
      [
        [13, 'person/age', 30, false],
        [13, 'person/age', 99, true],
        [13, 'person/age', 99, false],
      ],
    ],
  ];
  for (const [name, data, want] of table) {
    it(name, async () => {
      const db = await dbWith(undefined, BASE);
      const r = await tx(db, data);
      expect(rows(r.txData)).toEqual(want);
    });
  }

  it('db/retractEntity cascades to components and removes incoming refs', async () => {
    const db = await dbWith(undefined, BASE);
    for (const op of ['db/retractEntity', 'db.fn/retractEntity', ':db/retractEntity']) {
      const r = await tx(db, [[op, ['person/email', 'ann@x']]]);
      const after = await facts(r.dbAfter);
      expect(after).toEqual([
        [17, 'person/email', 'bob@x'],
        [17, 'person/name', 'Bob'],
      ]);
      const retracted = rows(r.txData).map(([e, a]) => `${e} ${a}`);
      expect(retracted).toContain('17 person/friend');
      expect(retracted).toContain('17 person/parent');
      expect(retracted).toContain('16 pet/name');
      expect(rows(r.txData).every((x) => x[3] === false)).toBe(true);
    }
  });

  it('retractEntity sees refs added earlier in the same tx', async () => {
    const db = await dbWith(undefined, BASE);
    const r = await tx(db, [{ 'db/id': -1, 'person/name': 'New', 'person/friend': 17 }, ['db/retractEntity', 17]]);
    expect(await facts(r.dbAfter)).not.toContainEqual([18, 'person/friend', 17]);
    expect((await facts(r.dbAfter)).filter((f) => f[0] === 18)).toEqual([[18, 'person/name', 'New']]);
  });

  it('the tx entity: db/current-tx in e and ref positions', async () => {
    const db = await dbWith(undefined, BASE);
    const r = await tx(db, [
      ['db/add', 'db/current-tx', 'person/name', 'the tx'],
      ['db/add', 13, 'person/friend', 'datomic.tx'],
    ]);
    const t = r.tempids['db/current-tx']!;
    expect(rows(r.txData)).toEqual([
      [t, 'person/name', 'the tx', true],
      [13, 'person/friend', t, true],
    ]);
  });

  it('Datom objects in tx data are asserted or retracted (their tx is not reused)', async () => {
    const db = await dbWith(undefined, BASE);
    const r = await tx(db, [new Datom(13, 'person/nick', 'zz', 1, true), new Datom(13, 'person/nick', 'a', 1, false)]);
    expect(rows(r.txData)).toEqual([
      [13, 'person/nick', 'zz', true],
      [13, 'person/nick', 'a', false],
    ]);
    expect(r.txData.every((d) => d.tx === r.tempids['db/current-tx'])).toBe(true);
  });

  it('cas failures', async () => {
    const db = await dbWith(undefined, BASE);
    await expectError(tx(db, [['db/cas', 13, 'person/age', 31, 40]]), 'transact/cas', /entity 13 attribute person\/age: expected 31, found 30/);
    await expectError(tx(db, [['db/cas', 13, 'person/age', null, 40]]), 'transact/cas', /expected no value, found 30/);
    await expectError(tx(db, [['db/cas', 13, 'person/nick', 'zz', 'x']]), 'transact/cas', /person\/nick: expected "zz", found \["a","annie"\]/);
  });

  it('arrays and bytes compare by content (re-assert no-op, cas)', async () => {
    const db = await dbWith(
      [
        { 'db/ident': 'b/bytes', 'db/valueType': 'db.type/bytes', 'db/cardinality': 'db.cardinality/one' },
        { 'db/ident': 'b/t', 'db/valueType': 'db.type/tuple', 'db/tupleType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
      ],
      [{ 'db/id': 'x', 'b/bytes': new Uint8Array([1, 2]), 'b/t': [1, 2] }],
    );
    const r = await tx(db, [
      ['db/add', 3, 'b/bytes', new Uint8Array([1, 2])],
      ['db/add', 3, 'b/t', [1, 2]],
    ]);
    expect(rows(r.txData)).toEqual([]);
    const r2 = await tx(db, [['db/cas', 3, 'b/t', [1, 2], [3, 4]]]);
    expect(rows(r2.txData)).toEqual([
      [3, 'b/t', [1, 2], false],
      [3, 'b/t', [3, 4], true],
    ]);
  });

  it('entity ids stay out of the tx range: explicit ids past this tx and allocations reaching TX0 are rejected', async () => {
    const db = await dbWith(undefined, BASE);
    const TX0 = 0x20000000;
    for (const e of [TX0, db.maxTx + 2, 2 ** 31, 2 ** 40]) {
      await expectError(tx(db, [['db/add', e, 'person/name', 'x']]), 'transact/entity-id', new RegExp(`entity id ${e} is out of range`));
      await expectError(tx(db, [['db/add', 13, 'person/parent', e]]), 'transact/entity-id', /out of range/);
    }
    // an existing tx entity and the current one may be annotated
    const r = await tx(db, [
      ['db/add', db.maxTx, 'person/name', 'old tx'],
      ['db/add', db.maxTx + 1, 'person/name', 'this tx'],
    ]);
    expect(r.txData.filter((d) => d.a === 'person/name').map((d) => d.e)).toEqual([db.maxTx, db.maxTx + 1]);
    const high = (await tx(db, [['db/add', TX0 - 1, 'person/name', 'last']])).dbAfter;
    expect(high.maxEid).toBe(TX0 - 1);
    await expectError(tx(high, [{ 'person/name': 'one too many' }]), 'transact/entity-id', /new entity id 536870912 would reach the transaction range/);
  });

  it('retractEntity cascades through a component chain thousands deep (no recursion)', async () => {
    const chain = [
      { 'db/ident': 'c/i', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
      { 'db/ident': 'c/child', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one', 'db/isComponent': true },
    ];
    const n = 5000;
    const data = Array.from({ length: n }, (_, i) => ({ 'db/id': `t${i}`, 'c/i': i, ...(i + 1 < n ? { 'c/child': `t${i + 1}` } : {}) }));
    const db = await dbWith(chain, data);
    const r = await tx(db, [['db/retractEntity', 3]]);
    expect(rows(r.txData).length).toBe(2 * n - 1);
    expect(rows(r.txData).slice(0, 3)).toEqual([
      [3, 'c/child', 4, false],
      [3, 'c/i', 0, false],
      [4, 'c/child', 5, false],
    ]);
    expect(await facts(r.dbAfter)).toEqual([]);
  });
});
