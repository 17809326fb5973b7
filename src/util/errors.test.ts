import { describe, expect, it } from 'vitest';
import { CairnError, fail, jsonSafe, show } from './errors.js';

function deep(n: number): unknown {
  let x: unknown = 0;
  for (let i = 0; i < n; i++) x = [x];
  return x;
}

describe('show() never throws', () => {
  it('renders the usual values as before', () => {
    expect(show('a"b')).toBe('"a\\"b"');
    expect(show(12n)).toBe('12N');
    expect(show(NaN)).toBe('NaN');
    expect(show(undefined)).toBe('undefined');
    expect(show(new Date(0))).toBe('#inst "1970-01-01T00:00:00.000Z"');
    expect(show(new Uint8Array(3))).toBe('#bytes[3]');
    expect(show({ a: [1, 'x', null] })).toBe('{"a":[1,"x",null]}');
    expect(show('x'.repeat(500))).toHaveLength(120);
  });

  it('handles what JSON.stringify and String() throw on', () => {
    expect(show(deep(100_000))).toMatch(/^\[\[\[\[\[\[/);
    expect(show(Symbol('s'))).toBe('Symbol(s)');
    expect(show([Symbol('s')])).toBe('[Symbol(s)]');
    const bare = Object.assign(Object.create(null), { k: 1 });
    expect(show(bare)).toBe('{"k":1}');
    expect(show([bare])).toBe('[{"k":1}]');
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    expect(show(loop)).toBe('{"a":1,"self":#cycle}');
    expect(show(new Date(NaN))).toBe('#inst "Invalid Date"');
    expect(show({ d: new Date(NaN) })).toBe('{"d":#inst "Invalid Date"}');
    expect(show(new Map([['k', 1]]))).toBe('#Map{"k" 1}');
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new TypeError('trap');
        },
      },
    );
    expect(() => show(trap)).not.toThrow();
  });
});

describe('jsonSafe() never throws and gives JSON', () => {
  it('bounds depth and cycles, keeps __proto__ as a key', () => {
    const loop: unknown[] = [1];
    loop.push(loop);
    expect(jsonSafe(loop)).toEqual([1, '#cycle']);
    expect(JSON.stringify(jsonSafe(deep(100_000)))).toBeTypeOf('string');
    expect(jsonSafe(new Date(NaN))).toBe('Invalid Date');
    expect(jsonSafe(Symbol('s'))).toBe('Symbol(s)');
    const proto = JSON.parse('{"__proto__": 5, "a": 1}') as object;
    const safe = jsonSafe(proto) as Record<string, unknown>;
    expect(Object.keys(safe)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(safe)).toBe(Object.prototype);
  });

  it('lets fail() build its CairnError from any data', () => {
    const bare = Object.create(null);
    let caught: unknown;
    try {
      fail('config/invalid', `bad ${show(bare)}`, { value: bare, deep: deep(50_000), sym: Symbol('x') });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CairnError);
    expect(() => JSON.stringify((caught as CairnError).data)).not.toThrow();
  });
});
