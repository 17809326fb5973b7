// `npm run bench:node`: every Node benchmark, CairnDB against DataScript in the same process.
// Prints tables and writes bench/results/node.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { printTable, type Comparison } from '../harness.js';
import { loadBenchmarks } from './load.js';
import { queryBenchmarks } from './queries.js';
import { printStorage, storageBenchmark, type StorageFigures } from './storage.js';
import { liveSection } from './live.js';

const only = process.argv.slice(2);
const sections: [string, () => Promise<Comparison[]>][] = [
  ['load', loadBenchmarks],
  ['queries', queryBenchmarks],
];

const results: Record<string, Comparison[]> = {};
for (const [name, run] of sections) {
  if (only.length > 0 && !only.includes(name)) continue;
  results[name] = await run();
  printTable(`== ${name} ==`, results[name]);
}

let storage: StorageFigures | undefined;
if (only.length === 0 || only.includes('storage')) {
  storage = await storageBenchmark();
  printStorage(storage);
}

let live: Awaited<ReturnType<typeof liveSection>> | undefined;
if (only.length === 0 || only.includes('live')) live = await liveSection();

mkdirSync('bench/results', { recursive: true });
const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, date: new Date().toISOString() };
writeFileSync('bench/results/node.json', JSON.stringify({ machine, results, storage, live }, null, 2));
console.log(`\nwrote bench/results/node.json (${machine.cpu}, ${machine.cores} cores, Node ${machine.node})`);
