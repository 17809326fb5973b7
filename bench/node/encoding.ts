// Node encoding benchmark: the index nodes of a real people database (200,000 persons imported
// in 20,000-person transactions, then 1,000 one-person transactions, folds included), encoded
// with the default codec (positional msgpack) and with the compact structure handlers the lmdb
// backend installs. Targets: compact >= 30% smaller and >= 1.5x faster to decode.
// Decoding is timed as the connection does it (header, body, Datom objects), median of rounds
// over every node, alternating the two encodings so load on the machine hits both alike, with a
// full GC before each timing when run with --expose-gc (as `npm run bench:node` is).

import { connect, createDatabase, registerBackend, release, transact } from '../../src/index.js';
import { compactHandlers } from '../../src/conn/compact-nodes.js';
import { decodeNode, encodeNode } from '../../src/conn/node-codec.js';
import { createCodec } from '../../src/store/codec.js';
import { createMemoryBackend } from '../../src/store/memory.js';
import type { Datom } from '../../src/db/types.js';
import type { StoredNode } from '../../src/indices/types.js';
import { cairnEntity, cairnSchema, people } from '../people.js';

export interface EncodingFigures {
  readonly nodes: number;
  readonly datoms: number;
  readonly defaultBytes: number;
  readonly compactBytes: number;
  readonly sizeSaving: number; // 1 - compact/default
  readonly defaultDecodeMs: number; // all nodes, median round
  readonly compactDecodeMs: number;
  readonly decodeSpeedup: number; // default / compact
  readonly defaultEncodeMs: number;
  readonly compactEncodeMs: number;
  readonly encodeSpeedup: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Every index node of a freshly built people database, decoded. */
async function realNodes(persons: number): Promise<StoredNode<Datom>[]> {
  const backend = createMemoryBackend();
  registerBackend('bench-encoding-memory', backend);
  const config = { store: { backend: 'bench-encoding-memory', id: 'people' } };
  await createDatabase(config);
  const conn = await connect(config);
  await transact(conn, cairnSchema);
  const ps = people(persons);
  for (let i = 0; i < ps.length; i += 20_000) await transact(conn, ps.slice(i, i + 20_000).map(cairnEntity));
  for (let i = 0; i < 1000; i++) await transact(conn, [{ name: `new${i}`, 'last-name': 'Novak', sex: ':female', age: i % 90, salary: i }]);
  await release(conn);
  const store = await backend.connect({ backend: 'bench-encoding-memory', id: 'people' });
  const keys = (await store.keys()).filter((k) => k.startsWith('n:'));
  const values = await store.getMany(keys);
  const plain = createCodec();
  await store.close();
  return values.map((v, i) => decodeNode(plain, v!, keys[i]!));
}

export async function encodingBenchmark(persons = 200_000, rounds = 9): Promise<EncodingFigures> {
  const nodes = await realNodes(persons);
  const plain = createCodec();
  const compact = createCodec({ handlers: compactHandlers });
  const encodeAll = (codec: typeof plain) => nodes.map((n) => encodeNode(codec, n));
  const plainBytes = encodeAll(plain);
  const compactBytes = encodeAll(compact);
  const sum = (bs: Uint8Array[]) => bs.reduce((s, b) => s + b.length, 0);
  const gc = (globalThis as { gc?: () => void }).gc;
  const time = (f: () => void): number => {
    gc?.(); // each timing starts from a collected heap, so one side does not pay for the other's garbage
    const t = performance.now();
    f();
    return performance.now() - t;
  };
  const decodeAll = (codec: typeof plain, bytes: Uint8Array[]) => () => {
    for (let i = 0; i < bytes.length; i++) decodeNode(codec, bytes[i]!, 'n:bench');
  };
  const enc = { plain: [] as number[], compact: [] as number[] };
  const dec = { plain: [] as number[], compact: [] as number[] };
  for (let r = 0; r < rounds + 2; r++) {
    const warm = r < 2;
    const dp = time(decodeAll(plain, plainBytes));
    const dc = time(decodeAll(compact, compactBytes));
    const ep = time(() => encodeAll(plain));
    const ec = time(() => encodeAll(compact));
    if (warm) continue;
    dec.plain.push(dp);
    dec.compact.push(dc);
    enc.plain.push(ep);
    enc.compact.push(ec);
  }
  const defaultDecodeMs = median(dec.plain);
  const compactDecodeMs = median(dec.compact);
  const defaultEncodeMs = median(enc.plain);
  const compactEncodeMs = median(enc.compact);
  return {
    nodes: nodes.length,
    datoms: nodes.reduce((s, n) => s + n.keys.length, 0),
    defaultBytes: sum(plainBytes),
    compactBytes: sum(compactBytes),
    sizeSaving: 1 - sum(compactBytes) / sum(plainBytes),
    defaultDecodeMs,
    compactDecodeMs,
    decodeSpeedup: defaultDecodeMs / compactDecodeMs,
    defaultEncodeMs,
    compactEncodeMs,
    encodeSpeedup: defaultEncodeMs / compactEncodeMs,
  };
}

export function printEncoding(f: EncodingFigures): void {
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
  console.log('\n== node encoding (default msgpack vs compact, lmdb backend) ==');
  console.log(`${f.nodes.toLocaleString('en')} real index nodes, ${f.datoms.toLocaleString('en')} datoms in their keys`);
  console.log(
    `size:   default ${kb(f.defaultBytes)}, compact ${kb(f.compactBytes)}: ${(f.sizeSaving * 100).toFixed(1)}% smaller  ${f.sizeSaving >= 0.3 ? 'met' : 'MISSED'} (>= 30%)`,
  );
  console.log(
    `decode: default ${f.defaultDecodeMs.toFixed(1)} ms, compact ${f.compactDecodeMs.toFixed(1)} ms: ${f.decodeSpeedup.toFixed(2)}x  ${f.decodeSpeedup >= 1.5 ? 'met' : 'MISSED'} (>= 1.5x)`,
  );
  console.log(`encode: default ${f.defaultEncodeMs.toFixed(1)} ms, compact ${f.compactEncodeMs.toFixed(1)} ms: ${f.encodeSpeedup.toFixed(2)}x`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const persons = Number(process.argv[2] ?? 200_000);
  printEncoding(await encodingBenchmark(persons));
}
