// The compact node and tail encodings: seeded round-trip properties over real index nodes (trees
// built by the default index over random datoms of every value type, and the nodes of a real
// database), the float64 fallback for ids beyond the zigzag range, and garbage rejected.
import { describe, expect, it } from 'vitest';
import { Datom, type Value } from '../db/types.js';
import { INDEX_COMPARATORS } from '../db/compare.js';
import { getIndex } from '../indices/registry.js';
import type { NodeAddress, NodeStorage, StoredNode } from '../indices/types.js';
import { createCodec } from '../store/codec.js';
import { seededRandom, type Random } from '../util/random.js';
import { isCairnError } from '../util/errors.js';
import type { TailEntry } from './commit.js';
import { compactHandlers, compactNodeHandler, compactTailHandler } from './compact-nodes.js';
import { encodeNode, decodeNode } from './node-codec.js';

/** Keeps every node a flush writes, as the tree handed it over. */
class KeepingStorage implements NodeStorage<Datom> {
  readonly nodes: StoredNode<Datom>[] = [];
  store(node: StoredNode<Datom>): NodeAddress {
    this.nodes.push(node);
    return `n:${'p'.repeat(this.nodes.length % 3)}:${this.nodes.length.toString(36)}` as NodeAddress;
  }
  load(): never {
    throw new Error('not used');
  }
  loadMany(): never {
    throw new Error('not used');
  }
}

// One value generator per attribute, so values of an attribute compare among themselves.
const generators: Record<string, (r: Random) => Value> = {
  'person/name': (r) => r.pick(['Ivan', 'Petr', 'Ольга', '', 'x'.repeat(5000), 'emoji 😀', 'lone \ud800 surrogate', 'tab\tnul\u0000']),
  'person/age': (r) =>
    r.pick([0, 1, 63, 64, 127, 128, -1, -64, 2 ** 31, -(2 ** 31), 2 ** 40 + 3, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, r.int(1000)]),
  'person/score': (r) => r.pick([0.5, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, 2 ** 60, -(2 ** 70), r.next()]),
  'person/alive': (r) => r.next() < 0.5,
  'person/big': (r) => r.pick([0n, -1n, 2n ** 64n, -(2n ** 100n) + 7n, BigInt(r.int(1e6))]),
  'person/born': (r) => new Date(r.pick([0, -1, 1_700_000_000_000, r.int(2 ** 40), Number.NaN])),
  'person/photo': (r) => Uint8Array.from({ length: r.int(40) }, () => r.int(256)),
  'person/pair': (r) => [r.pick(['a', 'b', 'ü']), r.pick([1, null, -0, 2.5])] as Value,
  'person/friend': (r) => 1 + r.int(5000),
  'ünï/☃': (r) => `:kw/${r.int(300)}`,
};
const attrNames = Object.keys(generators);

function randomDatoms(r: Random, n: number, idScale: number): Datom[] {
  const out: Datom[] = [];
  for (let i = 0; i < n; i++) {
    const a = r.pick(attrNames);
    const e = idScale === 0 ? r.int(3000) : r.pick([r.int(3000), Number.MAX_SAFE_INTEGER - r.int(5), 2 ** 52 + r.int(5)]);
    const tx = 536870913 + r.int(idScale === 0 ? 50 : 1e9);
    out.push(new Datom(e, a, generators[a]!(r), tx, r.next() < 0.8));
  }
  return out;
}

function nodesOf(datoms: readonly Datom[], index: 'eavt' | 'aevt' | 'avet', branchingFactor: number): StoredNode<Datom>[] {
  const cmp = INDEX_COMPARATORS[index];
  const sorted = [...datoms].sort(cmp).filter((d, i, xs) => i === 0 || cmp(xs[i - 1]!, d) !== 0);
  const storage = new KeepingStorage();
  getIndex('persistent-set').fromSorted(sorted, cmp, { branchingFactor }).flush(storage);
  return storage.nodes;
}

const roundTrip = <T>(h: { write(x: T): Uint8Array; read(b: Uint8Array): T }, x: T): T => h.read(h.write(x));

