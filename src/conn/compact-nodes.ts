// A compact binary encoding of CairnDB's index nodes and transaction-tail segments, shipped as
// structure handlers (src/store/codec.ts) with the LMDB backend and usable by any backend.
// Pure: no I/O, no backend import.
//
// Node layout (after the codec's header and handler-type bytes):
//   byte   layout: 1 leaf, 2 branch, 3 branch with a write buffer (hitchhiker-tree)
//   byte   flags: bit 0 ids as float64 (some e/tx/count is not a small non-negative integer);
//          bit 1 attributes are entity ids (an attribute-refs database, src/db/attr-refs.ts)
//   uint   attribute count, then each attribute string, or each id as a uint with bit 1 (the
//          node's attribute dictionary)
//   datoms the keys, as a datom list:
//            uint n; byte added: 0 all true, 1 all false, 2 mixed (a bitmap of n bits follows);
//            n rows of: e as a zigzag delta from the previous e, attribute index, value
//            (./compact-bytes.ts tags, strings interned per node), tx as a zigzag delta
//   branch only: uint level; n children, each front-coded against the previous one (uint shared
//              prefix length, then the rest); byte 1/0 counts present, then n uints
//   layout 3 only: the buffered adds, then the buffered removes, as datom lists
// Rows rather than columns: a datom is rebuilt from one pass over its bytes, with no
// intermediate column arrays, which is what makes decoding cheap; deltas and the per-node
// dictionaries are what make it small (sorted neighbours share e, a, tx and often v).
//
// Tail segment layout: byte flags (bit 0 ids as float64), uint n, then n entries of: e delta,
// attribute (uint index, or the next index followed by the new attribute's string), value,
// tx delta, byte (bit 0 added, bit 1 has a prior), prior as a zigzag delta from tx.
//
// Invariant: read(write(x)) is structurally equal to x for every node and segment CairnDB
// writes (property-tested in compact-nodes.test.ts); garbage throws (the codec reports it as
// 'store/corrupt').

import { Datom, type Value } from '../db/types.js';
import type { NodeAddress, StoredNode } from '../indices/types.js';
import type { StructureHandler } from '../store/codec.js';
import { ByteReader, ByteWriter, MAX_ZIGZAG } from './compact-bytes.js';
import type { TailEntry } from './commit.js';

const LEAF = 1;
const BRANCH = 2;
const BUFFERED_BRANCH = 3; // a write-buffered index's branch: pending adds and removes follow
const F64_IDS = 1;
const ATTR_IDS = 2;
const ADDED_ALL = 0;
const ADDED_NONE = 1;
const ADDED_MIXED = 2;

const isId = (x: number): boolean => Number.isSafeInteger(x) && x >= 0 && x <= MAX_ZIGZAG;

/** A write-buffered index's branch buffers (the 'hitchhiker-tree' index writes them). */
interface Buffers {
  readonly adds?: readonly Datom[];
  readonly removes?: readonly Datom[];
}

/** A datom list: count, added mode (+ bitmap when mixed), then one row per datom. */
function writeDatoms(w: ByteWriter, datoms: readonly Datom[], attrs: ReadonlyMap<string, number>, f64: boolean): void {
  const n = datoms.length;
  let trues = 0;
  for (let i = 0; i < n; i++) if (datoms[i]!.added) trues++;
  const added = trues === n ? ADDED_ALL : trues === 0 ? ADDED_NONE : ADDED_MIXED;
  w.uint(n);
  w.byte(added);
  if (added === ADDED_MIXED) {
    for (let i = 0; i < n; i += 8) {
      let bits = 0;
      for (let j = 0; j < 8 && i + j < n; j++) if (datoms[i + j]!.added) bits |= 1 << j;
      w.byte(bits);
    }
  }
  let e = 0;
  let tx = 0;
  let lastA = '';
  let ai = 0;
  for (let i = 0; i < n; i++) {
    const d = datoms[i]!;
    if (f64) w.f64(d.e);
    else w.sint(d.e - e);
    if (d.a !== lastA) {
      lastA = d.a;
      ai = attrs.get(lastA)!;
    }
    w.uint(ai);
    w.value(d.v);
    if (f64) w.f64(d.tx);
    else w.sint(d.tx - tx);
    e = d.e;
    tx = d.tx;
  }
}

