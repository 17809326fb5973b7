// The fuzzer's sync-server part: seeded hostile frames at a real server (in process, on
// 127.0.0.1) from an authenticated socket — random values, messages with hostile fields, pushes
// of random transactions, garbage bytes. After each frame a ping must be answered: the server
// answers everything with a known error code (never a plain TypeError's text), never closes an
// authenticated session for bad input, and never throws (vitest fails the run on an uncaught
// error). A failure names its seed and case.

import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket as WS } from 'ws';
import { createDatabase, ErrorCodes, transact, connect, release } from '../../src/node.js';
import { serve } from '../../src/server/index.js';
import { decodeFrame, encodeMessage } from '../../src/sync/wire.js';
import { type Random, seededRandom } from '../../src/util/random.js';
import { anyValue, ATTRS, atom, ednText } from './values.js';

const SEEDS = [20_261_206, 20_261_207];
const CASES = 300;
const CODES = new Set<string>(ErrorCodes);
const PLAIN = /TypeError|Cannot read|is not a function|is not iterable|Maximum call stack/;

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

function txData(r: Random): unknown {
  const op = (): unknown => {
    switch (r.int(4)) {
      case 0:
        return { [r.pick(ATTRS)]: anyValue(r), ...(r.next() < 0.5 ? { 'person/name': r.pick(['Ivan', 'Zoe']) } : {}) };
      case 1:
        return [
          r.pick<unknown>(['db/add', 'db/retract', 'db/retractEntity', 'db/cas', 'db/purge', 'db.purge/entity', 'db.fn/call', anyValue(r)]),
          r.pick<unknown>([-1, 'new', 536870913, ['person/name', 'Ivan'], atom(r)]),
          r.pick(ATTRS),
          anyValue(r),
          anyValue(r),
        ];
      case 2:
        return ['db/add', 'datomic.tx', r.pick(['sync/tx', 'db/txInstant', 'person/name']), anyValue(r)];
      default:
        return anyValue(r);
    }
  };
  const k = r.int(5);
  return k === 0 ? anyValue(r) : k === 1 ? ednText(r) : Array.from({ length: 1 + r.int(4) }, op);
}

function message(r: Random, head: string): unknown {
  const id = r.next() < 0.8 ? 1_000_000 + r.int(1e6) : atom(r);
  const txId = (): unknown => (r.next() < 0.8 ? `t-${r.int(1e9)}` : r.pick<unknown>(['', 'has space', 'x'.repeat(65), atom(r)]));
  switch (r.int(9)) {
    case 0:
      return anyValue(r);
    case 1:
      return { type: 'hello', protocol: r.pick([1, 2, atom(r)]), db: r.pick(['main', atom(r)]), token: r.pick(['tok', atom(r)]) };
    case 2: {
      const key = (): unknown => r.pick<unknown>([`c:${head}`, 'n:x', `c:${r.int(99)}`, 't:zz', atom(r), 'ref:head/main']);
      return { type: 'get', id, keys: r.next() < 0.7 ? Array.from({ length: r.int(6) }, key) : anyValue(r) };
    }
    case 3:
      return { type: 'commits', id, from: r.pick<unknown>([head, 'nope', atom(r)]), to: r.pick<unknown>([null, head, atom(r)]) };
    case 4:
    case 5:
    case 6: {
      const tx = () => ({
        id: txId(),
        txData: txData(r),
        ...(r.next() < 0.3 ? { txMeta: r.next() < 0.5 ? { [r.pick(ATTRS)]: anyValue(r) } : anyValue(r) } : {}),
      });
      return { type: 'push', id, txs: r.next() < 0.9 ? Array.from({ length: 1 + r.int(3) }, tx) : anyValue(r) };
    }
    case 7:
      return { type: r.pick<unknown>(['pong', 'welcome', 'head', 'records', atom(r)]), id };
    default:
      return { type: 'ping', id, extra: anyValue(r) };
  }
}

async function fuzzServer(seed: number): Promise<string[]> {
  const config = { store: { backend: 'memory', id: `fuzz-server-${seed}` }, schemaFlexibility: seed % 2 === 0 ? ('write' as const) : ('read' as const) };
  await createDatabase(config);
  const setup = await connect(config);
  await transact(setup, [
    { 'db/ident': 'person/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
    { 'db/ident': 'person/friend', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
  ]);
  await transact(setup, [{ 'person/name': 'Ivan' }]);
  await release(setup);
  const server = await serve({ databases: { main: config }, tokens: { tok: { who: 'fuzz' } }, limits: { maxMessageBytes: 256 * 1024 } });
  closers.push(() => server.close());

  const frames: Record<string, unknown>[] = [];
  const problems: string[] = [];
  const ws = new WS(server.url);
  let closed = false;
  ws.on('close', (code) => ((closed = true), problems.push(`the server closed the session (${code})`)));
  ws.on('message', (d: Buffer) => frames.push(decodeFrame(new Uint8Array(d))));
  await new Promise((resolve) => ws.on('open', resolve));
  const answered = async (pred: () => boolean): Promise<boolean> => {
    for (let waited = 0; !pred(); waited += 5) {
      if (closed || waited > 60_000) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return true;
  };
  ws.send(encodeMessage({ type: 'hello', protocol: 2, db: 'main', token: 'tok' }));
  await answered(() => frames.some((f) => f.type === 'welcome'));
  const head = (frames.find((f) => f.type === 'welcome')!.head as { commit: string }).commit;

  for (let i = 0; i < CASES && !closed; i++) {
    const r = seededRandom((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    let bytes: Uint8Array;
    try {
      bytes = r.next() < 0.05 ? Uint8Array.from({ length: r.int(40) }, () => r.int(256)) : encodeMessage(message(r, head) as never);
    } catch {
      continue; // not encodable (a symbol, a function): no client can send it
    }
    const from = frames.length;
    ws.send(bytes);
    const ping = i + 1;
    ws.send(encodeMessage({ type: 'ping', id: ping }));
    if (!(await answered(() => frames.some((f) => f.type === 'pong' && f.id === ping)))) problems.push(`case ${i}: no answer to the ping after it`);
    for (const f of frames.slice(from)) {
      const errors = f.type === 'error' ? [f.error] : f.type === 'pushed' ? (f.results as { error?: unknown }[]).map((x) => x.error).filter(Boolean) : [];
      for (const e of errors as { code: string; message: string }[]) {
        if (!CODES.has(e.code)) problems.push(`case ${i}: unknown code ${e.code}`);
        if (PLAIN.test(e.message)) problems.push(`case ${i}: a plain error's text: ${e.message}`);
      }
    }
  }
  ws.close();
  return problems.map((p) => `seed ${seed}, ${p}`);
}

describe('fuzzer: the sync server answers hostile frames with coded errors and keeps serving', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, async () => {
      expect((await fuzzServer(seed)).slice(0, 5)).toEqual([]);
    }, 300_000);
  }
});
