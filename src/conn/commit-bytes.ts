// The records a small commit writes (src/conn/commit.ts: the head, the commit record, the compact
// form of a carried commit) encoded in one pass by the direct msgpack writer
// (src/store/msgpack-writer.ts), in the very bytes the plain codec gives for the same value: a
// small commit no longer pays, per record, for the codec's walk, a msgpackr call and its scratch
// buffers (docs/PERFORMANCE.md, "one-person transactions").
//
// Only the writer's subset is written here — strings, numbers other than -0, booleans, null, byte
// arrays, valid Dates, arrays and plain objects without a `__proto__` or tag key. Anything else
// (a bigint in tx-meta, a value a codec handler takes over) makes `encodeFast` answer undefined,
// and the caller uses `codec.encode`, which writes every value. Tests hold the two byte-equal.

import { FORMAT_VERSION, ValueKinds, type Codec, type ValueKind } from '../store/codec.js';
import { packRecord } from '../store/msgpack-writer.js';

const NONE: readonly object[] = [];

/**
 * `value` as `codec.encode(value, kind, version)` encodes it, or undefined when the value is
 * outside the subset above or the codec has a structure handler of its own for `kind`.
 */
export function encodeFast(
  codec: Codec,
  x: unknown,
  kind: ValueKind,
  version: number = FORMAT_VERSION,
  shared: readonly object[] = NONE,
): Uint8Array | undefined {
  if ((kind === 'commit' || kind === 'tail' || kind === 'node') && codec.handles(kind)) return undefined;
  if (!agrees(codec)) return undefined;
  return write(x, kind, version, shared);
}

function write(x: unknown, kind: ValueKind, version: number, shared: readonly object[] = NONE): Uint8Array | undefined {
  return packRecord((version << 5) | ValueKinds.indexOf(kind), x, shared);
}

// A codec with a class handler for Date or Uint8Array (a backend's codecHandlers) writes those
// its own way: such a codec is asked once, on a probe value, and never written for by hand.
const agreeing = /* @__PURE__ */ new WeakMap<Codec, boolean>();
const probe = () => ({ s: 'é', n: [1, -1, 300, 1.5, 2 ** 40], d: [new Date(1000), new Date(1)], b: new Uint8Array([1]), t: [true, false, null] });

function agrees(codec: Codec): boolean {
  let ok = agreeing.get(codec);
  if (ok === undefined) {
    const value = probe();
    const mine = write(value, 'value', FORMAT_VERSION);
    const theirs = codec.encode(value, 'value');
    ok = mine !== undefined && mine.length === theirs.length && mine.every((b, i) => b === theirs[i]);
    agreeing.set(codec, ok);
  }
  return ok;
}

/**
 * `encodeFast`, else the codec's own encoding. `shared`: objects inside `x` that never change
 * and recur in later records (their bytes are kept, in a WeakMap, and copied next time).
 */
export function encodeRecord(codec: Codec, x: unknown, kind: ValueKind, version: number = FORMAT_VERSION, shared: readonly object[] = NONE): Uint8Array {
  return encodeFast(codec, x, kind, version, shared) ?? codec.encode(x, kind, version);
}
