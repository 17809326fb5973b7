import { describe, expect, it } from 'vitest';
import { dbWith, expectError, PEOPLE, tx } from '../tx/test-util.js';
import { applyDatoms } from './apply.js';
import { asOf, history } from './db.js';
import { dbFromParts, dbParts, emptyDb } from './parts.js';
import type { Datom, Db } from './types.js';
import { flattenRuns } from '../indices/types.js';

// after PEOPLE (1..12): Ann 13, Bob 14, Cy 15
const DATA = [
  { 'db/id': 'ann', 'person/name': 'Ann', 'person/email': 'ann@x', 'person/age': 30, 'person/nick': ['a', 'b'] },
  { 'db/id': 'bob', 'person/name': 'Bob', 'person/email': 'bob@x', 'person/age': 40, 'person/friend': ['ann'] },
  { 'db/id': 'cy', 'person/name': 'Cy', 'person/age': 50, 'person/friend': ['ann', 'bob'], 'person/status': 'status/active' },
];
const eav = (ds: Datom[]): [number, string, unknown][] => ds.map((d) => [d.e, d.a, d.v]);

describe('search picks an index and filters the rest', () => {
  const table: [string, [number?, string?, unknown?], [number, string, unknown][]][] = [
    [
      'e',
      [14],
      [
        [14, 'person/age', 40],
        [14, 'person/email', 'bob@x'],
        [14, 'person/friend', 13],
        [14, 'person/name', 'Bob'],
      ],
    ],
    [
      'e a',
      [13, 'person/nick'],
      [
        [13, 'person/nick', 'a'],
        [13, 'person/nick', 'b'],
      ],
    ],
    ['e a v', [13, 'person/nick', 'b'], [[13, 'person/nick', 'b']]],
    ['e v (filtered)', [15, undefined, 50], [[15, 'person/age', 50]]],
    ['a v indexed (AVET)', [undefined, 'person/age', 40], [[14, 'person/age', 40]]],
    ['a v not indexed (AEVT + filter)', [undefined, 'person/name', 'Cy'], [[15, 'person/name', 'Cy']]],
    [
      'a',
      [undefined, 'person/email'],
      [
        [13, 'person/email', 'ann@x'],
        [14, 'person/email', 'bob@x'],
      ],
    ],
    [
      'a v ref (reverse lookup)',
      [undefined, 'person/friend', 13],
      [
        [14, 'person/friend', 13],
        [15, 'person/friend', 13],
      ],
    ],
    ['v only (scan)', [undefined, undefined, 'Bob'], [[14, 'person/name', 'Bob']]],
    ['keyword value', [undefined, 'person/status', ':status/active'], [[15, 'person/status', ':status/active']]],
    ['nothing matches', [99], []],
  ];
  for (const [name, [e, a, v], want] of table) {
    it(name, async () => {
      const db = await dbWith(undefined, DATA);
      expect(eav(await db.search(e, a, v as never))).toEqual(want);
      // the query engine's uncopied form reads the same datoms, in every view
      expect(eav(flattenRuns(await db.searchRuns!(e, a, v as never)))).toEqual(want);
      const later = (await tx(db, [['db/retract', 14, 'person/age', 40]])).dbAfter;
      for (const view of [later, history(later), asOf(later, db.maxTx)])
        expect(eav(flattenRuns(await view.searchRuns!(e, a, v as never)))).toEqual(eav(await view.search(e, a, v as never)));
    });
  }
  it('tx filter', async () => {
    const db = await dbWith(undefined, DATA);
    const r = await tx(db, [['db/add', 13, 'person/age', 31]]);
    expect(eav(await r.dbAfter.search(undefined, 'person/age', undefined, r.dbAfter.maxTx))).toEqual([[13, 'person/age', 31]]);
  });
});

