// A probe for issue 15's browser commit target (docs/PERFORMANCE.md, analysis 1): what a commit's
// compare-and-set costs in IndexedDB against a raw put of the same bytes, and whether a
// *fenced* put — one request, no read — can stand in for it.
//
// `node --import tsx bench/browser/cas-probe.ts [rounds] [commits]` opens a page in Chromium and
// times, per commit (mean over `commits`, `rounds` rounds in turn), each in its own readwrite
// transaction with commit() called once its requests are queued:
//   raw      put(bytes)                                      the target's floor
//   cas      get(head) + put(bytes), commit or abort in the get's success handler (CairnDB today)
//   fenced   put({ v: bytes, f: token }) into a store with a unique index on `f`
//   locked   the fenced put inside a Web Lock request, as CairnDB's worker commits
// Then it checks the fence: once another writer has stored { f: token } under a key of its own,
// the first writer's fenced put must abort in the backend (ConstraintError) although commit()
// was called before any result came back, and leave the head as the other writer wrote it.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright';
import { launchOptions } from '../../test/chromium.js';

const rounds = Number(process.argv[2] ?? 6);
const commits = Number(process.argv[3] ?? 300);

const page = `<!doctype html><meta charset="utf-8"><script type="module">
const req = indexedDB.open('cas-probe', 1);
req.onupgradeneeded = () => {
  req.result.createObjectStore('plain');
  req.result.createObjectStore('fenced').createIndex('fence', 'f', { unique: true });
};
const db = await new Promise((res, rej) => { req.onsuccess = () => res(req.result); req.onerror = () => rej(req.error); });
const bytes = new Uint8Array(2900).map((_, i) => i & 255); // a one-person commit's head
const done = (tx) => new Promise((res) => { tx.oncomplete = () => res('complete'); tx.onabort = () => res('abort: ' + tx.error?.name); });
const raw = () => { const tx = db.transaction('plain', 'readwrite'); tx.objectStore('plain').put(bytes, 'head'); tx.commit(); return done(tx); };
const cas = () => {
  const tx = db.transaction('plain', 'readwrite');
  const s = tx.objectStore('plain');
  const got = s.get('head');
  s.put(bytes, 'head');
  got.onsuccess = () => (got.result !== undefined && got.result.length !== bytes.length ? tx.abort() : tx.commit());
  return done(tx);
};
const fenced = (f = 'writer-a') => { const tx = db.transaction('fenced', 'readwrite'); tx.objectStore('fenced').put({ v: bytes, f }, 'head'); tx.commit(); return done(tx); };
// the cross-tab write lock CairnDB's worker takes around each commit (worker/coordination.ts)
const locked = () => navigator.locks.request('cas-probe', { mode: 'exclusive', signal: AbortSignal.timeout(10000) }, () => fenced());
async function mean(f, n) {
  const t = performance.now();
  for (let i = 0; i < n; i++) { const r = await f(); if (r !== 'complete') throw new Error(r); }
  return (performance.now() - t) / n;
}
window.probe = async (rounds, commits) => {
  const forms = { raw, cas, fenced, locked };
  const ms = { raw: [], cas: [], fenced: [], locked: [] };
  for (let r = 0; r < rounds; r++) for (const [k, f] of Object.entries(forms)) ms[k].push(await mean(f, commits));
  // writer b commits (its own token) and fences writer a's token, in one transaction
  const tx = db.transaction('fenced', 'readwrite');
  tx.objectStore('fenced').put({ v: new Uint8Array([7]), f: 'writer-b' }, 'head');
  tx.objectStore('fenced').put({ f: 'writer-a' }, 'fence:writer-a');
  await done(tx);
  const stale = await fenced('writer-a');
  const head = await new Promise((res) => { const g = db.transaction('fenced').objectStore('fenced').get('head'); g.onsuccess = () => res(g.result); });
  const fresh = await fenced('writer-b');
  return { ms, stale, headAfterStale: head.f + ', ' + head.v.length + ' B', fresh };
};
window.ready = true;
</script>`;

const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page)).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const browser = await chromium.launch(launchOptions);
try {
  const tab = await browser.newPage();
  await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await tab.waitForFunction(() => (window as { ready?: boolean }).ready === true);
  type Result = { ms: Record<string, number[]>; stale: string; headAfterStale: string; fresh: string };
  const r = (await tab.evaluate(
    ([n, m]) => (window as unknown as { probe(a: number, b: number): Promise<Result> }).probe(n!, m!),
    [rounds, commits],
  )) as Result;
  const raw = r.ms.raw!;
  console.log(`ms per commit, mean of ${commits}, ${rounds} rounds (ratio to raw in the same round):`);
  for (const [k, xs] of Object.entries(r.ms)) console.log(`  ${k.padEnd(7)} ${xs.map((x, i) => `${x.toFixed(3)} (${(x / raw[i]!).toFixed(2)}x)`).join('  ')}`);
  console.log(`fenced writer's put after the fence: ${r.stale}; head then: ${r.headAfterStale}; the fencing writer's next put: ${r.fresh}`);
} finally {
  await browser.close();
  server.close();
}
