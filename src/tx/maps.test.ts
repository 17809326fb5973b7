import { describe, expect, it } from 'vitest';
import { dbWith, facts, rows, tx } from './test-util.js';

describe('entity maps', () => {
  it('allocates max-eid + 1 … in order of first appearance, nested maps after their parent', async () => {
    const db = await dbWith(); // schema entities took 1..12
    expect(db.maxEid).toBe(12);
    const r = await tx(db, [
      { 'db/id': 'ann', 'person/name': 'Ann', 'person/friend': [{ 'person/name': 'Bob' }, 'cy'] },
      { 'db/id': 'cy', 'person/name': 'Cy' },
      ['db/add', -7, 'person/name', 'Dee'],
    ]);
    expect(r.tempids).toEqual({ ann: 13, cy: 15, '-7': 16, 'db/current-tx': 536870914 });
    expect(await facts(r.dbAfter)).toEqual([
      [13, 'person/friend', 14],
      [13, 'person/friend', 15],
      [13, 'person/name', 'Ann'],
      [14, 'person/name', 'Bob'],
      [15, 'person/name', 'Cy'],
      [16, 'person/name', 'Dee'],
    ]);
    expect(r.dbAfter.maxEid).toBe(16);
  });

  it('first appearance may be in a ref value position', async () => {
    const r = await tx(await dbWith(), [
      ['db/add', -1, 'person/friend', -2],
      ['db/add', -2, 'person/name', 'B'],
      ['db/add', -1, 'person/name', 'A'],
    ]);
    expect(r.tempids['-1']).toBe(13);
    expect(r.tempids['-2']).toBe(14);
  });

  it('reverse refs assert from the value to the entity', async () => {
    const r = await tx(await dbWith(), [
      { 'db/id': 'p', 'person/name': 'Parent', 'person/_parent': [{ 'person/name': 'Kid1' }, { 'person/name': 'Kid2' }] },
      { 'person/name': 'Kid3', ':person/_friend': 'p' },
    ]);
    const f = await facts(r.dbAfter);
    expect(f).toContainEqual([14, 'person/parent', 13]);
    expect(f).toContainEqual([15, 'person/parent', 13]);
    expect(f).toContainEqual([13, 'person/friend', 16]);
  });

  it('arrays are several values for card-many, one value for a tuple', async () => {
    const db = await dbWith([attr2('t/xy', { 'db/valueType': 'db.type/tuple', 'db/tupleType': 'db.type/long' }), ...[]]);
    const r = await tx(db, [{ 't/xy': [1, 2] }]);
    expect(await facts(r.dbAfter)).toEqual([[2, 't/xy', [1, 2]]]);
    const r2 = await tx(await dbWith(), [{ 'person/nick': ['a', 'b', 'a'], 'person/name': 'N' }]);
    expect((await facts(r2.dbAfter)).map((f) => f[2])).toEqual(['N', 'a', 'b']);
  });

  it('a map with only db/id and nil elements in tx data assert nothing', async () => {
    const r = await tx(await dbWith(), [{ 'db/id': -1 }, null, undefined]);
    expect(rows(r.txData)).toEqual([]);
    expect(r.tempids).toEqual({ 'db/current-tx': 536870914 });
  });

  it('colon-prefixed attributes and ops are accepted', async () => {
    const r = await tx(await dbWith(), [{ ':person/name': 'A' }, [':db/add', -1, ':person/name', 'B']]);
    expect((await facts(r.dbAfter)).map((f) => f[2])).toEqual(['A', 'B']);
  });

  it('EDN string tx data, keywords as colon-less attributes and keyword values', async () => {
    const r = await tx(
      await dbWith(),
      `[{:db/id "a" :person/name "Ann" :person/status :status/active}
                                         [:db/add "a" :person/nick "annie"]
                                         {:person/name "Bob" :person/friend [[:person/name "nope"]]}]`.replace('[[:person/name "nope"]]', '"a"'),
    );
    expect(await facts(r.dbAfter)).toEqual([
      [13, 'person/name', 'Ann'],
      [13, 'person/nick', 'annie'],
      [13, 'person/status', ':status/active'],
      [14, 'person/friend', 13],
      [14, 'person/name', 'Bob'],
    ]);
    expect(r.tempids.a).toBe(13);
  });

  it('EDN {:tx-data … :tx-meta …} and the { txData, txMeta } form', async () => {
    const db = await dbWith([...PEOPLE_WITH_SOURCE]);
    const r = await tx(db, '{:tx-data [{:person/name "A"}] :tx-meta {:tx/source "import"}}');
    expect(r.txMeta['tx/source']).toBe('import');
    const r2 = await tx(db, { txData: [{ 'person/name': 'A' }], txMeta: { 'tx/source': 'ui' } });
    expect(r2.txMeta['tx/source']).toBe('ui');
    expect(rows(r2.txData)[0]).toEqual([r2.tempids['db/current-tx'], 'tx/source', 'ui', true]);
  });
});

function attr2(ident: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { 'db/ident': ident, 'db/cardinality': 'db.cardinality/one', ...extra };
}
const PEOPLE_WITH_SOURCE = [
  { 'db/ident': 'person/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'tx/source', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
];

describe('EDN tx strings', () => {
  it('tagged values, nested maps, reverse refs, lookup refs and list ops', async () => {
    const db = await dbWith([
      ...PEOPLE_WITH_SOURCE,
      { 'db/ident': 'p/born', 'db/valueType': 'db.type/instant', 'db/cardinality': 'db.cardinality/one' },
      { 'db/ident': 'p/id', 'db/valueType': 'db.type/uuid', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
      { 'db/ident': 'p/kid', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
    ]);
    const r = await tx(
      db,
      `[{:db/id -1
                              :person/name "Ann"
                              :p/born #inst "2000-01-02T03:04:05.000-00:00"
                              :p/id #uuid "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
                              :p/kid [{:person/name "Kid"}]
                              :p/_kid {:person/name "Parent"}}
                             [:db/add [:p/id #uuid "6ba7b810-9dad-11d1-80b4-00c04fd430c8"] :person/name "Anna"]]`,
    );
    expect(r.tempids['-1']).toBe(6);
    expect(await facts(r.dbAfter)).toEqual([
      [6, 'p/born', new Date('2000-01-02T03:04:05.000Z')],
      [6, 'p/id', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'],
      [6, 'p/kid', 7],
      [6, 'person/name', 'Anna'],
      [7, 'person/name', 'Kid'],
      [8, 'p/kid', 6],
      [8, 'person/name', 'Parent'],
    ]);
  });
});
