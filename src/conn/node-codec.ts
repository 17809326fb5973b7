// How index nodes of datoms become plain data for the store codec (docs/architecture.md, decision 3: datoms
// positional). A node's attributes are dictionary-encoded once per node, so the attribute
// string is not repeated for every datom:
//   leaf   -> ['l', attrs, flat]              flat = [e, ai, v, tx, added(0|1), e, ai, …]
//   branch -> ['b', level, attrs, flat, children, counts | null (, adds, removes)]
// `flat` holds the branch's separator keys in the same positional form; a write-buffered
// index's branch adds its buffered insertions and removals, flat as well, on the same `attrs`.
// That is the default; a backend's 'node' structure handler (see src/store/codec.ts) receives
// the StoredNode itself instead and does its own encoding (encodeNode / decodeNode).

import type { NodeAddress, StoredNode } from '../indices/types.js';
import { Datom, type Value } from '../db/types.js';
import { fail } from '../util/errors.js';
import type { Codec } from '../store/codec.js';

type Encoded = readonly unknown[];

/**
 * Each key's attribute as its number in `attrs`, where a new one is added (`attrs` and `index`
 * are shared by every array of one node). With attribute refs the trees hold attribute ids
 * (numbers) where names would be.
 */
function attrNumbers(keys: readonly Datom[], attrs: (string | number)[], index: Map<string | number, number>): Uint32Array {
  const ai = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const a = keys[i]!.a;
    let n = index.get(a);
    if (n === undefined) {
      n = attrs.length;
      attrs.push(a);
      index.set(a, n);
    }
    ai[i] = n;
  }
  return ai;
}

/** Keys in positional form; attributes go into `attrs` (shared by every array of one node). */
function flatten(keys: readonly Datom[], attrs: (string | number)[], index: Map<string | number, number>): unknown[] {
  const ai = attrNumbers(keys, attrs, index);
  const flat: unknown[] = new Array(keys.length * 5);
  for (let i = 0, j = 0; i < keys.length; i++) {
    const d = keys[i]!;
    flat[j++] = d.e;
    flat[j++] = ai[i];
    flat[j++] = d.v;
    flat[j++] = d.tx;
    flat[j++] = d.added ? 1 : 0;
  }
  return flat;
}

function unflatten(attrs: readonly string[], flat: readonly unknown[]): Datom[] {
  const out: Datom[] = new Array(flat.length / 5);
  for (let i = 0, j = 0; j < flat.length; i++, j += 5) {
    out[i] = new Datom(flat[j] as number, attrs[flat[j + 1] as number]!, flat[j + 2] as Value, flat[j + 3] as number, flat[j + 4] === 1);
  }
  return out;
}

export function nodeToData(node: StoredNode<Datom>): Encoded {
  const attrs: (string | number)[] = [];
  const index = new Map<string | number, number>();
  const flat = flatten(node.keys, attrs, index);
  if (node.kind === 'leaf') return ['l', attrs, flat];
  const branch = ['b', node.level, attrs, flat, node.children, node.counts ?? null];
  if (node.adds === undefined && node.removes === undefined) return branch;
  return [...branch, flatten(node.adds ?? [], attrs, index), flatten(node.removes ?? [], attrs, index)];
}

export function dataToNode(data: unknown, key: string): StoredNode<Datom> {
  if (!Array.isArray(data)) fail('store/corrupt', `node ${key} is not a node record`, { key });
  if (data[0] === 'l' && data.length === 3) return { kind: 'leaf', keys: unflatten(data[1], data[2]) };
  if (data[0] === 'b' && (data.length === 6 || data.length === 8)) {
    const counts = data[5] as number[] | null;
    return {
      kind: 'branch',
      level: data[1] as number,
      keys: unflatten(data[2], data[3]),
      children: data[4] as NodeAddress[],
      ...(counts ? { counts } : {}),
      ...(data.length === 8 ? { adds: unflatten(data[2], data[6]), removes: unflatten(data[2], data[7]) } : {}),
    };
  }
  return fail('store/corrupt', `node ${key} has an unknown layout`, { key });
}

/** A node's stored bytes: through the backend's 'node' handler if it has one, else positional msgpack. */
export function encodeNode(codec: Codec, node: StoredNode<Datom>): Uint8Array {
  if (codec.handles('node')) return codec.encode(node, 'node');
  return (node.kind === 'leaf' ? encodeLeaf(codec, node.keys) : undefined) ?? codec.encode(nodeToData(node), 'node');
}

/**
 * A leaf's bytes as `encode(nodeToData(leaf))` gives them, written straight from its datoms: a
 * fold or an import encodes thousands of leaves, and each used to build a flat array of five
 * values a datom just to walk it once. Undefined for a value the writer does not take (the caller
 * goes the long way).
 */
export function encodeLeaf(codec: Codec, keys: readonly Datom[]): Uint8Array | undefined {
  const attrs: (string | number)[] = [];
  const ai = attrNumbers(keys, attrs, new Map());
  return codec.encodePlainWith('node', (w) => {
    w.array(3);
    w.str('l');
    w.array(attrs.length);
    for (const a of attrs) w.value(a);
    w.array(keys.length * 5);
    for (let i = 0; i < keys.length; i++) {
      const d = keys[i]!;
      w.num(d.e);
      w.num(ai[i]!);
      w.value(d.v);
      w.num(d.tx);
      w.num(d.added ? 1 : 0);
    }
  });
}

/** Inverse of `encodeNode`; the value's header says which encoding wrote it. */
export function decodeNode(codec: Codec, bytes: Uint8Array, key: string): StoredNode<Datom> {
  const value = codec.decode(bytes, { key, kind: 'node' });
  return codec.header(bytes, key).handler === null ? dataToNode(value, key) : (value as StoredNode<Datom>);
}
