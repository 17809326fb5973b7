// The value codec (docs/architecture.md, decision 3): msgpackr with records and shared structures off, one
// header byte per stored value, and per-codec-instance serialization handlers.
//
// Representation of an encoded value: [header][msgpack body], as one exact-length Uint8Array.
//   header bits 7..5  format version (1..7; FORMAT_VERSION today)
//          bit  4     "tagged": the body contains tag markers and needs a revive pass
//          bit  3     "structured": the body is [handler type][bytes of a structure handler]
//          bits 2..0  kind (index into ValueKinds)
// A tag marker is a plain object whose only key is TAG_KEY, holding [type, payload]. Types
// 0..15 are ours (escaped objects, -0); 16..127 belong to handlers a backend installs.
//
// Structure handlers replace msgpack for a whole value of one of CairnDB's own kinds (index
// nodes, commit records, transaction-tail segments): `write` gets the structure itself (what
// the layer above hands to `encode`, see StructureHandler) and returns bytes. The handler's
// type travels in the value, so every value says how to read it: values written before a
// handler was installed still decode through msgpack, and a codec that lacks the handler
// fails with 'store/encoding' naming it.
//
// Why markers instead of msgpackr's `addExtension`: that registry is process-global, so two
// codecs (or two backends) could not install different handlers, and importing this module
// would patch shared state. Markers are plain msgpack, cost nothing when absent (the header
// flag skips the revive pass), and keep the bytes readable by any msgpack decoder.
//
// Invariants: decode(encode(v)) is structurally equal to v for well-formed string (a lone
// surrogate has no UTF-8 form and comes back as U+FFFD; transactions refuse such strings), number
// (incl. -0, NaN, ±Infinity), bigint of any size, boolean, null, undefined, Date, Uint8Array,
// arrays and plain objects (any own string keys, `__proto__` included), plus every handled class.

import { Packr } from 'msgpackr';
import { CairnError, fail, show } from '../util/errors.js';
import { packPlain, packPlainWith, type PlainWriter } from './msgpack-writer.js';

export const FORMAT_VERSION = 1;
/**
 * The newest value format this codec reads. Values are written at FORMAT_VERSION (which also
 * names stores and their layout markers) unless `encode` is asked for another: version 2 marks a
 * database head that carries its commit records (src/conn/commit.ts), which a reader of version 1
 * must refuse with 'store/format-version' rather than misread.
 */
export const READ_VERSION = 2;

/** What a stored value is; the kind travels in the header so a reader can check it. */
export const ValueKinds = ['value', 'node', 'commit', 'ref', 'tail', 'meta', 'chunk'] as const;
export type ValueKind = (typeof ValueKinds)[number];

/** The kinds a structure handler may take over. */
export const StructureKinds = ['node', 'commit', 'tail'] as const;
export type StructureKind = (typeof StructureKinds)[number];

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

/**
 * A structure handler: encodes every value of one of CairnDB's own kinds itself instead of
 * msgpack. What `write` receives and `read` must return, per kind:
 * - 'node':   an index node, `StoredNode<Datom>` (src/indices/types.ts): `{ kind: 'leaf', keys }`
 *             or `{ kind: 'branch', level, keys, children, counts? }`, keys being `Datom`s;
 * - 'commit': a commit record (`CommitRecord`, src/conn/commit.ts), a plain object;
 * - 'tail':   one transaction's tail segment, an array of `[e, a, v, tx, added(0|1), prior?]`.
 * `name` identifies the encoding (put a version in it): the database head records the names
 * it was written with, and a codec missing one refuses to open it ('store/encoding').
 * `type` (16..127) is shared with class handlers and must be unique per codec.
 */
export interface StructureHandler<T = any> {
  readonly type: number;
  readonly kind: StructureKind;
  readonly name: string;
  write(value: T): Uint8Array;
  /** `bytes` is a view the handler may read but must not keep. Throw on anything malformed. */
  read(bytes: Uint8Array): T;
}

