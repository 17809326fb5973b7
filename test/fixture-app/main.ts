// A consumer app of the published package: it imports `cairndb/client` by name and lets its
// own Vite build bundle the worker. `?explicit` starts the worker the documented way with
// `new URL('cairndb/worker', import.meta.url)`; otherwise the client's default worker is used.
import { openWorker } from 'cairndb/client';

const out = document.getElementById('out')!;

async function main(): Promise<void> {
  const explicit = new URLSearchParams(location.search).has('explicit');
  const client = explicit
    ? openWorker(new Worker(new URL('cairndb/worker', import.meta.url), { type: 'module' }))
    : openWorker();
  const config = { store: { backend: 'memory', id: 'fixture' } };
  await client.createDatabase(config);
  const conn = await client.connect(config);
  await client.transact(conn, [{ 'db/ident': 'greeting/text', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }]);
  await client.transact(conn, [{ 'greeting/text': 'hello from the worker' }]);
  const texts = await client.q('[:find [?t ...] :where [_ :greeting/text ?t]]', client.db(conn));
  out.textContent = JSON.stringify({ worker: explicit ? 'explicit' : 'default', texts });
  await client.close();
}

main().catch((e: unknown) => {
  out.textContent = `error: ${e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e)}`;
});
