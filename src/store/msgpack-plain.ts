// A direct msgpack writer for the commonest stored shape: arrays of strings, numbers, booleans
// and null (an index node in positional form is exactly that when its values are strings and
// numbers). It writes the very bytes the codec's msgpackr configuration writes for such a value
// (same string, integer and float forms; tested byte for byte in msgpack-plain.test.ts), so
// readers cannot tell which wrote them; it only skips msgpackr's generic dispatch, the codec's
// `prepare` walk and the copy behind the header byte. Anything else (objects, -0, bigint, Date,
// bytes, undefined) makes it give up and the codec takes the general path.

let buf = new Uint8Array(1 << 16);
let view = new DataView(buf.buffer);
let pos = 0;

function room(n: number): void {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

/** Why a value cannot be written here (a sentinel, not an error: the caller falls back). */
const GIVE_UP = Symbol('give up');

function str(s: string): void {
  const n = s.length;
  room(n * 3 + 5);
  // Header size from the character count, as msgpackr estimates it; moved if the bytes need more.
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
      buf[p++] = 0xef; // a lone surrogate: U+FFFD, as msgpackr and TextEncoder write it
      buf[p++] = 0xbf;
      buf[p++] = 0xbd;
    } else {
      buf[p++] = (c >> 12) | 0xe0;
      buf[p++] = ((c >> 6) & 0x3f) | 0x80;
      buf[p++] = (c & 0x3f) | 0x80;
    }
  }
  const len = p - pos - head;
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

function num(v: number): void {
  room(9);
  if (v >>> 0 === v) {
    if (Object.is(v, -0)) throw GIVE_UP; // the codec tags -0
    if (v < 0x80) buf[pos++] = v;
    else if (v < 0x100) {
      buf[pos++] = 0xcc;
      buf[pos++] = v;
    } else if (v < 0x10000) {
      buf[pos++] = 0xcd;
      buf[pos++] = v >> 8;
      buf[pos++] = v & 0xff;
    } else {
      buf[pos++] = 0xce;
      view.setUint32(pos, v);
      pos += 4;
    }
  } else if (v >> 0 === v) {
    if (v >= -0x20) buf[pos++] = 0x100 + v;
    else if (v >= -0x80) {
      buf[pos++] = 0xd0;
      buf[pos++] = v + 0x100;
    } else if (v >= -0x8000) {
      buf[pos++] = 0xd1;
      view.setInt16(pos, v);
      pos += 2;
    } else {
      buf[pos++] = 0xd2;
      view.setInt32(pos, v);
      pos += 4;
    }
  } else {
    buf[pos++] = 0xcb;
    view.setFloat64(pos, v);
    pos += 8;
  }
}

function value(v: unknown, depth: number): void {
  if (typeof v === 'string') str(v);
  else if (typeof v === 'number') num(v);
  else if (v === null) {
    room(1);
    buf[pos++] = 0xc0;
  } else if (typeof v === 'boolean') {
    room(1);
    buf[pos++] = v ? 0xc3 : 0xc2;
  } else if (Array.isArray(v) && depth < 64) {
    const n = v.length;
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
    for (let i = 0; i < n; i++) value(v[i], depth + 1);
  } else throw GIVE_UP;
}

/**
 * `header` followed by the msgpack bytes of `v`, in one exact-length array; undefined when `v`
 * holds anything but arrays, strings, numbers (not -0), booleans and null.
 */
export function packPlain(header: number, v: unknown): Uint8Array | undefined {
  if (!Array.isArray(v)) return undefined;
  pos = 0;
  room(1);
  buf[pos++] = header;
  try {
    value(v, 0);
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
  return buf.slice(0, pos);
}
