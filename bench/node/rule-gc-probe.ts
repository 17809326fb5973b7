// What the per-call GC of `compareAlternating` (../harness.ts) does to a short query: the
// recursive 3x3 rule of the queries section, CairnDB and DataScript alternating call by call as
// the benchmark runs them, with a young-generation GC before each call (the harness), a full GC,
// or none. `node --expose-gc --import tsx bench/node/rule-gc-probe.ts [minor|full|none ...]
// [rounds]` prints CPU and wall medians of 33 calls each per round.

import ds from 'datascript';
import { q } from '../../src/index.js';
import { FOLLOWS_RULES_CAIRN, FOLLOWS_RULES_DS } from '../query-workloads.js';
import { cairnDb, dsEmpty, followsTree } from './queries.js';

const gc = (globalThis as { gc?: (o?: unknown) => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const args = process.argv.slice(2);
const modes = args.filter((a) => ['minor', 'full', 'none'].includes(a));
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);

const tree = followsTree(3, 3, 100_000);
const mine = await cairnDb([tree.cairn as unknown[]]);
const theirs = ds.db_with(dsEmpty(), tree.ds);
const query = '[:find ?e1 ?e2 :in $ % :where (follows ?e1 ?e2)]';
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;

for (const mode of modes.length > 0 ? modes : ['minor', 'none', 'full']) {
  for (let round = 0; round < rounds; round++) {
    const cpu = { cairn: [] as number[], ds: [] as number[] };
    const wall = { cairn: [] as number[], ds: [] as number[] };
    const time = async (who: 'cairn' | 'ds', f: () => unknown) => {
      if (mode === 'minor') gc({ type: 'minor' });
      else if (mode === 'full') gc();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await f();
      wall[who].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[who].push((c.user + c.system) / 1000);
    };
    const cairn = () => time('cairn', () => q(query, mine, FOLLOWS_RULES_CAIRN));
    const other = () => time('ds', () => ds.q(query, theirs, FOLLOWS_RULES_DS));
    for (let i = 0; i < 33; i++) {
      if (i % 2 === 0) {
        await cairn();
        await other();
      } else {
        await other();
        await cairn();
      }
    }
    const [c, d, cw, dw] = [median(cpu.cairn), median(cpu.ds), median(wall.cairn), median(wall.ds)];
    console.log(
      `${mode.padEnd(5)} cpu: CairnDB ${c.toFixed(3)} ms, DataScript ${d.toFixed(3)} ms, ${(d / c).toFixed(1)}x | wall: ${cw.toFixed(3)} / ${dw.toFixed(3)} ms, ${(dw / cw).toFixed(1)}x`,
    );
  }
}
