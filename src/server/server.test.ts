// The sync server as a device sees it: a real server process on 127.0.0.1 over the file
// backend, spoken to through the device's own socket (src/sync/socket.ts) and, for protocol
// violations, through a raw WebSocket.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { WebSocket as WS } from 'ws';
import { SyncSocket } from '../sync/socket.js';
import { decodeFrame, encodeMessage, type HeadInfo, type ServerMessage } from '../sync/wire.js';
import { createCodec } from '../store/codec.js';
import type { CairnError } from '../util/errors.js';
import { serverStarter, tempDir } from './test-server.js';

const codec = createCodec();
const server = serverStarter(afterAll);

interface Device {
  readonly socket: SyncSocket;
  readonly heads: HeadInfo[];
  readonly errors: CairnError[];
  readonly welcomes: number[];
}

function device(url: string, token = 'test-token', db = 'tasks'): Device {
  const d: Device = { heads: [], errors: [], welcomes: [], socket: null as unknown as SyncSocket };
  (d as { socket: SyncSocket }).socket = new SyncSocket(
    { url, db, getToken: () => token, WebSocket: WS as unknown as new (u: string) => WebSocket, minBackoffMs: 50, maxBackoffMs: 400 },
    { welcome: (w) => d.welcomes.push(w.head.t), head: (h) => d.heads.push(h), state: (_on, e) => void (e && d.errors.push(e)) },
  );
  d.socket.start();
  return d;
}

const SCHEMA = [
  { 'db/ident': 'task/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'task/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
];

async function online(d: Device): Promise<void> {
  await vi.waitFor(() => expect(d.socket.online).toBe(true), { timeout: 20_000, interval: 20 });
}

async function push(d: Device, txs: { id: string; txData: unknown[] | string }[]): Promise<Extract<ServerMessage, { type: 'pushed' }>['results']> {
  const m = await d.socket.request({ type: 'push', txs: txs as never });
  if (m.type !== 'pushed') throw new Error(`expected pushed, got ${m.type}`);
  return m.results;
}

function raw(url: string, origin?: string): Promise<{ ws: WS; frames: Record<string, unknown>[]; closed: Promise<number> }> {
  const ws = new WS(url, origin ? { origin } : {});
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (d: Buffer) => frames.push(decodeFrame(new Uint8Array(d))));
  const closed = new Promise<number>((res) => ws.on('close', (code) => res(code)));
  return new Promise((res, rej) => {
    ws.on('open', () => res({ ws, frames, closed }));
    ws.on('error', rej);
  });
}