function writeNode(node: StoredNode<Datom>): Uint8Array {
  const buffers: Buffers = node.kind === 'branch' ? (node as Buffers) : {};
  const buffered = buffers.adds !== undefined || buffers.removes !== undefined;
  let f64 = false;
  let size = 0;
  const attrs = new Map<string, number>();
  const scan = (list: readonly Datom[]): void => {
    size += list.length;
    let last = '';
    for (let i = 0; i < list.length; i++) {
      const d = list[i]!;
      if (!isId(d.e) || !isId(d.tx)) f64 = true;
      if (d.a !== last && !attrs.has(d.a)) attrs.set(d.a, attrs.size);
      last = d.a;
    }
  };
  scan(node.keys);
  if (buffered) {
    scan(buffers.adds ?? []);
    scan(buffers.removes ?? []);
  }
  if (node.kind === 'branch' && node.counts?.some((c) => !isId(c))) f64 = true;
  // attribute refs: every attribute of the database is a number (one kind per node, never mixed)
  const ids = attrs.size > 0 && typeof attrs.keys().next().value === 'number';
  const w = new ByteWriter(size * 8 + 64);
  w.byte(node.kind === 'leaf' ? LEAF : buffered ? BUFFERED_BRANCH : BRANCH);
  w.byte((f64 ? F64_IDS : 0) | (ids ? ATTR_IDS : 0));
  w.uint(attrs.size);
  for (const a of attrs.keys()) ids ? w.uint(a as unknown as number) : w.str(a);
  writeDatoms(w, node.keys, attrs, f64);
  if (node.kind === 'branch') {
    w.uint(node.level);
    let prev = '';
    for (const c of node.children) {
      let k = 0;
      const max = Math.min(prev.length, c.length);
      while (k < max && prev.charCodeAt(k) === c.charCodeAt(k)) k++;
      w.uint(k);
      w.str(c.slice(k));
      prev = c;
    }
    const counts = node.counts;
    w.byte(counts === undefined ? 0 : 1);
    if (counts !== undefined) for (const c of counts) f64 ? w.f64(c) : w.uint(c);
    if (buffered) {
      writeDatoms(w, buffers.adds ?? [], attrs, f64);
      writeDatoms(w, buffers.removes ?? [], attrs, f64);
    }
  }
  return w.done();
}

/** Inverse of writeDatoms. */
function readDatoms(r: ByteReader, attrs: readonly string[], f64: boolean): Datom[] {
  const bytes = r.buf;
  const n = r.uint();
  if (n > bytes.length) throw new Error('datom count larger than the node');
  const addedMode = r.byte();
  let bitmapAt = -1;
  if (addedMode === ADDED_MIXED) {
    bitmapAt = r.pos;
    r.pos += Math.ceil(n / 8);
    if (r.pos > bytes.length) throw new Error('truncated');
  } else if (addedMode !== ADDED_ALL && addedMode !== ADDED_NONE) throw new Error('bad added mode');
  const allAdded = addedMode === ADDED_ALL;
  const keys: Datom[] = new Array(n);
  const strings = r.strings;
  // The row loop reads one-byte varints and one-byte value tags inline (the common case in
  // sorted nodes) and falls back to the reader for everything else, keeping its position in `p`.
  let p = r.pos;
  let e = 0;
  let tx = 0;
  for (let i = 0; i < n; i++) {
    let x = bytes[p];
    if (!f64 && x !== undefined && x < 0x80) {
      p++;
      e += x & 1 ? -(x + 1) / 2 : x / 2;
    } else {
      r.pos = p;
      e = f64 ? r.f64() : e + r.sint();
      p = r.pos;
    }
    x = bytes[p];
    let a: string | undefined;
    if (x !== undefined && x < 0x80) {
      p++;
      a = attrs[x];
    } else {
      r.pos = p;
      a = attrs[r.uint()];
      p = r.pos;
    }
    if (a === undefined) throw new Error('attribute index out of range');
    x = bytes[p];
    let v: Value | null | undefined;
    if (x !== undefined && x >= 0x80) {
      p++;
      v = strings[x & 0x7f];
      if (v === undefined) throw new Error('string reference out of range');
    } else if (x !== undefined && x >= 0x40) {
      p++;
      v = x & 0x3f;
    } else {
      r.pos = p;
      v = r.value();
      p = r.pos;
      if (v === null) throw new Error('a datom value cannot be null');
    }
    x = bytes[p];
    if (!f64 && x !== undefined && x < 0x80) {
      p++;
      tx += x & 1 ? -(x + 1) / 2 : x / 2;
    } else {
      r.pos = p;
      tx = f64 ? r.f64() : tx + r.sint();
      p = r.pos;
    }
    const added = bitmapAt < 0 ? allAdded : (bytes[bitmapAt + (i >>> 3)]! & (1 << (i & 7))) !== 0;
    keys[i] = new Datom(e, a, v, tx, added);
  }
  r.pos = p;
  return keys;
}

