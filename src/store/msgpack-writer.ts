// A direct msgpack writer: the very bytes the codec's msgpackr configuration (src/store/codec.ts)
// writes for the values it covers — strings, numbers other than -0, booleans, null, arrays, and,
// for records, byte arrays, valid Dates and plain objects without a `__proto__` or tag key
// (objects as map16, integers in their smallest form up to 32 bits, other numbers as float64,
// Dates as msgpack timestamps, bytes as bin). One pass into a reused buffer and one exact-length
// copy out: it skips msgpackr's generic dispatch, the codec's `prepare` walk and the copy behind
// the header byte. Anything else makes it give up (undefined) and the caller takes the codec's
// general path. Tested byte for byte against msgpackr (msgpack-writer.test.ts).
//
// Entries: `packPlain` for arrays of plain scalars (index nodes in positional form, under any
// codec: class handlers never see such values; Dates and bytes too where no handler takes them),
// `packPlainWith` for such an array written piece by piece without building it (an index leaf),
// and `packRecord` for a commit's records (only for a codec whose handlers leave Dates and bytes
// alone: src/conn/commit-bytes.ts checks that).

const TAG_KEY = '\u0000~'; // the codec's marker key: values holding it are escaped there

// Parts of a record that many records share unchanged (a commit's config, roots and sealed
// chunk keys, the same objects until the next fold or seal), written once each.
const bodies = /* @__PURE__ */ new WeakMap<object, Uint8Array>();
const NONE: readonly object[] = [];
let stable: readonly object[] | undefined = NONE;
/** Scalars and arrays only (packPlain): objects give up, and Dates and bytes unless `plainLeaves`. */
let plainOnly = false;
let plainLeaves = false;

class Unsupported extends Error {}
const UNSUPPORTED = /* @__PURE__ */ new Unsupported('not in the hand-written subset');

// Empty until the first value: room() grows it (top-level allocation would be a side effect for bundlers).
let buf = /* @__PURE__ */ new Uint8Array(0);
let view = /* @__PURE__ */ new DataView(/* @__PURE__ */ new ArrayBuffer(0));
let pos = 0;

function room(n: number): void {
  if (pos + n <= buf.length) return;
  const next = new Uint8Array(Math.max(buf.length * 2, pos + n + 1024));
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

function str(s: string): void {
  const n = s.length;
  room(5 + n * 3);
  // Header size from the UTF-16 length; the loop below writes the bytes after it.
  const head = n < 0x20 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
  let p = pos + head;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) buf[p++] = c;
    else if (c < 0x800) {
      buf[p++] = (c >> 6) | 0xc0;
      buf[p++] = (c & 0x3f) | 0x80;
    } else if ((c & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c & 0x03ff) << 10) + (s.charCodeAt(++i) & 0x03ff);
      buf[p++] = (c >> 18) | 0xf0;
      buf[p++] = ((c >> 12) & 0x3f) | 0x80;
      buf[p++] = ((c >> 6) & 0x3f) | 0x80;
      buf[p++] = (c & 0x3f) | 0x80;
    } else if ((c & 0xf800) === 0xd800) {
      // a lone surrogate: U+FFFD, as msgpackr and TextEncoder write it
      buf[p++] = 0xef;
      buf[p++] = 0xbf;
      buf[p++] = 0xbd;
    } else {
      buf[p++] = (c >> 12) | 0xe0;
      buf[p++] = ((c >> 6) & 0x3f) | 0x80;
      buf[p++] = (c & 0x3f) | 0x80;
    }
  }
  const len = p - pos - head;
  // The final header may be longer than the estimate: move the bytes up.
  const need = len < 0x20 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 5;
  if (need !== head) buf.copyWithin(pos + need, pos + head, p);
  if (need === 1) buf[pos] = 0xa0 | len;
  else if (need === 2) {
    buf[pos] = 0xd9;
    buf[pos + 1] = len;
  } else if (need === 3) {
    buf[pos] = 0xda;
    buf[pos + 1] = len >> 8;
    buf[pos + 2] = len & 0xff;
  } else {
    buf[pos] = 0xdb;
    view.setUint32(pos + 1, len);
  }
  pos += need + len;
}

