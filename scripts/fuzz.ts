// `npm run fuzz`: the fuzzer of test/fuzz at a larger scale than CI (which runs 3,000 cases per
// public function over two fixed seeds). An even seed fuzzes a schema-on-write database, an odd
// one schema-on-read. Options (also as env FUZZ_SEED, FUZZ_CASES):
//   --seed N     first seed (default: random; printed, so a failure can be replayed)
//   --seeds K    how many seeds, N, N+1, ... (default 1; 2 or more covers both schema modes)
//   --cases N    cases per function per seed (default 20,000)
//   --only NAME  one function (e.g. --only transact)
// Prints each broken promise with its (seed, case) and exits non-zero if there was any.
import { fuzzTarget, TARGETS } from '../test/fuzz/harness.js';

function arg(name: string, env: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[env];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} needs a non-negative integer, got ${raw}`);
  return n;
}

const seed0 = arg('seed', 'FUZZ_SEED', Math.floor(Math.random() * 2 ** 31));
const seeds = arg('seeds', 'FUZZ_SEEDS', 1);
const cases = arg('cases', 'FUZZ_CASES', 20_000);
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
const names = Object.keys(TARGETS).filter((n) => only === undefined || n === only);
if (names.length === 0) throw new Error(`no fuzz target ${only}; targets: ${Object.keys(TARGETS).join(', ')}`);

let broken = 0;
let calls = 0;
const started = Date.now();
for (let s = seed0; s < seed0 + seeds; s++) {
  for (const name of names) {
    const failures = await fuzzTarget(name, s, cases);
    calls += cases;
    broken += failures.length;
    console.log(`${name.padEnd(16)} seed ${s}: ${failures.length === 0 ? 'ok' : `${failures.length} broken`}`);
    for (const f of failures.slice(0, 10)) console.log(`  case ${f.index}: ${f.problem.replace(/\n/g, '\n    ')}`);
  }
}
console.log(`${calls} calls in ${((Date.now() - started) / 1000).toFixed(1)} s, ${broken} broken (first seed ${seed0})`);
process.exit(broken === 0 ? 0 : 1);
