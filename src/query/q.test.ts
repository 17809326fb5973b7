// Query features, table-driven: each case is a query, its inputs and the expected result.
// Relation results are compared as sets (sorted), since q has set semantics.

import { describe, expect, it } from 'vitest';
import { q } from './index.js';
import { fixtureDb } from '../db/testing/fixture-db.js';

const schema = {
  name: { index: true },
  email: { unique: 'identity' as const },
  friend: { ref: true, many: true },
  parent: { ref: true },
  alias: { many: true },
  age: {},
  status: {},
};

// 1 Ivan (15) - friends 2, 3; 2 Petr (37) - friend 3; 3 Oleg (37); 4 Ivan (22) no friends
const facts = [
  [1, 'name', 'Ivan'],
  [1, 'age', 15],
  [1, 'email', 'ivan@x'],
  [1, 'friend', 2],
  [1, 'friend', 3],
  [1, 'alias', 'Vanya'],
  [1, 'alias', 'Ivanushka'],
  [2, 'name', 'Petr'],
  [2, 'age', 37],
  [2, 'email', 'petr@x'],
  [2, 'friend', 3],
  [2, 'parent', 1],
  [2, 'status', ':status/active'],
  [3, 'name', 'Oleg'],
  [3, 'age', 37],
  [3, 'email', 'oleg@x'],
  [3, 'parent', 2],
  [4, 'name', 'Ivan'],
  [4, 'age', 22],
  [4, 'parent', 3],
  [4, 'status', ':status/inactive'],
  [10, 'db/ident', ':status/active'],
] as const;

const sortRows = (x: unknown): unknown =>
  Array.isArray(x) ? [...x].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0)) : x;

type Case = [name: string, query: string, inputs: unknown[], expected: unknown];

function run(cases: readonly Case[], async = false): void {
  for (const [name, query, inputs, expected] of cases) {
    it(name, async () => {
      const db = fixtureDb(schema, facts, { async });
      const args = inputs.map((x) => (x === '$db' ? db : x));
      expect(sortRows(await q(query, ...(args.length === 0 ? [db] : args)))).toEqual(sortRows(expected));
    });
  }
}

describe('patterns and joins', () => {
  const cases: Case[] = [
    ['constant value', '[:find ?e :where [?e :name "Ivan"]]', [], [[1], [4]]],
    [
      'join on entity',
      '[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]',
      [],
      [
        ['Ivan', 15],
        ['Petr', 37],
        ['Oleg', 37],
        ['Ivan', 22],
      ],
    ],
    ['value join', '[:find ?e1 ?e2 :where [?e1 :age ?a] [?e2 :age ?a] [(< ?e1 ?e2)]]', [], [[2, 3]]],
    ['ref join', '[:find ?n :where [?e :name "Petr"] [?e :friend ?f] [?f :name ?n]]', [], [['Oleg']]],
    ['swapped clauses give the same answer', '[:find ?n :where [?f :name ?n] [?e :friend ?f] [?e :name "Petr"]]', [], [['Oleg']]],
    ['blank', '[:find ?e :where [?e :friend _]]', [], [[1], [2]]],
    ['card many values', '[:find ?al :where [1 :alias ?al]]', [], [['Vanya'], ['Ivanushka']]],
    ['lookup ref in e', '[:find ?n :where [[:email "petr@x"] :name ?n]]', [], [['Petr']]],
    ['lookup ref in v of ref attr', '[:find ?e :where [?e :friend [:email "oleg@x"]]]', [], [[1], [2]]],
    ['keyword value', '[:find ?e :where [?e :status :status/active]]', [], [[2]]],
    ['attribute variable', '[:find ?a :where [3 ?a _]]', [], [['name'], ['age'], ['email'], ['parent']]],
    ['repeated var in pattern', '[:find ?e :where [?e :parent ?e]]', [], []],
    ['tx position', '[:find ?tx . :where [1 :name _ ?tx]]', [], 536870913],
    ['unknown entity lookup ref matches nothing', '[:find ?n :where [[:email "nobody"] :name ?n]]', [], []],
    [
      'product of disjoint clauses',
      '[:find ?a ?b :where [?a :status _] [?b :alias "Vanya"]]',
      [],
      [
        [2, 1],
        [4, 1],
      ],
    ],
    ['empty result short-circuits', '[:find ?n :where [?e :name "Nobody"] [?e :age ?a] [?x :name ?n]]', [], []],
  ];
  run(cases);
  describe('with every read asynchronous', () => run(cases, true));
});

