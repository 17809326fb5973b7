// Profile CairnDB's side of the Node query workloads: `node --import tsx
// bench/node/profile-queries.ts [workload names, e.g. q3 q4] [--iterations=N]`. Builds the
// people database of bench/node/queries.ts, runs each named workload N times under V8's CPU
// profiler (node:inspector) and prints self time per function and per file
// (bench/browser/profile.ts's summary), so a reader sees where a query's time goes.

import { Session } from 'node:inspector/promises';
import { q } from '../../src/index.js';
import { type CpuProfile, summarizeProfile } from '../browser/profile.js';
import { peopleDbs, WORKLOADS } from './queries.js';

const args = process.argv.slice(2);
const iterations = Number(args.find((a) => a.startsWith('--iterations='))?.split('=')[1] ?? 300);
const names = args.filter((a) => !a.startsWith('--'));
const chosen = names.length === 0 ? WORKLOADS : WORKLOADS.filter((w) => names.includes(w.name));
if (chosen.length === 0) throw new Error(`no workload named ${names.join(', ')}; known: ${WORKLOADS.map((w) => w.name).join(', ')}`);

const { cdb } = await peopleDbs();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
for (const w of chosen) {
  for (let i = 0; i < 20; i++) await q(w.cairn, cdb, ...(w.inputs ?? [])); // warm-up
  await session.post('Profiler.start');
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await q(w.cairn, cdb, ...(w.inputs ?? []));
  const ms = (performance.now() - t0) / iterations;
  const { profile } = await session.post('Profiler.stop');
  const s = summarizeProfile(profile as unknown as CpuProfile, 25, []);
  console.log(`\n== ${w.name}: ${ms.toFixed(3)} ms per query (${iterations} runs) ==`);
  for (const f of s.byFile.slice(0, 12)) console.log(`  ${f.pct.toFixed(1).padStart(5)} %  ${f.file}`);
  console.log('  --');
  for (const f of s.top) console.log(`  ${f.pct.toFixed(1).padStart(5)} %  ${f.fn}`);
}
session.disconnect();