/** What a backend's `codecHandlers` may hold. */
export type AnyCodecHandler = CodecHandler | StructureHandler;

export interface Codec {
  readonly formatVersion: number;
  /** Names of the structure handlers installed (what a database written by this codec needs). */
  readonly encodings: readonly string[];
  /** Whether a structure handler takes over values of `kind`. */
  handles(kind: StructureKind): boolean;
  /** Encode into a fresh exact-length Uint8Array. Throws 'store/invalid' if `value` cannot be encoded. */
  encode(value: unknown, kind?: ValueKind, version?: number): Uint8Array;
  /**
   * What `encode(v, kind)` gives for the plain array `v` that `write` writes piece by piece (so
   * `v` is never built), or undefined when a structure handler takes `kind` or `write` meets a
   * value outside msgpack's plain subset: then build `v` and call `encode`.
   */
  encodePlainWith(kind: ValueKind, write: (w: PlainWriter) => void): Uint8Array | undefined;
  /**
   * Decode bytes produced by `encode`. `key` (when known) is named in errors; `kind`, when
   * given, must match the header. Throws 'store/format-version' for a newer format and
   * 'store/corrupt' for anything unreadable.
   */
  decode(bytes: Uint8Array, opts?: { readonly key?: string; readonly kind?: ValueKind | readonly ValueKind[] }): unknown;
  /** Read only the header (`handler`: the structure handler type, or null for msgpack). */
  header(bytes: Uint8Array, key?: string): { readonly version: number; readonly kind: ValueKind; readonly tagged: boolean; readonly handler: number | null };
}

const TAG_KEY = '\u0000~';
/** The encoder's scratch buffer; a larger value makes msgpackr allocate one of its own for that call. */
const SCRATCH_BYTES = 64 * 1024;
const TYPE_ESCAPED_OBJECT = 0;
const TYPE_NEGATIVE_ZERO = 1;
const FIRST_HANDLER_TYPE = 16;
const LAST_HANDLER_TYPE = 127;
const TAGGED_BIT = 0x10;
const STRUCTURED_BIT = 0x08;
const KIND_MASK = 0x07;

const isStructure = (h: AnyCodecHandler): h is StructureHandler => 'kind' in h;

/** msgpackr's configuration (exported for msgpack-plain.test.ts, which checks it writes the same bytes). */
export const PACKR_OPTIONS = {
  useRecords: false,
  maxSharedStructures: 0,
  moreTypes: false,
  structuredClone: false,
  mapsAsObjects: true,
  useBigIntExtension: true,
  int64AsType: 'bigint',
  copyBuffers: true,
} as const;

