// Profile CairnDB's side of the one-person transaction workloads (issue 15, item 1):
// `node --expose-gc --import tsx bench/node/profile-commit.ts [withDb|awaited|concurrent ...]
// [--persons=N] [--iterations=N] [--file]`. Runs each form on the memory backend (the file backend,
// `relaxed`, with --file) under V8's CPU profiler
// (node:inspector) and prints self time per file and per function (bench/browser/profile.ts's
// summary; `(garbage collector)` is the GC), so a reader sees where a commit's time goes.

import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createDatabase, db, deleteDatabase, release, transact, withDb, type Connection } from '../../src/node.js';
import { type CpuProfile, summarizeProfile } from '../browser/profile.js';
import { cairnEntity, cairnSchema, people } from '../people.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const persons = opt('persons', 20_000);
const iterations = opt('iterations', 3);
const forms = args.filter((a) => !a.startsWith('--'));
const dir = args.includes('--file') ? mkdtempSync(join(tmpdir(), 'cairn-profile-')) : null;
const tx = people(persons).map(cairnEntity);

let seq = 0;
async function fresh(): Promise<{ conn: Connection; config: object }> {
  const id = `profile-commit-${seq++}`;
  const config = { store: dir === null ? { backend: 'memory', id } : { backend: 'file', id, path: dir, durability: 'relaxed' } };
  await createDatabase(config);
  const conn = await connect(config);
  await transact(conn, cairnSchema);
  return { conn, config };
}

const FORMS: Record<string, () => Promise<void>> = {
  withDb: async () => {
    const { conn, config } = await fresh();
    let d = db(conn);
    for (const e of tx) d = (await withDb(d, [e])).dbAfter;
    await release(conn);
    await deleteDatabase(config);
  },
  awaited: async () => {
    const { conn, config } = await fresh();
    for (const e of tx) await transact(conn, [e]);
    await release(conn);
    await deleteDatabase(config);
  },
  concurrent: async () => {
    const { conn, config } = await fresh();
    await Promise.all(tx.map((e) => transact(conn, [e])));
    await release(conn);
    await deleteDatabase(config);
  },
};

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
for (const name of forms.length === 0 ? Object.keys(FORMS) : forms) {
  const f = FORMS[name];
  if (f === undefined) throw new Error(`no form ${name}; known: ${Object.keys(FORMS).join(', ')}`);
  await f(); // warm-up
  await session.post('Profiler.start');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await f();
  const ms = (performance.now() - t0) / iterations;
  const c = process.cpuUsage(c0);
  const { profile } = await session.post('Profiler.stop');
  const s = summarizeProfile(profile as unknown as CpuProfile, 40, []);
  console.log(`\n== ${name}: ${ms.toFixed(0)} ms wall, ${((c.user + c.system) / 1000 / iterations).toFixed(0)} ms CPU per run of ${persons} ==`);
  for (const x of s.byFile.slice(0, 20)) console.log(`  ${x.pct.toFixed(1).padStart(5)} %  ${x.file}`);
  console.log('  --');
  for (const x of s.top) console.log(`  ${x.pct.toFixed(1).padStart(5)} %  ${x.fn}`);
}
session.disconnect();
if (dir !== null) rmSync(dir, { recursive: true, force: true });
