// Test page for the worker client. `?worker=` picks the worker:
//   source  (default) new Worker(worker/worker.ts) passed to openWorker(worker)
//   default           openWorker() with no argument: the client's own default worker
//   no-idb            a worker in which IndexedDB cannot be opened (no-idb-worker.ts)
//   silent            a worker that never announces its commits (silent-worker.ts)
import { openWorker } from '../../worker/client.js';
import { CairnError } from '../../src/util/errors.js';
import type { FrameStats, TestWindow } from './types.js';

function makeWorker(kind: string): Worker | null {
  switch (kind) {
    case 'default':
      return null;
    case 'silent':
      return new Worker(new URL('./silent-worker.ts', import.meta.url), { type: 'module' });
    case 'no-idb':
      return new Worker(new URL('./no-idb-worker.ts', import.meta.url), { type: 'module' });
    default:
      return new Worker(new URL('../../worker/worker.ts', import.meta.url), { type: 'module' });
  }
}

async function measureFrames<T>(work: () => Promise<T>): Promise<{ result: T; stats: FrameStats }> {
  const stamps: number[] = [];
  let running = true;
  const tick = (t: number): void => {
    stamps.push(t);
    if (running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const start = performance.now();
  try {
    const result = await work();
    return { result, stats: frameStats(stamps, performance.now() - start) };
  } finally {
    running = false;
  }
}

function frameStats(stamps: readonly number[], ms: number): FrameStats {
  const gaps = stamps
    .slice(1)
    .map((t, i) => t - stamps[i]!)
    .sort((a, b) => a - b);
  const p95 = gaps.length ? gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * 0.95))]! : ms;
  return { frames: stamps.length, ms, maxGapMs: gaps.length ? gaps[gaps.length - 1]! : ms, p95GapMs: p95 };
}

const kind = new URLSearchParams(location.search).get('worker') ?? 'source';
const worker = makeWorker(kind);
const cairn = worker ? openWorker(worker) : openWorker();
const w: TestWindow = { cairn, cairnWorker: worker, CairnError, measureFrames };
Object.assign(window, w);
cairn.ready.then(
  () => (document.getElementById('status')!.textContent = 'ready'),
  (e: unknown) => (document.getElementById('status')!.textContent = `failed: ${String(e)}`),
);
