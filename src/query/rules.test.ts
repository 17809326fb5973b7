// Recursive rules, three ways that must agree on seeded random graphs with cycles: the
// transitive-closure traversal (closure.ts), the linear-rule walk (linear.ts, reached by adding
// a harmless clause that takes the rule out of the closure shape) and the general semi-naive
// fixpoint (rules.ts, forced by routing the recursive call through an alias rule, which puts
// two rules in the recursive component).

import { describe, expect, it } from 'vitest';
import { seededRandom } from '../util/random.js';
import { closureShape } from './closure.js';
import { linearShape } from './linear.js';
import { q } from './index.js';
import { parseRules } from './parser.js';
import { fixtureDb, type Gate, roundTrips } from '../db/testing/fixture-db.js';

const VARIANTS: [string, string][] = [
  ['right-linear forward', '[[(r ?a ?b) [?a :next ?b]] [(r ?a ?b) [?a :next ?t] (r ?t ?b)]]'],
  ['left-linear forward', '[[(r ?a ?b) [?a :next ?b]] [(r ?a ?b) (r ?a ?t) [?t :next ?b]]]'],
  ['right-linear backward', '[[(r ?a ?b) [?b :next ?a]] [(r ?a ?b) [?t :next ?a] (r ?t ?b)]]'],
  ['left-linear backward, step first', '[[(r ?x ?y) (r ?x ?z) [?y :next ?z]] [(r ?x ?y) [?y :next ?x]]]'],
];

/** The same rule with an extra always-true clause: no longer a pure closure, still linear. */
const general = (rules: string): string => rules.replace(/\(r ([?a-z]+) ([?a-z]+)\) \[/g, '(r $1 $2) [(ground 0) ?zero] [');
/** The same rule with its recursive call through an alias: only the general fixpoint solves it. */
const fixpoint = (rules: string): string => `${rules.slice(0, -1).replace(/(?<!\[)\(r /g, '(r2 ')} [(r2 ?p ?q) (r ?p ?q)]]`;

/** Filtered traversal: linear rules that are not closures. */
const FILTERED = [
  '[[(r ?a ?b) [?a :next ?b] [(odd? ?b)]] [(r ?a ?b) [?a :next ?t] [(not= ?t 3)] (r ?t ?b)]]',
  '[[(r ?a ?b) (r ?a ?t) [?t :next ?b] [(< ?t ?b)]] [(r ?a ?b) [?a :next ?b]]]',
  '[[(r ?a ?b) [?b :next ?a]] [(r ?a ?b) [?t :next ?a] [?t :next ?u] (r ?u ?b)]]',
];

const CALLS = ['(r ?x ?y)', '(r 3 ?y)', '(r ?x 3)', '(r ?x ?x)', '(r 2 _)', '(r _ 5)', '(r 1 4)'];

describe('recursive rules: closure, linear walk and fixpoint agree', () => {
  it('recognises the shapes and nothing else', () => {
    for (const [, text] of VARIANTS) expect(closureShape('r', parseRules(text).get('r')!)).not.toBeNull();
    expect(closureShape('r', parseRules(general(VARIANTS[0]![1])).get('r')!)).toBeNull();
    for (const [, text] of VARIANTS) expect(linearShape('r', parseRules(general(text)).get('r')!)).not.toBeNull();
    for (const text of FILTERED) expect(linearShape('r', parseRules(text).get('r')!)).not.toBeNull();
    expect(closureShape('r', parseRules('[[(r ?a ?b) [?a :next ?b]] [(r ?a ?b) [?a :other ?t] (r ?t ?b)]]').get('r')!)).toBeNull();
    expect(closureShape('r', parseRules('[[(r ?a ?b) [?a :next ?b]] [(r ?a ?b) [?a :next ?t] (r ?b ?t)]]').get('r')!)).toBeNull();
  });

  for (let seed = 1; seed <= 6; seed++) {
    it(`random graph ${seed}`, async () => {
      const rnd = seededRandom(seed);
      const n = 4 + rnd.int(10);
      const facts = Array.from({ length: n + rnd.int(2 * n) }, () => [1 + rnd.int(n), 'next', 1 + rnd.int(n)] as const);
      const db = fixtureDb({ next: { ref: true, many: true } }, facts);
      const cases: [string, string][] = [...VARIANTS, ...FILTERED.map((r, i): [string, string] => [`filtered ${i}`, r])];
      for (const [name, rules] of cases) {
        for (const call of CALLS) {
          const query = `[:find ?x ?y :in $ % :where [(ground 0) ?x0] ${call} [(identity ?x0) ?q]]`.replace(
            '?x ?y',
            call.includes('?x') && call.includes('?y') ? '?x ?y' : call.includes('?y') ? '?y' : call.includes('?x') ? '?x' : '?q',
          );
          const fast = await q(query, db, rules);
          const walked = await q(query, db, general(rules));
          const slow = await q(query, db, fixpoint(rules));
          const sort = (x: unknown) => JSON.stringify((x as unknown[][]).map((r) => JSON.stringify(r)).sort());
          expect(sort(fast), `seed ${seed}, ${name}, ${call}: closure vs fixpoint`).toBe(sort(slow));
          expect(sort(walked), `seed ${seed}, ${name}, ${call}: linear vs fixpoint`).toBe(sort(slow));
        }
      }
    });
  }

  it('walks a cold database one level per round trip', async () => {
    const gate: Gate = { pending: [] };
    const chain = Array.from({ length: 5 }, (_, i) => [i + 1, 'next', i + 2] as const); // 1 -> 2 -> ... -> 6
    const db = fixtureDb({ next: { ref: true, many: true } }, chain, { gate });
    const { result, trips } = await roundTrips(gate, () => q('[:find [?y ...] :in $ % :where (r 1 ?y)]', db, VARIANTS[0]![1]));
    expect([...(result as number[])].sort()).toEqual([2, 3, 4, 5, 6]);
    expect(trips).toBe(6); // levels 1..6 (the last finds no successor of 6)
  });
});
