// Packs: several nodes of one batch in one file of the `file` backend (./file.ts), each node's
// name a hard link to it. Creating a file costs this VM's kernel ~0.15 ms and a strict one an
// fsync each; a link is a directory entry only (4,094 nodes: 0.2-0.3 s as one pack and links,
// 0.8-1.0 s as files without their fsyncs). Unlinking a name is deleting that node: the pack's
// space is freed with its last name, by the file system.
//
//   [node bytes]…[index][u32 index length][u32 CRC-32 of the index]["CAIRNPK1"]
//   index: u32 count, then per node: u32 offset, u32 length, u32 key length, the key (UTF-8)
//
// A node file written alone holds the node's bytes and nothing else (what every store before
// packs holds); a reader tells a pack by its trailer: the magic and the index's checksum.

import type { BigIntStats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { fail, show } from '../util/errors.js';
import { LRU } from '../util/lru.js';
import { crc32 } from './file-refs.js';

const MAGIC = /* @__PURE__ */ Uint8Array.of(0x43, 0x41, 0x49, 0x52, 0x4e, 0x50, 0x4b, 0x31); // "CAIRNPK1"
const TRAILER = 16;
/** Files up to this size are read whole (a node alone, or a small pack): one read, not two. */
const READ_WHOLE = 64 * 1024;

const enc = /* @__PURE__ */ new TextEncoder();
const dec = /* @__PURE__ */ new TextDecoder();

/** The index and trailer that follow `nodes` (written in this order) in a pack. */
export function packTail(nodes: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  const keys = nodes.map(([k]) => enc.encode(k));
  const indexLength = 4 + keys.reduce((n, k) => n + 12 + k.length, 0);
  const out = new Uint8Array(indexLength + TRAILER);
  const view = new DataView(out.buffer);
  view.setUint32(0, nodes.length, true);
  let at = 4;
  let offset = 0;
  nodes.forEach(([, bytes], i) => {
    const key = keys[i]!;
    view.setUint32(at, offset, true);
    view.setUint32(at + 4, bytes.length, true);
    view.setUint32(at + 8, key.length, true);
    out.set(key, at + 12);
    at += 12 + key.length;
    offset += bytes.length;
  });
  view.setUint32(indexLength, indexLength, true);
  view.setUint32(indexLength + 4, crc32(out, 0, indexLength), true);
  out.set(MAGIC, indexLength + 8);
  return out;
}

type PackIndex = ReadonlyMap<string, readonly [offset: number, length: number]>;

/** The index length a trailer announces, or undefined if these 16 bytes are not a pack's trailer. */
function trailerOf(t: Uint8Array, fileSize: number): { length: number; crc: number } | undefined {
  for (let i = 0; i < MAGIC.length; i++) if (t[8 + i] !== MAGIC[i]) return undefined;
  const view = new DataView(t.buffer, t.byteOffset, TRAILER);
  const length = view.getUint32(0, true);
  if (length < 4 || length + TRAILER > fileSize) return undefined;
  return { length, crc: view.getUint32(4, true) };
}

/** Parse an index whose checksum matched; undefined if it does not describe a pack of `dataSize` bytes. */
function parseIndex(index: Uint8Array, dataSize: number): PackIndex | undefined {
  const view = new DataView(index.buffer, index.byteOffset, index.length);
  const count = view.getUint32(0, true);
  const out = new Map<string, readonly [number, number]>();
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + 12 > index.length) return undefined;
    const offset = view.getUint32(at, true);
    const length = view.getUint32(at + 4, true);
    const keyLength = view.getUint32(at + 8, true);
    if (at + 12 + keyLength > index.length || offset + length > dataSize) return undefined;
    out.set(dec.decode(index.subarray(at + 12, at + 12 + keyLength)), [offset, length]);
    at += 12 + keyLength;
  }
  return at === index.length ? out : undefined;
}

/** The pack index in the tail of `bytes` (a whole file), or undefined if the file is not a pack. */
function indexIn(bytes: Uint8Array): PackIndex | undefined {
  if (bytes.length < TRAILER) return undefined;
  const t = trailerOf(bytes.subarray(bytes.length - TRAILER), bytes.length);
  if (t === undefined) return undefined;
  const start = bytes.length - TRAILER - t.length;
  if (crc32(bytes, start, start + t.length) !== t.crc) return undefined;
  return parseIndex(bytes.subarray(start, start + t.length), start);
}

