// `npm run demo:sync`: a local sync server on the file backend (data in .demo-sync/, seeded with
// the demo's schema and sample tasks on first run) plus the demo connected to it. Open
// http://127.0.0.1:5173/ (DEMO_PORT; the sync server listens on CAIRN_SYNC_PORT, default 8787) in two browsers (or a normal and a private window: separate storage) —
// they share one task list, keep working offline, and converge when the server is back.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { connect, createDatabase, databaseExists, release, transact } from '../src/node.js';
import { serve } from '../src/server/index.js';
import { SCHEMA_TX, seed } from '../demo/data.js';

const root = resolve(import.meta.dirname, '..');
const config = { store: { backend: 'file', id: 'tasks', path: resolve(root, '.demo-sync') } };
const port = Number(process.env.CAIRN_SYNC_PORT ?? 8787);
const token = process.env.CAIRN_SYNC_TOKEN ?? 'dev-token';
const demoPort = Number(process.env.DEMO_PORT ?? 5173);

if (!(await databaseExists(config))) {
  await createDatabase({ ...config, initialTx: SCHEMA_TX });
  const conn = await connect(config);
  await seed((tx) => transact(conn, tx), new Date());
  await release(conn);
}
const server = await serve({
  databases: { tasks: config },
  port,
  tokens: { [token]: { user: 'demo' } },
  cors: [`http://127.0.0.1:${demoPort}`, `http://localhost:${demoPort}`],
});
console.log(`sync server: ${server.url} (database "tasks" in .demo-sync/, token "${token}")`);
const vite = spawn(process.execPath, [resolve(root, 'node_modules/vite/bin/vite.js'), '--host', '127.0.0.1', '--port', String(demoPort), '--strictPort'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, VITE_CAIRN_SYNC_URL: server.url, VITE_CAIRN_SYNC_TOKEN: token },
});
const stop = () => {
  vite.kill('SIGTERM');
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
vite.on('exit', stop);
