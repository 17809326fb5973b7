// Per-call limits of the worker client (call-guard.ts), in Node: the real client and host over a
// MessageChannel with the real engine, whose `q` is made to hang where a test needs a call
// the worker never answers. The busy-worker case in real Chromium is in liveness.browser.test.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { api as engine } from '../src/api.js';
import type { EngineApi } from '../src/engine.js';

import { channelClient, closeChannels, rejection } from './testing/channel.js';

afterEach(closeChannels);

const client = (e: EngineApi, callTimeoutMs?: number) => channelClient(e, callTimeoutMs !== undefined ? { callTimeoutMs } : {});

const hangingQ: EngineApi = { ...engine, q: () => new Promise<never>(() => {}) };

describe('per-call limits on the worker client', () => {
  it('withCallOptions({ timeoutMs }) rejects an unanswered call with worker/timeout; the client stays usable', async () => {
    const cairn = client(hangingQ);
    const e = await rejection(cairn.withCallOptions({ timeoutMs: 50 }).q('[:find ?x :in ?x]', 1));
    expect(e.code).toBe('worker/timeout');
    expect(e.message).toContain('50 ms');
    expect(await cairn.databaseExists({ store: { backend: 'memory', id: 'after-timeout' } })).toBe(false);
  });

  it('callTimeoutMs sets the default for every call', async () => {
    const cairn = client(hangingQ, 50);
    expect((await rejection(cairn.q('[:find ?x :in ?x]', 1))).code).toBe('worker/timeout');
  });

  it('a signal aborts the call', async () => {
    const cairn = client(hangingQ);
    const ctl = new AbortController();
    const p = cairn.withCallOptions({ signal: ctl.signal }).q('[:find ?x :in ?x]', 1);
    ctl.abort('navigated away');
    const e = await rejection(p);
    expect(e.code).toBe('worker/timeout');
    expect(e.message).toContain('navigated away');
  });

  it('a q map signal stays on the page (it cannot be cloned) and rejects with query/timeout', async () => {
    const cairn = client(engine);
    expect(await cairn.q({ query: '[:find ?x . :in ?x]', args: [7], signal: new AbortController().signal })).toBe(7);
    const hung = client(hangingQ);
    const ctl = new AbortController();
    const p = hung.q({ query: '[:find ?x . :in ?x]', args: [7], signal: ctl.signal });
    ctl.abort();
    expect((await rejection(p)).code).toBe('query/timeout');
  });

  it('a q map timeout crosses to the worker, which enforces it', async () => {
    const cairn = client(engine);
    const e = await rejection(cairn.q({ query: '[:find ?x . :in ?x]', args: [7], timeout: 'soon' as unknown as number }));
    expect(e.code).toBe('query/invalid-input');
  });

  it('refuses bad options', () => {
    const cairn = client(engine);
    expect(() => cairn.withCallOptions({ timeoutMs: -5 })).toThrowError(expect.objectContaining({ code: 'config/invalid' }));
  });

  it('an argument too deep for the receiving side is refused on the page, not lost (it used to hang)', async () => {
    const cairn = client(engine);
    let deep: unknown = 1;
    for (let i = 0; i < 5_000; i++) deep = [deep];
    const e = await rejection(cairn.q({ query: '[:find ?x . :in ?x]', args: [deep] }));
    expect(e.code).toBe('worker/protocol');
    expect(await cairn.q({ query: '[:find ?x . :in ?x]', args: [[[1]]] })).toEqual([[1]]);
  });

  it('q map args that are not an array reach the engine, which names the problem', async () => {
    const cairn = client(engine);
    const e = await rejection(cairn.q({ query: '[:find ?x . :in ?x]', args: 'nope' as unknown as unknown[] }));
    expect(e.code).toBe('query/invalid-input');
  });
});