// Indexes of packs read lately, by file identity (a pack's index never changes; the modification
// time tells a reused inode apart). An index of 1,000 keys is ~100 KB: 32 bound them to a few MB.
const indexes = /* @__PURE__ */ new LRU<string, PackIndex | null>(32);

async function readAt(fh: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  for (let off = 0; off < length; ) {
    const { bytesRead } = await fh.read(out, off, length - off, position + off);
    if (bytesRead === 0) throw Object.assign(new Error(`unexpected end of file at ${position + off}`), { code: 'EIO' });
    off += bytesRead;
  }
  return out;
}

/**
 * The index of the pack open as `fh` (cached), or null if the file is not a pack. The cache is
 * keyed by the index's own checksum and length, read from the trailer each time, not by the
 * file's mtime: timestamps here can be coarser than the writes (ext4 gave six files in a row
 * one mtime), and a new pack can take a just-deleted pack's inode and size in the same tick;
 * its offsets read through the old index would land on the wrong bytes, zeroed ones among them.
 */
async function indexOf(fh: FileHandle, st: BigIntStats): Promise<PackIndex | null> {
  const size = Number(st.size);
  const t = size < TRAILER ? undefined : trailerOf(await readAt(fh, TRAILER, size - TRAILER), size);
  if (t === undefined) return null;
  const id = `${st.dev}:${st.ino}:${size}:${t.crc}:${t.length}`;
  let index = indexes.get(id);
  if (index === undefined) {
    const start = size - TRAILER - t.length;
    const bytes = await readAt(fh, t.length, start);
    index = crc32(bytes) === t.crc ? (parseIndex(bytes, start) ?? null) : null;
    indexes.set(id, index);
  }
  return index;
}

/** `path` opened, or undefined if there is no such file. */
async function openIfExists(path: string, flags: 'r' | 'r+'): Promise<FileHandle | undefined> {
  try {
    return await open(path, flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** A node's bytes: its file if it is a node alone, else its slice of the pack its name links to; undefined if it has no name. */
export async function readNode(path: string, key: string): Promise<Uint8Array | undefined> {
  const fh = await openIfExists(path, 'r');
  if (fh === undefined) return undefined;
  try {
    return await readNodeFile(fh, key, path);
  } finally {
    await fh.close();
  }
}

async function readNodeFile(fh: FileHandle, key: string, path: string): Promise<Uint8Array> {
  const st = await fh.stat({ bigint: true });
  const size = Number(st.size);
  const bad = (): never => fail('store/corrupt', `node file ${show(path)} is a pack without node ${show(key)}`, { key });
  if (size <= READ_WHOLE) {
    const whole = await readAt(fh, size, 0);
    const index = indexIn(whole);
    if (index === undefined) return whole;
    const at = index.get(key) ?? bad();
    return whole.slice(at[0], at[0] + at[1]);
  }
  const index = await indexOf(fh, st);
  if (index === null) return readAt(fh, size, 0);
  const at = index.get(key) ?? bad();
  return readAt(fh, at[1], at[0]);
}

/** The pack the name at `path` links to, open, when other names keep it too (nothing for a node alone or a pack's last name). */
export async function sharedPack(path: string): Promise<{ readonly id: string; readonly fh: FileHandle } | undefined> {
  const fh = await openIfExists(path, 'r');
  if (fh === undefined) return undefined;
  let shared = false;
  try {
    const st = await fh.stat({ bigint: true });
    shared = st.nlink > 1n && (await indexOf(fh, st)) !== null;
    return shared ? { id: `${st.dev}:${st.ino}`, fh } : undefined;
  } finally {
    if (!shared) await fh.close();
  }
}

/**
 * The nodes of the pack open as `fh` whose names still link to it, but for the keys `leaving`:
 * their paths, keys and bytes, which must move to a pack of their own before those names go.
 */
export async function packSurvivors(fh: FileHandle, nodePath: (key: string) => string, leaving: ReadonlySet<string>): Promise<[string, string, Uint8Array][]> {
  const st = await fh.stat({ bigint: true });
  const index = st.nlink === 0n ? null : await indexOf(fh, st);
  const live: [string, string, Uint8Array][] = [];
  for (const [key, [offset, length]] of index ?? []) {
    if (leaving.has(key)) continue;
    const path = nodePath(key);
    const named = await stat(path, { bigint: true }).catch(() => undefined);
    if (named?.ino === st.ino && named.dev === st.dev) live.push([path, key, await readAt(fh, length, offset)]);
  }
  return live;
}