describe('find specs and return maps', () => {
  run([
    ['scalar', '[:find ?a . :where [1 :age ?a]]', [], 15],
    ['scalar of nothing is null', '[:find ?a . :where [99 :age ?a]]', [], null],
    ['collection', '[:find [?n ...] :where [?e :age 37] [?e :name ?n]]', [], ['Petr', 'Oleg']],
    ['tuple', '[:find [?n ?a] :where [1 :name ?n] [1 :age ?a]]', [], ['Ivan', 15]],
    ['keys', '[:find ?n ?a :keys name age :where [?e :name ?n] [?e :age ?a] [(< ?a 20)]]', [], [{ name: 'Ivan', age: 15 }]],
    ['strs', '[:find ?n :strs name :where [1 :name ?n]]', [], [{ name: 'Ivan' }]],
    ['distinct tuples', '[:find ?n :where [?e :name ?n]]', [], [['Ivan'], ['Petr'], ['Oleg']]],
  ]);
});

describe(':in bindings', () => {
  run(
    [
      ['scalar', '[:find ?e :in $ ?n :where [?e :name ?n]]', ['$db', 'Petr'], [[2]]],
      ['tuple', '[:find ?e :in $ [?n ?a] :where [?e :name ?n] [?e :age ?a]]', ['$db', ['Ivan', 22]], [[4]]],
      ['collection', '[:find ?e :in $ [?n ...] :where [?e :name ?n]]', ['$db', ['Petr', 'Oleg']], [[2], [3]]],
      [
        'relation',
        '[:find ?e ?x :in $ [[?n ?x]] :where [?e :name ?n]]',
        [
          '$db',
          [
            ['Petr', 1],
            ['Oleg', 2],
          ],
        ],
        [
          [2, 1],
          [3, 2],
        ],
      ],
      ['empty collection', '[:find ?e :in $ [?n ...] :where [?e :name ?n]]', ['$db', []], []],
      ['no database at all', '[:find ?a ?b :in ?a ?b]', [1, 2], [[1, 2]]],
      ['named source', '[:find ?n :in $a :where [$a ?e :name ?n] [$a ?e :age 15]]', ['$db'], [['Ivan']]],
      [
        'collection of tuples as a source',
        '[:find ?n :in $ :where [?e :name ?n] [?e :age 37]]',
        [
          [
            [1, ':name', 'A'],
            [1, ':age', 37],
            [2, ':name', 'B'],
            [2, ':age', 3],
          ],
        ],
        [['A']],
      ],
      ['two sources joined', '[:find ?n ?c :in $ $b :where [?e :name ?n] [$b ?n ?c]]', ['$db', [['Oleg', 'red']]], [['Oleg', 'red']]],
      ['function passed in', '[:find ?e :in $ ?f :where [?e :age ?a] [(?f ?a)]]', ['$db', (a: number) => a > 30], [[2], [3]]],
      ['map form with offset/limit', '', [], null],
    ].filter((c) => c[1] !== '') as Case[],
  );
  it('map form with offset and limit', async () => {
    const db = fixtureDb(schema, facts);
    const all = (await q({ query: '[:find ?e :where [?e :age _]]', args: [db] })) as unknown[];
    expect(all).toHaveLength(4);
    const page = (await q({ query: '[:find ?e :where [?e :age _]]', args: [db], offset: 1, limit: 2 })) as unknown[];
    expect(page).toEqual(all.slice(1, 3));
  });
});

