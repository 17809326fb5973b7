import { describe, expect, it } from 'vitest';
import type { Value } from '../db/types.js';
import { CairnError } from '../util/errors.js';
import { isPromise } from '../util/maybe.js';
import { type FixtureAttr, type FixtureDb, fixtureDb } from '../db/testing/fixture-db.js';
import { pull, pullMany } from './index.js';

// The Datahike pull_api_test data set, attributes colon-less.
const SCHEMA: Record<string, FixtureAttr> = {
  aka: { many: true },
  child: { many: true, ref: true },
  friend: { many: true, ref: true },
  enemy: { many: true, ref: true },
  father: { ref: true },
  part: { ref: true, component: true, many: true },
  spec: { ref: true, component: true },
  email: { unique: 'identity' },
};

type Fact = readonly [number, string, Value];
const FACTS: Fact[] = [
  [1, 'name', 'Petr'],
  [1, 'aka', 'Devil'],
  [1, 'aka', 'Tupen'],
  [2, 'name', 'David'],
  [3, 'name', 'Thomas'],
  [4, 'name', 'Lucy'],
  [5, 'name', 'Elizabeth'],
  [6, 'name', 'Matthew'],
  [7, 'name', 'Eunan'],
  [8, 'name', 'Kerri'],
  [9, 'name', 'Rebecca'],
  [1, 'child', 2],
  [1, 'child', 3],
  [2, 'father', 1],
  [3, 'father', 1],
  [6, 'father', 3],
  [10, 'name', 'Part A'],
  [11, 'name', 'Part A.A'],
  [10, 'part', 11],
  [12, 'name', 'Part A.A.A'],
  [11, 'part', 12],
  [13, 'name', 'Part A.A.A.A'],
  [12, 'part', 13],
  [14, 'name', 'Part A.A.A.B'],
  [12, 'part', 14],
  [15, 'name', 'Part A.B'],
  [10, 'part', 15],
  [16, 'name', 'Part A.B.A'],
  [15, 'part', 16],
  [17, 'name', 'Part A.B.A.A'],
  [16, 'part', 17],
  [18, 'name', 'Part A.B.A.B'],
  [16, 'part', 18],
  [1, 'email', 'petr@x.org'],
  [20, 'db/ident', ':my/ident'],
  [20, 'name', 'Idented'],
];

const PARTS = {
  name: 'Part A',
  part: [
    {
      'db/id': 11,
      name: 'Part A.A',
      part: [
        {
          'db/id': 12,
          name: 'Part A.A.A',
          part: [
            { 'db/id': 13, name: 'Part A.A.A.A' },
            { 'db/id': 14, name: 'Part A.A.A.B' },
          ],
        },
      ],
    },
    {
      'db/id': 15,
      name: 'Part A.B',
      part: [
        {
          'db/id': 16,
          name: 'Part A.B.A',
          part: [
            { 'db/id': 17, name: 'Part A.B.A.A' },
            { 'db/id': 18, name: 'Part A.B.A.B' },
          ],
        },
      ],
    },
  ],
};

const RECURSION_FACTS: Fact[] = [
  [4, 'friend', 5],
  [5, 'friend', 6],
  [6, 'friend', 7],
  [7, 'friend', 8],
  [4, 'enemy', 6],
  [5, 'enemy', 7],
  [6, 'enemy', 8],
  [7, 'enemy', 4],
];
const FRIENDS = {
  'db/id': 4,
  name: 'Lucy',
  friend: [
    {
      'db/id': 5,
      name: 'Elizabeth',
      friend: [{ 'db/id': 6, name: 'Matthew', friend: [{ 'db/id': 7, name: 'Eunan', friend: [{ 'db/id': 8, name: 'Kerri' }] }] }],
    },
  ],
};
const ENEMIES = {
  'db/id': 4,
  name: 'Lucy',
  friend: [
    {
      'db/id': 5,
      name: 'Elizabeth',
      friend: [{ 'db/id': 6, name: 'Matthew', enemy: [{ 'db/id': 8, name: 'Kerri' }] }],
      enemy: [{ 'db/id': 7, name: 'Eunan', friend: [{ 'db/id': 8, name: 'Kerri' }], enemy: [{ 'db/id': 4, name: 'Lucy', friend: [{ 'db/id': 5 }] }] }],
    },
  ],
  enemy: [
    {
      'db/id': 6,
      name: 'Matthew',
      friend: [
        {
          'db/id': 7,
          name: 'Eunan',
          friend: [{ 'db/id': 8, name: 'Kerri' }],
          enemy: [{ 'db/id': 4, name: 'Lucy', friend: [{ 'db/id': 5, name: 'Elizabeth' }] }],
        },
      ],
      enemy: [{ 'db/id': 8, name: 'Kerri' }],
    },
  ],
};