export function createCodec(opts: { readonly handlers?: readonly AnyCodecHandler[] } = {}): Codec {
  const all = checkHandlers(opts.handlers ?? []);
  const handlers = all.filter((h): h is CodecHandler => !isStructure(h));
  const structures = all.filter(isStructure);
  const byType = new Map(handlers.map((h) => [h.type, h]));
  const structureByType = new Map(structures.map((h) => [h.type, h]));
  const structureByKind = new Map(structures.map((h) => [h.kind, h]));
  // Dates and bytes in plain arrays are written directly unless a class handler would take them.
  const leavesPlain = !handlers.some((h) => new Date(0) instanceof h.Class || new Uint8Array(0) instanceof h.Class);
  // One Packr per codec: its scratch buffer is reused between calls, which is why encode copies.
  const packr = new Packr(PACKR_OPTIONS);

  // In Node msgpackr writes long strings through Buffer's utf8Write: its buffer must be a Buffer there.
  const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(n: number): Uint8Array } }).Buffer;
  const scratch = NodeBuffer === undefined ? new Uint8Array(SCRATCH_BYTES) : NodeBuffer.allocUnsafeSlow(SCRATCH_BYTES);

  // Pack into the same scratch buffer every time: `encode` copies the body out, and otherwise
  // msgpackr moves on to a fresh 8 KB buffer whenever 2 KB are left in its own. Not when called
  // from inside a pack (a value's toJSON encoding something): msgpackr saves its own state then.
  let packing = false;
  function packScratch(value: unknown): Uint8Array {
    if (packing) return packr.pack(value);
    packing = true;
    try {
      // biome-ignore lint/correctness/useHookAtTopLevel: msgpackr's method, not a React hook
      packr.useBuffer(scratch);
      return packr.pack(value);
    } finally {
      packing = false;
    }
  }

  function encode(value: unknown, kind: ValueKind = 'value', version: number = FORMAT_VERSION): Uint8Array {
    const kindCode = ValueKinds.indexOf(kind);
    if (kindCode < 0) fail('store/invalid', `unknown value kind ${show(kind)}`);
    if (!Number.isInteger(version) || version < 1 || version > READ_VERSION) fail('store/invalid', `unknown format version ${show(version)}`);
    const structure = structureByKind.get(kind as StructureKind);
    if (structure !== undefined) return encodeStructure(structure, value, kindCode, version);
    // Arrays of plain scalars (index nodes in positional form): the same bytes, written directly.
    const plain = packPlain((version << 5) | kindCode, value, leavesPlain);
    if (plain !== undefined) return plain;
    const state = { tagged: false };
    let body: Uint8Array;
    try {
      body = packScratch(prepare(value, handlers, state, 0));
    } catch (e) {
      if (e instanceof CairnError) throw e;
      throw new CairnError('store/invalid', `cannot encode ${show(value)}: ${(e as Error).message}`, {}, { cause: e });
    }
    const out = new Uint8Array(body.length + 1);
    out[0] = (version << 5) | (state.tagged ? TAGGED_BIT : 0) | kindCode;
    out.set(body, 1);
    return out;
  }

  function encodeStructure(h: StructureHandler, value: unknown, kindCode: number, version: number): Uint8Array {
    let body: unknown;
    try {
      body = h.write(value);
    } catch (e) {
      if (e instanceof CairnError) throw e;
      throw new CairnError(
        'store/invalid',
        `structure handler ${show(h.name)} cannot encode ${show(value)}: ${(e as Error).message}`,
        { handler: h.name },
        { cause: e },
      );
    }
    if (!(body instanceof Uint8Array))
      fail('store/invalid', `structure handler ${show(h.name)} must return a Uint8Array, got ${show(body)}`, { handler: h.name });
    const out = new Uint8Array(body.length + 2);
    out[0] = (version << 5) | STRUCTURED_BIT | kindCode;
    out[1] = h.type;
    out.set(body, 2);
    return out;
  }

  function header(bytes: Uint8Array, key?: string) {
    const where = key === undefined ? '' : ` under key ${show(key)}`;
    if (!(bytes instanceof Uint8Array) || bytes.length < 2) {
      fail('store/corrupt', `stored value${where} is not a CairnDB value (${show(bytes)})`, { key: key ?? null });
    }
    const h = bytes[0]!;
    const version = h >>> 5;
    if (version > READ_VERSION) {
      fail('store/format-version', `value${where} was written by format version ${version}; this CairnDB reads up to version ${READ_VERSION}`, {
        key: key ?? null,
        version,
        supported: READ_VERSION,
      });
    }
    const kind = ValueKinds[h & KIND_MASK];
    const structured = (h & STRUCTURED_BIT) !== 0;
    if (version === 0 || kind === undefined || (structured && !(StructureKinds as readonly string[]).includes(kind))) {
      fail('store/corrupt', `stored value${where} has an invalid header byte 0x${h.toString(16)}`, { key: key ?? null, header: h });
    }
    return { version, kind, tagged: (h & TAGGED_BIT) !== 0, handler: structured ? bytes[1]! : null };
  }

  function decode(bytes: Uint8Array, o: { readonly key?: string; readonly kind?: ValueKind | readonly ValueKind[] } = {}): unknown {
    const h = header(bytes, o.key);
    const where = o.key === undefined ? '' : ` under key ${show(o.key)}`;
    if (o.kind !== undefined && (typeof o.kind === 'string' ? o.kind !== h.kind : !o.kind.includes(h.kind))) {
      const expected = typeof o.kind === 'string' ? o.kind : o.kind.join(' or ');
      fail('store/corrupt', `stored value${where} is a ${h.kind}, expected a ${expected}`, { key: o.key ?? null, kind: h.kind, expected });
    }
    if (h.handler !== null) return decodeStructure(h.handler, bytes, o.key, where);
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

  function decodeStructure(type: number, bytes: Uint8Array, key: string | undefined, where: string): unknown {
    const s = structureByType.get(type);
    if (s === undefined) {
      fail(
        'store/encoding',
        `stored value${where} was written by structure handler type ${type}, which this store's backend does not install (open the database through the backend that wrote it)`,
        { key: key ?? null, type },
      );
    }
    try {
      return s.read(bytes.subarray(2));
    } catch (e) {
      if (e instanceof CairnError) throw e;
      throw new CairnError(
        'store/corrupt',
        `stored value${where} cannot be decoded by ${show(s.name)}: ${(e as Error).message}`,
        { key: key ?? null, handler: s.name },
        { cause: e },
      );
    }
  }

  function encodePlainWith(kind: ValueKind, write: (w: PlainWriter) => void): Uint8Array | undefined {
    const kindCode = ValueKinds.indexOf(kind);
    if (kindCode < 0) fail('store/invalid', `unknown value kind ${show(kind)}`);
    if (structureByKind.has(kind as StructureKind)) return undefined;
    return packPlainWith((FORMAT_VERSION << 5) | kindCode, leavesPlain, write);
  }

  const encodings = structures.map((h) => h.name);
  const handles = (kind: StructureKind): boolean => structureByKind.has(kind);
  return { formatVersion: FORMAT_VERSION, encodings, handles, encode, encodePlainWith, decode, header };
}

