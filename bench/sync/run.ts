// `npm run bench:sync`: sync on loopback (docs/sync.md "Performance") with a real server process
// and devices in this process (memory stores, the `ws` WebSocket). For the server's file backend,
// and its postgresql backend when CAIRNDB_PG_URL is set, RUNS times (default 3; `-- --runs N`),
// each run with a fresh server process and database:
// 1. commit on device A -> listener on device B: median and p95, beside a bare WebSocket ping
//    round trip on the same server (target: <= 3x), and beside the floor under it: one durable
//    commit of one transaction in process on the same backend;
// 2. push throughput: a burst of 1,000 transactions on one device until the server confirmed all
//    (target >= 1,000 tx/s), beside the same 1,000 transactions committed in process;
// 3. catch-up bytes per remote commit: a device away for N commits, bytes fetched / N.
// Under the latency, the platform's own floor: a durable write of a head's bytes with no engine
// (file: write a temp file, fdatasync, rename, fsync the directory; PostgreSQL: one upsert).
// The server is warmed up first (a long-running server has its code compiled). Prints a table per
// backend (median of the runs, and min-max) and writes bench/results/sync.json.
import { closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { parseArgs } from 'node:util';
import { WebSocket as WS } from 'ws';
import { connect, createDatabase, deleteDatabase, listen, release, syncStatus, transact, type Connection } from '../../src/node.js';
import { SyncSocket } from '../../src/sync/socket.js';
import { startServer, tempDir, type ServerProcessOptions } from '../../src/server/test-server.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(args.runs);
const PG = process.env.CAIRNDB_PG_URL;
const PG_TABLE = 'cairndb_bench_sync';

const SCHEMA = [
  { 'db/ident': 'task/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'task/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
];
let seq = 0;
const device = (url: string, db: string): Promise<Connection> =>
  connect(
    {
      store: { backend: 'memory', id: `bench-device-${seq++}` },
      sync: { url, token: 'test-token', db, WebSocket: WS as never },
    },
    { shared: false },
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(f: () => Promise<boolean>): Promise<void> {
  while (!(await f())) await sleep(1);
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const task = (id: string) => [{ 'task/id': id, 'task/title': `title of ${id}` }];

type Backend = 'file' | 'postgresql';
const storeFor = (backend: Backend, id: string) =>
  backend === 'file' ? { backend: 'file', id, path: tempDir() } : { backend: 'postgresql', id, connection: PG!, table: PG_TABLE };

/** The floor under the network: the same commits in process, on the server's backend. */
async function floor(backend: Backend) {
  const config = { store: storeFor(backend, `bench-floor-${Date.now().toString(36)}`) };
  await createDatabase(config);
  const conn = await connect(config, { shared: false });
  try {
    await transact(conn, SCHEMA);
    for (let i = 0; i < 100; i++) await transact(conn, task(`warm-${i}`));
    const commit: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await transact(conn, task(`floor-${i}`));
      commit.push(performance.now() - t0);
    }
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => transact(conn, task(`floor-burst-${i}`))));
    return { commitMs: pct(commit, 0.5), commitP95Ms: pct(commit, 0.95), burstTxPerSecond: 1000 / ((performance.now() - t0) / 1000) };
  } finally {
    await release(conn);
    await deleteDatabase(config);
  }
}

/** The platform's floor under any durable commit: the same bytes made durable with no engine at all. */
async function rawDurableWrite(backend: Backend): Promise<number> {
  const bytes = Buffer.alloc(3_000, 7); // about a small commit's head
  const times: number[] = [];
  if (backend === 'file') {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-raw-'));
    try {
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        const fd = openSync(join(dir, 'head.tmp'), 'w');
        writeSync(fd, bytes);
        fdatasyncSync(fd);
        closeSync(fd);
        renameSync(join(dir, 'head.tmp'), join(dir, 'head'));
        const d = openSync(dir, 'r');
        fsyncSync(d);
        closeSync(d);
        times.push(performance.now() - t0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    const client = new pg.Client({ connectionString: PG });
    await client.connect();
    try {
      await client.query('CREATE TABLE IF NOT EXISTS cairndb_bench_raw (k bytea PRIMARY KEY, v bytea)');
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        await client.query('INSERT INTO cairndb_bench_raw VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v', [Buffer.from('head'), bytes]);
        times.push(performance.now() - t0);
      }
      await client.query('DROP TABLE cairndb_bench_raw');
    } finally {
      await client.end();
    }
  }
  return pct(times, 0.5);
}

async function run(backend: Backend, r: number) {
  const db = `bench-${Date.now().toString(36)}-${r}`;
  const options: ServerProcessOptions = backend === 'file' ? { dbs: [db], pollMs: 250 } : { dbs: [db], pg: PG!, table: PG_TABLE };
  const server = await startServer(options);
  try {
    const a = await device(server.url, db);
    const b = await device(server.url, db);
    await transact(a, SCHEMA);
    // Warm-up, as in a server that has been running: its code compiled by 4,000 pushed
    // transactions (straight from a socket: the devices' code is warm from the floor runs), then
    // the devices' sync path by a few of their own.
    const raw = new SyncSocket({ url: server.url, db, getToken: () => 'test-token', WebSocket: WS as never }, { welcome() {}, head() {}, state() {} });
    raw.start();
    await until(async () => raw.online);
    for (let i = 0; i < 4; i++)
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          raw.request({ type: 'push', txs: Array.from({ length: 100 }, (_, k) => ({ id: `warm-${i}-${j}-${k}`, txData: task(`warm-${i}-${j}-${k}`) })) }),
        ),
      );
    for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: 20 }, (_, j) => transact(a, task(`warm-a-${i}-${j}`))));
    for (let i = 0; i < 50; i++) await transact(a, task(`warm-one-${i}`));
    await until(async () => (await syncStatus(a)).pending === 0 && (await syncStatus(b)).serverT === (await syncStatus(a)).serverT);

    // 1. Bare round trip: a ping on its own socket.
    const rtt: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await raw.request({ type: 'ping' });
      rtt.push(performance.now() - t0);
    }
    raw.close();
    const latency: number[] = [];
    for (let i = 0; i < 100; i++) {
      const id = `lat-${i}`;
      let heardAt = 0;
      const off = listen(b, (rep) => {
        if (heardAt === 0 && rep.txData.some((d) => d.a === 'task/id' && d.v === id)) heardAt = performance.now();
      });
      const t0 = performance.now();
      await transact(a, task(id));
      await until(async () => heardAt !== 0);
      off();
      latency.push(heardAt - t0);
    }

    // 2. Push throughput: 1,000 transactions at once until the server confirmed them all. B is
    // away meanwhile: in this process it would share A's thread, which a real second device does not.
    const bConfig = (b as { config: Parameters<typeof connect>[0] }).config;
    await release(b);
    await until(async () => (await syncStatus(a)).pending === 0);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => transact(a, task(`burst-${i}`))));
    const localMs = performance.now() - t0;
    await until(async () => (await syncStatus(a)).pending === 0);
    const pushMs = performance.now() - t0;

    // 3. Catch-up bytes per remote commit: B back until replicated, then away while A makes N
    // commits (each pushed alone), then back: what it received / N.
    const b1 = await connect(bConfig, { shared: false });
    await until(async () => (await syncStatus(b1)).replicated && (await syncStatus(b1)).serverT === (await syncStatus(a)).serverT);
    await release(b1);
    const N = 200;
    for (let i = 0; i < N; i++) {
      await transact(a, task(`away-${i}`));
      await until(async () => (await syncStatus(a)).pending === 0);
    }
    const target = (await syncStatus(a)).serverT;
    const b2 = await connect(bConfig, { shared: false });
    await until(async () => {
      const s = await syncStatus(b2);
      return s.serverT === target && s.replicated;
    });
    const fetched = (await syncStatus(b2)).fetched; // counted by this connection only
    await release(a);
    await release(b2);
    return {
      roundTripMs: { median: pct(rtt, 0.5), p95: pct(rtt, 0.95) },
      commitToListenerMs: { median: pct(latency, 0.5), p95: pct(latency, 0.95) },
      burst1000: { localApplyMs: localMs, untilServerConfirmedMs: pushMs, txPerSecond: 1000 / (pushMs / 1000) },
      catchUp: { commits: N, records: fetched.records, nodes: fetched.nodes, bytes: fetched.bytes, bytesPerCommit: fetched.bytes / N },
    };
  } finally {
    await server.stop();
    if (backend === 'postgresql') await deleteDatabase({ store: storeFor(backend, db) }).catch(() => {});
  }
}

