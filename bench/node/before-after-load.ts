// Before and after for the one-person transactions of the load section (issue 15, item 1), in
// one process: `node --expose-gc --import tsx bench/node/before-after-load.ts <other checkout>
// [rounds] [persons] [forms]` loads a second copy of the engine from another checkout's src/
// (e.g. `git archive main src | tar -x -C .scratch/before`) and runs each form — the `withDb`
// chain, awaited `transact` and all at once (group commit), memory backend — for both copies
// and DataScript, alternating call by call (who goes first rotates). Prints medians of CPU time
// (process.cpuUsage) and wall time per run, and DataScript / engine for each copy.

import ds from 'datascript';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as after from '../../src/index.js';
import { cairnEntity, cairnSchema, dsEntity, dsSchema, people } from '../people.js';

type Engine = typeof after;
const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: before-after-load.ts <checkout with the other src/> [rounds] [persons] [forms]');
const before = (await import(pathToFileURL(resolve(dir, 'src/index.ts')).href)) as Engine;
const rounds = Number(process.argv[3] ?? 5);
const persons = Number(process.argv[4] ?? 20_000);
const forms = (process.argv[5] ?? 'withDb,awaited,concurrent').split(',');
const ps = people(persons);
const cairnTx = ps.map(cairnEntity);
const dsTx = ps.map(dsEntity);

let seq = 0;
async function run(e: Engine, form: string): Promise<void> {
  const config = { store: { backend: 'memory', id: `before-after-load-${seq++}` } };
  await e.createDatabase(config);
  const conn = await e.connect(config);
  await e.transact(conn, cairnSchema);
  if (form === 'withDb') {
    let d = e.db(conn);
    for (const x of cairnTx) d = (await e.withDb(d, [x])).dbAfter;
  } else if (form === 'awaited') {
    for (const x of cairnTx) await e.transact(conn, [x]);
  } else if (form === 'concurrent') {
    await Promise.all(cairnTx.map((x) => e.transact(conn, [x])));
  } else throw new Error(`unknown form ${form}`);
  await e.release(conn);
  await e.deleteDatabase(config);
}
function dsRun(form: string): void {
  if (form === 'withDb') {
    let d = ds.empty_db(dsSchema);
    for (const x of dsTx) d = ds.db_with(d, [x]);
  } else {
    const conn = ds.create_conn(dsSchema);
    for (const x of dsTx) ds.transact(conn, [x]);
  }
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const gc = (globalThis as { gc?: () => void }).gc;
console.log(`${persons} one-person transactions, medians of ${rounds} rounds (CPU ms; wall ms in brackets)`);
console.log(
  `${'form'.padEnd(12)} ${'before'.padStart(16)} ${'after'.padStart(16)} ${'DataScript'.padStart(16)} ${'ds/before'.padStart(10)} ${'ds/after'.padStart(9)}`,
);
for (const form of forms) {
  const fns: (() => unknown)[] = [() => run(before, form), () => run(after, form), () => dsRun(form)];
  const cpu: number[][] = [[], [], []];
  const wall: number[][] = [[], [], []];
  for (let r = 0; r < rounds + 1; r++) {
    for (let k = 0; k < 3; k++) {
      const i = (k + r) % 3;
      gc?.();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fns[i]!();
      const c = process.cpuUsage(c0);
      if (r > 0) {
        wall[i]!.push(performance.now() - t0);
        cpu[i]!.push((c.user + c.system) / 1000);
      }
    }
  }
  const [b, a, d] = cpu.map(median) as [number, number, number];
  const [bw, aw, dw] = wall.map(median) as [number, number, number];
  const cell = (c: number, w: number) => `${c.toFixed(0)} [${w.toFixed(0)}]`.padStart(16);
  console.log(
    `${form.padEnd(12)} ${cell(b, bw)} ${cell(a, aw)} ${cell(d, dw)} ${`${(d / b).toFixed(2)}x`.padStart(10)} ${`${(d / a).toFixed(2)}x`.padStart(9)}`,
  );
}
