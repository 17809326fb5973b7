// Built-in functions and predicates, one row per call: `[(f args...) ?r]` must bind ?r to the
// expected value (a predicate binds true, or drops the row: null).

import { describe, expect, it } from 'vitest';
import { q } from './index.js';

const cases: [call: string, expected: unknown][] = [
  ['(= 1 1 1)', true],
  ['(= [1 2] [1 2])', true],
  ['(not= 1 2)', true],
  ['(!= "a" "a")', null],
  ['(== 1 1.0)', true],
  ['(< 1 2 3)', true],
  ['(< 1 3 2)', null],
  ['(> "b" "a")', true],
  ['(<= 2 2)', true],
  ['(>= 1 2)', null],
  ['(< 1 "a")', null],
  ['(+ 1 2 3)', 6],
  ['(- 10 4)', 6],
  ['(- 5)', -5],
  ['(* 2 3 4)', 24],
  ['(/ 10 4)', 2.5],
  ['(+ 1N 2)', 3n],
  ['(quot 7 2)', 3],
  ['(rem -7 2)', -1],
  ['(mod -7 2)', 1],
  ['(inc 41)', 42],
  ['(dec 43)', 42],
  ['(max 3 9 2)', 9],
  ['(min 3 9 2)', 2],
  ['(max "a" "c" "b")', 'c'],
  ['(zero? 0)', true],
  ['(pos? 1)', true],
  ['(neg? 1)', null],
  ['(even? 4)', true],
  ['(odd? 3)', true],
  ['(compare 1 2)', -1],
  ['(true? true)', true],
  ['(false? false)', true],
  ['(nil? nil)', true],
  ['(some? 0)', true],
  ['(not false)', true],
  ['(and 1 2)', 2],
  ['(or nil 3)', 3],
  ['(identical? 1 1)', true],
  ['(identity "x")', 'x'],
  ['(name :a/b)', 'b'],
  ['(namespace :a/b)', 'a'],
  ['(type "s")', 'string'],
  ['(type :k)', 'keyword'],
  ['(vector 1 2)', [1, 2]],
  ['(list 1 2)', [1, 2]],
  ['(count [1 2 3])', 3],
  ['(count "abcd")', 4],
  ['(range 2 8 3)', [2, 5]],
  ['(not-empty [])', null],
  ['(empty? [])', true],
  ['(contains? [5 6] 1)', true],
  ['(get [5 6] 1)', 6],
  ['(str "a" 1 :k nil)', 'a1:k'],
  ['(pr-str "a" 1)', '"a" 1'],
  ['(print-str "a" 1)', 'a 1'],
  ['(subs "hello" 1 3)', 'el'],
  ['(subs "hello" 3)', 'lo'],
  ['(re-find "l+" "hello")', 'll'],
  ['(re-find "(h)(e)" "hello")', ['he', 'h', 'e']],
  ['(re-matches "h.*o" "hello")', 'hello'],
  ['(re-matches "h" "hello")', null],
  ['(re-seq "l" "hello")', ['l', 'l']],
  ['(clojure.string/blank? "  ")', true],
  ['(clojure.string/includes? "hello" "ell")', true],
  ['(clojure.string/starts-with? "hello" "he")', true],
  ['(clojure.string/ends-with? "hello" "lo")', true],
  ['(clojure.string/lower-case "AbC")', 'abc'],
  ['(clojure.string/upper-case "abc")', 'ABC'],
  ['(clojure.string/trim " x ")', 'x'],
  ['(clojure.string/join "," [1 2])', '1,2'],
  ['(clojure.string/split "a,b" ",")', ['a', 'b']],
  ['(clojure.string/capitalize "hELLO")', 'Hello'],
  ['(clojure.string/reverse "abc")', 'cba'],
  ['(clojure.string/replace "aXbX" "X" "-")', 'a-b-'],
  ['(tuple 1 :a)', [1, ':a']],
  ['(untuple [1 2])', [1, 2]],
  ['(ground 7)', 7],
  ['(-differ? 1 2 1 3)', true],
  ['(-differ? 1 2 1 2)', null],
];

describe('built-ins', () => {
  for (const [call, expected] of cases) {
    it(call, async () => {
      const result = await q(`[:find ?r . :where [${call} ?r]]`);
      if (expected === null) expect(result === null || result === false).toBe(true);
      else expect(result).toEqual(expected);
    });
  }

  it('re-pattern makes a regex other calls take', async () => {
    expect(await q('[:find ?r . :where [(re-pattern "e.") ?p] [(re-find ?p "hello") ?r]]')).toBe('el');
  });

  it('get on a plain object reads own keys only, like contains?', async () => {
    const query = '[:find ?r . :in ?m ?k :where [(get ?m ?k "none") ?r]]';
    expect(await q(query, { a: 1 }, 'a')).toBe(1);
    expect(await q(query, { a: 1 }, 'toString')).toBe('none');
  });

  it('a predicate call keeps or drops the row', async () => {
    expect(await q('[:find [?x ...] :in [?x ...] :where [(odd? ?x)]]', [1, 2, 3])).toEqual(expect.arrayContaining([1, 3]));
    expect(await q('[:find [?x ...] :in [?x ...] :where [(odd? ?x)]]', [1, 2, 3])).toHaveLength(2);
  });
});
