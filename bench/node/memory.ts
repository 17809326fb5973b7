// Resident memory of a 1M-datom database (issue 15, item 4): heap used after a full GC with the
// database imported and its connection open, after connecting cold, after q4, and after a query
// sweep over every datom with a small node cache (`cacheSize`), beside DataScript holding the same
// datoms. Needs `--expose-gc` (bench:node passes it, and runs it in a process of its own). Also
// runs alone: `node --expose-gc --import tsx bench/node/memory.ts [persons] [--json]`.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ds from 'datascript';
import { connect, createDatabase, db, q, release, transact, type Connection } from '../../src/node.js';
import type { ConnectionHandle } from '../../src/api.js';
import { cairnEntity, cairnSchema, dsEntity, dsSchema, people } from '../people.js';

export interface MemoryFigures {
  readonly datoms: number;
  /** MB of heap above the baseline (nothing open), after a full GC. */
  readonly afterImportMb: number;
  /** After releasing the importing connection (what the process keeps of a closed database). */
  readonly releasedMb: number;
  readonly connectedColdMb: number;
  readonly afterQ4Mb: number;
  readonly datascriptMb: number;
  /** The sweep with a small cache: its size, the heap after each query, the nodes it read. */
  readonly sweep: { readonly cacheSize: number; readonly heapMb: readonly number[]; readonly nodesRead: number; readonly cachedNodes: number };
  readonly sweepDefaultCacheMb: number;
}

const gc = (): void => {
  const f = (globalThis as { gc?: () => void }).gc;
  if (f === undefined) throw new Error('run with --expose-gc (npm run bench:node passes it)');
  f();
  f();
};
/** Heap used after a full collection, once pending closes and timers have run. */
const heapMb = async (): Promise<number> => {
  await new Promise((r) => setTimeout(r, 200));
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const Q4 = '[:find ?e ?l ?a :where [?e :name "Ivan"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]';
/** One aggregate per attribute: every datom of the database passes through AEVT once. */
const SWEEP = ['name', 'last-name', 'sex', 'age', 'salary'].map((a) => `[:find (count ?e) :where [?e :${a} ?v]]`);

export async function memoryBenchmark(persons = 200_000, cacheSize = 256): Promise<MemoryFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-memory-'));
  const config = { store: { backend: 'file', id: 'people', path: dir, durability: 'relaxed' } };
  try {
    // Every figure is above one baseline: the people array alive, no database open.
    const ps = people(persons);
    const base = await heapMb();
    await createDatabase(config);
    // The importing connection lives in this closure only: once it is released nothing here
    // references it, so the released figure is what the process itself keeps of the database.
    const afterImportMb = await (async () => {
      const importing = await connect(config);
      await transact(importing, cairnSchema);
      for (let i = 0; i < ps.length; i += 20_000) await transact(importing, ps.slice(i, i + 20_000).map(cairnEntity));
      const mb = (await heapMb()) - base;
      await release(importing);
      return mb;
    })();
    const releasedMb = (await heapMb()) - base;

    let conn: Connection = await connect(config);
    const connectedColdMb = (await heapMb()) - base;
    await q(Q4, db(conn));
    const afterQ4Mb = (await heapMb()) - base;
    for (const text of SWEEP) await q(text, db(conn));
    const sweepDefaultCacheMb = (await heapMb()) - base;
    await release(conn);

    conn = await connect(config, { cacheSize, shared: false });
    const heap: number[] = [];
    let total = 0;
    for (const text of SWEEP) {
      total += ((await q(text, db(conn))) as number[][])[0]![0]!;
      heap.push((await heapMb()) - base);
    }
    if (total !== persons * 5) throw new Error(`the sweep counted ${total} datoms, expected ${persons * 5}`);
    const nodes = (conn as ConnectionHandle).conn.nodes;
    const sweep = { cacheSize, heapMb: heap, nodesRead: nodes.stats.reads, cachedNodes: nodes.cachedCount };
    await release(conn);

    const dsBase = await heapMb();
    const dconn = ds.create_conn(dsSchema);
    ds.transact(
      dconn,
      ps.map((p) => dsEntity(p)),
    );
    const datascriptMb = (await heapMb()) - dsBase;
    if (ds.datoms(ds.db(dconn), ':eavt').length !== persons * 5) throw new Error('DataScript holds a different number of datoms');
    return { datoms: persons * 5, afterImportMb, releasedMb, connectedColdMb, afterQ4Mb, datascriptMb, sweep, sweepDefaultCacheMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printMemory(f: MemoryFigures): void {
  const mb = (x: number) => `${x.toFixed(1)} MB`;
  console.log(`\n== memory (${f.datoms.toLocaleString('en')} datoms, file backend; heap used after a full GC, above nothing open) ==`);
  console.log(`DataScript holding the datoms:        ${mb(f.datascriptMb)}`);
  console.log(`CairnDB, right after the import:      ${mb(f.afterImportMb)} (${mb(f.releasedMb)} once released)`);
  console.log(
    `CairnDB, connected cold:              ${mb(f.connectedColdMb)} (${((100 * f.connectedColdMb) / f.datascriptMb).toFixed(2)} % of DataScript; target <= 5 %: ${f.connectedColdMb <= 0.05 * f.datascriptMb ? 'met' : 'MISSED'})`,
  );
  console.log(`CairnDB, after q4:                    ${mb(f.afterQ4Mb)}`);
  console.log(`CairnDB, after a sweep, default cache: ${mb(f.sweepDefaultCacheMb)}`);
  console.log(
    `CairnDB, sweep with cacheSize ${f.sweep.cacheSize}: ${f.sweep.heapMb.map(mb).join(', ')} after each of ${f.sweep.heapMb.length} queries (${f.sweep.nodesRead} nodes read, ${f.sweep.cachedNodes} cached)`,
  );
}

/**
 * The section in a process of its own, as `bench:node` runs it: "above nothing open" only means
 * that in a fresh heap. After the other sections the heap shrank under the figures while they
 * were taken (connected cold read -0.0 MB in a full pass, 1.8 MB alone): something those
 * sections left was dropped meanwhile — not pinned down; V8 flushing their unused bytecode
 * would do it.
 */
export function memoryInFreshProcess(): MemoryFigures {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--json'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as MemoryFigures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await memoryBenchmark(Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 200_000));
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  else printMemory(figures);
}
