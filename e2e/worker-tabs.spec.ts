// Several tabs on one IndexedDB database (docs/architecture.md, decision 6): each page has its own worker; writes are
// ordered by the head's compare-and-set (and serialised by a Web Lock once both pages write),
// commits announced on a BroadcastChannel, and the other pages' connections reload the head and
// fire their listeners.
import { expect, test, type Page } from '@playwright/test';
import { openClientPage, PERSON_SCHEMA, uniqueId } from './helpers.js';
import type { TestWindow } from './pages/types.js';

interface Heard {
  basisT: number;
  datoms: [number, string, unknown, number, boolean][];
}

/** Connect the page to the database and record every report its listener hears. */
async function connectAndListen(page: Page, id: string): Promise<void> {
  await page.evaluate(
    async ({ id }) => {
      const w = window as unknown as TestWindow & { conn: unknown; heard: Heard[] };
      const conn = await w.cairn.connect({ store: { backend: 'indexeddb', id } });
      w.conn = conn;
      w.heard = [];
      w.cairn.listen(conn, (r) => w.heard.push({ basisT: r.dbAfter.basisT, datoms: r.txData.map((d) => [d.e, d.a, d.v, d.tx, d.added]) }));
    },
    { id },
  );
}

/** Create the IndexedDB database `id` through `page`'s client and transact `schema` into it. */
async function createWithSchema(page: Page, id: string, schema: readonly unknown[]): Promise<void> {
  await page.evaluate(
    async ({ id, schema }) => {
      const { cairn } = window as unknown as TestWindow;
      await cairn.createDatabase({ store: { backend: 'indexeddb', id } });
      const conn = await cairn.connect({ store: { backend: 'indexeddb', id } });
      await cairn.transact(conn, schema);
      await cairn.release(conn);
    },
    { id, schema },
  );
}

test('a write in one page fires the listener in the other page with the same report', async ({ context }, info) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await openClientPage(a);
  await openClientPage(b);
  const id = uniqueId('tabs', info.testId);
  await createWithSchema(a, id, PERSON_SCHEMA);
  await connectAndListen(a, id);
  await connectAndListen(b, id);

  const report = await a.evaluate(async () => {
    const w = window as unknown as TestWindow & { conn: Parameters<TestWindow['cairn']['transact']>[0] };
    const r = await w.cairn.transact(w.conn, [{ 'person/name': 'Ada', 'person/age': 36 }]);
    return { basisT: r.dbAfter.basisT, datoms: r.txData.map((d) => [d.e, d.a, d.v, d.tx, d.added]) };
  });
  await b.waitForFunction(() => (window as unknown as { heard: Heard[] }).heard.length > 0, undefined, { timeout: 15_000 });
  const heardInB = await b.evaluate(() => (window as unknown as { heard: Heard[] }).heard);
  expect(heardInB).toEqual([report]);
  // and page B's own db(conn) now sees the write
  const inB = await b.evaluate(async () => {
    const w = window as unknown as TestWindow & { conn: Parameters<TestWindow['cairn']['db']>[0] };
    return w.cairn.q('[:find ?a . :where [?e :person/name "Ada"] [?e :person/age ?a]]', w.cairn.db(w.conn));
  });
  expect(inB).toBe(36);
});

