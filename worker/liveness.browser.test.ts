// In real Chromium, with the real engine in a real worker: a worker that calls self.close()
// (no event reaches the page) fails pending and later calls with 'worker/terminated' instead of
// leaving them pending forever.
import { describe, expect, it } from 'vitest';
import { openWorker } from './client.js';
import { rejection } from './testing/channel.js';

function spawn(): Worker {
  return new Worker(new URL('./self-closing-worker.test-double.ts', import.meta.url), { type: 'module' });
}

describe('a worker that closes itself', () => {
  it('rejects the pending call and every later one with worker/terminated', async () => {
    const worker = spawn();
    const cairn = openWorker(worker);
    const config = { store: { backend: 'memory', id: 'closing' } };
    await cairn.createDatabase(config);
    const conn = await cairn.connect(config);
    worker.postMessage({ type: 'test:close-self' });
    // sent after the close: the worker never answers it
    const pending = cairn.q('[:find ?e :where [?e :db/ident]]', cairn.db(conn));
    const e = await rejection(pending);
    expect(e.code).toBe('worker/terminated');
    expect(e.message).toContain('closed itself');
    expect((await rejection(cairn.databaseExists(config))).code).toBe('worker/terminated');
  });

  it('does not mistake a busy worker for a dead one', async () => {
    const worker = spawn();
    const cairn = openWorker(worker);
    await cairn.ready;
    worker.postMessage({ type: 'test:busy', ms: 1_500 });
    expect(await cairn.databaseExists({ store: { backend: 'memory', id: 'busy' } })).toBe(false);
    await cairn.close();
  });

  it('a call into a busy worker can time out, and the client recovers (withCallOptions)', async () => {
    const worker = spawn();
    const cairn = openWorker(worker);
    await cairn.ready;
    worker.postMessage({ type: 'test:busy', ms: 5_000 }); // far longer than the timeout, even on a loaded machine
    const config = { store: { backend: 'memory', id: 'busy-timeout' } };
    const e = await rejection(cairn.withCallOptions({ timeoutMs: 100 }).databaseExists(config));
    expect(e.code).toBe('worker/timeout');
    expect(await cairn.databaseExists(config)).toBe(false); // answered once the job is done
    await cairn.close();
  });
});
