// Index benchmark: the persistent set against the hitchhiker tree on the same workloads, each
// over the file backend: bulk import of the people set, one-person durable transactions (index
// node records and bytes written per transaction, amortised with the tail folds they cause),
// a cold point query (records read) and the q1-q4 queries warm (median of repeated runs).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createDatabase, datoms, db, q, registerBackend, release, transact } from '../../src/index.js';
import { countingBackend, newCounts } from '../../src/conn/counting-backend.js';
import { createFileBackend } from '../../src/store/file.js';
import { cairnEntity, cairnSchema, people } from '../people.js';
import { WORKLOADS } from './queries.js';

export interface IndexFigures {
  readonly index: string;
  readonly tail: string;
  readonly datoms: number;
  readonly importMs: number;
  readonly importDatomsPerSec: number;
  readonly txs: number;
  readonly txMs: number;
  readonly nodesPerTx: number;
  readonly nodeBytesPerTx: number;
  readonly bytesPerTx: number;
  readonly pointQueryRecordsRead: number;
  readonly warmQueryMs: Record<string, number>;
  /** The same runs' median CPU time of this process (less inflated than wall time on a loaded machine). */
  readonly warmQueryCpuMs: Record<string, number>;
}

export const INDEXES = ['persistent-set', 'hitchhiker-tree'] as const;
const WARM = ['q1', 'q2', 'q3', 'q4'];

/** `tailDatoms`: the connection's tail threshold (0 = no tail: every commit writes the trees). */
export async function indexBenchmark(index: string, persons = 200_000, txs = 20_000, tailDatoms?: number): Promise<IndexFigures> {
  const counts = newCounts();
  registerBackend('counting-file', countingBackend(createFileBackend(), counts));
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-index-'));
  const config = { store: { backend: 'counting-file', id: 'people', path: dir }, index };
  try {
    await createDatabase(config);
    const options = tailDatoms === undefined ? {} : { tailDatoms };
    let conn = await connect(config, options);
    await transact(conn, cairnSchema);
    const ps = people(persons);
    let t = performance.now();
    for (let i = 0; i < ps.length; i += 20_000) await transact(conn, ps.slice(i, i + 20_000).map(cairnEntity));
    const importMs = performance.now() - t;

    const before = { ...counts };
    t = performance.now();
    for (let i = 0; i < txs; i++) await transact(conn, [{ name: `new${i}`, 'last-name': 'Novak', sex: ':female', age: i % 90, salary: i }]);
    const txMs = performance.now() - t;
    const total = (await datoms(db(conn), 'eavt')).length;
    await release(conn);

    conn = await connect(config, options);
    counts.recordsRead = 0;
    const point = await datoms(db(conn), 'eavt', 7 + Math.floor(persons / 2));
    if (point.length !== 5) throw new Error(`point query found ${point.length} datoms`);
    const pointQueryRecordsRead = counts.recordsRead;

    const warmQueryMs: Record<string, number> = {};
    const warmQueryCpuMs: Record<string, number> = {};
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
    for (const w of WORKLOADS.filter((w) => WARM.includes(w.name))) {
      await q(w.cairn, db(conn)); // warm the node cache
      const times: number[] = [];
      const cpu: number[] = [];
      for (let r = 0; r < 15; r++) {
        const c = process.cpuUsage();
        const s = performance.now();
        await q(w.cairn, db(conn));
        times.push(performance.now() - s);
        const used = process.cpuUsage(c);
        cpu.push((used.user + used.system) / 1000);
      }
      warmQueryMs[w.name] = median(times);
      warmQueryCpuMs[w.name] = median(cpu);
    }
    await release(conn);
    return {
      index,
      tail: tailDatoms === undefined ? 'default' : String(tailDatoms),
      datoms: total,
      importMs,
      importDatomsPerSec: (persons * 5) / (importMs / 1000),
      txs,
      txMs,
      nodesPerTx: (counts.nodesWritten - before.nodesWritten) / txs,
      nodeBytesPerTx: (counts.nodeBytesWritten - before.nodeBytesWritten) / txs,
      bytesPerTx: (counts.bytesWritten - before.bytesWritten) / txs,
      pointQueryRecordsRead,
      warmQueryMs,
      warmQueryCpuMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printIndexes(figures: readonly IndexFigures[]): void {
  console.log('\n== indexes (file backend) ==');
  const cols: [string, (f: IndexFigures) => string][] = [
    ['import datoms/s', (f) => Math.round(f.importDatomsPerSec).toLocaleString('en')],
    ['tx/s (awaited)', (f) => Math.round(f.txs / (f.txMs / 1000)).toLocaleString('en')],
    ['nodes/tx', (f) => f.nodesPerTx.toFixed(2)],
    ['node KB/tx', (f) => (f.nodeBytesPerTx / 1024).toFixed(2)],
    ['all KB/tx', (f) => (f.bytesPerTx / 1024).toFixed(2)],
    ['cold point reads', (f) => String(f.pointQueryRecordsRead)],
    ...WARM.map((n): [string, (f: IndexFigures) => string] => [`${n} warm ms`, (f) => (f.warmQueryMs[n] ?? NaN).toFixed(2)]),
  ];
  console.log(['index, tail'.padEnd(26), ...cols.map(([h]) => h.padStart(17))].join(''));
  for (const f of figures) console.log([`${f.index}, ${f.tail}`.padEnd(26), ...cols.map(([, v]) => v(f).padStart(17))].join(''));
  for (const tail of new Set(figures.map((f) => f.tail))) {
    const ps = figures.find((f) => f.tail === tail && f.index === 'persistent-set');
    const hh = figures.find((f) => f.tail === tail && f.index === 'hitchhiker-tree');
    if (!ps || !hh) continue;
    console.log(`tail ${tail}: node bytes per tx, persistent-set / hitchhiker-tree: ${(ps.nodeBytesPerTx / hh.nodeBytesPerTx).toFixed(2)}x (target >= 2x)`);
    const ratio = (m: 'warmQueryMs' | 'warmQueryCpuMs', n: string): string => ((hh[m][n] ?? 0) / (ps[m][n] ?? 1)).toFixed(2);
    for (const n of WARM)
      console.log(
        `tail ${tail}: ${n} warm, hitchhiker / persistent-set: ${ratio('warmQueryMs', n)}x (CPU time ${ratio('warmQueryCpuMs', n)}x; target <= 1.5x)`,
      );
  }
}
