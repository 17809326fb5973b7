import { describe, expect, it } from 'vitest';
import type { Db } from '../db/types.js';
import type { ErrorCode } from '../util/errors.js';
import { dbWith, expectError, tx } from './test-util.js';

const BASE = [
  { 'person/name': 'Ann', 'person/email': 'ann@x', 'person/ssn': '1', 'person/age': 30 },
  { 'person/name': 'Bob', 'person/email': 'bob@x' },
];

async function snapshot(db: Db): Promise<unknown> {
  const all = await db.datoms('eavt');
  return { datoms: all.map((d) => d.toJSON()), maxEid: db.maxEid, maxTx: db.maxTx, attrs: [...db.schema.attrs.keys()] };
}

// Each row fails somewhere in a different stage; some fail after earlier ops of the same tx
// already produced datoms, to prove nothing half-built escapes.
const failures: [string, unknown, ErrorCode, RegExp][] = [
  ['not an array', 42, 'transact/syntax', /tx data must be an array/],
  ['bad element', [42], 'transact/syntax', /bad tx data element 42/],
  ['unknown op', [['db/frobnicate', 1, 'person/name', 'x']], 'transact/syntax', /unknown operation "db\/frobnicate"/],
  ['an op named like an Object member is unknown, not a purge', [['toString', 1]], 'transact/syntax', /unknown operation "toString"/],
  ['db/retractAttribute is not an op (only db.fn/)', [['db/retractAttribute', 13, 'person/name']], 'transact/syntax', /unknown operation/],
  ['wrong arity', [['db/add', 13, 'person/name']], 'transact/syntax', /wrong number of arguments to db\/add/],
  ['bad entity id', [['db/add', 1.5, 'person/name', 'x']], 'transact/entity-id', /bad entity id 1.5/],
  ['tempid in retract', [['db/retract', -1, 'person/name', 'x']], 'transact/tempid', /tempid -1 can only be used in db\/add, not in db\/retract/],
  ['tempid in retractEntity', [['db/retractEntity', 'x']], 'transact/tempid', /tempid "x" can only be used in db\/add/],
  ['bad EDN', '[[:db/add 1 :person/name', 'edn/parse', /./],
  ['unknown attribute after good ops', [{ 'person/name': 'Cy' }, { 'nope/x': 1 }], 'schema/unknown-attribute', /nope\/x/],
  ['type error after good ops', [{ 'person/name': 'Cy' }, ['db/add', 13, 'person/age', 'old']], 'schema/type', /value "old" of attribute person\/age/],
  [
    'unique violation after good ops',
    [['db/add', 13, 'person/age', 31], { 'person/name': 'D', 'person/ssn': '1' }],
    'transact/unique',
    /person\/ssn "1" already belongs to entity 13/,
  ],
  [
    'cas failure after good ops',
    [
      ['db/retractEntity', 14],
      ['db/cas', 13, 'person/age', 1, 2],
    ],
    'transact/cas',
    /expected 1, found 30/,
  ],
  [
    'conflicting upsert',
    [
      { 'db/id': 'a', 'person/email': 'ann@x' },
      { 'db/id': 'a', 'person/email': 'bob@x' },
    ],
    'transact/upsert',
    /conflicting upsert/,
  ],
  ['unresolvable lookup ref', [['db/add', ['person/email', 'q'], 'person/age', 1]], 'transact/lookup-ref', /\[person\/email "q"\] does not resolve/],
  [
    'schema change refused after data ops',
    [['db/add', 13, 'person/age', 5], { 'db/ident': 'person/name', 'db/valueType': 'db.type/long' }],
    'schema/change',
    /db\/valueType of person\/name/,
  ],
  ['tx-meta attribute undeclared', { txData: [], txMeta: { 'tx/who': 'me' } }, 'schema/unknown-attribute', /tx\/who/],
  ['transacting on a view', 'VIEW', 'config/invalid', /cannot transact against a history view/],
  ['an empty attribute name in a map', [{ 'person/name': 'Cy', '': 1 }], 'transact/syntax', /bad attribute ""/],
  ['NaN named as NaN, not null', [['db/add', 13, 'person/age', Number.NaN]], 'schema/type', /value NaN of attribute person\/age/],
  ['a cyclic entity map', 'CYCLIC', 'transact/syntax', /nested more than 1000 deep/],
  ['an entity id past the tx range', [['db/add', 2 ** 40, 'person/name', 'x']], 'transact/entity-id', /out of range/],
];

describe('errors: code, message, and a failed transaction changes nothing', () => {
  for (const [name, input, code, msg] of failures) {
    it(name, async () => {
      const db = await dbWith(undefined, BASE);
      const before = await snapshot(db);
      if (input === 'VIEW') {
        const { history } = await import('../db/db.js');
        await expectError(tx(history(db), []), code, msg);
      } else if (input === 'CYCLIC') {
        const m: Record<string, unknown> = { 'person/name': 'loop' };
        m['person/friend'] = m;
        await expectError(tx(db, [m]), code, msg);
      } else {
        await expectError(tx(db, input as never), code, msg);
      }
      expect(await snapshot(db)).toEqual(before);
      // the same db still accepts a good transaction afterwards
      const ok = await tx(db, [{ 'person/name': 'after' }]);
      expect(ok.tempids['db/current-tx']).toBe(db.maxTx + 1);
      expect(ok.dbAfter.maxEid).toBe(db.maxEid + 1);
    });
  }
  it('errors carry JSON-safe data', async () => {
    const db = await dbWith(undefined, BASE);
    try {
      await tx(db, [{ 'db/id': 14, 'person/email': 'ann@x' }]);
      expect.unreachable();
    } catch (e) {
      expect(JSON.parse(JSON.stringify((e as { data: unknown }).data))).toEqual({ attribute: 'person/email', value: '"ann@x"', entity: 14, owner: 13 });
    }
  });
});