// [title, extra facts, pattern, eid, expected]
type Case = [string, Fact[], unknown, unknown, unknown];
const CASES: Case[] = [
  ['attrs', [], '[:name :aka]', 1, { name: 'Petr', aka: ['Devil', 'Tupen'] }],
  ['ref as db/id, and db/id', [], '[:name :father :db/id]', 6, { name: 'Matthew', father: { 'db/id': 3 }, 'db/id': 6 }],
  ['reverse', [], '[:name :_child]', 2, { name: 'David', _child: [{ 'db/id': 1 }] }],
  ['reverse with pattern', [], '[:name {:_child [:name]}]', 2, { name: 'David', _child: [{ name: 'Petr' }] }],
  ['reverse non-component gives many', [], '[:name :_father]', 1, { name: 'Petr', _father: [{ 'db/id': 2 }, { 'db/id': 3 }] }],
  ['reverse many with pattern', [], '[:name {:_father [:name]}]', 1, { name: 'Petr', _father: [{ name: 'David' }, { name: 'Thomas' }] }],
  ['components expand recursively', [], '[:name :part]', 10, PARTS],
  ['reverse component is single', [], '[:name :_part]', 11, { name: 'Part A.A', _part: { 'db/id': 10 } }],
  ['reverse component with pattern', [], '[:name {:_part [:name]}]', 11, { name: 'Part A.A', _part: { name: 'Part A' } }],
  [
    'component expansion cuts loops',
    [[12, 'part', 10]],
    '[:name :part]',
    10,
    {
      ...PARTS,
      part: [{ ...PARTS.part[0], part: [{ ...PARTS.part[0]!.part[0], part: [{ 'db/id': 10 }, ...PARTS.part[0]!.part[0]!.part] }] }, PARTS.part[1]],
    },
  ],
  ['wildcard', [], '[*]', 1, { 'db/id': 1, name: 'Petr', aka: ['Devil', 'Tupen'], child: [{ 'db/id': 2 }, { 'db/id': 3 }], email: 'petr@x.org' }],
  ['wildcard and reverse', [], '[* :_child]', 2, { 'db/id': 2, name: 'David', _child: [{ 'db/id': 1 }], father: { 'db/id': 1 } }],
  ['wildcard expands components', [], '[*]', 15, { 'db/id': 15, name: 'Part A.B', part: [PARTS.part[1]!.part[0]] }],
  [
    'wildcard with a nested override',
    [],
    '[* {:child [:name]}]',
    1,
    { 'db/id': 1, name: 'Petr', aka: ['Devil', 'Tupen'], child: [{ name: 'David' }, { name: 'Thomas' }], email: 'petr@x.org' },
  ],
  ['empty result is null', [], '[:foo]', 1, null],
  ['legacy default', [], '[(default :foo "bar")]', 1, { foo: 'bar' }],
  ['default option', [], '[[:foo :default "bar"]]', 1, { foo: 'bar' }],
  ['default keyword becomes a keyword string', [], '[[:foo :default :status/none]]', 1, { foo: ':status/none' }],
  ['default on a reverse ref', [], '[:name [:_child :default 0]]', 1, { name: 'Petr', _child: 0 }],
  ['as', [], '[[:name :as "Name"] [:aka :as :alias]]', 1, { Name: 'Petr', alias: ['Devil', 'Tupen'] }],
  ['as and default', [], '[[:x :as "Name" :default "Nothing"]]', 1, { Name: 'Nothing' }],
  ['db/id with as', [], '[[:db/id :as "id"] :name]', 1, { id: 1, name: 'Petr' }],
  ['wildcard with an aliased db/id', [], '[* [:db/id :as "id"]]', 2, { id: 2, name: 'David', father: { 'db/id': 1 } }],
  [
    'wildcard with an aliased attribute',
    [],
    '[* [:aka :as "names"]]',
    1,
    {
      'db/id': 1,
      name: 'Petr',
      names: ['Devil', 'Tupen'],
      child: [{ 'db/id': 2 }, { 'db/id': 3 }],
      email: 'petr@x.org',
    },
  ],
  ['list form options', [], '[(:aka :limit 1 :as "a")]', 1, { a: ['Devil'] }],
  ['single ref map', [], '[:name {:father [:name]}]', 6, { name: 'Matthew', father: { name: 'Thomas' } }],
  ['many ref map', [], '[:name {:child [:name]}]', 1, { name: 'Petr', child: [{ name: 'David' }, { name: 'Thomas' }] }],
  ['missing attrs dropped', [], '[:name {:father [:name]}]', 1, { name: 'Petr' }],
  ['non-matching children removed, and the key with them', [], '[:name {:child [:foo]}]', 1, { name: 'Petr' }],
  ['some children match: the others are removed', [[2, 'foo', 'x']], '[:name {:child [:foo]}]', 1, { name: 'Petr', child: [{ foo: 'x' }] }],
  ['non-matching reverse children removed with the key', [], '[:name {:_child [:foo]}]', 2, { name: 'David' }],
  ['non-matching card-one child dropped', [], '[:name {:father [:foo]}]', 6, { name: 'Matthew' }],
  ['map spec overrides component expansion', [], '[:name {:part [:name]}]', 10, { name: 'Part A', part: [{ name: 'Part A.A' }, { name: 'Part A.B' }] }],
  ['depth overrides component expansion', [], '[:name {:part 1}]', 10, { name: 'Part A', part: [{ name: 'Part A.A' }, { name: 'Part A.B' }] }],
  ['infinite recursion', RECURSION_FACTS, '[:db/id :name {:friend ...}]', 4, FRIENDS],
  ['two recursion specs', RECURSION_FACTS, '[:db/id :name {:friend 2 :enemy 2}]', 4, ENEMIES],
  [
    'cycles return db/id',
    [...RECURSION_FACTS, [8, 'friend', 4]],
    '[:db/id :name {:friend ...}]',
    4,
    {
      ...FRIENDS,
      friend: [
        {
          ...FRIENDS.friend[0],
          friend: [
            {
              ...FRIENDS.friend[0]!.friend[0],
              friend: [
                {
                  ...FRIENDS.friend[0]!.friend[0]!.friend[0],
                  friend: [{ 'db/id': 8, name: 'Kerri', friend: [{ 'db/id': 4, name: 'Lucy', friend: [{ 'db/id': 5 }] }] }],
                },
              ],
            },
          ],
        },
      ],
    },
  ],
  [
    'limit as map key',
    [
      [4, 'friend', 5],
      [4, 'friend', 6],
      [4, 'friend', 7],
      [4, 'friend', 8],
    ],
    '[:name {(limit :friend 2) [:name]}]',
    4,
    { name: 'Lucy', friend: [{ name: 'Elizabeth' }, { name: 'Matthew' }] },
  ],
  [
    'attr-expr as map key',
    [
      [4, 'friend', 5],
      [4, 'friend', 6],
    ],
    '[{[:friend :limit 1 :as "f"] [:name]}]',
    4,
    { f: [{ name: 'Elizabeth' }] },
  ],
  ['reverse of a non-ref attribute matches nothing', [[3, 'email', 1]], '[:name :_email]', 1, { name: 'Petr' }],
  ['lookup ref', [], '[:name]', ['email', 'petr@x.org'], { name: 'Petr' }],
  ['ident', [], '[:name]', 'my/ident', { name: 'Idented' }],
  ['missing entity with db/id', [], '[:db/id :name]', 999, null],
  ['missing entity with wildcard', [], '[*]', 999, null],
  ['set pattern', [], '#{:name}', 1, { name: 'Petr' }],
  ['JS pattern', [], ['name', 'db/id', { child: ['name'] }], 1, { name: 'Petr', 'db/id': 1, child: [{ name: 'David' }, { name: 'Thomas' }] }],
  ['JS pattern with colons and options', [], [':name', ['aka', 'limit', 1], ['foo', ':default', 7]], 1, { name: 'Petr', aka: ['Devil'], foo: 7 }],
  ['JS wildcard and reverse', [], ['*', '_child'], 2, { 'db/id': 2, name: 'David', _child: [{ 'db/id': 1 }], father: { 'db/id': 1 } }],
  ['JS recursion', RECURSION_FACTS, ['db/id', 'name', { friend: '...' }], 4, FRIENDS],
  [
    'JS map with an option key',
    [
      [4, 'friend', 5],
      [4, 'friend', 6],
    ],
    [new Map([[['friend', 'limit', 1], ['name']]])],
    4,
    { friend: [{ name: 'Elizabeth' }] },
  ],
];

