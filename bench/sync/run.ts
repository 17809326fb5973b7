// `npm run bench:sync`: sync on loopback (docs/sync.md) with a real server process over the file
// backend and devices in this process (memory stores, the `ws` WebSocket):
// 1. commit on device A -> listener on device B: median and p95, beside a bare WebSocket ping
//    round trip on the same server (target: <= 3x);
// 2. push throughput: a burst of 1,000 transactions on one device until the server confirmed all;
// 3. catch-up bytes per remote commit: a device away for N commits, bytes fetched / N.
// Prints a table and writes bench/results/sync.json.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WebSocket as WS } from 'ws';
import { connect, createDatabase, listen, release, syncStatus, transact, type Connection } from '../../src/node.js';
import { SyncSocket } from '../../src/sync/socket.js';
import { startServer, tempDir } from '../../src/server/test-server.js';

const SCHEMA = [
  { 'db/ident': 'task/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'task/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
];
let seq = 0;
const device = (url: string): Promise<Connection> =>
  connect(
    {
      store: { backend: 'memory', id: `bench-device-${seq++}` },
      sync: { url, token: 'test-token', db: 'tasks', WebSocket: WS as never },
    },
    { shared: false },
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(f: () => Promise<boolean>): Promise<void> {
  while (!(await f())) await sleep(1);
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

// Floors for context: the same work in process on the server's backend (file), no network.
const local = { store: { backend: 'file', id: 'floor', path: tempDir() } };
await createDatabase(local);
const lc = await connect(local);
await transact(lc, SCHEMA);
const floorCommit: number[] = [];
for (let i = 0; i < 100; i++) {
  const t0 = performance.now();
  await transact(lc, [{ 'task/id': `floor-${i}`, 'task/title': 'x' }]);
  floorCommit.push(performance.now() - t0);
}
const f0 = performance.now();
await Promise.all(Array.from({ length: 1000 }, (_, i) => transact(lc, [{ 'task/id': `floor-burst-${i}`, 'task/title': 'x' }])));
const floorBurstMs = performance.now() - f0;
await release(lc);

const server = await startServer({ pollMs: 250 });
try {
  const a = await device(server.url);
  const b = await device(server.url);
  await transact(a, SCHEMA);
  await until(async () => (await syncStatus(a)).pending === 0 && (await syncStatus(b)).serverT === (await syncStatus(a)).serverT);

  // 1. Bare round trip: a ping on its own socket.
  const raw = new SyncSocket({ url: server.url, db: 'tasks', getToken: () => 'test-token', WebSocket: WS as never }, { welcome() {}, head() {}, state() {} });
  raw.start();
  await until(async () => raw.online);
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
    const off = listen(b, (r) => {
      if (heardAt === 0 && r.txData.some((d) => d.a === 'task/id' && d.v === id)) heardAt = performance.now();
    });
    const t0 = performance.now();
    await transact(a, [{ 'task/id': id, 'task/title': 'x' }]);
    await until(async () => heardAt !== 0);
    off();
    latency.push(heardAt - t0);
  }

  // 2. Push throughput: 1,000 transactions at once until the server confirmed them all.
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 1000 }, (_, i) => transact(a, [{ 'task/id': `burst-${i}`, 'task/title': `burst ${i}` }])));
  const localMs = performance.now() - t0;
  await until(async () => (await syncStatus(a)).pending === 0);
  const pushMs = performance.now() - t0;

  // 3. Catch-up bytes per remote commit: B away while A makes N commits (each pushed alone).
  await until(async () => (await syncStatus(b)).replicated && (await syncStatus(b)).serverT === (await syncStatus(a)).serverT);
  const bConfig = (b as { config: Parameters<typeof connect>[0] }).config;
  await release(b);
  const N = 200;
  for (let i = 0; i < N; i++) {
    await transact(a, [{ 'task/id': `away-${i}`, 'task/title': `away ${i}` }]);
    await until(async () => (await syncStatus(a)).pending === 0);
  }
  const target = (await syncStatus(a)).serverT;
  const b2 = await connect(bConfig, { shared: false });
  await until(async () => {
    const s = await syncStatus(b2);
    return s.serverT === target && s.replicated;
  });
  const fetched = (await syncStatus(b2)).fetched;

  const results = {
    date: new Date().toISOString(),
    roundTripMs: { median: pct(rtt, 0.5), p95: pct(rtt, 0.95) },
    commitToListenerMs: { median: pct(latency, 0.5), p95: pct(latency, 0.95) },
    ratioToRoundTrip: pct(latency, 0.5) / pct(rtt, 0.5),
    floor: {
      inProcessDurableCommitMs: { median: pct(floorCommit, 0.5), p95: pct(floorCommit, 0.95) },
      inProcessBurst1000TxPerSecond: 1000 / (floorBurstMs / 1000),
    },
    burst1000: { localApplyMs: localMs, untilServerConfirmedMs: pushMs, txPerSecond: 1000 / (pushMs / 1000) },
    catchUp: { commits: N, records: fetched.records, nodes: fetched.nodes, bytes: fetched.bytes, bytesPerCommit: fetched.bytes / N },
  };
  console.table({
    'bare WebSocket round trip (median / p95 ms)': `${results.roundTripMs.median.toFixed(2)} / ${results.roundTripMs.p95.toFixed(2)}`,
    'commit on A -> listener on B (median / p95 ms)': `${results.commitToListenerMs.median.toFixed(2)} / ${results.commitToListenerMs.p95.toFixed(2)}`,
    'ratio (median), target <= 3': results.ratioToRoundTrip.toFixed(1),
    'floor: one durable commit in process on the file backend (median / p95 ms)': `${results.floor.inProcessDurableCommitMs.median.toFixed(2)} / ${results.floor.inProcessDurableCommitMs.p95.toFixed(2)}`,
    'floor: burst of 1,000 txs in process on the file backend (tx/s)': results.floor.inProcessBurst1000TxPerSecond.toFixed(0),
    'burst of 1,000 txs until confirmed (tx/s), target >= 1000': results.burst1000.txPerSecond.toFixed(0),
    [`catch-up after ${N} commits: bytes per commit`]: results.catchUp.bytesPerCommit.toFixed(0),
  });
  writeFileSync(resolve(import.meta.dirname, '../results/sync.json'), `${JSON.stringify(results, null, 2)}\n`);
  await release(a);
  await release(b2);
} finally {
  await server.stop();
}
