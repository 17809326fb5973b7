// The console's result-to-table conversion, one case per result shape of docs/api.md.
import { describe, expect, it } from 'vitest';
import { errorPosition, findColumns, formatValue, toTable } from './format.js';

describe('findColumns', () => {
  it.each([
    ['[:find ?a ?b :where [?e :x ?a]]', ['?a', '?b']],
    ['[:find ?name (count ?t) :keys n c :where [?t :x ?name]]', ['?name', '(count ?t)']],
    ['[:find [?x ...] :where [?e :x ?x]]', ['[?x ...]']],
    ['[:find ?x . :in $ ?y :where [?e :x ?x]]', ['?x', '.']],
    ['[:find (pull ?e [:a {:b [:c]}]) :where [?e :a]]', ['(pull ?e [:a {:b [:c]}])']],
    ['not a query', []],
  ])('%s', (query, columns) => {
    expect(findColumns(query)).toEqual(columns);
  });
});

describe('toTable', () => {
  it.each([
    [
      'relation',
      '[:find ?a ?b :where]',
      [
        [1, 'x'],
        [2, 'y'],
      ],
      ['?a', '?b'],
      [
        [1, 'x'],
        [2, 'y'],
      ],
    ],
    ['empty relation', '[:find ?a ?b :where]', [], ['?a', '?b'], []],
    ['collection', '[:find [?x ...] :where]', ['a', 'b'], ['?x'], [['a'], ['b']]],
    ['single tuple', '[:find [?a ?b] :where]', [1, 'x'], ['?a', '?b'], [[1, 'x']]],
    ['scalar', '[:find ?x . :where]', 42, ['?x'], [[42]]],
    ['scalar nil', '[:find ?x . :where]', null, ['?x'], [[null]]],
    ['keys', '[:find ?a ?b :keys a b :where]', [{ a: 1, b: 2 }], ['a', 'b'], [[1, 2]]],
    [
      'pull',
      '',
      { 'person/name': 'Ada', 'db/id': 3 },
      ['attribute', 'value'],
      [
        [':person/name', 'Ada'],
        [':db/id', 3],
      ],
    ],
  ])('%s', (_name, query, result, columns, rows) => {
    const t = toTable(result, query);
    expect(t.columns).toEqual(columns);
    expect(t.rows).toEqual(rows);
  });
});

describe('formatValue', () => {
  it.each([
    [null, 'nil'],
    ['plain', 'plain'],
    [':status/done', ':status/done'],
    [['a', ':k', 1], '["a" :k 1]'],
    [{ 'task/title': 'x', n: 2 }, '{:task/title "x", :n 2}'],
    [new Date('2030-01-02T03:04:05Z'), '#inst "2030-01-02T03:04:05.000Z"'],
    [12n, '12N'],
  ])('%s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });
});

describe('errorPosition', () => {
  it.each([
    [{ line: 2, column: 7, offset: 30 }, 'line 2, column 7'],
    [{ offset: 12 }, 'character 12'],
    [{ path: ':where' }, undefined],
    [undefined, undefined],
  ])('%j', (data, text) => {
    expect(errorPosition(data)).toBe(text);
  });
});