const median = (xs: number[]) => pct(xs, 0.5);
const spread = (xs: number[], digits: number) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;

const backends: Backend[] = PG ? ['file', 'postgresql'] : ['file'];
if (!PG) console.log('CAIRNDB_PG_URL is not set: the postgresql server is not measured');
const results: Record<string, unknown> = { date: new Date().toISOString(), runs: RUNS };
for (const backend of backends) {
  const runs: Awaited<ReturnType<typeof run>>[] = [];
  const floors: (Awaited<ReturnType<typeof floor>> & { rawDurableWriteMs: number })[] = [];
  for (let r = 0; r < RUNS; r++) {
    floors.push({ ...(await floor(backend)), rawDurableWriteMs: await rawDurableWrite(backend) });
    runs.push(await run(backend, r));
  }
  const rtt = runs.map((x) => x.roundTripMs.median);
  const lat = runs.map((x) => x.commitToListenerMs.median);
  const floorCommit = floors.map((f) => f.commitMs);
  results[backend] = { runs, floors };
  console.log(`\nserver backend: ${backend} (${RUNS} runs: median of the runs, min-max)`);
  console.table({
    'bare WebSocket round trip, median ms': spread(rtt, 2),
    'commit on A -> listener on B, median ms': spread(lat, 2),
    'commit on A -> listener on B, p95 ms': spread(
      runs.map((x) => x.commitToListenerMs.p95),
      2,
    ),
    'ratio to the round trip (median), target <= 3': spread(
      runs.map((x, i) => x.commitToListenerMs.median / rtt[i]!),
      1,
    ),
    'floor: one durable commit in process, median ms': spread(floorCommit, 2),
    'latency above that floor, median ms': spread(
      lat.map((l, i) => l - floorCommit[i]!),
      2,
    ),
    'platform floor: a raw durable write of 3 KB, no engine, median ms': spread(
      floors.map((f) => f.rawDurableWriteMs),
      2,
    ),
    'ratio to round trip + raw durable write (what any durable sync costs)': spread(
      lat.map((l, i) => l / (rtt[i]! + floors[i]!.rawDurableWriteMs)),
      1,
    ),
    'burst of 1,000 txs until confirmed, tx/s (target >= 1000)': spread(
      runs.map((x) => x.burst1000.txPerSecond),
      0,
    ),
    'floor: the same burst in process, tx/s': spread(
      floors.map((f) => f.burstTxPerSecond),
      0,
    ),
    'catch-up after 200 commits, bytes per commit': spread(
      runs.map((x) => x.catchUp.bytesPerCommit),
      0,
    ),
  });
}
writeFileSync(resolve(import.meta.dirname, '../results/sync.json'), `${JSON.stringify(results, null, 2)}\n`);
