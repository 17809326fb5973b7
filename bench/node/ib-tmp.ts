import { indexBenchmark, printIndexes, INDEXES } from './indexes.js';
const persons = Number(process.argv[2] ?? 20000), txs = Number(process.argv[3] ?? 2000);
const figs = [];
for (const i of INDEXES) figs.push(await indexBenchmark(i, persons, txs, 0));
printIndexes(figs);
