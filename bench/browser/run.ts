// `npm run bench:browser`: serve bench/browser/ with Vite on 127.0.0.1:5175, drive Chromium
// with Playwright through workloads 1-6, print a table, write bench/results/browser.json,
// delete every IndexedDB database and the temporary browser profile, and stop.
//
// Flags: --quick (small sizes, a smoke run), --profile=<kind>[,<kind>] (after the run, run those
// workloads on the page's main thread under Chrome's CPU profiler and write a self-time summary
// to bench/results/browser-profile-<kind>.json), --only=import (workload 3 alone, printed, not
// written: before/after runs of the import path).
//
// A persistent profile on disk, not Playwright's default off-the-record context: Chromium keeps
// IndexedDB of off-the-record contexts in memory, which would make every floor meaningless.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright';
import { createServer } from 'vite';
import { launchOptions } from '../../test/chromium.js';
import type { Comparison } from '../harness.js';
import type { BoundaryFigures } from './page.js';
import { summarizeProfile, type CpuProfile } from './profile.js';
import type { WorkloadRequest } from './protocol.js';
import type { ColdFigures } from './read-workloads.js';
import { boundaryRows, coldRows, commitRows, groupRows, importRows, met, printRows, queryRows, type DsCold, type Row } from './report.js';
import type { CommitFigures, GroupFigures, ImportFigures } from './write-workloads.js';
import { liveRows, type LiveFigures } from '../live.js';

const args = process.argv.slice(2);
/** Thrown past the other workloads by --only=import, --only=queries and --commit-only, which end the run early (cleanly). */
const ONLY_DONE = Symbol('only');
const quick = args.includes('--quick');
const profileKinds = (
  args
    .find((a) => a.startsWith('--profile='))
    ?.slice('--profile='.length)
    .split(',') ?? []
).filter(Boolean);

// --commit-only[=N]: workloads 1 and 2 alone at full size, N times in one browser (default 3), no
// JSON: the commit path's runs (docs/PERFORMANCE.md, section 1 of the analysis).
const commitOnly = args.find((a) => a.startsWith('--commit-only'));
const commitRuns = Number(commitOnly?.split('=')[1] ?? 3);

const SIZES = quick
  ? { commits: 100, group: 100, small: 2_000, large: 10_000, chunk: 2_000, queries: 2_000, qIter: 5, boundary: 1_000, bIter: 5, coldRuns: 1 }
  : { commits: 1_000, group: 1_000, small: 20_000, large: 200_000, chunk: 20_000, queries: 20_000, qIter: 20, boundary: 10_000, bIter: 20, coldRuns: 5 };

// The whole run must stop by itself, whatever happens in the browser.
const WATCHDOG_MS = 20 * 60_000;
const watchdog = setTimeout(() => {
  console.error(`bench:browser: still running after ${WATCHDOG_MS / 60_000} min, giving up`);
  process.exit(2);
}, WATCHDOG_MS);

