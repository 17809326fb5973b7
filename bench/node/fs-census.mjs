// A census of the synchronous `node:fs` calls a run makes: load it before the workload, e.g.
// `node --import ./bench/node/fs-census.mjs --import tsx bench/node/commit.ts 5000 1`; at exit it
// prints, per call, how many there were, their total and their mean time (wall, including this
// wrapper's own ~0.1 µs). The file backend makes its small writes synchronously (see
// src/store/file-nodes.ts), so this is where a commit's file-system time shows. Cleanup (the
// benchmarks' rmSync of their stores) is counted too.

import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const calls = new Map();
for (const name of Object.keys(fs).filter((k) => k.endsWith('Sync'))) {
  const original = fs[name];
  fs[name] = function (...args) {
    const t0 = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const c = calls.get(name) ?? { n: 0, ms: 0 };
      c.n++;
      c.ms += performance.now() - t0;
      calls.set(name, c);
    }
  };
}
syncBuiltinESMExports(); // named imports of node:fs see the wrappers too

process.on('exit', () => {
  console.log('\nnode:fs synchronous calls (count, total ms, µs each):');
  for (const [name, { n, ms }] of [...calls].sort((a, b) => b[1].ms - a[1].ms))
    console.log(`  ${name.padEnd(16)} ${String(n).padStart(8)} ${ms.toFixed(0).padStart(7)} ${((ms * 1000) / n).toFixed(1).padStart(8)}`);
});
