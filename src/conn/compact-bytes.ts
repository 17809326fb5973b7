// Byte-level reader and writer for the compact datom encodings (./compact-nodes.ts): unsigned
// and zigzag varints of safe integers, float64, exact strings, and a tagged Value.
//
// Strings are stored exactly, whatever they hold (lone surrogates included): ASCII as bytes,
// anything else as UTF-16 code units — `uint(length * 2 + utf16)` then the units.
// Values: one tag byte, small cases folded into it:
//   0x40..0x7f  integer 0..63              0x80..0xff  string #0..127 of the node's table
//   INT_POS/NEG uint magnitude             STR_NEW     a string, appended to the table
//   STR_REF     uint table index           F64         8 bytes (-0, NaN, fractions, unsafe ints)
//   TRUE FALSE NULL                        DATE        f64 epoch ms
//   BYTES       uint length + bytes        BIGINT      string of its decimal digits
//   TUPLE       uint count + values
// Invariant: read(write(x)) is structurally equal to x, and every read checks its bounds, so
// truncated or garbage bytes throw instead of producing a value.

import type { Value } from '../db/types.js';
import { isBytes, isDate } from '../util/brands.js';

const INT_POS = 0x01;
const INT_NEG = 0x02;
const F64 = 0x03;
const STR_NEW = 0x04;
const STR_REF = 0x05;
const TRUE = 0x06;
const FALSE = 0x07;
const DATE = 0x08;
const BYTES = 0x09;
const BIGINT = 0x0a;
const TUPLE = 0x0b;
const NULL = 0x0c;
const SMALL_INT = 0x40;
const SMALL_REF = 0x80;
const TWO_31 = 0x80000000;
/** Largest magnitude a zigzag varint carries exactly (its doubled form stays a safe integer). */
export const MAX_ZIGZAG = 2 ** 52;

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  #view: DataView | undefined;
  /** Strings written with STR_NEW so far, in order: their index is their table number. */
  readonly strings = new Map<string, number>();

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(capacity, 64));
  }

  #grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.#view = undefined;
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.#grow(1);
    this.buf[this.pos++] = b;
  }

  /** A non-negative safe integer. */
  uint(n: number): void {
    if (this.pos + 8 > this.buf.length) this.#grow(8);
    const b = this.buf;
    let p = this.pos;
    if (n < TWO_31) {
      while (n > 0x7f) {
        b[p++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
    } else {
      while (n > 0x7f) {
        b[p++] = (n % 128) | 0x80;
        n = Math.floor(n / 128);
      }
    }
    b[p++] = n;
    this.pos = p;
  }

  /** A safe integer of magnitude at most MAX_ZIGZAG, zigzag-mapped so small negatives stay short. */
  sint(n: number): void {
    this.uint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  f64(x: number): void {
    if (this.pos + 8 > this.buf.length) this.#grow(8);
    (this.#view ??= new DataView(this.buf.buffer)).setFloat64(this.pos, x, true);
    this.pos += 8;
  }

  raw(bytes: Uint8Array): void {
    if (this.pos + bytes.length > this.buf.length) this.#grow(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  str(s: string): void {
    const n = s.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    this.uint(n * 2 + (ascii ? 0 : 1));
    const size = ascii ? n : n * 2;
    if (this.pos + size > this.buf.length) this.#grow(size);
    const b = this.buf;
    let p = this.pos;
    if (ascii) {
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    } else {
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        b[p++] = c & 0xff;
        b[p++] = c >>> 8;
      }
    }
    this.pos = p;
  }

  value(v: Value | null): void {
    switch (typeof v) {
      case 'string': {
        const i = this.strings.get(v);
        if (i === undefined) {
          this.strings.set(v, this.strings.size);
          this.byte(STR_NEW);
          this.str(v);
        } else if (i < 128) {
          this.byte(SMALL_REF | i);
        } else {
          this.byte(STR_REF);
          this.uint(i);
        }
        return;
      }
      case 'number':
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
          if (v >= 0 && v < 64) this.byte(SMALL_INT | v);
          else if (v >= 0) {
            this.byte(INT_POS);
            this.uint(v);
          } else {
            this.byte(INT_NEG);
            this.uint(-v);
          }
        } else {
          this.byte(F64);
          this.f64(v);
        }
        return;
      case 'boolean':
        this.byte(v ? TRUE : FALSE);
        return;
      case 'bigint':
        this.byte(BIGINT);
        this.str(v.toString());
        return;
      case 'object':
        if (v === null) this.byte(NULL);
        else if (isDate(v)) {
          this.byte(DATE);
          this.f64(v.getTime());
        } else if (isBytes(v)) {
          this.byte(BYTES);
          this.uint(v.length);
          this.raw(v);
        } else if (Array.isArray(v)) {
          this.byte(TUPLE);
          this.uint(v.length);
          for (const x of v) this.value(x as Value | null);
        } else throw new Error(`cannot encode value ${String(v)}`);
        return;
      default:
        throw new Error(`cannot encode a ${typeof v} value`);
    }
  }

  /** The bytes written, as a fresh exact-length array. */
  done(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class ByteReader {
  readonly buf: Uint8Array;
  pos = 0;
  readonly #view: DataView;
  readonly strings: string[] = [];

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  byte(): number {
    const b = this.buf[this.pos++];
    if (b === undefined) throw new Error('truncated');
    return b;
  }

  uint(): number {
    const buf = this.buf;
    let b = buf[this.pos++];
    if (b === undefined) throw new Error('truncated');
    if (b < 0x80) return b;
    let r = b & 0x7f;
    let scale = 128;
    for (;;) {
      b = buf[this.pos++];
      if (b === undefined || scale > 2 ** 49) throw new Error('bad varint');
      r += (b & 0x7f) * scale;
      if (b < 0x80) return r;
      scale *= 128;
    }
  }

  sint(): number {
    const u = this.uint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  f64(): number {
    if (this.pos + 8 > this.buf.length) throw new Error('truncated');
    const x = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }

  #take(n: number): number {
    const start = this.pos;
    if (start + n > this.buf.length) throw new Error('truncated');
    this.pos = start + n;
    return start;
  }

  str(): string {
    const h = this.uint();
    const n = Math.floor(h / 2);
    const b = this.buf;
    if (h % 2 === 0) {
      const p = this.#take(n);
      if (n <= 24) {
        let s = '';
        for (let i = p; i < p + n; i++) s += String.fromCharCode(b[i]!);
        return s;
      }
      let s = '';
      for (let i = p; i < p + n; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, Math.min(i + 4096, p + n)) as unknown as number[]);
      return s;
    }
    const p = this.#take(n * 2);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(b[p + 2 * i]! | (b[p + 2 * i + 1]! << 8));
    return s;
  }

  value(): Value | null {
    const t = this.byte();
    if (t >= SMALL_REF) {
      const s = this.strings[t & 0x7f];
      if (s === undefined) throw new Error('string reference out of range');
      return s;
    }
    if (t >= SMALL_INT) return t & 0x3f;
    switch (t) {
      case INT_POS:
        return this.uint();
      case INT_NEG:
        return -this.uint();
      case F64:
        return this.f64();
      case STR_NEW: {
        const s = this.str();
        this.strings.push(s);
        return s;
      }
      case STR_REF: {
        const s = this.strings[this.uint()];
        if (s === undefined) throw new Error('string reference out of range');
        return s;
      }
      case TRUE:
        return true;
      case FALSE:
        return false;
      case NULL:
        return null;
      case DATE:
        return new Date(this.f64());
      case BYTES: {
        const n = this.uint();
        const p = this.#take(n);
        return this.buf.slice(p, p + n);
      }
      case BIGINT:
        return BigInt(this.str());
      case TUPLE: {
        const n = this.uint();
        if (n > this.buf.length - this.pos) throw new Error('tuple longer than its bytes');
        const out: (Value | null)[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.value();
        return out;
      }
      default:
        throw new Error(`unknown value tag 0x${t.toString(16)}`);
    }
  }

  /** Throw unless every byte was read (trailing garbage means the bytes are not ours). */
  end(): void {
    if (this.pos !== this.buf.length) throw new Error(`${this.buf.length - this.pos} trailing bytes`);
  }
}
