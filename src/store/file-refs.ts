// The refs file of the `file` backend: every ref (small mutable key) of a store in one file,
// so a batch's refs change together.
//
// A snapshot of the refs: magic "CRF1", u32 count, then per entry u32 key length, key UTF-8,
// u32 value length, value bytes (all big-endian). Decoding checks every length against the
// buffer. Version 1 of the file was one snapshot, replaced as a whole by write-temp + fsync +
// rename; version 2, below, is a log of them.

import * as zlib from 'node:zlib';
import { fail, show } from '../util/errors.js';

const MAGIC = [0x43, 0x52, 0x46, 0x31];
const enc = /* @__PURE__ */ new TextEncoder();
const dec = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

/** A snapshot of the refs (the version-1 file, and every log frame's payload), as a fresh array. */
export function encodeRefs(refs: ReadonlyMap<string, Uint8Array>): Uint8Array {
  return encodeRefsFrame(refs, false).slice(FRAME_HEADER); // one writer of the format: the frame's
}

export function decodeRefs(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const bad = (why: string): never => fail('store/corrupt', `refs file ${show(file)} is corrupt: ${why}`, { file });
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) bad('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(4);
  const refs = new Map<string, Uint8Array>();
  let pos = 8;
  const take = (): Uint8Array => {
    if (pos + 4 > bytes.length) bad('truncated');
    const len = view.getUint32(pos);
    if (pos + 4 + len > bytes.length) bad('truncated');
    const out = bytes.slice(pos + 4, pos + 4 + len);
    pos += 4 + len;
    return out;
  };
  for (let i = 0; i < count; i++) {
    let key: string;
    try {
      key = dec.decode(take());
    } catch (e) {
      if (e instanceof Error && e.name === 'CairnError') throw e;
      return bad('key is not UTF-8');
    }
    refs.set(key, take());
  }
  if (pos !== bytes.length) bad('trailing bytes');
  return refs;
}

// Version 2, the refs log: magic "CRL1", then frames, each u32 payload length, u32 CRC-32 of
// the payload, and the payload: a whole snapshot as above. A commit appends one frame (one
// write, one fdatasync when strict) instead of replacing the file; the current refs are the
// last frame whose length and checksum hold. A frame can only be torn at the end (a writer
// killed mid-append, or power loss in `relaxed` mode): it is ignored on read and cut off by the
// next writer before it appends. When the log grows past a bound the writer replaces it by a
// fresh one-frame log (write-temp + rename, as version 1 always did). ./file-refs-log.ts writes it.

const LOG_MAGIC = [0x43, 0x52, 0x4c, 0x31];
export const LOG_HEADER = 4;
const FRAME_HEADER = 8;

/** zlib's CRC-32 where Node has it (20.15 and later): a commit checksums its ~3 KB frame natively. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE) of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return nativeCrc32 === undefined ? tableCrc32(bytes, start, end) : nativeCrc32(bytes.subarray(start, end)) >>> 0;
}

/** The same, table-driven, for the Node 20 releases before 20.15. */
const CRC_TABLE = /* @__PURE__ */ (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function tableCrc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

// A frame is written into one buffer that every call reuses: the refs log writes it at once, and
// two exact-length arrays of ~3 KB per commit (payload, then frame) each cost a backing store
// outside V8's heap (~3-4 µs; see src/store/msgpack-writer.ts).
let scratch = /* @__PURE__ */ new Uint8Array(0);
let scratchView = /* @__PURE__ */ new DataView(/* @__PURE__ */ new ArrayBuffer(0));

/**
 * One frame holding `refs` (with `header`, a whole one-frame log), its payload a snapshot as
 * above. A view into a buffer the next call reuses: write it before calling again.
 */
export function encodeRefsFrame(refs: ReadonlyMap<string, Uint8Array>, header: boolean): Uint8Array {
  let bound = LOG_HEADER + FRAME_HEADER + 8;
  for (const [k, v] of refs) bound += 8 + k.length * 3 + v.length;
  if (scratch.length < bound) {
    scratch = new Uint8Array(Math.max(bound, scratch.length * 2, 4096));
    scratchView = new DataView(scratch.buffer);
  }
  const out = scratch;
  const view = scratchView;
  let pos = 0;
  if (header) {
    out.set(LOG_MAGIC, 0);
    pos = LOG_HEADER;
  }
  const frameAt = pos;
  const payloadAt = frameAt + FRAME_HEADER;
  out.set(MAGIC, payloadAt);
  view.setUint32(payloadAt + 4, refs.size);
  pos = payloadAt + 8;
  for (const [k, v] of refs) {
    const { written } = enc.encodeInto(k, out.subarray(pos + 4));
    view.setUint32(pos, written);
    pos += 4 + written;
    view.setUint32(pos, v.length);
    out.set(v, pos + 4);
    pos += 4 + v.length;
  }
  view.setUint32(frameAt, pos - payloadAt);
  view.setUint32(frameAt + 4, crc32(out, payloadAt, pos));
  return out.subarray(0, pos);
}

/** What a refs file holds: the refs, its format, and (a log) where its last whole frame ends. */
export interface RefsFile {
  readonly refs: Map<string, Uint8Array>;
  readonly log: boolean;
  readonly end: number;
  /** Whole frames (a log). */
  readonly frames: number;
}

/** The smallest payload a frame can hold: an empty snapshot (magic and count). */
const MIN_PAYLOAD = 8;

/**
 * Decode either version of the refs file. Only the last frame matters, so the frames are walked
 * by their lengths and only the checksums needed are computed: the last frame's, then, should it
 * be torn, the one before it (a log past a few frames would otherwise cost a CRC of the whole file
 * on every read).
 */
export function decodeRefsFile(bytes: Uint8Array, file: string): RefsFile {
  if (bytes.length < LOG_HEADER || LOG_MAGIC.some((b, i) => bytes[i] !== b)) return { refs: decodeRefs(bytes, file), log: false, end: bytes.length, frames: 0 };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts: number[] = []; // where each complete frame's header is
  let pos = LOG_HEADER;
  while (pos + FRAME_HEADER <= bytes.length) {
    const len = view.getUint32(pos);
    // A frame that does not fit, or too short to be a snapshot (a zero-filled tail), ends the log.
    if (len < MIN_PAYLOAD || pos + FRAME_HEADER + len > bytes.length) break;
    starts.push(pos);
    pos += FRAME_HEADER + len;
  }
  for (let i = starts.length - 1; i >= 0; i--) {
    const at = starts[i]!;
    const start = at + FRAME_HEADER;
    const end = start + view.getUint32(at);
    if (crc32(bytes, start, end) !== view.getUint32(at + 4)) continue; // torn: the one before it holds
    return { refs: decodeRefs(bytes.subarray(start, end), file), log: true, end, frames: i + 1 };
  }
  return { refs: new Map(), log: true, end: LOG_HEADER, frames: 0 };
}