const server = await createServer({ configFile: 'bench/browser/vite.config.ts' });
await server.listen();
const profileDir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
const context = await chromium.launchPersistentContext(profileDir, launchOptions);
let exitCode = 0;
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`[page] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
  await page.goto(`http://127.0.0.1:${process.env.CAIRNDB_BENCH_PORT ?? 5175}/bench/browser/index.html`);
  await page.waitForFunction(() => 'bench' in globalThis);
  const call = <T>(fn: string, arg: unknown): Promise<T> =>
    page.evaluate(([f, a]) => (globalThis as unknown as Record<string, Record<string, (x: unknown) => unknown>>)['bench']![f]!(a), [
      fn,
      arg,
    ] as const) as Promise<T>;
  const inWorker = async <T>(req: WorkloadRequest): Promise<{ result: T; wallMs: number }> => {
    const t0 = Date.now();
    const r = await call<{ result: T; wallMs: number }>('inWorker', req);
    console.log(`  ${req.kind} ${JSON.stringify(req).slice(0, 80)}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  };
  const userAgent = await call<string>('userAgent', undefined);
  console.log(`bench:browser on ${userAgent}${quick ? ' (quick)' : ''}`);

  if (args.includes('--only=import')) {
    // The import workload alone (3.), printed and not written: for before/after runs of the import path.
    const small = (await inWorker<ImportFigures>({ kind: 'import', persons: SIZES.small, chunk: SIZES.chunk, keep: false })).result;
    const large = (await inWorker<ImportFigures>({ kind: 'import', persons: SIZES.large, chunk: SIZES.chunk, keep: false })).result;
    printRows([...importRows(small), ...importRows(large)]);
    console.log(`deleted IndexedDB databases: ${(await call<string[]>('cleanup', undefined)).join(', ') || '(none)'}`);
    throw ONLY_DONE;
  }
  if (args.includes('--only=queries')) {
    // Workload 5 alone (the query workloads): its table, no JSON; the run then ends as a full one does.
    const queries = (await inWorker<Comparison[]>({ kind: 'queries', persons: SIZES.queries, iterations: SIZES.qIter })).result;
    printRows(queryRows(queries));
    console.log(`deleted IndexedDB databases: ${(await call<string[]>('cleanup', undefined)).join(', ') || '(none)'}`);
    throw ONLY_DONE;
  }
  if (commitOnly !== undefined) {
    for (let r = 1; r <= commitRuns; r++) {
      const c = (await inWorker<CommitFigures>({ kind: 'commit', n: SIZES.commits })).result;
      const g = (await inWorker<GroupFigures>({ kind: 'group', n: SIZES.group })).result;
      console.log(`\nrun ${r} of ${commitRuns}`);
      printRows([...commitRows(c), ...groupRows(g, c)]);
    }
    for (const kind of profileKinds) await profileOnMain(page, requestFor(kind));
    await call('cleanup', undefined);
    throw ONLY_DONE;
  }
  const commit = (await inWorker<CommitFigures>({ kind: 'commit', n: SIZES.commits })).result;
  const group = (await inWorker<GroupFigures>({ kind: 'group', n: SIZES.group })).result;
  const small = (await inWorker<ImportFigures>({ kind: 'import', persons: SIZES.small, chunk: SIZES.chunk, keep: false })).result;
  const large = (await inWorker<ImportFigures>({ kind: 'import', persons: SIZES.large, chunk: SIZES.chunk, keep: true })).result;
  const snapshot = (await inWorker<{ bytes: number; buildMs: number }>({ kind: 'ds-snapshot', persons: SIZES.large })).result;
  // Cold starts alternate engines, each in a fresh worker; the median run is reported.
  const colds: { cairn: ColdFigures; cairnWall: number; ds: DsCold; dsWall: number }[] = [];
  const otherForms: Record<'literal' | 'datoms', ColdFigures[]> = { literal: [], datoms: [] };
  const rawColds: { in: { ms: number; openMs: number }[]; datoms: { ms: number; openMs: number }[] } = { in: [], datoms: [] };
  for (let i = 0; i < SIZES.coldRuns; i++) {
    const c = await inWorker<ColdFigures>({ kind: 'cold-cairn', persons: SIZES.large });
    const d = await inWorker<DsCold>({ kind: 'cold-ds', persons: SIZES.large });
    colds.push({ cairn: c.result, cairnWall: c.wallMs, ds: d.result, dsWall: d.wallMs });
    for (const form of ['literal', 'datoms'] as const)
      otherForms[form].push((await inWorker<ColdFigures>({ kind: 'cold-cairn', persons: SIZES.large, form })).result);
    // The floor: bare IDB reading the same records in a fresh worker.
    rawColds.in.push((await inWorker<{ ms: number; openMs: number }>({ kind: 'cold-raw', persons: SIZES.large, keys: c.result.pointReads.keys ?? [] })).result);
    rawColds.datoms.push(
      (await inWorker<{ ms: number; openMs: number }>({ kind: 'cold-raw', persons: SIZES.large, keys: otherForms.datoms.at(-1)?.pointReads.keys ?? [] }))
        .result,
    );
  }
  const mid = <T>(xs: readonly T[], by: (x: T) => number): T => [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)]!;
  const cold = mid(colds, (x) => x.cairn.pointMs);
  const dsCold = mid(colds, (x) => x.ds.pointMs);
  const coldLiteral = mid(otherForms.literal, (x) => x.pointMs);
  const coldDatoms = mid(otherForms.datoms, (x) => x.pointMs);
  const rawIn = mid(rawColds.in, (x) => x.ms),
    rawDatoms = mid(rawColds.datoms, (x) => x.ms);
  const queries = (await inWorker<Comparison[]>({ kind: 'queries', persons: SIZES.queries, iterations: SIZES.qIter })).result;
  const boundary = await call<BoundaryFigures>('boundary', { persons: SIZES.boundary, iterations: SIZES.bIter });
  const live = (await inWorker<LiveFigures>({ kind: 'live', perAttribute: 200, iterations: SIZES.qIter, commits: quick ? 40 : 200 })).result;

  // Depth of a 512-way tree holding the large import's datoms (every index holds them all).
  const levels = Math.ceil(Math.log(large.datoms) / Math.log(512));
  const rows: Row[] = [
    ...commitRows(commit),
    ...groupRows(group, commit),
    ...importRows(small),
    ...importRows(large),
    ...coldRows(cold.cairn, dsCold.ds, levels, coldLiteral, coldDatoms, rawIn, rawDatoms),
    ...queryRows(queries),
    ...boundaryRows(boundary),
    ...liveRows(live, 'worker, IndexedDB'),
  ];
  printRows(rows);

  const profiles: Record<string, unknown> = {};
  for (const kind of profileKinds) profiles[kind] = await profileOnMain(page, requestFor(kind));

  console.log(`deleted IndexedDB databases: ${(await call<string[]>('cleanup', undefined)).join(', ') || '(none)'}`);
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    browser: userAgent,
    date: new Date().toISOString(),
  };
  if (!quick) {
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      'bench/results/browser.json',
      JSON.stringify(
        {
          machine,
          sizes: SIZES,
          rows: rows.map((r) => ({ ...r, met: met(r) })),
          raw: {
            commit,
            group,
            import: [small, large],
            dsSnapshot: snapshot,
            cold: colds,
            coldOtherForms: otherForms,
            coldRaw: rawColds,
            queries,
            boundary,
            live,
          },
        },
        null,
        2,
      ),
    );
    console.log('wrote bench/results/browser.json');
  }

  function requestFor(kind: string): WorkloadRequest {
    switch (kind) {
      case 'commit':
        return { kind: 'commit', n: 300, profile: true };
      case 'group':
        return { kind: 'group', n: SIZES.group, profile: true };
      case 'import':
        return { kind: 'import', persons: SIZES.small, chunk: SIZES.chunk, keep: false, profile: true };
      case 'cold':
        return { kind: 'cold-cairn', persons: SIZES.large, profile: true };
      case 'q3':
      case 'q4':
        return { kind: 'query-profile', persons: SIZES.queries, query: kind, iterations: 50 };
      default:
        throw new Error(`--profile: unknown workload ${kind} (commit, group, import, cold, q3, q4)`);
    }
  }

  /** Run `req` on the main thread; collect the console profiles its CairnDB sections record. */
  async function profileOnMain(p: Page, req: WorkloadRequest): Promise<unknown> {
    const cdp = await context.newCDPSession(p);
    const sections: { title: string; summary: ReturnType<typeof summarizeProfile> }[] = [];
    cdp.on('Profiler.consoleProfileFinished', (ev) => {
      sections.push({ title: ev.title ?? '', summary: summarizeProfile(ev.profile as unknown as CpuProfile, 30) });
    });
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    const t0 = Date.now();
    const result = await call('onMain', req);
    const wallMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 500)); // let the last consoleProfileFinished arrive
    await cdp.send('Profiler.disable');
    await cdp.detach();
    const name = req.kind === 'query-profile' ? req.query : req.kind;
    const out = { request: req, wallMs, result, sections };
    writeFileSync(`bench/results/browser-profile-${name}.json`, JSON.stringify(out, null, 2));
    console.log(`wrote bench/results/browser-profile-${name}.json (${sections.length} sections, ${wallMs} ms on the main thread)`);
    return out;
  }
} catch (e) {
  if (e !== ONLY_DONE) {
    console.error(e);
    exitCode = 1;
  }
} finally {
  await context.close();
  rmSync(profileDir, { recursive: true, force: true });
  await server.close();
  clearTimeout(watchdog);
}
process.exit(exitCode);