function num(x: number): void {
  room(9);
  if (x >>> 0 === x) {
    if (Object.is(x, -0)) throw UNSUPPORTED; // the codec writes -0 as a tagged marker
    if (x < 0x80) buf[pos++] = x;
    else if (x < 0x100) {
      buf[pos++] = 0xcc;
      buf[pos++] = x;
    } else if (x < 0x10000) {
      buf[pos++] = 0xcd;
      buf[pos++] = x >> 8;
      buf[pos++] = x & 0xff;
    } else {
      buf[pos++] = 0xce;
      view.setUint32(pos, x);
      pos += 4;
    }
  } else if (x >> 0 === x) {
    if (x >= -0x20) buf[pos++] = 0x100 + x;
    else if (x >= -0x80) {
      buf[pos++] = 0xd0;
      buf[pos++] = x + 0x100;
    } else if (x >= -0x8000) {
      buf[pos++] = 0xd1;
      view.setInt16(pos, x);
      pos += 2;
    } else {
      buf[pos++] = 0xd2;
      view.setInt32(pos, x);
      pos += 4;
    }
  } else {
    buf[pos++] = 0xcb;
    view.setFloat64(pos, x);
    pos += 8;
  }
}

function bin(b: Uint8Array): void {
  const n = b.length;
  room(5 + n);
  if (n < 0x100) {
    buf[pos++] = 0xc4;
    buf[pos++] = n;
  } else if (n < 0x10000) {
    buf[pos++] = 0xc5;
    buf[pos++] = n >> 8;
    buf[pos++] = n & 0xff;
  } else {
    buf[pos++] = 0xc6;
    view.setUint32(pos, n);
    pos += 4;
  }
  buf.set(b, pos);
  pos += n;
}

function date(d: Date): void {
  const ms = d.getTime();
  const seconds = ms / 1000;
  room(10);
  if (d.getMilliseconds() === 0 && seconds >= 0 && seconds < 0x100000000) {
    buf[pos++] = 0xd6;
    buf[pos++] = 0xff;
    view.setUint32(pos, seconds);
    pos += 4;
  } else if (seconds > 0 && seconds < 0x400000000) {
    buf[pos++] = 0xd7;
    buf[pos++] = 0xff;
    view.setUint32(pos, d.getMilliseconds() * 4000000 + ((seconds / 0x100000000) >> 0));
    view.setUint32(pos + 4, seconds);
    pos += 8;
  } else throw UNSUPPORTED; // invalid or far dates: the codec's own forms
}

function arrayHeader(n: number): void {
  room(5);
  if (n < 0x10) buf[pos++] = 0x90 | n;
  else if (n < 0x10000) {
    buf[pos++] = 0xdc;
    buf[pos++] = n >> 8;
    buf[pos++] = n & 0xff;
  } else {
    buf[pos++] = 0xdd;
    view.setUint32(pos, n);
    pos += 4;
  }
}

function value(x: unknown, depth: number): void {
  switch (typeof x) {
    case 'string':
      str(x);
      return;
    case 'number':
      num(x);
      return;
    case 'boolean':
      room(1);
      buf[pos++] = x ? 0xc3 : 0xc2;
      return;
    case 'object':
      break;
    default:
      throw UNSUPPORTED;
  }
  if (x === null) {
    room(1);
    buf[pos++] = 0xc0;
    return;
  }
  if (depth > 32) throw UNSUPPORTED;
  if (stable !== undefined && stable.includes(x)) {
    const done = bodies.get(x);
    if (done !== undefined) {
      room(done.length);
      buf.set(done, pos);
      pos += done.length;
      return;
    }
    const from = pos;
    const outer = stable;
    stable = undefined; // what it holds is written fresh (and is not looked up again)
    try {
      value(x, depth);
    } finally {
      stable = outer;
    }
    bodies.set(x, buf.slice(from, pos));
    return;
  }
  const c = (x as object).constructor;
  if (plainOnly && c !== Array && !(plainLeaves && (c === Date || c === Uint8Array))) throw UNSUPPORTED;
  if (c === Uint8Array) {
    bin(x as Uint8Array);
    return;
  }
  if (c === Array) {
    const a = x as unknown[];
    const n = a.length;
    arrayHeader(n);
    for (let i = 0; i < n; i++) value(a[i], depth + 1);
    return;
  }
  if (c === Date) {
    date(x as Date);
    return;
  }
  if (c !== Object || Object.getPrototypeOf(x) !== Object.prototype) throw UNSUPPORTED;
  const o = x as Record<string, unknown>;
  room(3);
  buf[pos] = 0xde; // msgpackr writes every object as a map16
  const at = pos + 1;
  pos += 3;
  let size = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (k === '__proto__' || k === TAG_KEY) throw UNSUPPORTED;
    str(k);
    value(o[k], depth + 1);
    size++;
  }
  if (size > 0xffff) throw UNSUPPORTED;
  buf[at] = size >> 8;
  buf[at + 1] = size & 0xff;
}