describe.each([
  ['cached reads (synchronous)', false],
  ['uncached reads (every read a Promise)', true],
])('pull: %s', (_title, async) => {
  it.each(CASES)('%s', async (_t, extra, pattern, eid, expected) => {
    const db = fixtureDb(SCHEMA, [...FACTS, ...extra], { async });
    const r = pull(db, pattern, eid as number);
    expect(isPromise(r)).toBe(async);
    expect(await r).toEqual(expected);
  });

  it.each([
    ['pull', (db: FixtureDb) => pull(db, '[:name]', ['email', 'nobody'])],
    ['pullMany', (db: FixtureDb) => pullMany(db, '[:name]', [1, ['email', 'nobody']])],
  ])('%s: a lookup ref that finds nothing is an error (Datahike entid-strict)', async (_t, call) => {
    const db = fixtureDb(SCHEMA, FACTS, { async });
    await expect((async () => call(db))()).rejects.toMatchObject({
      code: 'pull/lookup-ref',
      message: expect.stringMatching(/Nothing found for lookup ref \[email "nobody"\]/),
    });
  });

  it('pullMany keeps input order and gives null for misses', async () => {
    const db = fixtureDb(SCHEMA, FACTS, { async });
    const r = pullMany(db, '[:name]', [1, 5, 999, ['email', 'petr@x.org'], 7, 9]);
    expect(isPromise(r)).toBe(async);
    expect(await r).toEqual([{ name: 'Petr' }, { name: 'Elizabeth' }, null, { name: 'Petr' }, { name: 'Eunan' }, { name: 'Rebecca' }]);
  });

  it('limits card-many values: default 1000, explicit, nil', async () => {
    const many: Fact[] = Array.from({ length: 2000 }, (_, i) => [8, 'aka', `aka-${String(i).padStart(4, '0')}`] as const);
    const db = fixtureDb(SCHEMA, [...FACTS, ...many], { async });
    const count = async (p: string) => ((await pull(db, p, 8)) as { aka: unknown[] }).aka.length;
    expect(await count('[:aka]')).toBe(1000);
    expect(await count('[(limit :aka 500)]')).toBe(500);
    expect(await count('[[:aka :limit 500]]')).toBe(500);
    expect(await count('[(limit :aka 1500)]')).toBe(1500);
    expect(await count('[(limit :aka nil)]')).toBe(2000);
    expect(await count('[[:aka :limit nil]]')).toBe(2000);
    expect(((await pull(db, '[:aka]', 8)) as { aka: string[] }).aka[999]).toBe('aka-0999');
  });

  it('recurses 1500 levels deep', async () => {
    const facts: Fact[] = [[100, 'name', 'Person-100']];
    for (let i = 101; i < 1500; i++) facts.push([i, 'name', `Person-${i}`], [i - 1, 'friend', i]);
    const db = fixtureDb(SCHEMA, facts, { async });
    let node = (await pull(db, '[:name {:friend ...}]', 100)) as { name: string; friend?: unknown[] };
    let depth = 0;
    while (node.friend !== undefined) {
      node = node.friend[0] as typeof node;
      depth++;
    }
    expect(depth).toBe(1399);
    expect(node.name).toBe('Person-1499');
  });
});