test('2 x 200 interleaved transactions from two pages all land, none lost', async ({ context }, info) => {
  test.setTimeout(240_000);
  const a = await context.newPage();
  const b = await context.newPage();
  await openClientPage(a);
  await openClientPage(b);
  const id = uniqueId('race', info.testId);
  await createWithSchema(a, id, [
    { 'db/ident': 'item/key', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
    { 'db/ident': 'item/page', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  ]);
  await connectAndListen(a, id);
  await connectAndListen(b, id);

  const run = (page: Page, name: string) =>
    page.evaluate(
      async ({ name }) => {
        const w = window as unknown as TestWindow & { conn: Parameters<TestWindow['cairn']['transact']>[0] };
        const txs: number[] = [];
        // Sequential within a page, interleaved across the two pages by the browser.
        for (let i = 0; i < 200; i++) {
          const r = await w.cairn.transact(w.conn, [{ 'item/key': `${name}-${i}`, 'item/page': name }]);
          txs.push(r.dbAfter.basisT);
        }
        return txs;
      },
      { name },
    );
  const [txA, txB] = await Promise.all([run(a, 'A'), run(b, 'B')]);

  // Every transaction got its own tx id: nothing was overwritten by a stale writer.
  expect(new Set([...txA, ...txB]).size).toBe(400);
  const interleaved = txA.some((t, i) => i > 0 && txB.some((u) => u > txA[i - 1]! && u < t));
  const count = (page: Page) =>
    page.evaluate(async () => {
      const w = window as unknown as TestWindow & { conn: Parameters<TestWindow['cairn']['db']>[0] };
      const db = w.cairn.db(w.conn);
      const perPage = await w.cairn.q('[:find ?p (count ?e) :where [?e :item/page ?p]]', db);
      return { perPage: Object.fromEntries(perPage as [string, number][]), basisT: db.basisT };
    });
  // Both pages converge on the same head with all 400 entities.
  await expect.poll(async () => (await count(a)).perPage, { timeout: 30_000 }).toEqual({ A: 200, B: 200 });
  await expect.poll(async () => (await count(b)).perPage, { timeout: 30_000 }).toEqual({ A: 200, B: 200 });
  expect((await count(a)).basisT).toBe((await count(b)).basisT);
  // Each page's listener heard the other page's commits too.
  // (A page that missed several commits may hear them in one report: count the datoms' tx ids.)
  const heardTx = (page: Page) => page.evaluate(() => (window as unknown as { heard: Heard[] }).heard.flatMap((h) => h.datoms.map((d) => d[3])));
  const heardA = new Set(await heardTx(a));
  const heardB = new Set(await heardTx(b));
  expect(txB.filter((t) => !heardA.has(t))).toEqual([]);
  expect(txA.filter((t) => !heardB.has(t))).toEqual([]);
  // The two pages' commits really did interleave (otherwise this proved nothing about races).
  expect(interleaved).toBe(true);
  info.annotations.push({ type: 'interleaved', description: String(interleaved) });
  console.log(`[tabs] 400 transactions from two pages; interleaved: ${interleaved}`);
});

test('a page that missed a commit re-reads the head when it becomes visible again', async ({ context }, info) => {
  const silent = await context.newPage(); // its commits are never announced
  const b = await context.newPage();
  await openClientPage(silent, 'silent');
  await openClientPage(b);
  const id = uniqueId('visible', info.testId);
  await createWithSchema(b, id, PERSON_SCHEMA);
  await connectAndListen(b, id);
  await connectAndListen(silent, id);
  const report = await silent.evaluate(async () => {
    const w = window as unknown as TestWindow & { conn: Parameters<TestWindow['cairn']['transact']>[0] };
    const r = await w.cairn.transact(w.conn, [{ 'person/name': 'Quiet', 'person/age': 1 }]);
    return { basisT: r.dbAfter.basisT, datoms: r.txData.map((d) => [d.e, d.a, d.v, d.tx, d.added]) };
  });
  const seenByB = () =>
    b.evaluate(async () => {
      const w = window as unknown as TestWindow & { conn: Parameters<TestWindow['cairn']['db']>[0]; heard: Heard[] };
      const name = await w.cairn.q('[:find ?n . :where [?e :person/age 1] [?e :person/name ?n]]', w.cairn.db(w.conn));
      return { name, heard: w.heard.length };
    });
  // Nothing told B: after several round trips to its worker it still shows the old head.
  for (let i = 0; i < 3; i++) expect(await seenByB()).toEqual({ name: null, heard: 0 });
  // The page becomes visible again (as after a tab switch): the client asks its worker to resync.
  await b.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await b.waitForFunction(() => (window as unknown as { heard: Heard[] }).heard.length > 0, undefined, { timeout: 15_000 });
  expect(await b.evaluate(() => (window as unknown as { heard: Heard[] }).heard)).toEqual([report]);
  expect(await seenByB()).toEqual({ name: 'Quiet', heard: 1 });
});
