// Warm q1-q4 on both indices, timed alternately in one process: the steadier hitchhiker /
// persistent-set ratio on a busy machine (load swings hit both indices alike). Builds each
// 1M-datom database as the `indexes` section does with the tail disabled (import, then 2,000
// one-person transactions, so the hitchhiker tree's buffers hold messages), reconnects both,
// and reports the median wall and CPU time of each query on each index.
//
//   node --import tsx bench/node/indexes-interleaved.ts [persons] [runs]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connect, createDatabase, db, q, registerBackend, release, transact, type Connection } from '../../src/index.js';
import { createFileBackend } from '../../src/store/file.js';
import { cairnEntity, cairnSchema, people } from '../people.js';
import { INDEXES } from './indexes.js';
import { WORKLOADS } from './queries.js';

const WARM = ['q1', 'q2', 'q3', 'q4'];
const options = { tailDatoms: 0 };
const BACKEND = 'bench-interleaved-file';

async function build(index: string, path: string, persons: number): Promise<void> {
  const config = { store: { backend: BACKEND, id: 'people', path }, index };
  await createDatabase(config);
  const conn = await connect(config, options);
  await transact(conn, cairnSchema);
  const ps = people(persons);
  for (let i = 0; i < ps.length; i += 20_000) await transact(conn, ps.slice(i, i + 20_000).map(cairnEntity));
  for (let i = 0; i < 2_000; i++) await transact(conn, [{ name: `new${i}`, 'last-name': 'Novak', sex: ':female', age: i % 90, salary: i }]);
  await release(conn);
}

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;

export async function interleavedWarm(persons = 200_000, runs = 21): Promise<Record<string, Record<string, { wallMs: number; cpuMs: number }>>> {
  registerBackend(BACKEND, createFileBackend());
  const dirs = INDEXES.map(() => mkdtempSync(join(tmpdir(), 'cairn-bench-interleaved-')));
  const conns: [string, Connection][] = [];
  try {
    for (const [i, index] of INDEXES.entries()) await build(index, dirs[i]!, persons);
    for (const [i, index] of INDEXES.entries())
      conns.push([index, await connect({ store: { backend: BACKEND, id: 'people', path: dirs[i]! }, index }, options)]);
    const out: Record<string, Record<string, { wallMs: number; cpuMs: number }>> = {};
    for (const w of WORKLOADS.filter((w) => WARM.includes(w.name))) {
      const sizes = new Set<number>();
      for (const [, conn] of conns) sizes.add(((await q(w.cairn, db(conn))) as unknown[]).length); // warm the node cache
      if (sizes.size !== 1) throw new Error(`${w.name}: the indices return different result sizes`);
      const wall = new Map<string, number[]>();
      const cpu = new Map<string, number[]>();
      for (let r = 0; r < runs; r++) {
        for (const [index, conn] of conns) {
          const c = process.cpuUsage();
          const s = performance.now();
          await q(w.cairn, db(conn));
          const t = performance.now() - s;
          const used = process.cpuUsage(c);
          wall.set(index, [...(wall.get(index) ?? []), t]);
          cpu.set(index, [...(cpu.get(index) ?? []), (used.user + used.system) / 1000]);
        }
      }
      for (const [index] of conns) (out[index] ??= {})[w.name] = { wallMs: median(wall.get(index)!), cpuMs: median(cpu.get(index)!) };
    }
    return out;
  } finally {
    for (const [, conn] of conns) await release(conn);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const figures = await interleavedWarm(Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 21));
  const ps = figures['persistent-set']!;
  const hh = figures['hitchhiker-tree']!;
  console.log('== warm queries, both indices alternately (median wall / CPU ms) ==');
  for (const n of WARM) {
    const [a, b] = [ps[n]!, hh[n]!];
    console.log(
      `${n}: persistent-set ${a.wallMs.toFixed(1)} / ${a.cpuMs.toFixed(1)}, hitchhiker-tree ${b.wallMs.toFixed(1)} / ${b.cpuMs.toFixed(1)}; ` +
        `hitchhiker / persistent-set ${(b.wallMs / a.wallMs).toFixed(2)}x wall, ${(b.cpuMs / a.cpuMs).toFixed(2)}x CPU (target <= 1.5x)`,
    );
  }
}
