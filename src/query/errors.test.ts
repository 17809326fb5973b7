// Every query error: its code, and a message naming the culprit (and, for parse errors, where).

import { describe, expect, it } from 'vitest';
import { isCairnError } from '../util/errors.js';
import { q } from './index.js';
import { fixtureDb } from '../db/testing/fixture-db.js';

const db = fixtureDb({ name: {}, age: {}, friend: { ref: true, many: true } }, [
  [1, 'name', 'Ivan'],
  [1, 'age', 3],
  [1, 'friend', 2],
]);

type Case = [name: string, query: string, inputs: unknown[], code: string, message: RegExp];

const cases: Case[] = [
  ['EDN syntax error, with its position', '[:find ?e :where [?e :name]', [db], 'query/parse', /Malformed query: .*line 1, column 1/],
  ['EDN syntax error inside', '[:find ?e :where [?e :name "x]]', [db], 'query/parse', /Malformed query: .*line 1/],
  ['not a query', '"hello"', [db], 'query/parse', /vector or a map/],
  ['no :find', '[:where [?e :name ?n]]', [db], 'query/parse', /no :find/],
  ['unknown section', '[:find ?e :wher [?e :name]]', [db], 'query/parse', /Unknown query section :wher/],
  ['bad find element', '[:find "x" :where [?e :name]]', [db], 'query/parse', /:find element 0.*"x"/],
  ['bad clause names its position', '[:find ?e :where [?e :name] 42]', [db], 'query/parse', /:where clause 1: 42/],
  ['bad symbol in pattern', '[:find ?e :where [?e :name foo]]', [db], 'query/parse', /:where clause 0.*foo/],
  ['and outside or', '[:find ?e :where (and [?e :name])]', [db], 'query/parse', /only allowed inside or/],
  ['bad binding', '[:find ?e :where [(identity 1) "x"]]', [db], 'query/parse', /binding/],
  [':keys count mismatch', '[:find ?e ?n :keys a :where [?e :name ?n]]', [db], 'query/parse', /:keys needs one name per :find element/],
  ['unknown find var', '[:find ?x :where [?e :name ?n]]', [db], 'query/unbound-variable', /unknown vars: \[\?x\]/],
  ['unbound predicate var', '[:find ?e :where [?e :name ?n] [(> ?z 1)]]', [db], 'query/unbound-variable', /\?z in \[\(> \?z 1\)\]/],
  ['not-join on unbound var', '[:find ?e :where [?e :name _] (not-join [?x] [?x :age 3])]', [db], 'query/insufficient-binding', /\?x not bound in \(not-join/],
  ['or-join required var unbound', '[:find ?e :where (or-join [[?x] ?e] [?e :name ?x])]', [db], 'query/insufficient-binding', /\?x/],
  ['unknown function', '[:find ?e :where [?e :age ?a] [(frobnicate ?a)]]', [db], 'query/unknown-function', /'frobnicate'/],
  ['function var not a function', '[:find ?e :in $ ?f :where [?e :age ?a] [(?f ?a)]]', [db, 5], 'query/unknown-function', /\?f/],
  ['wrong arity', '[:find ?e :where [?e :age ?a] [(inc ?a 1) ?b]]', [db], 'query/arity', /'inc': expected 1, got 2/],
  ['unknown aggregate', '[:find (frob ?a) :where [?e :age ?a]]', [db], 'query/unknown-function', /'frob'/],
  ['unknown aggregate, even with no rows', '[:find (frob ?a) :where [?e :age ?a] [(> ?a 100)]]', [db], 'query/unknown-function', /'frob'/],
  ['aggregate arity', '[:find (count 2 ?a) :where [?e :age ?a]]', [db], 'query/arity', /aggregate 'count': 2 given, expected 1/],
  ['sample needs n', '[:find (sample ?a) :where [?e :age ?a]]', [db], 'query/arity', /'sample'/],
  ['unknown rule', '[:find ?e :where (follows ?e ?x)]', [db], 'query/rule', /Unknown rule 'follows'/],
  ['rule arity', '[:find ?e :in $ % :where (r ?e ?x)]', [db, '[[(r ?a) [?a :name _]]]'], 'query/arity', /Rule 'r' takes 1 arguments, called with 2/],
  ['wrong number of inputs', '[:find ?e :in $ ?n :where [?e :name ?n]]', [db], 'query/invalid-input', /:in has 2 binding\(s\), 1 given/],
  ['bad source', '[:find ?e :where [?e :name _]]', [42], 'query/invalid-input', /Source \$ must be a database/],
  ['unknown source', '[:find ?e :where [$x ?e :name _]]', [db], 'query/invalid-input', /Unknown source \$x/],
  ['collection binding of a scalar', '[:find ?x :in [?x ...]]', [5], 'query/invalid-input', /input 0/],
  ['function throwing', '[:find ?e :where [?e :name ?n] [(subs ?n 1 2 3)]]', [db], 'query/arity', /'subs'/],
  ['arithmetic on a string', '[:find ?x :where [?e :name ?n] [(+ ?n 1) ?x]]', [db], 'query/execution', /Expected a number, got "Ivan"/],
  ['malformed rules', '[:find ?e :in $ % :where (r ?e)]', [db, '[(r ?a)]'], 'query/parse', /rule 0/],
  ['rules that are not EDN', '[:find ?e :in $ % :where (r ?e)]', [db, '[[(r ?a) [?a :name _]]'], 'query/parse', /Malformed rules/],
];

describe('query errors', () => {
  for (const [name, query, inputs, code, message] of cases) {
    it(name, async () => {
      const err = await q(query, ...inputs).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isCairnError(err), `expected a CairnError, got ${String(err)}`).toBe(true);
      expect((err as { code: string }).code).toBe(code);
      expect((err as Error).message).toMatch(message);
      expect(() => JSON.stringify((err as { data: unknown }).data)).not.toThrow();
    });
  }

  it('a failed query leaves later queries working', async () => {
    await expect(q('[:find ?x :where [?e :name ?n]]', db)).rejects.toThrow();
    expect(await q('[:find ?n . :where [?e :name ?n]]', db)).toBe('Ivan');
  });
});
