import { describe, expect, it } from 'vitest';
import { CairnError } from '../util/errors.js';
import { List, Tagged, Uuid, keyword, readEdn, readEdnAll, symbol } from './index.js';
import type { EdnValue } from './index.js';

const kw = keyword;
const sym = symbol;

describe('readEdn: scalars', () => {
  const cases: [string, EdnValue][] = [
    ['nil', null],
    ['true', true],
    ['false', false],
    ['0', 0],
    ['42', 42],
    ['-7', -7],
    ['+7', 7],
    ['-0', 0],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['-9007199254740991', -Number.MAX_SAFE_INTEGER],
    ['9007199254740992', 9007199254740992n],
    ['-9007199254740993', -9007199254740993n],
    ['123456789012345678901234567890', 123456789012345678901234567890n],
    ['1000000000000000', 1e15],
    ['0012'.slice(2), 12],
    ['1N', 1n],
    ['-5N', -5n],
    ['1.5', 1.5],
    ['-1.5', -1.5],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['2.5e+2', 250],
    ['1.', 1],
    ['2.5M', 2.5],
    ['7M', 7],
    ['##Inf', Infinity],
    ['##-Inf', -Infinity],
    ['"hi"', 'hi'],
    ['""', ''],
    ['"a\\"b\\\\c\\nd\\te\\rf\\bg\\fh"', 'a"b\\c\nd\te\rf\bg\fh'],
    ['"\\u00e9\\u2603"', 'é☃'],
    ['"multi\nline"', 'multi\nline'],
    ['"emoji 😀"', 'emoji 😀'],
    ['\\c', 'c'],
    ['\\newline', '\n'],
    ['\\space', ' '],
    ['\\tab', '\t'],
    ['\\return', '\r'],
    ['\\backspace', '\b'],
    ['\\formfeed', '\f'],
    ['\\u0041', 'A'],
    ['\\(', '('],
    ['\\\\', '\\'],
    [':a', kw('a')],
    [':person/name', kw('person/name')],
    [':person/_friend', kw('person/_friend')],
    [':db.type/string', kw('db.type/string')],
    [':a-b?*!', kw('a-b?*!')],
    ['?x', sym('?x')],
    ['...', sym('...')],
    ['_', sym('_')],
    ['$', sym('$')],
    ['$src', sym('$src')],
    ['%', sym('%')],
    ['+', sym('+')],
    ['-', sym('-')],
    ['/', sym('/')],
    ['-a', sym('-a')],
    ['clojure.string/blank?', sym('clojure.string/blank?')],
    ['nil?', sym('nil?')],
    ['truex', sym('truex')],
    ['#inst "2020-01-02T03:04:05.678Z"', new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678))],
    ['#inst "2020-01-02T03:04:05.678123456Z"', new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678))],
    ['#inst "2020-01-02T03:04:05Z"', new Date(Date.UTC(2020, 0, 2, 3, 4, 5))],
    ['#inst "2020-01-02T03:04:05+02:00"', new Date(Date.UTC(2020, 0, 2, 1, 4, 5))],
    ['#inst "2020-01-02T03:04:05"', new Date(Date.UTC(2020, 0, 2, 3, 4, 5))],
    ['#inst "2020-01-02"', new Date(Date.UTC(2020, 0, 2))],
    ['#inst "2020"', new Date(Date.UTC(2020, 0, 1))],
    ['#uuid "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"', new Uuid('f81d4fae-7dec-11d0-a765-00a0c91e6bf6')],
  ];
  it.each(cases)('%s', (text, expected) => {
    const v = readEdn(text);
    expect(v).toEqual(expected);
    if (typeof expected === 'number') expect(Object.is(v, expected)).toBe(true);
  });

  it('reads ##NaN', () => {
    expect(Number.isNaN(readEdn('##NaN'))).toBe(true);
  });

  it('interns keywords and symbols', () => {
    expect(readEdn(':a/b')).toBe(kw('a/b'));
    expect(readEdn('a/b')).toBe(sym('a/b'));
    expect(kw(':a/b')).toBe(kw('a/b'));
    const k = kw('person/name');
    expect([k.ns, k.local, k.name, String(k)]).toEqual(['person', 'name', 'person/name', ':person/name']);
    const u = kw('name');
    expect([u.ns, u.local]).toEqual([null, 'name']);
    expect(sym('/').ns).toBe(null);
  });
});

