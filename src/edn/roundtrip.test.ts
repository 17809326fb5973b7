import { describe, expect, it } from 'vitest';
import { CairnError } from '../util/errors.js';
import { type EdnValue, List, Tagged, Uuid, keyword, printEdn, readEdn, symbol } from './index.js';

/** Seeded PRNG (mulberry32): deterministic "random" values for the generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strict structural equality: List != vector, -0 != 0, NaN == NaN, Keyword by identity. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => same(x, (b as unknown[])[i]));
  if (a instanceof List) return same(a.items, (b as List).items);
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof Uuid) return a.value === (b as Uuid).value;
  if (a instanceof Tagged) return a.tag === (b as Tagged).tag && same(a.value, (b as Tagged).value);
  if (a instanceof Map || a instanceof Set) {
    // Both keep insertion order and the printer/reader preserve it.
    const xs = [...(a as Map<unknown, unknown>).entries()];
    const ys = [...(b as Map<unknown, unknown>).entries()];
    return xs.length === ys.length && xs.every((x, i) => same(x, ys[i]));
  }
  return false;
}

const NAME_FIRST = 'abcxyzABZ*!_?<>=$%&.';
const NAME_REST = NAME_FIRST + "0123456789-+'#:";
const STRING_CHARS = ['a', 'z', ' ', '"', '\\', '\n', '\t', '\r', '\b', '\f', '\u0001', 'é', '😀', ';', '#', '{', ']', ','];

function gen(seed: number) {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const name = (): string => {
    let s = pick([...NAME_FIRST]);
    const n = int(6);
    for (let i = 0; i < n; i++) s += pick([...NAME_REST]);
    // '.' followed by a digit would be a malformed number; keep generated names readable.
    if (s[0] === '.' && /[0-9]/.test(s[1] ?? '')) s = 'd' + s;
    return s;
  };
  const qname = () => (r() < 0.5 ? `${name()}/${name()}` : name());
  const scalar = (): EdnValue => {
    switch (int(16)) {
      case 0:
        return null;
      case 1:
        return r() < 0.5;
      case 2:
        return int(2000) - 1000;
      case 3:
        return Math.floor((r() - 0.5) * 2 * Number.MAX_SAFE_INTEGER);
      case 4:
        return BigInt(Math.floor(r() * 1e9)) * 10n ** BigInt(int(30)) * (r() < 0.5 ? -1n : 1n);
      case 5:
        return (r() - 0.5) * 10 ** (int(40) - 20);
      case 6:
        return pick([NaN, Infinity, -Infinity, -0, 0.1, 2 ** 60, -(2 ** 70), 1e21, 5e-324]);
      case 7: {
        let s = '';
        const n = int(8);
        for (let i = 0; i < n; i++) s += pick(STRING_CHARS);
        return s;
      }
      case 8:
      case 9:
        return keyword(qname());
      case 10: {
        const s = qname();
        return ['nil', 'true', 'false'].includes(s) ? symbol('x' + s) : symbol(s);
      }
      case 11:
        return new Date(int(4e12) - 1e12);
      case 12: {
        const hex = () => int(16).toString(16);
        const part = (n: number) => Array.from({ length: n }, hex).join('');
        return new Uuid(`${part(8)}-${part(4)}-${part(4)}-${part(4)}-${part(12)}`);
      }
      case 13:
        return new Tagged(symbol(`my/${name()}`), int(10));
      default:
        return keyword(pick(['db/id', 'person/name', 'a', 'find']));
    }
  };
  const value = (depth: number): EdnValue => {
    if (depth <= 0 || r() < 0.45) return scalar();
    const n = int(5);
    switch (int(4)) {
      case 0:
        return Array.from({ length: n }, () => value(depth - 1));
      case 1:
        return new List(Array.from({ length: n }, () => value(depth - 1)));
      case 2: {
        const m = new Map<EdnValue, EdnValue>();
        for (let i = 0; i < n; i++) {
          const k = r() < 0.2 ? value(depth - 1) : scalar();
          if (!m.has(k)) m.set(k, value(depth - 1));
        }
        return m;
      }
      default: {
        const s = new Set<EdnValue>();
        for (let i = 0; i < n; i++) s.add(r() < 0.2 ? value(depth - 1) : scalar());
        return s;
      }
    }
  };
  return value;
}

describe('printEdn', () => {
  const cases: [EdnValue, string][] = [
    [null, 'nil'],
    [true, 'true'],
    [42, '42'],
    [-0, '-0.0'],
    [1.5, '1.5'],
    [2 ** 60, '1152921504606847000.0'],
    [1e21, '1e+21'],
    [10n, '10N'],
    [NaN, '##NaN'],
    [-Infinity, '##-Inf'],
    ['a"b\\c\nd\u0001', '"a\\"b\\\\c\\nd\\u0001"'],
    [keyword('person/name'), ':person/name'],
    [symbol('?e'), '?e'],
    [[1, [2]], '[1 [2]]'],
    [new List([symbol('f'), 1]), '(f 1)'],
    [
      new Map<EdnValue, EdnValue>([
        [keyword('a'), 1],
        ['b', [2]],
      ]),
      '{:a 1, "b" [2]}',
    ],
    [new Set([1]), '#{1}'],
    [new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6)), '#inst "2020-01-02T03:04:05.006Z"'],
    [new Uuid('f81d4fae-7dec-11d0-a765-00a0c91e6bf6'), '#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"'],
    [new Tagged(symbol('my/p'), [1, 2]), '#my/p [1 2]'],
  ];
  it.each(cases)('%s', (value, text) => {
    expect(printEdn(value)).toBe(text);
  });

  it('rejects values EDN cannot hold', () => {
    for (const bad of [undefined, () => 1, new Uint8Array(2), { a: 1 }, new Date(NaN)]) {
      expect(() => printEdn(bad as unknown as EdnValue)).toThrow(CairnError);
      try {
        printEdn(bad as unknown as EdnValue);
      } catch (e) {
        expect((e as CairnError).code).toBe('edn/print');
      }
    }
  });
});

describe('parse -> print -> parse round trip', () => {
  const texts = [
    '[:find ?e ?n :in $ % :where [?e :person/name ?n] (not [?e :person/age 3])]',
    '{:db/id -1, :person/name "Ada \\"A\\"", :person/friend [:person/email "b@c.d"]}',
    '#{1 2N 3.5 "x" :k sym nil}',
    '(pull ?e [* {:person/friend [:person/name]} (limit :person/tags 5) [:a :as "b" :default 0]])',
    '[#inst "1970-01-01T00:00:00.000Z" #uuid "00000000-0000-0000-0000-000000000000" ##Inf -0.0 1e-300]',
    '[\\a \\newline \\u00e9 "\\u0000"]',
  ];
  it.each(texts)('%s', (text) => {
    const v = readEdn(text);
    const again = readEdn(printEdn(v));
    expect(same(v, again)).toBe(true);
    expect(printEdn(again)).toBe(printEdn(v));
  });

  it('holds for 3000 seeded random nested values', () => {
    const value = gen(20261125);
    for (let i = 0; i < 3000; i++) {
      const v = value(4);
      const text = printEdn(v);
      let back: EdnValue;
      try {
        back = readEdn(text, { unknownTags: 'keep' });
      } catch (e) {
        throw new Error(`case ${i}: could not read back ${text}: ${(e as Error).message}`);
      }
      if (!same(v, back)) throw new Error(`case ${i}: round trip changed ${text} into ${printEdn(back)}`);
    }
  });
});

describe('reader on damaged input', () => {
  it('every prefix of a valid text reads or fails with edn/parse', () => {
    const text =
      '[:find ?e :where [?e :a "x\\"y\\\\z\\u00e9"] \\c \\newline #inst "2020-01-01T00:00:00Z" ' +
      '#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" {:k #{1 2N}} (f #_ g -1.5e3 2.5M ##-Inf) ; end\n]';
    expect(readEdn(text)).toBeInstanceOf(Array);
    for (let n = 0; n < text.length; n++) {
      try {
        readEdn(text.slice(0, n));
      } catch (e) {
        if (!(e instanceof CairnError) || e.code !== 'edn/parse') throw new Error(`prefix ${n}: ${String(e)}`);
      }
    }
  });

  // Seeded mutations of valid texts: the reader either reads something or throws 'edn/parse';
  // never another kind of error (TypeError, RangeError, an unterminated loop).
  it('fails only with edn/parse', () => {
    const r = rng(99);
    const base = [
      '[:find ?e ?n :in $ % :where [?e :person/name ?n] (not [?e :x/y "a\\nb"])]',
      '{:a #{1 2N 3.5M} "s" [\\c \\newline #inst "2020-01-01T00:00:00Z"] :u #uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}',
      '(f #_ (g 1) ##Inf -0.0 1e-5 nil true ; comment\n x/y)',
    ];
    const alphabet = '()[]{}#"\\:;,_ ^.-+/0123456789eENMaxz\n\'`~@%*!?<>=';
    let parsed = 0;
    for (let i = 0; i < 4000; i++) {
      const chars = [...base[i % base.length]!];
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) {
        const at = Math.floor(r() * (chars.length + 1));
        const op = r();
        if (op < 0.4) chars.splice(at, 1);
        else if (op < 0.8) chars.splice(at, 0, alphabet[Math.floor(r() * alphabet.length)]!);
        else chars.splice(at, 1, alphabet[Math.floor(r() * alphabet.length)]!);
      }
      const text = chars.join('');
      try {
        readEdn(text, { unknownTags: i % 2 === 0 ? 'keep' : 'error' });
        parsed++;
      } catch (e) {
        if (!(e instanceof CairnError) || e.code !== 'edn/parse') {
          throw new Error(`unexpected ${String(e)} reading ${JSON.stringify(text)}`);
        }
      }
    }
    // Most single-character damage still leaves readable text or a clean error; both happen.
    expect(parsed).toBeGreaterThan(100);
    expect(parsed).toBeLessThan(4000);
  });
});