describe('predicates and functions', () => {
  run([
    ['comparison', '[:find ?e :where [?e :age ?a] [(> ?a 20)]]', [], [[2], [3], [4]]],
    ['predicate written before its binder', '[:find ?e :where [(> ?a 20)] [?e :age ?a]]', [], [[2], [3], [4]]],
    ['function binding', '[:find ?e ?b :where [?e :age ?a] [(+ ?a 1) ?b] [(< ?b 17)]]', [], [[1, 16]]],
    ['unify with bound var', '[:find ?e :where [?e :age ?a] [(inc 14) ?a]]', [], [[1]]],
    ['collection binding', '[:find ?x :where [(range 3) [?x ...]]]', [], [[0], [1], [2]]],
    ['tuple binding', '[:find ?a ?b :where [(vector 1 2) [?a ?b]]]', [], [[1, 2]]],
    [
      'relation binding',
      '[:find ?a ?b :where [(vector [1 2] [3 4]) [[?a ?b]]]]',
      [],
      [
        [1, 2],
        [3, 4],
      ],
    ],
    ['nil result drops the row', '[:find ?e :where [?e :name ?n] [(re-find #"^I" ?n) ?m]]'.replace('#"^I"', '"^I"'), [], [[1], [4]]],
    [
      'get-else',
      '[:find ?e ?s :where [?e :name _] [(get-else $ ?e :status "none") ?s]]',
      [],
      [
        [1, 'none'],
        [2, ':status/active'],
        [3, 'none'],
        [4, ':status/inactive'],
      ],
    ],
    ['missing?', '[:find ?e :where [?e :name _] [(missing? $ ?e :friend)]]', [], [[3], [4]]],
    ['get-some', '[:find ?v . :where [(get-some $ 2 :nothing :age) ?v]]', [], ['age', 37]],
    ['ground', '[:find ?x :where [(ground 5) ?x]]', [], [[5]]],
    ['str and subs', '[:find ?s :where [1 :name ?n] [(str ?n "!") ?x] [(subs ?x 1 3) ?s]]', [], [['va']]],
    ['clojure.string predicate', '[:find ?n :where [?e :name ?n] [(clojure.string/starts-with? ?n "O")]]', [], [['Oleg']]],
    ['quot rem mod', '[:find ?a ?b ?c :where [(quot -7 2) ?a] [(rem -7 2) ?b] [(mod -7 2) ?c]]', [], [[-3, -1, 1]]],
    ['tuple / untuple', '[:find ?y :where [(tuple 1 2) ?t] [(untuple ?t) [_ ?y]]]', [], [[2]]],
    ['re-matches', '[:find ?n :where [?e :name ?n] [(re-matches "P.*r" ?n)]]', [], [['Petr']]],
    ['count of a string', '[:find ?c . :where [1 :name ?n] [(count ?n) ?c]]', [], 4],
    ['predicate against an :in scalar', '[:find ?e :in $ ?min :where [?e :age ?a] [(> ?a ?min)]]', ['$db', 20], [[2], [3], [4]]],
    ['function output unified with an :in scalar', '[:find ?e :in $ ?t :where [?e :age ?a] [(* ?a 2) ?t]]', ['$db', 30], [[1]]],
    ['predicate on :in scalars only', '[:find ?e :in $ ?x :where [?e :age 15] [(> ?x 1)]]', ['$db', 0], []],
    ['nested q', '[:find ?c . :in $ :where [(q "[:find (count ?e) . :where [?e :age 37]]" $) ?c]]', ['$db'], 2],
    [
      'predicate from :in answering some rows with a Promise',
      '[:find ?e :in $ ?f :where [?e :age ?a] [(?f ?a)]]',
      ['$db', (a: number) => (a > 30 ? Promise.resolve(true) : a > 20)],
      [[2], [3], [4]],
    ],
    [
      'predicate from :in whose Promises answer false',
      '[:find ?e :in $ ?f :where [?e :age ?a] [(?f ?a)]]',
      ['$db', (a: number) => (a === 37 ? Promise.resolve(false) : true)],
      [[1], [4]],
    ],
  ]);
});

describe('not, or, and', () => {
  run([
    ['not', '[:find ?e :where [?e :name _] (not [?e :friend _])]', [], [[3], [4]]],
    ['not with value join', '[:find ?e :where [?e :age ?a] (not [(< ?a 20)])]', [], [[2], [3], [4]]],
    ['not-join', '[:find ?e :where [?e :name _] (not-join [?e] [?e :friend ?f] [?f :age 37])]', [], [[3], [4]]],
    ['constant-only not gate', '[:find ?e :where [?e :age 15] (not [_ :name "Nobody"])]', [], [[1]]],
    ['constant-only not gate that closes', '[:find ?e :where [?e :age 15] (not [_ :name "Oleg"])]', [], []],
    ['or', '[:find ?e :where (or [?e :name "Oleg"] [?e :age 15])]', [], [[1], [3]]],
    ['or with and', '[:find ?e :where (or (and [?e :name "Ivan"] [?e :age 22]) [?e :name "Petr"])]', [], [[2], [4]]],
    ['or-join', '[:find ?e :where [?e :name _] (or-join [?e] [?e :friend 3] (and [?e :parent ?p] [?p :name "Ivan"]))]', [], [[1], [2]]],
    ['or with bound var', '[:find ?n :where [?e :name ?n] (or [?e :age 15] [?e :age 22])]', [], [['Ivan']]],
    ['not inside or', '[:find ?e :where [?e :name _] (or [?e :age 15] (not [?e :friend _]))]', [], [[1], [3], [4]]],
  ]);
});

