// What e2e/pages/client-page.ts puts on `window` for the Playwright specs to drive.
import type { ClientApi } from '../../worker/protocol.js';
import type { CairnError } from '../../src/util/errors.js';

export interface FrameStats {
  readonly frames: number;
  readonly ms: number;
  readonly maxGapMs: number;
  readonly p95GapMs: number;
}

export interface TestWindow {
  /** The client under test (worker chosen by the page's ?worker= parameter). */
  readonly cairn: ClientApi;
  /** The Worker object the client wraps, when the page made it (null for openWorker() default). */
  readonly cairnWorker: Worker | null;
  readonly CairnError: typeof CairnError;
  /** Count requestAnimationFrame callbacks while `work` runs. */
  measureFrames<T>(work: () => Promise<T>): Promise<{ result: T; stats: FrameStats }>;
}
