// A Node program using only `cairndb/server`: importing it registers the Node-only backends the
// server serves from (file, lmdb, postgresql), as `import 'cairndb'` does in Node. So serving a
// file store that is not there fails as db/missing, not store/unknown-backend.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from 'cairndb/server';

const dir = mkdtempSync(join(tmpdir(), 'cairndb-server-consumer-'));
let code = 'served';
try {
  const server = await serve({ config: { store: { backend: 'file', id: 'absent', path: dir } }, tokens: { 'a-token': { user: 'a' } } });
  await server.close();
} catch (e) {
  code = (e as { code?: string }).code ?? String(e);
}
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ code }));
