// The refs file of the `file` backend: every ref (small mutable key) of a store in one file,
// replaced as a whole by write-temp + fsync + rename, so a batch's refs change together.
//
// Layout: magic "CRF1", u32 count, then per entry u32 key length, key UTF-8, u32 value length,
// value bytes (all big-endian). Decoding checks every length against the buffer.

import { fail, show } from '../util/errors.js';

const MAGIC = [0x43, 0x52, 0x46, 0x31];
const enc = /* @__PURE__ */ new TextEncoder();
const dec = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

export function encodeRefs(refs: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 8;
  for (const [k, v] of refs) {
    const kb = enc.encode(k);
    parts.push(kb, v);
    size += 8 + kb.length + v.length;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, refs.size);
  let pos = 8;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    view.setUint32(pos, p.length);
    out.set(p, pos + 4);
    pos += 4 + p.length;
  }
  return out;
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