// A record's bytes are handed out as a view into a shared slab when they are small, as Node's
// Buffer pool does: an exact-length array above V8's 64-byte on-heap limit costs a backing store
// of its own outside the heap (2-4 µs each, measured), a view ~0.1 µs, and a small commit writes
// four records. Views are enough: stores copy what they keep (the store contract: "callers may
// reuse their arrays", with views among the contract suite's inputs), and a commit keeps its
// records only until the next seal or fold, so a slab is not held for long.
const SLAB = 16 * 1024;
const POOLED = SLAB / 4;
let slab = /* @__PURE__ */ new ArrayBuffer(0);
let slabUsed = 0;

function pooledCopy(n: number): Uint8Array {
  if (n > POOLED) return buf.slice(0, n);
  if (slabUsed + n > slab.byteLength) {
    slab = new ArrayBuffer(SLAB);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, n);
  out.set(buf.subarray(0, n));
  slabUsed += (n + 7) & ~7; // each view 8-byte aligned, like the allocator's
  return out;
}

/** `header`, then what `body` writes, in the shared buffer; false when `body` gave up. */
function into(header: number, body: () => void): boolean {
  pos = 0;
  room(1);
  buf[pos++] = header;
  try {
    body();
    return true;
  } catch (e) {
    if (e instanceof Unsupported) return false;
    throw e;
  }
}

/**
 * `header` followed by the msgpack bytes of `v`, in one exact-length array; undefined unless `v`
 * is an array of arrays, strings, numbers (not -0), booleans and null — and, with `leaves` (a
 * codec with no class handler for them), valid Dates and byte arrays, such as a node's
 * db/txInstant values.
 */
export function packPlain(header: number, v: unknown, leaves = false): Uint8Array | undefined {
  if (!Array.isArray(v)) return undefined;
  return packPlainWith(header, leaves, () => value(v, 0));
}

/** Writes a plain array piece by piece (`packPlainWith`): `array(n)` is followed by its n elements. */
export interface PlainWriter {
  array(n: number): void;
  str(s: string): void;
  num(x: number): void;
  /** Anything `packPlain` takes inside its array. */
  value(x: unknown): void;
}

// A string or number of the wrong type gives up (the caller's long way writes it right) rather
// than write bytes that decode to something else.
const plainWriter: PlainWriter = {
  array: arrayHeader,
  str: (s) => (typeof s === 'string' ? str(s) : unsupported()),
  num: (x) => (typeof x === 'number' ? num(x) : unsupported()),
  value: (x) => value(x, 1),
};

function unsupported(): never {
  throw UNSUPPORTED;
}

/**
 * `packPlain(header, v, leaves)` for the array `v` that `write` writes piece by piece, without
 * building `v` (an index leaf's positional form is five values a datom); undefined where
 * `packPlain` would be (the caller then builds `v`). `write` must encode nothing else meanwhile:
 * the writer has one buffer.
 */
export function packPlainWith(header: number, leaves: boolean, write: (w: PlainWriter) => void): Uint8Array | undefined {
  plainOnly = true;
  plainLeaves = leaves;
  try {
    // a node: the codec's encode answers exact-length arrays
    return into(header, () => write(plainWriter)) ? buf.slice(0, pos) : undefined;
  } finally {
    plainOnly = false;
    plainLeaves = false;
  }
}

/**
 * `header` followed by the msgpack bytes of `x` (the whole subset above), or undefined; up to
 * 4 KB, a view into a shared slab (above). `shared`: objects inside `x` that never change and
 * recur in later records (their bytes are kept, in a WeakMap, and copied next time).
 */
export function packRecord(header: number, x: unknown, shared: readonly object[] = NONE): Uint8Array | undefined {
  stable = shared;
  try {
    return into(header, () => value(x, 0)) ? pooledCopy(pos) : undefined;
  } finally {
    stable = NONE;
  }
}