describe('rules', () => {
  const rules = `[[(follows ?a ?b) [?a :friend ?b]]
                  [(follows ?a ?b) [?a :friend ?x] (follows ?x ?b)]
                  [(ancestor ?a ?d) [?d :parent ?a]]
                  [(ancestor ?a ?d) [?d :parent ?x] (ancestor ?a ?x)]
                  [(older ?a ?b) [?a :age ?x] [?b :age ?y] [(> ?x ?y)]]
                  [(even ?x) [(ground 0) ?x]]
                  [(even ?x) [(range 1 6) [?x ...]] [(dec ?x) ?y] (odd ?y)]
                  [(odd ?x) [(range 1 6) [?x ...]] [(dec ?x) ?y] (even ?y)]]`;
  run([
    ['non-recursive rule', '[:find ?b :in $ % :where (older 2 ?b)]', ['$db', rules], [[1], [4]]],
    ['recursive rule, bound first arg', '[:find ?b :in $ % :where (follows 1 ?b)]', ['$db', rules], [[2], [3]]],
    [
      'recursive rule, free',
      '[:find ?a ?b :in $ % :where (follows ?a ?b)]',
      ['$db', rules],
      [
        [1, 2],
        [1, 3],
        [2, 3],
      ],
    ],
    ['recursive rule, bound second arg', '[:find ?a :in $ % :where (follows ?a 3)]', ['$db', rules], [[1], [2]]],
    ['left-recursive chain', '[:find ?d :in $ % :where (ancestor 1 ?d)]', ['$db', rules], [[2], [3], [4]]],
    [
      'rule joined with pattern',
      '[:find ?n :in $ % :where [?e :name "Ivan"] [?e :age 15] (ancestor ?e ?d) [?d :name ?n]]',
      ['$db', rules],
      [['Petr'], ['Oleg'], ['Ivan']],
    ],
    ['mutual recursion', '[:find ?x :in $ % :where (even ?x)]', ['$db', rules], [[0], [2], [4]]],
    [
      'rule called twice',
      '[:find ?a ?b :in $ % :where (older ?a 1) (older ?b ?a)]',
      ['$db', rules],
      [
        [4, 2],
        [4, 3],
      ],
    ],
    [
      'rule calling a rule, false and zero arguments',
      `[:find ?x :in $ % :where (flag ?x false 0)]`,
      ['$db', `[[(flag ?x ?f ?z) [(ground ?f) ?g] [(= ?g false)] (even ?x) [(> ?x ?z)]] ${rules.slice(1, -1)}]`],
      [[2], [4]],
    ],
    ['self-join inside a rule body', '[:find ?a ?b :in $ % :where (mutual ?a ?b)]', ['$db', '[[(mutual ?a ?b) [?a :friend ?b] [?b :friend ?a]]]'], []],
    ['self-join inside not-join', '[:find ?e :where [?e :age ?a] (not-join [?e ?a] [?o :age ?a] [(not= ?o ?e)])]', [], [[1], [4]]],
  ]);
});

describe('aggregates', () => {
  run([
    ['count', '[:find (count ?e) . :where [?e :name _]]', [], 4],
    ['count-distinct', '[:find (count-distinct ?n) . :where [?e :name ?n]]', [], 3],
    [
      'grouped sum',
      '[:find ?a (count ?e) :where [?e :age ?a]]',
      [],
      [
        [15, 1],
        [22, 1],
        [37, 2],
      ],
    ],
    ['sum without :with collapses duplicates', '[:find (sum ?a) . :where [?e :age ?a]]', [], 74],
    ['sum with :with', '[:find (sum ?a) . :with ?e :where [?e :age ?a]]', [], 111],
    ['avg median', '[:find (avg ?a) (median ?a) :with ?e :where [?e :age ?a]]', [], [[27.75, 29.5]]],
    ['min max', '[:find (min ?a) (max ?a) :where [?e :age ?a]]', [], [[15, 37]]],
    [
      'min n / max n (ascending, as DataScript)',
      '[:find (min 2 ?a) (max 2 ?a) :where [?e :age ?a]]',
      [],
      [
        [
          [15, 22],
          [22, 37],
        ],
      ],
    ],
    ['variance stddev', '[:find (variance ?a) (stddev ?a) :where [?e :age ?a] [(< ?a 30)]]', [], [[12.25, 3.5]]],
    ['distinct', '[:find (distinct ?a) . :where [?e :age ?a] [(> ?a 20)]]', [], [22, 37]],
    ['aggregate over nothing', '[:find (count ?e) :where [?e :name "Nobody"]]', [], []],
    ['custom aggregate from :in', '[:find (aggregate ?f ?a) . :in $ ?f :where [?e :age ?a]]', ['$db', (xs: number[]) => xs.length * 100], 300],
  ]);
});