describe('compact node encoding', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`round-trips every node of trees over random datoms (seed ${seed})`, () => {
      const r = seededRandom(seed);
      const datoms = randomDatoms(r, 1500, seed % 2);
      let leaves = 0;
      let branches = 0;
      for (const index of ['eavt', 'aevt', 'avet'] as const) {
        for (const node of nodesOf(datoms, index, 8 + r.int(40))) {
          if (node.kind === 'leaf') leaves++;
          else branches++;
          expect(roundTrip(compactNodeHandler, node)).toStrictEqual(node);
        }
      }
      expect(leaves).toBeGreaterThan(10);
      expect(branches).toBeGreaterThan(2);
    });
  }

  it('handles all-added, all-retracted, mixed and empty leaves, and branches without counts', () => {
    const d = (e: number, added: boolean) => new Datom(e, 'a', e, 536870913, added);
    const cases: StoredNode<Datom>[] = [
      { kind: 'leaf', keys: [] },
      { kind: 'leaf', keys: [d(1, true), d(2, true)] },
      { kind: 'leaf', keys: [d(1, false), d(2, false)] },
      { kind: 'leaf', keys: Array.from({ length: 19 }, (_, i) => d(i, i % 3 === 0)) },
      { kind: 'branch', level: 3, keys: [d(1, true), d(9, true)], children: ['n:ab:1', 'n:ab:2'] as NodeAddress[] },
      { kind: 'branch', level: 1, keys: [d(1, true)], children: ['other'] as NodeAddress[], counts: [2 ** 40] },
    ];
    for (const node of cases) expect(roundTrip(compactNodeHandler, node)).toStrictEqual(node);
  });

  it('round-trips nodes whose attributes are entity ids (attributeRefs), keeping them numbers', () => {
    const r = seededRandom(5);
    // the attribute-refs form: each attribute name replaced by a small or large id
    const ids = new Map(attrNames.map((a, i) => [a, i % 2 === 0 ? 55 + i : 2 ** 20 + i]));
    const datoms = randomDatoms(r, 900, 0).map((d) => new Datom(d.e, ids.get(d.a) as unknown as string, d.v, d.tx, d.added));
    const nodes = (['eavt', 'aevt', 'avet'] as const).flatMap((index) => nodesOf(datoms, index, 16));
    expect(nodes.some((n) => n.kind === 'branch')).toBe(true);
    for (const node of nodes) {
      const back = roundTrip(compactNodeHandler, node);
      expect(back).toStrictEqual(node);
      for (const k of back.keys) expect(typeof k.a).toBe('number');
    }
  });

  it("keeps a write-buffered branch's pending adds and removes (the hitchhiker-tree index writes them)", () => {
    const r = seededRandom(21);
    const [keys, adds, removes] = [randomDatoms(r, 12, 0), randomDatoms(r, 30, 1), randomDatoms(r, 7, 0)];
    const node = {
      kind: 'branch',
      level: 2,
      keys,
      children: keys.map((_, i) => `n:abc:${i}`),
      counts: keys.map((_, i) => i * 100),
      adds,
      removes,
    } as unknown as StoredNode<Datom>;
    expect(roundTrip(compactNodeHandler, node)).toStrictEqual(node);
    const emptyBuffers = { kind: 'branch', level: 1, keys: keys.slice(0, 2), children: ['a', 'b'], adds: [], removes: [] } as unknown as StoredNode<Datom>;
    expect(roundTrip(compactNodeHandler, emptyBuffers)).toStrictEqual(emptyBuffers);
  });

  it('rejects truncated and garbage bytes (the codec reports store/corrupt)', () => {
    const r = seededRandom(9);
    const node = nodesOf(randomDatoms(r, 300, 0), 'eavt', 16)[0]!;
    const bytes = compactNodeHandler.write(node);
    for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 50))) {
      expect(() => compactNodeHandler.read(bytes.subarray(0, cut))).toThrow();
    }
    expect(() => compactNodeHandler.read(new Uint8Array([...bytes, 0]))).toThrow();
    const codec = createCodec({ handlers: compactHandlers });
    const stored = encodeNode(codec, node);
    stored[2] = 9; // an unknown layout
    try {
      decodeNode(codec, stored, 'n:x');
      expect.unreachable();
    } catch (e) {
      expect(isCairnError(e, 'store/corrupt')).toBe(true);
    }
  });

  it('is what a codec with the handlers writes for nodes, and smaller than the default', () => {
    const r = seededRandom(11);
    const compact = createCodec({ handlers: compactHandlers });
    const plain = createCodec();
    let compactBytes = 0;
    let plainBytes = 0;
    for (const node of nodesOf(randomDatoms(r, 2000, 0), 'eavt', 64)) {
      const c = encodeNode(compact, node);
      const p = encodeNode(plain, node);
      expect(compact.header(c).handler).toBe(compactNodeHandler.type);
      expect(plain.header(p).handler).toBeNull();
      expect(decodeNode(compact, c, 'n:1')).toStrictEqual(node);
      // a codec with the handlers still reads nodes written without them, as the default does
      expect(decodeNode(compact, p, 'n:1')).toStrictEqual(decodeNode(plain, p, 'n:1'));
      compactBytes += c.length;
      plainBytes += p.length;
    }
    expect(compactBytes).toBeLessThan(plainBytes);
  });
});

describe('compact tail encoding', () => {
  for (const seed of [1, 2, 3]) {
    it(`round-trips random segments (seed ${seed})`, () => {
      const r = seededRandom(100 + seed);
      for (let k = 0; k < 40; k++) {
        const entries: TailEntry[] = randomDatoms(r, r.int(30), seed % 2).map((d) =>
          d.added ? [d.e, d.a, d.v, d.tx, 1] : r.next() < 0.5 ? [d.e, d.a, d.v, d.tx, 0, d.tx - r.int(100)] : [d.e, d.a, d.v, d.tx, 0],
        );
        expect(roundTrip(compactTailHandler, entries)).toStrictEqual(entries);
      }
    });
  }

  it('rejects truncated segments', () => {
    const bytes = compactTailHandler.write([
      [1, 'a', 'x', 536870913, 1],
      [2, 'b', 3, 536870913, 0, 536870912],
    ]);
    for (let cut = 0; cut < bytes.length; cut++) expect(() => compactTailHandler.read(bytes.subarray(0, cut))).toThrow();
  });
});
