// A sync server process for tests, the demo and benchmarks:
//   node --import tsx scripts/sync-server.ts --path DIR [--db NAME]... [--token T] [--port P]
//        [--host H] [--cors ORIGIN]... [--poll MS] [--create] [--pg URL [--table T]] [--sweep-after-purge]
// Serves each NAME from the file backend under DIR — or, with --pg, from the postgresql backend
// at URL (table T), where several such processes share one database and hear each other's
// commits through LISTEN/NOTIFY — (created with --create when absent), with
// bearer token T (principal { token: T }). Prints one JSON line {"url","port","pid"} once listening;
// stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { createDatabase, databaseExists } from '../src/node.js';
import { serve } from '../src/server/index.js';

const { values } = parseArgs({
  options: {
    path: { type: 'string' },
    db: { type: 'string', multiple: true },
    token: { type: 'string', default: 'dev-token' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    cors: { type: 'string', multiple: true },
    poll: { type: 'string', default: '250' },
    create: { type: 'boolean', default: false },
    'forbid-attr': { type: 'string' },
    pg: { type: 'string' },
    table: { type: 'string' },
    'sweep-after-purge': { type: 'boolean', default: false },
  },
});
if (!values.path && !values.pg) throw new Error('--path DIR or --pg URL is required');
const names = values.db ?? ['tasks'];
const storeOf = (id: string) =>
  values.pg
    ? { backend: 'postgresql', id, connection: values.pg, ...(values.table ? { table: values.table } : {}) }
    : { backend: 'file', id, path: values.path! };
const databases = Object.fromEntries(names.map((n) => [n, { store: storeOf(n) }]));
if (values.create) {
  for (const config of Object.values(databases)) {
    // Two processes may race to create: the loser sees db/exists, which is what it wanted.
    if (!(await databaseExists(config)))
      await createDatabase(config).catch((e: { code?: string }) => {
        if (e?.code !== 'db/exists') throw e;
      });
  }
}
const forbidden = values['forbid-attr'];
const server = await serve({
  databases,
  port: Number(values.port),
  host: values.host!,
  tokens: { [values.token!]: { token: values.token } },
  cors: values.cors?.includes('*') ? '*' : (values.cors ?? []),
  pollMs: Number(values.poll),
  sweepAfterPurge: values['sweep-after-purge'] === true,
  // Tests: refuse any transaction that writes or purges a datom of the attribute given by --forbid-attr.
  ...(forbidden
    ? {
        authorize: (_p: unknown, action: string, ctx: { report?: { txData: { a: string }[] }; purged?: { a: string }[] }) =>
          action !== 'transact' || ![...ctx.report!.txData, ...(ctx.purged ?? [])].some((d) => d.a === forbidden),
      }
    : {}),
});
process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port, pid: process.pid })}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