function checkHandlers(handlers: readonly AnyCodecHandler[]): readonly AnyCodecHandler[] {
  const seen = new Set<number>();
  const kinds = new Set<string>();
  for (const h of handlers) {
    if (!Number.isInteger(h?.type) || h.type < FIRST_HANDLER_TYPE || h.type > LAST_HANDLER_TYPE) {
      fail('config/invalid', `codec handler type must be an integer in ${FIRST_HANDLER_TYPE}..${LAST_HANDLER_TYPE}, got ${show(h?.type)}`);
    }
    if (seen.has(h.type)) fail('config/invalid', `codec handler type ${h.type} is installed twice`);
    if (isStructure(h)) {
      if (!(StructureKinds as readonly string[]).includes(h.kind)) {
        fail('config/invalid', `structure handler ${h.type} has kind ${show(h.kind)}; expected one of ${StructureKinds.join(', ')}`);
      }
      if (kinds.has(h.kind)) fail('config/invalid', `two structure handlers for kind ${show(h.kind)}`);
      if (typeof h.name !== 'string' || h.name === '') fail('config/invalid', `structure handler ${h.type} needs a non-empty name`);
      if (typeof h.write !== 'function' || typeof h.read !== 'function') {
        fail('config/invalid', `structure handler ${h.type} needs write and read functions`);
      }
      kinds.add(h.kind);
      seen.add(h.type);
      continue;
    }
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
        value: revive(payload[i + 1], byType, key),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return obj;
  }
  const h = byType.get(type);
  if (h === undefined) {
    fail(
      'store/corrupt',
      `stored value${where} uses serialization handler type ${type}, which this codec does not have (was it written through a backend with its own handlers?)`,
      { key: key ?? null, type },
    );
  }
  return h.read(revive(payload, byType, key));
}
