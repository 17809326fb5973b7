// Micro-benchmark of the persistent B+-tree (src/index) in Node:
//   node --import tsx bench/node/btree.ts
// Measures transient batch adds against one-transient-per-add (persistent) adds, bulk
// building, point lookups, range scans and counts on a 1M-key tree. Numbers only; no asserts.

import { Bench } from 'tinybench';
import { persistentSet } from '../../src/indices/persistent-set/index.js';
import { seededRandom } from '../../src/util/random.js';

const cmp = (a: number, b: number): number => a - b;
const rnd = seededRandom(1);
const randomKeys = Array.from({ length: 100_000 }, () => rnd.int(1 << 30));
const sorted = Array.from({ length: 1_000_000 }, (_, i) => i * 2);
const big = persistentSet.fromSorted(sorted, cmp);
const probes = Array.from({ length: 1000 }, () => rnd.int(2_000_000));

const bench = new Bench({ time: 500 });
bench
  .add('transient: 100k random adds in one batch (bf 512)', () => {
    const t = persistentSet.empty<number>(cmp).transient();
    for (const k of randomKeys) t.add(k);
    t.persistent();
  })
  .add('persistent: 10k random adds, one transient each (bf 512)', () => {
    let s = persistentSet.empty<number>(cmp);
    for (let i = 0; i < 10_000; i++) {
      const t = s.transient();
      t.add(randomKeys[i] as number);
      s = t.persistent();
    }
  })
  .add('fromSorted: 1M keys (bf 512)', () => {
    persistentSet.fromSorted(sorted, cmp);
  })
  .add('has: 1000 lookups in 1M keys', () => {
    for (const p of probes) big.has(p);
  })
  .add('slice: 1000 scans of ~50 keys in 1M keys', () => {
    for (const p of probes) big.slice(p, p + 100);
  })
  .add('slice: one scan of 500k keys', () => {
    big.slice(500_000, 1_500_000);
  })
  .add('count: 1000 range counts in 1M keys', () => {
    for (const p of probes) big.count(p, p + 100_000);
  });

await bench.run();
console.table(bench.table());
