// bytesEqual compares a store's head on every commit: the word-at-a-time path must answer as the
// byte loop does, whatever the views' offsets and lengths.
import { describe, expect, it } from 'vitest';
import { bytesEqual } from './guard.js';

const filled = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
/** `src` copied into a larger buffer at `offset`: a view like a slab's. */
const at = (src: Uint8Array, offset: number): Uint8Array => {
  const out = new Uint8Array(new ArrayBuffer(src.length + offset + 8), offset, src.length);
  out.set(src);
  return out;
};

describe('bytesEqual', () => {
  it('is true for equal bytes, at any offsets and lengths', () => {
    for (const n of [0, 1, 3, 63, 64, 65, 67, 100, 3001])
      for (const [i, j] of [
        [0, 0],
        [4, 8],
        [1, 0],
        [3, 5],
      ] as const) {
        const a = filled(n, 7);
        expect(bytesEqual(at(a, i!), at(a, j!)), `${n} bytes at ${i}/${j}`).toBe(true);
      }
  });

  it('is false when one byte differs, wherever it is: in a word or in the tail', () => {
    for (const n of [64, 67, 3001])
      for (const k of [0, 1, 31, n - 4, n - 1]) {
        const a = filled(n, 7);
        const b = filled(n, 7);
        b[k] = b[k]! ^ 0x80;
        expect(bytesEqual(at(a, 0), at(b, 4)), `${n} bytes, byte ${k}`).toBe(false);
        expect(bytesEqual(at(a, 1), at(b, 2)), `${n} bytes, byte ${k}, unaligned`).toBe(false);
      }
  });

  it('is false for different lengths and for one side missing; true for both missing', () => {
    expect(bytesEqual(filled(64, 1), filled(65, 1))).toBe(false);
    expect(bytesEqual(filled(64, 1), undefined)).toBe(false);
    expect(bytesEqual(undefined, undefined)).toBe(true);
  });
});
