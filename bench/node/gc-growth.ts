// Storage growth on the file backend with and without automatic GC (issue 17 item 9):
//   node --import tsx bench/node/gc-growth.ts [transactions]
// One-datom transactions; prints bytes on disk per transaction and the time of one gcStorage.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createDatabase, gcStorage, release, storeSize, transact, type Config } from '../../src/node.js';
import type { ConnectionHandle } from '../../src/api.js';

const n = Number(process.argv[2] ?? 1000);
const root = await mkdtemp(join(tmpdir(), 'cairn-gc-growth-'));
const schema = [{ 'db/ident': 'note/text', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }];

async function run(name: string, gc: Config['gc']): Promise<void> {
  const config: Config = { store: { backend: 'file', id: name, path: root }, initialTx: schema, ...(gc ? { gc } : {}) };
  await createDatabase(config);
  const conn = await connect(config);
  const start = await storeSize(conn);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await transact(conn, [{ 'note/text': `note ${i}` }]);
  const ms = performance.now() - t0;
  await (conn as ConnectionHandle).conn.observer?.idle();
  const end = await storeSize(conn);
  const g0 = performance.now();
  const r = await gcStorage(conn);
  const gcMs = performance.now() - g0;
  const after = await storeSize(conn);
  console.log(
    `${name.padEnd(22)} ${n} tx in ${ms.toFixed(0)} ms; ${((end.bytes - start.bytes) / n).toFixed(0)} B/tx on disk; ` +
      `${end.keys} keys, ${(end.bytes / 1024).toFixed(0)} KiB; then gcStorage ${gcMs.toFixed(0)} ms deleted ${r.deletedKeys.length} -> ${after.keys} keys, ${(after.bytes / 1024).toFixed(0)} KiB`,
  );
  await release(conn);
}

await run('no-gc', undefined);
await run('gc-every-100', { everyCommits: 100, graceMs: 0 });
await rm(root, { recursive: true, force: true });