describe('sync server', { timeout: 180_000 }, () => {
  it('refuses a wrong token with sync/unauthorized and an unknown db with sync/unknown-db', async () => {
    const s = await server();
    const bad = device(s.url, 'wrong');
    await vi.waitFor(() => expect(bad.errors.map((e) => e.code)).toContain('sync/unauthorized'), { timeout: 20_000 });
    expect(bad.socket.online).toBe(false);
    bad.socket.close();
    const none = device(s.url, 'test-token', 'nope');
    await vi.waitFor(() => expect(none.errors.map((e) => e.code)).toContain('sync/unknown-db'), { timeout: 20_000 });
    none.socket.close();
  });

  it('applies pushes in order, answers a retried id as a duplicate, and tells every device the new head', async () => {
    const s = await server();
    const a = device(s.url);
    const b = device(s.url);
    await online(a);
    await online(b);
    const r1 = await push(a, [
      { id: 'dev-a-1', txData: SCHEMA },
      { id: 'dev-a-2', txData: [{ 'task/id': 'u1', 'task/title': 'one' }] },
    ]);
    expect(r1.map((r) => 't' in r)).toEqual([true, true]);
    const t2 = (r1[1] as { t: number }).t;
    expect(t2).toBeGreaterThan((r1[0] as { t: number }).t);
    await vi.waitFor(() => expect(b.heads.at(-1)?.t).toBe(t2), { timeout: 20_000 });
    // The answer was lost, say: the device pushes the same ids again.
    const again = await push(a, [
      { id: 'dev-a-2', txData: [{ 'task/id': 'u1', 'task/title': 'one' }] },
      { id: 'dev-a-3', txData: [{ 'task/id': 'u2', 'task/title': 'two' }] },
    ]);
    expect(again[0]).toEqual({ id: 'dev-a-2', duplicate: true, t: t2 });
    expect('t' in again[1]! && !('duplicate' in again[1]!)).toBe(true);
    // Bad transactions are refused one by one, with their codes.
    const bad = await push(a, [
      { id: 'dev-a-4', txData: [{ 'task/nope': 1 }] },
      { id: 'dev-a-5', txData: '[[:db/add' },
    ]);
    expect(bad.map((r) => ('error' in r ? r.error.code : 'ok'))).toEqual(['schema/unknown-attribute', 'edn/parse']);
    a.socket.close();
    b.socket.close();
  });

  it('a transaction pushed again while the first push of it commits (another socket, or the same push): once, and both answers say so', async () => {
    const s = await server();
    const [a, b] = [device(s.url), device(s.url)];
    await online(a);
    await online(b);
    await push(a, [{ id: 'twice-0', txData: SCHEMA }]);
    for (let round = 1; round <= 5; round++) {
      // the device lost socket a and pushes its outbox again on b, both reaching the server at
      // once; or one push holds it twice (both land in one group commit)
      const tx = { id: `twice-${round}`, txData: [{ 'task/id': `t${round}`, 'task/title': `${round}` }] };
      const [first, again] =
        round % 2 === 1 ? await Promise.all([push(a, [tx]), push(b, [tx])]) : await push(a, [tx, tx]).then((rs) => [[rs[0]!], [rs[1]!]] as const);
      const t = (first[0] as { t?: number }).t ?? (again[0] as { t?: number }).t;
      expect([first[0], again[0]].every((r) => 't' in r && r.t === t)).toBe(true); // never an error
      expect([first[0], again[0]].filter((r) => 'duplicate' in r)).toHaveLength(1);
    }
    a.socket.close();
    b.socket.close();
  });

  it('protocol 2: a head carries the records its commit added (a sealed tail chunk); a protocol 1 client still gets plain heads', async () => {
    const s = await server();
    const a = device(s.url);
    await online(a);
    const old = await raw(s.url);
    old.ws.send(encodeMessage({ type: 'hello', protocol: 1, db: 'tasks', token: 'test-token' }));
    await vi.waitFor(() => expect(old.frames[0]).toMatchObject({ type: 'welcome', protocol: 1 }), { timeout: 20_000 });
    await push(a, [{ id: 'p2-schema', txData: SCHEMA }]);
    // One transaction per commit until a commit seals a tail chunk (a few datoms each).
    let sealedBy: HeadInfo | undefined;
    for (let i = 0; i < 100 && sealedBy === undefined; i++) {
      const [r] = await push(a, [{ id: `p2-${i}`, txData: [{ 'task/id': `p2-${i}`, 'task/title': `title ${i}` }] }]);
      const t = (r as { t: number }).t;
      await vi.waitFor(() => expect(a.heads.at(-1)?.t).toBe(t), { timeout: 20_000 });
      const h = a.heads.at(-1)!;
      if (h.records?.some(([k]) => k.startsWith('t:'))) sealedBy = h;
    }
    expect(sealedBy).toBeDefined();
    const commit = codec.decode(sealedBy!.record!, { kind: 'commit' }) as { tail: { sealed: string[] } };
    const [key, bytes] = sealedBy!.records!.find(([k]) => k.startsWith('t:'))!;
    expect(commit.tail.sealed).toContain(key);
    const fetched = await a.socket.request({ type: 'get', keys: [key] });
    expect(fetched.type === 'records' && fetched.values[0]).toEqual(bytes);
    // Every head reached the protocol 1 client too, none with records.
    await vi.waitFor(() => expect(old.frames.filter((f) => f.type === 'head').at(-1)?.t).toBe(a.heads.at(-1)!.t), { timeout: 20_000 });
    expect(old.frames.filter((f) => f.type === 'head' && 'records' in f)).toEqual([]);
    old.ws.close();
    a.socket.close();
  });

  it('serves immutable records by key and the commit chain, and refuses other keys', async () => {
    const s = await server();
    const a = device(s.url);
    await online(a);
    await push(a, [{ id: 'x-1', txData: SCHEMA }]);
    await push(a, [{ id: 'x-2', txData: [{ 'task/id': 'u1', 'task/title': 'one' }] }]);
    await vi.waitFor(() => expect(a.heads.length).toBeGreaterThanOrEqual(2), { timeout: 20_000 });
    const head = a.heads.at(-1)!;
    const chain = await a.socket.request({ type: 'commits', from: head.commit, to: null });
    if (chain.type !== 'records') throw new Error(chain.type);
    const commits = chain.values.map(
      (v) =>
        codec.decode(v!, { kind: 'commit' }) as { id: string; parent: string | null; schema: string; reports: { txMeta: Record<string, unknown> }[] | null },
    );
    expect(commits[0]!.id).toBe(head.commit);
    expect(commits.at(-1)!.parent).toBeNull();
    expect(commits[0]!.reports![0]!.txMeta['sync/tx']).toBe('x-2');
    const recs = await a.socket.request({ type: 'get', keys: [`c:${head.commit}`, commits[0]!.schema, 'n:does-not-exist'] });
    if (recs.type !== 'records') throw new Error(recs.type);
    expect(recs.values[0]).toEqual(chain.values[0]);
    expect(codec.header(recs.values[1]!).kind).toBe('meta');
    expect(recs.values[2]).toBeNull();
    await expect(a.socket.request({ type: 'get', keys: ['ref:head/main'] })).rejects.toMatchObject({ code: 'sync/invalid' });
    await expect(a.socket.request({ type: 'get', keys: new Array(5000).fill('n:x') })).rejects.toMatchObject({ code: 'sync/too-large' });
    a.socket.close();
  });

  it('refuses malformed input with coded errors and keeps serving', async () => {
    const s = await server();
    const r = await raw(s.url);
    r.ws.send(encodeMessage({ type: 'get', id: 1, keys: [] }));
    await vi.waitFor(() => expect(r.frames[0]).toMatchObject({ type: 'error', error: { code: 'sync/protocol' } }), { timeout: 20_000 });
    expect(await r.closed).toBe(1008);
    const t = await raw(s.url);
    t.ws.send('{"type":"hello"}');
    await vi.waitFor(() => expect(t.frames[0]).toMatchObject({ type: 'error', error: { code: 'sync/protocol' } }), { timeout: 20_000 });
    const h = await raw(s.url);
    h.ws.send(encodeMessage({ type: 'hello', protocol: 99, db: 'tasks', token: 'test-token' }));
    await vi.waitFor(() => expect(h.frames[0]).toMatchObject({ type: 'error', error: { code: 'sync/protocol' } }), { timeout: 20_000 });
    const g = await raw(s.url);
    g.ws.send(new Uint8Array([0x20, 0xc1, 0xff]));
    await vi.waitFor(() => expect(g.frames[0]).toMatchObject({ type: 'error', error: { code: 'sync/invalid' } }), { timeout: 20_000 });
    const ok = device(s.url);
    await online(ok);
    const bad = await ok.socket.request({ type: 'push', txs: [{ id: 'has space', txData: [] }] as never }).catch((e: CairnError) => e.code);
    expect(bad).toBe('sync/invalid');
    ok.socket.close();
  });

  it('runs authorize inside the commit: a forbidden transaction commits nothing', async () => {
    const s = await server({ forbidAttr: 'task/title' });
    const a = device(s.url);
    await online(a);
    const r = await push(a, [
      { id: 'f-1', txData: SCHEMA },
      { id: 'f-2', txData: [{ 'task/id': 'u1', 'task/title': 'no' }] },
      { id: 'f-3', txData: [{ 'task/id': 'u1' }] },
    ]);
    expect(r.map((x) => ('error' in x ? x.error.code : 'ok'))).toEqual(['ok', 'sync/forbidden', 'ok']);
    // authorize sees what a purge removes too (not in report.txData): a title written through a
    // server without the rule cannot be purged through this one; another attribute can.
    const open = device((await server({ path: s.path })).url);
    await online(open);
    await push(open, [{ id: 'f-4', txData: [{ 'task/id': 'u2', 'task/title': 'written elsewhere' }] }]);
    open.socket.close();
    const purges = await push(a, [
      { id: 'f-5', txData: [['db.purge/attribute', ['task/id', 'u2'], 'task/title']] },
      { id: 'f-6', txData: [['db/purge', ['task/id', 'u1'], 'task/id', 'u1']] },
    ]);
    expect(purges.map((x) => ('error' in x ? x.error.code : 'ok'))).toEqual(['sync/forbidden', 'ok']);
    a.socket.close();
  });

  it('keeps sync/tx and db/txInstant its own: no device squats on an id, undoes a commit or sets its time', async () => {
    const s = await server();
    const a = device(s.url);
    await online(a);
    const [schema] = await push(a, [{ id: 'r-schema', txData: SCHEMA }]);
    const tx = (schema as { t: number }).t;
    const codes = async (txs: { id: string; txData: unknown[]; txMeta?: Record<string, unknown> }[]) =>
      (await push(a, txs as never)).map((r) => ('error' in r ? r.error.code : 'duplicate' in r ? 'duplicate' : 'ok'));
    expect(
      await codes([
        // an entity claiming another device's next transaction id
        { id: 'r-1', txData: [{ 'task/id': 'squat', 'sync/tx': 'victim-1' }] },
        { id: 'r-2', txData: [['db/add', 'datomic.tx', 'sync/tx', 'victim-2']] },
        // undoing the record that a transaction was committed, so its retry would apply twice
        { id: 'r-3', txData: [['db/retract', tx, 'sync/tx', 'r-schema']] },
        { id: 'r-4', txData: [['db/retractEntity', tx]] },
        { id: 'r-5', txData: [['db/purge', tx, 'sync/tx', 'r-schema']] },
        { id: 'r-6', txData: [['db.purge/entity', tx]] },
        { id: 'r-7', txData: [{ 'db/ident': 'sync/tx', 'db/index': true }] },
        // the shared clock
        { id: 'r-8', txData: [{ 'task/id': 'past' }], txMeta: { 'db/txInstant': new Date(0) } },
        { id: 'r-9', txData: [{ 'task/id': 'future' }, ['db/add', 'datomic.tx', 'db/txInstant', new Date(Date.now() + 1e9)]] },
      ]),
    ).toEqual(Array(9).fill('sync/forbidden'));
    // Nothing of them was written: the victims' transactions commit, the first one's retry is a duplicate.
    const victims = await push(a, [
      { id: 'victim-1', txData: [{ 'task/id': 'v1' }] },
      { id: 'victim-2', txData: [{ 'task/id': 'v2' }] },
    ]);
    expect(victims.map((r) => 't' in r && !('duplicate' in r))).toEqual([true, true]);
    expect(await codes([{ id: 'r-schema', txData: SCHEMA }])).toEqual(['duplicate']);
    const last = (victims[1] as { t: number }).t;
    await vi.waitFor(() => expect(a.heads.at(-1)?.t).toBe(last), { timeout: 20_000 });
    const chain = await a.socket.request({ type: 'commits', from: a.heads.at(-1)!.commit, to: null });
    if (chain.type !== 'records') throw new Error(chain.type);
    const reports = chain.values.flatMap(
      (v) => (codec.decode(v!, { kind: 'commit' }) as { reports: { txMeta: Record<string, unknown> }[] | null }).reports ?? [],
    );
    expect(reports.flatMap((r) => r.txMeta['sync/tx'] ?? []).sort()).toEqual(['r-schema', 'victim-1', 'victim-2']);
    a.socket.close();
  });

  it('checks Origin on upgrades and answers CORS for allowed origins', async () => {
    const s = await server({ cors: ['http://app.test'] });
    await expect(raw(s.url, 'http://evil.test')).rejects.toThrow(/403/);
    const ok = await raw(s.url, 'http://app.test');
    ok.ws.close();
    const res = await fetch(`http://127.0.0.1:${s.port}/`, { headers: { origin: 'http://app.test' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.test');
    expect(await res.json()).toEqual({ cairndb: 'sync', protocol: 2, protocols: [1, 2] });
    const evil = await fetch(`http://127.0.0.1:${s.port}/`, { headers: { origin: 'http://evil.test' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('two server processes over one file store: every commit once, every device hears every head', async () => {
    const path = tempDir();
    const s1 = await server({ path });
    const s2 = await server({ path });
    const a = device(s1.url);
    const b = device(s2.url);
    await online(a);
    await online(b);
    await push(a, [{ id: 'schema', txData: SCHEMA }]);
    const n = 30;
    const pa = Promise.all(Array.from({ length: n }, (_, i) => push(a, [{ id: `a-${i}`, txData: [{ 'task/id': `a${i}`, 'task/title': `a ${i}` }] }])));
    const pb = Promise.all(Array.from({ length: n }, (_, i) => push(b, [{ id: `b-${i}`, txData: [{ 'task/id': `b${i}`, 'task/title': `b ${i}` }] }])));
    const all = [...(await pa), ...(await pb)].flat();
    expect(all.filter((r) => !('t' in r))).toEqual([]);
    const ts = all.map((r) => (r as { t: number }).t);
    expect(new Set(ts).size).toBe(2 * n); // each its own tx: nothing applied twice
    const last = Math.max(...ts);
    await vi.waitFor(
      () => {
        expect(a.heads.at(-1)?.t).toBe(last);
        expect(b.heads.at(-1)?.t).toBe(last);
      },
      { timeout: 30_000, interval: 50 },
    );
    // A push retried on the other process is still recognised.
    const dup = await push(b, [{ id: 'a-3', txData: [{ 'task/id': 'a3', 'task/title': 'a 3' }] }]);
    expect(dup[0]).toMatchObject({ id: 'a-3', duplicate: true });
    a.socket.close();
    b.socket.close();
  });
});
