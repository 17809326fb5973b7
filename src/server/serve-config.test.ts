// serve() and config.sync refuse bad configuration with config/invalid, before serving anything.
import { describe, expect, it } from 'vitest';
import { connect, createDatabase } from '../index.js';
import { serve } from './serve.js';

let seq = 0;
const memory = (keepHistory = true) => ({ store: { backend: 'memory', id: `serve-config-${seq++}` }, keepHistory });

describe('serve configuration', () => {
  it('needs databases, and tokens or authenticate', async () => {
    await expect(serve({ tokens: { t: 1 } })).rejects.toMatchObject({ code: 'config/invalid', message: /databases/ });
    const cfg = memory();
    await createDatabase(cfg);
    await expect(serve({ databases: { a: cfg } })).rejects.toMatchObject({ code: 'config/invalid', message: /tokens or an `authenticate`/ });
    await expect(serve({ databases: { 'bad name!': cfg }, tokens: { t: 1 } })).rejects.toMatchObject({ code: 'config/invalid', message: /bad name!/ });
    await expect(serve({ databases: { a: cfg }, tokens: { t: 1 }, authorize: 'yes' as never })).rejects.toMatchObject({ code: 'config/invalid' });
  });

  it('refuses options of the wrong type or out of range, naming them', async () => {
    const cfg = memory();
    await createDatabase(cfg);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ limits: { maxMessageBytes: '8MB' } }, /limits\.maxMessageBytes/],
      [{ limits: { maxTxBytes: 0 } }, /limits\.maxTxBytes/],
      [{ limits: { maxKeys: 5 } }, /unknown limit "maxKeys"/],
      [{ limits: [] }, /limits must be an object/],
      [{ port: 70_000 }, /port/],
      [{ port: '80' }, /port/],
      [{ host: '' }, /host/],
      [{ cors: 'https://app.example.org' }, /cors/],
      [{ cors: [1] }, /cors/],
      [{ pollMs: -1 }, /pollMs/],
      [{ onError: 'log' }, /onError/],
      [{ coordinatorFor: {} }, /coordinatorFor/],
      [{ tokens: 'secret' }, /tokens/],
      [{ sweepAfterPurge: 'yes' }, /sweepAfterPurge must be true or false/],
    ];
    for (const [extra, message] of bad)
      await expect(serve({ databases: { a: cfg }, tokens: { t: 1 }, ...extra } as never)).rejects.toMatchObject({ code: 'config/invalid', message });
  });

  it('refuses a database that does not keep history, and one that does not exist', async () => {
    const cfg = memory(false);
    await createDatabase(cfg);
    await expect(serve({ databases: { a: cfg }, tokens: { t: 1 } })).rejects.toMatchObject({ code: 'config/invalid', message: /keepHistory/ });
    await expect(serve({ databases: { a: memory() }, tokens: { t: 1 } })).rejects.toMatchObject({ code: 'db/missing' });
  });

  it('serves in process, and again over the same database', async () => {
    const cfg = memory();
    await createDatabase(cfg);
    const s1 = await serve({ databases: { a: cfg }, tokens: { t: 1 } });
    expect(s1.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    await s1.close();
    const s2 = await serve({ databases: { a: cfg }, tokens: { t: 1 } });
    await s2.close();
  });
});

describe('config.sync', () => {
  it('is checked before anything is opened', async () => {
    const store = { backend: 'memory', id: `sync-config-${seq++}` };
    await expect(connect({ store, sync: {} as never })).rejects.toMatchObject({ code: 'config/invalid', message: /ws:\/\/ or wss:\/\// });
    await expect(connect({ store, sync: { url: 'http://x' } as never })).rejects.toMatchObject({ code: 'config/invalid' });
    await expect(connect({ store, sync: { url: 'ws://x', token: 5 } as never })).rejects.toMatchObject({ code: 'config/invalid', message: /token/ });
    await expect(connect({ store, sync: { url: 'ws://x', getToken: 'x' } as never })).rejects.toMatchObject({ code: 'config/invalid', message: /getToken/ });
    await expect(connect({ store, sync: { url: 'ws://x', db: 'a b' } as never })).rejects.toMatchObject({ code: 'config/invalid', message: /sync\.db/ });
    for (const key of ['connectTimeoutMs', 'heartbeatMs', 'deadAfterMs', 'minBackoffMs', 'maxBackoffMs'])
      for (const value of ['5s', 0, -1, Number.NaN, Number.POSITIVE_INFINITY])
        await expect(connect({ store, sync: { url: 'ws://x', [key]: value } as never })).rejects.toMatchObject({
          code: 'config/invalid',
          message: new RegExp(`sync\\.${key}`),
        });
    await expect(connect({ store, sync: { url: 'ws://x', WebSocket: {} } as never })).rejects.toMatchObject({ code: 'config/invalid', message: /WebSocket/ });
  });
});
