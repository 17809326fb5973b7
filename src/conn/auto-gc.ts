// Automatic GC (issue 17 item 9): `config.gc` asks a connection to collect garbage in the
// background after every N commits or M bytes written. Off unless configured. It is the same
// sweep as gcStorage (fenced against other writers, under the write lock, never without it),
// keeping the commits of the last `graceMs` so Db values recently handed out stay readable.
// One run at a time per connection; a run that cannot take the lock (store/busy) is skipped;
// a backend that cannot be swept safely (store/unsupported) turns it off, reported once.

import { fail, show } from '../util/errors.js';
import type { CommitObserver, Conn } from './connection.js';
import { sweepStorage } from './gc.js';

export interface GcPolicy {
  /** Collect after this many commits of this connection (default 1000 when no trigger is given). */
  readonly everyCommits?: number;
  /** Collect after this many bytes written by this connection. */
  readonly everyBytes?: number;
  /** Keep the commits younger than this (ms; default 600000, ten minutes). */
  readonly graceMs?: number;
}

export const DEFAULT_GC_COMMITS = 1000;
export const DEFAULT_GC_GRACE_MS = 600_000;

/** Validate `config.gc` (undefined or false: no automatic GC). */
export function checkGcPolicy(gc: unknown): GcPolicy | undefined {
  if (gc === undefined || gc === false) return undefined;
  if (gc === null || typeof gc !== 'object' || Array.isArray(gc))
    fail('config/invalid', `config.gc must be { everyCommits?, everyBytes?, graceMs? } or false, got ${show(gc)}`);
  const g = gc as Record<string, unknown>;
  for (const k of Object.keys(g)) {
    if (k !== 'everyCommits' && k !== 'everyBytes' && k !== 'graceMs') fail('config/invalid', `config.gc has an unknown option ${show(k)}`);
  }
  const positive = (k: string, min: number) => {
    const v = g[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min))
      fail('config/invalid', `config.gc.${k} must be an integer >= ${min}, got ${show(v)}`);
  };
  positive('everyCommits', 1);
  positive('everyBytes', 1);
  positive('graceMs', 0);
  // The result is a valid policy again: a resolved config can be passed back in (connect(conn.config)).
  const { everyCommits, everyBytes, graceMs } = g as GcPolicy;
  return {
    ...(everyCommits !== undefined || everyBytes === undefined ? { everyCommits: everyCommits ?? DEFAULT_GC_COMMITS } : {}),
    ...(everyBytes !== undefined ? { everyBytes } : {}),
    graceMs: graceMs ?? DEFAULT_GC_GRACE_MS,
  };
}

/** The observer a connection calls after each durable commit. */
export function autoGc(conn: Conn, policy: GcPolicy): CommitObserver & { readonly runs: number; readonly lastError: unknown } {
  let commits = 0;
  let bytes = 0;
  let running: Promise<void> | null = null;
  let off = false;
  const state = {
    runs: 0,
    lastError: undefined as unknown,
    committed(written: number): void {
      commits++;
      bytes += written;
      if (off || running !== null || (commits < (policy.everyCommits ?? Infinity) && bytes < (policy.everyBytes ?? Infinity))) return;
      commits = 0;
      bytes = 0;
      running = sweepStorage(conn, new Date(Date.now() - (policy.graceMs ?? DEFAULT_GC_GRACE_MS)))
        .then(
          () => void state.runs++,
          (e: unknown) => {
            const code = (e as { code?: string })?.code;
            if (code === 'store/busy' || conn.released) return; // another tab holds the lock / closing
            state.lastError = e;
            if (code === 'store/unsupported') off = true;
            report(e);
          },
        )
        .finally(() => (running = null));
    },
    idle: async (): Promise<void> => {
      while (running !== null) await running;
    },
  };
  return state;
}

function report(e: unknown): void {
  const r = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (typeof r === 'function') r(e);
  else console.warn('CairnDB: automatic GC failed', e);
}
