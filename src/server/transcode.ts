// Records leave a server in the plain codec (docs/sync.md "Records"), whatever serialization
// handlers its backend installs (LMDB's compact nodes and tail segments): a device decodes them
// with no handler of its own. Tail segments are bytes of their own inside commit records and
// sealed chunks, so those are rebuilt around re-encoded segments.

import type { CommitRecord } from '../conn/commit.js';
import { decodeNode, encodeNode } from '../conn/node-codec.js';
import { createCodec, type Codec } from '../store/codec.js';

const plain = /* @__PURE__ */ createCodec();

/** A stored record's bytes as the plain codec would have written them. */
export function plainRecord(codec: Codec, bytes: Uint8Array, key: string): Uint8Array {
  const { kind, tagged, handler } = codec.header(bytes, key);
  if (kind === 'commit')
    return codec.handles('tail') || handler !== null || tagged
      ? plain.encode(plainCommit(codec, codec.decode(bytes, { key, kind }) as CommitRecord), kind)
      : bytes;
  if (kind === 'chunk' && codec.handles('tail'))
    return plain.encode(
      (codec.decode(bytes, { key, kind }) as Uint8Array[]).map((s) => plainSegment(codec, s)),
      kind,
    );
  if (handler === null && !tagged) return bytes; // plain msgpack: the same bytes in any codec
  if (kind === 'node' && handler !== null) return encodeNode(plain, decodeNode(codec, bytes, key)); // the positional layout
  return plain.encode(codec.decode(bytes, { key, kind }), kind);
}

/** A commit record whose tail segments are in the plain codec. */
export function plainCommit(codec: Codec, c: CommitRecord): CommitRecord {
  if (!codec.handles('tail')) return c;
  return {
    ...c,
    tail: { ...c.tail, open: c.tail.open.map((s) => plainSegment(codec, s)) },
    reports: c.reports?.map((r) => (r.segment === null ? r : { ...r, segment: plainSegment(codec, r.segment) })) ?? null,
  };
}

function plainSegment(codec: Codec, segment: Uint8Array): Uint8Array {
  return plain.encode(codec.decode(segment, { kind: 'tail' }), 'tail');
}

/** Encode a value in the plain codec (the head's commit record sent along with `head`). */
export function encodePlain(value: unknown, kind: 'commit'): Uint8Array {
  return plain.encode(value, kind);
}
