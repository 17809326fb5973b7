// `npm run bench:node`: every Node benchmark, CairnDB against DataScript in the same process.
// Prints tables and writes bench/results/node.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { printTable, type Comparison } from '../harness.js';
import { loadBenchmarks } from './load.js';
import { peopleDbs, queryBenchmarks } from './queries.js';
import { type FloorRow, floorBenchmarks, printFloor } from './floor.js';
import { INDEXES, indexBenchmark, printIndexes, type IndexFigures } from './indexes.js';
import { printStorage, storageBenchmark, type StorageFigures } from './storage.js';
import { encodingBenchmark, printEncoding, type EncodingFigures } from './encoding.js';
import { lmdbBenchmark, printLmdb, type LmdbFigures } from './lmdb.js';
import { backendBenchmarks, printBackends, type BackendFigures } from './backends.js';
import { liveSection } from './live.js';
import { commitBenchmarks } from './commit.js';
import { memoryInFreshProcess, printMemory, type MemoryFigures } from './memory.js';

const only = process.argv.slice(2);
const sections: [string, () => Promise<Comparison[]>][] = [
  ['load', loadBenchmarks],
  ['queries', queryBenchmarks],
  ['commit', () => commitBenchmarks()],
];

const results: Record<string, Comparison[]> = {};
for (const [name, run] of sections) {
  if (only.length > 0 && !only.includes(name)) continue;
  results[name] = await run();
  printTable(`== ${name} ==`, results[name]);
}

let floor: FloorRow[] | undefined;
if (only.length === 0 || only.includes('floor') || only.includes('queries')) {
  const { cdb, ps } = await peopleDbs();
  floor = await floorBenchmarks(cdb, ps);
  printFloor(floor);
}

let storage: StorageFigures | undefined;
if (only.length === 0 || only.includes('storage')) {
  storage = await storageBenchmark();
  printStorage(storage);
}

let indexes: IndexFigures[] | undefined;
if (only.length === 0 || only.includes('indexes')) {
  indexes = [];
  // With the default tail, and with none (every commit writes the trees): 2,000 transactions.
  for (const index of INDEXES) indexes.push(await indexBenchmark(index));
  for (const index of INDEXES) indexes.push(await indexBenchmark(index, 200_000, 2_000, 0));
  printIndexes(indexes);
}

let encoding: EncodingFigures | undefined;
if (only.length === 0 || only.includes('encoding')) {
  encoding = await encodingBenchmark();
  printEncoding(encoding);
}

let lmdb: LmdbFigures | undefined;
if (only.length === 0 || only.includes('lmdb')) {
  lmdb = await lmdbBenchmark();
  printLmdb(lmdb);
}

let backends: BackendFigures[] | undefined;
if (only.length === 0 || only.includes('backends')) {
  backends = await backendBenchmarks();
  printBackends(backends);
}

let live: Awaited<ReturnType<typeof liveSection>> | undefined;
if (only.length === 0 || only.includes('live')) live = await liveSection();

let memory: MemoryFigures | undefined;
if (only.length === 0 || only.includes('memory')) {
  memory = memoryInFreshProcess();
  printMemory(memory);
}

mkdirSync('bench/results', { recursive: true });
const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, date: new Date().toISOString() };
writeFileSync('bench/results/node.json', JSON.stringify({ machine, results, floor, storage, indexes, encoding, lmdb, backends, live, memory }, null, 2));
console.log(`\nwrote bench/results/node.json (${machine.cpu}, ${machine.cores} cores, Node ${machine.node})`);
