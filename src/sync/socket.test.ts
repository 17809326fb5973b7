// The device's socket, alone: closing it while a connection attempt is still in its handshake
// must not leave an error event without a listener (in Node's `ws` that is an uncaught
// exception, which vitest reports and which would take an app's process down).
import { createServer, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket as WS } from 'ws';
import { SyncSocket } from './socket.js';

describe('SyncSocket', () => {
  it('closes cleanly while a connection attempt is still in its handshake', async () => {
    // A TCP server that accepts and never answers the WebSocket upgrade.
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const socket = new SyncSocket(
      { url: `ws://127.0.0.1:${port}/`, db: 'tasks', getToken: () => 't', WebSocket: WS as never },
      { welcome: () => {}, head: () => {}, state: () => {} },
    );
    socket.start();
    await vi.waitFor(() => expect(held.length).toBe(1), { timeout: 20_000 }); // the attempt is connected, its handshake unanswered
    socket.close();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the ws library reports the aborted handshake on a later tick
    expect(socket.online).toBe(false);
    for (const s of held) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
});