describe('datoms / seekDatoms / indexRange / entid / estimate', () => {
  it('datoms by index with components in index order, resolving lookup refs and idents', async () => {
    const db = await dbWith(undefined, DATA);
    expect(eav(await db.datoms('eavt', ['person/email', 'bob@x'], ':person/name'))).toEqual([[14, 'person/name', 'Bob']]);
    expect(eav(await db.datoms('aevt', 'person/age', 15))).toEqual([[15, 'person/age', 50]]);
    expect(eav(await db.datoms('avet', 'person/friend', ['person/email', 'bob@x']))).toEqual([[15, 'person/friend', 14]]);
    expect(eav(await db.datoms('avet', 'person/age')).map((x) => x[2])).toEqual([30, 40, 50]);
    expect(eav(await db.datoms('eavt', ['person/email', 'nobody']))).toEqual([]);
    expect((await db.datoms('eavt', ':person/name')).map((d) => d.a)).toEqual(['db/cardinality', 'db/ident', 'db/valueType']);
  });

  it('seekDatoms runs from the position to the end of the index', async () => {
    const db = await dbWith(undefined, DATA);
    expect(eav(await db.seekDatoms('eavt', 15))).toEqual(
      [
        [15, 'person/age', 50],
        [15, 'person/friend', 13],
        [15, 'person/friend', 14],
        [15, 'person/name', 'Cy'],
        [15, 'person/status', ':status/active'],
      ].concat(eav(await db.datoms('eavt')).filter((x) => x[0] > 15) as never[]),
    );
    expect(eav(await db.seekDatoms('avet', 'person/age', 35)).slice(0, 2)).toEqual([
      [14, 'person/age', 40],
      [15, 'person/age', 50],
    ]);
  });

  it('indexRange is inclusive and needs an indexed attribute', async () => {
    const db = await dbWith(undefined, DATA);
    expect(eav(await db.indexRange('person/age', 30, 40))).toEqual([
      [13, 'person/age', 30],
      [14, 'person/age', 40],
    ]);
    expect(eav(await db.indexRange(':person/age', 31))).toEqual([
      [14, 'person/age', 40],
      [15, 'person/age', 50],
    ]);
    expect(eav(await db.indexRange('person/age', undefined, 30))).toEqual([[13, 'person/age', 30]]);
    await expectError(
      Promise.resolve().then(() => db.indexRange('person/name', 'A', 'Z')),
      'schema/invalid',
      /person\/name is not in AVET/,
    );
  });

  it('datoms and seekDatoms on AVET reject an attribute AVET lacks, as indexRange does', async () => {
    const db = await dbWith(undefined, DATA);
    await expectError(
      Promise.resolve().then(() => db.datoms('avet', 'person/status', 'status/active')),
      'schema/invalid',
      /person\/status is not in AVET.*datoms/,
    );
    await expectError(
      Promise.resolve().then(() => db.seekDatoms('avet', ':person/name', 'M')),
      'schema/invalid',
      /person\/name is not in AVET.*seekDatoms/,
    );
    // the other indices hold every attribute; AVET with no attribute reads the whole index
    expect(eav(await db.datoms('aevt', 'person/status')).length).toBeGreaterThan(0);
    expect((await db.seekDatoms('avet')).length).toBeGreaterThan(0);
  });

  it('entid', async () => {
    const db = await dbWith(undefined, DATA);
    expect(await db.entid(14)).toBe(14);
    expect(await db.entid(['person/email', 'bob@x'])).toBe(14);
    expect(await db.entid([':person/email', 'nobody'])).toBe(null);
    expect(await db.entid('person/email')).toBe(2);
    expect(await db.entid(':nope/nope')).toBe(null);
    await expectError(
      Promise.resolve().then(() => db.entid(['person/name', 'Ann'])),
      'transact/lookup-ref',
      /should be marked as db\/unique/,
    );
  });

  it('estimate counts from the trees', async () => {
    const db = await dbWith(undefined, DATA);
    expect(await db.estimate(13)).toBe(5);
    expect(await db.estimate(undefined, 'person/age')).toBe(3);
    expect(await db.estimate(undefined, 'person/age', 40)).toBe(1);
    expect(await db.estimate(undefined, 'person/friend', 13)).toBe(2);
  });
});

async function allIndexes(db: Db): Promise<unknown> {
  const h = history(db);
  const out: Record<string, unknown> = {};
  for (const idx of ['eavt', 'aevt', 'avet'] as const) {
    out[idx] = (await db.datoms(idx)).map((d) => d.toJSON());
    out[`h${idx}`] = (await h.datoms(idx)).map((d) => d.toJSON());
  }
  return { ...out, maxEid: db.maxEid, maxTx: db.maxTx, schema: [...db.schema.attrs.keys()].sort() };
}

describe('applyDatoms, dbParts, dbFromParts', () => {
  it('replaying every tx report on an empty db rebuilds the same value (current and temporal)', async () => {
    let db = emptyDb({}, { branchingFactor: 4 });
    let replay = emptyDb({}, { branchingFactor: 4 });
    const steps: unknown[][] = [
      PEOPLE,
      DATA,
      [
        ['db/add', 13, 'person/age', 31],
        ['db/retract', 13, 'person/nick', 'a'],
      ],
      [['db/retractEntity', 14]],
      [{ 'db/ident': 'person/name', 'db/doc': 'doc' }],
    ];
    for (const s of steps) {
      const r = await tx(db, s);
      db = r.dbAfter;
      replay = await applyDatoms(replay, r.txData);
    }
    expect(await allIndexes(replay)).toEqual(await allIndexes(db));
    expect(replay.schema.attrs.get('person/name')?.doc).toBe('doc');
    // replaying again is idempotent: present assertions and absent retractions are skipped
    const again = await applyDatoms(
      replay,
      (await tx(emptyDb(), PEOPLE)).txData.filter((d) => d.a !== 'db/txInstant'),
    );
    expect((await again.datoms('eavt')).length).toBe((await replay.datoms('eavt')).length);
  });

  it('a raw retraction moves the stored assertion to history', async () => {
    const db = await dbWith(undefined, DATA);
    const t = db.maxTx + 1;
    const { Datom } = await import('./types.js');
    const after = await applyDatoms(db, [new Datom(13, 'person/age', 30, t, false), new Datom(t, 'db/txInstant', new Date(9e12), t)]);
    expect(await after.search(13, 'person/age')).toEqual([]);
    expect((await asOf(after, t - 1).search(13, 'person/age')).map((d) => d.v)).toEqual([30]);
    expect(after.maxTx).toBe(t);
  });

  it('dbParts -> dbFromParts round trip (schema through JSON)', async () => {
    const db = await dbWith(undefined, DATA);
    const parts = dbParts(db);
    expect(Object.keys(parts.indexes).sort()).toEqual(['aevt', 'avet', 'eavt', 'taevt', 'tavet', 'teavt']);
    const back = dbFromParts({ ...parts, schema: JSON.parse(JSON.stringify(parts.schema)) });
    expect(await allIndexes(back)).toEqual(await allIndexes(db));
    expect(back.schema.uniqueIdentity.has('person/email')).toBe(true);
    const r = await tx(back, [{ 'person/email': 'ann@x', 'person/age': 1 }]);
    expect(r.tempids).toEqual({ 'db/current-tx': db.maxTx + 1 });
    const noHist = dbParts(emptyDb({ keepHistory: false }));
    expect(Object.keys(noHist.indexes).sort()).toEqual(['aevt', 'avet', 'eavt']);
  });
});