describe('readEdn: collections', () => {
  it('reads lists, vectors, maps, sets', () => {
    expect(readEdn('(a 1 "x")')).toEqual(new List([sym('a'), 1, 'x']));
    expect(readEdn('[]')).toEqual([]);
    expect(readEdn('()')).toEqual(new List([]));
    expect(readEdn('[1 [2 (3)]]')).toEqual([1, [2, new List([3])]]);
    const m = readEdn('{:a 1, :b [2 3] "c" nil}') as Map<EdnValue, EdnValue>;
    expect(m).toBeInstanceOf(Map);
    expect(m.get(kw('a'))).toBe(1);
    expect(m.get(kw('b'))).toEqual([2, 3]);
    expect(m.get('c')).toBe(null);
    expect(m.size).toBe(3);
    expect(readEdn('#{1 :a "s"}')).toEqual(new Set([1, kw('a'), 's']));
    expect(readEdn('{}')).toEqual(new Map());
    expect(readEdn('#{}')).toEqual(new Set());
  });

  it('keeps map insertion order', () => {
    const m = readEdn('{:z 1 :a 2 :m 3}') as Map<EdnValue, EdnValue>;
    expect([...m.keys()]).toEqual([kw('z'), kw('a'), kw('m')]);
  });

  it('treats commas and comments as whitespace and drops #_ forms', () => {
    expect(readEdn(' ,,[1,2 ; two\n 3 #_ 4 #_(5 6) 7] ; end')).toEqual([1, 2, 3, 7]);
    expect(readEdn('#_ #_ 1 2 3')).toBe(3);
    expect(readEdn('{:a #_ :b 1}')).toEqual(new Map([[kw('a'), 1]]));
    expect(readEdn('[1 #_ [nested #_ x]]')).toEqual([1]);
    expect(readEdn('1 #_ 2')).toBe(1);
  });

  it('reads tokens ending at delimiters', () => {
    expect(readEdn('[:a"s"b(c)]')).toEqual([kw('a'), 's', sym('b'), new List([sym('c')])]);
    expect(readEdn('[1;c\n2]')).toEqual([1, 2]);
  });

  it('reads a Datalog query', () => {
    const q = readEdn('[:find ?n . :in $ ?e :where [?e :person/name ?n] [(> ?a 18)]]');
    expect(q).toEqual([
      kw('find'),
      sym('?n'),
      sym('.'),
      kw('in'),
      sym('$'),
      sym('?e'),
      kw('where'),
      [sym('?e'), kw('person/name'), sym('?n')],
      [new List([sym('>'), sym('?a'), 18])],
    ]);
  });

  it('readEdnAll reads every top-level form', () => {
    expect(readEdnAll('1 :a ; c\n [2] #_ 3')).toEqual([1, kw('a'), [2]]);
    expect(readEdnAll('  ; only a comment')).toEqual([]);
  });
});

describe('readEdn: tagged literals', () => {
  it('uses registered tag readers, overriding built-ins', () => {
    const tags = { 'my/point': (v: EdnValue) => ({ point: v }) as unknown as EdnValue };
    expect(readEdn('#my/point [1 2]', { tags })).toEqual({ point: [1, 2] });
    expect(readEdn('#inst "2020"', { tags: { inst: (v) => `inst:${String(v)}` } })).toBe('inst:2020');
  });

  it('keeps unknown tags as Tagged when asked', () => {
    const v = readEdn('#foo/bar {:a 1}', { unknownTags: 'keep' });
    expect(v).toBeInstanceOf(Tagged);
    expect((v as Tagged).tag).toBe(sym('foo/bar'));
    expect((v as Tagged).value).toEqual(new Map([[kw('a'), 1]]));
  });
});

