// The value codec (docs/architecture.md, decision 3): msgpackr with records and shared structures off, one
// header byte per stored value, and per-codec-instance serialization handlers.
//
// Representation of an encoded value: [header][msgpack body], as one exact-length Uint8Array.
//   header bits 7..5  format version (1..7; FORMAT_VERSION today)
//          bit  4     "tagged": the body contains tag markers and needs a revive pass
//          bits 3..0  kind (index into ValueKinds)
// A tag marker is a plain object whose only key is TAG_KEY, holding [type, payload]. Types
// 0..15 are ours (escaped objects, -0); 16..127 belong to handlers a backend installs.
//
// Why markers instead of msgpackr's `addExtension`: that registry is process-global, so two
// codecs (or two backends) could not install different handlers, and importing this module
// would patch shared state. Markers are plain msgpack, cost nothing when absent (the header
// flag skips the revive pass), and keep the bytes readable by any msgpack decoder.
//
// Invariants: decode(encode(v)) is structurally equal to v for string, number (incl. -0, NaN,
// ±Infinity), bigint of any size, boolean, null, undefined, Date, Uint8Array, arrays and plain
// objects (any own string keys, `__proto__` included), plus every handled class.

import { Packr } from 'msgpackr';
import { CairnError, fail, show } from '../util/errors.js';

export const FORMAT_VERSION = 1;

/** What a stored value is; the kind travels in the header so a reader can check it. */
export const ValueKinds = ['value', 'node', 'commit', 'ref', 'tail', 'meta'] as const;
export type ValueKind = (typeof ValueKinds)[number];

/**
 * A serialization handler, in the spirit of msgpackr's `addExtension`: values that are
 * `instanceof Class` are written as `write(value)` (itself encoded recursively) under `type`,
 * and read back through `read(data)`. `type` must be an integer in 16..127, unique per codec.
 */
export interface CodecHandler<T = unknown> {
  readonly type: number;
  readonly Class: abstract new (...args: any[]) => T;
  write(value: T): unknown;
  read(data: any): T;
}

export interface Codec {
  readonly formatVersion: number;
  /** Encode into a fresh exact-length Uint8Array. Throws 'store/invalid' if `value` cannot be encoded. */
  encode(value: unknown, kind?: ValueKind): Uint8Array;
  /**
   * Decode bytes produced by `encode`. `key` (when known) is named in errors; `kind`, when
   * given, must match the header. Throws 'store/format-version' for a newer format and
   * 'store/corrupt' for anything unreadable.
   */
  decode(bytes: Uint8Array, opts?: { readonly key?: string; readonly kind?: ValueKind }): unknown;
  /** Read only the header. */
  header(bytes: Uint8Array, key?: string): { readonly version: number; readonly kind: ValueKind; readonly tagged: boolean };
}

const TAG_KEY = '\u0000~';
const TYPE_ESCAPED_OBJECT = 0;
const TYPE_NEGATIVE_ZERO = 1;
const FIRST_HANDLER_TYPE = 16;
const LAST_HANDLER_TYPE = 127;
const TAGGED_BIT = 0x10;

export function createCodec(opts: { readonly handlers?: readonly CodecHandler[] } = {}): Codec {
  const handlers = checkHandlers(opts.handlers ?? []);
  const byType = new Map(handlers.map((h) => [h.type, h]));
  // One Packr per codec: its scratch buffer is reused between calls, which is why encode copies.
  const packr = new Packr({
    useRecords: false,
    maxSharedStructures: 0,
    moreTypes: false,
    structuredClone: false,
    mapsAsObjects: true,
    useBigIntExtension: true,
    int64AsType: 'bigint',
    copyBuffers: true,
  });

  function encode(value: unknown, kind: ValueKind = 'value'): Uint8Array {
    const kindCode = ValueKinds.indexOf(kind);
    if (kindCode < 0) fail('store/invalid', `unknown value kind ${show(kind)}`);
    const state = { tagged: false };
    let body: Uint8Array;
    try {
      body = packr.pack(prepare(value, handlers, state, 0));
    } catch (e) {
      if (e instanceof CairnError) throw e;
      throw new CairnError('store/invalid', `cannot encode ${show(value)}: ${(e as Error).message}`, {}, { cause: e });
    }
    const out = new Uint8Array(body.length + 1);
    out[0] = (FORMAT_VERSION << 5) | (state.tagged ? TAGGED_BIT : 0) | kindCode;
    out.set(body, 1);
    return out;
  }

  function header(bytes: Uint8Array, key?: string) {
    const where = key === undefined ? '' : ` under key ${show(key)}`;
    if (!(bytes instanceof Uint8Array) || bytes.length < 2) {
      fail('store/corrupt', `stored value${where} is not a CairnDB value (${show(bytes)})`, { key: key ?? null });
    }
    const h = bytes[0]!;
    const version = h >>> 5;
    if (version > FORMAT_VERSION) {
      fail('store/format-version', `value${where} was written by format version ${version}; this CairnDB reads up to version ${FORMAT_VERSION}`, { key: key ?? null, version, supported: FORMAT_VERSION });
    }
    const kind = ValueKinds[h & 0x0f];
    if (version === 0 || kind === undefined) {
      fail('store/corrupt', `stored value${where} has an invalid header byte 0x${h.toString(16)}`, { key: key ?? null, header: h });
    }
    return { version, kind, tagged: (h & TAGGED_BIT) !== 0 };
  }

  function decode(bytes: Uint8Array, o: { readonly key?: string; readonly kind?: ValueKind } = {}): unknown {
    const h = header(bytes, o.key);
    const where = o.key === undefined ? '' : ` under key ${show(o.key)}`;
    if (o.kind !== undefined && o.kind !== h.kind) {
      fail('store/corrupt', `stored value${where} is a ${h.kind}, expected a ${o.kind}`, { key: o.key ?? null, kind: h.kind, expected: o.kind });
    }
    let value: unknown;
    try {
      value = packr.unpack(bytes.subarray(1));
    } catch (e) {
      throw new CairnError('store/corrupt', `stored value${where} cannot be decoded: ${(e as Error).message}`, { key: o.key ?? null }, { cause: e });
    }
    if (value !== null && typeof value === 'object' && value.constructor?.name === 'C1Type') {
      fail('store/corrupt', `stored value${where} cannot be decoded: reserved byte 0xc1`, { key: o.key ?? null });
    }
    return h.tagged ? revive(value, byType, o.key) : value;
  }

  return { formatVersion: FORMAT_VERSION, encode, decode, header };
}

