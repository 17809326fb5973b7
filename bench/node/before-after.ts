// Before and after in one run: `node --expose-gc --import tsx bench/node/before-after.ts <other checkout>`
// loads a second copy of the engine from another checkout's src/ (say, main before a change,
// unpacked with `git archive <commit> src | tar -x -C <dir>`), builds the people database of
// the query workloads in both copies and in DataScript, checks the three agree, and times each
// workload with the three alternating call by call (medians). Prints before, after and
// DataScript ms (CPU time per call unless told `wall`), and the DataScript / engine ratio of each copy.

import ds from 'datascript';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as after from '../../src/index.js';
import { peopleDbs, WORKLOADS } from './queries.js';
import { cairnEntity, cairnSchema } from '../people.js';

type Engine = typeof after;
const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: before-after.ts <checkout with the other src/>');
const before = (await import(pathToFileURL(resolve(dir, 'src/index.ts')).href)) as Engine;
const rounds = Number(process.argv[3] ?? 31);
// CPU time of the process per call by default (on a shared machine wall time is mostly waiting); `wall` as 4th argument.
const clock = process.argv[4] === 'wall' ? 'wall' : 'cpu';
console.log(`medians of ${rounds} rounds, ${clock} time, ms`);

const { ps, cdb, dsdb } = await peopleDbs();
// The same transactions in the other copy: schema, persons, then the follows of peopleDbs.
const config = { store: { backend: 'memory', id: `before-${Date.now()}` } };
await before.createDatabase(config);
const conn = await before.connect(config);
await before.transact(conn, cairnSchema);
await before.transact(conn, ps.map(cairnEntity));
const follows = (await after.q('[:find ?a ?b :where [?a :follows ?b]]', cdb)) as [number, number][];
await before.transact(
  conn,
  follows.map(([a, b]) => ['db/add', a, 'follows', b]),
);
const bdb = before.db(conn);

const canon = (rows: unknown): string =>
  JSON.stringify((rows as unknown[][]).map((r) => JSON.stringify(r.map((x) => (typeof x === 'string' && x.startsWith(':') ? x.slice(1) : x)))).sort());
// The answer is dropped inside a function of its own, as compareAlternating's time() does: an
// answer still held by this loop's frame survives the next forced scavenge, and V8 then
// pretenures the allocation sites of the engine's rows (measured: q1 3x slower for the rest of the run).
const drop = async (f: () => unknown): Promise<void> => {
  await f();
};
const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

console.log(
  `${'workload'.padEnd(32)} ${'before'.padStart(9)} ${'after'.padStart(9)} ${'DataScript'.padStart(11)} ${'ds/before'.padStart(10)} ${'ds/after'.padStart(9)}`,
);
for (const w of WORKLOADS) {
  const inputs = w.inputs ?? [];
  const fns: (() => unknown)[] = [() => before.q(w.cairn, bdb, ...inputs), () => after.q(w.cairn, cdb, ...inputs), () => ds.q(w.ds, dsdb, ...inputs)];
  const answers = await Promise.all(fns.map((f) => f()));
  if (new Set(answers.map(canon)).size !== 1) throw new Error(`${w.name}: the engines disagree`);
  const times: number[][] = [[], [], []];
  const cpus: number[][] = [[], [], []];
  for (let r = 0; r < rounds + 3; r++) {
    for (let k = 0; k < 3; k++) {
      const i = (k + r) % 3; // rotate who goes first
      (globalThis as { gc?: (o?: unknown) => void }).gc?.({ type: 'minor' }); // untimed: nobody pays for the other's garbage
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await drop(fns[i]!);
      const c = process.cpuUsage(c0);
      if (r >= 3) {
        times[i]!.push(performance.now() - t0);
        cpus[i]!.push((c.user + c.system) / 1000);
      }
    }
  }
  const [b, a, d] = (clock === 'cpu' ? cpus : times).map(median) as [number, number, number];
  console.log(
    `${w.name.padEnd(32)} ${b.toFixed(3).padStart(9)} ${a.toFixed(3).padStart(9)} ${d.toFixed(3).padStart(11)} ${`${(d / b).toFixed(2)}x`.padStart(10)} ${`${(d / a).toFixed(2)}x`.padStart(9)}`,
  );
}