describe('readEdn: errors', () => {
  // [input, message fragment, line, column]
  const cases: [string, string, number, number][] = [
    ['', 'unexpected end of input', 1, 1],
    ['   ; just a comment', 'unexpected end of input', 1, 20],
    ['[1 2', "unterminated collection, expected ']' before the end of input (opened with '[' at line 1, column 1)", 1, 5],
    ['(1 2', "expected ')'", 1, 5],
    ['\n  {:a 1', "expected '}' before the end of input (opened with '{' at line 2, column 3)", 2, 8],
    ['[:find ?e\n :where [?e :a]\n', "expected ']' before the end of input (opened with '[' at line 1, column 1)", 3, 1],
    ['[1 2]]', 'unexpected content after the value', 1, 6],
    [')', "unmatched closing ')'", 1, 1],
    ['[1 }', "unmatched closing '}'", 1, 4],
    ['[1 2\n  {:a}]', 'even number of forms', 2, 3],
    ['{:a 1 :a 2}', 'duplicate map key :a', 1, 1],
    ['#{1 1}', 'duplicate set element 1', 1, 1],
    ['"abc', 'unterminated string', 1, 1],
    ['"abc\\', 'unterminated string', 1, 1],
    ['"\\', 'unterminated string', 1, 1],
    ['"a\\"', 'unterminated string', 1, 1],
    ['[1 "x\\', 'unterminated string', 1, 4],
    ['"a\\qb"', 'unsupported escape "\\q"', 1, 3],
    ['"\\u12"', 'invalid unicode escape', 1, 2],
    ['\\foo', 'invalid character literal "\\foo"', 1, 1],
    ['\\toString', 'invalid character literal "\\toString"', 1, 1],
    ['\\', 'unexpected end of input after \\', 1, 1],
    [':', 'keyword without a name', 1, 1],
    ['::a', 'auto-resolved keyword', 1, 1],
    [':a/', 'invalid keyword "a/"', 1, 1],
    ['a/', 'invalid symbol "a/"', 1, 1],
    ['1/2', 'invalid number "1/2"', 1, 1],
    ['0x10', 'invalid number "0x10"', 1, 1],
    ['012', 'leading zero', 1, 1],
    ['1.5N', 'invalid number "1.5N"', 1, 1],
    ['1e', 'invalid number "1e"', 1, 1],
    ['12abc', 'invalid number "12abc"', 1, 1],
    ['.5', 'invalid number ".5"', 1, 1],
    ['##Foo', 'unknown symbolic value "##Foo"', 1, 1],
    ['#foo 1', 'no reader for tag #foo', 1, 1],
    ['#:a{}', 'invalid dispatch "#:"', 1, 1],
    ['#', 'invalid dispatch', 1, 1],
    ['#inst 5', '#inst expects a string', 1, 1],
    ['#inst "yesterday"', 'invalid #inst timestamp "yesterday"', 1, 1],
    ['#inst "2020-13-01"', 'invalid #inst timestamp', 1, 1],
    ['#uuid "not-a-uuid"', 'invalid #uuid "not-a-uuid"', 1, 1],
    ['[#_]', "unmatched closing ']'", 1, 4],
  ];
  it.each(cases)('%j', (text, fragment, line, column) => {
    let err: unknown;
    try {
      readEdn(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CairnError);
    const ce = err as CairnError;
    expect(ce.code).toBe('edn/parse');
    expect(ce.message).toContain(fragment);
    expect(ce.message).toContain(`line ${line}, column ${column}`);
    expect(ce.data).toMatchObject({ line, column });
    expect(typeof ce.data['offset']).toBe('number');
  });

  it('rejects absurd nesting with a parse error, not a stack overflow', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect(() => readEdn(deep)).toThrow(/nesting deeper than/);
    const ok = '['.repeat(500) + ']'.repeat(500);
    expect(() => readEdn(ok)).not.toThrow();
  });
});
