import { describe, expect, it } from 'vitest';
import { isCairnError } from '../util/errors.js';
import { createCodec, FORMAT_VERSION, READ_VERSION, ValueKinds, type CodecHandler, type StructureHandler } from './codec.js';
import { roundTripCases } from './codec-cases.js';
import { isExact } from './guard.js';

const codec = createCodec();

function roundTrip(value: unknown, c = codec): unknown {
  return c.decode(c.encode(value));
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isCairnError(e) ? e.code : `not a CairnError: ${String(e)}`;
  }
  return undefined;
}

describe('codec round trips', () => {
  it('encodes a value whose toJSON encodes another value with the same codec while it is packed', () => {
    const c = createCodec();
    class Inner {
      toJSON(): unknown {
        return { nested: c.decode(c.encode({ s: 'x'.repeat(5000) })) };
      }
    }
    const v = { a: 'y'.repeat(3000), b: new Inner(), c: 'z'.repeat(3000) };
    expect(c.decode(c.encode(v))).toEqual({ a: v.a, b: { nested: { s: 'x'.repeat(5000) } }, c: v.c });
  });

  const cases = roundTripCases();
  it.each(cases)('%s', (_name, value) => {
    const back = roundTrip(value);
    expect(back).toEqual(value);
    if (typeof value === 'number') expect(Object.is(back, value)).toBe(true);
  });

  it('keeps -0 inside nested structures', () => {
    const back = roundTrip({ xs: [0, -0], y: { z: -0 } }) as { xs: number[]; y: { z: number } };
    expect(Object.is(back.xs[1], -0)).toBe(true);
    expect(Object.is(back.xs[0], 0)).toBe(true);
    expect(Object.is(back.y.z, -0)).toBe(true);
  });

  it('does not let a __proto__ key reach the prototype', () => {
    const back = roundTrip(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('returns plain exact-length Uint8Arrays, not views or Buffers', () => {
    const enc = codec.encode({ b: new Uint8Array([9, 8, 7]) });
    expect(isExact(enc)).toBe(true);
    const back = codec.decode(enc) as { b: Uint8Array };
    expect(back.b.constructor).toBe(Uint8Array);
    expect(isExact(back.b)).toBe(true);
  });

  it('encodes to a fresh array each time (no shared scratch buffer)', () => {
    const a = codec.encode('first value');
    const b = codec.encode('second value, longer');
    expect(codec.decode(a)).toBe('first value');
    expect(a.buffer).not.toBe(b.buffer);
  });

  it('does not mutate the input when tagging', () => {
    const input = { a: [-0, 1], b: 'x' };
    codec.encode(input);
    expect(Object.is(input.a[0], -0)).toBe(true);
  });
});

describe('codec header', () => {
  it.each(ValueKinds.map((k) => [k]))('carries kind %s and the format version', (kind) => {
    const bytes = codec.encode({ x: 1 }, kind);
    expect(codec.header(bytes)).toEqual({ version: FORMAT_VERSION, kind, tagged: false, handler: null });
    expect(codec.decode(bytes, { kind })).toEqual({ x: 1 });
  });

  it('marks tagged values in the header', () => {
    expect(codec.header(codec.encode(-0)).tagged).toBe(true);
    expect(codec.header(codec.encode(0)).tagged).toBe(false);
  });

  it('rejects a kind mismatch as corrupt, naming the key', () => {
    const bytes = codec.encode(1, 'node');
    try {
      codec.decode(bytes, { key: 'n/1', kind: 'commit' });
      expect.unreachable();
    } catch (e) {
      expect(isCairnError(e, 'store/corrupt')).toBe(true);
      expect((e as Error).message).toContain('"n/1"');
    }
  });

  it('writes a value at a later version it reads, and refuses versions it does not know', () => {
    const bytes = codec.encode({ commit: 'x' }, 'ref', READ_VERSION);
    expect(codec.header(bytes).version).toBe(READ_VERSION);
    expect(codec.decode(bytes, { kind: 'ref' })).toEqual({ commit: 'x' });
    for (const v of [0, READ_VERSION + 1, 1.5]) expect(() => codec.encode(1, 'ref', v)).toThrow(expect.objectContaining({ code: 'store/invalid' }));
  });

  it('rejects a newer format version, naming it', () => {
    const bytes = codec.encode('v');
    bytes[0] = (3 << 5) | (bytes[0]! & 0x1f);
    try {
      codec.decode(bytes, { key: 'ref:head' });
      expect.unreachable();
    } catch (e) {
      expect(isCairnError(e, 'store/format-version')).toBe(true);
      expect((e as Error).message).toContain('version 3');
      expect((e as { data: Record<string, unknown> }).data).toMatchObject({ version: 3, key: 'ref:head' });
    }
  });

  const garbage: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['header only', new Uint8Array([0x20])],
    ['version 0', new Uint8Array([0x00, 0x01])],
    ['unknown kind', new Uint8Array([0x2f, 0x01])],
    ['truncated body', new Uint8Array([0x20, 0x92, 0x01])],
    ['trailing bytes', new Uint8Array([0x20, 0x01, 0x02])],
    ['reserved byte', new Uint8Array([0x20, 0xc1])],
    [
      'bad marker',
      (() => {
        const b = codec.encode(-0);
        return b.subarray(0, b.length - 1);
      })(),
    ],
  ];
  it.each(garbage)('garbage (%s) is store/corrupt naming the key', (_name, bytes) => {
    try {
      codec.decode(bytes, { key: 'node-17' });
      expect.unreachable();
    } catch (e) {
      expect(isCairnError(e, 'store/corrupt')).toBe(true);
      expect((e as Error).message).toContain('"node-17"');
    }
  });

  it('reports a non-Uint8Array as corrupt', () => {
    expect(codeOf(() => codec.decode('nope' as unknown as Uint8Array))).toBe('store/corrupt');
  });
});

describe('codec handlers', () => {
  class Point {
    readonly x: number;
    readonly y: number;
    constructor(x: number, y: number) {
      this.x = x;
      this.y = y;
    }
  }
  class Keyword {
    readonly name: string;
    constructor(name: string) {
      this.name = name;
    }
  }
  const handlers: CodecHandler[] = [
    { type: 16, Class: Point, write: (p: Point) => [p.x, p.y], read: ([x, y]: [number, number]) => new Point(x, y) },
    { type: 17, Class: Keyword, write: (k: Keyword) => k.name, read: (n: string) => new Keyword(n) },
  ];
  const withHandlers = createCodec({ handlers });

  it('round-trips handled classes, nested and inside each other', () => {
    const value = { p: new Point(1, -0), list: [new Keyword('a/b'), { inner: new Point(2, 3) }] };
    const back = roundTrip(value, withHandlers) as typeof value;
    expect(back.p).toBeInstanceOf(Point);
    expect(back.p).toEqual(new Point(1, -0));
    expect(Object.is(back.p.y, -0)).toBe(true);
    expect(back.list[0]).toBeInstanceOf(Keyword);
    expect((back.list[1] as { inner: Point }).inner).toBeInstanceOf(Point);
  });

  it('is per instance: another codec neither writes nor reads those handlers', () => {
    const plain = createCodec();
    // without handlers a class instance goes out as a plain object
    expect(roundTrip(new Point(1, 2), plain)).toEqual({ x: 1, y: 2 });
    const bytes = withHandlers.encode(new Point(1, 2));
    expect(codeOf(() => plain.decode(bytes))).toBe('store/corrupt');
  });

  const badHandlers: [string, unknown][] = [
    ['type too small', { type: 3, Class: Point, write: () => 0, read: () => 0 }],
    ['type too large', { type: 128, Class: Point, write: () => 0, read: () => 0 }],
    ['non-integer type', { type: 16.5, Class: Point, write: () => 0, read: () => 0 }],
    ['Object class', { type: 20, Class: Object, write: () => 0, read: () => 0 }],
    ['missing read', { type: 20, Class: Point, write: () => 0 }],
  ];
  it.each(badHandlers)('rejects a handler with %s', (_name, h) => {
    expect(codeOf(() => createCodec({ handlers: [h as CodecHandler] }))).toBe('config/invalid');
  });

  it('rejects duplicate handler types', () => {
    expect(codeOf(() => createCodec({ handlers: [handlers[0]!, { ...handlers[1]!, type: 16 }] }))).toBe('config/invalid');
  });
});

describe('codec structure handlers', () => {
  // A toy 'tail' handler: a segment of [e, a] pairs as text, to watch the hook work.
  const calls = { write: 0, read: 0 };
  const tail: StructureHandler<[number, string][]> = {
    type: 40,
    kind: 'tail',
    name: 'test/text-tail@1',
    write: (entries) => {
      calls.write++;
      return new TextEncoder().encode(entries.map(([e, a]) => `${e} ${a}`).join('\n'));
    },
    read: (bytes) => {
      calls.read++;
      const text = new TextDecoder().decode(bytes);
      if (text.startsWith('!')) throw new Error('not a segment');
      return text.split('\n').map((l) => {
        const [e, a] = l.split(' ');
        return [Number(e), a!];
      });
    },
  };
  const withTail = createCodec({ handlers: [tail] });

  it('encodes its kind through the handler and names it in the header', () => {
    const bytes = withTail.encode(
      [
        [1, 'a/b'],
        [2, 'c'],
      ],
      'tail',
    );
    expect(calls.write).toBe(1);
    expect(withTail.header(bytes)).toEqual({ version: FORMAT_VERSION, kind: 'tail', tagged: false, handler: 40 });
    expect(new TextDecoder().decode(bytes.subarray(2))).toBe('1 a/b\n2 c');
    expect(withTail.decode(bytes, { kind: 'tail' })).toEqual([
      [1, 'a/b'],
      [2, 'c'],
    ]);
    expect(calls.read).toBe(1);
    expect(isExact(bytes)).toBe(true);
    expect(withTail.encodings).toEqual(['test/text-tail@1']);
    expect(withTail.handles('tail')).toBe(true);
    expect(withTail.handles('node')).toBe(false);
  });

  it('leaves other kinds to msgpack, and still reads values written before it was installed', () => {
    expect(withTail.header(withTail.encode([[1, 'a']], 'node')).handler).toBeNull();
    const old = createCodec().encode([[1, 'a']], 'tail');
    expect(withTail.decode(old, { kind: 'tail' })).toEqual([[1, 'a']]);
  });

  it('a codec without the handler refuses its values with store/encoding, naming the key', () => {
    const bytes = withTail.encode([[1, 'a']], 'tail');
    expect(codeOf(() => createCodec().decode(bytes, { key: 't:1' }))).toBe('store/encoding');
    try {
      createCodec().decode(bytes, { key: 't:1' });
    } catch (e) {
      expect(String((e as Error).message)).toContain('t:1');
    }
  });

  it('reports what the handler cannot read as store/corrupt and what it cannot write as store/invalid', () => {
    const bytes = withTail.encode([[1, '!']], 'tail');
    bytes[2] = '!'.charCodeAt(0);
    expect(codeOf(() => withTail.decode(bytes))).toBe('store/corrupt');
    const bad: StructureHandler = { type: 41, kind: 'node', name: 'bad', write: () => 'text' as unknown as Uint8Array, read: () => 0 };
    expect(codeOf(() => createCodec({ handlers: [bad] }).encode({}, 'node'))).toBe('store/invalid');
  });

  const badStructures: [string, unknown][] = [
    ['an unknown kind', { type: 40, kind: 'meta', name: 'x', write: () => new Uint8Array(), read: () => 0 }],
    ['no name', { type: 40, kind: 'node', name: '', write: () => new Uint8Array(), read: () => 0 }],
    ['no read', { type: 40, kind: 'node', name: 'x', write: () => new Uint8Array() }],
  ];
  it.each(badStructures)('rejects a structure handler with %s', (_name, h) => {
    expect(codeOf(() => createCodec({ handlers: [h as StructureHandler] }))).toBe('config/invalid');
  });

  it('rejects two handlers for one kind, and a type shared with a class handler', () => {
    expect(codeOf(() => createCodec({ handlers: [tail, { ...tail, type: 41 }] }))).toBe('config/invalid');
    expect(codeOf(() => createCodec({ handlers: [tail, { type: 40, Class: Date, write: () => 0, read: () => new Date() }] }))).toBe('config/invalid');
  });
});

describe('codec encode errors', () => {
  it('rejects cycles with store/invalid', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(codeOf(() => codec.encode(a))).toBe('store/invalid');
  });
});
