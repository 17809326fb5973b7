// The grammar, proved by round trips: parse -> print -> parse gives the same AST, for queries
// covering every production; plus the shapes the parser builds for a few forms.

import { describe, expect, it } from 'vitest';
import { keyword, symbol } from '../edn/types.js';
import { parseQuery } from './index.js';
import { parseRules } from './parser.js';
import { printQuery, printRules } from './print.js';

const queries = [
  '[:find ?e :where [?e :name "Ivan"]]',
  '[:find ?e ?n :with ?tx :in $ ?n :where [?e :name ?n ?tx true]]',
  '[:find ?x . :where [(ground 1) ?x]]',
  '[:find [?x ...] :in [?x ...]]',
  '[:find [?a ?b] :in [[?a ?b]] _]',
  '[:find ?a ?b :keys a b :in [?a ?b]]',
  '[:find ?a :strs a :in ?a]',
  '[:find ?a :syms a :in ?a]',
  '[:find (pull ?e [:name {:friend [:name]}]) (pull $b ?e ?p) :in $ $b ?p :where [?e :name _] [$b ?e :age 1]]',
  '[:find (count ?e) (min 3 ?a) (aggregate ?f ?a) :in $ ?f :where [?e :age ?a]]',
  '[:find ?e :where [[:email "a@b"] :friend ?e] [?e :status :status/active] [?e :score 1.5] [?e :n 42N] [?e _ #inst "2020-01-01T00:00:00.000Z"]]',
  '[:find ?e :where [?e :a ?v] [(> ?v 1)] [(+ ?v 1) ?w] [(vector ?v ?w) [?x ?y]] [(range ?v) [?r ...]] [(get-else $ ?e :b "d") ?b]]',
  '[:find ?e :where [?e :a _] (not [?e :b 1] [?e :c 2]) (not-join [?e] [?e :d ?x]) ($b not [?e :q 1])]',
  '[:find ?e :where (or [?e :a 1] (and [?e :b 2] [?e :c 3])) (or-join [[?e] ?x] [?e :d ?x] [?e :f ?x]) ($src or [?e :g 1])]',
  '[:find ?e :in $ % :where (rule ?e 1 _) ($b other ?e)]',
  '[:find ?e :where [$b ?e :a nil] [?e :b false] [?e :c "quoted \\"str\\""]]',
];

describe('parse -> print -> parse', () => {
  for (const text of queries) {
    it(text, () => {
      const ast = parseQuery(text);
      const printed = printQuery(ast);
      expect(parseQuery(printed)).toEqual(ast);
    });
  }

  it('rules round trip', () => {
    const text = '[[(anc ?a ?b) [?b :parent ?a]] [(anc [?a] ?b) [?x :parent ?a] (anc ?x ?b)] [(r ?x) (or [?x :a 1] [?x :b 2])]]';
    const rules = parseRules(text);
    expect(parseRules(printRules([...rules.values()].flat()))).toEqual(rules);
  });
});

describe('shapes', () => {
  it('keyword constants keep both the value and the attribute name', () => {
    const ast = parseQuery('[:find ?e :where [?e :person/status :status/active]]');
    expect(ast.where[0]).toEqual({
      kind: 'pattern',
      src: '$',
      terms: [
        { kind: 'var', name: '?e' },
        { kind: 'const', value: ':person/status', keyword: 'person/status' },
        { kind: 'const', value: ':status/active', keyword: 'status/active' },
      ],
    });
  });

  it('find specs', () => {
    expect(parseQuery('[:find ?x . :in ?x]').find.kind).toBe('scalar');
    expect(parseQuery('[:find [?x ...] :in ?x]').find.kind).toBe('coll');
    expect(parseQuery('[:find [?x ?y] :in ?x ?y]').find.kind).toBe('tuple');
    expect(parseQuery('[:find ?x ?y :in ?x ?y]').find.kind).toBe('rel');
  });

  it('map forms: EDN map and JS object', () => {
    const fromText = parseQuery('{:find [?e] :in [$] :where [[?e :name "x"]]}');
    const fromJs = parseQuery({ find: [symbol('?e')], where: [[symbol('?e'), keyword('name'), 'x']] });
    expect(fromJs).toEqual(fromText);
    expect(fromText).toEqual(parseQuery('[:find ?e :where [?e :name "x"]]'));
  });

  it('caches parsed queries by text', () => {
    const text = '[:find ?e :where [?e :cached 1]]';
    expect(parseQuery(text)).toBe(parseQuery(text));
  });
});