function readNode(bytes: Uint8Array): StoredNode<Datom> {
  const r = new ByteReader(bytes);
  const layout = r.byte();
  if (layout !== LEAF && layout !== BRANCH && layout !== BUFFERED_BRANCH) throw new Error(`unknown node layout ${layout}`);
  const flags = r.byte();
  if (flags > (F64_IDS | ATTR_IDS)) throw new Error('bad node flags');
  const f64 = (flags & F64_IDS) !== 0;
  const ids = (flags & ATTR_IDS) !== 0;
  const attrCount = r.uint();
  if (attrCount > bytes.length) throw new Error('attribute count larger than the node');
  const attrs: string[] = new Array(attrCount);
  for (let i = 0; i < attrCount; i++) attrs[i] = ids ? (r.uint() as unknown as string) : r.str();
  const keys = readDatoms(r, attrs, f64);
  if (layout === LEAF) {
    r.end();
    return { kind: 'leaf', keys };
  }
  const n = keys.length;
  const level = r.uint();
  const children: NodeAddress[] = new Array(n);
  let prev = '';
  for (let i = 0; i < n; i++) {
    const k = r.uint();
    if (k > prev.length) throw new Error('child address prefix out of range');
    prev = prev.slice(0, k) + r.str();
    children[i] = prev as NodeAddress;
  }
  const hasCounts = r.byte();
  let counts: number[] | undefined;
  if (hasCounts === 1) {
    counts = new Array(n);
    for (let i = 0; i < n; i++) counts[i] = f64 ? r.f64() : r.uint();
  } else if (hasCounts !== 0) throw new Error('bad counts flag');
  const buffers = layout === BUFFERED_BRANCH ? { adds: readDatoms(r, attrs, f64), removes: readDatoms(r, attrs, f64) } : {};
  r.end();
  return { kind: 'branch', level, keys, children, ...(counts ? { counts } : {}), ...buffers };
}

const HAS_PRIOR = 2;

function writeTail(entries: readonly TailEntry[]): Uint8Array {
  let f64 = false;
  for (const t of entries) {
    if (!isId(t[0]) || !isId(t[3]) || (t[5] !== undefined && !isId(t[5]))) f64 = true;
  }
  const w = new ByteWriter(entries.length * 10 + 16);
  w.byte(f64 ? F64_IDS : 0);
  w.uint(entries.length);
  const attrs = new Map<string, number>();
  let e = 0;
  let tx = 0;
  for (const t of entries) {
    if (f64) w.f64(t[0]);
    else w.sint(t[0] - e);
    const ai = attrs.get(t[1]);
    if (ai === undefined) {
      w.uint(attrs.size);
      w.str(t[1]);
      attrs.set(t[1], attrs.size);
    } else w.uint(ai);
    w.value(t[2]);
    if (f64) w.f64(t[3]);
    else w.sint(t[3] - tx);
    const prior = t[5];
    w.byte((t[4] === 1 ? 1 : 0) | (prior === undefined ? 0 : HAS_PRIOR));
    if (prior !== undefined) f64 ? w.f64(prior) : w.sint(prior - t[3]);
    e = t[0];
    tx = t[3];
  }
  return w.done();
}

function readTail(bytes: Uint8Array): TailEntry[] {
  const r = new ByteReader(bytes);
  const flags = r.byte();
  if (flags > F64_IDS) throw new Error('bad tail flags');
  const f64 = flags === F64_IDS;
  const n = r.uint();
  if (n > bytes.length) throw new Error('entry count larger than the segment');
  const attrs: string[] = [];
  const out: TailEntry[] = new Array(n);
  let e = 0;
  let tx = 0;
  for (let i = 0; i < n; i++) {
    e = f64 ? r.f64() : e + r.sint();
    const ai = r.uint();
    if (ai === attrs.length) attrs.push(r.str());
    const a = attrs[ai];
    if (a === undefined) throw new Error('attribute index out of range');
    const v = r.value();
    if (v === null) throw new Error('a datom value cannot be null');
    tx = f64 ? r.f64() : tx + r.sint();
    const bits = r.byte();
    if (bits > 3) throw new Error('bad entry flags');
    const added = (bits & 1) as 0 | 1;
    out[i] = (bits & HAS_PRIOR) !== 0 ? [e, a, v, tx, added, f64 ? r.f64() : tx + r.sint()] : [e, a, v, tx, added];
  }
  r.end();
  return out;
}

/** Index nodes (leaf and branch) in the compact layout. */
export const compactNodeHandler: StructureHandler<StoredNode<Datom>> = {
  type: 32,
  kind: 'node',
  name: 'cairn/compact-node@1',
  write: writeNode,
  read: readNode,
};

/** Transaction-tail segments in the compact layout. */
export const compactTailHandler: StructureHandler<readonly TailEntry[]> = {
  type: 33,
  kind: 'tail',
  name: 'cairn/compact-tail@1',
  write: writeTail,
  read: readTail,
};

/** The handlers the LMDB backend installs (any backend may install them too). */
export const compactHandlers: readonly StructureHandler[] = [compactNodeHandler, compactTailHandler];
