// What a short call costs when the processor's caches are cold, and how much of that is code
// (issue 15: the 3x3 rule row and the browser commit both run cold). `node --expose-gc --import
// tsx bench/node/cold-probe.ts [calls]` prints medians, per call, of:
// - the recursive 3x3 rule query: warm (straight after itself); after a 32 MB walk (caches
//   cold); after the walk and then a *different* query on a *different* database (the code
//   warm again, this query's data cold); and as the queries section runs it (after DataScript's
//   call and a young-generation GC); DataScript's, warm, beside them; after a loop of megamorphic
//   loads over 600 object shapes, which refills V8's shared inline-cache table (the stub cache),
//   and after the same loop over one shape (a control touching as much memory);
// - a one-person transaction on the memory backend: warm, after the walk, after a 2 ms sleep;
// - how many distinct functions of src/ one execution of the rule query runs (V8's precise
//   coverage): the code a cold call has to fetch.

import { Session } from 'node:inspector/promises';
import ds from 'datascript';
import { connect, createDatabase, q, transact } from '../../src/node.js';
import { cairnEntity, cairnSchema, people } from '../people.js';
import { FOLLOWS_RULES_CAIRN, FOLLOWS_RULES_DS } from '../query-workloads.js';
import { cairnDb, dsEmpty, followsTree } from './queries.js';

const gc = (globalThis as { gc?: (o?: unknown) => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const calls = Number(process.argv[2] ?? 600);

const walked = new Float64Array(32 * 131_072); // 32 MB: more than this machine's caches
let sink = 0;
const walk = (): void => {
  for (let i = 0; i < walked.length; i += 8) sink += walked[i]!; // one read per 64-byte line
};
// Objects of 600 shapes read by 64 names at one site (megamorphic: every load goes through the
// stub cache), and 600 of one shape read by 21 names (monomorphic). Neither allocates.
const names = Array.from({ length: 64 }, (_, i) => `p${i}`);
const shaped = Array.from({ length: 600 }, (_, s) => {
  const o: Record<string, number> = { [`u${s}`]: s };
  for (let k = 0; k <= s % 40; k++) o[names[(s * 7 + k) % 64]!] = k;
  return o;
});
const alike = Array.from({ length: 600 }, () => Object.fromEntries(names.slice(0, 21).map((n, k) => [n, k])) as Record<string, number>);
const readAll = (objects: Record<string, number>[], width: number): void => {
  let t = 0;
  for (let r = 0; r < 4; r++)
    for (const o of objects)
      for (let m = 0; m < width; m++) {
        const v = o[names[m]!];
        if (v !== undefined) t += v;
      }
  sink += t;
};
const median = (xs: number[]): string => `${(xs.sort((a, b) => a - b)[xs.length >> 1]! * 1000).toFixed(0)} µs`;

const tree = followsTree(3, 3, 100_000);
const other = followsTree(3, 3, 200_000);
const mine = await cairnDb([tree.cairn as unknown[]]);
const elsewhere = await cairnDb([other.cairn as unknown[]]);
const theirs = ds.db_with(dsEmpty(), tree.ds);
const rule = '[:find ?e1 ?e2 :in $ % :where (follows ?e1 ?e2)]';
const sameShape = '[:find ?a ?b :in $ % :where (follows ?a ?b)]';

const times: Record<string, number[]> = {};
async function timed(name: string, f: () => unknown): Promise<void> {
  const t0 = performance.now();
  await f();
  (times[name] ??= []).push(performance.now() - t0);
}
for (let i = 0; i < calls; i++) {
  await timed('rule, warm', () => q(rule, mine, FOLLOWS_RULES_CAIRN));
  walk();
  await timed('rule, after the walk', () => q(rule, mine, FOLLOWS_RULES_CAIRN));
  walk();
  await q(sameShape, elsewhere, FOLLOWS_RULES_CAIRN);
  await timed('rule, after the walk and another query', () => q(rule, mine, FOLLOWS_RULES_CAIRN));
  ds.q(rule, theirs, FOLLOWS_RULES_DS);
  await timed('DataScript rule, warm', () => ds.q(rule, theirs, FOLLOWS_RULES_DS));
  gc({ type: 'minor' });
  await timed("rule, after DataScript's call and a minor GC", () => q(rule, mine, FOLLOWS_RULES_CAIRN));
  await q(rule, mine, FOLLOWS_RULES_CAIRN);
  readAll(shaped, 64);
  await timed('rule, after megamorphic loads (600 shapes)', () => q(rule, mine, FOLLOWS_RULES_CAIRN));
  await q(rule, mine, FOLLOWS_RULES_CAIRN);
  readAll(alike, 21);
  await timed('rule, after the same loop over one shape', () => q(rule, mine, FOLLOWS_RULES_CAIRN));
}

const config = { store: { backend: 'memory', id: 'cold-probe' } };
await createDatabase(config);
const conn = await connect(config);
await transact(conn, cairnSchema);
const persons = people(3 * calls).map(cairnEntity);
for (let i = 0; i < persons.length; i++) {
  const kind = i % 3;
  if (kind === 1) walk();
  if (kind === 2) await new Promise((r) => setTimeout(r, 2));
  await timed(['commit, warm', 'commit, after the walk', 'commit, after a 2 ms sleep'][kind]!, () => transact(conn, [persons[i]]));
}

for (const [name, xs] of Object.entries(times)) console.log(`${name.padEnd(46)} ${median(xs)}`);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
await session.post('Profiler.takePreciseCoverage'); // counts start from here
await q(rule, mine, FOLLOWS_RULES_CAIRN);
const { result } = await session.post('Profiler.takePreciseCoverage');
session.disconnect();
const ran = result.filter((s) => s.url.includes('/src/')).map((s) => ({ url: s.url, n: s.functions.filter((f) => f.ranges[0]!.count > 0).length }));
const modules = ran.filter((m) => m.n > 0);
console.log(`one rule query runs ${modules.reduce((n, m) => n + m.n, 0)} functions of src/ in ${modules.length} modules`);
if (sink < 0) console.log(sink);
