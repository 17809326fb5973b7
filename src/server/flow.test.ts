// A client that sends faster than it reads cannot make the server hold its answers: past a few
// unanswered frames the server stops reading that socket, and a socket far behind is cut off.
// In process (a real server on 127.0.0.1 and a real WebSocket client), so the test can see the
// server's sockets pause and close.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as WS } from 'ws';
import { createDatabase } from '../node.js';
import { decodeFrame, encodeMessage } from '../sync/wire.js';
import { serve, type SyncServer } from './serve.js';

let seq = 0;
let running: SyncServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await running?.close();
  running = undefined;
});

/** A server over a fresh memory database holding one transaction with a 40 KB value. */
async function bigRecordServer(maxMessageBytes: number): Promise<{ server: SyncServer; client: WS; frames: Record<string, unknown>[]; head: string }> {
  const config = { store: { backend: 'memory', id: `flow-${seq++}` }, schemaFlexibility: 'read' as const };
  await createDatabase(config);
  const server = await serve({ config, tokens: { t: 'p' }, limits: { maxMessageBytes } });
  running = server;
  const client = new WS(server.url);
  const frames: Record<string, unknown>[] = [];
  client.on('message', (d: Buffer) => frames.push(decodeFrame(new Uint8Array(d))));
  await new Promise((resolve) => client.on('open', resolve));
  client.send(encodeMessage({ type: 'hello', protocol: 2, db: config.store.id, token: 't' }));
  await vi.waitFor(() => expect(frames.some((f) => f.type === 'welcome')).toBe(true), { timeout: 20_000 });
  client.send(encodeMessage({ type: 'push', id: 1, txs: [{ id: 'big', txData: [{ 'doc/text': 'x'.repeat(40_000) }] }] }));
  await vi.waitFor(() => expect(frames.some((f) => f.type === 'pushed')).toBe(true), { timeout: 20_000 });
  // The head after the push: its commit record carries the 40 KB value.
  await vi.waitFor(() => expect(frames.filter((f) => f.type === 'head').length).toBeGreaterThan(0), { timeout: 20_000 });
  const head = (frames.filter((f) => f.type === 'head').at(-1) as { commit: string }).commit;
  return { server, client, frames, head };
}

describe('sync server flow control', { timeout: 120_000 }, () => {
  it('stops reading a socket whose answers are unread, and answers every request once it reads again', async () => {
    const pause = vi.spyOn(WS.prototype, 'pause');
    const resume = vi.spyOn(WS.prototype, 'resume');
    const { client, frames, head } = await bigRecordServer(1024 * 1024);
    client.pause(); // read nothing: the server's answers stay in its buffers
    const n = 600; // 24 MB of answers: more than the kernel's socket buffers hold
    for (let i = 0; i < n; i++) client.send(encodeMessage({ type: 'get', id: 100 + i, keys: [`c:${head}`] }));
    // The server (not this client: its pause was before) pauses the socket it reads these from.
    await vi.waitFor(() => expect(pause.mock.contexts.some((ws) => ws !== client)).toBe(true), { timeout: 20_000 });
    const answeredWhilePaused = resume.mock.calls.length;
    client.resume();
    await vi.waitFor(() => expect(frames.filter((f) => f.type === 'records').length).toBe(n), { timeout: 60_000 });
    const ids = frames.filter((f) => f.type === 'records').map((f) => f.id);
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => 100 + i)); // each once, in order
    expect(resume.mock.calls.length).toBeGreaterThan(answeredWhilePaused); // it read again once answers were written
    client.close();
  });

  it('cuts off a socket far behind (more unsent bytes than eight messages may hold)', async () => {
    const terminate = vi.spyOn(WS.prototype, 'terminate');
    const { client, head } = await bigRecordServer(64 * 1024); // a 512 KB bound
    client.pause();
    // Each answer is ~40 MB (1,000 copies of the record): the first fills the server's buffer
    // far past the bound, and the next request finds it there.
    const keys = new Array(1000).fill(`c:${head}`);
    client.send(encodeMessage({ type: 'get', id: 2, keys }));
    client.send(encodeMessage({ type: 'get', id: 3, keys }));
    await vi.waitFor(() => expect(terminate.mock.contexts.some((ws) => ws !== client)).toBe(true), { timeout: 60_000 });
    const closed = new Promise<number>((resolve) => client.on('close', resolve));
    client.resume();
    await closed;
  });
});
