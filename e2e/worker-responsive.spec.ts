// The main thread never blocks: a 100,000-datom import through the client runs in the worker
// while the page keeps rendering frames. The numbers are reported as test annotations (and on
// stdout); the assertion is deliberately loose — frames keep coming — not a timing budget.
import { expect, test } from '@playwright/test';
import { openClientPage, uniqueId } from './helpers.js';
import type { TestWindow } from './pages/types.js';

test('a 100,000-datom import keeps requestAnimationFrame running', async ({ page }, info) => {
  test.setTimeout(300_000);
  await openClientPage(page);
  const id = uniqueId('import', info.testId);
  const out = await page.evaluate(
    async ({ id }) => {
      const { cairn, measureFrames } = window as unknown as TestWindow;
      const config = { store: { backend: 'indexeddb', id } };
      await cairn.createDatabase(config);
      const conn = await cairn.connect(config);
      await cairn.transact(conn, [
        { 'db/ident': 'row/id', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
        { 'db/ident': 'row/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
        { 'db/ident': 'row/score', 'db/valueType': 'db.type/double', 'db/cardinality': 'db.cardinality/one' },
        { 'db/ident': 'row/group', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one', 'db/index': true },
      ]);
      // 25,000 entities x 4 attributes = 100,000 datoms, sent in 10 transactions of 10,000 datoms.
      const { result, stats } = await measureFrames(async () => {
        let datoms = 0;
        for (let chunk = 0; chunk < 10; chunk++) {
          const rows = Array.from({ length: 2_500 }, (_, j) => {
            const i = chunk * 2_500 + j;
            return { 'row/id': i, 'row/name': `row ${i}`, 'row/score': ((i * 7919) % 1000) / 10, 'row/group': i % 100 };
          });
          const r = await cairn.transact(conn, rows);
          datoms += r.txData.length - 1; // minus the tx's db/txInstant datom
        }
        return datoms;
      });
      // Baseline: the same page with the main thread idle, to read the numbers against.
      const idle = await measureFrames(() => new Promise((r) => setTimeout(r, 1_000)));
      const count = await cairn.q('[:find (count ?e) . :where [?e :row/id]]', cairn.db(conn));
      await cairn.release(conn);
      await cairn.deleteDatabase(config);
      return { datoms: result, count, stats, idle: idle.stats };
    },
    { id },
  );

  const s = out.stats;
  const i = out.idle;
  const summary =
    `${out.datoms} datoms in ${s.ms.toFixed(0)} ms; ${s.frames} frames (${(s.frames / (s.ms / 1000)).toFixed(1)} fps); longest frame gap ${s.maxGapMs.toFixed(1)} ms; p95 gap ${s.p95GapMs.toFixed(1)} ms` +
    ` | idle baseline: ${(i.frames / (i.ms / 1000)).toFixed(1)} fps, longest gap ${i.maxGapMs.toFixed(1)} ms, p95 ${i.p95GapMs.toFixed(1)} ms`;
  console.log(`[responsiveness] ${summary}`);
  info.annotations.push({ type: 'responsiveness', description: summary });
  expect(out.count).toBe(25_000);
  expect(out.datoms).toBe(100_000);
  // Frames kept coming through the import: a blocked main thread renders none until it is done.
  expect(s.frames).toBeGreaterThan(10);
  expect(s.maxGapMs).toBeLessThan(s.ms / 2);
});
