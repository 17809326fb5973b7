// A consumer app of the published package: it imports `cairndb/client` by name and lets its
// own Vite build (default config) bundle the worker. `?worker=` picks which worker runs:
// - default:  openWorker() starts the package's default worker
// - explicit: the documented `new URL('cairndb/default-worker', import.meta.url)` form
// - custom:   my-worker.ts, which registers a backend and serves (`cairndb/worker`)
import { openWorker } from 'cairndb/client';

const out = document.getElementById('out') as HTMLElement;
const variant = new URLSearchParams(location.search).get('worker') ?? 'default';

function start(): ReturnType<typeof openWorker> {
  if (variant === 'explicit') return openWorker(new Worker(new URL('cairndb/default-worker', import.meta.url), { type: 'module' }));
  if (variant === 'custom') return openWorker(new Worker(new URL('./my-worker.ts', import.meta.url), { type: 'module' }));
  return openWorker();
}

async function main(): Promise<void> {
  const client = start();
  const backend = variant === 'custom' ? 'map' : 'memory';
  const config = { store: { backend, id: 'fixture' } };
  await client.createDatabase(config);
  const conn = await client.connect(config);
  await client.transact(conn, [{ 'db/ident': 'greeting/text', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }]);
  await client.transact(conn, [{ 'greeting/text': 'hello from the worker' }]);
  const texts = await client.q('[:find [?t ...] :where [_ :greeting/text ?t]]', client.db(conn));
  out.textContent = JSON.stringify({ worker: variant, backend, texts });
  await client.close();
}

main().catch((e: unknown) => {
  out.textContent = `error: ${e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e)}`;
});
