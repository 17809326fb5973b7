// Deterministic test bytes, shared by the contract suite and the file kill-test child (which
// must not import vitest).

/** Deterministic bytes (xorshift32), so failures reproduce. */
export function seededBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
