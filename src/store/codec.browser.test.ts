// The codec in real Chromium: no Node Buffer, so msgpackr's browser paths (bigint extension,
// binary data) are exercised, and values must survive an IndexedDB structured clone too.
import { describe, expect, it } from 'vitest';
import { createCodec } from './codec.js';
import { roundTripCases } from './codec-cases.js';
import { isExact } from './guard.js';

const codec = createCodec();

describe('codec in the browser', () => {
  it.each(roundTripCases())('%s round-trips', (_name, value) => {
    const bytes = codec.encode(value);
    expect(isExact(bytes)).toBe(true);
    const back = codec.decode(bytes);
    expect(back).toEqual(value);
    if (typeof value === 'number') expect(Object.is(back, value)).toBe(true);
  });

  it('decodes bytes as plain exact-length Uint8Arrays', () => {
    const back = codec.decode(codec.encode([new Uint8Array([1, 2, 3])])) as Uint8Array[];
    expect(back[0]!.constructor).toBe(Uint8Array);
    expect(isExact(back[0]!)).toBe(true);
  });

  it('encoded bytes survive a structured clone (what IndexedDB stores)', () => {
    const value = { big: 2n ** 100n, d: new Date(0), b: new Uint8Array([5]), z: -0 };
    const cloned = structuredClone(codec.encode(value));
    const back = codec.decode(cloned) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.z, -0)).toBe(true);
  });
});
