// The subset of CBOR (RFC 8949) Datahike's migrate dumps use: a CBOR sequence (RFC 8742) of
// records [e a v tx added]. Datahike writes keywords as tag 39 (identifier) over ':ns/name' text,
// instants as tag 1 over epoch seconds (a double), UUIDs as tag 37 over 16 bytes, doubles as
// float64, and ints, strings, bytes, booleans, arrays as plain CBOR. Encoding is definite-length
// only, integers beyond 64 bits as bignums (tags 2/3); decoding also takes half/single floats,
// null and maps (to Map).
//
// JS side of each: a keyword is `{ keyword: 'ns/name' }` (Keyword below) so it cannot be
// confused with a string; an instant is a Date; a UUID its canonical string wrapped in Uuid.

import { isBytes, isDate } from './brands.js';
export class Keyword {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}
export class CborUuid {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
}

/** Raised when the input ends inside an item: the caller feeds more bytes and retries. */
export class NeedMore extends Error {}

export class CborError extends Error {}

const enc = /* @__PURE__ */ new TextEncoder();
const dec = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

function head(out: number[], major: number, n: number | bigint): void {
  const m = major << 5;
  if (typeof n === 'bigint' || n > 0xffffffff) {
    const b = BigInt(n);
    out.push(m | 27);
    for (let i = 7; i >= 0; i--) out.push(Number((b >> BigInt(i * 8)) & 0xffn));
  } else if (n < 24) out.push(m | n);
  else if (n < 0x100) out.push(m | 24, n);
  else if (n < 0x10000) out.push(m | 25, n >> 8, n & 0xff);
  else out.push(m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function f64(out: number[], x: number): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x);
  out.push(0xfb, ...b);
}

