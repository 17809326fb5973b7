// Core issue benchmark: load the people dataset (20,000 persons, 100,000 datoms) into an empty
// database, as one transaction and as 20,000 one-person transactions, against DataScript.

import ds from 'datascript';
import { connect, createDatabase, db, deleteDatabase, release, transact, withDb, type Connection } from '../../src/index.js';
import { cairnEntity, cairnSchema, dsEntity, dsSchema, people } from '../people.js';
import { compare, type Comparison } from '../harness.js';

const PERSONS = 20_000;

let seq = 0;
async function freshConn() {
  const config = { store: { backend: 'memory', id: `bench-load-${seq++}` } };
  await createDatabase(config);
  const conn = await connect(config);
  await transact(conn, cairnSchema);
  return { conn, config };
}

export async function loadBenchmarks(): Promise<Comparison[]> {
  const ps = people(PERSONS);
  const cairnTx = ps.map(cairnEntity);
  const dsTx = ps.map(dsEntity);
  const rows: Comparison[] = [];

  rows.push(
    await compare(
      'load 100k datoms, one tx (transact)',
      async () => {
        const { conn, config } = await freshConn();
        await transact(conn, cairnTx);
        await release(conn);
        await deleteDatabase(config);
      },
      () => {
        const conn = ds.create_conn(dsSchema);
        ds.transact(conn, dsTx);
      },
      { iterations: 8, warmup: 2, target: 2 },
    ),
  );

  const { conn: schemaConn } = await freshConn();
  const emptyWithSchema = db(schemaConn);
  rows.push(
    await compare(
      'load 100k datoms, one tx (withDb, in memory)',
      async () => {
        await withDb(emptyWithSchema, cairnTx);
      },
      () => {
        ds.db_with(ds.empty_db(dsSchema), dsTx);
      },
      { iterations: 8, warmup: 2, target: 2 },
    ),
  );

  // DataScript's side of both one-person-transaction workloads: its transact is synchronous.
  const dsOnePerTx = () => {
    const conn = ds.create_conn(dsSchema);
    for (const e of dsTx) ds.transact(conn, [e]);
  };
  const cairnOnePerTx = (submit: (conn: Connection) => Promise<unknown>) => async () => {
    const { conn, config } = await freshConn();
    await submit(conn);
    await release(conn);
    await deleteDatabase(config);
  };
  rows.push(
    await compare(
      'load 20k one-person txs (awaited, durable)',
      cairnOnePerTx(async (conn) => {
        for (const e of cairnTx) await transact(conn, [e]);
      }),
      dsOnePerTx,
      { iterations: 5, warmup: 1, target: 2 },
    ),
  );
  rows.push(
    await compare(
      'load 20k one-person txs (concurrent, group commit)',
      cairnOnePerTx((conn) => Promise.all(cairnTx.map((e) => transact(conn, [e])))),
      dsOnePerTx,
      { iterations: 5, warmup: 1, target: 2 },
    ),
  );

  rows.push(
    await compare(
      'load 20k one-person txs (withDb chain)',
      async () => {
        let d = emptyWithSchema;
        for (const e of cairnTx) d = (await withDb(d, [e])).dbAfter;
      },
      () => {
        let d = ds.empty_db(dsSchema);
        for (const e of dsTx) d = ds.db_with(d, [e]);
      },
      { iterations: 5, warmup: 1, target: 2 },
    ),
  );

  await release(schemaConn);
  return rows;
}