describe('pull: dual recursion (Datahike test-dual-recursion)', () => {
  it('cuts cycles across two recursive attributes', () => {
    const db = fixtureDb({ part: { ref: true }, spec: { ref: true } }, [
      [1, 'part', 2],
      [2, 'part', 3],
      [3, 'part', 1],
      [1, 'spec', 2],
      [2, 'spec', 1],
    ]);
    expect(pull(db, '[:db/id {:part ...} {:spec ...}]', 1)).toEqual({
      'db/id': 1,
      spec: {
        'db/id': 2,
        spec: { 'db/id': 1, spec: { 'db/id': 2 }, part: { 'db/id': 2 } },
        part: { 'db/id': 3, part: { 'db/id': 1, spec: { 'db/id': 2 }, part: { 'db/id': 2 } } },
      },
      part: {
        'db/id': 2,
        spec: { 'db/id': 1, spec: { 'db/id': 2 }, part: { 'db/id': 2 } },
        part: { 'db/id': 3, part: { 'db/id': 1, spec: { 'db/id': 2 }, part: { 'db/id': 2 } } },
      },
    });
  });
});

describe('pull: reads', () => {
  it('reads each entity slice once in pullMany and once per nested entity', () => {
    const db = fixtureDb(SCHEMA, FACTS);
    pullMany(db, '[:name :aka {:child [:name]}]', [1, 2, 3]);
    // 3 top-level slices + 2 children of entity 1
    expect(db.reads).toBe(5);
  });

  it('keeps reading the same data after an async miss with a rejected read', async () => {
    const db = fixtureDb(SCHEMA, FACTS, { async: true });
    const failing = { ...db, search: () => Promise.reject(new Error('disk on fire')) };
    await expect(pull(failing, '[:name]', 1)).rejects.toThrow('disk on fire');
  });
});