function uuidBytes(s: string): number[] {
  const hex = s.replace(/-/g, '');
  const out: number[] = [];
  for (let i = 0; i < 32; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/** Append the encoding of `x`; `double` says a number is a float even when it is integral. */
export function encodeInto(out: number[], x: unknown, double = false): void {
  if (x === null || x === undefined) out.push(0xf6);
  else if (x === true) out.push(0xf5);
  else if (x === false) out.push(0xf4);
  else if (typeof x === 'number') {
    if (!double && Number.isSafeInteger(x)) head(out, x < 0 ? 1 : 0, x < 0 ? -1 - x : x);
    else f64(out, x);
  } else if (typeof x === 'bigint') {
    if (x >= 0n && x < 1n << 64n) head(out, 0, x);
    else if (x < 0n && -1n - x < 1n << 64n) head(out, 1, -1n - x);
    else {
      // a bignum (RFC 8949, 3.4.3): tag 2 over the bytes of x, tag 3 over those of -1 - x
      out.push(x >= 0n ? 0xc2 : 0xc3);
      const bytes: number[] = [];
      for (let m = x >= 0n ? x : -1n - x; m > 0n; m >>= 8n) bytes.unshift(Number(m & 0xffn));
      head(out, 2, bytes.length);
      out.push(...bytes);
    }
  } else if (typeof x === 'string') {
    const b = enc.encode(x);
    head(out, 3, b.length);
    for (const c of b) out.push(c);
  } else if (x instanceof Keyword) {
    out.push(0xd8, 39);
    encodeInto(out, `:${x.name}`);
  } else if (x instanceof CborUuid) {
    out.push(0xd8, 37);
    head(out, 2, 16);
    out.push(...uuidBytes(x.value));
  } else if (isDate(x)) {
    out.push(0xc1);
    f64(out, x.getTime() / 1000);
  } else if (isBytes(x)) {
    head(out, 2, x.length);
    for (const c of x) out.push(c);
  } else if (Array.isArray(x)) {
    head(out, 4, x.length);
    for (const y of x) encodeInto(out, y);
  } else throw new CborError(`cannot encode ${Object.prototype.toString.call(x)} in a dump`);
}

function uuidString(b: Uint8Array): string {
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function half(bits: number): number {
  const e = (bits >> 10) & 0x1f,
    f = bits & 0x3ff,
    s = bits & 0x8000 ? -1 : 1;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function text(bytes: Uint8Array, at: number): string {
  try {
    return dec.decode(bytes);
  } catch {
    throw new CborError(`a text string at byte ${at} is not valid UTF-8`);
  }
}

/** Decode one item at `pos`; throws NeedMore if `b` ends inside it. */
export function decodeAt(b: Uint8Array, pos: number): { value: unknown; end: number } {
  const need = (n: number): void => {
    if (pos + n > b.length) throw new NeedMore();
  };
  need(1);
  const ib = b[pos++]!;
  const major = ib >> 5,
    info = ib & 0x1f;
  let n: number | bigint;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (major === 7) {
    switch (info) {
      case 20:
        return { value: false, end: pos };
      case 21:
        return { value: true, end: pos };
      case 22:
      case 23:
        return { value: null, end: pos };
      case 25:
        need(2);
        return { value: half(dv.getUint16(pos)), end: pos + 2 };
      case 26:
        need(4);
        return { value: dv.getFloat32(pos), end: pos + 4 };
      case 27:
        need(8);
        return { value: dv.getFloat64(pos), end: pos + 8 };
      default:
        throw new CborError(`unsupported simple value ${info} at byte ${pos - 1}`);
    }
  }
  if (info < 24) n = info;
  else if (info === 24) {
    need(1);
    n = b[pos]!;
    pos += 1;
  } else if (info === 25) {
    need(2);
    n = dv.getUint16(pos);
    pos += 2;
  } else if (info === 26) {
    need(4);
    n = dv.getUint32(pos);
    pos += 4;
  } else if (info === 27) {
    need(8);
    n = dv.getBigUint64(pos);
    pos += 8;
    if (n <= BigInt(Number.MAX_SAFE_INTEGER)) n = Number(n);
  } else throw new CborError(`indefinite-length items are not supported (byte ${pos - 1})`);
  switch (major) {
    case 0:
      return { value: n, end: pos };
    case 1:
      return { value: typeof n === 'bigint' ? -1n - n : -1 - n, end: pos };
    case 2:
    case 3: {
      const len = Number(n);
      need(len);
      const bytes = b.slice(pos, pos + len);
      return { value: major === 2 ? bytes : text(bytes, pos), end: pos + len };
    }
    case 4: {
      const out: unknown[] = [];
      for (let i = 0; i < Number(n); i++) {
        const r = decodeAt(b, pos);
        out.push(r.value);
        pos = r.end;
      }
      return { value: out, end: pos };
    }
    case 5: {
      const m = new Map<unknown, unknown>();
      for (let i = 0; i < Number(n); i++) {
        const k = decodeAt(b, pos);
        const v = decodeAt(b, k.end);
        m.set(k.value, v.value);
        pos = v.end;
      }
      return { value: m, end: pos };
    }
    case 6: {
      const inner = decodeAt(b, pos);
      const v = inner.value;
      switch (Number(n)) {
        case 39:
          if (typeof v === 'string') return { value: new Keyword(v.startsWith(':') ? v.slice(1) : v), end: inner.end };
          break;
        case 1:
          if (typeof v === 'number') return { value: new Date(Math.round(v * 1000)), end: inner.end };
          break;
        case 0:
          if (typeof v === 'string') return { value: new Date(v), end: inner.end };
          break;
        case 37:
          if (isBytes(v) && v.length === 16) return { value: new CborUuid(uuidString(v)), end: inner.end };
          break;
        case 2:
        case 3:
          if (isBytes(v)) {
            let x = 0n;
            for (const c of v) x = (x << 8n) | BigInt(c);
            return { value: Number(n) === 2 ? x : -1n - x, end: inner.end };
          }
          break;
        default:
          break;
      }
      throw new CborError(`unsupported tag ${n} at byte ${pos}`);
    }
    default:
      throw new CborError(`unsupported major type ${major}`);
  }
}
