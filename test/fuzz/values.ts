// Hostile JS values for the fuzzer: everything a caller can hand the public API by mistake or
// on purpose — wrong types, NaN dates, lone surrogates, symbols, cycles, deep nesting, sparse
// arrays, null-prototype objects, `__proto__` keys, Maps, objects that only inherit from a
// Date, Map, Set or Uint8Array — mixed with plausible database data (attribute names, entity
// ids, lookup refs) so that calls get past the first argument check.

import type { Random } from '../../src/util/random.js';

export const ATTRS = [
  'person/name',
  'person/email',
  'person/age',
  'person/friend',
  'person/tags',
  'person/born',
  'person/score',
  'person/id',
  'person/bytes',
  'person/big',
  'person/pt',
  'person/nick',
  'db/id',
  'db/ident',
  'db/txInstant',
  'db/valueType',
  'db/cardinality',
  'person/_friend',
  'no/such',
] as const;

function deepArray(depth: number): unknown {
  let x: unknown = 1;
  for (let i = 0; i < depth; i++) x = [x];
  return x;
}

function deepObject(depth: number): unknown {
  let x: unknown = 1;
  for (let i = 0; i < depth; i++) x = { 'person/friend': x };
  return x;
}

function cyclic(): unknown {
  const o: Record<string, unknown> = { 'person/name': 'loop' };
  o['person/friend'] = o;
  return o;
}

function protoKeyed(v: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = { 'person/name': 'p' };
  Object.defineProperty(o, '__proto__', { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const STRINGS = [
  '',
  'a',
  ' ',
  ':',
  '::',
  ':person/name',
  'person/name',
  '?x',
  '_',
  '$',
  '%',
  '...',
  'x\ud800y',
  '\udc00',
  '\u{1F600}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '[',
  ']',
  '{',
  '}',
  '(',
  ')',
  '#',
  '#inst "nope"',
  '#uuid "x"',
  '"',
  '\\',
  'nil',
  'true',
  '##NaN',
  '1N',
  '1M',
  'a'.repeat(10_000),
  '[:find ?e :where [?e :person/name]]',
  '[*]',
  '[:person/name]',
  'db.type/string',
];

/** A scalar-ish hostile value. */
export function atom(r: Random): unknown {
  switch (r.int(23)) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return r.next() < 0.5;
    case 3:
      return r.pick([0, -0, 1, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 + 2, -(2 ** 60), 1e308, 5e-324]);
    case 4:
      return r.int(40);
    case 5:
      return 536870913 + r.int(8);
    case 6:
      return r.pick([0n, 1n, -1n, 2n ** 64n, -(2n ** 70n)]);
    case 7:
    case 8:
      return r.pick(STRINGS);
    case 9:
      return r.pick(ATTRS);
    case 10:
      return Symbol('fuzz');
    case 11:
      return () => 1;
    case 12:
      return r.next() < 0.5 ? new Date(NaN) : new Date(r.int(2_000_000_000_000));
    case 13:
      return new Uint8Array(r.int(4));
    case 14:
      return Object.create(null);
    case 15:
      return new Map([['person/name', 'm']]);
    case 16:
      return new Set([1]);
    case 17:
      return cyclic();
    case 18:
      // past the stack, or around the limits a value's nesting meets (keys, codec, storage)
      return r.next() < 0.5 ? deepArray(r.next() < 0.5 ? 2_000 + r.int(20_000) : r.pick([30, 255, 256, 257, 511, 513])) : deepObject(2_000 + r.int(20_000));
    case 19:
      // biome-ignore lint/suspicious/noSparseArray: a sparse tuple is one of the fuzzed inputs
      return [,];
    case 20:
      return protoKeyed(r.pick(['x', 1, null, {}]));
    case 21:
      // inherits from a Date, Map, Set or Uint8Array without being one: instanceof says yes, methods throw
      return Object.create(r.pick<object>([new Date(0), new Map([['person/name', 'm']]), new Set([1]), new Uint8Array([1])]));
    default:
      return `:${r.pick(ATTRS)}`;
  }
}

/** A value of any shape: an atom, or a small array or object of values. */
export function anyValue(r: Random, depth = 0): unknown {
  const k = depth > 3 ? 0 : r.int(10);
  if (k < 6) return atom(r);
  if (k < 8) return Array.from({ length: r.int(5) }, () => anyValue(r, depth + 1));
  if (k < 9) return [r.pick(ATTRS), anyValue(r, depth + 1)]; // lookup-ref-ish
  const o: Record<string, unknown> = {};
  for (let i = r.int(4); i > 0; i--) o[r.next() < 0.8 ? r.pick(ATTRS) : r.pick(STRINGS)] = anyValue(r, depth + 1);
  return o;
}

/** EDN-ish text: a random walk over tokens that appear in queries, pull patterns and tx data. */
export function ednText(r: Random): string {
  const tokens = [
    '[',
    ']',
    '(',
    ')',
    '{',
    '}',
    ':find',
    ':where',
    ':in',
    ':keys',
    ':strs',
    ':syms',
    ':with',
    '?e',
    '?x',
    '?n',
    '$',
    '%',
    '_',
    '...',
    '.',
    ':person/name',
    ':person/age',
    ':person/friend',
    ':person/_friend',
    ':db/id',
    '"Ivan"',
    '"x\\ud800"',
    '1',
    '-1',
    '1.5',
    '1N',
    '##NaN',
    '#inst "2020-01-01"',
    '#inst "nope"',
    '#uuid "x"',
    'nil',
    'true',
    '*',
    'pull',
    'count',
    'sum',
    'max',
    'not',
    'or',
    'and',
    'not-join',
    'or-join',
    're-find',
    're-pattern',
    '"^(a+)+$"',
    'ground',
    'get-else',
    'missing?',
    '<',
    '=',
    'str',
    'tuple',
    'untuple',
    '#{',
    '#_',
    ':limit',
    ':default',
    ':as',
    '\\',
    ';',
    ',',
    '#',
    '^',
    '@',
    '~',
    '`',
    "'",
  ];
  const n = 1 + r.int(24);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.pick(tokens));
  return out.join(' ');
}