describe('pull: errors', () => {
  const db = fixtureDb(SCHEMA, FACTS);
  const bad: [unknown, string][] = [
    ['[:name', 'invalid pull pattern "[:name"'],
    [':name', 'a pull pattern must be a vector'],
    ['[1]', 'invalid pull pattern element: 1'],
    ['[[:name :limit]]', 'expected an attribute followed by option/value pairs'],
    ['[[:name :limit 0]]', 'limit must be a positive integer or nil'],
    ['[[:name :limit "x"]]', 'limit must be a positive integer or nil'],
    ['[[:name :xform inc]]', 'unknown pull option :xform'],
    ['[(limit :name)]', '(limit attr value) takes exactly two arguments'],
    ['[{:friend :name}]', 'a pull pattern must be a vector'],
    ['[{:friend -1}]', 'recursion depth must be a positive integer'],
    ['[{:db/id [:name]}]', 'db/id cannot take a sub-pattern'],
    ['[{"" [:name]}]', 'expected an attribute name'],
    [42, 'a pull pattern must be EDN text or an array'],
    [['name', 3], 'invalid pull pattern element: 3'],
  ];
  it.each(bad)('%j', (pattern, fragment) => {
    try {
      pull(db, pattern, 1);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CairnError);
      expect((e as CairnError).code).toBe('pull/parse');
      expect((e as CairnError).message).toContain(fragment);
    }
  });

  it.each([[-1], [1.5], [{}], [[1, 2, 3]], [null]])('rejects entity reference %j', (eid) => {
    try {
      pull(db, '[:name]', eid as number);
      expect.unreachable();
    } catch (e) {
      expect((e as CairnError).code).toBe('pull/invalid');
    }
  });
});
