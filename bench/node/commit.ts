// The commit path in Node, on the file backend (issue 15, item 1): 20,000 one-person transactions,
// awaited one by one and submitted at once (group commit), against DataScript's `transact` of the
// same persons in memory. Durability `relaxed` (no fsync: what a killed process cannot break) for
// the 20,000; `strict` (fsync on every commit) for 1,000 awaited ones, whose floor is the disk.
// Also runs alone: `node --expose-gc --import tsx bench/node/commit.ts [persons] [iterations]`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ds from 'datascript';
import { connect, createDatabase, deleteDatabase, release, transact, type Connection } from '../../src/node.js';
import { cairnEntity, cairnSchema, dsEntity, dsSchema, people } from '../people.js';
import { compare, printTable, type Comparison } from '../harness.js';

let seq = 0;

async function fileConn(dir: string, durability: 'strict' | 'relaxed'): Promise<{ conn: Connection; config: object }> {
  const config = { store: { backend: 'file', id: `commit-${seq++}`, path: dir, durability } };
  await createDatabase(config);
  const conn = await connect(config);
  await transact(conn, cairnSchema);
  return { conn, config };
}

export async function commitBenchmarks(persons = 20_000, strictPersons = 1_000, iterations = 3): Promise<Comparison[]> {
  const ps = people(persons);
  const cairnTx = ps.map(cairnEntity);
  const dsTx = ps.map(dsEntity);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-commit-'));
  const rows: Comparison[] = [];
  const dsOnePerTx = (n: number) => () => {
    const conn = ds.create_conn(dsSchema);
    for (let i = 0; i < n; i++) ds.transact(conn, [dsTx[i]]);
  };
  const run = (durability: 'strict' | 'relaxed', submit: (conn: Connection) => Promise<unknown>) => async () => {
    const { conn, config } = await fileConn(dir, durability);
    await submit(conn);
    await release(conn);
    await deleteDatabase(config);
  };
  const awaited = (n: number) => async (conn: Connection) => {
    for (let i = 0; i < n; i++) await transact(conn, [cairnTx[i]!]);
  };
  const concurrent = (conn: Connection) => Promise.all(cairnTx.map((e) => transact(conn, [e])));
  try {
    const k = `${Math.round(persons / 1000)}k`;
    rows.push(
      await compare(`file relaxed: ${k} one-person txs (awaited)`, run('relaxed', awaited(persons)), dsOnePerTx(persons), {
        iterations,
        warmup: 1,
        target: 2,
      }),
    );
    rows.push(
      await compare(`file relaxed: ${k} one-person txs (concurrent)`, run('relaxed', concurrent), dsOnePerTx(persons), { iterations, warmup: 1, target: 3 }),
    );
    rows.push(
      await compare(`file strict: ${k} one-person txs (concurrent)`, run('strict', concurrent), dsOnePerTx(persons), { iterations, warmup: 1, target: 3 }),
    );
    rows.push(
      await compare(`file strict: ${strictPersons} one-person txs (awaited)`, run('strict', awaited(strictPersons)), dsOnePerTx(strictPersons), {
        iterations,
        warmup: 1,
        note: 'one fsynced commit each',
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const persons = Number(process.argv[2] ?? 20_000);
  printTable('== commit (file backend) ==', await commitBenchmarks(persons, Math.min(persons, 1_000), Number(process.argv[3] ?? 3)));
}