function checkHandlers(handlers: readonly CodecHandler[]): readonly CodecHandler[] {
  const seen = new Set<number>();
  for (const h of handlers) {
    if (!Number.isInteger(h?.type) || h.type < FIRST_HANDLER_TYPE || h.type > LAST_HANDLER_TYPE) {
      fail('config/invalid', `codec handler type must be an integer in ${FIRST_HANDLER_TYPE}..${LAST_HANDLER_TYPE}, got ${show(h?.type)}`);
    }
    if (seen.has(h.type)) fail('config/invalid', `codec handler type ${h.type} is installed twice`);
    if (typeof h.Class !== 'function' || h.Class === Object || h.Class === Array) {
      fail('config/invalid', `codec handler ${h.type} needs a Class other than Object or Array`);
    }
    if (typeof h.write !== 'function' || typeof h.read !== 'function') {
      fail('config/invalid', `codec handler ${h.type} needs write and read functions`);
    }
    seen.add(h.type);
  }
  return [...handlers];
}

function isPlainObject(x: object): x is Record<string, unknown> {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function marker(type: number, payload: unknown): Record<string, unknown> {
  return { [TAG_KEY]: [type, payload] };
}

/**
 * Replace what msgpack cannot carry faithfully with tag markers. Copy-on-write: returns the
 * same reference when nothing inside needs a marker, so the common case allocates nothing.
 */
function prepare(value: unknown, handlers: readonly CodecHandler[], state: { tagged: boolean }, depth: number): unknown {
  if (typeof value === 'number') {
    if (value === 0 && 1 / value < 0) {
      state.tagged = true;
      return marker(TYPE_NEGATIVE_ZERO, 0);
    }
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth > 512) fail('store/invalid', 'value is nested more than 512 levels deep (a cycle?)');
  if (handlers.length > 0 && !Array.isArray(value) && !isPlainObject(value)) {
    for (const h of handlers) {
      if (value instanceof h.Class) {
        state.tagged = true;
        return marker(h.type, prepare(h.write(value), handlers, state, depth + 1));
      }
    }
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const p = prepare(v, handlers, state, depth + 1);
      if (p !== v && out === undefined) out = value.slice(0, i);
      if (out !== undefined) out.push(p);
    }
    return out ?? value;
  }
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value);
  if (Object.hasOwn(value, TAG_KEY) || Object.hasOwn(value, '__proto__')) {
    // msgpackr renames `__proto__` on decode and TAG_KEY would read as a marker: escape the
    // object as a flat [k, v, k, v, …] list.
    state.tagged = true;
    const flat: unknown[] = [];
    for (const k of keys) flat.push(k, prepare(value[k], handlers, state, depth + 1));
    return marker(TYPE_ESCAPED_OBJECT, flat);
  }
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = value[k];
    const p = prepare(v, handlers, state, depth + 1);
    if (p !== v && out === undefined) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = value[keys[j]!];
    }
    if (out !== undefined) out[k] = p;
  }
  return out ?? value;
}

/** Undo `prepare` in place (the decoded value is freshly allocated and ours to mutate). */
function revive(value: unknown, byType: ReadonlyMap<number, CodecHandler>, key: string | undefined): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i], byType, key);
    return value;
  }
  if (!isPlainObject(value)) return value;
  if (Object.hasOwn(value, TAG_KEY)) return readMarker(value[TAG_KEY], byType, key);
  for (const k of Object.keys(value)) value[k] = revive(value[k], byType, key);
  return value;
}

function readMarker(m: unknown, byType: ReadonlyMap<number, CodecHandler>, key: string | undefined): unknown {
  const where = key === undefined ? '' : ` under key ${show(key)}`;
  if (!Array.isArray(m) || m.length !== 2 || typeof m[0] !== 'number') {
    fail('store/corrupt', `stored value${where} holds a malformed tag marker`, { key: key ?? null });
  }
  const [type, payload] = m as [number, unknown];
  if (type === TYPE_NEGATIVE_ZERO) return -0;
  if (type === TYPE_ESCAPED_OBJECT) {
    if (!Array.isArray(payload) || payload.length % 2 !== 0) {
      fail('store/corrupt', `stored value${where} holds a malformed escaped object`, { key: key ?? null });
    }
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < payload.length; i += 2) {
      // defineProperty, so a `__proto__` key becomes an own property, never the prototype.
      Object.defineProperty(obj, String(payload[i]), {
        value: revive(payload[i + 1], byType, key), enumerable: true, writable: true, configurable: true,
      });
    }
    return obj;
  }
  const h = byType.get(type);
  if (h === undefined) {
    fail('store/corrupt', `stored value${where} uses serialization handler type ${type}, which this codec does not have (was it written through a backend with its own handlers?)`, { key: key ?? null, type });
  }
  return h.read(revive(payload, byType, key));
}
